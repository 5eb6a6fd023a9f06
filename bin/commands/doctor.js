'use strict'

const { requireProject, withCache } = require('../lib/cache.js')
const { EXIT_FAILED, EXIT_OK } = require('../lib/errors.js')
const { PROJECT_OPTION } = require('../lib/parse.js')

/** Every artifact of `health` (all pages), optionally of one project. */
function allOfHealth(cache, health, projectId) {
  const items = []
  for (let offset = 0; ; offset += 1000) {
    const page = cache.listArtifacts({ health, ...(projectId ? { projectId } : {}), sortBy: 'project', offset, limit: 1000 })
    items.push(...page.items)
    if (items.length >= page.total || page.items.length === 0) return items
  }
}

/**
 * Refreshes, then gathers the broken and degraded artifacts by project: { counts, projects }.
 * Notes (Claude Code is fine; the Agent Skills spec or another loader is not) never change health:
 * they are left out unless `notes`, which also lists the ok artifacts that have some.
 */
async function diagnose(cache, projectId, notes = false) {
  requireProject(cache, projectId)
  await cache.refresh(projectId ? { projectId } : {})
  const noted = notes ? allOfHealth(cache, 'ok', projectId).filter((a) => a.problems.some((p) => p.severity === 'note')) : []
  const arts = [...allOfHealth(cache, 'broken', projectId), ...allOfHealth(cache, 'degraded', projectId), ...noted].map((a) =>
    notes ? a : { ...a, problems: a.problems.filter((p) => p.severity !== 'note') },
  )
  const projects = new Map()
  const projectOf = (id) => {
    if (!projects.has(id)) {
      const p = cache.getProject(id)
      projects.set(id, { id, name: p ? p.name : id, path: p ? p.path : null, errors: p ? p.errors : [], artifacts: [] })
    }
    return projects.get(id)
  }
  for (const a of arts) {
    projectOf(a.projectId).artifacts.push({ id: a.id, name: a.displayName || a.name, type: a.type, path: a.path, health: a.health, problems: a.problems })
  }
  const withErrors = projectId ? [cache.getProject(projectId)] : cache.listProjects({ status: 'error', limit: 10000 }).items
  for (const p of withErrors) if (p && p.errors.length) projectOf(p.id)
  let counts = cache.status().artifactsByHealth
  if (projectId) {
    const broken = arts.filter((a) => a.health === 'broken').length
    const degraded = arts.filter((a) => a.health === 'degraded').length
    counts = { ok: cache.listArtifacts({ projectId, limit: 1 }).total - broken - degraded, degraded, broken }
  }
  const list = [...projects.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const rank = { broken: 0, degraded: 1, ok: 2 }
  for (const p of list) p.artifacts.sort((a, b) => (a.health === b.health ? (a.path < b.path ? -1 : 1) : rank[a.health] - rank[b.health]))
  return { counts, projects: list }
}

function print(out, report) {
  const st = out.style
  const { ok, degraded, broken } = report.counts
  if (!report.projects.length) {
    out.line(`${st.green('No problems.')} ${ok} artifact${ok === 1 ? '' : 's'}: Claude Code loads every one as written.`)
    return
  }
  for (const p of report.projects) {
    out.line(`${st.bold(p.name)}  ${st.dim(p.path || '')}`)
    for (const a of p.artifacts) {
      const label = a.health === 'broken' ? st.red('broken  ') : a.health === 'degraded' ? st.yellow('degraded') : st.dim('ok      ')
      out.line(`  ${label} ${a.type} ${st.bold(a.name)}`)
      for (const pr of a.problems) {
        const at = pr.line ? `${pr.file}:${pr.line}${pr.column ? `:${pr.column}` : ''}` : pr.file
        const code = pr.severity === 'error' ? st.red(pr.code) : pr.severity === 'warning' ? st.yellow(pr.code) : st.dim(`${pr.code} (note)`)
        out.line(`    ${code}  ${st.dim(at)}`)
        out.line(`      ${pr.message}`)
        out.line(`      ${st.green('fix:')} ${pr.fix}`)
      }
    }
    for (const e of p.errors) {
      out.line(`  ${st.red('project ')} ${e.file}${e.line ? `:${e.line}` : ''}`)
      out.line(`      ${e.reason}`)
    }
  }
  out.line('')
  out.line(`${broken} broken, ${degraded} degraded, ${ok} ok${broken ? ' (exit 1)' : ''}`)
}

module.exports = {
  name: 'doctor',
  readsOnly: true,
  order: 140,
  summary: 'What Claude Code will not load, or loads losing something, with the line and the fix (exit 1 when anything is broken)',
  description: `
Refreshes (unchanged files are skipped), then lists, project by project, every
artifact Claude Code will not load or never choose (broken) and every one it
loads but loses something of (degraded), each problem with its file, line,
what Claude Code does, and the fix; then project-level problems (a manifest
that does not parse, a deployed artifact whose files are gone). --notes adds the
notes: what Claude Code loads whole but the Agent Skills spec, claude.ai uploads
or other agents' loaders reject (a repaired frontmatter, a name unlike its
folder, an empty description); they never change an artifact's health.`,
  details: `
Exit status: 1 when any artifact is broken (for scripts and CI), else 0.
--json prints {counts: {ok, degraded, broken}, projects: [{id, name, path,
errors, artifacts: [{id, name, type, path, health, problems}]}]}.`,
  options: {
    project: PROJECT_OPTION,
    notes: { type: 'boolean', description: 'Also show notes (other loaders and the Agent Skills spec; health unchanged), and the ok artifacts that have some' },
  },
  args: [],
  async run(ctx) {
    const report = await withCache(ctx.values, (cache) => diagnose(cache, ctx.values.project, Boolean(ctx.values.notes)))
    if (ctx.json) ctx.out.json(report)
    else print(ctx.out, report)
    return report.counts.broken > 0 ? EXIT_FAILED : EXIT_OK
  },
}
