//! The SQLite store: opening (with corruption recovery and a memory fallback), pragmas, and the
//! SQL for every read and write. All SQL of the package lives under this module.

mod checkpointer;
mod columns;
mod compact;
mod deployments;
mod joined;
mod lease;
mod market;
pub mod ownership;
mod paths;
mod problem_lists;
mod read;
pub mod schema;
mod search;
mod stored_once;
mod texts;
mod upstream;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use ownership::Ownership;

pub use lease::LeaseInfo;
pub use market::SourceCache;
pub use read::Totals;
pub use schema::SCHEMA_VERSION;
pub use search::{Pending, Scope, ScopeRows};
pub use upstream::{HttpRecord, RepoOutcome, UpstreamCandidate, UpstreamResult};
pub use write::{ApplyOutcome, NewProject, artifact_id, project_id as project_id_of};

/// A SHA-256 hex digest is stored as its 32 bytes (half the space of the text); anything else
/// (a hash SkillMeat recorded in another form) is stored as written.
pub(crate) fn hash_to_sql(h: Option<&str>) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match h {
        None => Value::Null,
        Some(s) => match hex::decode(s) {
            Ok(bytes) if bytes.len() == 32 => Value::Blob(bytes),
            _ => Value::Text(s.to_string()),
        },
    }
}

/// Reads a hash column back as lower-case hex text.
pub(crate) fn hash_from_sql(v: rusqlite::types::ValueRef<'_>) -> Option<String> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Blob(b) => Some(hex::encode(b)),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How far ahead of this process's clock a recorded time may be and still be trusted. A time
/// further ahead was written before the clock moved backwards (an NTP step, a resumed VM, a
/// corrected RTC), so whatever it dates counts as stale rather than fresh until the clock
/// catches up; a lease renewed that far ahead counts as lapsed.
pub const CLOCK_SKEW_MS: i64 = 60_000;

/// The newest recorded time (ms) trusted at `now`: [`CLOCK_SKEW_MS`] ahead of it.
pub fn trusted_until(now: i64) -> i64 {
    now.saturating_add(CLOCK_SKEW_MS)
}

/// The stamps (ms) a project's scan counts as fresh within: no older than the TTL, and not
/// ahead of this clock by more than [`CLOCK_SKEW_MS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fresh {
    /// The oldest fresh stamp.
    pub since: i64,
    /// The newest trusted stamp.
    pub until: i64,
}

impl Fresh {
    /// Fresh for `ttl_ms` from now.
    pub fn within(ttl_ms: i64) -> Fresh {
        let now = now_ms();
        Fresh {
            since: now.saturating_sub(ttl_ms),
            until: trusted_until(now),
        }
    }

    /// Every stamp fresh (for reads that do not report staleness).
    pub const ANY: Fresh = Fresh {
        since: i64::MIN,
        until: i64::MAX,
    };

    /// Whether `stamp` is fresh.
    pub fn holds(&self, stamp: i64) -> bool {
        (self.since..=self.until).contains(&stamp)
    }
}

/// How the store holds its data: a file shared with other processes, or private memory.
pub use crate::values::StorageMode as Mode;

/// Settings applied to every connection.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Busy timeout in ms.
    pub busy_timeout_ms: u32,
    /// Size cap in MiB (0 = none).
    pub max_size_mb: u32,
}

/// The database: one connection for writes and one for reads (the same one in memory mode).
pub struct Store {
    /// The disk was full when the database was opened (reads work; writes will fail).
    pub disk_full_at_open: bool,
    path: Option<PathBuf>,
    /// The write connection; `None` once [`Store::close`] released it.
    writer: Mutex<Option<Connection>>,
    /// A second connection for reads (file databases); `None` for memory or once closed.
    reader: Option<Mutex<Option<Connection>>>,
    /// The thread that checkpoints the writer's log (file databases; `None` if it could not
    /// start, and SQLite's own checkpoints go on).
    checkpointer: Option<checkpointer::Checkpointer>,
    tuning: Tuning,
    /// Writes through this store that move the generation (see [`Store::freshness`]).
    local_writes: std::sync::atomic::AtomicU64,
    /// The last freshness read: when, at which count of local writes, and what it found.
    fresh: Mutex<Option<FreshRead>>,
}

