'use strict'
// The addon against real folders, real SQLite files and real child processes.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawn, spawnSync } = require('node:child_process')
const { Cache } = require('../index.js')
const { tmpdir, write, md, sha256, folderHash, makeProject, age } = require('./helpers.js')

const ADDON = path.join(__dirname, '..', 'index.js')

function openIn(home, extra = {}) {
  return Cache.open({ home, ...extra })
}

function byName(page) {
  return Object.fromEntries(page.items.map((a) => [a.name, a]))
}

test('every field is read from the SkillMeat layout', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'shop')
  const c = path.join(dir, '.claude')
  write(path.join(c, '.skillmeat-project.toml'), '[project]\nname = "Shop Front"\ndescription = "The web shop"\n')
  write(path.join(c, 'hooks', 'pre-commit.sh'), '#!/bin/sh\necho hi\n')
  write(path.join(c, 'commands', 'tools', 'deploy.md'), '# Deploy the app\n\nSteps.\n')
  write(path.join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { github: { command: 'gh-mcp', env: { TOKEN: 'secret-value' } } } }))
  const skillHash = folderHash(path.join(c, 'skills', 'pdf-tools'))
  const reviewHash = sha256(fs.readFileSync(path.join(c, 'commands', 'review.md')))
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    `[[deployed]]
artifact_name = "pdf-tools"
artifact_type = "skill"
from_collection = "default"
deployed_at = "2025-11-01T10:00:00"
artifact_path = "skills/pdf-tools"
content_hash = "${skillHash}"
local_modifications = false

[[deployed]]
artifact_name = "review"
artifact_type = "command"
from_collection = "default"
deployed_at = "2025-11-02T10:00:00"
artifact_path = "commands/review.md"
content_hash = "${reviewHash.replace(/^./, reviewHash[0] === '0' ? '1' : '0')}"
local_modifications = false
`,
  )
  write(
    path.join(home, 'collections', 'default', 'collection.toml'),
    '[[artifacts]]\nname = "pdf-tools"\ntype = "skill"\nupstream = "anthropics/skills/pdf"\nversion_spec = "latest"\n',
  )
  write(path.join(home, 'collections', 'default', 'collection.lock'), `["pdf-tools::skill"]\nresolved_sha = "abc1234def"\nresolved_version = "v1.2.0"\ncontent_hash = "${skillHash}"\n`)

  const cache = openIn(home)
  try {
    const p = cache.registerProject(dir)
    assert.equal(p.name, 'Shop Front')
    assert.equal(p.description, 'The web shop')
    assert.equal(p.path, fs.realpathSync(dir))
    assert.equal(p.status, 'active')
    assert.deepEqual(p.profiles, ['.claude'])
    assert.equal(p.origin, 'registered')
    assert.equal(p.artifactCount, 6)
    assert.equal(p.modifiedCount, 1)
    assert.ok(p.scannedAt > 0 && p.registeredAt > 0)

    const arts = byName(cache.listArtifacts({ projectId: p.id }))
    const skill = arts['pdf-tools']
    assert.equal(skill.type, 'skill')
    assert.equal(skill.description, 'Work with PDF files')
    assert.equal(skill.version, '1.2.0')
    assert.deepEqual(skill.tags, ['docs', 'pdf'])
    assert.equal(skill.author, 'Ann')
    assert.equal(skill.license, 'MIT')
    assert.equal(skill.fileCount, 2)
    assert.equal(skill.contentHash, skillHash)
    assert.equal(skill.localModified, false)
    assert.equal(skill.origin, 'collection')
    assert.equal(skill.fromCollection, 'default')
    assert.equal(skill.deployedAt, '2025-11-01T10:00:00')
    assert.equal(skill.source, 'anthropics/skills/pdf')
    assert.equal(skill.versionSpec, 'latest')
    assert.equal(skill.deployedVersion, 'v1.2.0')
    assert.equal(skill.deployedSha, 'abc1234def')
    assert.equal(skill.path, '.claude/skills/pdf-tools')
    assert.equal(skill.projectName, 'Shop Front')
    assert.deepEqual(JSON.parse(skill.metadata), {}, 'surfaced keys are not repeated in metadata')
    assert.deepEqual(JSON.parse(arts.planner.metadata), { model: 'sonnet' })

    assert.equal(arts.review.localModified, true, 'recorded hash differs from the file')
    assert.deepEqual(arts.review.tools, ['Read', 'Grep'])
    assert.equal(arts.planner.displayName, 'team-planner')
    assert.deepEqual(arts.planner.tools, ['Read', 'Write'])
    assert.equal(arts.planner.origin, 'local')
    assert.equal(arts['tools/deploy'].description, 'Deploy the app')
    assert.equal(arts['pre-commit.sh'].type, 'hook')
    assert.equal(arts.github.type, 'mcp')
    assert.ok(!arts.github.metadata.includes('secret-value'), 'MCP env values are redacted')
    for (const a of Object.values(arts)) assert.equal(a.status, 'ok', `${a.name}: ${a.error}`)

    const { ageMs, ...again } = cache.getProject(p.id)
    const { ageMs: firstAge, ...first } = p
    assert.deepEqual(again, first)
    assert.ok(ageMs >= firstAge && ageMs < 60000, 'ageMs counts from the scan')
    assert.equal(cache.getProject('nope'), null)
    const one = cache.getArtifact(skill.id)
    assert.equal(one.name, 'pdf-tools')
    // A page's artifacts are built by their own conversion: the same objects, keys in the same
    // order, as one artifact read alone (fields that hold nothing left out of both).
    for (const a of Object.values(arts)) {
      const alone = cache.getArtifact(a.id)
      assert.deepEqual(a, alone)
      assert.deepEqual(Object.keys(a), Object.keys(alone))
    }
    assert.ok(!('upstreamSha' in skill) && !('error' in skill))
    const outdated = cache.outdatedArtifacts()
    assert.deepEqual(Object.keys(outdated), ['items', 'total', 'offset', 'limit'])
  } finally {
    cache.close()
  }
})

