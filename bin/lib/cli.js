'use strict'
// The command line: main(argv, io) parses argv, runs the command it names and returns the exit
// code (0 ok, 1 failed, 2 usage). It writes only to io.stdout and io.stderr, so that it runs as
// well in a test as in bin/skillmeat-cache. The commands are the files of bin/commands/.

const fs = require('node:fs')
const path = require('node:path')
const { commands } = require('./commands.js')
const { EXIT_OK, EXIT_USAGE, exitCodeFor, usage } = require('./errors.js')
const { globalHelp, commandHelp } = require('./help.js')
const { createOutput, oneLine } = require('./output.js')
const { parse, checkArgs } = require('./parse.js')
const { PROG, version } = require('./program.js')

/** `a, b, c or d` */
const either = (names) => names.slice(0, -1).join(', ') + (names.length > 1 ? ' or ' : '') + names.at(-1)

/**
 * For a command that only reads: an explicit --home, or the folder of an explicit --db, that
 * does not exist is refused (a typo would otherwise leave an empty cache there).
 */
function checkPathsExist(values) {
  if (values.home !== undefined && !fs.existsSync(values.home)) {
    throw usage(`--home ${values.home}: no such folder (check the path; this command creates nothing)`)
  }
  if (values.db !== undefined && values.db !== ':memory:') {
    const dir = path.dirname(path.resolve(values.db))
    if (!fs.existsSync(dir)) throw usage(`--db ${values.db}: folder ${dir} does not exist (check the path; this command creates nothing)`)
  }
}

/** Checks the positional arguments and runs the command (or the subcommand they name). */
function dispatch(def, ctx) {
  if (def.readsOnly) checkPathsExist(ctx.values)
  if (!def.subcommands) {
    ctx.args = checkArgs(def.name, def.args, ctx.positionals)
    return def.run(ctx)
  }
  const [sub, ...rest] = ctx.positionals
  const names = Object.keys(def.subcommands)
  if (sub === undefined) throw usage(`'${def.name}' needs a subcommand: ${either(names)}`)
  if (!Object.hasOwn(def.subcommands, sub)) {
    throw usage(`unknown ${def.name} subcommand '${sub}'; expected ${either(names)}`)
  }
  const s = def.subcommands[sub]
  ctx.args = checkArgs(`${def.name} ${sub}`, s.args, rest)
  return s.run(ctx)
}

/** Runs a parsed command line; resolves with the exit code. */
async function run(ctx) {
  const { out } = ctx
  if (ctx.values.version && !ctx.command) {
    if (ctx.json) out.json({ version: version() })
    else out.line(version())
    return EXIT_OK
  }
  if (ctx.values.help) {
    out.write(ctx.command ? commandHelp(commands().get(ctx.command)) : globalHelp(commands()))
    return EXIT_OK
  }
  if (!ctx.command) {
    if (ctx.json) throw usage('missing command')
    out.stderr.write(globalHelp(commands()))
    return EXIT_USAGE
  }
  if (ctx.values.version) throw usage(`unknown option '--version' for '${ctx.command}'`)
  return (await dispatch(commands().get(ctx.command), ctx)) ?? EXIT_OK
}

/** Reports `err` on stderr (or as the JSON document with --json); returns the exit code. */
function reportError(err, ctx) {
  const { out } = ctx
  const code = (err && err.code) || 'INTERNAL'
  const message = oneLine((err && err.message) || String(err))
  if (ctx.json) {
    const doc = { error: { code, message: err && err.message ? String(err.message) : message } }
    // 'watch --json' prints JSON lines; keep its error on one line too.
    if (ctx.command === 'watch') out.jsonLine(doc)
    else out.json(doc)
    return exitCodeFor(err)
  }
  // Keep the addon's multi-line messages (TOML parse errors show the offending line) readable.
  out.error(err && err.message ? String(err.message).trimEnd() : message, code)
  if (err && err.hint) out.stderr.write(`${PROG}: hint: ${err.hint}\n`)
  if (code === 'USAGE') {
    const cmd = ctx.command && commands().has(ctx.command) ? `${ctx.command} ` : ''
    out.stderr.write(`Run '${PROG} ${cmd}--help' for usage.\n`)
  }
  if (code === 'INTERNAL' && err && err.stack && ctx.env.SKILLMEAT_DEBUG) out.stderr.write(err.stack + '\n')
  return exitCodeFor(err)
}

/**
 * Runs the command line `argv` (without node and the script); resolves with the exit code.
 * `io`: { stdout, stderr, stdin, env, cwd }, by default the process's own. `env` is what the CLI
 * reads itself (colour, SKILLMEAT_API_KEY, ...); the addon reads the process environment.
 */
async function main(argv, io = {}) {
  const env = io.env ?? process.env
  const out = createOutput({ stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, env })
  const base = { out, env, cwd: io.cwd ?? process.cwd(), stdin: io.stdin ?? process.stdin }
  let ctx = { ...base, json: argv.includes('--json') }
  try {
    ctx = { ...base, ...parse(argv, commands()) }
    return await run(ctx)
  } catch (err) {
    return reportError(err, err && err.ctx ? { ...base, ...err.ctx } : ctx)
  }
}

module.exports = { main, run }
