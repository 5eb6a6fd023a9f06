#!/usr/bin/env node
'use strict'
// `npm run bench:http`: `skillmeat-cache serve` under load (autocannon, 50 connections) on a
// generated 100 x 100 tree while a second process refreshes every second, route by route; in the
// same run, a bare node:http server answering the same bytes from memory (the ceiling of Node
// HTTP on this machine; for the artifacts page and for the status answer) and 304 answers
// against 200s.
//
//   node benches/node/http.js [--duration 20] [--connections 50] [--json out.json]
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { spawn } = require('node:child_process')
const { parseArgs } = require('node:util')
const autocannon = require('autocannon')
const { Cache } = require('../../index.js')
const { generate } = require('../../scripts/gen-fixtures.js')

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    projects: { type: 'string', default: '100' },
    artifacts: { type: 'string', default: '100' },
    json: { type: 'string' },
  },
})
const DURATION = Number(args.duration)
const CONNECTIONS = Number(args.connections)
const CLI = path.join(__dirname, '..', '..', 'bin', 'skillmeat-cache')
const children = new Set()

function child(argv, env = {}) {
  const c = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  children.add(c)
  c.on('exit', () => children.delete(c))
  return c
}

function firstLine(c) {
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: c.stdout }).once('line', resolve)
    c.once('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)))
  })
}

function run(url, headers = {}, extra = {}) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers, ...extra }, (err, r) => {
      if (err) return reject(err)
      resolve({
        reqPerSec: Math.round(r.requests.average),
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        requests: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        statusCodes: r.statusCodeStats,
      })
    })
  })
}

const BARE_SERVER = `
const http = require('node:http')
const body = Buffer.from(process.env.BODY, 'base64')
const srv = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, etag: 'W/"bare"' })
  res.end(body)
})
srv.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + srv.address().port))
process.on('SIGTERM', () => srv.close(() => process.exit(0)))
`

