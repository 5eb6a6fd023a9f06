'use client'
// @skillmeat/cache/react: the data layer SkillMeat's web app reads the cache with, on TanStack
// Query 5. Browser-safe: no native code, no Node built-ins; it only speaks HTTP to the routes of
// `@skillmeat/cache/http` (mounted with `@skillmeat/cache/next` or served by `skillmeat-cache
// serve`). The hooks keep SkillMeat's names, signatures, return shapes and query keys, with the
// defects of SkillMeat's own versions fixed (see docs/web.md).

import { createContext, createElement, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react'
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { createParser } from 'eventsource-parser'

// ---------------------------------------------------------------------------
// Client

/** An HTTP error answer of the cache API: `status`, the server's `code` (or `HTTP_<status>`) and `detail`. */
export class CacheApiError extends Error {
  constructor(status, detail, code) {
    super(describeDetail(status, detail))
    this.name = 'CacheApiError'
    this.status = status
    this.code = code || (status ? `HTTP_${status}` : 'NETWORK')
    this.detail = detail
  }
}

/** A readable sentence from a `{detail}` body: a string, or FastAPI's list of `{loc, msg}`. */
function describeDetail(status, detail) {
  if (typeof detail === 'string' && detail) return detail
  if (Array.isArray(detail) && detail.length) {
    return detail.map((d) => `${Array.isArray(d.loc) ? d.loc.join('.') + ': ' : ''}${d.msg ?? ''}`).join('; ')
  }
  return status ? `The cache API answered ${status}` : 'The cache API could not be reached'
}

/** `?a=1&b=true` from the defined, non-empty values of `params`. */
function queryString(params) {
  if (!params) return ''
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/**
 * A client of the cache API at `baseUrl` (default `/api/v1`, same origin). `apiKey` is sent as
 * `X-API-Key`; `fetch` replaces the global one (tests, custom agents).
 */
export function createCacheClient(options = {}) {
  const baseUrl = String(options.baseUrl ?? '/api/v1').replace(/\/+$/, '')
  const apiKey = options.apiKey || undefined
  const doFetch = options.fetch || ((url, init) => globalThis.fetch(url, init))
  const headers = (extra) => ({ accept: 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}), ...extra })

  /** `{ body, headers }` of a JSON route; a non-2xx answer throws a {@link CacheApiError}. */
  async function send(path, { method = 'GET', query, body, signal } = {}) {
    let res
    try {
      res = await doFetch(baseUrl + path + queryString(query), {
        method,
        headers: headers(body !== undefined ? { 'content-type': 'application/json' } : undefined),
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal,
      })
    } catch (e) {
      if (e && e.name === 'AbortError') throw e
      throw Object.assign(new CacheApiError(0, `The cache API at ${baseUrl} could not be reached: ${e && e.message}`), { cause: e })
    }
    const text = await res.text()
    let json = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = null
    }
    if (!res.ok) throw new CacheApiError(res.status, json && json.detail !== undefined ? json.detail : text, json && json.code)
    return { body: json, headers: res.headers }
  }

  return {
    baseUrl,
    send,
    /** The JSON body of a route. */
    request: async (path, init) => (await send(path, init)).body,
    /**
     * Reads `GET /cache/events` until it ends (resolves) or fails (rejects), calling `onEvent`
     * with each event (`{ type, ... }`) and `onOpen` once the stream is established.
     */
    async subscribe(onEvent, { signal, onOpen } = {}) {
      const res = await doFetch(`${baseUrl}/cache/events`, { headers: headers({ accept: 'text/event-stream' }), signal, cache: 'no-store' })
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => '')
        let detail = text
        try {
          detail = JSON.parse(text).detail
        } catch {
          // not JSON
        }
        throw new CacheApiError(res.status, detail)
      }
      if (onOpen) onOpen()
      const parser = createParser({
        onEvent(m) {
          let data
          try {
            data = JSON.parse(m.data)
          } catch {
            return
          }
          onEvent({ ...data, type: m.event || (data && data.type) })
        },
      })
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          parser.feed(value)
        }
      } finally {
        reader.releaseLock?.()
      }
    },
  }
}

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

// ---------------------------------------------------------------------------
// Query keys (SkillMeat's, kept as they are)

/** The TanStack query keys of every hook; invalidate with these. */
export const cacheKeys = {
  projects: () => ['projects', 'list', 'with-cache-info'],
  outdated: (options) => ['outdated-artifacts', 'list', options],
  status: () => ['cache', 'status'],
  search: (params) => ['cache', 'search', params],
  artifacts: (params) => ['artifacts', 'list', params],
  artifact: (id) => ['artifacts', 'detail', id],
}

/** The roots of every key the cache's data answers. */
const DATA_ROOTS = [['projects'], ['artifacts'], ['outdated-artifacts'], ['cache']]

/** Rows of every page of a skip/limit route (the server bounds `limit`; this follows `total`). */
async function allPages(client, path, query, { signal, pageSize = 500 } = {}) {
  const items = []
  for (let skip = 0; ; ) {
    const page = await client.request(path, { query: { ...query, skip, limit: pageSize }, signal })
    items.push(...page.items)
    skip += page.items.length
    if (page.items.length === 0 || skip >= page.total) return { items, total: page.total }
  }
}

