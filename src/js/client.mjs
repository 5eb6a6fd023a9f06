// @skillmeat/cache/client: the cache API over HTTP without React: the client, the query keys and
// query definitions the hooks of `@skillmeat/cache/react` use, and what each live event makes
// stale. Runs anywhere `fetch` does (browsers, Node, React Server Components: prefetch with the
// same definitions the hooks read, see examples/web/app/page.tsx). No Node built-ins.

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

/** The data generation an ETag of the cache API names (`W/"g42…"` → 42), or `null`. */
export function generationOf(etag) {
  const m = /^(?:W\/)?"g(\d+)/.exec(etag || '')
  return m ? Number(m[1]) : null
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
  // The data generation of answers (named by their ETag, `W/"g<generation>…"`): the oldest one
  // received, and who wants to hear of each (see `useCacheEvents`).
  let oldest = null
  const listeners = new Set()
  const noteGeneration = (res) => {
    const g = generationOf(res.headers.get('etag'))
    if (g === null) return
    if (oldest === null || g < oldest) oldest = g
    for (const fn of listeners) fn(g)
  }

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
    noteGeneration(res)
    return { body: json, headers: res.headers }
  }

  return {
    baseUrl,
    send,
    /**
     * The data generation of the oldest answer this client has received (`null` before any): a
     * server component that prefetched with this client passes it to the page, whose
     * `useCacheEvents({ generation })` then knows whether its data is already behind.
     */
    dataGeneration: () => oldest,
    /** Calls `listener` with the data generation of every answer from now on; returns the unsubscribe. */
    onAnswer(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
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
export const DATA_ROOTS = [['projects'], ['artifacts'], ['outdated-artifacts'], ['cache']]

/** Rows of every page of a skip/limit route (the server bounds `limit`; this follows `total`). */
export async function allPages(client, path, query, { signal, pageSize = 500 } = {}) {
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

/**
 * Every project (all cursor pages of `GET /projects`, 100 at a time: no silent 20-project cap),
 * as `{ items, page_info, cache_info }`; `cache_info` is the response's freshness (headers
 * `X-Cache-Hit` / `X-Cache-Last-Fetched`), in SkillMeat's snake_case.
 */
export async function fetchProjects(client, { refresh = false, signal } = {}) {
  let items = []
  let first = null
  let last = null
  let after
  // A cursor names a project: one removed between two pages makes it unknown (400). The list
  // is then read again from the start (a few times at most).
  for (let restarts = 0; ; ) {
    let page
    try {
      page = await client.send('/projects', { query: { limit: 100, after, refresh: refresh && !first ? 'true' : undefined }, signal })
    } catch (e) {
      if (after === undefined || !(e instanceof CacheApiError) || e.status !== 400 || ++restarts > 3) throw e
      items = []
      after = undefined
      continue
    }
    const { body, headers } = page
    if (!first) first = { body, headers }
    last = body
    items.push(...body.items)
    if (!body.page_info.has_next_page || !body.page_info.end_cursor) break
    after = body.page_info.end_cursor
  }
  // The answer's headers, or (when a proxy or a cross-origin fetch hides them) the projects' own
  // snake_case `cache_info`: the freshness never stays unknown.
  const infos = items.map((p) => p.cache_info).filter(Boolean)
  const header = first.headers.get('x-cache-hit')
  const hit = header !== null ? header === 'hit' : infos.length > 0 && infos.every((c) => c.cache_hit)
  const lastFetched = first.headers.get('x-cache-last-fetched') || latest(infos.map((c) => c.last_fetched))
  return {
    items,
    page_info: {
      has_next_page: false,
      has_previous_page: false,
      start_cursor: items.length ? items[0].id : null,
      end_cursor: last.page_info.end_cursor,
      total_count: last.page_info.total_count,
    },
    cache_info: {
      cache_hit: hit,
      last_fetched: lastFetched,
      is_stale: infos.length ? infos.some((c) => c.is_stale) : !hit,
    },
  }
}

/** The latest of some ISO times (`null` for none). */
function latest(times) {
  let best = null
  for (const t of times) if (t && (best === null || Date.parse(t) > Date.parse(best))) best = t
  return best
}

/** `cacheInfo` (camelCase, a `Date`) from the snake_case `cache_info` of a {@link fetchProjects} answer. */
export function cacheInfoOf(data) {
  const ci = data && (data.cache_info || (data.items && data.items[0] && data.items[0].cache_info))
  if (!ci) return null
  return { cacheHit: Boolean(ci.cache_hit), lastFetched: ci.last_fetched ? new Date(ci.last_fetched) : null, isStale: Boolean(ci.is_stale) }
}

/**
 * What SkillMeat's `useCacheStatus` keeps under `['cache', 'status']`: the `/projects/cache/stats`
 * body as sent (this package's server adds its toolbar counts to it).
 */
export async function fetchStatus(client, signal) {
  return client.request('/projects/cache/stats', { signal })
}

/** SkillMeat's `CacheStatus` (plus this package's counts) from a `/projects/cache/stats` body. */
export function statusOf(stats) {
  if (!stats) return null
  return {
    lastRefetch: stats.last_scan ? new Date(stats.last_scan) : null,
    cacheAge: stats.age_seconds,
    isStale: !stats.is_valid,
    totalProjects: stats.entries,
    staleProjects: stats.stale_projects ?? 0,
    totalArtifacts: stats.total_artifacts ?? null,
    outdatedArtifacts: stats.outdated_artifacts ?? null,
    artifactsByHealth: stats.artifacts_by_health ?? null,
    isRefreshing: Boolean(stats.is_refreshing),
    ttlSeconds: stats.cache_ttl,
  }
}

/**
 * `{ queryKey, queryFn }` of every query the hooks make, for `useQuery`, `prefetchQuery` and
 * `invalidateQueries` alike: one definition each.
 */
export const cacheQueries = {
  projects: (client) => ({ queryKey: cacheKeys.projects(), queryFn: ({ signal } = {}) => fetchProjects(client, { signal }) }),
  outdated: (client, options) => {
    const o = options || {}
    return {
      queryKey: cacheKeys.outdated(options),
      queryFn: ({ signal } = {}) =>
        allPages(client, '/cache/stale-artifacts', { type: o.type, project_id: o.projectId, sort_by: o.sortBy, sort_order: o.sortOrder }, { signal }),
    }
  },
  artifacts: (client, params = {}) => ({
    queryKey: cacheKeys.artifacts(params),
    queryFn: ({ signal } = {}) =>
      allPages(client, '/cache/artifacts', { project_id: params.projectId, type: params.type, is_outdated: params.isOutdated, health: params.health }, { signal }),
  }),
  artifact: (client, id) => ({
    queryKey: cacheKeys.artifact(id),
    queryFn: ({ signal } = {}) => client.request(`/cache/artifacts/${encodeURIComponent(id)}`, { signal }),
  }),
  search: (client, params) => ({
    queryKey: cacheKeys.search(params),
    queryFn: ({ signal } = {}) =>
      client.request('/cache/search', {
        query: { query: params.query, type: params.type, project_id: params.projectId, sort_by: params.sortBy, limit: params.limit },
        signal,
      }),
  }),
  status: (client) => ({ queryKey: cacheKeys.status(), queryFn: ({ signal } = {}) => fetchStatus(client, signal) }),
}

// ---------------------------------------------------------------------------
// Live events

/**
 * Whether `key` belongs to artifact data of the project named by `ids` (its cache id and its
 * SkillMeat id, the base64 path `/projects` answers carry: queries may be keyed by either), or to
 * no project in particular.
 */
function artifactKeyOf(ids) {
  const ours = (id) => !id || ids.includes(id)
  return (q) => {
    const [root, kind, params] = q.queryKey
    if (root === 'outdated-artifacts' || (root === 'cache' && kind === 'search')) return !params || ours(params.projectId)
    if (root !== 'artifacts') return false
    if (kind === 'detail') {
      // One artifact: stale if it is that project's (or its project is not known yet).
      const d = q.state && q.state.data
      return !d || ours(d.project_id)
    }
    return !params || ours(params.projectId)
  }
}

const changed = (s) =>
  s && s.projectsChanged + s.projectsDiscovered + s.projectsMissing + s.artifactsAdded + s.artifactsUpdated + s.artifactsRemoved > 0

/**
 * The query filters an event of `GET /cache/events` makes stale: a project's changes touch that
 * project's artifacts, the project list and the status; a finished refresh the status and the
 * project list (ages), and when it changed anything, that project's artifacts (a one-project
 * refresh, as the watcher runs) or everything; an invalidation the projects and status;
 * `dataChanged` (a write by another process, which can be anything) every cache query.
 */
export function invalidationsFor(event) {
  const projectsAndStatus = () => [{ queryKey: ['projects'] }, { queryKey: cacheKeys.status() }]
  const ofProject = (e) => [...projectsAndStatus(), { predicate: artifactKeyOf([e.projectId, e.projectKey].filter(Boolean)) }]
  switch (event && event.type) {
    case 'changesDetected':
      return ofProject(event)
    case 'refreshCompleted':
      if (!changed(event.summary)) return projectsAndStatus()
      if (event.projectId) return ofProject(event)
      return DATA_ROOTS.map((queryKey) => ({ queryKey }))
    case 'invalidated':
      return projectsAndStatus()
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

