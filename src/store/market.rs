//! SQL of the marketplace cache.

use rusqlite::{OptionalExtension, params, params_from_iter, types::Value};

use super::{Store, now_ms};
use crate::error::{Error, Result};
use crate::market::parse::Entry;
use crate::model::{MarketQuery, MarketplaceEntry, MarketplaceEntryPage, MarketplaceSourceState};

/// What is stored about one source, for revalidation.
#[derive(Debug, Clone, Default)]
pub struct SourceCache {
    /// `ETag` of the stored copy.
    pub etag: Option<String>,
    /// `Last-Modified` of the stored copy.
    pub last_modified: Option<String>,
    /// Until when the stored copy is fresh (ms).
    pub expires_at: i64,
    /// When the source was last fetched or revalidated (ms).
    pub checked_at: Option<i64>,
    /// Whether a good copy is stored.
    pub has_copy: bool,
}

impl SourceCache {
    /// Whether the stored copy is still fresh at `now`.
    pub fn is_fresh(&self, now: i64) -> bool {
        !expired(self.expires_at, self.checked_at, now)
    }
}

/// Whether a copy checked at `checked_at` and fresh until `expires_at` has expired at `now`:
/// also when it was checked "in the future" (the clock has moved backwards since).
fn expired(expires_at: i64, checked_at: Option<i64>, now: i64) -> bool {
    expires_at < now || checked_at.is_some_and(|t| t > super::trusted_until(now))
}

/// Columns read by [`entry_from_row`] (entries `e` joined with their source `s`).
pub(super) const ENTRY_COLS: &str = "e.id, e.source, e.name, e.type, e.version, e.description, e.author, e.category, e.tags_json,
     e.origin, e.homepage, e.raw_json, s.expires_at, s.error,
     (SELECT COUNT(*) FROM artifacts a WHERE a.name = e.name),
     (SELECT a.deployed_version FROM artifacts a WHERE a.name = e.name AND a.deployed_version IS NOT NULL
      ORDER BY a.deployed_version LIMIT 1), s.checked_at";

/// One entry from a row of [`ENTRY_COLS`], with its installed and update state.
pub(super) fn entry_from_row(
    r: &rusqlite::Row<'_>,
    now: i64,
) -> rusqlite::Result<MarketplaceEntry> {
    let version: Option<String> = r.get(4)?;
    let deployed: Option<String> = r.get(15)?;
    let (update, diff) = match (&deployed, &version) {
        (Some(d), Some(v)) => {
            let (o, diff) = crate::version::outdated(d, v);
            (o, Some(diff))
        }
        _ => (false, None),
    };
    let expires_at: i64 = r.get(12)?;
    let error: Option<String> = r.get(13)?;
    Ok(MarketplaceEntry {
        id: r.get(0)?,
        source: r.get(1)?,
        name: r.get(2)?,
        kind: r.get(3)?,
        version,
        description: r.get(5)?,
        author: r.get(6)?,
        category: r.get(7)?,
        tags: super::columns::json(r, 8)?,
        origin: r.get(9)?,
        homepage: r.get(10)?,
        raw: r.get(11)?,
        stale: expired(expires_at, r.get(16)?, now) || error.is_some(),
        installed_count: r.get(14)?,
        deployed_version: deployed,
        update_available: update,
        version_diff: diff,
    })
}

impl Store {
    /// Revalidation data of a source whose URL is `url` (a changed URL drops the old copy).
    pub fn market_source(&self, name: &str, url: &str) -> Result<SourceCache> {
        self.with_reader(|c| {
            let row = c
                .query_row(
                    "SELECT url, etag, last_modified, expires_at, checked_at, raw_json IS NOT NULL FROM marketplace_sources WHERE name = ?1",
                    [name],
                    |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                )
                .optional()?;
            Ok(match row {
                Some((u, etag, last_modified, expires_at, checked_at, has_copy)) if u == url => {
                    SourceCache { etag, last_modified, expires_at, checked_at, has_copy }
                }
                _ => SourceCache::default(),
            })
        })
    }

