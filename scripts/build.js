#!/usr/bin/env node
'use strict'
// Builds the addon for one target, as the release does (`npm run build`, `build:debug`,
// `release:pack`, and the workflows in .github/workflows all come through here):
//
//   node scripts/build.js [--target <rust triple>] [--debug] [--release-binary]
//
// Linux targets are linked with zig (cargo-zigbuild) so the binary loads wherever Node 20 runs:
// gnu targets against glibc 2.17 (`<triple>.2.17`), musl targets statically. zig and
// cargo-zigbuild come from PyPI (`pip install ziglang==0.17.0 cargo-zigbuild==0.24.0`);
// @napi-rs/cli's own `--use-napi-cross` is not used: in 3.10 it asks for a toolchain version
// the npm registry does not hold. Without zig a Linux host falls back to its own toolchain
// (the binary then needs this machine's glibc), unless `--release-binary` is given, which
// insists. `SKILLMEAT_BUILD_NATIVE=1` forces the host toolchain.
const { spawnSync } = require('node:child_process')
const { rustc, napiCli } = require('./toolchain.js')

const GLIBC = '2.17'
const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const option = (name) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}


function hasZig() {
  const zigbuild = spawnSync('cargo-zigbuild', ['--version'], { encoding: 'utf8', shell: process.platform === 'win32' })
  if (zigbuild.status !== 0) return false
  const zig = spawnSync('zig', ['version'], { encoding: 'utf8' })
  if (zig.status === 0) return true
  // cargo-zigbuild also finds the zig of the PyPI package `ziglang`.
  const py = spawnSync(process.env.PYTHON || 'python3', ['-m', 'ziglang', 'version'], { encoding: 'utf8' })
  return py.status === 0
}

const target = option('--target') || rustc().host
const linux = target.includes('-linux-')
const napiArgs = ['build', '--platform', '--features', 'node']
if (!flag('--debug')) napiArgs.push('--release')
let how = 'the host toolchain'
if (linux && !process.env.SKILLMEAT_BUILD_NATIVE) {
  if (hasZig()) {
    napiArgs.push('--cross-compile', '--target', target.endsWith('-gnu') ? `${target}.${GLIBC}` : target)
    how = target.endsWith('-gnu') ? `zig, against glibc ${GLIBC}` : 'zig (static musl)'
  } else if (flag('--release-binary')) {
    console.error(
      'build: a release binary for Linux is linked with zig, which was not found.\n' +
        '  pip install ziglang==0.17.0 cargo-zigbuild==0.24.0\n' +
        'then run this again (or set SKILLMEAT_BUILD_NATIVE=1 for a binary that needs this machine\'s glibc).',
    )
    process.exit(1)
  } else {
    napiArgs.push('--target', target)
  }
} else {
  napiArgs.push('--target', target)
}
console.log(`build: ${target} with ${how}`)
const r = spawnSync(process.execPath, [napiCli(), ...napiArgs], { stdio: 'inherit' })
process.exit(r.status === null ? 1 : r.status)
