'use strict'
// checkUpstream() end to end: a GitHub-shaped API on 127.0.0.1 (releases, tags, commits with
// ETags), deployed artifacts with source specs, and what the cache keeps through failures.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Cache } = require('../index.js')
const { tmpdir, write, md, listen, gitTreeId } = require('./helpers.js')

/** A GitHub-like API: `repos[owner/repo] = { releases, tags, commits: {path: sha} }`. */
async function github(repos) {
  const log = []
  const state = { fail: null, token: null }
  const server_ = await listen((req, res) => {
    const url = new URL(req.url, 'http://x')
    log.push({ path: url.pathname, query: url.search, auth: req.headers.authorization, inm: req.headers['if-none-match'] })
    const m = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/(releases|releases\/latest|tags|commits|git\/trees\/.+)$/)
    const repo = m && repos[`${m[1]}/${m[2]}`]
    if (state.fail) return state.fail(req, res, url)
    // `latestOnly` repositories answer only /releases/latest, like some GitHub-compatible servers.
    const offered = repo && (m[3] === 'releases/latest' ? repo.latestOnly : m[3] !== 'releases' || !repo.latestOnly)
    if (!repo || !offered) {
      res.writeHead(404, { 'content-type': 'application/json' })
      return res.end('{"message":"Not Found"}')
    }
    let body
    if (m[3].startsWith('git/trees/')) {
      // `trees[ref] = { path: [type, sha] }`, listed recursively as GitHub does.
      const ref = decodeURIComponent(m[3].slice('git/trees/'.length))
      const tree = (repo.trees || {})[ref]
      if (!tree || url.searchParams.get('recursive') !== '1') {
        res.writeHead(404, { 'content-type': 'application/json' })
        return res.end('{"message":"Not Found"}')
      }
      body = {
        sha: 'e'.repeat(40),
        truncated: false,
        tree: Object.entries(tree).map(([p, [type, sha]]) => ({ path: p, mode: type === 'tree' ? '040000' : '100644', type, sha })),
      }
    } else if (m[3] === 'releases/latest') {
      const r = repo.releases.find((x) => !x.pre)
      body = { tag_name: r.tag, prerelease: false, draft: false }
    } else if (m[3] === 'releases') {
      body = (repo.releases || []).map((r) => ({ tag_name: r.tag, prerelease: !!r.pre, draft: false, name: r.tag, body: 'notes '.repeat(50) }))
    } else if (m[3] === 'tags') {
      body = (repo.tags || []).map((t) => ({ name: t, commit: { sha: 'f'.repeat(40) } }))
    } else {
      const p = url.searchParams.get('path') || ''
      const sha = (repo.commits || {})[p]
      body = sha ? [{ sha, commit: { message: 'change' } }] : []
    }
    const text = JSON.stringify(body)
    const etag = `"${Buffer.from(text).toString('base64').slice(0, 16)}-${text.length}"`
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'x-ratelimit-remaining': '4999' })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'application/json', etag, 'x-ratelimit-remaining': '4999' })
    res.end(text)
  })
  const { srv, base, close } = server_
  return { srv, log, state, base, close }
}

const REPOS = () => ({
  'acme/tools': {
    releases: [{ tag: 'v1.3.0-beta.1', pre: true }, { tag: 'v1.2.0' }],
    tags: ['v1.1.0', 'v1.0.0', 'v0.9.0'],
    commits: { 'agents/pinned.md': 'def5678def5678def5678def5678def5678def56', 'agents/tracked.md': 'abc1234abc1234abc1234abc1234abc1234abc12' },
  },
  'acme/beta': { releases: [{ tag: '1.3.0' }, { tag: '1.3.0-beta.1', pre: true }] },
})

