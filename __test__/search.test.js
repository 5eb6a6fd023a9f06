'use strict'
// cache.search() against real project trees, real SQLite files, a real index folder beside the
// database (<db>.search/), a real HTTP marketplace on 127.0.0.1 and real child processes.
//
// Expectations not spelled out in the contract and assumed here: a search right after a write
// of this process (registerProject, refresh, unregisterProject, clear, refreshMarketplace)
// already sees it; a rebuilt index orders results exactly like the one it replaced.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { fork } = require('node:child_process')
const { Cache } = require('../index.js')
const { generate } = require('../scripts/gen-fixtures.js')
const { tmpdir, write, md, listen } = require('./helpers.js')

const WORKER = path.join(__dirname, 'search-worker.js')

/** A cache on a database file of its own (so the index folder is `<db>.search`). */
function openDb(extra = {}) {
  const dir = tmpdir('smc-search-')
  const home = extra.home ?? path.join(dir, 'home')
  fs.mkdirSync(home, { recursive: true })
  const dbPath = path.join(dir, 'cache.db')
  const cache = Cache.open({ home, path: dbPath, ...extra })
  return { cache, home, dbPath, dir, reopen: (more = {}) => Cache.open({ home, path: dbPath, ...extra, ...more }) }
}

/** Every hit of a search (one page of up to 10000). */
function all(cache, text, opts = {}) {
  return cache.search(text, { limit: 10000, ...opts })
}

const names = (res) => res.items.map((i) => i.name)
/** A search item without `kind` and `score`, as plain JSON (absent and undefined fields alike). */
const plain = ({ kind, score, ...rest }) => JSON.parse(JSON.stringify(rest))
const json = (v) => JSON.parse(JSON.stringify(v))
const ids = (res) => res.items.map((i) => `${i.kind}:${i.id}`)

/**
 * A project with hand-written artifacts whose names, tags and descriptions make the ranking
 * rules observable. Returns its folder.
 */
function rankingProject(root, name = 'ranking') {
  const dir = path.join(root, name)
  const c = path.join(dir, '.claude')
  const skill = (n, fields) => write(path.join(c, 'skills', n, 'SKILL.md'), md({ name: n, ...fields }))
  const command = (n, fields) => write(path.join(c, 'commands', `${n}.md`), md(fields))
  const agent = (n, fields) => write(path.join(c, 'agents', `${n}.md`), md({ name: n, ...fields }))
  agent('reviewer', { description: 'General purpose reviewer' })
  skill('code-reviewer', { description: 'Reviews code for bugs', tags: ['review'] })
  skill('pdf-tools', { description: 'Work with PDF files', tags: ['pdf', 'docs'] })
  command('deploy', { description: 'Deploy the app to production' })
  skill('deployment-checklist', { description: 'Checklist before shipping' })
  agent('security-auditor', { description: 'Audits code for vulnerabilities', tags: ['security'] })
  skill('changelog-writer', { description: 'Writes the changelog', tags: ['docs'] })
  // The same word in the name, only in the tags, and only in the description.
  skill('lambda-helper', { description: 'Helps with functions' })
  skill('cloud-functions', { description: 'Serverless deployments made simple', tags: ['lambda'] })
  skill('serverless-notes', { description: 'Notes on lambda cold starts' })
  return dir
}

// ---------------------------------------------------------------------------
// Ranking