const REFRESHER = `
const fs = require('node:fs')
const { Cache } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'index.js'))})
const [dbPath, home, target] = process.argv.slice(1)
const cache = Cache.open({ home, path: dbPath })
let n = 0
console.log('ready')
const tick = async () => {
  fs.appendFileSync(target, '\\nedit ' + n++ + '\\n')
  await cache.refresh().catch((e) => console.error('refresh failed', e.code, e.message))
}
const timer = setInterval(tick, 1000)
process.on('SIGTERM', () => { clearInterval(timer); cache.close(); process.exit(0) })
`

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-bench-http-'))
  const P = Number(args.projects)
  const A = Number(args.artifacts)
  const fx = generate({ out: work, projects: P, artifacts: A, malformedRate: 0.02, seed: 1 })
  const dbPath = path.join(work, 'cache.db')
  const cache = Cache.open({ home: fx.home, path: dbPath, projectRoots: [fx.projectsDir], discoveryDepth: 1 })
  await cache.refresh()
  const project = cache.listProjects({ limit: 1 }).items[0]
  const someName = cache.listArtifacts({ projectId: project.id, limit: 1 }).items[0].name
  cache.close()

  const results = {
    machine: `${os.cpus()[0].model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
    tree: `${P} projects x ${A} artifacts`,
    load: `${CONNECTIONS} connections, ${DURATION} s per route, a second process refreshing every second`,
    routes: {},
  }

  const server = child([CLI, 'serve', '--port', '0', '--db', dbPath, '--home', fx.home])
  const base = (await firstLine(server)).replace('listening on ', '')
  const target = path.join(fx.projectPaths[1], '.claude', 'commands', fs.readdirSync(path.join(fx.projectPaths[1], '.claude', 'commands')).find((f) => f.endsWith('.md')))
  const refresher = child(['-e', REFRESHER, dbPath, fx.home, target])
  await firstLine(refresher)

  const routes = {
    status: '/cache/status',
    projects: '/cache/projects',
    artifacts: `/cache/artifacts?project_id=${project.id}&limit=100`,
    'stale-artifacts': '/cache/stale-artifacts',
    search: `/cache/search?query=${encodeURIComponent(someName.split('-')[0])}`,
  }
  for (const [name, route] of Object.entries(routes)) {
    process.stderr.write(`load: ${name} ...\n`)
    results.routes[name] = await run(base + route)
  }

  // The ceilings: the artifacts page's bytes, and the status answer's, from memory on bare
  // node:http, under the same load.
  const ceiling = async (route) => {
    const bytes = Buffer.from(await (await fetch(base + route)).arrayBuffer())
    const bare = child(['-e', BARE_SERVER], { BODY: bytes.toString('base64') })
    const bareUrl = await firstLine(bare)
    const r = await run(bareUrl)
    bare.kill('SIGTERM')
    return { bytes, r }
  }
  process.stderr.write('load: bare node:http ceiling (the artifacts page) ...\n')
  const { bytes, r: pageCeiling } = await ceiling(routes.artifacts)
  results.ceiling = pageCeiling
  process.stderr.write('load: bare node:http ceiling (the status answer) ...\n')
  const statusCeiling = await ceiling(routes.status)
  results.statusCeiling = statusCeiling.r

  // 304 against 200 on the same route, with the writer stopped so the ETag holds still. List
  // ETags also name the minute (projects turn stale as time passes), so each run starts at the
  // beginning of a minute and ends within it.
  refresher.kill('SIGTERM')
  const inOneMinute = async () => {
    const left = 60_000 - (Date.now() % 60_000)
    if (left < DURATION * 1000 + 2000) await new Promise((r) => setTimeout(r, left + 200))
  }
  process.stderr.write('load: 304 vs 200 (served from the body cache) vs 200 built per request ...\n')
  await inOneMinute()
  const etag = (await fetch(base + routes.artifacts)).headers.get('etag')
  results.quiet304 = await run(base + routes.artifacts, { 'if-none-match': etag })
  await inOneMinute()
  results.quiet200 = await run(base + routes.artifacts)
  // A query parameter the route ignores makes every URL new, so every body is built.
  let n = 0
  results.quiet200Built = await run(base + routes.artifacts, {}, { requests: [{ setupRequest: (req) => ({ ...req, path: `${req.path}&n=${n++}` }) }] })
  server.kill('SIGTERM')

  const a = results.routes.artifacts
  results.ratios = {
    artifactsVsCeilingReqPerSec: +(results.ceiling.reqPerSec / a.reqPerSec).toFixed(2),
    artifactsVsCeilingP99: +(a.p99Ms / Math.max(results.ceiling.p99Ms, 1)).toFixed(2),
    statusVsCeilingReqPerSec: +(results.statusCeiling.reqPerSec / results.routes.status.reqPerSec).toFixed(2),
    statusP99VsCeiling: [results.routes.status.p99Ms, results.statusCeiling.p99Ms],
    reqPerSec304Vs200: +(results.quiet304.reqPerSec / results.quiet200.reqPerSec).toFixed(2),
    reqPerSec304Vs200Built: +(results.quiet304.reqPerSec / results.quiet200Built.reqPerSec).toFixed(2),
    p50Ms304Vs200Built: [results.quiet304.p50Ms, results.quiet200Built.p50Ms],
  }
  results.bodyBytes = bytes.length
  const fmt = (r) => `${String(r.reqPerSec).padStart(7)} req/s  p50 ${String(r.p50Ms).padStart(4)} ms  p99 ${String(r.p99Ms).padStart(4)} ms  non-2xx ${r.non2xx}  errors ${r.errors}`
  console.log(`machine: ${results.machine}\ntree: ${results.tree}\nload: ${results.load}\n`)
  for (const [n, r] of Object.entries(results.routes)) console.log(`${n.padEnd(16)} ${fmt(r)}`)
  console.log(`${'ceiling (bare)'.padEnd(16)} ${fmt(results.ceiling)}  (${bytes.length} bytes, the artifacts page)`)
  console.log(`${'ceiling (bare)'.padEnd(16)} ${fmt(results.statusCeiling)}  (${statusCeiling.bytes.length} bytes, the status answer)`)
  console.log(`${'quiet 200'.padEnd(16)} ${fmt(results.quiet200)}`)
  console.log(`${'quiet 304'.padEnd(16)} ${fmt(results.quiet304)}`)
  console.log(`${'quiet 200 built'.padEnd(16)} ${fmt(results.quiet200Built)}  (every body built: no body-cache hit)`)
  console.log(`\nratios: ${JSON.stringify(results.ratios)}`)
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2))
  fs.rmSync(work, { recursive: true, force: true })
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    for (const c of children) c.kill('SIGKILL')
  })
