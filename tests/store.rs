//! Store and cache behaviour through the public Rust API, on real temp folders and SQLite files.

use std::collections::BTreeMap;
use std::path::Path;

use skillmeat_cache::model::{
    ArtifactQuery, ArtifactSort, Order, OutdatedSort, ProjectQuery, ProjectSort,
};
use skillmeat_cache::{Cache, Options, RefreshOptions};
use strum::VariantArray;

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

fn project(root: &Path, name: &str, commands: usize) -> std::path::PathBuf {
    let d = root.join(name);
    write(
        &d.join(".claude/skills/s1/SKILL.md"),
        "---\nname: s1\ndescription: skill one\n---\n",
    );
    for i in 0..commands {
        write(
            &d.join(format!(".claude/commands/c{i}.md")),
            &format!("---\ndescription: command {i}\n---\n"),
        );
    }
    d
}

fn open(home: &Path, roots: Vec<std::path::PathBuf>) -> Cache {
    let env: BTreeMap<String, String> = BTreeMap::new();
    Cache::open_with_env(
        Options {
            home: Some(home.into()),
            project_roots: Some(roots),
            discovery_depth: Some(1),
            ..Default::default()
        },
        &env,
    )
    .unwrap()
}

#[test]
fn every_filter_and_sort_uses_an_index() {
    let home = tempfile::tempdir().unwrap();
    let cache = open(home.path(), vec![]);
    let store = cache.store();
    let uses_index = |plan: &[String]| {
        plan.iter()
            .any(|l| l.contains("USING INDEX") || l.contains("USING COVERING INDEX"))
            && !plan
                .iter()
                .any(|l| l.starts_with("SCAN artifacts") && !l.contains("INDEX"))
            && !plan
                .iter()
                .any(|l| l.starts_with("SCAN projects") && !l.contains("INDEX"))
            && !plan.iter().any(|l| l.contains("TEMP B-TREE"))
    };
    let mut queries = vec![ArtifactQuery::default()];
    for sort in ArtifactSort::VARIANTS {
        for order in [Order::Asc, Order::Desc] {
            queries.push(ArtifactQuery {
                sort_by: Some(*sort),
                order: Some(order),
                ..Default::default()
            });
        }
    }
    queries.push(ArtifactQuery {
        project_id: Some("p".into()),
        ..Default::default()
    });
    queries.push(ArtifactQuery {
        project_id: Some("p".into()),
        kind: Some("skill".parse().unwrap()),
        ..Default::default()
    });
    queries.push(ArtifactQuery {
        kind: Some("skill".parse().unwrap()),
        ..Default::default()
    });
    queries.push(ArtifactQuery {
        outdated: Some(true),
        ..Default::default()
    });
    queries.push(ArtifactQuery {
        origin: Some("local".into()),
        ..Default::default()
    });
    queries.push(ArtifactQuery {
        status: Some("error".parse().unwrap()),
        ..Default::default()
    });
    for q in &queries {
        let plan = store.explain_artifacts(q).unwrap();
        assert!(uses_index(&plan), "{q:?}: {plan:?}");
    }
    // By project: projects by name, each one's artifacts through the index of its list, or, for
    // the outdated ones only, through theirs.
    for (outdated, index) in [
        (None, "artifacts_project_name"),
        (Some(true), "artifacts_outdated_pid"),
    ] {
        let q = ArtifactQuery {
            sort_by: Some(ArtifactSort::Project),
            outdated,
            kind: Some("skill".parse().unwrap()),
            ..Default::default()
        };
        let plan = store.explain_artifacts(&q).unwrap();
        assert!(
            plan.iter().any(|l| l.contains("projects_name"))
                && plan.iter().any(|l| l.contains(index)),
            "{q:?}: {plan:?}"
        );
    }
    for sort in OutdatedSort::VARIANTS {
        let q = skillmeat_cache::model::OutdatedQuery {
            sort_by: Some(*sort),
            ..Default::default()
        };
        let plan = store.explain_outdated(&q).unwrap();
        assert!(uses_index(&plan), "outdated {sort:?}: {plan:?}");
    }
    for q in [
        skillmeat_cache::model::OutdatedQuery {
            project_id: Some("p".into()),
            ..Default::default()
        },
        skillmeat_cache::model::OutdatedQuery {
            kind: Some("skill".parse().unwrap()),
            ..Default::default()
        },
        skillmeat_cache::model::OutdatedQuery {
            difference: Some("major".parse().unwrap()),
            ..Default::default()
        },
    ] {
        let plan = store.explain_outdated(&q).unwrap();
        assert!(uses_index(&plan), "outdated {q:?}: {plan:?}");
    }
    let mut pq = vec![
        ProjectQuery::default(),
        ProjectQuery {
            status: Some("error".parse().unwrap()),
            ..Default::default()
        },
    ];
    for sort in ProjectSort::VARIANTS {
        pq.push(ProjectQuery {
            sort_by: Some(*sort),
            ..Default::default()
        });
    }
    for q in &pq {
        let plan = store.explain_projects(q).unwrap();
        assert!(uses_index(&plan), "{q:?}: {plan:?}");
    }
}

#[test]
fn same_name_in_two_projects_keeps_both_rows() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    project(root.path(), "a", 2);
    project(root.path(), "b", 2);
    let cache = open(home.path(), vec![root.path().into()]);
    let s = cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    assert_eq!(s.artifacts_added, 6);
    let page = cache.list_artifacts(&ArtifactQuery::default()).unwrap();
    assert_eq!(page.total, 6);
    let s1: Vec<_> = page.items.iter().filter(|a| a.name == "s1").collect();
    assert_eq!(s1.len(), 2);
    assert_ne!(s1[0].project_id, s1[1].project_id);
    assert!(
        s1.iter()
            .all(|a| a.description.as_deref() == Some("skill one"))
    );
}

#[test]
fn status_counts_and_size_include_the_wal() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    project(root.path(), "a", 20);
    let cache = open(home.path(), vec![root.path().into()]);
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let st = cache.status().unwrap();
    assert_eq!(st.projects, 1);
    assert_eq!(st.artifacts, 21);
    let db = home.path().join("cache/skillmeat-cache.db");
    let on_disk = std::fs::metadata(&db).unwrap().len() as i64
        + std::fs::metadata(format!("{}-wal", db.display()))
            .map(|m| m.len() as i64)
            .unwrap_or(0);
    assert_eq!(st.size_bytes, on_disk);
    assert_eq!(st.last_refresh.unwrap().outcome, "ok");
}

#[test]
fn a_project_write_is_all_or_nothing_on_disk_full() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    project(root.path(), "small", 1);
    let env: BTreeMap<String, String> = BTreeMap::new();
    let cache = Cache::open_with_env(
        Options {
            home: Some(home.path().into()),
            project_roots: Some(vec![root.path().into()]),
            discovery_depth: Some(1),
            max_size_mb: Some(1),
            ..Default::default()
        },
        &env,
    )
    .unwrap();
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let big = root.path().join("big");
    let text = "lorem ipsum dolor ".repeat(200);
    for i in 0..800 {
        write(
            &big.join(format!(".claude/commands/c{i}.md")),
            &format!("---\ndescription: {i} {text}\n---\n"),
        );
    }
    let err = cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap_err();
    assert_eq!(err.code(), "CACHE_DISK_FULL", "{err}");
    let page = cache.list_artifacts(&ArtifactQuery::default()).unwrap();
    assert_eq!(
        page.total, 2,
        "the big project's rows were rolled back as a whole"
    );
    assert!(
        cache
            .status()
            .unwrap()
            .warnings
            .iter()
            .any(|w| w.code == "CACHE_DISK_FULL")
    );
}

#[test]
fn every_corpus_artifact_scans() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/projects");
    if !corpus.is_dir() {
        eprintln!("corpus not present at {}; skipping", corpus.display());
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let cache = open(home.path(), vec![corpus.clone()]);
    let s = cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    assert_eq!(s.projects_scanned, 8);
    let page = cache
        .list_artifacts(&ArtifactQuery {
            limit: Some(10_000),
            ..Default::default()
        })
        .unwrap();
    // Every SKILL.md, agent and command file of the corpus is one artifact.
    let mut expected = 0;
    for e in walkdir::WalkDir::new(&corpus).into_iter().flatten() {
        let p = e.path().to_string_lossy().into_owned();
        if e.file_type().is_file()
            && (p.ends_with("/SKILL.md")
                || (p.ends_with(".md")
                    && (p.contains("/.claude/agents/") || p.contains("/.claude/commands/"))))
        {
            expected += 1;
        }
    }
    assert_eq!(page.total as usize, expected);
    for a in &page.items {
        assert!(
            a.description.as_deref().is_some_and(|d| !d.is_empty()),
            "{} in {} has no description",
            a.name,
            a.project_name
        );
        if a.status == "error" {
            let e = a.error.as_deref().unwrap_or("");
            assert!(e.contains(".md line "), "error names file and line: {e}");
        }
    }
    // Names that differ from file names are kept as display names; ids stay unique.
    assert!(page.items.iter().any(|a| a.display_name != a.name));
    let again = cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    assert_eq!(again.artifacts_read, 0);
}

