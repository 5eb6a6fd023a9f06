'use strict'
// The HTTP API: SkillMeat's /api/v1 cache routes, called with web Request objects and through
// `skillmeat-cache serve` on 127.0.0.1.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const readline = require('node:readline')
const v8 = require('node:v8')
const vm = require('node:vm')
const { spawn, spawnSync } = require('node:child_process')
const { Cache } = require('../index.js')
const { createCacheHandler, versionDifference } = require('../src/js/http.js')
const { tmpdir, write, md, makeProject } = require('./helpers.js')

const CLI = path.join(__dirname, '..', 'bin', 'skillmeat-cache')

function cliEnv(home) {
  // HOME too: `serve` searches SkillMeat's folders of the user's home (~/projects, …) by default.
  const env = { ...process.env, SKILLMEAT_HOME: home, HOME: home, NO_COLOR: '1' }
  for (const k of ['SKILLMEAT_CACHE_PATH', 'SKILLMEAT_API_KEY', 'GITHUB_TOKEN', 'SKILLMEAT_GITHUB_TOKEN']) delete env[k]
  return env
}

/** A home with three projects under one root, one of them with an outdated artifact. */
function world() {
  const home = tmpdir()
  const root = tmpdir()
  for (const n of ['alpha', 'beta', 'gamma']) makeProject(root, n)
  write(path.join(home, 'collections', 'default', 'collection.toml'), '[[artifacts]]\nname = "notes"\ntype = "command"\n')
  write(path.join(home, 'collections', 'default', 'collection.lock'), '["notes::command"]\nresolved_version = "2.1.0"\n')
  const c = path.join(root, 'alpha', '.claude')
  write(path.join(c, 'commands', 'notes.md'), md({ description: 'Take notes' }))
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    '[[deployed]]\nartifact_name = "notes"\nartifact_type = "command"\nartifact_path = "commands/notes.md"\nfrom_collection = "default"\nversion = "1.0.0"\n',
  )
  return { home, root, db: path.join(home, 'cache', 'skillmeat-cache.db') }
}

