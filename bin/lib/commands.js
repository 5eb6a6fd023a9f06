'use strict'
// The command definitions: every file in bin/commands/ is one command, listed in help by its
// `order`. Adding a command is adding a file there; nothing else names it.
//
// A definition: { name (the file's name), summary (one line of the global help), order,
// description and details (help text before and after the options), options (parse.js option
// specs, each with a description), args (positional names, see parse.js), run(ctx) } or, instead
// of args and run, subcommands: { name: { summary, args, run(ctx) } }. run(ctx) may return an
// exit code; ctx is { command, json, values, args, out, env, cwd, stdin } (see cli.js).
// `readsOnly: true` marks a command that only reads: an explicit --home or --db folder that does
// not exist is then refused as a typo instead of becoming an empty cache.

const fs = require('node:fs')
const path = require('node:path')

const DIR = path.join(__dirname, '..', 'commands')

/** Throws when a definition lacks what help and dispatch need (a mistake in bin/commands/). */
function check(def, file) {
  const fail = (what) => {
    throw new Error(`bin/commands/${file}: ${what}`)
  }
  if (def.name !== path.basename(file, '.js')) fail(`name '${def.name}' is not the file's name`)
  if (typeof def.summary !== 'string' || !def.summary) fail('no summary')
  if (!Number.isFinite(def.order)) fail('no order')
  for (const [name, spec] of Object.entries(def.options || fail('no options'))) {
    if (!spec.description) fail(`option --${name} has no description`)
  }
  const runs = def.subcommands ? Object.values(def.subcommands) : [def]
  for (const r of runs) {
    if (!Array.isArray(r.args) || typeof r.run !== 'function') fail('each command needs args and run()')
    if (def.subcommands && !r.summary) fail('each subcommand needs a summary')
  }
  return def
}

let loaded
/** name -> definition, in help order. */
function commands() {
  if (!loaded) {
    const defs = fs
      .readdirSync(DIR)
      .filter((f) => f.endsWith('.js'))
      .map((f) => check(require(path.join(DIR, f)), f))
      .sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : 1))
    loaded = new Map(defs.map((d) => [d.name, d]))
  }
  return loaded
}

module.exports = { commands }
