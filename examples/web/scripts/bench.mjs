// `npm run bench:web` (from the repository root): how fast the projects page paints its first
// artifact row with a warm server, in Chromium, on the generated 100 projects × 100 artifacts
// tree (seed CACHE-6.1: "web app startup with warm cache < 500 ms"; target here < 150 ms).
//
// Each of 20 loads opens a new tab and navigates to the page; the time is the Element Timing
// `renderTime` of the first row (ms from navigation start). Baseline, same run: the same HTML
// bytes and static files served from memory by a bare node:http server (no Next, no cache), so
// the ratio is what server rendering from the cache costs over the fastest possible answer. The
// two are loaded in turn (one load of each), so that the shared machine's drift weighs on both.
// BENCH_STRIP=1 strips the scripts from the baseline (the browser alone: HTML and CSS). LOADS=n.
// BENCH_DUMP=file writes the HTML measured (to study what the browser is given).
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { createRequire } from 'node:module'
import { chromium } from '@playwright/test'
import { app, repo } from './world.mjs'

const LOADS = Number(process.env.LOADS || 20)
const PORT = 3219
const require = createRequire(import.meta.url)
const { generate } = require(path.join(repo, 'scripts', 'gen-fixtures.js'))
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
if (!fs.existsSync(executablePath)) {
  console.log(`bench:web skipped: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`)
  process.exit(0)
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-bench-web-'))
const fx = generate({ out: work, projects: 100, artifacts: 100, malformedRate: 0.02, seed: 1 })
const home = fx.home
const projectsDir = fx.projectsDir
const node = process.execPath
const next = path.join(app, 'node_modules', 'next', 'dist', 'bin', 'next')
const env = { ...process.env, SKILLMEAT_HOME: home, SKILLMEAT_CACHE_PROJECT_ROOTS: projectsDir, NEXT_TELEMETRY_DISABLED: '1' }
execFileSync(node, [path.join(app, 'scripts', 'setup.mjs')], { cwd: app, stdio: 'inherit', env })
execFileSync(node, [next, 'build'], { cwd: app, stdio: 'ignore', env })

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]
}

async function waitFor(url, ms = 60_000) {
  const end = Date.now() + ms
  for (;;) {
    try {
      const r = await fetch(url)
      if (r.ok) return
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** The first-row paint of one load of `url` in a new tab of `context`. */
async function load(context, url) {
  const page = await context.newPage()
  try {
    await page.goto(url, { waitUntil: 'commit' })
    const t = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const seen = (list) => {
            for (const e of list.getEntries()) {
              if (e.identifier !== 'first-artifact-row') continue
              const nav = performance.getEntriesByType('navigation')[0]
              const fcp = performance.getEntriesByName('first-contentful-paint')[0]
              return resolve({ row: e.renderTime || e.loadTime, ttfb: nav ? nav.responseStart : 0, html: nav ? nav.responseEnd : 0, fcp: fcp ? fcp.startTime : 0 })
            }
          }
          new PerformanceObserver(seen).observe({ type: 'element', buffered: true })
          setTimeout(() => resolve(null), 10_000)
        }),
    )
    if (t === null) throw new Error(`${url}: the first artifact row was not painted within 10 s`)
    return t
  } finally {
    await page.close()
  }
}

/**
 * First-row paint times of `LOADS` loads of each of `urls`, after 3 unmeasured warm-up loads,
 * interleaved (one load of each in turn) so that the machine's drift weighs on all alike.
 */
async function measure(browser, urls) {
  const contexts = await Promise.all(urls.map(() => browser.newContext()))
  const times = urls.map(() => [])
  for (let i = -3; i < LOADS; i++) {
    for (let u = 0; u < urls.length; u++) {
      const t = await load(contexts[u], urls[u])
      if (i >= 0) times[u].push(t)
    }
  }
  await Promise.all(contexts.map((c) => c.close()))
  return times
}

