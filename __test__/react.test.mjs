// @skillmeat/cache/react: the hooks rendered with Testing Library (jsdom) against the real
// handler served on 127.0.0.1 over a real cache, and another process writing the same database.
import 'global-jsdom/register'
import test from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createElement } from 'react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { renderHook, waitFor, act, cleanup } from '@testing-library/react'
import {
  CacheApiError,
  CacheClientProvider,
  cacheKeys,
  cacheQueries,
  createCacheClient,
  fetchProjects,
  invalidationsFor,
  useCacheArtifacts,
  useCacheEvents,
  useCacheRefresh,
  useCacheSearch,
  useCacheStatus,
  useOutdatedArtifacts,
  useProjectCache,
} from '@skillmeat/cache/react'

const require = createRequire(import.meta.url)
const { Cache } = require('../index.js')
const { createCacheHandler } = require('../src/js/http.js')
const { startServer } = require('../src/js/serve.js')
const { tmpdir, write, md, makeProject } = require('./helpers.js')

const CLI = path.join(import.meta.dirname, '..', 'bin', 'skillmeat-cache')
const DEPLOYED = (version) =>
  `[[deployed]]\nartifact_name = "notes"\nartifact_type = "command"\nartifact_path = "commands/notes.md"\nfrom_collection = "default"\nversion = "${version}"\n`

/**
 * A home with `n` projects under one root; `alpha` deploys `notes` 1.0.0 while the collection has
 * 2.1.0. Every project has a deployment manifest (the others record their `review` command), as
 * `/projects` lists only those, as SkillMeat does.
 */
function world(n = 3) {
  const home = tmpdir()
  const root = tmpdir()
  makeProject(root, 'alpha')
  for (let i = 1; i < n; i++) {
    const dir = makeProject(root, `p${String(i).padStart(3, '0')}`)
    write(
      path.join(dir, '.claude', '.skillmeat-deployed.toml'),
      '[[deployed]]\nartifact_name = "review"\nartifact_type = "command"\nartifact_path = "commands/review.md"\nfrom_collection = "default"\n',
    )
  }
  write(path.join(home, 'collections', 'default', 'collection.toml'), '[[artifacts]]\nname = "notes"\ntype = "command"\n')
  write(path.join(home, 'collections', 'default', 'collection.lock'), '["notes::command"]\nresolved_version = "2.1.0"\n')
  const claude = path.join(root, 'alpha', '.claude')
  write(path.join(claude, 'commands', 'notes.md'), md({ description: 'Take notes' }))
  write(path.join(claude, '.skillmeat-deployed.toml'), DEPLOYED('1.0.0'))
  return { home, root, claude }
}

/** The world served on 127.0.0.1, and a render wrapper of hooks pointed at it. */
async function serve(t, { n = 3, apiKey, filled = true } = {}) {
  const w = world(n)
  const cache = Cache.open({ home: w.home, projectRoots: [w.root], discoveryDepth: 1 })
  if (filled) await cache.refresh()
  const handler = createCacheHandler({ cache, apiKey })
  const srv = await startServer({ handler, port: 0 })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  t.after(async () => {
    cleanup()
    queryClient.clear()
    await srv.close()
    cache.close()
  })
  const wrapper = ({ children, key = apiKey }) =>
    createElement(QueryClientProvider, { client: queryClient }, createElement(CacheClientProvider, { baseUrl: srv.url, apiKey: key }, children))
  const render = (hook) => renderHook(hook, { wrapper })
  return { ...w, cache, url: srv.url, queryClient, wrapper, render }
}

function cli(home, args) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, SKILLMEAT_HOME: home, NO_COLOR: '1' }
    delete env.SKILLMEAT_CACHE_PATH
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`skillmeat-cache ${args.join(' ')} exited ${code}: ${out}`))))
  })
}