// ---------------------------------------------------------------------------
// Projects

const EMPTY = Object.freeze([])

/**
 * Every project (all cursor pages of `GET /projects`, 100 at a time: no silent 20-project cap),
 * as `{ items, page_info, cache_info }`; `cache_info` is the response's freshness (headers
 * `X-Cache-Hit` / `X-Cache-Last-Fetched`), in SkillMeat's snake_case.
 */
export async function fetchProjects(client, { refresh = false, signal } = {}) {
  const items = []
  let first = null
  let last = null
  let after
  for (;;) {
    const { body, headers } = await client.send('/projects', { query: { limit: 100, after, refresh: refresh && !first ? 'true' : undefined }, signal })
    if (!first) first = { body, headers }
    last = body
    items.push(...body.items)
    if (!body.page_info.has_next_page || !body.page_info.end_cursor) break
    after = body.page_info.end_cursor
  }
  const hit = first.headers.get('x-cache-hit')
  const lastFetched = first.headers.get('x-cache-last-fetched') || null
  return {
    items,
    page_info: {
      has_next_page: false,
      has_previous_page: false,
      start_cursor: first.body.page_info.start_cursor,
      end_cursor: last.page_info.end_cursor,
      total_count: last.page_info.total_count,
    },
    cache_info: {
      cache_hit: hit === 'hit',
      last_fetched: lastFetched,
      is_stale: items.length ? items.some((p) => p.cache_info && p.cache_info.is_stale) : hit !== 'hit',
    },
  }
}

/** `cacheInfo` in camelCase from the snake_case `cache_info` the server sends. */
function toCacheInfo(data) {
  const ci = data && (data.cache_info || (data.items && data.items[0] && data.items[0].cache_info))
  if (!ci) return null
  return { cacheHit: Boolean(ci.cache_hit), lastFetched: ci.last_fetched ? new Date(ci.last_fetched) : null, isStale: Boolean(ci.is_stale) }
}

/**
 * SkillMeat's `useProjectCache({ enabled?, staleTime? = 60000 })`: every project with the cache's
 * freshness. `forceRefresh()` re-scans (`GET /projects?refresh=true`), writes the answer into
 * the key, and marks artifact queries stale (a re-scan changes them too).
 */
