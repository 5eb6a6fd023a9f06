'use strict'

const { addonMethod, reportWarnings, requireProject, withCache } = require('../lib/cache.js')
const { usage } = require('../lib/errors.js')
const { clock, formatDuration, plural } = require('../lib/format.js')
const { oneLine } = require('../lib/output.js')
const { queryFields } = require('../lib/parse.js')
const { PROG } = require('../lib/program.js')

/** A rate-limit reset time for people; ms since the epoch (seconds are accepted too). */
function formatReset(at) {
  if (!at) return 'at an unknown time'
  const ms = at < 1e12 ? at * 1000 : at
  const mins = Math.ceil((ms - Date.now()) / 60000)
  return `at ${clock(ms)}${mins > 0 ? ` (in ${plural(mins, 'minute')})` : ''}`
}

module.exports = {
  name: 'check-upstream',
  order: 70,
  summary: 'Look up upstream versions of artifacts with a GitHub source',
  description: `
Looks up the latest upstream version of every artifact whose source is a
GitHub repository ('owner/repo[/path]@version'), one batch of requests per
repository, revalidating what it asked before (304 Not Modified), and stores
what it finds: 'outdated' and 'artifacts' show the result.`,
  details: `
Prints the repositories checked (and skipped, when checked within
upstream_ttl_hours), requests made and how many were answered 304 Not
Modified, artifacts checked, updated (a new upstream version or commit, or a
change of outdated state) and outdated, and whether the API rate limit was
reached (with its reset time). A repository that fails keeps its artifacts'
last known upstream; it is listed on stderr and does not change the exit
status: 0 unless the check itself fails. The API's base URL is the
github_api_url setting (env SKILLMEAT_GITHUB_API_URL, default
https://api.github.com); a token in SKILLMEAT_GITHUB_TOKEN or GITHUB_TOKEN
raises the rate limit.
--json prints the summary {repositories, skipped, artifacts, requests,
notModified, updated, outdated, errors: [{repository, code, message}],
rateLimited, rateLimitResetAt, durationMs}.`,
  options: {
    project: { type: 'string', value: 'ID', description: 'Only the artifacts of this project (NOT_FOUND, exit 1)' },
    force: { type: 'boolean', description: 'Ask again even for repositories checked recently' },
  },
  args: [],
  async run(ctx) {
    const { out } = ctx
    const v = ctx.values
    if (v.project === '') throw usage('--project must not be empty')
    const req = queryFields(v, { project: 'projectId' })
    if (v.force) req.force = true
    const s = await withCache(v, async (cache) => {
      const check = addonMethod(cache, 'checkUpstream')
      requireProject(cache, v.project)
      const summary = await check(req)
      reportWarnings(cache, ctx)
      return summary
    })
    if (ctx.json) return out.json(s)
    const st = out.style
    const errors = s.errors || []
    out.fields([
      [
        'Repositories',
        `${s.repositories} checked` +
          (s.skipped ? `, ${s.skipped} skipped (checked recently; --force asks again)` : '') +
          (errors.length ? `, ${st.red(plural(errors.length, 'error'))}` : ''),
      ],
      ['Requests', `${s.requests} made, ${s.notModified} not modified (304)`],
      ['Artifacts', `${s.artifacts} checked, ${s.updated} updated, ${s.outdated} outdated`],
      ['Rate limit', s.rateLimited ? st.yellow(`reached; resets ${formatReset(s.rateLimitResetAt)}`) : 'ok'],
      ['Duration', formatDuration(s.durationMs || 0)],
    ])
    if (s.outdated > 0) out.line(st.dim(`Run '${PROG} outdated' to list the outdated artifacts.`))
    for (const e of errors) out.error(`${e.repository}: ${oneLine(e.message)}`, e.code)
  },
}