test('useProjectCache lists every project past the first cursor page, with cache_info read from snake_case', async (t) => {
  const s = await serve(t, { n: 130 })
  const { result } = s.render(() => useProjectCache())
  await waitFor(() => assert.equal(result.current.isLoading, false), { timeout: 10_000 })
  assert.equal(result.current.error, null)
  assert.equal(result.current.projects.length, 130, 'every project, not the first 20 (or 100)')
  assert.equal(new Set(result.current.projects.map((p) => p.id)).size, 130)
  const info = result.current.cacheInfo
  assert.ok(info, 'cacheInfo is set (SkillMeat read camelCase and never left "Loading…")')
  assert.ok(info.lastFetched instanceof Date && !Number.isNaN(info.lastFetched.getTime()))
  assert.equal(info.cacheHit, true)
  assert.equal(info.isStale, false)
  const data = s.queryClient.getQueryData(cacheKeys.projects())
  assert.deepEqual(cacheKeys.projects(), ['projects', 'list', 'with-cache-info'])
  assert.equal(data.page_info.total_count, 130)

  const before = info.lastFetched.getTime()
  await new Promise((r) => setTimeout(r, 20))
  await act(() => result.current.forceRefresh())
  await waitFor(() => assert.ok(result.current.cacheInfo.lastFetched.getTime() > before))
  assert.equal(result.current.cacheInfo.cacheHit, false, 'a forced refresh is not a cache hit')
})

test('useCacheStatus reads last_scan; useOutdatedArtifacts and useCacheRefresh keep the outdated list right', async (t) => {
  const s = await serve(t)
  const status = s.render(() => useCacheStatus())
  await waitFor(() => assert.ok(status.result.current.status))
  const st = status.result.current.status
  assert.ok(st.lastRefetch instanceof Date, 'lastRefetch from last_scan (SkillMeat read last_update)')
  assert.equal(st.totalProjects, 3)
  assert.equal(st.isStale, false)
  assert.equal(st.outdatedArtifacts, 1)
  // SkillMeat's key holds SkillMeat's body: code of its own reading the same QueryClient finds it.
  const raw = s.queryClient.getQueryData(['cache', 'status'])
  for (const k of ['entries', 'last_scan', 'cache_ttl', 'is_valid', 'age_seconds']) assert.ok(k in raw, k)
  assert.equal(raw.entries, 3)

  const outdated = s.render(() => useOutdatedArtifacts({ sortBy: 'name' }))
  await waitFor(() => assert.ok(outdated.result.current.data))
  const [row] = outdated.result.current.data.items
  assert.equal(outdated.result.current.data.total, 1)
  assert.equal(row.name, 'notes')
  assert.equal(row.deployed_version, '1.0.0')
  assert.equal(row.upstream_version, '2.1.0')
  assert.match(row.version_difference, /major/)
  assert.deepEqual(s.queryClient.getQueryCache().find({ queryKey: ['outdated-artifacts', 'list', { sortBy: 'name' }] }).queryKey, [
    'outdated-artifacts',
    'list',
    { sortBy: 'name' },
  ])

  // Deploy the new version, refresh through the hook: the outdated list (which SkillMeat's hook
  // left stale) follows without a manual refetch.
  write(path.join(s.claude, '.skillmeat-deployed.toml'), DEPLOYED('2.1.0'))
  const refresh = s.render(() => useCacheRefresh())
  let res
  await act(async () => {
    res = await refresh.result.current.refresh()
  })
  assert.equal(res.success, true)
  assert.equal(res.stats.entries, 3, "stats is SkillMeat's stats body")
  await waitFor(() => assert.equal(outdated.result.current.data.total, 0))
  await waitFor(() => assert.equal(status.result.current.status.outdatedArtifacts, 0))
  assert.equal(refresh.result.current.lastRefreshResult.success, true)
  assert.equal(refresh.result.current.isRefreshing, false)
  // mutateAsync's second argument (per-call callbacks) is passed on, as SkillMeat's hook does.
  let called = null
  await act(async () => {
    await refresh.result.current.refresh(undefined, { onSuccess: (data) => (called = data) })
  })
  assert.equal(called && called.success, true)
})

test('fresh start: the status read before the first /projects scan is fetched again after it', async (t) => {
  const s = await serve(t, { filled: false })
  const { result } = s.render(() => ({ status: useCacheStatus(), projects: useProjectCache() }))
  await waitFor(() => assert.equal(result.current.projects.projects.length, 3), { timeout: 10_000 })
  await waitFor(() => assert.equal(result.current.status.status && result.current.status.status.totalProjects, 3), { timeout: 3000, interval: 50 })
})

