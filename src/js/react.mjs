'use client'
// @skillmeat/cache/react: the data layer SkillMeat's web app reads the cache with, on TanStack
// Query 5. Browser-safe: no native code, no Node built-ins; it only speaks HTTP to the routes of
// `@skillmeat/cache/http` (mounted with `@skillmeat/cache/next` or served by `skillmeat-cache
// serve`). The hooks keep SkillMeat's names, signatures, return shapes and query keys, with the
// defects of SkillMeat's own versions fixed (see docs/web.md). Query definitions live in
// `./client.mjs`, shared with server-side prefetching.

import { createContext, createElement, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react'
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { DATA_ROOTS, cacheInfoOf, cacheKeys, cacheQueries, createCacheClient, fetchProjects, invalidationsFor, statusOf } from './client.mjs'

// Named, not `export *`: Next.js refuses `export *` in a 'use client' module.
export {
  CacheApiError,
  DATA_ROOTS,
  allPages,
  cacheInfoOf,
  cacheKeys,
  cacheQueries,
  createCacheClient,
  fetchProjects,
  fetchStatus,
  generationOf,
  invalidationsFor,
  statusOf,
} from './client.mjs'

const ClientContext = createContext(null)
let defaultClient = null

/**
 * Provides the client every hook below uses: pass `client`, or `baseUrl`/`apiKey`/`fetch` to
 * make one. Without a provider, hooks talk to `/api/v1` on the page's origin.
 */
export function CacheClientProvider({ client, baseUrl, apiKey, fetch, children }) {
  const value = useMemo(() => client || createCacheClient({ baseUrl, apiKey, fetch }), [client, baseUrl, apiKey, fetch])
  return createElement(ClientContext.Provider, { value }, children)
}

/** The client of the nearest {@link CacheClientProvider} (or the default, same-origin `/api/v1`). */
export function useCacheClient() {
  const c = useContext(ClientContext)
  if (c) return c
  if (!defaultClient) defaultClient = createCacheClient()
  return defaultClient
}

const EMPTY = Object.freeze([])

// ---------------------------------------------------------------------------
// Projects

/**
 * SkillMeat's `useProjectCache({ enabled?, staleTime? = 60000 })`: every project (all cursor
 * pages: no silent 20-project cap) with the cache's freshness, `cacheInfo` read from the
 * snake_case `cache_info` the server sends. `forceRefresh()` re-scans (`GET /projects?refresh=true`),
 * writes the answer into the key, and marks artifact queries stale (a re-scan changes them too).
 */
export function useProjectCache(options = {}) {
  const client = useCacheClient()
  const qc = useQueryClient()
  const query = useQuery({
    ...cacheQueries.projects(client),
    enabled: options.enabled ?? true,
    staleTime: options.staleTime ?? 60_000,
    refetchOnWindowFocus: true,
  })
  const cacheInfo = useMemo(() => cacheInfoOf(query.data), [query.data])
  // An answer that was not a cache hit may come from a scan the server just ran (a cache no one
  // had filled is scanned by its first `/projects`): the status read before it is behind.
  const missed = query.data && query.data.cache_info && query.data.cache_info.cache_hit === false
  useEffect(() => {
    if (missed) qc.invalidateQueries({ queryKey: cacheKeys.status() })
  }, [qc, missed, query.dataUpdatedAt])
  const forceRefresh = useCallback(async () => {
    const fresh = await fetchProjects(client, { refresh: true })
    qc.setQueryData(cacheKeys.projects(), fresh)
    await Promise.all([['artifacts'], ['outdated-artifacts'], ['cache']].map((queryKey) => qc.invalidateQueries({ queryKey })))
    return fresh
  }, [client, qc])
  return {
    projects: query.data ? query.data.items : EMPTY,
    isLoading: query.isLoading,
    isFetching: query.isFetching,
    error: query.error,
    cacheInfo,
    refetch: query.refetch,
    forceRefresh,
  }
}

// ---------------------------------------------------------------------------
// Artifacts

/**
 * SkillMeat's `useOutdatedArtifacts({ type?, sortBy? })` on `GET /cache/stale-artifacts`, every
 * page of it (`{ items, total }`); also `projectId` and `sortOrder`. Key
 * `['outdated-artifacts', 'list', options]`, stale after 2 minutes.
 */
export function useOutdatedArtifacts(options) {
  const client = useCacheClient()
  return useQuery({ ...cacheQueries.outdated(client, options), staleTime: 2 * 60_000, gcTime: 5 * 60_000 })
}

/**
 * The artifacts of one project (or all), every page of `GET /cache/artifacts`: `{ items, total }`.
 * Filters: `projectId`, `type`, `isOutdated`, `health`. Key `['artifacts', 'list', params]`.
 */
export function useCacheArtifacts(params = {}, options = {}) {
  const client = useCacheClient()
  return useQuery({
    ...cacheQueries.artifacts(client, params),
    enabled: options.enabled ?? true,
    staleTime: options.staleTime ?? 60_000,
    placeholderData: keepPreviousData,
  })
}

/** One artifact in full (`GET /cache/artifacts/:id`): versions, source, problems. */
export function useCacheArtifact(id, options = {}) {
  const client = useCacheClient()
  return useQuery({
    ...cacheQueries.artifact(client, id),
    enabled: Boolean(id) && (options.enabled ?? true),
    staleTime: options.staleTime ?? 60_000,
  })
}

/**
 * Search as you type: `GET /cache/search` (typo-tolerant), disabled while `query` is blank, the
 * previous hits kept on screen while the next ones load. Key `['cache', 'search', params]`.
 */
export function useCacheSearch(query, options = {}) {
  const client = useCacheClient()
  const q = typeof query === 'string' ? query.trim() : ''
  const params = { query: q, type: options.type, projectId: options.projectId, sortBy: options.sortBy, limit: options.limit ?? 50 }
  return useQuery({
    ...cacheQueries.search(client, params),
    enabled: q.length > 0 && (options.enabled ?? true),
    staleTime: 30_000,
    placeholderData: keepPreviousData,
  })
}

// ---------------------------------------------------------------------------
// Status and refresh

/**
 * SkillMeat's `useCacheStatus()`: `{ status: { lastRefetch, cacheAge, isStale, totalProjects,
 * staleProjects, … } | null, isLoading, error, refresh }`. Key `['cache', 'status']`, stale after
 * 30 s, polled every 60 s. `lastRefetch` comes from `last_scan` (SkillMeat's hook read a field
 * the server never sent).
 */
export function useCacheStatus() {
  const client = useCacheClient()
  const query = useQuery({ ...cacheQueries.status(client), staleTime: 30_000, refetchInterval: 60_000 })
  const status = useMemo(() => statusOf(query.data), [query.data])
  return { status, isLoading: query.isLoading, error: query.error, refresh: query.refetch }
}

/**
 * SkillMeat's `useCacheRefresh(projectId?)`: `{ refresh, isRefreshing, error, lastRefreshResult }`
 * on `POST /projects/cache/refresh`. After it, every query the refresh can change is marked
 * stale: projects, cache status, artifacts and the outdated list (which SkillMeat's forgot).
 */
export function useCacheRefresh(projectId) {
  const client = useCacheClient()
  const qc = useQueryClient()
  const mutation = useMutation({
    mutationFn: (args) => {
      const id = (args && args.projectId) || projectId
      const force = args && args.force
      const body = id || force ? { ...(id ? { project_id: id } : {}), ...(force ? { force: true } : {}) } : undefined
      return client.request('/projects/cache/refresh', { method: 'POST', body })
    },
    onSuccess: () => Promise.all(DATA_ROOTS.map((queryKey) => qc.invalidateQueries({ queryKey }))),
  })
  const { mutateAsync } = mutation
  // `onClick={refresh}` passes a click event: only a plain options object is an argument.
  const refresh = useCallback(
    (args, options) => mutateAsync(args && typeof args === 'object' && !('nativeEvent' in args) ? args : undefined, options),
    [mutateAsync],
  )
  return { refresh, isRefreshing: mutation.isPending, error: mutation.error, lastRefreshResult: mutation.data ?? null }
}

// ---------------------------------------------------------------------------
// Live events

/** The last generation a stream of each client named, across mounts. */
const lastHeard = new WeakMap()

/** The lowest of two generations, either of which may be unknown (`null`). */
function lowest(a, b) {
  if (a === null || a === undefined) return b ?? null
  if (b === null || b === undefined) return a
  return Math.min(a, b)
}

/** Whether the query client holds data of any cache query. */
function hasData(qc) {
  return qc.getQueryCache().findAll().some((q) => q.state.data !== undefined && DATA_ROOTS.some((root) => q.queryKey[0] === root[0]))
}

/**
 * Subscribes to `GET /cache/events` while mounted and marks exactly the affected queries stale
 * ({@link invalidationsFor}), so an open page follows changes made on disk, by the CLI or by
 * another server. Reconnects with exponential backoff (1 s doubling to 30 s, jittered); after a
 * reconnect every cache query is refetched when the data generation moved meanwhile (events may
 * have been missed). Returns `{ state, lastEvent }` (`state`: 'connecting' | 'open' |
 * 'reconnecting' | 'off'; `lastEvent`: the last event other than `refreshProgress`, which
 * `onEvent` still receives).
 */
export function useCacheEvents(options = {}) {
  const client = useCacheClient()
  const qc = useQueryClient()
  const enabled = options.enabled ?? true
  const generationOption = typeof options.generation === 'number' ? options.generation : null
  const onEvent = useRef(options.onEvent)
  onEvent.current = options.onEvent
  const [state, setState] = useState(enabled ? 'connecting' : 'off')
  const [lastEvent, setLastEvent] = useState(null)

  useEffect(() => {
    if (!enabled) {
      setState('off')
      return undefined
    }
    const ctrl = new AbortController()
    let attempt = 0
    let timer = null
    let seen = false
    const refetchAll = () => {
      for (const queryKey of DATA_ROOTS) qc.invalidateQueries({ queryKey })
    }
    // The data generation the page's data is known to be at: before the first `ready`, the
    // oldest of what the server rendered (`options.generation`), what a previous subscription
    // of this client heard last (or, for its first, the oldest answer it received) and the
    // answers received since mounting; after it, the last one the stream named (`ready`,
    // `dataChanged`). A `ready` at another generation means
    // events were missed (before the stream opened, or while it was down): refetch.
    let generation = lowest(generationOption, lastHeard.has(client) ? lastHeard.get(client) : client.dataGeneration())
    const offAnswers = client.onAnswer((g) => {
      if (!seen) generation = lowest(generation, g)
      // An answer built before the generation the stream has already named (a request that
      // was in flight across a write) is behind.
      else if (generation !== null && g < generation) refetchAll()
    })
    const handle = (e) => {
      if (e.type === 'ready') {
        attempt = 0
        // Nothing known of the data held (from before): refetch it to be sure.
        if (generation === null ? hasData(qc) : generation !== e.generation) refetchAll()
        seen = true
      } else {
        for (const filter of invalidationsFor(e)) qc.invalidateQueries(filter)
      }
      if ((e.type === 'ready' || e.type === 'dataChanged') && typeof e.generation === 'number') {
        generation = e.generation
        lastHeard.set(client, e.generation)
      }
      // Progress (one event per project of a refresh) would re-render the page each time.
      if (e.type !== 'refreshProgress') setLastEvent(e)
      if (onEvent.current) onEvent.current(e)
    }
    const connect = async () => {
      setState(seen ? 'reconnecting' : 'connecting')
      try {
        await client.subscribe(handle, { signal: ctrl.signal, onOpen: () => setState('open') })
      } catch {
        // dropped or refused: try again below
      }
      if (ctrl.signal.aborted) return
      setState('reconnecting')
      const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2)
      attempt = Math.min(attempt + 1, 10)
      timer = setTimeout(connect, delay)
    }
    connect()
    return () => {
      ctrl.abort()
      offAnswers()
      if (timer) clearTimeout(timer)
    }
  }, [client, qc, enabled, generationOption])

  return { state, lastEvent }
}
