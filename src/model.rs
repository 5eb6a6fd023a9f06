//! Plain data returned by the cache: projects, artifacts, pages, summaries, status.

use serde::Serialize;

use crate::scan::FileError;

/// A project folder known to the cache.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Stable id derived from the canonical path.
    pub id: String,
    /// Name from `.skillmeat-project.toml`, else the folder name.
    pub name: String,
    /// Canonical absolute path.
    pub path: String,
    /// Description from `.skillmeat-project.toml`.
    pub description: Option<String>,
    /// `active`, `stale` (older than the TTL, or the last refresh failed), `error` or `missing`.
    pub status: String,
    /// Summary of what is wrong, when anything is.
    pub error: Option<String>,
    /// Project-level file problems.
    pub errors: Vec<FileError>,
    /// `registered` or `discovered`.
    pub origin: String,
    /// Profile roots present (`.claude`, …).
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
    /// Last scan (ms since the epoch; 0 = never or invalidated).
    pub scanned_at: i64,
    /// Last time its cached content changed (ms).
    pub updated_at: i64,
    /// Milliseconds since the last scan (for "updated 5 minutes ago"); -1 if never scanned.
    pub age_ms: i64,
}

/// An artifact deployed in (or found in) a project.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// Stable id derived from project, profile, type and name.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// Owning project's name.
    pub project_name: String,
    /// Profile root (`.claude`, …; `.` for the project's `.mcp.json`).
    pub profile: String,
    /// `skill`, `command`, `agent`, `hook` or `mcp`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Folder or file name (identity inside the project).
    pub name: String,
    /// Frontmatter `name` (which may differ from the file name), else the name.
    pub display_name: String,
    /// Path relative to the project folder.
    pub path: String,
    /// Description.
    pub description: Option<String>,
    /// Frontmatter version.
    pub version: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// License.
    pub license: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Tools.
    pub tools: Vec<String>,
    /// `local` or `collection`.
    pub origin: String,
    /// Upstream source spec.
    pub source: Option<String>,
    /// Version spec.
    pub version_spec: Option<String>,
    /// Collection deployed from.
    pub from_collection: Option<String>,
    /// When deployed (as recorded).
    pub deployed_at: Option<String>,
    /// Deployed version.
    pub deployed_version: Option<String>,
    /// Deployed commit.
    pub deployed_sha: Option<String>,
    /// Hash recorded at deployment.
    pub deployed_hash: Option<String>,
    /// Current content hash.
    pub content_hash: Option<String>,
    /// Whether the files differ from what was deployed.
    pub local_modified: bool,
    /// Latest upstream version known.
    pub upstream_version: Option<String>,
    /// Latest upstream commit known.
    pub upstream_sha: Option<String>,
    /// When upstream was last checked (ms).
    pub upstream_checked_at: Option<i64>,
    /// Where the upstream version came from: `github`, `collection` or `marketplace`.
    pub upstream_origin: Option<String>,
    /// Why the last upstream check of this artifact failed (`CODE: message`); the upstream
    /// fields keep the last known answer.
    pub upstream_error: Option<String>,
    /// What Claude Code will do with it: `ok`, `degraded` (loads, loses something) or `broken`
    /// (not loaded, or never chosen).
    pub health: String,
    /// Why it is degraded or broken, each with the line and the fix.
    pub problems: Vec<crate::scan::health::Problem>,
    /// Whether upstream is newer.
    pub is_outdated: bool,
    /// Kind of difference to upstream.
    pub version_diff: Option<String>,
    /// `ok` or `error`.
    pub status: String,
    /// File and reason when in error.
    pub error: Option<String>,
    /// Total size of its files.
    pub size_bytes: i64,
    /// Number of files.
    pub file_count: i64,
    /// Newest file mtime (ms).
    pub modified_at: i64,
    /// Other frontmatter keys (or the MCP config) as JSON object text.
    pub metadata: String,
    /// Last scan (ms).
    pub scanned_at: i64,
    /// Last content change seen (ms).
    pub updated_at: i64,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// Filters and paging for `list_projects`.