test('re-scan picks up edited, added and deleted files and skips unchanged ones', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'app')
  age(dir)
  const cache = openIn(home, { projectRoots: [root], discoveryDepth: 1 })
  try {
    let s = await cache.refresh()
    assert.equal(s.projectsDiscovered, 1)
    assert.equal(s.artifactsAdded, 3)
    s = await cache.refresh()
    assert.equal(s.artifactsRead, 0, 'nothing re-read when nothing changed')
    assert.equal(s.projectsChanged, 0)

    const c = path.join(dir, '.claude')
    const f = path.join(c, 'commands', 'review.md')
    write(f, md({ description: 'Review it again, carefully' }))
    const later = new Date(Date.now() + 5000)
    fs.utimesSync(f, later, later)
    write(path.join(c, 'agents', 'writer.md'), md({ description: 'Writes docs' }))
    fs.rmSync(path.join(c, 'skills', 'pdf-tools'), { recursive: true })

    s = await cache.refresh()
    assert.equal(s.artifactsAdded, 1)
    assert.equal(s.artifactsUpdated, 1)
    assert.equal(s.artifactsRemoved, 1)
    assert.equal(s.artifactsRead, 2, 'only the edited and the new file were read')
    const arts = byName(cache.listArtifacts())
    assert.deepEqual(Object.keys(arts).sort(), ['planner', 'review', 'writer'])
    assert.equal(arts.review.description, 'Review it again, carefully')

    const forced = await cache.refresh({ force: true })
    assert.equal(forced.artifactsRead, 3)
  } finally {
    cache.close()
  }
})

