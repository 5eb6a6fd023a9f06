'use strict'
// The published shape: one platform package per napi target, all at the root's version (and the
// committed loader expecting it), with what npm needs to pick the right one and to show where it
// came from.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const read = (p) => JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8'))
const root = read('package.json')

/** napi's platform folder name of a Rust target triple. */
function platformOf(triple) {
  const [arch, , os, abi] = triple.split('-')
  const cpu = { x86_64: 'x64', aarch64: 'arm64' }[arch]
  const system = { linux: 'linux', darwin: 'darwin', windows: 'win32' }[os]
  return [system, cpu, abi].filter(Boolean).join('-')
}

test('every napi target has its platform package, at the root version, with os, cpu and libc', () => {
  const expected = root.napi.targets.map(platformOf).sort()
  assert.deepEqual(fs.readdirSync(path.join(ROOT, 'npm')).sort(), expected)
  for (const platform of expected) {
    const pkg = read(`npm/${platform}/package.json`)
    const [os, cpu, abi] = platform.split('-')
    assert.equal(pkg.name, `${root.name}-${platform}`)
    assert.equal(pkg.version, root.version, `${platform} is at ${pkg.version}`)
    assert.deepEqual(pkg.os, [os])
    assert.deepEqual(pkg.cpu, [cpu])
    if (os === 'linux') assert.deepEqual(pkg.libc, [abi === 'musl' ? 'musl' : 'glibc'])
    else assert.equal(pkg.libc, undefined)
    assert.equal(pkg.main, `${root.napi.binaryName}.${platform}.node`)
    assert.deepEqual(pkg.files, [pkg.main])
    assert.equal(pkg.license, root.license)
    assert.deepEqual(pkg.repository, root.repository)
    assert.deepEqual(pkg.engines, root.engines)
    assert.equal(pkg.publishConfig.access, 'public')
  }
})

test('the committed loader expects the platform packages of the root version', () => {
  const loader = fs.readFileSync(path.join(ROOT, 'index.js'), 'utf8')
  const named = new Set([...loader.matchAll(/bindingPackageVersion !== '([^']+)'/g)].map((m) => m[1]))
  assert.deepEqual([...named], [root.version])
})

test('the root is publishable: repository, public access, license file, exact napi CLI, no optionalDependencies committed', () => {
  assert.match(root.repository.url, /^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/)
  assert.equal(root.publishConfig.access, 'public')
  assert.ok(fs.existsSync(path.join(ROOT, 'LICENSE')))
  assert.ok(root.files.includes('LICENSE') && root.files.includes('CHANGELOG.md'))
  assert.match(root.devDependencies['@napi-rs/cli'], /^\d+\.\d+\.\d+$/, 'pinned exactly')
  // napi prepublish writes them at release time (see scripts/release-pack.js).
  assert.equal(root.optionalDependencies, undefined)
  assert.ok(!root.files.some((f) => f.startsWith('src/') && f !== 'src/js/'), 'no Rust sources in the tarball')
})
