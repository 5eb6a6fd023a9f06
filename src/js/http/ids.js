'use strict'
// Project ids: SkillMeat's (the base64 path) and the cache's, translated both ways.

/** SkillMeat's id of a project (its `encode_project_id`): the path, base64-encoded. */
function pathId(path) {
  return Buffer.from(path, 'utf8').toString('base64')
}

/** The path a SkillMeat project id names, or `null` when `id` is not one. */
function pathOfId(id) {
  if (!id || id.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(id)) return null
  const path = Buffer.from(id, 'base64').toString('utf8')
  return pathId(path) === id ? path : null
}

/** Every project of `cache`, all pages. */
function allProjects(cache) {
  const items = []
  for (;;) {
    const page = cache.listProjects({ offset: items.length, limit: 10_000 })
    items.push(...page.items)
    if (page.items.length === 0 || items.length >= page.total) return items
  }
}

const INDEXES = new WeakMap()

/**
 * The other id of a project (`map`: 'bySkillmeatId' or 'byCacheId'), from each project's cache
 * id and SkillMeat id, both ways. A project's two ids never change (both come from its path), so
 * the index is rebuilt only for an id it lacks, and at most once per data generation.
 */
function otherId(cache, map, id) {
  let ix = INDEXES.get(cache)
  let found = ix && ix[map].get(id)
  if (found === undefined) {
    const generation = cache.generation()
    if (!ix || ix.generation !== generation) {
      ix = { generation, bySkillmeatId: new Map(), byCacheId: new Map() }
      for (const p of allProjects(cache)) {
        const key = pathId(p.path)
        ix.bySkillmeatId.set(key, p.id)
        ix.byCacheId.set(p.id, key)
      }
      INDEXES.set(cache, ix)
      found = ix[map].get(id)
    }
  }
  return found
}

/**
 * The cache id of a project id a client sent: the cache's own (`/cache/*` answers carry it), or
 * SkillMeat's (the base64 path `/projects` answers carry). Other ids stay as sent: no project
 * has them. Never read as a path: an id is only looked up among the cached projects.
 */
function projectIdOf(cache, id) {
  if (id === undefined || pathOfId(id) === null) return id
  return otherId(cache, 'bySkillmeatId', id) ?? id
}

/**
 * SkillMeat's id (the base64 path) of the project whose cache id is `cacheId`: what every answer
 * names a project by. `cacheId` itself when no cached project has it.
 */
function skillmeatIdOf(cache, cacheId) {
  const key = otherId(cache, 'byCacheId', cacheId)
  if (key !== undefined) return key
  const p = cache.getProject(cacheId)
  return p ? pathId(p.path) : cacheId
}

// ---------------------------------------------------------------------------
// SkillMeat's `decode_project_id`, as Python runs it

const B64 = new Int8Array(256).fill(-1)
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (B64[c.charCodeAt(0)] = i))

/**
 * Python's `base64.b64decode(data)` (binascii's lenient mode): characters outside the alphabet
 * are skipped, a complete pad ends the input; `{ bytes }`, or `{ error }` with binascii's message.
 */
function pyB64Decode(data) {
  const out = []
  let quad = 0
  let left = 0
  let pads = 0
  for (const c of data) {
    if (c === 0x3d) {
      if (quad >= 2 && quad + ++pads >= 4) return { bytes: Buffer.from(out) }
      continue
    }
    const v = B64[c]
    if (v < 0) continue
    pads = 0
    if (quad === 0) {
      left = v
      quad = 1
    } else if (quad === 1) {
      out.push(((left << 2) | (v >> 4)) & 0xff)
      left = v & 0x0f
      quad = 2
    } else if (quad === 2) {
      out.push(((left << 4) | (v >> 2)) & 0xff)
      left = v & 0x03
      quad = 3
    } else {
      out.push(((left << 6) | v) & 0xff)
      quad = 0
    }
  }
  if (quad === 1) {
    const n = Math.floor(out.length / 3) * 4 + 1
    return { error: `Invalid base64-encoded string: number of data characters (${n}) cannot be 1 more than a multiple of 4` }
  }
  if (quad !== 0) return { error: 'Incorrect padding' }
  return { bytes: Buffer.from(out) }
}

const cont = (b) => b >= 0x80 && b <= 0xbf

/**
 * Python's `bytes.decode()` (UTF-8, strict): `{ text }`, or `{ error }` with the message of its
 * UnicodeDecodeError for the first bad sequence (CPython's ranges and reasons).
 */
function pyUtf8Decode(b) {
  const fail = (start, end, reason) => ({
    error:
      end === start + 1
        ? `'utf-8' codec can't decode byte 0x${b[start].toString(16).padStart(2, '0')} in position ${start}: ${reason}`
        : `'utf-8' codec can't decode bytes in position ${start}-${end - 1}: ${reason}`,
  })
  let i = 0
  const n = b.length
  while (i < n) {
    const c = b[i]
    if (c < 0x80) {
      i++
      continue
    }
    if (c < 0xc2 || c > 0xf4) return fail(i, i + 1, 'invalid start byte')
    const need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4
    // The second byte's range: narrower after E0, ED, F0 and F4 (no overlongs, surrogates or
    // code points past U+10FFFF).
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf
    if (i + 1 >= n) return fail(i, n, 'unexpected end of data')
    if (b[i + 1] < lo || b[i + 1] > hi) return fail(i, i + 1, 'invalid continuation byte')
    for (let k = 2; k < need; k++) {
      if (i + k >= n) return fail(i, n, 'unexpected end of data')
      if (!cont(b[i + k])) return fail(i, i + k, 'invalid continuation byte')
    }
    i += need
  }
  return { text: b.toString('utf8') }
}

/**
 * What SkillMeat's `decode_project_id(id)` gives: `{ path }` (the decoded text, whatever it
 * names), or `{ error }`, the detail of its 400 (`Invalid project ID format: …`, Python's own
 * message).
 */
function decodeProjectId(id) {
  const d = pyB64Decode(Buffer.from(id, 'utf8'))
  const t = d.error === undefined ? pyUtf8Decode(d.bytes) : d
  return t.error === undefined ? { path: t.text } : { error: `Invalid project ID format: ${t.error}` }
}

/** `str(pathlib.PurePosixPath(p))`: repeated and trailing slashes and `.` parts dropped. */
function pathlibStr(p) {
  const lead = p.length - p.replace(/^\/+/, '').length
  const root = lead === 0 ? '' : lead === 2 ? '//' : '/'
  const parts = p.split('/').filter((x) => x !== '' && x !== '.')
  return root + parts.join('/') || '.'
}

/** `pathlib.PurePosixPath(p).name`: the last part ('' for a root or `.`). */
function pathlibName(p) {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.')
  return parts.length ? parts[parts.length - 1] : ''
}

module.exports = {
  pathId,
  pathOfId,
  allProjects,
  otherId,
  projectIdOf,
  skillmeatIdOf,
  pyB64Decode,
  pyUtf8Decode,
  decodeProjectId,
  pathlibStr,
  pathlibName,
}
