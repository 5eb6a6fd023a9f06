'use strict'
// SkillMeat's project pages answered from the cache: `GET /projects/{id}`, `POST
// /projects/{id}/check-modifications`, `GET /projects/{id}/modified-artifacts`, `GET
// /projects/{id}/drift/summary`, `POST /projects/cache/clear`; one project id on every route; the
// routes FastAPI keeps (501). Shapes are SkillMeat's schemas (`schemas/projects.py`,
// `artifacts.py`, `drift.py` at 9798d2f8), field by field; error texts are its own.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Cache } = require('../index.js')
const { createCacheHandler } = require('../src/js/http.js')
const { tmpdir, write, md, sha256, folderHash, makeProject } = require('./helpers.js')

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64')
const enc = encodeURIComponent

const entry = (fields) =>
  '[[deployed]]\n' +
  Object.entries(fields)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : v}`)
    .join('\n') +
  '\n'

/**
 * Three projects under one root. alpha deploys, from the collection `default` (whose lock has
 * notes 2.1.0, both 3.0.0, older 1.5.0): notes 1.0.0 unchanged (outdated), review changed on
 * disk (modified), both changed and behind (conflict), older 2.0.0 unchanged (a lock version that
 * is no update: version_mismatch), pdf-tools unchanged (no drift); from `work`: the agent
 * planner, unchanged; and an entry whose file is gone. beta has no manifest; gamma deploys one
 * command from `work`.
 */
function world() {
  const home = tmpdir()
  const root = tmpdir()
  for (const n of ['alpha', 'beta', 'gamma']) makeProject(root, n)
  const col = path.join(home, 'collections', 'default')
  write(path.join(col, 'collection.toml'), ['notes', 'both', 'older'].map((n) => `[[artifacts]]\nname = "${n}"\ntype = "command"\n`).join('\n'))
  write(
    path.join(col, 'collection.lock'),
    '["notes::command"]\nresolved_version = "2.1.0"\n["both::command"]\nresolved_version = "3.0.0"\n["older::command"]\nresolved_version = "1.5.0"\n',
  )
  const c = path.join(root, 'alpha', '.claude')
  for (const n of ['notes', 'both', 'older']) write(path.join(c, 'commands', `${n}.md`), md({ description: `The ${n} command` }))
  const hashOf = (rel) => sha256(fs.readFileSync(path.join(c, rel)))
  const at = '2025-11-25T14:01:16.123456'
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    [
      entry({ artifact_name: 'notes', artifact_type: 'command', from_collection: 'default', deployed_at: at, artifact_path: 'commands/notes.md', content_hash: hashOf('commands/notes.md'), version: '1.0.0' }),
      entry({ artifact_name: 'review', artifact_type: 'command', from_collection: 'default', deployed_at: at, artifact_path: 'commands/review.md', content_hash: 'a'.repeat(64) }),
      entry({ artifact_name: 'both', artifact_type: 'command', from_collection: 'default', deployed_at: at, artifact_path: 'commands/both.md', content_hash: 'b'.repeat(64), version: '1.0.0' }),
      entry({ artifact_name: 'older', artifact_type: 'command', from_collection: 'default', deployed_at: at, artifact_path: 'commands/older.md', content_hash: hashOf('commands/older.md'), version: '2.0.0' }),
      entry({ artifact_name: 'pdf-tools', artifact_type: 'skill', from_collection: 'default', deployed_at: '2025-11-26T09:00:00', artifact_path: 'skills/pdf-tools', content_hash: folderHash(path.join(c, 'skills', 'pdf-tools')) }),
      entry({ artifact_name: 'planner', artifact_type: 'agent', from_collection: 'work', deployed_at: at, artifact_path: 'agents/planner.md', content_hash: hashOf('agents/planner.md') }),
      entry({ artifact_name: 'gone', artifact_type: 'command', from_collection: 'default', deployed_at: at, artifact_path: 'commands/gone.md', content_hash: 'c'.repeat(64) }),
    ].join('\n'),
  )
  const g = path.join(root, 'gamma', '.claude')
  write(
    path.join(g, '.skillmeat-deployed.toml'),
    entry({ artifact_name: 'review', artifact_type: 'command', from_collection: 'work', deployed_at: '2025-10-01T00:00:00', artifact_path: 'commands/review.md', content_hash: sha256(fs.readFileSync(path.join(g, 'commands', 'review.md'))) }),
  )
  return { home, root, alpha: path.join(root, 'alpha'), beta: path.join(root, 'beta'), gamma: path.join(root, 'gamma') }
}

async function setup(t, { fill = true } = {}) {
  const w = world()
  const cache = Cache.open({ home: w.home, path: ':memory:', projectRoots: [w.root], discoveryDepth: 1, watch: false })
  t.after(() => cache.close())
  if (fill) await cache.refresh()
  const handler = createCacheHandler({ cache })
  const call = async (method, url, { headers } = {}) => {
    const res = await handler(new Request(`http://localhost/api/v1${url}`, { method, headers }))
    const text = await res.text()
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined }
  }
  const cacheIdOf = (dir) => cache.listProjects({ limit: 100 }).items.find((p) => p.path === dir).id
  return { ...w, cache, call, cacheIdOf, get: (u, o) => call('GET', u, o), post: (u, o) => call('POST', u, o) }
}

