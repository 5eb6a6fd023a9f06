// End-to-end tests in Debian's Chromium (never a downloaded browser), against `next start` on a
// temp copy of the sample projects made by scripts/e2e.mjs (which passes it in the environment).
import { defineConfig } from '@playwright/test'

const port = Number(process.env.E2E_PORT || 3217)
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'off',
  },
  webServer: {
    command: `node node_modules/next/dist/bin/next start -H 127.0.0.1 -p ${port}`,
    url: `http://127.0.0.1:${port}/api/v1/cache/status`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      SKILLMEAT_HOME: process.env.E2E_HOME || '',
      SKILLMEAT_CACHE_PROJECT_ROOTS: process.env.E2E_PROJECTS || '',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
})
