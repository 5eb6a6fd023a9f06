'use strict'
// Faults, each repeated: a full disk in the middle of a refresh, unreadable folders and files,
// files renamed and deleted while a refresh lists and reads them, the database file deleted or
// replaced while open, the index folder deleted while open, a truncated WAL, and network
// failures of a marketplace fetch (connection reset mid-body, a slow drip, an untrusted TLS
// certificate, a name that does not resolve), and the wall clock stepping back an hour (libfaketime). Every case: a typed error or a warning, reads keep
// answering the last good data, the next good refresh heals, nothing hangs past its timeout.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const https = require('node:https')
const { spawn, spawnSync, execFileSync } = require('node:child_process')
const { Cache } = require(require('./world.js').ADDON)
const { makeWorld, snapshot, serve } = require('./world.js')

const HTTP_TIMEOUT_MS = 2000
const LEASE_MS = 1000
const FAKETIME_LIBS = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/faketime/libfaketimeMT.so.1']
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Runs child.js `mode`; `onLine(line)` sees each line it prints, as it prints it. */
/** A copy of this folder's child (and what it loads) that any user can read. */
function publicChild() {
  const files = fs.readdirSync(__dirname).filter((n) => n.endsWith('.js')).map((n) => `benches/reliability/${n}`)
  const dir = require('../../scripts/public-copy.js').publicCopy([...files, 'scripts/gen-fixtures.js', 'scripts/hash-artifact.js'])
  return path.join(dir, 'benches', 'reliability')
}

function runChild(mode, opts, spawnOpts = {}, onLine = null, childDir = __dirname) {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [path.join(childDir, 'child.js'), mode, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOpts })
    let out = ''
    let pending = ''
    c.stdout.on('data', (d) => {
      out += d
      if (!onLine) return
      pending += d
      const lines = pending.split('\n')
      pending = lines.pop()
      for (const l of lines) onLine(l)
    })
    c.stderr.on('data', (d) => (out += d))
    c.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('done '))
      resolve({ code, out, result: line ? JSON.parse(line.slice(5)) : null })
    })
  })
}

/** Whether the database equals a fresh scan of the same tree (after `cache` refreshed). */
async function equalsFreshScan(cache, world, open) {
  const have = snapshot(cache)
  const fresh = Cache.open({ ...open, path: path.join(world.dir, `fresh-${Date.now()}-${Math.random()}.db`) })
  try {
    await fresh.refresh({})
    const want = snapshot(fresh)
    const differs = [...want].filter(([p, l]) => have.get(p) !== l).map(([p, l]) => {
      const a = new Set(l.split('\n'))
      const b = new Set((have.get(p) || '').split('\n'))
      return `${path.basename(p)}: only in a fresh scan [${[...a].filter((x) => !b.has(x)).join(', ')}], only in the cache [${[...b].filter((x) => !a.has(x)).join(', ')}]`
    })
    if (have.size !== want.size) differs.push(`${have.size} projects in the cache, ${want.size} in a fresh scan`)
    equalsFreshScan.last = differs.join('; ')
    return differs.length === 0
  } finally {
    fresh.close()
  }
}

const openOf = (world, extra = {}) => ({ home: world.home, path: world.db, projectRoots: [world.projectsDir], backgroundRefresh: false, watch: false, ...extra })

// ---------------------------------------------------------------------------
// Cases. Each gets a fresh small world and returns what it saw; `fail(msg)` records a failure.

