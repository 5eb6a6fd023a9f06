'use strict'

const { reportWarnings, withCache } = require('../lib/cache.js')
const { clock, formatDuration, plural } = require('../lib/format.js')
const { oneLine } = require('../lib/output.js')
const { PROG } = require('../lib/program.js')
const { stopSignals } = require('../lib/signals.js')

/** How often 'watch' checks the lease and watcher state (and holds the event loop). */
const WATCH_POLL_MS = 5000
/** How long 'watch' waits at start for the background worker to take its role. */
const WATCH_SETTLE_MS = 3000
const WATCH_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** What this process does, from `status()`: one line, and a key that changes when it does. */
function describeRole(s, st) {
  const b = s.background
  const holderPid = b.leaseHolder && b.leaseHolder.pid
  const key = JSON.stringify([b.isLeaseHolder, b.watcherState, b.watchedPaths, b.isLeaseHolder ? null : holderPid ?? null, b.watcherReason ?? null])
  const lines = []
  const projects = plural(s.projects, 'project')
  if (b.isLeaseHolder) {
    const ttl = s.config.ttlMinutes ? s.config.ttlMinutes.value : undefined
    const lease = s.mode === 'memory' ? 'in-memory cache' : 'this process holds the refresher lease'
    if (b.watcherState === 'watching') {
      lines.push(`watching ${plural(b.watchedPaths, 'path')} (${projects}); ${lease}`)
    } else if (b.watcherState === 'degraded') {
      lines.push(
        `${st.yellow('not watching files')} (degraded); projects older than ${ttl} min are re-scanned in the background; ${lease}`,
      )
    } else {
      lines.push(`refreshing ${projects} in the background (watcher ${b.watcherState}); ${lease}`)
    }
    if (b.watcherState === 'watching' && b.watcherReason) lines.push(`${st.yellow('warning:')} ${oneLine(b.watcherReason)}`)
  } else if (b.watcherState === 'standby') {
    const lh = b.leaseHolder
    if (!lh) {
      lines.push('standby: no process holds the refresher lease right now; this process takes it at its next heartbeat')
    } else if (lh.expiresAt < Date.now()) {
      lines.push(`standby: the refresher lease of process ${lh.pid} has expired; this process takes over at its next heartbeat`)
    } else {
      lines.push(
        `standby: process ${lh.pid} holds the refresher lease and watches ${projects}; this process takes over if it stops`,
      )
    }
  } else {
    lines.push(`the background refresher has not started yet (watcher ${b.watcherState})`)
  }
  return { key, lines }
}

/** Human lines for one event (none for the uninteresting ones). */
function describeEvent(e, nameOf, st) {
  const errorLines = (errors) => (errors || []).map((m) => `  ${st.red('!')} ${oneLine(m)}`)
  switch (e.type) {
    case 'changesDetected': {
      const parts = []
      if (e.updated && e.updated.length) parts.push(`updated: ${e.updated.join(', ')}`)
      if (e.added && e.added.length) parts.push(`${st.green('added:')} ${e.added.join(', ')}`)
      if (e.removed && e.removed.length) parts.push(`${st.red('removed:')} ${e.removed.join(', ')}`)
      return [`${st.bold(oneLine(e.projectName || nameOf(e.projectId)))}  ${parts.join('; ')}`]
    }
    case 'refreshCompleted': {
      const s = e.summary || {}
      const changed = s.projectsChanged || s.artifactsAdded || s.artifactsUpdated || s.artifactsRemoved || s.projectsMissing
      const errors = s.errors || []
      // Periodic TTL re-scans that found nothing are routine; say nothing.
      if (e.trigger === 'ttl' && !changed && !errors.length) return []
      const tail = []
      let head
      if (e.projectId) {
        head = `refresh (${e.trigger}) ${nameOf(e.projectId)}:`
        if (s.projectsMissing) tail.push('folder missing')
      } else {
        head = `refresh (${e.trigger}):`
        tail.push(`${plural(s.projectsScanned || 0, 'project')} scanned`, `${s.projectsChanged || 0} changed`)
        if (s.projectsDiscovered) tail.push(`${s.projectsDiscovered} discovered`)
        if (s.projectsMissing) tail.push(`${s.projectsMissing} missing`)
      }
      tail.push(`${s.artifactsRead || 0} read`)
      if (errors.length) tail.push(st.red(plural(errors.length, 'error')))
      tail.push(formatDuration(s.durationMs || 0))
      return [`${head} ${tail.join(', ')}`, ...errorLines(errors)]
    }
    case 'refreshError': {
      const what = e.projectId ? ` ${nameOf(e.projectId)}` : ''
      return [`${st.red('error:')} refresh (${e.trigger})${what} failed: ${oneLine(e.message)} (${e.code})`]
    }
    case 'invalidated':
      return [`invalidated ${e.projectId ? nameOf(e.projectId) : plural(e.count || 0, 'project')}`]
    case 'watcherDegraded':
      return [`${st.yellow('warning:')} file watching degraded: ${oneLine(e.reason)}`]
    default:
      // refreshStarted and refreshProgress: the completion line says it all.
      return []
  }
}

