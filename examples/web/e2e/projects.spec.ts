// The projects page end to end (seed CACHE-6.5): a real Chromium against `next start` over a
// temp copy of the sample projects, the CLI and the file system changing things underneath.
import { expect, test, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const projects = process.env.E2E_PROJECTS as string
const home = process.env.E2E_HOME as string
const cli = process.env.E2E_CLI as string
const shots = path.join(__dirname, '..', 'test-results', 'screenshots')

function runCli(args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args], { env: { ...process.env, SKILLMEAT_HOME: home, NO_COLOR: '1' }, encoding: 'utf8' })
}

const rows = (page: Page) => page.getByTestId('artifact-row')
const row = (page: Page, name: string) => page.locator(`[data-testid="artifact-row"][data-name="${name}"]`)

async function openProject(page: Page, name: string) {
  await page.getByTestId('project-list').getByRole('button', { name: new RegExp(`^${name}\\b`) }).click()
  await expect(page.getByRole('heading', { level: 2 })).toContainText(name)
}

/** Marks the document so that a reload (which would drop the mark) is detected. */
async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { __e2eMark: number }).__e2eMark = 1))
  return async () => expect(await page.evaluate(() => (window as unknown as { __e2eMark?: number }).__e2eMark)).toBe(1)
}

async function live(page: Page) {
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open')
}

test.beforeAll(() => {
  expect(projects && home && cli, 'run through scripts/e2e.mjs, which makes the temp world').toBeTruthy()
  fs.mkdirSync(shots, { recursive: true })
})

test('fresh start: the cache is populated and the first HTML already holds the rows; a reload is served from the cache', async ({ page, request }) => {
  await page.goto('/')
  await expect(page.getByTestId('project-item')).toHaveCount(3)
  await expect(rows(page).first()).toBeVisible()
  await expect(page.getByTestId('freshness')).toContainText(/Updated/)
  await expect(page.getByTestId('outdated-count')).toContainText('2 updates available')
  await page.screenshot({ path: path.join(shots, 'projects.png'), fullPage: true })

  // The server renders the rows from the cache: they are in the HTML, before any script runs.
  const html = await (await request.get('/')).text()
  expect(html).toContain('data-testid="artifact-row"')
  // The first project is the one deployed to last (as SkillMeat orders them): docs-site.
  expect(html).toContain('technical-writing')
  const status = await (await request.get('/api/v1/cache/status')).json()
  expect(status.total_projects).toBe(3)
  expect(status.total_artifacts).toBeGreaterThan(10)

  await page.reload()
  await expect(rows(page).first()).toBeVisible()
  const hit = await request.get('/api/v1/projects')
  expect(hit.headers()['x-cache-hit']).toBe('hit')
})

test('manual refresh: the button and Ctrl+Shift+R re-scan, and the page shows what changed', async ({ page }) => {
  await page.goto('/')
  await live(page)
  await openProject(page, 'docs-site')
  const file = path.join(projects, 'docs-site', '.claude', 'commands', 'publish-docs.md')
  const before = fs.readFileSync(file, 'utf8')
  fs.writeFileSync(file, before.replace(/^description: .*$/m, 'description: Publish the docs site (edited by the E2E run)'))
  const posted = page.waitForResponse((r) => r.url().endsWith('/api/v1/projects/cache/refresh') && r.request().method() === 'POST')
  await page.getByRole('button', { name: /^Refresh/ }).click()
  expect((await posted).status()).toBe(200)
  await expect(row(page, 'publish-docs')).toContainText('edited by the E2E run')
  await expect(page.getByTestId('freshness')).toContainText(/Updated [0-9] s ago/)

  const viaKeys = page.waitForResponse((r) => r.url().endsWith('/api/v1/projects/cache/refresh') && r.request().method() === 'POST')
  await page.keyboard.press('Control+Shift+R')
  expect((await viaKeys).status()).toBe(200)
})