#[test]
fn duplicates_are_listed_and_flagged_and_missing_deployments_reported_until_fixed() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let d = project(root.path(), "dups", 0);
    write(
        &d.join(".claude/agents/a.md"),
        "---\nname: rev\ndescription: A\n---\n",
    );
    write(
        &d.join(".claude/agents/b.md"),
        "---\nname: rev\ndescription: B\n---\n",
    );
    write(&d.join(".claude/mcp/db.json"), "{\"command\": \"db\"}\n");
    write(
        &d.join(".claude/mcp/db/mcp.json"),
        "{\"command\": \"db\"}\n",
    );
    write(
        &d.join(".claude/.skillmeat-deployed.toml"),
        "[[deployed]]\nartifact_name = \"gone\"\nartifact_type = \"command\"\nartifact_path = \"commands/gone.md\"\n",
    );
    let cache = open(home.path(), vec![]);
    let p = cache.register_project(&d.to_string_lossy()).unwrap();
    let arts = cache
        .list_artifacts(&ArtifactQuery {
            project_id: Some(p.id.clone()),
            ..Default::default()
        })
        .unwrap()
        .items;
    let dup = |kind: &str| {
        arts.iter()
            .filter(|a| a.kind == kind && a.problems.iter().any(|x| x.code == "DUPLICATE_NAME"))
            .count()
    };
    assert_eq!(
        dup("agent"),
        2,
        "both agents named rev are listed and flagged"
    );
    assert_eq!(
        dup("mcp"),
        2,
        "mcp/db.json and mcp/db/ are both listed and flagged"
    );
    assert!(
        arts.iter()
            .filter(|a| a.kind == "agent")
            .all(|a| a.health == "degraded")
    );
    let errs = cache.get_project(&p.id).unwrap().unwrap().errors;
    assert!(errs.iter().any(
        |e| e.file == ".claude/commands/gone.md" && e.reason.contains("DEPLOYED_FILE_MISSING")
    ));

    std::fs::remove_file(d.join(".claude/agents/b.md")).unwrap();
    std::fs::write(d.join(".claude/.skillmeat-deployed.toml"), "").unwrap();
    cache
        .refresh_blocking(
            &RefreshOptions {
                project_id: Some(p.id.clone()),
                force: false,
            },
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let arts = cache
        .list_artifacts(&ArtifactQuery {
            project_id: Some(p.id.clone()),
            kind: Some("agent".parse().unwrap()),
            ..Default::default()
        })
        .unwrap()
        .items;
    assert_eq!(arts.len(), 1);
    assert!(arts[0].problems.is_empty() && arts[0].health == "ok");
    assert!(cache.get_project(&p.id).unwrap().unwrap().errors.is_empty());
}

#[test]
fn a_project_counts_its_deployment_manifest_entries_and_their_latest_date() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let d = project(root.path(), "deployed", 2);
    let entry = |name: &str, at: &str| {
        format!(
            "[[deployed]]\nartifact_name = \"{name}\"\nartifact_type = \"command\"\nartifact_path = \"commands/{name}.md\"\nfrom_collection = \"default\"\ndeployed_at = \"{at}\"\n"
        )
    };
    write(
        &d.join(".claude/.skillmeat-deployed.toml"),
        &(entry("c0", "2025-11-01T10:00:00") + &entry("c1", "2025-11-25T14:01:16.123456")),
    );
    let cache = open(home.path(), vec![]);
    let p = cache.register_project(&d.to_string_lossy()).unwrap();
    assert_eq!(p.artifact_count, 3, "two commands and a skill");
    assert_eq!(
        p.deployed_count, 2,
        "the skill was not deployed from a collection"
    );
    assert_eq!(
        p.last_deployed_at.as_deref(),
        Some("2025-11-25T14:01:16.123456")
    );
    // An entry whose files are gone still counts (SkillMeat counts manifest entries), and its
    // date is the latest.
    write(
        &d.join(".claude/.skillmeat-deployed.toml"),
        &(entry("c0", "2025-11-01T10:00:00")
            + &entry("c1", "2025-11-25T14:01:16.123456")
            + &entry("gone", "2025-12-01T09:00:00")),
    );
    let only = RefreshOptions {
        project_id: Some(p.id.clone()),
        force: false,
    };
    cache
        .refresh_blocking(&only, skillmeat_cache::cache::RefreshTrigger::Manual)
        .unwrap();
    let p = cache.get_project(&p.id).unwrap().unwrap();
    assert_eq!(p.deployed_count, 3);
    assert_eq!(p.last_deployed_at.as_deref(), Some("2025-12-01T09:00:00"));
    // A local project: nothing deployed.
    let local = project(root.path(), "local", 1);
    let q = cache.register_project(&local.to_string_lossy()).unwrap();
    assert_eq!((q.deployed_count, q.last_deployed_at), (0, None));
}

#[test]
fn refresh_completed_is_announced_after_the_last_write_of_the_refresh() {
    // A live client (the HTTP event stream) treats a generation move that no event of this
    // process announced as another process's write and refetches everything: the refresh's
    // own last write (its run record) must come before its completion event.
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    project(root.path(), "a", 2);
    let cache = open(home.path(), vec![root.path().to_path_buf()]);
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let at_event = std::sync::Arc::new(std::sync::Mutex::new(None));
    let (c2, seen) = (cache.clone(), at_event.clone());
    cache.subscribe(move |e| {
        if matches!(e, skillmeat_cache::events::Event::RefreshCompleted { .. }) {
            *seen.lock().unwrap() = Some(c2.generation().unwrap());
        }
    });
    for _ in 0..3 {
        cache
            .refresh_blocking(
                &RefreshOptions::default(),
                skillmeat_cache::cache::RefreshTrigger::Manual,
            )
            .unwrap();
        let announced = at_event.lock().unwrap().take().expect("an event");
        assert_eq!(announced, cache.generation().unwrap());
    }
}

#[test]
fn skillmeats_empty_database_file_is_never_taken_as_ours() {
    let home = tempfile::tempdir().unwrap();
    let theirs = home.path().join("cache").join("cache.db");
    write(&theirs, "");
    let env: BTreeMap<String, String> = BTreeMap::new();
    let open_at = |p: &Path| {
        Cache::open_with_env(
            Options {
                home: Some(home.path().into()),
                path: Some(p.to_string_lossy().into_owned()),
                ..Default::default()
            },
            &env,
        )
    };
    let err = open_at(&theirs).err().expect("refused");
    assert_eq!(err.code(), "CACHE_FOREIGN", "{err}");
    assert!(err.to_string().contains("SkillMeat"), "{err}");
    assert_eq!(std::fs::metadata(&theirs).unwrap().len(), 0, "left empty");
    // The same name elsewhere is an ordinary new database.
    let elsewhere = home.path().join("mine").join("cache.db");
    write(&elsewhere, "");
    open_at(&elsewhere).unwrap().close();
}

