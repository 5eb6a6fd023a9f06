'use strict'

const { withCache } = require('../lib/cache.js')
const { ago } = require('../lib/format.js')
const { oneLine } = require('../lib/output.js')
const { pageOptions, pageQuery } = require('../lib/parse.js')
const { PROG } = require('../lib/program.js')

module.exports = {
  name: 'projects',
  readsOnly: true,
  order: 20,
  summary: 'List cached projects',
  details: '--json prints the page {items, total, offset, limit}.',
  options: {
    status: { type: 'string', value: 'S', description: 'active, stale, error or missing' },
    ...pageOptions({ sort: 'name (default), path, status, scanned, updated, artifactCount' }),
  },
  args: [],
  async run(ctx) {
    const { out } = ctx
    const v = ctx.values
    const q = pageQuery(v, { status: 'status' })
    if (q.sortBy === 'artifacts') q.sortBy = 'artifactCount'
    const page = await withCache(v, (cache) => cache.listProjects(q))
    if (ctx.json) return out.json(page)
    const st = out.style
    if (page.total === 0) {
      out.line(
        v.status
          ? `No ${v.status} projects.`
          : `No projects. Register one with '${PROG} register PATH', or set project_roots and run '${PROG} refresh'.`,
      )
      return
    }
    const now = Date.now()
    out.table(
      [
        { header: 'ID', fixed: true, style: (t) => st.dim(t) },
        { header: 'NAME', style: (t) => st.bold(t) },
        { header: 'STATUS', style: st.status },
        { header: 'ARTIFACTS', align: 'right' },
        { header: 'ERRORS', align: 'right', style: (t) => (t !== '0' ? st.red(t) : t) },
        { header: 'SCANNED' },
        { header: 'PATH', flex: 'start', min: 12 },
      ],
      page.items.map((p) => [
        p.id,
        p.name,
        p.status,
        p.artifactCount,
        p.errorCount + (p.errors ? p.errors.length : 0),
        ago(p.scannedAt, now),
        p.path,
      ]),
    )
    for (const p of page.items) {
      // `error` sums up `errors` when there are any: each problem once.
      if (p.error && !(p.errors && p.errors.length)) out.line(`${st.red('!')} ${p.name}: ${oneLine(p.error)}`)
      for (const fe of p.errors || []) {
        out.line(`${st.red('!')} ${p.name}: ${fe.file}${fe.line ? `:${fe.line}` : ''}: ${oneLine(fe.reason)}`)
      }
    }
    out.pageFooter(page, 'project')
  },
}
