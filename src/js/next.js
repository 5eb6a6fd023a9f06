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
const { serverDefaults } = require('./server-defaults.js')

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
 * across module re-evaluation; reopened if it was closed. It watches the project folders unless
 * `watch` is configured (option, SKILLMEAT_CACHE_WATCH or config.toml), so answers follow the
 * files without a refresh, and finds projects where SkillMeat's server does (`~/projects`, `~/dev`,
 * `~/workspace`, `~/src`) unless project roots are configured. Two different option objects naming
 * the same database file still share one store (the addon keeps one cache per file).
 */
function getCache(open = {}) {
  const s = slot()
  const key = keyOf(open)
  const have = s.caches.get(key)
  if (have && isOpen(have)) return have
  const { Cache } = require('../../index.js')
  const cache = Cache.open(serverDefaults(open))
  s.caches.set(key, cache)
  if (!s.exitHook) {
    // A process that ends without close() (a `next build` worker, a dev server stopped with
    // Ctrl+C) would leave its refresher lease to expire (a TTL) before another process may
    // watch; closing on exit hands it over at once.
    s.exitHook = () => {
      for (const c of s.caches.values()) {
        try {
          c.close()
        } catch {
          // already closed
        }
      }
    }
    process.once('exit', s.exitHook)
  }
  return cache
}

/**
 * `{ GET, POST, PUT, DELETE, HEAD, OPTIONS }` route handlers (PUT and DELETE answer 501: those
 * routes write project files and stay SkillMeat's FastAPI's) for a catch-all route under `basePath`
 * (default `/api/v1`): `app/api/v1/[...path]/route.ts`. Options are those of
 * `createCacheHandler` (`cache`, `open`, `basePath`, `apiKey`, `cors`); without `cache`, the cache comes
 * from {@link getCache}`(open)`, opened on the first request (not when the route module is
 * evaluated: `next build` evaluates it without serving anything).
 */
function createRouteHandlers(options = {}) {
  const s = slot()
  const key = options.cache ? null : `${keyOf(options.open)}|${options.basePath || ''}|${options.apiKey || ''}|${JSON.stringify(options.cors)}`
  let own = null
  const handler = () => {
    let h = key ? s.handlers.get(key) : own
    if (!h || (h.cache && !isOpen(h.cache))) {
      h = createCacheHandler({ ...options, cache: options.cache || getCache(options.open) })
      if (key) s.handlers.set(key, h)
      else own = h
    }
    return h
  }
  const route = (request) => handler()(request)
  return { GET: route, POST: route, PUT: route, DELETE: route, HEAD: route, OPTIONS: route }
}

/** The npm name of the platform package napi publishes for a Rust target triple. */
function platformPackage(name, triple) {
  const [cpu, , os, abi] = triple.split('-')
  const arch = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32' }[cpu] || cpu
  if (os === 'darwin') return `${name}-darwin-${arch}`
  if (os === 'windows') return `${name}-win32-${arch}-${abi}`
  return `${name}-${os}-${arch}${abi ? `-${abi}` : ''}`
}

/**
 * For `next.config`'s `serverExternalPackages`: the packages holding the native addon, one per
 * platform, which Next must load with Node's `require` rather than bundle. `@skillmeat/cache`
 * itself stays bundled, so that `@skillmeat/cache/react` in client components renders with the
 * app's React during server rendering (an externalized copy would import a second React).
 */
const { name: PACKAGE, napi } = require('../../package.json')
const serverExternalPackages = napi.targets.map((t) => platformPackage(PACKAGE, t))

module.exports = { createRouteHandlers, getCache, serverExternalPackages }