/// After the clock steps back (an NTP correction, a resumed VM), every time recorded before the
/// step lies "in the future". None of them may keep a scan fresh, a source fresh or a dead
/// holder's lease held for as long as the clock moved.
#[test]
fn times_recorded_before_the_clock_moved_backwards_keep_nothing_fresh_or_held() {
    use skillmeat_cache::store::{Fresh, Store, Tuning, now_ms};
    const HOUR: i64 = 3_600_000;
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    project(root.path(), "a", 1);
    project(root.path(), "b", 1);
    let cache = open(home.path(), vec![root.path().into()]);
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let db = home.path().join("cache/skillmeat-cache.db");
    let sql = rusqlite::Connection::open(&db).unwrap();
    let ahead = now_ms() + HOUR;
    // Project a was scanned an hour "ahead"; b just now.
    sql.execute(
        "UPDATE projects SET scanned_at = ?1 WHERE name = 'a'",
        [ahead],
    )
    .unwrap();
    sql.execute(
        "INSERT INTO marketplace_sources(name, url, raw_json, fetched_at, checked_at, expires_at)
         VALUES ('ahead', 'http://127.0.0.1:9/m.json', '{}', ?1, ?1, ?2), ('now', 'http://127.0.0.1:9/n.json', '{}', ?3, ?3, ?4)",
        [ahead, ahead + HOUR, now_ms(), now_ms() + HOUR],
    )
    .unwrap();
    sql.execute(
        "INSERT INTO leases(name, holder, pid, acquired_at, heartbeat_at, expires_at)
         VALUES ('refresher', 'a process that died', 1, ?1, ?1, ?2), ('other', 'alive', 1, ?3, ?3, ?4)",
        [ahead, ahead + 15_000, now_ms(), now_ms() + 15_000],
    )
    .unwrap();

    let stale = |q: ProjectQuery| -> Vec<String> {
        cache
            .list_projects(&q)
            .unwrap()
            .items
            .into_iter()
            .map(|p| format!("{}:{}", p.name, p.status))
            .collect()
    };
    assert_eq!(stale(ProjectQuery::default()), ["a:stale", "b:active"]);
    let only = |s: &str| ProjectQuery {
        status: Some(s.parse().unwrap()),
        ..Default::default()
    };
    assert_eq!(stale(only("stale")), ["a:stale"]);
    assert_eq!(stale(only("active")), ["b:active"]);
    let st = cache.status().unwrap();
    assert_eq!(st.projects_by_status.get("stale"), Some(&1), "{st:?}");

    let store = Store::open_file(
        &db,
        Tuning {
            busy_timeout_ms: 5_000,
            max_size_mb: 0,
        },
    )
    .unwrap();
    let due = store.due_projects(Fresh::within(HOUR), 10).unwrap();
    assert_eq!(
        due.len(),
        1,
        "only the project scanned ahead is due: {due:?}"
    );
    assert!(
        store.try_lease("refresher", "me", 15_000).unwrap(),
        "a lease renewed an hour ahead is taken over"
    );
    assert!(
        !store.try_lease("other", "me", 15_000).unwrap(),
        "a lease renewed now is not"
    );
    assert!(
        !store
            .market_source("ahead", "http://127.0.0.1:9/m.json")
            .unwrap()
            .is_fresh(now_ms())
    );
    assert!(
        store
            .market_source("now", "http://127.0.0.1:9/n.json")
            .unwrap()
            .is_fresh(now_ms())
    );
    let states = store.market_sources().unwrap();
    let stale_of = |n: &str| states.iter().find(|s| s.name == n).unwrap().stale;
    assert!(stale_of("ahead"));
    assert!(!stale_of("now"));
}

#[test]
fn opening_while_another_process_holds_the_write_lock_never_falls_back_to_an_empty_memory_cache() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("held.db");
    let env: BTreeMap<String, String> = BTreeMap::new();
    let opts = || Options {
        home: Some(home.path().into()),
        path: Some(db.to_string_lossy().into_owned()),
        busy_timeout_ms: Some(100),
        ..Default::default()
    };
    // Before the file exists (it must be created and migrated under the lock), and after.
    for created in [false, true] {
        if created {
            Cache::open_with_env(opts(), &env).unwrap().close();
        }
        let holder = rusqlite::Connection::open(&db).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE;").unwrap();
        match Cache::open_with_env(opts(), &env) {
            Err(e) => assert_eq!(e.code(), "CACHE_BUSY", "{e}"),
            Ok(c) => {
                let st = c.status().unwrap();
                assert_eq!(
                    format!("{:?}", st.mode),
                    "File",
                    "created={created}: {:?}",
                    st.warnings
                );
                c.close();
            }
        }
        holder.execute_batch("ROLLBACK;").unwrap();
    }
}

/// How many problem lists the database holds.
fn problem_lists(cache: &Cache) -> i64 {
    let c = rusqlite::Connection::open(cache.store().path().unwrap()).unwrap();
    c.query_row("SELECT COUNT(*) FROM problem_lists", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_problem_list_is_stored_once_and_dropped_with_its_last_artifact() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let cache = open(home.path(), vec![]);
    // `tags` is not an Agent Skills key: every copy of this skill has the same spec note.
    let noted = "---\nname: s1\ndescription: skill one\ntags: [a]\n---\n";
    let mut ids = Vec::new();
    for name in ["p1", "p2", "p3"] {
        let d = project(root.path(), name, 1);
        write(&d.join(".claude/skills/s1/SKILL.md"), noted);
        ids.push(cache.register_project(&d.to_string_lossy()).unwrap().id);
    }
    let skills = |cache: &Cache| {
        let q = ArtifactQuery {
            kind: Some("skill".parse().unwrap()),
            ..Default::default()
        };
        cache.store().list_artifacts(&q).unwrap().items
    };
    let all = skills(&cache);
    assert_eq!(all.len(), 3);
    assert!(
        all.iter()
            .all(|a| a.problems.len() == 1 && a.problems[0].code == "SPEC_KEYS")
    );
    assert_eq!(problem_lists(&cache), 1, "one list for three artifacts");

    // Another skill with the same note: the list names its own file, and is the same list.
    write(
        &root.path().join("p3/.claude/skills/s2/SKILL.md"),
        &noted.replace("s1", "s2"),
    );
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let s2: Vec<_> = skills(&cache)
        .into_iter()
        .filter(|a| a.name == "s2")
        .collect();
    assert_eq!(s2[0].problems[0].file, ".claude/skills/s2/SKILL.md");
    assert_eq!(problem_lists(&cache), 1);
    std::fs::remove_dir_all(root.path().join("p3/.claude/skills/s2")).unwrap();

    // One copy fixed: it lets go of the list, the others keep it.
    write(
        &root.path().join("p1/.claude/skills/s1/SKILL.md"),
        "---\nname: s1\ndescription: skill one\n---\n",
    );
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let all = skills(&cache);
    assert_eq!(all.iter().filter(|a| a.problems.is_empty()).count(), 1);
    assert_eq!(problem_lists(&cache), 1);

    // The last holders gone (their projects' rows are deleted with them): the list goes too.
    assert!(cache.unregister_project(&ids[1]).unwrap());
    assert_eq!(problem_lists(&cache), 1);
    assert!(cache.unregister_project(&ids[2]).unwrap());
    assert_eq!(problem_lists(&cache), 0);
    assert!(skills(&cache).iter().all(|a| a.problems.is_empty()));
}

/// A store on the database file `db`, opened (and migrated) as a cache opens it.
fn open_store(db: &Path) -> skillmeat_cache::store::Store {
    skillmeat_cache::store::Store::open_file(
        db,
        skillmeat_cache::store::Tuning {
            busy_timeout_ms: 5000,
            max_size_mb: 0,
        },
    )
    .unwrap()
}

/// An artifact row of project `p` as a schema-9 release writes it: its problems in its own column.
fn insert_v9_artifact(c: &rusqlite::Connection, id: &str, problems: &str) {
    c.execute(
        "INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path, fingerprint,
             scanned_at, updated_at, health, problems_json)
         VALUES (?1, 'p', 'x', '.claude', 'skill', ?1, '.claude/skills/s', 'f', 1, 1, 'ok', ?2)",
        rusqlite::params![id, problems],
    )
    .unwrap();
}

#[test]
fn problems_written_by_schema_9_read_back_after_the_migration() {
    use skillmeat_cache::store::ownership::APPLICATION_ID;
    use skillmeat_cache::store::schema::migrate_to;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    let list = r#"[{"code":"SPEC_KEYS","severity":"note","file":".claude/skills/s/SKILL.md","line":4,"message":"m","fix":"f"}]"#;
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        migrate_to(&mut c, 9).unwrap();
        c.execute_batch(
            "INSERT INTO projects(id, path, name, registered_at, updated_at) VALUES ('p', '/x', 'x', 1, 1);",
        )
        .unwrap();
        for (id, problems) in [("a1", list), ("a2", list), ("a3", "[]")] {
            insert_v9_artifact(&c, id, problems);
        }
    }
    let store = open_store(&db);
    let problems = |id: &str| store.get_artifact(id).unwrap().unwrap().problems;
    assert_eq!(problems("a1").len(), 1);
    assert_eq!(problems("a1")[0].code, "SPEC_KEYS");
    assert_eq!(problems("a2"), problems("a1"));
    assert!(problems("a3").is_empty());
    let c = rusqlite::Connection::open(&db).unwrap();
    let lists: i64 = c
        .query_row("SELECT COUNT(*) FROM problem_lists", [], |r| r.get(0))
        .unwrap();
    assert_eq!(lists, 1);
}