test('malformed files are reported on their artifact or project and the rest is cached', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'messy')
  const c = path.join(dir, '.claude')
  write(path.join(c, 'commands', 'bad-yaml.md'), '---\nname: x\ndescription: Use when: a: b\n  - [oops\n---\nbody\n')
  write(path.join(c, 'commands', 'binary.md'), Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00]))
  write(path.join(c, 'commands', 'latin1.md'), Buffer.from('---\ndescription: caf\xe9\n---\n', 'latin1'))
  write(path.join(c, 'commands', 'huge.md'), Buffer.alloc(10 * 1024 * 1024, 'a'))
  fs.writeFileSync(Buffer.concat([Buffer.from(path.join(c, 'agents') + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.md')]), md({ description: 'x' }))
  write(path.join(c, '.skillmeat-deployed.toml'), '[[deployed]\nartifact_name = \n')
  write(path.join(c, 'skills', 'no-skill-md', 'notes.txt'), 'hello')

  const cache = openIn(home)
  try {
    const p = cache.registerProject(dir)
    assert.equal(p.status, 'error')
    const files = p.errors.map((e) => e.file)
    assert.ok(files.includes('.claude/.skillmeat-deployed.toml'), JSON.stringify(p.errors))
    assert.ok(p.errors.find((e) => e.file === '.claude/.skillmeat-deployed.toml').line >= 1)
    assert.ok(p.errors.some((e) => /UTF-8/.test(e.reason)), 'non-UTF-8 file name reported')
    const arts = byName(cache.listArtifacts({ projectId: p.id }))
    // Invalid YAML is not a read error: Claude Code loads the command without its frontmatter.
    assert.equal(arts['bad-yaml'].status, 'ok')
    assert.equal(arts['bad-yaml'].health, 'degraded')
    assert.deepEqual(arts['bad-yaml'].problems.map((x) => [x.code, x.severity, x.file]), [['FRONTMATTER_INVALID_YAML', 'warning', '.claude/commands/bad-yaml.md']])
    assert.ok(arts['bad-yaml'].problems[0].line >= 2)
    assert.equal(arts['bad-yaml'].displayName, 'x', 'lenient reading still recovers simple keys')
    assert.match(arts.binary.error, /binary/)
    assert.match(arts.latin1.error, /UTF-8/)
    assert.match(arts.huge.error, /MB/)
    assert.ok(arts.huge.contentHash, 'large files are still hashed')
    assert.match(arts['no-skill-md'].error, /SKILL\.md/)
    for (const ok of ['pdf-tools', 'review', 'planner']) assert.equal(arts[ok].status, 'ok')
    assert.equal(p.errorCount, 4)
    assert.equal(cache.listArtifacts({ status: 'error' }).total, 4)
    // Claude Code cannot load a binary or mis-encoded file, nor a skill folder without SKILL.md;
    // a file too large for this cache to check is a warning.
    assert.equal(cache.listArtifacts({ health: 'broken' }).total, 3)
    assert.deepEqual(arts.huge.problems.map((x) => [x.code, x.severity]), [['NOT_CHECKED', 'warning']])
    assert.equal(cache.listArtifacts({ health: 'degraded' }).total, 2)
  } finally {
    cache.close()
  }
})

test('a corrupt database file is moved aside and rebuilt from disk', async () => {
  const home = tmpdir()
  const root = tmpdir()
  makeProject(root, 'one')
  const dbPath = path.join(home, 'cache', 'skillmeat-cache.db')
  write(dbPath, 'this is not a database at all, just text that happens to be here'.repeat(100))
  const cache = openIn(home, { projectRoots: [root], discoveryDepth: 1 })
  try {
    const st = cache.status()
    assert.equal(st.mode, 'file')
    assert.ok(st.recovered, 'status reports the recovery')
    assert.ok(fs.existsSync(st.recovered.movedTo), 'damaged file kept aside')
    assert.match(path.basename(st.recovered.movedTo), /^skillmeat-cache\.db\.corrupt-\d+$/)
    assert.ok(st.warnings.some((w) => w.code === 'CACHE_CORRUPT'))
    await cache.refresh()
    assert.equal(cache.listProjects().total, 1)
    assert.equal(cache.checkIntegrity(), 'ok')
  } finally {
    cache.close()
  }
  // A truncated real database is caught by the header / quick_check too.
  const c2 = openIn(home)
  c2.close()
  const bytes = fs.readFileSync(dbPath)
  fs.writeFileSync(dbPath, bytes.subarray(0, 4096 + 100))
  for (const side of ['-wal', '-shm']) fs.rmSync(dbPath + side, { force: true })
  const c3 = openIn(home)
  try {
    const st = c3.status()
    assert.equal(st.mode, 'file')
    assert.ok(st.recovered, 'truncated database detected')
  } finally {
    c3.close()
  }
})

test('an unwritable location falls back to an in-memory cache', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'mem')
  const blocker = path.join(home, 'a-file')
  write(blocker, 'x')
  const cache = openIn(home, { path: path.join(blocker, 'sub', 'cache.db') })
  try {
    const st = cache.status()
    assert.equal(st.mode, 'memory')
    assert.ok(st.warnings.some((w) => w.code === 'CACHE_READONLY' && w.message.includes('a-file')))
    const p = cache.registerProject(dir)
    assert.equal(cache.listArtifacts({ projectId: p.id }).total, 3)
  } finally {
    cache.close()
  }
  if (process.getuid && process.getuid() !== 0) {
    const ro = tmpdir()
    fs.chmodSync(ro, 0o555)
    const c2 = openIn(ro)
    assert.equal(c2.status().mode, 'memory')
    c2.close()
  }
})

