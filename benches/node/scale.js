#!/usr/bin/env node
'use strict'
// `npm run bench:scale`: write cost at scale. For each tree (projects x 100 artifacts), in the same run:
//   - the floor: one process walking the tree, reading and SHA-256-hashing every file once (page cache warm),
//     and the stat floor: the same walk statting every file instead (what a no-change refresh must do);
//   - cold: a fresh cache, every project registered (one `registerProject` call each, as a CLI loop or a
//     script would; and one `registerProjects` call), then `refresh()`;
//   - no-change refresh (p50 of 10), database size, and the peak RSS of the cache process, with its RSS
//     after each of the repeated refreshes (flat = no growth).
// The cache work runs in a child process per tree and variant, so its peak RSS is its own. With
// --rounds N every variant runs N times, the variants taking turns, and each row is the variant's run
// of median cold time (the cold time of every round follows it): one slow moment of a shared machine
// then lands on one run of one variant, not on the comparison.
//
//   node benches/node/scale.js [--trees 100,300,1000] [--artifacts 100] [--json out.json]
//                              [--addon other.node]   (also run another build, e.g. the last release)
//                              [--rounds 1]
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')
const { execFileSync } = require('node:child_process')
const { parseArgs } = require('node:util')
const { performance } = require('node:perf_hooks')
const { stats } = require('./common.js')

const { values: args } = parseArgs({
  options: {
    trees: { type: 'string', default: '100,300,1000' },
    artifacts: { type: 'string', default: '100' },
    json: { type: 'string' },
    addon: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    child: { type: 'string' },
  },
})

/** Calls `onEntry(path, dirent)` for every entry under `dir` that is not a folder. */
function walkEntries(dir, onEntry) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walkEntries(p, onEntry)
    else onEntry(p, e)
  }
}

/** Walks `dir`, reads and hashes every file; returns { files, bytes, ms }. */
function floor(dir) {
  const t = performance.now()
  let files = 0
  let bytes = 0
  walkEntries(dir, (p, e) => {
    if (!e.isFile()) return
    const b = fs.readFileSync(p)
    crypto.createHash('sha256').update(b).digest()
    files++
    bytes += b.length
  })
  return { files, bytes, ms: performance.now() - t }
}

/** Walks `dir` and stats every file (what a no-change refresh must at least do); returns ms. */
function statFloor(dir) {
  const t = performance.now()
  walkEntries(dir, (p) => fs.lstatSync(p))
  return performance.now() - t
}

async function child(spec) {
  const { projectPaths, dbPath, home, batch, addon } = JSON.parse(spec)
  const { Cache } = require(addon ? path.resolve(addon) : '../../index.js')
  const cache = Cache.open({ home, path: dbPath, projectRoots: [], watch: false, upstreamTtlHours: 0 })
  const out = {}
  let t = performance.now()
  if (batch) cache.registerProjects(projectPaths)
  else for (const p of projectPaths) cache.registerProject(p)
  out.registerMs = performance.now() - t
  const s = await cache.refresh()
  out.coldMs = performance.now() - t
  out.coldRead = s.artifactsRead
  out.artifacts = cache.status().artifacts
  const rss = []
  const noChange = []
  for (let i = 0; i < 10; i++) {
    t = performance.now()
    await cache.refresh()
    noChange.push(performance.now() - t)
    rss.push(process.memoryUsage().rss)
  }
  out.noChange = stats(noChange)
  out.rssAfterRefreshesMiB = rss.map((r) => +(r / 2 ** 20).toFixed(1))
  cache.close()
  out.peakRssMiB = +(process.resourceUsage().maxRSS / 1024).toFixed(1)
  process.stdout.write(JSON.stringify(out))
}

