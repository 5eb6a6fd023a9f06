// A typical client component's use of @skillmeat/cache/react, type-checked (not run).
import {
  CacheApiError,
  CacheClientProvider,
  cacheKeys,
  createCacheClient,
  invalidationsFor,
  useCacheArtifacts,
  useCacheEvents,
  useCacheRefresh,
  useCacheSearch,
  useCacheStatus,
  useOutdatedArtifacts,
  useProjectCache,
  type ArtifactRow,
  type CacheStreamEvent,
} from '@skillmeat/cache/react'

export function useProjectsPage(query: string): string[] {
  const { projects, cacheInfo, forceRefresh, isLoading } = useProjectCache({ staleTime: 30_000 })
  const lastFetched: Date | null = cacheInfo ? cacheInfo.lastFetched : null
  const { status } = useCacheStatus()
  const outdated = useOutdatedArtifacts({ sortBy: 'version_diff' })
  const { refresh, isRefreshing } = useCacheRefresh()
  const artifacts = useCacheArtifacts({ projectId: projects[0]?.id, isOutdated: true })
  const hits = useCacheSearch(query, { type: 'skill', limit: 20 })
  const { state } = useCacheEvents({ onEvent: (e: CacheStreamEvent) => (e.type === 'changesDetected' ? e.projectName : undefined) })
  const rows: ArtifactRow[] = artifacts.data?.items ?? []
  void forceRefresh
  void refresh({ force: true })
  const err = outdated.error
  if (err instanceof CacheApiError) void err.code
  return [
    String(isLoading),
    String(lastFetched?.getTime()),
    String(status?.outdatedArtifacts),
    String(outdated.data?.items[0]?.version_difference),
    String(isRefreshing),
    String(rows.length),
    String(hits.data?.items[0]?.score),
    state,
    cacheKeys.projects().join('/'),
    String(invalidationsFor({ type: 'dataChanged', generation: 1 }).length),
    createCacheClient({ baseUrl: '/api/v1', apiKey: 'k' }).baseUrl,
    typeof CacheClientProvider,
  ]
}

// Server-side prefetching with the same query definitions (React Server Components, scripts).
import { QueryClient } from '@tanstack/react-query'
import { cacheQueries as serverQueries, createCacheClient as serverClient, statusOf } from '@skillmeat/cache/client'

export async function prefetch(handler: (r: Request) => Promise<Response>): Promise<number> {
  const client = serverClient({ baseUrl: 'http://in-process/api/v1', fetch: (url, init) => handler(new Request(url, init)) })
  const qc = new QueryClient()
  await qc.prefetchQuery(serverQueries.projects(client))
  const rows = await serverQueries.artifacts(client, { projectId: 'p' }).queryFn()
  const st = statusOf(await serverQueries.status(client).queryFn())
  return rows.total + (st ? st.totalProjects : 0)
}