async function setup(t, extra = {}) {
  const w = world()
  const cache = Cache.open({ home: w.home, projectRoots: [w.root], discoveryDepth: 1, ...extra })
  t.after(() => cache.close())
  const handler = createCacheHandler({ cache })
  const call = async (method, url, { body, headers } = {}) => {
    const res = await handler(
      new Request(`http://localhost/api/v1${url}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    )
    const text = await res.text()
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined }
  }
  return { ...w, cache, handler, call, get: (u, o) => call('GET', u, o), post: (u, body, o) => call('POST', u, { body, ...o }) }
}

test('fresh start, manual refresh, and every route with its defaults', async (t) => {
  const s = await setup(t)
  const fresh = await s.get('/cache/status')
  assert.equal(fresh.status, 200)
  assert.equal(fresh.json.total_projects, 0)
  assert.equal(fresh.json.last_refresh, null)
  assert.deepEqual(Object.keys(fresh.json.refresh_job_status).sort(), ['is_running', 'last_run_time', 'next_run_time'])

  const r = await s.post('/cache/refresh', {})
  assert.equal(r.status, 200)
  assert.equal(r.json.success, true)
  assert.equal(r.json.projects_refreshed, 3)
  assert.equal(r.json.changes_detected, true)
  assert.deepEqual(r.json.errors, [])
  assert.equal(typeof r.json.duration_seconds, 'number')
  assert.equal(typeof r.json.message, 'string')

  const st = (await s.get('/cache/status')).json
  assert.equal(st.total_projects, 3)
  assert.equal(st.total_artifacts, 10)
  assert.equal(st.outdated_artifacts, 1)
  assert.ok(st.cache_size_bytes > 0)
  assert.match(st.last_refresh, /^\d{4}-\d\d-\d\dT/)
  assert.match(st.oldest_entry, /^\d{4}-/)

  const projects = await s.get('/cache/projects')
  assert.equal(projects.json.total, 3)
  assert.equal(projects.json.skip, 0)
  assert.equal(projects.json.limit, 100)
  assert.deepEqual(Object.keys(projects.json.items[0]).sort(), ['artifact_count', 'cache_id', 'id', 'last_fetched', 'name', 'path', 'status'])
  assert.equal(projects.headers.get('x-cache-hit'), 'hit')
  assert.match(projects.headers.get('x-cache-age'), /^\d+$/)
  assert.equal((await s.get('/cache/projects?status=active&skip=1&limit=1')).json.items.length, 1)

  const alpha = projects.json.items.find((p) => p.name === 'alpha')
  const arts = await s.get(`/cache/artifacts?project_id=${encodeURIComponent(alpha.id)}`)
  assert.equal(arts.json.total, 4)
  // SkillMeat's fields, then what this package adds so a projects page needs no request per row.
  const contract = ['deployed_version', 'id', 'is_outdated', 'name', 'project_id', 'type', 'upstream_version']
  const added = ['deployed_sha', 'description', 'difference', 'health', 'modified_at', 'origin', 'problems', 'project_cache_id', 'project_name', 'source', 'upstream_sha', 'version_difference']
  assert.deepEqual(Object.keys(arts.json.items[0]).sort(), [...contract, ...added].sort())
  assert.equal((await s.get('/cache/artifacts?type=skill')).json.total, 3)
  assert.equal((await s.get('/cache/artifacts?is_outdated=true')).json.total, 1)
  assert.equal((await s.get('/cache/artifacts?is_outdated=false')).json.total, 9)

  const stale = await s.get('/cache/stale-artifacts')
  assert.equal(stale.json.total, 1)
  const row = stale.json.items[0]
  assert.equal(row.name, 'notes')
  assert.equal(row.project_name, 'alpha')
  assert.equal(row.deployed_version, '1.0.0')
  assert.equal(row.upstream_version, '2.1.0')
  assert.equal(row.version_difference, 'major version upgrade (1.0.0 -> 2.1.0)')
  assert.equal(row.difference, 'major')
  for (const sort of ['name', 'type', 'project', 'version_diff']) {
    assert.equal((await s.get(`/cache/stale-artifacts?sort_by=${sort}&sort_order=desc`)).status, 200, sort)
  }

  // Search paging: total stays, pages do not overlap.
  const p1 = await s.get('/cache/search?query=pdf&limit=2')
  const p2 = await s.get('/cache/search?query=pdf&limit=2&skip=2')
  assert.equal(p1.json.total, 3)
  assert.equal(p1.json.query, 'pdf')
  assert.equal(p1.json.items.length, 2)
  assert.equal(p2.json.items.length, 1)
  assert.ok(!p1.json.items.some((a) => a.id === p2.json.items[0].id))
  assert.deepEqual(Object.keys(p1.json.items[0]).sort(), ['id', 'name', 'project_cache_id', 'project_id', 'project_name', 'score', 'type'])
  assert.equal((await s.get('/cache/search?query=pdf%20tols&type=skill')).json.total, 3, 'typo tolerant')
  assert.deepEqual((await s.get('/cache/search?query=notes&is_outdated=true')).json.items.map((a) => a.name), ['notes'])
  assert.equal((await s.get('/cache/search?query=pdf&is_outdated=true')).json.total, 0)
  for (const sort of ['relevance', 'name', 'type', 'updated']) {
    assert.equal((await s.get(`/cache/search?query=a&sort_by=${sort}`)).status, 200, sort)
  }

  const one = await s.get(`/cache/projects/${encodeURIComponent(alpha.id)}`)
  assert.equal(one.json.name, 'alpha')
  assert.equal(one.json.outdated_count, 1)
  const art = await s.get(`/cache/artifacts/${row.id}`)
  assert.equal(art.json.name, 'notes')
  assert.equal(art.json.upstream_origin, 'collection')

  const inv = await s.post('/cache/invalidate', { project_id: alpha.id })
  assert.deepEqual(inv.json.success, true)
  assert.equal(inv.json.invalidated_count, 1)
  assert.equal((await s.post('/cache/invalidate', {})).json.invalidated_count, 3)

  const market = await s.get('/cache/marketplace')
  assert.deepEqual(market.json, { items: [], total: 0, skip: 0, limit: 100 })

  // The /projects routes the hooks read.
  const list = await s.get('/projects')
  assert.equal(list.json.items.length, 1, 'as SkillMeat: the projects with a deployment manifest')
  assert.deepEqual(Object.keys(list.json.page_info).sort(), ['end_cursor', 'has_next_page', 'has_previous_page', 'start_cursor', 'total_count'])
  assert.deepEqual(Object.keys(list.json.items[0].cache_info).sort(), ['cache_hit', 'is_stale', 'last_fetched'])
  // SkillMeat's deployments: entries of the deployment manifest (alpha has one, without a date).
  const alphaRow = list.json.items.find((p) => p.name === 'alpha')
  assert.equal(alphaRow.deployment_count, 1)
  assert.equal(alphaRow.last_deployment, null)
  assert.equal(alphaRow.artifact_count, 4)
  assert.equal(list.json.items.find((p) => p.name === 'beta'), undefined, 'no manifest: not listed')
  assert.ok(list.headers.get('x-cache-last-fetched'))
  const refreshed = await s.get('/projects?refresh=true')
  assert.equal(refreshed.headers.get('x-cache-hit'), 'miss')
  const stats = await s.get('/projects/cache/stats')
  assert.equal(stats.json.entries, 1, 'as SkillMeat: the projects /projects lists (with deployments)')
  assert.equal(stats.json.is_valid, true)
  assert.equal(stats.json.cache_ttl, 360 * 60)
  assert.equal(typeof stats.json.age_seconds, 'number')
  assert.match(stats.json.last_scan, /^\d{4}-/)
  const pr = await s.post('/projects/cache/refresh', undefined)
  assert.equal(pr.status, 200)
  assert.equal(pr.json.success, true)
  assert.equal(pr.json.stats.projects_scanned, 3)
  // SkillMeat's `stats` is the stats body (its hook reads `stats.entries`).
  for (const k of ['entries', 'last_scan', 'cache_ttl', 'is_valid', 'age_seconds']) assert.ok(k in pr.json.stats, k)
  assert.equal(pr.json.stats.entries, 1)
})

test('as SkillMeat: a never-filled cache is scanned by /projects; filters and sorts read as FastAPI reads them', async (t) => {
  const s = await setup(t)
  // /cache/* answers what is cached (nothing yet); /projects scans on a miss.
  assert.equal((await s.get('/cache/status')).json.total_projects, 0)
  const cold = await s.get('/projects')
  assert.equal(cold.status, 200)
  assert.equal(cold.json.items.length, 1)
  assert.equal(cold.headers.get('x-cache-hit'), 'miss')
  assert.equal((await s.get('/cache/status')).json.total_projects, 3)
  const warm = await s.get('/projects')
  assert.equal(warm.headers.get('x-cache-hit'), 'hit')
  assert.ok(warm.headers.get('x-cache-last-fetched'))
  const again = await s.get('/projects', { headers: { 'if-none-match': warm.headers.get('etag') } })
  assert.equal(again.status, 304)
  assert.equal(again.headers.get('x-cache-last-fetched'), warm.headers.get('x-cache-last-fetched'), 'a 304 carries it too')

  // Filters are free strings: empty = no filter, unknown = nothing matches; the last value wins.
  assert.equal((await s.get('/cache/artifacts?type=')).json.total, 10)
  assert.deepEqual((await s.get('/cache/artifacts?type=plugin')).json, { items: [], total: 0, skip: 0, limit: 100 })
  assert.equal((await s.get('/cache/stale-artifacts?type=plugin')).json.total, 0)
  assert.equal((await s.get('/cache/search?query=pdf&type=plugin')).json.total, 0)
  assert.deepEqual((await s.get('/cache/search?query=%20%20')).json.items, [], 'spaces name nothing')
  assert.equal((await s.get('/cache/projects?status=sleepy')).json.total, 0)
  assert.equal((await s.get('/cache/projects?status=')).json.total, 3)
  assert.equal((await s.get('/cache/artifacts?project_id=')).json.total, 10)
  assert.equal((await s.get('/cache/artifacts?type=agent&type=skill')).json.total, 3)
  assert.equal((await s.get('/cache/artifacts?limit=1&limit=3')).json.items.length, 3)
  // A parameter a route does not define is ignored.
  assert.equal((await s.get('/cache/artifacts?refresh=maybe')).status, 200)

  // version_diff ascending is most severe first, as SkillMeat's sort of its text; order in any case.
  const c = path.join(s.root, 'beta', '.claude')
  write(path.join(c, 'skills', 'tiny', 'SKILL.md'), md({ name: 'tiny', description: 'A tiny skill' }))
  write(path.join(s.home, 'collections', 'default', 'collection.toml'), '[[artifacts]]\nname = "notes"\ntype = "command"\n[[artifacts]]\nname = "tiny"\ntype = "skill"\n')
  write(path.join(s.home, 'collections', 'default', 'collection.lock'), '["notes::command"]\nresolved_version = "2.1.0"\n["tiny::skill"]\nresolved_version = "1.0.1"\n')
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    '[[deployed]]\nartifact_name = "tiny"\nartifact_type = "skill"\nartifact_path = "skills/tiny"\nfrom_collection = "default"\nversion = "1.0.0"\n',
  )
  await s.cache.refresh()
  const kinds = async (q) => (await s.get(`/cache/stale-artifacts?sort_by=version_diff${q}`)).json.items.map((a) => a.difference)
  assert.deepEqual(await kinds(''), ['major', 'patch'])
  assert.deepEqual(await kinds('&sort_order=asc'), ['major', 'patch'])
  assert.deepEqual(await kinds('&sort_order=DESC'), ['patch', 'major'])
  assert.deepEqual(await kinds('&sort_order=up'), ['major', 'patch'], 'anything but desc is ascending')

  // Search by type pages through one order: pages are disjoint, cover every hit, types ascend.
  const all = (await s.get('/cache/search?query=work&limit=200')).json
  assert.ok(all.total >= 6, `${all.total} hits`)
  const seen = []
  for (let skip = 0; skip < all.total; skip += 2) seen.push(...(await s.get(`/cache/search?query=work&sort_by=type&limit=2&skip=${skip}`)).json.items)
  assert.equal(new Set(seen.map((h) => h.id)).size, all.total)
  assert.deepEqual(seen.map((h) => h.type), [...seen.map((h) => h.type)].sort())

  // deployed_version: the deployment's record, else the artifact's own frontmatter version
  // (SkillMeat's file-change scenario: edit the version, see it after the refresh).
  const pdf = () => s.get(`/cache/artifacts?project_id=${s.cache.listProjects({}).items.find((p) => p.name === 'gamma').id}&type=skill`)
  assert.equal((await pdf()).json.items[0].deployed_version, '1.2.0')
  const skillMd = path.join(s.root, 'gamma', '.claude', 'skills', 'pdf-tools', 'SKILL.md')
  fs.writeFileSync(skillMd, fs.readFileSync(skillMd, 'utf8').replace('version: 1.2.0', 'version: 1.3.0'))
  await s.post('/cache/refresh', {})
  assert.equal((await pdf()).json.items[0].deployed_version, '1.3.0')

  // An empty project id means every project (SkillMeat's `if request.project_id:`).
  assert.equal((await s.post('/cache/refresh', { project_id: '' })).json.projects_refreshed, 3)
  assert.equal((await s.post('/cache/invalidate', { project_id: '' })).json.invalidated_count, 3)
  // Ids are quoted short in errors.
  const long = await s.get(`/cache/artifacts/${'x'.repeat(5000)}`)
  assert.equal(long.status, 404)
  assert.ok(long.json.detail.length < 200, long.json.detail.length)

  // A file Claude Code will not load is a problem the refresh found (and the artifact's health
  // keeps), not a failed refresh; a project that cannot be scanned is.
  write(path.join(s.root, 'gamma', '.claude', 'agents', 'broken.md'), '---\nname: [unclosed\n---\nBody\n')
  const found = await s.post('/cache/refresh', {})
  assert.equal(found.json.success, true)
  assert.deepEqual(found.json.errors, [])
  assert.ok(found.json.problems.some((e) => e.includes('broken')), found.json.problems.join('\n'))
  fs.rmSync(path.join(s.root, 'beta'), { recursive: true, force: true })
  const failed = await s.post('/cache/refresh', {})
  assert.equal(failed.json.success, false)
  assert.equal(failed.json.errors.length, 1, failed.json.errors.join('\n'))
  assert.match(failed.json.message, /^Refresh completed with errors: /)
  assert.equal((await s.post('/projects/cache/refresh', {})).json.success, false)
})

test('as SkillMeat: /projects ids are base64 paths, latest deployment first, cursors are ids; every route takes either id', async (t) => {
  const s = await setup(t)
  const dep = (at) => `[[deployed]]\nartifact_name = "x"\nartifact_type = "command"\nartifact_path = "commands/x.md"\nfrom_collection = "default"\ndeployed_at = "${at}"\n`
  // beta: the latest (an entry whose file is gone counts too); gamma: older, in another offset; alpha's entry has no date.
  write(path.join(s.root, 'beta', '.claude', '.skillmeat-deployed.toml'), dep('2025-12-01T10:00:00+00:00'))
  write(path.join(s.root, 'gamma', '.claude', '.skillmeat-deployed.toml'), dep('2025-12-01T12:00:00+05:00'))
  await s.cache.refresh()
  const list = (await s.get('/projects')).json
  assert.deepEqual(list.items.map((p) => p.name), ['beta', 'gamma', 'alpha'], 'by instant: 12:00+05:00 is 07:00 UTC')
  for (const p of list.items) {
    assert.equal(p.id, Buffer.from(p.path).toString('base64'), 'encode_project_id(path)')
    assert.equal(s.cache.getProject(p.cache_id).path, p.path)
  }
  assert.equal(list.items[0].deployment_count, 1)
  assert.equal(list.items[0].last_deployment, '2025-12-01T10:00:00+00:00')

  const first = (await s.get('/projects?limit=1')).json
  assert.equal(first.page_info.start_cursor, list.items[0].id)
  assert.equal(first.page_info.end_cursor, list.items[0].id)
  const second = (await s.get(`/projects?limit=1&after=${encodeURIComponent(first.page_info.end_cursor)}`)).json
  assert.deepEqual(second.items.map((p) => p.name), ['gamma'])
  assert.equal(second.page_info.has_previous_page, true)
  assert.deepEqual((await s.get('/projects?after=')).json.items.map((p) => p.name), ['beta', 'gamma', 'alpha'], 'an empty cursor is the first page')
  const unknown = await s.get(`/projects?after=${encodeURIComponent(Buffer.from('/no/such/project').toString('base64'))}`)
  assert.equal(unknown.status, 400)
  assert.equal(unknown.json.detail, 'Invalid cursor: project not found')
  assert.equal((await s.get('/projects?after=invalid-cursor')).status, 400)

  // A SkillMeat id works wherever a project id is taken, and gives what the cache id gives.
  const beta = list.items[0]
  const ids = [beta.id, beta.cache_id]
  const bodies = []
  for (const id of ids) {
    const q = encodeURIComponent(id)
    const arts = await s.get(`/cache/artifacts?project_id=${q}`)
    assert.equal(arts.status, 200)
    assert.ok(arts.json.items.length > 0 && arts.json.items.every((a) => a.project_id === beta.id && a.project_cache_id === beta.cache_id))
    bodies.push(arts.text)
    assert.equal((await s.get(`/cache/projects/${q}`)).json.path, beta.path)
    assert.equal((await s.get(`/cache/search?query=a&project_id=${q}`)).status, 200)
    assert.equal((await s.get(`/cache/stale-artifacts?project_id=${q}`)).status, 200)
    assert.equal((await s.post('/cache/refresh', { project_id: id })).json.projects_refreshed, 1)
    assert.equal((await s.post('/projects/cache/refresh', { project_id: id })).status, 200)
    assert.equal((await s.post('/cache/invalidate', { project_id: id })).json.invalidated_count, 1)
  }
  assert.equal(bodies[0], bodies[1])
  const missing = await s.post('/cache/invalidate', { project_id: Buffer.from('/etc/passwd').toString('base64') })
  assert.equal(missing.status, 404)
  assert.match(missing.json.detail, /not found/)
})

test('as SkillMeat: the outdated list sorts names and project names without case', async (t) => {
  const home = tmpdir()
  const root = tmpdir()
  const names = ['Zed', 'apple', 'Mango']
  write(path.join(home, 'collections', 'default', 'collection.toml'), names.map((n) => `[[artifacts]]\nname = "${n}"\ntype = "command"\n`).join('\n'))
  write(path.join(home, 'collections', 'default', 'collection.lock'), names.map((n) => `["${n}::command"]\nresolved_version = "2.0.0"\n`).join('\n'))
  for (const [i, project] of ['Beta', 'alpha'].entries()) {
    const c = path.join(makeProject(root, project), '.claude')
    const mine = i === 0 ? names : ['Mango']
    for (const n of mine) write(path.join(c, 'commands', `${n}.md`), md({ description: n }))
    write(
      path.join(c, '.skillmeat-deployed.toml'),
      mine.map((n) => `[[deployed]]\nartifact_name = "${n}"\nartifact_type = "command"\nartifact_path = "commands/${n}.md"\nfrom_collection = "default"\nversion = "1.0.0"\n`).join('\n'),
    )
  }
  const cache = Cache.open({ home, path: ':memory:', projectRoots: [root], discoveryDepth: 1 })
  t.after(() => cache.close())
  await cache.refresh()
  const handler = createCacheHandler({ cache })
  const rows = async (q) => (await (await handler(new Request(`http://x/api/v1/cache/stale-artifacts${q}`))).json()).items
  const byName = await rows('?sort_by=name')
  assert.deepEqual(byName.map((r) => r.name), ['apple', 'Mango', 'Mango', 'Zed'])
  assert.deepEqual((await rows('?sort_by=name&sort_order=desc')).map((r) => r.name), ['Zed', 'Mango', 'Mango', 'apple'])
  assert.deepEqual((await rows('?sort_by=project')).map((r) => r.project_name), ['alpha', 'Beta', 'Beta', 'Beta'])
})

test('HEAD of the event stream subscribes to nothing; a preflight needs no API key', async (t) => {
  const w = world()
  const cache = Cache.open({ home: w.home, projectRoots: [w.root], discoveryDepth: 1 })
  t.after(() => cache.close())
  let subscribed = 0
  const counting = new Proxy(cache, {
    get(target, prop) {
      if (prop === 'onEvent') {
        return (fn) => {
          subscribed++
          return target.onEvent(fn)
        }
      }
      const v = Reflect.get(target, prop, target)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  const handler = createCacheHandler({ cache: counting, apiKey: 'k' })
  t.after(() => handler.closeStreams())
  for (let i = 0; i < 3; i++) {
    const head = await handler(new Request('http://localhost/api/v1/cache/events', { method: 'HEAD', headers: { 'x-api-key': 'k' } }))
    assert.equal(head.status, 200)
    assert.match(head.headers.get('content-type'), /^text\/event-stream/)
    assert.equal(await head.text(), '')
  }
  assert.equal(subscribed, 0)
  const pre = await handler(new Request('http://localhost/api/v1/cache/status', { method: 'OPTIONS' }))
  assert.equal(pre.status, 204)
  assert.equal(pre.headers.get('allow'), 'GET, HEAD, OPTIONS')
  assert.equal((await handler(new Request('http://localhost/api/v1/cache/status'))).status, 401)
})

test('bad input: 422 bounds and types, 400 sorts, 404s, 405 with Allow, 413, never a 500', async (t) => {
  const s = await setup(t)
  await s.cache.refresh()
  const bad = [
    ['GET', '/cache/projects?limit=0', 422, 'greater_than_equal'],
    ['GET', '/cache/projects?limit=501', 422, 'less_than_equal'],
    ['GET', '/cache/projects?skip=-1', 422, 'greater_than_equal'],
    ['GET', '/cache/projects?limit=ten', 422, 'int_parsing'],
    ['GET', '/cache/artifacts?is_outdated=maybe', 422, 'bool_parsing'],
    ['GET', '/cache/artifacts?health=sleepy', 422, 'literal_error'],
    ['GET', '/cache/search', 422, 'missing'],
    ['GET', '/cache/search?query=', 422, 'string_too_short'],
    ['GET', '/cache/search?query=a&limit=201', 422, 'less_than_equal'],
    ['GET', '/projects?limit=101', 422, 'less_than_equal'],
  ]
  for (const [method, url, status, type] of bad) {
    const r = await s.call(method, url)
    assert.equal(r.status, status, url)
    assert.ok(Array.isArray(r.json.detail), url)
    assert.equal(r.json.detail[0].type, type, url)
    assert.ok(Array.isArray(r.json.detail[0].loc), url)
  }
  const sort = await s.get('/cache/stale-artifacts?sort_by=drop_table')
  assert.equal(sort.status, 400)
  assert.match(sort.json.detail, /invalid/i)
  assert.equal((await s.get('/cache/stale-artifacts?sort_by=')).status, 400, 'an empty sort is not a sort')
  assert.equal((await s.get('/cache/search?query=a&sort_by=score')).status, 400)
  assert.equal((await s.get('/projects?after=not-a-cursor')).status, 400)

  const inv = await s.post('/cache/invalidate', { project_id: 'no-such-project' })
  assert.equal(inv.status, 404)
  assert.match(inv.json.detail, /not found/)
  assert.equal((await s.post('/cache/refresh', { project_id: 'nope' })).status, 404)
  for (const id of ['..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', 'C%3A%5CWindows', '%2E%2E', 'x'.repeat(500)]) {
    assert.equal((await s.get(`/cache/projects/${id}`)).status, 404, id)
    assert.equal((await s.get(`/cache/artifacts/${id}`)).status, 404, id)
  }
  const unknown = await s.get('/cache/nothing-here')
  assert.equal(unknown.status, 404)
  assert.deepEqual(unknown.json, { detail: 'Not Found' })
  const wrong = await s.call('DELETE', '/cache/status')
  assert.equal(wrong.status, 405)
  assert.equal(wrong.headers.get('allow'), 'GET, HEAD')
  assert.equal((await s.call('GET', '/cache/refresh')).headers.get('allow'), 'POST')

  assert.equal((await s.post('/cache/refresh', '{not json')).status, 422)
  assert.equal((await s.post('/cache/refresh', '[1,2]')).status, 422)
  assert.equal((await s.post('/cache/refresh', { project_id: 42 })).status, 422)
  const far = await s.get('/cache/search?query=pdf&skip=20000')
  assert.equal(far.status, 200, 'SkillMeat bounds no skip: past every hit is an empty page')
  assert.deepEqual(far.json.items, [])
  assert.ok(far.json.total > 0)
  // Booleans as Pydantic reads them: the words and 1/0 are fine, anything else is 422.
  assert.equal((await s.post('/cache/refresh', { force: 'yes' })).status, 200)
  assert.equal((await s.post('/cache/refresh', { force: 1 })).status, 200)
  assert.equal((await s.post('/cache/refresh', { force: 'maybe' })).status, 422)
  assert.equal((await s.post('/cache/refresh', { force: 2 })).status, 422)
  const big = await s.post('/cache/invalidate', JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }))
  assert.equal(big.status, 413)

  const hostile = [
    '/cache/projects?limit=1e3', '/cache/projects?limit=%00', '/cache/search?query=%E0%A4%A', '/cache/search?query=' + '(('.repeat(5000),
    '/cache/search?query=*:*', '/cache/artifacts?project_id=' + 'x'.repeat(5000), '/%ZZ', '/cache/%E0%A4%A',
    '/cache/stale-artifacts?type=skill&type=agent', '/projects?after=' + Buffer.from('{"o":-5}').toString('base64url'),
  ]
  for (const u of hostile) {
    const r = await s.get(u)
    assert.ok(r.status < 500, `${u} -> ${r.status} ${r.text.slice(0, 200)}`)
    assert.ok(r.json && 'items' in r.json !== 'detail' in r.json, u)
  }
  // A closed cache answers 503 with its code.
  s.cache.close()
  const closed = await s.get('/cache/status')
  assert.equal(closed.status, 503)
  assert.equal(closed.json.code, 'CACHE_CLOSED')
})

test('ETag on every GET from the data generation; 304 without a body; another process moves it', async (t) => {
  const s = await setup(t)
  await s.cache.refresh()
  for (const u of ['/cache/status', '/cache/projects', '/cache/artifacts', '/cache/stale-artifacts', '/cache/search?query=pdf', '/cache/marketplace', '/projects', '/projects/cache/stats']) {
    const r = await s.get(u)
    assert.ok(r.headers.get('etag'), u)
  }
  const a = await s.get('/cache/projects')
  const etag = a.headers.get('etag')
  const b = await s.get('/cache/projects', { headers: { 'if-none-match': etag } })
  assert.equal(b.status, 304)
  assert.equal(b.text, '')
  assert.equal(b.headers.get('etag'), etag)
  // A write by another process (the CLI) on the same database moves the ETag.
  const extra = makeProject(s.root, 'delta')
  const cli = spawnSync(process.execPath, [CLI, 'register', extra, '--db', s.db], { env: cliEnv(s.home), encoding: 'utf8', timeout: 60_000 })
  assert.equal(cli.status, 0, cli.stderr)
  const c = await s.get('/cache/projects', { headers: { 'if-none-match': etag } })
  assert.equal(c.status, 200)
  assert.notEqual(c.headers.get('etag'), etag)
  assert.equal(c.json.total, 4, 'the CLI change is seen by the server')
  assert.equal((await s.get('/cache/projects', { headers: { 'if-none-match': c.headers.get('etag') } })).status, 304)
})

test('API key: required when configured', async (t) => {
  const w = world()
  const cache = Cache.open({ home: w.home })
  t.after(() => cache.close())
  const handler = createCacheHandler({ cache, apiKey: 's3cret' })
  // As SkillMeat: none sent is 401 with `WWW-Authenticate: ApiKey`, a wrong one 403.
  const none = await handler(new Request('http://x/api/v1/cache/status'))
  assert.equal(none.status, 401)
  assert.equal(none.headers.get('www-authenticate'), 'ApiKey')
  assert.deepEqual(await none.json(), { detail: 'API key required' })
  const wrong = await handler(new Request('http://x/api/v1/cache/status', { headers: { 'x-api-key': 'nope!!' } }))
  assert.equal(wrong.status, 403)
  assert.deepEqual(await wrong.json(), { detail: 'Invalid API key' })
  assert.equal((await handler(new Request('http://x/api/v1/cache/status', { headers: { 'x-api-key': 's3cret' } }))).status, 200)
  // An answer kept in the body cache is still only given with the key.
  const ok = { headers: { 'x-api-key': 's3cret' } }
  const first = await handler(new Request('http://x/api/v1/cache/projects', ok))
  const again = await handler(new Request('http://x/api/v1/cache/projects', ok))
  assert.equal(again.status, 200)
  assert.equal(await again.text(), await first.text())
  assert.equal((await handler(new Request('http://x/api/v1/cache/projects'))).status, 401)
  assert.equal((await handler(new Request('http://x/api/v1/cache/projects', { headers: { 'x-api-key': 's3cre' } }))).status, 403)
  const head = await handler(new Request('http://x/api/v1/cache/projects', { method: 'HEAD', ...ok }))
  assert.equal(head.status, 200)
  assert.equal(await head.text(), '')
  assert.equal((await handler(new Request('http://x/api/v1/cache/projects', { method: 'POST', ...ok }))).status, 405)
  assert.throws(() => createCacheHandler({ cache, basePath: 'api' }), (e) => e.code === 'INVALID_ARGUMENT')
})

test('versionDifference names the kind as SkillMeat does', () => {
  assert.equal(versionDifference({ isOutdated: true, versionDiff: 'minor', deployedVersion: '1.0.0', upstreamVersion: '1.1.0' }), 'minor version upgrade (1.0.0 -> 1.1.0)')
  assert.equal(versionDifference({ isOutdated: true, versionDiff: 'commit', deployedSha: 'a'.repeat(40), upstreamSha: 'b'.repeat(40) }), 'new commit (aaaaaaa -> bbbbbbb)')
  assert.equal(versionDifference({ isOutdated: false }), null)
})

/** Starts `skillmeat-cache serve` and resolves with its URL once it printed the first line. */
function serve(t, home, args = []) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: cliEnv(home), stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => child.exitCode === null && child.kill('SIGKILL'))
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })))
  const url = new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout })
    rl.once('line', resolve)
    child.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)))
  })
  return { child, exited, url }
}

