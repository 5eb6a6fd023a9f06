#!/usr/bin/env node
'use strict'
// `npm run bench:versions`: version comparison, outdated queries and upstream checks.
//
// - compareVersions over 20,000 generated pairs against the npm `semver` package (the oracle of
//   the differential test), in the same run;
// - outdatedArtifacts on 10,000 artifacts (100 projects x 100), p50/p99 per sort;
// - checkUpstream for those 10,000 artifacts spread over 100 repositories, against a
//   GitHub-shaped server on 127.0.0.1: requests sent (must be 100), wall time, then a forced
//   re-check answered with 304s.
//
//   node benches/node/versions.js [--projects 100] [--artifacts 100] [--repos 100] [--json out.json]
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { parseArgs } = require('node:util')
const { performance } = require('node:perf_hooks')
const semver = require('semver')
const { Cache, compareVersions } = require('../../index.js')
const { stats, mulberry32 } = require('./common.js')

const { values: args } = parseArgs({
  options: {
    projects: { type: 'string', default: '100' },
    artifacts: { type: 'string', default: '100' },
    repos: { type: 'string', default: '100' },
    json: { type: 'string' },
  },
})

const ms = (x) => (x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(2)} µs`)

function versionPairs(n) {
  const r = mulberry32(7)
  const int = (k) => Math.floor(r() * k)
  const pre = () => (r() < 0.2 ? `-${['alpha', 'beta', 'rc'][int(3)]}.${int(4)}` : '')
  const v = () => `${r() < 0.3 ? 'v' : ''}${int(4)}.${int(12)}.${int(20)}${pre()}`
  return Array.from({ length: n }, () => [v(), v()])
}

function benchCompare() {
  const pairs = versionPairs(20_000)
  const run = (fn) => {
    const samples = []
    for (let round = 0; round < 15; round++) {
      const t = performance.now()
      for (const [a, b] of pairs) fn(a, b)
      samples.push(performance.now() - t)
    }
    return stats(samples.slice(5)) // the first rounds warm the JIT
  }
  const ours = run((a, b) => compareVersions(a, b))
  const theirs = run((a, b) => semver.compare(a, b, { loose: true }))
  let disagree = 0
  for (const [a, b] of pairs) {
    if ((compareVersions(a, b).order ?? 0) !== semver.compare(a, b, { loose: true })) disagree++
  }
  return {
    pairs: pairs.length,
    addon: { batchMs: ours.p50, perCallUs: (ours.p50 * 1000) / pairs.length },
    semver: { batchMs: theirs.p50, perCallUs: (theirs.p50 * 1000) / pairs.length },
    ratio: ours.p50 / theirs.p50,
    disagreements: disagree,
  }
}

/** 100 x 100 command artifacts whose deployments name one of `repos` repositories. */
function tree(root, P, A, repos) {
  const dirs = []
  for (let p = 0; p < P; p++) {
    const dir = path.join(root, `proj-${String(p).padStart(3, '0')}`)
    const claude = path.join(dir, '.claude')
    fs.mkdirSync(path.join(claude, 'commands'), { recursive: true })
    let manifest = ''
    for (let a = 0; a < A; a++) {
      const i = p * A + a
      const name = `cmd-${a}`
      fs.writeFileSync(path.join(claude, 'commands', `${name}.md`), `---\ndescription: command ${i}\n---\nBody ${i}\n`)
      const repo = `org${i % repos}/repo${i % repos}`
      const deployed = `1.${i % 7}.${i % 3}`
      manifest += `[[deployed]]\nartifact_name = "${name}"\nartifact_type = "command"\nartifact_path = "commands/${name}.md"\nfrom_collection = "default"\nsource = "${repo}/commands/${name}.md@latest"\nversion = "${deployed}"\n\n`
    }
    fs.writeFileSync(path.join(claude, '.skillmeat-deployed.toml'), manifest)
    dirs.push(dir)
  }
  return dirs
}

/** GitHub-shaped releases with ETags; counts requests. */
async function server() {
  const count = { requests: 0, notModified: 0 }
  const srv = http.createServer((req, res) => {
    count.requests++
    const m = req.url.match(/^\/repos\/([^/]+)\/([^/]+)\/releases/)
    if (!m) {
      res.writeHead(404)
      return res.end('{}')
    }
    const n = Number(m[2].replace('repo', '')) || 0
    const body = JSON.stringify([
      { tag_name: `v1.${n % 9}.0`, prerelease: false, draft: false, body: 'Release notes. '.repeat(40) },
      { tag_name: `v1.${n % 9}.0-rc.1`, prerelease: true, draft: false, body: '' },
      { tag_name: 'v1.0.0', prerelease: false, draft: false, body: '' },
    ])
    const etag = `"r${n}-${body.length}"`
    if (req.headers['if-none-match'] === etag) {
      count.notModified++
      res.writeHead(304, { etag, 'x-ratelimit-remaining': '4999' })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'application/json', etag, 'x-ratelimit-remaining': '4999' })
    res.end(body)
  })
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  return { count, base: `http://127.0.0.1:${srv.address().port}`, close: () => new Promise((r) => srv.close(r)) }
}

