//! The background worker of a cache: holds (or waits for) the cross-process refresher lease,
//! catches up on changes made while no process ran, re-scans projects older than the TTL a few
//! at a time with exponential backoff on failure, and turns file-watcher events into one
//! incremental re-scan per touched project. It holds only a weak reference to the cache, so an
//! unreachable cache is dropped even while the worker runs.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use notify::RecursiveMode;
use tokio::sync::{mpsc, watch};

use super::tasks::blocking;
use super::{Cache, Inner, RefreshOptions, RefreshTrigger, lock, warning};
use crate::events::Event;
use crate::scan::PROFILE_ROOTS;
use crate::store::{Fresh, Mode, now_ms};
use crate::values::{ProjectStatus, WatcherState};
use crate::watch::{FsWatcher, Signal};

/// Name of the lease row that elects the background refresher.
pub(crate) const LEASE: &str = "refresher";
/// A batch of watcher events ends after this much quiet…
const QUIET: Duration = Duration::from_millis(150);
/// …or after this long, whichever comes first.
const MAX_BATCH: Duration = Duration::from_secs(2);
/// Projects re-scanned per TTL pass.
const TTL_BATCH: usize = 8;
/// First retry delay after a failed background refresh; doubles up to `MAX_BACKOFF`.
const BASE_BACKOFF: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How often the loop looks at marketplace TTLs (a failing source is retried at this pace).
const MARKET_EVERY: Duration = Duration::from_secs(60);
/// How long a profile root's walk for links to folders is reused by the heartbeat's resync; a
/// change the watcher reports under the root walks it again at once.
const LINK_REWALK: Duration = Duration::from_secs(300);

/// Controls a running worker.
pub(crate) struct Handle {
    stop: watch::Sender<bool>,
    join: tokio::task::JoinHandle<()>,
}

impl Handle {
    /// Asks the worker to stop and waits (bounded) until it has released its lease and watcher.
    pub(crate) fn stop(self, rt: &tokio::runtime::Runtime) {
        let _ = self.stop.send(true);
        let join = self.join;
        let _ = rt.block_on(async { tokio::time::timeout(Duration::from_secs(10), join).await });
    }
}

/// Starts the worker on the cache's runtime.
pub(crate) fn start(cache: &Cache) {
    let rt = lock(&cache.inner.runtime);
    let Some(rt) = rt.as_ref() else { return };
    let (stop_tx, stop_rx) = watch::channel(false);
    let (tx, rx) = mpsc::unbounded_channel();
    lock(&cache.inner.bg_state).watcher_state = if cache.inner.config.watch.value {
        WatcherState::Starting
    } else {
        WatcherState::Off
    };
    *lock(&cache.inner.signals) = Some(tx.clone());
    let join = rt.spawn(run(Arc::downgrade(&cache.inner), stop_rx, tx, rx));
    *lock(&cache.inner.background) = Some(Handle {
        stop: stop_tx,
        join,
    });
}

/// Whether no task of this kind is still running.
fn idle(task: &Option<tokio::task::JoinHandle<()>>) -> bool {
    task.as_ref().is_none_or(|t| t.is_finished())
}

fn upgrade(w: &Weak<Inner>) -> Option<Cache> {
    w.upgrade().map(|inner| Cache { inner })
}

struct Worker {
    holder: String,
    is_holder: bool,
    watcher: Option<FsWatcher>,
    degraded: bool,
    tx: mpsc::UnboundedSender<Signal>,
    backoff: HashMap<String, (u32, Instant)>,
    last_market: Option<Instant>,
    last_upstream: Option<Instant>,
    /// Whether this process held the lease before (a later acquisition is a take-over).
    held_before: bool,
    /// Links to folders in the profile roots, with where each led and whether it is watched
    /// (judged once per target, not at every resync).
    links: LinkVerdicts,
    /// Per profile root: when it was last walked for links, and the links found.
    walks: LinkWalks,
    /// The marketplace refresh and the upstream check in flight: they run beside the loop, so
    /// that a slow network never holds up the watcher's re-scans.
    market_task: Option<tokio::task::JoinHandle<()>>,
    upstream_task: Option<tokio::task::JoinHandle<()>>,
}

/// Per profile root: when it was walked for links to folders, and the links found (a walk reads
/// three levels of folders: every skill folder; too much for every heartbeat).
type LinkWalks = HashMap<PathBuf, (Instant, Vec<PathBuf>)>;

