//! JavaScript-facing shapes of the core's data (camelCase, plain objects).

use std::collections::HashMap;

use napi_derive::napi;

use crate::model;

/// A problem with one file.
#[napi(object)]
pub struct FileError {
    /// Path relative to the project folder.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// What is wrong.
    pub reason: String,
}

/// A project folder known to the cache.
#[napi(object)]
pub struct Project {
    /// Stable id derived from the canonical path.
    pub id: String,
    /// Name from `.skillmeat-project.toml`, else the folder name.
    pub name: String,
    /// Canonical absolute path.
    pub path: String,
    /// Description from `.skillmeat-project.toml`.
    pub description: Option<String>,
    /// Status of the cached data.
    #[napi(ts_type = "'active' | 'stale' | 'error' | 'missing'")]
    pub status: String,
    /// Summary of what is wrong, when anything is.
    pub error: Option<String>,
    /// Project-level file problems (bad manifests, unreadable names).
    pub errors: Vec<FileError>,
    /// How it became known.
    #[napi(ts_type = "'registered' | 'discovered'")]
    pub origin: String,
    /// Profile roots present (`.claude`, `.codex`, `.gemini`, `.cursor`).
    pub profiles: Vec<String>,
    /// Artifacts cached for it.
    pub artifact_count: i64,
    /// Artifacts in error.
    pub error_count: i64,
    /// Artifacts changed locally since deployment.
    pub modified_count: i64,
    /// Artifacts with a newer upstream version.
    pub outdated_count: i64,
    /// When it became known (ms since the epoch).
    pub registered_at: i64,
    /// Last scan (ms since the epoch; 0 = never, or invalidated).
    pub scanned_at: i64,
    /// Last time its cached content changed (ms since the epoch).
    pub updated_at: i64,
    /// Milliseconds since the last scan ("updated 5 minutes ago"); -1 if never scanned.
    pub age_ms: i64,
}

/// An artifact found in a project.
#[napi(object)]
pub struct Artifact {
    /// Stable id.
    pub id: String,
    /// Owning project id.
    pub project_id: String,
    /// Owning project name.
    pub project_name: String,
    /// Profile root (`.claude`, …; `.` for the project's `.mcp.json`).
    pub profile: String,
    /// Artifact type.
    #[napi(
        js_name = "type",
        ts_type = "'skill' | 'command' | 'agent' | 'hook' | 'mcp'"
    )]
    pub kind: String,
    /// Folder or file name (identity inside the project).
    pub name: String,
    /// Frontmatter `name` (which may differ from the file name), else `name`.
    pub display_name: String,
    /// Path relative to the project folder.
    pub path: String,
    /// Description (frontmatter, or the first line of the body).
    pub description: Option<String>,
    /// Frontmatter `version`.
    pub version: Option<String>,
    /// Frontmatter `author`.
    pub author: Option<String>,
    /// Frontmatter `license`.
    pub license: Option<String>,
    /// Frontmatter `tags`.
    pub tags: Vec<String>,
    /// Frontmatter `tools` (string or list in the file).
    pub tools: Vec<String>,
    /// `local` (no deployment record) or `collection`.
    pub origin: String,
    /// Upstream source spec (`owner/repo[/path]@version`).
    pub source: Option<String>,
    /// Version spec.
    pub version_spec: Option<String>,
    /// Collection it was deployed from.
    pub from_collection: Option<String>,
    /// Deployment time as recorded.
    pub deployed_at: Option<String>,
    /// Deployed version.
    pub deployed_version: Option<String>,
    /// Deployed commit SHA.
    pub deployed_sha: Option<String>,
    /// Content hash recorded at deployment.
    pub deployed_hash: Option<String>,
    /// Current content hash (SkillMeat's SHA-256).
    pub content_hash: Option<String>,
    /// Whether the files differ from what was deployed.
    pub local_modified: bool,
    /// Latest upstream version known.
    pub upstream_version: Option<String>,
    /// Latest upstream commit known.
    pub upstream_sha: Option<String>,
    /// When upstream was last checked (ms).
    pub upstream_checked_at: Option<i64>,
    /// Where the upstream version came from.
    #[napi(ts_type = "'github' | 'collection' | 'marketplace'")]
    pub upstream_origin: Option<String>,
    /// Why the last upstream check of this artifact failed (`CODE: message`), e.g.
    /// `RATE_LIMITED: …`; the upstream fields keep the last known answer.
    pub upstream_error: Option<String>,
    /// What Claude Code will do with it: load it (`ok`), load it but lose something
    /// (`degraded`), or not load it / never choose it (`broken`).
    #[napi(ts_type = "'ok' | 'degraded' | 'broken'")]
    pub health: String,
    /// Why it is degraded or broken: what Claude Code does, and what to change.
    pub problems: Vec<ArtifactProblem>,
    /// Whether a newer upstream version exists.
    pub is_outdated: bool,
    /// Kind of difference to upstream: `content` when the version is the same (or no commit is
    /// known to compare) but the upstream files differ from the deployed ones.
    #[napi(
        ts_type = "'major' | 'minor' | 'patch' | 'prerelease' | 'commit' | 'content' | 'none' | 'unknown'"
    )]
    pub version_diff: Option<String>,
    /// `ok`, or `error` when a file of it is malformed.
    #[napi(ts_type = "'ok' | 'error'")]
    pub status: String,
    /// File, line and reason when in error.
    pub error: Option<String>,
    /// Total bytes of its files.
    pub size_bytes: i64,
    /// Number of files.
    pub file_count: i64,
    /// Newest file modification time (ms).
    pub modified_at: i64,
    /// Frontmatter keys not surfaced as their own fields (`model`, `color`, …), as JSON text;
    /// `JSON.parse` it when needed. For MCP servers, the server config (secrets redacted).
    pub metadata: String,
    /// Last scan (ms).
    pub scanned_at: i64,
    /// Last content change seen (ms).
    pub updated_at: i64,
}

