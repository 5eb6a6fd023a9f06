//! Plain data returned by the cache: projects, artifacts, pages, summaries, status.
//!
//! These structs are also the JavaScript objects (`napi(object)` with the `node` feature), so
//! each is declared once: `index.d.ts` is generated from these fields and their doc comments.

use serde::Serialize;

mod artifact;
mod content;
mod problems;

pub use crate::values::{
    ArtifactStatus, ArtifactType, MarketStatus, ProjectOrigin, ProjectStatus, RefreshState,
    SearchMode, StorageMode, UpstreamOrigin, WatcherState,
};
pub use crate::version::VersionDiff;
pub use artifact::Artifact;
pub(crate) use artifact::artifact_table;
pub use content::{ArtifactContent, list_value, text_value};
pub use problems::{ArtifactProblem, FileError, Health, Severity, health_of};

/// An entry of a project's deployment manifest whose files are gone (SkillMeat still lists it
/// among the project's deployments; Claude Code has nothing to load).
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MissingDeployment {
    /// Profile root of the manifest (`.claude`, …).
    pub profile: String,
    /// `artifact_name`.
    pub name: String,
    /// `artifact_type` (`skill`, `command`, `agent`, `hook`, `mcp`).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "node", napi(js_name = "type"))]
    pub kind: String,
    /// `artifact_path`, relative to the profile root (where its type's folder puts it when the
    /// entry has none).
    pub path: String,
    /// `from_collection`.
    pub from_collection: Option<String>,
    /// `deployed_at`, as written.
    pub deployed_at: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `content_hash` recorded at deployment.
    pub content_hash: Option<String>,
    /// `local_modifications` as SkillMeat recorded it.
    pub local_modifications: bool,
}

/// A project folder known to the cache.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
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
    /// Status of the cached data: `stale` when older than the TTL or the last refresh failed.
    pub status: ProjectStatus,
    /// Summary of what is wrong, when anything is.
    pub error: Option<String>,
    /// Project-level file problems (bad manifests, unreadable names).
    pub errors: Vec<FileError>,
    /// How it became known.
    pub origin: ProjectOrigin,
    /// Profile roots present (`.claude`, `.codex`, `.gemini`, `.cursor`).
    pub profiles: Vec<String>,
    /// Profile roots holding a SkillMeat deployment manifest (`.skillmeat-deployed.toml`), with
    /// entries or none: the projects SkillMeat lists are those with one.
    pub manifests: Vec<String>,
    /// Artifacts cached for it.
    pub artifact_count: i64,
    /// Artifacts in error.
    pub error_count: i64,
    /// Artifacts changed locally since deployment.
    pub modified_count: i64,
    /// Artifacts with a newer upstream version.
    pub outdated_count: i64,
    /// Entries of its deployment manifests (`.skillmeat-deployed.toml`), whose files are gone
    /// included: what SkillMeat counts as deployments.
    pub deployed_count: i64,
    /// The latest `deployed_at` of those entries, as the manifest writes it (ISO-8601).
    pub last_deployed_at: Option<String>,
    /// Those entries whose files are gone.
    pub missing_deployments: Vec<MissingDeployment>,
    /// When it became known (ms since the epoch).
    pub registered_at: i64,
    /// Last scan (ms since the epoch; 0 = never, or invalidated).
    pub scanned_at: i64,
    /// Last time its cached content changed (ms since the epoch).
    pub updated_at: i64,
    /// Milliseconds since the last scan ("updated 5 minutes ago"); -1 if never scanned.
    pub age_ms: i64,
}

/// Sort direction (`ASC` and `DESC` are read too).
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Order {
    /// Ascending.
    #[default]
    #[serde(alias = "ASC")]
    Asc,
    /// Descending.
    #[serde(alias = "DESC")]
    Desc,
}

/// Sort keys of `listProjects()`.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, strum::VariantArray)]
#[serde(rename_all = "camelCase")]
pub enum ProjectSort {
    /// Name (the default).
    #[default]
    Name,
    /// Folder path.
    Path,
    /// Status, then name.
    Status,
    /// Last scan.
    #[serde(alias = "scannedAt")]
    Scanned,
    /// Last change.
    #[serde(alias = "updatedAt")]
    Updated,
    /// Number of artifacts.
    #[serde(alias = "artifacts")]
    ArtifactCount,
}

