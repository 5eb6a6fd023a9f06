'use strict'

const path = require('node:path')
const { reportWarnings, resolveHome, withCache } = require('../lib/cache.js')
const { CliError, usage } = require('../lib/errors.js')
const { ago, formatDuration, plural, shortVersion } = require('../lib/format.js')
const { DIFF_COLOURS, oneLine } = require('../lib/output.js')
const { pageOptions, pageRange, queryFields } = require('../lib/parse.js')
const { PROG } = require('../lib/program.js')

/** Colours of a source's state (as cached) and of a refresh outcome. */
const SOURCE_COLOURS = { fresh: 'green', stale: 'yellow', error: 'red', 'not fetched': 'dim', fetched: 'green', notModified: 'green' }

/** fresh | stale | error | not fetched, for a marketplace source as cached. */
function sourceState(s) {
  if (s.errorCode || s.error) return 'error'
  if (!s.cached) return 'not fetched'
  return s.stale ? 'stale' : 'fresh'
}

/**
 * Every marketplace source: as cached (`marketplaceSources()`), plus the configured ones never
 * fetched yet (the cache lists a source only once it has been refreshed), as 'not fetched'.
 */
function marketplaceSourceStates(cache) {
  const states = cache.marketplaceSources()
  const known = new Set(states.map((s) => s.name))
  const cfg = cache.status().config.marketplaceSources
  for (const s of Array.isArray(cfg && cfg.value) ? cfg.value : []) {
    if (s && s.name && !known.has(s.name)) {
      known.add(s.name)
      states.push({ name: s.name, url: s.url, cached: false, stale: true, entries: 0 })
    }
  }
  return states
}

/** Prints what `refreshMarketplace()` did, on stderr (stdout keeps the listing). */
function printRefresh(out, summary) {
  const es = out.errStyle
  const n = summary.sources.length
  out.stderr.write(`Refreshed ${plural(n, 'marketplace source')} in ${formatDuration(summary.durationMs || 0)}${n ? ':' : ''}\n`)
  if (!n) return
  const failed = summary.sources.some((o) => o.status === 'error')
  const columns = [
    { header: 'SOURCE', style: (t) => es.bold(t) },
    { header: 'STATUS', style: (t) => es.keyed(SOURCE_COLOURS, t)(t) },
    { header: 'ENTRIES', align: 'right' },
  ]
  if (failed) columns.push({ header: 'ERROR', flex: 'end', style: (t) => es.red(t) })
  const rows = summary.sources.map((o) => [o.name, o.status, o.entries, o.status === 'error' ? `${o.code || 'ERROR'}: ${oneLine(o.error)}` : ''])
  out.table(columns, rows.map((r) => r.slice(0, columns.length)), { indented: true, toStderr: true })
}

/** The entries table (or why there are none). */
function printEntries(ctx, entries, sources) {
  const { out, values: v } = ctx
  const st = out.style
  if (entries.total === 0) {
    if (sources.length === 0) {
      out.line(
        `No marketplace sources configured. Add [[sources]] with name and url to ${path.join(resolveHome(v, ctx.env), 'marketplace.toml')}.`,
      )
    } else if (!sources.some((s) => s.cached)) {
      out.line(`No marketplace entries cached yet; run '${PROG} marketplace --refresh'.`)
    } else {
      const filtered = v.type !== undefined || v.query !== undefined || v.source !== undefined
      out.line(filtered ? 'No marketplace entries match.' : 'No marketplace entries.')
    }
    return
  }
  out.table(
    [
      { header: 'NAME', style: (t) => st.bold(t) },
      { header: 'TYPE' },
      { header: 'VERSION', style: (t) => (t.endsWith('*') ? st.yellow(t) : t) },
      { header: 'SOURCE' },
      { header: 'INSTALLED' },
      { header: 'UPDATE', style: (t, i) => st.keyed(DIFF_COLOURS, entries.items[i].versionDiff)(t) },
      { header: 'DESCRIPTION', flex: 'end', min: 10 },
    ],
    entries.items.map((e) => [
      e.name,
      e.type,
      `${shortVersion(e.version)}${e.stale ? '*' : ''}`,
      e.source,
      e.installedCount > 0 ? `${shortVersion(e.deployedVersion) || 'yes'}${e.installedCount > 1 ? ` (${e.installedCount}x)` : ''}` : '',
      e.updateAvailable ? e.versionDiff || 'yes' : '',
      e.description,
    ]),
  )
  if (entries.items.some((e) => e.stale)) out.line(st.dim('* stale: past its TTL or its last refresh failed; shown from the last good copy'))
  out.pageFooter(entries, 'entry', 'entries')
}

