'use strict'
// Regression tests for what the reliability suites (benches/reliability, docs/reliability.md)
// found. Each failure found there is fixed in the product and keeps a test here.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Cache } = require('../index.js')
const { tmpdir, makeProject } = require('./helpers.js')

const fds = () => fs.readdirSync('/proc/self/fd').length
const threads = () => fs.readdirSync('/proc/self/task').length
const threadNames = () =>
  fs
    .readdirSync('/proc/self/task')
    .map((t) => {
      try {
        return fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim()
      } catch {
        return '?'
      }
    })
    .sort()
    .join(', ')

test('close() releases the database files, the index and the threads at once, not at garbage collection', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const home = tmpdir()
  const root = tmpdir()
  for (const n of ['a', 'b']) makeProject(root, n)
  const open = { home, projectRoots: [root], discoveryDepth: 1, watch: true, backgroundRefresh: true }
  const warm = Cache.open(open)
  await warm.refresh()
  warm.search('x')
  warm.close()
  await new Promise((r) => setTimeout(r, 200))
  const before = { fds: fds(), threads: threads(), names: threadNames() }
  const kept = []
  for (let i = 0; i < 40; i++) {
    const c = Cache.open(open)
    c.search('x') // opens the search index (its writer holds files and threads)
    c.close()
    kept.push(c) // still reachable: nothing may wait for the garbage collector
  }
  // The index reader's file-watcher thread notices its end within about half a second.
  await new Promise((r) => setTimeout(r, 1500))
  const db = path.join(home, 'cache', 'skillmeat-cache.db')
  const onDb = fs.readdirSync('/proc/self/fd').filter((f) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${f}`).startsWith(db)
    } catch {
      return false
    }
  })
  assert.deepEqual(onDb, [], 'no descriptor on the database or its side files after close()')
  assert.ok(fds() <= before.fds + 1, `file descriptors ${before.fds} → ${fds()} after 40 open/close`)
  assert.ok(threads() <= before.threads, `threads ${before.threads} → ${threads()} after 40 open/close: [${before.names}] → [${threadNames()}]`)
  // A closed object answers CACHE_CLOSED, including search (which must not reopen the index).
  assert.throws(() => kept[0].search('x'), { code: 'CACHE_CLOSED' })
  assert.throws(() => kept[0].listProjects(), { code: 'CACHE_CLOSED' })
})

/** The loader `nobody` can require (the checkout may sit in a folder it cannot enter). */
function addonFor(asNobody) {
  if (!asNobody) return path.join(__dirname, '..', 'index.js')
  return path.join(require('../scripts/public-copy.js').publicCopy(), 'index.js')
}

/**
 * A cache on fresh temp folders whose refreshes run in a child process that mode 000 stops: as
 * `nobody` when the tests run as root (root reads through it). `dirs(root)` are the folders the
 * child must be able to enter. Returns `{ home, root, open, refresh }`.
 */
function unprivilegedRefresher(dirs) {
  const { spawnSync } = require('node:child_process')
  const home = tmpdir()
  const root = tmpdir()
  const dbDir = tmpdir()
  const asNobody = process.getuid && process.getuid() === 0
  const open = { home, path: path.join(dbDir, 'c.db'), projectRoots: [root], discoveryDepth: 1, backgroundRefresh: false, watch: false }
  const prepare = () => {
    if (!asNobody) return
    for (const d of [home, root, ...dirs(root)]) fs.chmodSync(d, 0o755)
    fs.chownSync(dbDir, 65534, 65534)
  }
  const refresh = () => {
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addonFor(asNobody))}).Cache.open(${JSON.stringify(open)}).refresh().then(() => process.exit(0))`], {
      encoding: 'utf8',
      ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
    })
    assert.equal(r.status, 0, r.stderr)
  }
  return { home, root, open, prepare, refresh }
}

test('an artifact unreadable at one refresh is read again at the next once readable (chmod moves no mtime)', { skip: process.platform === 'win32' && 'POSIX modes' }, async () => {
  const { write, md } = require('./helpers.js')
  const { root, open, prepare, refresh } = unprivilegedRefresher((root) => [path.join(root, 'p'), path.join(root, 'p', '.claude'), path.join(root, 'p', '.claude', 'commands')])
  const file = path.join(root, 'p', '.claude', 'commands', 'locked.md')
  write(file, md({ description: 'Locked for a while' }))
  prepare()
  const statusOf = () => {
    const c = Cache.open(open)
    try {
      return c.listArtifacts({ limit: 10 }).items.find((a) => a.name === 'locked')
    } finally {
      c.close()
    }
  }
  fs.chmodSync(file, 0o000)
  try {
    refresh()
    const locked = statusOf()
    assert.equal(locked.status, 'error')
    assert.match(locked.error, /cannot read/)
  } finally {
    fs.chmodSync(file, 0o644)
  }
  refresh()
  const healed = statusOf()
  assert.equal(healed.status, 'ok', `still ${healed.status}: ${healed.error}`)
  assert.equal(healed.description, 'Locked for a while')
})

test('an unreadable profile folder is reported as unreadable, not as deployments whose files are gone, and heals', { skip: process.platform === 'win32' && 'POSIX modes' }, async () => {
  const { write, md } = require('./helpers.js')
  const { root, open, prepare, refresh } = unprivilegedRefresher((root) => [path.join(root, 'p'), path.join(root, 'p', '.claude'), path.join(root, 'p', '.claude', 'commands')])
  const claude = path.join(root, 'p', '.claude')
  const agents = path.join(claude, 'agents')
  write(path.join(agents, 'reviewer.md'), md({ name: 'reviewer', description: 'Reviews changes' }))
  write(path.join(claude, 'commands', 'ship.md'), md({ description: 'Ships it' }))
  write(
    path.join(claude, '.skillmeat-deployed.toml'),
    '[[deployed]]\nartifact_name = "reviewer"\nartifact_type = "agent"\nfrom_collection = "default"\ndeployed_at = "2025-01-01T00:00:00Z"\nartifact_path = "agents/reviewer.md"\n',
  )
  prepare()
  const read = () => {
    const c = Cache.open(open)
    try {
      const [p] = c.listProjects({}).items
      return { errors: c.getProject(p.id).errors, names: c.listArtifacts({ limit: 10 }).items.map((a) => a.name).sort() }
    } finally {
      c.close()
    }
  }
  fs.chmodSync(agents, 0o000)
  try {
    refresh()
    const { errors, names } = read()
    assert.deepEqual(names, ['ship'], 'the readable folder is still listed')
    const folder = errors.find((e) => e.file === '.claude/agents')
    assert.ok(folder, `the folder is named: ${JSON.stringify(errors)}`)
    assert.match(folder.reason, /cannot read this folder \(.*[Pp]ermission denied/)
    assert.ok(!errors.some((e) => /DEPLOYED_FILE_MISSING/.test(e.reason)), `no deployment reported gone: ${JSON.stringify(errors)}`)
  } finally {
    fs.chmodSync(agents, 0o755)
  }
  refresh()
  const healed = read()
  assert.deepEqual(healed.names, ['reviewer', 'ship'])
  assert.deepEqual(healed.errors, [])
})