/** A project whose deployments name upstream sources. */
function project(root, name) {
  const dir = path.join(root, name)
  const c = path.join(dir, '.claude')
  const arts = {
    'skills/pdf/SKILL.md': md({ name: 'pdf', description: 'PDF helpers' }),
    'commands/beta.md': md({ description: 'Beta command' }),
    'commands/tagged.md': md({ description: 'Tagged command' }),
    'agents/pinned.md': md({ description: 'Pinned agent' }),
    'agents/tracked.md': md({ description: 'Tracks main' }),
    'commands/local.md': md({ description: 'No upstream' }),
  }
  for (const [rel, content] of Object.entries(arts)) write(path.join(c, rel), content)
  const entry = (name, type, p, extra) =>
    `[[deployed]]\nartifact_name = "${name}"\nartifact_type = "${type}"\nartifact_path = "${p}"\nfrom_collection = "default"\n${extra}\n`
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    [
      entry('pdf', 'skill', 'skills/pdf', 'source = "acme/tools/skills/pdf"\nversion_spec = "latest"\nversion = "1.2.0"'),
      entry('beta', 'command', 'commands/beta.md', 'source = "acme/beta/commands/beta.md@latest"\nversion = "1.3.0-beta.1"'),
      entry('tagged', 'command', 'commands/tagged.md', 'source = "acme/tools/commands/tagged.md@v1.0.0"\nversion = "v1.0.0"'),
      entry('pinned', 'agent', 'agents/pinned.md', 'source = "acme/tools/agents/pinned.md@abc1234"\nresolved_sha = "abc1234"'),
      entry('tracked', 'agent', 'agents/tracked.md', 'source = "acme/tools/agents/tracked.md@main"\nresolved_sha = "abc1234abc1234abc1234abc1234abc1234abc12"'),
    ].join('\n'),
  )
  return dir
}

function open(home, base, extra = {}) {
  return Cache.open({ home, path: path.join(home, 'cache.db'), githubApiUrl: base, allowHttpHosts: ['127.0.0.1'], httpTimeoutMs: 2000, ...extra })
}

function byName(page) {
  return Object.fromEntries(page.items.map((a) => [a.name, a]))
}

test('one request per repository and endpoint; versions, tags and commits resolved; pre-releases follow the deployment', async () => {
  const gh = await github(REPOS())
  const root = tmpdir()
  const home = tmpdir()
  const cache = open(home, gh.base)
  try {
    const a = cache.registerProject(project(root, 'alpha'))
    cache.registerProject(project(root, 'beta-project'))
    const s = await cache.checkUpstream()
    // acme/tools: releases + tags + 2 commit paths + the tree at v1.2.0 (pdf's version matches,
    // so its files are compared); acme/beta: releases. Two projects add nothing.
    assert.equal(s.requests, 6, JSON.stringify(gh.log))
    assert.deepEqual(gh.log.filter((l) => l.path.includes('/git/trees/')).map((l) => l.path), ['/repos/acme/tools/git/trees/v1.2.0'])
    assert.equal(s.repositories, 2)
    assert.equal(s.artifacts, 10)
    assert.deepEqual(s.errors, [])
    assert.equal(s.rateLimited, false)
    assert.ok(gh.log.every((l) => l.auth === undefined), 'no token configured, none sent')

    const arts = byName(cache.listArtifacts({ projectId: a.id }))
    // Stable deployed, newer upstream only a pre-release: not outdated.
    assert.equal(arts.pdf.upstreamVersion, 'v1.2.0')
    assert.equal(arts.pdf.isOutdated, false)
    assert.equal(arts.pdf.upstreamOrigin, 'github')
    // Pre-release deployed, its release is out: outdated, a pre-release difference.
    assert.equal(arts.beta.upstreamVersion, '1.3.0')
    assert.equal(arts.beta.isOutdated, true)
    assert.equal(arts.beta.versionDiff, 'prerelease')
    // A tag spec compares against the highest tag.
    assert.equal(arts.tagged.upstreamVersion, 'v1.1.0')
    assert.equal(arts.tagged.versionDiff, 'minor')
    // SHA-pinned with a newer commit on its path: outdated by a commit.
    assert.equal(arts.pinned.upstreamSha, 'def5678def5678def5678def5678def5678def56')
    assert.equal(arts.pinned.isOutdated, true)
    assert.equal(arts.pinned.versionDiff, 'commit')
    // A branch whose newest commit is the deployed one: up to date.
    assert.equal(arts.tracked.isOutdated, false)
    assert.equal(arts.local.upstreamVersion, undefined)

    const out = cache.outdatedArtifacts({ projectId: a.id, sortBy: 'versionDiff' })
    assert.deepEqual(out.items.map((x) => x.name).sort(), ['beta', 'pinned', 'tagged'])
    assert.equal(cache.getProject(a.id).outdatedCount, 3)
    // The search index follows: outdated is a filter.
    const found = cache.search('', { outdated: true, projectId: a.id, limit: 10 })
    assert.deepEqual(found.items.map((x) => x.name).sort(), ['beta', 'pinned', 'tagged'])

    // Within the TTL nothing is asked; forced, every request is conditional and answered 304.
    const again = await cache.checkUpstream()
    assert.equal(again.requests, 0)
    assert.equal(again.skipped, 2)
    gh.log.length = 0
    const forced = await cache.checkUpstream({ force: true })
    // (The tree at v1.2.0 is absent on this server: a 404 carries no ETag to revalidate.)
    assert.equal(forced.requests, 6)
    assert.equal(forced.notModified, 5)
    assert.ok(gh.log.filter((l) => !l.path.includes('/git/trees/')).every((l) => l.inm), 'every request revalidates with If-None-Match')
    assert.equal(forced.updated, 0)
    assert.deepEqual(byName(cache.listArtifacts({ projectId: a.id })).beta.upstreamVersion, '1.3.0')

    // Only one project.
    const one = await cache.checkUpstream({ projectId: a.id, force: true })
    assert.equal(one.artifacts, 5)
    await assert.rejects(cache.checkUpstream({ projectId: 'nope' }), { code: 'NOT_FOUND' })
    assert.throws(() => cache.checkUpstream({ force: 'yes' }), { code: 'INVALID_ARGUMENT' })
  } finally {
    cache.close()
    await gh.close()
  }
})

