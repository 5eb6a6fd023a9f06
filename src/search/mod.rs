//! Full-text search over artifacts and marketplace entries: a tantivy index beside the database,
//! derived from it and rebuildable at any time.
//!
//! # What is indexed
//! One [`SearchDoc`] per artifact (filed under its project) and per marketplace entry (filed
//! under its source). Name and display name, tags, description, and (with a low weight) source,
//! project name and type are searchable; type, project, source, tags, origin, status and the
//! outdated flag are exact filters; name and update time are sort columns. Only the caller's id
//! is read back: a search returns ids and scores and the caller loads the rows from SQLite.
//!
//! # Queries
//! Any string is a valid query. It is tokenized like the index (letters and digits, lower-cased,
//! accents folded; at most [`MAX_TERMS`] terms of at most 64 bytes), never parsed, so quotes,
//! colons, brackets or `AND`/`OR` are plain words. Every term must match in some field (falling
//! back to any term when that finds nothing, see [`SearchPage::relaxed`]); terms of 4–7
//! characters tolerate one typo and longer ones two; the last term also matches as a prefix; a
//! name equal to the whole query (case-insensitive, with or without separators) ranks first.
//!
//! # Several processes
//! Nothing keeps a writer open. Each write batch takes the folder's write lock, opens a writer
//! with a small memory budget, commits once and lets go; a process that finds the lock taken
//! retries with exponential back-off for up to [`SearchIndex::set_lock_timeout`] (10 s by
//! default), so no document is dropped because another process was writing. Failures after
//! that are returned and counted in [`IndexStats`]. Readers reload on their own commits at once
//! and on other processes' commits shortly after (tantivy polls `meta.json`).
//!
//! # Generations (crash repair)
//! Every write takes a `generation: u64`, stored with the commit (tantivy's commit payload) and
//! read back by [`SearchIndex::generation`]. Incremental writes store
//! `max(stored, generation)`; [`SearchIndex::rebuild`] and [`SearchIndex::clear`] store
//! `generation` as given. The intended wiring:
//!
//! 1. SQLite keeps a counter (e.g. `cache_metadata.search_generation`). Every transaction that
//!    changes searchable rows (a project's scan, unregister, a marketplace source's listing,
//!    clear) increments it *inside the same transaction* and keeps the new value `g`.
//! 2. After that transaction commits, the caller writes the same change to the index with `g`
//!    (`replace_project(id, docs, g)`, `remove_project(id, g)`, `replace_source(name, docs, g)`).
//! 3. At open (and whenever convenient, it is cheap): if `opened.rebuilt_reason` is set or
//!    `index.generation() != sqlite_generation`, call `rebuild(all docs from SQLite, g)` with
//!    the generation read in the same read transaction as the docs.
//!
//! A crash (or a failed index write) between the SQLite commit and the index commit leaves the
//! index generation behind SQLite's, so the next open rebuilds. `!=` rather than `<` also
//! repairs an index that is ahead, e.g. after the database was moved aside and recreated.
//! One gap remains: process A commits `g` in SQLite and dies before its index write while
//! process B commits `g + 1` in both; the index then reads `g + 1` and A's change is only
//! indexed at that project's next change or the next full rebuild. The same holds for a write
//! that failed (see [`IndexStats::write_failures`]) while another process's write succeeded:
//! after a failed write the caller should retry it or schedule a rebuild rather than rely on
//! the generation alone.

mod disk;
mod query;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue, SortByString};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::schema::Schema;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, Term};

use crate::error::{Error, Result};
use crate::model::Order;
use disk::tantivy_err;
use schema::{Fields, SCHEMA_VERSION, Scope};

pub use query::MAX_TERMS;

/// Memory budget of the writer of one write batch (tantivy's minimum).
const WRITE_BUDGET: usize = 15_000_000;
/// Memory budget per thread of the writer of a full rebuild (dropped when it ends).
const REBUILD_BUDGET_PER_THREAD: usize = 24_000_000;
/// Default time to wait for another writer before giving up.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest page.
pub const MAX_LIMIT: usize = 10_000;

/// What a document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DocKind {
    /// An artifact in a project.
    Artifact,
    /// A marketplace entry.
    Entry,
}

impl DocKind {
    fn code(self) -> u64 {
        match self {
            DocKind::Artifact => 0,
            DocKind::Entry => 1,
        }
    }

    fn from_code(c: u64) -> DocKind {
        if c == 1 {
            DocKind::Entry
        } else {
            DocKind::Artifact
        }
    }
}