/**
 * Runs until a stop signal (or stdout closing): prints events as they come. Resolves once the
 * subscription is gone; the caller closes the cache.
 */
function watchUntilStopped(cache, ctx, signals) {
  const { out } = ctx
  const st = out.style
  return new Promise((resolve) => {
    const names = new Map()
    const nameOf = (id) => {
      if (!id) return ''
      if (!names.has(id)) {
        let p = null
        try {
          p = cache.getProject(id)
        } catch {
          // Reported as the id below.
        }
        if (!p) return id
        names.set(id, p.name)
      }
      return names.get(id)
    }
    const stamp = (line) => `${st.dim(clock())}  ${line}`
    let stopped = false
    let ready = ctx.json // human lines wait for the role line, so it comes first
    const pending = []
    let showRole = () => {}
    const print = (e) => {
      if (e.type === 'changesDetected' && e.projectId && e.projectName) names.set(e.projectId, e.projectName)
      // A startup refresh follows taking the lease: say so before its summary.
      if (e.trigger === 'startup') showRole()
      for (const l of describeEvent(e, nameOf, st)) out.line(stamp(l))
      if (e.type === 'watcherDegraded') showRole()
    }
    const unsubscribe = cache.onEvent((e) => {
      // Events queued before unsubscribe() can still arrive after it.
      if (stopped) return
      if (ctx.json) out.jsonLine(e)
      else if (ready) print(e)
      else pending.push(e)
    })
    reportWarnings(cache, ctx)

    let timer = null
    let lastRole = null
    showRole = () => {
      if (ctx.json || stopped) return
      let s
      try {
        s = cache.status()
      } catch {
        return // busy or closing: try again at the next poll
      }
      const { key, lines } = describeRole(s, st)
      if (key === lastRole) return
      lastRole = key
      for (const l of lines) out.line(stamp(l))
    }
    const settleBy = Date.now() + WATCH_SETTLE_MS
    const settle = () => {
      if (stopped) return
      // The worker takes its role (holder or standby) at its first heartbeat, just after open.
      let state = 'off'
      try {
        state = cache.status().background.watcherState
      } catch {
        // Decided below by the deadline.
      }
      if (state === 'off' && Date.now() < settleBy) {
        timer = setTimeout(settle, 25)
        return
      }
      showRole()
      ready = true
      for (const e of pending.splice(0)) print(e)
      // Also what keeps the process alive: the addon never holds the event loop.
      timer = setInterval(showRole, WATCH_POLL_MS)
    }
    if (ctx.json) timer = setInterval(() => {}, WATCH_POLL_MS)
    else settle()

    const stop = () => {
      if (stopped) return
      stopped = true
      clearTimeout(timer)
      clearInterval(timer)
      unsubscribe()
      resolve()
    }
    signals.onStop(stop)
  })
}

module.exports = {
  name: 'watch',
  order: 130,
  summary: 'Keep the cache fresh in the foreground and print what changes (Ctrl-C stops)',
  description: `
Runs in the foreground until Ctrl-C (or SIGTERM), keeping the cache fresh:
watches every project's profile folders (.claude, ...), the collections
folder and config.toml, re-scans what changes, catches up at start on what
changed while nothing was watching, and re-scans projects older than
ttl_minutes in the background.

Only one process per cache database does this work: the holder of the
refresher lease. Another 'watch' (or any program using the cache with
background refresh) on the same database waits on standby and takes over
within seconds when the holder stops, or within lease_ttl_ms when it dies.

Prints one line per change, with the local time:
  12:01:05  web-app  updated: review-pr; added: new-skill
  12:01:05  refresh (watch) web-app: 1 read, 2.0 ms
plus refresh errors, warnings (a degraded watcher falls back to TTL refreshes),
and a line saying what is watched and whether this process holds the lease
(repeated when that changes). Only this process's own re-scans are reported:
a change that another process (say, '${PROG} refresh') stored first
is not printed again, and a process on standby prints no changes.
--json prints every event as one JSON object per line, as the library
delivers it ({"type":"changesDetected","projectId":...,"updated":[...]},
refreshStarted, refreshCompleted, refreshError, refreshProgress, invalidated,
watcherDegraded), and nothing else on stdout.
Exits 0 when stopped by Ctrl-C, SIGTERM or SIGHUP; the lease is released.`,
  options: {},
  args: [],
  async run(ctx) {
    // Installed before the addon loads, so that an early Ctrl-C still ends cleanly (exit 0).
    const signals = stopSignals(WATCH_SIGNALS)
    // A reader that went away (`watch | head -3`) ends the watch like Ctrl-C.
    ctx.out.stdout.on('error', signals.request)
    try {
      await withCache(ctx.values, (cache) => watchUntilStopped(cache, ctx, signals), { backgroundRefresh: true, watch: true })
    } finally {
      // Removed only after close(): a second Ctrl-C while closing is ignored, not fatal.
      signals.dispose()
      ctx.out.stdout.removeListener('error', signals.request)
    }
  },
}