test('ranking: exact name first, then prefix and typo matches; name > tags > description', () => {
  const root = tmpdir()
  const { cache } = openDb()
  try {
    cache.registerProject(rankingProject(root))

    // Exact name first (case-insensitive), a longer name that merely starts with it after.
    let res = cache.search('deploy')
    assert.equal(res.items[0].name, 'deploy')
    assert.ok(names(res).includes('deployment-checklist'), names(res).join())
    assert.equal(cache.search('DEPLOY').items[0].name, 'deploy')
    assert.equal(cache.search('Code-Reviewer').items[0].name, 'code-reviewer')
    assert.equal(cache.search('codereviewer').items[0].name, 'code-reviewer', 'the name without separators')
    res = cache.search('reviewer')
    assert.equal(res.items[0].name, 'reviewer', 'the exact name beats a name containing the word')
    assert.ok(names(res).indexOf('code-reviewer') > 0)

    // The last term is matched as a prefix; earlier terms are not.
    res = cache.search('depl')
    assert.deepEqual(names(res).slice(0, 2).sort(), ['deploy', 'deployment-checklist'])
    assert.equal(cache.search('secur').items[0].name, 'security-auditor')
    assert.equal(cache.search('changel').items[0].name, 'changelog-writer')
    res = cache.search('checklist depl')
    assert.equal(res.relaxed, false)
    assert.deepEqual(names(res), ['deployment-checklist'])

    // Typos: none for 1-3 letters, one for 4-7, two for 8 and more.
    assert.equal(cache.search('pfd').total, 0, '3 letters: no typo allowed')
    res = cache.search('reviwer') // 7 letters, one missing
    assert.deepEqual(names(res).slice(0, 2).sort(), ['code-reviewer', 'reviewer'])
    assert.equal(res.relaxed, false)
    assert.equal(cache.search('daplyy').total, 0, '6 letters: two typos are too many')
    assert.equal(cache.search('dpeloy').items[0].name, 'deploy', 'a swap of two letters is one typo')
    assert.equal(cache.search('sacurety').items[0].name, 'security-auditor', '8 letters: two typos allowed')
    assert.equal(cache.search('chengelog').items[0].name, 'changelog-writer')
    assert.equal(cache.search('lambdda').items[0].name, 'lambda-helper')

    // Field boosts: the same word in the name, the tags, the description.
    res = cache.search('lambda')
    assert.deepEqual(names(res), ['lambda-helper', 'cloud-functions', 'serverless-notes'])
    const scores = res.items.map((i) => i.score)
    assert.ok(scores[0] > scores[1] && scores[1] > scores[2], scores.join())

    // Relevance order: scores never increase down the page.
    for (const q of ['code', 'docs', 'review code', 'deploy production']) {
      const s = cache.search(q).items.map((i) => i.score)
      for (let i = 1; i < s.length; i++) assert.ok(s[i - 1] >= s[i], `${q}: ${s.join()}`)
    }

    // Every term must match; when none has them all, any term, flagged relaxed.
    res = cache.search('pdf files')
    assert.deepEqual(names(res), ['pdf-tools'])
    assert.equal(res.relaxed, false)
    res = cache.search('pdf qqqzzzx')
    assert.equal(res.relaxed, true)
    assert.ok(names(res).includes('pdf-tools'))
    res = cache.search('qqqzzzx')
    assert.equal(res.total, 0)
    assert.equal(res.relaxed, false)

    // Items are full artifacts with kind and score.
    const hit = cache.search('pdf tools').items[0]
    assert.equal(hit.kind, 'artifact')
    assert.equal(typeof hit.score, 'number')
    assert.deepEqual(plain(hit), json(cache.getArtifact(hit.id)))
    assert.equal(typeof cache.search('pdf').tookMs, 'number')
  } finally {
    cache.close()
  }
})

// ---------------------------------------------------------------------------
// Filters, sort, paging (listArtifacts is the oracle)

/** A local marketplace server; `routes[path] = (req, res)`. */
async function server() {
  const routes = {}
  const server_ = await listen((req, res) => {
    const route = routes[new URL(req.url, 'http://x').pathname]
    if (!route) {
      res.writeHead(404)
      return res.end()
    }
    route(req, res)
  })
  const { base, close } = server_
  return { routes, base, close }
}

