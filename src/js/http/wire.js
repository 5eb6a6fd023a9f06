'use strict'
// Wire shapes: the Cache API's objects as SkillMeat's snake_case JSON rows and details. Every
// answer names a project by SkillMeat's id (the base64 path, `key` below); the cache's own id
// rides along as `cache_id` (projects) or `project_cache_id` (artifacts).

const { pathId } = require('./ids.js')

const iso = (ms) => (typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString() : null)

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

/** A `/cache/artifacts` row; `key`: SkillMeat's id of its project. */
function artifactRow(a, key) {
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    project_id: key,
    deployed_version: deployedVersion(a),
    upstream_version: a.upstreamVersion ?? null,
    is_outdated: a.isOutdated,
    // Added by this package: the cache's id of the project, and what a projects page shows
    // without a second request per row.
    project_cache_id: a.projectId,
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

/** A `/cache/stale-artifacts` row; `key`: SkillMeat's id of its project. */
function staleRow(a, key) {
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    project_name: a.projectName,
    project_id: key,
    deployed_version: deployedVersion(a),
    upstream_version: a.upstreamVersion ?? null,
    version_difference: versionDifference(a),
    // Added by this package: the cache's id of the project, the bare kind, the commits and the
    // age of the answer.
    project_cache_id: a.projectId,
    difference: a.versionDiff ?? null,
    deployed_sha: a.deployedSha ?? null,
    upstream_sha: a.upstreamSha ?? null,
    upstream_origin: a.upstreamOrigin ?? null,
    upstream_checked_at: iso(a.upstreamCheckedAt),
    health: a.health,
  }
}

function artifactDetail(a, key) {
  return {
    ...artifactRow(a, key),
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
    deployed_name: a.deployedName ?? null,
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

/**
 * A `/cache/projects` row. As in SkillMeat, whose cache keeps projects under the id its
 * `/projects` gives them, `id` is the base64 path; `cache_id` (added) is the cache's own.
 */
function projectRow(p) {
  return {
    id: pathId(p.path),
    name: p.name,
    path: p.path,
    status: p.status,
    last_fetched: iso(p.scannedAt),
    artifact_count: p.artifactCount,
    cache_id: p.id,
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

/**
 * Whether SkillMeat lists a project on `/projects` (and serves its pages): one of its profile
 * roots holds a deployment manifest (`.skillmeat-deployed.toml`), with entries or none (SkillMeat's
 * `POST /projects` writes an empty one so that the new project is listed).
 */
function hasManifest(p) {
  return p.manifests.length > 0
}

/** A web address for a marketplace entry's `origin`: a URL as it is, `owner/repo/…` on GitHub. */
function originUrl(origin) {
  if (!origin) return null
  if (/^https?:\/\//i.test(origin)) return origin
  const m = /^([A-Za-z0-9][\w.-]*)\/([\w.-]+)(?:[/@]|$)/.exec(origin)
  return m && !origin.startsWith('.') ? `https://github.com/${m[1]}/${m[2].replace(/\.git$/, '')}` : null
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

module.exports = {
  iso,
  versionDifference,
  deployedVersion,
  artifactRow,
  problemRow,
  staleRow,
  artifactDetail,
  projectRow,
  projectDetail,
  hasManifest,
  originUrl,
  refreshOutcome,
  refreshStats,
}
