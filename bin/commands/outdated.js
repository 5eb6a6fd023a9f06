'use strict'

const { requireProject, withCache } = require('../lib/cache.js')
const { shortVersion } = require('../lib/format.js')
const { DIFF_COLOURS } = require('../lib/output.js')
const { ARTIFACT_TYPE_OPTION, PROJECT_OPTION, pageOptions, pageQuery } = require('../lib/parse.js')
const { PROG } = require('../lib/program.js')

module.exports = {
  name: 'outdated',
  readsOnly: true,
  order: 40,
  summary: "Artifacts with a newer upstream version (like 'npm outdated', but exits 0)",
  description: `
Lists artifacts whose upstream version is newer than the deployed one, like
'npm outdated': ARTIFACT, TYPE, PROJECT, DEPLOYED, UPSTREAM, DIFFERENCE.
On a terminal, rows are coloured by the difference: major red, minor yellow,
patch green, prerelease cyan, commit magenta. Upstream versions come from
GitHub ('${PROG} check-upstream'), else from the collection lock and the
marketplace listings ('${PROG} marketplace --refresh').`,
  details: `
Unlike 'npm outdated', which exits 1 when something is outdated, this exits 0
whether or not anything is outdated (1 only when the query fails); in scripts,
use --json and check 'total'. --json prints the page {items, total, offset,
limit}; items are artifacts with deployedVersion, upstreamVersion and
versionDiff.`,
  options: {
    type: ARTIFACT_TYPE_OPTION,
    project: PROJECT_OPTION,
    difference: { type: 'string', value: 'D', description: 'major, minor, patch, prerelease or commit' },
    ...pageOptions({ sort: 'name (default), type, project, difference (most severe first), updated' }),
  },
  args: [],
  async run(ctx) {
    const { out } = ctx
    const v = ctx.values
    const q = pageQuery(v, { type: 'type', project: 'projectId', difference: 'difference' })
    if (q.sortBy === 'difference' || q.sortBy === 'diff') q.sortBy = 'versionDiff'
    const page = await withCache(v, (cache) => {
      requireProject(cache, v.project)
      return cache.outdatedArtifacts(q)
    })
    if (ctx.json) return out.json(page)
    const st = out.style
    if (page.total === 0) {
      const filtered = ['type', 'projectId', 'difference'].some((k) => q[k] !== undefined)
      out.line(filtered ? 'No outdated artifacts match.' : 'No outdated artifacts.')
      return
    }
    const sev = (i) => st.keyed(DIFF_COLOURS, page.items[i].versionDiff)
    out.table(
      [
        { header: 'ARTIFACT', style: (t, i) => st.bold(sev(i)(t)) },
        { header: 'TYPE' },
        { header: 'PROJECT' },
        { header: 'DEPLOYED' },
        { header: 'UPSTREAM', style: (t, i) => sev(i)(t) },
        { header: 'DIFFERENCE', style: (t, i) => sev(i)(t) },
      ],
      page.items.map((a) => [
        a.name,
        a.type,
        a.projectName,
        shortVersion(a.deployedVersion ?? a.deployedSha),
        shortVersion(a.upstreamVersion ?? a.upstreamSha),
        a.versionDiff || 'unknown',
      ]),
    )
    out.pageFooter(page, 'outdated artifact')
  },
}
