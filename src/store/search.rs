//! What the search index needs from the database: the queue of changed scopes (filled by the
//! triggers of schema version 5), the rows of a scope, every row for a rebuild, and the rows of
//! a page of hits.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::Store;
use super::columns::{ARTIFACT_COLS, artifact_from_row};
use super::joined::ARTIFACTS;
use super::market::{ENTRY_COLS, entry_from_row};
use crate::error::Result;
use crate::model::{Artifact, MarketplaceEntry};

/// A part of the data the index files documents under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The artifacts of one project.
    Project(String),
    /// The entries of one marketplace source.
    Source(String),
}

impl Scope {
    fn parse(key: &str) -> Option<Scope> {
        if let Some(id) = key.strip_prefix("p:") {
            Some(Scope::Project(id.to_string()))
        } else {
            key.strip_prefix("s:").map(|s| Scope::Source(s.to_string()))
        }
    }

    fn key(&self) -> String {
        match self {
            Scope::Project(id) => format!("p:{id}"),
            Scope::Source(s) => format!("s:{s}"),
        }
    }
}

/// A queued change: the scope and the version of its queue row when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// What changed.
    pub scope: Scope,
    /// Version of the queue row; the row is only removed if it still has this version.
    pub version: i64,
}

/// The rows of one scope, as they are now.
#[derive(Debug, Clone)]
pub enum ScopeRows {
    /// A project's artifacts (none when the project is gone).
    Artifacts(String, Vec<Artifact>),
    /// A source's entries (none when the source is gone).
    Entries(String, Vec<MarketplaceEntry>),
}

fn read_pending(c: &rusqlite::Connection) -> Result<Vec<Pending>> {
    let mut stmt = c.prepare_cached("SELECT scope, version FROM search_pending")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (key, version) = row?;
        if let Some(scope) = Scope::parse(&key) {
            out.push(Pending { scope, version });
        }
    }
    Ok(out)
}