test('a full disk fails the refresh with CACHE_DISK_FULL and keeps reads working', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const small = makeProject(root, 'small')
  const cache = openIn(home, { maxSizeMb: 1 })
  try {
    const p = cache.registerProject(small)
    const big = path.join(root, 'big')
    const text = 'A long description that fills pages. '.repeat(60)
    for (let i = 0; i < 600; i++) write(path.join(big, '.claude', 'commands', `cmd-${i}.md`), md({ description: `${i} ${text}` }))
    await assert.rejects(
      (async () => {
        cache.registerProject(big)
      })(),
      (e) => e.code === 'CACHE_DISK_FULL',
    )
    const arts = cache.listArtifacts({ projectId: p.id })
    assert.equal(arts.total, 3, 'data cached before is still served')
    await assert.rejects(cache.refresh(), (e) => e.code === 'CACHE_DISK_FULL' && /full/.test(e.message))
    assert.ok(cache.status().warnings.some((w) => w.code === 'CACHE_DISK_FULL'))
    assert.equal(cache.listArtifacts({ projectId: p.id }).total, 3)
    assert.equal(cache.checkIntegrity(), 'ok')
  } finally {
    cache.close()
  }
})

function runChild(script, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) => resolve({ code, out, err }))
  })
}

test('two processes refresh the same database while a third reads', async () => {
  const home = tmpdir()
  const root = tmpdir()
  for (let i = 0; i < 6; i++) {
    const d = makeProject(root, `p${i}`)
    for (let j = 0; j < 30; j++) write(path.join(d, '.claude', 'commands', `c${j}.md`), md({ description: `command ${j}` }))
  }
  const opts = JSON.stringify({ home, projectRoots: [root], discoveryDepth: 1 })
  const writer = `
    const { Cache } = require(${JSON.stringify(ADDON)})
    const c = Cache.open(${opts})
    ;(async () => {
      for (let i = 0; i < 8; i++) await c.refresh({ force: true })
      c.close()
      console.log('ok')
    })().catch((e) => { console.error(e.code, e.message); process.exit(1) })`
  const reader = `
    const { Cache } = require(${JSON.stringify(ADDON)})
    const c = Cache.open(${opts})
    const end = Date.now() + 3000
    let n = 0
    while (Date.now() < end) { c.listProjects(); c.listArtifacts({ limit: 50 }); c.status(); n++ }
    c.close()
    console.log('reads', n)`
  const results = await Promise.all([runChild(writer), runChild(writer), runChild(reader)])
  for (const r of results) assert.equal(r.code, 0, r.err)
  const cache = openIn(home)
  try {
    assert.equal(cache.checkIntegrity(), 'ok')
    assert.equal(cache.listProjects().total, 6)
    assert.equal(cache.listArtifacts().total, 6 * 33)
  } finally {
    cache.close()
  }
})

test('closed caches throw CACHE_CLOSED and bad arguments throw INVALID_ARGUMENT', async () => {
  const home = tmpdir()
  const cache = openIn(home)
  const bad = [
    () => cache.listArtifacts({ limit: 0 }),
    () => cache.listArtifacts({ type: 'widget' }),
    () => cache.listArtifacts({ sortBy: 'colour' }),
    () => cache.listArtifacts({ projectid: 'x' }),
    () => cache.listProjects({ status: 'sleeping' }),
    () => cache.listProjects({ order: 'sideways' }),
    () => cache.listProjects({ offset: -1 }),
    () => cache.getProject(42),
    () => cache.registerProject(''),
  ]
  for (const f of bad) {
    assert.throws(f, (e) => e.code === 'INVALID_ARGUMENT' && /`[a-zA-Z.]+`/.test(e.message), String(f))
  }
  assert.throws(() => cache.listArtifacts({ sortBy: 'colour' }), /sortBy/)
  assert.throws(() => cache.registerProject(path.join(home, 'nope')), (e) => e.code === 'NOT_FOUND')
  await assert.rejects(cache.refresh({ projectId: 'unknown' }), (e) => e.code === 'NOT_FOUND')
  assert.throws(() => Cache.open({ home, ttlMinutes: 'soon' }), (e) => e.code === 'INVALID_ARGUMENT' && /ttlMinutes/.test(e.message))
  cache.close()
  cache.close()
  for (const f of [() => cache.status(), () => cache.listProjects(), () => cache.getProject('x'), () => cache.invalidate()]) {
    assert.throws(f, (e) => e.code === 'CACHE_CLOSED')
  }
  await assert.rejects(cache.refresh(), (e) => e.code === 'CACHE_CLOSED')
  await assert.rejects(cache.clear(), (e) => e.code === 'CACHE_CLOSED')
})

