//! Events a cache emits (refreshes, detected changes, invalidations, watcher trouble) and the
//! list of subscribers they are delivered to. Delivery is synchronous on the emitting thread;
//! subscribers must not block (the Node binding hands events to a thread-safe function).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::model::RefreshSummary;
use crate::values::RefreshTrigger;

/// Something that happened in a cache.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// A refresh began.
    #[serde(rename_all = "camelCase")]
    RefreshStarted {
        /// What started it.
        trigger: RefreshTrigger,
        /// The one project refreshed, if not all.
        project_id: Option<String>,
    },
    /// A refresh finished.
    #[serde(rename_all = "camelCase")]
    RefreshCompleted {
        /// What started it.
        trigger: RefreshTrigger,
        /// The one project refreshed, if not all.
        project_id: Option<String>,
        /// What it did.
        summary: RefreshSummary,
    },
    /// A refresh failed; the data cached before is still served.
    #[serde(rename_all = "camelCase")]
    RefreshError {
        /// What started it.
        trigger: RefreshTrigger,
        /// The one project refreshed, if not all.
        project_id: Option<String>,
        /// Stable error code.
        code: String,
        /// What went wrong.
        message: String,
    },
    /// A project was written during a multi-project refresh (for progress bars).
    #[serde(rename_all = "camelCase")]
    RefreshProgress {
        /// What started the refresh.
        trigger: RefreshTrigger,
        /// The project just written.
        project_id: String,
        /// Projects done.
        done: u32,
        /// Projects in this refresh.
        total: u32,
    },
    /// A project's cached artifacts changed.
    #[serde(rename_all = "camelCase")]
    ChangesDetected {
        /// The project.
        project_id: String,
        /// Its name.
        project_name: String,
        /// Artifact names added.
        added: Vec<String>,
        /// Artifact names whose content changed.
        updated: Vec<String>,
        /// Artifact names removed.
        removed: Vec<String>,
    },
    /// Projects were marked for a full re-scan.
    #[serde(rename_all = "camelCase")]
    Invalidated {
        /// The one project, or `None` for all.
        project_id: Option<String>,
        /// How many projects.
        count: u32,
    },
    /// The file watcher could not watch everything; changes are picked up at TTL refreshes.
    #[serde(rename_all = "camelCase")]
    WatcherDegraded {
        /// Why.
        reason: String,
    },
}

type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

/// Subscribers of one cache.
#[derive(Default)]
pub struct EventBus {
    next: AtomicU64,
    listeners: Mutex<Vec<(u64, Listener)>>,
}

impl EventBus {
    /// Adds a subscriber; returns its id for [`EventBus::unsubscribe`].
    pub fn subscribe(&self, f: impl Fn(&Event) + Send + Sync + 'static) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().push((id, Arc::new(f)));
        id
    }

    /// Removes a subscriber; returns whether it was present.
    pub fn unsubscribe(&self, id: u64) -> bool {
        let mut l = self.lock();
        let before = l.len();
        l.retain(|(i, _)| *i != id);
        l.len() != before
    }

    /// Removes every subscriber.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Whether anyone listens (lets callers skip building events).
    pub fn has_listeners(&self) -> bool {
        !self.lock().is_empty()
    }

    /// Delivers `e` to every subscriber.
    pub fn emit(&self, e: Event) {
        let listeners: Vec<Listener> = self.lock().iter().map(|(_, f)| f.clone()).collect();
        for f in listeners {
            f(&e);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Listener)>> {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner())
    }
}
