'use strict'
// Command-line parsing with node:util.parseArgs, from the option specs of the command definitions.
//
// An option spec is a parseArgs option ({ type, short, multiple }) plus what help shows:
// `description`, and `value`, the placeholder of a string option's value (--type T).
// Positional names: 'PATH' is required, 'PROJECT_ID?' optional, 'QUERY...' any number of words
// (the command checks them), 'PATH+' one or more.

const { parseArgs } = require('node:util')
const { usage } = require('./errors.js')
const { PROG } = require('./program.js')

/** The options every command takes. */
const GLOBAL_OPTIONS = {
  json: { type: 'boolean', description: 'Print exactly one JSON document on stdout' },
  home: { type: 'string', value: 'DIR', description: 'SkillMeat home (default: $SKILLMEAT_HOME, else ~/.skillmeat)' },
  db: { type: 'string', value: 'PATH', description: 'Cache database file, or :memory:' },
  help: { type: 'boolean', short: 'h', description: `Show help (also: ${PROG} <command> --help)` },
  version: { type: 'boolean', short: 'V', description: 'Show the version' },
}

/** --project ID of the listings. */
const PROJECT_OPTION = { type: 'string', value: 'ID', description: 'Only this project (NOT_FOUND, exit 1, when unknown)' }

/** --type T of the artifact listings. */
const ARTIFACT_TYPE_OPTION = { type: 'string', value: 'T', description: 'skill, command, agent, hook or mcp' }

/**
 * The paging and sorting options of a listing: --sort KEY (`sort` describes its keys; left out
 * when undefined, with --desc), --asc (when `asc` describes it), --desc, --limit N, --offset N.
 */
function pageOptions({ sort, asc, desc = 'Sort descending', limit = 100, skip = 'Rows' } = {}) {
  const o = {}
  if (sort !== undefined) {
    o.sort = { type: 'string', value: 'KEY', description: sort }
    if (asc !== undefined) o.asc = { type: 'boolean', description: asc }
    o.desc = { type: 'boolean', description: desc }
  }
  o.limit = { type: 'string', value: 'N', description: `Page size, 1 to 10000 (default ${limit})` }
  o.offset = { type: 'string', value: 'N', description: `${skip} to skip (default 0)` }
  return o
}

/** parseArgs options from option specs (only the keys parseArgs knows). */
function parseArgsOptions(...specs) {
  const o = {}
  for (const spec of specs) {
    for (const [name, { type, short, multiple }] of Object.entries(spec)) {
      o[name] = { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) }
    }
  }
  return o
}

/**
 * Parses `argv` against `commands` (name -> definition): { command, json, values, positionals }
 * (positionals after the command word). Errors are usage errors carrying what was parsed (`ctx`),
 * so that --json still decides how they are reported.
 */
function parse(argv, commands) {
  // First pass, lenient: find the command and whether --json was asked for.
  const everything = parseArgsOptions(GLOBAL_OPTIONS, ...[...commands.values()].map((c) => c.options))
  const loose = parseArgs({ args: argv, options: everything, strict: false, allowPositionals: true })
  const command = loose.positionals[0]
  const ctx = { command, json: loose.values.json === true, values: loose.values, positionals: [] }
  if (command !== undefined && !commands.has(command)) {
    throw Object.assign(usage(`unknown command '${command}'`), { ctx })
  }
  const own = command ? commands.get(command).options : {}
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: parseArgsOptions(GLOBAL_OPTIONS, own), strict: true, allowPositionals: true })
  } catch (e) {
    throw Object.assign(usage(parseErrorMessage(e, command)), { ctx })
  }
  ctx.values = parsed.values
  ctx.positionals = parsed.positionals.slice(1)
  return ctx
}

function parseErrorMessage(e, command) {
  const m = /^(?:Unknown option|Option) '(-[^' ]+)/.exec(e.message)
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return command
        ? `unknown option '${m ? m[1] : '?'}' for '${command}'`
        : `unknown option '${m ? m[1] : '?'}'`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (m && /argument missing/.test(e.message)) return `option '${m[1]}' needs a value`
      if (m && /does not take an argument/.test(e.message)) return `option '${m[1]}' does not take a value`
      return e.message
    default:
      return e.message
  }
}

/** Checks positional arguments `got` of `command` against names like ['PATH', 'PROJECT_ID?']. */
function checkArgs(command, names, got) {
  if (names.some((n) => n.endsWith('...'))) return got
  const many = names.find((n) => n.endsWith('+'))
  if (many) {
    if (got.length === 0) throw usage(`'${command}' needs ${many.slice(0, -1)}`)
    return got
  }
  const required = names.filter((n) => !n.endsWith('?'))
  if (got.length < required.length) {
    throw usage(`'${command}' needs ${required.slice(got.length).join(' ')}`)
  }
  if (got.length > names.length) {
    throw usage(`unexpected argument '${got[names.length]}' for '${command}'`)
  }
  return got
}

/** Positional names as usage lines show them: PATH, [PROJECT_ID], [QUERY...]. */
const argsText = (names) =>
  names
    .map((n) => (n.endsWith('?') ? `[${n.slice(0, -1)}]` : n.endsWith('...') ? `[${n}]` : n.endsWith('+') ? `${n.slice(0, -1)}...` : n))
    .join(' ')

function wholeNumber(value, flag) {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw usage(`${flag} must be a whole number, got '${value}'`)
  return Number(value)
}

/** { limit, offset } from --limit and --offset (only those given). */
function pageRange(values) {
  const q = {}
  const limit = wholeNumber(values.limit, '--limit')
  if (limit !== undefined) q.limit = limit
  const offset = wholeNumber(values.offset, '--offset')
  if (offset !== undefined) q.offset = offset
  return q
}

/** The query fields of the options given: `fields` maps an option to its field ({ project: 'projectId' }). */
function queryFields(values, fields) {
  const q = {}
  for (const [option, field] of Object.entries(fields)) if (values[option] !== undefined) q[field] = values[option]
  return q
}

/** A list query from --sort, --desc, --limit and --offset, and the options of `fields` (see queryFields). */
function pageQuery(values, fields = {}) {
  const q = queryFields(values, fields)
  if (values.sort !== undefined) q.sortBy = values.sort
  if (values.desc) q.order = 'desc'
  return Object.assign(q, pageRange(values))
}

module.exports = {
  GLOBAL_OPTIONS,
  PROJECT_OPTION,
  ARTIFACT_TYPE_OPTION,
  pageOptions,
  parse,
  checkArgs,
  argsText,
  pageRange,
  pageQuery,
  queryFields,
}
