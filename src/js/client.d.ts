// @skillmeat/cache/client: the cache API over HTTP without React (browsers, Node, server components).

/**
 * A TanStack Query filter, as `queryClient.invalidateQueries(filter)` takes it: a key prefix, or a
 * predicate over a query. (Declared here so this entry needs no React packages.)
 */
export interface CacheQueryFilter {
  queryKey?: readonly unknown[]
  predicate?: (query: { queryKey: readonly unknown[]; state: { data: unknown } }) => boolean
}

/** An HTTP error answer of the cache API. */
export declare class CacheApiError extends Error {
  readonly name: 'CacheApiError'
  /** HTTP status (0 when the API could not be reached). */
  readonly status: number
  /** The server's stable code (`CACHE_CLOSED`, `NOT_FOUND`, …), else `HTTP_<status>` or `NETWORK`. */
  readonly code: string
  /** The `detail` of the body: a string, or FastAPI's validation list. */
  readonly detail: unknown
}

export interface CacheClientOptions {
  /** Where the routes live (default `/api/v1`, same origin). */
  baseUrl?: string
  /** Sent as `X-API-Key` when the server requires one. */
  apiKey?: string
  /** Replaces `globalThis.fetch`. */
  fetch?: typeof fetch
}

export interface RequestInit {
  method?: 'GET' | 'POST'
  query?: Record<string, string | number | boolean | undefined | null>
  body?: unknown
  signal?: AbortSignal
}

export interface CacheClient {
  readonly baseUrl: string
  /** The JSON body and headers of a route; a non-2xx answer rejects with a `CacheApiError`. */
  send<T = unknown>(path: string, init?: RequestInit): Promise<{ body: T; headers: Headers }>
  /** The JSON body of a route. */
  request<T = unknown>(path: string, init?: RequestInit): Promise<T>
  /** Reads `GET /cache/events` until it ends (resolves) or fails (rejects). */
  subscribe(onEvent: (event: CacheStreamEvent) => void, options?: { signal?: AbortSignal; onOpen?: () => void }): Promise<void>
  /**
   * The data generation (from the ETag) of the oldest answer this client has received, `null`
   * before any. A server component that prefetched with this client passes it to the page for
   * `useCacheEvents({ generation })`.
   */
  dataGeneration(): number | null
  /** Calls `listener` with the data generation of every answer from now on; returns the unsubscribe. */
  onAnswer(listener: (generation: number) => void): () => void
}

/** The data generation an ETag of the cache API names (`W/"g42-m29000000"` → 42), or `null`. */
export declare function generationOf(etag: string | null | undefined): number | null

export declare function createCacheClient(options?: CacheClientOptions): CacheClient

// ---------------------------------------------------------------------------
// Wire shapes (snake_case, as the server sends them)

// The words are the cache's own (`index.d.ts`, generated from the Rust enums).
import type { ArtifactType, Health, VersionDiff } from '../../index'
export type { ArtifactType, Health }
/** Kind of difference to upstream, as `version_diff` and `difference` send it. */
export type Difference = VersionDiff

export interface ProjectCacheInfo {
  cache_hit: boolean
  last_fetched: string | null
  is_stale: boolean
}

export interface ProjectSummary {
  /** SkillMeat's project id: the path, base64-encoded (what its `/projects/{id}` routes take). */
  id: string
  /** Added by this package: the cache's id of the project (events carry it as `projectId`; every route takes either). */
  cache_id: string
  path: string
  name: string
  /** Entries of the project's deployment manifests (as SkillMeat counts deployments). */
  deployment_count: number
  /** The latest `deployed_at` of those entries, as written. */
  last_deployment: string | null
  /** Added by this package: the project's artifacts, its outdated ones, and when its cached content last changed. */
  artifact_count: number
  outdated_count: number
  updated_at: string | null
  cache_info?: ProjectCacheInfo
}

export interface ProjectsResponse {
  items: ProjectSummary[]
  page_info: { has_next_page: boolean; has_previous_page: boolean; start_cursor: string | null; end_cursor: string | null; total_count: number }
  /** The freshness of the answer (from `X-Cache-Hit` / `X-Cache-Last-Fetched`). */
  cache_info: ProjectCacheInfo
}

