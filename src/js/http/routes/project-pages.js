'use strict'
// Routes: what SkillMeat's project pages read under `/projects/{project_id}` — the project with
// its deployments, the modification check, the modified artifacts and the drift summary —
// answered from the cache in the shapes of SkillMeat's `schemas/projects.py`, `artifacts.py` and
// `drift.py`, with its status codes and error texts; and the routes under that path FastAPI keeps
// (they write project files, read files the cache does not index, or keep SkillMeat's database),
// answered 501 with where to send them. See ./index.js for what an entry holds; this group
// comes after ./projects.js, so `/projects/cache/*` wins over `/projects/{project_id}/*`.

const { HttpError } = require('../errors.js')
const { iso, versionDifference, hasManifest } = require('../wire.js')
const { pathId, otherId, decodeProjectId, pathlibStr, pathlibName } = require('../ids.js')
const { fastapiOnly } = require('./fastapi.js')

/** SkillMeat's default deployment profile id (`path_resolver.DEFAULT_PROFILE_ID`). */
const DEFAULT_PROFILE_ID = 'claude_code'

/**
 * A cache that no process has ever refreshed, and that holds no project, is scanned first (as
 * `/projects` does): SkillMeat reads a project page from disk, so one opened first must not 404.
 */
async function filled(cache) {
  if (cache.freshness().lastRefreshAt == null && cache.listProjects({ limit: 1 }).total === 0) await cache.refresh({})
}

/**
 * The project a `{project_id}` names, as SkillMeat resolves it: a project it knows by that id
 * (here: SkillMeat's id of a cached project, or the cache's own id), else the id decoded as a
 * path (`decode_project_id`: 400 with Python's message when it is not base64 of UTF-8 text),
 * looked up among the cached projects as `pathlib.Path` spells it (never on disk). 404 for a
 * path the cache does not know (or whose folder is gone) and for a project without a deployment
 * manifest (one without entries answers, with no deployments),
 * with SkillMeat's texts.
 */
function projectOf(cache, id) {
  const known = otherId(cache, 'bySkillmeatId', id)
  let p = cache.getProject(known !== undefined ? known : id)
  if (!p) {
    const d = decodeProjectId(id)
    if (d.error !== undefined) throw new HttpError(400, d.error)
    const byPath = otherId(cache, 'bySkillmeatId', pathId(pathlibStr(d.path)))
    p = byPath !== undefined ? cache.getProject(byPath) : null
    if (!p) throw new HttpError(404, `Project not found at path: ${d.path}`)
  }
  if (p.status === 'missing') throw new HttpError(404, `Project not found at path: ${p.path}`)
  if (!hasManifest(p)) throw new HttpError(404, `No deployments found for project: ${pathlibName(p.path)}`)
  return p
}

/** Every artifact of a project that a deployment manifest records (origin other than `local`). */
function deployedOf(cache, p) {
  const all = []
  for (;;) {
    const page = cache.listArtifacts({ projectId: p.id, offset: all.length, limit: 10_000 })
    all.push(...page.items)
    if (page.items.length === 0 || all.length >= page.total) break
  }
  return all.filter((a) => a.origin !== 'local')
}

/** The artifact's path inside its profile root, as the manifest's `artifact_path` (`skills/x`). */
function artifactPath(a) {
  return a.profile !== '.' && a.path.startsWith(`${a.profile}/`) ? a.path.slice(a.profile.length + 1) : a.path
}

/** The time of the data an answer comes from: the project's last scan (else now). */
const scanned = (p) => iso(p.scannedAt) ?? new Date().toISOString()

/** When the cache saw the artifact's content change (SkillMeat: the manifest's first detection). */
const detectedAt = (a) => (a.localModified ? iso(a.updatedAt) : null)

/** The name the artifact's manifest entry gives it (`artifact_name`), as SkillMeat names it. */
const manifestName = (a) => a.deployedName ?? a.name

/** SkillMeat's `DeployedArtifact`, and what a project page shows beside it. */
function deployedArtifact(a) {
  return {
    artifact_name: manifestName(a),
    artifact_type: a.type,
    from_collection: a.fromCollection ?? null,
    deployed_at: a.deployedAt ?? null,
    artifact_path: artifactPath(a),
    version: a.deployedVersion ?? null,
    collection_sha: a.deployedHash ?? null,
    // Computed from the files (their hash against the deployed one), not the manifest's flag.
    local_modifications: a.localModified,
    // Collection memberships live in SkillMeat's database.
    collections: [],
    // Added by this package: the artifact, its profile root and its update (OutdatedBadge's props).
    artifact_id: a.id,
    profile_root_dir: a.profile,
    is_outdated: a.isOutdated,
    upstream_version: a.upstreamVersion ?? null,
    version_difference: versionDifference(a),
  }
}