test('configuration resolves option > env > config.toml > default and reports sources', () => {
  const home = tmpdir()
  write(path.join(home, 'config.toml'), '[cache]\nttl_minutes = 30\ndiscovery_depth = 5\n')
  const r = spawnSync(
    process.execPath,
    ['-e', `const {Cache}=require(${JSON.stringify(ADDON)}); const c=Cache.open({ home: ${JSON.stringify(home)}, maxSizeMb: 64 }); console.log(JSON.stringify(c.status().config)); c.close()`],
    { env: { ...process.env, SKILLMEAT_CACHE_TTL: '45' }, encoding: 'utf8' },
  )
  assert.equal(r.status, 0, r.stderr)
  const cfg = JSON.parse(r.stdout)
  assert.deepEqual(cfg.ttlMinutes, { value: 45, source: 'env' })
  assert.deepEqual(cfg.discoveryDepth, { value: 5, source: 'file' })
  assert.deepEqual(cfg.maxSizeMb, { value: 64, source: 'option' })
  assert.deepEqual(cfg.busyTimeoutMs, { value: 5000, source: 'default' })
  const off = spawnSync(
    process.execPath,
    ['-e', `const {Cache}=require(${JSON.stringify(ADDON)}); const c=Cache.open({ home: ${JSON.stringify(home)} }); console.log(c.status().mode); c.close()`],
    { env: { ...process.env, SKILLMEAT_CACHE_ENABLED: '0' }, encoding: 'utf8' },
  )
  assert.equal(off.stdout.trim(), 'memory')
})

test('invalidate, unregister and clear', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'x')
  const cache = openIn(home)
  try {
    const p = cache.registerProject(dir)
    assert.equal(cache.invalidate(p.id), 1)
    assert.equal(cache.getProject(p.id).status, 'stale')
    assert.equal(cache.listProjects({ status: 'stale' }).total, 1)
    const s = await cache.refresh()
    assert.equal(s.artifactsRead, 3, 'an invalidated project is fully re-read')
    assert.equal(cache.getProject(p.id).status, 'active')
    await cache.clear()
    assert.equal(cache.listArtifacts().total, 0)
    assert.equal(cache.listProjects().total, 0)
    await cache.refresh()
    assert.equal(cache.listArtifacts().total, 3, 'registered folders survive clear() and are rebuilt')
    assert.equal(cache.unregisterProject(p.id), true)
    assert.equal(cache.unregisterProject(p.id), false)
    await cache.refresh()
    assert.equal(cache.listProjects().total, 0)
  } finally {
    cache.close()
  }
})

test('a deleted project folder becomes missing and keeps its last data', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'gone')
  const cache = openIn(home)
  try {
    const p = cache.registerProject(dir)
    fs.rmSync(dir, { recursive: true })
    const s = await cache.refresh()
    assert.equal(s.projectsMissing, 1)
    const q = cache.getProject(p.id)
    assert.equal(q.status, 'missing')
    assert.match(q.error, /no longer exists/)
    assert.equal(cache.listArtifacts({ projectId: p.id }).total, 3)
  } finally {
    cache.close()
  }
})

test('paging never truncates: totals and pages cover every row', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = path.join(root, 'many')
  for (let i = 0; i < 250; i++) write(path.join(dir, '.claude', 'commands', `c${String(i).padStart(3, '0')}.md`), md({ description: `n${i}` }))
  const other = makeProject(root, 'other')
  const cache = openIn(home)
  try {
    cache.registerProject(dir)
    cache.registerProject(other)
    const all = cache.listArtifacts()
    assert.equal(all.total, 253)
    assert.equal(all.items.length, 100)
    const seen = new Set()
    for (let off = 0; off < 253; off += 60) for (const a of cache.listArtifacts({ offset: off, limit: 60 }).items) seen.add(a.id)
    assert.equal(seen.size, 253)
    const desc = cache.listArtifacts({ sortBy: 'name', order: 'desc', limit: 1 })
    assert.equal(desc.items[0].name, 'review')
    assert.equal(desc.total, 253)
    const same = cache.listArtifacts({ type: 'skill' })
    assert.equal(same.total, 1)
  } finally {
    cache.close()
  }
})