test('fetchProjects: a project removed between two cursor pages restarts the list instead of failing', async (t) => {
  const s = await serve(t, { n: 130 })
  let removed = null
  const client = createCacheClient({
    baseUrl: s.url,
    fetch: (url, init) => {
      const after = new URL(url).searchParams.get('after')
      if (after && removed === null) {
        // The project the cursor names goes away before the next page is asked for.
        const gone = Buffer.from(after, 'base64').toString('utf8')
        removed = s.cache.listProjects({ limit: 1000 }).items.find((p) => p.path === gone)
        s.cache.unregisterProject(removed.id)
      }
      return fetch(url, init)
    },
  })
  const all = await fetchProjects(client)
  assert.ok(removed, 'a project was removed mid-list')
  assert.equal(all.items.length, 129)
  assert.equal(new Set(all.items.map((p) => p.id)).size, 129)
  assert.ok(!all.items.some((p) => p.path === removed.path))
})

test('cacheInfo without the freshness headers (a proxy or cross-origin fetch hides them): read from the projects', async (t) => {
  const s = await serve(t)
  const strip = (url, init) =>
    fetch(url, init).then((r) => new Response(r.body, { status: r.status, headers: { 'content-type': r.headers.get('content-type') || '' } }))
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  t.after(() => queryClient.clear())
  const wrapper = ({ children }) =>
    createElement(QueryClientProvider, { client: queryClient }, createElement(CacheClientProvider, { baseUrl: s.url, fetch: strip }, children))
  const { result } = renderHook(() => useProjectCache(), { wrapper })
  await waitFor(() => assert.ok(result.current.cacheInfo))
  assert.ok(result.current.cacheInfo.lastFetched instanceof Date, 'never stuck on "Loading…"')
  assert.equal(result.current.cacheInfo.cacheHit, true)
  assert.equal(result.current.cacheInfo.isStale, false)
})

test('useCacheEvents: a write by another process (the CLI) reaches an open artifact list without a refetch call', async (t) => {
  const s = await serve(t)
  const alpha = s.cache.listProjects({}).items.find((p) => p.name === 'alpha')
  const seen = []
  const { result } = s.render(() => ({
    events: useCacheEvents({ onEvent: (e) => seen.push(e.type) }),
    artifacts: useCacheArtifacts({ projectId: alpha.id }),
  }))
  await waitFor(() => assert.equal(result.current.events.state, 'open'))
  await waitFor(() => assert.ok(result.current.artifacts.data))
  const names = () => result.current.artifacts.data.items.map((a) => a.name).sort()
  assert.ok(!names().includes('added-by-cli'))

  write(path.join(s.claude, 'commands', 'added-by-cli.md'), md({ description: 'New' }))
  const started = Date.now()
  await cli(s.home, ['refresh', '--json'])
  await waitFor(() => assert.ok(names().includes('added-by-cli'), `artifacts: ${names()}`), { timeout: 5000, interval: 50 })
  const took = Date.now() - started
  assert.ok(seen.includes('dataChanged'), `events seen: ${seen}`)
  t.diagnostic(`CLI write visible in the hook ${took} ms after the CLI started`)
})

test('useCacheEvents: data rendered on the server before a change is refetched when the stream opens after it', async (t) => {
  const s = await serve(t)
  const alpha = s.cache.listProjects({}).items.find((p) => p.name === 'alpha')
  // The server component's prefetch, then a write (the watcher, the CLI) before the page's stream opens.
  const server = createCacheClient({ baseUrl: s.url })
  await s.queryClient.prefetchQuery(cacheQueries.artifacts(server, { projectId: alpha.id }))
  const rendered = server.dataGeneration()
  assert.equal(typeof rendered, 'number')
  write(path.join(s.claude, 'commands', 'before-connect.md'), md({ description: 'Written before the stream opened' }))
  await s.cache.refresh()
  assert.ok(s.cache.generation() > rendered)

  const { result } = s.render(() => ({
    events: useCacheEvents({ generation: rendered }),
    artifacts: useCacheArtifacts({ projectId: alpha.id }, { staleTime: 60_000 }),
  }))
  assert.ok(!result.current.artifacts.data.items.some((a) => a.name === 'before-connect'), 'the hydrated data is the older one')
  await waitFor(() => assert.ok(result.current.artifacts.data.items.some((a) => a.name === 'before-connect')), { timeout: 5000, interval: 50 })
})

