import type { Cache, CacheOptions } from '../../index'
import type { CacheHandlerOptions } from './http'

/** A Next.js App Router route handler (the second argument, `{ params }`, is not needed). */
export type RouteHandler = (request: Request, context?: unknown) => Promise<Response>

/**
 * Route handlers for `app/api/v1/[...path]/route.ts` (set `runtime = 'nodejs'` and
 * `dynamic = 'force-dynamic'` there). Without `cache`, the cache is `getCache(open)`.
 */
export declare function createRouteHandlers(options?: CacheHandlerOptions): {
  GET: RouteHandler
  POST: RouteHandler
  /** Answers 501: SkillMeat's routes that write project files stay its FastAPI's. */
  PUT: RouteHandler
  /** Answers 501, as PUT. */
  DELETE: RouteHandler
  HEAD: RouteHandler
  OPTIONS: RouteHandler
}

/**
 * One `Cache` per database per process, kept on `globalThis` so it survives Next's dev reloads
 * and module re-evaluation; reopened when it was closed.
 */
export declare function getCache(open?: CacheOptions): Cache

/**
 * The platform packages of the native addon, for `next.config`'s `serverExternalPackages`
 * (`@skillmeat/cache` itself stays bundled so its React entry uses the app's React).
 */
export declare const serverExternalPackages: string[]