/// Sort keys of `listArtifacts()`.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, strum::VariantArray)]
#[serde(rename_all = "camelCase")]
pub enum ArtifactSort {
    /// Name (the default).
    #[default]
    Name,
    /// Type, then name.
    Type,
    /// Project name, then name (two projects of one name: each one's artifacts together).
    Project,
    /// Last content change.
    #[serde(alias = "updatedAt")]
    Updated,
}

/// Sort keys of `outdatedArtifacts()`.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, strum::VariantArray)]
#[serde(rename_all = "camelCase")]
pub enum OutdatedSort {
    /// Name, without case (the default).
    #[default]
    Name,
    /// Type, then name.
    Type,
    /// Project name, then name, without case (two projects of one name: each one's artifacts
    /// together).
    Project,
    /// The most severe difference first (`desc` unless `order` says otherwise).
    VersionDiff,
    /// Last content change.
    #[serde(alias = "updatedAt")]
    Updated,
}

/// Filters, sort and paging of `listProjects()`.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(
        object,
        object_to_js = false,
        object_from_js = false,
        js_name = "ProjectQueryOptions"
    )
)]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ProjectQuery {
    /// Only projects in this status.
    pub status: Option<ProjectStatus>,
    /// Sort key (default `name`).
    pub sort_by: Option<ProjectSort>,
    /// Direction (default `asc`).
    pub order: Option<Order>,
    /// Rows to skip (default 0).
    #[serde(deserialize_with = "crate::options::whole_i64")]
    pub offset: Option<i64>,
    /// Page size (default 100, 1 to 10000).
    #[serde(deserialize_with = "crate::options::whole_i64")]
    pub limit: Option<i64>,
}

/// Filters, sort and paging of `listArtifacts()`.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(
        object,
        object_to_js = false,
        object_from_js = false,
        js_name = "ArtifactQueryOptions"
    )
)]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ArtifactQuery {
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this type.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "node", napi(js_name = "type"))]
    pub kind: Option<ArtifactType>,
    /// Only outdated (`true`) or up-to-date (`false`) artifacts.
    pub outdated: Option<bool>,
    /// Only this origin (`local`, `collection`).
    pub origin: Option<String>,
    /// Only artifacts in this state (`error`: a file could not be read at all).
    pub status: Option<ArtifactStatus>,
    /// Only artifacts Claude Code loads as written (`ok`), loads losing something (`degraded`),
    /// or will not load or never choose (`broken`).
    pub health: Option<Health>,
    /// Sort key (default `name`).
    pub sort_by: Option<ArtifactSort>,
    /// Direction (default `asc`).
    pub order: Option<Order>,
    /// Rows to skip (default 0).
    #[serde(deserialize_with = "crate::options::whole_i64")]
    pub offset: Option<i64>,
    /// Page size (default 100, 1 to 10000).
    #[serde(deserialize_with = "crate::options::whole_i64")]
    pub limit: Option<i64>,
}

/// A page of rows with the total count, built by `page_type!`.
pub trait Paged {
    /// The row type.
    type Item;
    /// The page of `items` at `offset`, of at most `limit`, out of `total`.
    fn new(items: Vec<Self::Item>, total: i64, offset: i64, limit: i64) -> Self;
}

/// Declares a page struct of `$item` rows (one per row type, since JS objects are not generic).
macro_rules! page_type {
    // The doc is a plain literal: napi reads doc comments passed through a macro as raw strings.
    ($doc:literal $name:ident of $item:ty) => {
        page_type! { $doc $name of $item, object_from_js = false }
    };
    // `object_to_js = false` leaves the conversion to JavaScript to the binding.
    ($doc:literal $name:ident of $item:ty, $($napi:tt)*) => {
        #[doc = $doc]
        #[cfg_attr(feature = "node", napi_derive::napi(object, $($napi)*))]
        #[derive(Debug, Clone, Serialize)]
        pub struct $name {
            /// The rows.
            pub items: Vec<$item>,
            /// Rows matching over all pages.
            pub total: i64,
            /// Offset used.
            pub offset: i64,
            /// Limit used.
            pub limit: i64,
        }

        impl Paged for $name {
            type Item = $item;
            fn new(items: Vec<$item>, total: i64, offset: i64, limit: i64) -> Self {
                $name {
                    items,
                    total,
                    offset,
                    limit,
                }
            }
        }
    };
}