const serveJson = (body) => (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function assertSorted(values, dir, what) {
  for (let i = 1; i < values.length; i++) {
    const ok = dir === 'asc' ? values[i - 1] <= values[i] : values[i - 1] >= values[i]
    assert.ok(ok, `${what}: ${JSON.stringify(values[i - 1])} then ${JSON.stringify(values[i])} (${dir})`)
  }
}

test('every filter, sort and page agrees with listArtifacts over a generated tree', async () => {
  const work = tmpdir()
  const fx = generate({ out: work, projects: 3, artifacts: 30, malformedRate: 0, seed: 11 })
  const s = await server()
  const { cache } = openDb({ home: fx.home, projectRoots: [fx.projectsDir], discoveryDepth: 1, allowHttpHosts: ['127.0.0.1'], marketplaceSources: [{ name: 'main', url: `${s.base}/m.json` }] })
  try {
    await cache.refresh()
    const arts = cache.listArtifacts({ limit: 10000 }).items
    assert.equal(arts.length, 90)

    // Make some artifacts outdated: the listing has newer versions of three deployed names.
    const deployed = [...new Set(arts.filter((a) => a.deployedVersion && a.status === 'ok').map((a) => a.name))].slice(0, 3)
    assert.equal(deployed.length, 3)
    s.routes['/m.json'] = serveJson({
      name: 'm',
      owner: { name: 'o' },
      plugins: [
        ...deployed.map((n) => ({ name: n, source: `./${n}`, description: `Listed ${n}`, version: '99.0.0' })),
        { name: 'zz-listed-only', source: './z', description: 'Only in the marketplace', version: '1.0.0', tags: ['market'] },
      ],
    })
    await cache.refreshMarketplace()
    const outdated = cache.listArtifacts({ outdated: true, limit: 10000 }).items
    assert.ok(outdated.length >= 3)
    const entries = cache.marketplaceEntries({ limit: 10000 }).items
    assert.equal(entries.length, 4)

    // No filter: everything, artifacts and entries.
    assert.equal(all(cache, '').total, 94)
    assert.equal(all(cache, '', { kind: 'artifact' }).total, 90)
    assert.equal(all(cache, '', { kind: 'entry' }).total, 4)
    assert.ok(all(cache, '', { kind: 'entry' }).items.every((i) => i.kind === 'entry'))

    // Blank query + a filter lists by name, ascending; totals match the oracle.
    for (const type of ['skill', 'command', 'agent', 'hook', 'mcp']) {
      const res = all(cache, '', { type })
      const want = arts.filter((a) => a.type === type)
      assert.equal(res.total, want.length, type)
      assert.deepEqual(names(res), want.map((a) => a.name).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)), type)
      assert.ok(res.items.every((i) => i.type === type && i.kind === 'artifact'))
    }
    assert.equal(all(cache, '', { type: 'plugin' }).total, 4)
    for (const p of cache.listProjects().items) {
      const res = all(cache, '', { projectId: p.id })
      assert.equal(res.total, p.artifactCount)
      assert.ok(res.items.every((i) => i.projectId === p.id && i.projectName === p.name))
    }
    const tagged = arts.find((a) => a.tags.length >= 2)
    for (const tags of [[tagged.tags[0]], tagged.tags.slice(0, 2), [tagged.tags[0].toUpperCase()]]) {
      const want = arts.filter((a) => tags.every((t) => a.tags.map((x) => x.toLowerCase()).includes(t.toLowerCase())))
      const res = all(cache, '', { tags, kind: 'artifact' })
      assert.equal(res.total, want.length, tags.join())
      assert.deepEqual(ids(res).sort(), want.map((a) => `artifact:${a.id}`).sort())
    }
    assert.deepEqual(names(all(cache, '', { tags: ['market'] })), ['zz-listed-only'])
    const source = arts.find((a) => a.source).source
    const res = all(cache, '', { source })
    assert.deepEqual(ids(res).sort(), arts.filter((a) => a.source === source).map((a) => `artifact:${a.id}`).sort())
    assert.deepEqual(all(cache, '', { source: 'main' }).items.map((i) => i.kind), ['entry', 'entry', 'entry', 'entry'])
    assert.equal(all(cache, '', { source: 'no/such/source@v1' }).total, 0)
    assert.equal(all(cache, '', { kind: 'artifact', outdated: true }).total, outdated.length)
    assert.deepEqual(
      ids(all(cache, '', { kind: 'artifact', outdated: true })).sort(),
      outdated.map((a) => `artifact:${a.id}`).sort(),
    )
    assert.equal(all(cache, '', { kind: 'artifact', outdated: false }).total, 90 - outdated.length)
    const updates = entries.filter((e) => e.updateAvailable)
    assert.equal(all(cache, '', { kind: 'entry', outdated: true }).total, updates.length)
    assert.ok(all(cache, '', { outdated: true }).items.every((i) => i.isOutdated === true || i.updateAvailable === true))

    // Filters combine with text and with each other.
    const p0 = cache.listProjects({ sortBy: 'name' }).items[0]
    const skillsOfP0 = arts.filter((a) => a.projectId === p0.id && a.type === 'skill')
    assert.equal(all(cache, '', { projectId: p0.id, type: 'skill' }).total, skillsOfP0.length)
    const word = skillsOfP0[0].name.split('-')[0]
    const hits = all(cache, word, { projectId: p0.id, type: 'skill' })
    assert.ok(hits.items.some((i) => i.id === skillsOfP0[0].id))
    assert.ok(hits.items.every((i) => i.projectId === p0.id && i.type === 'skill'))

    // Sorts, both directions, over every document.
    const byName = (o) => all(cache, '', { sortBy: 'name', order: o }).items.map((i) => i.name.toLowerCase())
    assertSorted(byName('asc'), 'asc', 'name asc')
    assertSorted(byName('desc'), 'desc', 'name desc')
    assert.deepEqual(byName('desc'), [...byName('asc')].reverse())

    // Make one artifact clearly the newest, then sort by update time.
    await new Promise((r) => setTimeout(r, 30))
    const target = arts.find((a) => a.type === 'command' && a.status === 'ok')
    fs.appendFileSync(path.join(cache.getProject(target.projectId).path, target.path), '\nEdited for the sort test.\n')
    await cache.refresh({ projectId: target.projectId })
    const newest = cache.getArtifact(target.id)
    assert.ok(newest.updatedAt > target.updatedAt)
    const upd = all(cache, '', { kind: 'artifact', sortBy: 'updated' })
    assert.equal(upd.items[0].id, target.id, 'updated sorts newest first by default')
    assertSorted(upd.items.map((i) => i.updatedAt), 'desc', 'updated desc')
    const updAsc = all(cache, '', { kind: 'artifact', sortBy: 'updated', order: 'asc' })
    assertSorted(updAsc.items.map((i) => i.updatedAt), 'asc', 'updated asc')
    assert.equal(updAsc.items.at(-1).id, target.id)

    // Relevance with text, both directions; sorting text results by name.
    const rel = all(cache, word)
    assertSorted(rel.items.map((i) => i.score), 'desc', 'relevance')
    const relAsc = all(cache, word, { order: 'asc' })
    assert.equal(relAsc.total, rel.total)
    assertSorted(relAsc.items.map((i) => i.score), 'asc', 'relevance asc')
    assertSorted(all(cache, word, { sortBy: 'name' }).items.map((i) => i.name.toLowerCase()), 'asc', 'text by name')

    // Pages: the default limit is 20; pages cover the full list without gaps or repeats.
    const full = all(cache, '', { sortBy: 'name' })
    assert.equal(cache.search('', { sortBy: 'name' }).items.length, 20)
    const seen = []
    for (let offset = 0; offset < full.total; offset += 7) {
      const page = cache.search('', { sortBy: 'name', offset, limit: 7 })
      assert.equal(page.total, full.total)
      seen.push(...ids(page))
    }
    assert.deepEqual(seen, ids(full))
    const past = cache.search('', { offset: full.total + 5, limit: 5 })
    assert.deepEqual(past.items, [])
    assert.equal(past.total, full.total)
    const textPages = [0, 5, 10].flatMap((offset) => ids(cache.search(word, { offset, limit: 5 })))
    assert.deepEqual(textPages, ids(rel).slice(0, 15))
  } finally {
    cache.close()
    await s.close()
  }
})

