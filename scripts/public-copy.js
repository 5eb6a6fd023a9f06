'use strict'
// Tests that drop to `nobody` (uid 65534, to make mode 000 stop a reader, which root ignores)
// run code from the checkout, which may sit in a private folder (`mktemp -d`, `/root`) that
// `nobody` cannot enter. This copies the files such a child needs into a folder anyone can read.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')

// Deleted when the process that made them exits.
const made = new Set()
process.on('exit', () => {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true })
    } catch {
      // Held by a child still running: left to the system, never failing the exit.
    }
  }
})

/**
 * Copies the loader, the built binaries in the checkout's top folder and `extra` (paths relative
 * to the checkout) into a new world-readable temp folder, keeping their relative paths, deleted
 * when this process exits. Returns the folder.
 */
function publicCopy(extra = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smc-public-'))
  made.add(dir)
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
