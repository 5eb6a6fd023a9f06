//! The `Cache` class as JavaScript sees it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use napi::Env;
use napi::bindgen_prelude::{Either, Function, Object};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::Value;

use super::args::{Obj, required_string};
use super::js_error;
use crate::cache::{Cache, RefreshOptions};
use crate::config::Options;
use crate::model::{
    Artifact, ArtifactPage, CacheStatus, MarketplaceEntryPage, MarketplaceSourceState,
    MarketplaceSummary, Project, ProjectPage, RefreshSummary, SearchResult, UpstreamSummary,
};
use crate::model::{ArtifactQuery, ProjectQuery};

/// Options of `Cache.open()`. Each falls back to its environment variable, then to
/// `<home>/config.toml` `[cache]`, then to the default (see docs/configuration.md).
// Declared for index.d.ts; the argument itself is read as JSON so errors can name the bad field.
#[allow(dead_code)]
#[napi(object)]
pub struct CacheOptions {
    /// SkillMeat home (env `SKILLMEAT_HOME`, default `~/.skillmeat`).
    pub home: Option<String>,
    /// Database file, or `":memory:"` (env `SKILLMEAT_CACHE_PATH`, default `<home>/cache/skillmeat-cache.db`).
    pub path: Option<String>,
    /// Minutes before a project scan counts as stale (env `SKILLMEAT_CACHE_TTL`, default 360).
    pub ttl_minutes: Option<u32>,
    /// `false` keeps the cache in memory only (env `SKILLMEAT_CACHE_ENABLED`, default true).
    pub enabled: Option<bool>,
    /// Folders searched for projects at each refresh (env `SKILLMEAT_CACHE_PROJECT_ROOTS`).
    pub project_roots: Option<Vec<String>>,
    /// How many levels below each root to look (env `SKILLMEAT_CACHE_DISCOVERY_DEPTH`, default 3).
    pub discovery_depth: Option<u32>,
    /// Cap on the database size in MiB; 0 = none (env `SKILLMEAT_CACHE_MAX_SIZE_MB`).
    pub max_size_mb: Option<u32>,
    /// How long to wait for another process's write lock (env `SKILLMEAT_CACHE_BUSY_TIMEOUT_MS`, default 5000).
    pub busy_timeout_ms: Option<u32>,
    /// Re-scan projects older than the TTL in the background, and catch up at open (env
    /// `SKILLMEAT_CACHE_BACKGROUND`, default false: one-shot scripts should not start background work).
    pub background_refresh: Option<bool>,
    /// Watch project folders and re-scan what changes (env `SKILLMEAT_CACHE_WATCH`, default false).
    pub watch: Option<bool>,
    /// Most folders to watch before falling back to TTL refresh (env `SKILLMEAT_CACHE_WATCH_LIMIT`, default 10000).
    pub watch_limit: Option<u32>,
    /// How long the background-refresher lease survives its holder's silence, in ms (default 15000).
    pub lease_ttl_ms: Option<u32>,
    /// Marketplaces to cache (default: `<home>/marketplace.toml` `[[sources]]`).
    pub marketplace_sources: Option<Vec<MarketplaceSourceConfig>>,
    /// Hours a fetched listing stays fresh (env `SKILLMEAT_CACHE_MARKETPLACE_TTL_HOURS`, default 24).
    pub marketplace_ttl_hours: Option<u32>,
    /// Hosts allowed over plain http; everything else must be https (env `SKILLMEAT_CACHE_ALLOW_HTTP_HOSTS`).
    pub allow_http_hosts: Option<Vec<String>>,
    /// Timeout of one HTTP request in ms (default 15000).
    pub http_timeout_ms: Option<u32>,
    /// Largest HTTP response accepted in bytes (default 5 MiB).
    pub max_response_bytes: Option<u32>,
    /// Base URL of the GitHub-compatible API for upstream versions (env `SKILLMEAT_GITHUB_API_URL`,
    /// default `https://api.github.com`; GitHub Enterprise: `https://HOST/api/v3`). The token is
    /// read from `SKILLMEAT_GITHUB_TOKEN` or `GITHUB_TOKEN` and never stored.
    pub github_api_url: Option<String>,
    /// Hours an upstream answer stays fresh before the background refresh checks the repository
    /// again; 0 turns background checks off (env `SKILLMEAT_CACHE_UPSTREAM_TTL_HOURS`, default 24).
    pub upstream_ttl_hours: Option<u32>,
    /// Most files and folders listed in one artifact; past it the listing stops and the artifact
    /// gets an `ARTIFACT_TOO_LARGE` problem (env `SKILLMEAT_CACHE_MAX_ARTIFACT_FILES`, default 1000).
    pub max_artifact_files: Option<u32>,
    /// Most bytes of files in one artifact, summed from their sizes; a larger one is not hashed
    /// (env `SKILLMEAT_CACHE_MAX_ARTIFACT_BYTES`, default 64 MiB).
    pub max_artifact_bytes: Option<u32>,
    /// Most levels of sub-folders read below an artifact's folder, 0–64 (env
    /// `SKILLMEAT_CACHE_MAX_ARTIFACT_DEPTH`, default 8).
    pub max_artifact_depth: Option<u32>,
    /// Most files and folders listed in one project; past it the listing stops with a
    /// `PROJECT_TOO_LARGE` project error (env `SKILLMEAT_CACHE_MAX_PROJECT_FILES`, default 20000).
    pub max_project_files: Option<u32>,
}

