'use strict'

// End-to-end tests of bin/skillmeat-cache: each test spawns the CLI against real project
// folders and a SkillMeat home in temporary directories.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { listen } = require('./helpers.js')

const cliPath = path.join(__dirname, '..', 'bin', 'skillmeat-cache')

let root
let homeCount = 0

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-cli-'))
})

after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true })
})

/** A fresh, empty SkillMeat home so tests do not see each other's cache. */
function freshHome() {
  const home = path.join(root, `home-${++homeCount}`)
  fs.mkdirSync(home)
  return home
}

/** The parent environment without anything that would change the cache's configuration. */
function baseEnv() {
  const env = { ...process.env }
  for (const k of Object.keys(env)) {
    if (k.startsWith('SKILLMEAT_') || k === 'FORCE_COLOR') delete env[k]
  }
  return env
}

function run(home, args, { env = {}, input } = {}) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    env: { ...baseEnv(), SKILLMEAT_HOME: home, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    input,
    timeout: 60_000,
  })
  if (r.error) throw r.error
  return r
}

/** Runs with --json, checks the exit code and that stdout is exactly one JSON document. */
function runJson(home, args, { status = 0, env } = {}) {
  const r = run(home, [...args, '--json'], { env })
  assert.equal(r.status, status, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}

/**
 * Builds a project folder: `.claude/skills/<name>/SKILL.md`, `.claude/commands/<name>.md`,
 * `.claude/agents/<name>.md`, each with YAML frontmatter.
 */
function makeProject(name, { skills = [], commands = [], agents = [], badAgents = [] } = {}) {
  const dir = path.join(root, 'projects', `${name}-${++homeCount}`, name)
  const claude = path.join(dir, '.claude')
  for (const s of skills) {
    write(path.join(claude, 'skills', s, 'SKILL.md'), `---\nname: ${s}\ndescription: The ${s} skill\n---\n\n# ${s}\n`)
  }
  for (const s of badAgents) {
    // YAML Claude Code's repair cannot fix (an indented line under a plain value): not loaded.
    write(path.join(claude, 'agents', `${s}.md`), `---\nname: ${s}\ndescription: broken\n  mode: strict\n---\nbody\n`)
  }
  for (const c of commands) {
    write(path.join(claude, 'commands', `${c}.md`), `---\ndescription: The ${c} command\n---\nDo ${c}.\n`)
  }
  for (const a of agents) {
    write(path.join(claude, 'agents', `${a}.md`), `---\nname: ${a}\ndescription: The ${a} agent\n---\nYou are ${a}.\n`)
  }
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

const standardProject = () =>
  makeProject('webapp', { skills: ['pdf', 'xlsx'], commands: ['deploy'], agents: ['reviewer'] })

/** A home with one registered standard project; returns { home, dir, project }. */
function registered() {
  const home = freshHome()
  const dir = standardProject()
  const project = runJson(home, ['register', dir])
  return { home, dir, project }
}

test('register, then projects --json lists the project with its artifact count', () => {
  const { home, dir, project } = registered()
  assert.equal(project.name, 'webapp')
  assert.equal(project.path, fs.realpathSync(dir))
  assert.equal(project.artifactCount, 4)

  const page = runJson(home, ['projects'])
  assert.equal(page.total, 1)
  assert.equal(page.offset, 0)
  assert.equal(typeof page.limit, 'number')
  assert.equal(page.items.length, 1)
  assert.equal(page.items[0].id, project.id)
  assert.equal(page.items[0].name, 'webapp')
  assert.equal(page.items[0].artifactCount, 4)
  assert.equal(page.items[0].status, 'active')
})

test('register of a missing folder fails with NOT_FOUND and exit 1', () => {
  const home = freshHome()
  const r = run(home, ['register', path.join(root, 'does-not-exist')])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /^skillmeat-cache: .+ \(NOT_FOUND\)$/m)
  assert.equal(r.stdout, '')
})

test('register of several folders registers them together, or none when one is not a folder', () => {
  const home = freshHome()
  const a = makeProject('alpha', { skills: ['pdf'] })
  const b = makeProject('beta', { commands: ['deploy', 'lint'] })
  const refused = run(home, ['register', a, path.join(root, 'does-not-exist'), b])
  assert.equal(refused.status, 1)
  assert.match(refused.stderr, /does-not-exist.*\(NOT_FOUND\)$/m)
  assert.equal(runJson(home, ['projects']).total, 0)

  const projects = runJson(home, ['register', a, b, a])
  assert.deepEqual(
    projects.map((p) => [p.name, p.artifactCount]),
    [
      ['alpha', 1],
      ['beta', 2],
    ],
  )
  const text = run(home, ['register', a, b])
  assert.equal(text.status, 0, text.stderr)
  assert.match(text.stdout, /Registered alpha .*\n1 artifact.*\nRegistered beta .*\n2 artifacts/)
  // A cache in memory says that nothing outlives the run.
  const memory = run(home, ['register', a], { env: { SKILLMEAT_CACHE_ENABLED: 'false' } })
  assert.equal(memory.status, 0, memory.stderr)
  assert.match(memory.stdout, /^Registered for this run only \(the cache is in memory, nothing was saved\): alpha /)
})

test('register with a relative path resolves it against the working directory', () => {
  const home = freshHome()
  const dir = standardProject()
  const r = spawnSync(process.execPath, [cliPath, 'register', '.', '--json'], {
    cwd: dir,
    env: { ...baseEnv(), SKILLMEAT_HOME: home, NO_COLOR: '1' },
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout).path, fs.realpathSync(dir))
})

test('artifacts --json --type skill returns only skills', () => {
  const { home, project } = registered()
  const page = runJson(home, ['artifacts', '--type', 'skill'])
  assert.equal(page.total, 2)
  assert.deepEqual(page.items.map((a) => a.name).sort(), ['pdf', 'xlsx'])
  for (const a of page.items) {
    assert.equal(a.type, 'skill')
    assert.equal(a.projectId, project.id)
  }

  const all = runJson(home, ['artifacts'])
  assert.equal(all.total, 4)
  assert.deepEqual(all.items.map((a) => a.type).sort(), ['agent', 'command', 'skill', 'skill'])
})

test('artifacts filters, sorting and paging are passed through', () => {
  const { home, project } = registered()
  const desc = runJson(home, ['artifacts', '--sort', 'name', '--desc'])
  assert.deepEqual(desc.items.map((a) => a.name), ['xlsx', 'reviewer', 'pdf', 'deploy'])

  const page = runJson(home, ['artifacts', '--limit', '1', '--offset', '1'])
  assert.equal(page.total, 4)
  assert.equal(page.items.length, 1)
  assert.equal(page.items[0].name, 'pdf')
  assert.equal(page.limit, 1)
  assert.equal(page.offset, 1)

  assert.equal(runJson(home, ['artifacts', '--project', project.id]).total, 4)
  assert.equal(runJson(home, ['artifacts', '--status', 'error']).total, 0)
  assert.equal(runJson(home, ['artifacts', '--origin', 'local']).total, 4)
  assert.equal(runJson(home, ['artifacts', '--health', 'ok']).total, 4)
  assert.equal(runJson(home, ['artifacts', '--health', 'broken']).total, 0)
  assert.match(run(home, ['artifacts']).stdout, /HEALTH/)

  const human = run(home, ['artifacts', '--limit', '2'])
  assert.equal(human.status, 0, human.stderr)
  assert.match(human.stdout, /1-2 of 4 artifacts; next page: --offset 2/)
})

test('a command that only reads refuses a --home or --db folder that does not exist, and creates nothing', () => {
  const home = freshHome()
  const missing = path.join(root, 'typo', 'home')
  for (const args of [['status', '--home', missing], ['projects', '--db', path.join(missing, 'x.db')], ['doctor', '--home', missing]]) {
    const r = run(home, args)
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, /does not exist|no such folder/)
    assert.equal(fs.existsSync(path.dirname(missing)), false, 'nothing created')
  }
})