test("serve finds projects where SkillMeat's server does (~/projects, ~/dev, ~/workspace, ~/src) unless roots are configured", async (t) => {
  const user = tmpdir()
  const home = path.join(user, '.skillmeat')
  fs.mkdirSync(home)
  const alpha = makeProject(path.join(user, 'projects'), 'alpha')
  write(path.join(alpha, '.claude', '.skillmeat-deployed.toml'), 'deployed = []\n')
  makeProject(path.join(user, 'src', 'work'), 'beta')
  makeProject(path.join(user, 'elsewhere'), 'gamma')
  let n = 0
  const names = async (env) => {
    // A cache of its own each time: projects found earlier stay in a cache's database.
    const env0 = { ...cliEnv(home), HOME: user, SKILLMEAT_CACHE_PATH: path.join(user, `cache-${n++}.db`), ...env }
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-watch'], { env: env0, stdio: ['ignore', 'pipe', 'pipe'] })
    t.after(() => child.exitCode === null && child.kill('SIGKILL'))
    const line = await new Promise((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).once('line', resolve)
      child.on('exit', () => reject(new Error('serve exited early')))
    })
    const base = line.replace('listening on ', '')
    const listed = (await (await fetch(`${base}/projects`)).json()).items.map((p) => p.name)
    const cached = (await (await fetch(`${base}/cache/projects`)).json()).items.map((p) => p.name).sort()
    child.kill('SIGTERM')
    return { listed, cached }
  }
  assert.deepEqual(await names({}), { listed: ['alpha'], cached: ['alpha', 'beta'] })
  assert.deepEqual(await names({ SKILLMEAT_CACHE_PROJECT_ROOTS: '' }), { listed: [], cached: [] }, 'an empty list searches none')
  assert.deepEqual((await names({ SKILLMEAT_CACHE_PROJECT_ROOTS: path.join(user, 'elsewhere') })).cached, ['gamma'])
})