// ---------------------------------------------------------------------------
// Hostile input

test('any query string is accepted; bad option types throw INVALID_ARGUMENT', () => {
  const root = tmpdir()
  const { cache } = openDb()
  try {
    cache.registerProject(rankingProject(root))
    const hostile = [
      '"',
      "'",
      '"unterminated quote',
      'name:pdf',
      'type:skill AND name:"x"',
      '[1 TO 2]',
      '{a TO b}',
      '(pdf',
      'pdf)',
      'AND',
      'OR',
      'NOT',
      'pdf AND tools',
      'pdf OR',
      'AND OR NOT',
      '*',
      '?',
      'pdf*',
      '*pdf',
      'pdf~2',
      'pdf^10',
      '+pdf -tools',
      '/regex.*/',
      '\\',
      'pdf\\',
      '\u0000',
      'pdf\u0000tools',
      '🔥',
      '🔥 pdf 🚀',
      '👩‍👩‍👧‍👦',
      'x'.repeat(10 * 1024),
      'pdf '.repeat(2600),
      Array.from({ length: 500 }, (_, i) => `w${i}`).join(' '),
      '\u202etools',
      '\ud800',
      'Café naïve 日本語 Ελληνικά',
      "'; DROP TABLE artifacts; --",
      '%_%',
      '   ',
      '\t\n\r',
      '-',
      '::',
      '!!!',
    ]
    for (const q of hostile) {
      let res
      assert.doesNotThrow(() => {
        res = cache.search(q)
      }, `query ${JSON.stringify(q.slice(0, 40))}`)
      assert.ok(Array.isArray(res.items), JSON.stringify(q.slice(0, 40)))
      assert.equal(typeof res.total, 'number')
      assert.equal(typeof res.relaxed, 'boolean')
      assert.equal(typeof res.tookMs, 'number')
      assert.ok(res.items.length <= 20)
      // With filters too.
      assert.doesNotThrow(() => cache.search(q, { kind: 'artifact', type: 'skill', tags: ['docs'], sortBy: 'name', order: 'desc' }))
    }
    // Syntax is plain text: quotes and operators do not stop the words from matching.
    assert.equal(cache.search('"pdf-tools"').items[0].name, 'pdf-tools')
    assert.ok(names(cache.search('pdf AND tools')).includes('pdf-tools'))
    assert.ok(names(cache.search('(pdf')).includes('pdf-tools'))
    assert.ok(names(cache.search('🔥 pdf 🚀')).includes('pdf-tools'))
    // A blank query lists everything by name.
    assert.equal(cache.search('   ').total, cache.listArtifacts().total)
    // The cache is still fine afterwards.
    assert.equal(cache.search('pdf').items[0].name, 'pdf-tools')
    assert.equal(cache.checkIntegrity(), 'ok')

    const bad = [
      { limit: 'ten' },
      { limit: -1 },
      { limit: 1.5 },
      { offset: -1 },
      { offset: 'x' },
      { kind: 'widget' },
      { kind: 1 },
      { type: 5 },
      { projectId: 42 },
      { tags: 'pdf' },
      { tags: [1, 2] },
      { source: true },
      { outdated: 'yes' },
      { sortBy: 'size' },
      { sortBy: 3 },
      { order: 'up' },
      { bogus: 1 }, // unknown options are refused, as in every other query
      { limit: 10001 }, // as every other list: 1 to 10000
    ]
    for (const opts of bad) {
      assert.throws(
        () => cache.search('pdf', opts),
        (e) => e instanceof Error && e.code === 'INVALID_ARGUMENT',
        JSON.stringify(opts),
      )
    }
    assert.equal(cache.search('pdf', { limit: 10000 }).total, cache.search('pdf').total)
    const countOnly = cache.search('pdf', { limit: 0 })
    assert.deepEqual(countOnly.items, [])
    assert.equal(countOnly.total, cache.search('pdf').total)
    assert.equal(cache.search('pdf', undefined).items[0].name, 'pdf-tools')
    assert.equal(cache.search('pdf', {}).items[0].name, 'pdf-tools')
  } finally {
    cache.close()
  }
  assert.throws(() => cache.search('pdf'), (e) => e.code === 'CACHE_CLOSED')
})