function main() {
  const { generate } = require('../../scripts/gen-fixtures.js')
  const A = Number(args.artifacts)
  const rounds = Math.max(1, Number(args.rounds) || 1)
  // What runs on each tree: this build registering one by one, and in one call; then, with
  // --addon, that build the same two ways, on the same tree.
  const variants = [
    { label: 'registerProject loop', batch: false },
    { label: 'registerProjects', batch: true },
  ]
  if (args.addon) {
    const other = path.basename(args.addon)
    variants.push({ label: `${other}, loop`, batch: false, addon: args.addon })
    variants.push({ label: `${other}, registerProjects`, batch: true, addon: args.addon })
  }
  const results = {
    machine: `${os.cpus()[0].model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
    date: new Date().toISOString(),
    trees: [],
  }
  console.log(`machine: ${results.machine}`)
  const line = (...c) => console.log(c.map((x, i) => String(x).padEnd(i ? 13 : 30)).join(''))
  line('tree / variant', 'floor', 'cold', 'cold/floor', 'register', 'no-change', 'db', 'bytes/art', 'peak RSS')
  for (const P of args.trees.split(',').map(Number)) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-scale-'))
    try {
      const fx = generate({ out: work, projects: P, artifacts: A, malformedRate: 0.02, seed: 1 })
      floor(fx.projectsDir) // warm the page cache
      const f = floor(fx.projectsDir)
      const statMs = statFloor(fx.projectsDir)
      const tree = { projects: P, files: f.files, fileBytes: f.bytes, floorMs: f.ms, statFloorMs: statMs, variants: [] }
      console.log(`${P}x${A}: ${f.files} files; read+hash floor ${f.ms.toFixed(0)} ms, stat floor ${statMs.toFixed(0)} ms (one thread)`)
      results.trees.push(tree)
      const runs = variants.map(() => [])
      for (let round = 0; round < rounds; round++) {
        variants.forEach((v, i) => {
          const dbPath = path.join(work, `cache-${round}-${i}.db`)
          const spec = JSON.stringify({ projectPaths: fx.projectPaths, dbPath, home: fx.home, batch: v.batch, addon: v.addon })
          const r = JSON.parse(
            execFileSync(process.execPath, [__filename, '--child', spec], {
              maxBuffer: 1 << 24,
              stdio: ['ignore', 'pipe', 'inherit'],
            }),
          )
          const size = (p) => (fs.existsSync(p) ? fs.statSync(p).size : 0)
          r.dbBytes = size(dbPath) + size(dbPath + '-wal')
          runs[i].push(r)
        })
      }
      variants.forEach((v, i) => {
        const byCold = [...runs[i]].sort((a, b) => a.coldMs - b.coldMs)
        const r = byCold[(byCold.length - 1) >> 1]
        const row = { variant: v.label, ...r, coldOverFloor: r.coldMs / f.ms, bytesPerArtifact: r.dbBytes / r.artifacts }
        if (rounds > 1) row.coldMsEachRound = runs[i].map((x) => x.coldMs)
        tree.variants.push(row)
        line(
          `${P}x${A} ${v.label}`,
          `${f.ms.toFixed(0)} ms`,
          `${r.coldMs.toFixed(0)} ms`,
          `${row.coldOverFloor.toFixed(1)}x`,
          `${r.registerMs.toFixed(0)} ms`,
          `${r.noChange.p50.toFixed(1)} ms`,
          `${(r.dbBytes / 1e6).toFixed(2)} MB`,
          row.bytesPerArtifact.toFixed(0),
          `${r.peakRssMiB} MiB`,
        )
        if (rounds > 1) {
          const each = (key) => runs[i].map(key).join(' ')
          console.log(`${''.padEnd(30)}each round: cold (ms) ${each((x) => x.coldMs.toFixed(0))}; no-change p50 (ms) ${each((x) => x.noChange.p50.toFixed(1))}; peak RSS (MiB) ${each((x) => x.peakRssMiB)}`)
        }
        console.log(`${''.padEnd(30)}RSS after each no-change refresh (MiB): ${r.rssAfterRefreshesMiB.join(' ')}`)
      })
    } finally {
      fs.rmSync(work, { recursive: true, force: true })
    }
  }
  const t = results.trees
  if (t.length > 1) {
    for (let i = 0; i < variants.length; i++) {
      const first = t[0].variants[i]
      const last = t[t.length - 1].variants[i]
      const g = { variant: variants[i].label, data: last.artifacts / first.artifacts, cold: last.coldMs / first.coldMs }
      ;(results.growth ||= []).push(g)
      console.log(`linearity, ${g.variant}: ${g.data.toFixed(1)}x the data costs ${g.cold.toFixed(1)}x the cold time`)
    }
  }
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2))
}

if (args.child) child(args.child).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
else main()