/// A freshness read: when, at which count of local writes, and `(generation, last refresh)`.
type FreshRead = (std::time::Instant, u64, (i64, Option<i64>));

/// How long [`Store::freshness`] reuses its last read when this store wrote nothing since.
pub const FRESHNESS_REUSE: Duration = Duration::from_millis(10);

/// Why a database file could not be opened.
#[derive(Debug)]
pub enum OpenFailure {
    /// The file exists but is not a healthy SQLite database.
    Corrupt(String),
    /// The location cannot be written.
    Unwritable(String),
    /// A database of another application: it was not touched.
    Foreign(String),
    /// Not a SQLite database (or one SQLite cannot read), with no sign of being ours: it was not
    /// touched. The caller decides whether the location is ours to recover.
    Unrecognised(String),
    /// A database written by a newer release (its schema version is the value): it was not
    /// written, so that release finds it as it left it.
    Newer(u32),
    /// Anything else.
    Other(Error),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a connection half-used in a way SQLite does
    // not roll back itself, so a poisoned lock is still safe to use.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn is_unwritable(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi::ErrorCode::*;
    matches!(
        e.sqlite_error_code(),
        Some(ReadOnly) | Some(CannotOpen) | Some(PermissionDenied) | Some(SystemIoFailure)
    )
}

fn is_corrupt(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi::ErrorCode::*;
    matches!(
        e.sqlite_error_code(),
        Some(DatabaseCorrupt) | Some(NotADatabase)
    )
}

fn classify(e: rusqlite::Error) -> OpenFailure {
    if is_corrupt(&e) {
        OpenFailure::Corrupt(e.to_string())
    } else if is_unwritable(&e) {
        OpenFailure::Unwritable(e.to_string())
    } else {
        OpenFailure::Other(e.into())
    }
}

/// The writer connection's page cache, KiB.
const WRITER_CACHE_KIB: i64 = 16 * 1024;

