'use strict'
// Cross-origin requests as SkillMeat's FastAPI answers them (Starlette's CORSMiddleware with its
// `cors_*` settings): SkillMeat's page (localhost:3000) calls its API on another port, so the
// browser asks first (a preflight) and reads an answer only when it names the page's origin.

// What `*` means for methods (Starlette's list).
const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']
// Request headers a browser may always send.
const SAFELISTED_HEADERS = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type']
// Headers of ours a page may read across origins (the client compares ETags with the stream).
const EXPOSED_HEADERS = 'ETag, X-Cache-Hit, X-Cache-Age, X-Cache-Last-Fetched'
const MAX_AGE = '600'

/** A configuration value of `cache.status().config` (`{ value, source }`). */
const configured = (config, key) => (config && config[key] ? config[key].value : undefined)

/**
 * The policy in force: `option` (`createCacheHandler({ cors })`: `false`, or
 * `{ origins, allowCredentials, allowMethods, allowHeaders }`, each part optional) over the
 * cache's configuration (`corsEnabled`, `corsOrigins`, …: option of `Cache.open`, the
 * SKILLMEAT_CORS_* environment variables SkillMeat's API reads too, config.toml, SkillMeat's
 * defaults). `null` when CORS is off.
 */
function corsPolicy(option, config) {
  if (option === false) return null
  const given = option && typeof option === 'object' ? option : {}
  if (option === undefined && configured(config, 'corsEnabled') === false) return null
  const pick = (name, key, fallback) => {
    const v = given[name] !== undefined ? given[name] : configured(config, key)
    return v === undefined ? fallback : v
  }
  const origins = pick('origins', 'corsOrigins', ['http://localhost:3000', 'http://localhost:3001', 'http://localhost:5173', 'http://localhost:8080'])
  const methods = pick('allowMethods', 'corsAllowMethods', ['*'])
  const headers = pick('allowHeaders', 'corsAllowHeaders', ['*'])
  const allowAllOrigins = origins.includes('*')
  const allowAllHeaders = headers.includes('*')
  return {
    allowAllOrigins,
    origins: new Set(origins),
    credentials: Boolean(pick('allowCredentials', 'corsAllowCredentials', true)),
    methods: methods.includes('*') ? ALL_METHODS : methods.map((m) => m.toUpperCase()),
    allowAllHeaders,
    headers: new Set([...SAFELISTED_HEADERS, ...headers].map((h) => h.toLowerCase())),
    headerList: [...new Set([...SAFELISTED_HEADERS, ...headers])].sort().join(', '),
  }
}

const allowed = (policy, origin) => policy.allowAllOrigins || policy.origins.has(origin)

/** Whether the request is a browser's preflight (which never carries the API key). */
function isPreflight(ex) {
  return ex.method === 'OPTIONS' && ex.header('origin') !== null && ex.header('access-control-request-method') !== null
}

/**
 * The answer to a preflight, as Starlette gives it: 200 `OK` when the origin, method and headers
 * asked for are allowed, else 400 `Disallowed CORS origin, method, headers` (the parts that
 * failed), each with the allow headers.
 */
function preflight(policy, ex) {
  const origin = ex.header('origin')
  const method = ex.header('access-control-request-method')
  const asked = ex.header('access-control-request-headers')
  const headers = { 'content-type': 'text/plain; charset=utf-8', vary: 'Origin' }
  const failures = []
  if (allowed(policy, origin)) headers['access-control-allow-origin'] = policy.allowAllOrigins && !policy.credentials ? '*' : origin
  else failures.push('origin')
  if (!policy.methods.includes(method.toUpperCase())) failures.push('method')
  if (policy.allowAllHeaders) {
    if (asked !== null) headers['access-control-allow-headers'] = asked
  } else {
    headers['access-control-allow-headers'] = policy.headerList
    if (asked !== null && asked.split(',').some((h) => h.trim() !== '' && !policy.headers.has(h.trim().toLowerCase()))) failures.push('headers')
  }
  headers['access-control-allow-methods'] = policy.methods.join(', ')
  headers['access-control-max-age'] = MAX_AGE
  if (policy.credentials) headers['access-control-allow-credentials'] = 'true'
  if (failures.length) return { status: 400, headers, text: `Disallowed CORS ${failures.join(', ')}` }
  return { status: 200, headers, text: 'OK' }
}

/**
 * Adds the CORS headers to an answer's `headers` (in place): the origin named when it is
 * allowed, nothing of CORS for one that is not, and `Vary: Origin` whenever the answer depends
 * on it.
 */
function decorate(policy, ex, headers) {
  const wildcard = policy.allowAllOrigins && !policy.credentials
  if (!wildcard) headers.vary = headers.vary ? `${headers.vary}, Origin` : 'Origin'
  const origin = ex.header('origin')
  if (origin === null || !allowed(policy, origin)) return headers
  headers['access-control-allow-origin'] = wildcard ? '*' : origin
  if (policy.credentials) headers['access-control-allow-credentials'] = 'true'
  headers['access-control-expose-headers'] = EXPOSED_HEADERS
  return headers
}

module.exports = { corsPolicy, isPreflight, preflight, decorate }
