'use strict'

const { addon, withCache } = require('../lib/cache.js')
const { ago, formatBytes, formatDuration, formatTime, formatValue, plural, toCamel } = require('../lib/format.js')
const { oneLine } = require('../lib/output.js')

/** Rows of the Configuration table: known keys in their order, then any others status() has. */
function configRows(config) {
  const rows = []
  const seen = new Set()
  for (const key of ['home', ...addon().configKeys().map((k) => k.key)]) {
    const e = config[toCamel(key)]
    if (!e) continue
    seen.add(toCamel(key))
    rows.push([key, formatValue(e.value), e.source])
  }
  for (const [camel, e] of Object.entries(config)) {
    if (!seen.has(camel)) rows.push([camel, formatValue(e.value), e.source])
  }
  return rows
}

module.exports = {
  name: 'status',
  readsOnly: true,
  order: 10,
  summary: 'Health, counts, last refresh and configuration',
  description: `
Shows the cache mode and file, size, schema version, counts (projects by
status, artifacts, errors, modified, outdated), the last refresh, a recovered
database, warnings, and each configuration value with its source
(option, env, file or default).
--json prints the status object.`,
  options: {},
  args: [],
  async run(ctx) {
    const { out } = ctx
    const s = await withCache(ctx.values, (cache) => cache.status())
    if (ctx.json) return out.json(s)
    const st = out.style
    const byStatus = Object.entries(s.projectsByStatus || {})
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
    const rows = [
      ['Mode', s.mode === 'file' ? s.mode : st.yellow(s.mode)],
      ['Database', s.dbPath],
      ['Size', formatBytes(s.sizeBytes) + (s.mode === 'memory' ? ' (in memory)' : '')],
      ['Schema', String(s.schemaVersion)],
      ['Projects', `${s.projects}${byStatus.length ? ` (${byStatus.join(', ')})` : ''}`],
      [
        'Artifacts',
        `${s.artifacts} (${[
          s.artifactErrors ? st.red(`${s.artifactErrors} in error`) : '0 in error',
          `${s.modifiedArtifacts} modified`,
          `${s.outdatedArtifacts} outdated`,
        ].join(', ')})`,
      ],
    ]
    const r = s.lastRefresh
    if (r) {
      const took = r.finishedAt && r.startedAt ? `, ${formatDuration(r.finishedAt - r.startedAt)}` : ''
      const outcome = r.outcome === 'ok' ? r.outcome : st.red(r.outcome)
      rows.push([
        'Last refresh',
        `${formatTime(r.finishedAt || r.startedAt)}: ${r.trigger}, ${outcome}, ` +
          `${plural(r.projectsScanned, 'project')} scanned${took}${r.message ? ` - ${r.message}` : ''}`,
      ])
    } else {
      rows.push(['Last refresh', 'never'])
    }
    if (s.recovered) {
      rows.push([
        'Recovered',
        st.yellow(`${formatTime(s.recovered.at)}: damaged database moved to ${s.recovered.movedTo} (${s.recovered.reason})`),
      ])
    }
    out.fields(rows)

    if (s.warnings && s.warnings.length) {
      out.line()
      out.line(st.bold('Warnings'))
      for (const w of s.warnings) out.line(`  ${st.yellow(w.code)}  ${oneLine(w.message)}${w.at ? st.dim(` (${ago(w.at)})`) : ''}`)
    }

    out.line()
    out.line(st.bold('Configuration'))
    out.table(
      [
        { header: 'KEY', fixed: true },
        { header: 'VALUE', flex: 'end' },
        { header: 'SOURCE', fixed: true, style: (t) => (t === 'default' ? st.dim(t) : t) },
      ],
      configRows(s.config),
      { indented: true },
    )
  },
}
