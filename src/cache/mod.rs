//! The cache object: opens the store (recovering or falling back as needed), answers reads, and
//! runs refreshes on a tokio runtime it owns. Free of any Node-API type.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::config::{Config, Env, Options, ProcessEnv, Source};
use crate::error::{Error, Result};
use crate::model::{
    Artifact, ArtifactPage, ArtifactQuery, CacheStatus, MarketplaceEntryPage, Project, ProjectPage,
    ProjectQuery, ProjectStatus, Recovery, RefreshState, RefreshSummary, Warning,
};
use crate::store::{Fresh, Mode, OpenFailure, Store, Tuning, now_ms};
pub use crate::values::RefreshTrigger;
pub use refresh::{RefreshOptions, RefreshRequest};

mod background;
mod market;
mod projects;
mod refresh;
mod registry;
mod search;
mod tasks;
mod upstream;

pub use market::{MarketRefresh, MarketRefreshRequest};

pub use upstream::{UpstreamOptions, UpstreamRequest};

type Waiter = Box<dyn FnOnce(Result<RefreshSummary>) + Send>;
/// An on-demand refresh's identity: (project, force).
type RefreshKey = (Option<String>, bool);

/// What `status()` shows of the background worker; written by the worker.
#[derive(Debug, Default)]
pub(crate) struct BgState {
    pub is_holder: bool,
    pub watcher_state: crate::values::WatcherState,
    pub watched: u32,
    pub watcher_reason: Option<String>,
    pub last_refresh_at: Option<i64>,
    pub next_refresh_at: Option<i64>,
}

struct Inner {
    config: Config,
    events: crate::events::EventBus,
    bg_state: Mutex<BgState>,
    background: Mutex<Option<background::Handle>>,
    /// Pokes the background worker (after a registration) when it runs.
    signals: Mutex<Option<tokio::sync::mpsc::UnboundedSender<crate::watch::Signal>>>,
    /// Refreshes in progress in this process.
    running: std::sync::atomic::AtomicU32,
    /// On-demand refreshes in flight, by (project, force): later callers wait for the same result.
    inflight: Mutex<HashMap<RefreshKey, Vec<Waiter>>>,
    store: Store,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    closed: AtomicBool,
    hits: AtomicU64,
    misses: AtomicU64,
    warnings: Mutex<Vec<Warning>>,
    recovered: Option<Recovery>,
    /// Serialises refreshes inside this process.
    refresh_gate: Mutex<()>,
    /// The search index (opened on first use).
    search: search::SearchState,
    /// The user's collections, parsed again only when their files change.
    collections: crate::scan::manifest::CollectionsCache,
    /// Each project's folders as its last scan listed them (by project id), so that a scan lists
    /// again only the folders that changed.
    listings: Mutex<HashMap<String, crate::scan::listing::Listings>>,
}

/// A handle to an open cache. Cheap to clone; all clones share one store and runtime.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn warning(code: &str, message: String) -> Warning {
    Warning {
        code: code.into(),
        message,
        at: now_ms(),
    }
}

/// Refuses SkillMeat's own database file (`<home>/cache/cache.db`, or `cache/cache.db` in any
/// `.skillmeat` folder) as this cache's database while it holds nothing that marks it as ours:
/// SkillMeat creates the file empty and fills it with its own tables (some named `projects` and
/// `artifacts`) when it migrates, so taking an empty one would collide with SkillMeat. The path
/// is resolved first, so a link of another name to it is refused too. A cache of ours there (an
/// earlier version's default) is still opened.
fn refuse_skillmeat_database(home: &std::path::Path, path: &std::path::Path) -> Result<()> {
    let Ok(real) = std::fs::canonicalize(path) else {
        return Ok(());
    };
    let named = |p: Option<&std::path::Path>, name: &str| {
        p.and_then(|p| p.file_name()).is_some_and(|n| n == name)
    };
    if !named(Some(&real), crate::config::LEGACY_DB_FILE) {
        return Ok(());
    }
    let folder = real.parent();
    let in_home =
        folder.is_some_and(|f| std::fs::canonicalize(home.join("cache")).is_ok_and(|c| c == f));
    let in_a_skillmeat_home =
        named(folder, "cache") && named(folder.and_then(|f| f.parent()), ".skillmeat");
    if !in_home && !in_a_skillmeat_home {
        return Ok(());
    }
    if matches!(
        crate::store::ownership::inspect(&real),
        Ok(crate::store::ownership::Ownership::Absent)
    ) {
        return Err(Error::Foreign {
            path: path.to_path_buf(),
            found:
                "SkillMeat's own database file (empty: SkillMeat has not created its tables yet)"
                    .into(),
        });
    }
    Ok(())
}

