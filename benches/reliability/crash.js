'use strict'
// Crash consistency: a child process works on the database (a refresh of the generated tree after
// edits, a forced full re-read, a marketplace refresh, an upstream check; each commits to SQLite
// and to the search index) and is SIGKILLed at a random moment. After each kill:
//   - the database reopens without a recovery (no CACHE_CORRUPT warning), integrity_check is ok;
//   - every registered project is still there;
//   - each project holds exactly its artifacts before the run or after it (never half a scan);
//   - the search index agrees with the database (document count, and an artifact added in that
//     round is found exactly when the database has it);
//   - the dead process's refresher lease is taken over within its TTL (plus a poll interval).
const fs = require('node:fs')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { Cache } = require(require('./world.js').ADDON)
const { makeWorld, snapshot, editTree, fakeGitHub, fakeMarketplace } = require('./world.js')
const { mulberry32 } = require('../node/common.js')

const LEASE_TTL_MS = 1000
const MODES = ['refresh', 'refresh', 'refresh-force', 'marketplace', 'upstream']

function startChild(mode, open) {
  const child = spawn(process.execPath, [path.join(__dirname, 'child.js'), mode.replace('-force', ''), JSON.stringify({ open, force: mode.endsWith('-force') })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const started = new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('started')) resolve()
    })
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out })))
  child.stderr.on('data', (d) => (out += d))
  return { child, started, exited }
}

async function waitLease(open) {
  const bg = Cache.open({ ...open, backgroundRefresh: true, watch: false })
  const t0 = Date.now()
  try {
    while (Date.now() - t0 < LEASE_TTL_MS * 3) {
      if (bg.status().background.isLeaseHolder) return Date.now() - t0
      await new Promise((r) => setTimeout(r, 50))
    }
    return Infinity
  } finally {
    bg.close()
  }
}

async function run({ quick, log }) {
  const runs = quick ? 12 : 200
  const world = makeWorld(quick ? { projects: 20, artifacts: 50 } : { projects: 100, artifacts: 100 })
  const gh = await fakeGitHub({ delayMs: 2 })
  const market = await fakeMarketplace({ delayMs: 5 })
  const open = {
    home: world.home,
    path: world.db,
    projectRoots: [world.projectsDir],
    backgroundRefresh: false,
    watch: false,
    leaseTtlMs: LEASE_TTL_MS,
    githubApiUrl: gh.url,
    allowHttpHosts: ['127.0.0.1'],
    marketplaceSources: market.sources,
  }
  const rng = mulberry32(7)
  const figures = { runs, killedMidway: 0, finishedFirst: 0, byMode: {}, failures: [], takeoverMs: [], recoveries: 0, integrityOk: 0, halfScans: 0, indexMismatches: 0 }
  try {
    // A cold start and the duration of one refresh, to spread the kills over it.
    let cache = Cache.open(open)
    const cold = await cache.refresh({})
    const warm = await cache.refresh({ force: true })
    const registered = cache.listProjects({ limit: 1 }).total
    cache.close()
    const spread = Math.max(50, warm.durationMs * 1.3)
    log(`crash: ${registered} projects, cold refresh ${Math.round(cold.durationMs)} ms, forced ${Math.round(warm.durationMs)} ms; ${runs} kills spread over ${Math.round(spread)} ms`)

    for (let i = 0; i < runs; i++) {
      const mode = MODES[i % MODES.length]
      figures.byMode[mode] = (figures.byMode[mode] || 0) + 1
      cache = Cache.open(open)
      const before = snapshot(cache)
      cache.close()
      editTree(world, rng, i)
      const c = startChild(mode, { ...open, backgroundRefresh: true })
      await c.started
      await new Promise((r) => setTimeout(r, rng() * spread))
      c.child.kill('SIGKILL')
      const end = await c.exited
      if (end.signal === 'SIGKILL' && !end.out.includes('done')) figures.killedMidway++
      else figures.finishedFirst++

      const fail = (what) => figures.failures.push(`run ${i} (${mode}): ${what}`)
      let reopened
      try {
        reopened = Cache.open(open)
      } catch (e) {
        fail(`reopen failed: ${e.code} ${e.message}`)
        continue
      }
      try {
        const st = reopened.status()
        if (st.warnings.some((w) => w.code === 'CACHE_CORRUPT')) {
          figures.recoveries++
          fail('the database was rebuilt after a corruption')
        }
        const integrity = reopened.checkIntegrity()
        if (integrity === 'ok') figures.integrityOk++
        else fail(`integrity_check: ${integrity}`)
        if (reopened.listProjects({ limit: 1 }).total !== registered) fail('a registration is missing')
        const mid = snapshot(reopened)
        // The index agrees with the database: what a search of this round's new artifact finds.
        const inDb = reopened.listArtifacts({ limit: 10000 }).items.some((a) => a.name === `rel-added-${i}`)
        const found = reopened.search(`relunique${i}`, { limit: 5 }).items.some((h) => h.name === `rel-added-${i}`)
        const docs = reopened.status().search.docs
        const expectedDocs = reopened.status().artifacts + reopened.marketplaceEntries({ limit: 1 }).total
        if (inDb !== found || docs !== expectedDocs) {
          figures.indexMismatches++
          fail(`search index out of step: artifact in db ${inDb}, found ${found}; docs ${docs} vs ${expectedDocs}`)
        }
        await reopened.refresh({})
        const after = snapshot(reopened)
        reopened.close()
        reopened = null
        for (const [p, lines] of mid) {
          if (lines !== before.get(p) && lines !== after.get(p)) {
            figures.halfScans++
            fail(`project ${path.basename(p)} holds neither its old nor its new artifacts`)
          }
        }
        figures.takeoverMs.push(await waitLease(open))
        if (figures.takeoverMs[figures.takeoverMs.length - 1] > LEASE_TTL_MS + 500) fail(`lease taken over after ${figures.takeoverMs.at(-1)} ms (TTL ${LEASE_TTL_MS})`)
      } finally {
        if (reopened) reopened.close()
      }
      if ((i + 1) % 10 === 0) log(`crash: ${i + 1}/${runs} runs, ${figures.failures.length} failures`)
    }
  } finally {
    await gh.close()
    await market.close()
    world.cleanup()
  }
  const t = [...figures.takeoverMs].sort((a, b) => a - b)
  figures.takeoverMaxMs = t[t.length - 1]
  figures.takeoverP50Ms = t[Math.floor(t.length / 2)]
  delete figures.takeoverMs
  return figures
}

module.exports = { name: 'crash', run }