// ---------------------------------------------------------------------------
// Keeping up with the database

test('re-scans, unregister, clear and marketplace refreshes are reflected in results', async () => {
  const root = tmpdir()
  const s = await server()
  const listing = (plugins) =>
    serveJson({ name: 'm', owner: { name: 'o' }, plugins: plugins.map((p) => ({ source: `./${p.name}`, ...p })) })
  s.routes['/m.json'] = listing([
    { name: 'pdf-tools', description: 'PDF helpers from the market', version: '9.0.0', tags: ['pdf'] },
    { name: 'spreadsheet-wizard', description: 'Excel and CSV', version: '1.0.0', tags: ['xlsx'] },
  ])
  const { cache, reopen } = openDb({ allowHttpHosts: ['127.0.0.1'], marketplaceSources: [{ name: 'main', url: `${s.base}/m.json` }] })
  try {
    const a = cache.registerProject(rankingProject(root, 'alpha'))
    const b = cache.registerProject(rankingProject(root, 'beta'))
    assert.equal(all(cache, 'reviewer').items.filter((i) => i.name === 'reviewer').length, 2, 'the same name in two projects is two documents')

    // A deleted file disappears from results after the re-scan; an added one appears.
    fs.rmSync(path.join(a.path, '.claude', 'agents', 'security-auditor.md'))
    write(path.join(a.path, '.claude', 'commands', 'rollback-release.md'), md({ description: 'Roll back a bad release' }))
    await cache.refresh({ projectId: a.id })
    assert.deepEqual(all(cache, 'security', { projectId: a.id }).items.filter((i) => i.name === 'security-auditor'), [])
    assert.equal(all(cache, 'security auditor').items.filter((i) => i.name === 'security-auditor').length, 1)
    assert.equal(cache.search('rollback').items[0].name, 'rollback-release')
    // An edited description is searched by its new words.
    write(path.join(a.path, '.claude', 'commands', 'deploy.md'), md({ description: 'Ship containers to kubernetes' }))
    await cache.refresh({ projectId: a.id })
    assert.deepEqual(all(cache, 'kubernetes').items.map((i) => [i.name, i.projectId]), [['deploy', a.id]])

    // Marketplace entries are documents of kind 'entry', with every MarketplaceEntry field.
    await cache.refreshMarketplace()
    let res = all(cache, 'spreadsheet')
    assert.equal(res.items[0].kind, 'entry')
    assert.equal(res.items[0].name, 'spreadsheet-wizard')
    const entry = cache.marketplaceEntries({ query: 'spreadsheet' }).items[0]
    assert.deepEqual(plain(res.items[0]), json(entry))
    res = all(cache, 'pdf tools')
    assert.deepEqual(res.items.map((i) => i.kind).sort(), ['artifact', 'artifact', 'entry'])
    assert.deepEqual(all(cache, 'pdf', { kind: 'entry' }).items.map((i) => [i.name, i.source]), [['pdf-tools', 'main']])
    assert.equal(all(cache, '', { source: 'main' }).total, 2)
    assert.equal(all(cache, '', { type: 'plugin' }).total, 2)
    assert.equal(all(cache, '', { tags: ['xlsx'] }).items[0].name, 'spreadsheet-wizard')
    const pdfEntry = all(cache, 'pdf', { kind: 'entry' }).items[0]
    assert.equal(pdfEntry.source, 'main')
    assert.equal(typeof pdfEntry.raw, 'string')
    assert.equal(typeof pdfEntry.stale, 'boolean')

    // A listing that drops an entry drops its document.
    s.routes['/m.json'] = listing([{ name: 'pdf-tools', description: 'PDF helpers from the market', version: '9.0.0', tags: ['pdf'] }])
    await cache.refreshMarketplace({ force: true })
    assert.equal(all(cache, 'spreadsheet').total, 0)
    assert.equal(all(cache, '', { kind: 'entry' }).total, 1)

    // Unregister removes the project's documents, and only those.
    const bCount = all(cache, '', { projectId: b.id }).total
    assert.ok(bCount > 0)
    const docsBefore = cache.status().search.docs
    assert.equal(cache.unregisterProject(b.id), true)
    assert.equal(all(cache, '', { projectId: b.id }).total, 0)
    assert.ok(all(cache, 'reviewer').items.every((i) => i.kind === 'entry' || i.projectId === a.id))
    assert.equal(cache.status().search.docs, docsBefore - bCount)

    // clear() empties results; the next refresh brings the registered project back.
    await cache.clear()
    assert.equal(all(cache, '', { kind: 'artifact' }).total, 0)
    assert.equal(all(cache, 'reviewer', { kind: 'artifact' }).total, 0)
    const afterClear = cache.status()
    assert.equal(afterClear.search.docs, afterClear.artifacts + cache.marketplaceEntries().total)
    await cache.refresh()
    assert.equal(all(cache, '', { kind: 'artifact' }).total, cache.listArtifacts().total)
    assert.ok(cache.search('reviewer').total > 0)
  } finally {
    cache.close()
    await s.close()
  }
  // What was indexed is what a fresh open finds.
  const again = reopen()
  try {
    const st = again.status()
    assert.equal(st.search.docs, st.artifacts + again.marketplaceEntries().total)
  } finally {
    again.close()
  }
})

