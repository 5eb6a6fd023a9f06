//! The file watcher: notify on every project's profile roots (and the project folder itself,
//! non-recursively, to see profile roots appear and the folder vanish), the collections folder,
//! `config.toml`, and the folders under discovery roots where a new project could appear.
//! Raw events are forwarded as paths; debouncing and mapping to projects happen in the refresh
//! loop, so a burst of a thousand touches becomes one re-scan per project.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc::UnboundedSender;

/// What the watcher reports to the refresh loop.
#[derive(Debug)]
pub enum Signal {
    /// Paths that changed.
    Paths(Vec<PathBuf>),
    /// The watcher failed at run time (e.g. the kernel dropped events).
    Failed(String),
    /// The set of projects changed (a registration): watch what is new.
    Resync,
}

/// A watcher over a changing set of paths.
pub struct FsWatcher {
    inner: RecommendedWatcher,
    watched: HashMap<PathBuf, RecursiveMode>,
    ignore: Vec<PathBuf>,
}

/// Why a path could not be watched.
#[derive(Debug, Clone)]
pub struct WatchProblem {
    /// The path.
    pub path: PathBuf,
    /// Whether it was the system's watch limit (inotify `ENOSPC`).
    pub limit: bool,
    /// The reason.
    pub reason: String,
}

fn is_limit(e: &notify::Error) -> bool {
    match &e.kind {
        notify::ErrorKind::MaxFilesWatch => true,
        notify::ErrorKind::Io(io) => io.raw_os_error() == Some(28),
        _ => false,
    }
}

impl FsWatcher {
    /// Starts a watcher that sends changed paths to `tx`, ignoring paths under `ignore` (the
    /// cache's own database files).
    pub fn new(tx: UnboundedSender<Signal>, ignore: Vec<PathBuf>) -> notify::Result<FsWatcher> {
        let ignored = ignore.clone();
        let inner =
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| match res {
                Ok(ev) => {
                    if matches!(ev.kind, notify::EventKind::Access(_)) {
                        return;
                    }
                    let paths: Vec<PathBuf> = ev
                        .paths
                        .into_iter()
                        .filter(|p| !ignored.iter().any(|i| p.starts_with(i)))
                        .collect();
                    if !paths.is_empty() {
                        let _ = tx.send(Signal::Paths(paths));
                    }
                }
                Err(e) => {
                    let _ = tx.send(Signal::Failed(e.to_string()));
                }
            })?;
        Ok(FsWatcher {
            inner,
            watched: HashMap::new(),
            ignore,
        })
    }

    /// Makes the watched set equal `desired`. Returns the paths that could not be watched and
    /// those newly watched (changes made there before now were not seen).
    pub fn sync(
        &mut self,
        desired: &[(PathBuf, RecursiveMode)],
    ) -> (Vec<WatchProblem>, Vec<PathBuf>) {
        let want: HashMap<&Path, RecursiveMode> =
            desired.iter().map(|(p, m)| (p.as_path(), *m)).collect();
        let stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(p, m)| want.get(p.as_path()) != Some(m))
            .map(|(p, _)| p.clone())
            .collect();
        for p in stale {
            let _ = self.inner.unwatch(&p);
            self.watched.remove(&p);
        }
        let mut problems = Vec::new();
        let mut added = Vec::new();
        for (p, m) in desired {
            if self.watched.contains_key(p)
                || self.ignore.iter().any(|i| p.starts_with(i) && p != i)
            {
                continue;
            }
            match self.inner.watch(p, *m) {
                Ok(()) => {
                    self.watched.insert(p.clone(), *m);
                    added.push(p.clone());
                }
                Err(e) => {
                    // A path that vanished in the meantime is not a problem; the next scan notices.
                    if !p.exists() {
                        continue;
                    }
                    problems.push(WatchProblem {
                        path: p.clone(),
                        limit: is_limit(&e),
                        reason: e.to_string(),
                    });
                }
            }
        }
        (problems, added)
    }

    /// Number of paths watched.
    pub fn len(&self) -> usize {
        self.watched.len()
    }

    /// Whether nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.watched.is_empty()
    }
}
