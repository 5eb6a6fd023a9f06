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

function toRequest(req, origin) {
  const controller = new AbortController()
  req.on('close', () => {
    if (!req.complete || req.destroyed) controller.abort()
  })
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
    signal: controller.signal,
  })
}

async function send(res, response) {
  const headers = {}
  response.headers.forEach((v, k) => {
    headers[k] = v
  })
  res.writeHead(response.status, headers)
  if (!response.body) return res.end()
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
      request = toRequest(req, origin)
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
