'use strict'
// Shared by the reliability suites: a generated SkillMeat tree in a temp folder, snapshots of
// what the cache holds per project, deterministic edits, and local fake servers (a GitHub API
// and a marketplace) on 127.0.0.1, so that every network phase can be exercised offline.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { generate } = require('../../scripts/gen-fixtures.js')

const ROOT = path.join(__dirname, '..', '..')
const ADDON = path.join(ROOT, 'index.js')

/** A generated tree (`projects` × `artifacts`) in a fresh temp folder; `cleanup()` removes it. */
function makeWorld({ projects, artifacts, seed = 1, prefix = 'smc-rel-' }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const fx = generate({ out: dir, projects, artifacts, malformedRate: 0.02, seed })
  const db = path.join(fx.home, 'cache', 'skillmeat-cache.db')
  return {
    dir,
    home: fx.home,
    projectsDir: fx.projectsDir,
    projectPaths: fx.projectPaths,
    db,
    expected: fx.expected,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  }
}

/** Every artifact of every project: `Map(projectPath → sorted "type/name#hash" lines)`. */
function snapshot(cache) {
  const out = new Map()
  const projects = []
  for (let offset = 0; ; ) {
    const page = cache.listProjects({ offset, limit: 500 })
    projects.push(...page.items)
    offset += page.items.length
    if (page.items.length === 0 || offset >= page.total) break
  }
  for (const p of projects) {
    const lines = []
    for (let offset = 0; ; ) {
      const page = cache.listArtifacts({ projectId: p.id, offset, limit: 1000 })
      for (const a of page.items) lines.push(`${a.profile}:${a.type}/${a.name}#${a.contentHash || a.status}`)
      offset += page.items.length
      if (page.items.length === 0 || offset >= page.total) break
    }
    out.set(p.path, lines.sort().join('\n'))
  }
  return out
}

/** Seeded edits of the tree: rewrite some commands, add one, remove one added earlier. */
function editTree(world, rng, round) {
  const edited = []
  const pick = (xs) => xs[Math.floor(rng() * xs.length)]
  for (let i = 0; i < 3; i++) {
    const proj = pick(world.projectPaths)
    const dir = path.join(proj, '.claude', 'commands')
    if (!fs.existsSync(dir)) continue
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md'))
    if (files.length === 0) continue
    const f = path.join(dir, pick(files))
    fs.appendFileSync(f, `\nEdited in round ${round}.\n`)
    edited.push(f)
  }
  const proj = pick(world.projectPaths)
  const added = path.join(proj, '.claude', 'commands', `rel-added-${round}.md`)
  fs.mkdirSync(path.dirname(added), { recursive: true })
  fs.writeFileSync(added, `---\ndescription: Added in round ${round} (relunique${round})\n---\nBody\n`)
  edited.push(added)
  const old = world.projectPaths
    .map((p) => path.join(p, '.claude', 'commands', `rel-added-${round - 3}.md`))
    .find((f) => fs.existsSync(f))
  if (old) {
    fs.rmSync(old)
    edited.push(old)
  }
  return edited
}

/** A server on 127.0.0.1 (any free port); resolves with `{ url, close }`. */
function serve(handler) {
  const srv = http.createServer(handler)
  return new Promise((resolve, reject) => {
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${srv.address().port}`,
        server: srv,
        close: () =>
          new Promise((r) => {
            srv.close(() => r())
            srv.closeAllConnections()
          }),
      })
    })
  })
}

/** A GitHub API answering every repository with one newer release; `delayMs` per answer. */
function fakeGitHub({ delayMs = 0 } = {}) {
  return serve((req, res) => {
    const url = new URL(req.url, 'http://x')
    const m = url.pathname.match(/^\/repos\/[^/]+\/[^/]+\/(releases\/latest|releases|tags|commits|git\/trees\/.+)$/)
    let body = null
    if (!m) body = null
    else if (m[1] === 'releases/latest') body = { tag_name: 'v9.9.9', prerelease: false, draft: false }
    else if (m[1] === 'releases') body = [{ tag_name: 'v9.9.9', prerelease: false, draft: false, name: 'v9.9.9' }]
    else if (m[1] === 'tags') body = [{ name: 'v9.9.9', commit: { sha: 'f'.repeat(40) } }]
    else if (m[1] === 'commits') body = [{ sha: 'e'.repeat(40), commit: { message: 'change' } }]
    setTimeout(() => {
      if (body === null) {
        res.writeHead(404, { 'content-type': 'application/json' })
        return res.end('{"message":"Not Found"}')
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '4999' })
      res.end(JSON.stringify(body))
    }, delayMs)
  })
}

/** A marketplace serving the real manifests of ../shared/corpus (or a generated one). */
function fakeMarketplace({ delayMs = 0 } = {}) {
  const corpus = path.join(ROOT, '..', 'shared', 'corpus', 'marketplaces')
  const files = fs.existsSync(corpus) ? fs.readdirSync(corpus).filter((f) => f.endsWith('.marketplace.json')) : []
  const bodies = new Map(files.map((f) => [`/${f}`, fs.readFileSync(path.join(corpus, f))]))
  if (bodies.size === 0) {
    const plugins = Array.from({ length: 500 }, (_, i) => ({ name: `plugin-${i}`, source: `./plugins/p${i}`, description: `Plugin ${i}`, version: '1.0.0' }))
    bodies.set('/generated.marketplace.json', Buffer.from(JSON.stringify({ name: 'generated', owner: { name: 'x' }, plugins })))
  }
  return serve((req, res) => {
    const body = bodies.get(new URL(req.url, 'http://x').pathname)
    setTimeout(() => {
      if (!body) return res.writeHead(404).end()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body)
    }, delayMs)
  }).then((s) => ({ ...s, sources: [...bodies.keys()].map((p, i) => ({ name: `m${i}`, url: s.url + p })) }))
}

/** Open file descriptors and threads of this process (Linux `/proc`). */
function handles() {
  const count = (d) => {
    try {
      return fs.readdirSync(d).length
    } catch {
      return -1
    }
  }
  return { fds: count('/proc/self/fd'), threads: count('/proc/self/task') }
}

module.exports = { ROOT, ADDON, makeWorld, snapshot, editTree, serve, fakeGitHub, fakeMarketplace, handles }
