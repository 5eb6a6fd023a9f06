'use strict'
// Help text, generated from the command definitions: the global help lists every command with
// its summary; '<command> --help' shows its usage lines, description, options and details.

const { PROG } = require('./program.js')
const { GLOBAL_OPTIONS, argsText } = require('./parse.js')

/** Help lines are wrapped to this many columns. */
const WIDTH = 79

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text, width) {
  const lines = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  return line ? [...lines, line] : lines
}

/** Two columns, indented by two spaces: names padded to `left`, text wrapped beside them. */
function twoColumns(rows, left) {
  const pad = ' '.repeat(2 + left)
  return rows
    .map(([name, text]) => {
      const [first = '', ...rest] = wrap(text, WIDTH - pad.length)
      const head = name.length + 2 > left ? `  ${name}\n${pad}${first}` : `  ${name.padEnd(left)}${first}`
      return [head, ...rest.map((l) => pad + l)].join('\n')
    })
    .join('\n')
}

/** How an option is written: '--type T', '-y, --yes'. */
function flag(name, spec) {
  const value = spec.type === 'string' ? ` ${spec.value || 'VALUE'}` : ''
  return `${spec.short ? `-${spec.short}, ` : ''}--${name}${value}`
}

/** How a command is called, with the summary of each call: one, or one per subcommand. */
function calls(def) {
  const line = (...words) => words.filter(Boolean).join(' ')
  if (!def.subcommands) return [{ line: line(def.name, argsText(def.args)), summary: def.summary }]
  return Object.entries(def.subcommands).map(([sub, s]) => ({ line: line(def.name, sub, argsText(s.args)), summary: s.summary }))
}

/** The usage lines of a command, after the program name ('refresh [PROJECT_ID] [--force]'). */
function synopses(def) {
  if (def.subcommands) return calls(def).map((c) => c.line)
  const options = Object.entries(def.options)
  const shown =
    options.length > 3
      ? ['[options]']
      : options.map(([name, spec]) => `[${spec.short ? `-${spec.short}|` : ''}${flag(name, { ...spec, short: undefined })}]`)
  return [[calls(def)[0].line, ...shown].join(' ')]
}

const optionRows = (options) => Object.entries(options).map(([name, spec]) => [flag(name, spec), spec.description])

const OUTPUT = `Output:
  Tables for people by default; colour only when stdout is a terminal and
  NO_COLOR is unset (FORCE_COLOR=0 also disables it). With --json, stdout gets
  one JSON document: the object the library returned (status, a page
  {items,total,offset,limit}, a project, a refresh summary), or
  {"error":{"code":...,"message":...}} on failure; 'watch --json' instead
  prints one JSON object per line, each an event. Without --json, errors go to
  stderr as '${PROG}: <message> (<CODE>)'. 'refresh' draws a progress
  bar on stderr when stderr is a terminal (never with --json).
`

const EXIT_STATUS = `Exit status:
  0  success (a refresh that found malformed files still exits 0 and lists
     them; 'outdated' exits 0 even when artifacts are outdated; a marketplace
     source or upstream repository that failed is reported but still exits 0;
     'watch' stopped by Ctrl-C, SIGTERM or SIGHUP)
  1  the operation failed: an error from the cache (NOT_FOUND, CONFIG_INVALID,
     CACHE_DISK_FULL, CACHE_BUSY, ...), unregister of an unknown id,
     'clear' declined at the prompt, or 'doctor' finding a broken artifact
  2  usage error: unknown command or option, missing or extra argument, bad
     option value (INVALID_ARGUMENT), or 'clear' without -y and no terminal
`

/** The global help: every command (in definition order) with its summary. */
function globalHelp(commands) {
  return [
    `Usage: ${PROG} <command> [options]\n`,
    'Inspect and maintain the SkillMeat cache of projects and Claude Code artifacts.\n',
    `Commands:\n${twoColumns([...commands.values()].flatMap(calls).map((c) => [c.line, c.summary]), 29)}\n`,
    `Options for every command:\n${twoColumns(optionRows(GLOBAL_OPTIONS), 29)}\n`,
    `Run '${PROG} <command> --help' for the options of a command.\n`,
    OUTPUT,
    EXIT_STATUS,
  ].join('\n')
}

/** '<command> --help': usage lines, summary and description, options, details. */
function commandHelp(def) {
  const [first, ...more] = synopses(def)
  const parts = [[`Usage: ${PROG} ${first}`, ...more.map((u) => `       ${PROG} ${u}`)].join('\n') + '\n']
  parts.push(wrap(`${def.summary}.`, WIDTH).join('\n') + '\n')
  if (def.description) parts.push(def.description.trim() + '\n')
  const rows = optionRows(def.options)
  if (rows.length) {
    const left = Math.max(16, ...rows.map(([f]) => f.length + 2))
    parts.push(`Options:\n${twoColumns(rows, left)}\n`)
  }
  if (def.details) parts.push(def.details.trim() + '\n')
  const globals = ['json', 'home', 'db'].map((name) => flag(name, GLOBAL_OPTIONS[name])).join(', ')
  parts.push(wrap(`Also: ${globals}; see '${PROG} --help'.`, WIDTH).join('\n') + '\n')
  return parts.join('\n')
}

module.exports = { globalHelp, commandHelp, synopses, flag }