test('status().search reports the index; memory mode searches too', async () => {
  const root = tmpdir()
  const { cache, dbPath } = openDb()
  try {
    cache.registerProject(rankingProject(root))
    const st = cache.status()
    const s = st.search
    assert.equal(s.mode, 'file')
    assert.equal(s.path, `${dbPath}.search`)
    assert.equal(s.docs, st.artifacts + cache.marketplaceEntries().total)
    assert.equal(s.docs, 10)
    assert.ok(s.sizeBytes > 0)
    for (const k of ['lockWaits', 'writeFailures', 'pending']) assert.equal(typeof s[k], 'number', k)
    // The contract says a number; a 64-bit generation may come as a decimal string instead.
    assert.ok(typeof s.generation === 'number' || /^\d+$/.test(s.generation), `generation ${s.generation}`)
    assert.equal(s.writeFailures, 0)
    assert.equal(s.lastError, undefined)
    assert.equal(s.pending, 0, 'nothing left to index after a write returns')
    const gen = s.generation
    await cache.refresh({ force: true })
    write(path.join(root, 'ranking', '.claude', 'commands', 'new-one.md'), md({ description: 'A new command' }))
    await cache.refresh()
    const s2 = cache.status().search
    assert.equal(s2.docs, 11)
    assert.ok(BigInt(s2.generation) >= BigInt(gen))
  } finally {
    cache.close()
  }

  const mem = Cache.open({ path: ':memory:', home: tmpdir() })
  try {
    mem.registerProject(rankingProject(tmpdir()))
    const s = mem.status().search
    assert.equal(s.mode, 'memory')
    assert.equal(s.path, undefined)
    assert.equal(s.docs, 10)
    assert.equal(mem.search('deploy').items[0].name, 'deploy')
  } finally {
    mem.close()
  }
})

