'use strict'
// Freshness: the file watcher, the background loop, the cross-process lease, events, shutdown.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawn, spawnSync } = require('node:child_process')
const { Cache } = require('../index.js')
const { tmpdir, write, md, makeProject, age } = require('./helpers.js')

const ADDON = path.join(__dirname, '..', 'index.js')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function waitFor(what, fn, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

function watched(home, extra = {}) {
  const cache = Cache.open({ home, watch: true, backgroundRefresh: true, ...extra })
  const events = []
  const off = cache.onEvent((e) => events.push(e))
  return { cache, events, off }
}

const names = (cache, projectId) =>
  cache
    .listArtifacts({ projectId })
    .items.map((a) => a.name)
    .sort()

test('edits, additions, deletions and renames appear without a refresh call, with events', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'live')
  const { cache, events, off } = watched(home)
  try {
    const p = cache.registerProject(dir)
    await waitFor('watcher', () => cache.status().background.watcherState === 'watching')
    const c = path.join(dir, '.claude')

    write(path.join(c, 'commands', 'review.md'), md({ description: 'Edited by hand' }))
    await waitFor('edit', () => cache.listArtifacts({ projectId: p.id }).items.find((a) => a.name === 'review').description === 'Edited by hand')
    await waitFor('event', () => events.find((e) => e.type === 'changesDetected' && e.updated.includes('review')))

    write(path.join(c, 'skills', 'fresh', 'SKILL.md'), md({ name: 'fresh', description: 'New skill' }))
    await waitFor('add', () => names(cache, p.id).includes('fresh'))
    await waitFor('added event', () => events.find((e) => e.type === 'changesDetected' && e.added.includes('fresh')))

    fs.rmSync(path.join(c, 'agents', 'planner.md'))
    await waitFor('delete', () => !names(cache, p.id).includes('planner'))
    await waitFor('removed event', () => events.find((e) => e.type === 'changesDetected' && e.removed.includes('planner')))

    fs.renameSync(path.join(c, 'commands', 'review.md'), path.join(c, 'commands', 'inspect.md'))
    await waitFor('rename', () => names(cache, p.id).join() === ['fresh', 'inspect', 'pdf-tools'].join())

    // Editor save pattern: write a temp file, then rename it over the original.
    write(path.join(c, 'commands', '.inspect.md.swp'), md({ description: 'Saved via rename' }))
    fs.renameSync(path.join(c, 'commands', '.inspect.md.swp'), path.join(c, 'commands', 'inspect.md'))
    await waitFor('atomic save', () => cache.listArtifacts({ projectId: p.id }).items.find((a) => a.name === 'inspect').description === 'Saved via rename')
    await sleep(100) // events are delivered on the JS thread after the write is visible

    const started = events.filter((e) => e.type === 'refreshStarted' && e.trigger === 'watch')
    assert.ok(started.length >= 5 && started.every((e) => e.projectId === p.id))
    assert.equal(cache.status().background.isLeaseHolder, true)
  } finally {
    off()
    cache.close()
  }
})

test('a burst of 1,000 touches causes one re-scan per project', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dirs = ['one', 'two'].map((n) => {
    const d = makeProject(root, n)
    for (let i = 0; i < 50; i++) write(path.join(d, '.claude', 'commands', `c${i}.md`), md({ description: `c${i}` }))
    return d
  })
  const { cache, events, off } = watched(home)
  try {
    const ids = dirs.map((d) => cache.registerProject(d).id)
    await waitFor('watcher', () => cache.status().background.watcherState === 'watching')
    await waitFor('startup', () => events.find((e) => e.type === 'refreshCompleted' && e.trigger === 'startup'))
    await sleep(300)
    events.length = 0
    const files = dirs.flatMap((d) => Array.from({ length: 50 }, (_, i) => path.join(d, '.claude', 'commands', `c${i}.md`)))
    const base = Date.now() / 1000
    for (let n = 0; n < 1000; n++) {
      const t = base + n
      fs.utimesSync(files[n % files.length], t, t)
    }
    await waitFor('re-scans', () => ids.every((id) => events.some((e) => e.type === 'refreshCompleted' && e.projectId === id)))
    await sleep(1000)
    for (const id of ids) {
      const scans = events.filter((e) => e.type === 'refreshStarted' && e.trigger === 'watch' && e.projectId === id)
      assert.equal(scans.length, 1, `project ${id}: ${scans.length} re-scans`)
    }
  } finally {
    off()
    cache.close()
  }
})

