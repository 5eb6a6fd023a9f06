'use strict'
// What the build scripts ask of the machine's toolchain, in one place: the Rust host triple and
// LLVM version (`rustc -vV`), and the napi CLI's entry point.
const { spawnSync } = require('node:child_process')

let info = null

/** `rustc -vV` as `{ host, llvm }`; exits with a message when Rust is not installed. */
function rustc() {
  if (info) return info
  const r = spawnSync('rustc', ['-vV'], { encoding: 'utf8' })
  const field = (name) => ((r.stdout || '').split('\n').find((l) => l.startsWith(`${name}: `)) || '').slice(name.length + 2).trim()
  if (!field('host')) {
    console.error('cannot run `rustc -vV`; install Rust (https://rustup.rs) to build the addon from source')
    process.exit(1)
  }
  info = { host: field('host'), llvm: field('LLVM version') }
  return info
}

/** The path of @napi-rs/cli's command-line entry, run with this Node. */
function napiCli() {
  return require.resolve('@napi-rs/cli/package.json').replace(/package\.json$/, 'dist/cli.js')
}

module.exports = { rustc, napiCli }
