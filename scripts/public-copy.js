'use strict'
// Tests that drop to `nobody` (uid 65534, to make mode 000 stop a reader, which root ignores)
// run code from the checkout, which may sit in a private folder (`mktemp -d`, `/root`) that
// `nobody` cannot enter. This copies the files such a child needs into a folder anyone can read.

const fs = require('node:fs')
const path = require('node:path')
const { tempFolder } = require('./temp-folder.js')

const ROOT = path.join(__dirname, '..')

/**
 * Copies the loader, the built binaries in the checkout's top folder and `extra` (paths relative
 * to the checkout) into a new world-readable temp folder, keeping their relative paths, deleted
 * when this process exits. Returns the folder.
 */
function publicCopy(extra = []) {
  const dir = tempFolder('smc-public-')
  const names = fs.readdirSync(ROOT).filter((n) => n === 'index.js' || n.endsWith('.node'))
  for (const rel of [...names, ...extra]) {
    const to = path.join(dir, rel)
    fs.mkdirSync(path.dirname(to), { recursive: true })
    fs.copyFileSync(path.join(ROOT, rel), to)
  }
  for (const p of walk(dir)) fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644)
  return dir
}

function* walk(dir) {
  yield dir
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) yield* walk(p)
    else yield p
  }
}

module.exports = { publicCopy }
