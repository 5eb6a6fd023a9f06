'use strict'
// @skillmeat/cache/http: SkillMeat's /api/v1 cache routes as one framework-neutral handler on
// web-standard Request/Response. Routing, validation and JSON shaping live in ./http/; every
// answer comes from the Cache API (no SQL, no file access). The wire contract is SkillMeat's own:
// snake_case JSON, `{detail}` errors, FastAPI's 422 validation lists.
//
//   http/handler.js     routing, API key, ETag/304 and the body cache; Request → Response
//   http/routes/        the route table, one module per group (index.js lists them in order)
//   http/query.js       query parameters and JSON bodies, validated as FastAPI would
//   http/wire.js        rows and details in SkillMeat's snake_case shapes
//   http/ids.js         SkillMeat's project ids (base64 paths) ↔ the cache's
//   http/freshness.js   data generation, age, ETags and the headers of every GET
//   http/events.js      the Server-Sent Events stream of `GET /cache/events`
//   http/errors.js      HttpError, FastAPI's 422, cache error codes → statuses
//   http/refresh.js     the body of the refresh routes
//   http/answer.js      the `{ status, headers, text }` every route and error becomes

const { createCacheHandler, DISPATCH, CACHED } = require('./http/handler.js')
const { versionDifference } = require('./http/wire.js')
const { HttpError } = require('./http/errors.js')

module.exports = { createCacheHandler, versionDifference, HttpError, DISPATCH, CACHED }