test('failures keep the last known upstream and record the error; a rate limit stops the check and shows in status', async () => {
  const gh = await github(REPOS())
  const root = tmpdir()
  const home = tmpdir()
  const cache = open(home, gh.base, { httpTimeoutMs: 500 })
  try {
    const a = cache.registerProject(project(root, 'alpha'))
    await cache.checkUpstream()
    const before = byName(cache.listArtifacts({ projectId: a.id }))

    const cases = {
      500: (req, res) => { res.writeHead(500); res.end('oops') },
      invalidJson: (req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"tag_name": ') },
      oversize: (req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('[' + '"x",'.repeat(2_000_000) + '"x"]') },
      slow: (req, res) => { setTimeout(() => { res.writeHead(200); res.end('[]') }, 1500) },
      redirect: (req, res) => { res.writeHead(302, { location: 'http://example.com/elsewhere' }); res.end() },
    }
    const codes = {}
    for (const [name, fail] of Object.entries(cases)) {
      gh.state.fail = fail
      const s = await (name === 'oversize'
        ? (() => { const c2 = open(home, gh.base, { maxResponseBytes: 100_000 }); return c2.checkUpstream({ force: true }).finally(() => c2.close()) })()
        : cache.checkUpstream({ force: true }))
      codes[name] = [...new Set(s.errors.map((e) => e.code))].join(',')
      const now = byName(cache.listArtifacts({ projectId: a.id }))
      for (const n of ['pdf', 'beta', 'tagged', 'pinned']) {
        assert.equal(now[n].upstreamVersion, before[n].upstreamVersion, `${name}: ${n} keeps its upstream version`)
        assert.equal(now[n].upstreamSha, before[n].upstreamSha, `${name}: ${n} keeps its upstream commit`)
        assert.equal(now[n].isOutdated, before[n].isOutdated, `${name}: ${n} keeps its outdated flag`)
        assert.ok(now[n].upstreamError, `${name}: ${n} carries the error`)
      }
    }
    assert.deepEqual(codes, {
      500: 'HTTP_ERROR',
      invalidJson: 'INVALID_RESPONSE',
      oversize: 'RESPONSE_TOO_LARGE',
      slow: 'NETWORK_TIMEOUT',
      redirect: 'INSECURE_URL',
    })

    // Rate limited: 403 with remaining 0 and a reset time.
    const reset = Math.floor(Date.now() / 1000) + 600
    gh.state.fail = (req, res) => {
      res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset), 'content-type': 'application/json' })
      res.end('{"message":"API rate limit exceeded"}')
    }
    gh.log.length = 0
    const limited = await cache.checkUpstream({ force: true })
    assert.equal(limited.rateLimited, true)
    assert.equal(limited.rateLimitResetAt, reset * 1000)
    // Both repositories may be in flight when the first 403 arrives; nothing is sent after it
    // (acme/tools alone needs four requests).
    assert.ok(gh.log.length <= 2, `no request after the limit was hit (${gh.log.length} sent)`)
    assert.ok(limited.errors.every((e) => e.code === 'RATE_LIMITED'))
    const st = cache.status()
    assert.equal(st.upstream.rateLimitedUntil, reset * 1000)
    assert.ok(st.warnings.some((w) => w.code === 'RATE_LIMITED'), JSON.stringify(st.warnings))
    // Until the reset, checks do not even ask.
    gh.log.length = 0
    const still = await cache.checkUpstream({ force: true })
    assert.equal(still.requests, 0)
    assert.equal(gh.log.length, 0)
    assert.equal(still.rateLimited, true)
    const after = byName(cache.listArtifacts({ projectId: a.id }))
    assert.equal(after.beta.upstreamVersion, before.beta.upstreamVersion)
  } finally {
    cache.close()
    await gh.close()
  }
})

