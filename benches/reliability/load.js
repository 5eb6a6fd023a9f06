'use strict'
// Concurrent load: four processes on one database for `seconds` (60; 10 in quick mode): two
// refreshing in a loop while this process edits files, one reading through the JS API in a loop
// (latency of each call), one serving HTTP (`skillmeat-cache serve`) under autocannon load,
// and meanwhile the CLI listing projects while the web refresh route runs (seed CACHE-6.2:
// "simultaneous CLI list + web refresh"). Then the database must equal a fresh scan of the tree:
// nothing lost, nothing stale.
const path = require('node:path')
const readline = require('node:readline')
const { spawn, execFile } = require('node:child_process')
const autocannon = require('autocannon')
const { Cache } = require(require('./world.js').ADDON)
const { ROOT, makeWorld, snapshot, editTree } = require('./world.js')
const { mulberry32 } = require('../node/common.js')

const CLI = path.join(ROOT, 'bin', 'skillmeat-cache')

function child(mode, opts) {
  const c = spawn(process.execPath, [path.join(__dirname, 'child.js'), mode, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines = []
  readline.createInterface({ input: c.stdout }).on('line', (l) => lines.push(l))
  c.stderr.on('data', (d) => lines.push(`stderr ${d}`))
  const done = new Promise((resolve) => c.on('exit', (code) => resolve({ code, lines })))
  return { c, done }
}

function resultOf(lines) {
  const l = lines.find((x) => x.startsWith('done '))
  return l ? JSON.parse(l.slice(5)) : null
}

function cli(args, env) {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], { env }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr })))
}

async function run({ quick, log }) {
  const seconds = quick ? 10 : 60
  const world = makeWorld(quick ? { projects: 20, artifacts: 50 } : { projects: 100, artifacts: 100 })
  const open = { home: world.home, path: world.db, projectRoots: [world.projectsDir], backgroundRefresh: false, watch: false }
  const env = { ...process.env, SKILLMEAT_HOME: world.home, SKILLMEAT_CACHE_PATH: world.db, SKILLMEAT_CACHE_PROJECT_ROOTS: world.projectsDir, NO_COLOR: '1' }
  const figures = { durationS: seconds, failures: [] }
  let server = null
  try {
    const setup = Cache.open(open)
    await setup.refresh({})
    setup.close()
    const durationMs = seconds * 1000
    const refreshers = [child('loop-refresh', { open, durationMs, intervalMs: 100 }), child('loop-refresh', { open, durationMs, intervalMs: 150 })]
    const reader = child('read-loop', { open, durationMs })
    server = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const url = await new Promise((resolve, reject) => {
      readline.createInterface({ input: server.stdout }).once('line', (l) => resolve(l.replace(/^listening on /, '')))
      server.once('exit', (code) => reject(new Error(`serve exited ${code}`)))
    })
    const projects = await (await fetch(`${url}/cache/projects?limit=500`)).json()
    const ids = projects.items.map((p) => p.id)

    // Files change under the refreshers for the whole run.
    const rng = mulberry32(3)
    let round = 0
    const editor = setInterval(() => editTree(world, rng, 1000 + round++), 250)

    // CLI list + web refresh, side by side.
    const side = { cliCalls: 0, cliErrors: 0, webRefreshes: 0, webErrors: 0 }
    const stopAt = Date.now() + durationMs
    const sideLoop = (async () => {
      while (Date.now() < stopAt) {
        const [l, r] = await Promise.all([
          cli(['projects', '--json', '--limit', '5'], env),
          fetch(`${url}/cache/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((x) => x.status, () => 0),
        ])
        side.cliCalls++
        if (l.code !== 0) {
          side.cliErrors++
          figures.failures.push(`CLI list failed: ${l.stderr.trim()}`)
        }
        side.webRefreshes++
        if (r !== 200) {
          side.webErrors++
          figures.failures.push(`web refresh answered ${r}`)
        }
      }
    })()

    const cannon = await autocannon({
      url,
      connections: 10,
      duration: seconds,
      requests: [
        { method: 'GET', path: '/api/v1/cache/status' },
        { method: 'GET', path: '/api/v1/projects?limit=50' },
        { method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/v1/cache/artifacts?project_id=${ids[Math.floor(Math.random() * ids.length)]}&limit=100` }) },
        { method: 'GET', path: '/api/v1/cache/stale-artifacts?limit=100' },
        { method: 'GET', path: '/api/v1/cache/search?query=review' },
      ],
    })
    await sideLoop
    clearInterval(editor)
    const ends = await Promise.all([...refreshers.map((r) => r.done), reader.done])
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    server = null

    const [r1, r2, rd] = ends.map((e) => resultOf(e.lines))
    const errorLines = ends.flatMap((e) => e.lines.filter((l) => l.startsWith('error') || l.startsWith('failed') || l.startsWith('stderr')))
    for (const l of errorLines.slice(0, 10)) figures.failures.push(`child: ${l}`)
    if (!r1 || !r2 || !rd) figures.failures.push('a child did not finish its loop')
    figures.refreshes = (r1 ? r1.refreshes : 0) + (r2 ? r2.refreshes : 0)
    figures.refreshErrors = (r1 ? r1.errors : 0) + (r2 ? r2.errors : 0)
    figures.jsReads = rd ? { calls: rd.calls, errors: rd.errors, busy: rd.busy, p50Ms: +rd.p50.toFixed(3), p99Ms: +rd.p99.toFixed(3), maxMs: +rd.max.toFixed(1) } : null
    figures.http = {
      requests: cannon.requests.total,
      non2xx: cannon.non2xx,
      errors: cannon.errors,
      timeouts: cannon.timeouts,
      p50Ms: cannon.latency.p50,
      p99Ms: cannon.latency.p99,
      reqPerSec: Math.round(cannon.requests.average),
    }
    figures.side = side
    figures.edits = round
    if (cannon.non2xx || cannon.errors || cannon.timeouts) figures.failures.push(`HTTP: ${cannon.non2xx} non-2xx, ${cannon.errors} errors, ${cannon.timeouts} timeouts`)
    figures.sqliteBusySurfaced = (rd ? rd.busy : 0) + errorLines.filter((l) => /BUSY|locked/i.test(l)).length

    // Nothing lost, nothing stale: after a last refresh, the database equals a fresh scan.
    const finalCache = Cache.open(open)
    await finalCache.refresh({})
    const have = snapshot(finalCache)
    finalCache.close()
    const fresh = Cache.open({ ...open, path: path.join(world.dir, 'fresh.db') })
    await fresh.refresh({})
    const want = snapshot(fresh)
    fresh.close()
    let differing = 0
    for (const [p, lines] of want) if (have.get(p) !== lines) differing++
    if (have.size !== want.size) figures.failures.push(`projects: ${have.size} in the database, ${want.size} in a fresh scan`)
    if (differing) figures.failures.push(`${differing} projects differ from a fresh scan`)
    figures.equalsFreshScan = differing === 0 && have.size === want.size
    log(`load: ${figures.refreshes} refreshes, ${figures.jsReads && figures.jsReads.calls} JS reads (p99 ${figures.jsReads && figures.jsReads.p99Ms} ms), ${figures.http.requests} HTTP requests, ${side.cliCalls} CLI lists beside web refreshes`)
  } finally {
    if (server) server.kill('SIGKILL')
    world.cleanup()
  }
  return figures
}

module.exports = { name: 'load', run }