#[test]
fn a_change_queued_again_outlives_a_slower_index_writer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    let store = open_store(&db);
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "INSERT INTO projects(id, path, name, registered_at, updated_at) VALUES ('p', '/x', 'x', 1, 1);
         INSERT INTO artifacts(id, project_id, type, name, path, fingerprint, scanned_at, updated_at)
             VALUES ('a', 'p', 'skill', 's', '.claude/skills/s', 'f', 1, 1);",
    )
    .unwrap();
    // Two index writers read the queue; the faster one indexes it and removes the row.
    let read_by_slow = store.search_pending().unwrap();
    assert_eq!(read_by_slow.len(), 1);
    store.search_done(&store.search_pending().unwrap()).unwrap();
    assert_eq!(store.search_pending_count().unwrap(), 0);
    // A change after both read: queued again, under a new version.
    c.execute(
        "UPDATE artifacts SET display_name = 'new' WHERE id = 'a'",
        [],
    )
    .unwrap();
    // The slow writer finishes with what it read before the change: the change stays queued.
    store.search_done(&read_by_slow).unwrap();
    assert_eq!(store.search_pending_count().unwrap(), 1);
}

/// How many rows `table` holds in the cache's database.
fn rows_of(cache: &Cache, table: &str) -> i64 {
    let c = rusqlite::Connection::open(cache.store().path().unwrap()).unwrap();
    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn texts_are_stored_once_and_dropped_with_their_last_artifact() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let cache = open(home.path(), vec![]);
    let agent = "---\nname: rev\ndescription: Reviews code\nauthor: Ann\nlicense: MIT\ntags: [a, b]\ntools: Read, Grep\nmodel: opus\n---\nBody\n";
    let mut ids = Vec::new();
    for name in ["p1", "p2", "p3"] {
        let d = project(root.path(), name, 0);
        write(&d.join(".claude/agents/rev.md"), agent);
        ids.push(cache.register_project(&d.to_string_lossy()).unwrap().id);
    }
    let agents = |cache: &Cache| {
        let q = ArtifactQuery {
            kind: Some("agent".parse().unwrap()),
            ..Default::default()
        };
        cache.store().list_artifacts(&q).unwrap().items
    };
    let all = agents(&cache);
    assert_eq!(all.len(), 3);
    for a in &all {
        assert_eq!(a.description.as_deref(), Some("Reviews code"));
        assert_eq!(a.author.as_deref(), Some("Ann"));
        assert_eq!(a.license.as_deref(), Some("MIT"));
        assert_eq!(a.tags, ["a", "b"]);
        assert_eq!(a.tools, ["Read", "Grep"]);
        assert_eq!(a.metadata, r#"{"model":"opus"}"#);
        assert_eq!(cache.store().get_artifact(&a.id).unwrap().as_ref(), Some(a));
    }
    // Three agents and three skills (`s1`, the same in each project): two sets of texts.
    assert_eq!(rows_of(&cache, "artifact_texts"), 2);

    // One copy edited: it has texts of its own, the others keep theirs; search finds the edit.
    write(
        &root.path().join("p1/.claude/agents/rev.md"),
        &agent.replace("Reviews code", "Reviews zeppelins"),
    );
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let mut descriptions: Vec<String> = agents(&cache)
        .into_iter()
        .filter_map(|a| a.description)
        .collect();
    descriptions.sort();
    assert_eq!(
        descriptions,
        ["Reviews code", "Reviews code", "Reviews zeppelins"]
    );
    assert_eq!(rows_of(&cache, "artifact_texts"), 3);
    let found = cache
        .search(&skillmeat_cache::search::SearchQuery::text("zeppelins"))
        .unwrap();
    assert_eq!(found.items.len(), 1);

    // The last holders gone (their projects' rows are deleted with them): the texts go too.
    assert!(cache.unregister_project(&ids[1]).unwrap());
    assert_eq!(rows_of(&cache, "artifact_texts"), 3);
    assert!(cache.unregister_project(&ids[2]).unwrap());
    assert_eq!(rows_of(&cache, "artifact_texts"), 2);
    assert!(cache.unregister_project(&ids[0]).unwrap());
    assert_eq!(rows_of(&cache, "artifact_texts"), 0);
}

/// An artifact row of project `p` as a schema-10 release writes it: its texts in its own columns.
fn insert_v10_artifact(c: &rusqlite::Connection, id: &str, description: &str) {
    c.execute(
        "INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path, fingerprint,
             scanned_at, updated_at, description, author, tags_json, tools_json, metadata_json)
         VALUES (?1, 'p', 'x', '.claude', 'agent', ?1, '.claude/agents/' || ?1 || '.md', 'f', 1, 1, ?2, 'Ann',
             '[\"t\"]', '[\"Read\"]', '{\"model\":\"opus\"}')",
        rusqlite::params![id, description],
    )
    .unwrap();
}

#[test]
fn texts_written_by_schema_10_read_back_after_the_migration() {
    use skillmeat_cache::store::ownership::APPLICATION_ID;
    use skillmeat_cache::store::schema::migrate_to;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        migrate_to(&mut c, 10).unwrap();
        c.execute_batch(
            "INSERT INTO projects(id, path, name, registered_at, updated_at) VALUES ('p', '/x', 'x', 1, 1);",
        )
        .unwrap();
        for id in ["a1", "a2"] {
            insert_v10_artifact(&c, id, "same");
        }
        insert_v10_artifact(&c, "a3", "other");
        // Problem lists as schema 10 stores them: each file whole, so one list per agent.
        for (key, id) in [(1, "a1"), (3, "a3")] {
            let list = format!(
                r#"[{{"code":"UNKNOWN_TOOL","severity":"warning","file":".claude/agents/{id}.md","message":"m","fix":"f"}}]"#
            );
            c.execute(
                "INSERT INTO problem_lists(id, json) VALUES (?1, ?2)",
                rusqlite::params![key, list],
            )
            .unwrap();
            c.execute(
                "UPDATE artifacts SET problem_list = ?1 WHERE id = ?2",
                rusqlite::params![key, id],
            )
            .unwrap();
        }
        c.execute("DELETE FROM search_pending", []).unwrap();
    }
    let store = open_store(&db);
    let get = |id: &str| store.get_artifact(id).unwrap().unwrap();
    for (id, description) in [("a1", "same"), ("a2", "same"), ("a3", "other")] {
        let a = get(id);
        assert_eq!(a.description.as_deref(), Some(description));
        assert_eq!(a.author.as_deref(), Some("Ann"));
        assert_eq!((a.tags, a.tools), (vec!["t".into()], vec!["Read".into()]));
        assert_eq!(a.metadata, r#"{"model":"opus"}"#);
    }
    let c = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM artifact_texts"), 2);
    // The two lists differed only by the agent's own file: now one, each reading its file.
    assert_eq!(count("SELECT COUNT(*) FROM problem_lists"), 1);
    assert_eq!(get("a3").problems[0].file, ".claude/agents/a3.md");
    assert_eq!(get("a1").problems[0].file, ".claude/agents/a1.md");
    assert!(get("a2").problems.is_empty());
    // Nothing is queued again: the texts did not change.
    assert_eq!(count("SELECT COUNT(*) FROM search_pending"), 0);
}

#[test]
fn a_project_written_twice_in_one_transaction_keeps_the_texts_its_rows_hold() {
    use skillmeat_cache::scan::{
        listing::Listings, manifest::Collections, scan_project, walk::Limits,
    };
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("app");
    let agent = |d: &str| format!("---\nname: x\ndescription: {d}\n---\n");
    write(&dir.join(".claude/agents/a.md"), &agent("one"));
    let scan = |dir: &Path| {
        let collections = Collections::default();
        scan_project(
            dir,
            Default::default,
            None,
            &collections,
            &Limits::default(),
            skillmeat_cache::scan::Reads::ALL,
            &mut Listings::default(),
        )
        .unwrap()
    };
    let first = scan(&dir);
    // Then `a` takes other texts, and `b` the ones `a` had: `a` lets go of them before `b`
    // is written, in the same transaction.
    write(&dir.join(".claude/agents/a.md"), &agent("two"));
    write(&dir.join(".claude/agents/b.md"), &agent("one"));
    let second = scan(&dir);
    let db = root.path().join("cache.db");
    let store = open_store(&db);
    let path = dir.to_string_lossy().into_owned();
    let id = skillmeat_cache::store::project_id_of(&path);
    store
        .apply_scans(&[
            (id.as_str(), Some((path.as_str(), "registered")), &first),
            (id.as_str(), None, &second),
        ])
        .unwrap();
    let q = ArtifactQuery {
        project_id: Some(id.clone()),
        ..Default::default()
    };
    let got: BTreeMap<String, Option<String>> = store
        .list_artifacts(&q)
        .unwrap()
        .items
        .into_iter()
        .map(|a| (a.name, a.description))
        .collect();
    assert_eq!(got["a"].as_deref(), Some("two"));
    assert_eq!(got["b"].as_deref(), Some("one"));
}

