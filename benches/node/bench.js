#!/usr/bin/env node
'use strict'
// `npm run bench`: the addon measured from Node on a generated 100 x 100 tree (10k artifacts),
// with better-sqlite3 running the equivalent SELECT on the same database file as the baseline.
//
//   node benches/node/bench.js [--projects 100] [--artifacts 100] [--json out.json]
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { performance } = require('node:perf_hooks')
const Database = require('better-sqlite3')
const { Cache } = require('../../index.js')
const { generate } = require('../../scripts/gen-fixtures.js')
const { stats } = require('./common.js')

const { values: args } = parseArgs({
  options: {
    projects: { type: 'string', default: '100' },
    artifacts: { type: 'string', default: '100' },
    json: { type: 'string' },
  },
})

function time(fn, n) {
  const out = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    fn(i)
    out.push(performance.now() - t)
  }
  return stats(out)
}

async function timeAsync(fn, n) {
  const out = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn(i)
    out.push(performance.now() - t)
  }
  return stats(out)
}

const ms = (x) => (x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(1)} µs`)

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-bench-'))
  const P = Number(args.projects)
  const A = Number(args.artifacts)
  let t = performance.now()
  const fx = generate({ out: work, projects: P, artifacts: A, malformedRate: 0.02, seed: 1 })
  const genMs = performance.now() - t
  const dbPath = path.join(work, 'cache.db')
  const opts = { home: fx.home, path: dbPath, projectRoots: [fx.projectsDir], discoveryDepth: 1 }
  const results = {
    machine: `${os.cpus()[0].model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
    tree: `${P} projects x ${A} artifacts (${fx.expected.artifacts} artifacts), generated in ${genMs.toFixed(0)} ms`,
  }

  // Cold refresh: empty database, every file read and hashed.
  let cache = Cache.open(opts)
  t = performance.now()
  const cold = await cache.refresh()
  results.coldRefreshMs = performance.now() - t
  results.coldSummary = { scanned: cold.projectsScanned, added: cold.artifactsAdded, read: cold.artifactsRead }

  // No-change refresh: stat only.
  results.noChangeRefresh = await timeAsync(() => cache.refresh(), 10)

  // One changed file.
  const target = fs
    .readdirSync(path.join(fx.projectPaths[0], '.claude', 'agents'))
    .map((f) => path.join(fx.projectPaths[0], '.claude', 'agents', f))
    .find((f) => f.endsWith('.md'))
  results.oneChangeRefresh = await timeAsync(async (i) => {
    fs.appendFileSync(target, `\nedit ${i}\n`)
    const s = await cache.refresh()
    if (s.artifactsRead !== 1) throw new Error(`expected 1 file re-read, got ${s.artifactsRead}`)
  }, 10)

  const projects = cache.listProjects({ limit: 1000 }).items
  const pid = projects[0].id
  const status = cache.status()
  cache.close()

  // Open + first page (a fresh object each time, as a server route handler after a restart).
  results.openFirstPage = time(() => {
    const c = Cache.open(opts)
    c.listProjects()
    c.close()
  }, 20)

  cache = Cache.open(opts)
  results.getProject = time((i) => cache.getProject(projects[i % projects.length].id), 5000)
  const ours = () => cache.listArtifacts({ projectId: pid })
  const rows = ours().items.length
  results.listArtifactsRows = rows

  // better-sqlite3 on the same file: the same SELECT (raw), and the same SELECT shaped like our
  // objects (camelCase, booleans, tags/tools parsed), which is what a route handler would need.
  const db = new Database(dbPath, { readonly: true })
  // An artifact's texts and its deployment are stored once for all its copies (`artifact_texts`,
  // `artifact_deployments`), a path its type's layout gives back is not stored
  // (`src/store/paths.rs`), nor the usual values of a few columns (`src/store/compact.rs`; see
  // docs/performance.md).
  const profile = `COALESCE(a.profile, '.claude')`
  const pathCol = `CASE WHEN a.path != '' THEN a.path ELSE CASE a.type
    WHEN 'skill' THEN ${profile} || '/skills/' || a.name WHEN 'command' THEN ${profile} || '/commands/' || a.name || '.md'
    WHEN 'agent' THEN ${profile} || '/agents/' || a.name || '.md' ELSE '' END END AS path`
  const cols = `id, project_id, (SELECT name FROM projects p WHERE p.id = a.project_id) AS project_name,
    ${profile} AS profile, type, name, display_name, ${pathCol},
    t.description, version, t.author, t.license, COALESCE(t.tags_json, '[]') AS tags_json,
    COALESCE(t.tools_json, '[]') AS tools_json,
    CASE WHEN a.origin IS NULL THEN 'local' WHEN a.origin = '' THEN 'collection' ELSE a.origin END AS origin,
    d.source, d.version_spec, d.from_collection, deployed_at, deployed_version, d.deployed_sha, d.deployed_hash,
    CASE WHEN a.content_hash = X'' THEN d.deployed_hash ELSE a.content_hash END AS content_hash,
    local_modified, upstream_version, upstream_sha, upstream_checked_at, is_outdated, version_diff,
    COALESCE(a.status, 'ok') AS status, error, size_bytes, file_count, modified_at,
    COALESCE(t.metadata_json, '{}') AS metadata_json, scanned_at, updated_at`
  const stmt = db.prepare(
    `SELECT ${cols} FROM artifacts a LEFT JOIN artifact_texts t ON t.text_key = a.text_key
     LEFT JOIN artifact_deployments d ON d.deploy_key = a.deploy_key
     WHERE project_id = ? ORDER BY name, a.rowid LIMIT ? OFFSET ?`,
  )
  const raw = () => stmt.all(pid, 101, 0)
  const shaped = () => {
    const r = stmt.all(pid, 101, 0)
    const items = r.slice(0, 100).map((x) => ({
      id: x.id, projectId: x.project_id, projectName: x.project_name, profile: x.profile, type: x.type, name: x.name,
      displayName: x.display_name, path: x.path, description: x.description, version: x.version, author: x.author,
      license: x.license, tags: JSON.parse(x.tags_json), tools: JSON.parse(x.tools_json), origin: x.origin,
      source: x.source, versionSpec: x.version_spec, fromCollection: x.from_collection, deployedAt: x.deployed_at,
      deployedVersion: x.deployed_version, deployedSha: x.deployed_sha, deployedHash: x.deployed_hash,
      contentHash: x.content_hash, localModified: !!x.local_modified, upstreamVersion: x.upstream_version,
      upstreamSha: x.upstream_sha, upstreamCheckedAt: x.upstream_checked_at, isOutdated: !!x.is_outdated,
      versionDiff: x.version_diff, status: x.status, error: x.error, sizeBytes: x.size_bytes, fileCount: x.file_count,
      modifiedAt: x.modified_at, metadata: x.metadata_json, scannedAt: x.scanned_at, updatedAt: x.updated_at,
    }))
    return { items, total: items.length, offset: 0, limit: 100 }
  }
  if (shaped().items.length !== rows) throw new Error('baseline and addon disagree on the row count')
  // Interleave rounds so both see the same machine conditions.
  const a = []
  const b = []
  const c = []
  for (let round = 0; round < 10; round++) {
    a.push(time(ours, 300).p50)
    b.push(time(raw, 300).p50)
    c.push(time(shaped, 300).p50)
  }
  results.listArtifacts = stats(a)
  results.betterSqliteRaw = stats(b)
  results.betterSqliteShaped = stats(c)
  results.ratioVsRaw = results.listArtifacts.p50 / results.betterSqliteRaw.p50
  results.ratioVsShaped = results.listArtifacts.p50 / results.betterSqliteShaped.p50
  results.status = time(() => cache.status(), 2000)
  cache.close()
  db.close()

  const size = (f) => (fs.existsSync(f) ? fs.statSync(f).size : 0)
  results.dbBytes = size(dbPath) + size(dbPath + '-wal')
  results.statusSizeBytes = status.sizeBytes

  console.log(`machine: ${results.machine}`)
  console.log(`tree:    ${results.tree}`)
  const line = (label, value, target) => console.log(`${label.padEnd(44)} ${value.padEnd(28)} ${target || ''}`)
  line('cold refresh (10k artifacts)', ms(results.coldRefreshMs), 'target < 2 s')
  line('no-change refresh, p50 / p99', `${ms(results.noChangeRefresh.p50)} / ${ms(results.noChangeRefresh.p99)}`, 'target < 100 ms')
  line('one-changed-file refresh, p50 / p99', `${ms(results.oneChangeRefresh.p50)} / ${ms(results.oneChangeRefresh.p99)}`)
  line('open + first listProjects page, p50 / p99', `${ms(results.openFirstPage.p50)} / ${ms(results.openFirstPage.p99)}`, 'target < 20 ms')
  line('getProject, p50 / p99', `${ms(results.getProject.p50)} / ${ms(results.getProject.p99)}`)
  line(`listArtifacts one project (${rows} rows), p50`, ms(results.listArtifacts.p50))
  line('  better-sqlite3 same SELECT, raw rows, p50', ms(results.betterSqliteRaw.p50))
  line('  better-sqlite3 same SELECT, same shape, p50', ms(results.betterSqliteShaped.p50))
  line('  ratio addon / better-sqlite3 (raw)', `${results.ratioVsRaw.toFixed(2)}x`, 'target <= 1.25x')
  line('  ratio addon / better-sqlite3 (same shape)', `${results.ratioVsShaped.toFixed(2)}x`)
  line('status(), p50', ms(results.status.p50))
  line('database size (db + wal)', `${(results.dbBytes / 2 ** 20).toFixed(2)} MiB`, 'target < 5 MB')
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2))
  fs.rmSync(work, { recursive: true, force: true })
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
