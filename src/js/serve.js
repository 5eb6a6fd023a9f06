'use strict'
// The cache handler on node:http: each IncomingMessage becomes a web Request (its body streamed,
// aborted when the client goes away) and each Response is streamed back. Used by
// `skillmeat-cache serve`, the tests and the HTTP benchmark.

const http = require('node:http')
const { Readable } = require('node:stream')

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]'])

/** Whether `host` only accepts connections from this machine. */
function isLoopback(host) {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Whether the request may stay open (an event stream), so it needs an abort signal. */
function mayStream(req) {
  const url = req.url || ''
  const q = url.indexOf('?')
  return (q < 0 ? url : url.slice(0, q)).endsWith('/events') || String(req.headers.accept || '').includes('text/event-stream')
}

function toRequest(req, res, origin) {
  let signal
  if (mayStream(req)) {
    // Aborted when the client goes away (an AbortController per request costs a third of
    // the throughput, so only event streams get one).
    const controller = new AbortController()
    res.on('close', () => controller.abort())
    signal = controller.signal
  }
  const headers = new Headers()
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x)
    else if (v !== undefined) headers.set(k, v)
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  return new Request(new URL(req.url || '/', origin), {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: hasBody ? 'half' : undefined,
    signal,
  })
}

const RAW_BODY = Symbol.for('@skillmeat/cache.rawBody')

async function send(res, response) {
  const headers = {}
  response.headers.forEach((v, k) => {
    headers[k] = v
  })
  const raw = response[RAW_BODY]
  if (raw !== undefined) {
    // Built by the cache handler: its text is at hand, no need to read the body stream back.
    const buf = raw === null ? null : Buffer.from(raw)
    if (buf) headers['content-length'] = String(buf.length)
    res.writeHead(response.status, headers)
    return res.end(buf)
  }
  if (!response.body) {
    res.writeHead(response.status, headers)
    return res.end()
  }
  if (!String(headers['content-type'] || '').startsWith('text/event-stream')) {
    // A JSON answer is complete already: one write, with its length.
    const buf = Buffer.from(await response.arrayBuffer())
    headers['content-length'] = String(buf.length)
    res.writeHead(response.status, headers)
    return res.end(buf)
  }
  res.writeHead(response.status, headers)
  const reader = response.body.getReader()
  res.on('close', () => reader.cancel().catch(() => {}))
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (!res.write(value)) await new Promise((r) => res.once('drain', r))
  }
  res.end()
}

/**
 * Serves `handler` on `host:port` (port 0: any free port). Resolves once listening with
 * `{ server, url, close }`; `close()` stops accepting, lets in-flight requests finish, ends idle
 * keep-alive connections and resolves when the server is closed.
 */
function startServer({ handler, host = '127.0.0.1', port = 8080, basePath = '/api/v1' }) {
  const server = http.createServer((req, res) => {
    const origin = `http://${req.headers.host || `${host}:${port}`}`
    let request
    try {
      request = toRequest(req, res, origin)
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' })
      return res.end('{"detail":"Bad Request"}')
    }
    handler(request)
      .then((response) => send(res, response))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end('{"detail":"Internal error"}')
      })
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