test('serve: the same routes over node:http, a CLI change seen, graceful stop on SIGTERM', async (t) => {
  const w = world()
  const srv = serve(t, w.home, ['--host', '127.0.0.1'])
  const line = await srv.url
  assert.match(line, /^listening on http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
  const base = line.replace('listening on ', '')
  const r0 = await fetch(`${base}/cache/projects`)
  assert.equal(r0.status, 200)
  assert.equal((await r0.json()).total, 0)
  const cli = spawnSync(process.execPath, [CLI, 'register', path.join(w.root, 'beta')], { env: cliEnv(w.home), encoding: 'utf8', timeout: 60_000 })
  assert.equal(cli.status, 0, cli.stderr)
  const r1 = await fetch(`${base}/cache/projects`)
  assert.equal((await r1.json()).total, 1)
  const post = await fetch(`${base}/cache/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  assert.equal(post.status, 200)
  assert.equal((await fetch(`${base}/nope`)).status, 404)
  // A request in flight when SIGTERM arrives still gets its answer.
  const inflight = fetch(`${base}/cache/refresh`, { method: 'POST', body: '{"force":true}' })
  await new Promise((r) => setTimeout(r, 5))
  srv.child.kill('SIGTERM')
  const answered = await inflight.then((r) => r.status, (e) => e)
  assert.equal(answered, 200)
  const end = await srv.exited
  assert.equal(end.code, 0, end.stderr)
})

test('serve refuses a non-loopback host without an API key', () => {
  const home = tmpdir()
  const r = spawnSync(process.execPath, [CLI, 'serve', '--host', '0.0.0.0', '--port', '0'], { env: cliEnv(home), encoding: 'utf8', timeout: 30_000 })
  assert.equal(r.status, 2)
  assert.match(r.stderr, /without an API key/)
  assert.ok(!fs.existsSync(path.join(home, 'cache')), 'nothing opened')
})

test('two opens of one database in one process share one cache; each close gives back its handle', async () => {
  const w = world()
  const a = Cache.open({ home: w.home })
  const b = Cache.open({ home: w.home, path: path.join(w.home, 'cache', '..', 'cache', 'skillmeat-cache.db') })
  const seen = []
  const off = a.onEvent((e) => seen.push(e.type))
  try {
    b.registerProject(path.join(w.root, 'beta'))
    await b.refresh()
    await new Promise((r) => setTimeout(r, 50))
    assert.ok(seen.includes('refreshCompleted'), `events of one share the other's bus: ${seen}`)
    a.close()
    assert.throws(() => a.status(), (e) => e.code === 'CACHE_CLOSED')
    await assert.rejects(a.refresh(), (e) => e.code === 'CACHE_CLOSED')
    assert.equal(b.listProjects().total, 1, 'the other handle keeps the cache open')
    await b.refresh()
  } finally {
    off()
    a.close()
    b.close()
  }
  assert.throws(() => b.status(), (e) => e.code === 'CACHE_CLOSED')
  const c = Cache.open({ home: w.home })
  try {
    assert.equal(c.listProjects().total, 1, 'a new open after the last close works')
  } finally {
    c.close()
  }
})

/** Reads SSE events from a fetch/handler Response body until `until(events)` holds. */
function sseReader(body) {
  const reader = body.getReader()
  const dec = new TextDecoder()
  let buf = ''
  const events = []
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return 'ended'
      buf += dec.decode(value, { stream: true })
      let i
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i)
        buf = buf.slice(i + 2)
        const type = /^event: (.*)$/m.exec(block)
        const data = /^data: (.*)$/m.exec(block)
        if (type) events.push({ type: type[1], data: data ? JSON.parse(data[1]) : null, at: Date.now() })
      }
    }
  })()
  const until = async (what, pred, ms = 5000) => {
    const end = Date.now() + ms
    while (Date.now() < end) {
      const hit = events.find(pred)
      if (hit) return hit
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`no ${what} event within ${ms} ms: ${JSON.stringify(events.map((e) => e.type))}`)
  }
  return { events, until, pump, reader }
}

