'use strict'
// Opening the cache through the native addon, and the checks every command makes of it.

const { CliError, projectNotFound } = require('./errors.js')

let lib
/** The addon (index.js), loaded on first use so that help and usage errors never load it. */
function addon() {
  if (!lib) {
    try {
      lib = require('../../index.js')
    } catch (e) {
      throw new CliError(`cannot load the native addon: ${e.message}`, 'ADDON_LOAD_FAILED')
    }
  }
  return lib
}

/** Cache.open options from the global --home and --db. */
function openOptions(values) {
  const o = {}
  if (values.home !== undefined) o.home = values.home
  if (values.db !== undefined) o.path = values.db
  return o
}

/** Opens the cache (with `extra` options), runs `fn(cache)`, and always closes it. */
async function withCache(values, fn, extra = {}) {
  const cache = addon().Cache.open({ ...openOptions(values), ...extra })
  try {
    return await fn(cache)
  } finally {
    try {
      cache.close()
    } catch {
      // close() is idempotent; nothing useful to report if it fails on the way out.
    }
  }
}

/** Prints the cache's warnings to stderr (human mode) so a degraded cache is not silent. */
function reportWarnings(cache, ctx) {
  if (ctx.json) return
  for (const w of cache.status().warnings) ctx.out.warn(`${w.message} (${w.code})`)
}

/** SkillMeat home as the addon resolves it (--home, else SKILLMEAT_HOME, else ~/.skillmeat). */
function resolveHome(values, env) {
  const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string'))
  return addon().resolveHome(values.home, vars)
}

/** Throws NOT_FOUND (exit 1) for a project id the cache does not know; `undefined` passes. */
function requireProject(cache, id) {
  if (id !== undefined && !cache.getProject(id)) throw projectNotFound(id)
}

/** The addon's method `name`, bound; a clear error when the addon was built before it existed. */
function addonMethod(cache, name) {
  if (typeof cache[name] !== 'function') {
    throw new CliError(`this build of the native addon has no ${name}(); rebuild it with 'npm run build'`, 'NOT_SUPPORTED')
  }
  return cache[name].bind(cache)
}

module.exports = { addon, withCache, reportWarnings, resolveHome, requireProject, addonMethod }
