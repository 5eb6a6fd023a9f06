//! The search index kept in step with the database by the cache: every write path, crash repair
//! from the queue, and rebuilds when the index is missing, corrupt or from another database.

mod common;
use common::write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use skillmeat_cache::search::{DocKind, SearchQuery};
use skillmeat_cache::{Cache, Options, RefreshOptions};

fn project(root: &Path, name: &str, commands: &[&str]) -> PathBuf {
    let d = root.join(name);
    write(
        &d.join(".claude/skills/pdf-tools/SKILL.md"),
        "---\nname: pdf-tools\ndescription: extract text from PDF files\ntags: [docs]\n---\n",
    );
    for c in commands {
        write(
            &d.join(format!(".claude/commands/{c}.md")),
            &format!("---\ndescription: the {c} command\n---\n"),
        );
    }
    d
}

use common::open_home as open;

fn names(c: &Cache, text: &str) -> Vec<String> {
    let mut q = SearchQuery::text(text);
    q.limit = 100;
    let mut out: Vec<String> = c
        .search(&q)
        .unwrap()
        .items
        .into_iter()
        .map(|i| match i {
            skillmeat_cache::model::SearchItem::Artifact(a, _) => {
                format!("{}/{}", a.project_name, a.name)
            }
            skillmeat_cache::model::SearchItem::Entry(e, _) => format!("entry/{}", e.name),
        })
        .collect();
    out.sort();
    out
}

fn db(home: &Path) -> PathBuf {
    home.join("cache/skillmeat-cache.db")
}

#[test]
fn every_write_path_reaches_the_index() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let a = project(root.path(), "alpha", &["deploy", "release-notes"]);
    let b = project(root.path(), "beta", &["deploy"]);
    let c = open(home.path());
    let pa = c.register_project(a.to_str().unwrap()).unwrap();
    let pb = c.register_project(b.to_str().unwrap()).unwrap();
    assert_eq!(names(&c, "deploy"), ["alpha/deploy", "beta/deploy"]);
    assert_eq!(names(&c, "pdf"), ["alpha/pdf-tools", "beta/pdf-tools"]);

    // A re-scan that removes a file removes the document; one that adds a file adds it.
    std::fs::remove_file(a.join(".claude/commands/deploy.md")).unwrap();
    write(
        &a.join(".claude/commands/rollback.md"),
        "---\ndescription: undo a deploy\n---\n",
    );
    c.refresh_blocking(
        &RefreshOptions {
            project_id: Some(pa.id.clone()),
            force: false,
        },
        skillmeat_cache::cache::RefreshTrigger::Manual,
    )
    .unwrap();
    assert_eq!(names(&c, "deploy"), ["alpha/rollback", "beta/deploy"]);

    assert!(c.unregister_project(&pb.id).unwrap());
    assert_eq!(names(&c, "deploy"), ["alpha/rollback"]);

    c.clear().unwrap();
    assert!(names(&c, "deploy").is_empty());
    assert_eq!(c.status().unwrap().search.docs, 0);

    // Registered folders come back with the next refresh, and so do their documents.
    c.refresh_blocking(
        &RefreshOptions::default(),
        skillmeat_cache::cache::RefreshTrigger::Manual,
    )
    .unwrap();
    assert_eq!(names(&c, "deploy"), ["alpha/rollback"]);
    let st = c.status().unwrap().search;
    assert_eq!(st.pending, 0);
    assert_eq!(st.docs, 3);
    assert_eq!(st.write_failures, 0);
    c.close();
}

