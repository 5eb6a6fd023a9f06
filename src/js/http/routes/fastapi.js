'use strict'
// Not a route group (./index.js does not list it): the answer of the routes SkillMeat's FastAPI
// keeps for itself under `/projects` (they write project files, read files the cache does not
// index, or keep SkillMeat's database), for the route entries that share a path with a route
// this package serves. See "Routes served by SkillMeat's FastAPI" in docs/http.md.

const { HttpError } = require('../errors.js')

/** Why FastAPI keeps a route, by kind. */
const WHY = {
  writes: 'writes project files',
  reads: 'reads project files the cache does not index',
  database: "keeps deployment profiles in SkillMeat's database",
}

/**
 * A route handler answering 501 Not Implemented: `route` is the method and path as SkillMeat
 * names it (`PUT /projects/{project_id}`), `kind` one of {@link WHY}'s keys.
 */
function fastapiOnly(route, kind) {
  const detail =
    `${route} ${WHY[kind]} and is served by SkillMeat's FastAPI, not by this cache: ` +
    'send it to FastAPI (with Next.js, a middleware rewrite by method and path to SKILLMEAT_API_URL; ' +
    `see "Routes served by SkillMeat's FastAPI" in docs/http.md)`
  return {
    run() {
      throw new HttpError(501, detail)
    },
  }
}

module.exports = { fastapiOnly }