#[test]
fn the_project_sort_walks_projects_by_name_and_each_ones_artifacts_by_name() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let cache = open(home.path(), vec![]);
    // Two folders whose projects have the same name, and one before them.
    let mut ids = Vec::new();
    for (folder, name) in [("one", "app"), ("two", "app"), ("zero", "alpha")] {
        let d = project(root.path(), folder, 2);
        write(
            &d.join(".claude/.skillmeat-project.toml"),
            &format!("[project]\nname = \"{name}\"\n"),
        );
        ids.push(cache.register_project(&d.to_string_lossy()).unwrap().id);
    }
    let list = |order: Order, offset: i64, limit: i64| {
        let q = ArtifactQuery {
            sort_by: Some(ArtifactSort::Project),
            order: Some(order),
            offset: Some(offset),
            limit: Some(limit),
            ..Default::default()
        };
        cache.list_artifacts(&q).unwrap()
    };
    let page = list(Order::Asc, 0, 100);
    assert_eq!(page.total, 9);
    let seen: Vec<(String, String)> = page
        .items
        .iter()
        .map(|a| (a.project_name.clone(), a.name.clone()))
        .collect();
    // Each project's artifacts together, by name; the two `app`s in the order they were added.
    let names = ["c0", "c1", "s1"];
    let mut expected = Vec::new();
    for p in ["alpha", "app", "app"] {
        expected.extend(names.iter().map(|n| (p.to_string(), n.to_string())));
    }
    assert_eq!(seen, expected);
    let by_project: Vec<&str> = page.items.iter().map(|a| a.project_id.as_str()).collect();
    assert_eq!(by_project[3..6], [ids[0].as_str(); 3]);
    assert_eq!(by_project[6..], [ids[1].as_str(); 3]);
    // Descending is the same order reversed, and pages follow it.
    let desc = list(Order::Desc, 0, 100);
    let reversed: Vec<String> = page.items.iter().rev().map(|a| a.id.clone()).collect();
    assert_eq!(
        desc.items.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        reversed
    );
    let second = list(Order::Asc, 4, 3);
    assert_eq!(second.total, 9);
    assert_eq!(second.items[0].id, page.items[4].id);
    // Filters apply as in any other order.
    let q = ArtifactQuery {
        sort_by: Some(ArtifactSort::Project),
        kind: Some("skill".parse().unwrap()),
        ..Default::default()
    };
    let skills = cache.list_artifacts(&q).unwrap();
    assert_eq!(skills.total, 3);
    assert!(skills.items.iter().all(|a| a.name == "s1"));
    // Outdated ones only (read through their own index), in the same order.
    let c = rusqlite::Connection::open(cache.store().path().unwrap()).unwrap();
    c.execute(
        "UPDATE artifacts SET is_outdated = 1 WHERE name = 'c1' OR (name = 's1' AND project_id = ?1)",
        [&ids[0]],
    )
    .unwrap();
    let q = ArtifactQuery {
        sort_by: Some(ArtifactSort::Project),
        outdated: Some(true),
        ..Default::default()
    };
    let outdated: Vec<(String, String)> = cache
        .list_artifacts(&q)
        .unwrap()
        .items
        .iter()
        .map(|a| (a.project_id.clone(), a.name.clone()))
        .collect();
    let id = |i: usize| ids[i].clone();
    assert_eq!(
        outdated,
        [
            (id(2), "c1".into()),
            (id(0), "c1".into()),
            (id(0), "s1".into()),
            (id(1), "c1".into())
        ]
    );
}

/// An artifact row of project `p` as a schema-11 release writes it: its texts stored once
/// (`tags_json` `''`) under `text_key`, its path whole.
fn insert_v11_artifact(c: &rusqlite::Connection, id: &str, path: &str, text_key: i64) {
    c.execute(
        "INSERT OR IGNORE INTO artifact_texts(text_key, description, tags_json, tools_json, metadata_json)
         VALUES (?1, 'shared ' || ?1, '[]', '[]', '{}')",
        [text_key],
    )
    .unwrap();
    c.execute(
        "INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path, fingerprint,
             scanned_at, updated_at, tags_json, text_key)
         VALUES (?1, 'p', 'x', '.claude', 'agent', ?1, ?2, 'f', 1, 1, '', ?3)",
        rusqlite::params![id, path, text_key],
    )
    .unwrap();
}

#[test]
fn a_schema_11_cache_reads_the_same_after_the_migration_and_holders_are_counted() {
    use skillmeat_cache::store::ownership::APPLICATION_ID;
    use skillmeat_cache::store::schema::migrate_to;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    let index_names = |c: &rusqlite::Connection| -> Vec<String> {
        c.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'artifacts'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        migrate_to(&mut c, 11).unwrap();
        c.execute_batch(
            "INSERT INTO projects(id, path, name, registered_at, updated_at) VALUES ('p', '/x', 'x', 1, 1);",
        )
        .unwrap();
        insert_v11_artifact(&c, "a1", ".claude/agents/a1.md", 7);
        insert_v11_artifact(&c, "a2", ".claude/agents/a2.md", 7);
        // Not where the layout puts it.
        insert_v11_artifact(&c, "a3", ".claude/agents/sub/A3.md", 8);
        // Stored texts nobody holds.
        c.execute_batch(
            "INSERT INTO artifact_texts(text_key, tags_json, tools_json, metadata_json) VALUES (9, '[]', '[]', '{}')",
        )
        .unwrap();
        let before = index_names(&c);
        assert!(before.iter().any(|n| n == "artifacts_projectname_name"));
        assert!(before.iter().any(|n| n == "artifacts_text_key"));
    }
    let store = open_store(&db);
    let get = |id: &str| store.get_artifact(id).unwrap().unwrap();
    assert_eq!(get("a1").path, ".claude/agents/a1.md");
    assert_eq!(get("a2").description.as_deref(), Some("shared 7"));
    assert_eq!(get("a3").path, ".claude/agents/sub/A3.md");
    let c = rusqlite::Connection::open(&db).unwrap();
    let refs = |key: i64| -> Option<i64> {
        c.query_row(
            "SELECT refs FROM artifact_texts WHERE text_key = ?1",
            [key],
            |r| r.get(0),
        )
        .ok()
    };
    assert_eq!((refs(7), refs(8), refs(9)), (Some(2), Some(1), None));
    let paths: Vec<String> = c
        .prepare("SELECT path FROM artifacts ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(paths, ["", "", ".claude/agents/sub/A3.md"]);
    let after = index_names(&c);
    for gone in [
        "artifacts_projectname_name",
        "artifacts_text_key",
        "artifacts_problem_list",
    ] {
        assert!(!after.iter().any(|n| n == gone), "{gone} is still there");
    }
    // A row written afterwards (the holder triggers were made again with the table in schema 15)
    // is counted and reads back.
    c.execute(
        "INSERT INTO artifacts(id, project_id, type, name, path, fingerprint, scanned_at, updated_at, text_key)
         VALUES ('a4', 'p', 'agent', 'a4', '', 'f', 1, 1, 7)",
        [],
    )
    .unwrap();
    assert_eq!(refs(7), Some(3));
    assert_eq!(get("a4").path, ".claude/agents/a4.md");
    // A row taking other texts, and rows deleted: the last holder takes the texts with it.
    c.execute("UPDATE artifacts SET text_key = 8 WHERE id = 'a4'", [])
        .unwrap();
    assert_eq!((refs(7), refs(8)), (Some(2), Some(2)));
    c.execute("DELETE FROM artifacts WHERE id IN ('a1', 'a2')", [])
        .unwrap();
    assert_eq!((refs(7), refs(8)), (None, Some(2)));
    c.execute("DELETE FROM projects WHERE id = 'p'", [])
        .unwrap();
    let left: i64 = c
        .query_row("SELECT COUNT(*) FROM artifact_texts", [], |r| r.get(0))
        .unwrap();
    let artifacts: i64 = c
        .query_row("SELECT COUNT(*) FROM artifacts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        (artifacts, left),
        (0, 0),
        "a project's artifacts and their texts go with it"
    );
}

#[test]
fn stored_texts_problem_lists_and_deployments_count_exactly_their_holders_through_random_edits() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let cache = open(home.path(), vec![root.path().into()]);
    // A small linear congruential generator: the same edits on every run.
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let db = cache.store().path().unwrap().to_path_buf();
    let check = |round: usize| {
        let c = rusqlite::Connection::open(&db).unwrap();
        let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        for (table, key, column) in [
            ("artifact_texts", "text_key", "text_key"),
            ("problem_lists", "id", "problem_list"),
            ("artifact_deployments", "deploy_key", "deploy_key"),
        ] {
            let wrong = count(&format!(
                "SELECT COUNT(*) FROM {table} s
                 WHERE refs != (SELECT COUNT(*) FROM artifacts WHERE {column} = s.{key}) OR refs < 1"
            ));
            let dangling = count(&format!(
                "SELECT COUNT(*) FROM artifacts a WHERE {column} IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM {table} WHERE {key} = a.{column})"
            ));
            assert_eq!((wrong, dangling), (0, 0), "{table} after round {round}");
        }
        (
            count("SELECT COUNT(*) FROM problem_lists"),
            count("SELECT COUNT(*) FROM artifact_deployments"),
        )
    };
    let mut lists_seen = 0;
    let mut deployments_seen = 0;
    let descriptions = ["Reviews code", "Writes tests", "Plans work"];
    for round in 0..25 {
        for p in 0..3 {
            let agents = root.path().join(format!("p{p}/.claude/agents"));
            for a in 0..4 {
                let file = agents.join(format!("a{a}.md"));
                match next(4) {
                    // Removed.
                    0 => {
                        let _ = std::fs::remove_file(&file);
                    }
                    // Written with shared texts, and sometimes a name another agent has (a
                    // duplicate: both get a problem list).
                    _ => {
                        let name = if next(3) == 0 {
                            "same".to_string()
                        } else {
                            format!("a{a}")
                        };
                        let d = descriptions[next(3) as usize];
                        write(
                            &file,
                            &format!("---\nname: {name}\ndescription: {d}\n---\n"),
                        );
                    }
                }
            }
            // The agent `rev` deployed at one of two versions, or not at all.
            write(
                &agents.join("rev.md"),
                "---\nname: rev\ndescription: Reviews\n---\n",
            );
            let manifest = root
                .path()
                .join(format!("p{p}/.claude/.skillmeat-deployed.toml"));
            match next(3) {
                0 => {
                    let _ = std::fs::remove_file(&manifest);
                }
                v => write(
                    &manifest,
                    &rev_deployment(&format!("acme/rev@v{v}"), &format!("{v}.0.0"), None),
                ),
            }
        }
        if round % 7 == 6 {
            // A project unregistered (its rows deleted at once) comes back at the next refresh.
            let p = cache.list_projects(&ProjectQuery::default()).unwrap();
            if let Some(first) = p.items.first() {
                cache.unregister_project(&first.id).unwrap();
            }
        }
        cache
            .refresh_blocking(
                &RefreshOptions::default(),
                skillmeat_cache::cache::RefreshTrigger::Manual,
            )
            .unwrap();
        let (lists, deployments) = check(round);
        lists_seen += lists;
        deployments_seen += deployments;
    }
    // The edits did store and share all three.
    assert!(rows_of(&cache, "artifact_texts") > 0);
    assert!(deployments_seen > 0);
    assert!(lists_seen > 0);
}

