#!/usr/bin/env node
'use strict'
// `npm run demo`: the cache against the sample tree in examples/sample.
//
// The SkillMeat home is copied to a fresh temp folder (the cache database goes inside it), so the
// repository stays clean; the sample projects are only read. Pass --keep to keep the temp home.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Cache } = require('../index.js')

const SAMPLE = path.join(__dirname, '..', 'examples', 'sample')
const keep = process.argv.includes('--keep')

const ms = (x) => (x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(1)} ms`)
const short = (h) => (h ? `${h.slice(0, 12)}…` : '-')

/** Prints rows as a left-aligned table under a header. */
function table(header, rows, indent = '  ') {
  const all = [header, ...rows].map((r) => r.map((c) => (c === undefined || c === null ? '-' : String(c))))
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)))
  for (const r of all) console.log(indent + r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd())
}

function section(title) {
  console.log(`\n== ${title}`)
}

/** Every artifact matching `query`, across pages. */
function allArtifacts(cache, query = {}) {
  const out = []
  for (let offset = 0; ; ) {
    const page = cache.listArtifacts({ ...query, offset, limit: 1000 })
    out.push(...page.items)
    offset += page.items.length
    if (page.items.length === 0 || offset >= page.total) return out
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-demo-'))
  const home = path.join(tmp, 'home')
  fs.cpSync(path.join(SAMPLE, 'home'), home, { recursive: true })
  const dbPath = path.join(home, 'cache', 'skillmeat-cache.db')
  const projectsRoot = path.resolve(SAMPLE, 'projects')

  console.log('SkillMeat cache demo')
  console.log(`  home      ${home}  (temp copy of examples/sample/home)`)
  console.log(`  database  ${dbPath}`)
  console.log(`  projects  ${projectsRoot}`)

  const cache = Cache.open({ home, path: dbPath, projectRoots: [projectsRoot] })
  try {
    // 1. Cold refresh: discovery, every file read and hashed.
    const first = await cache.refresh()
    section('Refresh (cold cache)')
    console.log(
      `  ${ms(first.durationMs)}: ${first.projectsDiscovered} projects discovered, ${first.projectsScanned} scanned; ` +
        `${first.artifactsAdded} artifacts added, ${first.artifactsRead} read; ${first.errors.length} error(s)`,
    )
    for (const e of first.errors) console.log(`  ! ${e}`)

    // 2. Projects.
    const projects = cache.listProjects({ sortBy: 'name' }).items
    section(`Projects (${projects.length})`)
    table(
      ['NAME', 'STATUS', 'ARTIFACTS', 'ERRORS', 'MODIFIED', 'FOLDER'],
      projects.map((p) => [p.name, p.status, p.artifactCount, p.errorCount + p.errors.length, p.modifiedCount, path.basename(p.path)]),
    )

    // 3. Artifacts of the first project.
    const p0 = projects[0]
    if (p0) {
      const arts = allArtifacts(cache, { projectId: p0.id, sortBy: 'type' })
      section(`Artifacts of ${p0.name} (${arts.length})`)
      if (p0.description) console.log(`  ${p0.description}`)
      table(
        ['TYPE', 'NAME', 'ORIGIN', 'VERSION', 'DEPLOYED', 'MODIFIED', 'STATUS', 'DESCRIPTION'],
        arts.map((a) => [
          a.type,
          a.name,
          a.origin,
          a.deployedVersion ?? a.version,
          a.deployedAt ? a.deployedAt.slice(0, 10) : '-',
          a.localModified ? 'yes' : 'no',
          a.status,
          (a.description ?? '').split('\n')[0].slice(0, 48) + ((a.description ?? '').length > 48 ? '…' : ''),
        ]),
      )
    }

    // 4. Locally modified artifacts (content hash differs from the one recorded at deployment).
    const modified = allArtifacts(cache).filter((a) => a.localModified)
    section(`Locally modified since deployment (${modified.length})`)
    table(
      ['PROJECT', 'TYPE', 'NAME', 'DEPLOYED', 'DEPLOYED HASH', 'CURRENT HASH', 'PATH'],
      modified.map((a) => [a.projectName, a.type, a.name, a.deployedAt, short(a.deployedHash), short(a.contentHash), a.path]),
    )

    // 5. Artifacts in error.
    const broken = cache.listArtifacts({ status: 'error' }).items
    section(`Artifacts in error (${broken.length})`)
    for (const a of broken) console.log(`  ${a.projectName}: ${a.error}`)

    // 6. Search: typo-tolerant, prefix on the last word, over every project.
    for (const q of ['reveiw', 'sql optim', 'diagr']) {
      const r = cache.search(q, { limit: 5 })
      section(`search(${JSON.stringify(q)}): ${r.total} match${r.total === 1 ? '' : 'es'} in ${ms(r.tookMs)}${r.relaxed ? ' (any word)' : ''}`)
      table(
        ['SCORE', 'TYPE', 'NAME', 'PROJECT'],
        r.items.map((it) => [it.score.toFixed(2), it.type, it.name, it.kind === 'artifact' ? it.projectName : it.source]),
      )
    }

    // 7. Outdated artifacts (upstream from the collection lock here; checkUpstream() asks GitHub).
    const outdated = cache.outdatedArtifacts({ sortBy: 'versionDiff' }).items
    section(`Outdated (${outdated.length})`)
    table(
      ['PROJECT', 'NAME', 'DEPLOYED', 'UPSTREAM', 'FROM', 'DIFFERENCE'],
      outdated.map((a) => [a.projectName, a.name, a.deployedVersion || short(a.deployedSha), a.upstreamVersion || short(a.upstreamSha), a.upstreamOrigin, a.versionDiff]),
    )

    // 8. Warm refresh: nothing changed on disk, so nothing is read again.
    const second = await cache.refresh()
    section('Refresh again (nothing changed on disk)')
    console.log(
      `  ${ms(second.durationMs)}: ${second.projectsScanned} projects scanned, ${second.projectsChanged} changed; ` +
        `artifactsRead ${second.artifactsRead} (unchanged files skipped by size and mtime), ` +
        `${second.artifactsAdded} added, ${second.artifactsUpdated} updated, ${second.artifactsRemoved} removed`,
    )

    const st = cache.status()
    section('Status')
    console.log(
      `  ${st.mode} database, ${(st.sizeBytes / 1024).toFixed(0)} KiB, schema v${st.schemaVersion}; ` +
        `${st.projects} projects, ${st.artifacts} artifacts, ${st.artifactErrors} in error, ${st.modifiedArtifacts} modified`,
    )
    for (const w of st.warnings) console.log(`  warning ${w.code}: ${w.message}`)
  } finally {
    cache.close()
    if (keep) console.log(`\n(kept ${tmp})`)
    else fs.rmSync(tmp, { recursive: true, force: true })
  }
  console.log('\nclosed.')
}

main().catch((e) => {
  console.error(e && e.code ? `${e.code}: ${e.message}` : e)
  process.exitCode = 1
})