/// One artifact or marketplace entry as the index sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    /// The caller's id (artifact id or entry id), returned by searches.
    pub id: String,
    /// Artifact or entry.
    pub kind: DocKind,
    /// Name (identity in its project or source).
    pub name: String,
    /// Display name (frontmatter `name`); searched like the name.
    pub display_name: String,
    /// Type (`skill`, `command`, `agent`, `plugin`, …); an exact filter.
    pub artifact_type: String,
    /// Tags; searched, and each an exact (case-insensitive) filter.
    pub tags: Vec<String>,
    /// For an artifact its upstream source spec, for an entry its marketplace source name; an
    /// exact filter, also searched with a low weight.
    pub source: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Owning project (artifacts).
    pub project_id: Option<String>,
    /// Owning project's name (artifacts); searched with a low weight.
    pub project_name: Option<String>,
    /// `local`, `collection`, …; an exact filter.
    pub origin: String,
    /// `ok`, `error`, …; an exact filter.
    pub status: String,
    /// Whether a newer upstream version (or, for an entry, an update) exists; a filter.
    pub outdated: bool,
    /// `ok`, `degraded` or `broken` (entries: `ok`); an exact filter.
    pub health: String,
    /// Last change (ms since the epoch); the `Updated` sort.
    pub updated_at: i64,
}

impl SearchDoc {
    /// The document of a cached artifact.
    pub fn from_artifact(a: &crate::model::Artifact) -> SearchDoc {
        SearchDoc {
            id: a.id.clone(),
            kind: DocKind::Artifact,
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            artifact_type: a.kind.to_string(),
            tags: a.tags.clone(),
            source: a.source.clone(),
            description: a.description.clone(),
            project_id: Some(a.project_id.clone()),
            project_name: Some(a.project_name.clone()),
            origin: a.origin.clone(),
            status: a.status.to_string(),
            outdated: a.is_outdated,
            health: a.health.to_string(),
            updated_at: a.updated_at,
        }
    }

    /// The document of a cached marketplace entry: origin `marketplace`, status `stale` or
    /// `ok`, outdated when it is an update for a deployed artifact. `updated_at` is the
    /// caller's (e.g. the source's fetch time).
    pub fn from_entry(e: &crate::model::MarketplaceEntry, updated_at: i64) -> SearchDoc {
        SearchDoc {
            id: e.id.clone(),
            kind: DocKind::Entry,
            name: e.name.clone(),
            display_name: e.name.clone(),
            artifact_type: e.kind.clone(),
            tags: e.tags.clone(),
            source: Some(e.source.clone()),
            description: e.description.clone(),
            project_id: None,
            project_name: None,
            origin: "marketplace".to_string(),
            status: if e.stale { "stale" } else { "ok" }.to_string(),
            health: "ok".to_string(),
            outdated: e.update_available,
            updated_at,
        }
    }
}

/// The documents of one project or marketplace source, replacing what the index holds for it.
#[derive(Debug, Clone)]
pub enum ScopeDocs {
    /// A project's artifacts (filed under the project id).
    Project(String, Vec<SearchDoc>),
    /// A source's entries (filed under the source name).
    Source(String, Vec<SearchDoc>),
}

/// Sort order of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SortBy {
    /// Best match first (`Desc`, the default direction). Without query text it means `Name`.
    #[default]
    Relevance,
    /// Lower-cased name (`Asc` by default).
    Name,
    /// Last change (`Desc` by default).
    Updated,
}

/// Filters, sort and page of `search()`, as a caller gives them.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SearchOptions {
    /// Only artifacts or only marketplace entries (default both).
    #[cfg_attr(feature = "node", napi(ts_type = "'artifact' | 'entry'"))]
    pub kind: Option<DocKind>,
    /// Only this type (`skill`, `command`, `agent`, `hook`, `mcp`, or an entry's type).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "node", napi(js_name = "type"))]
    pub kind_of: Option<String>,
    /// Only artifacts of this project.
    pub project_id: Option<String>,
    /// Only documents carrying every one of these tags (case-insensitive).
    pub tags: Option<Vec<String>>,
    /// Only this source: an artifact's upstream spec, or an entry's marketplace source name.
    pub source: Option<String>,
    /// Only outdated artifacts / entries with an update (`true`), or only up-to-date ones (`false`).
    pub outdated: Option<bool>,
    /// Only artifacts of this health (entries count as `ok`).
    pub health: Option<crate::model::Health>,
    /// `relevance` (default with words), `name` (default without), or `updated`.
    #[cfg_attr(feature = "node", napi(ts_type = "'relevance' | 'name' | 'updated'"))]
    pub sort_by: Option<SortBy>,
    /// Direction (default: `desc` for relevance and updated, `asc` for name).
    pub order: Option<Order>,
    /// Hits to skip (default 0).
    pub offset: Option<u32>,
    /// Page size (default 20, at most 10000; 0 returns only the total).
    pub limit: Option<u32>,
}