page_type! { "A page of projects." ProjectPage of Project }

page_type! {
    "A page of artifacts."
    ArtifactPage of Artifact, object_from_js = false, object_to_js = false
}

page_type! { "A page of marketplace entries." MarketplaceEntryPage of MarketplaceEntry }

/// What a refresh did.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
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
    /// Problems found, one line each (file, line, reason): projects that could not be scanned,
    /// and the problems of the files this refresh read (unchanged files are not read again; their
    /// problems stay on the artifacts).
    pub errors: Vec<String>,
    /// The projects among those that could not be scanned (a folder gone or unreadable), one
    /// line each: what failed, as opposed to what was found.
    pub failures: Vec<String>,
    /// Wall time in milliseconds.
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

/// The last refresh recorded by any process sharing the database.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRun {
    /// Start (ms).
    pub started_at: i64,
    /// End (ms).
    pub finished_at: i64,
    /// What started it (`manual`, `register`, `recovery`, `ttl`, `watch`, …).
    pub trigger: String,
    /// `ok` or `error`.
    pub outcome: String,
    /// Error message when it failed.
    pub message: Option<String>,
    /// Projects scanned.
    pub projects_scanned: i64,
}

/// A damaged database moved aside at open.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
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
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// Stable code: `CACHE_DISK_FULL`, `CACHE_READONLY`, `CACHE_DISABLED`, `CACHE_CORRUPT`, ….
    pub code: String,
    /// What happened and what to do.
    pub message: String,
    /// When (ms).
    pub at: i64,
}

/// Health, counts and configuration of a cache.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheStatus {
    /// `file`, or `memory` (`:memory:`, disabled, or fallback from an unwritable location).
    pub mode: StorageMode,
    /// Database file (`:memory:` in memory mode).
    pub db_path: String,
    /// Bytes on disk including the WAL file (in memory mode: bytes of pages in use).
    pub size_bytes: i64,
    /// Schema version (`PRAGMA user_version`).
    pub schema_version: u32,
    /// Projects cached.
    pub projects: i64,
    /// Projects by status.
    pub projects_by_status: std::collections::BTreeMap<String, i64>,
    /// Artifacts by health: `{ ok, degraded, broken }`.
    #[cfg_attr(
        feature = "node",
        napi(ts_type = "{ ok: number; degraded: number; broken: number }")
    )]
    pub artifacts_by_health: std::collections::BTreeMap<String, i64>,
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
    #[cfg_attr(
        feature = "node",
        napi(
            ts_type = "Record<string, { value: unknown; source: 'option' | 'env' | 'file' | 'default' }>"
        )
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
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamStatus {
    /// When the last check ran (ms since the epoch), by any process.
    pub last_check_at: Option<i64>,
    /// Set while the upstream API's rate limit is exhausted: when it resets (a `RATE_LIMITED`
    /// warning is shown meanwhile).
    pub rate_limited_until: Option<i64>,
    /// Repositories whose last check failed.
    pub failed_repositories: i64,
}

/// State of the background refresher (loop, watcher, lease).
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BackgroundStatus {
    /// TTL refresh loop enabled (`backgroundRefresh`).
    pub refresh_enabled: bool,
    /// File watcher enabled (`watch`).
    pub watch_enabled: bool,
    /// `running` while a refresh runs in this process, else `idle`.
    pub state: RefreshState,
    /// Whether this process holds the refresher lease (only the holder runs the loop and watcher).
    pub is_lease_holder: bool,
    /// The lease as stored in the database, whoever holds it.
    pub lease_holder: Option<LeaseHolder>,
    /// Last background refresh in this process (ms).
    pub last_refresh_at: Option<i64>,
    /// When the next TTL refresh is due (ms), if this process runs the loop.
    pub next_refresh_at: Option<i64>,
    /// Watcher state.
    pub watcher_state: WatcherState,
    /// Paths watched.
    pub watched_paths: u32,
    /// Why the watcher is degraded, or what it could not watch.
    pub watcher_reason: Option<String>,
}

/// Holder of the refresher lease.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
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