test('a project folder deleted while watched becomes missing and keeps its data', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'doomed')
  const { cache, off } = watched(home)
  try {
    const p = cache.registerProject(dir)
    await waitFor('watcher', () => cache.status().background.watcherState === 'watching')
    // Gone at once (a recursive delete removes files one by one, and a scan racing it may
    // rightly see some of them gone first): moved out of reach, then deleted.
    const away = path.join(tmpdir(), 'moved-away')
    fs.renameSync(dir, away)
    await waitFor('missing', () => cache.getProject(p.id).status === 'missing')
    fs.rmSync(away, { recursive: true })
    assert.equal(cache.listArtifacts({ projectId: p.id }).total, 3)
  } finally {
    off()
    cache.close()
  }
})

test('a failed re-scan keeps the last good data and records the error', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'flaky')
  const cache = Cache.open({ home })
  try {
    const p = cache.registerProject(dir)
    fs.rmSync(dir, { recursive: true })
    fs.writeFileSync(dir, 'now a file')
    await cache.refresh()
    const q = cache.getProject(p.id)
    assert.equal(q.status, 'error')
    assert.match(q.error, /not a folder/)
    assert.equal(cache.listArtifacts({ projectId: p.id }).total, 3, 'last good artifacts still served')
  } finally {
    cache.close()
  }
})

test('at open, changes made while no process ran are caught up without a cold scan', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'offline')
  for (let i = 0; i < 20; i++) write(path.join(dir, '.claude', 'commands', `c${i}.md`), md({ description: `c${i}` }))
  age(dir)
  const first = Cache.open({ home })
  const p = first.registerProject(dir)
  first.close()
  const f = path.join(dir, '.claude', 'commands', 'c7.md')
  write(f, md({ description: 'changed while closed' }))
  const later = new Date(Date.now() + 3000)
  fs.utimesSync(f, later, later)
  const { cache, events, off } = watched(home, { watch: false })
  try {
    const done = await waitFor('startup refresh', () => events.find((e) => e.type === 'refreshCompleted' && e.trigger === 'startup'))
    assert.equal(done.summary.artifactsRead, 1, 'only the changed file was read')
    assert.equal(cache.listArtifacts({ projectId: p.id }).items.find((a) => a.name === 'c7').description, 'changed while closed')
  } finally {
    off()
    cache.close()
  }
})

test('concurrent on-demand refreshes of one project coalesce', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'busy')
  // Enough files that a forced re-read outlasts the three calls even when this thread is
  // descheduled between them on a loaded machine (a finished refresh is not joined, by design).
  for (let i = 0; i < 400; i++) write(path.join(dir, '.claude', 'commands', `c${i}.md`), md({ description: `Command ${i}` }))
  const cache = Cache.open({ home })
  const events = []
  const off = cache.onEvent((e) => events.push(e))
  try {
    const p = cache.registerProject(dir)
    const [a, b, c] = await Promise.all([
      cache.refresh({ projectId: p.id, force: true }),
      cache.refresh({ projectId: p.id, force: true }),
      cache.refresh({ projectId: p.id, force: true }),
    ])
    assert.deepEqual(a, b)
    assert.deepEqual(a, c)
    await sleep(50)
    assert.equal(events.filter((e) => e.type === 'refreshStarted').length, 1)
    assert.equal(cache.invalidate(p.id), 1)
    await sleep(50)
    assert.ok(events.find((e) => e.type === 'invalidated' && e.projectId === p.id && e.count === 1))
    off()
    await cache.refresh()
    const n = events.length
    await cache.refresh()
    assert.equal(events.length, n, 'no events after unsubscribing')
  } finally {
    cache.close()
  }
})