fn configure(conn: &Connection, tuning: Tuning, wal: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_millis(tuning.busy_timeout_ms as u64))?;
    if wal {
        // Switching to WAL needs a brief exclusive lock; retry if another process holds it.
        let mut tries = 0;
        loop {
            match conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
            {
                Ok(_) => break,
                Err(e)
                    if tries < 50
                        && e.sqlite_error_code()
                            == Some(rusqlite::ffi::ErrorCode::DatabaseBusy) =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Keep the WAL from staying at its high-water mark after a big refresh.
        conn.pragma_update(None, "journal_size_limit", 1024 * 1024)?;
        // The writer's page cache (filled only as pages are used): every project's rows touch
        // leaf pages of the artifact indexes all over their trees; past SQLite's default 2 MiB,
        // a large cache would read them from the file again for each transaction.
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Plans that do not depend on the values bound: otherwise SQLite (3.54, built with STAT4)
    // prepares a statement again whenever a value bound to it could change its plan, as a
    // bound `LIMIT` (every page) or a value compared in a join (every artifact read joins its
    // texts) can: a `getArtifact` took 159 µs in SQLite instead of 9 µs.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn apply_size_cap(conn: &Connection, tuning: Tuning) -> rusqlite::Result<()> {
    if tuning.max_size_mb > 0 {
        let page_size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        let pages = (tuning.max_size_mb as i64 * 1024 * 1024) / page_size.max(512);
        conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database file at `path`, checks its health, migrates it and
    /// proves it writable.
    pub fn open_file(path: &Path, tuning: Tuning) -> Result<Store, OpenFailure> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::private_fs::create_dir_all(parent).map_err(|e| {
                OpenFailure::Unwritable(format!("cannot create folder {}: {e}", parent.display()))
            })?;
        }
        // Decide whose file this is before anything (journal mode included) writes to it.
        let owner = ownership::inspect(path)
            .map_err(|e| OpenFailure::Unwritable(format!("cannot read {}: {e}", path.display())))?;
        match &owner {
            Ownership::Foreign(found) => return Err(OpenFailure::Foreign(found.clone())),
            Ownership::Unreadable(reason) => {
                return Err(OpenFailure::Unrecognised(reason.clone()));
            }
            Ownership::Absent | Ownership::Ours | Ownership::Legacy => {}
        }
        // A new database is created private (0600 on Unix) before SQLite opens it, and SQLite
        // gives the -wal and -shm files the same mode. An existing file keeps its own.
        if owner == Ownership::Absent {
            crate::private_fs::create_file(path).map_err(|e| {
                OpenFailure::Unwritable(format!("cannot create {}: {e}", path.display()))
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut writer = Connection::open_with_flags(path, flags).map_err(classify)?;
        // Before anything writes (the journal mode, the mark, a migration): a database a newer
        // release migrated stays exactly as it is, so upgrading again finds it unchanged.
        if owner == Ownership::Ours {
            writer
                .busy_timeout(Duration::from_millis(tuning.busy_timeout_ms as u64))
                .map_err(classify)?;
            let found: u32 = writer
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(classify)?;
            if found > schema::SCHEMA_VERSION {
                return Err(OpenFailure::Newer(found));
            }
        }
        if owner != Ownership::Ours {
            // Mark the file before switching it to WAL, so the mark is in the main file's header
            // from the first page on and any process that inspects it sees it.
            writer
                .pragma_update(None, "application_id", ownership::APPLICATION_ID)
                .map_err(classify)?;
        }
        configure(&writer, tuning, true).map_err(classify)?;
        let check: String = writer
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(classify)?;
        if check != "ok" {
            return Err(OpenFailure::Corrupt(format!(
                "quick_check reported: {check}"
            )));
        }
        schema::migrate(&mut writer).map_err(|e| match e {
            Error::ReadOnly { reason, .. } => OpenFailure::Unwritable(reason),
            Error::Corrupt { reason, .. } => OpenFailure::Corrupt(reason),
            other => OpenFailure::Other(other),
        })?;
        // Prove the location writable now rather than at the first refresh. A full disk is not a
        // reason to give up the cached data: keep serving it and report the condition.
        let mut disk_full = false;
        if let Err(e) = writer.execute(
            "INSERT INTO cache_metadata(key, value) VALUES ('last_open', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [now_ms().to_string()],
        ) {
            if e.sqlite_error_code() == Some(rusqlite::ffi::ErrorCode::DiskFull) {
                disk_full = true;
            } else {
                return Err(classify(e));
            }
        }
        apply_size_cap(&writer, tuning).map_err(classify)?;
        let reader = Connection::open_with_flags(path, flags).map_err(classify)?;
        configure(&reader, tuning, false).map_err(classify)?;
        let busy = Duration::from_millis(tuning.busy_timeout_ms as u64);
        let checkpointer = checkpointer::Checkpointer::start(path, busy, &mut writer);
        Ok(Store {
            disk_full_at_open: disk_full,
            path: Some(path.to_path_buf()),
            writer: Mutex::new(Some(writer)),
            reader: Some(Mutex::new(Some(reader))),
            checkpointer,
            tuning,
            local_writes: Default::default(),
            fresh: Mutex::new(None),
        })
    }

    /// Opens a private in-memory database.
    pub fn open_memory(tuning: Tuning) -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, tuning, false)?;
        schema::migrate(&mut conn)?;
        apply_size_cap(&conn, tuning)?;
        Ok(Store {
            disk_full_at_open: false,
            path: None,
            writer: Mutex::new(Some(conn)),
            reader: None,
            checkpointer: None,
            tuning,
            local_writes: Default::default(),
            fresh: Mutex::new(None),
        })
    }

    /// Best effort: the registered project paths of a damaged database, to carry over.
    pub fn salvage_registrations(path: &Path) -> Vec<String> {
        let Ok(conn) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
            return Vec::new();
        };
        let Ok(mut stmt) = conn.prepare("SELECT path FROM registrations") else {
            return Vec::new();
        };
        let Ok(rows) = stmt.query_map([], |r| r.get::<_, String>(0)) else {
            return Vec::new();
        };
        rows.filter_map(|r| r.ok()).collect()
    }

    /// Moves a damaged database (and its `-wal`/`-shm`) aside with a timestamped name; returns the new path.
    pub fn move_aside(path: &Path) -> Result<PathBuf> {
        let stamp = now_ms();
        let target = ownership::with_suffix(path, &format!(".corrupt-{stamp}"));
        std::fs::rename(path, &target).map_err(|e| {
            Error::io(
                format!("moving the damaged cache {} aside", path.display()),
                e,
            )
        })?;
        for suffix in ["-wal", "-shm"] {
            let side = ownership::with_suffix(path, suffix);
            if side.exists() {
                let _ = std::fs::rename(&side, ownership::with_suffix(&target, suffix));
            }
        }
        Ok(target)
    }

    /// File or memory.
    pub fn mode(&self) -> Mode {
        if self.path.is_some() {
            Mode::File
        } else {
            Mode::Memory
        }
    }

    /// The database file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f` with the read connection (`CACHE_CLOSED` once the store is closed).
    pub(crate) fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let guard = lock(self.reader.as_ref().unwrap_or(&self.writer));
        f(guard.as_ref().ok_or(Error::Closed)?)
    }

    /// Closes both connections now (their files are released at once, not when the last
    /// handle to the store goes away); every later use answers `CACHE_CLOSED`.
    pub fn close(&self) {
        self.stop_checkpoints();
        if let Some(r) = &self.reader {
            drop(lock(r).take());
        }
        drop(lock(&self.writer).take());
    }

    /// Runs `f` inside a `BEGIN IMMEDIATE` transaction on the write connection, retrying when
    /// another process holds the write lock past the busy timeout. The data generation (see
    /// [`Store::generation`]) moves in the same transaction.
    pub(crate) fn write<T>(
        &self,
        mut f: impl FnMut(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_tx(true, |tx| f(tx))
    }

    /// [`Store::write`] for bookkeeping that changes no answer (the refresher lease): the data
    /// generation stays.
    pub(crate) fn write_quiet<T>(
        &self,
        mut f: impl FnMut(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_tx(false, |tx| f(tx))
    }

    /// A number that moves whenever any process commits a change to the cached data (never for
    /// the refresher lease). Equal generations mean equal answers, so it makes ETags.
    /// Read through [`Store::freshness`], with its reuse window.
    pub fn generation(&self) -> Result<i64> {
        Ok(self.freshness()?.0)
    }

    /// The data generation and when the last refresh of any process finished. Exact after any
    /// write through this store; a write by another process shows within
    /// [`FRESHNESS_REUSE`] (the answer is reused that long, which keeps a busy HTTP server from
    /// asking SQLite on every request).
    pub fn freshness(&self) -> Result<(i64, Option<i64>)> {
        let local = self.local_writes.load(std::sync::atomic::Ordering::Acquire);
        if let Some((at, seen, v)) = *lock(&self.fresh) {
            if seen == local && at.elapsed() < FRESHNESS_REUSE {
                return Ok(v);
            }
        }
        let v = self.with_reader(|c| {
            Ok(c.query_row(
                "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM cache_metadata WHERE key = 'generation'), 0),
                        (SELECT finished_at FROM refresh_runs ORDER BY id DESC LIMIT 1)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })?;
        *lock(&self.fresh) = Some((std::time::Instant::now(), local, v));
        Ok(v)
    }

    fn write_tx<T>(
        &self,
        bump: bool,
        mut f: impl FnMut(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut guard = lock(&self.writer);
        let conn = guard.as_mut().ok_or(Error::Closed)?;
        let started = std::time::Instant::now();
        let budget = Duration::from_millis(self.tuning.busy_timeout_ms as u64 * 4 + 1000);
        loop {
            let attempt = (|| {
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let out = f(&tx)?;
                if bump {
                    self.local_writes
                        .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                    tx.execute(
                        "INSERT INTO cache_metadata(key, value) VALUES ('generation', '1')
                         ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                        [],
                    )?;
                }
                tx.commit()?;
                if bump {
                    // Counted again after the commit: a freshness read between the two counts
                    // (which may have seen the old generation) is not reused.
                    self.local_writes
                        .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                }
                Ok(out)
            })();
            match attempt {
                Err(Error::Busy(_)) if started.elapsed() < budget => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(Error::Busy(_)) => {
                    return Err(Error::Busy(started.elapsed().as_millis() as u64));
                }
                Err(Error::ReadOnly { reason, .. }) => {
                    return Err(Error::ReadOnly {
                        path: self.path.clone().unwrap_or_default(),
                        reason,
                    });
                }
                other => return other,
            }
        }
    }

    /// Bytes used: the database file plus its WAL, or pages in memory.
    pub fn size_bytes(&self) -> i64 {
        match &self.path {
            Some(p) => ["", "-wal"]
                .iter()
                .map(|s| std::fs::metadata(format!("{}{s}", p.display())).map(|m| m.len() as i64).unwrap_or(0))
                .sum(),
            None => self
                .with_reader(|c| {
                    Ok(c.query_row("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", [], |r| r.get(0))?)
                })
                .unwrap_or(0),
        }
    }

    /// `PRAGMA integrity_check` result (`ok` when healthy).
    pub fn integrity_check(&self) -> Result<String> {
        self.with_reader(|c| Ok(c.query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))?))
    }

    /// Schema version of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        self.with_reader(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
    }

    /// Stops the checkpoint thread, waiting for a checkpoint it runs; commits checkpoint
    /// themselves again from then on (SQLite's automatic checkpoint).
    fn stop_checkpoints(&self) {
        if let Some(c) = &self.checkpointer {
            c.stop();
            if let Some(w) = lock(&self.writer).as_ref() {
                let _ = w.pragma_update(None, "wal_autocheckpoint", checkpointer::SOON_PAGES);
            }
        }
    }

    /// Checkpoints the WAL into the main file; `truncate` also shrinks the WAL file to zero
    /// (used at close, when no write of ours is pending: the checkpoint thread stops first).
    /// Best effort: another process's readers may keep part of the WAL alive; only a full disk
    /// is an error.
    pub fn checkpoint(&self, truncate: bool) -> Result<()> {
        if truncate {
            self.stop_checkpoints();
        }
        if self.path.is_some() {
            let guard = lock(&self.writer);
            let Some(conn) = guard.as_ref() else {
                return Ok(());
            };
            let sql = if truncate {
                "PRAGMA wal_checkpoint(TRUNCATE)"
            } else {
                "PRAGMA wal_checkpoint(PASSIVE)"
            };
            // Not while our checkpoint thread runs one (SQLite would answer "busy" at once,
            // having copied nothing).
            let _thread_idle = self.checkpointer.as_ref().map(|c| c.hold());
            // A checkpoint another connection holds up is retried at the next one; a full disk
            // (the database file cannot grow to take the log's pages) is the caller's to report.
            if let Err(e) = conn.query_row(sql, [], |_| Ok(())) {
                if let Error::DiskFull(m) = Error::from(e) {
                    return Err(Error::DiskFull(m));
                }
            }
        }
        Ok(())
    }
}