/// What a resync must walk again for links: roots holding these paths, or every root.
enum Rewalk {
    /// Walks older than [`LINK_REWALK`] only.
    Stale,
    /// Also the roots that hold one of these changed paths.
    Under(Vec<PathBuf>),
    /// Every root.
    All,
}

/// Per link to a folder: the folder it led to, and whether it is watched (or why not).
type LinkVerdicts = HashMap<PathBuf, (Option<PathBuf>, Result<(), String>)>;

async fn run(
    weak: Weak<Inner>,
    mut stop: watch::Receiver<bool>,
    tx: mpsc::UnboundedSender<Signal>,
    mut rx: mpsc::UnboundedReceiver<Signal>,
) {
    let Some(lease_ms) = upgrade(&weak).map(|c| c.inner.config.lease_ttl_ms.value) else {
        return;
    };
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut w = Worker {
        holder: format!(
            "{}-{:08x}",
            std::process::id(),
            nonce ^ (&stop as *const _ as usize as u32)
        ),
        is_holder: false,
        watcher: None,
        degraded: false,
        tx,
        backoff: HashMap::new(),
        last_market: None,
        last_upstream: None,
        held_before: false,
        links: HashMap::new(),
        walks: HashMap::new(),
        market_task: None,
        upstream_task: None,
    };
    let beat = (Duration::from_millis(lease_ms as u64) / 3)
        .clamp(Duration::from_millis(100), Duration::from_secs(5));
    let mut tick = tokio::time::interval(beat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            sig = rx.recv() => {
                let Some(sig) = sig else { break };
                let batch = gather(&mut rx, sig).await;
                if !until_stopped(&mut stop, w.on_signals(&weak, batch)).await {
                    break;
                }
            }
            _ = tick.tick() => {
                if !until_stopped(&mut stop, w.on_tick(&weak)).await {
                    break;
                }
            }
        }
    }
    w.watcher = None;
    for t in [w.market_task.take(), w.upstream_task.take()]
        .into_iter()
        .flatten()
    {
        t.abort();
    }
    if let Some(c) = upgrade(&weak) {
        lock(&c.inner.bg_state).is_holder = false;
        if w.is_holder && c.inner.store.mode() == Mode::File {
            // Here, not on the blocking pool: `close()` waits for this, and the pool may be busy
            // with work `close()` abandons.
            let _ = tokio::task::block_in_place(|| c.inner.store.release_lease(LEASE, &w.holder));
        }
    }
}

/// Collects one burst of signals, starting with `first`: those already queued and those that
/// follow, until none has come for `QUIET` or `MAX_BATCH` has passed since the first. Both count
/// from when the watcher reported a change, not from when the loop got to it: a change made
/// while the loop was busy re-scanning is not held back by a second quiet period.
async fn gather(rx: &mut mpsc::UnboundedReceiver<Signal>, first: Signal) -> Vec<Signal> {
    let mut newest = first.sent_at().unwrap_or_else(Instant::now);
    let deadline = newest + MAX_BATCH;
    let mut batch = vec![first];
    loop {
        let until = (newest + QUIET).min(deadline);
        // A signal already queued is taken even when `until` has passed (the receive is polled
        // before the timer), so the whole backlog lands in this batch.
        match tokio::time::timeout_at(until.into(), rx.recv()).await {
            Ok(Some(s)) => {
                if let Some(at) = s.sent_at() {
                    newest = newest.max(at);
                }
                batch.push(s);
            }
            _ => break,
        }
    }
    batch
}

/// Runs one step of the worker unless `close()` asks it to stop first: the step is then dropped
/// where it waits (an upstream or marketplace request in flight is abandoned; a scan running on
/// a blocking thread stops between projects, as `close()` marks the cache closed). `false` =
/// stop. Without this, `close()` waited for the step: over a network that never answers, for
/// as long as its requests' timeouts.
async fn until_stopped(stop: &mut watch::Receiver<bool>, step: impl Future<Output = bool>) -> bool {
    tokio::select! {
        biased;
        _ = stop.changed() => false,
        keep = step => keep,
    }
}

