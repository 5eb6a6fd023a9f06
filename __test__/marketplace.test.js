'use strict'
// The marketplace cache against a real HTTP server on 127.0.0.1.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Cache } = require('../index.js')
const { tmpdir, write, md, listen } = require('./helpers.js')

const CORPUS = path.join(__dirname, '..', '..', 'shared', 'corpus', 'marketplaces')

function listing(version = '1.2.0') {
  return {
    name: 'test-market',
    owner: { name: 'Tester' },
    plugins: [
      { name: 'pdf-tools', source: './plugins/pdf', description: 'PDF helpers', version, author: { name: 'Ann' }, category: 'docs', tags: ['pdf'] },
      { name: 'reviewer', source: { source: 'github', repo: 'acme/reviewer' }, description: 'Reviews code', version: '0.3.0', keywords: ['review'] },
    ],
  }
}

/** A server whose behaviour per path is set by the test; counts requests. */
async function server() {
  const routes = {}
  const hits = {}
  const server_ = await listen((req, res) => {
    const url = new URL(req.url, 'http://x')
    hits[url.pathname] = (hits[url.pathname] || 0) + 1
    const route = routes[url.pathname]
    if (!route) {
      res.writeHead(404)
      return res.end()
    }
    route(req, res)
  })
  const { srv, base, close } = server_
  return { srv, routes, hits, base, close }
}

function json(body, etag) {
  return (req, res) => {
    if (etag && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'application/json', ...(etag ? { etag } : {}) })
    res.end(typeof body === 'string' ? body : JSON.stringify(body))
  }
}

function open(home, sources, extra = {}) {
  return Cache.open({ home, marketplaceSources: sources, allowHttpHosts: ['127.0.0.1'], httpTimeoutMs: 2000, ...extra })
}

test('fetch, TTL, 304 revalidation and forced refresh', async () => {
  const s = await server()
  s.routes['/m.json'] = json(listing(), '"v1"')
  const cache = open(tmpdir(), [{ name: 'main', url: `${s.base}/m.json` }])
  try {
    let sum = await cache.refreshMarketplace()
    assert.deepEqual(sum.sources.map((x) => [x.name, x.status, x.entries]), [['main', 'fetched', 2]])
    const page = cache.marketplaceEntries()
    assert.equal(page.total, 2)
    const pdf = page.items.find((e) => e.name === 'pdf-tools')
    assert.equal(pdf.version, '1.2.0')
    assert.equal(pdf.author, 'Ann')
    assert.equal(pdf.type, 'plugin')
    assert.deepEqual(pdf.tags, ['pdf'])
    assert.equal(pdf.stale, false)
    assert.equal(JSON.parse(pdf.raw).category, 'docs')
    assert.equal(page.items.find((e) => e.name === 'reviewer').origin, 'acme/reviewer')

    sum = await cache.refreshMarketplace()
    assert.equal(sum.sources[0].status, 'fresh', 'within TTL no request is made')
    assert.equal(s.hits['/m.json'], 1)

    sum = await cache.refreshMarketplace({ force: true })
    assert.equal(sum.sources[0].status, 'notModified')
    assert.equal(s.hits['/m.json'], 2)
    assert.equal(cache.marketplaceEntries().total, 2)

    s.routes['/m.json'] = json(listing('1.3.0'), '"v2"')
    sum = await cache.refreshMarketplace({ force: true, source: 'main' })
    assert.equal(sum.sources[0].status, 'fetched')
    assert.equal(cache.marketplaceEntries({ query: 'pdf' }).items[0].version, '1.3.0')
    await assert.rejects(cache.refreshMarketplace({ source: 'nope' }), (e) => e.code === 'NOT_FOUND')
  } finally {
    cache.close()
    await s.close()
  }
})