const CASES = {
  async diskFull({ world, fail }) {
    if (process.platform !== 'linux' || process.getuid() !== 0) return { skipped: 'needs root on Linux to mount a tmpfs' }
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-full-'))
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt])
    if (r.status !== 0) return { skipped: `mount -t tmpfs failed: ${String(r.stderr).trim()}` }
    try {
      const open = openOf(world, { path: path.join(mnt, 'cache.db') })
      const cache = Cache.open(open)
      try {
        await cache.refresh({})
        const good = cache.listProjects({ limit: 1 }).total
        // Fill the disk, then give the refresh plenty to write.
        const filler = path.join(mnt, 'filler')
        const fd = fs.openSync(filler, 'w')
        try {
          for (;;) fs.writeSync(fd, Buffer.alloc(64 * 1024, 1))
        } catch {
          // ENOSPC: the disk is full
        } finally {
          fs.closeSync(fd)
        }
        for (const p of world.projectPaths) fs.appendFileSync(path.join(p, '.claude', 'commands', 'big.md'), `---\ndescription: ${'x'.repeat(20000)}\n---\n`)
        let code = null
        try {
          await cache.refresh({ force: true })
        } catch (e) {
          code = e.code
        }
        const warned = cache.status().warnings.some((w) => w.code === 'CACHE_DISK_FULL')
        if (code !== 'CACHE_DISK_FULL' && !warned) fail(`a refresh on a full disk gave ${code || 'no error'} and no CACHE_DISK_FULL warning`)
        if (cache.listProjects({ limit: 1 }).total !== good) fail('reads did not answer the last good data on a full disk')
        fs.rmSync(filler)
        await cache.refresh({})
        if (!(await equalsFreshScan(cache, world, open))) fail('after space was freed, the next refresh did not heal')
        return { error: code, warned }
      } finally {
        cache.close()
      }
    } finally {
      spawnSync('umount', [mnt])
      fs.rmSync(mnt, { recursive: true, force: true })
    }
  },

  async unreadable({ world, fail }) {
    // Root reads through mode 000: the refresh runs as `nobody` then.
    const asNobody = process.getuid && process.getuid() === 0
    const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-db-'))
    fs.chmodSync(world.dir, 0o755)
    if (asNobody) {
      execFileSync('chmod', ['-R', 'a+rX', world.dir])
      fs.chownSync(dbDir, 65534, 65534)
    }
    const open = openOf(world, { path: path.join(dbDir, 'cache.db') })
    const folder = path.join(world.projectPaths[0], '.claude', 'agents')
    const file = fs.readdirSync(path.join(world.projectPaths[1], '.claude', 'commands')).find((f) => f.endsWith('.md'))
    const filePath = path.join(world.projectPaths[1], '.claude', 'commands', file)
    const spawnOpts = asNobody ? { uid: 65534, gid: 65534 } : {}
    // The checkout may sit in a folder `nobody` cannot enter: it runs a readable copy of the child.
    const childDir = asNobody ? publicChild() : __dirname
    try {
      fs.chmodSync(folder, 0o000)
      fs.chmodSync(filePath, 0o000)
      const r = await runChild('refresh', { open, report: true }, spawnOpts, null, childDir)
      if (!r.result) fail(`the refresh with unreadable files did not complete: ${r.out.trim().slice(0, 300)}`)
      const errs = (r.result && r.result.errors) || []
      const named = errs.some((e) => e.includes(file)) && errs.some((e) => e.includes('.claude/agents') && e.includes('cannot read this folder'))
      if (r.result && !named) fail(`the unreadable file and folder were not both reported: ${JSON.stringify(errs).slice(0, 300)}`)
      if (errs.some((e) => e.includes('DEPLOYED_FILE_MISSING'))) fail(`the unreadable folder was reported as deployments whose files are gone: ${JSON.stringify(errs).slice(0, 300)}`)
      fs.chmodSync(folder, 0o755)
      fs.chmodSync(filePath, 0o644)
      const healed = await runChild('refresh', { open, report: true }, spawnOpts, null, childDir)
      if (!healed.result) fail('the refresh after the modes were restored did not complete')
      const cache = Cache.open({ ...open })
      try {
        if (!(await equalsFreshScan(cache, world, open))) fail(`after the modes were restored, the next refresh did not heal: ${equalsFreshScan.last}`)
      } finally {
        cache.close()
      }
      return { asNobody, reported: named }
    } finally {
      fs.chmodSync(folder, 0o755)
      fs.chmodSync(filePath, 0o644)
      fs.rmSync(dbDir, { recursive: true, force: true })
    }
  },

  async racingWriter({ world, fail }) {
    const open = openOf(world)
    const dir = path.join(world.projectPaths[0], '.claude', 'commands')
    const racer = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs'),p=require('path');const d=${JSON.stringify(dir)};let i=0;
         setInterval(()=>{for(let k=0;k<20;k++){const a=p.join(d,'race-'+(i%7)+'.md'),b=p.join(d,'race-'+((i+3)%7)+'.md');
         try{if(i%3===0)fs.writeFileSync(a,'---\\ndescription: race '+i+'\\n---\\n');else if(i%3===1)fs.renameSync(a,b);else fs.rmSync(a)}catch{}i++}},1)`,
      ],
      { stdio: 'ignore' },
    )
    const cache = Cache.open(open)
    let rejected = 0
    try {
      for (let i = 0; i < 15; i++) {
        try {
          await cache.refresh({})
        } catch (e) {
          rejected++
          fail(`a refresh racing a writer rejected: ${e.code} ${e.message}`)
        }
      }
      racer.kill('SIGKILL')
      await sleep(50)
      await cache.refresh({})
      if (!(await equalsFreshScan(cache, world, open))) fail(`after the writer stopped, the next refresh did not match a fresh scan: ${equalsFreshScan.last}`)
      return { refreshes: 15, rejected }
    } finally {
      racer.kill('SIGKILL')
      cache.close()
    }
  },

  async databaseDeleted({ world, fail }) {
    const open = openOf(world, { path: undefined })
    const cache = Cache.open(open)
    let reopened = null
    try {
      await cache.refresh({})
      const good = cache.listProjects({ limit: 1 }).total
      const db = cache.status().dbPath
      for (const s of ['', '-wal', '-shm']) fs.rmSync(db + s, { force: true })
      if (cache.listProjects({ limit: 1 }).total !== good) fail('reads stopped answering after the database file was deleted')
      cache.close()
      reopened = Cache.open(open)
      await reopened.refresh({})
      if (!(await equalsFreshScan(reopened, world, open))) fail('the reopened cache did not heal after the database file was deleted')
      // Replaced by garbage while open: the default location is recovered (moved aside, warned).
      reopened.close()
      fs.writeFileSync(db, Buffer.alloc(8192, 0x5a))
      reopened = Cache.open(open)
      const warned = reopened.status().warnings.some((w) => w.code === 'CACHE_CORRUPT')
      if (!warned) fail('a database replaced by garbage was opened without a CACHE_CORRUPT warning')
      await reopened.refresh({})
      if (!(await equalsFreshScan(reopened, world, open))) fail('after a replaced database, the next refresh did not heal')
      return { warned }
    } finally {
      cache.close()
      if (reopened) reopened.close()
    }
  },

  async indexDeleted({ world, fail }) {
    const open = openOf(world)
    const cache = Cache.open(open)
    try {
      await cache.refresh({})
      const name = cache.listArtifacts({ type: 'command', limit: 1 }).items[0].name
      if (cache.search(name, { limit: 5 }).total === 0) fail('search found nothing before the index was deleted')
      fs.rmSync(cache.status().search.path, { recursive: true, force: true })
      let code = null
      let found = 0
      try {
        found = cache.search(name, { limit: 5 }).total
      } catch (e) {
        code = e.code
      }
      if (code && !/^[A-Z_]+$/.test(code)) fail(`search after the index folder was deleted failed untyped: ${code}`)
      await cache.refresh({ force: true })
      cache.close()
      const again = Cache.open(open)
      try {
        const after = again.search(name, { limit: 5 }).total
        if (after === 0) fail('after the index folder was deleted, a reopen did not rebuild it')
        return { searchWhileGone: code || `answered (${found} hits)`, rebuilt: again.status().search.lastRebuildReason || null }
      } finally {
        again.close()
      }
    } finally {
      cache.close()
    }
  },

  async truncatedWal({ world, fail }) {
    const open = openOf(world)
    const first = Cache.open(open)
    await first.refresh({})
    const before = snapshot(first)
    first.close()
    for (const p of world.projectPaths.slice(0, 5)) fs.appendFileSync(path.join(p, '.claude', 'commands', 'wal.md'), `---\ndescription: wal ${Date.now()}\n---\n`)
    // A writer that commits, then dies without close() (its changes only in the WAL).
    const child = spawn(process.execPath, [path.join(__dirname, 'child.js'), 'refresh', JSON.stringify({ open, hold: true })], { stdio: ['ignore', 'pipe', 'ignore'] })
    await new Promise((resolve) => child.stdout.on('data', (d) => String(d).includes('done') && resolve()))
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const wal = `${world.db}-wal`
    const size = fs.existsSync(wal) ? fs.statSync(wal).size : 0
    if (size > 64) fs.truncateSync(wal, 32 + Math.floor(Math.random() * (size - 64)))
    const cache = Cache.open(open)
    try {
      if (cache.checkIntegrity() !== 'ok') fail(`integrity_check after a truncated WAL: ${cache.checkIntegrity()}`)
      const mid = snapshot(cache)
      await cache.refresh({})
      const after = snapshot(cache)
      for (const [p, l] of mid) if (l !== before.get(p) && l !== after.get(p)) fail(`after a truncated WAL, ${path.basename(p)} holds half a scan`)
      if (!(await equalsFreshScan(cache, world, open))) fail('after a truncated WAL, the next refresh did not heal')
      return { walBytes: size }
    } finally {
      cache.close()
    }
  },

  async clockBackwards({ world, fail }) {
    // libfaketime moves the wall clock of one process (CLOCK_REALTIME only: timers and
    // timeouts run on the monotonic clock, as they do when NTP steps a real clock).
    const lib = FAKETIME_LIBS.find((f) => fs.existsSync(f))
    if (!lib) return { skipped: 'libfaketime is not installed (Debian: apt-get install faketime)' }
    const env = (clock) => ({ env: { ...process.env, LD_PRELOAD: lib, FAKETIME_DONT_FAKE_MONOTONIC: '1', ...clock } })
    const open = openOf(world, { backgroundRefresh: true, leaseTtlMs: LEASE_MS })
    const giveUpMs = 10_000
    const seen = {}

    // 1. The refresher's clock steps back an hour while it runs: every project was scanned
    //    "in the future"; the TTL pass must scan them again, not wait an hour.
    const offset = path.join(world.dir, 'faketime-offset')
    fs.writeFileSync(offset, '+0\n')
    const stepped = await runChild('clock-step', { open, giveUpMs }, env({ FAKETIME_TIMESTAMP_FILE: offset, FAKETIME_CACHE_DURATION: '1' }), (line) => {
      if (line === 'holder') fs.writeFileSync(offset, '-1h\n')
    })
    const st = stepped.result
    if (!st) fail(`the refresher whose clock stepped back did not finish: ${stepped.out.trim().slice(0, 300)}`)
    else {
      seen.rescannedAfterStepMs = Math.round(st.rescannedMs)
      if (st.aheadAtStep === 0) fail(`the clock did not step (no project was ahead of it): ${JSON.stringify(st)}`)
      if (st.stillAhead > 0) fail(`${st.stillAhead} project(s) scanned before the step were not scanned again within ${giveUpMs} ms`)
      if (st.negativeAges > 0) fail(`a negative age was reported ${st.negativeAges} time(s)`)
      if (st.stale > 0 || !st.holder) fail(`after the step: ${JSON.stringify(st)}`)
    }

    // 2. A refresher dies holding the lease; the next one's clock is an hour behind. The lease
    //    must not block it for that hour.
    const holder = spawn(process.execPath, [path.join(__dirname, 'child.js'), 'watch', JSON.stringify({ open })], { stdio: ['ignore', 'pipe', 'pipe'] })
    let said = ''
    holder.stdout.on('data', (d) => (said += d))
    holder.stderr.on('data', (d) => (said += d))
    try {
      const probe = Cache.open(openOf(world))
      try {
        const t0 = Date.now()
        while (!probe.status().background.leaseHolder && Date.now() - t0 < giveUpMs) await sleep(20)
        if (!probe.status().background.leaseHolder) {
          fail(`the first refresher never took the lease (it ${holder.exitCode === null ? 'ran' : `exited ${holder.exitCode}`}; said: ${said.trim().slice(0, 300)}; status: ${JSON.stringify(probe.status().background).slice(0, 300)})`)
        }
      } finally {
        probe.close()
      }
    } finally {
      holder.kill('SIGKILL')
      await new Promise((r) => (holder.exitCode !== null || holder.signalCode !== null ? r() : holder.once('exit', r)))
    }
    const took = await runChild('takeover', { open, giveUpMs }, env({ FAKETIME: '-1h' }))
    const tk = took.result
    if (!tk) fail(`the refresher an hour behind did not finish: ${took.out.trim().slice(0, 300)}`)
    else {
      seen.takeoverMs = Math.round(tk.ms)
      if (Math.abs(tk.clock - (Date.now() - 3_600_000)) > 60_000) fail(`the second refresher's clock was not an hour behind: ${new Date(tk.clock).toISOString()}`)
      if (!tk.holder || tk.ms > LEASE_MS * 3) fail(`the lease of a holder that died an hour "ahead" was not taken over within ${LEASE_MS * 3} ms: ${JSON.stringify(tk)}`)
    }

    // 3. Back on the real clock (a step forward): a refresh heals everything.
    const cache = Cache.open(openOf(world))
    try {
      await cache.refresh({})
      if (!(await equalsFreshScan(cache, world, openOf(world)))) fail(`on the real clock again, the refresh did not heal: ${equalsFreshScan.last}`)
    } finally {
      cache.close()
    }
    return seen
  },

  async network({ world, fail, certs }) {
    let manifest = null
    const corpus = path.join(__dirname, '..', '..', '..', 'shared', 'corpus', 'marketplaces', 'obra-superpowers.marketplace.json')
    manifest = fs.existsSync(corpus)
      ? fs.readFileSync(corpus)
      : Buffer.from(JSON.stringify({ name: 'x', owner: { name: 'x' }, plugins: [{ name: 'p', source: './p', description: 'd' }] }))
    let fault = 'none'
    const plain = await serve((req, res) => {
      if (fault === 'none') return res.writeHead(200, { 'content-type': 'application/json' }).end(manifest)
      if (fault === 'reset') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(manifest.length) })
        res.write(manifest.subarray(0, manifest.length >> 1))
        return setTimeout(() => res.socket.destroy(), 20)
      }
      if (fault === 'drip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(manifest.length) })
        let i = 0
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(manifest.subarray(i, ++i))), 200)
        return res.on('close', () => clearInterval(t))
      }
    })
    const tls = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => res.writeHead(200).end(manifest))
    await new Promise((r) => tls.listen(0, '127.0.0.1', r))
    const sources = [
      { name: 'good-then-bad', url: `${plain.url}/m.json` },
      { name: 'untrusted-tls', url: `https://127.0.0.1:${tls.address().port}/m.json` },
      { name: 'no-dns', url: 'https://marketplace.does-not-resolve.invalid/m.json' },
    ]
    const cache = Cache.open(openOf(world, { marketplaceSources: sources, allowHttpHosts: ['127.0.0.1'], httpTimeoutMs: HTTP_TIMEOUT_MS }))
    const seen = {}
    try {
      const first = await cache.refreshMarketplace({ force: true })
      const by = (s) => Object.fromEntries(s.sources.map((o) => [o.name, o]))
      const f = by(first)
      if (f['good-then-bad'].status !== 'fetched') fail(`the good source was not fetched: ${JSON.stringify(f['good-then-bad'])}`)
      for (const n of ['untrusted-tls', 'no-dns']) {
        seen[n] = f[n].code || f[n].status
        if (f[n].status !== 'error' || !f[n].code) fail(`${n}: expected a typed error, got ${JSON.stringify(f[n])}`)
      }
      const good = cache.marketplaceEntries({ source: 'good-then-bad', limit: 1 }).total
      for (const kind of ['reset', 'drip']) {
        fault = kind
        const t0 = Date.now()
        const s = by(await cache.refreshMarketplace({ force: true }))['good-then-bad']
        const took = Date.now() - t0
        seen[kind] = `${s.code || s.status} in ${took} ms`
        if (s.status !== 'error' || !s.code) fail(`${kind}: expected a typed error, got ${JSON.stringify(s)}`)
        if (took > HTTP_TIMEOUT_MS * 2 + 2000) fail(`${kind}: the fetch took ${took} ms with a ${HTTP_TIMEOUT_MS} ms timeout`)
        if (cache.marketplaceEntries({ source: 'good-then-bad', limit: 1 }).total !== good) fail(`${kind}: the last good entries were not kept`)
        const state = cache.marketplaceSources().find((x) => x.name === 'good-then-bad')
        if (!state.errorCode) fail(`${kind}: the source's state does not show the error`)
        fault = 'none'
        const healed = by(await cache.refreshMarketplace({ force: true }))['good-then-bad']
        if (!['fetched', 'notModified'].includes(healed.status)) fail(`${kind}: the next good fetch did not heal: ${JSON.stringify(healed)}`)
      }
      return seen
    } finally {
      cache.close()
      await plain.close()
      tls.closeAllConnections?.()
      await new Promise((r) => tls.close(r))
    }
  },
}

