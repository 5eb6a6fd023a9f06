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

test('an artifact unreadable at one refresh is read again at the next once readable (chmod moves no mtime)', { skip: process.platform === 'win32' && 'POSIX modes' }, async () => {
  const { spawnSync } = require('node:child_process')
  const { write, md } = require('./helpers.js')
  const home = tmpdir()
  const root = tmpdir()
  const dbDir = tmpdir()
  const file = path.join(root, 'p', '.claude', 'commands', 'locked.md')
  write(file, md({ description: 'Locked for a while' }))
  // Root reads through mode 000: the refreshes run as `nobody` then.
  const asNobody = process.getuid && process.getuid() === 0
  if (asNobody) {
    for (const d of [home, root, path.join(root, 'p'), path.join(root, 'p', '.claude'), path.join(root, 'p', '.claude', 'commands')]) fs.chmodSync(d, 0o755)
    fs.chownSync(dbDir, 65534, 65534)
  }
  const open = { home, path: path.join(dbDir, 'c.db'), projectRoots: [root], discoveryDepth: 1, backgroundRefresh: false, watch: false }
  const refresh = () => {
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))}).Cache.open(${JSON.stringify(open)}).refresh().then(() => process.exit(0))`], {
      encoding: 'utf8',
      ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
    })
    assert.equal(r.status, 0, r.stderr)
  }
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
