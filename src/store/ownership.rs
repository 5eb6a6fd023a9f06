//! Whose database a file is, decided before anything is written to it.
//!
//! Every database this package creates carries [`APPLICATION_ID`] in its header (`PRAGMA
//! application_id`, bytes 68–71). A file is inspected by reading its header bytes and, only when
//! the mark is absent, its table names through a read-only connection; nothing here writes, so a
//! database of another application (SkillMeat's own `cache.db`, say) is never changed by looking.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rusqlite::{Connection, OpenFlags};

/// This package's mark in the SQLite header: the ASCII bytes `SMCa`.
pub const APPLICATION_ID: i32 = 0x534D_4361;

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What a database file turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// No file, an empty file, or a SQLite database without a single table: ours to create.
    Absent,
    /// A database carrying our mark.
    Ours,
    /// A database made by an earlier version of this package (no mark yet, only our tables).
    Legacy,
    /// Not ours: never write, migrate, move or rename it. The text says what was found.
    Foreign(String),
    /// Not a SQLite database at all (bad header), or one SQLite cannot read. The text says why.
    Unreadable(String),
}

/// The tables our migrations create (computed once from the migrations themselves).
fn our_tables() -> &'static BTreeSet<String> {
    static TABLES: OnceLock<BTreeSet<String>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut set = BTreeSet::new();
        if let Ok(mut conn) = Connection::open_in_memory() {
            if super::schema::migrate(&mut conn).is_ok() {
                set = table_names(&conn).unwrap_or_default();
            }
        }
        set
    })
}

fn table_names(conn: &Connection) -> rusqlite::Result<BTreeSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// Inspects `path` without writing to it.
pub fn inspect(path: &Path) -> std::io::Result<Ownership> {
    // Through a link, the database is its target, and so are the `-wal` and `-journal` beside
    // it that SQLite opens.
    let resolved = std::fs::canonicalize(path).ok();
    let path = resolved.as_deref().unwrap_or(path);
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ownership::Absent),
        Err(e) => return Err(e),
    };
    let mut header = [0u8; 100];
    let mut n = 0;
    while n < header.len() {
        match file.read(&mut header[n..])? {
            0 => break,
            k => n += k,
        }
    }
    if n == 0 {
        return Ok(Ownership::Absent);
    }
    if n < header.len() || &header[..16] != SQLITE_HEADER {
        return Ok(Ownership::Unreadable(
            "the file is not a SQLite database (bad header)".into(),
        ));
    }
    let app_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if app_id == APPLICATION_ID {
        return Ok(Ownership::Ours);
    }
    if app_id != 0 {
        return Ok(Ownership::Foreign(format!(
            "a SQLite database of another application (application_id {app_id:#010x})"
        )));
    }
    // No mark: look at the tables. The file is opened `immutable` (SQLite then takes no lock
    // and creates no `-wal`/`-shm` beside it, which a plain read-only open of a WAL database
    // would), so looking never leaves a trace or waits on the program that uses it.
    let conn = match Connection::open_with_flags(
        file_uri(path, "immutable=1"),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(c) => c,
        Err(e) => return Ok(Ownership::Unreadable(e.to_string())),
    };
    let tables = match table_names(&conn) {
        Ok(t) => t,
        Err(e) => return Ok(Ownership::Unreadable(e.to_string())),
    };
    drop(conn);
    if tables.is_empty() {
        // An immutable read does not see changes still in a write-ahead log or a hot journal:
        // with one beside it, a file that looks empty is another program's work in progress.
        let wal = std::fs::metadata(with_suffix(path, "-wal")).is_ok_and(|m| m.len() > 0);
        if wal || with_suffix(path, "-journal").exists() {
            return Ok(Ownership::Foreign(
                "a SQLite database another program is writing (changes are in the -wal or -journal file beside it)"
                    .into(),
            ));
        }
        return Ok(Ownership::Absent);
    }
    let ours = our_tables();
    let theirs: Vec<&str> = tables
        .iter()
        .filter(|t| !ours.contains(*t))
        .map(String::as_str)
        .collect();
    if theirs.is_empty() && tables.contains("registrations") {
        return Ok(Ownership::Legacy);
    }
    let mut listed: Vec<&str> = tables.iter().map(String::as_str).collect();
    let more = listed.len().saturating_sub(8);
    listed.truncate(8);
    Ok(Ownership::Foreign(format!(
        "a SQLite database of another application (tables {}{})",
        listed.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )))
}

/// A SQLite `file:` URI for `path` with query `query`: every byte that is not unreserved, nor
/// `/`, is percent-encoded (so `?`, `#` and `%` in folder names stay part of the path).
fn file_uri(path: &Path, query: &str) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    let mut out = String::from(if cfg!(unix) { "file:" } else { "file:///" });
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push('?');
    out.push_str(query);
    out
}

/// The search index folder of the database at `db` (`<db>.search`).
pub fn index_dir(db: &Path) -> PathBuf {
    with_suffix(db, ".search")
}

/// Where this release keeps its cache when the database at `db` was migrated by a newer release:
/// a file of its own for its schema `version`, beside it (`cache.db` → `cache.db.schema-v9`,
/// with its own `-wal` and search index). The newer database is never written.
pub fn own_schema_path(db: &Path, version: u32) -> PathBuf {
    with_suffix(db, &format!(".schema-v{version}"))
}

