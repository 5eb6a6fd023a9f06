'use strict'
// @skillmeat/cache/http: SkillMeat's /api/v1 cache routes as one framework-neutral handler on
// web-standard Request/Response. Routing, validation and JSON shaping live here; every answer
// comes from the Cache API (no SQL, no file access). The wire contract is SkillMeat's own:
// snake_case JSON, `{detail}` errors, FastAPI's 422 validation lists.

const crypto = require('node:crypto')

const MAX_BODY_BYTES = 1024 * 1024
const ARTIFACT_TYPES = ['skill', 'command', 'agent', 'hook', 'mcp']
/** The most hits a search ranks (the `skip` bound of `/cache/search`). */
const SEARCH_MAX_HITS = 10_000
/** The page a filter that nothing can match answers (an unknown type or status). */
const NO_MATCH = Object.freeze({ items: [], total: 0 })

/** An error answered as `{ detail }` with this status (and `code` when it came from the cache). */
class HttpError extends Error {
  constructor(status, detail, { code, headers } = {}) {
    super(typeof detail === 'string' ? detail : 'validation error')
    this.status = status
    this.detail = detail
    this.code = code
    this.headers = headers
  }
}

/** FastAPI's 422: `[{ loc, msg, type }]`. */
function invalid(loc, msg, type, input) {
  const item = { loc, msg, type }
  if (input !== undefined) item.input = input
  return new HttpError(422, [item])
}

// Cache error codes → HTTP status. Anything unknown is a 500 (never for client input: every
// client-controlled value is validated before it reaches the cache).
const STATUS_BY_CODE = {
  INVALID_ARGUMENT: 422,
  NOT_FOUND: 404,
  CACHE_CLOSED: 503,
  CACHE_BUSY: 503,
  CACHE_DISK_FULL: 507,
  CACHE_READONLY: 503,
  CACHE_FOREIGN: 500,
  CONFIG_INVALID: 500,
}

/** The words Pydantic reads as booleans (queries, and bodies beside `true`/`false` and 1/0). */
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on', '1'])
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off', '0'])

/** `o` without its `undefined` fields (the Cache API rejects nothing for them, but keeps calls tidy). */
const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

const iso = (ms) => (typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString() : null)

// ---------------------------------------------------------------------------
// Query parameters, validated as FastAPI would

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
    return this.filter(name, ARTIFACT_TYPES)
  }

  /** A filter by one of `known` values: empty = no filter (`undefined`); unknown = `null`. */
  filter(name, known) {
    const v = this.string(name, { maxLength: 100 })
    if (v === undefined || v === '') return undefined
    return known.includes(v) ? v : null
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

// ---------------------------------------------------------------------------
// Shapes

const DIFF_WORDS = {
  major: 'major version upgrade',
  minor: 'minor version upgrade',
  patch: 'patch version upgrade',
  prerelease: 'pre-release update',
  commit: 'new commit',
  content: 'content changed upstream',
}

/** SkillMeat's human `version_difference`, e.g. `minor version upgrade (1.0.0 -> 1.1.0)`. */
function versionDifference(a) {
  if (!a.isOutdated) return null
  const kind = DIFF_WORDS[a.versionDiff] || 'update available'
  const short = (s) => (s && /^[0-9a-f]{40}$/i.test(s) ? s.slice(0, 7) : s)
  const from = a.deployedVersion || short(a.deployedSha)
  const to = a.upstreamVersion || short(a.upstreamSha)
  if (a.versionDiff === 'content') return from ? `${kind} (same version ${from})` : kind
  return from && to ? `${kind} (${from} -> ${to})` : to ? `${kind} (-> ${to})` : kind
}

/**
 * The version of what is in the project, as SkillMeat's `deployed_version`: the one its
 * deployment recorded, else (an artifact made in the project, or a record without a version)
 * the `version` of its own frontmatter.
 */
function deployedVersion(a) {
  return a.deployedVersion ?? a.version ?? null
}

function artifactRow(a) {
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    project_id: a.projectId,
    deployed_version: deployedVersion(a),
    upstream_version: a.upstreamVersion ?? null,
    is_outdated: a.isOutdated,
    // Added by this package: what a projects page shows without a second request per row.
    project_name: a.projectName,
    version_difference: versionDifference(a),
    difference: a.versionDiff ?? null,
    deployed_sha: a.deployedSha ?? null,
    upstream_sha: a.upstreamSha ?? null,
    origin: a.origin,
    source: a.source ?? null,
    description: a.description ?? null,
    modified_at: iso(a.modifiedAt),
    health: a.health,
    problems: a.problems.map(problemRow),
  }
}

function problemRow(p) {
  return { code: p.code, severity: p.severity, file: p.file, line: p.line ?? null, column: p.column ?? null, message: p.message, fix: p.fix }
}