impl Worker {
    /// Lease heartbeat, then a TTL pass when this process is the refresher. `false` = stop.
    async fn on_tick(&mut self, weak: &Weak<Inner>) -> bool {
        let Some(c) = upgrade(weak) else { return false };
        if c.is_closed() {
            return false;
        }
        let got = if c.inner.store.mode() == Mode::Memory {
            true
        } else {
            let (c2, holder, ttl) = (
                c.clone(),
                self.holder.clone(),
                c.inner.config.lease_ttl_ms.value as i64,
            );
            match blocking(move || c2.inner.store.try_lease(LEASE, &holder, ttl))
                .await
                .ok()
            {
                Some(Ok(got)) => got,
                // The database was busy: keep the role we had until the next beat.
                _ => self.is_holder,
            }
        };
        if got != self.is_holder {
            self.is_holder = got;
            lock(&c.inner.bg_state).is_holder = got;
            if got {
                self.become_holder(&c).await;
            } else {
                self.watcher = None;
            }
        }
        if !got {
            let mut st = lock(&c.inner.bg_state);
            st.watcher_state = if c.inner.config.watch.value {
                WatcherState::Standby
            } else {
                WatcherState::Off
            };
            st.watched = 0;
            st.next_refresh_at = None;
            return true;
        }
        if self.watcher.is_some() {
            self.resync(&c, Rewalk::Stale).await;
        }
        if c.inner.config.background_refresh.value || self.degraded {
            self.ttl_pass(&c).await;
        }
        true
    }

    async fn become_holder(&mut self, c: &Cache) {
        if c.inner.config.watch.value && !self.degraded {
            match FsWatcher::new(self.tx.clone(), ignore_paths(c)) {
                Ok(w) => {
                    self.watcher = Some(w);
                    self.resync(c, Rewalk::All).await;
                }
                Err(e) => self.degrade(c, format!("the file watcher could not start ({e})")),
            }
        }
        // Catch up on what changed while no process was watching: stored fingerprints make this
        // a stat-only pass for unchanged projects.
        let trigger = if self.held_before {
            RefreshTrigger::Takeover
        } else {
            RefreshTrigger::Startup
        };
        self.held_before = true;
        self.refresh(c, RefreshOptions::default(), trigger).await;
    }

    async fn refresh(&mut self, c: &Cache, opts: RefreshOptions, trigger: RefreshTrigger) -> bool {
        let key = opts.project_id.clone().unwrap_or_default();
        let c2 = c.clone();
        let res = blocking(move || c2.refresh_blocking(&opts, trigger))
            .await
            .ok();
        lock(&c.inner.bg_state).last_refresh_at = Some(now_ms());
        match res {
            Some(Ok(_)) => {
                self.backoff.remove(&key);
                true
            }
            _ => {
                let n = self.backoff.get(&key).map(|(n, _)| n + 1).unwrap_or(0);
                let delay = BASE_BACKOFF
                    .saturating_mul(1u32 << n.min(10))
                    .min(MAX_BACKOFF);
                self.backoff.insert(key, (n, Instant::now() + delay));
                false
            }
        }
    }

    /// Re-scans up to `TTL_BATCH` projects older than the TTL, skipping those backing off.
    async fn ttl_pass(&mut self, c: &Cache) {
        let ttl_ms = c.inner.config.ttl_minutes.value as i64 * 60_000;
        let c2 = c.clone();
        let due = blocking(move || {
            c2.inner
                .store
                .due_projects(Fresh::within(ttl_ms), TTL_BATCH * 4)
        })
        .await
        .ok()
        .and_then(|r| r.ok())
        .unwrap_or_default();
        let now = Instant::now();
        let mut done = 0;
        for id in due {
            if done == TTL_BATCH || c.is_closed() {
                break;
            }
            if self.backoff.get(&id).is_some_and(|(_, next)| *next > now) {
                continue;
            }
            done += 1;
            self.refresh(
                c,
                RefreshOptions {
                    project_id: Some(id),
                    force: false,
                },
                RefreshTrigger::Ttl,
            )
            .await;
        }
        let market_due = self.last_market.is_none_or(|t| t.elapsed() >= MARKET_EVERY);
        if market_due
            && !c.inner.config.marketplace_sources.value.is_empty()
            && idle(&self.market_task)
        {
            self.last_market = Some(Instant::now());
            // Sources within their TTL are skipped without a request.
            let c2 = c.clone();
            self.market_task = Some(tokio::spawn(async move {
                let _ = super::market::refresh(&c2, super::MarketRefresh::default()).await;
            }));
        }
        // Upstream versions have their own TTL (per repository); due repositories are checked
        // in one batch, the others cost nothing.
        let upstream_due = self
            .last_upstream
            .is_none_or(|t| t.elapsed() >= MARKET_EVERY);
        if upstream_due && c.inner.config.upstream_ttl_hours.value > 0 && idle(&self.upstream_task)
        {
            self.last_upstream = Some(Instant::now());
            let c2 = c.clone();
            self.upstream_task = Some(tokio::spawn(async move {
                let _ = super::upstream::check(&c2, super::UpstreamOptions::default()).await;
            }));
        }
        let c2 = c.clone();
        let oldest = blocking(move || c2.inner.store.oldest_scan())
            .await
            .ok()
            .and_then(|r| r.ok())
            .flatten();
        lock(&c.inner.bg_state).next_refresh_at = oldest.map(|o| o + ttl_ms);
    }

