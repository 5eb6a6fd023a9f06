'use strict'
// The .d.ts files (the generated index.d.ts and the hand-written subpath ones) compile against a
// typical use of every entry point, through the package's exports map.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

test('the declarations of every entry point type-check as a user writes against them', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types', 'tsconfig.json')], { encoding: 'utf8', timeout: 120_000 })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
