import type { Cache, CacheOptions } from '../../index'

/** Options of {@link createCacheHandler}. */
export interface CacheHandlerOptions {
  /** An open cache to answer from. It is not closed by the handler. */
  cache?: Cache
  /** Options for `Cache.open()`, used on the first request when no `cache` is given. */
  open?: CacheOptions
  /** Prefix of every route (default `/api/v1`). */
  basePath?: string
  /** When set, every request must carry it in `X-API-Key` (else 401). */
  apiKey?: string
  /**
   * Cross-origin requests, as SkillMeat's FastAPI answers them: `false` turns them off; each part
   * given overrides the cache's configuration (`corsOrigins`, `corsAllowCredentials`,
   * `corsAllowMethods`, `corsAllowHeaders`: SKILLMEAT_CORS_* or config.toml), whose defaults are
   * SkillMeat's (origins http://localhost:3000, :3001, :5173, :8080; credentials; any method and header).
   */
  cors?: false | CorsOptions
}

/** Which pages may call the routes from another origin (see `CacheHandlerOptions.cors`). */
export interface CorsOptions {
  /** Allowed origins (`'*'`: any). */
  origins?: string[]
  /** Allow cookies and `X-API-Key` on cross-origin requests. */
  allowCredentials?: boolean
  /** Allowed methods (`'*'`: any). */
  allowMethods?: string[]
  /** Allowed request headers (`'*'`: any). */
  allowHeaders?: string[]
}

/**
 * The handler of every cache route of SkillMeat's API (`/cache/*`, `/projects`,
 * `/projects/cache/*`) on web-standard `Request`/`Response`: snake_case JSON, `{ detail }` errors
 * (FastAPI's validation list for 422), `ETag`/`If-None-Match` on every GET, `X-Cache-Hit` and
 * `X-Cache-Age` on list routes. See docs/http.md for every route.
 */
export type CacheHandler = ((request: Request) => Promise<Response>) & {
  /** The cache answering (opened on the first request when created with `open`). */
  readonly cache: Cache | null
  /** Ends every open `GET /cache/events` stream (call before stopping a server). */
  closeStreams(): void
}

/** Creates the handler. Throws `INVALID_ARGUMENT` for a `basePath` that does not start with `/`. */
export declare function createCacheHandler(options?: CacheHandlerOptions): CacheHandler

/** SkillMeat's human `version_difference` of an artifact, e.g. `minor version upgrade (1.0.0 -> 1.1.0)`; `null` when not outdated. */
export declare function versionDifference(artifact: {
  isOutdated: boolean
  versionDiff?: string
  deployedVersion?: string
  upstreamVersion?: string
  deployedSha?: string
  upstreamSha?: string
}): string | null

/** An error the handler answers as `{ detail }` with `status`. */
export declare class HttpError extends Error {
  constructor(status: number, detail: unknown, options?: { code?: string; headers?: Record<string, string> })
  status: number
  detail: unknown
  code?: string
  headers?: Record<string, string>
}
