'use strict'
// The addon's allocator on Linux (src/binding/allocator.rs): mimalloc, with arena memory committed
// as it is used. mimalloc prints the options it started with when MIMALLOC_VERBOSE is set, so a
// child process shows whether the option was set before the addon's first allocation.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { tmpdir, makeProject } = require('./helpers.js')

const ADDON = path.join(__dirname, '..', 'index.js')

test('on Linux the addon allocates through mimalloc, arena memory committed as used', { skip: process.platform !== 'linux' && 'mimalloc is the allocator on Linux only' }, () => {
  const home = tmpdir()
  const dir = makeProject(tmpdir(), 'alloc')
  const script = `
    const { Cache } = require(${JSON.stringify(ADDON)})
    const c = Cache.open({ home: ${JSON.stringify(home)}, watch: false })
    c.registerProject(${JSON.stringify(dir)})
    const n = c.listArtifacts({}).total
    c.close()
    console.log('artifacts', n)`
  const env = { ...process.env, MIMALLOC_VERBOSE: '1' }
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env, timeout: 30000 })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /artifacts [1-9]/)
  assert.match(r.stderr, /mimalloc: v2\./, 'mimalloc announces itself')
  assert.match(r.stderr, /option 'arena_eager_commit': 0\b/, 'set before the first allocation')
})
