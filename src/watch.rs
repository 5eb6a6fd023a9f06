//! The file watcher: notify on every project's profile roots (and the project folder itself,
//! non-recursively, to see profile roots appear and the folder vanish), the collections folder,
//! `config.toml`, and the folders under discovery roots where a new project could appear.
//! Raw events are forwarded as paths; debouncing and mapping to projects happen in the refresh
//! loop, so a burst of a thousand touches becomes one re-scan per project.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc::UnboundedSender;

/// What the watcher reports to the refresh loop.
#[derive(Debug)]
pub enum Signal {
    /// Paths that changed, and when the watcher reported them.
    Paths(Vec<PathBuf>, Instant),
    /// The watcher failed at run time (e.g. the kernel dropped events).
    Failed(String),
    /// The set of projects changed (a registration): watch what is new.
    Resync,
}

impl Signal {
    /// When a change was reported (`None` for signals that are not file changes).
    pub fn sent_at(&self) -> Option<Instant> {
        match self {
            Signal::Paths(_, at) => Some(*at),
            Signal::Failed(_) | Signal::Resync => None,
        }
    }
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
        // Links are not followed: a link inside a watched tree to `/usr/share` would add a
        // watch per folder there. The folders that links to artifact folders lead to are
        // watched on their own when [`judge_link`] allows (the caller maps their paths back).
        let config = notify::Config::default().with_follow_symlinks(false);
        let inner = RecommendedWatcher::new(
            move |res: notify::Result<notify::Event>| match res {
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
                        let _ = tx.send(Signal::Paths(paths, Instant::now()));
                    }
                }
                Err(e) => {
                    let _ = tx.send(Signal::Failed(e.to_string()));
                }
            },
            config,
        )?;
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

/// Links to folders at most `depth` levels below `root`, found without following any link.
pub fn linked_folders(root: &Path, depth: usize) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .min_depth(1)
        .max_depth(depth)
        .follow_links(false)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path_is_symlink() && e.path().is_dir())
        .map(|e| e.into_path())
        .collect()
}

/// Whether the folder `link` leads to is watched on its own, or why not: never a kernel folder
/// (`/proc`, `/sys`, `/dev`) or a folder holding the link (a loop), and never more than
/// `max_entries` files and folders within `max_depth` levels (the artifact caps: past them the
/// scanner stops listing anyway, and each folder costs a kernel watch).
pub fn judge_link(link: &Path, max_entries: usize, max_depth: usize) -> Result<(), String> {
    use crate::scan::system::{Link, resolve};
    let holder = link.parent().and_then(|p| std::fs::canonicalize(p).ok());
    let target = match resolve(link, holder.as_deref()) {
        Link::To(t) => t,
        Link::System(t) => {
            return Err(format!(
                "{} leads to {}, a folder of the kernel",
                link.display(),
                t.display()
            ));
        }
        Link::Loop(t) => {
            return Err(format!(
                "{} leads to {}, which holds it (a loop)",
                link.display(),
                t.display()
            ));
        }
        Link::Broken => return Err(format!("{} cannot be resolved", link.display())),
    };
    let entries = walkdir::WalkDir::new(&target)
        .min_depth(1)
        .max_depth(max_depth.saturating_add(1))
        .follow_links(false)
        .into_iter()
        .take(max_entries.saturating_add(1))
        .count();
    if entries > max_entries {
        return Err(format!(
            "{} leads to {}, which holds more than {max_entries} files and folders (maxArtifactFiles)",
            link.display(),
            target.display()
        ));
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_to_huge_kernel_and_looping_folders_are_not_watched() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join(".claude");
        let skills = root.join("skills");
        std::fs::create_dir_all(skills.join("real")).unwrap();
        let small = d.path().join("elsewhere/small");
        std::fs::create_dir_all(small.join("docs")).unwrap();
        std::fs::write(small.join("SKILL.md"), "---\nname: small\n---\n").unwrap();
        let big = d.path().join("elsewhere/big");
        for i in 0..30 {
            std::fs::create_dir_all(big.join(format!("d{i}"))).unwrap();
        }
        let link = |name: &str, to: &Path| {
            std::os::unix::fs::symlink(to, skills.join(name)).unwrap();
            skills.join(name)
        };
        let small_link = link("small", &small);
        let big_link = link("big", &big);
        let proc_link = link("proc", Path::new("/proc/self"));
        let loop_link = link("loop", &root);
        std::os::unix::fs::symlink(d.path().join("nowhere"), skills.join("dangling")).unwrap();

        let mut found = linked_folders(&root, 3);
        found.sort();
        let mut want = vec![
            big_link.clone(),
            loop_link.clone(),
            proc_link.clone(),
            small_link.clone(),
        ];
        want.sort();
        assert_eq!(found, want, "links to folders only, none followed");

        assert_eq!(judge_link(&small_link, 20, 8), Ok(()));
        let big_why = judge_link(&big_link, 20, 8).unwrap_err();
        assert!(big_why.contains("more than 20"), "{big_why}");
        assert!(
            judge_link(&proc_link, 20, 8)
                .unwrap_err()
                .contains("kernel")
        );
        assert!(judge_link(&loop_link, 20, 8).unwrap_err().contains("loop"));
    }
}