function staleRow(a) {
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    project_name: a.projectName,
    project_id: a.projectId,
    deployed_version: deployedVersion(a),
    upstream_version: a.upstreamVersion ?? null,
    version_difference: versionDifference(a),
    // Added by this package: the bare kind, the commits and the age of the answer.
    difference: a.versionDiff ?? null,
    deployed_sha: a.deployedSha ?? null,
    upstream_sha: a.upstreamSha ?? null,
    upstream_origin: a.upstreamOrigin ?? null,
    upstream_checked_at: iso(a.upstreamCheckedAt),
    health: a.health,
  }
}

function artifactDetail(a) {
  return {
    ...artifactRow(a),
    project_name: a.projectName,
    display_name: a.displayName,
    path: a.path,
    profile: a.profile,
    description: a.description ?? null,
    version: a.version ?? null,
    author: a.author ?? null,
    license: a.license ?? null,
    tags: a.tags,
    tools: a.tools,
    origin: a.origin,
    source: a.source ?? null,
    version_spec: a.versionSpec ?? null,
    from_collection: a.fromCollection ?? null,
    deployed_at: a.deployedAt ?? null,
    deployed_sha: a.deployedSha ?? null,
    local_modified: a.localModified,
    upstream_sha: a.upstreamSha ?? null,
    upstream_origin: a.upstreamOrigin ?? null,
    upstream_checked_at: iso(a.upstreamCheckedAt),
    upstream_error: a.upstreamError ?? null,
    version_difference: versionDifference(a),
    difference: a.versionDiff ?? null,
    status: a.status,
    error: a.error ?? null,
    health: a.health,
    size_bytes: a.sizeBytes,
    file_count: a.fileCount,
    modified_at: iso(a.modifiedAt),
    scanned_at: iso(a.scannedAt),
  }
}

function projectRow(p) {
  return {
    id: p.id,
    name: p.name,
    path: p.path,
    status: p.status,
    last_fetched: iso(p.scannedAt),
    artifact_count: p.artifactCount,
  }
}

function projectDetail(p) {
  return {
    ...projectRow(p),
    description: p.description ?? null,
    error: p.error ?? null,
    errors: p.errors.map((e) => ({ file: e.file, line: e.line ?? null, reason: e.reason })),
    origin: p.origin,
    profiles: p.profiles,
    error_count: p.errorCount,
    modified_count: p.modifiedCount,
    outdated_count: p.outdatedCount,
    deployment_count: p.deployedCount,
    last_deployment: p.lastDeployedAt ?? null,
    registered_at: iso(p.registeredAt),
    updated_at: iso(p.updatedAt),
    age_seconds: Math.round(p.ageMs / 1000),
  }
}

