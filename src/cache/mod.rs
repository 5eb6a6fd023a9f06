//! The cache object: opens the store (recovering or falling back as needed), answers reads, and
//! runs refreshes on a tokio runtime it owns. Free of any Node-API type.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::config::{Config, Env, Options, ProcessEnv, Source};
use crate::error::{Error, Result};
use crate::model::{
    Artifact, ArtifactPage, ArtifactQuery, CacheStatus, MarketplaceEntryPage, Project, ProjectPage,
    ProjectQuery, ProjectStatus, Recovery, RefreshState, RefreshSummary, Warning,
};
use crate::scan::manifest::{Collections, read_collections};
use crate::scan::{self, ArtifactKey, Prior, ScanFailure};
use crate::store::{Fresh, Mode, OpenFailure, Store, Tuning, now_ms};
pub use crate::values::RefreshTrigger;

/// Options of one refresh.
#[derive(Debug, Clone, Default)]
pub struct RefreshOptions {
    /// Only this project.
    pub project_id: Option<String>,
    /// Re-read every file even when size and mtime did not change.
    pub force: bool,
}

/// Options of `refresh()`, as a caller gives them.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct RefreshRequest {
    /// Only this project (default: discovery, then every project).
    pub project_id: Option<String>,
    /// Re-read every file even when its size and mtime did not change.
    pub force: Option<bool>,
}

impl From<RefreshRequest> for RefreshOptions {
    fn from(r: RefreshRequest) -> Self {
        RefreshOptions {
            project_id: r.project_id,
            force: r.force.unwrap_or(false),
        }
    }
}

mod background;
mod market;
mod registry;
mod search;
mod tasks;
mod upstream;

pub use market::{MarketRefresh, MarketRefreshRequest};
use tasks::blocking;

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

