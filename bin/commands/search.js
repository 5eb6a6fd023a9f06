'use strict'

const { addonMethod, requireProject, withCache } = require('../lib/cache.js')
const { usage } = require('../lib/errors.js')
const { formatDuration } = require('../lib/format.js')
const { oneLine } = require('../lib/output.js')
const { pageOptions, pageRange, queryFields } = require('../lib/parse.js')

module.exports = {
  name: 'search',
  readsOnly: true,
  order: 50,
  summary: 'Full-text search over artifacts and marketplace entries (typo tolerant)',
  description: `
Searches artifacts and marketplace entries by name, tags and description.
Any text is a valid query (words are matched, quotes and operators are plain
text); words of 4 to 7 letters tolerate one typo and longer ones two, and the
last word also matches as a prefix. Several words after 'search' are one
query. With a filter, QUERY may be left out to list what matches by name.`,
  details: `
Prints NAME, TYPE, PROJECT/SOURCE, SCORE (when ranked by relevance) and
DESCRIPTION, then the total and the time the search took. When no result has
every word, results with any of them are listed and a note says so. --json
prints the result {items, total, tookMs, relaxed}; each item is the full
artifact or entry with kind ('artifact' or 'entry') and score.`,
  options: {
    kind: { type: 'string', value: 'K', description: 'artifact or entry (marketplace entry)' },
    type: { type: 'string', value: 'T', description: 'skill, command, agent, hook, mcp, plugin, ...' },
    project: { type: 'string', value: 'ID', description: 'Only artifacts of this project (NOT_FOUND, exit 1, when unknown)' },
    source: { type: 'string', value: 'S', description: "Only this source: an artifact's upstream spec, or a marketplace source name" },
    tag: { type: 'string', value: 'T', multiple: true, description: 'Only results with this tag (repeat it: all must match)' },
    outdated: { type: 'boolean', description: 'Only outdated artifacts (and entries that are updates)' },
    ...pageOptions({
      sort: 'relevance (default with QUERY), name (default without), updated',
      asc: 'Sort ascending',
      desc: 'Sort descending (default: best match, A to Z, newest first)',
      limit: 20,
      skip: 'Results',
    }),
  },
  args: ['QUERY...'],
  async run(ctx) {
    const { out } = ctx
    const v = ctx.values
    const text = ctx.args.join(' ')
    const opts = queryFields(v, { kind: 'kind', type: 'type', project: 'projectId', source: 'source', tag: 'tags', sort: 'sortBy' })
    if (v.outdated) opts.outdated = true
    if (v.asc && v.desc) throw usage('--asc and --desc cannot be used together')
    if (v.asc) opts.order = 'asc'
    if (v.desc) opts.order = 'desc'
    Object.assign(opts, pageRange(v))
    const filtered = ['kind', 'type', 'projectId', 'source', 'tags', 'outdated'].some((k) => opts[k] !== undefined)
    if (text.trim() === '' && !filtered) throw usage(`'search' needs QUERY (or a filter such as --type)`)
    const result = await withCache(v, (cache) => {
      const search = addonMethod(cache, 'search')
      requireProject(cache, v.project)
      return search(text, opts)
    })
    if (ctx.json) return out.json(result)
    const st = out.style
    const took = formatDuration(result.tookMs || 0)
    const what = text.trim() ? `"${oneLine(text)}"` : 'the filters'
    if (result.total === 0) {
      out.line(`No results for ${what} ${st.dim(`(${took})`)}`)
      return
    }
    // Scores only mean something when results are ranked by them.
    const ranked = text.trim() !== '' && (opts.sortBy === undefined || opts.sortBy === 'relevance')
    const columns = [
      { header: 'NAME', style: (t) => st.bold(t) },
      { header: 'TYPE' },
      { header: 'PROJECT/SOURCE' },
      { header: 'SCORE', align: 'right', style: (t) => st.dim(t) },
      { header: 'DESCRIPTION', flex: 'end', min: 10 },
    ]
    const rows = result.items.map((it) => [
      it.name,
      it.type,
      it.kind === 'entry' ? `${it.source} (marketplace)` : it.projectName,
      typeof it.score === 'number' ? it.score.toFixed(2) : '',
      it.description,
    ])
    const keep = (_, i) => ranked || i !== 3
    out.table(columns.filter(keep), rows.map((r) => r.filter(keep)))
    if (result.relaxed) out.line(st.yellow(`No result has every word of ${what}; showing results with any of them.`))
    out.pageFooter({ items: result.items, total: result.total, offset: opts.offset || 0 }, 'result', undefined, ` (${took})`)
  },
}