/** A web address for a marketplace entry's `origin`: a URL as it is, `owner/repo/…` on GitHub. */
function originUrl(origin) {
  if (!origin) return null
  if (/^https?:\/\//i.test(origin)) return origin
  const m = /^([A-Za-z0-9][\w.-]*)\/([\w.-]+)(?:[/@]|$)/.exec(origin)
  return m && !origin.startsWith('.') ? `https://github.com/${m[1]}/${m[2].replace(/\.git$/, '')}` : null
}

// ---------------------------------------------------------------------------
// Project ids

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

// ---------------------------------------------------------------------------
// Freshness


/** How far ahead of this clock a refresh time may be and still be trusted (the core's CLOCK_SKEW_MS). */
const CLOCK_SKEW_MS = 60_000

/**
 * The data generation, the last refresh, its age, and whether it is within the TTL (`hit`). A
 * refresh dated further ahead than the clock allows happened before the clock moved backwards:
 * age 0, not a hit.
 */
function freshness(cache) {
  const f = cache.freshness()
  const last = f.lastRefreshAt ?? null
  const now = Date.now()
  const ageMs = last ? Math.max(0, now - last) : null
  const ahead = last !== null && last - now > CLOCK_SKEW_MS
  return { generation: f.generation, last, now, ageMs, ttl: f.ttlMs, hit: ageMs !== null && !ahead && ageMs < f.ttlMs }
}

/**
 * The ETag of a GET answer: the data generation, and the clock for answers that carry ages
 * (`kind` 'clock': the second; 'data': the minute, since projects turn stale as time passes).
 */
function etagOf(kind, f) {
  const clock = kind === 'clock' ? `-t${Math.floor(f.now / 1000)}` : `-m${Math.floor(f.now / 60_000)}`
  return `W/"g${f.generation}${clock}"`
}

/**
 * The headers every GET answer carries; list routes add `X-Cache-Hit` and `X-Cache-Age`, and
 * `/projects` SkillMeat's `X-Cache-Last-Fetched` (304s included).
 */
function getHeaders(route, tag, f) {
  const headers = { 'cache-control': 'no-cache', etag: tag }
  if (route.list) {
    headers['x-cache-hit'] = f.hit ? 'hit' : 'miss'
    headers['x-cache-age'] = f.ageMs === null ? '' : String(Math.floor(f.ageMs / 1000))
  }
  if (route.lastFetched) headers['x-cache-last-fetched'] = iso(f.last) || ''
  return headers
}

// ---------------------------------------------------------------------------
// Routes

/**
 * Route table: `path` segments (`:id` matches one segment), method → handler. A handler gets
 * `{ cache, query, params, ex, fresh, refresh }` (`ex`: the request, see `dispatch`; `fresh`: the
 * request's {@link freshness}, for GETs; `refresh`: scan before answering, for `refreshable`
 * routes) and returns `{ body, headers? , status? }`; GET handlers declare `etag: 'data' |
 * 'clock'` (clock: the answer carries ages, so the ETag also moves each second), `list` (list
 * headers), `refreshable` (takes `refresh=true`) and `lastFetched` (`X-Cache-Last-Fetched`).
 */
const ROUTES = [
  {
    path: ['cache', 'status'],
    GET: {
      etag: 'clock',
      run({ cache }) {
        const st = cache.status()
        const oldest = cache.listProjects({ sortBy: 'scanned', order: 'asc', limit: 1 }).items[0]
        const newest = cache.listProjects({ sortBy: 'scanned', order: 'desc', limit: 1 }).items[0]
        return {
          body: {
            total_projects: st.projects,
            total_artifacts: st.artifacts,
            stale_projects: st.projectsByStatus.stale || 0,
            outdated_artifacts: st.outdatedArtifacts,
            cache_size_bytes: st.sizeBytes,
            oldest_entry: oldest ? iso(oldest.scannedAt) : null,
            newest_entry: newest ? iso(newest.scannedAt) : null,
            last_refresh: st.lastRefresh ? iso(st.lastRefresh.finishedAt) : null,
            refresh_job_status: {
              is_running: st.background.state === 'running',
              next_run_time: iso(st.background.nextRefreshAt),
              last_run_time: iso(st.background.lastRefreshAt ?? (st.lastRefresh && st.lastRefresh.finishedAt)),
            },
            // Added by this package.
            artifacts_by_health: st.artifactsByHealth,
            mode: st.mode,
            warnings: st.warnings.map((w) => ({ code: w.code, message: w.message })),
            error_artifacts: st.artifactErrors,
            modified_artifacts: st.modifiedArtifacts,
          },
        }
      },
    },
  },
  {
    path: ['cache', 'refresh'],
    POST: {
      async run({ cache, ex }) {
        const s = await refreshFromBody(cache, ex)
        const changes = s.projectsChanged + s.artifactsAdded + s.artifactsUpdated + s.artifactsRemoved
        const o = refreshOutcome(s)
        return {
          body: {
            success: o.success,
            projects_refreshed: s.projectsScanned,
            changes_detected: changes > 0,
            errors: o.errors,
            duration_seconds: s.durationMs / 1000,
            message: o.message,
            // Added by this package.
            problems: o.problems,
            summary: refreshStats(s),
          },
        }
      },
    },
  },
  {
    path: ['cache', 'projects'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        const status = query.filter('status', ['active', 'stale', 'error', 'missing'])
        const { skip, limit } = query.page(100, 500)
        const page = status === null ? NO_MATCH : cache.listProjects(defined({ status, offset: skip, limit }))
        return { body: { items: page.items.map(projectRow), total: page.total, skip, limit } }
      },
    },
  },
  {
    path: ['cache', 'projects', ':id'],
    GET: {
      etag: 'data',
      run({ cache, params }) {
        const p = cache.getProject(projectIdOf(cache, params.id))
        if (!p) throw new HttpError(404, `Project '${shortId(params.id)}' not found`)
        return { body: projectDetail(p) }
      },
    },
  },
  {
    path: ['cache', 'artifacts'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        const projectId = projectIdOf(cache, query.id('project_id'))
        const type = query.type()
        const outdated = query.bool('is_outdated')
        const origin = query.oneOf('origin', ['local', 'collection', 'marketplace'], undefined)
        const status = query.oneOf('status', ['ok', 'error'], undefined)
        const health = query.oneOf('health', ['ok', 'degraded', 'broken'], undefined)
        const { skip, limit } = query.page(100, 500)
        const page = type === null ? NO_MATCH : cache.listArtifacts(defined({ projectId, type, outdated, origin, status, health, offset: skip, limit }))
        return { body: { items: page.items.map(artifactRow), total: page.total, skip, limit } }
      },
    },
  },
  {
    path: ['cache', 'artifacts', ':id'],
    GET: {
      etag: 'data',
      run({ cache, params }) {
        const a = cache.getArtifact(params.id)
        if (!a) throw new HttpError(404, `Artifact '${shortId(params.id)}' not found`)
        return { body: artifactDetail(a) }
      },
    },
  },
  {
    path: ['cache', 'stale-artifacts'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        const type = query.type()
        const projectId = projectIdOf(cache, query.id('project_id'))
        const sortBy = query.sort('sort_by', ['name', 'type', 'project', 'version_diff'], 'name')
        // As SkillMeat: `desc` in any case is descending, anything else ascending.
        const desc = (query.raw('sort_order') || '').toLowerCase() === 'desc'
        const { skip, limit } = query.page(100, 500)
        // SkillMeat sorts `version_diff` by its text, which puts "major …" first when ascending:
        // ascending is most severe first (the cache ranks severity, highest = most severe).
        const order = sortBy === 'version_diff' ? (desc ? 'asc' : 'desc') : desc ? 'desc' : 'asc'
        const page =
          type === null
            ? NO_MATCH
            : cache.outdatedArtifacts(defined({ type, projectId, sortBy: sortBy === 'version_diff' ? 'versionDiff' : sortBy, order, offset: skip, limit }))
        return { body: { items: page.items.map(staleRow), total: page.total, skip, limit } }
      },
    },
  },
  {
    path: ['cache', 'search'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        const q = query.string('query', { required: true, minLength: 1 })
        const projectId = projectIdOf(cache, query.id('project_id'))
        const type = query.type()
        const { skip, limit } = query.page(50, 200)
        const sortBy = query.sort('sort_by', ['relevance', 'name', 'type', 'updated'], 'relevance')
        const outdated = query.bool('is_outdated')
        const health = query.oneOf('health', ['ok', 'degraded', 'broken'], undefined)
        const base = defined({ kind: 'artifact', projectId, type, outdated, health })
        let items
        let total
        if (type === null || q.trim() === '') {
          // Nothing to match: an unknown type, or a query of spaces only (which names nothing;
          // the cache's own blank query would list everything).
          total = 0
          items = []
        } else if (skip >= SEARCH_MAX_HITS) {
          // Past the hits any page can reach (SkillMeat has no bound): an empty page, the total.
          total = cache.search(q, { ...base, offset: 0, limit: 1 }).total
          items = []
        } else if (sortBy === 'type') {
          // The index sorts by relevance, name or time; by type, every hit is sorted here (each
          // page must come from the same order), by relevance within a type.
          const all = cache.search(q, { ...base, offset: 0, limit: SEARCH_MAX_HITS })
          total = all.total
          items = all.items
            .map((h, i) => [h, i])
            .sort((a, b) => (a[0].type < b[0].type ? -1 : a[0].type > b[0].type ? 1 : a[1] - b[1]))
            .map(([h]) => h)
            .slice(skip, skip + limit)
        } else {
          const order = sortBy === 'updated' ? 'desc' : 'asc'
          const r = cache.search(q, defined({ ...base, sortBy, order: sortBy === 'relevance' ? undefined : order, offset: skip, limit }))
          total = r.total
          items = r.items
        }
        return {
          body: {
            items: items.map((h) => ({ id: h.id, name: h.name, type: h.type, project_id: h.projectId, project_name: h.projectName, score: h.score })),
            total,
            query: q,
            skip,
            limit,
          },
        }
      },
    },
  },
  {
    path: ['cache', 'invalidate'],
    POST: {
      async run({ cache, ex }) {
        const body = await readJson(ex)
        const sent = bodyString(body, 'project_id') || undefined
        const projectId = projectIdOf(cache, sent)
        if (projectId !== undefined && !cache.getProject(projectId)) {
          throw new HttpError(404, `Project '${shortId(sent)}' not found in cache`)
        }
        const n = cache.invalidate(projectId)
        return {
          body: {
            success: true,
            invalidated_count: n,
            message: projectId ? `Invalidated project ${projectId}` : `Invalidated ${n} project${n === 1 ? '' : 's'}`,
          },
        }
      },
    },
  },
  {
    path: ['cache', 'marketplace'],
    GET: {
      etag: 'data',
      list: true,
      run({ cache, query }) {
        // An empty type is no filter, as in SkillMeat (`if type_filter:`).
        const type = query.string('type', { maxLength: 100 }) || undefined
        const { skip, limit } = query.page(100, 500)
        const sources = cache.marketplaceSources()
        const fetched = Object.fromEntries(sources.map((s) => [s.name, s.fetchedAt]))
        const listedAt = Object.fromEntries(sources.map((s) => [s.name, s.url]))
        const page = cache.marketplaceEntries(defined({ type, offset: skip, limit }))
        const items = page.items.map((e) => {
          let data = null
          try {
            data = JSON.parse(e.raw)
          } catch {
            data = null
          }
          return {
            id: e.id,
            name: e.name,
            type: e.type,
            // SkillMeat's `url` is always a string: the homepage, else where it is published,
            // else the marketplace listing it.
            url: e.homepage ?? originUrl(e.origin) ?? listedAt[e.source] ?? '',
            description: e.description ?? null,
            cached_at: iso(fetched[e.source]),
            data,
            // Added by this package.
            source: e.source,
            version: e.version ?? null,
            update_available: e.updateAvailable,
            stale: e.stale,
          }
        })
        return { body: { items, total: page.total, skip, limit } }
      },
    },
  },
  {
    path: ['cache', 'events'],
    GET: {
      stream: true,
      run({ cache, ex, streams }) {
        return eventStream(cache, ex.signal, streams)
      },
    },
  },
  {
    path: ['projects'],
    GET: {
      etag: 'data',
      list: true,
      refreshable: true,
      lastFetched: true,
      async run({ cache, query, fresh, refresh }) {
        const limit = query.int('limit', { def: 20, min: 1, max: 100 })
        const after = query.string('after', { maxLength: 10_000 })
        if (refresh) await cache.refresh({})
        const { last, hit, ttl } = refresh ? freshness(cache) : fresh
        // As SkillMeat: the latest deployment first (by instant), never-deployed projects last.
        const when = (p) => {
          const t = p.lastDeployedAt ? Date.parse(p.lastDeployedAt) : NaN
          return Number.isNaN(t) ? -Infinity : t
        }
        const all = allProjects(cache)
          .map((p) => [p, when(p)])
          .sort((a, b) => (a[1] === b[1] ? (a[0].name < b[0].name ? -1 : a[0].name > b[0].name ? 1 : 0) : b[1] - a[1]))
          .map(([p]) => p)
        // SkillMeat's cursors are project ids (a page starts after the project named); an
        // empty one is the first page.
        let start = 0
        if (after) {
          const path = pathOfId(after)
          if (path === null) throw new HttpError(400, 'Invalid cursor format')
          const i = all.findIndex((p) => p.path === path)
          if (i < 0) throw new HttpError(400, 'Invalid cursor: project not found')
          start = i + 1
        }
        const page = all.slice(start, start + limit)
        const items = page.map((p) => ({
          // SkillMeat's id (the base64 path): what its project pages and `/projects/{id}` take.
          id: pathId(p.path),
          path: p.path,
          name: p.name,
          // As SkillMeat: entries of the project's deployment manifests, and the latest of their dates.
          deployment_count: p.deployedCount,
          last_deployment: p.lastDeployedAt ?? null,
          // Added by this package: the id `/cache/*` answers and events use (either id is
          // accepted everywhere), and counts a projects list shows without the artifact list.
          cache_id: p.id,
          artifact_count: p.artifactCount,
          outdated_count: p.outdatedCount,
          updated_at: iso(p.updatedAt),
          cache_info: { cache_hit: !refresh && hit, last_fetched: iso(p.scannedAt), is_stale: p.status === 'stale' || p.ageMs >= ttl },
        }))
        return {
          headers: refresh ? { 'x-cache-last-fetched': iso(last) || '', 'x-cache-hit': 'miss' } : {},
          body: {
            items,
            page_info: {
              has_next_page: start + limit < all.length,
              has_previous_page: start > 0,
              start_cursor: items.length ? items[0].id : null,
              end_cursor: items.length ? items[items.length - 1].id : null,
              total_count: all.length,
            },
          },
        }
      },
    },
  },
  {
    path: ['projects', 'cache', 'refresh'],
    POST: {
      async run({ cache, ex }) {
        const s = await refreshFromBody(cache, ex)
        const o = refreshOutcome(s)
        return {
          body: {
            success: o.success,
            message: o.message,
            // SkillMeat's `stats` is the `/projects/cache/stats` body; what the refresh did is
            // added beside it.
            stats: { ...cacheStats(cache, freshness(cache)), ...refreshStats(s) },
          },
        }
      },
    },
  },
  {
    path: ['projects', 'cache', 'stats'],
    GET: {
      etag: 'clock',
      run({ cache, fresh }) {
        return { body: cacheStats(cache, fresh) }
      },
    },
  },
]