/// Filters and paging of `marketplaceEntries()`.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(
        object,
        object_to_js = false,
        object_from_js = false,
        js_name = "MarketplaceQuery"
    )
)]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct MarketQuery {
    /// Only this source.
    pub source: Option<String>,
    /// Only this type (`plugin`, `skill`, …).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "node", napi(js_name = "type"))]
    pub kind: Option<String>,
    /// Substring of name, description or tags (case-insensitive).
    pub query: Option<String>,
    /// Rows to skip.
    #[serde(deserialize_with = "crate::options::whole_i64")]
    pub offset: Option<i64>,
    /// Page size (default 100).
    #[serde(deserialize_with = "crate::options::whole_i64")]
    pub limit: Option<i64>,
}

/// A cached marketplace entry.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceEntry {
    /// Stable id (source, type, name).
    pub id: String,
    /// Source name.
    pub source: String,
    /// Entry name.
    pub name: String,
    /// `plugin` (Claude Code marketplaces) or the listing's type.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "node", napi(js_name = "type"))]
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
    pub version_diff: Option<VersionDiff>,
}

/// A marketplace source as cached.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceSourceState {
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
    /// Last error code (`NETWORK`, `HTTP_ERROR`, `INVALID_RESPONSE`, …).
    pub error_code: Option<String>,
    /// Entries cached.
    pub entries: i64,
    /// Whether a good copy is cached.
    pub cached: bool,
}

/// What happened to one marketplace source in a refresh.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceOutcome {
    /// Source name.
    pub name: String,
    /// What happened.
    pub status: MarketStatus,
    /// Entries now cached.
    pub entries: i64,
    /// Error code when it failed.
    pub code: Option<String>,
    /// Error message when it failed.
    pub error: Option<String>,
}

/// What `refreshMarketplace()` did.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceSummary {
    /// Per source.
    pub sources: Vec<MarketplaceOutcome>,
    /// Wall time in ms.
    pub duration_ms: f64,
}

/// Filters, sort and paging of `outdatedArtifacts()`.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(
        object,
        object_to_js = false,
        object_from_js = false,
        js_name = "OutdatedQuery"
    )
)]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct OutdatedQuery {
    /// Only this type.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "node", napi(js_name = "type"))]
    pub kind: Option<ArtifactType>,
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this kind of difference.
    #[cfg_attr(
        feature = "node",
        napi(ts_type = "'major' | 'minor' | 'patch' | 'prerelease' | 'commit' | 'content'")
    )]
    pub difference: Option<VersionDiff>,
    /// Sort key (default `name`; `versionDiff` puts the most severe first).
    pub sort_by: Option<OutdatedSort>,
    /// Direction.
    pub order: Option<Order>,
    /// Rows to skip.
    #[serde(deserialize_with = "crate::options::whole_i64")]
    pub offset: Option<i64>,
    /// Page size (default 100).
    #[serde(deserialize_with = "crate::options::whole_i64")]
    pub limit: Option<i64>,
    /// Check upstream first for artifacts whose last check is older than this (ms); the
    /// call then returns a Promise.
    #[serde(deserialize_with = "crate::options::whole_ms")]
    #[cfg_attr(feature = "node", napi(ts_type = "number"))]
    pub max_age_ms: Option<u64>,
}

/// One search hit: the cached row and its relevance score.
#[derive(Debug, Clone)]
pub enum SearchItem {
    /// An artifact in a project.
    Artifact(Box<Artifact>, f32),
    /// A marketplace entry.
    Entry(Box<MarketplaceEntry>, f32),
}

/// A page of search hits.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// Hits of this page: artifacts (`kind: 'artifact'`) and marketplace entries
    /// (`kind: 'entry'`), each with its relevance `score`.
    #[cfg_attr(
        feature = "node",
        napi(
            ts_type = "Array<(Artifact & { kind: 'artifact'; score: number }) | (MarketplaceEntry & { kind: 'entry'; score: number })>"
        )
    )]
    pub items: Vec<SearchItem>,
    /// Hits over all pages.
    pub total: i64,
    /// True when no document matched every word, so documents matching any word are listed.
    pub relaxed: bool,
    /// Wall time in the addon, loading the rows included (ms).
    pub took_ms: f64,
}

/// Health and size of the search index.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchStatus {
    /// `file`, `memory`, or `unavailable` (see `lastError`).
    pub mode: SearchMode,
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

/// A repository an upstream check could not read.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
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
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamSummary {
    /// Repositories checked (asked, or refused by a rate limit).
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
    /// Wall time (ms).
    pub duration_ms: f64,
}