/// A marketplace to cache.
#[allow(dead_code)]
#[napi(object)]
pub struct MarketplaceSourceConfig {
    /// Short unique name.
    pub name: String,
    /// URL of a `marketplace.json` or a SkillMeat broker listing.
    pub url: String,
    /// Hours a fetched copy stays fresh.
    pub ttl_hours: Option<u32>,
}

/// Filters, sort and paging of `outdatedArtifacts()`.
#[allow(dead_code)]
#[napi(object)]
pub struct OutdatedQuery {
    /// Only this type.
    #[napi(
        js_name = "type",
        ts_type = "'skill' | 'command' | 'agent' | 'hook' | 'mcp'"
    )]
    pub kind: Option<String>,
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this kind of difference.
    #[napi(ts_type = "'major' | 'minor' | 'patch' | 'prerelease' | 'commit' | 'content'")]
    pub difference: Option<String>,
    /// Sort key (default `name`; `versionDiff` puts the most severe first).
    #[napi(ts_type = "'name' | 'type' | 'project' | 'versionDiff' | 'updated'")]
    pub sort_by: Option<String>,
    /// Direction.
    #[napi(ts_type = "'asc' | 'desc'")]
    pub order: Option<String>,
    /// Rows to skip.
    pub offset: Option<u32>,
    /// Page size (default 100).
    pub limit: Option<u32>,
}

/// Filters and paging of `marketplaceEntries()`.
#[allow(dead_code)]
#[napi(object)]
pub struct MarketplaceQuery {
    /// Only this source.
    pub source: Option<String>,
    /// Only this type (`plugin`, `skill`, …).
    #[napi(js_name = "type")]
    pub kind: Option<String>,
    /// Substring of name, description or tags.
    pub query: Option<String>,
    /// Rows to skip.
    pub offset: Option<u32>,
    /// Page size (default 100).
    pub limit: Option<u32>,
}

/// Options of `refreshMarketplace()`.
#[allow(dead_code)]
#[napi(object)]
pub struct MarketplaceRefreshRequest {
    /// Only this source.
    pub source: Option<String>,
    /// Fetch even if the cached copy is within its TTL.
    pub force: Option<bool>,
    /// Offline: never touch the network, report what is cached.
    pub only_if_cached: Option<bool>,
}

/// Filters, sort and paging of `listProjects()`.
// Declared for index.d.ts; the argument itself is read as JSON so errors can name the bad field.
#[allow(dead_code)]
#[napi(object)]
pub struct ProjectQueryOptions {
    /// Only projects in this status.
    #[napi(ts_type = "'active' | 'stale' | 'error' | 'missing'")]
    pub status: Option<String>,
    /// Sort key (default `name`).
    #[napi(ts_type = "'name' | 'path' | 'status' | 'scanned' | 'updated' | 'artifactCount'")]
    pub sort_by: Option<String>,
    /// Direction (default `asc`).
    #[napi(ts_type = "'asc' | 'desc'")]
    pub order: Option<String>,
    /// Rows to skip (default 0).
    pub offset: Option<u32>,
    /// Page size (default 100, 1 to 10000).
    pub limit: Option<u32>,
}