/** The Sources section: one line per source with its state. */
function printSources(out, sources) {
  const st = out.style
  if (sources.length === 0) return
  out.line()
  out.line(st.bold('Sources'))
  const now = Date.now()
  out.table(
    [
      { header: 'SOURCE', fixed: true },
      { header: 'STATE', fixed: true, style: (t) => st.keyed(SOURCE_COLOURS, t)(t) },
      { header: 'ENTRIES', align: 'right' },
      { header: 'DETAIL', flex: 'end', min: 10 },
    ],
    sources.map((s) => {
      const state = sourceState(s)
      let detail = s.fetchedAt ? `fetched ${ago(s.fetchedAt, now)}` : ''
      if (state === 'error') {
        detail = `${s.errorCode ? `${s.errorCode}: ` : ''}${oneLine(s.error)}${s.cached ? '; serving the last good copy' : ''}`
      }
      return [s.name, state, s.entries, detail]
    }),
    { indented: true },
  )
}

module.exports = {
  name: 'marketplace',
  order: 60,
  summary: 'Cached marketplace entries (--refresh fetches the listings first)',
  description: `
Lists the marketplace entries cached from the sources in
<home>/marketplace.toml: NAME, TYPE, VERSION, SOURCE, INSTALLED (the deployed
version when an artifact of that name is in a cached project), UPDATE (the kind
of update available) and DESCRIPTION; a version marked '*' is stale (past its
TTL, or its source's last refresh failed; the last good copy is shown). Then a
line per source: fresh, stale, error or not fetched.`,
  details: `
A source that cannot be fetched keeps its last good copy and is reported as
'error'; the command still exits 0. --json prints the page
{items, total, offset, limit}; with --refresh it prints
{"refresh": <summary {sources, durationMs}>, "entries": <page>}.`,
  options: {
    refresh: { type: 'boolean', description: 'Fetch the listings first (sources past their TTL only); the summary goes to stderr' },
    force: { type: 'boolean', description: 'With --refresh: fetch every source, even fresh ones' },
    source: { type: 'string', value: 'NAME', description: 'Only this source (NOT_FOUND, exit 1, when not configured)' },
    type: { type: 'string', value: 'T', description: 'Only this type (plugin, skill, ...)' },
    query: { type: 'string', value: 'Q', description: 'Only entries whose name, description or tags contain Q' },
    ...pageOptions(),
  },
  args: [],
  async run(ctx) {
    const { out } = ctx
    const v = ctx.values
    if (v.force && !v.refresh) throw usage('--force only applies with --refresh')
    if (v.source === '') throw usage('--source must not be empty')
    const q = { ...queryFields(v, { source: 'source', type: 'type', query: 'query' }), ...pageRange(v) }
    const { refresh, entries, sources } = await withCache(v, async (cache) => {
      let states = marketplaceSourceStates(cache)
      if (v.source !== undefined && !states.some((s) => s.name === v.source)) {
        const names = states.map((s) => s.name).join(', ')
        throw new CliError(
          `no marketplace source named "${v.source}" (${names ? `configured: ${names}` : 'none is configured'})`,
          'NOT_FOUND',
        )
      }
      let summary = null
      if (v.refresh) {
        const req = {}
        if (v.source !== undefined) req.source = v.source
        if (v.force) req.force = true
        summary = await cache.refreshMarketplace(req)
        states = marketplaceSourceStates(cache)
      }
      const page = cache.marketplaceEntries(q)
      reportWarnings(cache, ctx)
      return { refresh: summary, entries: page, sources: states }
    })
    if (ctx.json) return out.json(v.refresh ? { refresh, entries } : entries)
    if (refresh) printRefresh(out, refresh)
    printEntries(ctx, entries, sources)
    printSources(out, v.source !== undefined ? sources.filter((s) => s.name === v.source) : sources)
  },
}
