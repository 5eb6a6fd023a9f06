'use strict'

const { reportWarnings, requireProject, withCache } = require('../lib/cache.js')
const { usage } = require('../lib/errors.js')
const { plural } = require('../lib/format.js')

module.exports = {
  name: 'invalidate',
  order: 110,
  summary: 'Mark one project (or all) for a full re-scan',
  description: `
The next refresh re-reads every file of the project (or of every project).
An unknown PROJECT_ID is an error (NOT_FOUND, exit 1).
--json prints {"invalidated": N}.`,
  options: {},
  args: ['PROJECT_ID?'],
  async run(ctx) {
    const [projectId] = ctx.args
    if (projectId === '') throw usage('PROJECT_ID must not be empty')
    const n = await withCache(ctx.values, (cache) => {
      // invalidate() returns 0 for an unknown id; make that an error like unregister.
      requireProject(cache, projectId)
      const count = cache.invalidate(projectId)
      reportWarnings(cache, ctx)
      return count
    })
    if (ctx.json) return ctx.out.json({ invalidated: n })
    ctx.out.line(`Invalidated ${plural(n, 'project')}; the next refresh re-scans ${n === 1 ? 'it' : 'them'} in full.`)
  },
}