test('connection refused and the token: sent as Bearer, never in errors or status', async () => {
  const gh = await github(REPOS())
  const root = tmpdir()
  const home = tmpdir()
  const secret = 'ghp_secretTOKEN1234567890'
  process.env.SKILLMEAT_GITHUB_TOKEN = secret
  const cache = open(home, gh.base)
  try {
    cache.registerProject(project(root, 'alpha'))
    await cache.checkUpstream()
    assert.ok(gh.log.length > 0 && gh.log.every((l) => l.auth === `Bearer ${secret}`))
    await gh.close()
    const s = await cache.checkUpstream({ force: true })
    assert.ok(s.errors.length > 0 && s.errors.every((e) => e.code === 'NETWORK'), JSON.stringify(s.errors))
    const everything = JSON.stringify([s, cache.status(), cache.listArtifacts({ limit: 100 })])
    assert.ok(!everything.includes(secret), 'the token never appears')
  } finally {
    delete process.env.SKILLMEAT_GITHUB_TOKEN
    cache.close()
  }
})

test("the token from SkillMeat's config.toml [settings] github-token: sent as Bearer, never shown", async (t) => {
  const saved = { a: process.env.SKILLMEAT_GITHUB_TOKEN, b: process.env.GITHUB_TOKEN }
  delete process.env.SKILLMEAT_GITHUB_TOKEN
  delete process.env.GITHUB_TOKEN
  t.after(() => {
    if (saved.a !== undefined) process.env.SKILLMEAT_GITHUB_TOKEN = saved.a
    if (saved.b !== undefined) process.env.GITHUB_TOKEN = saved.b
  })
  const gh = await github(REPOS())
  const root = tmpdir()
  const home = tmpdir()
  const secret = 'ghp_fromSkillmeatConfig0987654321'
  write(path.join(home, 'config.toml'), `[settings]\ngithub-token = "${secret}"\n\n[analytics]\nenabled = false\n\n[artifact_search]\nprovider = "local"\n`)
  const cache = open(home, gh.base)
  t.after(() => cache.close())
  cache.registerProject(project(root, 'alpha'))
  await cache.checkUpstream()
  assert.ok(gh.log.length > 0 && gh.log.every((l) => l.auth === `Bearer ${secret}`), 'the file token is sent')
  const st = cache.status()
  assert.equal(st.config.githubToken.source, 'file')
  assert.match(st.config.githubToken.from, /config\.toml \[settings\] github-token$/)
  await gh.close()
  const failed = await cache.checkUpstream({ force: true })
  assert.ok(failed.errors.length > 0)
  const everything = JSON.stringify([failed, cache.status(), cache.listArtifacts({ limit: 100 }), cache.outdatedArtifacts()])
  assert.ok(!everything.includes(secret), 'the token never appears')
  const fs = require('node:fs')
  for (const f of fs.readdirSync(home).filter((f) => f.startsWith('cache.db'))) {
    const file = path.join(home, f)
    if (fs.statSync(file).isFile()) assert.ok(!fs.readFileSync(file).includes(secret), `${f} never holds it`)
  }
})

