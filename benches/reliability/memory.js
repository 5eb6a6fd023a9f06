'use strict'
// Memory and handles: refresh cycles and reads in one process with RSS (and its native part,
// outside V8's heap) and open file descriptors sampled as they go (the slope of a least-squares
// line over the second half of the native part, after warm-up),
// then a watching, background-refreshing cache opened and closed again and again: the threads
// and descriptors of the process must come back to where they were.
const fs = require('node:fs')
const path = require('node:path')
const v8 = require('node:v8')
const { Cache } = require(require('./world.js').ADDON)
const { makeWorld, handles } = require('./world.js')

/** Slope of y over x by least squares. */
function slope(points) {
  const n = points.length
  const mx = points.reduce((a, p) => a + p[0], 0) / n
  const my = points.reduce((a, p) => a + p[1], 0) / n
  const num = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0)
  const den = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0)
  return den === 0 ? 0 : num / den
}

/**
 * After a full garbage collection (run with --expose-gc, so JS garbage is not counted): the RSS
 * and the native part of it, in MiB. The native part is the RSS less the space V8 has reserved
 * for its heap, which V8 grows in steps under a high allocation rate (its young generation
 * doubles, 8 → 16 → 32 MiB) and never gives back; a leak in the addon shows there.
 */
function sample() {
  if (global.gc) global.gc()
  const rss = process.memoryUsage().rss
  const v8Heap = v8.getHeapSpaceStatistics().reduce((a, s) => a + s.space_size, 0)
  return { rss: rss / 2 ** 20, native: (rss - v8Heap) / 2 ** 20 }
}

async function run({ quick, log }) {
  const cycles = quick ? 1000 : 10_000
  const reads = quick ? 10_000 : 100_000
  const opens = quick ? 100 : 1000
  const world = makeWorld({ projects: 10, artifacts: 20, prefix: 'smc-mem-' })
  const figures = { cycles, reads, opens, gcBeforeSamples: Boolean(global.gc), failures: [] }
  try {
    const cache = Cache.open({ home: world.home, path: world.db, projectRoots: [world.projectsDir], backgroundRefresh: false, watch: false })
    const touched = path.join(world.projectPaths[0], '.claude', 'commands', 'mem-touch.md')
    const rss = []
    const fds = []
    for (let i = 0; i < cycles; i++) {
      // Every 10th cycle changes a file, so some refreshes write and re-index.
      if (i % 10 === 0) fs.writeFileSync(touched, `---\ndescription: cycle ${i}\n---\n`)
      await cache.refresh({})
      if (i % Math.max(1, cycles / 50) === 0) {
        const m = sample()
        rss.push([i, m.native, m.rss])
        fds.push([i, handles().fds])
      }
    }
    const ids = cache.listProjects({ limit: 100 }).items.map((p) => p.id)
    const rssReads = []
    for (let i = 0; i < reads; i++) {
      const k = i % 4
      if (k === 0) cache.listProjects({ limit: 50 })
      else if (k === 1) cache.listArtifacts({ projectId: ids[i % ids.length], limit: 100 })
      else if (k === 2) cache.search('review', { limit: 20 })
      else cache.status()
      if (i % Math.max(1, reads / 50) === 0) {
        const m = sample()
        rssReads.push([i, m.native, m.rss])
      }
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r))
    }
    cache.close()
    const half = (xs) => xs.slice(Math.floor(xs.length / 2))
    /** Start, end and second-half slope (KiB per `per`) of the RSS and its native part in `points` ([x, native, rss]). */
    const memoryFigures = (points, per, perName) => ({
      rssStartMiB: +points[0][2].toFixed(1),
      rssEndMiB: +points[points.length - 1][2].toFixed(1),
      nativeStartMiB: +points[0][1].toFixed(1),
      nativeEndMiB: +points[points.length - 1][1].toFixed(1),
      [`nativeSlopeKiBPer${perName}`]: +(slope(half(points)) * 1024 * per).toFixed(1),
      [`rssSlopeKiBPer${perName}`]: +(slope(half(points).map((p) => [p[0], p[2]])) * 1024 * per).toFixed(1),
    })
    figures.refresh = {
      ...memoryFigures(rss, 1000, '1000'),
      fdsStart: fds[0][1],
      fdsEnd: fds[fds.length - 1][1],
      fdSlopePer1000: +(slope(half(fds)) * 1000).toFixed(2),
    }
    figures.read = memoryFigures(rssReads, 10_000, '10000')
    // A leak of one allocation per cycle shows as a steady climb; allocator noise does not.
    if (figures.refresh.fdsEnd > figures.refresh.fdsStart + 2) figures.failures.push(`file descriptors grew ${figures.refresh.fdsStart} → ${figures.refresh.fdsEnd} over ${cycles} refreshes`)
    // The quick run is too short to tell warm-up (SQLite's page cache, index segments) from
    // growth: its RSS slopes are reported, and only the full run holds them to a bound.
    if (!quick && figures.refresh.nativeSlopeKiBPer1000 > 1024) figures.failures.push(`native memory (RSS outside V8's heap) grows ${figures.refresh.nativeSlopeKiBPer1000} KiB per 1000 refreshes`)
    if (!quick && figures.read.nativeSlopeKiBPer10000 > 1024) figures.failures.push(`native memory (RSS outside V8's heap) grows ${figures.read.nativeSlopeKiBPer10000} KiB per 10,000 reads`)
    log(`memory: ${cycles} refreshes RSS ${figures.refresh.rssStartMiB} → ${figures.refresh.rssEndMiB} MiB (native ${figures.refresh.nativeStartMiB} → ${figures.refresh.nativeEndMiB}), fds ${figures.refresh.fdsStart} → ${figures.refresh.fdsEnd}; ${reads} reads RSS ${figures.read.rssStartMiB} → ${figures.read.rssEndMiB} MiB (native ${figures.read.nativeStartMiB} → ${figures.read.nativeEndMiB})`)

    // Open/close of a watching, background-refreshing cache.
    const open = { home: world.home, path: world.db, projectRoots: [world.projectsDir], backgroundRefresh: true, watch: true }
    const warmup = Cache.open(open)
    await warmup.refresh({})
    warmup.close()
    await new Promise((r) => setTimeout(r, 300))
    const before = handles()
    for (let i = 0; i < opens; i++) {
      const c = Cache.open(open)
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 20)) // let the watcher start now and then
      c.close()
    }
    // The index reader's file-watcher thread notices its end within about half a second.
    await new Promise((r) => setTimeout(r, 1500))
    const after = handles()
    figures.openClose = { threadsBefore: before.threads, threadsAfter: after.threads, fdsBefore: before.fds, fdsAfter: after.fds }
    if (after.threads > before.threads) figures.failures.push(`threads left after ${opens} open/close: ${before.threads} → ${after.threads}`)
    if (after.fds > before.fds) figures.failures.push(`file descriptors left after ${opens} open/close: ${before.fds} → ${after.fds}`)
    log(`memory: ${opens} open/close of a watching cache: threads ${before.threads} → ${after.threads}, fds ${before.fds} → ${after.fds}`)
  } finally {
    world.cleanup()
  }
  return figures
}

module.exports = { name: 'memory', run }
