//! Keeps the search index in step with the database and answers searches.
//!
//! The index lives in `<database>.search/` (in memory when the cache is). Database triggers queue
//! every change to a searchable row (see `store/search.rs`); [`Cache::sync_search`] writes the
//! queued projects and sources to the index in one commit after each write path (refresh,
//! registration, unregistration, clear, marketplace refresh, upstream check) and removes what it
//! wrote from the queue. The index is opened on first use; then, if it was missing, corrupt,
//! built from another database file, or holds another number of documents than the database
//! after the queue is written, it is rebuilt from the database.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use super::{Cache, lock, warning};
use crate::error::Result;
use crate::model::{SearchItem, SearchResult, SearchStatus};
use crate::search::{DocKind, ScopeDocs, SearchDoc, SearchIndex, SearchQuery};
use crate::store::{Mode, Pending, ScopeRows};

/// Queued projects and sources past which a write uses the bulk writer.
const BULK_SCOPES: i64 = 20;
/// Queued scopes whose rows are read from the database at a time by one index write.
const SYNC_CHUNK: usize = 16;

/// The index once opened, and how the last open went.
#[derive(Default)]
pub(crate) struct SearchState {
    pub(super) index: Mutex<Option<Arc<SearchIndex>>>,
    last_rebuild_reason: Mutex<Option<String>>,
    /// The database's index-commit counter when this process's reader last reloaded.
    seen_commit: AtomicI64,
    /// When a deferred index write is due (ms since the epoch), and whether one is scheduled.
    due_ms: AtomicI64,
    scheduled: AtomicBool,
    /// Held by a queue write from reading the queue to removing what it wrote: a second write
    /// that waited only for the index would read the rows the first had not yet removed, and
    /// write the same documents again (all of them, after a registration of many projects).
    sync_gate: Mutex<()>,
}

/// Quiet time after a registration before its documents are written to the index: registrations
/// in a row share one index commit.
const QUIET_MS: i64 = 300;

/// Milliseconds on a clock that never goes back (a wall-clock change cannot delay a write).
fn mono_ms() -> i64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as i64
}

pub(crate) use crate::store::ownership::index_dir;

fn docs_of(rows: Vec<ScopeRows>) -> Vec<ScopeDocs> {
    rows.into_iter()
        .map(|r| match r {
            ScopeRows::Artifacts(id, arts) => {
                ScopeDocs::Project(id, arts.iter().map(SearchDoc::from_artifact).collect())
            }
            ScopeRows::Entries(name, ents) => ScopeDocs::Source(
                name,
                ents.iter().map(|e| SearchDoc::from_entry(e, 0)).collect(),
            ),
        })
        .collect()
}

/// Runs an index operation, turning a panic inside tantivy (which a damaged file can cause)
/// into an error, and forgetting the open index so the next use checks the files again and
/// rebuilds them if they are damaged.
fn shielded<T>(c: &Cache, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    crate::panic::quietly(f).unwrap_or_else(|_| {
        *lock(&c.inner.search.index) = None;
        Err(crate::error::Error::Internal(format!(
            "{what} failed unexpectedly; the search index is checked again (and rebuilt if damaged) at its next use"
        )))
    })
}

impl Cache {
    /// The index, opened (and brought in step with the database) on first use.
    fn search_index(&self) -> Result<Arc<SearchIndex>> {
        if self.is_closed() {
            return Err(crate::error::Error::Closed);
        }
        let mut slot = lock(&self.inner.search.index);
        if let Some(i) = slot.as_ref() {
            return Ok(i.clone());
        }
        let store = &self.inner.store;
        let (index, mut reason) = match (store.mode(), store.path()) {
            (Mode::File, Some(db)) => {
                let (dir, newer) = SearchIndex::own_dir(&index_dir(db));
                if let Some(found) = newer {
                    lock(&self.inner.warnings).push(warning(
                        "SEARCH_SCHEMA_NEWER",
                        format!(
                            "the search index beside {} was written by a newer release of @skillmeat/cache (index schema v{found}); it is left untouched, and this release keeps its own index in {}",
                            db.display(),
                            dir.display()
                        ),
                    ));
                }
                match SearchIndex::open(&dir) {
                    Ok((i, report)) => (i, report.rebuilt_reason),
                    Err(e) => {
                        lock(&self.inner.warnings).push(warning(
                            "SEARCH_DEGRADED",
                            format!(
                                "the search index in {} cannot be used ({e}); searches use an index in memory, rebuilt by this process",
                                dir.display()
                            ),
                        ));
                        (
                            SearchIndex::open_in_ram()?,
                            Some("index folder unusable".into()),
                        )
                    }
                }
            }
            _ => (SearchIndex::open_in_ram()?, None),
        };
        let instance = store.instance_id()?;
        if reason.is_none() && index.generation() != instance {
            reason = Some(if index.generation() == 0 {
                "new index".to_string()
            } else {
                "index built from another database".to_string()
            });
        }
        if reason.is_none() {
            // In step so far: write what is queued, then check the counts agree.
            self.sync_into(&index, instance)?;
            let expected = store.searchable_count()?;
            index.reload()?;
            let held = index.stats().docs;
            if held != expected {
                reason = Some(format!(
                    "index holds {held} documents, the database {expected}"
                ));
            }
        }
        if let Some(r) = reason {
            let in_memory = index.dir().is_none();
            self.rebuild_into(&index, instance)?;
            if !in_memory || store.mode() == Mode::File {
                *lock(&self.inner.search.last_rebuild_reason) = Some(r);
            }
        }
        let index = Arc::new(index);
        *slot = Some(index.clone());
        Ok(index)
    }

