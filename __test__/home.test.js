'use strict'
// Real SkillMeat homes: SkillMeat's own database and config file are never changed, our cache has
// a file of its own that persists, and no file in a project can hang a scan.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const Database = require('better-sqlite3')
const { Cache } = require('../index.js')
const { tmpdir, write, md, sha256, makeProject } = require('./helpers.js')

const CLI = path.join(__dirname, '..', 'bin', 'skillmeat-cache')

const SKILLMEAT_CONFIG = `[settings]
github-token = "ghp_homeTestSecret0123456789"
collection-dir = "~/.skillmeat/collections"

[analytics]
enabled = true
retention-days = 90

[artifact_search]
provider = "local"
`

/** A database shaped like SkillMeat's SQLAlchemy one (its table names, some rows). */
function skillmeatDatabase(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const db = new Database(file)
  db.exec(`
    CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE workflows (id TEXT PRIMARY KEY, definition TEXT);
    CREATE TABLE collections (id TEXT PRIMARY KEY, name TEXT);
    CREATE TABLE memory_items (id TEXT PRIMARY KEY, content TEXT);
    CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL, status TEXT);
    CREATE TABLE artifacts (id TEXT PRIMARY KEY, project_id TEXT, name TEXT, type TEXT);
    CREATE TABLE marketplace_sources (id TEXT PRIMARY KEY, url TEXT);
    CREATE TABLE cache_metadata (key TEXT PRIMARY KEY, value TEXT);
    INSERT INTO users(email) VALUES ('ann@example.com');
    INSERT INTO projects VALUES ('p1', 'web', '/srv/web', 'active');
    INSERT INTO cache_metadata VALUES ('version', '1');
  `)
  db.close()
}

/** A home as the Python SkillMeat leaves it. */
function skillmeatHome() {
  const home = tmpdir('smc-home-')
  write(path.join(home, 'config.toml'), SKILLMEAT_CONFIG)
  skillmeatDatabase(path.join(home, 'cache', 'cache.db'))
  return home
}

const digest = (file) => sha256(fs.readFileSync(file))

function cli(home, args) {
  const env = { ...process.env, SKILLMEAT_HOME: home, NO_COLOR: '1' }
  for (const k of ['SKILLMEAT_CACHE_PATH', 'SKILLMEAT_GITHUB_TOKEN', 'GITHUB_TOKEN']) delete env[k]
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  if (r.error) throw r.error
  return r
}

test("SkillMeat's database is never written, and our cache persists in a file of its own", async () => {
  const home = skillmeatHome()
  const theirs = path.join(home, 'cache', 'cache.db')
  const before = digest(theirs)
  const sideFiles = () => fs.readdirSync(path.dirname(theirs)).filter((f) => f.startsWith('cache.db'))
  const root = tmpdir()
  makeProject(root, 'alpha')

  const cache = Cache.open({ home, projectRoots: [root], discoveryDepth: 1 })
  try {
    const st = cache.status()
    assert.equal(st.mode, 'file')
    assert.equal(st.dbPath, path.join(home, 'cache', 'skillmeat-cache.db'))
    assert.deepEqual(st.warnings, [], 'no fallback, no warning about the location')
    await cache.refresh()
    assert.equal(cache.listProjects().total, 1)
  } finally {
    cache.close()
  }
  assert.equal(digest(theirs), before, 'open, refresh and close leave it byte for byte')
  assert.deepEqual(sideFiles(), ['cache.db'], 'no -wal or -shm was created beside it')

  // A second process sees what the first wrote: it persisted.
  const r = cli(home, ['projects', '--json'])
  assert.equal(r.status, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout).total, 1)
  const s = cli(home, ['status', '--json'])
  assert.equal(s.status, 0, s.stderr)
  assert.equal(JSON.parse(s.stdout).dbPath, path.join(home, 'cache', 'skillmeat-cache.db'))
  assert.equal(digest(theirs), before, 'CLI status leaves it byte for byte')

  // Pointed at it explicitly: refused with a typed error that says what was found.
  for (const open of [() => Cache.open({ home, path: theirs }), () => Cache.open({ path: theirs })]) {
    assert.throws(open, (e) => {
      assert.equal(e.code, 'CACHE_FOREIGN')
      assert.match(e.message, /not a database of @skillmeat\/cache/)
      assert.match(e.message, /tables .*projects/)
      assert.match(e.message, /left untouched/)
      return true
    })
  }
  const viaCli = cli(home, ['status', '--db', theirs])
  assert.notEqual(viaCli.status, 0)
  assert.match(viaCli.stderr, /CACHE_FOREIGN|not a database of @skillmeat\/cache/)
  assert.equal(digest(theirs), before, 'an attempted open by path leaves it byte for byte')
  assert.deepEqual(sideFiles(), ['cache.db'])
  const db = new Database(theirs, { readonly: true })
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'delete', 'still in its own journal mode')
    assert.equal(db.prepare('SELECT count(*) AS n FROM users').get().n, 1)
  } finally {
    db.close()
  }
})

test('a database of another application (its own application_id) and a file that is not a database are left alone', () => {
  const dir = tmpdir()
  const other = path.join(dir, 'other.db')
  const db = new Database(other)
  db.pragma('application_id = 1234')
  db.exec('CREATE TABLE registrations (path TEXT)')
  db.close()
  const before = digest(other)
  assert.throws(() => Cache.open({ home: dir, path: other }), (e) => e.code === 'CACHE_FOREIGN' && /application_id/.test(e.message))
  assert.equal(digest(other), before)

  const notes = path.join(dir, 'notes.txt')
  fs.writeFileSync(notes, 'my notes, not a database\n'.repeat(20))
  assert.throws(() => Cache.open({ home: dir, path: notes }), (e) => e.code === 'CACHE_FOREIGN' && /not a SQLite database/.test(e.message))
  assert.equal(fs.readFileSync(notes, 'utf8'), 'my notes, not a database\n'.repeat(20))
  assert.deepEqual(fs.readdirSync(dir).sort(), ['notes.txt', 'other.db'], 'nothing moved aside or created')
})

