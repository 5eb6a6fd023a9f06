'use strict'
// Bounded work, on real temp trees against the built addon: a skill folder linked to a huge tree
// is listed up to the caps (never walked), links into /proc are not followed, a huge project is
// cut at maxProjectFiles with a project error, raised caps let them through, and the database and
// the folders the cache creates are private to their owner.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Cache, configKeys } = require('../index.js')
const { tmpdir, write, md } = require('./helpers.js')

const SKILL = md({ description: 'A skill' })
const codes = (a) => a.problems.map((p) => p.code)

function artifacts(cache, projectId) {
  return cache.listArtifacts({ projectId, limit: 10000 }).items
}

/** A project whose skill `big` holds `n` small files, in folders of 100. */
function bigSkillProject(n) {
  const dir = path.join(tmpdir(), 'proj')
  const skill = path.join(dir, '.claude', 'skills', 'big')
  write(path.join(skill, 'SKILL.md'), SKILL)
  for (let i = 0; i < n; i++) write(path.join(skill, `d${Math.floor(i / 100)}`, `f${i}.txt`), 'x')
  return dir
}

test('a skill folder linked to a huge tree is listed up to the cap, with ARTIFACT_TOO_LARGE', (t) => {
  const dir = path.join(tmpdir(), 'proj')
  const skills = path.join(dir, '.claude', 'skills')
  fs.mkdirSync(skills, { recursive: true })
  // /usr/share where there is one (tens of thousands of files); else a generated tree as big as the cap allows to see.
  let target = '/usr/share'
  if (!fs.existsSync(target)) target = path.join(bigSkillProject(3000), '.claude', 'skills', 'big')
  fs.symlinkSync(target, path.join(skills, 'share'))
  const cache = Cache.open({ path: ':memory:' })
  t.after(() => cache.close())
  const p = cache.registerProject(dir)
  const [a] = artifacts(cache, p.id)
  assert.equal(a.name, 'share')
  assert.ok(codes(a).includes('ARTIFACT_TOO_LARGE'), JSON.stringify(a.problems))
  const big = a.problems.find((x) => x.code === 'ARTIFACT_TOO_LARGE')
  assert.equal(big.severity, 'warning')
  assert.match(big.message, /maxArtifactFiles/)
  assert.match(big.message, new RegExp(`link to ${target}`))
  assert.match(big.fix, /SKILLMEAT_CACHE_MAX_ARTIFACT_FILES/)
  assert.match(big.fix, /max_artifact_files/)
  assert.ok(a.fileCount <= 1000, `the walk stopped: ${a.fileCount} files`)
  assert.ok(a.sizeBytes <= 64 * 1024 * 1024)
  assert.equal(a.contentHash, undefined, 'a partial listing is not hashed')
})

test('a generated skill over maxArtifactFiles is cut, and a raised cap lets it through', (t) => {
  const dir = bigSkillProject(1500)
  const cut = Cache.open({ path: ':memory:' })
  t.after(() => cut.close())
  const [a] = artifacts(cut, cut.registerProject(dir).id)
  assert.deepEqual(codes(a), ['ARTIFACT_TOO_LARGE'])
  assert.equal(a.health, 'degraded')
  assert.ok(a.fileCount <= 1000, String(a.fileCount))

  const raised = Cache.open({ path: ':memory:', maxArtifactFiles: 2000 })
  t.after(() => raised.close())
  const [b] = artifacts(raised, raised.registerProject(dir).id)
  assert.deepEqual(b.problems, [])
  assert.equal(b.health, 'ok')
  assert.equal(b.fileCount, 1501)
  assert.match(b.contentHash, /^[0-9a-f]{64}$/)
  assert.equal(raised.status().config.maxArtifactFiles.source, 'option')
})

test('links into /proc are not followed: reported on the artifact or the project, never read', { skip: !fs.existsSync('/proc/self') }, (t) => {
  const dir = path.join(tmpdir(), 'proj')
  const skills = path.join(dir, '.claude', 'skills')
  write(path.join(skills, 'env', 'SKILL.md'), SKILL)
  fs.symlinkSync('/proc/self/environ', path.join(skills, 'env', 'environ.txt'))
  fs.symlinkSync('/proc/self', path.join(skills, 'proc'))
  fs.symlinkSync('.', path.join(skills, 'loop'))
  const cache = Cache.open({ path: ':memory:' })
  t.after(() => cache.close())
  const p = cache.registerProject(dir)
  const list = artifacts(cache, p.id)
  assert.deepEqual(list.map((a) => a.name), ['env'])
  const [env] = list
  assert.deepEqual(codes(env), ['SYMLINK_NOT_FOLLOWED'])
  assert.equal(env.problems[0].file, '.claude/skills/env/environ.txt')
  assert.match(env.problems[0].message, /\/proc\/\d+\/environ/)
  assert.equal(env.fileCount, 1, 'only SKILL.md')
  const errors = cache.getProject(p.id).errors
  const proc = errors.find((e) => e.file === '.claude/skills/proc')
  assert.ok(proc && /SYMLINK_NOT_FOLLOWED/.test(proc.reason), JSON.stringify(errors))
  const loop = errors.find((e) => e.file === '.claude/skills/loop')
  assert.ok(loop && /loop/.test(loop.reason), JSON.stringify(errors))
  assert.throws(() => cache.registerProject('/proc/self'), (e) => e.code === 'INVALID_ARGUMENT' && /kernel/.test(e.message))
})