/// Default page size of a search.
pub const DEFAULT_LIMIT: u32 = 20;

impl SearchOptions {
    /// The search of `text` with these options.
    pub fn into_query(self, text: String) -> crate::error::Result<SearchQuery> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if limit as usize > MAX_LIMIT {
            return Err(crate::error::Error::invalid(
                "options.limit",
                format!("must be a whole number from 0 to {MAX_LIMIT}, got {limit}"),
            ));
        }
        Ok(SearchQuery {
            text,
            kind: self.kind,
            artifact_type: self.kind_of,
            project_id: self.project_id,
            tags: self.tags.unwrap_or_default(),
            source: self.source,
            origin: None,
            status: None,
            outdated: self.outdated,
            health: self.health.map(|h| h.as_str().to_string()),
            sort_by: self.sort_by,
            order: self.order,
            offset: self.offset.unwrap_or(0) as usize,
            limit: limit as usize,
        })
    }
}

/// A search: text, filters (all must hold), sort and page.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// What the user typed; any string. Blank lists everything that passes the filters.
    pub text: String,
    /// Only artifacts or only entries.
    pub kind: Option<DocKind>,
    /// Only this type (exact).
    pub artifact_type: Option<String>,
    /// Only this project (exact).
    pub project_id: Option<String>,
    /// Only documents carrying every one of these tags (case-insensitive; blank ones are ignored).
    pub tags: Vec<String>,
    /// Only this source (exact).
    pub source: Option<String>,
    /// Only this origin (exact).
    pub origin: Option<String>,
    /// Only this status (exact).
    pub status: Option<String>,
    /// Only outdated (`true`) or up-to-date (`false`) documents.
    pub outdated: Option<bool>,
    /// Only this health (exact: `ok`, `degraded`, `broken`).
    pub health: Option<String>,
    /// Sort order; `None` is relevance with text and name without.
    pub sort_by: Option<SortBy>,
    /// Direction; `None` is the sort's natural one (see [`SortBy`]).
    pub order: Option<Order>,
    /// Hits to skip.
    pub offset: usize,
    /// Page size (0 returns only the total; capped at [`MAX_LIMIT`]).
    pub limit: usize,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: String::new(),
            kind: None,
            artifact_type: None,
            project_id: None,
            tags: Vec::new(),
            source: None,
            origin: None,
            status: None,
            outdated: None,
            health: None,
            sort_by: None,
            order: None,
            offset: 0,
            limit: 20,
        }
    }
}

impl SearchQuery {
    /// A query for `text` with default filters and paging.
    pub fn text(text: impl Into<String>) -> Self {
        SearchQuery {
            text: text.into(),
            ..Default::default()
        }
    }
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// The document's id.
    pub id: String,
    /// Artifact or entry.
    pub kind: DocKind,
    /// Relevance score (higher is better; comparable only within one search).
    pub score: f32,
}

/// One page of hits.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    /// The hits of this page.
    pub hits: Vec<SearchHit>,
    /// Documents matching, over all pages.
    pub total: usize,
    /// True when no document matched every term, so the page lists documents matching any.
    pub relaxed: bool,
    /// Wall time of the search (ms).
    pub took_ms: f64,
}

/// What `open` found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenReport {
    /// Set when the index was missing, corrupt or of another schema version and was re-created
    /// empty; says why. The caller should then call [`SearchIndex::rebuild`].
    pub rebuilt_reason: Option<String>,
    /// Generation of the last commit (0 for a new index).
    pub generation: u64,
    /// Documents in the index.
    pub docs: u64,
}

/// What `rebuild` did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RebuildReport {
    /// Documents indexed.
    pub docs: u64,
    /// Wall time, lock wait included (ms).
    pub took_ms: f64,
    /// Generation stored.
    pub generation: u64,
}

/// Health and size of the index.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexStats {
    /// `file` or `memory`.
    pub mode: crate::values::SearchMode,
    /// Folder of the index (`None` in memory).
    pub path: Option<String>,
    /// Documents visible to searches.
    pub docs: u64,
    /// Segments (merged in the background as writes accumulate).
    pub segments: usize,
    /// Bytes on disk (0 in memory).
    pub size_bytes: u64,
    /// Generation of the last commit (by any process).
    pub generation: u64,
    /// When the last full rebuild committed (ms since the epoch), by any process.
    pub last_rebuild_at: Option<i64>,
    /// How long that rebuild took (ms).
    pub last_rebuild_ms: Option<f64>,
    /// Times this process waited because another writer held the lock.
    pub lock_waits: u64,
    /// Write batches of this process that failed (after retries); their documents are missing
    /// until the next write of the same project or source, or a rebuild.
    pub write_failures: u64,
    /// The last write failure's message.
    pub last_error: Option<String>,
}

