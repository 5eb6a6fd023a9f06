// Server side: how this app opens the cache, and an in-process client for server components.
// SKILLMEAT_HOME and SKILLMEAT_CACHE_PROJECT_ROOTS come from the environment (.env.local, written
// by `npm run setup` for the sample projects); without them the cache uses ~/.skillmeat.
import type { CacheOptions } from '@skillmeat/cache'
import { createRouteHandlers } from '@skillmeat/cache/next'
import { createCacheClient } from '@skillmeat/cache/client'

/** Watch project folders and refresh in the background, so an open page stays live. */
export const cacheOptions: CacheOptions = { watch: true, backgroundRefresh: true }

/** The route handlers of `app/api/v1/[...path]/route.ts` (one cache per process). */
export function cacheRoutes() {
  return createRouteHandlers({ open: cacheOptions })
}

/**
 * A client that calls the route handler in-process (no HTTP hop), for prefetching in server
 * components with the same query definitions the browser's hooks use.
 */
export function serverCacheClient() {
  const { GET } = cacheRoutes()
  return createCacheClient({ baseUrl: 'http://in-process/api/v1', fetch: (url, init) => GET(new Request(url, init)) })
}