/// `path` with `suffix` appended to its file name (`cache.db` → `cache.db-wal`), bytes kept as they are.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Adopts a cache of ours left at `old` (the default of earlier versions) by renaming it, its
/// `-wal`/`-shm` and its search index to `new`. Does nothing when `new` exists, `old` does not,
/// or `old` is not ours. Returns whether it moved anything.
pub fn adopt(old: &Path, new: &Path) -> bool {
    if new.exists() || !old.is_file() {
        return false;
    }
    if !matches!(inspect(old), Ok(Ownership::Ours) | Ok(Ownership::Legacy)) {
        return false;
    }
    // Side files first: a crash in between leaves the main file where it was, still complete
    // after SQLite replays whatever WAL it finds beside it.
    for suffix in ["-wal", "-shm"] {
        let side = with_suffix(old, suffix);
        if side.exists() && std::fs::rename(&side, with_suffix(new, suffix)).is_err() {
            return false;
        }
    }
    if std::fs::rename(old, new).is_err() {
        // Put the side files back so the old cache stays usable as it was.
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::rename(with_suffix(new, suffix), with_suffix(old, suffix));
        }
        return false;
    }
    let old_index = index_dir(old);
    if old_index.is_dir() {
        let _ = std::fs::rename(&old_index, index_dir(new));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foreign_db(path: &Path) {
        let c = Connection::open(path).unwrap();
        c.execute_batch(
            "CREATE TABLE users(id INTEGER PRIMARY KEY);
             CREATE TABLE projects(id TEXT PRIMARY KEY);
             CREATE TABLE artifacts(id TEXT PRIMARY KEY);
             CREATE TABLE cache_metadata(key TEXT PRIMARY KEY, value TEXT);",
        )
        .unwrap();
    }

    #[test]
    fn looking_at_a_wal_database_of_another_program_leaves_no_side_files() {
        let dir = tempfile::tempdir().unwrap();
        // A folder name a URI would misread.
        let sub = dir.path().join("odd ?#% name");
        std::fs::create_dir(&sub).unwrap();
        let p = sub.join("cache.db");
        {
            let c = Connection::open(&p).unwrap();
            c.pragma_update(None, "journal_mode", "WAL").unwrap();
            c.execute_batch("CREATE TABLE users(id INTEGER PRIMARY KEY);")
                .unwrap();
        }
        assert!(!with_suffix(&p, "-wal").exists() && !with_suffix(&p, "-shm").exists());
        let before = std::fs::read(&p).unwrap();
        assert!(matches!(inspect(&p).unwrap(), Ownership::Foreign(_)));
        assert!(!with_suffix(&p, "-wal").exists(), "no -wal created");
        assert!(!with_suffix(&p, "-shm").exists(), "no -shm created");
        assert_eq!(std::fs::read(&p).unwrap(), before);

        // Another program is creating its tables (they are still in its write-ahead log): the
        // file looks empty to an immutable read, and is still not ours to take.
        let q = sub.join("busy.db");
        let c = Connection::open(&q).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        c.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        c.execute_batch("CREATE TABLE workflows(id INTEGER PRIMARY KEY);")
            .unwrap();
        assert!(std::fs::metadata(with_suffix(&q, "-wal")).unwrap().len() > 0);
        assert!(matches!(inspect(&q).unwrap(), Ownership::Foreign(_)));
        // Named through a link elsewhere: the log beside the target still counts.
        #[cfg(unix)]
        {
            let link = dir.path().join("link.db");
            std::os::unix::fs::symlink(&q, &link).unwrap();
            assert!(matches!(inspect(&link).unwrap(), Ownership::Foreign(_)));
        }
        drop(c);
    }

    #[test]
    fn our_tables_come_from_the_migrations() {
        let t = our_tables();
        assert!(t.contains("registrations") && t.contains("projects"));
    }

    #[test]
    fn kinds_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        assert_eq!(inspect(&p).unwrap(), Ownership::Absent);
        std::fs::write(&p, b"").unwrap();
        assert_eq!(inspect(&p).unwrap(), Ownership::Absent);
        std::fs::write(&p, b"hello, not sqlite").unwrap();
        assert!(matches!(inspect(&p).unwrap(), Ownership::Unreadable(_)));
        std::fs::remove_file(&p).unwrap();
        foreign_db(&p);
        let before = std::fs::read(&p).unwrap();
        match inspect(&p).unwrap() {
            Ownership::Foreign(m) => assert!(m.contains("users"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            std::fs::read(&p).unwrap(),
            before,
            "inspection wrote nothing"
        );

        let other = dir.path().join("other.db");
        let c = Connection::open(&other).unwrap();
        c.pragma_update(None, "application_id", 42).unwrap();
        c.execute_batch("CREATE TABLE registrations(path TEXT)")
            .unwrap();
        drop(c);
        assert!(
            matches!(inspect(&other).unwrap(), Ownership::Foreign(m) if m.contains("0x0000002a"))
        );

        let legacy = dir.path().join("legacy.db");
        let mut c = Connection::open(&legacy).unwrap();
        super::super::schema::migrate(&mut c).unwrap();
        c.pragma_update(None, "application_id", 0).unwrap();
        drop(c);
        assert_eq!(inspect(&legacy).unwrap(), Ownership::Legacy);
    }

    #[test]
    fn adopt_moves_ours_and_leaves_foreign_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("cache.db");
        let new = dir.path().join("skillmeat-cache.db");
        foreign_db(&old);
        assert!(!adopt(&old, &new));
        assert!(old.exists() && !new.exists());
        std::fs::remove_file(&old).unwrap();

        let mut c = Connection::open(&old).unwrap();
        super::super::schema::migrate(&mut c).unwrap();
        drop(c);
        std::fs::create_dir(index_dir(&old)).unwrap();
        assert!(adopt(&old, &new));
        assert!(!old.exists() && new.exists() && index_dir(&new).is_dir());
    }
}