const keys = (o) => Object.keys(o).sort()

test('GET /projects/{id}: ProjectDetail, field by field', async (t) => {
  const s = await setup(t)
  const id = b64(s.alpha)
  const r = await s.get(`/projects/${enc(id)}`)
  assert.equal(r.status, 200, r.text)
  const p = r.json
  // SkillMeat's ProjectDetail, then what this package adds.
  assert.deepEqual(keys(p), ['cache_id', 'deployment_count', 'deployment_profiles', 'deployments', 'id', 'last_deployment', 'name', 'path', 'stats'])
  assert.equal(p.id, id)
  assert.equal(p.cache_id, s.cacheIdOf(s.alpha))
  assert.equal(p.path, s.alpha)
  assert.equal(p.name, 'alpha')
  assert.equal(p.deployment_count, 7, 'every manifest entry, the one whose file is gone too')
  assert.equal(p.last_deployment, '2025-11-26T09:00:00', 'the latest deployed_at, as written')
  assert.deepEqual(p.deployment_profiles, [])
  assert.equal(p.deployments.length, 7, 'every entry, as SkillMeat lists them: the one whose file is gone last')
  const byName = Object.fromEntries(p.deployments.map((d) => [d.artifact_name, d]))
  const skillmeat = ['artifact_name', 'artifact_type', 'from_collection', 'deployed_at', 'artifact_path', 'version', 'collection_sha', 'local_modifications', 'collections']
  const added = ['artifact_id', 'profile_root_dir', 'is_outdated', 'upstream_version', 'version_difference']
  for (const d of p.deployments) assert.deepEqual(keys(d), [...skillmeat, ...added].sort(), d.artifact_name)
  assert.deepEqual(byName.notes, {
    artifact_name: 'notes',
    artifact_type: 'command',
    from_collection: 'default',
    deployed_at: '2025-11-25T14:01:16.123456',
    artifact_path: 'commands/notes.md',
    version: '1.0.0',
    collection_sha: sha256(fs.readFileSync(path.join(s.alpha, '.claude', 'commands', 'notes.md'))),
    local_modifications: false,
    collections: [],
    artifact_id: byName.notes.artifact_id,
    profile_root_dir: '.claude',
    is_outdated: true,
    upstream_version: '2.1.0',
    version_difference: 'major version upgrade (1.0.0 -> 2.1.0)',
  })
  assert.equal(s.cache.getArtifact(byName.notes.artifact_id).name, 'notes')
  assert.equal(byName['pdf-tools'].artifact_path, 'skills/pdf-tools')
  assert.equal(byName['pdf-tools'].local_modifications, false)
  assert.equal(byName['pdf-tools'].version, '1.2.0')
  assert.equal(byName.review.local_modifications, true, 'its files differ from the deployed hash')
  assert.equal(byName.review.collection_sha, 'a'.repeat(64))
  assert.equal(byName.review.version, null)
  assert.equal(byName.planner.from_collection, 'work')
  // The entry whose file is gone: as its manifest records it, with no artifact behind it.
  assert.deepEqual(p.deployments[6], {
    artifact_name: 'gone',
    artifact_type: 'command',
    from_collection: 'default',
    deployed_at: '2025-11-25T14:01:16.123456',
    artifact_path: 'commands/gone.md',
    version: null,
    collection_sha: 'c'.repeat(64),
    local_modifications: false,
    collections: [],
    artifact_id: null,
    profile_root_dir: '.claude',
    is_outdated: false,
    upstream_version: null,
    version_difference: null,
  })
  assert.deepEqual(s.cache.getProject(p.cache_id).missingDeployments.map((m) => [m.name, m.type, m.path]), [['gone', 'command', 'commands/gone.md']])
  assert.ok(!p.deployments.some((d) => d.artifact_type === 'agent' && d.artifact_name !== 'planner'), 'no local artifact')
  assert.deepEqual(p.stats, {
    by_type: { command: 5, skill: 1, agent: 1 },
    by_collection: { default: 6, work: 1 },
    by_profile: { claude_code: 7 },
    modified_count: 2,
  })
  assert.ok(['hit', 'miss'].includes(r.headers.get('x-cache-hit')))
  const again = await s.get(`/projects/${enc(id)}`, { headers: { 'if-none-match': r.headers.get('etag') } })
  assert.equal(again.status, 304)

  // Either id; an id spelling the path another way (as Python's pathlib reads it) is that project.
  for (const other of [p.cache_id, b64(`${s.alpha}/`), b64(`${s.alpha}/./`), b64(s.alpha.replace(/(?!^)\//g, '//'))]) {
    const o = await s.get(`/projects/${enc(other)}`)
    assert.equal(o.status, 200, other)
    assert.equal(o.json.id, id)
  }
})

test('400 and 404 with SkillMeat\'s texts, on every project page route', async (t) => {
  const s = await setup(t)
  const routes = [
    ['GET', (id) => `/projects/${id}`],
    ['POST', (id) => `/projects/${id}/check-modifications`],
    ['GET', (id) => `/projects/${id}/modified-artifacts`],
    ['GET', (id) => `/projects/${id}/drift/summary`],
  ]
  const cases = [
    // SkillMeat's e2e: `GET /projects/invalid-id-format` is 400. Python's b64decode skips the
    // dashes, then finds 15 characters.
    ['invalid-id-format', 400, 'Invalid project ID format: Incorrect padding'],
    ['abcde', 400, 'Invalid project ID format: Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4'],
    [enc(Buffer.from([0xff, 0xfe]).toString('base64')), 400, "Invalid project ID format: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"],
    [enc(Buffer.from([0x61, 0xe2, 0x82]).toString('base64')), 400, "Invalid project ID format: 'utf-8' codec can't decode bytes in position 1-2: unexpected end of data"],
    [enc(b64('/no/such/project')), 404, 'Project not found at path: /no/such/project'],
    [enc(b64(s.beta)), 404, 'No deployments found for project: beta'],
    [s.cacheIdOf(s.beta), 404, 'No deployments found for project: beta'],
  ]
  for (const [method, url] of routes) {
    for (const [id, status, detail] of cases) {
      const r = await s.call(method, url(id))
      assert.equal(r.status, status, `${method} ${url(id)}: ${r.text}`)
      assert.deepEqual(r.json, { detail }, `${method} ${url(id)}`)
    }
  }
  // A project whose folder is gone.
  fs.rmSync(s.gamma, { recursive: true, force: true })
  await s.cache.refresh()
  const gone = await s.get(`/projects/${enc(b64(s.gamma))}`)
  assert.equal(gone.status, 404)
  assert.equal(gone.json.detail, `Project not found at path: ${s.gamma}`)
})

test('one project id everywhere: /projects ids join /cache/* project_id; /projects lists projects with a manifest, /cache/projects every one', async (t) => {
  const s = await setup(t)
  const listed = (await s.get('/projects')).json
  assert.deepEqual(listed.items.map((p) => p.name).sort(), ['alpha', 'gamma'])
  assert.equal(listed.page_info.total_count, 2)
  assert.ok(!listed.items.some((p) => p.path === s.beta), 'beta has no deployment manifest')
  const cached = (await s.get('/cache/projects')).json
  assert.equal(cached.total, 3, '/cache/projects lists every project the cache knows')
  for (const p of cached.items) {
    assert.equal(p.id, b64(p.path), "SkillMeat's id, as its cache keeps projects")
    assert.equal(s.cache.getProject(p.cache_id).path, p.path)
  }
  const beta = cached.items.find((p) => p.name === 'beta')
  assert.equal((await s.get(`/cache/projects/${enc(beta.id)}`)).json.cache_id, beta.cache_id)
  assert.equal((await s.get(`/cache/projects/${enc(beta.cache_id)}`)).json.id, beta.id)

  // SkillMeat's ProjectsList joins /projects ids with /cache/stale-artifacts project_id.
  const ids = new Set(listed.items.map((p) => p.id))
  const stale = (await s.get('/cache/stale-artifacts')).json.items
  assert.ok(stale.length >= 2)
  for (const a of stale) {
    assert.ok(ids.has(a.project_id), `${a.name}: ${a.project_id}`)
    assert.equal(s.cache.getProject(a.project_cache_id).path, Buffer.from(a.project_id, 'base64').toString('utf8'))
  }
  const alpha = listed.items.find((p) => p.name === 'alpha')
  for (const url of [`/cache/artifacts?project_id=${enc(alpha.id)}`, `/cache/artifacts?project_id=${alpha.cache_id}`]) {
    const rows = (await s.get(url)).json.items
    assert.equal(rows.length, 6)
    assert.ok(rows.every((a) => a.project_id === alpha.id && a.project_cache_id === alpha.cache_id), url)
  }
  const one = (await s.get(`/cache/artifacts/${stale[0].id}`)).json
  assert.ok(ids.has(one.project_id))
  const hits = (await s.get('/cache/search?query=notes')).json.items
  assert.ok(hits.length > 0 && hits.every((h) => h.project_id === b64(s.cache.getProject(h.project_cache_id).path)))
  // The project pages answer the same id.
  assert.equal((await s.get(`/projects/${enc(alpha.id)}/modified-artifacts`)).json.project_id, alpha.id)
  assert.equal((await s.get(`/projects/${alpha.cache_id}/modified-artifacts`)).json.project_id, alpha.id)
})

test("a manifest without entries lists its project, as SkillMeat's POST /projects writes one; a deployment is named as its entry names it", async (t) => {
  const s = await setup(t)
  const delta = makeProject(s.root, 'delta')
  const manifest = path.join(delta, '.claude', '.skillmeat-deployed.toml')
  write(manifest, 'deployed = []\n')
  const epsilon = makeProject(s.root, 'epsilon', { artifacts: { 'commands/git/commit-message.md': md({ description: 'Write a commit message' }) } })
  const e = path.join(epsilon, '.claude')
  write(
    path.join(e, '.skillmeat-deployed.toml'),
    [
      entry({ artifact_name: 'commit-message', artifact_type: 'command', from_collection: 'default', deployed_at: '2025-10-01T00:00:00', artifact_path: 'commands/git/commit-message.md', content_hash: sha256(fs.readFileSync(path.join(e, 'commands', 'git', 'commit-message.md'))) }),
      entry({ artifact_name: 'pdf', artifact_type: 'skill', from_collection: 'default', deployed_at: '2025-10-01T00:00:00', artifact_path: 'skills/pdf-tools', content_hash: folderHash(path.join(e, 'skills', 'pdf-tools')) }),
    ].join('\n'),
  )
  await s.cache.refresh()
  const listed = (await s.get('/projects')).json
  assert.deepEqual(listed.items.map((p) => p.name).sort(), ['alpha', 'delta', 'epsilon', 'gamma'])
  const d = listed.items.find((p) => p.name === 'delta')
  assert.equal(d.deployment_count, 0)
  assert.equal(d.last_deployment, null)
  assert.deepEqual(s.cache.getProject(s.cacheIdOf(delta)).manifests, ['.claude'])
  assert.deepEqual(s.cache.getProject(s.cacheIdOf(s.beta)).manifests, [])
  assert.equal((await s.get('/projects/cache/stats')).json.entries, 4)
  const page = await s.get(`/projects/${enc(b64(delta))}`)
  assert.equal(page.status, 200, page.text)
  assert.equal(page.json.deployment_count, 0)
  assert.deepEqual(page.json.deployments, [])
  assert.equal((await s.get(`/projects/${enc(b64(delta))}/drift/summary`)).status, 200)

  // SkillMeat's web app finds a deployment in its collection by `artifact_name`.
  const names = (await s.get(`/projects/${enc(b64(epsilon))}`)).json.deployments.map((x) => [x.artifact_name, x.artifact_path])
  assert.deepEqual(names.sort(), [['commit-message', 'commands/git/commit-message.md'], ['pdf', 'skills/pdf-tools']])
  const drift = (await s.get(`/projects/${enc(b64(epsilon))}/drift/summary`)).json
  assert.ok(drift.drift_details.every((x) => ['commit-message', 'pdf'].includes(x.artifact_name)), JSON.stringify(drift.drift_details))
  const arts = s.cache.listArtifacts({ projectId: s.cacheIdOf(epsilon), limit: 100 }).items
  assert.deepEqual(
    Object.fromEntries(arts.map((a) => [a.name, a.deployedName ?? null])),
    { 'git/commit-message': 'commit-message', 'pdf-tools': 'pdf', review: null, planner: null },
  )

  // The manifest deleted: SkillMeat no longer lists the project.
  fs.rmSync(manifest)
  await s.cache.refresh()
  assert.ok(!(await s.get('/projects')).json.items.some((p) => p.name === 'delta'))
  assert.equal((await s.get(`/projects/${enc(b64(delta))}`)).status, 404)
})

test('modified artifacts and check-modifications: from the cache, and after a re-scan of that project', async (t) => {
  const s = await setup(t)
  const id = enc(b64(s.alpha))
  const m = await s.get(`/projects/${id}/modified-artifacts`)
  assert.equal(m.status, 200)
  assert.deepEqual(keys(m.json), ['last_checked', 'modified_artifacts', 'project_id', 'total_count'])
  assert.equal(m.json.project_id, b64(s.alpha))
  assert.equal(m.json.total_count, 2)
  assert.match(m.json.last_checked, /^\d{4}-\d\d-\d\dT/)
  const review = m.json.modified_artifacts.find((a) => a.artifact_name === 'review')
  assert.deepEqual(keys(review), ['artifact_name', 'artifact_type', 'baseline_hash', 'change_origin', 'current_sha', 'deployed_sha', 'modification_detected_at'])
  assert.equal(review.artifact_type, 'command')
  assert.equal(review.deployed_sha, 'a'.repeat(64))
  assert.equal(review.baseline_hash, 'a'.repeat(64))
  assert.equal(review.current_sha, sha256(fs.readFileSync(path.join(s.alpha, '.claude', 'commands', 'review.md'))))
  assert.equal(review.change_origin, 'local_modification')
  assert.match(review.modification_detected_at, /^\d{4}-/)
  assert.deepEqual(m.json.modified_artifacts.map((a) => a.artifact_name).sort(), ['both', 'review'])

  // A change on disk the cache has not seen yet (no watcher here): the GET answers what is
  // cached; check-modifications re-reads the project first.
  fs.appendFileSync(path.join(s.alpha, '.claude', 'skills', 'pdf-tools', 'SKILL.md'), 'Edited.\n')
  assert.equal((await s.get(`/projects/${id}/modified-artifacts`)).json.total_count, 2)
  const c = await s.post(`/projects/${id}/check-modifications`)
  assert.equal(c.status, 200, c.text)
  assert.deepEqual(keys(c.json), ['checked_at', 'deployments', 'modifications_detected', 'project_id'])
  assert.equal(c.json.project_id, b64(s.alpha))
  assert.match(c.json.checked_at, /^\d{4}-/)
  assert.equal(c.json.modifications_detected, 3)
  assert.equal(c.json.deployments.length, 6, 'every deployment whose files are there')
  for (const d of c.json.deployments) {
    assert.deepEqual(keys(d), ['artifact_name', 'artifact_type', 'baseline_hash', 'change_origin', 'current_sha', 'deployed_sha', 'is_modified', 'modification_detected_at'])
  }
  const by = Object.fromEntries(c.json.deployments.map((d) => [d.artifact_name, d]))
  assert.equal(by['pdf-tools'].is_modified, true)
  assert.notEqual(by['pdf-tools'].current_sha, by['pdf-tools'].deployed_sha)
  assert.equal(by['pdf-tools'].current_sha, folderHash(path.join(s.alpha, '.claude', 'skills', 'pdf-tools')))
  assert.equal(by.notes.is_modified, false)
  assert.equal(by.notes.current_sha, by.notes.deployed_sha)
  assert.equal(by.notes.change_origin, 'sync', 'unchanged here, newer upstream')
  assert.equal(by.notes.modification_detected_at, null)
  assert.equal(by.planner.change_origin, null)
  assert.equal((await s.get(`/projects/${id}/modified-artifacts`)).json.total_count, 3, 'the re-scan is in the cache')
})

test('drift summary: DriftSummaryResponse from what the cache knows; collection_name narrows it', async (t) => {
  const s = await setup(t)
  const id = enc(b64(s.alpha))
  const r = await s.get(`/projects/${id}/drift/summary`)
  assert.equal(r.status, 200, r.text)
  const d = r.json
  assert.deepEqual(keys(d), [
    'added_count', 'checked_at', 'collection_name', 'conflict_count', 'conflicts', 'drift_details', 'drifted_count', 'local_changes',
    'modified_count', 'outdated_count', 'project_path', 'removed_count', 'total', 'total_artifacts', 'upstream_changes', 'version_mismatch_count',
  ])
  assert.equal(d.project_path, s.alpha)
  assert.equal(d.collection_name, 'default')
  assert.equal(d.total_artifacts, 6, 'the deployments compared')
  assert.equal(d.modified_count, 1)
  assert.equal(d.outdated_count, 1)
  assert.equal(d.conflict_count, 1)
  assert.equal(d.version_mismatch_count, 1)
  assert.equal(d.added_count, 0)
  assert.equal(d.removed_count, 0)
  assert.equal(d.drifted_count, 4)
  assert.equal(d.total, 4)
  assert.equal(d.upstream_changes, 1, 'outdated + added + removed')
  assert.equal(d.local_changes, 1)
  assert.equal(d.conflicts, 1)
  assert.match(d.checked_at, /^\d{4}-/)
  const skillmeat = ['artifact_name', 'artifact_type', 'drift_type', 'collection_sha', 'project_sha', 'collection_version', 'project_version', 'last_deployed', 'recommendation', 'change_origin', 'baseline_hash', 'current_hash', 'modification_detected_at']
  const added = ['artifact_id', 'upstream_origin', 'upstream_version', 'version_difference']
  for (const x of d.drift_details) assert.deepEqual(keys(x), [...skillmeat, ...added].sort(), x.artifact_name)
  const by = Object.fromEntries(d.drift_details.map((x) => [x.artifact_name, x]))
  assert.deepEqual(
    Object.fromEntries(Object.entries(by).map(([n, x]) => [n, [x.drift_type, x.recommendation, x.change_origin]])),
    {
      review: ['modified', 'push_to_collection', 'local_modification'],
      notes: ['outdated', 'pull_from_collection', 'sync'],
      both: ['conflict', 'review_manually', 'local_modification'],
      older: ['version_mismatch', 'review_manually', 'sync'],
    },
  )
  const notesHash = sha256(fs.readFileSync(path.join(s.alpha, '.claude', 'commands', 'notes.md')))
  assert.deepEqual(by.notes, {
    artifact_name: 'notes',
    artifact_type: 'command',
    drift_type: 'outdated',
    collection_sha: null,
    project_sha: notesHash,
    collection_version: '2.1.0',
    project_version: '1.0.0',
    last_deployed: '2025-11-25T14:01:16.123456',
    recommendation: 'pull_from_collection',
    change_origin: 'sync',
    baseline_hash: notesHash,
    current_hash: notesHash,
    modification_detected_at: null,
    artifact_id: by.notes.artifact_id,
    upstream_origin: 'collection',
    upstream_version: '2.1.0',
    version_difference: 'major version upgrade (1.0.0 -> 2.1.0)',
  })
  assert.equal(by.older.collection_version, '1.5.0')
  assert.equal(by.older.project_version, '2.0.0')
  assert.equal(by.review.collection_version, null)
  assert.match(by.both.modification_detected_at, /^\d{4}-/)

  const work = (await s.get(`/projects/${id}/drift/summary?collection_name=work`)).json
  assert.equal(work.collection_name, 'work')
  assert.equal(work.total_artifacts, 1)
  assert.equal(work.total, 0)
  assert.deepEqual(work.drift_details, [])
  assert.equal((await s.get(`/projects/${id}/drift/summary?collection_name=`)).json.total_artifacts, 6, 'empty: every deployment')
  assert.equal((await s.get(`/projects/${id}/drift/summary?collection_name=nope`)).json.total_artifacts, 0)
})

test('POST /projects/cache/clear empties the cache and finds the projects again', async (t) => {
  const s = await setup(t)
  const before = (await s.get(`/projects/${enc(b64(s.alpha))}`)).json
  const r = await s.post('/projects/cache/clear')
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.success, true)
  assert.equal(r.json.message, 'Cache cleared and 2 projects rediscovered')
  assert.equal(r.json.projects_found, 2)
  assert.equal(r.json.summary.projects_scanned, 3)
  assert.equal((await s.get('/cache/status')).json.total_projects, 3)
  assert.deepEqual((await s.get(`/projects/${enc(b64(s.alpha))}`)).json, before, 'the same answer, rebuilt')
  // /projects/cache/* wins over /projects/{id}/*: no cache route reads "cache" as an id.
  assert.equal((await s.get('/projects/cache/clear')).status, 405)
  assert.equal((await s.get('/projects/cache/clear')).headers.get('allow'), 'POST')
  assert.equal((await s.get('/projects/cache/stats')).json.entries, 2, 'the projects /projects lists')
  const asId = await s.get('/projects/cache')
  assert.equal(asId.status, 400, 'as SkillMeat: a single segment is a project id')
  assert.match(asId.json.detail, /^Invalid project ID format: /)
})

test('a never-filled cache is scanned before a project page answers, as /projects does', async (t) => {
  const s = await setup(t, { fill: false })
  const r = await s.get(`/projects/${enc(b64(s.alpha))}`)
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.deployments.length, 7)
})

test("/projects cursors are decoded as SkillMeat's decode_project_id", async (t) => {
  const s = await setup(t)
  const bad = await s.get('/projects?after=invalid-cursor')
  assert.equal(bad.status, 400)
  assert.equal(bad.json.detail, 'Invalid project ID format: Invalid base64-encoded string: number of data characters (13) cannot be 1 more than a multiple of 4')
  const beta = await s.get(`/projects?after=${enc(b64(s.beta))}`)
  assert.equal(beta.status, 400)
  assert.equal(beta.json.detail, 'Invalid cursor: project not found', 'beta is not listed')
})

test("routes that write project files (and the others FastAPI keeps) answer 501 with where to send them", async (t) => {
  const s = await setup(t)
  const id = enc(b64(s.alpha))
  const fastapi = [
    ['POST', '/projects', 'POST /projects writes project files'],
    ['PUT', `/projects/${id}`, 'PUT /projects/{project_id} writes project files'],
    ['DELETE', `/projects/${id}`, 'DELETE /projects/{project_id} writes project files'],
    ['DELETE', `/projects/${id}/deployments/notes?artifact_type=command`, 'DELETE /projects/{project_id}/deployments/{artifact_name} writes project files'],
    ['GET', `/projects/${id}/context-map`, 'GET /projects/{project_id}/context-map reads project files the cache does not index'],
    ['GET', `/projects/${id}/profiles`, "GET /projects/{project_id}/profiles keeps deployment profiles in SkillMeat's database"],
    ['POST', `/projects/${id}/profiles`, 'POST /projects/{project_id}/profiles keeps'],
    ['PUT', `/projects/${id}/profiles/claude_code`, 'PUT /projects/{project_id}/profiles/{profile_id} keeps'],
    ['DELETE', `/projects/${id}/profiles/claude_code`, 'DELETE /projects/{project_id}/profiles/{profile_id} keeps'],
  ]
  for (const [method, url, starts] of fastapi) {
    const r = await s.call(method, url)
    assert.equal(r.status, 501, `${method} ${url}: ${r.text}`)
    assert.equal(typeof r.json.detail, 'string')
    assert.ok(r.json.detail.startsWith(starts), r.json.detail)
    assert.match(r.json.detail, /served by SkillMeat's FastAPI, not by this cache/)
    assert.match(r.json.detail, /docs\/http\.md/)
  }
  // Nothing was written: the project is as it was.
  assert.equal((await s.get(`/projects/${id}`)).json.deployment_count, 7)
  assert.equal((await s.call('PATCH', `/projects/${id}`)).status, 405)
})

test('methods a route does not define are 405 with the ones it does in Allow (never a property of a plain object)', async (t) => {
  const cache = Cache.open({ home: tmpdir(), path: ':memory:', watch: false })
  t.after(() => cache.close())
  const handler = createCacheHandler({ cache })
  for (const method of ['PATCH', 'toString', 'constructor', '__proto__']) {
    const r = await handler(new Request('http://x/api/v1/cache/status', { method }))
    assert.equal(r.status, 405, method)
    assert.equal(r.headers.get('allow'), 'GET, HEAD')
  }
  const writes = await handler(new Request('http://x/api/v1/projects/abc/deployments/x', { method: 'OPTIONS' }))
  assert.match(writes.headers.get('allow'), /DELETE/)
})
