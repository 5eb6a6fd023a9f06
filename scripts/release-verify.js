#!/usr/bin/env node
'use strict'
// Proves on this machine that what `npm run release:pack` wrote installs and works as a user gets
// it from npm, with no Rust anywhere on PATH (`.ci/run` runs it after release:pack):
//
//   1. the gnu binary asks for no glibc newer than 2.17 (objdump -T);
//   2. a local registry (verdaccio 6.8 on 127.0.0.1; 6.10 wants Node 22) gets the root package
//      and all eight platform packages: the real linux-x64-gnu tarball, and for the seven targets
//      this machine cannot build, packages with the real package.json and a placeholder file
//      (they exist only in this throwaway registry, to show which package npm picks);
//   3. `npm install @skillmeat/cache` in a fresh folder: require works, a cache opens, the CLI runs;
//   4. `npm install --os --cpu --libc` picks exactly the right platform package for each target;
//   5. examples/web builds (`next build`) against the package installed from the registry.
//
// Figures (install time, cold require time, sizes) go to target/release-packages/verify.json.
// `--skip-web` leaves out step 5.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn, spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const OUT = path.join(ROOT, 'target', 'release-packages')
const TOOLS = path.join(ROOT, 'target', 'release-tools')
const VERDACCIO = '6.8.0'
const MAX_GLIBC = '2.17'
const TARGETS = [
  { os: 'linux', cpu: 'x64', libc: 'glibc', pkg: 'linux-x64-gnu' },
  { os: 'linux', cpu: 'arm64', libc: 'glibc', pkg: 'linux-arm64-gnu' },
  { os: 'linux', cpu: 'x64', libc: 'musl', pkg: 'linux-x64-musl' },
  { os: 'linux', cpu: 'arm64', libc: 'musl', pkg: 'linux-arm64-musl' },
  { os: 'darwin', cpu: 'x64', pkg: 'darwin-x64' },
  { os: 'darwin', cpu: 'arm64', pkg: 'darwin-arm64' },
  { os: 'win32', cpu: 'x64', pkg: 'win32-x64-msvc' },
  { os: 'win32', cpu: 'arm64', pkg: 'win32-arm64-msvc' },
]

const log = (m) => console.log(`release:verify: ${m}`)
function fail(m) {
  console.error(`release:verify: FAILED: ${m}`)
  process.exitCode = 1
  throw new Error(m)
}
const tmp = (p) => fs.mkdtempSync(path.join(os.tmpdir(), `smc-release-${p}-`))
const cleanups = []

/**
 * PATH without any folder that holds cargo, rustc or rustup: the install must not need Rust. The
 * tools the checks do need (node, npm, npx, sh) come first through links in a folder of their own,
 * in case they share a folder with a Rust toolchain (Debian's /usr/bin can hold both).
 */
let cleanPath = null
function pathWithoutRust() {
  if (cleanPath !== null) return cleanPath
  const dirs = (process.env.PATH || '').split(path.delimiter)
  const hasRust = (d) => ['cargo', 'rustc', 'rustup'].some((b) => fs.existsSync(path.join(d, b)))
  const shims = tmp('tools')
  cleanups.push(shims)
  for (const tool of ['node', 'npm', 'npx', 'sh']) {
    const found = dirs.map((d) => path.join(d, tool)).find((f) => fs.existsSync(f))
    if (found) fs.symlinkSync(fs.realpathSync(found), path.join(shims, tool))
  }
  // npm and npx are scripts run by node: their own folder may be needed to find node_modules.
  cleanPath = [shims, ...dirs.filter((d) => d && !hasRust(d))].join(path.delimiter)
  return cleanPath
}

function npmEnv(userconfig, extra = {}) {
  return {
    ...process.env,
    PATH: pathWithoutRust(),
    npm_config_userconfig: userconfig,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  }
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts })
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` ${r.error ? `failed (${r.error.message})` : r.signal ? `was killed (${r.signal})` : `exited ${r.status}`}:\n${(r.stdout || '').slice(-2000)}\n${(r.stderr || '').slice(-2000)}`)
  return r.stdout
}

function glibcCheck(platformTgz) {
  const dir = tmp('glibc')
  cleanups.push(dir)
  run('tar', ['-xzf', platformTgz, '-C', dir])
  const node = fs.readdirSync(path.join(dir, 'package')).find((f) => f.endsWith('.node'))
  if (!node) fail('the linux-x64-gnu tarball holds no .node file')
  const symbols = run('objdump', ['-T', path.join(dir, 'package', node)])
  const versions = [...new Set(symbols.match(/GLIBC_[0-9.]+/g) || [])].map((v) => v.slice(6))
  const newer = (a, b) => {
    const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)]
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0)
    return false
  }
  const highest = versions.reduce((m, v) => (newer(v, m) ? v : m), '0')
  if (newer(highest, MAX_GLIBC)) fail(`${node} needs GLIBC_${highest}; the release promises glibc ${MAX_GLIBC}`)
  log(`${node}: highest glibc symbol GLIBC_${highest} (at most ${MAX_GLIBC})`)
  return highest
}