test('GET /cache/events: refresh events, a change by another process within 1 s, ends on abort', async (t) => {
  const s = await setup(t)
  const ac = new AbortController()
  const res = await s.handler(new Request('http://localhost/api/v1/cache/events', { signal: ac.signal }))
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type'), /^text\/event-stream/)
  const sse = sseReader(res.body)
  await sse.until('ready', (e) => e.type === 'ready')
  await s.post('/cache/refresh', {})
  await sse.until('refreshStarted', (e) => e.type === 'refreshStarted')
  await sse.until('refreshCompleted', (e) => e.type === 'refreshCompleted')
  await sse.until('changesDetected', (e) => e.type === 'changesDetected' && e.data.projectId)
  const before = sse.events.length
  // Another process writes to the same database: seen within a second.
  const extra = makeProject(s.root, 'epsilon')
  const cli = spawnSync(process.execPath, [CLI, 'register', extra, '--db', s.db], { env: cliEnv(s.home), encoding: 'utf8', timeout: 60_000 })
  assert.equal(cli.status, 0, cli.stderr)
  const wrote = Date.now()
  const changed = await sse.until('dataChanged', (e, i) => e.type === 'dataChanged' && sse.events.indexOf(e) >= before, 3000)
  assert.ok(changed.at - wrote < 1000, `seen after ${changed.at - wrote} ms`)
  ac.abort()
  assert.equal(await Promise.race([sse.pump, new Promise((r) => setTimeout(() => r('still open'), 2000))]), 'ended')
})