test('useCacheEvents: data rendered at the generation the stream opens at is not fetched again', async (t) => {
  const s = await serve(t)
  const alpha = s.cache.listProjects({}).items.find((p) => p.name === 'alpha')
  const server = createCacheClient({ baseUrl: s.url })
  await s.queryClient.prefetchQuery(cacheQueries.artifacts(server, { projectId: alpha.id }))
  const key = cacheKeys.artifacts({ projectId: alpha.id })
  const updated = s.queryClient.getQueryState(key).dataUpdatedAt
  const { result } = s.render(() => ({
    events: useCacheEvents({ generation: server.dataGeneration() }),
    artifacts: useCacheArtifacts({ projectId: alpha.id }, { staleTime: 60_000 }),
  }))
  await waitFor(() => assert.equal(result.current.events.state, 'open'))
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(s.queryClient.getQueryState(key).dataUpdatedAt, updated, 'no refetch: nothing changed')
  // A new page (a new client) given no generation: the data it holds is of unknown age, so it
  // is fetched once when the stream opens.
  cleanup()
  const again = s.render(() => ({ events: useCacheEvents(), artifacts: useCacheArtifacts({ projectId: alpha.id }, { staleTime: 60_000 }) }))
  await waitFor(() => assert.equal(again.result.current.events.state, 'open'))
  await waitFor(() => assert.ok(s.queryClient.getQueryState(key).dataUpdatedAt > updated, 'refetched once'))
})

test('useCacheEvents: a list keyed by the SkillMeat id of /projects follows a one-project refresh', async (t) => {
  const s = await serve(t)
  const alpha = s.cache.listProjects({}).items.find((p) => p.name === 'alpha')
  const skillmeatId = Buffer.from(alpha.path).toString('base64')
  const seen = []
  const { result } = s.render(() => ({
    events: useCacheEvents({ onEvent: (e) => seen.push(e) }),
    artifacts: useCacheArtifacts({ projectId: skillmeatId }, { staleTime: 60_000 }),
  }))
  await waitFor(() => assert.equal(result.current.events.state, 'open'))
  await waitFor(() => assert.ok(result.current.artifacts.data))
  write(path.join(s.claude, 'commands', 'keyed-by-path.md'), md({ description: 'New' }))
  await s.cache.refresh({ projectId: alpha.id })
  await waitFor(() => assert.ok(result.current.artifacts.data.items.some((a) => a.name === 'keyed-by-path')), { timeout: 5000, interval: 50 })
  const changed = seen.find((e) => e.type === 'changesDetected')
  assert.equal(changed.projectId, alpha.id)
  assert.equal(changed.projectKey, skillmeatId)
})

test('useCacheSearch searches as you type, typo-tolerant, and stays off for a blank query', async (t) => {
  const s = await serve(t)
  let q = ''
  const { result, rerender } = s.render(() => useCacheSearch(q))
  assert.equal(result.current.fetchStatus, 'idle', 'a blank query sends nothing')
  q = 'ntoes'
  rerender()
  await waitFor(() => assert.ok(result.current.data && result.current.data.items.length > 0))
  assert.equal(result.current.data.items[0].name, 'notes')
  assert.equal(result.current.data.query, 'ntoes')
})

test('errors: a typed CacheApiError with the server code; the API key is sent when configured', async (t) => {
  const s = await serve(t, { apiKey: 'k-123' })
  const ok = createCacheClient({ baseUrl: s.url, apiKey: 'k-123' })
  const status = await ok.request('/cache/status')
  assert.equal(status.total_projects, 3)

  const bad = await ok.request('/cache/search', { query: { query: 'x', limit: 9999 } }).catch((e) => e)
  assert.ok(bad instanceof CacheApiError)
  assert.equal(bad.status, 422)
  assert.match(bad.message, /limit/)

  const missing = await ok.request('/cache/artifacts/nope').catch((e) => e)
  assert.equal(missing.status, 404)

  const none = createCacheClient({ baseUrl: s.url })
  const denied = await none.request('/cache/status').catch((e) => e)
  assert.equal(denied.status, 401)

  const unreachable = await createCacheClient({ baseUrl: 'http://127.0.0.1:9/api/v1' }).request('/cache/status').catch((e) => e)
  assert.ok(unreachable instanceof CacheApiError)
  assert.equal(unreachable.code, 'NETWORK')

  const { result } = renderHook(() => useProjectCache(), { wrapper: ({ children }) => s.wrapper({ children, key: 'wrong' }) })
  await waitFor(() => assert.ok(result.current.error))
  assert.equal(result.current.error.status, 403, 'a wrong key')
})

