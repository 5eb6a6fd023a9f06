'use strict'
// Routes: `GET /cache/projects` and `GET /cache/projects/:id`. See ./index.js for what an entry holds.

const { HttpError, shortId } = require('../errors.js')
const { defined, NO_MATCH } = require('../query.js')
const { projectRow, projectDetail } = require('../wire.js')
const { projectIdOf } = require('../ids.js')

module.exports = [
  {
    path: ['cache', 'projects'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        const status = query.projectStatus('status')
        const { skip, limit } = query.page(100, 500)
        const page = status === null ? NO_MATCH : cache.listProjects(defined({ status, offset: skip, limit }))
        return { body: { items: page.items.map(projectRow), total: page.total, skip, limit } }
      },
    },
  },
  {
    path: ['cache', 'projects', ':id'],
    GET: {
      etag: 'data',
      run({ cache, params }) {
        const p = cache.getProject(projectIdOf(cache, params.id))
        if (!p) throw new HttpError(404, `Project '${shortId(params.id)}' not found`)
        return { body: projectDetail(p) }
      },
    },
  },
]