test('the collection lock is an upstream of its own', async () => {
  const root = tmpdir()
  const home = tmpdir()
  write(path.join(home, 'collections', 'default', 'collection.toml'), '[[artifacts]]\nname = "notes"\ntype = "command"\n')
  write(path.join(home, 'collections', 'default', 'collection.lock'), '["notes::command"]\nresolved_version = "2.1.0"\n')
  const dir = path.join(root, 'p')
  write(path.join(dir, '.claude', 'commands', 'notes.md'), md({ description: 'Notes' }))
  write(
    path.join(dir, '.claude', '.skillmeat-deployed.toml'),
    '[[deployed]]\nartifact_name = "notes"\nartifact_type = "command"\nartifact_path = "commands/notes.md"\nfrom_collection = "default"\nversion = "2.0.3"\n',
  )
  const cache = Cache.open({ home, path: path.join(home, 'cache.db') })
  try {
    const p = cache.registerProject(dir)
    const notes = cache.listArtifacts({ projectId: p.id }).items.find((a) => a.name === 'notes')
    assert.equal(notes.upstreamVersion, '2.1.0')
    assert.equal(notes.upstreamOrigin, 'collection')
    assert.equal(notes.versionDiff, 'minor')
    assert.equal(notes.isOutdated, true)
  } finally {
    cache.close()
  }
})

test('a server offering only /releases/latest is understood', async () => {
  const repos = REPOS()
  repos['acme/beta'].latestOnly = true
  const gh = await github(repos)
  const root = tmpdir()
  const home = tmpdir()
  const cache = open(home, gh.base)
  try {
    const a = cache.registerProject(project(root, 'alpha'))
    const s = await cache.checkUpstream()
    assert.deepEqual(s.errors, [])
    const beta = byName(cache.listArtifacts({ projectId: a.id })).beta
    assert.equal(beta.upstreamVersion, '1.3.0')
    assert.equal(beta.versionDiff, 'prerelease')
    assert.ok(gh.log.some((l) => l.path === '/repos/acme/beta/releases/latest'))
  } finally {
    cache.close()
    await gh.close()
  }
})

