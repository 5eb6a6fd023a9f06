//! The cross-process lease that elects one background refresher per database file.

use rusqlite::{OptionalExtension, params};

use super::{Fresh, Store, now_ms, trusted_until};
use crate::error::Result;

/// Who holds a lease, as stored.
#[derive(Debug, Clone)]
pub struct LeaseInfo {
    /// Holder id (`<pid>-<random>`).
    pub holder: String,
    /// Holder's process id.
    pub pid: i64,
    /// When the current holder took it (ms).
    pub acquired_at: i64,
    /// Last renewal (ms).
    pub heartbeat_at: i64,
    /// When it lapses unless renewed (ms).
    pub expires_at: i64,
}

impl Store {
    /// Takes or renews `name` for `holder` for `ttl_ms`, unless someone else holds it unexpired.
    /// A lease renewed further ahead of this clock than [`super::CLOCK_SKEW_MS`] was renewed before
    /// the clock moved backwards, and counts as lapsed (else a dead holder's lease would block
    /// for as long as the clock moved). Returns whether `holder` holds it now.
    pub fn try_lease(&self, name: &str, holder: &str, ttl_ms: i64) -> Result<bool> {
        let now = now_ms();
        self.write_quiet(|tx| {
            tx.execute(
                "INSERT INTO leases(name, holder, pid, acquired_at, heartbeat_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)
                 ON CONFLICT(name) DO UPDATE SET
                     acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
                     holder = excluded.holder, pid = excluded.pid,
                     heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
                 WHERE leases.holder = excluded.holder OR leases.expires_at < ?4 OR leases.heartbeat_at > ?6",
                params![name, holder, std::process::id(), now, now + ttl_ms, trusted_until(now)],
            )?;
            let h: Option<String> = tx
                .query_row("SELECT holder FROM leases WHERE name = ?1", [name], |r| r.get(0))
                .optional()?;
            Ok(h.as_deref() == Some(holder))
        })
    }

    /// Gives up `name` if `holder` holds it.
    pub fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.write_quiet(|tx| {
            tx.execute(
                "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
                [name, holder],
            )?;
            Ok(())
        })
    }

    /// The current holder of `name`, if any (expired leases included, with their expiry).
    pub fn lease(&self, name: &str) -> Result<Option<LeaseInfo>> {
        self.with_reader(|c| {
            Ok(c.query_row(
                "SELECT holder, pid, acquired_at, heartbeat_at, expires_at FROM leases WHERE name = ?1",
                [name],
                |r| {
                    Ok(LeaseInfo {
                        holder: r.get(0)?,
                        pid: r.get(1)?,
                        acquired_at: r.get(2)?,
                        heartbeat_at: r.get(3)?,
                        expires_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
        })
    }

    /// Ids of projects not scanned within `fresh` (scanned too long ago, or "in the future" after
    /// the clock moved backwards), those ahead of the clock first, then oldest first; at most
    /// `limit`.
    pub fn due_projects(&self, fresh: Fresh, limit: usize) -> Result<Vec<String>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id FROM projects WHERE scanned_at < ?1 OR scanned_at > ?2
                 ORDER BY scanned_at > ?2 DESC, scanned_at LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![fresh.since, fresh.until, limit as i64], |r| {
                r.get(0)
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
    }

    /// The oldest scan time among projects (for "next refresh" in status).
    pub fn oldest_scan(&self) -> Result<Option<i64>> {
        self.with_reader(|c| {
            Ok(c.query_row("SELECT MIN(scanned_at) FROM projects", [], |r| r.get(0))?)
        })
    }
}
