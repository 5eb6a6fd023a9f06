#!/usr/bin/env node
'use strict'
// Freshness benchmark on a generated 100 x 100 tree:
// - file change -> visible in listArtifacts latency over 200 edits (watcher + debounce + re-scan),
// - idle CPU and RSS of a process holding an open cache with watcher and loop for 60 s,
// - CPU used by a TTL-style refresh of 100 unchanged projects.
//
//   node benches/node/freshness.js [--edits 200] [--idle-seconds 60] [--json out.json]
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { parseArgs } = require('node:util')
const { performance } = require('node:perf_hooks')
const { Cache } = require('../../index.js')
const { generate } = require('../../scripts/gen-fixtures.js')
const { stats } = require('./common.js')

const { values: args } = parseArgs({
  options: {
    edits: { type: 'string', default: '200' },
    'idle-seconds': { type: 'string', default: '60' },
    projects: { type: 'string', default: '100' },
    artifacts: { type: 'string', default: '100' },
    json: { type: 'string' },
  },
})

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-fresh-'))
  const fx = generate({ out: work, projects: Number(args.projects), artifacts: Number(args.artifacts), malformedRate: 0.02, seed: 7 })
  const dbPath = path.join(work, 'cache.db')
  const opts = { home: fx.home, path: dbPath, projectRoots: [fx.projectsDir], discoveryDepth: 1 }
  const results = { machine: `${os.cpus()[0].model} x${os.cpus().length}, Node ${process.version}` }

  // Populate, then measure a TTL-style pass over 100 unchanged projects (CPU vs wall).
  let cache = Cache.open(opts)
  await cache.refresh()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await cache.refresh()
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  results.unchangedRefresh = { wallMs: wall, cpuMs: (cpu.user + cpu.system) / 1000 }
  cache.close()

  // Edit -> visible latency with the watcher on.
  cache = Cache.open({ ...opts, watch: true, backgroundRefresh: true })
  const waiters = new Map()
  cache.onEvent((e) => {
    if (e.type !== 'changesDetected') return
    const w = waiters.get(e.projectId)
    if (w) w()
  })
  const until = async (what, fn, ms = 10000) => {
    const end = Date.now() + ms
    while (!fn()) {
      if (Date.now() > end) throw new Error(`timed out: ${what}`)
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  await until('watcher', () => cache.status().background.watcherState === 'watching', 60000)
  const projects = cache.listProjects({ limit: 1000 }).items
  const targets = []
  for (const p of projects) {
    const dirAgents = path.join(p.path, '.claude', 'agents')
    if (!fs.existsSync(dirAgents)) continue
    for (const f of fs.readdirSync(dirAgents).filter((f) => f.endsWith('.md')).slice(0, 2)) {
      targets.push({ project: p, file: path.join(dirAgents, f), name: f.slice(0, -3) })
    }
  }
  const lat = []
  const n = Number(args.edits)
  for (let i = 0; i < n; i++) {
    const t = targets[(i * 37) % targets.length]
    const token = `edit-${i}-${Date.now()}`
    const seen = new Promise((r) => waiters.set(t.project.id, r))
    const start = performance.now()
    fs.writeFileSync(t.file, `---\nname: ${t.name}\ndescription: ${token}\n---\nBody ${i}\n`)
    await Promise.race([seen, new Promise((r) => setTimeout(r, 5000))])
    await until('visible', () => {
      const a = cache.listArtifacts({ projectId: t.project.id, limit: 1000 }).items.find((x) => x.name === t.name)
      return a && a.description === token
    })
    lat.push(performance.now() - start)
    waiters.delete(t.project.id)
    await new Promise((r) => setTimeout(r, 20))
  }
  results.editToVisible = stats(lat)
  cache.close()

  // Idle CPU and RSS of a separate process holding the cache with watcher and loop.
  const idleSeconds = Number(args['idle-seconds'])
  const script = `
    const { Cache } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'index.js'))})
    const c = Cache.open(${JSON.stringify({ ...opts, watch: true, backgroundRefresh: true })})
    const wait = () => new Promise((r) => setTimeout(r, 200))
    ;(async () => {
      while (c.status().background.watcherState !== 'watching') await wait()
      await new Promise((r) => setTimeout(r, 2000))
      const cpu0 = process.cpuUsage(); const t0 = Date.now()
      await new Promise((r) => setTimeout(r, ${idleSeconds * 1000}))
      const cpu = process.cpuUsage(cpu0); const wall = Date.now() - t0
      const st = c.status().background
      console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs: wall, rss: process.memoryUsage().rss, watched: st.watchedPaths }))
      c.close()
    })()`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  await new Promise((r) => child.on('exit', r))
  const idle = JSON.parse(out.trim().split('\n').pop())
  results.idle = { ...idle, cpuPercent: (100 * idle.cpuMs) / idle.wallMs }

  const ms = (x) => `${x.toFixed(1)} ms`
  console.log(`machine: ${results.machine}; tree ${args.projects} x ${args.artifacts}`)
  console.log(`edit -> visible (${n} edits): p50 ${ms(results.editToVisible.p50)}, p99 ${ms(results.editToVisible.p99)}, max ${ms(results.editToVisible.max)}   target p99 < 300 ms`)
  console.log(`idle ${idleSeconds} s with watcher + loop (${idle.watched} paths watched): CPU ${results.idle.cpuPercent.toFixed(3)} %  (${idle.cpuMs.toFixed(0)} ms CPU), RSS ${(idle.rss / 2 ** 20).toFixed(1)} MiB   target < 0.5 %`)
  console.log(`refresh of 100 unchanged projects: wall ${ms(results.unchangedRefresh.wallMs)}, CPU ${ms(results.unchangedRefresh.cpuMs)}`)
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2))
  fs.rmSync(work, { recursive: true, force: true })
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