    /// Turns a batch of watcher signals into re-scans: one per touched project, or one full
    /// (incremental) refresh when collections, `config.toml` or a discovery root changed.
    async fn on_signals(&mut self, weak: &Weak<Inner>, batch: Vec<Signal>) -> bool {
        let Some(c) = upgrade(weak) else { return false };
        if c.is_closed() {
            return false;
        }
        if !self.is_holder {
            return true;
        }
        let mut paths = Vec::new();
        let mut everything = false;
        let mut resync = false;
        for s in batch {
            match s {
                Signal::Paths(p, _) => paths.extend(p),
                Signal::Failed(_) => everything = true,
                Signal::Resync => resync = true,
            }
        }
        // A change in a folder that a link leads to is a change under the link too.
        let mut through_links = Vec::new();
        for p in &paths {
            for (link, (target, verdict)) in &self.links {
                if let (Some(t), Ok(())) = (target, verdict)
                    && let Ok(rest) = p.strip_prefix(t)
                {
                    through_links.push(link.join(rest));
                }
            }
        }
        paths.extend(through_links);
        let rewalk = if !paths.is_empty() {
            let c2 = c.clone();
            let projects = blocking(move || c2.inner.store.project_paths(None))
                .await
                .ok()
                .and_then(|r| r.ok())
                .unwrap_or_default();
            let cfg = &c.inner.config;
            let collections = cfg.home.value.join("collections");
            let config_file = crate::config::config_file(&cfg.home.value);
            let mut touched: HashSet<String> = HashSet::new();
            for p in &paths {
                if p.starts_with(&collections) || *p == config_file {
                    everything = true;
                    continue;
                }
                let owner = projects
                    .iter()
                    .filter(|(_, path, _)| p.starts_with(path))
                    .max_by_key(|(_, path, _)| path.len());
                match owner {
                    Some((id, _, _)) => {
                        touched.insert(id.clone());
                    }
                    None if cfg.project_roots.value.iter().any(|r| p.starts_with(r)) => {
                        everything = true
                    }
                    None => {}
                }
            }
            if everything {
                self.refresh(&c, RefreshOptions::default(), RefreshTrigger::Watch)
                    .await;
            } else {
                let mut ids: Vec<String> = touched.into_iter().collect();
                ids.sort();
                for id in ids {
                    self.refresh(
                        &c,
                        RefreshOptions {
                            project_id: Some(id),
                            force: false,
                        },
                        RefreshTrigger::Watch,
                    )
                    .await;
                }
            }
            Some(if everything {
                Rewalk::All
            } else {
                Rewalk::Under(paths)
            })
        } else if everything {
            self.refresh(&c, RefreshOptions::default(), RefreshTrigger::Watch)
                .await;
            Some(Rewalk::All)
        } else {
            resync.then_some(Rewalk::All)
        };
        if let Some(rewalk) = rewalk
            && self.watcher.is_some()
        {
            self.resync(&c, rewalk).await;
        }
        true
    }