/// Filters, sort and paging of `listArtifacts()`.
// Declared for index.d.ts; the argument itself is read as JSON so errors can name the bad field.
#[allow(dead_code)]
#[napi(object)]
pub struct ArtifactQueryOptions {
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this type.
    #[napi(
        js_name = "type",
        ts_type = "'skill' | 'command' | 'agent' | 'hook' | 'mcp'"
    )]
    pub kind: Option<String>,
    /// Only outdated (`true`) or up-to-date (`false`) artifacts.
    pub outdated: Option<bool>,
    /// Only this origin (`local`, `collection`).
    pub origin: Option<String>,
    /// Only artifacts in this state (`error`: a file could not be read at all).
    #[napi(ts_type = "'ok' | 'error'")]
    pub status: Option<String>,
    /// Only artifacts Claude Code loads as written (`ok`), loads losing something (`degraded`),
    /// or will not load or never choose (`broken`).
    #[napi(ts_type = "'ok' | 'degraded' | 'broken'")]
    pub health: Option<String>,
    /// Sort key (default `name`).
    #[napi(ts_type = "'name' | 'type' | 'project' | 'updated'")]
    pub sort_by: Option<String>,
    /// Direction (default `asc`).
    #[napi(ts_type = "'asc' | 'desc'")]
    pub order: Option<String>,
    /// Rows to skip (default 0).
    pub offset: Option<u32>,
    /// Page size (default 100, 1 to 10000).
    pub limit: Option<u32>,
}

/// Options of `refresh()`.
// Declared for index.d.ts; the argument itself is read as JSON so errors can name the bad field.
#[allow(dead_code)]
#[napi(object)]
pub struct RefreshRequest {
    /// Only this project (default: discovery, then every project).
    pub project_id: Option<String>,
    /// Re-read every file even when its size and mtime did not change.
    pub force: Option<bool>,
}

/// The result of `freshness()`.
#[napi(object)]
pub struct CacheFreshness {
    /// The data generation: moves whenever any process commits a change to the cached data.
    pub generation: i64,
    /// When the last refresh (of any process) finished, ms since the epoch.
    pub last_refresh_at: Option<i64>,
    /// The scan TTL (`ttlMinutes`) in ms: data older than this is stale.
    pub ttl_ms: i64,
}

/// A persistent cache of SkillMeat projects and their artifacts. Reads are synchronous and
/// cheap; `refresh()` and `clear()` run on worker threads the cache owns. Call `close()` when done.
#[napi(js_name = "Cache")]
pub struct JsCache {
    /// The cache: shared with every other open of the same database file in this process.
    inner: Cache,
    /// `close()` was called on this object (the shared cache may stay open for others).
    released: AtomicBool,
    /// `onEvent` subscriptions made through this object, ended when it is closed.
    subscriptions: Mutex<Vec<u64>>,
}

impl JsCache {
    /// The cache, unless this object was closed.
    fn c(&self) -> napi::Result<&Cache, String> {
        if self.released.load(Ordering::Acquire) {
            return Err(js_error(crate::Error::Closed));
        }
        Ok(&self.inner)
    }

    /// A Promise settled by `start(cache, done)`; rejected with `CACHE_CLOSED` when this object
    /// was closed.
    fn promise<'env, T>(
        &self,
        env: &'env Env,
        start: impl FnOnce(&Cache, Box<dyn FnOnce(crate::Result<T>) + Send>),
    ) -> napi::Result<Object<'env>, String>
    where
        T: Send + napi::bindgen_prelude::ToNapiValue + 'static,
    {
        super::promise::<T>(env, |done| match self.c() {
            Ok(c) => start(c, done),
            Err(_) => done(Err(crate::Error::Closed)),
        })
    }

    /// Ends this object's subscriptions and gives its handle back (the last one closes the
    /// cache when `close`).
    fn give_back(&self, close: bool) {
        if self.released.swap(true, Ordering::AcqRel) {
            return;
        }
        for id in lock_subs(&self.subscriptions).drain(..) {
            self.inner.unsubscribe(id);
        }
        self.inner.release(close);
    }
}

