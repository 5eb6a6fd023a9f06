'use strict'
// Routes: `GET /cache/status` and `POST /cache/refresh`. See ./index.js for what an entry holds.

const { iso, refreshOutcome, refreshStats } = require('../wire.js')
const { refreshFromBody } = require('../refresh.js')

module.exports = [
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
]