    fn rebuild_into(&self, index: &SearchIndex, instance: u64) -> Result<()> {
        let store = &self.inner.store;
        let mut snapshot: Vec<Pending> = Vec::new();
        index.rebuild_with(instance, || {
            let (arts, ents, pending) = store.search_all()?;
            snapshot = pending;
            Ok(arts
                .iter()
                .map(SearchDoc::from_artifact)
                .chain(ents.iter().map(|e| SearchDoc::from_entry(e, 0)))
                .collect::<Vec<_>>())
        })?;
        self.done(index, &snapshot)
    }

    /// Takes written changes off the queue, unless this process fell back to an index in memory
    /// over a shared database file: the queue is then left for the processes that keep the
    /// index on disk.
    fn done(&self, index: &SearchIndex, written: &[Pending]) -> Result<()> {
        if index.dir().is_none() && self.inner.store.mode() == Mode::File {
            return Ok(());
        }
        self.inner.store.search_done(written)
    }

    fn sync_into(&self, index: &SearchIndex, instance: u64) -> Result<u64> {
        let _gate = lock(&self.inner.search.sync_gate);
        let store = &self.inner.store;
        let queued = store.search_pending_count()?;
        if queued == 0 {
            return Ok(0);
        }
        let mut taken: Vec<Pending> = Vec::new();
        let n = index.replace_scopes(instance, queued > BULK_SCOPES, |add| {
            let pending = store.search_pending()?;
            let scopes: Vec<_> = pending.iter().map(|p| p.scope.clone()).collect();
            // A few projects' rows at a time: a cold start queues every project.
            for chunk in scopes.chunks(SYNC_CHUNK) {
                for docs in docs_of(store.search_rows(chunk)?) {
                    add(docs)?;
                }
            }
            taken = pending;
            Ok(())
        })?;
        self.done(index, &taken)?;
        Ok(n)
    }

    /// Opens the search index on the runtime, so that a rebuild it needs (missing, damaged, or
    /// out of step) does not land on the first `search()` caller's thread.
    pub(crate) fn warm_search(&self) {
        let rt = lock(&self.inner.runtime);
        if let Some(rt) = rt.as_ref() {
            let me = self.clone();
            rt.spawn_blocking(move || {
                if !me.is_closed() {
                    let _ = shielded(&me, "opening the search index", || me.search_index());
                }
            });
        }
    }

    /// Writes the changes still queued (a registration's deferred write, another cache's or
    /// process's) into `index` before a read answers from it, so that it sees what the database
    /// holds; unless an index write of this process is under way (it writes them, or the next
    /// one does), or this process keeps the index in memory over a shared file (its writes never
    /// leave the queue). A failed write leaves them queued (see `status().search`) and the read
    /// answers from the index. Returns whether documents were written.
    fn catch_up(&self, index: &SearchIndex) -> Result<bool> {
        let store = &self.inner.store;
        let shared = index.dir().is_none() && store.mode() == Mode::File;
        // As `is_writing`: a gate left poisoned by a panicked write is free, not busy.
        let gated = matches!(
            self.inner.search.sync_gate.try_lock(),
            Err(std::sync::TryLockError::WouldBlock)
        );
        let writing = index.is_writing() || gated;
        if shared || writing || store.search_pending_count()? == 0 {
            return Ok(false);
        }
        Ok(self.sync_into(index, store.instance_id()?).unwrap_or(0) > 0)
    }

    /// Writes every queued change to the search index (one commit); returns documents written.
    /// A failure leaves the changes queued for the next call and is counted in
    /// `status().search`.
    pub fn sync_search(&self) -> Result<u64> {
        self.check_open()?;
        shielded(self, "writing the search index", || {
            let index = self.search_index()?;
            let instance = self.inner.store.instance_id()?;
            self.sync_into(&index, instance)
        })
    }