impl Drop for JsCache {
    fn drop(&mut self) {
        // Collected without close(): forget the handle; the cache stops when its last
        // reference goes (never blocking the thread that finalizes it).
        self.give_back(false);
    }
}

/// `{ projectId?, force? }`, the options of `refresh()` and `checkUpstream()`.
fn project_and_force(v: &Option<Value>) -> Result<(Option<String>, bool), crate::Error> {
    let o = Obj::new("options", v, &["projectId", "force"])?;
    Ok((o.string("projectId")?, o.boolean("force")?.unwrap_or(false)))
}

fn options(v: &Option<Value>) -> Result<Options, crate::Error> {
    let o = Obj::new(
        "options",
        v,
        &[
            "home",
            "path",
            "ttlMinutes",
            "enabled",
            "projectRoots",
            "discoveryDepth",
            "maxSizeMb",
            "busyTimeoutMs",
            "backgroundRefresh",
            "watch",
            "watchLimit",
            "leaseTtlMs",
            "marketplaceSources",
            "marketplaceTtlHours",
            "allowHttpHosts",
            "httpTimeoutMs",
            "maxResponseBytes",
            "githubApiUrl",
            "upstreamTtlHours",
            "maxArtifactFiles",
            "maxArtifactBytes",
            "maxArtifactDepth",
            "maxProjectFiles",
        ],
    )?;
    let u32_of = |k: &str| -> Result<Option<u32>, crate::Error> {
        Ok(o.int(k, u32::MAX as i64)?.map(|n| n as u32))
    };
    Ok(Options {
        home: o.string("home")?.map(|h| crate::config::expand_home(&h)),
        path: o.string("path")?,
        ttl_minutes: u32_of("ttlMinutes")?,
        enabled: o.boolean("enabled")?,
        project_roots: o
            .strings("projectRoots")?
            .map(|v| v.iter().map(|p| crate::config::expand_home(p)).collect()),
        discovery_depth: u32_of("discoveryDepth")?,
        max_size_mb: u32_of("maxSizeMb")?,
        busy_timeout_ms: u32_of("busyTimeoutMs")?,
        background_refresh: o.boolean("backgroundRefresh")?,
        watch: o.boolean("watch")?,
        watch_limit: u32_of("watchLimit")?,
        lease_ttl_ms: u32_of("leaseTtlMs")?,
        marketplace_sources: o.sources("marketplaceSources")?,
        marketplace_ttl_hours: u32_of("marketplaceTtlHours")?,
        allow_http_hosts: o.strings("allowHttpHosts")?,
        http_timeout_ms: u32_of("httpTimeoutMs")?,
        max_response_bytes: u32_of("maxResponseBytes")?,
        github_api_url: o.string("githubApiUrl")?,
        upstream_ttl_hours: u32_of("upstreamTtlHours")?,
        max_artifact_files: u32_of("maxArtifactFiles")?,
        max_artifact_bytes: u32_of("maxArtifactBytes")?,
        max_artifact_depth: u32_of("maxArtifactDepth")?,
        max_project_files: u32_of("maxProjectFiles")?,
    })
}

#[napi]
impl JsCache {
    /// Opens (creating if needed) the cache. A damaged database is moved aside and rebuilt; an
    /// unwritable location falls back to memory. Both are reported by `status()`.
    #[napi(catch_unwind, factory, ts_args_type = "options?: CacheOptions")]
    pub fn open(options_arg: Option<Value>) -> napi::Result<JsCache, String> {
        let opts = options(&options_arg).map_err(js_error)?;
        Ok(JsCache {
            inner: Cache::open_shared(opts).map_err(js_error)?,
            released: AtomicBool::new(false),
            subscriptions: Mutex::new(Vec::new()),
        })
    }

    /// Health, counts, configuration and where each value came from.
    #[napi(catch_unwind)]
    pub fn status(&self) -> napi::Result<CacheStatus, String> {
        self.c()?.status().map_err(js_error)
    }

