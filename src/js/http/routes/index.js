'use strict'
// Every route, one module per group. Adding a route: an entry in its group's module (or a new
// group, listed below), its row in docs/http.md and a case in __test__/http.test.js (the project
// pages: __test__/project-pages.test.js). The groups keep the order of the table they were split
// from: the first route whose path fits answers. (./fastapi.js is a helper, not a group.)

/**
 * Route table: `path` segments (`:id` matches one segment), method → handler. A handler gets
 * `{ cache, query, params, ex, fresh, refresh }` (`ex`: the request, see `dispatch` in
 * ../handler.js; `fresh`: the request's {@link freshness}, for GETs; `refresh`: scan before
 * answering, for `refreshable` routes) and returns `{ body, headers? , status? }`; GET handlers
 * declare `etag: 'data' | 'clock'` (clock: the answer carries ages, so the ETag also moves each
 * second), `list` (list headers), `refreshable` (takes `refresh=true`) and `lastFetched`
 * (`X-Cache-Last-Fetched`).
 */
const ROUTES = [
  ...require('./cache-status.js'),
  ...require('./cache-projects.js'),
  ...require('./cache-artifacts.js'),
  ...require('./search.js'),
  ...require('./cache-invalidate.js'),
  ...require('./marketplace.js'),
  ...require('./events.js'),
  ...require('./projects.js'),
  // After ./projects.js: `/projects/cache/*` is never read as a `{project_id}`.
  ...require('./project-pages.js'),
]

module.exports = { ROUTES }