test('a project registered by the CLI in another process shows on the open page without a reload', async ({ page }) => {
  await page.goto('/')
  await live(page)
  const same = await markDocument(page)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cli-project-'))
  fs.mkdirSync(path.join(dir, '.claude', 'commands'), { recursive: true })
  fs.writeFileSync(path.join(dir, '.claude', 'commands', 'from-cli.md'), '---\ndescription: Added from the CLI\n---\nBody\n')
  // SkillMeat lists a project once something is deployed in it (its deployment manifest).
  fs.writeFileSync(
    path.join(dir, '.claude', '.skillmeat-deployed.toml'),
    '[[deployed]]\nartifact_name = "from-cli"\nartifact_type = "command"\nfrom_collection = "default"\ndeployed_at = "2026-01-01T00:00:00Z"\nartifact_path = "commands/from-cli.md"\n',
  )
  runCli(['register', dir])
  const item = page.getByTestId('project-list').getByRole('button', { name: new RegExp(path.basename(dir)) })
  await expect(item).toBeVisible({ timeout: 2_000 })
  await item.click()
  await expect(row(page, 'from-cli')).toBeVisible()
  await same()
  const registered = JSON.parse(runCli(['projects', '--json'])).items.find((p: { path: string }) => p.path === dir || p.path === fs.realpathSync(dir))
  if (registered) runCli(['unregister', registered.id])
  fs.rmSync(dir, { recursive: true, force: true })
})

test('a file added on disk reaches the open page through the watcher within 2 s, without a reload', async ({ page }) => {
  await page.goto('/')
  await live(page)
  await openProject(page, 'acme-web-app')
  const same = await markDocument(page)
  const file = path.join(projects, 'web-app', '.claude', 'commands', 'watched-by-e2e.md')
  fs.writeFileSync(file, '---\ndescription: Written while the page was open\n---\nBody\n')
  await expect(row(page, 'watched-by-e2e')).toBeVisible({ timeout: 2_000 })
  fs.rmSync(file)
  await expect(row(page, 'watched-by-e2e')).toHaveCount(0, { timeout: 2_000 })
  await same()
})

test('a file saved between the server render and the page\'s event stream opening still shows, without a reload', async ({ page }) => {
  // Hold the page's event stream until the change is in the cache: whatever the stream would
  // have said about it is missed, as when a file is saved while the page is loading.
  let release = () => {}
  const held = new Promise<void>((r) => (release = r))
  await page.route('**/api/v1/cache/events', async (route) => {
    await held
    await route.continue()
  })
  const listed = await (await page.request.get('/api/v1/projects?limit=100')).json()
  const project = listed.items.find((p: { name: string }) => p.name === 'acme-web-app')
  await page.goto(`/?project=${encodeURIComponent(project.id)}`)
  await expect(page.getByRole('heading', { level: 2 })).toContainText('acme-web-app')
  const same = await markDocument(page)
  const file = path.join(project.path, '.claude', 'commands', 'saved-while-loading.md')
  fs.writeFileSync(file, '---\ndescription: Saved while the page was loading\n---\nBody\n')
  try {
    await expect
      .poll(async () => {
        const r = await page.request.get(`/api/v1/cache/artifacts?project_id=${encodeURIComponent(project.id)}`)
        return (await r.json()).items.some((a: { name: string }) => a.name === 'saved-while-loading')
      }, { timeout: 5_000 })
      .toBe(true)
    await expect(row(page, 'saved-while-loading')).toHaveCount(0)
    release()
    await expect(row(page, 'saved-while-loading')).toBeVisible({ timeout: 2_000 })
    await same()
  } finally {
    release()
    fs.rmSync(file, { force: true })
  }
})

