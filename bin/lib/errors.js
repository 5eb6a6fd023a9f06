'use strict'
// Exit codes and the errors the CLI raises itself.

const { PROG } = require('./program.js')

const EXIT_OK = 0
const EXIT_FAILED = 1
const EXIT_USAGE = 2

/** An error the CLI raises itself; `code` is reported like the addon's codes. */
class CliError extends Error {
  constructor(message, code = 'USAGE') {
    super(message)
    this.code = code
  }
}

/** A usage error (exit 2). */
const usage = (message) => new CliError(message, 'USAGE')

/** NOT_FOUND (exit 1) for a project id the cache does not know. */
const projectNotFound = (id) => new CliError(`no project with id "${id}" (see '${PROG} projects')`, 'NOT_FOUND')

/** 2 for usage errors and bad argument values, 1 for everything else. */
function exitCodeFor(err) {
  return err && (err.code === 'USAGE' || err.code === 'INVALID_ARGUMENT') ? EXIT_USAGE : EXIT_FAILED
}

module.exports = { EXIT_OK, EXIT_FAILED, EXIT_USAGE, CliError, usage, projectNotFound, exitCodeFor }