test('updates where no version string moved: newest commits without releases or tags, contents by git tree id', async (t) => {
  const root = tmpdir()
  const home = tmpdir()
  const dir = path.join(root, 'plain')
  const c = path.join(dir, '.claude')
  const skill = (name, body) => {
    write(path.join(c, 'skills', name, 'SKILL.md'), md({ name, description: `The ${name} skill`, version: '1.0.0' }, body))
    write(path.join(c, 'skills', name, 'scripts', 'run.sh'), `echo ${name}\n`)
  }
  for (const n of ['notes', 'same', 'drift', 'match', 'tagged', 'edited']) skill(n, `Body of ${n}.\n`)
  const C1 = '1'.repeat(40)
  const C2 = '2'.repeat(40)
  const entry = (name, extra) =>
    `[[deployed]]\nartifact_name = "${name}"\nartifact_type = "skill"\nartifact_path = "skills/${name}"\nfrom_collection = "default"\n${extra}\n`
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    [
      entry('notes', `source = "acme/plain/skills/notes"\nresolved_sha = "${C1}"`),
      entry('same', `source = "acme/plain/skills/same"\nresolved_sha = "${C2.slice(0, 7)}"`),
      entry('drift', 'source = "acme/plain/skills/drift"'),
      entry('match', 'source = "acme/plain/skills/match"'),
      entry('tagged', 'source = "acme/tagged/skills/tagged@latest"\nversion = "1.0.0"'),
    ].join('\n'),
  )
  const gh = await github({
    'acme/plain': {
      releases: [],
      tags: [],
      commits: { 'skills/notes': C2, 'skills/same': C2, 'skills/drift': C2, 'skills/match': C2 },
      trees: {
        HEAD: {
          skills: ['tree', 'a'.repeat(40)],
          'skills/drift': ['tree', 'b'.repeat(40)],
          'skills/match': ['tree', gitTreeId(path.join(c, 'skills', 'match'))],
        },
      },
    },
    'acme/tagged': {
      releases: [],
      tags: ['v1.0.0', 'not-a-version'],
      trees: { 'v1.0.0': { 'skills/tagged': ['tree', 'c'.repeat(40)] } },
    },
  })
  const cache = open(home, gh.base)
  t.after(() => cache.close())
  const p = cache.registerProject(dir)
  const before = Date.now()
  const s = await cache.checkUpstream()
  assert.deepEqual(s.errors, [])
  const arts = byName(cache.listArtifacts({ projectId: p.id, limit: 100 }))
  assert.equal(arts.notes.isOutdated, true, 'latest without versions: the newest commit touching the path differs')
  assert.equal(arts.notes.versionDiff, 'commit')
  assert.equal(arts.notes.upstreamSha, C2)
  assert.equal(arts.same.isOutdated, false, 'an all-digit short SHA is the same commit')
  assert.equal(arts.drift.isOutdated, true, 'no commit deployed: the git tree id of the files differs')
  assert.equal(arts.drift.versionDiff, 'content')
  assert.equal(arts.match.isOutdated, false, 'same git tree id: same files')
  assert.equal(arts.tagged.isOutdated, true, 'same version, different files at that tag')
  assert.equal(arts.tagged.versionDiff, 'content')
  assert.equal(arts.tagged.upstreamVersion, 'v1.0.0')
  for (const a of Object.values(arts).filter((a) => a.name !== 'edited')) {
    assert.ok(a.upstreamCheckedAt >= before && a.upstreamCheckedAt <= Date.now(), `${a.name} carries its check time`)
  }
  const outdated = cache.outdatedArtifacts({ projectId: p.id })
  assert.deepEqual(outdated.items.map((a) => a.name).sort(), ['drift', 'notes', 'tagged'])
  assert.ok(outdated.items.every((a) => typeof a.upstreamCheckedAt === 'number'))
  assert.deepEqual(cache.outdatedArtifacts({ difference: 'content' }).items.map((a) => a.name).sort(), ['drift', 'tagged'])
  // One tree request per repository and ref, however many artifacts use it.
  const trees = gh.log.filter((l) => l.path.includes('/git/trees/'))
  assert.deepEqual(trees.map((l) => l.path).sort(), ['/repos/acme/plain/git/trees/HEAD', '/repos/acme/tagged/git/trees/v1.0.0'])
  const commitReqs = gh.log.filter((l) => l.path === '/repos/acme/plain/commits')
  assert.equal(commitReqs.length, 4, 'one per path')

  // Within the TTL nothing is asked; maxAgeMs revalidates (conditionally, with the stored ETags).
  gh.log.length = 0
  assert.equal((await cache.checkUpstream()).requests, 0)
  const again = await cache.checkUpstream({ maxAgeMs: 0 })
  assert.ok(again.requests > 0)
  assert.equal(again.notModified, again.requests, 'every answer revalidated with 304')
  assert.equal(byName(cache.listArtifacts({ projectId: p.id, limit: 100 })).drift.versionDiff, 'content')
  assert.throws(() => cache.checkUpstream({ maxAgeMs: -1 }), (e) => e.code === 'INVALID_ARGUMENT')

  // outdatedArtifacts({ maxAgeMs }) revalidates first, then lists (a Promise); without it, it is a plain read.
  gh.log.length = 0
  const fresh = cache.outdatedArtifacts({ projectId: p.id, maxAgeMs: 3_600_000 })
  assert.ok(fresh instanceof Promise)
  assert.deepEqual((await fresh).items.map((a) => a.name).sort(), ['drift', 'notes', 'tagged'])
  assert.equal(gh.log.length, 0, 'answers younger than maxAgeMs are not asked again')
  const checkedBefore = byName(cache.listArtifacts({ projectId: p.id, limit: 100 })).notes.upstreamCheckedAt
  await new Promise((r) => setTimeout(r, 5))
  const revalidated = await cache.outdatedArtifacts({ projectId: p.id, maxAgeMs: 0, sortBy: 'versionDiff' })
  assert.ok(gh.log.length > 0 && gh.log.every((l) => l.inm || l.path.includes('/git/trees/')), 'revalidated conditionally')
  assert.equal(revalidated.total, 3)
  assert.ok(revalidated.items.every((a) => a.upstreamCheckedAt > checkedBefore), 'every row carries the new check time')
  assert.ok(!(cache.outdatedArtifacts({ projectId: p.id }) instanceof Promise))
  assert.throws(() => cache.outdatedArtifacts({ maxAgeMs: 0, difference: 'huge' }), (e) => e.code === 'INVALID_ARGUMENT')
  assert.throws(() => cache.outdatedArtifacts({ maxAgeMs: 0, limit: 0 }), (e) => e.code === 'INVALID_ARGUMENT' && /limit/.test(e.message))
})