    /// Registers a project folder and scans it now, on the calling thread, within the caps
    /// (`maxProjectFiles`, `maxArtifactFiles`, …). Throws `NOT_FOUND` if it does not exist.
    #[napi(catch_unwind, ts_args_type = "path: string")]
    pub fn register_project(&self, path: Value) -> napi::Result<Project, String> {
        let path = required_string("path", &path).map_err(js_error)?;
        self.inner.register_project(&path).map_err(js_error)
    }

    /// Forgets a project and its cached artifacts. Returns whether it was known.
    #[napi(catch_unwind, ts_args_type = "id: string")]
    pub fn unregister_project(&self, id: Value) -> napi::Result<bool, String> {
        let id = required_string("id", &id).map_err(js_error)?;
        self.c()?.unregister_project(&id).map_err(js_error)
    }

    /// One project by id, or `null`.
    #[napi(catch_unwind, ts_args_type = "id: string")]
    pub fn get_project(&self, id: Value) -> napi::Result<Option<Project>, String> {
        let id = required_string("id", &id).map_err(js_error)?;
        self.inner.get_project(&id).map_err(js_error)
    }

    /// One artifact by id, or `null`.
    #[napi(catch_unwind, ts_args_type = "id: string")]
    pub fn get_artifact(&self, id: Value) -> napi::Result<Option<Artifact>, String> {
        let id = required_string("id", &id).map_err(js_error)?;
        self.inner.get_artifact(&id).map_err(js_error)
    }

    /// A page of projects.
    #[napi(catch_unwind, ts_args_type = "query?: ProjectQueryOptions")]
    pub fn list_projects(&self, query: Option<Value>) -> napi::Result<ProjectPage, String> {
        let q = (|| -> Result<ProjectQuery, crate::Error> {
            let o = Obj::new(
                "query",
                &query,
                &["status", "sortBy", "order", "offset", "limit"],
            )?;
            Ok(ProjectQuery {
                status: o.string("status")?,
                sort_by: o.string("sortBy")?,
                order: o.order()?,
                offset: o.int("offset", i64::from(u32::MAX))?,
                limit: o.int("limit", i64::from(u32::MAX))?,
            })
        })()
        .map_err(js_error)?;
        self.c()?.list_projects(&q).map_err(js_error)
    }

    /// A page of artifacts.
    #[napi(catch_unwind, ts_args_type = "query?: ArtifactQueryOptions")]
    pub fn list_artifacts(&self, query: Option<Value>) -> napi::Result<ArtifactPage, String> {
        let q = (|| -> Result<ArtifactQuery, crate::Error> {
            let o = Obj::new(
                "query",
                &query,
                &[
                    "projectId",
                    "type",
                    "outdated",
                    "origin",
                    "status",
                    "health",
                    "sortBy",
                    "order",
                    "offset",
                    "limit",
                ],
            )?;
            Ok(ArtifactQuery {
                project_id: o.string("projectId")?,
                kind: o.string("type")?,
                outdated: o.boolean("outdated")?,
                origin: o.string("origin")?,
                status: o.string("status")?,
                health: o.string("health")?,
                sort_by: o.string("sortBy")?,
                order: o.order()?,
                offset: o.int("offset", i64::from(u32::MAX))?,
                limit: o.int("limit", i64::from(u32::MAX))?,
            })
        })()
        .map_err(js_error)?;
        self.c()?.list_artifacts(&q).map_err(js_error)
    }

