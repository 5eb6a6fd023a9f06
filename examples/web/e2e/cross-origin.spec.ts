// SkillMeat's documented set-up: the page on one origin, the API (here `skillmeat-cache serve`) on
// another. Chromium enforces CORS for real: the page reads the API's answers (and the headers the
// live client needs) only when the API names the page's origin, as SkillMeat's FastAPI does.
import { expect, test } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import readline from 'node:readline'

const home = process.env.E2E_HOME as string
const cli = process.env.E2E_CLI as string

/** `skillmeat-cache serve` on a free port with `args`; resolves with its base URL. */
async function serve(args: string[]): Promise<{ base: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], {
    env: { ...process.env, SKILLMEAT_HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
  })
  return { base: line.replace('listening on ', ''), child }
}

/** What the page gets when it calls `url` with fetch (`error` when the browser blocks it). */
function callFromPage(page: import('@playwright/test').Page, url: string, headers: Record<string, string> = {}) {
  return page.evaluate(
    async ({ url, headers }) => {
      try {
        const r = await fetch(url, { headers, credentials: 'include' })
        return { status: r.status, etag: r.headers.get('etag'), body: await r.json() }
      } catch (e) {
        return { error: String(e) }
      }
    },
    { url, headers },
  )
}

test('a page on another origin reads the API when its origin is allowed, with the API key, and is blocked when not', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin
  const allowed = await serve(['--cors-origin', origin, '--api-key', 'e2e-key'])
  const other = await serve(['--cors-origin', 'http://elsewhere.test'])
  try {
    await page.goto('/')
    // A preflight (X-API-Key is not a simple header) then the GET: both across origins.
    const ok = await callFromPage(page, `${allowed.base}/cache/projects`, { 'X-API-Key': 'e2e-key' })
    expect(ok).toMatchObject({ status: 200 })
    expect((ok as { body: { items: unknown[] } }).body.items.length).toBeGreaterThan(0)
    expect((ok as { etag: string | null }).etag, 'the ETag is exposed to the page').toMatch(/^W?\/?"/)
    // Same answer again, from the server's body cache: still with the CORS headers.
    expect(await callFromPage(page, `${allowed.base}/cache/projects`, { 'X-API-Key': 'e2e-key' })).toMatchObject({ status: 200 })
    const blocked = await callFromPage(page, `${other.base}/cache/status`)
    expect(blocked).toHaveProperty('error')
  } finally {
    allowed.child.kill('SIGTERM')
    other.child.kill('SIGTERM')
  }
})
