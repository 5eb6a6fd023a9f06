#!/usr/bin/env node
'use strict'
// The example projects page (examples/web) from the repository root, on the addon just built:
//
//   node scripts/web.js start   `npm run web`: serve it over the sample projects (PORT, default 3000)
//   node scripts/web.js e2e     the last step of `npm test`: its Playwright suite in Chromium
//   node scripts/web.js bench   `npm run bench:web`: first-row paint times in Chromium
//
// Installs the example's own dependencies (npm ci in examples/web) the first time. The browser
// tasks use Debian's Chromium (/usr/bin/chromium or CHROMIUM_PATH) and never download one:
// without it they say they were skipped, and why, and exit 0.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const TASKS = { start: 'scripts/start.mjs', e2e: 'scripts/e2e.mjs', bench: 'scripts/bench.mjs' }
const task = process.argv[2] || 'start'
if (!Object.hasOwn(TASKS, task)) {
  console.error(`usage: node scripts/web.js ${Object.keys(TASKS).join('|')} [args]`)
  process.exit(2)
}
const app = path.join(__dirname, '..', 'examples', 'web')
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
if (task !== 'start' && !fs.existsSync(chromium)) {
  console.log(`web ${task} skipped: no Chromium at ${chromium}. Install Debian's (apt-get install chromium) or set CHROMIUM_PATH.`)
  process.exit(0)
}
const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', NEXT_TELEMETRY_DISABLED: '1' }
if (!fs.existsSync(path.join(app, 'node_modules', 'next')) || !fs.existsSync(path.join(app, 'node_modules', '@playwright', 'test'))) {
  console.log("web: installing the example app's dependencies (npm ci in examples/web)")
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const ci = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: app, stdio: 'inherit', env })
  if (ci.status !== 0) {
    console.error('web: npm ci in examples/web failed (it needs the npm registry).')
    process.exit(1)
  }
}
const r = spawnSync(process.execPath, [TASKS[task], ...process.argv.slice(3)], { cwd: app, stdio: 'inherit', env })
process.exit(r.status ?? 1)
