'use strict'

const { requireProject, withCache } = require('../lib/cache.js')
const { ARTIFACT_TYPE_OPTION, PROJECT_OPTION, pageOptions, pageQuery } = require('../lib/parse.js')

module.exports = {
  name: 'artifacts',
  readsOnly: true,
  order: 30,
  summary: 'List cached artifacts',
  details: `
HEALTH is what Claude Code will do with the artifact: ok, degraded (loaded
with losses) or broken (not loaded as written); 'doctor' says why and how to
fix it. In the STATUS column, 'modified' marks files changed since deployment
and 'outdated' a newer upstream version. --json prints the page
{items, total, offset, limit}.`,
  options: {
    project: PROJECT_OPTION,
    type: ARTIFACT_TYPE_OPTION,
    status: { type: 'string', value: 'S', description: 'ok or error' },
    health: { type: 'string', value: 'H', description: 'ok, degraded or broken' },
    origin: { type: 'string', value: 'O', description: 'local or collection' },
    ...pageOptions({ sort: 'name (default), type, project, updated' }),
  },
  args: [],
  async run(ctx) {
    const { out } = ctx
    const v = ctx.values
    const q = pageQuery(v, { project: 'projectId', type: 'type', status: 'status', origin: 'origin', health: 'health' })
    const page = await withCache(v, (cache) => {
      requireProject(cache, v.project)
      return cache.listArtifacts(q)
    })
    if (ctx.json) return out.json(page)
    const st = out.style
    if (page.total === 0) {
      out.line('No artifacts.')
      return
    }
    out.table(
      [
        { header: 'NAME', style: (t) => st.bold(t) },
        { header: 'TYPE' },
        { header: 'PROJECT' },
        { header: 'ORIGIN' },
        { header: 'HEALTH', style: st.status },
        { header: 'STATUS', style: st.status },
        { header: 'DESCRIPTION', flex: 'end', min: 10, style: (t, i) => (page.items[i].status === 'error' ? st.red(t) : t) },
      ],
      page.items.map((a) => {
        const flags = [a.status, a.localModified && 'modified', a.isOutdated && 'outdated'].filter(Boolean)
        return [a.name, a.type, a.projectName, a.origin, a.health, flags.join(', '), a.status === 'error' && a.error ? a.error : a.description]
      }),
    )
    out.pageFooter(page, 'artifact')
  },
}