/// A page of projects.
#[napi(object)]
pub struct ProjectPage {
    /// The rows.
    pub items: Vec<Project>,
    /// Rows matching over all pages.
    pub total: i64,
    /// Offset used.
    pub offset: i64,
    /// Limit used.
    pub limit: i64,
}

/// One problem of an artifact.
#[napi(object)]
pub struct ArtifactProblem {
    /// Stable code: `FRONTMATTER_INVALID_YAML`, `AGENT_MISSING_NAME`, `AGENT_MISSING_DESCRIPTION`,
    /// `SKILL_MISSING_DESCRIPTION`, `SKILL_NAME_MISMATCH`, `ARGUMENT_HINT_LIST`, `UNKNOWN_TOOL`,
    /// `JSON_INVALID`, `DUPLICATE_NAME`, `DEPLOYED_FILE_MISSING`.
    pub code: String,
    /// `error`: the artifact is broken by it; `warning`: degraded.
    #[napi(ts_type = "'error' | 'warning'")]
    pub severity: String,
    /// File, relative to the project folder.
    pub file: String,
    /// 1-based line in the file.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// What Claude Code does with the file because of it.
    pub message: String,
    /// What to change.
    pub fix: String,
}

impl From<crate::scan::health::Problem> for ArtifactProblem {
    fn from(p: crate::scan::health::Problem) -> Self {
        ArtifactProblem {
            code: p.code,
            severity: match p.severity {
                crate::scan::health::Severity::Error => "error".into(),
                crate::scan::health::Severity::Warning => "warning".into(),
            },
            file: p.file,
            line: p.line,
            column: p.column,
            message: p.message,
            fix: p.fix,
        }
    }
}

/// A page of artifacts.
#[napi(object)]
pub struct ArtifactPage {
    /// The rows.
    pub items: Vec<Artifact>,
    /// Rows matching over all pages.
    pub total: i64,
    /// Offset used.
    pub offset: i64,
    /// Limit used.
    pub limit: i64,
}

