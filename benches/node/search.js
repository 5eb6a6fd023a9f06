#!/usr/bin/env node
'use strict'
// `npm run bench:search`: cache.search() measured from Node on generated trees of 10k and 100k
// artifacts, with MiniSearch (pure JS, in memory) over the same documents in the same process
// as the baseline.
//
//   node benches/node/search.js [--sizes 10000,100000] [--queries 200] [--rounds 3] [--seed 1]
//                               [--json out.json] [--keep]
//
// For each size: generate the tree (scripts/gen-fixtures.js, 100 artifacts per project), open a
// cache on a temporary database, refresh (which indexes), then run the same deterministic
// queries through both engines (alternating rounds, GC between): single words, two words, prefixes (the first 3-5
// characters of a real name), and real names with one typo (in a 4-7 letter word) or two typos
// (in a word of 8 letters or more). Reports p50/p99 latency of `search(q, { limit: 20 })`,
// recall@5 of the intended artifact for the typo queries, index size on disk, full rebuild
// time (index folder deleted while closed, then reopened), and MiniSearch's build time and heap.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const v8 = require('node:v8')
const vm = require('node:vm')
const { parseArgs } = require('node:util')
const { performance } = require('node:perf_hooks')
const MiniSearch = require('minisearch')
const { Cache } = require('../../index.js')
const { generate } = require('../../scripts/gen-fixtures.js')
const { stats, mulberry32 } = require('./common.js')

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    queries: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    'per-project': { type: 'string', default: '100' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
})

// A real gc() for heap measurements, without requiring `node --expose-gc`.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')

// ---------------------------------------------------------------------------------------------
// Helpers

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  const next = mulberry32(seed)
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  }
}

