'use strict'
// Artifact health: what Claude Code will do with each deployed file, on real temp projects; the
// YAML verdict checked against the npm `yaml` package (YAML 1.2, as Claude Code parses it).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const YAML = require('yaml')
const { Cache } = require('../index.js')
const { createCacheHandler } = require('../src/js/http.js')
const { tmpdir, write, md, makeProject } = require('./helpers.js')
const { mulberry32: mulberry } = require('../benches/node/common.js')

const CLI = path.join(__dirname, '..', 'bin', 'skillmeat-cache')
const CORPUS = path.join(__dirname, '..', '..', 'shared', 'corpus', 'projects')

function byName(items) {
  return Object.fromEntries(items.map((a) => [a.name, a]))
}

function all(cache, q = {}) {
  return cache.listArtifacts({ limit: 10000, ...q }).items
}

/** One file per rule. */
function rulesProject(root) {
  const dir = makeProject(root, 'rules')
  const c = path.join(dir, '.claude')
  write(path.join(c, 'commands', 'hint.md'), '---\ndescription: Run it\nargument-hint: [file] | [dir]\n---\nBody\n')
  write(path.join(c, 'commands', 'listhint.md'), '---\ndescription: Run it\nargument-hint: [file]\nallowed-tools: Read, LS, bash\n---\nBody\n')
  write(path.join(c, 'agents', 'colon.md'), '---\nname: colon\ndescription: Use when: the user asks\n---\nBody\n')
  write(path.join(c, 'agents', 'nameless.md'), '---\ndescription: No name\n---\nBody\n')
  write(path.join(c, 'agents', 'bare.md'), 'No frontmatter at all.\n')
  write(path.join(c, 'skills', 'quiet', 'SKILL.md'), '---\nname: quiet\n---\nNo description.\n')
  write(path.join(c, 'skills', 'folder-a', 'SKILL.md'), '---\nname: other-name\ndescription: Misnamed\n---\n')
  write(path.join(c, 'hooks', 'bad.json'), '{ "hooks": { "PreToolUse": [ ] }, }\n')
  return dir
}

test('each rule: the health, the problem code and severity, the line and the fix', async (t) => {
  const root = tmpdir()
  const dir = rulesProject(root)
  const cache = Cache.open({ path: ':memory:' })
  t.after(() => cache.close())
  const p = cache.registerProject(dir)
  const a = byName(all(cache, { projectId: p.id }))
  const codes = (x) => x.problems.map((pr) => `${pr.code}:${pr.severity}`)

  assert.equal(a.hint.health, 'degraded', 'a command with invalid YAML still loads')
  assert.equal(a.hint.status, 'ok')
  assert.deepEqual(codes(a.hint), ['FRONTMATTER_INVALID_YAML:warning'])
  assert.equal(a.hint.problems[0].line, 3)
  assert.match(a.hint.problems[0].message, /without its description, allowed-tools and argument-hint/)
  assert.equal(a.hint.problems[0].fix, 'quote the value of argument-hint: argument-hint: "[file] | [dir]"')
  assert.equal(a.hint.description, 'Run it', 'the lenient reading still shows a description')

  assert.deepEqual(codes(a.listhint), ['ARGUMENT_HINT_LIST:warning', 'UNKNOWN_TOOL:warning', 'UNKNOWN_TOOL:warning'])
  assert.equal(a.listhint.problems[0].fix, 'quote it: argument-hint: "[file]"')
  assert.match(a.listhint.problems[1].fix, /Glob/)

  assert.equal(a.colon.health, 'broken', 'an agent with invalid YAML is not loaded')
  assert.match(a.colon.problems[0].message, /not loaded at all/)
  assert.equal(a.colon.problems[0].line, 3)
  assert.match(a.colon.problems[0].fix, /quote the value of description/)

  assert.deepEqual(codes(a.nameless), ['AGENT_MISSING_NAME:error'])
  assert.deepEqual(codes(a.bare), ['AGENT_MISSING_NAME:error', 'AGENT_MISSING_DESCRIPTION:error'])
  assert.deepEqual(codes(a.quiet), ['SKILL_MISSING_DESCRIPTION:error'])
  assert.match(a.quiet.problems[0].message, /never picks it automatically/)
  assert.deepEqual(codes(a['folder-a']), ['SKILL_NAME_MISMATCH:warning'])
  assert.equal(a['folder-a'].problems[0].line, 2)
  assert.deepEqual(codes(a['bad.json']), ['JSON_INVALID:error'])
  assert.ok(a['bad.json'].problems[0].line >= 1 && a['bad.json'].problems[0].column >= 1)
  for (const ok of ['pdf-tools', 'review', 'planner']) assert.equal(a[ok].health, 'ok', ok)
  for (const x of Object.values(a)) {
    for (const pr of x.problems) {
      assert.ok(pr.file.startsWith('.claude/'), pr.file)
      assert.ok(pr.message && pr.fix, `${pr.code} says what happens and what to do`)
    }
  }
})

