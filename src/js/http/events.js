'use strict'
// Live events (Server-Sent Events): the stream behind `GET /cache/events`.

const { otherId } = require('./ids.js')

const HEARTBEAT_MS = 15_000
const GENERATION_POLL_MS = 250
/** Events after which this process's own write is already described to clients. */
const LOCAL_DATA_EVENTS = new Set(['changesDetected', 'refreshCompleted', 'invalidated'])

/**
 * `GET /cache/events`: every event of the cache (refreshStarted, refreshCompleted,
 * changesDetected, invalidated, watcherDegraded, …) as `event: <type>` with the event as JSON,
 * plus `dataChanged` whenever the data generation moves, which is how writes by another process
 * on the same database (the CLI, a second server) show up, within a poll interval. Heartbeat
 * comments keep proxies from closing the stream; it ends when the client goes away.
 */
function eventStream(cache, ex, streams) {
  const enc = new TextEncoder()
  const { signal } = ex
  // Held until the stream ends. A fetch `Request` keeps the controller behind `request.signal`
  // alive only as long as the request itself (undici holds it weakly otherwise): if nothing held
  // the exchange, a garbage collection after the handler returned would silently cut the client's
  // abort off, and the stream would stay open after its client left.
  let exchange = ex
  let cleanup = () => {}
  const body = new ReadableStream({
    start(controller) {
      let open = true
      let generation = cache.generation()
      const send = (text) => {
        if (!open) return
        try {
          controller.enqueue(enc.encode(text))
        } catch {
          cleanup()
        }
      }
      const event = (type, data, id) => send(`${id !== undefined ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`)
      // A change this process made is announced by its own event (changesDetected names the
      // project); the generation it moved to is remembered so the poll does not announce it
      // again as a `dataChanged` (which clients treat as "anything may have changed").
      let announced = null
      const off = cache.onEvent((e) => {
        // The project's SkillMeat id beside the cache's, for pages that keyed their queries by
        // the `/projects` ids.
        if (typeof e.projectId === 'string') {
          try {
            const key = otherId(cache, 'byCacheId', e.projectId)
            if (key) e = { ...e, projectKey: key }
          } catch {
            // the cache is closing: the event goes as it is
          }
        }
        if (LOCAL_DATA_EVENTS.has(e.type)) {
          try {
            announced = cache.generation()
          } catch {
            announced = null
          }
        }
        event(e.type, e)
      })
      const poll = setInterval(() => {
        let g
        try {
          g = cache.generation()
        } catch {
          return cleanup()
        }
        if (g !== generation) {
          generation = g
          if (g !== announced) event('dataChanged', { type: 'dataChanged', generation: g }, g)
        }
      }, GENERATION_POLL_MS)
      const beat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS)
      poll.unref?.()
      beat.unref?.()
      cleanup = () => {
        if (!open) return
        open = false
        exchange = null
        clearInterval(poll)
        clearInterval(beat)
        try {
          off()
        } catch {
          // the cache may be closed already
        }
        streams.delete(cleanup)
        try {
          controller.close()
        } catch {
          // already closed or errored
        }
      }
      streams.add(cleanup)
      if (signal) {
        if (signal.aborted) return cleanup()
        signal.addEventListener('abort', () => cleanup(), { once: true })
      }
      send('retry: 2000\n\n')
      event('ready', { type: 'ready', generation }, generation)
    },
    cancel() {
      cleanup()
    },
  })
  return { status: 200, headers: { ...STREAM_HEADERS }, stream: body }
}

const STREAM_HEADERS = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
})

module.exports = { eventStream, STREAM_HEADERS }