impl From<crate::model::Page<crate::model::Artifact>> for ArtifactPage {
    fn from(p: crate::model::Page<crate::model::Artifact>) -> Self {
        ArtifactPage {
            items: p.items.into_iter().map(Into::into).collect(),
            total: p.total,
            offset: p.offset,
            limit: p.limit,
        }
    }
}

/// What a refresh did.
#[napi(object)]
pub struct RefreshSummary {
    /// Projects looked at.
    pub projects_scanned: u32,
    /// Projects whose files changed.
    pub projects_changed: u32,
    /// Projects newly found under discovery roots.
    pub projects_discovered: u32,
    /// Projects whose folder is gone.
    pub projects_missing: u32,
    /// Artifacts new to the cache.
    pub artifacts_added: u32,
    /// Artifacts whose content changed.
    pub artifacts_updated: u32,
    /// Artifacts gone from disk.
    pub artifacts_removed: u32,
    /// Artifacts re-read (the rest were skipped by size and mtime).
    pub artifacts_read: u32,
    /// Problems found, one line each (file, line, reason).
    pub errors: Vec<String>,
    /// Wall time in milliseconds.
    pub duration_ms: f64,
}

/// The last refresh recorded by any process.
#[napi(object)]
pub struct RefreshRun {
    /// Start (ms).
    pub started_at: i64,
    /// End (ms).
    pub finished_at: i64,
    /// What started it.
    pub trigger: String,
    /// `ok` or `error`.
    pub outcome: String,
    /// Error message when it failed.
    pub message: Option<String>,
    /// Projects scanned.
    pub projects_scanned: i64,
}

/// A damaged database moved aside at open.
#[napi(object)]
pub struct Recovery {
    /// Where the damaged file now is.
    pub moved_to: String,
    /// What was wrong.
    pub reason: String,
    /// When (ms).
    pub at: i64,
}

/// A condition needing attention.
#[napi(object)]
pub struct Warning {
    /// Stable code: `CACHE_DISK_FULL`, `CACHE_READONLY`, `CACHE_DISABLED`, `CACHE_CORRUPT`.
    pub code: String,
    /// What happened and what to do.
    pub message: String,
    /// When (ms).
    pub at: i64,
}

/// Health, counts and configuration of a cache.
#[napi(object)]
pub struct CacheStatus {
    /// `file`, or `memory` (`:memory:`, disabled, or fallback from an unwritable location).
    #[napi(ts_type = "'file' | 'memory'")]
    pub mode: String,
    /// Database file (`:memory:` in memory mode).
    pub db_path: String,
    /// Bytes on disk including the WAL file (in memory mode: bytes of pages in use).
    pub size_bytes: i64,
    /// Schema version (`PRAGMA user_version`).
    pub schema_version: u32,
    /// Projects cached.
    pub projects: i64,
    /// Projects by status.
    pub projects_by_status: HashMap<String, i64>,
    /// Artifacts by health: `{ ok, degraded, broken }`.
    #[napi(ts_type = "{ ok: number; degraded: number; broken: number }")]
    pub artifacts_by_health: HashMap<String, i64>,
    /// Artifacts cached.
    pub artifacts: i64,
    /// Artifacts in error.
    pub artifact_errors: i64,
    /// Artifacts modified locally since deployment.
    pub modified_artifacts: i64,
    /// Outdated artifacts.
    pub outdated_artifacts: i64,
    /// Last refresh recorded by any process sharing the database.
    pub last_refresh: Option<RefreshRun>,
    /// Set when a damaged database was moved aside at open.
    pub recovered: Option<Recovery>,
    /// Conditions needing attention.
    pub warnings: Vec<Warning>,
    /// Reads in this process that served fresh data.
    pub hits: i64,
    /// Reads in this process that found nothing or stale data.
    pub misses: i64,
    /// Configuration in force and where each value came from.
    #[napi(
        ts_type = "Record<string, { value: unknown; source: 'option' | 'env' | 'file' | 'default' }>"
    )]
    pub config: serde_json::Value,
    /// The background refresher, file watcher and cross-process lease.
    pub background: BackgroundStatus,
    /// The search index.
    pub search: SearchStatus,
    /// Upstream version checks.
    pub upstream: UpstreamStatus,
}

