'use strict'
// Freshness of an answer: the data generation and refresh age, the ETag made from them, and the
// headers every GET carries.

const { iso } = require('./wire.js')

/** How far ahead of this clock a refresh time may be and still be trusted (the core's CLOCK_SKEW_MS). */
const CLOCK_SKEW_MS = 60_000

/**
 * The data generation, the last refresh, its age, and whether it is within the TTL (`hit`). A
 * refresh dated further ahead than the clock allows happened before the clock moved backwards:
 * age 0, not a hit.
 */
function freshness(cache) {
  const f = cache.freshness()
  const last = f.lastRefreshAt ?? null
  const now = Date.now()
  const ageMs = last ? Math.max(0, now - last) : null
  const ahead = last !== null && last - now > CLOCK_SKEW_MS
  return { generation: f.generation, last, now, ageMs, ttl: f.ttlMs, hit: ageMs !== null && !ahead && ageMs < f.ttlMs }
}

/**
 * The ETag of a GET answer: the data generation, and the clock for answers that carry ages
 * (`kind` 'clock': the second; 'data': the minute, since projects turn stale as time passes).
 */
function etagOf(kind, f) {
  const clock = kind === 'clock' ? `-t${Math.floor(f.now / 1000)}` : `-m${Math.floor(f.now / 60_000)}`
  return `W/"g${f.generation}${clock}"`
}

/**
 * The headers every GET answer carries; list routes add `X-Cache-Hit` and `X-Cache-Age`, and
 * `/projects` SkillMeat's `X-Cache-Last-Fetched` (304s included).
 */
function getHeaders(route, tag, f) {
  const headers = { 'cache-control': 'no-cache', etag: tag }
  if (route.list) {
    headers['x-cache-hit'] = f.hit ? 'hit' : 'miss'
    headers['x-cache-age'] = f.ageMs === null ? '' : String(Math.floor(f.ageMs / 1000))
  }
  if (route.lastFetched) headers['x-cache-last-fetched'] = iso(f.last) || ''
  return headers
}

function etagMatches(header, etag) {
  if (!header) return false
  if (header.trim() === '*') return true
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag.replace(/^W\//, ''))
}

module.exports = { freshness, etagOf, getHeaders, etagMatches }