export interface ArtifactProblem {
  code: string
  severity: 'error' | 'warning' | 'note'
  file: string
  line: number | null
  column: number | null
  message: string
  fix: string
}

export interface ArtifactRow {
  id: string
  name: string
  type: ArtifactType
  /** SkillMeat's project id (the base64 path), as `/projects` gives it: rows join projects on it. */
  project_id: string
  /** Added by this package: the cache's id of the project (every route takes either id). */
  project_cache_id: string
  project_name: string
  deployed_version: string | null
  upstream_version: string | null
  is_outdated: boolean
  version_difference: string | null
  difference: Difference | null
  deployed_sha: string | null
  upstream_sha: string | null
  origin: 'local' | 'collection' | 'marketplace'
  source: string | null
  description: string | null
  modified_at: string | null
  health: Health
  problems: ArtifactProblem[]
}

export interface OutdatedArtifact {
  id: string
  name: string
  type: ArtifactType
  project_name: string
  /** SkillMeat's project id (the base64 path), as `/projects` gives it: rows join projects on it. */
  project_id: string
  /** Added by this package: the cache's id of the project (every route takes either id). */
  project_cache_id: string
  deployed_version: string | null
  upstream_version: string | null
  version_difference: string | null
  difference: Difference | null
  deployed_sha: string | null
  upstream_sha: string | null
  upstream_origin: string | null
  upstream_checked_at: string | null
  health: Health
}

export interface ArtifactDetail extends ArtifactRow {
  display_name: string
  path: string
  profile: string
  version: string | null
  author: string | null
  license: string | null
  tags: string[]
  tools: string[]
  version_spec: string | null
  from_collection: string | null
  /** The name its deployment manifest records (`artifact_name`), when it has a deployment. */
  deployed_name: string | null
  deployed_at: string | null
  local_modified: boolean
  upstream_origin: string | null
  upstream_checked_at: string | null
  upstream_error: string | null
  status: 'ok' | 'error'
  error: string | null
  size_bytes: number
  file_count: number
  scanned_at: string | null
}

export interface SearchHit {
  id: string
  name: string
  type: ArtifactType
  /** SkillMeat's project id (the base64 path), as `/projects` gives it: rows join projects on it. */
  project_id: string
  /** Added by this package: the cache's id of the project (every route takes either id). */
  project_cache_id: string
  project_name: string
  score: number
}

export interface SearchResponse {
  items: SearchHit[]
  total: number
  query: string
  skip: number
  limit: number
}

export interface Rows<T> {
  items: T[]
  total: number
}

/** One event of `GET /cache/events` (see docs/http.md). */
export type CacheStreamEvent =
  | { type: 'ready'; generation: number }
  | { type: 'dataChanged'; generation: number }
  | { type: 'refreshStarted'; trigger?: string; projectId?: string; projectKey?: string }
  | { type: 'refreshProgress'; done?: number; total?: number }
  | { type: 'refreshCompleted'; trigger?: string; projectId?: string; projectKey?: string; summary?: Record<string, unknown> }
  | { type: 'refreshError'; code?: string; message?: string }
  | { type: 'changesDetected'; projectId?: string; projectKey?: string; projectName?: string; added?: string[]; updated?: string[]; removed?: string[] }
  | { type: 'invalidated'; projectId?: string; projectKey?: string; count?: number }
  | { type: 'watcherDegraded'; reason?: string }

// ---------------------------------------------------------------------------
// Keys

export declare const cacheKeys: {
  projects(): readonly ['projects', 'list', 'with-cache-info']
  outdated<O>(options: O): readonly ['outdated-artifacts', 'list', O]
  status(): readonly ['cache', 'status']
  search<P>(params: P): readonly ['cache', 'search', P]
  artifacts<P>(params: P): readonly ['artifacts', 'list', P]
  artifact(id: string): readonly ['artifacts', 'detail', string]
}