    /// Writes the queued changes to the index once writes have been quiet for a moment, on the
    /// runtime (at once, on this thread, when the cache has no runtime). Searches in the
    /// meantime write the queue themselves before they answer.
    pub(crate) fn sync_search_soon(&self) {
        let state = &self.inner.search;
        state.due_ms.store(mono_ms() + QUIET_MS, Ordering::Release);
        if state.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = self.clone();
        let task = async move {
            loop {
                let wait = me.inner.search.due_ms.load(Ordering::Acquire) - mono_ms();
                if wait <= 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
            }
            me.inner.search.scheduled.store(false, Ordering::Release);
            if !me.is_closed() {
                let _ = super::tasks::blocking(move || me.sync_search_quietly()).await;
            }
        };
        let spawned = lock(&self.inner.runtime).as_ref().map(|rt| rt.spawn(task));
        if spawned.is_none() {
            state.scheduled.store(false, Ordering::Release);
            self.sync_search_quietly();
        }
    }

    /// Writes this process's deferred index write now, if one is waiting (before `close()`, so
    /// that a CLI run that registers and exits leaves the index in step).
    pub(crate) fn flush_deferred_search(&self) {
        if self.inner.search.scheduled.swap(false, Ordering::AcqRel) {
            self.sync_search_quietly();
        }
    }

    /// Best effort after a write path: the write itself succeeded, so an index failure is only
    /// recorded (the change stays queued and the index's health shows it).
    pub(crate) fn sync_search_quietly(&self) {
        let _ = super::tasks::guarded("updating the search index", || self.sync_search());
    }

    /// Searches artifacts and marketplace entries; the items are the cached rows, best first.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResult> {
        self.check_open()?;
        let started = std::time::Instant::now();
        let page = shielded(self, "searching", || {
            let index = self.search_index()?;
            self.catch_up(&index)?;
            // Another process (or another cache object in this one) committed to the index:
            // reload now rather than at tantivy's next poll, so its writes are seen at once.
            let commit = self.inner.store.search_commit()?;
            if self
                .inner
                .search
                .seen_commit
                .swap(commit, Ordering::Relaxed)
                != commit
            {
                index.reload()?;
            }
            index.search(q)
        })?;
        let ids = |k: DocKind| -> Vec<&str> {
            page.hits
                .iter()
                .filter(|h| h.kind == k)
                .map(|h| h.id.as_str())
                .collect()
        };
        let (mut arts, mut ents) = self
            .inner
            .store
            .search_rows_by_id(&ids(DocKind::Artifact), &ids(DocKind::Entry))?;
        let mut items = Vec::with_capacity(page.hits.len());
        let mut missing = 0;
        for hit in &page.hits {
            let item = match hit.kind {
                DocKind::Artifact => arts
                    .remove(&hit.id)
                    .map(|a| SearchItem::Artifact(Box::new(a), hit.score)),
                DocKind::Entry => ents
                    .remove(&hit.id)
                    .map(|e| SearchItem::Entry(Box::new(e), hit.score)),
            };
            // A row another process removed a moment ago, before its index commit arrived.
            match item {
                Some(i) => items.push(i),
                None => missing += 1,
            }
        }
        self.count(true);
        Ok(SearchResult {
            items,
            total: page.total.saturating_sub(missing) as i64,
            relaxed: page.relaxed,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Health and size of the search index (opening it if needed).
    pub(crate) fn search_status(&self) -> SearchStatus {
        // Opened and caught up first: what that writes, `pending` then no longer counts.
        let opened = shielded(self, "reading the search index", || {
            let index = self.search_index()?;
            if self.catch_up(&index)? {
                index.reload()?;
            }
            Ok(index)
        });
        let pending = self.inner.store.search_pending_count().unwrap_or(0);
        match opened {
            Ok(index) => SearchStatus {
                last_rebuild_reason: lock(&self.inner.search.last_rebuild_reason).clone(),
                pending,
                ..index.stats().into()
            },
            Err(e) => SearchStatus {
                mode: crate::values::SearchMode::Unavailable,
                last_error: Some(e.to_string()),
                pending,
                ..SearchStatus::default()
            },
        }
    }
}

impl From<crate::search::IndexStats> for SearchStatus {
    fn from(s: crate::search::IndexStats) -> Self {
        SearchStatus {
            mode: s.mode,
            path: s.path,
            docs: s.docs as i64,
            segments: s.segments as i64,
            size_bytes: s.size_bytes as i64,
            generation: s.generation.to_string(),
            last_rebuild_at: s.last_rebuild_at,
            last_rebuild_ms: s.last_rebuild_ms,
            last_rebuild_reason: None,
            lock_waits: s.lock_waits as i64,
            write_failures: s.write_failures as i64,
            last_error: s.last_error,
            pending: 0,
        }
    }
}
