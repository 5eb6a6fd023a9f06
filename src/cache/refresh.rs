//! The refresh pipeline: which projects a refresh visits, their scans in parallel, and the
//! writes, several projects to a transaction as their scans arrive.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use super::tasks::blocking;
use super::{Cache, lock, warning};
use crate::error::{Error, Result};
use crate::model::RefreshSummary;
use crate::scan::manifest::Collections;
use crate::scan::{self, ArtifactKey, Prior, ProjectScan, ScanFailure};
use crate::store::{Fresh, NewProject, now_ms};
use crate::values::RefreshTrigger;

/// Projects written in one transaction at most: enough to share the pages every project's rows
/// touch (the indexes), few enough that readers see each group soon.
const WRITE_GROUP: usize = 32;

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

/// A project a refresh (or a registration) scans.
pub(super) struct ScanTarget {
    pub id: String,
    pub path: String,
    /// The stored fingerprint of its files; `None` reads every file.
    pub fingerprint: Option<String>,
    /// How a project without a row came to be scanned (`registered`, `discovered`): its row is
    /// written with its first scan, in one transaction, so no reader sees it without artifacts.
    pub new: Option<&'static str>,
}

enum ScanOutcome {
    Unchanged,
    /// A fresh scan, and whether the project's files changed since the stored fingerprint.
    Scanned(Box<ProjectScan>, bool),
    Failed(&'static str, String),
}

impl Cache {
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
        threads: usize,
    ) -> ScanOutcome {
        // No stored fingerprint means never scanned, or invalidated: read everything again.
        let force = force || fingerprint.is_none();
        let limits = crate::scan::walk::Limits::from_config(&self.inner.config);
        let mut listings = lock(&self.inner.listings).remove(id).unwrap_or_default();
        let scanned = scan::scan_project(
            Path::new(path),
            || self.priors(id),
            fingerprint,
            collections,
            &limits,
            scan::Reads { force, threads },
            &mut listings,
        );
        if !listings.is_empty() {
            lock(&self.inner.listings).insert(id.to_string(), listings);
        }
        match scanned {
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

    /// Counts a written scan in `summary` and announces what it changed.
    fn account(
        &self,
        id: &str,
        s: &ProjectScan,
        files_changed: bool,
        out: &crate::store::ApplyOutcome,
        summary: &mut RefreshSummary,
    ) {
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
                .filter(|p| p.severity == crate::model::Severity::Error)
            {
                let at = p.line.map(|l| format!(" line {l}")).unwrap_or_default();
                summary.errors.push(format!(
                    "{}: {}{at}: {} ({})",
                    s.name, p.file, p.message, p.code
                ));
            }
        }
    }

    /// Writes a group of scan outcomes: the fresh scans in one transaction, failures each on
    /// their own. Returns the ids of the projects found unchanged (to be touched later).
    fn write_group(
        &self,
        targets: &[ScanTarget],
        group: Vec<(usize, ScanOutcome)>,
        summary: &mut RefreshSummary,
    ) -> Result<Vec<String>> {
        let mut unchanged = Vec::new();
        let mut scanned = Vec::new();
        for (i, outcome) in group {
            let t = &targets[i];
            let new: Option<NewProject<'_>> = t.new.map(|origin| (t.path.as_str(), origin));
            match outcome {
                ScanOutcome::Unchanged if new.is_none() => unchanged.push(t.id.clone()),
                ScanOutcome::Unchanged => {}
                ScanOutcome::Scanned(s, files_changed) => {
                    scanned.push((i, new, s, files_changed));
                    continue;
                }
                ScanOutcome::Failed(status, msg) => {
                    self.inner.store.mark_failed(&t.id, new, status, &msg)?;
                    if status == "missing" {
                        summary.projects_missing += 1;
                    }
                    summary.errors.push(msg.clone());
                    summary.failures.push(msg);
                }
            }
            summary.projects_scanned += 1;
        }
        if scanned.is_empty() {
            return Ok(unchanged);
        }
        // Upstream versions (collection lock, listings) are recomputed with the scan.
        let batch: Vec<_> = scanned
            .iter()
            .map(|(i, new, s, _)| (targets[*i].id.as_str(), *new, s.as_ref()))
            .collect();
        let outs = match self.inner.store.apply_scans(&batch) {
            Ok(outs) => outs,
            // One project's write fails the group's transaction: write them one by one, so that
            // those before the failing one are kept, as a transaction each would have kept them.
            Err(_) if batch.len() > 1 => {
                for (one, (i, _, s, files_changed)) in batch.iter().zip(&scanned) {
                    let out = self.inner.store.apply_scans(std::slice::from_ref(one))?;
                    summary.projects_scanned += 1;
                    let out = out.into_iter().next().unwrap_or_default();
                    self.account(&targets[*i].id, s, *files_changed, &out, summary);
                }
                return Ok(unchanged);
            }
            Err(e) => return Err(e),
        };
        for ((i, _, s, files_changed), out) in scanned.iter().zip(&outs) {
            summary.projects_scanned += 1;
            self.account(&targets[*i].id, s, *files_changed, out, summary);
        }
        Ok(unchanged)
    }

    /// Scans `targets` in parallel (stat and read) and writes them on this thread as their scans
    /// arrive, grouped. `progress` announces each written project under that trigger. Stops at
    /// the first failed write (the groups before it are kept) or when the cache closes.
    pub(super) fn scan_and_write(
        &self,
        targets: &[ScanTarget],
        collections: &Collections,
        force: bool,
        progress: Option<RefreshTrigger>,
        summary: &mut RefreshSummary,
    ) -> Result<()> {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 4);
        let workers = cores.min(targets.len().max(1));
        // Fewer projects than cores (a registration, one changed project): each project's
        // files are read on the cores the others would have had. A registration during a
        // refresh (which it does not wait for) sizes its share as if alone: briefly more
        // threads than cores, which costs some switching, not correctness.
        let threads = (cores / workers).max(1);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, ScanOutcome)>(WRITE_GROUP);
        let mut unchanged = Vec::new();
        let mut failure = None;
        std::thread::scope(|scope| {
            // Owned here: if this thread panics, unwinding drops it, and workers waiting to send
            // give up instead of blocking the scope forever.
            let rx = rx;
            for _ in 0..workers {
                let tx = tx.clone();
                let (next, stop) = (&next, &stop);
                scope.spawn(move || {
                    loop {
                        if stop.load(Ordering::Relaxed) || self.inner.closed.load(Ordering::Relaxed)
                        {
                            return;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(t) = targets.get(i) else {
                            return;
                        };
                        let out = self.scan_only(
                            &t.id,
                            &t.path,
                            t.fingerprint.as_deref(),
                            collections,
                            force,
                            threads,
                        );
                        if tx.send((i, out)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);
            let total = targets.len() as u32;
            let progress = progress.filter(|_| total > 1 && self.inner.events.has_listeners());
            let mut done = 0u32;
            while let Ok(first) = rx.recv() {
                if failure.is_some() {
                    continue;
                }
                // Whatever else has arrived meanwhile joins this write.
                let mut group = vec![first];
                while group.len() < WRITE_GROUP {
                    match rx.try_recv() {
                        Ok(o) => group.push(o),
                        Err(_) => break,
                    }
                }
                let ids: Vec<usize> = group.iter().map(|(i, _)| *i).collect();
                match self.write_group(targets, group, summary) {
                    Ok(u) => unchanged.extend(u),
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        failure = Some(e);
                        continue;
                    }
                }
                if let Some(trigger) = progress {
                    for i in ids {
                        done += 1;
                        self.emit(crate::events::Event::RefreshProgress {
                            trigger,
                            project_id: targets[i].id.clone(),
                            done,
                            total,
                        });
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
        self.inner.store.touch_unchanged(&unchanged)
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
        let mut targets: Vec<ScanTarget> = store
            .project_paths(opts.project_id.as_deref())?
            .into_iter()
            .map(|(id, path, fingerprint)| ScanTarget {
                id,
                path,
                fingerprint,
                new: None,
            })
            .collect();
        if opts.project_id.is_none() {
            let mut known: std::collections::HashSet<String> =
                targets.iter().map(|t| t.path.clone()).collect();
            // Registered folders without a row (after clear()) come back with their scan.
            for path in store.registrations()? {
                if known.insert(path.clone()) {
                    targets.push(ScanTarget {
                        id: crate::store::project_id_of(&path),
                        path,
                        fingerprint: None,
                        new: Some("registered"),
                    });
                }
            }
            for root in &self.inner.config.project_roots.value {
                for dir in scan::discovery::discover(root, self.inner.config.discovery_depth.value)
                {
                    let path = dir.to_string_lossy().into_owned();
                    if known.insert(path.clone()) {
                        targets.push(ScanTarget {
                            id: crate::store::project_id_of(&path),
                            path,
                            fingerprint: None,
                            new: Some("discovered"),
                        });
                        summary.projects_discovered += 1;
                    }
                }
            }
        }
        if opts.project_id.is_none() {
            // Listings of projects no longer known (unregistered by another process) go.
            let ids: std::collections::HashSet<&str> =
                targets.iter().map(|t| t.id.as_str()).collect();
            lock(&self.inner.listings).retain(|id, _| ids.contains(id.as_str()));
        }
        if let Some(id) = &opts.project_id {
            if targets.is_empty() {
                return Err(Error::NotFound(format!(
                    "no project with id {id:?}; register it first"
                )));
            }
        }
        let collections = self
            .inner
            .collections
            .get(&self.inner.config.home.value, opts.force);
        summary
            .errors
            .extend(collections.errors.iter().map(|e| e.to_string()));
        self.scan_and_write(&targets, &collections, opts.force, Some(trigger), summary)?;
        if summary.projects_changed > 0 {
            // A full disk shows here when the log's pages cannot move into the file: reported as
            // the refresh's error (its writes are kept in the log and served).
            store.checkpoint(false)?;
        }
        Ok(())
    }

    pub(super) fn spawn_refresh_with_trigger(
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
}
