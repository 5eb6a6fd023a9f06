'use strict'
// What servers default to, where the library's own defaults suit one-shot scripts (no watcher,
// no background work, no folder searched unless configured). `skillmeat-cache serve`,
// `createRouteHandlers` and `getCache`:
// - watch the project folders unless watching is configured one way or the other (the `watch`
//   option, SKILLMEAT_CACHE_WATCH, or `watch` in config.toml [cache]): a deploy by SkillMeat's CLI
//   then shows on the next request without a refresh;
// - find projects where SkillMeat's own server looks for them, `~/projects`, `~/dev`,
//   `~/workspace` and `~/src` (those that exist when the cache opens), unless project roots are
//   configured (the `projectRoots` option, SKILLMEAT_CACHE_PROJECT_ROOTS, or `project_roots` in
//   config.toml [cache]; an empty list searches none). SkillMeat also searches the folder its server
//   was started in; that one is left out here (name it in `project_roots` to have it searched).
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

/** The folders of the user's home SkillMeat's project discovery searches by default. */
const SKILLMEAT_SEARCH_FOLDERS = ['projects', 'dev', 'workspace', 'src']

const given = (v) => v !== undefined && v !== null

/**
 * `open` (options of `Cache.open()`) with a server's defaults filled in where nothing configures
 * them: not the option, not its environment variable in `env`, not its key in config.toml.
 */
function serverDefaults(open = {}, env = process.env) {
  let file
  try {
    file = require('../../index.js').configFileValues(open.home)
  } catch {
    // An unreadable config.toml: Cache.open() reports it with its own error.
    return open
  }
  const out = { ...open }
  if (!given(open.watch) && env.SKILLMEAT_CACHE_WATCH === undefined && file.watch === undefined) out.watch = true
  if (!given(open.projectRoots) && env.SKILLMEAT_CACHE_PROJECT_ROOTS === undefined && file.project_roots === undefined) {
    const home = env.HOME || os.homedir()
    out.projectRoots = SKILLMEAT_SEARCH_FOLDERS.map((d) => path.join(home, d)).filter((d) => {
      try {
        return fs.statSync(d).isDirectory()
      } catch {
        return false
      }
    })
  }
  return out
}

module.exports = { serverDefaults, SKILLMEAT_SEARCH_FOLDERS }