test('GET /cache/events: the stream still ends on its client\'s abort after a garbage collection', async (t) => {
  // A fetch Request holds the controller behind its signal only while the Request lives: the
  // stream must hold it, or the abort is lost once the handler has returned and a GC has run.
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  const s = await setup(t)
  const ac = new AbortController()
  const res = await s.handler(new Request('http://localhost/api/v1/cache/events', { signal: ac.signal }))
  const sse = sseReader(res.body)
  await sse.until('ready', (e) => e.type === 'ready')
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 10))
  }
  ac.abort()
  assert.equal(await Promise.race([sse.pump, new Promise((r) => setTimeout(() => r('still open'), 2000))]), 'ended')
})

test('serve: an open event stream ends when the server stops; exit 0', async (t) => {
  const w = world()
  const srv = serve(t, w.home)
  const base = (await srv.url).replace('listening on ', '')
  const res = await fetch(`${base}/cache/events`)
  const sse = sseReader(res.body)
  await sse.until('ready', (e) => e.type === 'ready')
  const started = Date.now()
  srv.child.kill('SIGINT')
  assert.equal(await Promise.race([sse.pump.catch(() => 'ended'), new Promise((r) => setTimeout(() => r('still open'), 5000))]), 'ended')
  const end = await srv.exited
  assert.equal(end.code, 0, end.stderr)
  assert.ok(Date.now() - started < 5000, 'stopped promptly')
})