// ---------------------------------------------------------------------------
// Live events (Server-Sent Events)

const HEARTBEAT_MS = 15_000
const GENERATION_POLL_MS = 250
/** Events after which this process's own write is already described to clients. */
const LOCAL_DATA_EVENTS = new Set(['changesDetected', 'refreshCompleted', 'invalidated'])

/**
 * `GET /cache/events`: every event of the cache (refreshStarted, refreshCompleted,
 * changesDetected, invalidated, watcherDegraded, …) as `event: <type>` with the event as JSON,
 * plus `dataChanged` whenever the data generation moves, which is how writes by another process
 * on the same database (the CLI, a second server) show up, within a poll interval. Heartbeat
 * comments keep proxies from closing the stream; it ends when the client goes away.
 */
function eventStream(cache, signal, streams) {
  const enc = new TextEncoder()
  let cleanup = () => {}
  const body = new ReadableStream({
    start(controller) {
      let open = true
      let generation = cache.generation()
      const send = (text) => {
        if (!open) return
        try {
          controller.enqueue(enc.encode(text))
        } catch {
          cleanup()
        }
      }
      const event = (type, data, id) => send(`${id !== undefined ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`)
      // A change this process made is announced by its own event (changesDetected names the
      // project); the generation it moved to is remembered so the poll does not announce it
      // again as a `dataChanged` (which clients treat as "anything may have changed").
      let announced = null
      const off = cache.onEvent((e) => {
        // The project's SkillMeat id beside the cache's, for pages that keyed their queries by
        // the `/projects` ids.
        if (typeof e.projectId === 'string') {
          try {
            const key = otherId(cache, 'byCacheId', e.projectId)
            if (key) e = { ...e, projectKey: key }
          } catch {
            // the cache is closing: the event goes as it is
          }
        }
        if (LOCAL_DATA_EVENTS.has(e.type)) {
          try {
            announced = cache.generation()
          } catch {
            announced = null
          }
        }
        event(e.type, e)
      })
      const poll = setInterval(() => {
        let g
        try {
          g = cache.generation()
        } catch {
          return cleanup()
        }
        if (g !== generation) {
          generation = g
          if (g !== announced) event('dataChanged', { type: 'dataChanged', generation: g }, g)
        }
      }, GENERATION_POLL_MS)
      const beat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS)
      poll.unref?.()
      beat.unref?.()
      cleanup = () => {
        if (!open) return
        open = false
        clearInterval(poll)
        clearInterval(beat)
        try {
          off()
        } catch {
          // the cache may be closed already
        }
        streams.delete(cleanup)
        try {
          controller.close()
        } catch {
          // already closed or errored
        }
      }
      streams.add(cleanup)
      if (signal) {
        if (signal.aborted) return cleanup()
        signal.addEventListener('abort', () => cleanup(), { once: true })
      }
      send('retry: 2000\n\n')
      event('ready', { type: 'ready', generation }, generation)
    },
    cancel() {
      cleanup()
    },
  })
  return { status: 200, headers: { ...STREAM_HEADERS }, stream: body }
}

