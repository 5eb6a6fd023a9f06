'use strict'
// The body of the refresh routes (`POST /cache/refresh`, `POST /projects/cache/refresh`).

const { HttpError, shortId } = require('./errors.js')
const { readJson, bodyString, bodyBool, defined } = require('./query.js')
const { projectIdOf } = require('./ids.js')

/** The body of a refresh route (`{ project_id?, force? }`), checked, and the refresh it asks for. */
async function refreshFromBody(cache, ex) {
  const body = await readJson(ex)
  // An empty id means every project, as in SkillMeat (`if request.project_id:`).
  const sent = bodyString(body, 'project_id') || undefined
  const projectId = projectIdOf(cache, sent)
  const force = bodyBool(body, 'force', false)
  if (projectId !== undefined && !cache.getProject(projectId)) {
    throw new HttpError(404, `Project '${shortId(sent)}' not found`)
  }
  return cache.refresh(defined({ projectId, force }))
}

module.exports = { refreshFromBody }