test('files Claude Code cannot read as text are broken, with a fix: binary, not UTF-8, a skill folder without SKILL.md', async (t) => {
  const root = tmpdir()
  const dir = makeProject(root, 'unreadable')
  const c = path.join(dir, '.claude')
  fs.writeFileSync(path.join(c, 'agents', 'blob.md'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]))
  fs.writeFileSync(path.join(c, 'commands', 'latin.md'), Buffer.from('---\ndescription: caf\xe9\n---\n', 'latin1'))
  write(path.join(c, 'skills', 'empty-skill', 'notes.txt'), 'no SKILL.md here\n')
  const cache = Cache.open({ path: ':memory:' })
  t.after(() => cache.close())
  const p = cache.registerProject(dir)
  const a = byName(all(cache, { projectId: p.id }))
  const codes = (x) => x.problems.map((pr) => `${pr.code}:${pr.severity}`)
  assert.deepEqual(codes(a.blob), ['NOT_TEXT:error'])
  assert.deepEqual(codes(a.latin), ['NOT_UTF8:error'])
  assert.deepEqual(codes(a['empty-skill']), ['SKILL_MD_MISSING:error'])
  for (const n of ['blob', 'latin', 'empty-skill']) {
    assert.equal(a[n].health, 'broken', n)
    assert.equal(a[n].status, 'error', n)
    assert.ok(a[n].problems[0].fix.length > 10, n)
  }
  assert.equal(a['pdf-tools'].health, 'ok', 'the rest still scans')
  const broken = all(cache, { health: 'broken' }).map((x) => x.name).sort()
  assert.deepEqual(broken, ['blob', 'empty-skill', 'latin'])
  assert.equal(cache.status().artifactsByHealth.broken, 3)
})

test('what Claude Code never reaches: a skill in a category folder, a command a skill of the same name hides; tool names of today', async (t) => {
  const root = tmpdir()
  const dir = makeProject(root, 'reach')
  const c = path.join(dir, '.claude')
  write(path.join(c, 'skills', 'team', 'lint', 'SKILL.md'), md({ name: 'lint', description: 'Lint' }))
  write(path.join(c, 'skills', 'deploy', 'SKILL.md'), md({ name: 'deploy', description: 'Deploy (skill)' }))
  write(path.join(c, 'commands', 'deploy.md'), md({ description: 'Deploy (command)' }))
  write(path.join(c, 'commands', 'ops', 'deploy.md'), md({ description: 'Deploy in a subfolder' }))
  write(path.join(c, 'agents', 'lead.md'), md({ name: 'lead', description: 'Leads', tools: 'TaskCreate, TaskList, SendMessage, TeamCreate, Agent, Read' }))
  write(path.join(c, 'agents', 'all.md'), md({ name: 'all', description: 'Every tool', tools: '"*"' }))
  write(path.join(c, 'agents', 'old.md'), md({ name: 'old', description: 'Old names', tools: 'Read, BashOutput, SlashCommand' }))
  const cache = Cache.open({ path: ':memory:' })
  t.after(() => cache.close())
  const p = cache.registerProject(dir)
  const items = all(cache, { projectId: p.id })
  const find = (type, name) => items.find((a) => a.type === type && a.name === name)
  const codes = (x) => x.problems.map((pr) => `${pr.code}:${pr.severity}`)

  const nested = find('skill', 'team/lint')
  assert.deepEqual(codes(nested), ['SKILL_NESTED:error'])
  assert.equal(nested.health, 'broken')
  assert.match(nested.problems[0].fix, /\.claude\/skills\/lint/)

  const hidden = find('command', 'deploy')
  assert.deepEqual(codes(hidden), ['SHADOWED_BY_SKILL:warning'])
  assert.match(hidden.problems[0].message, /\.claude\/skills\/deploy/)
  assert.equal(find('skill', 'deploy').health, 'ok', 'the skill itself is fine')
  assert.equal(find('command', 'ops/deploy').health, 'ok', 'a command in a subfolder is not judged')

  assert.deepEqual(codes(find('agent', 'lead')), [], 'task and team tools are Claude Code tools')
  assert.deepEqual(codes(find('agent', 'all')), [], '* is every tool')
  const old = find('agent', 'old')
  assert.deepEqual(codes(old), ['UNKNOWN_TOOL:warning', 'UNKNOWN_TOOL:warning'])
  assert.deepEqual(old.problems.map((x) => x.fix), ['replace BashOutput with TaskOutput', 'replace SlashCommand with Skill'])

  // Removing the skill clears the command's problem at the next scan.
  fs.rmSync(path.join(c, 'skills', 'deploy'), { recursive: true })
  await cache.refresh({ projectId: p.id })
  const again = all(cache, { projectId: p.id }).find((a) => a.type === 'command' && a.name === 'deploy')
  assert.deepEqual(again.problems, [])
  assert.equal(again.health, 'ok')
})