    /// Re-scans projects (discovering new ones first). Unchanged files are skipped by size and
    /// mtime unless `force`. Resolves with what changed.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: RefreshRequest",
        ts_return_type = "Promise<RefreshSummary>"
    )]
    pub fn refresh<'env>(
        &self,
        env: &'env Env,
        options: Option<Value>,
    ) -> napi::Result<Object<'env>, String> {
        let (project_id, force) = project_and_force(&options).map_err(js_error)?;
        let opts = RefreshOptions { project_id, force };
        self.promise::<RefreshSummary>(env, |c, done| c.spawn_refresh(opts, done))
    }

    /// Marks one project (or all) for a full re-scan at the next refresh. Returns how many.
    #[napi(catch_unwind, ts_args_type = "projectId?: string")]
    pub fn invalidate(&self, project_id: Option<Value>) -> napi::Result<u32, String> {
        let id = match project_id {
            None | Some(Value::Null) => None,
            Some(v) => Some(required_string("projectId", &v).map_err(js_error)?),
        };
        self.inner
            .invalidate(id.as_deref())
            .map(|n| n as u32)
            .map_err(js_error)
    }

    /// Empties the cache (registered folders are kept; the next refresh rebuilds it).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn clear<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>, String> {
        self.promise::<()>(env, |c, done| c.spawn_clear(done))
    }

    /// Calls `callback` with every event of this cache (`refreshStarted`, `refreshCompleted`,
    /// `refreshError`, `refreshProgress`, `changesDetected`, `invalidated`, `watcherDegraded`).
    /// Returns a function that unsubscribes. The subscription never keeps the process alive.
    #[napi(
        catch_unwind,
        ts_args_type = "callback: (event: CacheEvent) => void",
        ts_return_type = "() => void"
    )]
    pub fn on_event<'env>(
        &self,
        env: &'env Env,
        callback: ThreadsafeFunction<Value, (), Value, napi::Status, false, true>,
    ) -> napi::Result<Function<'env, (), ()>, String> {
        let c = self.c()?;
        let id = c.subscribe(move |e| {
            if let Ok(v) = serde_json::to_value(e) {
                callback.call(v, ThreadsafeFunctionCallMode::NonBlocking);
            }
        });
        lock_subs(&self.subscriptions).push(id);
        let cache = c.clone();
        env.create_function_from_closure("unsubscribe", move |_| {
            cache.unsubscribe(id);
            Ok(())
        })
        .map_err(|e| napi::Error::new(e.status.as_ref().to_string(), e.reason))
    }

    /// Artifacts whose upstream (today: the marketplace listing of the same name) is newer than
    /// what is deployed. One indexed query; rows carry `projectName`.
    ///
    /// With `maxAgeMs`, upstream answers older than that are revalidated first (as
    /// `checkUpstream({ maxAgeMs, projectId })`) and a Promise of the page is returned.
    #[napi(
        catch_unwind,
        ts_args_type = "query?: OutdatedQuery",
        ts_return_type = "ArtifactPage"
    )]
    pub fn outdated_artifacts<'env>(
        &self,
        env: &'env Env,
        query: Option<Value>,
    ) -> napi::Result<Either<ArtifactPage, Object<'env>>, String> {
        let (q, max_age) =
            (|| -> Result<(crate::model::OutdatedQuery, Option<i64>), crate::Error> {
                let o = Obj::new(
                    "query",
                    &query,
                    &[
                        "type",
                        "projectId",
                        "difference",
                        "sortBy",
                        "order",
                        "offset",
                        "limit",
                        "maxAgeMs",
                    ],
                )?;
                Ok((
                    crate::model::OutdatedQuery {
                        kind: o.string("type")?,
                        project_id: o.string("projectId")?,
                        difference: o.string("difference")?,
                        sort_by: o.string("sortBy")?,
                        order: o.order()?,
                        offset: o.int("offset", i64::from(u32::MAX))?,
                        limit: o.int("limit", i64::from(u32::MAX))?,
                    },
                    o.int("maxAgeMs", i64::MAX)?,
                ))
            })()
            .map_err(js_error)?;
        let c = self.c()?;
        let Some(max_age) = max_age else {
            let page = c.outdated_artifacts(&q).map_err(js_error)?;
            return Ok(Either::A(page));
        };
        // Checked now, so a bad query throws rather than rejects after the upstream check.
        crate::store::Store::check_outdated_query(&q).map_err(js_error)?;
        let opts = crate::cache::UpstreamOptions {
            project_id: q.project_id.clone(),
            force: false,
            max_age_ms: Some(max_age as u64),
        };
        let promise = self.promise::<ArtifactPage>(env, move |c, done| {
            let me = c.clone();
            c.spawn_check_upstream(opts, move |res| {
                done(res.and_then(|_| me.outdated_artifacts(&q)))
            })
        })?;
        Ok(Either::B(promise))
    }

    /// Full-text search over artifacts and marketplace entries (sync). Any string is a valid
    /// query: it is split into words, never parsed. Typos are tolerated (one in words of 4–7
    /// letters, two in longer ones), the last word also matches as a prefix, names weigh more
    /// than tags and tags more than descriptions, and an exact name comes first. A blank query
    /// with filters lists by name.
    #[napi(catch_unwind, ts_args_type = "query: string, options?: SearchOptions")]
    pub fn search(
        &self,
        query: Option<Value>,
        options: Option<Value>,
    ) -> napi::Result<SearchResult, String> {
        let q = (|| -> Result<crate::search::SearchQuery, crate::Error> {
            let text = match &query {
                Some(Value::String(s)) => s.clone(),
                None | Some(Value::Null) => String::new(),
                Some(other) => {
                    return Err(crate::Error::invalid(
                        "query",
                        format!("must be a string, got {}", super::args::kind(other)),
                    ));
                }
            };
            let o = Obj::new(
                "options",
                &options,
                &[
                    "kind",
                    "type",
                    "projectId",
                    "tags",
                    "source",
                    "outdated",
                    "health",
                    "sortBy",
                    "order",
                    "offset",
                    "limit",
                ],
            )?;
            let kind = match o.string("kind")?.as_deref() {
                None => None,
                Some("artifact") => Some(crate::search::DocKind::Artifact),
                Some("entry") => Some(crate::search::DocKind::Entry),
                Some(other) => {
                    return Err(crate::Error::invalid(
                        "options.kind",
                        format!("must be 'artifact' or 'entry', got {other:?}"),
                    ));
                }
            };
            let sort_by = match o.string("sortBy")?.as_deref() {
                None => None,
                Some("relevance") => Some(crate::search::SortBy::Relevance),
                Some("name") => Some(crate::search::SortBy::Name),
                Some("updated") => Some(crate::search::SortBy::Updated),
                Some(other) => {
                    return Err(crate::Error::invalid(
                        "options.sortBy",
                        format!("must be 'relevance', 'name' or 'updated', got {other:?}"),
                    ));
                }
            };
            let max = crate::search::MAX_LIMIT as i64;
            let limit = o.int("limit", max)?.unwrap_or(20);
            Ok(crate::search::SearchQuery {
                text,
                kind,
                artifact_type: o.string("type")?,
                project_id: o.string("projectId")?,
                tags: o.strings("tags")?.unwrap_or_default(),
                source: o.string("source")?,
                origin: None,
                status: None,
                outdated: o.boolean("outdated")?,
                health: match o.string("health")? {
                    None => None,
                    Some(h) if crate::scan::health::Health::parse(&h).is_some() => Some(h),
                    Some(h) => {
                        return Err(crate::Error::invalid(
                            "options.health",
                            format!("must be 'ok', 'degraded' or 'broken', got {h:?}"),
                        ));
                    }
                },
                sort_by,
                order: o.order()?,
                offset: o.int("offset", i64::from(u32::MAX))?.unwrap_or(0) as usize,
                limit: limit as usize,
            })
        })()
        .map_err(js_error)?;
        let res = self.c()?.search(&q).map_err(js_error)?;
        Ok(res)
    }

    /// Cached marketplace entries (sync; a stale cache still answers, with `stale: true`).
    #[napi(catch_unwind, ts_args_type = "query?: MarketplaceQuery")]
    pub fn marketplace_entries(
        &self,
        query: Option<Value>,
    ) -> napi::Result<MarketplaceEntryPage, String> {
        let q = (|| -> Result<crate::model::MarketQuery, crate::Error> {
            let o = Obj::new(
                "query",
                &query,
                &["source", "type", "query", "offset", "limit"],
            )?;
            Ok(crate::model::MarketQuery {
                source: o.string("source")?,
                kind: o.string("type")?,
                query: o.string("query")?,
                offset: o.int("offset", i64::from(u32::MAX))?,
                limit: o.int("limit", i64::from(u32::MAX))?,
            })
        })()
        .map_err(js_error)?;
        self.c()?.marketplace_entries(&q).map_err(js_error)
    }

    /// Every configured marketplace source as cached (freshness, errors, entry counts).
    #[napi(catch_unwind)]
    pub fn marketplace_sources(&self) -> napi::Result<Vec<MarketplaceSourceState>, String> {
        self.inner.marketplace_sources().map_err(js_error)
    }

    /// Fetches marketplace listings that are past their TTL (or all with `force`), revalidating
    /// with ETag/Last-Modified. A failing source keeps its last good copy, marked stale.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: MarketplaceRefreshRequest",
        ts_return_type = "Promise<MarketplaceSummary>"
    )]
    pub fn refresh_marketplace<'env>(
        &self,
        env: &'env Env,
        options: Option<Value>,
    ) -> napi::Result<Object<'env>, String> {
        let opts = (|| -> Result<crate::market::MarketRefresh, crate::Error> {
            let o = Obj::new("options", &options, &["source", "force", "onlyIfCached"])?;
            Ok(crate::market::MarketRefresh {
                source: o.string("source")?,
                force: o.boolean("force")?.unwrap_or(false),
                only_if_cached: o.boolean("onlyIfCached")?.unwrap_or(false),
            })
        })()
        .map_err(js_error)?;
        self.promise::<MarketplaceSummary>(env, |c, done| c.spawn_refresh_marketplace(opts, done))
    }

    /// Resolves the upstream version of every artifact whose source is a GitHub spec
    /// (`owner/repo[/path]@version`) against the GitHub-compatible API (`githubApiUrl`): the
    /// latest release for `latest`, the highest semver tag for a tag, the newest commit touching
    /// the artifact's path for a branch or a pinned SHA. One request per repository and
    /// endpoint however many artifacts use it, conditional on the stored ETag; repositories
    /// answered within `upstreamTtlHours` are skipped unless `force`. Failures (including the
    /// rate limit) keep the last known upstream and are reported in the summary and on the
    /// artifacts (`upstreamError`); the Promise rejects only for a bad argument, an unknown
    /// project or a closed cache.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: { projectId?: string; force?: boolean; maxAgeMs?: number }",
        ts_return_type = "Promise<UpstreamSummary>"
    )]
    pub fn check_upstream<'env>(
        &self,
        env: &'env Env,
        options: Option<Value>,
    ) -> napi::Result<Object<'env>, String> {
        let opts = (|| -> Result<_, crate::Error> {
            let o = Obj::new("options", &options, &["projectId", "force", "maxAgeMs"])?;
            Ok(crate::cache::UpstreamOptions {
                project_id: o.string("projectId")?,
                force: o.boolean("force")?.unwrap_or(false),
                max_age_ms: o.int("maxAgeMs", i64::MAX)?.map(|v| v as u64),
            })
        })()
        .map_err(js_error)?;
        self.promise::<UpstreamSummary>(env, |c, done| c.spawn_check_upstream(opts, done))
    }

    /// A number that moves whenever any process sharing the database commits a change to the
    /// cached data (not for bookkeeping such as the refresher lease). Equal numbers mean equal
    /// answers: the HTTP handler derives its ETags from it. One indexed read.
    #[napi(catch_unwind)]
    pub fn generation(&self) -> napi::Result<i64, String> {
        self.c()?.generation().map_err(js_error)
    }

    /// What an answer's freshness needs, in one indexed read: the data generation (see
    /// `generation()`), when the last refresh of any process sharing the database finished, and
    /// the scan TTL. The HTTP handler calls it once per request.
    #[napi(catch_unwind)]
    pub fn freshness(&self) -> napi::Result<CacheFreshness, String> {
        let c = self.c()?;
        let (generation, last_refresh_at) = c.freshness().map_err(js_error)?;
        Ok(CacheFreshness {
            generation,
            last_refresh_at,
            ttl_ms: i64::from(c.config().ttl_minutes.value) * 60_000,
        })
    }

    /// Runs SQLite's `integrity_check` on the database; `"ok"` when healthy.
    #[napi(catch_unwind)]
    pub fn check_integrity(&self) -> napi::Result<String, String> {
        let c = self.c()?;
        if c.is_closed() {
            return Err(js_error(crate::Error::Closed));
        }
        c.store().integrity_check().map_err(js_error)
    }

    /// Stops background work, waits for it, and releases the database. Idempotent; later calls
    /// on this object throw `CACHE_CLOSED`.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.give_back(true);
    }
}

fn lock_subs(m: &Mutex<Vec<u64>>) -> std::sync::MutexGuard<'_, Vec<u64>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
