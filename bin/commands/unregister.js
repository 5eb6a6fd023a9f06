'use strict'

const { reportWarnings, withCache } = require('../lib/cache.js')
const { projectNotFound, usage } = require('../lib/errors.js')

module.exports = {
  name: 'unregister',
  order: 100,
  summary: 'Forget a project and its cached artifacts',
  description: `
An unknown ID is an error (NOT_FOUND, exit 1).
--json prints {"id": ID, "removed": true}.`,
  options: {},
  args: ['ID'],
  async run(ctx) {
    const [id] = ctx.args
    if (id === '') throw usage('ID must not be empty')
    await withCache(ctx.values, (cache) => {
      if (!cache.unregisterProject(id)) throw projectNotFound(id)
      reportWarnings(cache, ctx)
    })
    if (ctx.json) return ctx.out.json({ id, removed: true })
    ctx.out.line(`Unregistered ${id}`)
  },
}