/// Refuses SkillMeat's own database file (`<home>/cache/cache.db`) as this cache's database
/// while it holds nothing that marks it as ours: SkillMeat creates the file empty and fills it
/// with its own tables (some named `projects` and `artifacts`) when it migrates, so taking an
/// empty one would collide with SkillMeat. A cache of ours there (an earlier version's default)
/// is still opened.
fn refuse_skillmeat_database(home: &std::path::Path, path: &std::path::Path) -> Result<()> {
    let Some(name) = path.file_name() else {
        return Ok(());
    };
    if name != crate::config::LEGACY_DB_FILE || !path.exists() {
        return Ok(());
    }
    let dir = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    let folder = path.parent().and_then(dir);
    if folder.is_none() || folder != dir(&home.join("cache")) {
        return Ok(());
    }
    if matches!(
        crate::store::ownership::inspect(path),
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
        let api_url = self.inner.config.github_api_url.value.trim_end_matches('/');
        let (limited_until, last_check_at) = s.upstream_state(api_url)?;
        let limited_until = limited_until.filter(|t| *t > now_ms());
        let mut warnings = lock(&self.inner.warnings).clone();
        if let Some(t) = limited_until {
            warnings.push(warning(
                "RATE_LIMITED",
                format!(
                    "the upstream API's rate limit is exhausted; upstream checks resume {}. Set GITHUB_TOKEN (or SKILLMEAT_GITHUB_TOKEN) for a higher limit",
                    crate::upstream::github::describe_reset(t, now_ms())
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

    /// Registers a project folder and scans it now. Returns the cached project.
    pub fn register_project(&self, path: &str) -> Result<Project> {
        self.check_open()?;
        if path.trim().is_empty() {
            return Err(Error::invalid(
                "path",
                "must be a folder path, got an empty string",
            ));
        }
        let raw = crate::config::expand_home(path);
        let canonical = match raw.canonicalize() {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound(format!(
                    "project folder {} does not exist",
                    raw.display()
                )));
            }
            Err(e) => return Err(Error::io(format!("resolving {}", raw.display()), e)),
        };
        if !canonical.is_dir() {
            return Err(Error::invalid(
                "path",
                format!("{} is not a folder", canonical.display()),
            ));
        }
        if scan::system::is_system(&canonical) {
            return Err(Error::invalid(
                "path",
                format!(
                    "{} is a folder of the kernel (/proc, /sys or /dev), not a project",
                    canonical.display()
                ),
            ));
        }
        let p = canonical.to_string_lossy().into_owned();
        self.inner.store.add_registration(&p)?;
        let id = crate::store::project_id_of(&p);
        let exists = self.inner.store.get_project(&id, Fresh::ANY)?.is_some();
        let collections = read_collections(&self.inner.config.home.value);
        let mut summary = RefreshSummary::default();
        // A folder registered again is re-scanned in full; a new one gets its row with its scan.
        let outcome = self.scan_only(&id, &p, None, &collections, false);
        let new = if exists {
            None
        } else {
            Some((p.as_str(), "registered"))
        };
        self.write_outcome(&id, new, outcome, &mut summary)?;
        self.sync_search_quietly();
        if let Some(tx) = lock(&self.inner.signals).as_ref() {
            let _ = tx.send(crate::watch::Signal::Resync);
        }
        self.inner
            .store
            .get_project(&id, self.fresh())?
            .ok_or_else(|| Error::Internal("project vanished right after registration".into()))
    }

    /// Forgets a project; returns whether it was known.
    pub fn unregister_project(&self, id: &str) -> Result<bool> {
        self.check_open()?;
        let known = self.inner.store.unregister(id)?;
        if known {
            self.sync_search_quietly();
        }
        Ok(known)
    }

    /// Marks one project (or all) for a full re-scan; returns how many.
    pub fn invalidate(&self, project_id: Option<&str>) -> Result<usize> {
        self.check_open()?;
        let n = self.inner.store.invalidate(project_id)?;
        self.emit(crate::events::Event::Invalidated {
            project_id: project_id.map(str::to_string),
            count: n as u32,
        });
        Ok(n)
    }

    /// Empties the cache, keeping registered folders (the next refresh rebuilds it).
    pub fn clear(&self) -> Result<()> {
        self.check_open()?;
        let _gate = lock(&self.inner.refresh_gate);
        self.inner.store.clear()?;
        self.sync_search_quietly();
        Ok(())
    }

    fn priors(&self, project_id: &str) -> HashMap<ArtifactKey, Prior> {
        self.inner
            .store
            .artifact_fingerprints(project_id)
            .unwrap_or_default()
            .into_iter()
            .map(|(profile, kind, name, prior)| {
                (
                    ArtifactKey {
                        profile,
                        kind,
                        name,
                    },
                    prior,
                )
            })
            .collect()
    }

    fn scan_only(
        &self,
        id: &str,
        path: &str,
        fingerprint: Option<&str>,
        collections: &Collections,
        force: bool,
    ) -> ScanOutcome {
        // No stored fingerprint means never scanned, or invalidated: read everything again.
        let force = force || fingerprint.is_none();
        let limits = crate::scan::walk::Limits::from_config(&self.inner.config);
        match scan::scan_project(
            Path::new(path),
            || self.priors(id),
            fingerprint,
            collections,
            &limits,
            force,
        ) {
            Ok(s) if s.unchanged => ScanOutcome::Unchanged,
            Ok(s) => {
                let files_changed = fingerprint != Some(s.fingerprint.as_str());
                ScanOutcome::Scanned(Box::new(s), files_changed)
            }
            Err(ScanFailure::Missing) => {
                ScanOutcome::Failed("missing", format!("project folder {path} no longer exists"))
            }
            Err(ScanFailure::Unreadable(m)) => {
                ScanOutcome::Failed("error", format!("cannot read project folder: {m}"))
            }
        }
    }

    /// Writes one scan outcome; returns `true` when the project was unchanged (to be touched later).
    fn write_outcome(
        &self,
        id: &str,
        new: Option<crate::store::NewProject<'_>>,
        outcome: ScanOutcome,
        summary: &mut RefreshSummary,
    ) -> Result<bool> {
        summary.projects_scanned += 1;
        match outcome {
            ScanOutcome::Unchanged => Ok(new.is_none()),
            ScanOutcome::Scanned(s, files_changed) => {
                // Upstream versions (collection lock, listings) are recomputed with the scan.
                let out = self.inner.store.apply_scan(id, new, &s)?;
                summary.artifacts_read += s.read_count as u32;
                summary.artifacts_added += out.changes.added.len() as u32;
                summary.artifacts_updated += out.changes.updated.len() as u32;
                summary.artifacts_removed += out.changes.removed.len() as u32;
                let content_changed = !(out.changes.added.is_empty()
                    && out.changes.updated.is_empty()
                    && out.changes.removed.is_empty());
                if content_changed {
                    self.emit(crate::events::Event::ChangesDetected {
                        project_id: id.to_string(),
                        project_name: s.name.clone(),
                        added: out.changes.added.clone(),
                        updated: out.changes.updated.clone(),
                        removed: out.changes.removed.clone(),
                    });
                }
                if files_changed || content_changed {
                    summary.projects_changed += 1;
                }
                summary
                    .errors
                    .extend(s.errors.iter().map(|e| format!("{}: {e}", s.name)));
                for a in &s.artifacts {
                    let Some(c) = a.content.as_ref() else {
                        continue;
                    };
                    if let Some(e) = &c.error {
                        // One line per artifact: its problems say the same as its error.
                        summary.errors.push(format!("{}: {e}", s.name));
                        continue;
                    }
                    // What Claude Code will not load is an error worth a line too; what it loads
                    // with losses is left to `doctor`.
                    for p in c
                        .problems
                        .iter()
                        .filter(|p| p.severity == crate::scan::health::Severity::Error)
                    {
                        let at = p.line.map(|l| format!(" line {l}")).unwrap_or_default();
                        summary.errors.push(format!(
                            "{}: {}{at}: {} ({})",
                            s.name, p.file, p.message, p.code
                        ));
                    }
                }
                Ok(false)
            }
            ScanOutcome::Failed(status, msg) => {
                if status == "missing" {
                    summary.projects_missing += 1;
                }
                summary.errors.push(msg.clone());
                summary.failures.push(msg.clone());
                self.inner.store.mark_failed(id, new, status, &msg)?;
                Ok(false)
            }
        }
    }

    /// Runs a refresh on the calling thread: discovery, then every project (or one), scanned in
    /// parallel and written one transaction per project.
    pub fn refresh_blocking(
        &self,
        opts: &RefreshOptions,
        trigger: RefreshTrigger,
    ) -> Result<RefreshSummary> {
        self.check_open()?;
        if let Some(id) = &opts.project_id {
            // An unknown id is a caller mistake, not a failed refresh: do not record it as one.
            if self.inner.store.get_project(id, Fresh::ANY)?.is_none() {
                return Err(Error::NotFound(format!(
                    "no project with id {id:?}; register it first"
                )));
            }
        }
        let _gate = lock(&self.inner.refresh_gate);
        self.inner.running.fetch_add(1, Ordering::Relaxed);
        self.emit(crate::events::Event::RefreshStarted {
            trigger,
            project_id: opts.project_id.clone(),
        });
        let started = Instant::now();
        let started_ms = now_ms();
        let mut summary = RefreshSummary::default();
        let result = self.refresh_inner(opts, trigger, &mut summary);
        // Whatever was written (all of it, or the projects before a failure) goes to the index.
        self.sync_search_quietly();
        summary.duration_ms = (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
        self.inner.running.fetch_sub(1, Ordering::Relaxed);
        let (outcome, message) = match &result {
            Ok(()) => ("ok", None),
            Err(e) => ("error", Some(e.to_string())),
        };
        if let Err(Error::DiskFull(_)) = &result {
            let mut w = lock(&self.inner.warnings);
            w.retain(|w| w.code != "CACHE_DISK_FULL");
            w.push(warning(
                "CACHE_DISK_FULL",
                "the last refresh stopped because the cache database is full; cached data is still served. Free disk space (or raise max_size_mb) and refresh again".into(),
            ));
        } else if result.is_ok() {
            lock(&self.inner.warnings).retain(|w| w.code != "CACHE_DISK_FULL");
        }
        let _ = self.inner.store.record_run(
            started_ms,
            trigger.as_str(),
            opts.project_id.as_deref(),
            &summary,
            outcome,
            message.as_deref(),
        );
        // Announced last, once the run is recorded: a listener that reads the status (or the
        // data generation) then sees this refresh's outcome, not the one before.
        self.emit(match &result {
            Ok(()) => crate::events::Event::RefreshCompleted {
                trigger,
                project_id: opts.project_id.clone(),
                summary: summary.clone(),
            },
            Err(e) => crate::events::Event::RefreshError {
                trigger,
                project_id: opts.project_id.clone(),
                code: e.code().to_string(),
                message: e.to_string(),
            },
        });
        result.map(|()| summary)
    }

    fn refresh_inner(
        &self,
        opts: &RefreshOptions,
        trigger: RefreshTrigger,
        summary: &mut RefreshSummary,
    ) -> Result<()> {
        let store = &self.inner.store;
        // (id, path, stored fingerprint, origin when the row is new). New rows are written with
        // their first scan, in one transaction, so no reader sees a project without its artifacts.
        let mut targets: Vec<(String, String, Option<String>, Option<&'static str>)> = store
            .project_paths(opts.project_id.as_deref())?
            .into_iter()
            .map(|(id, path, fp)| (id, path, fp, None))
            .collect();
        if opts.project_id.is_none() {
            let mut known: std::collections::HashSet<String> =
                targets.iter().map(|t| t.1.clone()).collect();
            // Registered folders without a row (after clear()) come back with their scan.
            for path in store.registrations()? {
                if known.insert(path.clone()) {
                    targets.push((
                        crate::store::project_id_of(&path),
                        path,
                        None,
                        Some("registered"),
                    ));
                }
            }
            for root in &self.inner.config.project_roots.value {
                for dir in scan::discovery::discover(root, self.inner.config.discovery_depth.value)
                {
                    let p = dir.to_string_lossy().into_owned();
                    if known.insert(p.clone()) {
                        targets.push((
                            crate::store::project_id_of(&p),
                            p,
                            None,
                            Some("discovered"),
                        ));
                        summary.projects_discovered += 1;
                    }
                }
            }
        }
        if let Some(id) = &opts.project_id {
            if targets.is_empty() {
                return Err(Error::NotFound(format!(
                    "no project with id {id:?}; register it first"
                )));
            }
        }
        let collections = read_collections(&self.inner.config.home.value);
        summary
            .errors
            .extend(collections.errors.iter().map(|e| e.to_string()));

        // Scan in parallel (stat + read), write on this thread as results arrive.
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 4);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, ScanOutcome)>(workers * 2);
        let mut unchanged = Vec::new();
        let mut failure = None;
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (next, stop, targets, collections) = (&next, &stop, &targets, &collections);
                scope.spawn(move || {
                    loop {
                        if stop.load(Ordering::Relaxed) || self.inner.closed.load(Ordering::Relaxed)
                        {
                            return;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((id, path, fp, _)) = targets.get(i) else {
                            return;
                        };
                        let out = self.scan_only(id, path, fp.as_deref(), collections, opts.force);
                        if tx.send((i, out)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);
            let total = targets.len() as u32;
            let progress = total > 1 && self.inner.events.has_listeners();
            for (done, (i, outcome)) in rx.into_iter().enumerate() {
                if failure.is_some() {
                    continue;
                }
                let (id, path, _, new) = &targets[i];
                let new = new.map(|origin| (path.as_str(), origin));
                let written = self.write_outcome(id, new, outcome, summary);
                if progress && written.is_ok() {
                    self.emit(crate::events::Event::RefreshProgress {
                        trigger,
                        project_id: id.clone(),
                        done: done as u32 + 1,
                        total,
                    });
                }
                match written {
                    Ok(true) => unchanged.push(id.clone()),
                    Ok(false) => {}
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        failure = Some(e);
                    }
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        store.touch_unchanged(&unchanged)?;
        if summary.projects_changed > 0 {
            store.checkpoint(false);
        }
        Ok(())
    }

    fn spawn_refresh_with_trigger(
        &self,
        opts: RefreshOptions,
        trigger: RefreshTrigger,
        done: impl FnOnce(Result<RefreshSummary>) + Send + 'static,
    ) {
        self.spawn_task(
            "the refresh",
            move |me| async move { blocking(move || me.refresh_blocking(&opts, trigger)).await? },
            done,
        );
    }

    /// Starts a refresh on the cache's runtime and calls `done` with its result.
    pub fn spawn_refresh(
        &self,
        opts: RefreshOptions,
        done: impl FnOnce(Result<RefreshSummary>) + Send + 'static,
    ) {
        if let Err(e) = self.check_open() {
            return done(Err(e));
        }
        // Concurrent requests for the same refresh share one run and its result.
        let key = (opts.project_id.clone(), opts.force);
        {
            let mut inflight = lock(&self.inner.inflight);
            if let Some(waiters) = inflight.get_mut(&key) {
                waiters.push(Box::new(done));
                return;
            }
            inflight.insert(key.clone(), vec![Box::new(done)]);
        }
        let me = self.clone();
        self.spawn_refresh_with_trigger(opts, RefreshTrigger::Manual, move |res| {
            let waiters = lock(&me.inner.inflight).remove(&key).unwrap_or_default();
            for w in waiters {
                w(match &res {
                    Ok(s) => Ok(s.clone()),
                    Err(e) => Err(e.duplicate()),
                });
            }
        });
    }

    /// Empties the cache on the runtime and calls `done`.
    pub fn spawn_clear(&self, done: impl FnOnce(Result<()>) + Send + 'static) {
        self.spawn_task(
            "clearing the cache",
            |me| async move { blocking(move || me.clear()).await? },
            done,
        );
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
        self.inner.store.checkpoint(true);
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

enum ScanOutcome {
    Unchanged,
    /// A fresh scan, and whether the project's files changed since the stored fingerprint.
    Scanned(Box<scan::ProjectScan>, bool),
    Failed(&'static str, String),
}