/** The query filters an event of `GET /cache/events` makes stale. */
export declare function invalidationsFor(event: CacheStreamEvent): CacheQueryFilter[]

// ---------------------------------------------------------------------------
// Fetching and query definitions

export interface CacheInfo {
  cacheHit: boolean
  lastFetched: Date | null
  isStale: boolean
}

export interface UseOutdatedArtifactsOptions {
  type?: string
  sortBy?: 'name' | 'type' | 'project' | 'version_diff'
  sortOrder?: 'asc' | 'desc'
  projectId?: string
}
export interface CacheArtifactsParams {
  projectId?: string
  type?: ArtifactType
  isOutdated?: boolean
  health?: Health
}
export interface SearchParams {
  query: string
  type?: ArtifactType
  projectId?: string
  sortBy?: 'relevance' | 'name' | 'type' | 'updated'
  limit?: number
}

export interface CacheStatus {
  lastRefetch: Date | null
  cacheAge: number | null
  isStale: boolean
  totalProjects: number
  staleProjects: number
  /** The counts below come from this package's server (`null` from one that does not send them). */
  totalArtifacts: number | null
  outdatedArtifacts: number | null
  artifactsByHealth: Record<Health, number> | null
  isRefreshing: boolean
  ttlSeconds: number
}
export interface RefreshResult {
  success: boolean
  message: string
  stats: Record<string, unknown>
}
/**
 * The answer of {@link fetchStatus}: the `/projects/cache/stats` body as sent (SkillMeat's fields,
 * then this package's counts), what `['cache', 'status']` holds.
 */
export interface StatusResponse {
  entries: number
  last_scan: string | null
  cache_ttl: number
  is_valid: boolean
  age_seconds: number | null
  stale_projects?: number
  total_artifacts?: number
  outdated_artifacts?: number
  artifacts_by_health?: Record<Health, number>
  is_refreshing?: boolean
}

/** Every cursor page of `GET /projects`, with the answer's freshness as `cache_info`. */
export declare function fetchProjects(client: CacheClient, options?: { refresh?: boolean; signal?: AbortSignal }): Promise<ProjectsResponse>
/** Rows of every page of a skip/limit route. */
export declare function allPages<T = unknown>(client: CacheClient, path: string, query?: Record<string, unknown>, options?: { signal?: AbortSignal; pageSize?: number }): Promise<Rows<T>>
export declare function fetchStatus(client: CacheClient, signal?: AbortSignal): Promise<StatusResponse>
/** `cacheInfo` (camelCase, a `Date`) from a `fetchProjects` answer. */
export declare function cacheInfoOf(data: ProjectsResponse | undefined | null): CacheInfo | null
/** `CacheStatus` from a `fetchStatus` answer. */
export declare function statusOf(data: StatusResponse | undefined | null): CacheStatus | null

/** The roots of every key the cache's data answers. */
export declare const DATA_ROOTS: ReadonlyArray<readonly string[]>

interface QueryDefinition<K extends readonly unknown[], T> {
  queryKey: K
  queryFn: (context?: { signal?: AbortSignal }) => Promise<T>
}

/** `{ queryKey, queryFn }` of every query the hooks make (for `useQuery` and `prefetchQuery`). */
export declare const cacheQueries: {
  projects(client: CacheClient): QueryDefinition<readonly ['projects', 'list', 'with-cache-info'], ProjectsResponse>
  outdated<O extends UseOutdatedArtifactsOptions | undefined>(client: CacheClient, options: O): QueryDefinition<readonly ['outdated-artifacts', 'list', O], Rows<OutdatedArtifact>>
  artifacts<P extends CacheArtifactsParams>(client: CacheClient, params?: P): QueryDefinition<readonly ['artifacts', 'list', P], Rows<ArtifactRow>>
  artifact(client: CacheClient, id: string): QueryDefinition<readonly ['artifacts', 'detail', string], ArtifactDetail>
  search<P extends SearchParams>(client: CacheClient, params: P): QueryDefinition<readonly ['cache', 'search', P], SearchResponse>
  status(client: CacheClient): QueryDefinition<readonly ['cache', 'status'], StatusResponse>
}