test('duplicates are both listed and both flagged; a deployment whose files are gone is reported', async (t) => {
  const root = tmpdir()
  const dir = makeProject(root, 'dups')
  const c = path.join(dir, '.claude')
  write(path.join(c, 'agents', 'one.md'), md({ name: 'reviewer', description: 'First' }))
  write(path.join(c, 'agents', 'two.md'), md({ name: 'reviewer', description: 'Second' }))
  write(path.join(c, 'mcp', 'db.json'), '{"command": "db"}\n')
  write(path.join(c, 'mcp', 'db', 'mcp.json'), '{"command": "db2"}\n')
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    '[[deployed]]\nartifact_name = "gone"\nartifact_type = "skill"\nartifact_path = "skills/gone"\nfrom_collection = "default"\n',
  )
  const cache = Cache.open({ path: ':memory:' })
  t.after(() => cache.close())
  const p = cache.registerProject(dir)
  const agents = all(cache, { projectId: p.id, type: 'agent' }).filter((a) => a.displayName === 'reviewer')
  assert.equal(agents.length, 2, 'both listed')
  for (const a of agents) {
    assert.equal(a.health, 'degraded')
    const d = a.problems.find((x) => x.code === 'DUPLICATE_NAME')
    const other = agents.find((x) => x.id !== a.id)
    assert.ok(d.message.includes(other.path), `${a.path} names ${other.path}: ${d.message}`)
  }
  const mcps = all(cache, { projectId: p.id, type: 'mcp' })
  assert.equal(mcps.length, 2, 'mcp/db.json and mcp/db/ are both listed')
  assert.ok(mcps.every((m) => m.displayName === 'db' && m.problems.some((x) => x.code === 'DUPLICATE_NAME')))
  const proj = cache.getProject(p.id)
  const gone = proj.errors.find((e) => /DEPLOYED_FILE_MISSING/.test(e.reason))
  assert.ok(gone, JSON.stringify(proj.errors))
  assert.equal(gone.file, '.claude/skills/gone')

  // Fixing the files clears the problems at the next scan.
  fs.rmSync(path.join(c, 'agents', 'two.md'))
  fs.rmSync(path.join(c, 'mcp', 'db'), { recursive: true })
  fs.writeFileSync(path.join(c, '.skillmeat-deployed.toml'), '')
  await cache.refresh({ projectId: p.id })
  const after = all(cache, { projectId: p.id })
  assert.deepEqual(after.filter((a) => a.problems.length).map((a) => a.path), [])
  assert.deepEqual(cache.getProject(p.id).errors, [])
})