test('@skillmeat/cache/next: route handlers, one cache across module re-evaluation', async (t) => {
  const w = world()
  const open = { home: w.home, projectRoots: [w.root], discoveryDepth: 1 }
  const nextPath = require.resolve('../src/js/next.js')
  const first = require(nextPath)
  const cache = first.getCache(open)
  t.after(() => cache.close())
  // A dev reload: the module is evaluated again, the cache is the same object.
  delete require.cache[nextPath]
  const again = require(nextPath)
  assert.notEqual(again, first)
  assert.equal(again.getCache({ ...open }), cache)
  const { GET, POST } = again.createRouteHandlers({ open })
  const r = await POST(new Request('http://localhost/api/v1/cache/refresh', { method: 'POST', body: '{}' }), { params: {} })
  assert.equal(r.status, 200)
  const list = await GET(new Request('http://localhost/api/v1/cache/projects'))
  assert.equal((await list.json()).total, 3)
  // Through the package's exports map, as an app imports it.
  const viaExports = require('@skillmeat/cache/next')
  assert.equal(typeof viaExports.createRouteHandlers, 'function')
  assert.equal(typeof require('@skillmeat/cache/http').createCacheHandler, 'function')
  // A closed cache is reopened on the next use.
  cache.close()
  const reopened = again.getCache(open)
  assert.notEqual(reopened, cache)
  assert.equal(reopened.listProjects().total, 3)
  reopened.close()
})

