'use strict'
// Route: `GET /cache/search`. See ./index.js for what an entry holds.

const { defined } = require('../query.js')
const { projectIdOf, skillmeatIdOf } = require('../ids.js')

/** The most hits a search ranks (the `skip` bound of `/cache/search`). */
const SEARCH_MAX_HITS = 10_000

module.exports = [
  {
    path: ['cache', 'search'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        const q = query.string('query', { required: true, minLength: 1 })
        const projectId = projectIdOf(cache, query.id('project_id'))
        const type = query.type()
        const { skip, limit } = query.page(50, 200)
        const sortBy = query.sort('sort_by', ['relevance', 'name', 'type', 'updated'], 'relevance')
        const outdated = query.bool('is_outdated')
        const health = query.oneOf('health', ['ok', 'degraded', 'broken'], undefined)
        const base = defined({ kind: 'artifact', projectId, type, outdated, health })
        let items
        let total
        if (type === null || q.trim() === '') {
          // Nothing to match: an unknown type, or a query of spaces only (which names nothing;
          // the cache's own blank query would list everything).
          total = 0
          items = []
        } else if (skip >= SEARCH_MAX_HITS) {
          // Past the hits any page can reach (SkillMeat has no bound): an empty page, the total.
          total = cache.search(q, { ...base, offset: 0, limit: 1 }).total
          items = []
        } else if (sortBy === 'type') {
          // The index sorts by relevance, name or time; by type, every hit is sorted here (each
          // page must come from the same order), by relevance within a type.
          const all = cache.search(q, { ...base, offset: 0, limit: SEARCH_MAX_HITS })
          total = all.total
          items = all.items
            .map((h, i) => [h, i])
            .sort((a, b) => (a[0].type < b[0].type ? -1 : a[0].type > b[0].type ? 1 : a[1] - b[1]))
            .map(([h]) => h)
            .slice(skip, skip + limit)
        } else {
          const order = sortBy === 'updated' ? 'desc' : 'asc'
          const r = cache.search(q, defined({ ...base, sortBy, order: sortBy === 'relevance' ? undefined : order, offset: skip, limit }))
          total = r.total
          items = r.items
        }
        return {
          body: {
            items: items.map((h) => ({
              id: h.id,
              name: h.name,
              type: h.type,
              // SkillMeat's project id (as `/projects` gives it); the cache's beside it (added).
              project_id: skillmeatIdOf(cache, h.projectId),
              project_name: h.projectName,
              score: h.score,
              project_cache_id: h.projectId,
            })),
            total,
            query: q,
            skip,
            limit,
          },
        }
      },
    },
  },
]