test('filters and counts: listArtifacts, search, status, outdated rows, the HTTP API; a fix clears the problem', async (t) => {
  const root = tmpdir()
  const home = tmpdir()
  const dir = rulesProject(root)
  const cache = Cache.open({ home })
  t.after(() => cache.close())
  const p = cache.registerProject(dir)
  const broken = all(cache, { health: 'broken' }).map((a) => a.name).sort()
  assert.deepEqual(broken, ['bad.json', 'bare', 'colon', 'nameless', 'quiet'])
  assert.deepEqual(all(cache, { health: 'degraded' }).map((a) => a.name).sort(), ['folder-a', 'hint', 'listhint'])
  assert.equal(all(cache, { health: 'ok' }).length, 3)
  assert.deepEqual(cache.status().artifactsByHealth, { ok: 3, degraded: 3, broken: 5 })
  assert.throws(() => cache.listArtifacts({ health: 'sick' }), (e) => e.code === 'INVALID_ARGUMENT' && /health/.test(e.message))
  assert.deepEqual(cache.search('', { health: 'broken', limit: 50 }).items.map((h) => h.name).sort(), broken)
  assert.deepEqual(cache.search('colon', { health: 'ok' }).items, [])
  assert.throws(() => cache.search('x', { health: 'sick' }), (e) => e.code === 'INVALID_ARGUMENT')

  const handler = createCacheHandler({ cache })
  const get = async (u) => (await handler(new Request(`http://x/api/v1${u}`))).json()
  assert.deepEqual((await get('/cache/artifacts?health=broken')).items.map((a) => a.name).sort(), broken)
  assert.equal((await get('/cache/search?query=colon&health=broken')).total, 1)
  const detail = await get(`/cache/artifacts/${all(cache, { health: 'broken' }).find((a) => a.name === 'colon').id}`)
  assert.equal(detail.health, 'broken')
  assert.equal(detail.problems[0].code, 'FRONTMATTER_INVALID_YAML')
  assert.deepEqual((await get('/cache/status')).artifacts_by_health, { ok: 3, degraded: 3, broken: 5 })

  // Outdated rows carry health too.
  write(path.join(home, 'collections', 'default', 'collection.toml'), '[[artifacts]]\nname = "colon"\ntype = "agent"\n')
  write(path.join(home, 'collections', 'default', 'collection.lock'), '["colon::agent"]\nresolved_version = "2.0.0"\n')
  write(path.join(dir, '.claude', '.skillmeat-deployed.toml'), '[[deployed]]\nartifact_name = "colon"\nartifact_type = "agent"\nartifact_path = "agents/colon.md"\nfrom_collection = "default"\nversion = "1.0.0"\n')
  await cache.refresh({ projectId: p.id })
  const out = cache.outdatedArtifacts()
  assert.deepEqual(out.items.map((a) => [a.name, a.health]), [['colon', 'broken']])

  // The fix: quote the value; the next scan clears the problem.
  write(path.join(dir, '.claude', 'agents', 'colon.md'), '---\nname: colon\ndescription: "Use when: the user asks"\n---\nBody\n')
  await cache.refresh({ projectId: p.id })
  const fixed = all(cache, { projectId: p.id }).find((a) => a.name === 'colon')
  assert.equal(fixed.health, 'ok')
  assert.deepEqual(fixed.problems, [])
  assert.equal(fixed.description, 'Use when: the user asks')
})

test('doctor: problems grouped by project with the fix; exit 1 when anything is broken', () => {
  const home = tmpdir()
  const root = tmpdir()
  const dir = rulesProject(root)
  const clean = makeProject(root, 'clean')
  const env = { ...process.env, SKILLMEAT_HOME: home, NO_COLOR: '1' }
  delete env.SKILLMEAT_CACHE_PATH
  const run = (args) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  for (const d of [dir, clean]) assert.equal(run(['register', d]).status, 0)
  const human = run(['doctor'])
  assert.equal(human.status, 1, human.stderr)
  assert.match(human.stdout, /^rules {2}/m)
  assert.match(human.stdout, /broken {3}agent colon/)
  assert.match(human.stdout, /FRONTMATTER_INVALID_YAML {2}\.claude\/agents\/colon\.md:3/)
  assert.match(human.stdout, /fix: quote the value of description/)
  assert.match(human.stdout, /5 broken, 3 degraded, 6 ok \(exit 1\)/)
  assert.doesNotMatch(human.stdout, /^clean/m, 'a project without problems is not listed')
  const json = run(['doctor', '--json'])
  assert.equal(json.status, 1)
  const r = JSON.parse(json.stdout)
  assert.deepEqual(r.counts, { ok: 6, degraded: 3, broken: 5 })
  assert.equal(r.projects.length, 1)
  assert.equal(r.projects[0].artifacts[0].health, 'broken', 'broken first')
  const ids = JSON.parse(run(['projects', '--json']).stdout).items
  const cleanId = ids.find((x) => x.name === 'clean').id
  const ok = run(['doctor', '--project', cleanId])
  assert.equal(ok.status, 0, ok.stdout + ok.stderr)
  assert.match(ok.stdout, /No problems/)
  assert.equal(run(['doctor', '--project', 'nope']).status, 1)
})

/** The frontmatter block of `text` (between the first two `---` lines), or null. */
function frontmatter(text) {
  const lines = text.split('\n')
  if (lines[0].trim() !== '---') return null
  const end = lines.findIndex((l, i) => i > 0 && (l.trim() === '---' || l.trim() === '...'))
  return end < 0 ? { unclosed: true } : { yaml: lines.slice(1, end).join('\n') }
}

/**
 * npm yaml's verdict, as `YAML.parse` (what loaders call) sees it: null when it parses, else the
 * file line of the first error (0 when yaml names none, e.g. an alias to no anchor).
 */