#[test]
fn changes_committed_without_an_index_write_are_indexed_at_next_open() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let a = project(root.path(), "alpha", &["deploy"]);
    let c = open(home.path());
    c.register_project(a.to_str().unwrap()).unwrap();
    c.close();
    // As if a process died between its database commit and its index commit: the database
    // changes, the index does not.
    {
        let conn = rusqlite::Connection::open(db(home.path())).unwrap();
        // Its texts are stored apart: the row takes other ones.
        conn.execute_batch(
            "INSERT INTO artifact_texts(text_key, description, tags_json, tools_json, metadata_json)
                 VALUES (7, 'ship the zeppelin', '[]', '[]', '{}');
             UPDATE artifacts SET text_key = 7 WHERE name = 'deploy';",
        )
        .unwrap();
        conn.execute("DELETE FROM artifacts WHERE name = 'pdf-tools'", [])
            .unwrap();
        let queued: i64 = conn
            .query_row("SELECT COUNT(*) FROM search_pending", [], |r| r.get(0))
            .unwrap();
        assert_eq!(queued, 1);
    }
    let c = open(home.path());
    assert_eq!(names(&c, "zeppelin"), ["alpha/deploy"]);
    assert!(names(&c, "pdf").is_empty());
    let st = c.status().unwrap().search;
    assert_eq!((st.pending, st.docs), (0, 1));
    // No rebuild was needed: the queue carried the change.
    assert_eq!(st.last_rebuild_reason, None);
    c.close();
}

#[test]
fn a_deleted_corrupt_or_foreign_index_is_rebuilt_with_identical_results() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let c = open(home.path());
    for (n, cmds) in [
        ("alpha", &["deploy", "lint"][..]),
        ("beta", &["deploy"][..]),
    ] {
        c.register_project(project(root.path(), n, cmds).to_str().unwrap())
            .unwrap();
    }
    let queries = ["deploy", "pdf", "lnt", "extract text", "", "docs"];
    let before: Vec<_> = queries.iter().map(|q| names(&c, q)).collect();
    c.close();
    let dir = PathBuf::from(format!("{}.search", db(home.path()).display()));

    // Deleted.
    std::fs::remove_dir_all(&dir).unwrap();
    let c = open(home.path());
    let after: Vec<_> = queries.iter().map(|q| names(&c, q)).collect();
    assert_eq!(before, after);
    assert!(c.status().unwrap().search.last_rebuild_reason.is_some());
    c.close();

    // Corrupt: garbage in meta.json.
    std::fs::write(dir.join("meta.json"), b"{ not json").unwrap();
    let c = open(home.path());
    let after: Vec<_> = queries.iter().map(|q| names(&c, q)).collect();
    assert_eq!(before, after);
    c.close();

    // An index that holds fewer documents than the database (e.g. a failed write whose queue
    // row was lost): the count check at open rebuilds it.
    {
        let conn = rusqlite::Connection::open(db(home.path())).unwrap();
        conn.execute_batch(
            "INSERT INTO search_pending(scope) VALUES ('p:nonexistent');
             DROP TRIGGER search_artifact_insert;
             INSERT INTO artifacts(id, project_id, type, name, path, fingerprint, scanned_at, updated_at)
                 SELECT 'x1', id, 'command', 'quasar', '/q', 'f', 0, 0 FROM projects LIMIT 1;",
        )
        .unwrap();
    }
    let c = open(home.path());
    assert_eq!(names(&c, "quasar").len(), 1);
    c.close();

    // The database moved aside and recreated: the index from the old file is not trusted.
    std::fs::remove_file(db(home.path())).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", db(home.path()).display()));
    let _ = std::fs::remove_file(format!("{}-shm", db(home.path()).display()));
    let c = open(home.path());
    assert!(names(&c, "deploy").is_empty());
    assert_eq!(c.status().unwrap().search.docs, 0);
    c.close();
}

