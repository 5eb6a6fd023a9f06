'use strict'
// Routes: SkillMeat's `GET /projects`, `POST /projects/cache/refresh`, `GET /projects/cache/stats`
// and `POST /projects/cache/clear` (`POST /projects` stays FastAPI's). See ./index.js for what an
// entry holds. They come before ./project-pages.js: `/projects/cache/*` wins over
// `/projects/{project_id}/*`.

const { HttpError } = require('../errors.js')
const { iso, refreshOutcome, refreshStats, hasManifest } = require('../wire.js')
const { pathId, allProjects, decodeProjectId } = require('../ids.js')
const { freshness } = require('../freshness.js')
const { refreshFromBody } = require('../refresh.js')
const { fastapiOnly } = require('./fastapi.js')

/** SkillMeat's `/projects/cache/stats` body. */
function cacheStats(cache, fresh) {
  const { last, ageMs, hit, ttl } = fresh
  const st = cache.status()
  return {
    // As SkillMeat: the projects its `/projects` lists (those with a deployment manifest).
    entries: allProjects(cache).filter(hasManifest).length,
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

module.exports = [
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
        // As SkillMeat: the projects with a deployment manifest (`/cache/projects` lists every one).
        const all = allProjects(cache)
          .filter(hasManifest)
          .map((p) => [p, when(p)])
          .sort((a, b) => (a[1] === b[1] ? (a[0].name < b[0].name ? -1 : a[0].name > b[0].name ? 1 : 0) : b[1] - a[1]))
          .map(([p]) => p)
        // SkillMeat's cursors are project ids (a page starts after the project named), decoded
        // as its `decode_project_id` does (a bad one is its 400); an empty one is the first page.
        let start = 0
        if (after) {
          const d = decodeProjectId(after)
          if (d.error !== undefined) throw new HttpError(400, d.error)
          const i = all.findIndex((p) => p.path === d.path)
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
    // Creating a project writes its folder and metadata: SkillMeat's own.
    POST: fastapiOnly('POST /projects', 'writes'),
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
    // As SkillMeat: the cache is emptied and the projects are found again.
    path: ['projects', 'cache', 'clear'],
    POST: {
      async run({ cache }) {
        await cache.clear()
        const s = await cache.refresh({})
        // SkillMeat counts what its discovery finds: projects with a deployment manifest.
        const n = allProjects(cache).filter(hasManifest).length
        return {
          body: {
            success: true,
            message: `Cache cleared and ${n} projects rediscovered`,
            projects_found: n,
            // Added by this package: what the refresh did.
            summary: refreshStats(s),
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