const ms = (x) => (x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(0)} µs`)
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`
const secs = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`)

/** The words of a name, as both engines split it (letters and digits). */
const words = (s) => s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

/**
 * `word` with `n` Levenshtein edits (substitution, insertion or deletion; no transposition,
 * which MiniSearch counts as two), never at the first letter, each at a different place.
 */
function typo(r, word, n) {
  for (let attempt = 0; attempt < 50; attempt++) {
    let w = word
    const used = new Set()
    for (let k = 0; k < n; k++) {
      let i
      do i = r.int(1, w.length - 1)
      while (used.has(i) && used.size < w.length - 1)
      used.add(i)
      const op = r.int(0, 2)
      const c = r.pick(LETTERS)
      if (op === 0) w = w.slice(0, i) + (c === w[i] ? LETTERS[(LETTERS.indexOf(c) + 1) % 26] : c) + w.slice(i + 1)
      else if (op === 1) w = w.slice(0, i) + c + w.slice(i)
      else w = w.slice(0, i) + w.slice(i + 1)
    }
    if (w !== word && levenshtein(w, word) === n) return w
  }
  return null
}

function levenshtein(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
  }
  return d[a.length][b.length]
}

/**
 * `n` queries in five kinds (a fifth each): word, two words, prefix, typo1, typo2. Typo queries
 * carry the name they were made from (`intended`).
 */
function makeQueries(docs, n, seed) {
  const r = rng(seed)
  const named = docs.filter((d) => words(d.name).length > 0)
  const kinds = ['word', 'two words', 'prefix', 'typo1', 'typo2']
  const out = []
  for (let i = 0; out.length < n && i < n * 200; i++) {
    const kind = kinds[out.length % kinds.length]
    const d = r.pick(named)
    const ws = words(d.name)
    let q = null
    let intended
    if (kind === 'word') {
      q = r.next() < 0.75 ? r.pick(ws) : r.pick(words(d.description || d.name).filter((w) => w.length > 3))
    } else if (kind === 'two words') {
      if (ws.length >= 2) {
        const a = r.int(0, ws.length - 2)
        q = `${ws[a]} ${ws[a + 1]}`
      }
    } else if (kind === 'prefix') {
      const k = r.int(3, 5)
      if (d.name.length > k) q = d.name.slice(0, k).toLowerCase()
      if (q && /[^\p{L}\p{N}]/u.test(q)) q = null
    } else {
      const edits = kind === 'typo1' ? 1 : 2
      const fit = ws.map((w, j) => [w, j]).filter(([w]) => (edits === 1 ? w.length >= 4 && w.length <= 7 : w.length >= 8))
      if (fit.length) {
        const [w, j] = r.pick(fit)
        const t = typo(r, w, edits)
        if (t) {
          const copy = [...ws]
          copy[j] = t
          q = copy.join(' ')
          intended = d.name
        }
      }
    }
    if (q) out.push({ kind, q, intended })
  }
  return out
}

/** Every artifact of the cache (pages of 10000). */
function allArtifacts(cache) {
  const out = []
  for (let offset = 0; ; offset += 10000) {
    const page = cache.listArtifacts({ offset, limit: 10000 })
    out.push(...page.items)
    if (out.length >= page.total || page.items.length === 0) return out
  }
}

function dirSize(dir) {
  let n = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    n += e.isDirectory() ? dirSize(p) : fs.statSync(p).size
  }
  return n
}

// ---------------------------------------------------------------------------------------------
// One corpus size

/** MiniSearch set up as close to cache.search() as its options allow. */
function miniSearchEngine() {
  return new MiniSearch({
    idField: 'id',
    fields: ['name', 'displayName', 'tags', 'description'],
    storeFields: [],
    // Same words as the index: split on anything that is not a letter or digit.
    tokenize: (text) => text.split(/[^\p{L}\p{N}]+/u).filter(Boolean),
    searchOptions: {
      boost: { name: 3, displayName: 3, tags: 2 },
      // Our rule: no typo up to 3 letters, one up to 7, then two; the last term as a prefix.
      fuzzy: (term) => (term.length <= 3 ? false : term.length <= 7 ? 1 : 2),
      maxFuzzy: 2,
      prefix: (term, i, terms) => i === terms.length - 1,
      combineWith: 'AND',
    },
  })
}

/** MiniSearch with our fallback: every term (AND), else any term (OR). First `limit` hits. */
function miniSearch(mini, q, limit = 20) {
  let hits = mini.search(q)
  if (hits.length === 0) hits = mini.search(q, { combineWith: 'OR' })
  return hits.slice(0, limit)
}

async function runSize(size, work, results) {
  const perProject = Number(args['per-project'])
  const projects = Math.max(1, Math.round(size / perProject))
  const dir = path.join(work, `n${size}`)
  const r = { size, projects, perProject }
  const log = (s) => process.stderr.write(`[${size}] ${s}\n`)

  let t = performance.now()
  const fx = generate({ out: dir, projects, artifacts: perProject, malformedRate: 0.02, seed: Number(args.seed) })
  r.generateMs = performance.now() - t
  r.artifacts = fx.expected.artifacts
  log(`generated ${fx.expected.artifacts} artifacts in ${secs(r.generateMs)}`)

  const dbPath = path.join(dir, 'cache.db')
  const opts = { home: fx.home, path: dbPath, projectRoots: [fx.projectsDir], discoveryDepth: 1 }
  let cache = Cache.open(opts)
  t = performance.now()
  await cache.refresh()
  r.coldRefreshMs = performance.now() - t
  log(`cold refresh (scan + database + index) in ${secs(r.coldRefreshMs)}`)
  const status = cache.status()
  r.indexDocs = status.search.docs
  r.indexBytes = status.search.sizeBytes
  r.dbBytes = status.sizeBytes
  if (r.indexDocs !== r.artifacts) throw new Error(`index has ${r.indexDocs} documents for ${r.artifacts} artifacts`)

  const docs = allArtifacts(cache).map((a) => ({
    id: a.id,
    name: a.name,
    displayName: a.displayName,
    tags: a.tags.join(' '),
    description: a.description || '',
  }))
  const byId = new Map(docs.map((d) => [d.id, d]))

  // MiniSearch: build time and the heap it holds.
  gc()
  const heap0 = process.memoryUsage().heapUsed
  let mini = miniSearchEngine()
  t = performance.now()
  mini.addAll(docs)
  r.miniSearchBuildMs = performance.now() - t
  gc()
  r.miniSearchHeapBytes = process.memoryUsage().heapUsed - heap0
  r.miniSearchJsonBytes = JSON.stringify(mini).length
  log(`MiniSearch built in ${secs(r.miniSearchBuildMs)}, ${mib(r.miniSearchHeapBytes)} heap`)

  const queries = makeQueries(docs, Number(args.queries), Number(args.seed) * 7919 + size)
  r.queries = queries.length
  r.queryKinds = Object.fromEntries(['word', 'two words', 'prefix', 'typo1', 'typo2'].map((k) => [k, queries.filter((x) => x.kind === k).length]))
  r.sampleQueries = Object.fromEntries(Object.keys(r.queryKinds).map((k) => [k, queries.filter((x) => x.kind === k).slice(0, 3).map((x) => x.q)]))

  // Warm-up, and recall@5 / result counts from the same calls.
  const recall = { ours: { typo1: 0, typo2: 0 }, mini: { typo1: 0, typo2: 0 }, n: { typo1: 0, typo2: 0 } }
  let oursEmpty = 0
  let miniEmpty = 0
  let relaxed = 0
  for (const { kind, q, intended } of queries) {
    const a = cache.search(q, { limit: 20 })
    const b = miniSearch(mini, q)
    if (a.total === 0) oursEmpty++
    if (a.relaxed) relaxed++
    if (b.length === 0) miniEmpty++
    if (intended) {
      recall.n[kind]++
      if (a.items.slice(0, 5).some((x) => x.name === intended)) recall.ours[kind]++
      if (b.slice(0, 5).some((x) => byId.get(x.id).name === intended)) recall.mini[kind]++
    }
  }
  r.recallAt5 = {
    ours: Object.fromEntries(Object.keys(recall.n).map((k) => [k, recall.ours[k] / (recall.n[k] || 1)])),
    miniSearch: Object.fromEntries(Object.keys(recall.n).map((k) => [k, recall.mini[k] / (recall.n[k] || 1)])),
    n: recall.n,
  }
  r.noResults = { ours: oursEmpty, miniSearch: miniEmpty }
  r.relaxed = relaxed

  // Latency: rounds of all queries, the engines alternating round by round with a full GC
  // between rounds, so that neither pays for the other's garbage (interleaving query by query
  // let MiniSearch's collections land inside our timings and the other way round).
  const lat = { ours: [], mini: [] }
  const byKind = { ours: {}, mini: {} }
  const slowest = []
  for (let round = 0; round < Number(args.rounds); round++) {
    gc()
    for (const { kind, q } of queries) {
      const t0 = performance.now()
      cache.search(q, { limit: 20 })
      const a = performance.now() - t0
      lat.ours.push(a)
      ;(byKind.ours[kind] ||= []).push(a)
      slowest.push({ kind, q, ms: a })
    }
    gc()
    for (const { kind, q } of queries) {
      const t0 = performance.now()
      miniSearch(mini, q)
      const b = performance.now() - t0
      lat.mini.push(b)
      ;(byKind.mini[kind] ||= []).push(b)
    }
  }
  r.slowestOurs = slowest.sort((x, y) => y.ms - x.ms).slice(0, 8)
  r.latency = { ours: stats(lat.ours), miniSearch: stats(lat.mini) }
  r.latencyByKind = Object.fromEntries(
    Object.keys(byKind.ours).map((k) => [k, { ours: stats(byKind.ours[k]), miniSearch: stats(byKind.mini[k]) }]),
  )
  // A filtered search and a blank listing, ours only (MiniSearch would filter in JS).
  const pid = cache.listProjects({ limit: 1 }).items[0].id
  r.filteredLatency = stats(queries.slice(0, 100).map(({ q }) => {
    const t0 = performance.now()
    cache.search(q, { type: 'skill', projectId: pid, limit: 20 })
    return performance.now() - t0
  }))
  r.blankByNameLatency = stats(Array.from({ length: 50 }, (_, i) => {
    const t0 = performance.now()
    cache.search('', { sortBy: 'name', offset: i * 20, limit: 20 })
    return performance.now() - t0
  }))
  log(`searched: ours p50 ${ms(r.latency.ours.p50)}, MiniSearch p50 ${ms(r.latency.miniSearch.p50)}`)
  mini = null

  // The same queries from a second process that holds no MiniSearch heap: what a server sees.
  const qfile = path.join(dir, 'queries.json')
  fs.writeFileSync(qfile, JSON.stringify(queries.map((x) => x.q)))
  const child = require('node:child_process').execFileSync(
    process.execPath,
    [path.join(__dirname, 'search-alone.js'), JSON.stringify(opts), qfile, args.rounds],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  )
  r.latencyAlone = stats(JSON.parse(child))
  log(`searched alone (second process): p50 ${ms(r.latencyAlone.p50)}, p99 ${ms(r.latencyAlone.p99)}`)

  // Full rebuild: index folder deleted while closed, reopened, first search.
  cache.close()
  const indexDir = `${dbPath}.search`
  fs.rmSync(indexDir, { recursive: true, force: true })
  t = performance.now()
  cache = Cache.open(opts)
  const openMs = performance.now() - t
  const first = cache.search(queries[0].q, { limit: 20 })
  r.rebuild = {
    openMs,
    openAndFirstSearchMs: performance.now() - t,
    lastRebuildMs: cache.status().search.lastRebuildMs,
    docs: cache.status().search.docs,
    firstSearchTotal: first.total,
  }
  r.indexBytesAfterRebuild = cache.status().search.sizeBytes
  r.indexDirBytes = fs.existsSync(indexDir) ? dirSize(indexDir) : 0
  cache.close()
  log(`rebuild: ${secs(r.rebuild.openAndFirstSearchMs)} (open + first search), lastRebuildMs ${secs(r.rebuild.lastRebuildMs || 0)}`)

  // Reopen with an intact index: what a server restart pays.
  t = performance.now()
  cache = Cache.open(opts)
  cache.search(queries[1].q, { limit: 20 })
  r.reopenAndFirstSearchMs = performance.now() - t
  cache.close()

  if (!args.keep) fs.rmSync(dir, { recursive: true, force: true })
  results.sizes.push(r)
}

// ---------------------------------------------------------------------------------------------

function report(results) {
  console.log(`machine: ${results.machine}`)
  console.log(`engines: cache.search() (tantivy, on disk) vs MiniSearch ${results.miniSearchVersion} (in the V8 heap)`)
  for (const r of results.sizes) {
    console.log()
    console.log(`== ${r.artifacts} artifacts (${r.projects} projects x ${r.perProject}); ${r.queries} queries x ${args.rounds} rounds ==`)
    const rows = [
      ['', 'cache.search()', 'MiniSearch'],
      ['latency p50, limit 20', ms(r.latency.ours.p50), ms(r.latency.miniSearch.p50)],
      ['latency p99, limit 20', ms(r.latency.ours.p99), ms(r.latency.miniSearch.p99)],
      ['  alone in its process, p50 / p99', `${ms(r.latencyAlone.p50)} / ${ms(r.latencyAlone.p99)}`, '-'],
      ...Object.entries(r.latencyByKind).map(([k, v]) => [`  ${k}, p50 / p99`, `${ms(v.ours.p50)} / ${ms(v.ours.p99)}`, `${ms(v.miniSearch.p50)} / ${ms(v.miniSearch.p99)}`]),
      [`recall@5, 1 typo (${r.recallAt5.n.typo1} queries)`, pct(r.recallAt5.ours.typo1), pct(r.recallAt5.miniSearch.typo1)],
      [`recall@5, 2 typos (${r.recallAt5.n.typo2} queries)`, pct(r.recallAt5.ours.typo2), pct(r.recallAt5.miniSearch.typo2)],
      ['queries with no result', String(r.noResults.ours), String(r.noResults.miniSearch)],
      ['index size', `${mib(r.indexBytes)} on disk`, `${mib(r.miniSearchHeapBytes)} heap (${mib(r.miniSearchJsonBytes)} as JSON)`],
      ['build', `${secs(r.rebuild.lastRebuildMs || 0)} full rebuild`, `${secs(r.miniSearchBuildMs)} addAll`],
      ['rebuild: open + first search', secs(r.rebuild.openAndFirstSearchMs), '-'],
      ['reopen (intact index) + first search', secs(r.reopenAndFirstSearchMs), '-'],
      ['filtered search (type + project), p50', ms(r.filteredLatency.p50), '-'],
      ['blank query by name, page of 20, p50', ms(r.blankByNameLatency.p50), '-'],
      ['cold refresh (scan + db + index)', secs(r.coldRefreshMs), '-'],
    ]
    const w0 = Math.max(...rows.map((x) => x[0].length))
    const w1 = Math.max(...rows.map((x) => x[1].length))
    for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`)
  }
  console.log()
  console.log('cache.search() returns full Artifact objects read from SQLite; MiniSearch returns ids and scores.')
}

const pct = (x) => `${(x * 100).toFixed(0)} %`

async function main() {
  const sizes = args.sizes.split(',').map((s) => Number(s.trim())).filter((n) => n > 0)
  if (!sizes.length) throw new Error('--sizes needs numbers, e.g. 10000,100000')
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-search-bench-'))
  const results = {
    machine: `${os.cpus()[0].model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
    miniSearchVersion: miniSearchVersion(),
    queries: Number(args.queries),
    rounds: Number(args.rounds),
    sizes: [],
  }
  try {
    for (const size of sizes) await runSize(size, work, results)
  } finally {
    if (!args.keep) fs.rmSync(work, { recursive: true, force: true })
    else process.stderr.write(`kept ${work}\n`)
  }
  report(results)
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2) + '\n')
}

function miniSearchVersion() {
  try {
    const pkg = path.join(path.dirname(require.resolve('minisearch')), '..', '..', 'package.json')
    return JSON.parse(fs.readFileSync(pkg, 'utf8')).version
  } catch {
    return '?'
  }
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