#[test]
fn kinds_filters_and_memory_mode() {
    let root = tempfile::tempdir().unwrap();
    let env: BTreeMap<String, String> = BTreeMap::new();
    let c = Cache::open_with_env(
        Options {
            path: Some(":memory:".into()),
            home: Some(root.path().join("home")),
            ..Default::default()
        },
        &env,
    )
    .unwrap();
    let a = project(root.path(), "alpha", &["deploy"]);
    let p = c.register_project(a.to_str().unwrap()).unwrap();
    let mut q = SearchQuery::text("pdf");
    q.kind = Some(DocKind::Artifact);
    q.project_id = Some(p.id.clone());
    let r = c.search(&q).unwrap();
    assert_eq!(r.total, 1);
    q.project_id = Some("other".into());
    assert_eq!(c.search(&q).unwrap().total, 0);
    let st = c.status().unwrap().search;
    assert_eq!((st.mode.as_str(), st.docs), ("memory", 2));
    c.close();
    assert_eq!(
        c.search(&SearchQuery::text("pdf")).unwrap_err().code(),
        "CACHE_CLOSED"
    );
}

#[test]
fn another_cache_on_the_same_database_sees_writes_at_once() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let a = open(home.path());
    let b = open(home.path());
    assert!(names(&b, "deploy").is_empty());
    a.register_project(project(root.path(), "alpha", &["deploy"]).to_str().unwrap())
        .unwrap();
    // No waiting for tantivy's reload poll: the commit counter in the database tells.
    assert_eq!(names(&b, "deploy"), ["alpha/deploy"]);
    let beta = project(root.path(), "beta", &["deploy"]);
    b.register_project(beta.to_str().unwrap()).unwrap();
    assert_eq!(names(&a, "deploy"), ["alpha/deploy", "beta/deploy"]);
    a.close();
    b.close();
}

#[test]
fn registrations_share_one_deferred_index_write_and_close_writes_it() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let c = open(home.path());
    let db = c.status().unwrap().db_path;
    let queued = || -> i64 {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("SELECT COUNT(*) FROM search_pending", [], |r| r.get(0))
            .unwrap()
    };
    for name in ["alpha", "beta", "gamma"] {
        c.register_project(project(root.path(), name, &["deploy"]).to_str().unwrap())
            .unwrap();
    }
    // Registrations leave their change queued for one write after a pause (here, unless this
    // machine took longer than the pause between two of them).
    assert!(queued() <= 3);
    c.close();
    assert_eq!(queued(), 0, "close() writes the deferred index write");
    let again = open(home.path());
    assert_eq!(
        names(&again, "deploy"),
        ["alpha/deploy", "beta/deploy", "gamma/deploy"]
    );
    again.close();
}

#[test]
fn two_index_writes_at_once_write_each_document_once() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let c = open(home.path());
    // The index is open (a first open of a missing index rebuilds it, writing no queue).
    assert!(names(&c, "pdf").is_empty());
    // Many projects, so that taking the written ones off the queue takes a while.
    let commands: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    let paths: Vec<String> = (0..1000)
        .map(|i| {
            let p = project(root.path(), &format!("p{i}"), &commands);
            p.to_string_lossy().into_owned()
        })
        .collect();
    c.register_projects(&paths).unwrap();
    let artifacts = c.status().unwrap().artifacts;
    assert_eq!(artifacts, 1000 * 11);
    // Every project queued again, as another process's writes would leave them.
    let conn = rusqlite::Connection::open(c.status().unwrap().db_path).unwrap();
    conn.execute("UPDATE artifacts SET updated_at = updated_at + 1", [])
        .unwrap();
    let queued: i64 = conn
        .query_row("SELECT COUNT(*) FROM search_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(queued, 1000);
    // Two writers of the queued documents at once (a deferred write and a refresh's, say): the
    // second finds the first's documents written and taken off the queue, not still queued.
    let written: Vec<u64> = std::thread::scope(|s| {
        let a = s.spawn(|| c.sync_search().unwrap());
        let b = s.spawn(|| c.sync_search().unwrap());
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(
        written.iter().sum::<u64>(),
        artifacts as u64,
        "documents written by the two: {written:?}"
    );
    assert_eq!(names(&c, "c7").len(), 100, "the default page of a search");
    c.close();
}