test('registerProjects scans many folders at once, as registerProject would, or registers none', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dirs = ['a', 'b', 'c'].map((n) => makeProject(root, n))
  const d = makeProject(root, 'd')
  // Files older than the racy window, so that a refresh finds them unchanged.
  age(root)
  const events = []
  const cache = openIn(home)
  try {
    const unsubscribe = cache.onEvent((e) => events.push(e))
    for (const bad of [[dirs[0], path.join(root, 'nope')], [dirs[0], ''], [dirs[0], 7], 'one path']) {
      assert.throws(() => cache.registerProjects(bad), (e) => ['NOT_FOUND', 'INVALID_ARGUMENT'].includes(e.code) && /nope|paths/.test(e.message))
    }
    assert.equal(cache.listProjects().total, 0, 'a refused batch registers nothing')
    assert.deepEqual(cache.registerProjects([]), [])

    const projects = cache.registerProjects([...dirs, dirs[1]])
    assert.deepEqual(projects.map((p) => p.name), ['a', 'b', 'c'])
    const one = cache.registerProject(d)
    for (const p of projects) {
      assert.equal(p.origin, 'registered')
      assert.equal(p.artifactCount, one.artifactCount)
      assert.deepEqual(
        cache.listArtifacts({ projectId: p.id }).items.map((a) => a.name),
        cache.listArtifacts({ projectId: one.id }).items.map((a) => a.name),
      )
    }
    // The index write of registrations is deferred; status() and searches write it before they
    // answer from the index (or the deferred write has happened meanwhile).
    const waited = Date.now()
    while (cache.status().search.pending > 0 && Date.now() - waited < 5000) await new Promise((r) => setTimeout(r, 50))
    assert.equal(cache.status().search.pending, 0, 'the deferred index write happened')
    assert.equal(cache.status().search.docs, cache.status().artifacts)
    // Searches see registered artifacts at once, though the index commit is deferred.
    cache.registerProject(d)
    const hits = cache.search('pdf', { limit: 50 })
    assert.equal(new Set(hits.items.filter((h) => h.kind === 'artifact').map((h) => h.projectId)).size, 4)
    assert.equal(cache.status().search.pending, 0)
    // Events reach JavaScript through the event loop.
    const changed = () => events.filter((e) => e.type === 'changesDetected').map((e) => e.projectId)
    for (let i = 0; i < 100 && changed().length < 4; i++) await new Promise((r) => setTimeout(r, 20))
    assert.deepEqual(new Set(changed()), new Set([...projects, one].map((p) => p.id)))
    unsubscribe()

    // A second registration of the same folders re-reads them and changes nothing.
    const again = cache.registerProjects(dirs)
    assert.deepEqual(again.map((p) => p.id), projects.map((p) => p.id))
    const refreshed = await cache.refresh()
    assert.equal(refreshed.artifactsRead, 0)
  } finally {
    cache.close()
  }
})

test('a script that opens, refreshes and closes a cache exits at once', () => {
  const home = tmpdir()
  const root = tmpdir()
  makeProject(root, 'quick')
  const script = `
    const { Cache } = require(${JSON.stringify(ADDON)})
    const c = Cache.open({ home: ${JSON.stringify(home)}, projectRoots: [${JSON.stringify(root)}] })
    c.refresh().then((s) => { c.close(); console.log('done', s.projectsScanned) })`
  const t0 = Date.now()
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /done 1/)
  assert.ok(Date.now() - t0 < 15000)
  // Without close(), the process must still exit once its work is done.
  const r2 = spawnSync(process.execPath, ['-e', script.replace('c.close();', '')], { encoding: 'utf8', timeout: 20000 })
  assert.equal(r2.status, 0, r2.stderr)
})