const STREAM_HEADERS = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
})

/** SkillMeat's `/projects/cache/stats` body. */
function cacheStats(cache, fresh) {
  const { last, ageMs, hit, ttl } = fresh
  const st = cache.status()
  return {
    entries: st.projects,
    last_scan: iso(last),
    cache_ttl: Math.round(ttl / 1000),
    is_valid: hit,
    age_seconds: ageMs === null ? null : Math.round(ageMs / 1000),
    // Added by this package: what a toolbar shows beside the age, in the same answer.
    stale_projects: st.projectsByStatus.stale || 0,
    total_artifacts: st.artifacts,
    outdated_artifacts: st.outdatedArtifacts,
    artifacts_by_health: st.artifactsByHealth,
    is_refreshing: st.background.state === 'running',
  }
}

/** The body of a refresh route (`{ project_id?, force? }`), checked, and the refresh it asks for. */
async function refreshFromBody(cache, ex) {
  const body = await readJson(ex)
  // An empty id means every project, as in SkillMeat (`if request.project_id:`).
  const sent = bodyString(body, 'project_id') || undefined
  const projectId = projectIdOf(cache, sent)
  const force = bodyBool(body, 'force', false)
  if (projectId !== undefined && !cache.getProject(projectId)) {
    throw new HttpError(404, `Project '${shortId(sent)}' not found`)
  }
  return cache.refresh(defined({ projectId, force }))
}