    /// Brings the watched set in line with the projects and roots now known.
    async fn resync(&mut self, c: &Cache, rewalk: Rewalk) {
        let c2 = c.clone();
        let mut links = std::mem::take(&mut self.links);
        let mut walks = std::mem::take(&mut self.walks);
        let Some((desired, vanished, links, walks)) = blocking(move || {
            let (desired, vanished) = desired_watches(&c2, &mut links, &mut walks, &rewalk);
            (desired, vanished, links, walks)
        })
        .await
        .ok() else {
            return;
        };
        self.links = links;
        self.walks = walks;
        let unwatched: Vec<String> = self
            .links
            .values()
            .filter_map(|(_, v)| v.as_ref().err().cloned())
            .collect();
        for id in vanished {
            let opts = RefreshOptions {
                project_id: Some(id),
                force: false,
            };
            self.refresh(c, opts, RefreshTrigger::Watch).await;
        }
        let limit = c.inner.config.watch_limit.value as usize;
        if desired.len() > limit {
            self.degrade(
                c,
                format!(
                    "watching {} folders would pass the limit of {limit} (watch_limit); changes are picked up by TTL refreshes instead",
                    desired.len()
                ),
            );
            return;
        }
        let Some(w) = self.watcher.as_mut() else {
            return;
        };
        let first = w.is_empty();
        let (problems, added) = w.sync(&desired);
        let watched = w.len() as u32;
        if let Some(p) = problems.iter().find(|p| p.limit) {
            self.degrade(
                c,
                format!(
                    "the system's file watch limit was reached at {} ({}); changes are picked up by TTL refreshes instead. Raise fs.inotify.max_user_watches or lower watch_limit",
                    p.path.display(),
                    p.reason
                ),
            );
            return;
        }
        {
            let mut st = lock(&c.inner.bg_state);
            st.watcher_state = WatcherState::Watching;
            st.watched = watched;
            st.watcher_reason = problems
                .first()
                .map(|p| format!("could not watch {}: {}", p.path.display(), p.reason))
                .or_else(|| {
                    unwatched.first().map(|why| {
                        format!(
                            "not watching {} linked folder(s) ({why}{}); changes there are picked up by TTL refreshes",
                            unwatched.len(),
                            if unwatched.len() > 1 { "; …" } else { "" }
                        )
                    })
                });
        }
        // A project that just came under watch (a new registration) may have changed between its
        // last scan and now, unseen: re-scan it once. The first sync is followed by the startup
        // catch-up, which covers everything.
        if !first && !added.is_empty() {
            let c2 = c.clone();
            let projects = blocking(move || c2.inner.store.project_paths(None))
                .await
                .ok()
                .and_then(|r| r.ok())
                .unwrap_or_default();
            let ids: Vec<String> = projects
                .into_iter()
                .filter(|(_, path, _)| added.iter().any(|a| a.starts_with(path)))
                .map(|(id, _, _)| id)
                .collect();
            for id in ids {
                let opts = RefreshOptions {
                    project_id: Some(id),
                    force: false,
                };
                self.refresh(c, opts, RefreshTrigger::Watch).await;
            }
        }
    }

    fn degrade(&mut self, c: &Cache, reason: String) {
        self.watcher = None;
        self.degraded = true;
        {
            let mut st = lock(&c.inner.bg_state);
            st.watcher_state = WatcherState::Degraded;
            st.watched = 0;
            st.watcher_reason = Some(reason.clone());
        }
        {
            let mut w = lock(&c.inner.warnings);
            w.retain(|w| w.code != "WATCHER_DEGRADED");
            w.push(warning("WATCHER_DEGRADED", reason.clone()));
        }
        c.emit(Event::WatcherDegraded { reason });
    }
}

/// Paths the cache writes itself, never worth a re-scan.
fn ignore_paths(c: &Cache) -> Vec<PathBuf> {
    match c.inner.store.path() {
        Some(p) => ["", "-wal", "-shm", "-journal", ".search"]
            .iter()
            .map(|s| PathBuf::from(format!("{}{s}", p.display())))
            .collect(),
        None => Vec::new(),
    }
}

