'use strict'

// In-process tests of the CLI: main(argv, io) with captured streams, help generated from the
// command definitions in bin/commands/, and the same JSON as the spawned bin/skillmeat-cache.

const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { Writable } = require('node:stream')
const { tmpdir, makeProject } = require('./helpers.js')

// Neither this process (the addon reads its environment) nor the spawned CLI sees the caller's
// cache configuration.
for (const k of Object.keys(process.env)) {
  if (k.startsWith('SKILLMEAT_') || k === 'FORCE_COLOR') delete process.env[k]
}

const { main } = require('../bin/lib/cli.js')
const { commands } = require('../bin/lib/commands.js')
const { synopses, flag } = require('../bin/lib/help.js')

const cliPath = path.join(__dirname, '..', 'bin', 'skillmeat-cache')
const dirs = []
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})
const scratch = () => {
  const d = tmpdir('smc-inproc-')
  dirs.push(d)
  return d
}

/** A stream that keeps what is written to it. */
function capture() {
  const chunks = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  stream.text = () => chunks.join('')
  return stream
}

/** Runs main() with captured stdout and stderr: { code, stdout, stderr }. */
async function run(argv, io = {}) {
  const stdout = capture()
  const stderr = capture()
  const code = await main(argv, { stdout, stderr, env: { ...process.env, NO_COLOR: '1' }, ...io })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

/** Text with every run of whitespace made one space (help wraps long lines). */
const flat = (s) => s.replace(/\s+/g, ' ')

const EXPECTED = [
  'status', 'projects', 'artifacts', 'outdated', 'search', 'marketplace', 'check-upstream', 'refresh',
  'register', 'unregister', 'invalidate', 'clear', 'watch', 'doctor', 'serve', 'config',
]

test('every command is a file of bin/commands with a complete definition', () => {
  assert.deepEqual([...commands().keys()].sort(), [...EXPECTED].sort())
  const files = fs.readdirSync(path.join(__dirname, '..', 'bin', 'commands')).filter((f) => f.endsWith('.js'))
  assert.equal(files.length, EXPECTED.length)
})

test('global help lists every command with its summary, generated from the definitions', async () => {
  const r = await run(['--help'])
  assert.equal(r.code, 0)
  assert.equal(r.stderr, '')
  for (const def of commands().values()) {
    assert.match(r.stdout, new RegExp(`^ {2}${def.name}\\b`, 'm'), def.name)
    const summaries = def.subcommands ? Object.values(def.subcommands).map((s) => s.summary) : [def.summary]
    for (const summary of summaries) assert.ok(flat(r.stdout).includes(flat(summary)), `${def.name}: ${summary}`)
  }
  assert.match(r.stdout, /^Exit status:/m)
  // Without a command: the same help on stderr, exit 2.
  const none = await run([])
  assert.equal(none.code, 2)
  assert.equal(none.stdout, '')
  assert.equal(none.stderr, r.stdout)
})

test('<command> --help shows its usage and every option of its definition', async () => {
  const home = scratch()
  for (const def of commands().values()) {
    const r = await run([def.name, '--help', '--home', home])
    assert.equal(r.code, 0, def.name)
    const [first, ...more] = synopses(def)
    assert.ok(r.stdout.startsWith(`Usage: skillmeat-cache ${first}\n`), `${def.name}: ${r.stdout.split('\n')[0]}`)
    for (const u of more) assert.ok(r.stdout.includes(`       skillmeat-cache ${u}\n`), `${def.name}: ${u}`)
    for (const [name, spec] of Object.entries(def.options)) {
      assert.match(r.stdout, new RegExp(`^ {2}${flag(name, spec).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'), `${def.name} --${name}`)
      assert.ok(flat(r.stdout).includes(flat(spec.description)), `${def.name} --${name}: ${spec.description}`)
    }
  }
  // Help never opens the cache.
  assert.equal(fs.existsSync(path.join(home, 'cache')), false)
})

test('an unknown option is a usage error (exit 2), as text or as JSON', async () => {
  let r = await run(['projects', '--bogus'])
  assert.equal(r.code, 2)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr, "skillmeat-cache: unknown option '--bogus' for 'projects' (USAGE)\nRun 'skillmeat-cache projects --help' for usage.\n")

  r = await run(['status', '--bogus', '--json'])
  assert.equal(r.code, 2)
  assert.deepEqual(JSON.parse(r.stdout), { error: { code: 'USAGE', message: "unknown option '--bogus' for 'status'" } })

  r = await run(['frobnicate'])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /^skillmeat-cache: unknown command 'frobnicate' \(USAGE\)$/m)
  assert.equal((await run(['config', 'set', 'ttl_minutes'])).code, 2)
})

test('status --json in process prints the same document as the spawned CLI', async () => {
  const home = scratch()
  const dir = makeProject(scratch(), 'webapp')
  const env = { ...process.env, NO_COLOR: '1' }
  const spawned = (args) => {
    const r = spawnSync(process.execPath, [cliPath, ...args, '--home', home], { env, encoding: 'utf8', timeout: 60_000 })
    assert.equal(r.status, 0, r.stderr)
    return r.stdout
  }
  // Registered in process, from a working directory of the caller's choosing.
  const reg = await run(['register', '.', '--json', '--home', home], { cwd: dir })
  assert.equal(reg.code, 0, reg.stderr)
  assert.equal(JSON.parse(reg.stdout).path, fs.realpathSync(dir))

  const theirs = JSON.parse(spawned(['status', '--json']))
  const r = await run(['status', '--json', '--home', home])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stderr, '')
  const ours = JSON.parse(r.stdout)
  assert.equal(ours.projects, 1)
  // The file grows and shrinks with its write-ahead log; everything else is the same.
  for (const s of [ours, theirs]) {
    delete s.sizeBytes
    if (s.search) delete s.search.sizeBytes
  }
  assert.deepEqual(ours, theirs)
})
