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
  write(path.join(c, 'agents', 'indented.md'), '---\nname: indented\ndescription: Reviews\n  mode: strict\n---\nBody\n')
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

  // Invalid YAML Claude Code repairs (it quotes the line) loads whole: a note, health ok.
  assert.equal(a.hint.health, 'ok', 'Claude Code repairs and loads it')
  assert.equal(a.hint.status, 'ok')
  assert.deepEqual(codes(a.hint), ['FRONTMATTER_REPAIRED:note'])
  assert.equal(a.hint.problems[0].line, 3)
  assert.match(a.hint.problems[0].message, /Claude Code repairs it .* other loaders/)
  assert.equal(a.hint.problems[0].fix, 'quote the value of argument-hint: argument-hint: "[file] | [dir]"')
  assert.equal(a.hint.description, 'Run it')

  assert.deepEqual(codes(a.listhint), ['ARGUMENT_HINT_LIST:note', 'UNKNOWN_TOOL:warning', 'UNKNOWN_TOOL:warning'])
  assert.equal(a.listhint.health, 'degraded', 'by the unknown tools only')
  assert.equal(a.listhint.problems[0].fix, 'quote it: argument-hint: "[file]"')
  assert.match(a.listhint.problems[1].fix, /Glob/)

  assert.equal(a.colon.health, 'ok', "`description: Use when: …` is repaired by Claude Code")
  assert.deepEqual(codes(a.colon), ['FRONTMATTER_REPAIRED:note'])
  assert.equal(a.indented.health, 'broken', 'an agent whose YAML the repair cannot fix is not loaded')
  assert.deepEqual(codes(a.indented), ['FRONTMATTER_INVALID_YAML:error'])
  assert.match(a.indented.problems[0].message, /not loaded at all/)
  assert.ok([3, 4].includes(a.indented.problems[0].line), `line ${a.indented.problems[0].line}`)

  assert.deepEqual(codes(a.nameless), ['AGENT_MISSING_NAME:error'])
  assert.deepEqual(codes(a.bare), ['AGENT_MISSING_NAME:error', 'AGENT_MISSING_DESCRIPTION:error'])
  assert.deepEqual(codes(a.quiet), ['SKILL_MISSING_DESCRIPTION:warning'], 'Claude Code warns and loads it')
  assert.match(a.quiet.problems[0].message, /rarely picked automatically/)
  assert.deepEqual(codes(a['folder-a']), ['SKILL_NAME_MISMATCH:note'])
  assert.equal(a['folder-a'].health, 'ok')
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
  // (Notes stay: the sample skill carries keys the Agent Skills spec does not list.)
  assert.deepEqual(after.filter((a) => a.problems.some((x) => x.severity !== 'note')).map((a) => a.path), [])
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
  assert.deepEqual(broken, ['bad.json', 'bare', 'indented', 'nameless'])
  assert.deepEqual(all(cache, { health: 'degraded' }).map((a) => a.name).sort(), ['listhint', 'quiet'])
  // Notes (a repaired frontmatter, a name unlike its folder) leave these ok.
  assert.equal(all(cache, { health: 'ok' }).length, 6)
  assert.deepEqual(cache.status().artifactsByHealth, { ok: 6, degraded: 2, broken: 4 })
  assert.throws(() => cache.listArtifacts({ health: 'sick' }), (e) => e.code === 'INVALID_ARGUMENT' && /health/.test(e.message))
  assert.deepEqual(cache.search('', { health: 'broken', limit: 50 }).items.map((h) => h.name).sort(), broken)
  assert.deepEqual(cache.search('indented', { health: 'ok' }).items, [])
  assert.throws(() => cache.search('x', { health: 'sick' }), (e) => e.code === 'INVALID_ARGUMENT')

  const handler = createCacheHandler({ cache })
  const get = async (u) => (await handler(new Request(`http://x/api/v1${u}`))).json()
  assert.deepEqual((await get('/cache/artifacts?health=broken')).items.map((a) => a.name).sort(), broken)
  assert.equal((await get('/cache/search?query=indented&health=broken')).total, 1)
  const detail = await get(`/cache/artifacts/${all(cache, { health: 'broken' }).find((a) => a.name === 'indented').id}`)
  assert.equal(detail.health, 'broken')
  assert.equal(detail.problems[0].code, 'FRONTMATTER_INVALID_YAML')
  assert.deepEqual((await get('/cache/status')).artifacts_by_health, { ok: 6, degraded: 2, broken: 4 })

  // Outdated rows carry health too.
  write(path.join(home, 'collections', 'default', 'collection.toml'), '[[artifacts]]\nname = "indented"\ntype = "agent"\n')
  write(path.join(home, 'collections', 'default', 'collection.lock'), '["indented::agent"]\nresolved_version = "2.0.0"\n')
  write(path.join(dir, '.claude', '.skillmeat-deployed.toml'), '[[deployed]]\nartifact_name = "indented"\nartifact_type = "agent"\nartifact_path = "agents/indented.md"\nfrom_collection = "default"\nversion = "1.0.0"\n')
  await cache.refresh({ projectId: p.id })
  const out = cache.outdatedArtifacts()
  assert.deepEqual(out.items.map((a) => [a.name, a.health]), [['indented', 'broken']])

  // The fix: indent nothing under a plain value; the next scan clears the problem.
  write(path.join(dir, '.claude', 'agents', 'indented.md'), '---\nname: indented\ndescription: Reviews\nmode: strict\n---\nBody\n')
  await cache.refresh({ projectId: p.id })
  const fixed = all(cache, { projectId: p.id }).find((a) => a.name === 'indented')
  assert.equal(fixed.health, 'ok')
  assert.deepEqual(fixed.problems, [])
  assert.equal(fixed.description, 'Reviews')
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
  assert.match(human.stdout, /broken {3}agent indented/)
  assert.match(human.stdout, /FRONTMATTER_INVALID_YAML {2}\.claude\/agents\/indented\.md:[34]/)
  assert.match(human.stdout, /4 broken, 2 degraded, 9 ok \(exit 1\)/)
  assert.doesNotMatch(human.stdout, /\(note\)/, 'notes only on request')
  assert.doesNotMatch(human.stdout, /^clean/m, 'a project without problems is not listed')
  const json = run(['doctor', '--json'])
  assert.equal(json.status, 1)
  const r = JSON.parse(json.stdout)
  assert.deepEqual(r.counts, { ok: 9, degraded: 2, broken: 4 })
  assert.equal(r.projects.length, 1)
  assert.equal(r.projects[0].artifacts[0].health, 'broken', 'broken first')
  // --notes: what other loaders reject, on ok artifacts too; health unchanged.
  const notes = run(['doctor', '--notes'])
  assert.equal(notes.status, 1)
  assert.match(notes.stdout, /ok {7}command hint/)
  assert.match(notes.stdout, /FRONTMATTER_REPAIRED \(note\) {2}\.claude\/commands\/hint\.md:3/)
  assert.match(notes.stdout, /fix: quote the value of argument-hint/)
  assert.match(notes.stdout, /SKILL_NAME_MISMATCH \(note\)/)
  assert.match(notes.stdout, /4 broken, 2 degraded, 9 ok \(exit 1\)/)
  const ids = JSON.parse(run(['projects', '--json']).stdout).items
  const cleanId = ids.find((x) => x.name === 'clean').id
  const ok = run(['doctor', '--project', cleanId])
  assert.equal(ok.status, 0, ok.stdout + ok.stderr)
  assert.match(ok.stdout, /No problems/)
  assert.equal(run(['doctor', '--project', 'nope']).status, 1)
})