/// A `[[deployed]]` entry of the agent `rev`, from `source` at `version`.
fn rev_deployment(source: &str, version: &str, hash: Option<&str>) -> String {
    let hash = hash
        .map(|h| format!("content_hash = \"{h}\"\n"))
        .unwrap_or_default();
    format!(
        "[[deployed]]\nartifact_name = \"rev\"\nartifact_type = \"agent\"\nartifact_path = \"agents/rev.md\"\nfrom_collection = \"default\"\ndeployed_at = \"2025-11-01T10:00:00\"\nsource = \"{source}\"\nversion = \"{version}\"\nresolved_sha = \"{}\"\n{hash}",
        "ab".repeat(20)
    )
}

#[test]
fn a_deployment_is_stored_once_read_back_whole_and_dropped_with_its_last_artifact() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let cache = open(home.path(), vec![]);
    let hash = "0".repeat(64);
    let mut ids = Vec::new();
    for name in ["p1", "p2", "p3"] {
        let d = project(root.path(), name, 0);
        write(
            &d.join(".claude/agents/rev.md"),
            "---\nname: rev\ndescription: Reviews\n---\n",
        );
        write(
            &d.join(".claude/.skillmeat-deployed.toml"),
            &rev_deployment("acme/tools/agents/rev@v1.2.0", "1.2.0", Some(&hash)),
        );
        ids.push(cache.register_project(&d.to_string_lossy()).unwrap().id);
    }
    let revs = |cache: &Cache| {
        let q = ArtifactQuery {
            kind: Some("agent".parse().unwrap()),
            sort_by: Some(ArtifactSort::Project),
            ..Default::default()
        };
        cache.store().list_artifacts(&q).unwrap().items
    };
    let all = revs(&cache);
    assert_eq!(all.len(), 3);
    for a in &all {
        assert_eq!(a.source.as_deref(), Some("acme/tools/agents/rev@v1.2.0"));
        assert_eq!(a.from_collection.as_deref(), Some("default"));
        assert_eq!(a.deployed_version.as_deref(), Some("1.2.0"));
        assert_eq!(a.deployed_sha, Some("ab".repeat(20)));
        assert_eq!(a.deployed_hash.as_deref(), Some(hash.as_str()));
        assert!(a.local_modified, "the files are not what was deployed");
        assert_eq!(cache.store().get_artifact(&a.id).unwrap().as_ref(), Some(a));
    }
    // One deployment stored; the rows hold its key.
    assert_eq!(rows_of(&cache, "artifact_deployments"), 1);
    let c = rusqlite::Connection::open(cache.store().path().unwrap()).unwrap();
    let keys: Vec<Option<i64>> = c
        .prepare("SELECT deploy_key FROM artifacts WHERE type = 'agent'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(keys.len() == 3 && keys.iter().all(Option::is_some));
    // The upstream check finds all three, by their source.
    let candidates = cache.store().upstream_candidates(None).unwrap();
    assert_eq!(candidates.len(), 3);
    assert!(
        candidates
            .iter()
            .all(|c| c.source == "acme/tools/agents/rev@v1.2.0" && c.commit_known)
    );

    // p1 deployed again from another source, its files untouched (the deployment alone is
    // written, and only its key changes in the row): two deployments; search by source finds
    // the new one.
    write(
        &root.path().join("p1/.claude/.skillmeat-deployed.toml"),
        &rev_deployment("acme/tools/agents/rev@v1.3.0", "1.2.0", None),
    );
    // p2's deployment record removed: a local agent.
    std::fs::remove_file(root.path().join("p2/.claude/.skillmeat-deployed.toml")).unwrap();
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap();
    let all = revs(&cache);
    let by_project: Vec<(Option<&str>, Option<&str>, bool)> = all
        .iter()
        .map(|a| {
            (
                a.source.as_deref(),
                a.deployed_hash.as_deref(),
                a.local_modified,
            )
        })
        .collect();
    assert_eq!(
        by_project,
        [
            (Some("acme/tools/agents/rev@v1.3.0"), None, false),
            (None, None, false),
            (
                Some("acme/tools/agents/rev@v1.2.0"),
                Some(hash.as_str()),
                true
            ),
        ]
    );
    assert_eq!(all[1].origin, "local");
    assert_eq!(rows_of(&cache, "artifact_deployments"), 2);
    let found = cache
        .search(&skillmeat_cache::search::SearchQuery {
            source: Some("acme/tools/agents/rev@v1.3.0".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(cache.store().upstream_candidates(None).unwrap().len(), 2);

    // The last holders gone: their deployments go too.
    assert!(cache.unregister_project(&ids[0]).unwrap());
    assert_eq!(rows_of(&cache, "artifact_deployments"), 1);
    assert!(cache.unregister_project(&ids[2]).unwrap());
    assert_eq!(rows_of(&cache, "artifact_deployments"), 0);
}

/// An artifact row of project `p` as a schema-12 release writes it: its deployment in its own
/// columns, its texts stored apart (here none).
fn insert_v12_artifact(c: &rusqlite::Connection, id: &str, source: Option<&str>) {
    c.execute(
        "INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path, fingerprint,
             scanned_at, updated_at, origin, source, version_spec, deployed_sha, deployed_hash,
             collection_sha, content_hash, local_modified, tags_json)
         VALUES (?1, 'p', 'x', '.claude', 'agent', ?1, '', 'f', 1, 1, 'collection', ?2, 'v1',
             'abc', X'00', 'def', X'01', 1, '')",
        rusqlite::params![id, source],
    )
    .unwrap();
}

#[test]
fn a_schema_12_cache_reads_the_same_after_the_migrations() {
    use skillmeat_cache::store::ownership::APPLICATION_ID;
    use skillmeat_cache::store::schema::migrate_to;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        migrate_to(&mut c, 12).unwrap();
        c.execute_batch(
            "INSERT INTO projects(id, path, name, registered_at, updated_at) VALUES ('p', '/x', 'x', 1, 1);",
        )
        .unwrap();
        insert_v12_artifact(&c, "a1", Some("acme/a@v1"));
        insert_v12_artifact(&c, "a2", Some("acme/a@v1"));
        insert_v12_artifact(&c, "a3", Some("acme/b@v1"));
        // A local artifact: nothing deployed.
        c.execute(
            "INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path,
                 fingerprint, scanned_at, updated_at, tags_json)
             VALUES ('a4', 'p', 'x', '.claude', 'agent', 'a4', '', 'f', 1, 1, '')",
            [],
        )
        .unwrap();
        // As indexed already.
        c.execute("DELETE FROM search_pending", []).unwrap();
    }
    let store = open_store(&db);
    let get = |id: &str| store.get_artifact(id).unwrap().unwrap();
    let a1 = get("a1");
    assert_eq!(a1.source.as_deref(), Some("acme/a@v1"));
    assert_eq!(a1.version_spec.as_deref(), Some("v1"));
    assert_eq!(a1.deployed_sha.as_deref(), Some("abc"));
    assert_eq!(a1.deployed_hash.as_deref(), Some("00"));
    assert!(a1.local_modified);
    assert_eq!(get("a3").source.as_deref(), Some("acme/b@v1"));
    assert_eq!(get("a4").source, None);
    let c = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM artifact_deployments"), 2);
    assert_eq!(count("SELECT SUM(refs) FROM artifact_deployments"), 3);
    assert_eq!(
        count("SELECT COUNT(*) FROM artifacts WHERE deploy_key IS NULL"),
        1,
        "the local artifact stores nothing apart"
    );
    // The migration queued nothing for search: the deployments did not change.
    assert_eq!(count("SELECT COUNT(*) FROM search_pending"), 0);
    // An artifact taking another deployment is indexed again.
    c.execute(
        "UPDATE artifacts SET deploy_key = (SELECT deploy_key FROM artifacts WHERE id = 'a3')
         WHERE id = 'a1'",
        [],
    )
    .unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM search_pending"), 1);
    assert_eq!(get("a1").source.as_deref(), Some("acme/b@v1"));
    assert_eq!(
        store.upstream_candidates(None).unwrap().len(),
        3,
        "every deployed artifact, by its source"
    );
    // Rows deleted: the last holder takes the deployment with it.
    c.execute("DELETE FROM projects WHERE id = 'p'", [])
        .unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM artifact_deployments"), 0);
}