/**
 * SkillMeat's refresh outcome: `errors` are the projects that could not be scanned (as in
 * SkillMeat, `success` is false when there are any, and the message names the first few);
 * `problems` (added) what the refresh found in the files it read, which artifact health
 * reports for good.
 */
function refreshOutcome(s) {
  const failed = s.failures
  const shown = failed.slice(0, 3).join('; ')
  const more = failed.length > 3 ? ` (and ${failed.length - 3} more)` : ''
  return {
    success: failed.length === 0,
    errors: failed,
    problems: s.errors.filter((e) => !failed.includes(e)),
    message: failed.length === 0 ? 'Refresh completed successfully' : `Refresh completed with errors: ${shown}${more}`,
  }
}

/** An id as quoted in an error's detail: long ones are cut. */
function shortId(id) {
  return id.length > 120 ? `${id.slice(0, 120)}…` : id
}

function refreshStats(s) {
  return {
    projects_scanned: s.projectsScanned,
    projects_changed: s.projectsChanged,
    projects_discovered: s.projectsDiscovered,
    projects_missing: s.projectsMissing,
    artifacts_added: s.artifactsAdded,
    artifacts_updated: s.artifactsUpdated,
    artifacts_removed: s.artifactsRemoved,
    artifacts_read: s.artifactsRead,
    errors: s.errors,
    failures: s.failures,
    duration_ms: s.durationMs,
  }
}