test('our databases carry our application_id; a cache of ours at the old default name is adopted once', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const proj = makeProject(root, 'beta')
  const old = path.join(home, 'cache', 'cache.db')
  // An earlier version's cache at the old default, without the mark.
  const c1 = Cache.open({ home, path: old })
  try {
    c1.registerProject(proj)
  } finally {
    c1.close()
  }
  const db = new Database(old)
  assert.equal(db.pragma('application_id', { simple: true }), 0x534d4361, 'new files are marked')
  db.pragma('application_id = 0')
  db.close()
  fs.mkdirSync(old + '.search', { recursive: true })

  const c2 = Cache.open({ home })
  try {
    const st = c2.status()
    assert.equal(st.dbPath, path.join(home, 'cache', 'skillmeat-cache.db'))
    assert.equal(c2.listProjects().total, 1, 'the registration came along')
    assert.equal(c2.listProjects().items[0].path, fs.realpathSync(proj))
  } finally {
    c2.close()
  }
  assert.ok(!fs.existsSync(old) && !fs.existsSync(old + '.search'), 'renamed, not copied')
  const marked = new Database(path.join(home, 'cache', 'skillmeat-cache.db'), { readonly: true })
  try {
    assert.equal(marked.pragma('application_id', { simple: true }), 0x534d4361, 'adopted files get the mark')
  } finally {
    marked.close()
  }
})

test("our writes to config.toml keep SkillMeat's tables; config list names the token's source, never the token", () => {
  const home = skillmeatHome()
  const file = path.join(home, 'config.toml')
  const set = cli(home, ['config', 'set', 'ttl_minutes', '60'])
  assert.equal(set.status, 0, set.stderr)
  const unset = cli(home, ['config', 'unset', 'ttl_minutes'])
  assert.equal(unset.status, 0, unset.stderr)
  const text = fs.readFileSync(file, 'utf8')
  assert.ok(text.startsWith(SKILLMEAT_CONFIG), `SkillMeat's tables survive, as written:\n${text}`)

  const list = cli(home, ['config', 'list', '--json'])
  assert.equal(list.status, 0, list.stderr)
  const token = JSON.parse(list.stdout).find((e) => e.key === 'github-token')
  assert.equal(token.source, 'file')
  assert.equal(token.from, `${file} [settings] github-token`)
  const human = cli(home, ['config', 'list'])
  assert.match(human.stdout, /github-token from .*config\.toml \[settings\] github-token/)
  for (const out of [list.stdout, human.stdout, human.stderr, cli(home, ['status', '--json']).stdout]) {
    assert.ok(!out.includes('ghp_homeTestSecret'), 'the token is never shown')
  }
})

test('a FIFO, a symlink to /dev/zero and an oversized file in a project never hang a scan', { skip: process.platform === 'win32' }, () => {
  const root = tmpdir()
  const proj = makeProject(root, 'odd')
  const cmds = path.join(proj, '.claude', 'commands')
  const fifo = spawnSync('mkfifo', [path.join(cmds, 'pipe.md')])
  assert.equal(fifo.status, 0, 'mkfifo works here')
  fs.symlinkSync('/dev/zero', path.join(cmds, 'zero.md'))
  write(path.join(cmds, 'big.md'), md({ description: 'Big' }, 'x'.repeat(1536 * 1024)))
  assert.equal(spawnSync('mkfifo', [path.join(proj, '.mcp.json')]).status, 0)
  // registerProject is synchronous: run it in a child so a hang fails the test instead of the run.
  const script = `
    const { Cache } = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))})
    const cache = Cache.open({ path: ':memory:' })
    const p = cache.registerProject(${JSON.stringify(proj)})
    const arts = cache.listArtifacts({ projectId: p.id, limit: 100 }).items
    console.log(JSON.stringify(arts.map((a) => ({ name: a.name, status: a.status, error: a.error }))))
    cache.close()
  `
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 })
  assert.equal(r.error, undefined, 'the scan returned (no hang)')
  assert.equal(r.status, 0, r.stderr)
  const arts = Object.fromEntries(JSON.parse(r.stdout).map((a) => [a.name, a]))
  assert.equal(arts.pipe.status, 'error')
  assert.match(arts.pipe.error, /named pipe/)
  assert.equal(arts.zero.status, 'error')
  assert.match(arts.zero.error, /device/)
  assert.equal(arts.big.status, 'error')
  assert.match(arts.big.error, /limit/)
  assert.equal(arts.review.status, 'ok', 'the rest of the project is scanned as usual')
})

test("SkillMeat's empty cache.db is refused however it is named: through a link, or from another home", () => {
  const root = tmpdir()
  const home = path.join(root, '.skillmeat')
  const theirs = path.join(home, 'cache', 'cache.db')
  fs.mkdirSync(path.dirname(theirs), { recursive: true })
  fs.writeFileSync(theirs, '')
  const link = path.join(root, 'link.sqlite')
  fs.symlinkSync(theirs, link)
  const elsewhere = tmpdir()
  for (const open of [() => Cache.open({ home, path: link }), () => Cache.open({ home: elsewhere, path: theirs })]) {
    assert.throws(open, (e) => e.code === 'CACHE_FOREIGN' && /SkillMeat's own database file/.test(e.message))
  }
  assert.equal(fs.statSync(theirs).size, 0, 'left empty')
  assert.deepEqual(fs.readdirSync(path.dirname(theirs)), ['cache.db'], 'no -wal or -shm beside it')
})