/// Every path to watch: each project folder (non-recursively, to see profile roots come and go
/// and the folder vanish), each profile root (recursively, not following links), each link to a
/// folder in a profile root that [`crate::watch::judge_link`] allows (the folder it leads to,
/// recursively; events there are mapped back under the link by `on_signals`), the
/// collections folder, the home folder (for `config.toml`), and the folders under discovery
/// roots where a project can appear. `links` keeps the verdicts on links between calls.
///
/// Also returns the projects whose folder is gone but not yet recorded as missing: a folder
/// that vanished before it came under watch sends no event, so it is re-scanned instead.
fn desired_watches(
    c: &Cache,
    links: &mut LinkVerdicts,
    walks: &mut LinkWalks,
    rewalk: &Rewalk,
) -> (Vec<(PathBuf, RecursiveMode)>, Vec<String>) {
    let max_entries = c.inner.config.max_artifact_files.value as usize;
    let max_depth = c.inner.config.max_artifact_depth.value as usize;
    let mut seen_links = HashSet::new();
    let mut walked = HashSet::new();
    let mut linked = Vec::new();
    let cfg = &c.inner.config;
    let mut out = Vec::new();
    let mut vanished = Vec::new();
    for (id, path, _) in c.inner.store.project_paths(None).unwrap_or_default() {
        let p = PathBuf::from(path);
        if !p.is_dir() {
            let recorded = c.inner.store.get_project(&id, Fresh::ANY).ok().flatten();
            if recorded.is_some_and(|r| r.status != ProjectStatus::Missing) {
                vanished.push(id);
            }
            continue;
        }
        for profile in PROFILE_ROOTS {
            let r = p.join(profile);
            if !r.is_dir() {
                continue;
            }
            // `skills/<category>/<name>` is the deepest place an artifact folder can be.
            let current = walks.get(&r).filter(|(at, _)| match rewalk {
                Rewalk::All => false,
                Rewalk::Stale => at.elapsed() < LINK_REWALK,
                Rewalk::Under(paths) => {
                    at.elapsed() < LINK_REWALK && !paths.iter().any(|p| p.starts_with(&r))
                }
            });
            let found = match current {
                Some((_, found)) => found.clone(),
                None => {
                    let found = crate::watch::linked_folders(&r, 3);
                    walks.insert(r.clone(), (Instant::now(), found.clone()));
                    found
                }
            };
            walked.insert(r.clone());
            for link in found {
                let target = std::fs::canonicalize(&link).ok();
                let verdict = match links.get(&link) {
                    Some((t, v)) if *t == target => v.clone(),
                    _ => crate::watch::judge_link(&link, max_entries, max_depth),
                };
                if let (Some(t), Ok(())) = (&target, &verdict) {
                    linked.push(t.clone());
                }
                seen_links.insert(link.clone());
                links.insert(link, (target, verdict));
            }
            out.push((r, RecursiveMode::Recursive));
        }
        out.push((p, RecursiveMode::NonRecursive));
    }
    let collections = cfg.home.value.join("collections");
    if collections.is_dir() {
        out.push((collections, RecursiveMode::Recursive));
    }
    if cfg.home.value.is_dir() {
        out.push((cfg.home.value.clone(), RecursiveMode::NonRecursive));
    }
    for root in &cfg.project_roots.value {
        for d in crate::scan::discovery::candidate_dirs(root, cfg.discovery_depth.value) {
            out.push((d, RecursiveMode::NonRecursive));
        }
    }
    links.retain(|l, _| seen_links.contains(l));
    walks.retain(|r, _| walked.contains(r));
    // A linked folder inside a tree watched anyway needs no watch of its own (one folder has
    // one kernel watch, whichever path reaches it).
    for t in linked {
        let covered = out
            .iter()
            .any(|(r, m)| *m == RecursiveMode::Recursive && t.starts_with(r));
        if !covered {
            out.push((t, RecursiveMode::Recursive));
        }
    }
    let mut seen = HashSet::new();
    out.retain(|(p, _)| seen.insert(p.clone()));
    (out, vanished)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(at: Instant) -> Signal {
        Signal::Paths(vec![PathBuf::from("/p")], at)
    }

    fn run<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_backlog_reported_while_the_loop_was_busy_is_taken_without_a_second_quiet_period() {
        run(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let long_ago = Instant::now() - Duration::from_secs(1);
            for _ in 0..3 {
                tx.send(paths(long_ago)).unwrap();
            }
            let started = Instant::now();
            let batch = gather(&mut rx, paths(long_ago)).await;
            assert_eq!(batch.len(), 4, "the whole backlog is one batch");
            assert!(
                started.elapsed() < QUIET,
                "waited {:?} for changes whose quiet period had passed",
                started.elapsed()
            );
        });
    }

    #[test]
    fn a_burst_ends_after_quiet_counted_from_its_newest_change() {
        run(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let started = Instant::now();
            let later = tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(60)).await;
                later.send(paths(Instant::now())).unwrap();
            });
            let batch = gather(&mut rx, paths(Instant::now())).await;
            assert_eq!(
                batch.len(),
                2,
                "a change within the quiet period joins the batch"
            );
            assert!(started.elapsed() >= Duration::from_millis(60) + QUIET);
            // A signal that is not a file change does not extend the burst.
            let started = Instant::now();
            tx.send(Signal::Resync).unwrap();
            let batch = gather(&mut rx, paths(started)).await;
            assert_eq!(batch.len(), 2);
            assert!(started.elapsed() < QUIET + Duration::from_millis(100));
        });
    }
}
