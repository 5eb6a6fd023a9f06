//! The index folder: health check at open, wipe and re-create, the cross-process write lock
//! with back-off, and the mapping of tantivy errors onto the crate's [`Error`].

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tantivy::directory::error::LockError;
use tantivy::directory::{DirectoryLock, Lock, MmapDirectory};
use tantivy::schema::Schema;
use tantivy::{Directory, Index, IndexSettings, IndexWriter, ReloadPolicy, TantivyError};

use super::schema::{Payload, SCHEMA_VERSION, configure, same_schema};
use crate::error::{Error, Result};

/// Our own lock, taken around every write batch, wipe and re-create. tantivy's writer lock
/// (`.tantivy-writer.lock`) alone is not enough: each write opens a fresh `Index` so that its
/// list of managed files (`.managed.json`) is read *after* the lock is held, never a stale copy
/// that would make the next garbage collection forget another process's files.
const WRITE_LOCK: &str = ".skillmeat-search.lock";

/// First wait after a busy lock; doubled on every retry up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(5);
const MAX_BACKOFF: Duration = Duration::from_millis(250);

/// Maps a tantivy failure onto the crate's error, naming what was attempted.
pub(crate) fn tantivy_err(context: &str, e: TantivyError) -> Error {
    match &e {
        TantivyError::IoError(io) => io_err(context, io),
        TantivyError::LockFailure(LockError::IoError(io), _) => io_err(context, io),
        _ => Error::Internal(format!("search index: {context}: {e}")),
    }
}

/// Maps an I/O failure; a full disk keeps its own code.
pub(crate) fn io_err(context: &str, e: &io::Error) -> Error {
    if e.kind() == io::ErrorKind::StorageFull {
        return Error::DiskFull(format!("search index: {context}: {e}"));
    }
    Error::io(
        format!("search index: {context}"),
        io::Error::new(e.kind(), e.to_string()),
    )
}

