'use strict'
// Cross-origin requests answered as SkillMeat's FastAPI (Starlette's CORSMiddleware with
// SkillMeat's settings) answers them: preflights, the origin named back, Vary: Origin, nothing
// for an origin not on the list; configurable by option, environment, config.toml and `serve`.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const readline = require('node:readline')
const { spawn } = require('node:child_process')
const { Cache } = require('../index.js')
const { createCacheHandler } = require('../src/js/http.js')
const { tmpdir } = require('./helpers.js')

const CLI = path.join(__dirname, '..', 'bin', 'skillmeat-cache')
const PAGE = 'http://localhost:3000'

function handlerOf(t, handlerOptions = {}, open = {}) {
  const cache = Cache.open({ home: tmpdir(), path: ':memory:', watch: false, ...open })
  t.after(() => cache.close())
  return createCacheHandler({ cache, ...handlerOptions })
}

const preflight = (origin, method = 'GET', headers = 'x-api-key') =>
  new Request('http://api/api/v1/cache/status', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, ...(headers ? { 'access-control-request-headers': headers } : {}) },
  })

test("SkillMeat's defaults: its page's origins are answered, preflights pass without the API key", async (t) => {
  const handler = handlerOf(t, { apiKey: 'k' })
  const pre = await handler(preflight(PAGE))
  assert.equal(pre.status, 200)
  assert.equal(await pre.text(), 'OK')
  assert.equal(pre.headers.get('access-control-allow-origin'), PAGE)
  assert.equal(pre.headers.get('access-control-allow-credentials'), 'true')
  assert.equal(pre.headers.get('access-control-allow-headers'), 'x-api-key', 'any header: the asked ones are named')
  assert.equal(pre.headers.get('access-control-allow-methods'), 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT')
  assert.equal(pre.headers.get('access-control-max-age'), '600')
  assert.equal(pre.headers.get('vary'), 'Origin')
  for (const port of [3001, 5173, 8080]) {
    assert.equal((await handler(preflight(`http://localhost:${port}`))).status, 200)
  }

  const get = await handler(new Request('http://api/api/v1/cache/status', { headers: { origin: PAGE, 'x-api-key': 'k' } }))
  assert.equal(get.status, 200)
  assert.equal(get.headers.get('access-control-allow-origin'), PAGE)
  assert.equal(get.headers.get('access-control-allow-credentials'), 'true')
  assert.match(get.headers.get('access-control-expose-headers'), /ETag/)
  assert.match(get.headers.get('vary'), /Origin/)
  // An error answer names the origin too, so the page can read why.
  const denied = await handler(new Request('http://api/api/v1/cache/status', { headers: { origin: PAGE } }))
  assert.equal(denied.status, 401)
  assert.equal(denied.headers.get('access-control-allow-origin'), PAGE)
})

test('an origin not on the list gets nothing of CORS; a preflight for it is refused as Starlette does', async (t) => {
  const handler = handlerOf(t)
  const pre = await handler(preflight('http://evil.test'))
  assert.equal(pre.status, 400)
  assert.equal(await pre.text(), 'Disallowed CORS origin')
  assert.equal(pre.headers.get('access-control-allow-origin'), null)
  const get = await handler(new Request('http://api/api/v1/cache/status', { headers: { origin: 'http://evil.test' } }))
  assert.equal(get.status, 200, 'the answer is given; the browser withholds it')
  assert.equal(get.headers.get('access-control-allow-origin'), null)
  assert.equal(get.headers.get('access-control-allow-credentials'), null)
  assert.equal(get.headers.get('vary'), 'Origin')
  // Without an Origin (curl, a server): no CORS headers but Vary, so no cache mixes the two.
  const plain = await handler(new Request('http://api/api/v1/cache/status'))
  assert.equal(plain.headers.get('access-control-allow-origin'), null)
  assert.equal(plain.headers.get('vary'), 'Origin')
})

test('the option narrows origins, methods and headers; false turns CORS off', async (t) => {
  const handler = handlerOf(t, { cors: { origins: ['http://app.test'], allowMethods: ['GET'], allowHeaders: ['X-API-Key'], allowCredentials: false } })
  assert.equal((await handler(preflight(PAGE))).status, 400)
  const post = await handler(preflight('http://app.test', 'POST'))
  assert.equal(post.status, 400)
  assert.equal(await post.text(), 'Disallowed CORS method')
  const headers = await handler(preflight('http://app.test', 'GET', 'x-api-key, x-other'))
  assert.equal(await headers.text(), 'Disallowed CORS headers')
  const ok = await handler(preflight('http://app.test', 'GET', 'X-API-Key, content-type'))
  assert.equal(ok.status, 200)
  assert.equal(ok.headers.get('access-control-allow-headers'), 'Accept, Accept-Language, Content-Language, Content-Type, X-API-Key')
  assert.equal(ok.headers.get('access-control-allow-credentials'), null)

  const any = handlerOf(t, { cors: { origins: ['*'], allowCredentials: false } })
  const star = await any(new Request('http://api/api/v1/cache/status', { headers: { origin: 'http://anywhere.test' } }))
  assert.equal(star.headers.get('access-control-allow-origin'), '*')
  assert.equal(star.headers.get('vary'), null)

  const off = handlerOf(t, { cors: false })
  const pre = await off(preflight(PAGE))
  assert.equal(pre.status, 204, 'a plain OPTIONS answer: the methods of the route')
  assert.equal(pre.headers.get('access-control-allow-origin'), null)
  assert.throws(() => createCacheHandler({ cors: 'yes' }), (e) => e.code === 'INVALID_ARGUMENT')
  assert.throws(() => createCacheHandler({ cors: { origins: 'http://a' } }), (e) => e.code === 'INVALID_ARGUMENT')
})

test("the cache's configuration (option of Cache.open, SKILLMEAT_CORS_* as SkillMeat reads them) sets the policy", async (t) => {
  const handler = handlerOf(t, {}, { corsOrigins: ['http://configured.test'] })
  assert.equal((await handler(preflight('http://configured.test'))).status, 200)
  assert.equal((await handler(preflight(PAGE))).status, 400)
  const disabled = handlerOf(t, {}, { corsEnabled: false })
  assert.equal((await disabled(new Request('http://api/api/v1/cache/status', { headers: { origin: PAGE } }))).headers.get('access-control-allow-origin'), null)

  // SkillMeat's own environment variable, in its JSON form, through `serve`.
  const home = tmpdir()
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    env: { ...process.env, SKILLMEAT_HOME: home, SKILLMEAT_CORS_ORIGINS: '["http://from-env.test"]', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => child.exitCode === null && child.kill('SIGKILL'))
  const line = await new Promise((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve))
  const base = line.replace('listening on ', '')
  const r = await fetch(`${base}/cache/status`, { headers: { origin: 'http://from-env.test' } })
  assert.equal(r.headers.get('access-control-allow-origin'), 'http://from-env.test')
  child.kill('SIGTERM')
})

test('serve --cors-origin: over node:http, the body cache answers carry the headers too', async (t) => {
  const home = tmpdir()
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--cors-origin', 'http://one.test', '--cors-origin', 'http://two.test'], {
    env: { ...process.env, SKILLMEAT_HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => child.exitCode === null && child.kill('SIGKILL'))
  const line = await new Promise((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve))
  const base = line.replace('listening on ', '')
  for (const origin of ['http://one.test', 'http://two.test', 'http://two.test']) {
    const r = await fetch(`${base}/cache/projects`, { headers: { origin } })
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('access-control-allow-origin'), origin)
    assert.match(r.headers.get('vary'), /Origin/)
  }
  const pre = await fetch(`${base}/cache/projects`, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'GET' } })
  assert.equal(pre.status, 400, "SkillMeat's default origins are replaced by --cors-origin")
  child.kill('SIGTERM')
})