test('badge → modal: versions side by side, the kind of change, the update command and the compare link', async ({ page }) => {
  await page.goto('/')
  await openProject(page, 'data-pipeline')
  const badge = row(page, 'code-reviewer').getByTestId('outdated-badge')
  await expect(badge).toHaveAccessibleName(/Update available: 3\.0\.2 → 3\.1\.0/)
  await badge.hover()
  await expect(page.getByRole('tooltip')).toContainText('3.0.2 → 3.1.0')
  await badge.click()
  const modal = page.getByTestId('update-modal')
  await expect(modal).toBeVisible()
  await expect(modal.getByTestId('deployed-version')).toHaveText('3.0.2')
  await expect(modal.getByTestId('upstream-version')).toHaveText('3.1.0')
  await expect(modal.getByTestId('change-kind')).toHaveText('Minor update')
  await expect(modal.getByTestId('major-warning')).toHaveCount(0)
  await expect(modal.getByTestId('update-command')).toHaveText('skillmeat update code-reviewer --type agent')
  await expect(modal.getByTestId('compare-link')).toHaveAttribute('href', /^https:\/\/github\.com\/skillmeat-examples\/claude-artifacts\/compare\/.+\.\.\..+/)
  await page.screenshot({ path: path.join(shots, 'update-modal.png') })
  await modal.getByRole('button', { name: 'Close', exact: true }).click()
  await expect(modal).toHaveCount(0)

  // A major update warns.
  await openProject(page, 'acme-web-app')
  await row(page, 'react-component-patterns').getByTestId('outdated-badge').click()
  await expect(page.getByTestId('major-warning')).toBeVisible()
  await expect(page.getByTestId('change-kind')).toHaveText('Major update')
  await expect(page.getByTestId('upstream-version')).toHaveText('2.0.0')
})

test('keyboard only: Tab to the badge, Enter opens the modal with focus inside, Escape closes it and returns focus', async ({ page }) => {
  await page.goto('/')
  await openProject(page, 'data-pipeline')
  await page.locator('body').click({ position: { x: 1, y: 1 } })
  const badge = row(page, 'code-reviewer').getByTestId('outdated-badge')
  let reached = false
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab')
    reached = await badge.evaluate((el) => el === document.activeElement)
  }
  expect(reached, 'the badge is reachable with Tab').toBe(true)
  const outline = await badge.evaluate((el) => getComputedStyle(el).outlineStyle)
  expect(outline, 'focus is visible').not.toBe('none')
  await page.keyboard.press('Enter')
  const modal = page.getByTestId('update-modal')
  await expect(modal).toBeVisible()
  expect(await modal.evaluate((el) => el.contains(document.activeElement))).toBe(true)
  await page.keyboard.press('Escape')
  await expect(modal).toHaveCount(0)
  await expect(badge).toBeFocused()
  await page.keyboard.press('Space')
  await expect(modal).toBeVisible()
})

test('filters, sorts and typo-tolerant search as you type', async ({ page }) => {
  await page.goto('/')
  await openProject(page, 'data-pipeline')
  // Sorted by update status: the outdated artifact first.
  await expect(rows(page).first()).toHaveAttribute('data-name', 'code-reviewer')
  await page.getByLabel('Outdated only').check()
  await expect(rows(page)).toHaveCount(1)
  await page.getByLabel('Outdated only').uncheck()
  await page.getByLabel('Sort').selectOption('name')
  const names = await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-name') || ''))
  expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)))

  await page.getByLabel('Search artifacts in every project').fill('reveiw')
  await expect(row(page, 'review-pr')).toBeVisible()
  await expect(page.getByRole('heading', { level: 2 })).toContainText('results for “reveiw”')
})

test('health is shown: a broken artifact says why', async ({ page }) => {
  await page.goto('/')
  await openProject(page, 'data-pipeline')
  const broken = row(page, 'etl-architect').getByTestId('health-badge')
  await expect(broken).toHaveText('Broken')
  await expect(broken).toHaveAccessibleName(/^Broken: .+/)
})

test('accessibility: no serious or critical axe violations on the page or the open modal', async ({ page }) => {
  await page.goto('/')
  await expect(rows(page).first()).toBeVisible()
  const serious = (r: Awaited<ReturnType<AxeBuilder['analyze']>>) =>
    r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)
  expect(serious(await new AxeBuilder({ page }).analyze())).toEqual([])
  await openProject(page, 'data-pipeline')
  await row(page, 'code-reviewer').getByTestId('outdated-badge').click()
  await expect(page.getByTestId('update-modal')).toBeVisible()
  expect(serious(await new AxeBuilder({ page }).analyze())).toEqual([])
})

test('375 px wide: no horizontal scroll, the modal fits', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 })
  await page.goto('/')
  await expect(rows(page).first()).toBeVisible()
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await page.screenshot({ path: path.join(shots, 'projects-375.png'), fullPage: true })
  await openProject(page, 'data-pipeline')
  await row(page, 'code-reviewer').getByTestId('outdated-badge').click()
  const box = await page.getByTestId('update-modal').boundingBox()
  expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true)
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0)
})