test('every failure keeps the last good copy, marked stale, with a typed error', async () => {
  const s = await server()
  s.routes['/m.json'] = json(listing(), '"v1"')
  const home = tmpdir()
  const cases = [
    ['500', (req, res) => { res.writeHead(500); res.end('boom') }, 'HTTP_ERROR'],
    ['invalid JSON', json('{"plugins": [', null), 'INVALID_RESPONSE'],
    ['wrong shape', json({ hello: 'world' }, null), 'INVALID_RESPONSE'],
    ['slow', (req, res) => setTimeout(() => json(listing())(req, res), 1500), 'NETWORK_TIMEOUT'],
    ['oversize', json({ plugins: [{ name: 'x', description: 'y'.repeat(5000) }] }, null), 'RESPONSE_TOO_LARGE'],
    ['redirect off the allow-list', (req, res) => { res.writeHead(302, { location: `http://localhost:${s.srv.address().port}/m.json` }); res.end() }, 'INSECURE_URL'],
    ['redirect loop', (req, res) => { res.writeHead(302, { location: '/loop' }); res.end() }, 'TOO_MANY_REDIRECTS'],
  ]
  const cache = open(home, [{ name: 'main', url: `${s.base}/m.json` }], { httpTimeoutMs: 500, maxResponseBytes: 2000 })
  try {
    await cache.refreshMarketplace()
    s.routes['/loop'] = (req, res) => { res.writeHead(302, { location: '/loop' }); res.end() }
    for (const [what, route, code] of cases) {
      s.routes['/m.json'] = route
      const sum = await cache.refreshMarketplace({ force: true })
      assert.equal(sum.sources[0].status, 'error', what)
      assert.equal(sum.sources[0].code, code, `${what}: ${sum.sources[0].error}`)
      const page = cache.marketplaceEntries()
      assert.equal(page.total, 2, `${what}: entries kept`)
      assert.ok(page.items.every((e) => e.stale), `${what}: served as stale`)
      const src = cache.marketplaceSources()[0]
      assert.equal(src.errorCode, code)
      assert.equal(src.stale, true)
    }
    s.routes['/m.json'] = json(listing(), '"v1"')
    const ok = await cache.refreshMarketplace({ force: true })
    assert.ok(['fetched', 'notModified'].includes(ok.sources[0].status))
    assert.equal(cache.marketplaceSources()[0].stale, false, 'a good fetch clears the error')
  } finally {
    cache.close()
    await s.close()
  }
})

test('connection refused, plain http without allow-listing, and offline mode', async () => {
  const s = await server()
  const port = s.srv.address().port
  await s.close()
  const cache = open(tmpdir(), [
    { name: 'down', url: `http://127.0.0.1:${port}/m.json` },
    { name: 'plain', url: 'http://example.invalid/m.json' },
  ])
  try {
    const sum = await cache.refreshMarketplace()
    const by = Object.fromEntries(sum.sources.map((x) => [x.name, x]))
    assert.equal(by.down.code, 'NETWORK')
    assert.equal(by.plain.code, 'INSECURE_URL')
    assert.match(by.plain.error, /https/)
    const off = await cache.refreshMarketplace({ onlyIfCached: true })
    assert.ok(off.sources.every((x) => x.status === 'cached' && x.entries === 0))
    assert.equal(cache.marketplaceEntries().total, 0)
  } finally {
    cache.close()
  }
})