impl Cache {
    /// Opens a cache with the process environment.
    pub fn open(opts: Options) -> Result<Cache> {
        Self::open_with_env(opts, &ProcessEnv)
    }

    /// Opens a cache, resolving configuration against `env`.
    pub fn open_with_env(opts: Options, env: &dyn Env) -> Result<Cache> {
        Self::open_config(Config::resolve(&opts, env)?)
    }

    /// Opens a cache with a configuration already resolved.
    pub(crate) fn open_config(config: Config) -> Result<Cache> {
        let tuning = Tuning {
            busy_timeout_ms: config.busy_timeout_ms.value,
            max_size_mb: config.max_size_mb.value,
        };
        let mut warnings = Vec::new();
        for p in &config.marketplace_problems {
            warnings.push(warning("MARKETPLACE_CONFIG_INVALID", p.clone()));
        }
        let mut recovered = None;
        let mut carried = Vec::new();
        // A new database was started beside one this release must not use: fill it in the
        // background (reads answer meanwhile).
        let mut rebuild = false;

        if let (Some(path), Source::Default) = (&config.path.value, config.path.source) {
            // A cache of ours at the old default name is renamed once; anything else there (such
            // as SkillMeat's own database) is left alone.
            let legacy = config
                .home
                .value
                .join("cache")
                .join(crate::config::LEGACY_DB_FILE);
            crate::store::ownership::adopt(&legacy, path);
        }
        if let Some(path) = &config.path.value {
            refuse_skillmeat_database(&config.home.value, path)?;
        }
        let store = match (&config.path.value, config.enabled.value) {
            (_, false) => {
                warnings.push(warning(
                    "CACHE_DISABLED",
                    format!(
                        "the on-disk cache is disabled ({}); data is kept in memory for this process only",
                        match config.enabled.source {
                            Source::Env => "SKILLMEAT_CACHE_ENABLED",
                            Source::File => "config.toml [cache] enabled",
                            _ => "option enabled: false",
                        }
                    ),
                ));
                Store::open_memory(tuning)?
            }
            (None, true) => Store::open_memory(tuning)?,
            (Some(path), true) => match Store::open_file(path, tuning) {
                Ok(s) => s,
                Err(OpenFailure::Foreign(found)) => {
                    return Err(Error::Foreign {
                        path: path.clone(),
                        found,
                    });
                }
                Err(OpenFailure::Newer(found)) => {
                    let own = crate::store::ownership::own_schema_path(
                        path,
                        crate::store::SCHEMA_VERSION,
                    );
                    if !own.exists() {
                        // Read only: the projects registered in the newer database come along.
                        carried = Store::salvage_registrations(path);
                        rebuild = true;
                    }
                    Self::open_own_schema(path, &own, found, &mut warnings, tuning)?
                }
                // Not a SQLite database, with no sign of being ours: recover it only where it
                // can only be ours (the default location, or beside our search index).
                Err(OpenFailure::Unrecognised(reason))
                    if config.path.source != Source::Default
                        && !search::index_dir(path).exists() =>
                {
                    return Err(Error::Foreign {
                        path: path.clone(),
                        found: format!("a file that is not a SQLite database ({reason})"),
                    });
                }
                Err(OpenFailure::Corrupt(reason) | OpenFailure::Unrecognised(reason)) => {
                    carried = Store::salvage_registrations(path);
                    let moved = Store::move_aside(path)?;
                    recovered = Some(Recovery {
                        moved_to: moved.to_string_lossy().into_owned(),
                        reason: reason.clone(),
                        at: now_ms(),
                    });
                    warnings.push(warning(
                        "CACHE_CORRUPT",
                        format!(
                            "the cache database was damaged ({reason}); it was moved to {} and a new cache is being rebuilt from your project folders",
                            moved.display()
                        ),
                    ));
                    match Store::open_file(path, tuning) {
                        Ok(s) => s,
                        Err(f) => Self::fallback(path, f, &mut warnings, tuning)?,
                    }
                }
                Err(f) => Self::fallback(path, f, &mut warnings, tuning)?,
            },
        };
        if store.disk_full_at_open {
            warnings.push(warning(
                "CACHE_DISK_FULL",
                "the disk holding the cache is full; cached data is served but refreshes will fail until space is freed".into(),
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(4)
            .thread_name("skillmeat-cache")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Internal(format!("cannot start the cache's worker threads: {e}"))
            })?;
        let cache = Cache {
            inner: Arc::new(Inner {
                events: crate::events::EventBus::default(),
                bg_state: Mutex::new(BgState::default()),
                background: Mutex::new(None),
                signals: Mutex::new(None),
                running: std::sync::atomic::AtomicU32::new(0),
                inflight: Mutex::new(HashMap::new()),
                config,
                store,
                runtime: Mutex::new(Some(runtime)),
                closed: AtomicBool::new(false),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
                warnings: Mutex::new(warnings),
                recovered,
                refresh_gate: Mutex::new(()),
                search: search::SearchState::default(),
                collections: Default::default(),
                listings: Mutex::default(),
            }),
        };
        for path in carried {
            let name = Path::new(&path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let _ = cache.inner.store.register(&path, &name, "registered");
        }
        if cache.inner.store.mode() == Mode::File {
            cache.warm_search();
        }
        let background =
            cache.inner.config.background_refresh.value || cache.inner.config.watch.value;
        if background {
            // The worker catches up on changes made while no process ran, then keeps watching.
            background::start(&cache);
        } else if cache.inner.recovered.is_some() || rebuild {
            // Rebuild from disk in the background; reads answer meanwhile.
            cache.spawn_refresh_with_trigger(
                RefreshOptions::default(),
                RefreshTrigger::Recovery,
                |_| {},
            );
        }
        Ok(cache)
    }

    /// Opens this release's own file beside a database that a newer release migrated (after a
    /// downgrade), leaving that database exactly as it is for when the newer release returns.
    fn open_own_schema(
        path: &Path,
        own: &Path,
        found: u32,
        warnings: &mut Vec<Warning>,
        tuning: Tuning,
    ) -> Result<Store> {
        let ours = crate::store::SCHEMA_VERSION;
        warnings.push(warning(
            "CACHE_SCHEMA_NEWER",
            format!(
                "the cache database {} was written by a newer release of @skillmeat/cache (schema v{found}; this release reads up to v{ours}). It is left untouched, so upgrading again finds it as it was; meanwhile this release keeps its own cache in {} (rebuilt from your project folders)",
                path.display(),
                own.display()
            ),
        ));
        match Store::open_file(own, tuning) {
            Ok(s) => Ok(s),
            Err(f) => Self::fallback(own, f, warnings, tuning),
        }
    }

    fn fallback(
        path: &Path,
        f: OpenFailure,
        warnings: &mut Vec<Warning>,
        tuning: Tuning,
    ) -> Result<Store> {
        let reason = match f {
            OpenFailure::Unwritable(r) => r,
            OpenFailure::Corrupt(r) | OpenFailure::Unrecognised(r) => {
                format!("still damaged after recovery: {r}")
            }
            OpenFailure::Foreign(found) => {
                return Err(Error::Foreign {
                    path: path.to_path_buf(),
                    found,
                });
            }
            OpenFailure::Newer(found) => {
                format!("written by a newer release (schema v{found}); it was left untouched")
            }
            // Another process holds the lock (a long write, or another program): the file is
            // fine and stays the cache; an empty in-memory one would answer "nothing cached".
            OpenFailure::Other(Error::Busy(_)) => {
                return Err(Error::Busy(u64::from(tuning.busy_timeout_ms)));
            }
            OpenFailure::Other(e) => e.to_string(),
        };
        warnings.push(warning(
            "CACHE_READONLY",
            format!(
                "cannot use the cache file {} ({reason}); falling back to an in-memory cache for this process. Set SKILLMEAT_CACHE_PATH to a writable location",
                path.display()
            ),
        ));
        Store::open_memory(tuning)
    }

    fn check_open(&self) -> Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// When a project's scan counts as fresh (`ttlMinutes`).
    fn fresh(&self) -> Fresh {
        Fresh::within(self.inner.config.ttl_minutes.value as i64 * 60_000)
    }

    /// The configuration in force as `status().config` shows it, with where the GitHub token
    /// comes from (never the token itself).
    fn config_json(&self) -> serde_json::Value {
        let mut json = self.inner.config.to_json();
        let token = crate::upstream::token::find(&ProcessEnv, &self.inner.config.home.value);
        if let Some(map) = json.as_object_mut() {
            map.insert(
                "githubToken".into(),
                match token {
                    Some(t) => serde_json::json!({
                        "value": "(set, hidden)",
                        "source": t.source.kind(),
                        "from": t.source.describe(),
                    }),
                    None => serde_json::json!({ "value": null, "source": "default", "from": null }),
                },
            );
        }
        json
    }

    /// The data generation: moves whenever any process sharing the database commits a change
    /// to the cached data (see [`Store::generation`]).
    pub fn generation(&self) -> Result<i64> {
        self.check_open()?;
        self.inner.store.generation()
    }

    /// `(data generation, when the last refresh finished)`: what an HTTP answer's ETag and
    /// freshness headers need, in one indexed read.
    pub fn freshness(&self) -> Result<(i64, Option<i64>)> {
        self.check_open()?;
        self.inner.store.freshness()
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Direct access to the store (diagnostics and tests).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Health, counts and configuration.
    pub fn status(&self) -> Result<CacheStatus> {
        self.check_open()?;
        let s = &self.inner.store;
        let t = s.totals(self.fresh())?;
        let mut warnings = lock(&self.inner.warnings).clone();
        // Each provider's API (GitHub, gitlab.com, a self-hosted GitLab): a rate limit still in
        // force is a warning naming it; the status shows the latest reset and check of any.
        let (mut limited_until, mut last_check_at) = (None, None);
        for (kind, api_url) in crate::upstream::provider::configured_apis(self.config()) {
            let (until, checked) = s.upstream_state(&api_url)?;
            last_check_at = last_check_at.max(checked);
            let Some(t) = until.filter(|t| *t > now_ms()) else {
                continue;
            };
            limited_until = limited_until.max(Some(t));
            warnings.push(warning(
                "RATE_LIMITED",
                format!(
                    "the {} API's rate limit is exhausted ({api_url}); upstream checks resume {}. {}",
                    kind.name,
                    crate::upstream::describe_reset(t, now_ms()),
                    kind.token_advice
                ),
            ));
        }
        Ok(CacheStatus {
            mode: s.mode(),
            db_path: s
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| ":memory:".into()),
            size_bytes: s.size_bytes(),
            schema_version: s.schema_version()?,
            projects: t.projects_by_status.iter().map(|(_, n)| n).sum(),
            artifacts_by_health: [
                (
                    "ok".to_string(),
                    (t.artifacts - t.degraded - t.broken).max(0),
                ),
                ("degraded".to_string(), t.degraded),
                ("broken".to_string(), t.broken),
            ]
            .into_iter()
            .collect(),
            projects_by_status: t.projects_by_status.into_iter().collect(),
            artifacts: t.artifacts,
            artifact_errors: t.errors,
            modified_artifacts: t.modified,
            outdated_artifacts: t.outdated,
            last_refresh: s.last_refresh()?,
            recovered: self.inner.recovered.clone(),
            warnings,
            hits: self.inner.hits.load(Ordering::Relaxed) as i64,
            misses: self.inner.misses.load(Ordering::Relaxed) as i64,
            config: self.config_json(),
            background: self.background_status(),
            search: self.search_status(),
            upstream: crate::model::UpstreamStatus {
                last_check_at,
                rate_limited_until: limited_until,
                failed_repositories: s.upstream_failed_repos()?,
            },
        })
    }

    fn background_status(&self) -> crate::model::BackgroundStatus {
        let cfg = &self.inner.config;
        let st = lock(&self.inner.bg_state);
        let lease = if self.inner.store.mode() == Mode::File {
            self.inner.store.lease(background::LEASE).ok().flatten()
        } else {
            None
        };
        crate::model::BackgroundStatus {
            refresh_enabled: cfg.background_refresh.value,
            watch_enabled: cfg.watch.value,
            state: if self.inner.running.load(Ordering::Relaxed) > 0 {
                RefreshState::Running
            } else {
                RefreshState::Idle
            },
            is_lease_holder: st.is_holder,
            lease_holder: lease.map(|l| crate::model::LeaseHolder {
                holder: l.holder,
                pid: l.pid,
                heartbeat_at: l.heartbeat_at,
                expires_at: l.expires_at,
            }),
            last_refresh_at: st.last_refresh_at,
            next_refresh_at: st.next_refresh_at,
            watcher_state: st.watcher_state,
            watched_paths: st.watched,
            watcher_reason: st.watcher_reason.clone(),
        }
    }

    /// Subscribes to events; returns an id for [`Cache::unsubscribe`].
    pub fn subscribe(&self, f: impl Fn(&crate::events::Event) + Send + Sync + 'static) -> u64 {
        self.inner.events.subscribe(f)
    }

    /// Removes a subscription.
    pub fn unsubscribe(&self, id: u64) -> bool {
        self.inner.events.unsubscribe(id)
    }

    pub(crate) fn emit(&self, e: crate::events::Event) {
        self.inner.events.emit(e);
    }

    fn count(&self, hit: bool) {
        let c = if hit {
            &self.inner.hits
        } else {
            &self.inner.misses
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// One project, or `None`.
    pub fn get_project(&self, id: &str) -> Result<Option<Project>> {
        self.check_open()?;
        let p = self.inner.store.get_project(id, self.fresh())?;
        self.count(p.as_ref().is_some_and(|p| p.status != ProjectStatus::Stale));
        Ok(p)
    }

    /// A page of projects.
    pub fn list_projects(&self, q: &ProjectQuery) -> Result<ProjectPage> {
        self.check_open()?;
        let page = self.inner.store.list_projects(q, self.fresh())?;
        self.count(true);
        Ok(page)
    }

    /// A page of artifacts.
    pub fn list_artifacts(&self, q: &ArtifactQuery) -> Result<ArtifactPage> {
        self.check_open()?;
        let page = self.inner.store.list_artifacts(q)?;
        self.count(true);
        Ok(page)
    }

    /// One artifact by id.
    pub fn get_artifact(&self, id: &str) -> Result<Option<Artifact>> {
        self.check_open()?;
        let a = self.inner.store.get_artifact(id)?;
        self.count(a.is_some());
        Ok(a)
    }

    /// A page of cached marketplace entries (answers from the cache even when it is stale).
    pub fn marketplace_entries(
        &self,
        q: &crate::model::MarketQuery,
    ) -> Result<MarketplaceEntryPage> {
        self.check_open()?;
        let page = self.inner.store.market_entries(q)?;
        self.count(!page.items.iter().any(|e| e.stale));
        Ok(page)
    }

    /// A page of outdated artifacts.
    pub fn outdated_artifacts(&self, q: &crate::model::OutdatedQuery) -> Result<ArtifactPage> {
        self.check_open()?;
        let page = self.inner.store.outdated_artifacts(q)?;
        self.count(true);
        Ok(page)
    }

    /// Every configured marketplace source with its cached state (a source never fetched is
    /// listed too: stale, nothing cached). Sources cached earlier but no longer configured are
    /// left out.
    pub fn marketplace_sources(&self) -> Result<Vec<crate::model::MarketplaceSourceState>> {
        self.check_open()?;
        let mut cached: HashMap<String, crate::model::MarketplaceSourceState> = self
            .inner
            .store
            .market_sources()?
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect();
        Ok(self
            .inner
            .config
            .marketplace_sources
            .value
            .iter()
            .map(|src| match cached.remove(&src.name) {
                Some(s) if s.url == src.url => s,
                _ => crate::model::MarketplaceSourceState {
                    name: src.name.clone(),
                    url: src.url.clone(),
                    listing_name: None,
                    fetched_at: None,
                    checked_at: None,
                    expires_at: 0,
                    stale: true,
                    error: None,
                    error_code: None,
                    entries: 0,
                    cached: false,
                },
            })
            .collect())
    }

    /// Refreshes marketplace listings on the cache's runtime and calls `done`.
    pub fn spawn_refresh_marketplace(
        &self,
        opts: MarketRefresh,
        done: impl FnOnce(Result<crate::model::MarketplaceSummary>) + Send + 'static,
    ) {
        self.spawn_task(
            "the marketplace refresh",
            |me| async move { market::refresh(&me, opts).await },
            done,
        );
    }

    /// Whether `close()` was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// Stops background work and waits for it (a running refresh stops between projects), then
    /// checkpoints the database. Further calls fail with `CACHE_CLOSED`. Idempotent.
    pub fn close(&self) {
        if !self.is_closed() {
            self.flush_deferred_search();
        }
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let bg = lock(&self.inner.background).take();
        let rt = lock(&self.inner.runtime).take();
        if let (Some(bg), Some(rt)) = (bg, rt.as_ref()) {
            bg.stop(rt);
        }
        self.inner.events.clear();
        if let Some(rt) = rt {
            rt.shutdown_timeout(std::time::Duration::from_secs(10));
        }
        let _ = self.inner.store.checkpoint(true);
        // Files, threads and the index writer go now, not when the last handle is dropped
        // (for a Node object, whenever the garbage collector gets to it).
        drop(lock(&self.inner.search.index).take());
        self.inner.store.close();
    }

    /// The folder a project path canonicalises to (for callers that hold a path, not an id).
    pub fn project_id_for_path(path: &Path) -> Option<String> {
        let c: PathBuf = path.canonicalize().ok()?;
        Some(crate::store::project_id_of(&c.to_string_lossy()))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Never block or panic here: this may run on any thread, including one of the runtime's.
        if let Some(rt) = lock(&self.runtime).take() {
            rt.shutdown_background();
        }
    }
}