/// State of upstream version checks.
#[napi(object)]
pub struct UpstreamStatus {
    /// When the last check ran (ms since the epoch), by any process.
    pub last_check_at: Option<i64>,
    /// Set while the upstream API's rate limit is exhausted: when it resets (a `RATE_LIMITED`
    /// warning is shown meanwhile).
    pub rate_limited_until: Option<i64>,
    /// Repositories whose last check failed.
    pub failed_repositories: i64,
}

/// Health and size of the search index.
#[napi(object)]
pub struct SearchStatus {
    /// `file`, `memory`, or `unavailable` (see `lastError`).
    #[napi(ts_type = "'file' | 'memory' | 'unavailable'")]
    pub mode: String,
    /// Folder of the index (`<database>.search`).
    pub path: Option<String>,
    /// Documents indexed (artifacts + marketplace entries).
    pub docs: i64,
    /// Index segments.
    pub segments: i64,
    /// Bytes on disk.
    pub size_bytes: i64,
    /// Identifier of the database the index was built from.
    pub generation: String,
    /// When the index was last rebuilt in full (ms since the epoch), by any process.
    pub last_rebuild_at: Option<i64>,
    /// How long that rebuild took (ms).
    pub last_rebuild_ms: Option<f64>,
    /// Why this process rebuilt it (missing, corrupt, out of step…), if it did.
    pub last_rebuild_reason: Option<String>,
    /// Times this process waited for another process's index write.
    pub lock_waits: i64,
    /// Index writes of this process that failed; their changes stay queued and are retried.
    pub write_failures: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// Changes saved in the database and not yet in the index.
    pub pending: i64,
}

impl From<model::SearchStatus> for SearchStatus {
    fn from(s: model::SearchStatus) -> Self {
        SearchStatus {
            mode: s.mode,
            path: s.path,
            docs: s.docs,
            segments: s.segments,
            size_bytes: s.size_bytes,
            generation: s.generation,
            last_rebuild_at: s.last_rebuild_at,
            last_rebuild_ms: s.last_rebuild_ms,
            last_rebuild_reason: s.last_rebuild_reason,
            lock_waits: s.lock_waits,
            write_failures: s.write_failures,
            last_error: s.last_error,
            pending: s.pending,
        }
    }
}

/// One search hit: the cached artifact or marketplace entry, with `kind` and `score` added.
pub struct SearchHit(pub model::SearchItem);

impl napi::bindgen_prelude::ToNapiValue for SearchHit {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        use napi::bindgen_prelude::{FromNapiValue, Object};
        let (raw, kind, score) = match val.0 {
            model::SearchItem::Artifact(a, score) => (
                // SAFETY: `env` is the live environment napi passed in for this conversion.
                unsafe { Artifact::to_napi_value(env, (*a).into())? },
                "artifact",
                score,
            ),
            model::SearchItem::Entry(e, score) => (
                // SAFETY: as above.
                unsafe { MarketplaceEntry::to_napi_value(env, (*e).into())? },
                "entry",
                score,
            ),
        };
        // SAFETY: `raw` is the object just created in `env`.
        let mut obj = unsafe { Object::from_napi_value(env, raw)? };
        obj.set("kind", kind)?;
        obj.set("score", f64::from(score))?;
        Ok(raw)
    }
}