/** The frontmatter block of `text` (between the first two `---` lines), or null. */
function frontmatter(text) {
  // The block as Claude Code finds it (schema.json `frontmatter.block`): up to the next `---`.
  const head = /^---\s*\n/.exec(text)
  if (!head) return null
  const m = /^---\s*\n([\s\S]*?)---\s*\n?/.exec(text)
  const shift = head[0].split('\n').length - 1
  return m ? { yaml: m[1], shift } : { unclosed: true }
}

/**
 * npm yaml's verdict, as `YAML.parse` (what loaders call) sees it, with a key written twice
 * allowed as Claude Code's parser (Bun's) allows it: null when it parses, else the file line of
 * the first error (0 when yaml names none, e.g. an alias to no anchor).
 */
function yamlVerdict(fm) {
  if (fm.unclosed) return 1
  const doc = YAML.parseDocument(fm.yaml, { uniqueKeys: false })
  if (doc.errors.length) {
    const pos = doc.errors[0].linePos && doc.errors[0].linePos[0]
    return (pos ? pos.line : 1) + (fm.shift ?? 1)
  }
  try {
    doc.toJS()
    return null
  } catch {
    return 0
  }
}

/**
 * Claude Code's repair of a block YAML rejects (2.1.332, as tests/fixtures/claude-code/schema.json
 * quotes it from its bundle): leading tabs become two spaces, and top-level `key: value` lines
 * whose value holds `: ` or one of {}[]*&#!|>%@` are quoted unless quoted already or a flow list.
 */
