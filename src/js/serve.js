'use strict'
// The cache handler on node:http: requests go straight to the handler's framework-free core (no
// web Request/Response per request: they cost most of the time of a cached answer). Used by
// `skillmeat-cache serve`, the tests and the HTTP benchmark.

const http = require('node:http')

const DISPATCH = Symbol.for('@skillmeat/cache.dispatch')
const CACHED = Symbol.for('@skillmeat/cache.cached')
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]'])

/** Whether `host` only accepts connections from this machine. */
function isLoopback(host) {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** One request as the handler's core reads it (see `dispatch` in http/handler.js). */
class Exchange {
  constructor(req, res) {
    const url = req.url || '/'
    const q = url.indexOf('?')
    this.method = req.method
    this.pathname = q < 0 ? url : url.slice(0, q)
    this.search = q < 0 ? '' : url.slice(q + 1)
    this.body = req.method !== 'GET' && req.method !== 'HEAD' ? req : null
    this.req = req
    this.res = res
    this.controller = null
  }

  header(name) {
    const v = this.req.headers[name]
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
  }

  /** Aborted when the client goes away; made on first use. */
  get signal() {
    if (this.controller === null) {
      const controller = new AbortController()
      this.controller = controller
      const res = this.res
      if (res.destroyed || res.writableEnded) controller.abort()
      else res.once('close', () => controller.abort())
    }
    return this.controller.signal
  }
}

async function pipeStream(res, stream) {
  const reader = stream.getReader()
  res.on('close', () => reader.cancel().catch(() => {}))
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (!res.write(value)) await new Promise((r) => res.once('drain', r))
  }
  res.end()
}

function write(res, a, method) {
  const headers = a.headers
  if (a.stream) {
    res.writeHead(a.status, headers)
    return pipeStream(res, a.stream)
  }
  let buf = null
  if (a.text !== null && a.text !== undefined) {
    // An answer from the handler's body cache carries its entry: encode its text once.
    if (a.bytes) buf = a.bytes.buf || (a.bytes.buf = Buffer.from(a.text))
    else buf = Buffer.from(a.text)
  }
  if (buf) headers['content-length'] = String(buf.length)
  res.writeHead(a.status, headers)
  res.end(method === 'HEAD' ? undefined : buf)
  return null
}

function failed(res) {
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
  res.end('{"detail":"Internal error"}')
}

/**
 * Serves `handler` on `host:port` (port 0: any free port). Resolves once listening with
 * `{ server, url, close }`; `close()` stops accepting, ends event streams, lets in-flight
 * requests finish, closes keep-alive connections as they go idle, and resolves when closed.
 */
function startServer({ handler, host = '127.0.0.1', port = 8080, basePath = '/api/v1' }) {
  const dispatch = handler[DISPATCH]
  const cached = handler[CACHED]
  if (typeof dispatch !== 'function' || typeof cached !== 'function') {
    throw new TypeError('startServer serves a handler made by createCacheHandler()')
  }
  const server = http.createServer((req, res) => {
    const ex = new Exchange(req, res)
    // A current body from the handler's body cache is written at once; anything else goes
    // through the full (asynchronous) dispatch.
    let a = null
    try {
      a = cached(ex)
    } catch {
      a = null
    }
    if (a !== null) {
      try {
        write(res, a, req.method)
      } catch {
        failed(res)
      }
      return
    }
    dispatch(ex)
      .then((a) => write(res, a, req.method))
      .catch(() => failed(res))
  })
  server.keepAliveTimeout = 5000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.removeListener('error', reject)
      const addr = server.address()
      const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
      const url = `http://${shown}:${addr.port}${basePath}`
      let closing = null
      const close = () => {
        if (!closing) {
          closing = new Promise((r) => server.close(() => r()))
          // Event streams never end by themselves: end them, then the idle keep-alives.
          if (typeof handler.closeStreams === 'function') handler.closeStreams()
          server.closeIdleConnections()
          // Connections become idle as their last responses end; close those too.
          const sweep = setInterval(() => server.closeIdleConnections(), 50)
          closing.finally(() => clearInterval(sweep))
        }
        return closing
      }
      resolve({ server, url, close })
    })
  })
}

module.exports = { startServer, isLoopback }