test('registerProject on a huge project returns with PROJECT_TOO_LARGE; a raised maxProjectFiles lets it through', (t) => {
  const dir = path.join(tmpdir(), 'proj')
  for (let i = 0; i < 1200; i++) write(path.join(dir, '.claude', 'commands', `c${i}.md`), md({ description: `Command ${i}` }))
  const cut = Cache.open({ path: ':memory:', maxProjectFiles: 500 })
  t.after(() => cut.close())
  const p = cut.registerProject(dir)
  assert.equal(p.status, 'error')
  const big = p.errors.find((e) => /PROJECT_TOO_LARGE/.test(e.reason))
  assert.ok(big, JSON.stringify(p.errors))
  assert.match(big.reason, /more than 500 files and folders/)
  assert.match(big.reason, /maxProjectFiles/)
  assert.match(big.reason, /max_project_files/)
  assert.ok(p.artifactCount <= 500, String(p.artifactCount))

  const raised = Cache.open({ path: ':memory:', maxProjectFiles: 5000 })
  t.after(() => raised.close())
  const q = raised.registerProject(dir)
  assert.equal(q.status, 'active', JSON.stringify(q.errors))
  assert.equal(q.artifactCount, 1200)
})

test('the caps are listed settings with defaults; bad values are refused', (t) => {
  const keys = Object.fromEntries(configKeys().map((k) => [k.key, k]))
  assert.deepEqual(
    ['max_artifact_files', 'max_artifact_bytes', 'max_artifact_depth', 'max_project_files'].map((k) => [keys[k].env, keys[k].defaultValue]),
    [
      ['SKILLMEAT_CACHE_MAX_ARTIFACT_FILES', '1000'],
      ['SKILLMEAT_CACHE_MAX_ARTIFACT_BYTES', '67108864'],
      ['SKILLMEAT_CACHE_MAX_ARTIFACT_DEPTH', '8'],
      ['SKILLMEAT_CACHE_MAX_PROJECT_FILES', '20000'],
    ],
  )
  const cache = Cache.open({ home: tmpdir(), path: ':memory:' })
  t.after(() => cache.close())
  const c = cache.status().config
  assert.deepEqual(
    [c.maxArtifactFiles, c.maxArtifactBytes, c.maxArtifactDepth, c.maxProjectFiles],
    [1000, 67108864, 8, 20000].map((value) => ({ value, source: 'default' })),
  )
  assert.throws(() => Cache.open({ path: ':memory:', maxProjectFiles: 0 }), (e) => e.code === 'INVALID_ARGUMENT' && /maxProjectFiles/.test(e.message))
  assert.throws(() => Cache.open({ path: ':memory:', maxArtifactDepth: 65 }), (e) => e.code === 'INVALID_ARGUMENT')
  assert.throws(() => Cache.open({ path: ':memory:', maxArtifactFiles: -1 }), (e) => e.code === 'INVALID_ARGUMENT')
})

test('the database (with -wal and -shm) is created 0600 and the cache folders 0700', { skip: process.platform === 'win32' }, (t) => {
  const home = tmpdir()
  const cache = Cache.open({ home })
  t.after(() => cache.close())
  cache.registerProject(bigSkillProject(2))
  cache.search('skill')
  const db = cache.status().dbPath
  assert.equal(db, path.join(home, 'cache', 'skillmeat-cache.db'))
  const mode = (p) => fs.statSync(p).mode & 0o777
  for (const f of [db, `${db}-wal`, `${db}-shm`]) assert.equal(mode(f), 0o600, f)
  assert.equal(mode(path.join(home, 'cache')), 0o700)
  assert.equal(mode(`${db}.search`), 0o700)

  // A folder that already exists is not ours to change.
  const shared = path.join(tmpdir(), 'shared')
  fs.mkdirSync(shared, { mode: 0o755 })
  fs.chmodSync(shared, 0o755)
  const other = Cache.open({ home, path: path.join(shared, 'mine.db') })
  t.after(() => other.close())
  assert.equal(mode(shared), 0o755)
  assert.equal(mode(path.join(shared, 'mine.db')), 0o600)
})