/// Filters, sort and page of `search()` (declared for TypeScript; read from the JS object).
#[napi(object, object_to_js = false)]
#[allow(dead_code)]
pub struct SearchOptions {
    /// Only artifacts or only marketplace entries (default both).
    #[napi(ts_type = "'artifact' | 'entry'")]
    pub kind: Option<String>,
    /// Only this type (`skill`, `command`, `agent`, `hook`, `mcp`, or an entry's type).
    #[napi(js_name = "type")]
    pub kind_of: Option<String>,
    /// Only artifacts of this project.
    pub project_id: Option<String>,
    /// Only documents carrying every one of these tags (case-insensitive).
    pub tags: Option<Vec<String>>,
    /// Only this source: an artifact's upstream spec, or an entry's marketplace source name.
    pub source: Option<String>,
    /// Only outdated artifacts / entries with an update (`true`), or only up-to-date ones (`false`).
    pub outdated: Option<bool>,
    /// Only artifacts of this health (entries count as `ok`).
    #[napi(ts_type = "'ok' | 'degraded' | 'broken'")]
    pub health: Option<String>,
    /// `relevance` (default with words), `name` (default without), or `updated`.
    #[napi(ts_type = "'relevance' | 'name' | 'updated'")]
    pub sort_by: Option<String>,
    /// Direction (default: `desc` for relevance and updated, `asc` for name).
    #[napi(ts_type = "'asc' | 'desc'")]
    pub order: Option<String>,
    /// Hits to skip (default 0).
    pub offset: Option<u32>,
    /// Page size (default 20, at most 10000; 0 returns only the total).
    pub limit: Option<u32>,
}

/// A page of search hits.
#[napi(object, object_from_js = false)]
pub struct SearchResult {
    /// Hits of this page: artifacts (`kind: 'artifact'`) and marketplace entries
    /// (`kind: 'entry'`), each with its relevance `score`.
    #[napi(
        ts_type = "Array<(Artifact & { kind: 'artifact'; score: number }) | (MarketplaceEntry & { kind: 'entry'; score: number })>"
    )]
    pub items: Vec<SearchHit>,
    /// Hits over all pages.
    pub total: i64,
    /// True when no document matched every word, so documents matching any word are listed.
    pub relaxed: bool,
    /// Wall time in the addon, loading the rows included (ms).
    pub took_ms: f64,
}

impl From<model::SearchResults> for SearchResult {
    fn from(r: model::SearchResults) -> Self {
        SearchResult {
            items: r.items.into_iter().map(SearchHit).collect(),
            total: r.total,
            relaxed: r.relaxed,
            took_ms: r.took_ms,
        }
    }
}

/// State of the background refresher.
#[napi(object)]
pub struct BackgroundStatus {
    /// TTL refresh loop enabled (`backgroundRefresh`).
    pub refresh_enabled: bool,
    /// File watcher enabled (`watch`).
    pub watch_enabled: bool,
    /// `running` while a refresh runs in this process, else `idle`.
    #[napi(ts_type = "'running' | 'idle'")]
    pub state: String,
    /// Whether this process holds the refresher lease (only the holder runs the loop and watcher).
    pub is_lease_holder: bool,
    /// The lease as stored in the database, whoever holds it.
    pub lease_holder: Option<LeaseHolder>,
    /// Last background refresh in this process (ms).
    pub last_refresh_at: Option<i64>,
    /// When the next TTL refresh is due (ms), if this process runs the loop.
    pub next_refresh_at: Option<i64>,
    /// Watcher state.
    #[napi(ts_type = "'off' | 'starting' | 'standby' | 'watching' | 'degraded'")]
    pub watcher_state: String,
    /// Paths watched.
    pub watched_paths: u32,
    /// Why the watcher is degraded, or what it could not watch.
    pub watcher_reason: Option<String>,
}

/// Holder of the refresher lease.
#[napi(object)]
pub struct LeaseHolder {
    /// Holder id (`<pid>-<random>`).
    pub holder: String,
    /// Its process id.
    pub pid: i64,
    /// Last heartbeat (ms).
    pub heartbeat_at: i64,
    /// Expiry unless renewed (ms).
    pub expires_at: i64,
}

impl From<crate::scan::FileError> for FileError {
    fn from(e: crate::scan::FileError) -> Self {
        FileError {
            file: e.file,
            line: e.line,
            reason: e.reason,
        }
    }
}