function claudeCodeRepair(yaml) {
  const triggers = /[{}[\]*&#!|>%@`]|: /
  return yaml
    .split('\n')
    .map((line) => line.replace(/^\t+/, (t) => '  '.repeat(t.length)))
    .map((line) => {
      const m = line.match(/^([a-zA-Z_-]+):\s+(\S.*)$/)
      if (!m) return line
      const [, key, v] = m
      if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) return line
      if (v.startsWith('[') && v.endsWith(']')) {
        try {
          if (Array.isArray(YAML.parse(v))) return line
        } catch {}
      }
      return triggers.test(v) ? `${key}: "${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : line
    })
    .join('\n')
}

/**
 * Our verdicts against npm yaml's (YAML 1.2) with Claude Code's repair in front of it: a block it
 * accepts carries no YAML problem; one only the repair makes parse carries the
 * FRONTMATTER_REPAIRED note; one still rejected is FRONTMATTER_INVALID_YAML on yaml's line (±1).
 */
function compare(cache, fileOf) {
  const out = { agree: 0, bothInvalid: 0, repaired: 0, onlyYaml: [], onlyOurs: [], lineOff: [], repairDiffers: [] }
  for (const a of all(cache)) {
    if (!['skill', 'command', 'agent'].includes(a.type)) continue
    const file = fileOf(a)
    const fm = frontmatter(fs.readFileSync(file, 'utf8'))
    if (!fm) continue
    let theirs = yamlVerdict(fm)
    const repairs = theirs !== null && !fm.unclosed && yamlVerdict({ yaml: claudeCodeRepair(fm.yaml), shift: fm.shift }) === null
    const ours = a.problems.find((p) => p.code === 'FRONTMATTER_INVALID_YAML')
    const noted = a.problems.some((p) => p.code === 'FRONTMATTER_REPAIRED')
    if (repairs) {
      if (noted && !ours) out.repaired++
      else out.repairDiffers.push(`${file}: Claude Code's repair makes it parse; ours: ${ours ? ours.message : 'no note'}`)
      continue
    }
    if (noted) {
      out.repairDiffers.push(`${file}: repaired by us, not by Claude Code's repair under npm yaml`)
      continue
    }
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
  assert.deepEqual(r.repairDiffers, [], "Claude Code's repair agrees")
  assert.ok(r.repaired > 0, `blocks Claude Code repairs: ${r.repaired}`)
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
  assert.equal(r.agree + r.bothInvalid + r.repaired, 1500, JSON.stringify({ onlyYaml: r.onlyYaml.slice(0, 5), onlyOurs: r.onlyOurs.slice(0, 5), repairDiffers: r.repairDiffers.slice(0, 5) }))
  assert.ok(r.bothInvalid > 100 && r.agree > 100 && r.repaired > 100, `every verdict exercised: ${r.bothInvalid} invalid, ${r.repaired} repaired, ${r.agree} valid`)
  assert.deepEqual(r.lineOff.slice(0, 5), [], `${r.lineOff.length} of ${r.bothInvalid} off by 2+`)
})
