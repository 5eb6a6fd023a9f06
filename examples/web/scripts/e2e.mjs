// `npm run e2e`: builds the app on the packed addon and runs the Playwright suite in Debian's
// Chromium. Without Chromium it says so and stops (exit 0): it never downloads a browser.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { app, sampleWorld } from './world.mjs'

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
if (!fs.existsSync(chromium)) {
  console.log(`E2E skipped: no Chromium at ${chromium}. Install Debian's (apt-get install chromium) or set CHROMIUM_PATH.`)
  process.exit(0)
}
const node = process.execPath
const world = sampleWorld()
const env = { ...process.env, SKILLMEAT_HOME: world.home, SKILLMEAT_CACHE_PROJECT_ROOTS: world.projects, NEXT_TELEMETRY_DISABLED: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' }
try {
  execFileSync(node, ['scripts/setup.mjs'], { cwd: app, stdio: 'inherit', env })
  if (!process.argv.includes('--no-build')) {
    execFileSync(node, ['node_modules/next/dist/bin/next', 'build'], { cwd: app, stdio: 'inherit', env })
  }
  const r = spawnSync(node, ['node_modules/@playwright/test/cli.js', 'test', ...process.argv.slice(2).filter((a) => a !== '--no-build')], {
    cwd: app,
    stdio: 'inherit',
    env: { ...env, E2E_HOME: world.home, E2E_PROJECTS: world.projects, E2E_CLI: path.join(app, 'node_modules', '@skillmeat', 'cache', 'bin', 'skillmeat-cache') },
  })
  process.exitCode = r.status ?? 1
} finally {
  fs.rmSync(world.dir, { recursive: true, force: true })
}