test('compareVersions: an all-digit short SHA equals its full SHA', () => {
  const { compareVersions } = require('../index.js')
  assert.deepEqual(compareVersions('0123456789abcdef0123456789abcdef01234567', '0123456'), { order: 0, diff: 'none' })
  assert.deepEqual(compareVersions('0123456', '0123456789abcdef0123456789abcdef01234567'), { order: 0, diff: 'none' })
})

test('close() does not wait for a background upstream check whose server never answers', async (t) => {
  // Accepts requests and never answers them (as a network that drops packets would).
  const seen = []
  const gh = await listen((req) => seen.push(req.url))
  t.after(() => gh.close())
  const root = tmpdir()
  const home = tmpdir()
  project(root, 'alpha')
  const cache = open(home, gh.base, { httpTimeoutMs: 60_000, backgroundRefresh: true, projectRoots: [root], discoveryDepth: 1 })
  let closed = false
  t.after(() => closed || cache.close())
  const until = Date.now() + 20_000
  while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
  assert.ok(seen.length > 0, 'the background check asked the upstream API')
  const started = Date.now()
  cache.close()
  closed = true
  const took = Date.now() - started
  assert.ok(took < 3000, `close() took ${took} ms`)
})

test('a background upstream check whose server never answers does not hold up the watcher', async (t) => {
  const seen = []
  const gh = await listen((req) => seen.push(req.url))
  t.after(() => gh.close())
  const root = tmpdir()
  const home = tmpdir()
  const dir = project(root, 'alpha')
  const cache = open(home, gh.base, { httpTimeoutMs: 60_000, backgroundRefresh: true, watch: true, projectRoots: [root], discoveryDepth: 1 })
  t.after(() => cache.close())
  const until = Date.now() + 20_000
  while ((seen.length === 0 || cache.status().background.watcherState !== 'watching') && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.ok(seen.length > 0, 'the background check is waiting on the upstream API')
  // The check is still in flight (its server never answers); a new file shows up anyway.
  write(path.join(dir, '.claude', 'commands', 'added-while-checking.md'), md({ description: 'Added' }))
  const found = () => cache.listArtifacts({ limit: 100 }).items.some((a) => a.name === 'added-while-checking')
  const by = Date.now() + 5_000
  while (!found() && Date.now() < by) await new Promise((r) => setTimeout(r, 50))
  assert.ok(found(), 'the watcher picked up the new file within 5 s while the upstream check hung')
})

test('a checkUpstream() waiting on a server that never answers is rejected with CACHE_CLOSED by close()', async (t) => {
  const seen = []
  const gh = await listen((req) => seen.push(req.url))
  t.after(() => gh.close())
  const root = tmpdir()
  const home = tmpdir()
  const cache = open(home, gh.base, { httpTimeoutMs: 60_000 })
  cache.registerProject(project(root, 'alpha'))
  const settled = cache.checkUpstream({ force: true }).then(
    () => 'resolved',
    (e) => e.code,
  )
  const until = Date.now() + 10_000
  while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  assert.ok(seen.length > 0, 'the check asked the upstream API')
  cache.close()
  const outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r('still pending 5 s after close()'), 5000))])
  assert.equal(outcome, 'CACHE_CLOSED')
})
