'use strict'
// @skillmeat/cache/next: the cache handler as Next.js App Router route handlers, and one Cache per
// database per process that survives dev-server reloads and module re-evaluation.
//
//   // app/api/v1/[...path]/route.ts
//   import { createRouteHandlers } from '@skillmeat/cache/next'
//   export const runtime = 'nodejs'
//   export const dynamic = 'force-dynamic'
//   export const { GET, POST } = createRouteHandlers()

const { createCacheHandler } = require('./http.js')

// A globalThis slot (not a module variable): Next re-evaluates modules on every dev reload and may
// bundle a route twice, but globalThis lives as long as the process.
const SLOT = Symbol.for('@skillmeat/cache.next')

function slot() {
  if (!globalThis[SLOT]) globalThis[SLOT] = { caches: new Map(), handlers: new Map() }
  return globalThis[SLOT]
}

function keyOf(open) {
  const o = open || {}
  return JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]))
}

function isOpen(cache) {
  try {
    cache.generation()
    return true
  } catch {
    return false
  }
}

/**
 * The `Cache` for `open` (options of `Cache.open()`), opened once per process and reused
 * across module re-evaluation; reopened if it was closed. Two different option objects naming
 * the same database file still share one store (the addon keeps one cache per file).
 */
function getCache(open = {}) {
  const s = slot()
  const key = keyOf(open)
  const have = s.caches.get(key)
  if (have && isOpen(have)) return have
  const { Cache } = require('../../index.js')
  const cache = Cache.open(open)
  s.caches.set(key, cache)
  return cache
}

/**
 * `{ GET, POST, HEAD, OPTIONS }` route handlers for a catch-all route under `basePath`
 * (default `/api/v1`): `app/api/v1/[...path]/route.ts`. Options are those of
 * `createCacheHandler` (`cache`, `open`, `basePath`, `apiKey`); without `cache`, the cache comes
 * from {@link getCache}`(open)`.
 */
function createRouteHandlers(options = {}) {
  const s = slot()
  const key = options.cache ? null : `${keyOf(options.open)}|${options.basePath || ''}|${options.apiKey || ''}`
  let handler = key ? s.handlers.get(key) : null
  if (!handler || (handler.cache && !isOpen(handler.cache))) {
    handler = createCacheHandler({ ...options, cache: options.cache || getCache(options.open) })
    if (key) s.handlers.set(key, handler)
  }
  const route = (request) => handler(request)
  return { GET: route, POST: route, HEAD: route, OPTIONS: route }
}

module.exports = { createRouteHandlers, getCache }