test('the watch limit degrades to TTL refresh with a warning and an event', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const { cache, events, off } = watched(home, { watchLimit: 1 })
  try {
    cache.registerProject(makeProject(root, 'a'))
    cache.registerProject(makeProject(root, 'b'))
    await waitFor('degraded', () => cache.status().background.watcherState === 'degraded')
    const st = cache.status()
    assert.ok(st.warnings.some((w) => w.code === 'WATCHER_DEGRADED' && /watch_limit/.test(w.message)))
    await waitFor('event', () => events.find((e) => e.type === 'watcherDegraded'))
  } finally {
    off()
    cache.close()
  }
})

function child(script, env = {}) {
  const c = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  c.lines = []
  let buf = ''
  c.stdout.on('data', (d) => {
    buf += d
    const parts = buf.split('\n')
    buf = parts.pop()
    c.lines.push(...parts)
  })
  c.err = ''
  c.stderr.on('data', (d) => (c.err += d))
  c.done = new Promise((r) => c.on('exit', (code, signal) => r({ code, signal })))
  return c
}

test('one process holds the refresher lease; another takes over after SIGKILL', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'shared')
  const seed = Cache.open({ home })
  seed.registerProject(dir)
  seed.close()
  const script = `
    const { Cache } = require(${JSON.stringify(ADDON)})
    const c = Cache.open({ home: ${JSON.stringify(home)}, backgroundRefresh: true, watch: true, leaseTtlMs: 1500 })
    setInterval(() => console.log(JSON.stringify({ pid: process.pid, holder: c.status().background.isLeaseHolder })), 100)`
  const last = (c) => {
    const l = c.lines[c.lines.length - 1]
    return l ? JSON.parse(l) : null
  }
  const a = child(script)
  const b = child(script)
  try {
    await waitFor('a holder', () => last(a)?.holder || last(b)?.holder, 15000)
    await sleep(800)
    const [holder, other] = last(a).holder ? [a, b] : [b, a]
    assert.equal(last(holder).holder, true)
    assert.equal(last(other).holder, false, 'only one process holds the lease')
    holder.kill('SIGKILL')
    await holder.done
    await waitFor('take-over', () => last(other)?.holder, 10000)
    // The survivor now runs the watcher: an edit shows up through it.
    const check = Cache.open({ home })
    try {
      const p = check.listProjects().items[0]
      write(path.join(dir, '.claude', 'commands', 'review.md'), md({ description: 'seen by the survivor' }))
      await waitFor('edit via survivor', () => check.listArtifacts({ projectId: p.id }).items.find((x) => x.name === 'review').description === 'seen by the survivor')
      assert.equal(check.status().background.leaseHolder.pid, other.pid)
    } finally {
      check.close()
    }
  } finally {
    a.kill('SIGKILL')
    b.kill('SIGKILL')
    await Promise.all([a.done, b.done])
  }
})

test('close() stops the watcher and the process exits; so does forgetting close()', () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'exit')
  for (const closeIt of [true, false]) {
    const script = `
      const { Cache } = require(${JSON.stringify(ADDON)})
      const c = Cache.open({ home: ${JSON.stringify(home)}, backgroundRefresh: true, watch: true })
      c.onEvent(() => {})
      c.registerProject(${JSON.stringify(dir)})
      setTimeout(() => { ${closeIt ? 'c.close();' : ''} console.log('bye') }, 300)`
    const t0 = Date.now()
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /bye/)
    assert.ok(Date.now() - t0 < 15000, `exited after ${Date.now() - t0} ms`)
  }
})

test('loading and unloading the addon in worker threads neither crashes nor leaks', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'worker')
  const script = `
    const { Worker } = require('node:worker_threads')
    const code = \`
      const { parentPort, workerData } = require('node:worker_threads')
      const { Cache } = require(${JSON.stringify(ADDON)})
      const c = Cache.open({ home: workerData.home, watch: true, backgroundRefresh: true })
      c.onEvent(() => {})
      c.registerProject(workerData.dir)
      if (workerData.close) c.close()
      parentPort.postMessage('ok')
    \`
    ;(async () => {
      for (let i = 0; i < 6; i++) {
        const w = new Worker(code, { eval: true, workerData: { home: ${JSON.stringify(home)}, dir: ${JSON.stringify(dir)}, close: i % 2 === 0 } })
        // 'exit' may be emitted before a last message is delivered, so wait on both.
        const exited = new Promise((res) => w.once('exit', res))
        const failed = new Promise((res, rej) => w.once('error', rej))
        if (i % 3 === 2) {
          await Promise.race([new Promise((res) => w.once('message', res)), exited, failed])
          await w.terminate()
        } else {
          const code = await Promise.race([exited, failed])
          if (code !== 0) throw new Error('worker ' + i + ' exited with ' + code)
        }
      }
      console.log('workers done', process.memoryUsage().rss)
    })().catch((e) => { console.error(e); process.exit(1) })`
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 })
  assert.equal(r.status, 0, `${r.stderr} (signal ${r.signal})`)
  assert.match(r.stdout, /workers done/)
})

