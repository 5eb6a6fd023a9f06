#!/usr/bin/env node
'use strict'
// `npm run release:pack`: builds the linux-x64-gnu binary exactly as the Release workflow does
// (scripts/build.js --release-binary: zig, glibc 2.17), then packs what `npm publish` would send
// for the root package and the linux-x64-gnu platform package into target/release-packages/:
//
//   skillmeat-cache-<version>.tgz                   the root, with optionalDependencies as published
//   skillmeat-cache-linux-x64-gnu-<version>.tgz     the binary
//   sizes.json                                      packed and unpacked bytes of each, the .node's size
//
// The packing happens in a staging copy, so the checkout's package.json never gains the
// optionalDependencies that `napi prepublish` writes. `--no-build` packs the binary already built.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const OUT = path.join(ROOT, 'target', 'release-packages')
const STAGE = path.join(OUT, 'stage')
const PLATFORM = 'linux-x64-gnu'
const napi = require('./toolchain.js').napiCli()

function run(cmd, args, cwd = ROOT) {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
  if (r.status !== 0) {
    console.error(`release:pack: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status})`)
    process.exit(1)
  }
  return r.stdout
}

if (!process.argv.includes('--no-build')) {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'build.js'), '--target', 'x86_64-unknown-linux-gnu', '--release-binary'], { cwd: ROOT, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status || 1)
}
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const binary = `${pkg.napi.binaryName}.${PLATFORM}.node`
if (!fs.existsSync(path.join(ROOT, binary))) {
  console.error(`release:pack: ${binary} is missing; run without --no-build`)
  process.exit(1)
}

fs.rmSync(OUT, { recursive: true, force: true })
fs.mkdirSync(STAGE, { recursive: true })
// What the root publishes (its `files`, plus package.json), and the platform folders.
for (const entry of [...pkg.files, 'package.json', 'npm']) {
  fs.cpSync(path.join(ROOT, entry), path.join(STAGE, entry), { recursive: true })
}
// As the Release workflow, with one binary: it goes into its platform folder, and `napi
// prepublish` writes optionalDependencies into the root (publishing the platform packages is the
// workflow's job, not this script's). prepublish insists on all eight binaries, so the seven this
// machine does not build get placeholders in the staging copy only; nothing of them is packed.
for (const target of fs.readdirSync(path.join(STAGE, 'npm'))) {
  const file = path.join(STAGE, 'npm', target, `${pkg.napi.binaryName}.${target}.node`)
  if (target === PLATFORM) fs.copyFileSync(path.join(ROOT, binary), file)
  else fs.writeFileSync(file, 'placeholder (release:pack staging only)\n')
}
run(process.execPath, [napi, 'prepublish', '-t', 'npm', '--npm-dir', 'npm', '--skip-optional-publish'], STAGE)

function pack(dir) {
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', OUT], dir))
  return { file: info.filename, packed: info.size, unpacked: info.unpackedSize, files: info.entryCount }
}
const staged = JSON.parse(fs.readFileSync(path.join(STAGE, 'package.json'), 'utf8'))
const sizes = {
  version: pkg.version,
  root: pack(STAGE),
  [PLATFORM]: { ...pack(path.join(STAGE, 'npm', PLATFORM)), node: fs.statSync(path.join(ROOT, binary)).size },
  optionalDependencies: staged.optionalDependencies || {},
}
fs.rmSync(STAGE, { recursive: true })
fs.writeFileSync(path.join(OUT, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n')
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`
for (const k of ['root', PLATFORM]) {
  console.log(`release:pack: ${sizes[k].file}  ${mb(sizes[k].packed)} packed, ${mb(sizes[k].unpacked)} unpacked`)
}
console.log(`release:pack: optionalDependencies ${Object.keys(sizes.optionalDependencies).length} (${Object.keys(sizes.optionalDependencies).join(', ')})`)