impl From<model::Project> for Project {
    fn from(p: model::Project) -> Self {
        Project {
            id: p.id,
            name: p.name,
            path: p.path,
            description: p.description,
            status: p.status,
            error: p.error,
            errors: p.errors.into_iter().map(Into::into).collect(),
            origin: p.origin,
            profiles: p.profiles,
            artifact_count: p.artifact_count,
            error_count: p.error_count,
            modified_count: p.modified_count,
            outdated_count: p.outdated_count,
            registered_at: p.registered_at,
            scanned_at: p.scanned_at,
            updated_at: p.updated_at,
            age_ms: p.age_ms,
        }
    }
}

impl From<model::Artifact> for Artifact {
    fn from(a: model::Artifact) -> Self {
        Artifact {
            id: a.id,
            project_id: a.project_id,
            project_name: a.project_name,
            profile: a.profile,
            kind: a.kind,
            name: a.name,
            display_name: a.display_name,
            path: a.path,
            description: a.description,
            version: a.version,
            author: a.author,
            license: a.license,
            tags: a.tags,
            tools: a.tools,
            origin: a.origin,
            source: a.source,
            version_spec: a.version_spec,
            from_collection: a.from_collection,
            deployed_at: a.deployed_at,
            deployed_version: a.deployed_version,
            deployed_sha: a.deployed_sha,
            deployed_hash: a.deployed_hash,
            content_hash: a.content_hash,
            local_modified: a.local_modified,
            upstream_version: a.upstream_version,
            upstream_sha: a.upstream_sha,
            upstream_checked_at: a.upstream_checked_at,
            upstream_origin: a.upstream_origin,
            upstream_error: a.upstream_error,
            health: a.health,
            problems: a.problems.into_iter().map(Into::into).collect(),
            is_outdated: a.is_outdated,
            version_diff: a.version_diff,
            status: a.status,
            error: a.error,
            size_bytes: a.size_bytes,
            file_count: a.file_count,
            modified_at: a.modified_at,
            metadata: a.metadata,
            scanned_at: a.scanned_at,
            updated_at: a.updated_at,
        }
    }
}

impl From<model::RefreshSummary> for RefreshSummary {
    fn from(s: model::RefreshSummary) -> Self {
        RefreshSummary {
            projects_scanned: s.projects_scanned,
            projects_changed: s.projects_changed,
            projects_discovered: s.projects_discovered,
            projects_missing: s.projects_missing,
            artifacts_added: s.artifacts_added,
            artifacts_updated: s.artifacts_updated,
            artifacts_removed: s.artifacts_removed,
            artifacts_read: s.artifacts_read,
            errors: s.errors,
            duration_ms: s.duration_ms,
        }
    }
}

impl From<model::Status> for CacheStatus {
    fn from(s: model::Status) -> Self {
        CacheStatus {
            mode: s.mode,
            db_path: s.db_path,
            size_bytes: s.size_bytes,
            schema_version: s.schema_version,
            projects: s.projects,
            projects_by_status: s.projects_by_status.into_iter().collect(),
            artifacts_by_health: s.artifacts_by_health.into_iter().collect(),
            artifacts: s.artifacts,
            artifact_errors: s.artifact_errors,
            modified_artifacts: s.modified_artifacts,
            outdated_artifacts: s.outdated_artifacts,
            last_refresh: s.last_refresh.map(|r| RefreshRun {
                started_at: r.started_at,
                finished_at: r.finished_at,
                trigger: r.trigger,
                outcome: r.outcome,
                message: r.message,
                projects_scanned: r.projects_scanned,
            }),
            recovered: s.recovered.map(|r| Recovery {
                moved_to: r.moved_to,
                reason: r.reason,
                at: r.at,
            }),
            warnings: s
                .warnings
                .into_iter()
                .map(|w| Warning {
                    code: w.code,
                    message: w.message,
                    at: w.at,
                })
                .collect(),
            hits: s.hits as i64,
            misses: s.misses as i64,
            config: s.config,
            background: BackgroundStatus {
                refresh_enabled: s.background.refresh_enabled,
                watch_enabled: s.background.watch_enabled,
                state: s.background.state,
                is_lease_holder: s.background.is_lease_holder,
                lease_holder: s.background.lease_holder.map(|l| LeaseHolder {
                    holder: l.holder,
                    pid: l.pid,
                    heartbeat_at: l.heartbeat_at,
                    expires_at: l.expires_at,
                }),
                last_refresh_at: s.background.last_refresh_at,
                next_refresh_at: s.background.next_refresh_at,
                watcher_state: s.background.watcher_state,
                watched_paths: s.background.watched_paths,
                watcher_reason: s.background.watcher_reason,
            },
            search: s.search.into(),
            upstream: UpstreamStatus {
                last_check_at: s.upstream.last_check_at,
                rate_limited_until: s.upstream.rate_limited_until,
                failed_repositories: s.upstream.failed_repositories,
            },
        }
    }
}