function match(route, segments) {
  if (route.path.length !== segments.length) return null
  const params = {}
  for (let i = 0; i < segments.length; i++) {
    const want = route.path[i]
    if (want.startsWith(':')) params[want.slice(1)] = segments[i]
    else if (want !== segments[i]) return null
  }
  return params
}

// ---------------------------------------------------------------------------
// The handler

/** An answer: `{ status, headers, text }` (JSON, or `null` for no body) or `{ status, headers, stream }`. */
function answer(status, body, headers = {}) {
  const text = status === 304 || status === 204 || body === undefined ? null : JSON.stringify(body)
  return { status, headers: text === null ? headers : { 'content-type': 'application/json', ...headers }, text }
}

function safeEqual(a, b) {
  const x = Buffer.from(String(a))
  const y = Buffer.from(String(b))
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

function etagMatches(header, etag) {
  if (!header) return false
  if (header.trim() === '*') return true
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag.replace(/^W\//, ''))
}

// How many answers the body cache of a handler keeps (the oldest goes first).
const BODY_CACHE_ENTRIES = 256

/**
 * Creates the handler of every cache route: `(request: Request) => Promise<Response>`.
 *
 * - `cache`: an open `Cache` to answer from (kept open; closing it is the caller's business), or
 * - `open`: options for `Cache.open()`, opened on the first request (default: `Cache.open()`).
 * - `basePath` (default `/api/v1`): the prefix the routes live under.
 * - `apiKey`: when set, every request must send it as `X-API-Key` (else 401).
 */
function createCacheHandler(options = {}) {
  const { basePath = '/api/v1', apiKey } = options
  if (typeof basePath !== 'string' || (basePath !== '' && !basePath.startsWith('/'))) {
    throw Object.assign(new TypeError('basePath must be a string starting with "/" (or "")'), { code: 'INVALID_ARGUMENT' })
  }
  const prefix = basePath.replace(/\/+$/, '')
  let cache = options.cache || null
  const getCache = () => {
    if (!cache) {
      const { Cache } = require('../../index.js')
      cache = Cache.open(options.open || {})
    }
    return cache
  }
  const streams = new Set()
  // Bodies of recent 200 GET answers by URL (`pathname?search`), for the data generation in
  // `generation`: `{ kind, list, tag, text, headers, buf }` (`buf`: the text encoded, kept by a
  // Node server). An entry answers while its URL's ETag stays `tag`.
  const bodies = { generation: null, map: new Map() }
  const keyed = apiKey !== undefined && apiKey !== null && apiKey !== ''
  const authorized = (ex) => {
    const sent = ex.header('x-api-key')
    return Boolean(sent) && safeEqual(sent, apiKey)
  }

  /**
   * The answer to a GET or HEAD whose body is in `bodies` and still current (same generation,
   * same ETag), without routing or parsing anything; `null` when there is none (the full
   * `dispatch` then answers, errors included). Synchronous, so a Node server can write at once.
   */
  function cached(ex) {
    if ((ex.method !== 'GET' && ex.method !== 'HEAD') || cache === null || bodies.generation === null) return null
    const entry = bodies.map.get(ex.pathname + '?' + ex.search)
    if (entry === undefined || (keyed && !authorized(ex))) return null
    let f
    try {
      f = freshness(cache)
    } catch {
      return null
    }
    if (f.generation !== bodies.generation) return null
    const tag = etagOf(entry.kind, f)
    if (tag !== entry.tag) return null
    const headers = getHeaders(entry, tag, f)
    if (etagMatches(ex.header('if-none-match'), tag)) return { status: 304, headers, text: null }
    return { status: 200, headers: Object.assign(headers, entry.headers), text: entry.text, bytes: entry }
  }

  /**
   * The framework-free core: `ex` is `{ method, pathname, search, header(name), body, signal }`;
   * resolves with an {@link answer}. Never throws.
   */
  async function dispatch(ex) {
    try {
      const hit = cached(ex)
      if (hit !== null) return hit
      const { pathname } = ex
      if (prefix && pathname !== prefix && !pathname.startsWith(prefix + '/')) {
        throw new HttpError(404, 'Not Found')
      }
      let segments
      try {
        segments = pathname.slice(prefix.length).split('/').filter((x) => x !== '').map((x) => decodeURIComponent(x))
      } catch {
        throw new HttpError(404, 'Not Found')
      }
      let found = null
      let params = null
      for (const r of ROUTES) {
        const p = match(r, segments)
        if (p) {
          found = r
          params = p
          break
        }
      }
      if (!found) throw new HttpError(404, 'Not Found')
      const method = ex.method === 'HEAD' ? 'GET' : ex.method
      const allowed = ['GET', 'POST'].filter((m) => found[m])
      if (found.GET) allowed.push('HEAD')
      // A browser's preflight never carries the key: OPTIONS only lists the methods.
      if (method === 'OPTIONS') return answer(204, undefined, { allow: [...allowed, 'OPTIONS'].join(', ') })
      if (keyed && !authorized(ex)) {
        // As SkillMeat's `verify_api_key`: none sent is 401 (with `WWW-Authenticate`), a wrong one 403.
        if (!ex.header('x-api-key')) throw new HttpError(401, 'API key required', { headers: { 'www-authenticate': 'ApiKey' } })
        throw new HttpError(403, 'Invalid API key')
      }
      const route = found[method]
      if (!route) throw new HttpError(405, 'Method Not Allowed', { headers: { allow: allowed.join(', ') } })
      const c = getCache()
      if (route.stream) {
        // HEAD: the stream's headers, without subscribing to anything.
        if (ex.method === 'HEAD') return { status: 200, headers: { ...STREAM_HEADERS }, text: null }
        return route.run({ cache: c, ex, streams })
      }
      const query = new Query(new URLSearchParams(ex.search))
      let headers = { 'cache-control': 'no-cache' }
      let keep = null
      let f = null
      let refresh = false
      if (method === 'GET') {
        // The ETag comes from the data generation, which moves on every write by any process;
        // a match answers 304 before any body is built.
        f = freshness(c)
        const tag = etagOf(route.etag, f)
        headers = getHeaders(route, tag, f)
        // `refresh=true`, or (as SkillMeat's `/projects` on a cache miss) a cache that has never
        // been filled: scan first, answer `X-Cache-Hit: miss`, never a 304.
        refresh = Boolean(route.refreshable) && (query.bool('refresh') === true || (f.last === null && c.listProjects({ limit: 1 }).total === 0))
        if (etagMatches(ex.header('if-none-match'), tag) && !refresh) return answer(304, undefined, headers)
        if (!refresh) {
          if (bodies.generation !== f.generation) {
            bodies.generation = f.generation
            bodies.map.clear()
          }
          keep = { kind: route.etag, list: Boolean(route.list), lastFetched: Boolean(route.lastFetched), tag }
        }
      }
      const out = await route.run({ cache: c, query, params, ex, fresh: f, refresh })
      const res = answer(out.status || 200, out.body, { ...headers, ...(out.headers || {}) })
      if (keep && res.status === 200 && bodies.generation === f.generation) {
        const key = pathname + '?' + ex.search
        if (!bodies.map.has(key) && bodies.map.size >= BODY_CACHE_ENTRIES) bodies.map.delete(bodies.map.keys().next().value)
        keep.text = res.text
        keep.headers = { 'content-type': 'application/json', ...(out.headers || {}) }
        keep.buf = null
        bodies.map.set(key, keep)
        res.bytes = keep
      }
      return res
    } catch (e) {
      return errorAnswer(e)
    }
  }

  const handler = async function handle(request) {
    let url
    try {
      url = new URL(request.url)
    } catch {
      return toResponse(answer(400, { detail: 'Bad Request' }), request.method)
    }
    const ex = {
      method: request.method,
      pathname: url.pathname,
      search: url.search.slice(1),
      header: (name) => request.headers.get(name),
      body: request.body,
      signal: request.signal,
    }
    return toResponse(await dispatch(ex), request.method)
  }
  Object.defineProperty(handler, 'cache', { get: () => cache })
  /** The framework-free core, for this package's own Node server. */
  handler[DISPATCH] = dispatch
  /** Its synchronous part: a current body from the body cache, or `null`. */
  handler[CACHED] = cached
  /** Ends every open event stream (a server stopping gracefully calls this first). */
  handler.closeStreams = () => {
    for (const end of [...streams]) end()
  }
  return handler
}

/** The key under which a handler exposes its framework-free core (see serve.js). */
const DISPATCH = Symbol.for('@skillmeat/cache.dispatch')
/** The key of the handler's synchronous body-cache answer (see serve.js). */
const CACHED = Symbol.for('@skillmeat/cache.cached')

function toResponse(a, method) {
  const body = method === 'HEAD' ? null : a.stream || a.text
  return new Response(body, { status: a.status, headers: a.headers })
}

function errorAnswer(e) {
  if (e instanceof HttpError) return answer(e.status, { detail: e.detail, ...(e.code ? { code: e.code } : {}) }, e.headers)
  const code = e && typeof e.code === 'string' ? e.code : 'INTERNAL'
  const status = STATUS_BY_CODE[code] || 500
  const message = e && e.message ? String(e.message) : 'Internal error'
  // A 422 is FastAPI's validation list, whatever found the problem.
  if (status === 422) return answer(422, { detail: [{ loc: ['query'], msg: message, type: 'value_error' }], code })
  return answer(status, { detail: message, code })
}

module.exports = { createCacheHandler, versionDifference, HttpError, DISPATCH, CACHED }
