//! Registering and forgetting project folders, and the writes that mark or empty the cache.

use std::collections::HashSet;

use super::refresh::ScanTarget;
use super::tasks::blocking;
use super::{Cache, lock};
use crate::error::{Error, Result};
use crate::model::{Project, RefreshSummary};
use crate::scan;
use crate::store::Fresh;

/// The canonical folder `path` names, or why it cannot be a project (`field` names the argument).
fn project_folder(field: &str, path: &str) -> Result<String> {
    if path.trim().is_empty() {
        return Err(Error::invalid(
            field,
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
            field,
            format!("{} is not a folder", canonical.display()),
        ));
    }
    if scan::system::is_system(&canonical) {
        return Err(Error::invalid(
            field,
            format!(
                "{} is a folder of the kernel (/proc, /sys or /dev), not a project",
                canonical.display()
            ),
        ));
    }
    Ok(canonical.to_string_lossy().into_owned())
}

impl Cache {
    /// Registers a project folder and scans it now. Returns the cached project.
    pub fn register_project(&self, path: &str) -> Result<Project> {
        self.check_open()?;
        let folder = project_folder("path", path)?;
        let mut projects = self.register_folders(vec![folder])?;
        projects
            .pop()
            .ok_or_else(|| Error::Internal("project vanished right after registration".into()))
    }

    /// Registers project folders and scans them now, in parallel, as one refresh of them would.
    /// Every path is checked first: one that is not a folder fails the call, naming it, and none
    /// is registered. A folder named twice is registered once. Returns the projects, one per
    /// distinct folder, in the order given.
    pub fn register_projects<S: AsRef<str>>(&self, paths: &[S]) -> Result<Vec<Project>> {
        self.check_open()?;
        let mut seen = HashSet::new();
        let mut folders = Vec::with_capacity(paths.len());
        for (i, p) in paths.iter().enumerate() {
            let folder = project_folder(&format!("paths[{i}]"), p.as_ref())?;
            if seen.insert(folder.clone()) {
                folders.push(folder);
            }
        }
        self.register_folders(folders)
    }

    fn register_folders(&self, folders: Vec<String>) -> Result<Vec<Project>> {
        if folders.is_empty() {
            return Ok(Vec::new());
        }
        let store = &self.inner.store;
        store.add_registrations(&folders)?;
        let mut targets = Vec::with_capacity(folders.len());
        for path in folders {
            let id = crate::store::project_id_of(&path);
            // A folder registered again is re-scanned in full; a new one gets its row with its scan.
            let new = store.get_project(&id, Fresh::ANY)?.is_none();
            targets.push(ScanTarget {
                id,
                path,
                fingerprint: None,
                new: new.then_some("registered"),
            });
        }
        let collections = self
            .inner
            .collections
            .get(&self.inner.config.home.value, false);
        let mut summary = RefreshSummary::default();
        self.scan_and_write(&targets, &collections, true, None, &mut summary)?;
        // Searches write what is queued before they answer; the index commit itself waits for a
        // quiet moment, so registrations in a row share one.
        self.sync_search_soon();
        if let Some(tx) = lock(&self.inner.signals).as_ref() {
            let _ = tx.send(crate::watch::Signal::Resync);
        }
        let fresh = self.fresh();
        targets
            .iter()
            .map(|t| {
                store.get_project(&t.id, fresh)?.ok_or_else(|| {
                    Error::Internal("project vanished right after registration".into())
                })
            })
            .collect()
    }

    /// Forgets a project; returns whether it was known.
    pub fn unregister_project(&self, id: &str) -> Result<bool> {
        self.check_open()?;
        let known = self.inner.store.unregister(id)?;
        lock(&self.inner.listings).remove(id);
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
        lock(&self.inner.listings).clear();
        self.sync_search_quietly();
        Ok(())
    }

    /// Empties the cache on the runtime and calls `done`.
    pub fn spawn_clear(&self, done: impl FnOnce(Result<()>) + Send + 'static) {
        self.spawn_task(
            "clearing the cache",
            |me| async move { blocking(move || me.clear()).await? },
            done,
        );
    }
}