export function useProjectCache(options = {}) {
  const client = useCacheClient()
  const qc = useQueryClient()
  const query = useQuery({
    queryKey: cacheKeys.projects(),
    queryFn: ({ signal }) => fetchProjects(client, { signal }),
    enabled: options.enabled ?? true,
    staleTime: options.staleTime ?? 60_000,
    refetchOnWindowFocus: true,
  })
  const cacheInfo = useMemo(() => toCacheInfo(query.data), [query.data])
  const forceRefresh = useCallback(async () => {
    const fresh = await fetchProjects(client, { refresh: true })
    qc.setQueryData(cacheKeys.projects(), fresh)
    await Promise.all(
      [['artifacts'], ['outdated-artifacts'], ['cache']].map((queryKey) => qc.invalidateQueries({ queryKey })),
    )
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
  const o = options || {}
  return useQuery({
    queryKey: cacheKeys.outdated(options),
    queryFn: ({ signal }) =>
      allPages(client, '/cache/stale-artifacts', { type: o.type, project_id: o.projectId, sort_by: o.sortBy, sort_order: o.sortOrder }, { signal }),
    staleTime: 2 * 60_000,
    gcTime: 5 * 60_000,
  })
}

/**
 * The artifacts of one project (or all), every page of `GET /cache/artifacts`: `{ items, total }`.
 * Filters: `projectId`, `type`, `isOutdated`, `health`. Key `['artifacts', 'list', params]`.
 */
export function useCacheArtifacts(params = {}, options = {}) {
  const client = useCacheClient()
  const { projectId, type, isOutdated, health } = params
  return useQuery({
    queryKey: cacheKeys.artifacts(params),
    queryFn: ({ signal }) => allPages(client, '/cache/artifacts', { project_id: projectId, type, is_outdated: isOutdated, health }, { signal }),
    enabled: options.enabled ?? true,
    staleTime: options.staleTime ?? 60_000,
    placeholderData: keepPreviousData,
  })
}

/** One artifact in full (`GET /cache/artifacts/:id`): versions, source, problems. */
export function useCacheArtifact(id, options = {}) {
  const client = useCacheClient()
  return useQuery({
    queryKey: cacheKeys.artifact(id),
    queryFn: ({ signal }) => client.request(`/cache/artifacts/${encodeURIComponent(id)}`, { signal }),
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
    queryKey: cacheKeys.search(params),
    queryFn: ({ signal }) =>
      client.request('/cache/search', { query: { query: q, type: params.type, project_id: params.projectId, sort_by: params.sortBy, limit: params.limit }, signal }),
    enabled: q.length > 0 && (options.enabled ?? true),
    staleTime: 30_000,
    placeholderData: keepPreviousData,
  })
}

// ---------------------------------------------------------------------------
// Status and refresh

/** The freshness SkillMeat's toolbar shows, from `/projects/cache/stats` and `/cache/status`. */
async function fetchStatus(client, signal) {
  const [stats, status] = await Promise.all([client.request('/projects/cache/stats', { signal }), client.request('/cache/status', { signal })])
  return { stats, status }
}

/**
 * SkillMeat's `useCacheStatus()`: `{ status: { lastRefetch, cacheAge, isStale, totalProjects,
 * staleProjects, … } | null, isLoading, error, refresh }`. Key `['cache', 'status']`, stale after
 * 30 s, polled every 60 s. `lastRefetch` comes from `last_scan` (SkillMeat's hook read a field
 * the server never sent).
 */
export function useCacheStatus() {
  const client = useCacheClient()
  const query = useQuery({
    queryKey: cacheKeys.status(),
    queryFn: ({ signal }) => fetchStatus(client, signal),
    staleTime: 30_000,
    refetchInterval: 60_000,
  })
  const status = useMemo(() => {
    if (!query.data) return null
    const { stats, status: st } = query.data
    return {
      lastRefetch: stats.last_scan ? new Date(stats.last_scan) : null,
      cacheAge: stats.age_seconds,
      isStale: !stats.is_valid,
      totalProjects: stats.entries,
      staleProjects: st.stale_projects,
      totalArtifacts: st.total_artifacts,
      outdatedArtifacts: st.outdated_artifacts,
      artifactsByHealth: st.artifacts_by_health,
      isRefreshing: Boolean(st.refresh_job_status && st.refresh_job_status.is_running),
      ttlSeconds: stats.cache_ttl,
    }
  }, [query.data])
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
  const refresh = useCallback((args) => mutateAsync(args && typeof args === 'object' && !('nativeEvent' in args) ? args : undefined), [mutateAsync])
  return { refresh, isRefreshing: mutation.isPending, error: mutation.error, lastRefreshResult: mutation.data ?? null }
}

// ---------------------------------------------------------------------------
// Live events

/** Whether `key` belongs to artifact data of `projectId` (or to no project in particular). */
function artifactKeyOf(projectId) {
  return (q) => {
    const [root, kind, params] = q.queryKey
    if (root === 'outdated-artifacts' || (root === 'cache' && kind === 'search')) return !params || !params.projectId || params.projectId === projectId
    if (root !== 'artifacts') return false
    if (kind === 'detail') return true
    return !params || !params.projectId || params.projectId === projectId
  }
}

const changed = (s) =>
  s && s.projectsChanged + s.projectsDiscovered + s.projectsMissing + s.artifactsAdded + s.artifactsUpdated + s.artifactsRemoved > 0

/**
 * The query filters an event of `GET /cache/events` makes stale: a project's changes touch that
 * project's artifacts, the project list and the status; a finished refresh the status and the
 * project list (ages), and everything when it changed anything; an invalidation the projects and
 * status; `dataChanged` (a write by another process, which can be anything) every cache query.
 */
export function invalidationsFor(event) {
  switch (event && event.type) {
    case 'changesDetected':
      return [{ queryKey: ['projects'] }, { queryKey: cacheKeys.status() }, { predicate: artifactKeyOf(event.projectId) }]
    case 'refreshCompleted':
      return changed(event.summary) ? DATA_ROOTS.map((queryKey) => ({ queryKey })) : [{ queryKey: ['projects'] }, { queryKey: cacheKeys.status() }]
    case 'invalidated':
      return [{ queryKey: ['projects'] }, { queryKey: cacheKeys.status() }]
    case 'refreshStarted':
    case 'refreshError':
    case 'watcherDegraded':
      return [{ queryKey: cacheKeys.status() }]
    case 'dataChanged':
      return DATA_ROOTS.map((queryKey) => ({ queryKey }))
    default:
      return []
  }
}

/**
 * Subscribes to `GET /cache/events` while mounted and marks exactly the affected queries stale,
 * so an open page follows changes made on disk, by the CLI or by another server. Reconnects with
 * exponential backoff (1 s doubling to 30 s, jittered); after a reconnect every cache query is
 * refetched, since events may have been missed. Returns `{ state, lastEvent }` (`state`:
 * 'connecting' | 'open' | 'reconnecting' | 'off').
 */
export function useCacheEvents(options = {}) {
  const client = useCacheClient()
  const qc = useQueryClient()
  const enabled = options.enabled ?? true
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
    const handle = (e) => {
      if (e.type === 'ready') {
        attempt = 0
        if (seen) for (const queryKey of DATA_ROOTS) qc.invalidateQueries({ queryKey })
        seen = true
      } else {
        for (const filter of invalidationsFor(e)) qc.invalidateQueries(filter)
      }
      setLastEvent(e)
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
      if (timer) clearTimeout(timer)
    }
  }, [client, qc, enabled])

  return { state, lastEvent }
}