    /// Stores a fresh listing: raw document and entries, replacing the previous ones in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn market_store(
        &self,
        name: &str,
        url: &str,
        listing_name: Option<&str>,
        raw: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        ttl_ms: i64,
        entries: &[Entry],
    ) -> Result<()> {
        let now = now_ms();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO marketplace_sources(name, url, listing_name, etag, last_modified, raw_json, fetched_at,
                     checked_at, expires_at, error, error_code, entry_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, NULL, NULL, ?9)
                 ON CONFLICT(name) DO UPDATE SET url = excluded.url, listing_name = excluded.listing_name,
                     etag = excluded.etag, last_modified = excluded.last_modified, raw_json = excluded.raw_json,
                     fetched_at = excluded.fetched_at, checked_at = excluded.checked_at,
                     expires_at = excluded.expires_at, error = NULL, error_code = NULL,
                     entry_count = excluded.entry_count",
                params![name, url, listing_name, etag, last_modified, raw, now, now + ttl_ms, entries.len() as i64],
            )?;
            tx.execute("DELETE FROM marketplace_entries WHERE source = ?1", [name])?;
            let mut ins = tx.prepare_cached(
                "INSERT OR REPLACE INTO marketplace_entries(id, source, name, type, version, description, author,
                     category, tags_json, origin, homepage, raw_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            for e in entries {
                let id = crate::scan::hash::fingerprint(&format!("{name}\0{}\0{}", e.kind, e.name));
                ins.execute(params![
                    id,
                    name,
                    e.name,
                    e.kind,
                    e.version,
                    e.description,
                    e.author,
                    e.category,
                    serde_json::to_string(&e.tags).unwrap_or_else(|_| "[]".into()),
                    e.source,
                    e.homepage,
                    e.raw.to_string(),
                ])?;
            }
            Ok(())
        })
    }

    /// A `304 Not Modified`: the stored copy is fresh for another `ttl_ms`.
    pub fn market_renew(&self, name: &str, ttl_ms: i64) -> Result<()> {
        let now = now_ms();
        self.write(|tx| {
            tx.execute(
                "UPDATE marketplace_sources SET checked_at = ?2, expires_at = ?3, error = NULL, error_code = NULL WHERE name = ?1",
                params![name, now, now + ttl_ms],
            )?;
            Ok(())
        })
    }

    /// A failed fetch: the stored copy (if any) is kept and served as stale, with the error.
    pub fn market_error(&self, name: &str, url: &str, code: &str, message: &str) -> Result<()> {
        let now = now_ms();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO marketplace_sources(name, url, checked_at, error, error_code) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(name) DO UPDATE SET checked_at = excluded.checked_at, error = excluded.error,
                     error_code = excluded.error_code",
                params![name, url, now, message, code],
            )?;
            Ok(())
        })
    }

    /// Drops sources no longer configured (their entries go with them); returns how many.
    pub fn market_retain(&self, names: &[String]) -> Result<usize> {
        self.write(|tx| {
            let keep: Vec<Value> = names.iter().map(|n| Value::from(n.clone())).collect();
            let marks = (1..=keep.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(",");
            let sql = if keep.is_empty() {
                "DELETE FROM marketplace_sources".to_string()
            } else {
                format!("DELETE FROM marketplace_sources WHERE name NOT IN ({marks})")
            };
            Ok(tx.execute(&sql, params_from_iter(keep))?)
        })
    }

    /// State of every stored source.
    pub fn market_sources(&self) -> Result<Vec<MarketplaceSourceState>> {
        let now = now_ms();
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT name, url, listing_name, fetched_at, checked_at, expires_at, error, error_code, entry_count,
                        raw_json IS NOT NULL
                 FROM marketplace_sources ORDER BY name",
            )?;
            let rows = stmt.query_map([], |r| {
                let expires_at: i64 = r.get(5)?;
                let checked_at: Option<i64> = r.get(4)?;
                let error: Option<String> = r.get(6)?;
                Ok(MarketplaceSourceState {
                    name: r.get(0)?,
                    url: r.get(1)?,
                    listing_name: r.get(2)?,
                    fetched_at: r.get(3)?,
                    checked_at,
                    expires_at,
                    stale: expired(expires_at, checked_at, now) || error.is_some(),
                    error,
                    error_code: r.get(7)?,
                    entries: r.get(8)?,
                    cached: r.get(9)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// A page of marketplace entries, with what is installed of each.
    pub fn market_entries(&self, q: &MarketQuery) -> Result<MarketplaceEntryPage> {
        let offset = q.offset.unwrap_or(0);
        let limit = q.limit.unwrap_or(100);
        if offset < 0 || !(1..=10_000).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                "offset must be 0 or more and limit between 1 and 10000",
            ));
        }
        let mut clauses = Vec::new();
        let mut vals: Vec<Value> = Vec::new();
        if let Some(s) = &q.source {
            vals.push(s.clone().into());
            clauses.push(format!("e.source = ?{}", vals.len()));
        }
        if let Some(t) = &q.kind {
            vals.push(t.clone().into());
            clauses.push(format!("e.type = ?{}", vals.len()));
        }
        if let Some(text) = q.query.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let like = format!(
                "%{}%",
                text.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            vals.push(like.into());
            let n = vals.len();
            clauses.push(format!(
                "(e.name LIKE ?{n} ESCAPE '\\' OR e.description LIKE ?{n} ESCAPE '\\' OR e.tags_json LIKE ?{n} ESCAPE '\\')"
            ));
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let now = now_ms();
        self.with_reader(|c| {
            let total: i64 = c
                .prepare_cached(&format!("SELECT COUNT(*) FROM marketplace_entries e{filter}"))?
                .query_row(params_from_iter(vals.iter()), |r| r.get(0))?;
            let n = vals.len();
            let sql = format!(
                "SELECT {ENTRY_COLS} FROM marketplace_entries e JOIN marketplace_sources s ON s.name = e.source{filter}
                 ORDER BY e.name, e.source LIMIT ?{} OFFSET ?{}",
                n + 1,
                n + 2
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let bound = vals.iter().cloned().chain([Value::from(limit), Value::from(offset)]);
            let items = stmt
                .query_map(params_from_iter(bound), |r| entry_from_row(r, now))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(MarketplaceEntryPage { items, total, offset, limit })
        })
    }
}
