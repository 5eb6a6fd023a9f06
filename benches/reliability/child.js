'use strict'
// A process the suites kill or run beside others: opens the cache on the given database and does
// one job, printing `started` when the job begins and `done <json>` when it ends.
//   node child.js <mode> <json options>
// modes: refresh (a refresh; options `force`: a full re-read, `report`: print the errors,
// `hold`: stay open afterwards until killed), marketplace,
// upstream, loop-refresh (refresh every `intervalMs` until killed), read-loop (reads until
// killed, reporting latencies), watch (opens with the watcher and background refresh, idles),
// takeover (waits until it holds the refresher lease), clock-step (the refresher while its
// clock steps back; see faults.js "clockBackwards").
const { Cache } = require(require('./world.js').ADDON)

const [mode, raw] = process.argv.slice(2)
const opts = JSON.parse(raw || '{}')
const out = (line) => process.stdout.write(line + '\n')

async function main() {
  const cache = Cache.open(opts.open)
  out('started')
  if (mode === 'refresh') {
    const s = await cache.refresh(opts.force ? { force: true } : {})
    out(`done ${JSON.stringify({ ms: s.durationMs, errors: opts.report ? s.errors : s.errors.length })}`)
    // `hold`: stay open without closing (the WAL keeps what close() would checkpoint) until killed.
    if (opts.hold) await new Promise(() => setInterval(() => {}, 60_000))
  } else if (mode === 'marketplace') {
    const s = await cache.refreshMarketplace({ force: true })
    out(`done ${JSON.stringify({ sources: s.sources ? s.sources.length : 0 })}`)
  } else if (mode === 'upstream') {
    const s = await cache.checkUpstream({ force: true })
    out(`done ${JSON.stringify({ repositories: s.repositories, artifacts: s.artifacts })}`)
  } else if (mode === 'loop-refresh') {
    let n = 0
    let errors = 0
    const stop = Date.now() + opts.durationMs
    while (Date.now() < stop) {
      try {
        await cache.refresh({})
        n++
      } catch (e) {
        errors++
        out(`error ${e.code} ${e.message}`)
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs || 0))
    }
    out(`done ${JSON.stringify({ refreshes: n, errors })}`)
  } else if (mode === 'read-loop') {
    const lat = []
    let errors = 0
    let busy = 0
    const stop = Date.now() + opts.durationMs
    const projects = cache.listProjects({ limit: 500 }).items.map((p) => p.id)
    let i = 0
    while (Date.now() < stop) {
      const t = process.hrtime.bigint()
      try {
        const k = i++ % 4
        if (k === 0) cache.listProjects({ limit: 100 })
        else if (k === 1) cache.listArtifacts({ projectId: projects[i % projects.length], limit: 100 })
        else if (k === 2) cache.outdatedArtifacts({ limit: 100 })
        else cache.search('review', { limit: 20 })
      } catch (e) {
        errors++
        if (/BUSY|locked/i.test(`${e.code} ${e.message}`)) busy++
        out(`error ${e.code} ${e.message}`)
      }
      lat.push(Number(process.hrtime.bigint() - t) / 1e6)
      if (i % 200 === 0) await new Promise((r) => setImmediate(r))
    }
    lat.sort((a, b) => a - b)
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]
    out(`done ${JSON.stringify({ calls: lat.length, errors, busy, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] })}`)
  } else if (mode === 'watch') {
    // The cache's background work never keeps a process alive: a timer does, until killed.
    await new Promise(() => setInterval(() => {}, 60_000))
  } else if (mode === 'takeover') {
    // How long until this process holds the refresher lease (a dead holder's is in the database).
    const t0 = process.hrtime.bigint()
    while (!cache.status().background.isLeaseHolder) {
      if (Number(process.hrtime.bigint() - t0) / 1e6 > opts.giveUpMs) break
      await new Promise((r) => setTimeout(r, 20))
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    out(`done ${JSON.stringify({ holder: cache.status().background.isLeaseHolder, ms, clock: Date.now() })}`)
  } else if (mode === 'clock-step') {
    // The refresher while this process's wall clock steps back (libfaketime, moved by the parent
    // once `holder` is printed): how long until every project scanned "ahead" is scanned again.
    while (!cache.status().background.isLeaseHolder) await new Promise((r) => setTimeout(r, 20))
    const settled = () => {
      const items = cache.listProjects({ limit: 1000 }).items
      return items.length > 0 && items.every((p) => p.scannedAt > 0 && p.status !== 'stale')
    }
    while (!settled()) await new Promise((r) => setTimeout(r, 20))
    out('holder')
    const before = Date.now()
    while (Date.now() > before - 600_000) await new Promise((r) => setTimeout(r, 10))
    const t0 = process.hrtime.bigint()
    const ahead = () => cache.listProjects({ limit: 1000 }).items.filter((p) => p.scannedAt > Date.now() + 60_000)
    const seen = { stepMs: Date.now() - before, aheadAtStep: ahead().length, negativeAges: 0 }
    while (ahead().length > 0 && Number(process.hrtime.bigint() - t0) / 1e6 < opts.giveUpMs) {
      const items = cache.listProjects({ limit: 1000 }).items
      seen.negativeAges += items.filter((p) => p.ageMs < -1).length
      await new Promise((r) => setTimeout(r, 20))
    }
    seen.rescannedMs = Number(process.hrtime.bigint() - t0) / 1e6
    seen.stillAhead = ahead().length
    seen.stale = cache.listProjects({ limit: 1000 }).items.filter((p) => p.status === 'stale').length
    seen.holder = cache.status().background.isLeaseHolder
    out(`done ${JSON.stringify(seen)}`)
  }
  cache.close()
}

main().catch((e) => {
  out(`failed ${JSON.stringify({ code: e.code, message: e.message })}`)
  process.exitCode = 1
})