test('invalidationsFor names exactly the keys an event affects', (t) => {
  const qc = new QueryClient()
  t.after(() => qc.clear())
  const keys = [
    ['projects', 'list', 'with-cache-info'],
    ['artifacts', 'list', { projectId: 'a' }],
    ['artifacts', 'list', { projectId: 'b' }],
    ['artifacts', 'detail', 'x'],
    ['outdated-artifacts', 'list', undefined],
    ['cache', 'status'],
    ['cache', 'search', { query: 'q' }],
    ['marketplace', 'list'],
  ]
  for (const k of keys) qc.setQueryData(k, 1)
  const hit = (event) => {
    const out = new Set()
    for (const f of invalidationsFor(event)) for (const q of qc.getQueryCache().findAll(f)) out.add(JSON.stringify(q.queryKey))
    return keys.filter((k) => out.has(JSON.stringify(k))).map((k) => k.slice(0, 2).join('/') + (k[2] && k[2].projectId ? `:${k[2].projectId}` : ''))
  }
  assert.deepEqual(hit({ type: 'changesDetected', projectId: 'a' }), [
    'projects/list',
    'artifacts/list:a',
    'artifacts/detail',
    'outdated-artifacts/list',
    'cache/status',
    'cache/search',
  ])
  assert.deepEqual(hit({ type: 'invalidated' }), ['projects/list', 'cache/status'])
  const summary = { projectsChanged: 0, projectsDiscovered: 0, projectsMissing: 0, artifactsAdded: 0, artifactsUpdated: 0, artifactsRemoved: 0 }
  assert.deepEqual(hit({ type: 'refreshCompleted', summary }), ['projects/list', 'cache/status'])
  // A one-project refresh that changed something (the watcher's): that project's artifacts only.
  assert.deepEqual(hit({ type: 'refreshCompleted', projectId: 'a', summary: { ...summary, projectsChanged: 1, artifactsUpdated: 1 } }), [
    'projects/list',
    'artifacts/list:a',
    'artifacts/detail',
    'outdated-artifacts/list',
    'cache/status',
    'cache/search',
  ])
  assert.equal(hit({ type: 'refreshCompleted', summary: { ...summary, projectsChanged: 1 } }).length, 7, 'a full refresh that changed something: everything')
  // An artifact's detail of another project is left alone.
  qc.setQueryData(['artifacts', 'detail', 'x'], { id: 'x', project_id: 'b' })
  assert.ok(!hit({ type: 'changesDetected', projectId: 'a' }).includes('artifacts/detail'))
  assert.equal(hit({ type: 'dataChanged', generation: 2 }).length, 7, 'everything but the marketplace')
  assert.deepEqual(hit({ type: 'ready', generation: 1 }), [])
  assert.deepEqual(hit({ type: 'watcherDegraded' }), ['cache/status'])
})

test('the react entry point is browser-safe: no Node built-ins, no native code', () => {
  const read = (f) => fs.readFileSync(path.join(import.meta.dirname, '..', 'src', 'js', f), 'utf8')
  const importsOf = (src) => [...src.matchAll(/^(?:import|export)\b[^']*?\bfrom '([^']+)'/gm)].map((m) => m[1]).sort()
  assert.deepEqual(importsOf(read('react.mjs')), ['./client.mjs', './client.mjs', '@tanstack/react-query', 'react'])
  assert.deepEqual(importsOf(read('client.mjs')), ['eventsource-parser'])
  for (const f of ['react.mjs', 'client.mjs']) assert.doesNotMatch(read(f), /require\(|process\.|Buffer|node:/, f)
  // Next.js refuses `export *` in a 'use client' module (a server layout importing the provider).
  assert.doesNotMatch(read('react.mjs'), /^export \*/m)
})
