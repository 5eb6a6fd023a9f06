// Installs @skillmeat/cache into this app as a real package, the way a user gets it from npm:
// the package tarball (`npm pack` of the repository) plus its platform package holding the native
// addon. Next.js does not externalize a symlinked package (`npm link`, `file:../..`), so the
// tarballs are installed as files. Also makes the sample SkillMeat home the app runs on
// (`.data/home` over examples/sample/projects) and a `.env.local` pointing at it, once.
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const repo = path.resolve(app, '..', '..')
const packDir = path.join(app, '.pack')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const quiet = { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' }

function fail(message) {
  console.error(`setup: ${message}`)
  process.exit(1)
}

/** The addon built in the repository (`npm run build` there), e.g. skillmeat-cache.linux-x64-gnu.node. */
function builtAddon() {
  const files = fs.readdirSync(repo).filter((f) => /^skillmeat-cache\..+\.node$/.test(f))
  if (files.length === 0) fail(`no built addon in ${repo}. Build it first: (cd ${repo} && npm run build)`)
  return files.map((f) => path.join(repo, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

function pack(dir) {
  const out = execFileSync(npm, ['pack', '--pack-destination', packDir, '--json', '--ignore-scripts'], { ...quiet, cwd: dir })
  return path.join(packDir, JSON.parse(out)[0].filename)
}

function installPackage() {
  fs.rmSync(packDir, { recursive: true, force: true })
  fs.mkdirSync(packDir, { recursive: true })
  const addon = builtAddon()
  const triple = path.basename(addon).replace(/^skillmeat-cache\./, '').replace(/\.node$/, '')
  const platformDir = path.join(repo, 'npm', triple)
  const tarballs = [pack(repo)]
  if (fs.existsSync(path.join(platformDir, 'package.json'))) {
    // The platform package as napi publishes it: its package.json and the binary.
    const stage = path.join(packDir, `stage-${triple}`)
    fs.mkdirSync(stage)
    fs.copyFileSync(path.join(platformDir, 'package.json'), path.join(stage, 'package.json'))
    fs.copyFileSync(addon, path.join(stage, path.basename(addon)))
    tarballs.push(pack(stage))
  } else {
    fail(`no platform package for ${triple} under ${path.join(repo, 'npm')}`)
  }
  const stamp = path.join(app, 'node_modules', '.skillmeat-cache-stamp')
  const digest = tarballs.map(sha256).join(' ')
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest && fs.existsSync(path.join(app, 'node_modules', '@skillmeat', 'cache'))) {
    console.log('setup: @skillmeat/cache is installed and current')
    return
  }
  execFileSync(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs], { stdio: 'inherit', cwd: app })
  fs.writeFileSync(stamp, digest)
  console.log(`setup: installed ${tarballs.map((t) => path.basename(t)).join(' + ')}`)
}

function sampleHome() {
  const data = path.join(app, '.data')
  const home = path.join(data, 'home')
  if (!fs.existsSync(home)) {
    fs.cpSync(path.join(repo, 'examples', 'sample', 'home'), home, { recursive: true })
    console.log(`setup: sample SkillMeat home in ${home}`)
  }
  const env = path.join(app, '.env.local')
  if (!fs.existsSync(env)) {
    fs.writeFileSync(
      env,
      [
        '# Written by `npm run setup`: the app runs on the sample home and projects of this repository.',
        '# Delete these lines to use your own SkillMeat home (~/.skillmeat) and its registered projects.',
        `SKILLMEAT_HOME=${home}`,
        `SKILLMEAT_CACHE_PROJECT_ROOTS=${path.join(repo, 'examples', 'sample', 'projects')}`,
        '',
      ].join('\n'),
    )
  }
}

if (!fs.existsSync(path.join(app, 'node_modules', 'next'))) fail(`install the app's dependencies first: (cd ${app} && npm ci)`)
installPackage()
if (!process.env.SKILLMEAT_HOME) sampleHome()