function installVerdaccio() {
  const bin = path.join(TOOLS, 'node_modules', 'verdaccio', 'bin', 'verdaccio')
  if (!fs.existsSync(bin)) {
    log(`installing verdaccio ${VERDACCIO} into ${path.relative(ROOT, TOOLS)}`)
    fs.mkdirSync(TOOLS, { recursive: true })
    run('npm', ['install', '--prefix', TOOLS, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `verdaccio@${VERDACCIO}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  }
  return bin
}

async function startRegistry() {
  const bin = installVerdaccio()
  const dir = tmp('registry')
  cleanups.push(dir)
  const port = 4873 + Math.floor(Math.random() * 1000)
  const config = path.join(dir, 'config.yaml')
  fs.writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
      '    max_users: 10',
      'uplinks: {}',
      'packages:',
      "  '@skillmeat/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  )
  const child = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) fail(`verdaccio exited: ${output.slice(-1000)}`)
    try {
      const r = await fetch(`${url}/-/ping`)
      if (r.ok) break
    } catch {}
    if (i > 300) fail(`verdaccio did not answer on ${url} within 30 s: ${output.slice(-1000)}`)
    await new Promise((res) => setTimeout(res, 100))
  }
  const user = await fetch(`${url}/-/user/org.couchdb.user:release-ci`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release-ci', password: 'release-ci-local-only', email: 'ci@localhost' }),
  })
  const { token } = await user.json()
  if (!token) fail('verdaccio gave no token for the local publisher')
  const userconfig = path.join(dir, '.npmrc')
  fs.writeFileSync(userconfig, `@skillmeat:registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`)
  return { url, userconfig, stop: () => child.kill() }
}

/** The seven platform packages this machine cannot build: real package.json, placeholder file. */
function placeholder(target, version) {
  const dir = tmp(`pkg-${target.pkg}`)
  cleanups.push(dir)
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', target.pkg, 'package.json'), 'utf8'))
  if (pkg.version !== version) fail(`npm/${target.pkg}/package.json is at ${pkg.version}, the root at ${version}: run \`napi version\``)
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
  fs.writeFileSync(path.join(dir, pkg.main), `placeholder for the ${target.pkg} selection test (local registry only)\n`)
  return dir
}

function publish(what, registry) {
  // Provenance needs a CI identity; the local registry is not npm's.
  run('npm', ['publish', what, '--registry', `${registry.url}/`, '--provenance=false', '--tag', 'latest'], { env: npmEnv(registry.userconfig), stdio: ['ignore', 'pipe', 'pipe'] })
}

function freshProject(name) {
  const dir = tmp(name)
  cleanups.push(dir)
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `release-check-${name}`, version: '1.0.0', private: true }))
  return dir
}

function installed(dir) {
  const scope = path.join(dir, 'node_modules', '@skillmeat')
  return fs.existsSync(scope) ? fs.readdirSync(scope).sort() : []
}

function userInstall(registry, version) {
  const dir = freshProject('user')
  const started = process.hrtime.bigint()
  run('npm', ['install', `@skillmeat/cache@${version}`], { cwd: dir, env: npmEnv(registry.userconfig), stdio: ['ignore', 'pipe', 'pipe'] })
  const installMs = Number(process.hrtime.bigint() - started) / 1e6
  const got = installed(dir)
  if (got.join() !== 'cache,cache-linux-x64-gnu') fail(`a default install on linux x64 gave @skillmeat/{${got}}`)
  if (fs.existsSync(path.join(dir, 'node_modules', '@skillmeat', 'cache', 'src', 'lib.rs'))) fail('the root package carries Rust sources')
  const env = npmEnv(registry.userconfig)
  if (spawnSync('rustc', ['--version'], { env }).status === 0) fail('rustc is still on PATH for the install check')
  // Cold require, in a process of its own, a few times (first is coldest).
  const requireMs = []
  for (let i = 0; i < 3; i++) {
    const out = run(process.execPath, ['-e', "const t=process.hrtime.bigint();require('@skillmeat/cache');console.log(Number(process.hrtime.bigint()-t)/1e6)"], { cwd: dir, env })
    requireMs.push(Number(out.trim()))
  }
  const home = tmp('home')
  cleanups.push(home)
  const works = run(
    process.execPath,
    ['-e', "const {Cache}=require('@skillmeat/cache');const c=Cache.open({home:process.argv[1]});c.refresh().then((s)=>{console.log(JSON.stringify({schema:c.status().schemaVersion,mode:c.status().mode}));c.close()})", home],
    { cwd: dir, env },
  )
  const st = JSON.parse(works.trim())
  if (st.mode !== 'file') fail(`the installed cache opened in ${st.mode} mode`)
  const cli = run(path.join(dir, 'node_modules', '.bin', 'skillmeat-cache'), ['status', '--json', '--home', home], { cwd: dir, env })
  if (JSON.parse(cli).schemaVersion !== st.schema) fail('the CLI status does not show the schema version')
  const cliVersion = run(path.join(dir, 'node_modules', '.bin', 'skillmeat-cache'), ['--version'], { cwd: dir, env }).trim()
  log(`fresh install: @skillmeat/{${got}} in ${installMs.toFixed(0)} ms; cold require ${requireMs.map((m) => m.toFixed(1)).join(' / ')} ms; CLI ${cliVersion}`)
  return { dir, installMs, requireMs }
}