test('sources from marketplace.toml; real marketplace manifests; installed entries show updates', async () => {
  const s = await server()
  for (const f of fs.readdirSync(CORPUS).filter((f) => f.endsWith('.marketplace.json'))) {
    s.routes[`/${f}`] = json(fs.readFileSync(path.join(CORPUS, f), 'utf8'), `"${f}"`)
  }
  s.routes['/mine.json'] = json({ listings: [{ name: 'pdf-tools', type: 'skill', version: '2.1.0', description: 'PDF' }] }, null)
  const home = tmpdir()
  const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.marketplace.json'))
  write(
    path.join(home, 'marketplace.toml'),
    files.map((f) => `[[sources]]\nname = "${f.split('.')[0]}"\nurl = "${s.base}/${f}"\n`).join('\n') +
      `\n[[sources]]\nname = "mine"\nurl = "${s.base}/mine.json"\nttl_hours = 1\n`,
  )
  write(path.join(home, 'config.toml'), '[cache]\nallow_http_hosts = ["127.0.0.1"]\n')
  const proj = path.join(tmpdir(), 'p')
  write(path.join(proj, '.claude', 'skills', 'pdf-tools', 'SKILL.md'), md({ name: 'pdf-tools', description: 'x' }))
  write(
    path.join(proj, '.claude', '.skillmeat-deployed.toml'),
    '[[deployed]]\nartifact_name = "pdf-tools"\nartifact_type = "skill"\nfrom_collection = "default"\ndeployed_at = "2025-01-01T00:00:00Z"\nartifact_path = "skills/pdf-tools"\ncontent_hash = "00"\nversion = "2.0.0"\n',
  )
  const cache = Cache.open({ home })
  try {
    cache.registerProject(proj)
    const sum = await cache.refreshMarketplace()
    assert.equal(sum.sources.length, files.length + 1)
    assert.ok(sum.sources.every((x) => x.status === 'fetched'), JSON.stringify(sum.sources))
    const sources = cache.marketplaceSources()
    assert.ok(sources.find((x) => x.name === 'claude-plugins-official').entries > 100)
    const mine = cache.marketplaceEntries({ source: 'mine' }).items[0]
    assert.equal(mine.installedCount, 1)
    assert.equal(mine.deployedVersion, '2.0.0')
    assert.equal(mine.updateAvailable, true)
    assert.equal(mine.versionDiff, 'minor')
    const all = cache.marketplaceEntries({ limit: 10000 })
    assert.equal(all.total, all.items.length)
    assert.ok(cache.marketplaceEntries({ query: '100%_\\' }).total === 0, 'LIKE wildcards are literal')

    // SkillMeat's GET /cache/marketplace: an empty type is no filter; `url` is always a string.
    const { createCacheHandler } = require('../src/js/http.js')
    const handler = createCacheHandler({ cache })
    const page = async (q) => (await handler(new Request(`http://x/api/v1/cache/marketplace?limit=500${q}`))).json()
    const plain = await page('')
    assert.equal((await page('&type=')).total, plain.total)
    assert.ok(plain.total > 100)
    assert.ok(plain.items.every((e) => typeof e.url === 'string' && e.url.length > 0), JSON.stringify(plain.items.find((e) => typeof e.url !== 'string' || !e.url)))

    // The listing's version is the artifact's upstream: it shows as outdated, in one query.
    const out = cache.outdatedArtifacts()
    assert.equal(out.total, 1)
    const a = out.items[0]
    assert.equal(a.name, 'pdf-tools')
    assert.equal(a.projectName, 'p')
    assert.equal(a.isOutdated, true)
    assert.equal(a.upstreamVersion, '2.1.0')
    assert.equal(a.versionDiff, 'minor')
    assert.equal(cache.outdatedArtifacts({ difference: 'major' }).total, 0)
    assert.equal(cache.outdatedArtifacts({ sortBy: 'versionDiff', type: 'skill' }).total, 1)
    assert.throws(() => cache.outdatedArtifacts({ difference: 'huge' }), (e) => e.code === 'INVALID_ARGUMENT')
    assert.equal(cache.listProjects().items[0].outdatedCount, 1)
    // Deploying the new version clears it at the next scan.
    const manifest = path.join(proj, '.claude', '.skillmeat-deployed.toml')
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('version = "2.0.0"', 'version = "2.1.0"'))
    await cache.refresh({ force: true })
    assert.equal(cache.outdatedArtifacts().total, 0)
    assert.equal(cache.listProjects().items[0].outdatedCount, 0)
  } finally {
    cache.close()
    await s.close()
  }
})

test('a source taken out of the configuration takes its versions with it at the next marketplace refresh', async (t) => {
  const s = await server()
  t.after(() => s.close())
  s.routes['/mine.json'] = json({ listings: [{ name: 'pdf-tools', type: 'skill', version: '2.1.0', description: 'PDF' }] }, null)
  const home = tmpdir()
  const db = path.join(tmpdir(), 'm.db')
  const proj = path.join(tmpdir(), 'p')
  write(path.join(proj, '.claude', 'skills', 'pdf-tools', 'SKILL.md'), md({ name: 'pdf-tools', description: 'x' }))
  write(
    path.join(proj, '.claude', '.skillmeat-deployed.toml'),
    '[[deployed]]\nartifact_name = "pdf-tools"\nartifact_type = "skill"\nfrom_collection = "default"\nartifact_path = "skills/pdf-tools"\nversion = "2.0.0"\n',
  )
  const first = open(home, [{ name: 'mine', url: `${s.base}/mine.json` }], { path: db })
  first.registerProject(proj)
  await first.refreshMarketplace()
  assert.equal(first.outdatedArtifacts().total, 1)
  first.close()
  const second = open(home, [], { path: db })
  t.after(() => second.close())
  await second.refreshMarketplace({ force: true })
  assert.equal(second.marketplaceEntries().total, 0)
  assert.equal(second.outdatedArtifacts().total, 0, 'the removed listing no longer makes it outdated')
  const a = second.listArtifacts({ type: 'skill' }).items[0]
  assert.equal(a.isOutdated, false)
  assert.equal(a.upstreamVersion ?? null, null)
})
