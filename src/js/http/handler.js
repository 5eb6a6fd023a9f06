'use strict'
// The handler: routing, the API key, ETags and the body cache around each route, and the
// web-standard Request/Response face of it all.

const crypto = require('node:crypto')
const { answer } = require('./answer.js')
const { HttpError, errorAnswer } = require('./errors.js')
const { Query } = require('./query.js')
const { freshness, etagOf, getHeaders, etagMatches } = require('./freshness.js')
const { STREAM_HEADERS } = require('./events.js')
const { corsPolicy, isPreflight, preflight, decorate } = require('./cors.js')
const { ROUTES } = require('./routes/index.js')

function match(route, segments) {
  if (route.path.length !== segments.length) return null
  const params = {}
  for (let i = 0; i < segments.length; i++) {
    const want = route.path[i]
    if (want.startsWith(':')) params[want.slice(1)] = segments[i]
    else if (want !== segments[i]) return null
  }
  return params
}

function safeEqual(a, b) {
  const x = Buffer.from(String(a))
  const y = Buffer.from(String(b))
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

// The methods a route may define, in the order `Allow` lists them.
const METHODS = ['GET', 'POST', 'PUT', 'DELETE']

// How many answers the body cache of a handler keeps (the oldest goes first).
const BODY_CACHE_ENTRIES = 256

/**
 * Creates the handler of every cache route: `(request: Request) => Promise<Response>`.
 *
 * - `cache`: an open `Cache` to answer from (kept open; closing it is the caller's business), or
 * - `open`: options for `Cache.open()`, opened on the first request (default: `Cache.open()`).
 * - `basePath` (default `/api/v1`): the prefix the routes live under.
 * - `apiKey`: when set, every request must send it as `X-API-Key` (else 401).
 * - `cors`: `false`, or `{ origins, allowCredentials, allowMethods, allowHeaders }` over the
 *   cache's `cors*` configuration (SkillMeat's defaults; see cors.js).
 */
function createCacheHandler(options = {}) {
  const { basePath = '/api/v1', apiKey } = options
  if (typeof basePath !== 'string' || (basePath !== '' && !basePath.startsWith('/'))) {
    throw Object.assign(new TypeError('basePath must be a string starting with "/" (or "")'), { code: 'INVALID_ARGUMENT' })
  }
  const corsOption = options.cors
  if (corsOption !== undefined && corsOption !== false && (corsOption === null || typeof corsOption !== 'object' || Array.isArray(corsOption))) {
    throw Object.assign(new TypeError('cors must be false or an object { origins, allowCredentials, allowMethods, allowHeaders }'), { code: 'INVALID_ARGUMENT' })
  }
  for (const k of ['origins', 'allowMethods', 'allowHeaders']) {
    const v = corsOption ? corsOption[k] : undefined
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
      throw Object.assign(new TypeError(`cors.${k} must be a list of strings`), { code: 'INVALID_ARGUMENT' })
    }
  }
  const prefix = basePath.replace(/\/+$/, '')
  let cache = options.cache || null
  const getCache = () => {
    if (!cache) {
      const { Cache } = require('../../../index.js')
      cache = Cache.open(options.open || {})
    }
    return cache
  }
  // The CORS policy, resolved at the first request (from the option, else the cache's
  // configuration); `null` when CORS is off.
  let cors
  const corsOf = () => {
    if (cors === undefined) {
      let config = null
      if (corsOption !== false) {
        try {
          config = getCache().status().config
        } catch {
          // A cache that cannot answer: SkillMeat's defaults (its error reaches the route).
        }
      }
      cors = corsPolicy(corsOption, config)
    }
    return cors
  }
  const withCors = (ex, a) => {
    if (a !== null && cors) a.headers = decorate(cors, ex, { ...a.headers })
    return a
  }
  const streams = new Set()
  // Bodies of recent 200 GET answers by URL (`pathname?search`), for the data generation in
  // `generation`: `{ kind, list, tag, text, headers, buf }` (`buf`: the text encoded, kept by a
  // Node server). An entry answers while its URL's ETag stays `tag`.
  const bodies = { generation: null, map: new Map() }
  const keyed = apiKey !== undefined && apiKey !== null && apiKey !== ''
  const authorized = (ex) => {
    const sent = ex.header('x-api-key')
    return Boolean(sent) && safeEqual(sent, apiKey)
  }

  /**
   * The answer to a GET or HEAD whose body is in `bodies` and still current (same generation,
   * same ETag), without routing or parsing anything; `null` when there is none (the full
   * `dispatch` then answers, errors included). Synchronous, so a Node server can write at once.
   */
  function cached(ex) {
    return withCors(ex, cachedBody(ex))
  }

  function cachedBody(ex) {
    if ((ex.method !== 'GET' && ex.method !== 'HEAD') || cache === null || bodies.generation === null) return null
    const entry = bodies.map.get(ex.pathname + '?' + ex.search)
    if (entry === undefined || (keyed && !authorized(ex))) return null
    let f
    try {
      f = freshness(cache)
    } catch {
      return null
    }
    if (f.generation !== bodies.generation) return null
    const tag = etagOf(entry.kind, f)
    if (tag !== entry.tag) return null
    const headers = getHeaders(entry, tag, f)
    if (etagMatches(ex.header('if-none-match'), tag)) return { status: 304, headers, text: null }
    return { status: 200, headers: Object.assign(headers, entry.headers), text: entry.text, bytes: entry }
  }

  /**
   * The framework-free core: `ex` is `{ method, pathname, search, header(name), body, signal }`;
   * resolves with an {@link answer}. Never throws.
   */
  async function dispatch(ex) {
    const policy = corsOf()
    if (policy && isPreflight(ex)) return preflight(policy, ex)
    return withCors(ex, await routed(ex))
  }

  /** The answer of the route `ex` asks for (or of the body cache), before CORS. */
  async function routed(ex) {
    try {
      const hit = cachedBody(ex)
      if (hit !== null) return hit
      const { pathname } = ex
      if (prefix && pathname !== prefix && !pathname.startsWith(prefix + '/')) {
        throw new HttpError(404, 'Not Found')
      }
      let segments
      try {
        segments = pathname.slice(prefix.length).split('/').filter((x) => x !== '').map((x) => decodeURIComponent(x))
      } catch {
        throw new HttpError(404, 'Not Found')
      }
      let found = null
      let params = null
      for (const r of ROUTES) {
        const p = match(r, segments)
        if (p) {
          found = r
          params = p
          break
        }
      }
      if (!found) throw new HttpError(404, 'Not Found')
      const method = ex.method === 'HEAD' ? 'GET' : ex.method
      const allowed = METHODS.filter((m) => Object.hasOwn(found, m))
      if (Object.hasOwn(found, 'GET')) allowed.push('HEAD')
      // A browser's preflight never carries the key: OPTIONS only lists the methods.
      if (method === 'OPTIONS') return answer(204, undefined, { allow: [...allowed, 'OPTIONS'].join(', ') })
      if (keyed && !authorized(ex)) {
        // As SkillMeat's `verify_api_key`: none sent is 401 (with `WWW-Authenticate`), a wrong one 403.
        if (!ex.header('x-api-key')) throw new HttpError(401, 'API key required', { headers: { 'www-authenticate': 'ApiKey' } })
        throw new HttpError(403, 'Invalid API key')
      }
      const route = METHODS.includes(method) && Object.hasOwn(found, method) ? found[method] : null
      if (!route) throw new HttpError(405, 'Method Not Allowed', { headers: { allow: allowed.join(', ') } })
      const c = getCache()
      if (route.stream) {
        // HEAD: the stream's headers, without subscribing to anything.
        if (ex.method === 'HEAD') return { status: 200, headers: { ...STREAM_HEADERS }, text: null }
        return route.run({ cache: c, ex, streams })
      }
      const query = new Query(new URLSearchParams(ex.search))
      let headers = { 'cache-control': 'no-cache' }
      let keep = null
      let f = null
      let refresh = false
      if (method === 'GET') {
        // The ETag comes from the data generation, which moves on every write by any process;
        // a match answers 304 before any body is built.
        f = freshness(c)
        const tag = etagOf(route.etag, f)
        headers = getHeaders(route, tag, f)
        // `refresh=true`, or (as SkillMeat's `/projects` on a cache miss) a cache that has never
        // been filled: scan first, answer `X-Cache-Hit: miss`, never a 304.
        refresh = Boolean(route.refreshable) && (query.bool('refresh') === true || (f.last === null && c.listProjects({ limit: 1 }).total === 0))
        if (etagMatches(ex.header('if-none-match'), tag) && !refresh) return answer(304, undefined, headers)
        if (!refresh) {
          if (bodies.generation !== f.generation) {
            bodies.generation = f.generation
            bodies.map.clear()
          }
          keep = { kind: route.etag, list: Boolean(route.list), lastFetched: Boolean(route.lastFetched), tag }
        }
      }
      const out = await route.run({ cache: c, query, params, ex, fresh: f, refresh })
      const res = answer(out.status || 200, out.body, { ...headers, ...(out.headers || {}) })
      if (keep && res.status === 200 && bodies.generation === f.generation) {
        const key = pathname + '?' + ex.search
        if (!bodies.map.has(key) && bodies.map.size >= BODY_CACHE_ENTRIES) bodies.map.delete(bodies.map.keys().next().value)
        keep.text = res.text
        keep.headers = { 'content-type': 'application/json', ...(out.headers || {}) }
        keep.buf = null
        bodies.map.set(key, keep)
        res.bytes = keep
      }
      return res
    } catch (e) {
      return errorAnswer(e)
    }
  }

  const handler = async function handle(request) {
    let url
    try {
      url = new URL(request.url)
    } catch {
      return toResponse(answer(400, { detail: 'Bad Request' }), request.method)
    }
    const ex = {
      method: request.method,
      pathname: url.pathname,
      search: url.search.slice(1),
      header: (name) => request.headers.get(name),
      body: request.body,
      signal: request.signal,
    }
    return toResponse(await dispatch(ex), request.method)
  }
  Object.defineProperty(handler, 'cache', { get: () => cache })
  /** The framework-free core, for this package's own Node server. */
  handler[DISPATCH] = dispatch
  /** Its synchronous part: a current body from the body cache, or `null`. */
  handler[CACHED] = cached
  /** Ends every open event stream (a server stopping gracefully calls this first). */
  handler.closeStreams = () => {
    for (const end of [...streams]) end()
  }
  return handler
}

/** The key under which a handler exposes its framework-free core (see serve.js). */
const DISPATCH = Symbol.for('@skillmeat/cache.dispatch')
/** The key of the handler's synchronous body-cache answer (see serve.js). */
const CACHED = Symbol.for('@skillmeat/cache.cached')

function toResponse(a, method) {
  const body = method === 'HEAD' ? null : a.stream || a.text
  return new Response(body, { status: a.status, headers: a.headers })
}

module.exports = { createCacheHandler, DISPATCH, CACHED }