test('a deployment entry belongs to the file at its artifact_path, not to a namesake', () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = path.join(root, 'a')
  const c = path.join(dir, '.claude')
  write(path.join(c, 'commands', 'git', 'review-pr.md'), md({ name: 'review-pr' }))
  write(path.join(c, 'commands', 'review-pr.md'), md({ name: 'review-pr' }, 'other\n'))
  const h = sha256(fs.readFileSync(path.join(c, 'commands', 'git', 'review-pr.md')))
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    `[[deployed]]\nartifact_name = "review-pr"\nartifact_type = "command"\nfrom_collection = "default"\ndeployed_at = "2025-01-01T00:00:00Z"\nartifact_path = "commands/git/review-pr.md"\ncontent_hash = "${h}"\n`,
  )
  const cache = openIn(home)
  try {
    const p = cache.registerProject(dir)
    const arts = byName(cache.listArtifacts({ projectId: p.id }))
    assert.equal(arts['git/review-pr'].origin, 'collection')
    assert.equal(arts['git/review-pr'].localModified, false)
    assert.equal(arts['review-pr'].origin, 'local')
    assert.equal(arts['review-pr'].localModified, false)
  } finally {
    cache.close()
  }
})

test('a really full disk (tiny tmpfs): refresh fails with CACHE_DISK_FULL, reads and reopen keep working', async (t) => {
  const mnt = tmpdir('smc-tmpfs-')
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], { encoding: 'utf8' })
  if (m.status !== 0) {
    t.skip(`cannot mount a tmpfs here (${(m.stderr || '').trim()}); the maxSizeMb test covers SQLITE_FULL`)
    return
  }
  try {
    const home = path.join(mnt, 'home')
    const root = tmpdir()
    const small = makeProject(root, 'small')
    let cache = openIn(home)
    const p = cache.registerProject(small)
    const big = path.join(root, 'big')
    const text = 'A long description that fills pages. '.repeat(60)
    for (let i = 0; i < 20; i++) write(path.join(big, '.claude', 'commands', `cmd-${i}.md`), md({ description: `${i} ${text}` }))
    const b = cache.registerProject(big)
    // Fill the file system to the last byte.
    const fd = fs.openSync(path.join(mnt, 'filler'), 'w')
    const chunk = Buffer.alloc(64 * 1024, 1)
    try {
      for (;;) fs.writeSync(fd, chunk)
    } catch (e) {
      assert.equal(e.code, 'ENOSPC')
    }
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(512, 1))
    } catch {}
    fs.closeSync(fd)
    for (let i = 20; i < 900; i++) write(path.join(big, '.claude', 'commands', `cmd-${i}.md`), md({ description: `${i} ${text}` }))
    await assert.rejects(cache.refresh(), (e) => e.code === 'CACHE_DISK_FULL')
    assert.equal(cache.listArtifacts({ projectId: p.id }).total, 3)
    assert.equal(cache.listArtifacts({ projectId: b.id }).total, 20, 'the big project keeps its last good rows')
    assert.ok(cache.status().warnings.some((w) => w.code === 'CACHE_DISK_FULL'))
    cache.close()
    cache = openIn(home)
    try {
      const st = cache.status()
      assert.equal(st.mode, 'file', 'a full disk does not throw the cached data away')
      assert.equal(cache.listArtifacts({ projectId: p.id }).total, 3)
      assert.equal(cache.checkIntegrity(), 'ok')
    } finally {
      cache.close()
    }
  } finally {
    spawnSync('umount', ['-l', mnt])
  }
})

test('a deployment that records its own origin (github, marketplace) lists and filters by it', () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'origins')
  write(
    path.join(dir, '.claude', '.skillmeat-deployed.toml'),
    `[[deployed]]
artifact_name = "review"
artifact_type = "command"
origin = "github"
deployed_at = "2025-11-02T10:00:00"
artifact_path = "commands/review.md"

[[deployed]]
artifact_name = "planner"
artifact_type = "agent"
origin = "marketplace"
artifact_path = "agents/planner.md"
`,
  )
  const cache = openIn(home)
  try {
    const p = cache.registerProject(dir)
    const arts = byName(cache.listArtifacts({ projectId: p.id }))
    assert.equal(arts.review.origin, 'github')
    assert.equal(arts.planner.origin, 'marketplace')
    assert.deepEqual(cache.listArtifacts({ origin: 'github' }).items.map((a) => a.name), ['review'])
    assert.ok(cache.search('review').items.some((h) => h.name === 'review'))
  } finally {
    cache.close()
  }
})
