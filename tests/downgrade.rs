//! Rolling back to an older release never damages a cache a newer release migrated: the newer
//! database and search index are not written (byte for byte), the older release works from files
//! of its own beside them, and upgrading again finds the newer ones as they were.

mod common;
use common::write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use skillmeat_cache::search::SearchQuery;
use skillmeat_cache::store::SCHEMA_VERSION;
use skillmeat_cache::store::ownership::own_schema_path;
use skillmeat_cache::{Cache, RefreshOptions};

fn project(root: &Path) -> PathBuf {
    let d = root.join("alpha");
    write(
        &d.join(".claude/skills/pdf-tools/SKILL.md"),
        "---\nname: pdf-tools\ndescription: extract text from PDF files\n---\n",
    );
    write(
        &d.join(".claude/commands/deploy.md"),
        "---\ndescription: ship it\n---\n",
    );
    d
}

use common::open_home as open;

fn db(home: &Path) -> PathBuf {
    home.join("cache/skillmeat-cache.db")
}

/// Every file under `dir` (or `dir` itself) with the SHA-256 of its bytes.
fn snapshot(path: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let files: Vec<PathBuf> = if path.is_dir() {
        walkdir::WalkDir::new(path)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            // tantivy's lock files are created empty by any reader; they hold no data.
            .filter(|e| !e.file_name().to_string_lossy().starts_with(".tantivy-"))
            .map(|e| e.into_path())
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        out.insert(f.display().to_string(), hex::encode(Sha256::digest(&bytes)));
    }
    out
}

fn warning_codes(c: &Cache) -> Vec<String> {
    c.status()
        .unwrap()
        .warnings
        .into_iter()
        .map(|w| w.code)
        .collect()
}

/// What a newer release's migration would do: one more schema version and a table of its own.
fn migrate_as_a_newer_release(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("CREATE TABLE from_the_future(x INTEGER);")
        .unwrap();
    c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    // Its last connection closes: the WAL is checkpointed into the main file.
    c.pragma_update(None, "journal_mode", "DELETE").unwrap();
}

#[test]
fn a_database_from_a_newer_release_is_never_written_and_survives_the_downgrade() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let a = project(root.path());
    let c = open(home.path());
    c.register_project(a.to_str().unwrap()).unwrap();
    c.close();
    let path = db(home.path());
    migrate_as_a_newer_release(&path);
    let before = snapshot(&path);

    // The older release opens: it works, from a file of its own, with the projects registered.
    let c = open(home.path());
    let st = c.status().unwrap();
    let own = own_schema_path(&path, SCHEMA_VERSION);
    assert_eq!(st.db_path, own.display().to_string());
    assert_eq!(st.schema_version, SCHEMA_VERSION);
    assert!(warning_codes(&c).contains(&"CACHE_SCHEMA_NEWER".to_string()));
    let w = st
        .warnings
        .iter()
        .find(|w| w.code == "CACHE_SCHEMA_NEWER")
        .unwrap();
    assert!(
        w.message
            .contains(&format!("schema v{}", SCHEMA_VERSION + 1))
    );
    c.refresh_blocking(
        &RefreshOptions::default(),
        skillmeat_cache::cache::RefreshTrigger::Manual,
    )
    .unwrap();
    let projects = c.list_projects(&Default::default()).unwrap();
    assert_eq!(projects.items.len(), 1, "registrations are carried over");
    c.close();

    // Nothing of the newer database changed, no journal of ours beside it.
    assert_eq!(snapshot(&path), before);
    assert!(!Path::new(&format!("{}-wal", path.display())).exists());

    // Upgrading again: the newer release finds its database as it left it.
    let newer = rusqlite::Connection::open(&path).unwrap();
    let v: u32 = newer
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION + 1);
    let n: i64 = newer
        .query_row("SELECT count(*) FROM from_the_future", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);

    // And the older release, opened again, reuses its own file (no second copy).
    let c = open(home.path());
    assert_eq!(c.status().unwrap().db_path, own.display().to_string());
    assert_eq!(c.list_projects(&Default::default()).unwrap().items.len(), 1);
    c.close();
}

#[test]
fn a_search_index_from_a_newer_release_is_never_written() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let a = project(root.path());
    let c = open(home.path());
    c.register_project(a.to_str().unwrap()).unwrap();
    assert_eq!(c.search(&SearchQuery::text("pdf")).unwrap().items.len(), 1);
    c.close();

    // A newer release rewrote the index with its own schema version.
    let dir = skillmeat_cache::store::ownership::index_dir(&db(home.path()));
    let meta_path = dir.join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
    let mut payload: serde_json::Value =
        serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
    let newer = payload["schema"].as_u64().unwrap() + 1;
    payload["schema"] = newer.into();
    meta["payload"] = payload.to_string().into();
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    let before = snapshot(&dir);

    let c = open(home.path());
    assert_eq!(c.search(&SearchQuery::text("pdf")).unwrap().items.len(), 1);
    assert!(warning_codes(&c).contains(&"SEARCH_SCHEMA_NEWER".to_string()));
    c.close();
    assert_eq!(snapshot(&dir), before, "the newer index is left as it was");
    let own = PathBuf::from(format!("{}-v{}", dir.display(), newer - 1));
    assert!(own.join("meta.json").is_file(), "this release's own index");
}

#[test]
fn a_database_of_this_release_is_opened_in_place() {
    let home = tempfile::tempdir().unwrap();
    let c = open(home.path());
    c.close();
    let c = open(home.path());
    assert_eq!(
        c.status().unwrap().db_path,
        db(home.path()).display().to_string()
    );
    assert!(
        !warning_codes(&c)
            .iter()
            .any(|w| w.ends_with("SCHEMA_NEWER"))
    );
    c.close();
    assert!(!own_schema_path(&db(home.path()), SCHEMA_VERSION).exists());
}
