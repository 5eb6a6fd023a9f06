'use strict'
// Route: `POST /cache/invalidate`. See ./index.js for what an entry holds.

const { HttpError, shortId } = require('../errors.js')
const { readJson, bodyString } = require('../query.js')
const { projectIdOf } = require('../ids.js')

module.exports = [
  {
    path: ['cache', 'invalidate'],
    POST: {
      async run({ cache, ex }) {
        const body = await readJson(ex)
        const sent = bodyString(body, 'project_id') || undefined
        const projectId = projectIdOf(cache, sent)
        if (projectId !== undefined && !cache.getProject(projectId)) {
          throw new HttpError(404, `Project '${shortId(sent)}' not found in cache`)
        }
        const n = cache.invalidate(projectId)
        return {
          body: {
            success: true,
            invalidated_count: n,
            message: projectId ? `Invalidated project ${projectId}` : `Invalidated ${n} project${n === 1 ? '' : 's'}`,
          },
        }
      },
    },
  },
]