/// A cached marketplace entry.
#[napi(object)]
pub struct MarketplaceEntry {
    /// Stable id.
    pub id: String,
    /// Source name.
    pub source: String,
    /// Entry name.
    pub name: String,
    /// `plugin` (Claude Code marketplaces) or the listing's type.
    #[napi(js_name = "type")]
    pub kind: String,
    /// Listed version.
    pub version: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Tags (or keywords).
    pub tags: Vec<String>,
    /// Where it is published (`owner/repo/path@ref`, a URL or a path in the marketplace repo).
    pub origin: Option<String>,
    /// Homepage.
    pub homepage: Option<String>,
    /// The entry exactly as listed (JSON text).
    pub raw: String,
    /// The listing is past its TTL or its last refresh failed (served from the last good copy).
    pub stale: bool,
    /// Artifacts with this name in cached projects.
    pub installed_count: i64,
    /// Lowest deployed version among them.
    pub deployed_version: Option<String>,
    /// Whether the listed version is an update for the deployed one.
    pub update_available: bool,
    /// Difference between deployed and listed versions.
    pub version_diff: Option<String>,
}

/// A page of marketplace entries.
#[napi(object)]
pub struct MarketplaceEntryPage {
    /// Rows.
    pub items: Vec<MarketplaceEntry>,
    /// Rows matching.
    pub total: i64,
    /// Offset used.
    pub offset: i64,
    /// Limit used.
    pub limit: i64,
}

/// A marketplace source as cached.
#[napi(object)]
pub struct MarketplaceSourceState {
    /// Name.
    pub name: String,
    /// URL.
    pub url: String,
    /// The marketplace's own name.
    pub listing_name: Option<String>,
    /// Last successful fetch (ms).
    pub fetched_at: Option<i64>,
    /// Last attempt (ms).
    pub checked_at: Option<i64>,
    /// End of freshness (ms).
    pub expires_at: i64,
    /// Past TTL or last refresh failed.
    pub stale: bool,
    /// Last error.
    pub error: Option<String>,
    /// Last error code (`NETWORK`, `HTTP_ERROR`, `INVALID_RESPONSE`, …).
    pub error_code: Option<String>,
    /// Entries cached.
    pub entries: i64,
    /// Whether a good copy is cached.
    pub cached: bool,
}

/// What happened to one source.
#[napi(object)]
pub struct MarketplaceOutcome {
    /// Source name.
    pub name: String,
    /// What happened.
    #[napi(ts_type = "'fetched' | 'notModified' | 'fresh' | 'cached' | 'error'")]
    pub status: String,
    /// Entries now cached.
    pub entries: i64,
    /// Error code when it failed.
    pub code: Option<String>,
    /// Error message when it failed.
    pub error: Option<String>,
}