test('artifacts: bad values are usage errors; an unknown project is NOT_FOUND', () => {
  const { home } = registered()
  let r = run(home, ['artifacts', '--type', 'widget'])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /\(INVALID_ARGUMENT\)/)

  r = run(home, ['artifacts', '--limit', 'ten'])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /--limit must be a whole number/)

  r = run(home, ['artifacts', '--limit', '0'])
  assert.equal(r.status, 2)

  const err = runJson(home, ['artifacts', '--project', 'nope'], { status: 1 })
  assert.equal(err.error.code, 'NOT_FOUND')
})

test('artifacts human output shows the description and fits no terminal when piped', () => {
  const { home } = registered()
  const r = run(home, ['artifacts'])
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  assert.match(lines[0], /^NAME\s+TYPE\s+PROJECT\s+ORIGIN\s+HEALTH\s+STATUS\s+DESCRIPTION$/)
  assert.ok(lines.some((l) => /^pdf\s+skill\s+webapp\s+local\s+ok\s+ok\s+The pdf skill$/.test(l)), r.stdout)
  assert.match(r.stdout, /4 artifacts/)
})

test('refresh --json returns a summary with numeric fields', () => {
  const { home, dir, project } = registered()
  write(path.join(dir, '.claude', 'commands', 'lint.md'), '---\ndescription: Lint\n---\nLint it.\n')

  const s = runJson(home, ['refresh'])
  for (const k of [
    'projectsScanned',
    'projectsChanged',
    'projectsDiscovered',
    'projectsMissing',
    'artifactsAdded',
    'artifactsUpdated',
    'artifactsRemoved',
    'artifactsRead',
    'durationMs',
  ]) {
    assert.equal(typeof s[k], 'number', `${k} is ${typeof s[k]}`)
  }
  assert.ok(Array.isArray(s.errors))
  assert.equal(s.projectsScanned, 1)
  assert.equal(s.artifactsAdded, 1)

  const one = runJson(home, ['refresh', project.id, '--force'])
  assert.equal(one.projectsScanned, 1)
  assert.equal(one.artifactsRead, 5)

  const missing = runJson(home, ['refresh', 'nope'], { status: 1 })
  assert.equal(missing.error.code, 'NOT_FOUND')
})

test('refresh with malformed files exits 0 and prints the error lines', () => {
  const home = freshHome()
  const dir = makeProject('broken', { skills: ['good'], badAgents: ['bad'] })
  runJson(home, ['register', dir])

  const r = run(home, ['refresh', '--force'])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /Projects\s+1 scanned/)
  assert.match(r.stdout, /Errors \(1\):/)
  assert.match(r.stdout, /\.claude\/agents\/bad\.md/)

  const s = runJson(home, ['refresh', '--force'])
  assert.equal(s.errors.length, 1)
  // Invalid YAML is not a read error: the agent is listed, broken (Claude Code does not load it).
  assert.equal(runJson(home, ['artifacts', '--status', 'error']).total, 0)
  assert.match(s.errors[0], /FRONTMATTER_INVALID_YAML/)
})

test('status --json reports file mode, counts and the configuration', () => {
  const { home } = registered()
  const s = runJson(home, ['status'])
  assert.equal(s.mode, 'file')
  assert.equal(s.dbPath, path.join(home, 'cache', 'skillmeat-cache.db'))
  assert.equal(s.projects, 1)
  assert.equal(s.projectsByStatus.active, 1)
  assert.equal(s.artifacts, 4)
  assert.equal(s.artifactErrors, 0)
  assert.equal(typeof s.sizeBytes, 'number')
  assert.equal(typeof s.schemaVersion, 'number')
  assert.deepEqual(s.config.home, { value: home, source: 'env' })
  assert.equal(s.config.ttlMinutes.source, 'default')

  const human = run(home, ['status'])
  assert.equal(human.status, 0, human.stderr)
  assert.match(human.stdout, /^Mode\s+file$/m)
  assert.match(human.stdout, /^Projects\s+1 \(1 active\)$/m)
  assert.match(human.stdout, /^Artifacts\s+4 \(0 in error, 0 modified, 0 outdated\)$/m)
  assert.match(human.stdout, /^\s+ttl_minutes\s+360\s+default$/m)
})

test('--home and --db choose the cache; :memory: gives memory mode', () => {
  const home = freshHome()
  const other = freshHome()
  const s = runJson(home, ['status', '--home', other])
  assert.equal(s.dbPath, path.join(other, 'cache', 'skillmeat-cache.db'))
  assert.equal(s.config.home.source, 'option')

  const db = path.join(root, `custom-${homeCount}.db`)
  assert.equal(runJson(home, ['status', '--db', db]).dbPath, db)
  assert.ok(fs.existsSync(db))

  const mem = runJson(home, ['status', '--db', ':memory:'])
  assert.equal(mem.mode, 'memory')
  assert.deepEqual(mem.config.path, { value: ':memory:', source: 'option' })
})

test('config set writes config.toml and config get shows the value and its source', () => {
  const home = freshHome()
  const set = run(home, ['config', 'set', 'ttl_minutes', '15'])
  assert.equal(set.status, 0, set.stderr)
  assert.match(fs.readFileSync(path.join(home, 'config.toml'), 'utf8'), /^ttl_minutes = 15$/m)

  const got = runJson(home, ['config', 'get', 'ttl_minutes'])
  assert.equal(got.key, 'ttl_minutes')
  assert.equal(got.value, 15)
  assert.equal(got.source, 'file')

  const human = run(home, ['config', 'get', 'ttl_minutes'])
  assert.equal(human.stdout, '15 (file)\n')

  // The environment wins over the file, and `set` says so.
  const env = { SKILLMEAT_CACHE_TTL: '7' }
  assert.deepEqual(
    (({ value, source }) => ({ value, source }))(runJson(home, ['config', 'get', 'ttl_minutes'], { env })),
    { value: 7, source: 'env' },
  )
  const shadowed = run(home, ['config', 'set', 'ttl_minutes', '20'], { env })
  assert.equal(shadowed.status, 0)
  assert.match(shadowed.stderr, /SKILLMEAT_CACHE_TTL overrides ttl_minutes/)

  // camelCase names are accepted; unset returns the key to its default.
  assert.deepEqual(runJson(home, ['config', 'set', 'discoveryDepth', '5']), {
    key: 'discovery_depth',
    value: 5,
    file: path.join(home, 'config.toml'),
  })
  // kebab-case too, as SkillMeat writes its own keys (`skillmeat config set github-token`).
  assert.equal(runJson(home, ['config', 'get', 'discovery-depth']).value, 5)
  assert.equal(runJson(home, ['config', 'unset', 'ttl_minutes']).value, null)
  assert.doesNotMatch(fs.readFileSync(path.join(home, 'config.toml'), 'utf8'), /ttl_minutes/)
  assert.equal(runJson(home, ['config', 'get', 'ttl_minutes']).source, 'default')
})

