// @skillmeat/cache/react: TanStack Query 5 hooks over the cache API (client components).
import type { ReactNode } from 'react'
import type { MutateOptions, QueryObserverResult, UseQueryResult } from '@tanstack/react-query'
import type {
  ArtifactDetail,
  ArtifactRow,
  ArtifactType,
  CacheArtifactsParams,
  CacheClient,
  CacheClientOptions,
  CacheInfo,
  CacheStatus,
  CacheStreamEvent,
  OutdatedArtifact,
  ProjectSummary,
  ProjectsResponse,
  RefreshResult,
  Rows,
  SearchResponse,
  UseOutdatedArtifactsOptions,
} from './client'

export * from './client'

export interface CacheClientProviderProps extends CacheClientOptions {
  client?: CacheClient
  children?: ReactNode
}
/** Provides the client the hooks use (without one: `/api/v1` on the page's origin). */
export declare function CacheClientProvider(props: CacheClientProviderProps): ReactNode
export declare function useCacheClient(): CacheClient

// ---------------------------------------------------------------------------
// Hooks

export interface UseProjectCacheOptions {
  /** Default true. */
  enabled?: boolean
  /** Default 60000 ms. */
  staleTime?: number
}

export declare function useProjectCache(options?: UseProjectCacheOptions): {
  projects: ProjectSummary[]
  isLoading: boolean
  isFetching: boolean
  error: Error | null
  cacheInfo: CacheInfo | null
  refetch: () => Promise<QueryObserverResult<ProjectsResponse, Error>>
  forceRefresh: () => Promise<ProjectsResponse>
}

export declare function useOutdatedArtifacts(options?: UseOutdatedArtifactsOptions): UseQueryResult<Rows<OutdatedArtifact>, Error>

export declare function useCacheArtifacts(params?: CacheArtifactsParams, options?: { enabled?: boolean; staleTime?: number }): UseQueryResult<Rows<ArtifactRow>, Error>
export declare function useCacheArtifact(id: string | null | undefined, options?: { enabled?: boolean; staleTime?: number }): UseQueryResult<ArtifactDetail, Error>

export interface UseCacheSearchOptions {
  type?: ArtifactType
  projectId?: string
  sortBy?: 'relevance' | 'name' | 'type' | 'updated'
  /** Default 50 (1–200). */
  limit?: number
  enabled?: boolean
}
export declare function useCacheSearch(query: string, options?: UseCacheSearchOptions): UseQueryResult<SearchResponse, Error>

export declare function useCacheStatus(): {
  status: CacheStatus | null
  isLoading: boolean
  error: Error | null
  refresh: () => Promise<unknown>
}

export declare function useCacheRefresh(projectId?: string): {
  /** Re-scans (one project with `projectId`; `force` re-reads every file). */
  refresh: (
    args?: { projectId?: string; force?: boolean },
    options?: MutateOptions<RefreshResult, Error, { projectId?: string; force?: boolean } | undefined>,
  ) => Promise<RefreshResult>
  isRefreshing: boolean
  error: Error | null
  lastRefreshResult: RefreshResult | null
}

export interface UseCacheEventsOptions {
  /** Default true. */
  enabled?: boolean
  /** Called with every event, after its invalidations. */
  onEvent?: (event: CacheStreamEvent) => void
  /**
   * The data generation of server-rendered data the page hydrated (`client.dataGeneration()` of
   * the client that prefetched it). When the stream opens at another generation, something
   * changed in between and every cache query is refetched. Without it, data held when the
   * stream first opens is refetched unless answers since mounting show it current.
   */
  generation?: number | null
}
export declare function useCacheEvents(options?: UseCacheEventsOptions): {
  state: 'connecting' | 'open' | 'reconnecting' | 'off'
  lastEvent: CacheStreamEvent | null
}