/// Retries `attempt` while it reports a busy lock, sleeping with exponential back-off (plus a
/// little jitter so two waiting processes do not retry in lock-step) for at most `timeout`.
/// Every wait is counted in `waits`. After the timeout the result is [`Error::Busy`].
pub(crate) fn retry_busy<T>(
    timeout: Duration,
    waits: &AtomicU64,
    what: &str,
    mut attempt: impl FnMut() -> std::result::Result<T, Busy>,
) -> Result<T> {
    let start = Instant::now();
    let mut delay = FIRST_BACKOFF;
    let mut salt = u64::from(std::process::id());
    loop {
        match attempt() {
            Ok(v) => return Ok(v),
            Err(Busy::Other(e)) => return Err(e),
            Err(Busy::Busy) => {
                let elapsed = start.elapsed();
                if elapsed >= timeout {
                    // The code is the database's busy code (CACHE_BUSY); the message names the
                    // search index so the two can be told apart.
                    return Err(Error::Shared {
                        code: "CACHE_BUSY",
                        message: format!(
                            "the search index {what} stayed locked by another writer for {} ms; try again",
                            elapsed.as_millis()
                        ),
                    });
                }
                waits.fetch_add(1, Ordering::Relaxed);
                salt = salt
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(elapsed.subsec_nanos() as u64 | 1);
                let jitter =
                    Duration::from_micros((salt >> 33) % (delay.as_micros() as u64 / 2 + 1));
                std::thread::sleep((delay + jitter).min(timeout.saturating_sub(elapsed)));
                delay = (delay * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// An attempt's failure: a busy lock (retry) or anything else (give up).
pub(crate) enum Busy {
    /// Another writer holds the lock.
    Busy,
    /// A real failure.
    Other(Error),
}

/// Takes our write lock on the folder (retrying while another process or another
/// `SearchIndex` holds it).
pub(crate) fn lock_dir(
    dir: &MmapDirectory,
    timeout: Duration,
    waits: &AtomicU64,
) -> Result<DirectoryLock> {
    retry_busy(timeout, waits, "folder", || {
        let lock = Lock {
            filepath: PathBuf::from(WRITE_LOCK),
            is_blocking: false,
        };
        match dir.acquire_lock(&lock) {
            Ok(l) => Ok(l),
            Err(LockError::LockBusy) => Err(Busy::Busy),
            Err(LockError::IoError(e)) => Err(Busy::Other(io_err("locking the index folder", &e))),
        }
    })
}

/// Opens an `IndexWriter` (tantivy's own lock), retrying while it is busy.
pub(crate) fn writer(
    index: &Index,
    threads: usize,
    budget_per_thread: usize,
    timeout: Duration,
    waits: &AtomicU64,
) -> Result<IndexWriter> {
    retry_busy(timeout, waits, "writer", || {
        let opts = tantivy::indexer::IndexWriterOptions::builder()
            .num_worker_threads(threads)
            .memory_budget_per_thread(budget_per_thread)
            .build();
        match index.writer_with_options(opts) {
            Ok(w) => Ok(w),
            Err(TantivyError::LockFailure(LockError::LockBusy, _)) => Err(Busy::Busy),
            Err(e) => Err(Busy::Other(tantivy_err("opening a writer", e))),
        }
    })
}

/// Opens the directory of `dir`.
pub(crate) fn mmap(dir: &Path) -> Result<MmapDirectory> {
    MmapDirectory::open(dir).map_err(|e| {
        Error::io(
            format!("search index: opening {}", dir.display()),
            io::Error::other(e.to_string()),
        )
    })
}

/// The schema version recorded in `dir`'s `meta.json`, read without opening the index (so
/// nothing in the folder is written).
pub(crate) fn recorded_schema(dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(dir.join("meta.json")).ok()?;
    let meta: serde_json::Value = serde_json::from_str(&text).ok()?;
    Payload::parse(meta.get("payload")?.as_str()).map(|p| p.schema)
}

/// Reads the payload of the last commit.
pub(crate) fn payload(index: &Index) -> Result<Payload> {
    let metas = index
        .load_metas()
        .map_err(|e| tantivy_err("reading meta.json", e))?;
    Payload::parse(metas.payload.as_deref())
        .ok_or_else(|| Error::Internal("search index: meta.json holds no schema version".into()))
}

/// Opens the index in `dir` and checks it thoroughly; `Err` says what is wrong with it.
pub(crate) fn check(dir: &Path, schema: &Schema) -> std::result::Result<Index, String> {
    // tantivy can panic on some damaged files (e.g. a segment truncated below its footer):
    // that is damage like any other.
    crate::panic::quietly(|| check_files(dir, schema))
        .unwrap_or_else(|_| Err("damaged index files (reading them failed)".into()))
}

fn check_files(dir: &Path, schema: &Schema) -> std::result::Result<Index, String> {
    if !dir.join("meta.json").is_file() {
        return Err("index missing".into());
    }
    let directory = MmapDirectory::open(dir).map_err(|e| format!("cannot open folder: {e}"))?;
    let index = Index::open(directory).map_err(|e| format!("unreadable meta.json: {e}"))?;
    if !same_schema(&index.schema(), schema) {
        return Err("schema differs from this version's".into());
    }
    let metas = index
        .load_metas()
        .map_err(|e| format!("unreadable meta.json: {e}"))?;
    match Payload::parse(metas.payload.as_deref()) {
        None => return Err("no schema version recorded".into()),
        Some(p) if p.schema != SCHEMA_VERSION => {
            return Err(format!(
                "schema version {} (this version writes {SCHEMA_VERSION})",
                p.schema
            ));
        }
        Some(_) => {}
    }
    configure(&index);
    let damaged = index
        .validate_checksum()
        .map_err(|e| format!("unreadable segment files: {e}"))?;
    if !damaged.is_empty() {
        let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
        names.sort();
        return Err(format!("damaged files: {}", names.join(", ")));
    }
    // Opening a reader opens every segment: a missing or truncated file shows here.
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e: TantivyError| format!("cannot open segments: {e}"))?;
    drop(reader);
    Ok(index)
}

/// Whether a file name is one tantivy writes (so a wipe never touches anything else that
/// happens to be in the folder).
fn is_index_file(name: &str) -> bool {
    if name == "meta.json" || name == ".managed.json" || name.starts_with(".tmp") {
        return true;
    }
    // Segment files: `<32 hex digits>.<ext>` and `<32 hex>.<opstamp>.del`.
    let b = name.as_bytes();
    b.len() > 33 && b[32] == b'.' && b[..32].iter().all(u8::is_ascii_hexdigit)
}

/// Deletes the index files in `dir` (not the lock files, not foreign files).
pub(crate) fn wipe(dir: &Path) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| io_err(&format!("listing {}", dir.display()), &e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_index_file(name) {
            continue;
        }
        let path = entry.path();
        let res = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match res {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&format!("removing {}", path.display()), &e)),
        }
    }
    Ok(())
}

/// Creates an empty index in `dir` (which holds no index files) and commits the first payload.
pub(crate) fn create(
    dir: &Path,
    schema: Schema,
    timeout: Duration,
    waits: &AtomicU64,
) -> Result<Index> {
    let index = Index::create(mmap(dir)?, schema, IndexSettings::default())
        .map_err(|e| tantivy_err("creating the index", e))?;
    configure(&index);
    first_commit(&index, timeout, waits)?;
    Ok(index)
}

/// Commits nothing but the payload of a new, empty index.
pub(crate) fn first_commit(index: &Index, timeout: Duration, waits: &AtomicU64) -> Result<()> {
    let mut w = writer(index, 1, super::WRITE_BUDGET, timeout, waits)?;
    let payload = Payload {
        schema: SCHEMA_VERSION,
        ..Payload::default()
    };
    let mut prepared = w
        .prepare_commit()
        .map_err(|e| tantivy_err("committing", e))?;
    prepared.set_payload(&payload.to_json());
    prepared
        .commit()
        .map_err(|e| tantivy_err("committing", e))?;
    w.wait_merging_threads()
        .map_err(|e| tantivy_err("finishing merges", e))?;
    Ok(())
}

/// Bytes of the files directly in `dir`.
pub(crate) fn size_on_disk(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::is_index_file;

    #[test]
    fn only_index_files_are_wiped() {
        assert!(is_index_file("meta.json"));
        assert!(is_index_file(".managed.json"));
        assert!(is_index_file("0123456789abcdef0123456789abcdef.idx"));
        assert!(is_index_file("0123456789abcdef0123456789abcdef.12.del"));
        assert!(!is_index_file(".skillmeat-search.lock"));
        assert!(!is_index_file(".tantivy-writer.lock"));
        assert!(!is_index_file("config.toml"));
        assert!(!is_index_file("0123456789abcdef0123456789abcdeg.idx"));
    }
}