function selfSignedCert(dir) {
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert, '-days', '1'], { stdio: 'ignore' })
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) }
}

async function run({ quick, log }) {
  const reps = quick ? 2 : 10
  const figures = { reps, cases: {}, failures: [] }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-faults-'))
  const certs = selfSignedCert(tmp)
  try {
    // RELIABILITY_CASES=racingWriter,network runs only those cases (for chasing one failure).
    const chosen = process.env.RELIABILITY_CASES ? process.env.RELIABILITY_CASES.split(',') : null
    for (const [name, fn] of Object.entries(CASES)) {
      if (chosen && !chosen.includes(name)) continue
      const outcomes = []
      for (let i = 0; i < reps; i++) {
        const world = makeWorld({ projects: 10, artifacts: 20, seed: 11 + i, prefix: 'smc-fault-' })
        const fail = (msg) => figures.failures.push(`${name} #${i + 1}: ${msg}`)
        try {
          const t0 = Date.now()
          const out = await fn({ world, fail, certs })
          outcomes.push({ ...out, ms: Date.now() - t0 })
          if (out && out.skipped) break
        } catch (e) {
          fail(`threw ${e.code || ''} ${e.message}`)
        } finally {
          world.cleanup()
        }
      }
      figures.cases[name] = { runs: outcomes.length, last: outcomes[outcomes.length - 1] || null }
      log(`faults: ${name}: ${outcomes.length} run(s), ${figures.failures.filter((f) => f.startsWith(name)).length} failure(s) — ${JSON.stringify(outcomes[outcomes.length - 1] || {})}`)
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  return figures
}

module.exports = { name: 'faults', run }
