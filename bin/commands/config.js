'use strict'

const path = require('node:path')
const { addon, resolveHome, withCache } = require('../lib/cache.js')
const { usage } = require('../lib/errors.js')
const { formatValue, toCamel, toSnake } = require('../lib/format.js')
const { PROG } = require('../lib/program.js')

/**
 * The configuration key named `raw` (snake_case, camelCase, or kebab-case as SkillMeat's own
 * `skillmeat config` keys are written); a usage error for others.
 */
function configKey(raw) {
  const keys = addon().configKeys()
  const found = keys.find((k) => k.key === toSnake(String(raw).replace(/-/g, '_')))
  if (!found) throw usage(`unknown key '${raw}'; known keys: ${keys.map((k) => k.key).join(', ')}`)
  return found
}

/** The key names, wrapped for help (or where to find them when the addon cannot load). */
function keyList() {
  let names
  try {
    names = addon().configKeys().map((k) => k.key)
  } catch {
    return '  (the list needs the native addon; see docs/configuration.md)'
  }
  const lines = ['']
  for (const n of names) {
    const last = lines.length - 1
    if (lines[last].length + n.length + 2 > 78 && lines[last] !== '') lines.push('')
    lines[lines.length - 1] += lines[lines.length - 1] === '' ? `  ${n}` : `, ${n}`
  }
  return lines.join(',\n')
}

function configEntries(status, keys) {
  return keys.map((k) => {
    const e = status.config[toCamel(k.key)] || {}
    return { key: k.key, env: k.env, default: k.defaultValue, value: e.value ?? null, source: e.source ?? null }
  })
}

/**
 * The GitHub token's row of `config list`: which place supplied it (an environment variable or
 * SkillMeat's own config.toml [settings] github-token), never the token.
 */
function tokenEntry(status) {
  const t = status.config.githubToken || {}
  return {
    key: 'github-token',
    env: 'SKILLMEAT_GITHUB_TOKEN, GITHUB_TOKEN',
    default: null,
    value: t.value ?? null,
    source: t.source ?? 'default',
    from: t.from ?? null,
  }
}

const configFile = (ctx) => path.join(resolveHome(ctx.values, ctx.env), 'config.toml')

/** Reads the resolved configuration through the cache, with a hint when the file is bad. */
async function resolvedConfig(ctx, keys) {
  try {
    return await withCache(ctx.values, (cache) => configEntries(cache.status(), keys))
  } catch (e) {
    if (e && e.code === 'CONFIG_INVALID' && !ctx.json) {
      let parses = true
      try {
        addon().configFileValues(ctx.values.home)
      } catch {
        parses = false
      }
      // `config unset` can repair a value of the wrong type, not a file that does not parse.
      e.hint = parses
        ? `fix ${configFile(ctx)}, or remove the bad key with '${PROG} config unset KEY'`
        : `fix the syntax of ${configFile(ctx)}`
    }
    throw e
  }
}

/** What shadows the value just written to the file (--db or the environment), or null. */
function overrideNote(ctx, k) {
  if (k.key === 'path' && ctx.values.db !== undefined) return '--db'
  const env = ctx.env[k.env]
  if (env !== undefined && env.trim() !== '') return `the environment variable ${k.env}`
  return null
}

async function list(ctx) {
  const { out } = ctx
  const st = out.style
  const entries = await resolvedConfig(ctx, addon().configKeys())
  const token = await withCache(ctx.values, (cache) => tokenEntry(cache.status()))
  entries.push(token)
  if (ctx.json) return out.json(entries)
  out.table(
    [
      { header: 'KEY', fixed: true, style: (t) => st.bold(t) },
      { header: 'VALUE', flex: 'end' },
      { header: 'SOURCE', fixed: true, style: (t) => (t === 'default' ? st.dim(t) : t) },
      { header: 'ENV', flex: 'end', min: 6, style: (t) => st.dim(t) },
    ],
    entries.map((e) => [e.key, formatValue(e.value), e.source, e.env]),
  )
  out.line(
    st.dim(
      token.from
        ? `github-token from ${token.from}`
        : "github-token: none (set SKILLMEAT_GITHUB_TOKEN, or github-token in [settings] of SkillMeat's config.toml)",
    ),
  )
}

async function get(ctx) {
  const [entry] = await resolvedConfig(ctx, [configKey(ctx.args[0])])
  if (ctx.json) return ctx.out.json(entry)
  ctx.out.line(`${formatValue(entry.value)} ${ctx.out.style.dim(`(${entry.source})`)}`)
}

/** set (with a value) and unset (value null): writes <home>/config.toml [cache]. */
async function write(ctx, value) {
  const { out } = ctx
  const k = configKey(ctx.args[0])
  if (value !== null && value.trim() === '') {
    throw usage(`VALUE must not be empty; use '${PROG} config unset ${k.key}' to remove the key`)
  }
  const home = ctx.values.home
  addon().configSet(k.key, value, home)
  let written = null
  if (value !== null) {
    try {
      written = addon().configFileValues(home)[k.key] ?? value
    } catch {
      written = value
    }
  }
  const file = configFile(ctx)
  if (ctx.json) return out.json({ key: k.key, value: written, file })
  out.line(value !== null ? `Set ${k.key} = ${formatValue(written)} in ${file}` : `Removed ${k.key} from ${file}`)
  const by = overrideNote(ctx, k)
  if (by) out.warn(`${by} overrides ${k.key} from the file`)
}

module.exports = {
  name: 'config',
  order: 160,
  summary: 'Show and change the settings of <home>/config.toml [cache]',
  // The key list comes from the addon's table (configKeys()), the one place keys are declared.
  get description() {
    return `
Keys (as written in <home>/config.toml [cache]; camelCase and kebab-case names are accepted too):
${keyList()}
'list' and 'get' show the value in force and its source: option (--db), env,
file or default. An environment variable overrides the file.
project_roots takes a list separated by ',' or ':'.
'list' ends with github-token: which place supplies the GitHub token
(SKILLMEAT_GITHUB_TOKEN, GITHUB_TOKEN, then SkillMeat's own <home>/config.toml
[settings] github-token), never the token itself.
--json: list prints [{key, env, default, value, source}, ...]; get prints one
such object; set/unset print {key, value, file} (value as written, null when
removed).`
  },
  options: {},
  subcommands: {
    list: { summary: 'Every setting with its value and where it came from', args: [], run: list },
    get: { summary: 'One setting', args: ['KEY'], run: get },
    set: { summary: 'Write KEY to <home>/config.toml [cache]', args: ['KEY', 'VALUE'], run: (ctx) => write(ctx, ctx.args[1]) },
    unset: { summary: 'Remove KEY from <home>/config.toml [cache]', args: ['KEY'], run: (ctx) => write(ctx, null) },
  },
}