#[derive(Debug, Clone, Default)]
pub struct ProjectQuery {
    /// `active`, `stale`, `error` or `missing`.
    pub status: Option<String>,
    /// `name` (default), `path`, `status`, `scanned`, `updated`, `artifactCount`.
    pub sort_by: Option<String>,
    /// Direction.
    pub order: Option<Order>,
    /// Rows to skip.
    pub offset: Option<i64>,
    /// Page size (default 100, at most 10 000).
    pub limit: Option<i64>,
}

/// Filters and paging for `list_artifacts`.
#[derive(Debug, Clone, Default)]
pub struct ArtifactQuery {
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this type.
    pub kind: Option<String>,
    /// Only outdated (`true`) or up-to-date (`false`).
    pub outdated: Option<bool>,
    /// Only this origin.
    pub origin: Option<String>,
    /// Only `ok` or `error`.
    pub status: Option<String>,
    /// Only `ok`, `degraded` or `broken`.
    pub health: Option<String>,
    /// `name` (default), `type`, `project`, `updated`.
    pub sort_by: Option<String>,
    /// Direction.
    pub order: Option<Order>,
    /// Rows to skip.
    pub offset: Option<i64>,
    /// Page size.
    pub limit: Option<i64>,
}

/// One page of results with the total count.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Rows matching, over all pages.
    pub total: i64,
    /// Offset used.
    pub offset: i64,
    /// Limit used.
    pub limit: i64,
}

/// What a refresh did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshSummary {
    /// Projects looked at.
    pub projects_scanned: u32,
    /// Projects whose files changed.
    pub projects_changed: u32,
    /// Projects found for the first time under a discovery root.
    pub projects_discovered: u32,
    /// Projects whose folder is gone.
    pub projects_missing: u32,
    /// Artifacts new to the cache.
    pub artifacts_added: u32,
    /// Artifacts whose content changed.
    pub artifacts_updated: u32,
    /// Artifacts no longer on disk.
    pub artifacts_removed: u32,
    /// Files re-read (the rest were skipped by size and mtime).
    pub artifacts_read: u32,
    /// Problems found (malformed files, unreadable folders).
    pub errors: Vec<String>,
    /// Wall time in ms.
    pub duration_ms: f64,
}

/// The outcome of writing one project's scan.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    /// Names added.
    pub added: Vec<String>,
    /// Names whose content changed.
    pub updated: Vec<String>,
    /// Names removed.
    pub removed: Vec<String>,
}

/// The last refresh as recorded in the database.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRun {
    /// Start (ms).
    pub started_at: i64,
    /// End (ms).
    pub finished_at: i64,
    /// `manual`, `register`, `recovery`.
    pub trigger: String,
    /// `ok` or `error`.
    pub outcome: String,
    /// Error message when it failed.
    pub message: Option<String>,
    /// Projects scanned.
    pub projects_scanned: i64,
}

/// A database moved aside at open because it was corrupt.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recovery {
    /// Where the damaged file now is.
    pub moved_to: String,
    /// What was wrong.
    pub reason: String,
    /// When (ms).
    pub at: i64,
}

/// A condition the user should know about.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// Stable code (`CACHE_DISK_FULL`, `CACHE_READONLY`, `CACHE_DISABLED`, `CACHE_CORRUPT`, …).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
    /// When (ms).
    pub at: i64,
}