/**
 * SkillMeat's `DeployedArtifact` for a manifest entry whose files are gone: SkillMeat lists every
 * entry; the cache has no artifact for it (it is a project problem, `DEPLOYED_FILE_MISSING`).
 */
function missingArtifact(m) {
  return {
    artifact_name: m.name,
    artifact_type: m.type,
    from_collection: m.fromCollection ?? null,
    deployed_at: m.deployedAt ?? null,
    artifact_path: m.path,
    version: m.version ?? null,
    collection_sha: m.contentHash ?? null,
    // As the manifest recorded it: there are no files to compare.
    local_modifications: m.localModifications,
    collections: [],
    artifact_id: null,
    profile_root_dir: m.profile,
    is_outdated: false,
    upstream_version: null,
    version_difference: null,
  }
}

/** SkillMeat's `ProjectDetail.stats`. */
function statsOf(deployments, profiles) {
  const by_type = {}
  const by_collection = {}
  const by_profile = {}
  let modified_count = 0
  deployments.forEach((d, i) => {
    by_type[d.artifact_type] = (by_type[d.artifact_type] || 0) + 1
    if (d.from_collection !== null) by_collection[d.from_collection] = (by_collection[d.from_collection] || 0) + 1
    by_profile[profiles[i]] = (by_profile[profiles[i]] || 0) + 1
    if (d.local_modifications) modified_count++
  })
  return { by_type, by_collection, by_profile, modified_count }
}

/**
 * A deployment's profile as SkillMeat's stats key it: the `.claude` root is its default profile
 * (`claude_code`); the cache does not read `deployment_profile_id`, so another root is named by
 * its folder.
 */
const profileKey = (a) => (a.profile === '.claude' ? DEFAULT_PROFILE_ID : a.profile)

/**
 * How a deployed artifact drifted, in SkillMeat's terms: changed in the project only
 * (`modified`), upstream only (`outdated`: any newer upstream the cache knows), both
 * (`conflict`), or its collection's lock names another version that is no update
 * (`version_mismatch`); `null` when none.
 */
function driftType(a, compareVersions) {
  if (a.localModified && a.isOutdated) return 'conflict'
  if (a.localModified) return 'modified'
  if (a.isOutdated) return 'outdated'
  const cv = a.upstreamOrigin === 'collection' ? a.upstreamVersion : undefined
  if (cv && a.deployedVersion && compareVersions(a.deployedVersion, cv).order !== 0) return 'version_mismatch'
  return null
}

// SkillMeat's `determine_change_origin` and its recommendations by drift type.
const CHANGE_ORIGIN = { modified: 'local_modification', outdated: 'sync', conflict: 'local_modification', version_mismatch: 'sync' }
const RECOMMENDATION = { modified: 'push_to_collection', outdated: 'pull_from_collection', conflict: 'review_manually', version_mismatch: 'review_manually' }

/** SkillMeat's `DriftDetectionResponse`, and where the newer version is (added). */
function driftDetail(a, type) {
  return {
    artifact_name: manifestName(a),
    artifact_type: a.type,
    drift_type: type,
    // SkillMeat's is the hash of the collection's copy, which the cache does not read.
    collection_sha: null,
    project_sha: a.contentHash ?? null,
    collection_version: a.upstreamOrigin === 'collection' ? (a.upstreamVersion ?? null) : null,
    project_version: a.deployedVersion ?? null,
    last_deployed: a.deployedAt ?? null,
    recommendation: RECOMMENDATION[type],
    change_origin: CHANGE_ORIGIN[type],
    baseline_hash: a.deployedHash ?? null,
    current_hash: a.contentHash ?? null,
    modification_detected_at: detectedAt(a),
    // Added by this package.
    artifact_id: a.id,
    upstream_origin: a.upstreamOrigin ?? null,
    upstream_version: a.upstreamVersion ?? null,
    version_difference: versionDifference(a),
  }
}

/** SkillMeat's `DeploymentModificationStatus` / `ModifiedArtifactInfo` fields of an artifact. */
function modification(a) {
  return {
    artifact_name: manifestName(a),
    artifact_type: a.type,
    deployed_sha: a.deployedHash ?? '',
    current_sha: a.contentHash ?? '',
    modification_detected_at: detectedAt(a),
    change_origin: a.localModified ? 'local_modification' : a.isOutdated ? 'sync' : null,
    baseline_hash: a.deployedHash ?? null,
  }
}

