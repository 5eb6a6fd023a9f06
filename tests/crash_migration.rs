//! A process SIGKILLed while it migrates a database leaves it at its old version, whole: the
//! next open migrates it and finds what was there. The child is this test binary itself, run
//! with `SMC_MIGRATION_CHILD` set.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use skillmeat_cache::store::ownership::APPLICATION_ID;
use skillmeat_cache::store::schema::{SCHEMA_VERSION, migrate_to};
use skillmeat_cache::store::{Store, Tuning};

const TUNING: Tuning = Tuning {
    busy_timeout_ms: 5000,
    max_size_mb: 0,
};

/// The child: says it is about to open, then opens (migrating) and waits to be killed.
#[test]
fn migration_child() {
    let Some(path) = std::env::var_os("SMC_MIGRATION_CHILD") else {
        return;
    };
    // On its own line or after libtest's "test migration_child ... ".
    println!("<ready>");
    let _store = Store::open_file(Path::new(&path), TUNING);
    println!("migrated");
    std::thread::sleep(Duration::from_secs(60));
}

fn version_of(path: &Path) -> (u32, String) {
    let c = rusqlite::Connection::open(path).unwrap();
    let v: u32 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    (v, ok)
}

#[test]
fn sigkill_during_a_migration_leaves_the_old_version_whole() {
    if std::env::var_os("SMC_MIGRATION_CHILD").is_some() {
        return;
    }
    let from = SCHEMA_VERSION.saturating_sub(4);
    let runs = 40;
    let (mut old, mut new) = (0, 0);
    for i in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("cache.db");
        {
            // A database of an earlier version holding a registration, as that build left it.
            let mut c = rusqlite::Connection::open(&db).unwrap();
            c.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            migrate_to(&mut c, from).unwrap();
            c.execute(
                "INSERT INTO registrations(path, registered_at) VALUES ('/somewhere/project', 1)",
                [],
            )
            .unwrap();
        }
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "migration_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SMC_MIGRATION_CHILD", &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("<ready>") {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                break;
            }
        }
        // Kill somewhere in the first few milliseconds of the open: before, inside or after
        // the migration's transaction.
        std::thread::sleep(Duration::from_micros((i * 150) as u64));
        child.kill().unwrap();
        child.wait().unwrap();

        let (v, ok) = version_of(&db);
        assert_eq!(ok, "ok", "run {i}: integrity_check after the kill");
        assert!(
            v == from || v == SCHEMA_VERSION,
            "run {i}: left at version {v}"
        );
        if v == from {
            old += 1;
        } else {
            new += 1;
        }
        let store = Store::open_file(&db, TUNING).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION, "run {i}");
        assert_eq!(
            store.registrations().unwrap(),
            vec!["/somewhere/project"],
            "run {i}"
        );
        store.close();
    }
    println!("{runs} kills: {old} left the old version, {new} after the migration committed");
    assert_eq!(old + new, runs);
}
