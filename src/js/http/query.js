'use strict'
// Query parameters and JSON bodies, validated as FastAPI would (422 lists, Pydantic's booleans),
// and the values they become in Cache API calls.

const { HttpError, invalid } = require('./errors.js')

const MAX_BODY_BYTES = 1024 * 1024
/** The words of one of the addon's enums (`ArtifactType`, `ProjectStatus`), read once. */
const words = {}
function wordsOf(name) {
  words[name] ??= Object.values(require('../../../index.js')[name])
  return words[name]
}
/** The page a filter that nothing can match answers (an unknown type or status). */
const NO_MATCH = Object.freeze({ items: [], total: 0 })

/** The words Pydantic reads as booleans (queries, and bodies beside `true`/`false` and 1/0). */
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on', '1'])
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off', '0'])

/** `o` without its `undefined` fields (the Cache API rejects nothing for them, but keeps calls tidy). */
const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

class Query {
  constructor(params) {
    this.params = params
  }

  /** The parameter's value; when it is sent more than once, the last (as FastAPI reads it). */
  raw(name) {
    const all = this.params.getAll(name)
    return all.length === 0 ? undefined : all[all.length - 1]
  }

  int(name, { def, min, max }) {
    const v = this.raw(name)
    if (v === undefined) return def
    if (!/^[+-]?\d+$/.test(v.trim())) {
      throw invalid(['query', name], 'Input should be a valid integer, unable to parse string as an integer', 'int_parsing', v)
    }
    const n = Number(v.trim())
    if (min !== undefined && n < min) throw invalid(['query', name], `Input should be greater than or equal to ${min}`, 'greater_than_equal', v)
    if (max !== undefined && n > max) throw invalid(['query', name], `Input should be less than or equal to ${max}`, 'less_than_equal', v)
    return n
  }

  bool(name) {
    const v = this.raw(name)
    if (v === undefined) return undefined
    const s = v.trim().toLowerCase()
    if (TRUE_WORDS.has(s)) return true
    if (FALSE_WORDS.has(s)) return false
    throw invalid(['query', name], 'Input should be a valid boolean, unable to interpret input', 'bool_parsing', v)
  }

  /** A value from a fixed list (422 otherwise, as a FastAPI `Literal`/enum). */
  oneOf(name, allowed, def) {
    const v = this.raw(name)
    if (v === undefined) return def
    if (!allowed.includes(v)) {
      const list = allowed.map((a) => `'${a}'`)
      const msg = `Input should be ${list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)}` : list[0]}`
      throw invalid(['query', name], msg, 'literal_error', v)
    }
    return v
  }

  /** A free string (ids): length-capped, never used as a path. */
  string(name, { required = false, minLength = 0, maxLength = 1000 } = {}) {
    const v = this.raw(name)
    if (v === undefined) {
      if (required) throw invalid(['query', name], 'Field required', 'missing')
      return undefined
    }
    if (v.length < minLength) throw invalid(['query', name], `String should have at least ${minLength} character${minLength === 1 ? '' : 's'}`, 'string_too_short', v)
    if (v.length > maxLength) throw invalid(['query', name], `String should have at most ${maxLength} characters`, 'string_too_long', v)
    return v
  }

  /** `skip` (default 0, at most `skipMax`) and `limit` (default `def`, 1 to `max`). */
  page(def, max, skipMax = 1_000_000_000) {
    return {
      skip: this.int('skip', { def: 0, min: 0, max: skipMax }),
      limit: this.int('limit', { def, min: 1, max }),
    }
  }

  /**
   * The artifact type filter, a free string as in SkillMeat: empty = no filter; a type that does
   * not exist = `null`, a filter nothing matches (the route answers an empty page).
   */
  type(name = 'type') {
    return this.filter(name, () => wordsOf('ArtifactType'))
  }

  /** The project status filter: empty = no filter; a status that does not exist = `null`. */
  projectStatus(name = 'status') {
    return this.filter(name, () => wordsOf('ProjectStatus'))
  }

  /**
   * A filter by one of the values `known()` gives (asked only when one is sent): empty = no
   * filter (`undefined`); unknown = `null`.
   */
  filter(name, known) {
    const v = this.string(name, { maxLength: 100 })
    if (v === undefined || v === '') return undefined
    return known().includes(v) ? v : null
  }

  /** An id filter (`project_id`): empty = no filter. */
  id(name) {
    const v = this.string(name)
    return v === '' ? undefined : v
  }

  /** SkillMeat's sort_by parameters answer 400 (not 422) for a value they do not know. */
  sort(name, allowed, def) {
    const v = this.raw(name)
    if (v === undefined) return def
    if (!allowed.includes(v)) {
      throw new HttpError(400, `Invalid ${name} '${v}'. Must be one of: ${allowed.join(', ')}`)
    }
    return v
  }
}

// ---------------------------------------------------------------------------
// Bodies

/** Reads the body of `ex` (a web stream or a Node request: both are async iterables), at most 1 MB. */
async function readJson(ex) {
  const declared = Number(ex.header('content-length'))
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    throw new HttpError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes`)
  }
  let text = ''
  if (ex.body) {
    const chunks = []
    let size = 0
    for await (const chunk of ex.body) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      size += b.length
      if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes`)
      chunks.push(b)
    }
    text = Buffer.concat(chunks).toString('utf8')
  }
  if (text.trim() === '') return {}
  let body
  try {
    body = JSON.parse(text)
  } catch (e) {
    throw invalid(['body'], `JSON decode error: ${e.message}`, 'json_invalid')
  }
  if (body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(['body'], 'Input should be a valid dictionary or object', 'dict_type', body)
  }
  return body
}

function bodyString(body, name) {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw invalid(['body', name], 'Input should be a valid string', 'string_type', v)
  if (v.length > 1000) throw invalid(['body', name], 'String should have at most 1000 characters', 'string_too_long', v)
  return v
}

function bodyBool(body, name, def) {
  const v = body[name]
  if (v === undefined || v === null) return def
  if (typeof v === 'boolean') return v
  if (v === 1 || v === 0) return v === 1
  if (typeof v === 'string') {
    const w = v.trim().toLowerCase()
    if (TRUE_WORDS.has(w)) return true
    if (FALSE_WORDS.has(w)) return false
  }
  throw invalid(['body', name], 'Input should be a valid boolean', 'bool_type', v)
}

module.exports = { Query, readJson, bodyString, bodyBool, defined, NO_MATCH }