module.exports = [
  {
    path: ['projects', ':project_id'],
    GET: {
      etag: 'data',
      // SkillMeat's detail answers `X-Cache-Hit` too.
      list: true,
      async run({ cache, params }) {
        await filled(cache)
        const p = projectOf(cache, params.project_id)
        const arts = deployedOf(cache, p)
        const gone = p.missingDeployments
        const deployments = [...arts.map(deployedArtifact), ...gone.map(missingArtifact)]
        return {
          body: {
            id: pathId(p.path),
            path: p.path,
            name: p.name,
            // Entries of its manifests, as `/projects` counts them; `deployments` lists each one,
            // those whose files are gone last.
            deployment_count: p.deployedCount,
            last_deployment: p.lastDeployedAt ?? null,
            deployments,
            stats: statsOf(deployments, [...arts, ...gone].map(profileKey)),
            // Deployment profiles live in SkillMeat's database.
            deployment_profiles: [],
            // Added by this package.
            cache_id: p.id,
          },
        }
      },
    },
    PUT: fastapiOnly('PUT /projects/{project_id}', 'writes'),
    DELETE: fastapiOnly('DELETE /projects/{project_id}', 'writes'),
  },
  {
    path: ['projects', ':project_id', 'check-modifications'],
    POST: {
      async run({ cache, params }) {
        await filled(cache)
        const before = projectOf(cache, params.project_id)
        // Re-read that project's files (every file: a change that kept size and time is found
        // too), then answer from the cache.
        await cache.refresh({ projectId: before.id, force: true })
        const p = projectOf(cache, before.id)
        const arts = deployedOf(cache, p)
        return {
          body: {
            project_id: pathId(p.path),
            checked_at: scanned(p),
            modifications_detected: arts.filter((a) => a.localModified).length,
            deployments: arts.map((a) => ({ ...modification(a), is_modified: a.localModified })),
          },
        }
      },
    },
  },
  {
    path: ['projects', ':project_id', 'modified-artifacts'],
    GET: {
      etag: 'data',
      async run({ cache, params }) {
        await filled(cache)
        const p = projectOf(cache, params.project_id)
        const modified = deployedOf(cache, p).filter((a) => a.localModified)
        return {
          body: {
            project_id: pathId(p.path),
            modified_artifacts: modified.map(modification),
            total_count: modified.length,
            last_checked: scanned(p),
          },
        }
      },
    },
  },
  {
    path: ['projects', ':project_id', 'drift', 'summary'],
    GET: {
      etag: 'data',
      async run({ cache, params, query }) {
        const collection = query.string('collection_name') || undefined
        await filled(cache)
        const p = projectOf(cache, params.project_id)
        const { compareVersions } = require('../../../../index.js')
        // Each deployment is compared with the collection it came from; `collection_name`
        // narrows the comparison to the deployments from that collection.
        const compared = deployedOf(cache, p).filter((a) => collection === undefined || a.fromCollection === collection)
        const drifted = compared.map((a) => [a, driftType(a, compareVersions)]).filter(([, type]) => type !== null)
        const count = (type) => drifted.filter(([, t]) => t === type).length
        const modified = count('modified')
        const outdated = count('outdated')
        const conflicts = count('conflict')
        return {
          body: {
            project_path: p.path,
            collection_name: collection ?? 'default',
            total_artifacts: compared.length,
            drifted_count: drifted.length,
            modified_count: modified,
            outdated_count: outdated,
            conflict_count: conflicts,
            // The cache does not list a collection's entries: what it added or removed is unknown.
            added_count: 0,
            removed_count: 0,
            version_mismatch_count: count('version_mismatch'),
            upstream_changes: outdated,
            local_changes: modified,
            conflicts,
            total: drifted.length,
            drift_details: drifted.map(([a, type]) => driftDetail(a, type)),
            checked_at: scanned(p),
          },
        }
      },
    },
  },
  {
    path: ['projects', ':project_id', 'deployments', ':artifact_name'],
    DELETE: fastapiOnly('DELETE /projects/{project_id}/deployments/{artifact_name}', 'writes'),
  },
  {
    path: ['projects', ':project_id', 'context-map'],
    GET: fastapiOnly('GET /projects/{project_id}/context-map', 'reads'),
  },
  {
    path: ['projects', ':project_id', 'profiles'],
    GET: fastapiOnly('GET /projects/{project_id}/profiles', 'database'),
    POST: fastapiOnly('POST /projects/{project_id}/profiles', 'database'),
  },
  {
    path: ['projects', ':project_id', 'profiles', ':profile_id'],
    GET: fastapiOnly('GET /projects/{project_id}/profiles/{profile_id}', 'database'),
    PUT: fastapiOnly('PUT /projects/{project_id}/profiles/{profile_id}', 'database'),
    DELETE: fastapiOnly('DELETE /projects/{project_id}/profiles/{profile_id}', 'database'),
  },
]
