//! The `Cache` class as JavaScript sees it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use napi::Env;
use napi::bindgen_prelude::{Either, Function, Object};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::Value;

use super::args::{required_string, required_strings};
use super::js_error;
use crate::cache::{Cache, RefreshOptions, RefreshRequest};
use crate::config::Options;
use crate::model::{
    Artifact, ArtifactPage, CacheStatus, MarketplaceEntryPage, MarketplaceSourceState,
    MarketplaceSummary, Project, ProjectPage, RefreshSummary, SearchResult, UpstreamSummary,
};
use crate::model::{ArtifactQuery, ProjectQuery};
use crate::options;

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

#[napi]
impl JsCache {
    /// Opens (creating if needed) the cache. A damaged database is moved aside and rebuilt; an
    /// unwritable location falls back to memory. Both are reported by `status()`.
    #[napi(catch_unwind, factory, ts_args_type = "options?: CacheOptions")]
    pub fn open(options_arg: Option<Value>) -> napi::Result<JsCache, String> {
        let opts: Options = options::parse("options", options_arg).map_err(js_error)?;
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
        self.c()?.register_project(&path).map_err(js_error)
    }

    /// Registers project folders and scans them now, in parallel, as one refresh of them would:
    /// far cheaper than `registerProject` in a loop. Every path is checked first; one that is not
    /// a folder throws (naming it) and registers none. Returns one project per distinct folder,
    /// in the order given.
    #[napi(catch_unwind, ts_args_type = "paths: string[]")]
    pub fn register_projects(&self, paths: Value) -> napi::Result<Vec<Project>, String> {
        let paths = required_strings("paths", &paths).map_err(js_error)?;
        self.c()?.register_projects(&paths).map_err(js_error)
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
        let q: ProjectQuery = options::parse("query", query).map_err(js_error)?;
        self.c()?.list_projects(&q).map_err(js_error)
    }

    /// A page of artifacts.
    #[napi(catch_unwind, ts_args_type = "query?: ArtifactQueryOptions")]
    pub fn list_artifacts(&self, query: Option<Value>) -> napi::Result<ArtifactPage, String> {
        let q: ArtifactQuery = options::parse("query", query).map_err(js_error)?;
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
        let opts: RefreshOptions = options::parse::<RefreshRequest>("options", options)
            .map_err(js_error)?
            .into();
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
        ts_args_type = "query?: OutdatedQuery & { maxAgeMs?: undefined }",
        ts_return_type = "ArtifactPage"
    )]
    pub fn outdated_artifacts<'env>(
        &self,
        env: &'env Env,
        query: Option<Value>,
    ) -> napi::Result<Either<ArtifactPage, Object<'env>>, String> {
        let q: crate::model::OutdatedQuery = options::parse("query", query).map_err(js_error)?;
        let c = self.c()?;
        let Some(max_age) = q.max_age_ms else {
            let page = c.outdated_artifacts(&q).map_err(js_error)?;
            return Ok(Either::A(page));
        };
        // Checked now, so a bad query throws rather than rejects after the upstream check.
        crate::store::Store::check_outdated_query(&q).map_err(js_error)?;
        let opts = crate::cache::UpstreamOptions {
            project_id: q.project_id.clone(),
            force: false,
            max_age_ms: Some(max_age),
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
                        format!("must be a string, got {}", options::kind(other)),
                    ));
                }
            };
            options::parse::<crate::search::SearchOptions>("options", options)?.into_query(text)
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
        let q: crate::model::MarketQuery = options::parse("query", query).map_err(js_error)?;
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
        let opts: crate::cache::MarketRefresh =
            options::parse::<crate::cache::MarketRefreshRequest>("options", options)
                .map_err(js_error)?
                .into();
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
        ts_args_type = "options?: UpstreamRequest",
        ts_return_type = "Promise<UpstreamSummary>"
    )]
    pub fn check_upstream<'env>(
        &self,
        env: &'env Env,
        options: Option<Value>,
    ) -> napi::Result<Object<'env>, String> {
        let opts: crate::cache::UpstreamOptions =
            options::parse::<crate::cache::UpstreamRequest>("options", options)
                .map_err(js_error)?
                .into();
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