test('a new project under a discovery root is registered by the watcher', async () => {
  const home = tmpdir()
  const root = tmpdir()
  makeProject(root, 'existing')
  const { cache, events, off } = watched(home, { projectRoots: [root], discoveryDepth: 2 })
  try {
    await waitFor('first project', () => cache.listProjects().total === 1)
    await waitFor('watcher', () => cache.status().background.watcherState === 'watching')
    makeProject(path.join(root, 'team'), 'newcomer')
    await waitFor('discovered', () => cache.listProjects().items.some((p) => p.name === 'newcomer'))
    const p = cache.listProjects().items.find((x) => x.name === 'newcomer')
    assert.equal(p.origin, 'discovered')
    assert.equal(p.artifactCount, 3)
    await waitFor('watch event', () => events.some((e) => e.type === 'refreshStarted' && e.trigger === 'watch'))
  } finally {
    off()
    cache.close()
  }
})

test("the cache's own database writes never trigger the watcher", async () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = makeProject(root, 'self')
  // The database lives inside a watched profile root on purpose.
  const { cache, events, off } = watched(home, { path: path.join(dir, '.claude', 'cache', 'cache.db') })
  try {
    cache.registerProject(dir)
    await waitFor('watcher', () => cache.status().background.watcherState === 'watching')
    await waitFor('startup', () => events.find((e) => e.type === 'refreshCompleted' && e.trigger === 'startup'))
    await sleep(500)
    events.length = 0
    for (let i = 0; i < 5; i++) await cache.refresh({ force: true })
    await sleep(800)
    assert.deepEqual(events.filter((e) => e.trigger === 'watch'), [])
  } finally {
    off()
    cache.close()
  }
})

test('linked skill folders: a small one is watched through its link, a huge one is not walked by the watcher', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const outside = tmpdir()
  const dir = makeProject(root, 'linked')
  // A skill kept elsewhere and linked in, and a link to a tree of 600 folders.
  write(path.join(outside, 'mine', 'SKILL.md'), md({ name: 'mine', description: 'Kept elsewhere' }))
  for (let i = 0; i < 600; i++) fs.mkdirSync(path.join(outside, 'huge', `d${i}`, 'sub'), { recursive: true })
  write(path.join(outside, 'huge', 'SKILL.md'), md({ name: 'huge', description: 'Too big to watch' }))
  fs.symlinkSync(path.join(outside, 'mine'), path.join(dir, '.claude', 'skills', 'mine'))
  fs.symlinkSync(path.join(outside, 'huge'), path.join(dir, '.claude', 'skills', 'huge'))
  age(dir)
  const { cache, off } = watched(home, { maxArtifactFiles: 200 })
  try {
    const p = cache.registerProject(dir)
    const reason = /not watching 1 linked folder\(s\) \(.*huge.*more than 200 files and folders/
    await waitFor('the watcher to judge the links', () => reason.test(cache.status().background.watcherReason || ''))
    const bg = cache.status().background
    assert.equal(bg.watcherState, 'watching')
    assert.ok(bg.watchedPaths < 20, `a handful of watch roots, not the huge tree: ${bg.watchedPaths}`)
    // Edited at its real place, seen through the link without a refresh call.
    write(path.join(outside, 'mine', 'SKILL.md'), md({ name: 'mine', description: 'Edited where it lives' }))
    await waitFor('edit through the link', () => cache.listArtifacts({ projectId: p.id }).items.find((a) => a.name === 'mine').description === 'Edited where it lives')
  } finally {
    off()
    cache.close()
  }
})
