'use strict'
// The program's name (in usage lines and messages) and version.

const fs = require('node:fs')
const path = require('node:path')

const PROG = 'skillmeat-cache'

function version() {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version
  } catch {
    return 'unknown'
  }
}

module.exports = { PROG, version }
