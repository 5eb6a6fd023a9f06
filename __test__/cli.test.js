'use strict'

// End-to-end tests of bin/skillmeat-cache: each test spawns the CLI against real project
// folders and a SkillMeat home in temporary directories.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

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
function makeProject(name, { skills = [], commands = [], agents = [], badSkills = [] } = {}) {
  const dir = path.join(root, 'projects', `${name}-${++homeCount}`, name)
  const claude = path.join(dir, '.claude')
  for (const s of skills) {
    write(path.join(claude, 'skills', s, 'SKILL.md'), `---\nname: ${s}\ndescription: The ${s} skill\n---\n\n# ${s}\n`)
  }
  for (const s of badSkills) {
    write(path.join(claude, 'skills', s, 'SKILL.md'), `---\nname: [unclosed\ndescription: broken\n---\nbody\n`)
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

  const human = run(home, ['artifacts', '--limit', '2'])
  assert.equal(human.status, 0, human.stderr)
  assert.match(human.stdout, /1-2 of 4 artifacts; next page: --offset 2/)
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
  assert.match(lines[0], /^NAME\s+TYPE\s+PROJECT\s+ORIGIN\s+STATUS\s+DESCRIPTION$/)
  assert.ok(lines.some((l) => /^pdf\s+skill\s+webapp\s+local\s+ok\s+The pdf skill$/.test(l)), r.stdout)
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
  const dir = makeProject('broken', { skills: ['good'], badSkills: ['bad'] })
  runJson(home, ['register', dir])

  const r = run(home, ['refresh', '--force'])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /Projects\s+1 scanned/)
  assert.match(r.stdout, /Errors \(1\):/)
  assert.match(r.stdout, /\.claude\/skills\/bad\/SKILL\.md/)

  const s = runJson(home, ['refresh', '--force'])
  assert.equal(s.errors.length, 1)
  assert.equal(runJson(home, ['artifacts', '--status', 'error']).items[0].name, 'bad')
})

test('status --json reports file mode, counts and the configuration', () => {
  const { home } = registered()
  const s = runJson(home, ['status'])
  assert.equal(s.mode, 'file')
  assert.equal(s.dbPath, path.join(home, 'cache', 'cache.db'))
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
  assert.equal(s.dbPath, path.join(other, 'cache', 'cache.db'))
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
  assert.equal(runJson(home, ['config', 'unset', 'ttl_minutes']).value, null)
  assert.doesNotMatch(fs.readFileSync(path.join(home, 'config.toml'), 'utf8'), /ttl_minutes/)
  assert.equal(runJson(home, ['config', 'get', 'ttl_minutes']).source, 'default')
})

test('config list shows every key with value and source', () => {
  const home = freshHome()
  runJson(home, ['config', 'set', 'project_roots', '/srv/a,/srv/b'])
  const list = runJson(home, ['config', 'list'])
  assert.deepEqual(list.map((e) => e.key), [
    'path',
    'ttl_minutes',
    'enabled',
    'project_roots',
    'discovery_depth',
    'max_size_mb',
    'busy_timeout_ms',
    'background_refresh',
    'watch',
    'watch_limit',
    'lease_ttl_ms',
    'marketplace_ttl_hours',
    'allow_http_hosts',
    'http_timeout_ms',
    'max_response_bytes',
  ])
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
  assert.equal(run(home, ['register', 'a', 'b']).status, 2)
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
  assert.deepEqual(out, { cleared: true, dbPath: path.join(home, 'cache', 'cache.db') })
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