test('config list shows every key with value and source', () => {
  const home = freshHome()
  runJson(home, ['config', 'set', 'project_roots', '/srv/a,/srv/b'])
  const list = runJson(home, ['config', 'list'])
  // Every key of the addon's table (declared once, in src/config/keys.rs), then the token row.
  const keys = require('../index.js').configKeys().map((k) => k.key)
  assert.ok(keys.includes('ttl_minutes') && keys.includes('project_roots'))
  assert.deepEqual(list.map((e) => e.key), [...keys, 'github-token'])
  const roots = list.find((e) => e.key === 'project_roots')
  assert.deepEqual(roots.value, ['/srv/a', '/srv/b'])
  assert.equal(roots.source, 'file')
  assert.equal(roots.env, 'SKILLMEAT_CACHE_PROJECT_ROOTS')
  assert.deepEqual(list.find((e) => e.key === 'enabled'), {
    key: 'enabled',
    env: 'SKILLMEAT_CACHE_ENABLED',
    default: 'true',
    value: true,
    source: 'default',
  })

  const human = run(home, ['config', 'list'])
  assert.equal(human.status, 0, human.stderr)
  assert.match(human.stdout, /^KEY\s+VALUE\s+SOURCE\s+ENV$/m)
  assert.match(human.stdout, /^project_roots\s+\/srv\/a, \/srv\/b\s+file\s+SKILLMEAT_CACHE_PROJECT_ROOTS$/m)
})

test('config set with a bad value or key is a usage error (exit 2)', () => {
  const home = freshHome()
  let r = run(home, ['config', 'set', 'ttl_minutes', 'abc'])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /^skillmeat-cache: .*ttl_minutes.* \(INVALID_ARGUMENT\)$/m)
  assert.equal(fs.existsSync(path.join(home, 'config.toml')), false)

  const err = runJson(home, ['config', 'set', 'ttl_minutes', 'abc'], { status: 2 })
  assert.equal(err.error.code, 'INVALID_ARGUMENT')
  assert.equal(typeof err.error.message, 'string')

  r = run(home, ['config', 'get', 'colour'])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /unknown key 'colour'/)

  assert.equal(run(home, ['config', 'set', 'ttl_minutes']).status, 2)
  assert.equal(run(home, ['config', 'frob']).status, 2)
  assert.equal(run(home, ['config']).status, 2)
})

test('a broken config.toml is reported cleanly', () => {
  const home = freshHome()
  fs.writeFileSync(path.join(home, 'config.toml'), '[cache]\nttl_minutes = "soon"\n')
  let r = run(home, ['config', 'list'])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /ttl_minutes.* \(CONFIG_INVALID\)/)
  assert.match(r.stderr, /config unset KEY/)
  assert.doesNotMatch(r.stderr, /\n\s+at /) // no stack trace

  const err = runJson(home, ['status'], { status: 1 })
  assert.equal(err.error.code, 'CONFIG_INVALID')

  // A value of the wrong type can be removed without opening the cache.
  r = run(home, ['config', 'unset', 'ttl_minutes'])
  assert.equal(r.status, 0, r.stderr)
  assert.equal(runJson(home, ['config', 'get', 'ttl_minutes']).source, 'default')

  fs.writeFileSync(path.join(home, 'config.toml'), '[cache\n')
  r = run(home, ['config', 'set', 'ttl_minutes', '5'])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /\(CONFIG_INVALID\)/)
})

test('unknown commands, options and arguments are usage errors (exit 2)', () => {
  const home = freshHome()
  let r = run(home, ['frobnicate'])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /^skillmeat-cache: unknown command 'frobnicate' \(USAGE\)$/m)
  assert.equal(r.stdout, '')

  r = run(home, ['projects', '--bogus'])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /unknown option '--bogus'/)

  // An option of another command is not accepted.
  assert.equal(run(home, ['projects', '--force']).status, 2)
  assert.equal(run(home, ['register']).status, 2)
  assert.equal(run(home, ['register', '']).status, 2)
  assert.equal(run(home, ['projects', '--limit']).status, 2)

  const err = runJson(home, ['frobnicate'], { status: 2 })
  assert.equal(err.error.code, 'USAGE')

  r = run(home, [])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /Usage: skillmeat-cache/)
})

test('--help documents the commands and exit codes', () => {
  const home = freshHome()
  const r = run(home, ['--help'])
  assert.equal(r.status, 0)
  assert.match(r.stdout, /Exit status:/)
  for (const c of ['status', 'projects', 'artifacts', 'refresh', 'register', 'unregister', 'invalidate', 'clear', 'config']) {
    assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'))
  }
  const sub = run(home, ['artifacts', '-h'])
  assert.equal(sub.status, 0)
  assert.match(sub.stdout, /--type T/)
  // --help does not touch the cache.
  assert.equal(fs.existsSync(path.join(home, 'cache')), false)
})

test('clear without -y and without a terminal refuses (exit 2) and keeps the data', () => {
  const { home } = registered()
  const r = run(home, ['clear'], { input: 'y\n' })
  assert.equal(r.status, 2)
  assert.match(r.stderr, /-y/)
  assert.equal(runJson(home, ['artifacts']).total, 4)
})

test('clear -y empties the cache; refresh rebuilds it', () => {
  const { home } = registered()
  const out = runJson(home, ['clear', '-y'])
  assert.deepEqual(out, { cleared: true, dbPath: path.join(home, 'cache', 'skillmeat-cache.db') })
  assert.equal(runJson(home, ['artifacts']).total, 0)
  assert.equal(runJson(home, ['artifacts']).items.length, 0)

  const r = run(home, ['clear', '--yes'])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /^Cleared the cache at /)

  runJson(home, ['refresh'])
  assert.equal(runJson(home, ['artifacts']).total, 4)
})

test('projects human output has the columns and no ANSI codes with NO_COLOR', () => {
  const { home, project } = registered()
  const r = run(home, ['projects'])
  assert.equal(r.status, 0, r.stderr)
  assert.ok(r.stdout.includes('webapp'))
  assert.ok(!r.stdout.includes('\x1b'), JSON.stringify(r.stdout))
  assert.ok(!r.stderr.includes('\x1b'))
  const lines = r.stdout.trimEnd().split('\n')
  assert.match(lines[0], /^ID\s+NAME\s+STATUS\s+ARTIFACTS\s+ERRORS\s+SCANNED\s+PATH$/)
  assert.match(lines[1], new RegExp(`^${project.id}\\s+webapp\\s+active\\s+4\\s+0\\s+(just now|\\d+ s ago)\\s+${project.path}$`))
  assert.equal(lines[2], '1 project')

  const none = run(freshHome(), ['projects'])
  assert.equal(none.status, 0)
  assert.match(none.stdout, /^No projects\./)
})

test('unregister removes a project; an unknown id is NOT_FOUND with exit 1', () => {
  const { home, project } = registered()
  let r = run(home, ['unregister', 'no-such-id'])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /^skillmeat-cache: no project with id "no-such-id".* \(NOT_FOUND\)$/m)

  const err = runJson(home, ['unregister', 'no-such-id'], { status: 1 })
  assert.deepEqual(Object.keys(err), ['error'])
  assert.equal(err.error.code, 'NOT_FOUND')

  assert.deepEqual(runJson(home, ['unregister', project.id]), { id: project.id, removed: true })
  assert.equal(runJson(home, ['projects']).total, 0)
  assert.equal(runJson(home, ['artifacts']).total, 0)
})

test('invalidate marks projects for a full re-scan', () => {
  const { home, project } = registered()
  assert.deepEqual(runJson(home, ['invalidate', project.id]), { invalidated: 1 })
  assert.equal(runJson(home, ['projects']).items[0].scannedAt, 0)
  assert.deepEqual(runJson(home, ['invalidate']), { invalidated: 1 })
  assert.equal(runJson(home, ['invalidate', 'nope'], { status: 1 }).error.code, 'NOT_FOUND')

  const s = runJson(home, ['refresh'])
  assert.equal(s.artifactsRead, 4)
  assert.ok(runJson(home, ['projects']).items[0].scannedAt > 0)
})

/**
 * Starts the CLI in the background (for `watch`). `child.lines` collects complete stdout lines;
 * `child.waitForLine(pred, ms)` resolves with the first line matching; `child.exited` resolves
 * with { code, signal }.
 */