#[derive(Default)]
struct Health {
    lock_waits: AtomicU64,
    write_failures: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A search index on disk (or in memory). `Send + Sync`; share it in an `Arc`.
pub struct SearchIndex {
    /// The folder (`None` in memory).
    dir: Option<PathBuf>,
    /// The index searches go through (in memory, writes too).
    index: Index,
    reader: IndexReader,
    schema: Schema,
    fields: Fields,
    /// Serializes this instance's write batches (other instances and processes are kept out by
    /// the folder lock).
    write_mutex: Mutex<()>,
    lock_timeout_ms: AtomicU64,
    health: Health,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing guarded here can be left half-updated by a panic.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How a write batch sets the stored generation.
#[derive(Clone, Copy)]
enum GenUpdate {
    /// `max(stored, g)` (incremental writes, possibly racing with other processes).
    Max(u64),
    /// Exactly `g` (rebuild, clear); `true` also records a rebuild (when, how long).
    Set(u64, bool),
}

impl SearchIndex {
    /// The folder this version's index lives in, given its usual folder `dir`: `dir` itself,
    /// unless it holds the index of a newer release (after a downgrade). That index is never
    /// written; this version uses a folder of its own beside it (`<dir>-v3`), and the newer
    /// schema version found is returned with it.
    pub fn own_dir(dir: &Path) -> (PathBuf, Option<u32>) {
        match disk::recorded_schema(dir) {
            Some(found) if found > SCHEMA_VERSION => {
                let mut own = dir.as_os_str().to_owned();
                own.push(format!("-v{SCHEMA_VERSION}"));
                (PathBuf::from(own), Some(found))
            }
            _ => (dir.to_path_buf(), None),
        }
    }

    /// Opens the index in `dir` (created if missing). If it is missing, corrupt (unreadable
    /// `meta.json`, damaged or missing segment files) or of another schema version, its files
    /// are deleted and it is re-created empty; `OpenReport::rebuilt_reason` says why and the
    /// caller then calls [`SearchIndex::rebuild`]. Files in `dir` that are not tantivy's are
    /// never touched.
    pub fn open(dir: &Path) -> Result<(SearchIndex, OpenReport)> {
        crate::private_fs::create_dir_all(dir)
            .map_err(|e| disk::io_err(&format!("creating {}", dir.display()), &e))?;
        let (schema, fields) = schema::build();
        let health = Health::default();
        let timeout = DEFAULT_LOCK_TIMEOUT;
        let (index, reason) = match disk::check(dir, &schema) {
            Ok(index) => (index, None),
            Err(_) => {
                // Repair under the write lock, after looking again: another process may have
                // been creating or repairing it at the same moment.
                let directory = disk::mmap(dir)?;
                let _guard = disk::lock_dir(&directory, timeout, &health.lock_waits)?;
                match disk::check(dir, &schema) {
                    Ok(index) => (index, None),
                    Err(mut reason) => {
                        if reason.len() > 300 {
                            let mut end = 300;
                            while !reason.is_char_boundary(end) {
                                end -= 1;
                            }
                            reason.truncate(end);
                            reason.push('…');
                        }
                        disk::wipe(dir)?;
                        let index = disk::create(dir, schema.clone(), timeout, &health.lock_waits)?;
                        (index, Some(reason))
                    }
                }
            }
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|e| tantivy_err("opening a reader", e))?;
        let si = SearchIndex {
            dir: Some(dir.to_path_buf()),
            index,
            reader,
            schema,
            fields,
            write_mutex: Mutex::new(()),
            lock_timeout_ms: AtomicU64::new(timeout.as_millis() as u64),
            health,
        };
        let report = OpenReport {
            rebuilt_reason: reason,
            generation: si.generation(),
            docs: si.reader.searcher().num_docs(),
        };
        Ok((si, report))
    }

