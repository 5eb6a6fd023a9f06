'use strict'
// Servers answer what the files say now: `skillmeat-cache serve`, `createRouteHandlers` and
// `getCache` watch the project folders unless watching is configured one way or the other (the
// `watch` option, SKILLMEAT_CACHE_WATCH, or `watch` in config.toml [cache]). A deploy by
// SkillMeat's CLI then shows on the next request without a refresh. One-shot scripts that call
// `Cache.open()` themselves keep the library default (no watcher, no background work).

/**
 * `open` (options of `Cache.open()`) with `watch: true` when nothing configures watching: not the
 * option, not SKILLMEAT_CACHE_WATCH in `env`, not `watch` in config.toml [cache].
 */
function watchedByDefault(open = {}, env = process.env) {
  if (open.watch !== undefined && open.watch !== null) return open
  if (env.SKILLMEAT_CACHE_WATCH !== undefined) return open
  try {
    const file = require('../../index.js').configFileValues(open.home)
    if (file.watch !== undefined) return open
  } catch {
    // An unreadable config.toml: Cache.open() reports it with its own error.
    return open
  }
  return { ...open, watch: true }
}

module.exports = { watchedByDefault }
