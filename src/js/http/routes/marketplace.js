'use strict'
// Route: `GET /cache/marketplace`. See ./index.js for what an entry holds.

const { defined } = require('../query.js')
const { iso, originUrl } = require('../wire.js')

module.exports = [
  {
    path: ['cache', 'marketplace'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        // An empty type is no filter, as in SkillMeat (`if type_filter:`).
        const type = query.string('type', { maxLength: 100 }) || undefined
        const { skip, limit } = query.page(100, 500)
        const sources = cache.marketplaceSources()
        const fetched = Object.fromEntries(sources.map((s) => [s.name, s.fetchedAt]))
        const listedAt = Object.fromEntries(sources.map((s) => [s.name, s.url]))
        const page = cache.marketplaceEntries(defined({ type, offset: skip, limit }))
        const items = page.items.map((e) => {
          let data = null
          try {
            data = JSON.parse(e.raw)
          } catch {
            data = null
          }
          return {
            id: e.id,
            name: e.name,
            type: e.type,
            // SkillMeat's `url` is always a string: the homepage, else where it is published,
            // else the marketplace listing it.
            url: e.homepage ?? originUrl(e.origin) ?? listedAt[e.source] ?? '',
            description: e.description ?? null,
            cached_at: iso(fetched[e.source]),
            data,
            // Added by this package.
            source: e.source,
            version: e.version ?? null,
            update_available: e.updateAvailable,
            stale: e.stale,
          }
        })
        return { body: { items, total: page.total, skip, limit } }
      },
    },
  },
]