    /// An index in memory (the cache's memory mode). It starts empty at generation 0.
    pub fn open_in_ram() -> Result<SearchIndex> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema.clone());
        schema::configure(&index);
        let health = Health::default();
        disk::first_commit(&index, DEFAULT_LOCK_TIMEOUT, &health.lock_waits)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| tantivy_err("opening a reader", e))?;
        Ok(SearchIndex {
            dir: None,
            index,
            reader,
            schema,
            fields,
            write_mutex: Mutex::new(()),
            lock_timeout_ms: AtomicU64::new(DEFAULT_LOCK_TIMEOUT.as_millis() as u64),
            health,
        })
    }

    /// How long a write waits for another writer (process or `SearchIndex` on the same folder)
    /// before failing with `CACHE_BUSY` (default 10 s).
    pub fn set_lock_timeout(&self, timeout: Duration) {
        self.lock_timeout_ms
            .store(timeout.as_millis() as u64, AtomicOrdering::Relaxed);
    }

    /// The folder of the index (`None` in memory).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Replaces all documents of project `project_id` with `docs` in one commit (after each
    /// scan of the project). The documents are filed under `project_id` whatever their own
    /// `project_id` says. `generation`: see the [module docs](self).
    pub fn replace_project(
        &self,
        project_id: &str,
        docs: &[SearchDoc],
        generation: u64,
    ) -> Result<()> {
        let f = self.fields;
        self.write(
            "replace_project",
            false,
            GenUpdate::Max(generation),
            |w: &mut IndexWriter| {
                w.delete_term(Term::from_field_text(
                    f.scope,
                    &schema::scope_key(DocKind::Artifact, project_id),
                ));
                for d in docs {
                    w.add_document(schema::to_document(&f, d, Scope::Project(project_id)))
                        .map_err(|e| tantivy_err("adding a document", e))?;
                }
                Ok(docs.len() as u64)
            },
        )
        .map(|_| ())
    }

    /// Replaces the documents of several projects and sources in one commit. `load` runs once
    /// the write lock is held, so documents read from the database inside it cannot be
    /// overwritten by an older copy another process read earlier; it hands each scope's
    /// documents to the function it is given, as it reads them, so that a write of many scopes
    /// never holds all their documents at once. Returns documents written.
    /// `bulk` gives the write the bigger, multi-threaded writer of a rebuild (dropped when it
    /// ends): worth it when many scopes are written at once, e.g. after a cold refresh.
    pub fn replace_scopes(
        &self,
        generation: u64,
        bulk: bool,
        load: impl FnOnce(&mut dyn FnMut(ScopeDocs) -> Result<()>) -> Result<()>,
    ) -> Result<u64> {
        let f = self.fields;
        self.write(
            "replace_scopes",
            bulk,
            GenUpdate::Max(generation),
            |w: &mut IndexWriter| {
                let mut n = 0u64;
                load(&mut |batch: ScopeDocs| {
                    let (kind, key, docs) = match &batch {
                        ScopeDocs::Project(id, docs) => (DocKind::Artifact, id, docs),
                        ScopeDocs::Source(name, docs) => (DocKind::Entry, name, docs),
                    };
                    w.delete_term(Term::from_field_text(
                        f.scope,
                        &schema::scope_key(kind, key),
                    ));
                    let scope = match kind {
                        DocKind::Artifact => Scope::Project(key.as_str()),
                        DocKind::Entry => Scope::Source(key.as_str()),
                    };
                    for d in docs {
                        w.add_document(schema::to_document(&f, d, scope))
                            .map_err(|e| tantivy_err("adding a document", e))?;
                        n += 1;
                    }
                    Ok(())
                })?;
                Ok(n)
            },
        )
    }

    /// Removes the documents of project `project_id` (unregister).
    pub fn remove_project(&self, project_id: &str, generation: u64) -> Result<()> {
        self.replace_project(project_id, &[], generation)
    }

    /// Replaces all marketplace-entry documents of `source` with `docs` in one commit. The
    /// documents are filed under `source` whatever their own `source` says.
    pub fn replace_source(&self, source: &str, docs: &[SearchDoc], generation: u64) -> Result<()> {
        let f = self.fields;
        self.write(
            "replace_source",
            false,
            GenUpdate::Max(generation),
            |w: &mut IndexWriter| {
                w.delete_term(Term::from_field_text(
                    f.scope,
                    &schema::scope_key(DocKind::Entry, source),
                ));
                for d in docs {
                    w.add_document(schema::to_document(&f, d, Scope::Source(source)))
                        .map_err(|e| tantivy_err("adding a document", e))?;
                }
                Ok(docs.len() as u64)
            },
        )
        .map(|_| ())
    }

    /// Removes the entries of marketplace source `source`.
    pub fn remove_source(&self, source: &str, generation: u64) -> Result<()> {
        self.replace_source(source, &[], generation)
    }

    /// Deletes everything and indexes `docs` in one commit (artifacts filed under their
    /// `project_id`, entries under their `source`), with a bigger writer that is dropped when
    /// it ends. Stores `generation` as given. Searches see the old documents until the commit.
    pub fn rebuild(
        &self,
        docs: impl IntoIterator<Item = SearchDoc>,
        generation: u64,
    ) -> Result<RebuildReport> {
        self.rebuild_with(generation, || Ok(docs))
    }

    /// Like [`SearchIndex::rebuild`], with the documents loaded by `load` once the write lock
    /// is held (see [`SearchIndex::replace_scopes`]).
    pub fn rebuild_with<I: IntoIterator<Item = SearchDoc>>(
        &self,
        generation: u64,
        load: impl FnOnce() -> Result<I>,
    ) -> Result<RebuildReport> {
        let start = Instant::now();
        let f = self.fields;
        let n = self.write(
            "rebuild",
            true,
            GenUpdate::Set(generation, true),
            |w: &mut IndexWriter| {
                let docs = load()?;
                w.delete_all_documents()
                    .map_err(|e| tantivy_err("deleting all documents", e))?;
                let mut n = 0u64;
                for d in docs {
                    w.add_document(schema::to_document(&f, &d, Scope::Own))
                        .map_err(|e| tantivy_err("adding a document", e))?;
                    n += 1;
                }
                Ok(n)
            },
        )?;
        Ok(RebuildReport {
            docs: n,
            took_ms: start.elapsed().as_secs_f64() * 1000.0,
            generation,
        })
    }

    /// Removes every document (the cache's `clear()`); stores `generation` as given.
    pub fn clear(&self, generation: u64) -> Result<()> {
        self.write(
            "clear",
            false,
            GenUpdate::Set(generation, false),
            |w: &mut IndexWriter| {
                w.delete_all_documents()
                    .map_err(|e| tantivy_err("deleting all documents", e))?;
                Ok(0)
            },
        )
        .map(|_| ())
    }

    /// Makes commits of other processes visible now (they also become visible by themselves
    /// within about a second). This process's own writes are visible when they return.
    pub fn reload(&self) -> Result<()> {
        self.reader
            .reload()
            .map_err(|e| tantivy_err("reloading the reader", e))
    }

    /// Generation stored with the last commit, by any process (0 when unreadable, which makes
    /// the caller's comparison fail and so triggers a rebuild).
    pub fn generation(&self) -> u64 {
        disk::payload(&self.index)
            .map(|p| p.generation)
            .unwrap_or(0)
    }

    /// Document count, size, generation, last rebuild, and write health.
    pub fn stats(&self) -> IndexStats {
        let searcher = self.reader.searcher();
        let payload = disk::payload(&self.index).unwrap_or_default();
        IndexStats {
            mode: if self.dir.is_some() {
                crate::values::SearchMode::File
            } else {
                crate::values::SearchMode::Memory
            },
            path: self.dir.as_ref().map(|d| d.display().to_string()),
            docs: searcher.num_docs(),
            segments: searcher.segment_readers().len(),
            size_bytes: self.dir.as_deref().map(disk::size_on_disk).unwrap_or(0),
            generation: payload.generation,
            last_rebuild_at: payload.rebuilt_at,
            last_rebuild_ms: payload.rebuild_ms,
            lock_waits: self.health.lock_waits.load(AtomicOrdering::Relaxed),
            write_failures: self.health.write_failures.load(AtomicOrdering::Relaxed),
            last_error: lock(&self.health.last_error).clone(),
        }
    }

    /// Runs a search. Never fails because of the query text.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage> {
        let start = Instant::now();
        let searcher = self.reader.searcher();
        let text = q.text.trim();
        let terms = if text.is_empty() {
            query::Terms::default()
        } else {
            let mut analyzer = self
                .index
                .tokenizers()
                .get(schema::WORDS)
                .unwrap_or_else(schema::analyzer);
            query::tokenize(&mut analyzer, text)
        };
        let elapsed = |start: Instant| start.elapsed().as_secs_f64() * 1000.0;
        if !text.is_empty() && terms.is_empty() {
            // Only punctuation, emoji or over-long words: nothing can match.
            return Ok(SearchPage {
                hits: Vec::new(),
                total: 0,
                relaxed: false,
                took_ms: elapsed(start),
            });
        }
        let sort = match (q.sort_by, terms.is_empty()) {
            (None, true) | (Some(SortBy::Relevance), true) => SortBy::Name,
            (None, false) => SortBy::Relevance,
            (Some(s), _) => s,
        };
        let order = q.order.unwrap_or(match sort {
            SortBy::Name => Order::Asc,
            SortBy::Relevance | SortBy::Updated => Order::Desc,
        });
        let limit = q.limit.min(MAX_LIMIT);
        let all = query::build(&self.fields, &terms, q, query::Mode::All);
        let (mut total, mut hits) = self.collect(&searcher, &*all, sort, order, q.offset, limit)?;
        let mut relaxed = false;
        if total == 0 && terms.terms.len() > 1 {
            let any = query::build(&self.fields, &terms, q, query::Mode::Any);
            (total, hits) = self.collect(&searcher, &*any, sort, order, q.offset, limit)?;
            relaxed = total > 0;
        }
        Ok(SearchPage {
            hits,
            total,
            relaxed,
            took_ms: elapsed(start),
        })
    }

    fn collect(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        sort: SortBy,
        order: Order,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<SearchHit>)> {
        let err = |e| tantivy_err("searching", e);
        let num_docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        if limit == 0 || offset >= num_docs {
            let total = searcher.search(query, &Count).map_err(err)?;
            return Ok((total, Vec::new()));
        }
        let dir = match order {
            Order::Asc => tantivy::Order::Asc,
            Order::Desc => tantivy::Order::Desc,
        };
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let id = || SortByString::for_field(schema::ID);
        // Ties break on the id (in the same direction), so pages are stable and a rebuilt index
        // orders exactly like the one it replaced.
        let mut rows: Vec<(Option<String>, f32, DocAddress)>;
        let total;
        match sort {
            SortBy::Relevance => {
                let c = top.order_by(((SortBySimilarityScore, dir), (id(), tantivy::Order::Asc)));
                let (t, docs) = searcher.search(query, &(Count, c)).map_err(err)?;
                total = t;
                rows = docs.into_iter().map(|((s, id), a)| (id, s, a)).collect();
                // Typo and prefix matches score flat: within a run of equal scores on this page
                // the shorter name (the one closest to what was typed) comes first, then the id.
                // Done on the page only, so that it costs nothing per matching document.
                let len = |a: &DocAddress| {
                    searcher
                        .segment_reader(a.segment_ord)
                        .fast_fields()
                        .u64(schema::NAME_LEN)
                        .ok()
                        .and_then(|c| c.first(a.doc_id))
                        .unwrap_or(u64::MAX)
                };
                let mut start = 0;
                while start < rows.len() {
                    let score = rows[start].1;
                    let end = start + rows[start..].iter().take_while(|r| r.1 == score).count();
                    if end - start > 1 {
                        rows[start..end].sort_by_cached_key(|r| (len(&r.2), r.0.clone()));
                    }
                    start = end;
                }
            }
            SortBy::Name => {
                let c = top.order_by((
                    (SortByString::for_field(schema::NAME_SORT), dir),
                    (id(), dir),
                    (SortBySimilarityScore, tantivy::Order::Desc),
                ));
                let (t, docs) = searcher.search(query, &(Count, c)).map_err(err)?;
                total = t;
                rows = docs.into_iter().map(|((_, id, s), a)| (id, s, a)).collect();
            }
            SortBy::Updated => {
                let c = top.order_by((
                    (
                        SortByStaticFastValue::<i64>::for_field(schema::UPDATED),
                        dir,
                    ),
                    (id(), dir),
                    (SortBySimilarityScore, tantivy::Order::Desc),
                ));
                let (t, docs) = searcher.search(query, &(Count, c)).map_err(err)?;
                total = t;
                rows = docs.into_iter().map(|((_, id, s), a)| (id, s, a)).collect();
            }
        }
        let mut hits = Vec::with_capacity(rows.len());
        for (id, score, addr) in rows {
            let kind = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64(schema::KIND)
                .ok()
                .and_then(|c| c.first(addr.doc_id))
                .map(DocKind::from_code)
                .unwrap_or(DocKind::Artifact);
            hits.push(SearchHit {
                id: id.unwrap_or_default(),
                kind,
                score,
            });
        }
        Ok((total, hits))
    }

    /// Whether a write of this index is under way in this process.
    pub fn is_writing(&self) -> bool {
        matches!(
            self.write_mutex.try_lock(),
            Err(std::sync::TryLockError::WouldBlock)
        )
    }

    /// One write batch: lock, fresh writer, `f`, one commit carrying the payload, wait for
    /// merges, unlock, reload. A failure is counted and remembered for `stats()`.
    fn write(
        &self,
        op: &str,
        big: bool,
        gen_update: GenUpdate,
        f: impl FnOnce(&mut IndexWriter) -> Result<u64>,
    ) -> Result<u64> {
        let _serial = lock(&self.write_mutex);
        let res = self.write_locked(big, gen_update, f);
        match &res {
            Ok(_) => {}
            Err(e) => {
                self.health
                    .write_failures
                    .fetch_add(1, AtomicOrdering::Relaxed);
                *lock(&self.health.last_error) = Some(format!("{op}: {e}"));
            }
        }
        res
    }

    fn write_locked(
        &self,
        big: bool,
        gen_update: GenUpdate,
        f: impl FnOnce(&mut IndexWriter) -> Result<u64>,
    ) -> Result<u64> {
        let start = Instant::now();
        let timeout = Duration::from_millis(self.lock_timeout_ms.load(AtomicOrdering::Relaxed));
        let waits = &self.health.lock_waits;
        // In a folder: take the folder lock, then open the index afresh so its view of the
        // files is current. In memory: the one index (this instance is its only writer).
        let (guard, index) = match &self.dir {
            Some(dir) => {
                let directory = disk::mmap(dir)?;
                let guard = disk::lock_dir(&directory, timeout, waits)?;
                let index = Index::open(directory).map_err(|e| {
                    Error::Internal(format!(
                        "search index {} cannot be opened for writing ({e}); it will be rebuilt at the next open",
                        dir.display()
                    ))
                })?;
                if !schema::same_schema(&index.schema(), &self.schema) {
                    return Err(Error::Internal(format!(
                        "search index {} was re-created with another schema; not writing",
                        dir.display()
                    )));
                }
                schema::configure(&index);
                (Some(guard), index)
            }
            None => (None, self.index.clone()),
        };
        let mut payload = disk::payload(&index)?;
        if payload.schema != SCHEMA_VERSION {
            return Err(Error::Internal(format!(
                "search index has schema version {} (this version writes {SCHEMA_VERSION}); not writing",
                payload.schema
            )));
        }
        let (threads, budget) = if big {
            let cores = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1);
            (cores.clamp(1, 2), REBUILD_BUDGET_PER_THREAD)
        } else {
            (1, WRITE_BUDGET)
        };
        let mut writer = disk::writer(&index, threads, budget, timeout, waits)?;
        // Files a writer killed before its commit left behind (a delete file named for the
        // segment and the opstamp it would have committed): this commit may reach the same
        // opstamp, and tantivy refuses to overwrite them. Only the writer may remove them.
        if let Err(e) = writer.garbage_collect_files().wait() {
            *lock(&self.health.last_error) = Some(format!("removing leftover index files: {e}"));
        }
        let n = f(&mut writer)?;
        match gen_update {
            GenUpdate::Max(g) => payload.generation = payload.generation.max(g),
            GenUpdate::Set(g, rebuild) => {
                payload.generation = g;
                if rebuild {
                    payload.rebuilt_at = Some(now_ms());
                    payload.rebuild_ms = Some(start.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
        let mut prepared = writer
            .prepare_commit()
            .map_err(|e| tantivy_err("committing", e))?;
        prepared.set_payload(&payload.to_json());
        prepared
            .commit()
            .map_err(|e| tantivy_err("committing", e))?;
        // Merges run while the lock is still held; a failed merge loses nothing (the commit
        // is durable), so it is only remembered.
        if let Err(e) = writer.wait_merging_threads() {
            *lock(&self.health.last_error) = Some(format!("merging segments: {e}"));
        }
        drop(guard);
        self.reader
            .reload()
            .map_err(|e| tantivy_err("reloading the reader", e))?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::query::{distance, tokenize};
    use super::schema::analyzer;

    #[test]
    fn search_tokenizer_is_lenient_and_capped() {
        let mut a = analyzer();
        let t = tokenize(
            &mut a,
            "Code-Reviewer AND \"unterminated name:foo [1 TO 2] 🔥 Café",
        );
        assert_eq!(
            t.terms,
            vec![
                "code",
                "reviewer",
                "and",
                "unterminated",
                "name",
                "foo",
                "1",
                "to",
                "2",
                "cafe"
            ]
        );
        assert_eq!(t.prefix, Some(9));
        let long = "x".repeat(100);
        assert!(tokenize(&mut a, &long).is_empty());
        assert!(tokenize(&mut a, "🔥🔥 !!! ::").is_empty());
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        let t = tokenize(&mut a, &many);
        assert_eq!(t.terms.len(), super::MAX_TERMS);
        assert_eq!(t.prefix, None);
        let t = tokenize(&mut a, "pdf pdf");
        assert_eq!((t.terms.len(), t.prefix), (1, Some(0)));
    }

    #[test]
    fn search_typo_budget_follows_length() {
        assert_eq!(distance("pdf"), 0);
        assert_eq!(distance("tols"), 1);
        assert_eq!(distance("reviewr"), 1);
        assert_eq!(distance("reveiwer"), 2);
    }
}