/// Health and counts of a cache.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `file` or `memory`.
    pub mode: String,
    /// Database file (`:memory:` in memory mode).
    pub db_path: String,
    /// Bytes on disk, including the WAL.
    pub size_bytes: i64,
    /// Schema version.
    pub schema_version: u32,
    /// Projects cached.
    pub projects: i64,
    /// Projects by status.
    pub projects_by_status: std::collections::BTreeMap<String, i64>,
    /// Artifacts by health: `ok`, `degraded`, `broken`.
    pub artifacts_by_health: std::collections::BTreeMap<String, i64>,
    /// Artifacts cached.
    pub artifacts: i64,
    /// Artifacts in error.
    pub artifact_errors: i64,
    /// Artifacts modified locally.
    pub modified_artifacts: i64,
    /// Outdated artifacts.
    pub outdated_artifacts: i64,
    /// Last refresh recorded by any process.
    pub last_refresh: Option<RefreshRun>,
    /// Set when a corrupt database was moved aside at open.
    pub recovered: Option<Recovery>,
    /// Conditions needing attention.
    pub warnings: Vec<Warning>,
    /// Reads that served fresh data.
    pub hits: u64,
    /// Reads that found nothing or stale data.
    pub misses: u64,
    /// Configuration in force: `{ key: { value, source } }`.
    pub config: serde_json::Value,
    /// The background refresher and file watcher.
    pub background: BackgroundStatus,
    /// The search index.
    pub search: SearchStatus,
    /// Upstream version checks.
    pub upstream: UpstreamStatus,
}

/// State of upstream version checks, as `status()` shows it.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamStatus {
    /// When the last check ran (ms since the epoch), by any process.
    pub last_check_at: Option<i64>,
    /// Set while the upstream API's rate limit is exhausted: when it resets.
    pub rate_limited_until: Option<i64>,
    /// Repositories whose last check failed.
    pub failed_repositories: i64,
}

/// State of the background refresher (loop, watcher, lease).
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BackgroundStatus {
    /// Whether the TTL refresh loop is enabled.
    pub refresh_enabled: bool,
    /// Whether the file watcher is enabled.
    pub watch_enabled: bool,
    /// `running` (a refresh is in progress in this process) or `idle`.
    pub state: String,
    /// Whether this process holds the refresher lease (runs the loop and the watcher).
    pub is_lease_holder: bool,
    /// The lease as stored: holder id, pid, expiry.
    pub lease_holder: Option<LeaseHolder>,
    /// When this process's background work last refreshed (ms).
    pub last_refresh_at: Option<i64>,
    /// When the next TTL refresh is due (ms), when the loop runs here.
    pub next_refresh_at: Option<i64>,
    /// `off`, `standby` (another process holds the lease), `watching` or `degraded`.
    pub watcher_state: String,
    /// Paths watched.
    pub watched_paths: u32,
    /// Why the watcher is degraded.
    pub watcher_reason: Option<String>,
}

/// Holder of the refresher lease.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaseHolder {
    /// Holder id.
    pub holder: String,
    /// Its process id.
    pub pid: i64,
    /// Last heartbeat (ms).
    pub heartbeat_at: i64,
    /// Expiry unless renewed (ms).
    pub expires_at: i64,
}

/// Filters and paging of `marketplace_entries`.
#[derive(Debug, Clone, Default)]
pub struct MarketQuery {
    /// Only this source.
    pub source: Option<String>,
    /// Only this type (`plugin`, `skill`, …).
    pub kind: Option<String>,
    /// Substring of name, description or tags (case-insensitive).
    pub query: Option<String>,
    /// Rows to skip.
    pub offset: Option<i64>,
    /// Page size.
    pub limit: Option<i64>,
}

/// A cached marketplace entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketEntry {
    /// Stable id (source, type, name).
    pub id: String,
    /// Source name.
    pub source: String,
    /// Entry name.
    pub name: String,
    /// `plugin`, `skill`, ….
    #[serde(rename = "type")]
    pub kind: String,
    /// Listed version.
    pub version: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Where it is published (`owner/repo/path@ref`, a URL or a path).
    pub origin: Option<String>,
    /// Homepage.
    pub homepage: Option<String>,
    /// The entry as listed (JSON text).
    pub raw: String,
    /// Whether the listing is past its TTL or its last refresh failed.
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

/// One marketplace source as cached.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketSourceState {
    /// Source name.
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
    /// Last error's code.
    pub error_code: Option<String>,
    /// Entries cached.
    pub entries: i64,
    /// Whether a good copy is cached.
    pub cached: bool,
}

