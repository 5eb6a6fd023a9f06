#!/usr/bin/env node
'use strict'
// `cargo <args>` for the host's target triple, spelled out as `napi build` spells it, so tests,
// lints and benches share the addon build's dependency cache (target/<triple>/) instead of
// building every dependency twice. On any platform: `node scripts/cargo.js test`.
const { spawnSync } = require('node:child_process')

const { rustc } = require('./toolchain.js')

const args = process.argv.slice(2)
const target = process.env.CARGO_BUILD_TARGET || rustc().host
// Arguments after `--` go to the test binary; the target goes before them.
const cut = args.indexOf('--')
const ours = cut >= 0 ? args.slice(0, cut) : args
const rest = cut >= 0 ? args.slice(cut) : []
const r = spawnSync('cargo', [...ours, '--target', target, ...rest], { stdio: 'inherit' })
process.exit(r.status === null ? 1 : r.status)