function start(home, args, { env = {} } = {}) {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...baseEnv(), SKILLMEAT_HOME: home, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.lines = []
  child.stderrText = ''
  const waiters = []
  let buf = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d) => {
    buf += d
    const parts = buf.split('\n')
    buf = parts.pop()
    for (const line of parts) {
      child.lines.push(line)
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1)
          clearTimeout(w.timer)
          w.resolve(line)
        }
      }
    }
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (d) => (child.stderrText += d))
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  child.waitForLine = (pred, ms, what = 'a line') =>
    new Promise((resolve, reject) => {
      const found = child.lines.find(pred)
      if (found !== undefined) return resolve(found)
      const w = { pred, resolve }
      w.timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1)
        reject(new Error(`no ${what} within ${ms} ms\nstdout:\n${child.lines.join('\n')}\nstderr:\n${child.stderrText}`))
      }, ms)
      waiters.push(w)
    })
  return child
}

/** Waits for the child to exit, failing (and killing it) after `ms`. */
async function exitWithin(child, ms) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running ${ms} ms after the signal\nstderr: ${child.stderrText}`)), ms)
  })
  try {
    return await Promise.race([child.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Kills a child that a failed test left running. */
async function reap(child) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL')
    await child.exited
  }
}

const parseLine = (l) => {
  try {
    return JSON.parse(l)
  } catch {
    return null
  }
}

test('watch --json prints a changesDetected line for an edit and exits 0 on SIGINT', async () => {
  const { home, dir, project } = registered()
  const child = start(home, ['watch', '--json'])
  try {
    await child.waitForLine(
      (l) => {
        const e = parseLine(l)
        return e && e.type === 'refreshCompleted' && e.trigger === 'startup'
      },
      15_000,
      'startup refreshCompleted',
    )
    // A different size, so the edit is seen even with a coarse mtime.
    write(path.join(dir, '.claude', 'commands', 'deploy.md'), '---\ndescription: Deploy, edited\n---\nDeploy it now.\n')
    const line = await child.waitForLine(
      (l) => {
        const e = parseLine(l)
        return e && e.type === 'changesDetected' && e.updated.includes('deploy')
      },
      10_000,
      'changesDetected for deploy',
    )
    const e = JSON.parse(line)
    assert.equal(e.projectId, project.id)
    assert.equal(e.projectName, 'webapp')
    assert.deepEqual(e.added, [])
    assert.deepEqual(e.removed, [])

    child.kill('SIGINT')
    const { code, signal } = await exitWithin(child, 5_000)
    assert.equal(signal, null)
    assert.equal(code, 0, child.stderrText)
    // Every stdout line is one JSON object with a type; nothing else was printed.
    for (const l of child.lines) assert.equal(typeof JSON.parse(l).type, 'string', l)
    assert.equal(child.stderrText, '')
    // The edit is in the cache for everyone.
    const a = runJson(home, ['artifacts', '--type', 'command']).items[0]
    assert.equal(a.description, 'Deploy, edited')
  } finally {
    await reap(child)
  }
})

test('watch: a second process waits on standby and takes over when the first stops', async () => {
  const { home, dir } = registered()
  const first = start(home, ['watch'])
  let second
  try {
    const role = await first.waitForLine((l) => /watching \d+ paths/.test(l), 15_000, 'role line')
    assert.match(role, /^\d\d:\d\d:\d\d {2}watching \d+ paths \(1 project\); this process holds the refresher lease$/)

    second = start(home, ['watch'])
    const standby = await second.waitForLine((l) => /standby/.test(l), 15_000, 'standby line')
    assert.match(standby, new RegExp(`standby: process ${first.pid} holds the refresher lease .*takes over if it stops`))

    // Only the holder re-scans, and says what changed.
    write(path.join(dir, '.claude', 'commands', 'deploy.md'), '---\ndescription: Deploy v2\n---\nShip it.\n')
    write(path.join(dir, '.claude', 'skills', 'csv', 'SKILL.md'), '---\nname: csv\ndescription: CSV\n---\nCSV.\n')
    await first.waitForLine((l) => /^\d\d:\d\d:\d\d {2}webapp {2}.*\bcsv\b/.test(l), 10_000, 'change line for csv')
    await first.waitForLine((l) => /refresh \(watch\) webapp: \d+ read, /.test(l), 10_000, 'refresh line')
    const changes = first.lines.filter((l) => /^\d\d:\d\d:\d\d {2}webapp {2}/.test(l)).join('\n')
    assert.match(changes, /updated: deploy/)
    assert.match(changes, /added: csv/)

    first.kill('SIGTERM')
    assert.deepEqual(await exitWithin(first, 5_000), { code: 0, signal: null })
    assert.equal(first.stderrText, '')

    // The released lease is taken at the standby's next heartbeat.
    await second.waitForLine((l) => /watching \d+ paths .*this process holds the refresher lease/.test(l), 20_000, 'take-over line')
    assert.ok(!second.lines.some((l) => /updated: deploy/.test(l)), 'the standby did not re-scan')

    second.kill('SIGINT')
    assert.deepEqual(await exitWithin(second, 5_000), { code: 0, signal: null })
    assert.ok(!second.lines.join('\n').includes('\x1b'))
  } finally {
    await reap(first)
    if (second) await reap(second)
  }
})

test('refresh with stdout and stderr not terminals draws no progress bar', () => {
  const home = freshHome()
  for (const name of ['alpha', 'beta', 'gamma']) {
    runJson(home, ['register', makeProject(name, { skills: ['pdf'], commands: ['deploy'] })])
  }
  const r = run(home, ['refresh', '--force'])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /^Projects\s+3 scanned/m)
  for (const text of [r.stdout, r.stderr]) {
    assert.ok(!text.includes('\x1b'), JSON.stringify(text))
    assert.ok(!text.includes('\r'), JSON.stringify(text))
    assert.doesNotMatch(text, /\[[#-]+\]|\d+\/\d+ projects/)
  }
  assert.equal(r.stderr, '')
})

test('--help lists watch; watch takes no arguments', () => {
  const home = freshHome()
  const r = run(home, ['--help'])
  assert.equal(r.status, 0)
  assert.match(r.stdout, /^ {2}watch\b/m)
  const sub = run(home, ['watch', '--help'])
  assert.equal(sub.status, 0)
  assert.match(sub.stdout, /^Usage: skillmeat-cache watch/)
  assert.match(sub.stdout, /standby/)
  assert.match(sub.stdout, /--json/)
  assert.equal(run(home, ['watch', 'extra']).status, 2)
  assert.equal(run(home, ['watch', '--force']).status, 2)
  // None of it opened the cache.
  assert.equal(fs.existsSync(path.join(home, 'cache')), false)
})

// ---------------------------------------------------------------------------
// outdated, marketplace, search, check-upstream

/**
 * Like run(), but without blocking the event loop, so that an HTTP server in this process
 * (a marketplace or a GitHub-compatible API) can answer the CLI.
 */
function runAsync(home, args, { env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...baseEnv(), SKILLMEAT_HOME: home, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolve({ status, signal, stdout, stderr })
    })
  })
}

async function runJsonAsync(home, args, { status = 0, env } = {}) {
  const r = await runAsync(home, [...args, '--json'], { env })
  assert.equal(r.status, status, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

/** An HTTP server on 127.0.0.1 whose routes the test sets; counts requests per path. */
async function httpServer() {

  const routes = {}
  const hits = {}
  const server_ = await listen((req, res) => {
    const url = new URL(req.url, 'http://x')
    hits[url.pathname] = (hits[url.pathname] || 0) + 1
    const route = routes[url.pathname] || routes['*']
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' })
      return res.end('{"message":"Not Found"}')
    }
    route(req, res, url)
  })
  const { base, close } = server_
  return { routes, hits, base, close }
}

const sendJson = (body, headers = {}) => (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

const MARKET = {
  name: 'test-market',
  owner: { name: 'Tester' },
  plugins: [
    { name: 'pdf-tools', source: './plugins/pdf', description: 'PDF helpers', version: '2.0.0', tags: ['pdf'] },
    { name: 'deploy', source: './plugins/deploy', description: 'Deploys the app', version: '1.3.0' },
    { name: 'reviewer', source: './plugins/reviewer', description: 'Reviews code', version: '0.3.5' },
    { name: 'beta-thing', source: './plugins/beta', description: 'A beta', version: '1.0.0-beta.3' },
    { name: 'not-installed', source: './plugins/x', description: 'Nobody has it', version: '9.9.9' },
  ],
}

/** One `[[deployed]]` entry of `.skillmeat-deployed.toml`. */
function deployedEntry(name, type, artifactPath, version, extra = '') {
  return (
    `[[deployed]]\nartifact_name = "${name}"\nartifact_type = "${type}"\nfrom_collection = "default"\n` +
    `deployed_at = "2025-01-01T00:00:00Z"\nartifact_path = "${artifactPath}"\ncontent_hash = "00"\n` +
    `version = "${version}"\n${extra}`
  )
}

/**
 * A project whose deployed versions are behind the listing in MARKET by every kind of
 * difference: pdf-tools 1.2.0 (major), deploy 1.2.0 (minor), reviewer 0.3.0 (patch),
 * beta-thing 1.0.0-beta.1 (prerelease).
 */
function deployedProject(name = 'shop') {
  const dir = path.join(root, 'projects', `${name}-${++homeCount}`, name)
  const c = path.join(dir, '.claude')
  write(path.join(c, 'skills', 'pdf-tools', 'SKILL.md'), '---\nname: pdf-tools\ndescription: Work with PDF files\n---\nPDF.\n')
  write(path.join(c, 'skills', 'beta-thing', 'SKILL.md'), '---\nname: beta-thing\ndescription: Beta skill\n---\nB.\n')
  write(path.join(c, 'commands', 'deploy.md'), '---\ndescription: Deploy it\n---\nDeploy.\n')
  write(path.join(c, 'agents', 'reviewer.md'), '---\nname: reviewer\ndescription: Reviews\n---\nReview.\n')
  write(path.join(c, 'commands', 'local-only.md'), '---\ndescription: Not deployed\n---\nLocal.\n')
  write(
    path.join(c, '.skillmeat-deployed.toml'),
    [
      deployedEntry('pdf-tools', 'skill', 'skills/pdf-tools', '1.2.0'),
      deployedEntry('deploy', 'command', 'commands/deploy.md', '1.2.0'),
      deployedEntry('reviewer', 'agent', 'agents/reviewer.md', '0.3.0'),
      deployedEntry('beta-thing', 'skill', 'skills/beta-thing', '1.0.0-beta.1'),
    ].join('\n'),
  )
  return dir
}

/** A home whose marketplace.toml lists `sources` ({name: url}) and allows http to 127.0.0.1. */
function marketHome(sources) {
  const home = freshHome()
  write(
    path.join(home, 'marketplace.toml'),
    Object.entries(sources)
      .map(([name, url]) => `[[sources]]\nname = "${name}"\nurl = "${url}"\n`)
      .join('\n'),
  )
  write(path.join(home, 'config.toml'), '[cache]\nallow_http_hosts = ["127.0.0.1"]\nhttp_timeout_ms = 2000\n')
  return home
}

test('marketplace: --refresh fetches, reports on stderr, lists entries and source states', async () => {
  const s = await httpServer()
  s.routes['/m.json'] = sendJson(MARKET)
  try {
    const home = marketHome({ main: `${s.base}/m.json` })
    const project = runJson(home, ['register', deployedProject()])

    // Configured but never fetched: nothing cached yet, and the source says so.
    let r = await runAsync(home, ['marketplace'])
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^No marketplace entries cached yet; run 'skillmeat-cache marketplace --refresh'\.$/m)
    assert.match(r.stdout, /^ {2}main\s+not fetched\s+0$/m)
    assert.deepEqual((await runJsonAsync(home, ['marketplace'])).items, [])

    const doc = await runJsonAsync(home, ['marketplace', '--refresh'])
    assert.deepEqual(Object.keys(doc).sort(), ['entries', 'refresh'])
    assert.deepEqual(
      doc.refresh.sources.map((x) => [x.name, x.status, x.entries]),
      [['main', 'fetched', 5]],
    )
    assert.equal(typeof doc.refresh.durationMs, 'number')
    assert.equal(doc.entries.total, 5)
    const pdf = doc.entries.items.find((e) => e.name === 'pdf-tools')
    assert.equal(pdf.installedCount, 1)
    assert.equal(pdf.deployedVersion, '1.2.0')
    assert.equal(pdf.updateAvailable, true)
    assert.equal(pdf.versionDiff, 'major')
    assert.equal(s.hits['/m.json'], 1)

    // Within the TTL --refresh makes no request; --force does. The summary goes to stderr.
    r = await runAsync(home, ['marketplace', '--refresh'])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(s.hits['/m.json'], 1)
    assert.match(r.stderr, /^Refreshed 1 marketplace source in /m)
    assert.match(r.stderr, /^ {2}main\s+fresh\s+5$/m)
    r = await runAsync(home, ['marketplace', '--refresh', '--force', '--source', 'main'])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(s.hits['/m.json'], 2)
    assert.match(r.stderr, /^ {2}main\s+(fetched|notModified)\s+5$/m)

    // The table: one line per entry, installed version and kind of update.
    const lines = r.stdout.split('\n')
    assert.match(lines[0], /^NAME\s+TYPE\s+VERSION\s+SOURCE\s+INSTALLED\s+UPDATE\s+DESCRIPTION$/)
    assert.ok(lines.some((l) => /^pdf-tools\s+plugin\s+2\.0\.0\s+main\s+1\.2\.0\s+major\s+PDF helpers$/.test(l)), r.stdout)
    assert.ok(lines.some((l) => /^not-installed\s+plugin\s+9\.9\.9\s+main\s+Nobody has it$/.test(l)), r.stdout)
    assert.match(r.stdout, /^5 entries$/m)
    assert.match(r.stdout, /^Sources$/m)
    assert.match(r.stdout, /^ {2}main\s+fresh\s+5\s+fetched (just now|\d+ s ago)$/m)
    assert.ok(!r.stdout.includes('\x1b') && !r.stderr.includes('\x1b'))

    // Filters and paging go to marketplaceEntries().
    assert.deepEqual((await runJsonAsync(home, ['marketplace', '--query', 'pdf'])).items.map((e) => e.name), ['pdf-tools'])
    assert.equal((await runJsonAsync(home, ['marketplace', '--type', 'plugin'])).total, 5)
    assert.equal((await runJsonAsync(home, ['marketplace', '--type', 'skill'])).total, 0)
    const page = await runJsonAsync(home, ['marketplace', '--limit', '2', '--offset', '1'])
    assert.equal(page.total, 5)
    assert.equal(page.items.length, 2)
    r = await runAsync(home, ['marketplace', '--limit', '2'])
    assert.match(r.stdout, /^1-2 of 5 entries; next page: --offset 2$/m)
    r = await runAsync(home, ['marketplace', '--query', 'zzz-nothing'])
    assert.equal(r.status, 0)
    assert.match(r.stdout, /^No marketplace entries match\.$/m)

    // The listing is the artifacts' upstream.
    assert.equal(runJson(home, ['outdated', '--project', project.id]).total, 4)
    // Entries are searchable, shown with their source.
    r = await runAsync(home, ['search', 'nobody'])
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^not-installed\s+plugin\s+main \(marketplace\)\s+\d+\.\d\d\s+Nobody has it$/m)
    assert.equal((await runJsonAsync(home, ['search', 'nobody'])).items[0].kind, 'entry')
  } finally {
    await s.close()
  }
})

test('marketplace: a failing source keeps its last copy, marked stale, and exits 0', async () => {
  const s = await httpServer()
  s.routes['/m.json'] = sendJson(MARKET)
  try {
    const home = marketHome({ main: `${s.base}/m.json` })
    await runJsonAsync(home, ['marketplace', '--refresh'])
    s.routes['/m.json'] = (req, res) => {
      res.writeHead(500)
      res.end('boom')
    }
    const r = await runAsync(home, ['marketplace', '--refresh', '--force'])
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stderr, /^ {2}main\s+error\s+5\s+HTTP_ERROR: /m)
    assert.match(r.stdout, /^pdf-tools\s+plugin\s+2\.0\.0\*\s+main\s/m)
    assert.match(r.stdout, /^\* stale: /m)
    assert.match(r.stdout, /^ {2}main\s+error\s+5\s+HTTP_ERROR: .*serving the last good copy$/m)

    const doc = await runJsonAsync(home, ['marketplace', '--refresh', '--force'])
    assert.equal(doc.refresh.sources[0].status, 'error')
    assert.equal(doc.refresh.sources[0].code, 'HTTP_ERROR')
    assert.equal(doc.entries.total, 5)
    assert.ok(doc.entries.items.every((e) => e.stale))
  } finally {
    await s.close()
  }
})

test('marketplace: usage errors, unknown source and no sources configured', async () => {
  const home = freshHome()
  let r = run(home, ['marketplace'])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /^No marketplace sources configured\. Add \[\[sources\]\] .*marketplace\.toml\.$/m)
  assert.deepEqual(runJson(home, ['marketplace']).items, [])

  r = run(home, ['marketplace', '--force'])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /--force only applies with --refresh \(USAGE\)/)
  assert.equal(run(home, ['marketplace', '--limit', 'x']).status, 2)
  assert.equal(run(home, ['marketplace', 'extra']).status, 2)
  assert.equal(run(home, ['marketplace', '--bogus']).status, 2)

  const err = runJson(home, ['marketplace', '--source', 'nope'], { status: 1 })
  assert.equal(err.error.code, 'NOT_FOUND')
  const home2 = marketHome({ main: 'http://127.0.0.1:9/m.json' })
  r = run(home2, ['marketplace', '--source', 'nope'])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /no marketplace source named "nope" \(configured: main\) \(NOT_FOUND\)/)
  // A configured source that was never fetched is not unknown.
  assert.equal(run(home2, ['marketplace', '--source', 'main']).status, 0)
})

test('outdated: like npm outdated, every kind of difference, filters, sort, paging; exit 0', async () => {
  const s = await httpServer()
  s.routes['/m.json'] = sendJson(MARKET)
  try {
    const home = marketHome({ main: `${s.base}/m.json` })
    const project = runJson(home, ['register', deployedProject()])

    // Nothing is outdated before any upstream version is known.
    let r = run(home, ['outdated'])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, 'No outdated artifacts.\n')
    assert.equal(runJson(home, ['outdated']).total, 0)

    await runJsonAsync(home, ['marketplace', '--refresh'])
    const page = runJson(home, ['outdated'])
    assert.equal(page.total, 4)
    assert.equal(page.offset, 0)
    assert.equal(typeof page.limit, 'number')
    const by = Object.fromEntries(page.items.map((a) => [a.name, a]))
    assert.deepEqual(
      Object.fromEntries(Object.entries(by).map(([n, a]) => [n, [a.deployedVersion, a.upstreamVersion, a.versionDiff]])),
      {
        'pdf-tools': ['1.2.0', '2.0.0', 'major'],
        deploy: ['1.2.0', '1.3.0', 'minor'],
        reviewer: ['0.3.0', '0.3.5', 'patch'],
        'beta-thing': ['1.0.0-beta.1', '1.0.0-beta.3', 'prerelease'],
      },
    )
    for (const a of page.items) {
      assert.equal(a.isOutdated, true)
      assert.equal(a.projectName, 'shop')
      assert.equal(a.projectId, project.id)
    }

    // Human output: npm-outdated-like columns, exit 0 although things are outdated.
    r = run(home, ['outdated'])
    assert.equal(r.status, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n')
    assert.match(lines[0], /^ARTIFACT\s+TYPE\s+PROJECT\s+DEPLOYED\s+UPSTREAM\s+DIFFERENCE$/)
    assert.ok(lines.includes(lines.find((l) => /^pdf-tools\s+skill\s+shop\s+1\.2\.0\s+2\.0\.0\s+major$/.test(l))), r.stdout)
    assert.ok(lines.some((l) => /^beta-thing\s+skill\s+shop\s+1\.0\.0-beta\.1\s+1\.0\.0-beta\.3\s+prerelease$/.test(l)), r.stdout)
    assert.equal(lines.at(-1), '4 outdated artifacts')
    assert.ok(!r.stdout.includes('\x1b'))
    assert.equal(r.stderr, '')

    // Sort by difference: most severe first ('difference' is an alias of versionDiff).
    for (const key of ['difference', 'versionDiff']) {
      assert.deepEqual(
        runJson(home, ['outdated', '--sort', key]).items.map((a) => a.versionDiff),
        ['major', 'minor', 'patch', 'prerelease'],
      )
    }
    assert.deepEqual(runJson(home, ['outdated', '--sort', 'name', '--desc']).items.map((a) => a.name), [
      'reviewer',
      'pdf-tools',
      'deploy',
      'beta-thing',
    ])
    assert.deepEqual(runJson(home, ['outdated', '--difference', 'minor']).items.map((a) => a.name), ['deploy'])
    assert.deepEqual(runJson(home, ['outdated', '--type', 'skill']).items.map((a) => a.name).sort(), ['beta-thing', 'pdf-tools'])
    assert.equal(runJson(home, ['outdated', '--project', project.id]).total, 4)
    const p2 = runJson(home, ['outdated', '--limit', '1', '--offset', '1'])
    assert.equal(p2.total, 4)
    assert.equal(p2.items.length, 1)
    assert.match(run(home, ['outdated', '--limit', '2']).stdout, /^1-2 of 4 outdated artifacts; next page: --offset 2$/m)
    r = run(home, ['outdated', '--difference', 'commit'])
    assert.equal(r.status, 0)
    assert.equal(r.stdout, 'No outdated artifacts match.\n')

    // Errors: unknown project (1), bad values (2).
    assert.equal(runJson(home, ['outdated', '--project', 'nope'], { status: 1 }).error.code, 'NOT_FOUND')
    assert.equal(runJson(home, ['outdated', '--difference', 'huge'], { status: 2 }).error.code, 'INVALID_ARGUMENT')
    assert.equal(run(home, ['outdated', '--sort', 'size']).status, 2)
    assert.equal(run(home, ['outdated', '--limit', '-1']).status, 2)
    assert.equal(run(home, ['outdated', 'extra']).status, 2)
  } finally {
    await s.close()
  }
})

test('--help lists outdated, search, marketplace and check-upstream with their options', () => {
  const home = freshHome()
  const r = run(home, ['--help'])
  assert.equal(r.status, 0)
  for (const c of ['outdated', 'search', 'marketplace', 'check-upstream']) {
    assert.match(r.stdout, new RegExp(`^ {2}${c}\\b`, 'm'))
    const sub = run(home, [c, '--help'])
    assert.equal(sub.status, 0, c)
    assert.match(sub.stdout, new RegExp(`^Usage: skillmeat-cache ${c}\\b`), c)
  }
  assert.match(run(home, ['outdated', '--help']).stdout, /exits 0/)
  assert.match(run(home, ['search', '--help']).stdout, /--tag T/)
  assert.match(run(home, ['marketplace', '--help']).stdout, /--refresh/)
  assert.match(run(home, ['check-upstream', '--help']).stdout, /--force/)
  assert.equal(fs.existsSync(path.join(home, 'cache')), false)
})

// --- search (needs an addon with Cache#search)

/** A home with two projects whose artifacts have tags: { home, web, docs }. */
function searchHome() {
  const home = freshHome()
  const a = makeProject('webapp', { skills: ['pdf', 'xlsx'], commands: ['deploy'], agents: ['reviewer'] })
  write(
    path.join(a, '.claude', 'skills', 'pdf-tools', 'SKILL.md'),
    '---\nname: pdf-tools\ndescription: Fill PDF forms and extract tables\ntags: [docs, pdf]\n---\nPDF.\n',
  )
  const b = makeProject('handbook', { commands: ['changelog'] })
  write(
    path.join(b, '.claude', 'agents', 'code-reviewer.md'),
    '---\nname: code-reviewer\ndescription: Reviews pull requests for security issues\ntags: [review, security]\n---\nReview.\n',
  )
  const web = runJson(home, ['register', a])
  const docs = runJson(home, ['register', b])
  return { home, web, docs }
}

test('search: ranked results with kind and score, typo tolerance, relaxed note, footer', () => {
  const { home, web, docs } = searchHome()
  let res = runJson(home, ['search', 'pdf'])
  assert.deepEqual(Object.keys(res).sort(), ['items', 'relaxed', 'tookMs', 'total'])
  assert.equal(res.relaxed, false)
  assert.equal(typeof res.tookMs, 'number')
  assert.equal(res.items[0].name, 'pdf', 'the exact name first')
  assert.ok(res.items.some((i) => i.name === 'pdf-tools'))
  for (const it of res.items) {
    assert.equal(it.kind, 'artifact')
    assert.equal(typeof it.score, 'number')
    assert.equal(it.projectId, web.id)
    assert.equal(it.projectName, 'webapp')
  }
  assert.ok(res.items[0].score >= res.items[1].score)

  // One typo in a 7-letter word; several words after 'search' are one query.
  assert.equal(runJson(home, ['search', 'reviwer']).items[0].name, 'reviewer')
  res = runJson(home, ['search', 'code', 'reviewer'])
  assert.equal(res.items[0].name, 'code-reviewer')
  assert.equal(res.items[0].projectId, docs.id)

  // Nothing has both words: results with either, flagged relaxed.
  res = runJson(home, ['search', 'pdf', 'qqqzzzx'])
  assert.equal(res.relaxed, true)
  assert.ok(res.items.some((i) => i.name === 'pdf'))

  // Human output.
  let r = run(home, ['search', 'pdf'])
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  assert.match(lines[0], /^NAME\s+TYPE\s+PROJECT\/SOURCE\s+SCORE\s+DESCRIPTION$/)
  assert.match(lines[1], /^pdf\s+skill\s+webapp\s+\d+\.\d\d\s+The pdf skill$/)
  assert.match(lines.at(-1), /^\d+ results? \(\d+(\.\d+)? ms\)$/)
  assert.ok(!r.stdout.includes('\x1b'))
  r = run(home, ['search', 'pdf', 'qqqzzzx'])
  assert.match(r.stdout, /^No result has every word of "pdf qqqzzzx"; showing results with any of them\.$/m)
  r = run(home, ['search', 'qqqzzzx'])
  assert.equal(r.status, 0)
  assert.match(r.stdout, /^No results for "qqqzzzx" \(/)
  assert.equal(runJson(home, ['search', 'qqqzzzx']).total, 0)
})

test('search: filters, blank query with a filter, sort and paging are passed through', () => {
  const { home, web, docs } = searchHome()
  const names = (args) => runJson(home, ['search', ...args]).items.map((i) => i.name)
  // Blank query with a filter lists by name.
  assert.deepEqual(names(['--type', 'skill']), ['pdf', 'pdf-tools', 'xlsx'])
  assert.deepEqual(names(['--type', 'skill', '--desc']), ['xlsx', 'pdf-tools', 'pdf'])
  assert.deepEqual(names(['--project', docs.id]), ['changelog', 'code-reviewer'])
  assert.deepEqual(names(['--tag', 'pdf']), ['pdf-tools'])
  assert.deepEqual(names(['--tag', 'review', '--tag', 'security']), ['code-reviewer'])
  assert.deepEqual(names(['--tag', 'pdf', '--tag', 'security']), [])
  assert.deepEqual(names(['--kind', 'artifact', '--project', web.id, '--sort', 'name', '--limit', '2', '--offset', '1']), ['pdf', 'pdf-tools'])
  assert.deepEqual(names(['--outdated']), [])
  assert.deepEqual(names(['--kind', 'entry']), [])
  assert.deepEqual(names(['review', '--type', 'agent', '--sort', 'name']), ['code-reviewer', 'reviewer'])
  assert.deepEqual(names(['review', '--type', 'agent', '--sort', 'name', '--asc']), ['code-reviewer', 'reviewer'])

  // Without ranking there is no SCORE column.
  assert.match(run(home, ['search', '--type', 'skill']).stdout, /^NAME\s+TYPE\s+PROJECT\/SOURCE\s+DESCRIPTION$/m)
  assert.match(run(home, ['search', 'pdf', '--sort', 'name']).stdout, /^NAME\s+TYPE\s+PROJECT\/SOURCE\s+DESCRIPTION$/m)
  const page = runJson(home, ['search', '--type', 'skill', '--limit', '1', '--offset', '1'])
  assert.equal(page.total, 3)
  assert.equal(page.items.length, 1)
  const r = run(home, ['search', '--type', 'skill', '--limit', '1', '--offset', '1'])
  assert.match(r.stdout, /^2-2 of 3 results; next page: --offset 2 \(/m)
})

test('search: usage errors (exit 2), unknown project (exit 1)', () => {
  const { home } = searchHome()
  let r = run(home, ['search'])
  assert.equal(r.status, 2)
  assert.match(r.stderr, /'search' needs QUERY/)
  assert.equal(run(home, ['search', 'x', '--asc', '--desc']).status, 2)
  assert.equal(run(home, ['search', 'x', '--limit', 'many']).status, 2)
  assert.equal(run(home, ['search', 'x', '--bogus']).status, 2)
  assert.equal(runJson(home, ['search', 'x', '--kind', 'widget'], { status: 2 }).error.code, 'INVALID_ARGUMENT')
  assert.equal(runJson(home, ['search', 'x', '--sort', 'size'], { status: 2 }).error.code, 'INVALID_ARGUMENT')
  assert.equal(runJson(home, ['search', 'x', '--project', 'nope'], { status: 1 }).error.code, 'NOT_FOUND')
  // Odd query text is never a usage error.
  for (const q of ['"unterminated', 'name:foo AND (bar OR', '*', '\\', '🔥']) {
    const res = runJson(home, ['search', q])
    assert.equal(typeof res.total, 'number', q)
  }
})

// --- check-upstream (needs an addon with Cache#checkUpstream)

test('check-upstream: nothing to check, summary fields, unknown project, usage errors', () => {
  const { home } = registered()
  const s = runJson(home, ['check-upstream'])
  for (const k of ['repositories', 'artifacts', 'requests', 'notModified', 'updated', 'outdated', 'durationMs']) {
    assert.equal(typeof s[k], 'number', `${k} is ${typeof s[k]}`)
  }
  assert.equal(s.repositories, 0)
  assert.equal(s.requests, 0)
  assert.deepEqual(s.errors, [])
  assert.equal(s.rateLimited, false)

  const r = run(home, ['check-upstream'])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /^Repositories\s+0 checked$/m)
  assert.match(r.stdout, /^Requests\s+0 made, 0 not modified \(304\)$/m)
  assert.match(r.stdout, /^Artifacts\s+\d+ checked, 0 updated, 0 outdated$/m)
  assert.match(r.stdout, /^Rate limit\s+ok$/m)
  assert.equal(r.stderr, '')

  assert.equal(runJson(home, ['check-upstream', '--project', 'nope'], { status: 1 }).error.code, 'NOT_FOUND')
  assert.equal(run(home, ['check-upstream', 'extra']).status, 2)
  assert.equal(run(home, ['check-upstream', '--type', 'skill']).status, 2)
})

/** The configuration key (with its environment variable) of the GitHub API base URL, if any. */
function githubApiKey() {
  const { configKeys } = require('../index.js')
  return configKeys().find((k) => k.key === 'github_api_url') || null
}

/**
 * A GitHub-compatible API for owner/repo pairs: `repos[name] = { tags: ['v1.4.0', ...] }`. Serves
 * repos/:o/:r, releases (latest and list), tags, git refs and commits, with ETags (304 on a match)
 * and rate-limit headers; `api.limited = true` answers every request 403 with remaining 0.
 */
function githubRoutes(s, repos) {
  const api = { limited: false, resetAt: Math.floor(Date.now() / 1000) + 600 }
  s.routes['*'] = (req, res, url) => {
    const headers = {
      'content-type': 'application/json',
      'x-ratelimit-limit': '60',
      'x-ratelimit-remaining': api.limited ? '0' : '59',
      'x-ratelimit-reset': String(api.resetAt),
    }
    if (api.limited) {
      res.writeHead(403, headers)
      return res.end(JSON.stringify({ message: 'API rate limit exceeded for 127.0.0.1.' }))
    }
    const m = /^\/(?:api\/v3\/)?repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname)
    const repo = m && repos[`${m[1]}/${m[2]}`]
    if (!repo) {
      res.writeHead(404, headers)
      return res.end(JSON.stringify({ message: 'Not Found' }))
    }
    const sha = (t) => require('node:crypto').createHash('sha1').update(`${m[1]}/${m[2]}@${t}`).digest('hex')
    const rest = m[3] || ''
    let body
    if (rest === '') body = { full_name: `${m[1]}/${m[2]}`, default_branch: 'main' }
    else if (rest === '/releases/latest') body = { tag_name: repo.tags[0], name: repo.tags[0], draft: false, prerelease: false }
    else if (rest === '/releases') body = repo.tags.map((t) => ({ tag_name: t, name: t, draft: false, prerelease: /-/.test(t) }))
    else if (rest === '/tags') body = repo.tags.map((t) => ({ name: t, commit: { sha: sha(t) } }))
    else if (/^\/git\/(matching-)?refs\/tags/.test(rest)) body = repo.tags.map((t) => ({ ref: `refs/tags/${t}`, object: { sha: sha(t), type: 'commit' } }))
    else if (rest.startsWith('/commits')) body = [{ sha: sha('main'), commit: { committer: { date: '2026-01-01T00:00:00Z' } } }]
    else {
      res.writeHead(404, headers)
      return res.end(JSON.stringify({ message: 'Not Found' }))
    }
    const text = JSON.stringify(body)
    const etag = `"${require('node:crypto').createHash('sha1').update(rest + text).digest('hex')}"`
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ...headers, etag })
      return res.end()
    }
    res.writeHead(200, { ...headers, etag })
    res.end(text)
  }
  return api
}

test('check-upstream against a local GitHub-compatible API: versions, 304s, rate limit', async (t) => {
  const key = githubApiKey()
  if (!key) {
    t.skip('this build has no configuration key for the GitHub API base URL')
    return
  }
  const s = await httpServer()
  const api = githubRoutes(s, {
    'acme/tools': { tags: ['v1.4.0', 'v1.0.0'] },
    'acme/agents': { tags: ['v0.2.0', 'v0.1.0'] },
  })
  try {
    const home = freshHome()
    write(path.join(home, 'config.toml'), '[cache]\nallow_http_hosts = ["127.0.0.1"]\nhttp_timeout_ms = 2000\n')
    const env = { [key.env]: s.base, GITHUB_TOKEN: '' } // blank: no token is sent
    const dir = path.join(root, 'projects', `upstream-${++homeCount}`, 'upstream')
    const c = path.join(dir, '.claude')
    write(path.join(c, 'skills', 'pdf', 'SKILL.md'), '---\nname: pdf\ndescription: PDF\n---\nPDF.\n')
    write(path.join(c, 'skills', 'csv', 'SKILL.md'), '---\nname: csv\ndescription: CSV\n---\nCSV.\n')
    write(path.join(c, 'agents', 'planner.md'), '---\nname: planner\ndescription: Plans\n---\nPlan.\n')
    write(
      path.join(c, '.skillmeat-deployed.toml'),
      [
        deployedEntry('pdf', 'skill', 'skills/pdf', '1.0.0', 'source = "acme/tools/skills/pdf@v1.0.0"\n'),
        deployedEntry('csv', 'skill', 'skills/csv', '1.4.0', 'source = "acme/tools/skills/csv@v1.4.0"\n'),
        deployedEntry('planner', 'agent', 'agents/planner.md', '0.1.0', 'source = "acme/agents/agents/planner.md@v0.1.0"\n'),
      ].join('\n'),
    )
    runJson(home, ['register', dir], { env })

    const first = await runJsonAsync(home, ['check-upstream'], { env })
    assert.equal(first.repositories, 2, JSON.stringify(first))
    assert.equal(first.artifacts, 3)
    assert.ok(first.requests >= 2, 'at least one request per repository')
    assert.ok(first.requests <= 2 * 4, 'requests are batched per repository, not per artifact')
    assert.deepEqual(first.errors, [])
    assert.equal(first.rateLimited, false)
    assert.equal(first.outdated, 2, 'pdf 1.0.0 < 1.4.0 and planner 0.1.0 < 0.2.0')
    const out = runJson(home, ['outdated'], { env })
    assert.deepEqual(out.items.map((a) => [a.name, a.versionDiff]).sort(), [['pdf', 'minor'], ['planner', 'minor']])
    assert.match(out.items.find((a) => a.name === 'pdf').upstreamVersion, /^v?1\.4\.0$/)

    // Asking again with --force revalidates: the unchanged answers are 304s.
    const again = await runJsonAsync(home, ['check-upstream', '--force'], { env })
    assert.ok(again.requests >= 2)
    assert.ok(again.notModified >= 1, JSON.stringify(again))
    assert.equal(again.outdated, 2)

    // Rate limited: reported with the reset time, errors on stderr, exit 0.
    api.limited = true
    const r = await runAsync(home, ['check-upstream', '--force'], { env })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^Rate limit\s+reached; resets at \d\d:\d\d:\d\d/m)
    assert.match(r.stderr, /^skillmeat-cache: acme\/(tools|agents): .+ \([A-Z_]+\)$/m)
    const limited = await runJsonAsync(home, ['check-upstream', '--force'], { env })
    assert.equal(limited.rateLimited, true)
    assert.ok(limited.errors.length >= 1)
    const resetMs = limited.rateLimitResetAt < 1e12 ? limited.rateLimitResetAt * 1000 : limited.rateLimitResetAt
    assert.ok(Math.abs(resetMs - api.resetAt * 1000) < 2000, `rateLimitResetAt ${limited.rateLimitResetAt}`)
    // What was found before is kept.
    assert.equal(runJson(home, ['outdated'], { env }).total, 2)
  } finally {
    await s.close()
  }
})