/// What happened to one source in `refresh_marketplace`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketOutcome {
    /// Source name.
    pub name: String,
    /// `fetched`, `notModified` (304, TTL renewed), `fresh` (within TTL, not fetched),
    /// `cached` (offline mode), `error` (last good copy kept, marked stale).
    pub status: String,
    /// Entries now cached.
    pub entries: i64,
    /// Error code when it failed.
    pub code: Option<String>,
    /// Error message when it failed.
    pub error: Option<String>,
}

/// What `refresh_marketplace` did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketSummary {
    /// Per source.
    pub sources: Vec<MarketOutcome>,
    /// Wall time (ms).
    pub duration_ms: f64,
}

/// Filters, sort and paging of `outdated_artifacts`.
#[derive(Debug, Clone, Default)]
pub struct OutdatedQuery {
    /// Only this type.
    pub kind: Option<String>,
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this kind of difference (`major`, `minor`, `patch`, `prerelease`, `commit`).
    pub difference: Option<String>,
    /// `name` (default), `type`, `project`, `versionDiff` (most severe first by default), `updated`.
    pub sort_by: Option<String>,
    /// Direction.
    pub order: Option<Order>,
    /// Rows to skip.
    pub offset: Option<i64>,
    /// Page size.
    pub limit: Option<i64>,
}

/// One search hit: the cached row and its relevance score.
#[derive(Debug, Clone)]
pub enum SearchItem {
    /// An artifact in a project.
    Artifact(Box<Artifact>, f32),
    /// A marketplace entry.
    Entry(Box<MarketEntry>, f32),
}

/// A page of search hits.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Hits of this page, best first (or in the requested order).
    pub items: Vec<SearchItem>,
    /// Hits over all pages.
    pub total: i64,
    /// True when no document matched every word, so documents matching any word are listed.
    pub relaxed: bool,
    /// Wall time, loading the rows included (ms).
    pub took_ms: f64,
}

/// Health and size of the search index, as `status()` shows it.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchStatus {
    /// `file`, `memory`, or `unavailable` (see `last_error`).
    pub mode: String,
    /// Folder of the index.
    pub path: Option<String>,
    /// Documents (artifacts + marketplace entries).
    pub docs: i64,
    /// Index segments.
    pub segments: i64,
    /// Bytes on disk.
    pub size_bytes: i64,
    /// Identifier of the database the index was built from (a decimal string).
    pub generation: String,
    /// When the index was last rebuilt in full (ms since the epoch).
    pub last_rebuild_at: Option<i64>,
    /// How long that took (ms).
    pub last_rebuild_ms: Option<f64>,
    /// Why this process rebuilt it, if it did.
    pub last_rebuild_reason: Option<String>,
    /// Times this process waited for another process's index write.
    pub lock_waits: i64,
    /// Index writes of this process that failed (their changes stay queued and are retried).
    pub write_failures: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// Changes queued in the database and not yet in the index.
    pub pending: i64,
}

/// A repository an upstream check could not read.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamError {
    /// `owner/repo`.
    pub repository: String,
    /// Stable code (`RATE_LIMITED`, `NOT_FOUND`, `NETWORK`, `HTTP_ERROR`, …).
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// What `check_upstream` did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamSummary {
    /// Repositories checked (asked, or refused by a rate limit).
    pub repositories: u32,
    /// Repositories skipped because their answer is within the upstream TTL.
    pub skipped: u32,
    /// Artifacts checked.
    pub artifacts: u32,
    /// HTTP requests sent.
    pub requests: u32,
    /// Requests answered `304 Not Modified`.
    pub not_modified: u32,
    /// Artifacts whose upstream version, commit or outdated state changed.
    pub updated: u32,
    /// Checked artifacts that are outdated.
    pub outdated: u32,
    /// Repositories that failed (their artifacts keep their last known upstream).
    pub errors: Vec<UpstreamError>,
    /// The API's rate limit stopped the check.
    pub rate_limited: bool,
    /// When the rate limit resets (ms since the epoch).
    pub rate_limit_reset_at: Option<i64>,
    /// Wall time (ms).
    pub duration_ms: f64,
}