test('@skillmeat/cache/next: nothing is opened until the first request (next build evaluates routes)', async (t) => {
  const w = world()
  const { createRouteHandlers, serverExternalPackages } = require('../src/js/next.js')
  const { GET } = createRouteHandlers({ open: { home: w.home, projectRoots: [w.root], discoveryDepth: 1 } })
  assert.equal(fs.existsSync(w.db), false, 'no database before a request')
  const r = await GET(new Request('http://localhost/api/v1/cache/status'))
  assert.equal(r.status, 200)
  assert.equal(fs.existsSync(w.db), true)
  const { getCache } = require('../src/js/next.js')
  t.after(() => getCache({ home: w.home, projectRoots: [w.root], discoveryDepth: 1 }).close())
  // The native packages Next must not bundle: one per napi target, named as napi publishes them.
  assert.ok(serverExternalPackages.includes('@skillmeat/cache-linux-x64-gnu'))
  assert.ok(serverExternalPackages.includes('@skillmeat/cache-darwin-arm64'))
  assert.ok(serverExternalPackages.includes('@skillmeat/cache-win32-x64-msvc'))
  assert.equal(serverExternalPackages.length, require('../package.json').napi.targets.length)
})

test('serve watches by default: a deployment written on disk shows on the next requests without a refresh; --no-watch does not watch', async (t) => {
  const w = world()
  const cli = spawnSync(process.execPath, [CLI, 'register', path.join(w.root, 'beta')], { env: cliEnv(w.home), encoding: 'utf8', timeout: 60_000 })
  assert.equal(cli.status, 0, cli.stderr)
  const manifest = path.join(w.root, 'beta', '.claude', '.skillmeat-deployed.toml')
  const deploy = (name) =>
    fs.appendFileSync(manifest, `[[deployed]]\nartifact_name = "${name}"\nartifact_type = "command"\nfrom_collection = "default"\ndeployed_at = "2026-01-02T00:00:00Z"\nartifact_path = "commands/${name}.md"\n`)
  const deploymentsOf = async (base) => {
    const r = await (await fetch(`${base}/projects?limit=100`)).json()
    const beta = r.items.find((p) => p.path.endsWith(`${path.sep}beta`))
    return beta ? beta.deployment_count : 0
  }
  const srv = serve(t, w.home)
  const base = (await srv.url).replace('listening on ', '')
  assert.equal(await deploymentsOf(base), 0)
  deploy('review')
  let after = 0
  for (let i = 0; i < 100 && after === 0; i++) {
    await new Promise((r) => setTimeout(r, 100))
    after = await deploymentsOf(base)
  }
  assert.equal(after, 1, 'the watcher re-scanned the project after the manifest changed')
  srv.child.kill('SIGTERM')
  assert.equal((await srv.exited).code, 0)

  const quiet = serve(t, w.home, ['--no-watch'])
  const qbase = (await quiet.url).replace('listening on ', '')
  assert.equal(await deploymentsOf(qbase), 1)
  deploy('ship')
  await new Promise((r) => setTimeout(r, 1500))
  assert.equal(await deploymentsOf(qbase), 1, 'without watching, nothing changes until a refresh')
  quiet.child.kill('SIGTERM')
  assert.equal((await quiet.exited).code, 0)
})
