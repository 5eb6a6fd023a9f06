'use strict'

const { reportWarnings, withCache } = require('../lib/cache.js')
const { formatDuration } = require('../lib/format.js')
const { oneLine, progressBar } = require('../lib/output.js')

/** Runs `cache.refresh(req)`, drawing a progress bar on a terminal's stderr (never with --json). */
async function refreshWithProgress(cache, req, ctx) {
  const bar = ctx.json ? null : progressBar(ctx.out.stderr, 'projects', ctx.env)
  // The cache only computes progress while someone listens; listen only for a bar.
  const unsubscribe = bar
    ? cache.onEvent((e) => {
        if (e.type === 'refreshProgress') bar.update(e.done, e.total)
      })
    : null
  try {
    return await cache.refresh(req)
  } finally {
    if (unsubscribe) unsubscribe()
    if (bar) bar.clear()
  }
}

module.exports = {
  name: 'refresh',
  order: 80,
  summary: 'Re-scan projects (all of them, after discovery, by default)',
  description: `
Re-scans one project, or discovers projects and re-scans all of them.
Unchanged files are skipped by size and mtime unless --force.
Malformed files are listed but do not make the command fail.
When stderr is a terminal, a progress bar ([#####-----] 42/100 projects) is
drawn there while several projects are scanned, and cleared before the summary.
--json prints the refresh summary (and never draws the bar).`,
  options: {
    force: { type: 'boolean', description: 'Re-read every file, changed or not' },
  },
  args: ['PROJECT_ID?'],
  async run(ctx) {
    const { out } = ctx
    const [projectId] = ctx.args
    const req = {}
    if (projectId !== undefined) req.projectId = projectId
    if (ctx.values.force) req.force = true
    const s = await withCache(ctx.values, async (cache) => {
      const summary = await refreshWithProgress(cache, req, ctx)
      reportWarnings(cache, ctx)
      return summary
    })
    if (ctx.json) return out.json(s)
    const st = out.style
    out.fields([
      ['Projects', `${s.projectsScanned} scanned, ${s.projectsChanged} changed, ${s.projectsDiscovered} discovered, ${s.projectsMissing} missing`],
      ['Artifacts', `${s.artifactsAdded} added, ${s.artifactsUpdated} updated, ${s.artifactsRemoved} removed, ${s.artifactsRead} read`],
      ['Duration', formatDuration(s.durationMs)],
    ])
    if (s.errors.length) {
      out.line(st.red(`Errors (${s.errors.length}):`))
      for (const e of s.errors) out.line(`  ${oneLine(e)}`)
    }
  },
}
