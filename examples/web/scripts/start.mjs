// `npm start`: installs the packed addon (setup.mjs), builds the app when its sources changed
// since the last build, and serves it with `next start` (PORT, default 3000; HOST, default
// 127.0.0.1). The page is at http://HOST:PORT/.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { app } from './world.mjs'

const node = process.execPath
const next = path.join(app, 'node_modules', 'next', 'dist', 'bin', 'next')
execFileSync(node, [path.join(app, 'scripts', 'setup.mjs')], { cwd: app, stdio: 'inherit' })

/** The newest modification time under `p` (ignoring dependencies and build output). */
function newest(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false })
  if (!st) return 0
  if (!st.isDirectory()) return st.mtimeMs
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))))
}
const built = newest(path.join(app, '.next', 'BUILD_ID'))
const sources = Math.max(
  ...['app', 'components', 'lib', 'instrumentation.ts', 'next.config.mjs', 'node_modules/.skillmeat-cache-stamp'].map((f) => newest(path.join(app, f))),
)
if (built < sources) execFileSync(node, [next, 'build'], { cwd: app, stdio: 'inherit' })

const port = process.env.PORT || '3000'
const host = process.env.HOST || '127.0.0.1'
console.log(`\nSkillMeat projects page: http://${host}:${port}/  (Ctrl+C stops)\n`)
const child = spawn(node, [next, 'start', '-H', host, '-p', port], { cwd: app, stdio: 'inherit' })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code) => process.exit(code ?? 0))