const server = spawn(node, [next, 'start', '-H', '127.0.0.1', '-p', String(PORT)], { cwd: app, env, stdio: 'ignore' })
let bare = null
let browser = null
try {
  const base = `http://127.0.0.1:${PORT}`
  await waitFor(`${base}/api/v1/cache/status`)
  await fetch(`${base}/`).then((r) => r.text()) // warm: first render opens and fills the cache
  const html = await fetch(`${base}/`).then((r) => r.text())
  const rows = (html.match(/data-testid="artifact-row"/g) || []).length
  if (process.env.BENCH_DUMP) fs.writeFileSync(process.env.BENCH_DUMP, html)

  // The page's JS, as the browser downloads it.
  // The page's JS as the browser loads it: `noModule` scripts (Next's legacy polyfills) are
  // never fetched by a browser that runs modules.
  const scripts = [...new Set([...html.matchAll(/<script([^>]+)>/g)].filter((m) => !/\bnoModule\b/i.test(m[1])).map((m) => m[1].match(/src="([^"]+)"/)?.[1]).filter(Boolean))]
  let raw = 0
  let gz = 0
  for (const src of scripts) {
    const buf = Buffer.from(await fetch(base + src).then((r) => r.arrayBuffer()))
    raw += buf.length
    gz += zlib.gzipSync(buf, { level: 9 }).length
  }

  // Baseline: the same HTML from memory, static files from .next/static.
  const staticDir = path.join(app, '.next', 'static')
  bare = http.createServer((req, res) => {
    if (req.url.startsWith('/_next/static/')) {
      const file = path.join(staticDir, decodeURIComponent(req.url.slice('/_next/static/'.length).split('?')[0]))
      if (!file.startsWith(staticDir) || !fs.existsSync(file)) return res.writeHead(404).end()
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream'
      return res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' }).end(fs.readFileSync(file))
    }
    if (req.url.startsWith('/api/')) return res.writeHead(204).end()
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(process.env.BENCH_STRIP ? html.replace(/<script\b[\s\S]*?<\/script>/g, '') : html)
  })
  await new Promise((r) => bare.listen(0, '127.0.0.1', r))

  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const [oursAll, ceilingAll] = await measure(browser, [`${base}/`, `http://127.0.0.1:${bare.address().port}/`])
  const ours = oursAll.map((t) => t.row)
  const ceiling = ceilingAll.map((t) => t.row)
  const ttfb = quantile(oursAll.map((t) => t.ttfb), 0.5)
  const htmlDone = quantile(oursAll.map((t) => t.html), 0.5)
  const fcp = quantile(oursAll.map((t) => t.fcp), 0.5)
  const p = (xs) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) })
  const a = p(ours)
  const b = p(ceiling)
  const f = (x) => x.toFixed(1)
  console.log(`\nbench:web — ${os.cpus().length} × ${os.cpus()[0].model}, ${new Date().toISOString()}, ${LOADS} loads each`)
  console.log(`tree: 100 projects × 100 artifacts; first page renders ${rows} artifact rows`)
  console.log(`first artifact row painted (ms from navigation start):`)
  console.log(`  next start + cache      p50 ${f(a.p50)}  p99 ${f(a.p99)}`)
  console.log(`  same bytes, bare http   p50 ${f(b.p50)}  p99 ${f(b.p99)}   (baseline)`)
  console.log(`  ratio                   p50 ${(a.p50 / b.p50).toFixed(2)}×  p99 ${(a.p99 / b.p99).toFixed(2)}×`)
  console.log(`  next start: first byte p50 ${f(ttfb)}, HTML received p50 ${f(htmlDone)}, first contentful paint p50 ${f(fcp)}`)
  console.log(`  target < 150 ms: p50 ${a.p50 < 150 ? 'met' : 'NOT met'}, p99 ${a.p99 < 150 ? 'met' : 'NOT met'}`)
  console.log(`page JS (loaded by the browser): ${scripts.length} scripts, ${(raw / 1024).toFixed(0)} KiB (${(gz / 1024).toFixed(0)} KiB gzipped); HTML ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB`)
} finally {
  if (browser) await browser.close()
  if (bare) bare.close()
  server.kill('SIGTERM')
  fs.rmSync(work, { recursive: true, force: true })
}