/// A repository an upstream check could not read.
#[napi(object, object_from_js = false)]
pub struct UpstreamError {
    /// `owner/repo`.
    pub repository: String,
    /// Stable code: `RATE_LIMITED`, `NOT_FOUND`, `NETWORK`, `NETWORK_TIMEOUT`, `HTTP_ERROR`,
    /// `INVALID_RESPONSE`, `RESPONSE_TOO_LARGE`, `INSECURE_URL`, `TOO_MANY_REDIRECTS`.
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// What `checkUpstream()` did.
#[napi(object, object_from_js = false)]
pub struct UpstreamSummary {
    /// Repositories checked (asked, or refused because of the rate limit).
    pub repositories: u32,
    /// Repositories skipped because their answer is younger than `upstreamTtlHours`.
    pub skipped: u32,
    /// Artifacts checked.
    pub artifacts: u32,
    /// HTTP requests sent (at most one per repository and endpoint).
    pub requests: u32,
    /// Requests answered `304 Not Modified` (free of rate limit on GitHub).
    pub not_modified: u32,
    /// Artifacts whose upstream version, commit or outdated state changed.
    pub updated: u32,
    /// Checked artifacts that are outdated.
    pub outdated: u32,
    /// Repositories that failed; their artifacts keep their last known upstream and carry the
    /// error in `upstreamError`.
    pub errors: Vec<UpstreamError>,
    /// The API's rate limit stopped (or prevented) the check.
    pub rate_limited: bool,
    /// When the rate limit resets (ms since the epoch).
    pub rate_limit_reset_at: Option<i64>,
    /// Wall time in ms.
    pub duration_ms: f64,
}

impl From<model::UpstreamSummary> for UpstreamSummary {
    fn from(s: model::UpstreamSummary) -> Self {
        UpstreamSummary {
            repositories: s.repositories,
            skipped: s.skipped,
            artifacts: s.artifacts,
            requests: s.requests,
            not_modified: s.not_modified,
            updated: s.updated,
            outdated: s.outdated,
            errors: s
                .errors
                .into_iter()
                .map(|e| UpstreamError {
                    repository: e.repository,
                    code: e.code,
                    message: e.message,
                })
                .collect(),
            rate_limited: s.rate_limited,
            rate_limit_reset_at: s.rate_limit_reset_at,
            duration_ms: s.duration_ms,
        }
    }
}

/// What `refreshMarketplace()` did.
#[napi(object)]
pub struct MarketplaceSummary {
    /// Per source.
    pub sources: Vec<MarketplaceOutcome>,
    /// Wall time in ms.
    pub duration_ms: f64,
}

impl From<model::MarketEntry> for MarketplaceEntry {
    fn from(e: model::MarketEntry) -> Self {
        MarketplaceEntry {
            id: e.id,
            source: e.source,
            name: e.name,
            kind: e.kind,
            version: e.version,
            description: e.description,
            author: e.author,
            category: e.category,
            tags: e.tags,
            origin: e.origin,
            homepage: e.homepage,
            raw: e.raw,
            stale: e.stale,
            installed_count: e.installed_count,
            deployed_version: e.deployed_version,
            update_available: e.update_available,
            version_diff: e.version_diff,
        }
    }
}

impl From<model::MarketSourceState> for MarketplaceSourceState {
    fn from(s: model::MarketSourceState) -> Self {
        MarketplaceSourceState {
            name: s.name,
            url: s.url,
            listing_name: s.listing_name,
            fetched_at: s.fetched_at,
            checked_at: s.checked_at,
            expires_at: s.expires_at,
            stale: s.stale,
            error: s.error,
            error_code: s.error_code,
            entries: s.entries,
            cached: s.cached,
        }
    }
}

impl From<model::MarketSummary> for MarketplaceSummary {
    fn from(s: model::MarketSummary) -> Self {
        MarketplaceSummary {
            sources: s
                .sources
                .into_iter()
                .map(|o| MarketplaceOutcome {
                    name: o.name,
                    status: o.status,
                    entries: o.entries,
                    code: o.code,
                    error: o.error,
                })
                .collect(),
            duration_ms: s.duration_ms,
        }
    }
}