impl Store {
    /// The id stamped on this database file when it was created (schema version 5); the index
    /// stores it with every commit, so an index built from another file is recognised.
    pub fn instance_id(&self) -> Result<u64> {
        self.with_reader(|c| {
            let v: Option<String> = c
                .query_row(
                    "SELECT value FROM cache_metadata WHERE key = 'instance_id'",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
        })
    }

    /// Changes not yet written to the index (oldest schema rows first).
    pub fn search_pending(&self) -> Result<Vec<Pending>> {
        self.with_reader(read_pending)
    }

    /// How many changes wait for the index.
    pub fn search_pending_count(&self) -> Result<i64> {
        self.with_reader(|c| {
            Ok(c.query_row("SELECT COUNT(*) FROM search_pending", [], |r| r.get(0))?)
        })
    }

    /// After an index commit: removes the queue rows the index now reflects (a row whose version
    /// moved stays queued) and bumps the commit counter other processes' readers watch.
    pub fn search_done(&self, done: &[Pending]) -> Result<()> {
        self.write(|tx| {
            let mut del =
                tx.prepare_cached("DELETE FROM search_pending WHERE scope = ?1 AND version = ?2")?;
            for p in done {
                del.execute(params![p.scope.key(), p.version])?;
            }
            tx.execute(
                "INSERT INTO cache_metadata(key, value) VALUES ('search_commit', '1')
                 ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                [],
            )?;
            Ok(())
        })
    }

    /// How many index commits have been recorded, by any process (see [`Store::search_done`]).
    pub fn search_commit(&self) -> Result<i64> {
        self.with_reader(|c| {
            let v: Option<String> = c
                .prepare_cached("SELECT value FROM cache_metadata WHERE key = 'search_commit'")?
                .query_row([], |r| r.get(0))
                .optional()?;
            Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
        })
    }

    /// The current rows of each scope, read in one transaction.
    pub fn search_rows(&self, scopes: &[Scope]) -> Result<Vec<ScopeRows>> {
        self.with_reader(|c| {
            let tx = c.unchecked_transaction()?;
            let now = super::now_ms();
            let mut out = Vec::with_capacity(scopes.len());
            {
                let mut arts = tx.prepare_cached(&format!(
                    "SELECT {} FROM {ARTIFACTS} WHERE project_id = ?1",
                    *ARTIFACT_COLS
                ))?;
                let mut ents = tx.prepare_cached(&format!(
                    "SELECT {ENTRY_COLS} FROM marketplace_entries e JOIN marketplace_sources s ON s.name = e.source
                     WHERE e.source = ?1"
                ))?;
                for scope in scopes {
                    out.push(match scope {
                        Scope::Project(id) => ScopeRows::Artifacts(
                            id.clone(),
                            arts.query_map([id], artifact_from_row)?
                                .collect::<rusqlite::Result<_>>()?,
                        ),
                        Scope::Source(name) => ScopeRows::Entries(
                            name.clone(),
                            ents.query_map([name], |r| entry_from_row(r, now))?
                                .collect::<rusqlite::Result<_>>()?,
                        ),
                    });
                }
            }
            tx.finish()?;
            Ok(out)
        })
    }

    /// Every artifact and entry, with the queue as it stood, read in one transaction (a full
    /// rebuild).
    pub fn search_all(&self) -> Result<(Vec<Artifact>, Vec<MarketplaceEntry>, Vec<Pending>)> {
        self.with_reader(|c| {
            let tx = c.unchecked_transaction()?;
            let now = super::now_ms();
            let pending = read_pending(&tx)?;
            let artifacts = tx
                .prepare_cached(&format!("SELECT {} FROM {ARTIFACTS}", *ARTIFACT_COLS))?
                .query_map([], artifact_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let entries = tx
                .prepare_cached(&format!(
                    "SELECT {ENTRY_COLS} FROM marketplace_entries e JOIN marketplace_sources s ON s.name = e.source"
                ))?
                .query_map([], |r| entry_from_row(r, now))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tx.finish()?;
            Ok((artifacts, entries, pending))
        })
    }

    /// Artifacts plus marketplace entries (what a complete index holds).
    pub fn searchable_count(&self) -> Result<u64> {
        self.with_reader(|c| {
            let n: i64 = c.query_row(
                "SELECT (SELECT COUNT(*) FROM artifacts) + (SELECT COUNT(*) FROM marketplace_entries)",
                [],
                |r| r.get(0),
            )?;
            Ok(n.max(0) as u64)
        })
    }

    /// The artifacts and entries of a page of hits, by id (ids that no longer exist are
    /// missing from the maps). A few cached statements of fixed width serve every page.
    pub fn search_rows_by_id(
        &self,
        artifact_ids: &[&str],
        entry_ids: &[&str],
    ) -> Result<(HashMap<String, Artifact>, HashMap<String, MarketplaceEntry>)> {
        const WIDTH: usize = 25;
        let placeholders = vec!["?"; WIDTH].join(", ");
        let now = super::now_ms();
        self.with_reader(|c| {
            let tx = c.unchecked_transaction()?;
            let mut arts = HashMap::with_capacity(artifact_ids.len());
            let mut ents = HashMap::with_capacity(entry_ids.len());
            {
                let mut by_id = tx.prepare_cached(&format!(
                    "SELECT {} FROM {ARTIFACTS} WHERE id IN ({placeholders})",
                    *ARTIFACT_COLS
                ))?;
                for chunk in artifact_ids.chunks(WIDTH) {
                    let params = (0..WIDTH).map(|i| chunk.get(i).copied().unwrap_or(""));
                    for a in by_id.query_map(rusqlite::params_from_iter(params), artifact_from_row)? {
                        let a = a?;
                        arts.insert(a.id.clone(), a);
                    }
                }
                let mut by_id = tx.prepare_cached(&format!(
                    "SELECT {ENTRY_COLS} FROM marketplace_entries e JOIN marketplace_sources s ON s.name = e.source
                     WHERE e.id IN ({placeholders})"
                ))?;
                for chunk in entry_ids.chunks(WIDTH) {
                    let params = (0..WIDTH).map(|i| chunk.get(i).copied().unwrap_or(""));
                    for e in by_id.query_map(rusqlite::params_from_iter(params), |r| entry_from_row(r, now))? {
                        let e = e?;
                        ents.insert(e.id.clone(), e);
                    }
                }
            }
            tx.finish()?;
            Ok((arts, ents))
        })
    }
}