#[test]
fn a_deployment_written_for_a_row_that_is_gone_is_not_kept() {
    use skillmeat_cache::scan::{ArtifactKey, DeployInfo, ProjectScan, ScannedArtifact};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    let store = open_store(&db);
    // A project row whose artifact rows were deleted meanwhile (unregistered while a refresh
    // that saw only its deployment record change was writing): the deployment-only update
    // finds no row to update.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "INSERT INTO projects(id, path, name, registered_at, updated_at) VALUES ('p', '/x', 'x', 1, 1);",
        )
        .unwrap();
    }
    let scan = ProjectScan {
        name: "x".into(),
        artifacts: vec![ScannedArtifact {
            key: ArtifactKey {
                profile: ".claude".into(),
                kind: "agent".parse().unwrap(),
                name: "rev".into(),
            },
            rel_path: ".claude/agents/rev.md".into(),
            fingerprint: "f".into(),
            content: None,
            deploy: DeployInfo {
                origin: "collection".into(),
                source: Some("acme/rev@v1".into()),
                ..Default::default()
            },
        }],
        ..Default::default()
    };
    store.apply_scans(&[("p", None, &scan)]).unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    let stored: i64 = c
        .query_row("SELECT COUNT(*) FROM artifact_deployments", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored, 0, "nothing holds it");
}

#[test]
fn a_schema_13_cache_gains_the_projects_manifests_and_reads_deployed_names_as_names() {
    use skillmeat_cache::store::Fresh;
    use skillmeat_cache::store::ownership::APPLICATION_ID;
    use skillmeat_cache::store::schema::migrate_to;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        migrate_to(&mut c, 13).unwrap();
        // p deploys two artifacts from `.codex`; q deploys nothing; r's one entry lost its files.
        c.execute_batch(
            "INSERT INTO projects(id, path, name, registered_at, updated_at, fingerprint, deployed_count)
                 VALUES ('p', '/p', 'p', 1, 1, 'fp', 2), ('q', '/q', 'q', 1, 1, 'fp', 0),
                        ('r', '/r', 'r', 1, 1, 'fp', 1);
             INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path,
                 fingerprint, scanned_at, updated_at, origin)
                 VALUES ('a1', 'p', 'p', '.codex', 'command', 'git/commit', '', 'f', 1, 1, 'collection'),
                        ('a2', 'p', 'p', '.codex', 'agent', 'planner', '', 'f', 1, 1, 'collection'),
                        ('a3', 'p', 'p', '.claude', 'agent', 'mine', '', 'f', 1, 1, 'local'),
                        ('a4', 'q', 'q', '.claude', 'agent', 'mine', '', 'f', 1, 1, 'local');",
        )
        .unwrap();
    }
    let store = open_store(&db);
    let manifests = |id: &str| {
        let p = store.get_project(id, Fresh::ANY).unwrap().unwrap();
        p.manifests
    };
    assert_eq!(manifests("p"), vec![".codex".to_string()]);
    assert!(manifests("q").is_empty());
    assert_eq!(
        manifests("r"),
        vec![".claude".to_string()],
        "a manifest with entries is in `.claude` when nothing else says"
    );
    let name = |id: &str| store.get_artifact(id).unwrap().unwrap().deployed_name;
    assert_eq!(
        name("a1").as_deref(),
        Some("git/commit"),
        "until a scan reads the manifest"
    );
    assert_eq!(name("a2").as_deref(), Some("planner"));
    assert_eq!(name("a3"), None);
    let c = rusqlite::Connection::open(&db).unwrap();
    let stale: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM projects WHERE fingerprint IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stale, 0, "every project is compared again at its next scan");
}