function yamlVerdict(fm) {
  if (fm.unclosed) return 1
  const doc = YAML.parseDocument(fm.yaml)
  if (doc.errors.length) {
    const pos = doc.errors[0].linePos && doc.errors[0].linePos[0]
    return (pos ? pos.line : 1) + 1
  }
  try {
    doc.toJS()
    return null
  } catch {
    return 0
  }
}

function compare(cache, fileOf) {
  const out = { agree: 0, bothInvalid: 0, onlyYaml: [], onlyOurs: [], lineOff: [] }
  for (const a of all(cache)) {
    if (!['skill', 'command', 'agent'].includes(a.type)) continue
    const file = fileOf(a)
    const fm = frontmatter(fs.readFileSync(file, 'utf8'))
    if (!fm) continue
    const theirs = yamlVerdict(fm)
    const ours = a.problems.find((p) => p.code === 'FRONTMATTER_INVALID_YAML')
    if (theirs === null && !ours) out.agree++
    else if (theirs !== null && ours) {
      out.bothInvalid++
      if (theirs > 0 && Math.abs(ours.line - theirs) > 1) out.lineOff.push(`${file}: ours ${ours.line}, yaml ${theirs}`)
    } else if (theirs !== null) out.onlyYaml.push(`${file} (yaml line ${theirs})`)
    else out.onlyOurs.push(`${file}: ${ours.message}`)
  }
  return out
}

test('YAML verdict against npm yaml (YAML 1.2) on the shared corpus: every rejected block flagged on its line, none accepted flagged', { skip: !fs.existsSync(CORPUS) && 'needs ../shared/corpus' }, async (t) => {
  const cache = Cache.open({ path: ':memory:', projectRoots: [CORPUS], discoveryDepth: 1 })
  t.after(() => cache.close())
  await cache.refresh()
  const paths = Object.fromEntries(cache.listProjects({ limit: 100 }).items.map((p) => [p.id, p.path]))
  const r = compare(cache, (a) => path.join(paths[a.projectId], a.path, a.type === 'skill' ? 'SKILL.md' : ''))
  assert.ok(r.agree > 400, `corpus read: ${r.agree}`)
  assert.deepEqual(r.onlyYaml, [], 'blocks npm yaml rejects are flagged')
  assert.deepEqual(r.onlyOurs, [], 'blocks npm yaml accepts are not flagged')
  assert.deepEqual(r.lineOff, [], 'on the right line (±1)')
  assert.equal(all(cache, { status: 'error' }).length, 0, 'no artifact of the corpus is unreadable')
})

test('YAML verdict against npm yaml on 1,500 generated frontmatter blocks', async (t) => {
  const rnd = mulberry(Number(process.env.HEALTH_SEED || 7))
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)]
  const values = [
    'plain text', 'Use when: the user asks', '[file] | [dir]', '[file]', '"quoted: fine"', "'single'", 'a # comment',
    '{ a: 1 }', '- item', '*star', '&anchor x', '!tag x', 'tab\there', 'ends with colon:', 'x: y: z', '"unclosed',
    '[unclosed', '|', '>', '@at', '`tick`', '%percent', 'multi\n  continued', '"esc \\" ok"', 'yes', '0123', '~', '',
  ]
  const root = tmpdir()
  const dir = path.join(root, 'gen')
  for (let i = 0; i < 1500; i++) {
    const lines = ['---', `description: ${pick(values)}`]
    for (let k = rnd() * 4; k > 0; k--) lines.push(`${pick(['name', 'argument-hint', 'allowed-tools', 'model', 'tags'])}: ${pick(values)}`)
    if (rnd() < 0.1) lines.push('description: duplicate key')
    if (rnd() < 0.05) lines.push('  indented: oddly')
    lines.push('---', 'Body.', '')
    write(path.join(dir, '.claude', 'commands', `c${i}.md`), lines.join('\n'))
  }
  const cache = Cache.open({ path: ':memory:' })
  t.after(() => cache.close())
  cache.registerProject(dir)
  const r = compare(cache, (a) => path.join(dir, a.path))
  assert.equal(r.agree + r.bothInvalid, 1500, JSON.stringify({ onlyYaml: r.onlyYaml.slice(0, 5), onlyOurs: r.onlyOurs.slice(0, 5) }))
  assert.ok(r.bothInvalid > 100 && r.agree > 100, `both verdicts exercised: ${r.bothInvalid} invalid, ${r.agree} valid`)
  assert.deepEqual(r.lineOff.slice(0, 5), [], `${r.lineOff.length} of ${r.bothInvalid} off by 2+`)
})