// ---------------------------------------------------------------------------
// Several processes

function runWorker(args) {
  const child = fork(WORKER, [JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
  child.stdout.resume()
  let report = null
  let onReady
  const ready = new Promise((resolve) => (onReady = resolve))
  child.on('message', (m) => {
    if (m && m.ready) onReady()
    else report = m
  })
  const done = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      onReady()
      resolve({ code, signal, report, stderr })
    }),
  )
  return { child, ready, done }
}

test('two processes registering and refreshing different projects at once: a fresh open finds every document', async () => {
  const work = tmpdir()
  const fxA = generate({ out: path.join(work, 'a'), projects: 3, artifacts: 40, malformedRate: 0.02, seed: 21 })
  const fxB = generate({ out: path.join(work, 'b'), projects: 3, artifacts: 40, malformedRate: 0.02, seed: 22 })
  const { cache, home, dbPath, reopen } = openDb()
  cache.close() // the database and index exist; the children do the writing
  const workers = [
    runWorker({ home, path: dbPath, projects: fxA.projectPaths, rounds: 3 }),
    runWorker({ home, path: dbPath, projects: fxB.projectPaths, rounds: 3 }),
  ]
  // Both children are open before either writes.
  await Promise.all(workers.map((w) => w.ready))
  for (const w of workers) w.child.send('go')
  const results = await Promise.all(workers.map((w) => w.done))
  for (const r of results) {
    assert.equal(r.code, 0, `${JSON.stringify(r.report)}\n${r.stderr}`)
    assert.equal(r.report.ok, true, JSON.stringify(r.report))
    assert.equal(r.report.search.writeFailures, 0, JSON.stringify(r.report.search))
  }
  const expected = fxA.expected.artifacts + fxB.expected.artifacts
  const c = reopen()
  try {
    assert.equal(c.checkIntegrity(), 'ok')
    const st = c.status()
    assert.equal(st.artifacts, expected)
    assert.equal(st.search.docs, expected)
    assert.equal(all(c, '').total, expected)
    for (const r of results) {
      for (const [i, projectId] of r.report.ids.entries()) {
        const p = c.getProject(projectId)
        const res = all(c, '', { projectId })
        assert.equal(res.total, p.artifactCount, p.name)
        assert.equal(r.report.own[i], p.artifactCount, `${p.name} as its writer saw it`)
        const want = c.listArtifacts({ projectId, limit: 10000 }).items.map((a) => a.id).sort()
        assert.deepEqual(res.items.map((x) => x.id).sort(), want)
      }
    }
    // Every artifact is findable by its own name.
    for (const a of c.listArtifacts({ limit: 10000 }).items.filter((_, i) => i % 17 === 0)) {
      assert.ok(all(c, a.name).items.some((x) => x.id === a.id), a.name)
    }
  } finally {
    c.close()
  }
})

// ---------------------------------------------------------------------------
// The index on disk (last in this file: a crash while opening a damaged index would end the
// file's process and hide the results of the tests after it)

/**
 * Searches whose results must survive losing the index. Relevance-ranked ones ask for every hit,
 * so that they can also be compared as sets (see below).
 */
function snapshot(cache, word) {
  const queries = [
    ['', {}],
    ['', { sortBy: 'name', order: 'desc', limit: 50 }],
    ['', { kind: 'artifact', type: 'agent', limit: 10000 }],
    ['', { sortBy: 'updated', limit: 100 }],
    [word, { sortBy: 'name', limit: 10000 }],
    [word, { limit: 10000 }],
    [word.slice(0, 4), { limit: 10000 }],
    [`${word}x`, { limit: 10000 }],
    ['review code', { limit: 10000 }],
  ]
  return queries.map(([q, o]) => {
    const r = cache.search(q, o)
    return { q, o, total: r.total, relaxed: r.relaxed, items: r.items.map((i) => `${i.kind}:${i.id}:${i.name}`) }
  })
}

/**
 * The same documents, pages and order, except that relevance-ranked results are compared as
 * sets: an index written incrementally keeps deleted documents in its statistics until segments
 * merge, so its BM25 scores (and the order of near ties) may differ slightly from a fresh
 * rebuild's. Two rebuilds of the same data are compared exactly.
 */