async function main() {
  const P = Number(args.projects)
  const A = Number(args.artifacts)
  const R = Number(args.repos)
  const results = {
    machine: `${os.cpus()[0].model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
  }
  results.compareVersions = benchCompare()

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-bench-versions-'))
  const gh = await server()
  try {
    const dirs = tree(path.join(work, 'projects'), P, A, R)
    const cache = Cache.open({
      home: path.join(work, 'home'),
      path: path.join(work, 'cache.db'),
      projectRoots: [path.join(work, 'projects')],
      discoveryDepth: 1,
      githubApiUrl: gh.base,
      allowHttpHosts: ['127.0.0.1'],
    })
    await cache.refresh()
    const artifacts = cache.status().artifacts

    let t = performance.now()
    const first = await cache.checkUpstream()
    const firstMs = performance.now() - t
    const firstRequests = gh.count.requests
    t = performance.now()
    const forced = await cache.checkUpstream({ force: true })
    const forcedMs = performance.now() - t
    results.checkUpstream = {
      artifacts,
      repositories: first.repositories,
      first: { requests: first.requests, serverSaw: firstRequests, wallMs: firstMs, outdated: first.outdated, errors: first.errors.length },
      forced: { requests: forced.requests, notModified: forced.notModified, wallMs: forcedMs },
    }

    const outdatedTotal = cache.outdatedArtifacts({ limit: 1 }).total
    const sorts = ['name', 'type', 'project', 'versionDiff', 'updated']
    const q = {}
    for (const sortBy of sorts) {
      const samples = []
      for (let i = 0; i < 300; i++) {
        const s = performance.now()
        cache.outdatedArtifacts({ sortBy, offset: (i * 37) % 500, limit: 50 })
        samples.push(performance.now() - s)
      }
      q[sortBy] = stats(samples.slice(20))
    }
    const filtered = []
    for (let i = 0; i < 300; i++) {
      const s = performance.now()
      cache.outdatedArtifacts({ difference: 'minor', projectId: undefined, type: 'command', limit: 50 })
      filtered.push(performance.now() - s)
    }
    q['difference=minor,type=command'] = stats(filtered.slice(20))
    results.outdatedArtifacts = { outdated: outdatedTotal, pageSize: 50, bySort: q }
    cache.close()
    void dirs
  } finally {
    await gh.close()
    fs.rmSync(work, { recursive: true, force: true })
  }

  const c = results.compareVersions
  console.log(`machine: ${results.machine}`)
  console.log(`compareVersions, ${c.pairs} pairs: addon ${ms(c.addon.batchMs)} (${c.addon.perCallUs.toFixed(3)} µs/call), semver ${ms(c.semver.batchMs)} (${c.semver.perCallUs.toFixed(3)} µs/call), ratio ${c.ratio.toFixed(2)}x, ${c.disagreements} orderings differ (loose semver; see versions.test.js)`)
  const u = results.checkUpstream
  console.log(`checkUpstream, ${u.artifacts} artifacts over ${u.repositories} repositories: ${u.first.requests} requests in ${ms(u.first.wallMs)} (${u.first.outdated} outdated, ${u.first.errors} errors); forced re-check ${u.forced.requests} requests, ${u.forced.notModified} answered 304, ${ms(u.forced.wallMs)}`)
  console.log(`outdatedArtifacts over ${results.outdatedArtifacts.outdated} outdated rows, pages of 50:`)
  for (const [k, s] of Object.entries(results.outdatedArtifacts.bySort)) console.log(`  ${k.padEnd(32)} p50 ${ms(s.p50)}  p99 ${ms(s.p99)}`)
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2))
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
