'use strict'
// Routes: `GET /cache/artifacts`, `GET /cache/artifacts/:id` and `GET /cache/stale-artifacts`. See
// ./index.js for what an entry holds. Rows name their project by SkillMeat's id (`project_id`,
// what `/projects` answers, so the two join), the cache's id beside it (`project_cache_id`).

const { HttpError, shortId } = require('../errors.js')
const { defined, NO_MATCH } = require('../query.js')
const { artifactRow, artifactDetail, staleRow } = require('../wire.js')
const { projectIdOf, skillmeatIdOf } = require('../ids.js')

module.exports = [
  {
    path: ['cache', 'artifacts'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        const projectId = projectIdOf(cache, query.id('project_id'))
        const type = query.type()
        const outdated = query.bool('is_outdated')
        const origin = query.oneOf('origin', ['local', 'collection', 'marketplace'], undefined)
        const status = query.oneOf('status', ['ok', 'error'], undefined)
        const health = query.oneOf('health', ['ok', 'degraded', 'broken'], undefined)
        const { skip, limit } = query.page(100, 500)
        const page = type === null ? NO_MATCH : cache.listArtifacts(defined({ projectId, type, outdated, origin, status, health, offset: skip, limit }))
        return { body: { items: page.items.map((a) => artifactRow(a, skillmeatIdOf(cache, a.projectId))), total: page.total, skip, limit } }
      },
    },
  },
  {
    path: ['cache', 'artifacts', ':id'],
    GET: {
      etag: 'data',
      run({ cache, params }) {
        const a = cache.getArtifact(params.id)
        if (!a) throw new HttpError(404, `Artifact '${shortId(params.id)}' not found`)
        return { body: artifactDetail(a, skillmeatIdOf(cache, a.projectId)) }
      },
    },
  },
  {
    path: ['cache', 'stale-artifacts'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        const type = query.type()
        const projectId = projectIdOf(cache, query.id('project_id'))
        const sortBy = query.sort('sort_by', ['name', 'type', 'project', 'version_diff'], 'name')
        // As SkillMeat: `desc` in any case is descending, anything else ascending.
        const desc = (query.raw('sort_order') || '').toLowerCase() === 'desc'
        const { skip, limit } = query.page(100, 500)
        // SkillMeat sorts `version_diff` by its text, which puts "major …" first when ascending:
        // ascending is most severe first (the cache ranks severity, highest = most severe).
        const order = sortBy === 'version_diff' ? (desc ? 'asc' : 'desc') : desc ? 'desc' : 'asc'
        const page =
          type === null
            ? NO_MATCH
            : cache.outdatedArtifacts(defined({ type, projectId, sortBy: sortBy === 'version_diff' ? 'versionDiff' : sortBy, order, offset: skip, limit }))
        return { body: { items: page.items.map((a) => staleRow(a, skillmeatIdOf(cache, a.projectId))), total: page.total, skip, limit } }
      },
    },
  },
]