#[test]
fn a_content_hash_stored_as_its_deployments_reads_back_through_deployment_changes() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let cache = open(home.path(), vec![]);
    let agent = "---\nname: rev\ndescription: Reviews\n---\n";
    let rev = |cache: &Cache, project: &str| {
        let q = ArtifactQuery {
            project_id: Some(project.into()),
            ..Default::default()
        };
        cache.store().list_artifacts(&q).unwrap().items.remove(0)
    };
    // The agent's hash, from a copy with no deployment record.
    let plain = project(root.path(), "plain", 0);
    write(&plain.join(".claude/agents/rev.md"), agent);
    let plain = cache.register_project(&plain.to_string_lossy()).unwrap().id;
    let hash = rev(&cache, &plain).content_hash.unwrap();
    // A copy deployed with that hash: unmodified, and its row stores the empty marker.
    let d = project(root.path(), "deployed", 0);
    write(&d.join(".claude/agents/rev.md"), agent);
    let manifest = d.join(".claude/.skillmeat-deployed.toml");
    write(
        &manifest,
        &rev_deployment("acme/tools/agents/rev@v1.2.0", "1.2.0", Some(&hash)),
    );
    let id = cache.register_project(&d.to_string_lossy()).unwrap().id;
    let a = rev(&cache, &id);
    assert_eq!(a.content_hash.as_deref(), Some(hash.as_str()));
    assert_eq!(a.deployed_hash.as_deref(), Some(hash.as_str()));
    assert!(!a.local_modified);
    let c = rusqlite::Connection::open(cache.store().path().unwrap()).unwrap();
    let stored = |c: &rusqlite::Connection| -> Vec<u8> {
        c.query_row(
            "SELECT content_hash FROM artifacts WHERE project_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(stored(&c).is_empty(), "the marker, not the hash again");
    let refresh = |cache: &Cache| {
        cache
            .refresh_blocking(
                &RefreshOptions::default(),
                skillmeat_cache::cache::RefreshTrigger::Manual,
            )
            .unwrap()
    };
    // Deployed again, another version with the same hash, the files untouched (not read again):
    // the marker stays.
    write(
        &manifest,
        &rev_deployment("acme/tools/agents/rev@v1.2.1", "1.2.1", Some(&hash)),
    );
    refresh(&cache);
    let b = rev(&cache, &id);
    assert_eq!(b.deployed_version.as_deref(), Some("1.2.1"));
    assert_eq!(b.content_hash.as_deref(), Some(hash.as_str()));
    assert!(!b.local_modified);
    assert!(stored(&c).is_empty());
    // Deployed again with another hash: the same content hash, now modified, and no content
    // change.
    let other = "1".repeat(64);
    write(
        &manifest,
        &rev_deployment("acme/tools/agents/rev@v1.3.0", "1.3.0", Some(&other)),
    );
    refresh(&cache);
    let b = rev(&cache, &id);
    assert_eq!(b.content_hash.as_deref(), Some(hash.as_str()));
    assert_eq!(b.deployed_hash.as_deref(), Some(other.as_str()));
    assert!(b.local_modified);
    assert_eq!(b.updated_at, a.updated_at);
    // The record gone: a local agent with the same hash.
    std::fs::remove_file(&manifest).unwrap();
    refresh(&cache);
    let l = rev(&cache, &id);
    assert_eq!(
        (l.origin.as_str(), l.content_hash),
        ("local", Some(hash.clone()))
    );
    assert!(!l.local_modified);
    assert_eq!(stored(&c).len(), 32);
}

#[test]
fn a_schema_14_cache_reads_the_same_after_the_compact_rebuild() {
    use skillmeat_cache::store::ownership::APPLICATION_ID;
    use skillmeat_cache::store::schema::migrate_to;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    let hash = "ab".repeat(32);
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        migrate_to(&mut c, 14).unwrap();
        c.execute_batch(&format!(
            "INSERT INTO projects(id, path, name, registered_at, updated_at, fingerprint)
                 VALUES ('p', '/x', 'x', 1, 1, 'pf'), ('q', '/y', 'y', 1, 1, 'qf');
             INSERT INTO artifact_deployments(deploy_key, source, deployed_hash) VALUES (5, 'acme/a@v1', X'{hash}');
             INSERT INTO artifact_texts(text_key, description, tags_json, tools_json, metadata_json)
                 VALUES (7, 'Reviews', '[]', '[]', '{{}}');
             -- As schema 14 writes them: deployed unmodified, and local and broken.
             INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path, fingerprint,
                 scanned_at, updated_at, origin, source, content_hash, deploy_key, text_key, tags_json,
                 upstream_origin, upstream_version, status, health)
             VALUES ('a1', 'p', 'x', '.claude', 'agent', 'rev', '', '728f46b7e8fd6a45', 1, 2,
                 'collection', '', X'{hash}', 5, 7, '', 'collection', '1.0.0', 'ok', 'ok'),
                    ('a2', 'p', 'x', '.', 'mcp', 'srv', '.mcp.json', 'f', 1, 2,
                 'local', NULL, X'01', NULL, 7, '', NULL, NULL, 'error', 'broken');
             -- As builds of schemas 9 to 12 write rows after a newer one migrated the file: texts
             -- in the row (keeping a key they do not know), problems in the row, a deployment in
             -- the row, and no deployment any more (keeping the key).
             INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path, fingerprint,
                 scanned_at, updated_at, description, tags_json, text_key, problems_json, source,
                 deploy_key, origin)
             VALUES ('a3', 'q', 'y', '.claude', 'agent', 'own', '', 'f', 1, 2, 'its own', '[]', 7,
                 '[{{\"code\":\"SPEC_KEYS\",\"severity\":\"note\",\"file\":\".claude/agents/own.md\",\"message\":\"m\",\"fix\":\"f\"}}]',
                 'acme/own@v2', 5, 'collection'),
                    ('a4', 'q', 'y', '.claude', 'agent', 'gone', '', 'f', 1, 2, NULL, '', 7, '[]', NULL,
                 5, 'local');
             -- A deployment with no source, in the row (a manifest entry with only its hash).
             INSERT INTO artifacts(id, project_id, project_name, profile, type, name, path, fingerprint,
                 scanned_at, updated_at, tags_json, text_key, source, deployed_hash, deploy_key, origin)
             VALUES ('a5', 'q', 'y', '.claude', 'agent', 'hashed', '', 'f', 1, 2, '', 7, NULL, X'02', 5,
                 'collection');
             DELETE FROM search_pending;"
        ))
        .unwrap();
    }
    let store = open_store(&db);
    assert_eq!(
        store.schema_version().unwrap(),
        skillmeat_cache::store::SCHEMA_VERSION
    );
    let get = |id: &str| store.get_artifact(id).unwrap().unwrap();
    let a1 = get("a1");
    assert_eq!(
        (
            a1.profile.as_str(),
            a1.origin.as_str(),
            a1.project_name.as_str()
        ),
        (".claude", "collection", "x")
    );
    assert_eq!(a1.content_hash.as_deref(), Some(hash.as_str()));
    assert_eq!(a1.upstream_origin.map(|o| o.as_str()), Some("collection"));
    assert_eq!(a1.source.as_deref(), Some("acme/a@v1"));
    assert_eq!(a1.description.as_deref(), Some("Reviews"));
    assert_eq!((a1.health.as_str(), a1.status.as_str()), ("ok", "ok"));
    let a2 = get("a2");
    assert_eq!((a2.profile.as_str(), a2.origin.as_str()), (".", "local"));
    assert_eq!(
        (a2.health.as_str(), a2.status.as_str()),
        ("broken", "error")
    );
    assert_eq!(a2.path, ".mcp.json");
    let c = rusqlite::Connection::open(&db).unwrap();
    let raw: (Option<String>, Option<String>, Vec<u8>, i64, Option<String>) = c
        .query_row(
            "SELECT profile, origin, content_hash, fingerprint, health FROM artifacts WHERE id = 'a1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        raw,
        (None, Some(String::new()), vec![], 0x728f46b7e8fd6a45, None)
    );
    // What older builds wrote into the rows reads back as they wrote it.
    let a3 = get("a3");
    assert_eq!(a3.description.as_deref(), Some("its own"));
    assert_eq!(a3.source.as_deref(), Some("acme/own@v2"));
    assert_eq!(a3.problems.len(), 1);
    assert_eq!(a3.problems[0].file, ".claude/agents/own.md");
    let a4 = get("a4");
    assert_eq!((a4.origin.as_str(), a4.source), ("local", None));
    let a5 = get("a5");
    assert_eq!((a5.source, a5.deployed_hash.as_deref()), (None, Some("02")));
    assert_eq!(a4.description.as_deref(), Some("Reviews"));
    assert_eq!(
        store.upstream_candidates(None).unwrap().len(),
        2,
        "a1 and a3: a4 is deployed no more"
    );
    // The rebuild queued nothing for search; the rows whose texts moved apart are queued.
    let refs = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        refs("SELECT COUNT(*) FROM search_pending WHERE scope != 'p:q'"),
        0
    );
    assert_eq!(
        refs("SELECT COUNT(*) FROM search_pending WHERE scope = 'p:q'"),
        1
    );
    c.execute("DELETE FROM artifacts WHERE id IN ('a3', 'a4', 'a5')", [])
        .unwrap();
    c.execute("DELETE FROM search_pending", []).unwrap();
    // The holders were copied with their keys; the triggers made again keep counting.
    c.execute("DELETE FROM artifacts WHERE id = 'a1'", [])
        .unwrap();
    assert_eq!(refs("SELECT COUNT(*) FROM artifact_deployments"), 0);
    assert_eq!(
        refs("SELECT refs FROM artifact_texts WHERE text_key = 7"),
        1
    );
    // A project renamed is queued for search.
    assert_eq!(refs("SELECT COUNT(*) FROM search_pending"), 1, "the delete");
    c.execute("DELETE FROM search_pending", []).unwrap();
    c.execute("UPDATE projects SET name = 'renamed' WHERE id = 'p'", [])
        .unwrap();
    assert_eq!(
        refs("SELECT COUNT(*) FROM search_pending WHERE scope = 'p:p'"),
        1
    );
    assert_eq!(get("a2").project_name, "renamed");
}