function assertSameResults(actual, expected, what) {
  assert.equal(actual.length, expected.length)
  for (const [i, e] of expected.entries()) {
    const a = actual[i]
    const label = `${what}: search(${JSON.stringify(e.q)}, ${JSON.stringify(e.o)})`
    assert.equal(a.total, e.total, label)
    assert.equal(a.relaxed, e.relaxed, label)
    const ranked = e.q.trim() !== '' && !e.o.sortBy
    if (ranked) assert.deepEqual([...a.items].sort(), [...e.items].sort(), label)
    else assert.deepEqual(a.items, e.items, label)
  }
}

function segmentFiles(dir) {
  return fs.readdirSync(dir).filter((f) => /\.(idx|pos|term|store|fast|fieldnorm|doc)$/.test(f))
}

test('a deleted or damaged index folder is rebuilt at open with identical results', async () => {
  const work = tmpdir()
  const fx = generate({ out: work, projects: 4, artifacts: 40, malformedRate: 0.02, seed: 5 })
  const { cache, dbPath, reopen } = openDb({ projectRoots: [fx.projectsDir], discoveryDepth: 1 })
  const indexDir = `${dbPath}.search`
  let incremental
  let word
  try {
    await cache.refresh()
    // A second pass re-indexes one project, as a day of use would.
    const p = cache.listProjects().items[0]
    write(path.join(p.path, '.claude', 'commands', 'added-later.md'), md({ description: 'Added after the first scan' }))
    await cache.refresh()
    assert.ok(fs.statSync(indexDir).isDirectory(), 'the index lives in <db>.search/')
    word = cache.listArtifacts({ type: 'agent', limit: 1 }).items[0].name.split('-')[0]
    incremental = snapshot(cache, word)
    assert.equal(incremental[0].total, cache.status().artifacts)
    assert.ok(incremental[0].total > 100)
  } finally {
    cache.close()
  }
  const docs = incremental[0].total

  const damages = [
    ['folder deleted', () => fs.rmSync(indexDir, { recursive: true, force: true })],
    ['meta.json garbage', () => fs.writeFileSync(path.join(indexDir, 'meta.json'), '{"this is": not json at all')],
    ['meta.json empty', () => fs.writeFileSync(path.join(indexDir, 'meta.json'), '')],
    [
      'segment files truncated',
      () => {
        const files = segmentFiles(indexDir)
        assert.ok(files.length > 0, fs.readdirSync(indexDir).join())
        for (const f of files) fs.truncateSync(path.join(indexDir, f), 7)
      },
    ],
    [
      'segment files deleted',
      () => {
        for (const f of segmentFiles(indexDir)) fs.rmSync(path.join(indexDir, f))
      },
    ],
    [
      'folder replaced by a file',
      () => {
        fs.rmSync(indexDir, { recursive: true, force: true })
        fs.writeFileSync(indexDir, 'not a folder')
      },
    ],
  ]
  let rebuilt = null
  for (const [what, damage] of damages) {
    damage()
    const t0 = Date.now()
    let c
    assert.doesNotThrow(() => {
      c = reopen()
    }, what)
    try {
      const s = c.status().search
      assert.equal(s.docs, docs, `${what}: ${JSON.stringify(s)}`)
      if (what !== 'folder replaced by a file') {
        // (A file where the folder should be may be moved aside, or the index kept in memory.)
        assert.equal(s.mode, 'file', `${what}: ${JSON.stringify(s)}`)
        assert.ok(s.lastRebuildAt >= t0 - 1000, `${what}: lastRebuildAt ${s.lastRebuildAt}`)
        assert.equal(typeof s.lastRebuildMs, 'number')
      }
      const now = snapshot(c, word)
      assertSameResults(now, incremental, what)
      if (rebuilt) assert.deepEqual(now, rebuilt, `${what}: two rebuilds give exactly the same results`)
      else rebuilt = now
    } finally {
      c.close()
    }
  }

  // An intact index is not rebuilt at open.
  fs.rmSync(indexDir, { recursive: true, force: true })
  const c = reopen()
  try {
    const at = c.status().search.lastRebuildAt
    assert.equal(typeof at, 'number')
    c.close()
    const again = reopen()
    try {
      assert.equal(again.status().search.lastRebuildAt, at)
      assert.deepEqual(snapshot(again, word), rebuilt)
    } finally {
      again.close()
    }
  } finally {
    c.close()
  }
})