function selection(registry, version) {
  const picked = {}
  for (const t of TARGETS) {
    const dir = freshProject(`select-${t.pkg}`)
    const flags = [`--os=${t.os}`, `--cpu=${t.cpu}`, ...(t.libc ? [`--libc=${t.libc}`] : [])]
    run('npm', ['install', '--ignore-scripts', ...flags, `@skillmeat/cache@${version}`], { cwd: dir, env: npmEnv(registry.userconfig), stdio: ['ignore', 'pipe', 'pipe'] })
    const got = installed(dir)
    const want = ['cache', `cache-${t.pkg}`]
    if (got.join() !== want.join()) fail(`npm install ${flags.join(' ')} gave @skillmeat/{${got}}, expected {${want}}`)
    picked[flags.join(' ')] = `@skillmeat/cache-${t.pkg}`
    log(`${flags.join(' ')} → @skillmeat/cache-${t.pkg}`)
  }
  return picked
}

function webBuild(registry, version) {
  const app = tmp('web')
  cleanups.push(app)
  const src = path.join(ROOT, 'examples', 'web')
  fs.cpSync(src, app, { recursive: true, filter: (p) => !/[\\/](node_modules|\.next|\.pack|\.data|test-results)$/.test(p) })
  const env = npmEnv(registry.userconfig)
  run('npm', ['ci', '--ignore-scripts'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
  run('npm', ['install', '--no-save', '--ignore-scripts', `@skillmeat/cache@${version}`], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const pkgDir = path.join(app, 'node_modules', '@skillmeat', 'cache')
  if (fs.lstatSync(pkgDir).isSymbolicLink()) fail('the example app got a link, not the installed package')
  const started = Date.now()
  run(path.join(app, 'node_modules', '.bin', 'next'), ['build'], { cwd: app, env: { ...env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  log(`examples/web: next build against the registry's @skillmeat/cache@${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return { seconds: (Date.now() - started) / 1000 }
}

async function main() {
  const sizes = JSON.parse(fs.readFileSync(path.join(OUT, 'sizes.json'), 'utf8'))
  const version = sizes.version
  const rootTgz = path.join(OUT, sizes.root.file)
  const gnuTgz = path.join(OUT, sizes['linux-x64-gnu'].file)
  const want = TARGETS.map((t) => `@skillmeat/cache-${t.pkg}`).sort()
  const deps = Object.keys(sizes.optionalDependencies).sort()
  if (deps.join() !== want.join()) fail(`the packed root's optionalDependencies are {${deps}}, expected all eight targets`)
  if (Object.values(sizes.optionalDependencies).some((v) => v !== version)) fail('optionalDependencies must pin the exact version')
  const result = { version, glibc: glibcCheck(gnuTgz), sizes }
  const registry = await startRegistry()
  try {
    for (const t of TARGETS) publish(t.pkg === 'linux-x64-gnu' ? gnuTgz : placeholder(t, version), registry)
    publish(rootTgz, registry)
    log(`published the root and eight platform packages to ${registry.url}`)
    const user = userInstall(registry, version)
    result.installMs = user.installMs
    result.requireMs = user.requireMs
    result.selection = selection(registry, version)
    if (!process.argv.includes('--skip-web')) result.web = webBuild(registry, version)
  } finally {
    registry.stop()
  }
  fs.writeFileSync(path.join(OUT, 'verify.json'), JSON.stringify(result, null, 2) + '\n')
  log('all checks passed')
}

main()
  .catch((e) => {
    if (!process.exitCode) console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    for (const d of cleanups) fs.rmSync(d, { recursive: true, force: true })
  })
