'use strict'
// Temp folders that go with the process that made them: deleted when it exits, passed or failed,
// so test and script runs do not pile folders up in the system's temp folder.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const made = new Set()
process.on('exit', () => {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true })
    } catch {
      // Still mounted (the full-disk test) or held by a child: left to the system, never
      // failing the exit.
    }
  }
})

/** A new folder in the system's temp folder, named from `prefix`, deleted when this process exits. */
function tempFolder(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  made.add(dir)
  return dir
}

module.exports = { tempFolder }
