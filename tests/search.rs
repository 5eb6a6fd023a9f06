//! The search index through its public API, on real temp folders: relevance, filters, sorts,
//! paging, hostile input, corruption repair, generations and concurrent writers.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use skillmeat_cache::model::Order;
use skillmeat_cache::search::{DocKind, SearchDoc, SearchIndex, SearchPage, SearchQuery, SortBy};

fn artifact(id: &str, project: &str, name: &str, ty: &str, tags: &[&str], desc: &str) -> SearchDoc {
    SearchDoc {
        id: id.to_string(),
        kind: DocKind::Artifact,
        name: name.to_string(),
        display_name: name.to_string(),
        artifact_type: ty.to_string(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        source: None,
        description: (!desc.is_empty()).then(|| desc.to_string()),
        project_id: Some(project.to_string()),
        project_name: Some(format!("{project} name")),
        origin: "local".to_string(),
        status: "ok".to_string(),
        outdated: false,
        health: "ok".to_string(),
        updated_at: 0,
    }
}

fn entry(id: &str, source: &str, name: &str, desc: &str) -> SearchDoc {
    SearchDoc {
        kind: DocKind::Entry,
        source: Some(source.to_string()),
        project_id: None,
        project_name: None,
        origin: "marketplace".to_string(),
        ..artifact(id, "", name, "plugin", &[], desc)
    }
}

fn ids(p: &SearchPage) -> Vec<String> {
    p.hits.iter().map(|h| h.id.clone()).collect()
}

fn search(ix: &SearchIndex, text: &str) -> SearchPage {
    ix.search(&SearchQuery::text(text)).unwrap()
}

fn open(dir: &Path) -> SearchIndex {
    SearchIndex::open(dir).unwrap().0
}

/// The four documents of the issue plus a few distractors.
fn relevance_docs() -> Vec<SearchDoc> {
    vec![
        artifact(
            "a1",
            "p1",
            "code-reviewer",
            "agent",
            &["review", "quality"],
            "Reviews pull requests for bugs",
        ),
        artifact(
            "a2",
            "p1",
            "code-review-helper",
            "skill",
            &["review"],
            "Helps with code review checklists",
        ),
        artifact(
            "a3",
            "p1",
            "reviewer-bot",
            "agent",
            &[],
            "Automated reviewer for docs",
        ),
        artifact(
            "a4",
            "p1",
            "pdf-tools",
            "skill",
            &["pdf", "documents"],
            "Fill, merge and split PDF files",
        ),
        artifact(
            "a5",
            "p1",
            "linter",
            "command",
            &[],
            "Run the linter; part of a code review flow",
        ),
        artifact("a6", "p1", "deploy", "command", &["ops"], "Deploy the app"),
        SearchDoc {
            display_name: "Résumé Writer".to_string(),
            ..artifact("a7", "p1", "cv", "skill", &[], "Writes a CV")
        },
    ]
}

#[test]
fn exact_prefix_and_typo_matches_rank_sensibly() {
    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    ix.replace_project("p1", &relevance_docs(), 1).unwrap();

    // Exact name first, in any case and with or without separators.
    for q in [
        "code-reviewer",
        "Code-Reviewer",
        "CODE REVIEWER",
        "codereviewer",
    ] {
        let p = search(&ix, q);
        assert_eq!(p.hits[0].id, "a1", "{q}: {:?}", ids(&p));
        assert_eq!(p.hits[0].kind, DocKind::Artifact);
    }
    // Prefix of the last word (search-as-you-type).
    let p = search(&ix, "revi");
    let found: BTreeSet<_> = ids(&p).into_iter().collect();
    for id in ["a1", "a2", "a3"] {
        assert!(found.contains(id), "revi: {found:?}");
    }
    assert!(
        !found.contains("a4") && !found.contains("a6"),
        "revi: {found:?}"
    );
    // Name matches rank above description-only ones.
    let pos = |p: &SearchPage, id: &str| ids(p).iter().position(|x| x == id).unwrap();
    assert!(pos(&p, "a3") < pos(&p, "a5"), "{:?}", ids(&p));
    // Typos: one edit for 4–7 letters, two for longer words (a transposition is one edit).
    let p = search(&ix, "reveiwer");
    assert!(ids(&p).contains(&"a1".to_string()), "{:?}", ids(&p));
    assert!(ids(&p).contains(&"a3".to_string()), "{:?}", ids(&p));
    let p = search(&ix, "pdf tols");
    assert_eq!(p.hits[0].id, "a4");
    assert!(!p.relaxed);
    let p = search(&ix, "deplyo");
    assert_eq!(ids(&p), vec!["a6"]);
    // Short words are not fuzzy: "pfd" is no "pdf".
    assert_eq!(search(&ix, "pfd").total, 0);
    // Every word must match...
    let p = search(&ix, "code review");
    assert!(!p.relaxed);
    assert!(!ids(&p).contains(&"a4".to_string()));
    assert!(pos(&p, "a2") < pos(&p, "a5"), "{:?}", ids(&p));
    // ...unless nothing matches them all: then any word will do, and the page says so.
    let p = search(&ix, "pdf banana");
    assert!(p.relaxed);
    assert_eq!(ids(&p), vec!["a4"]);
    // Tags rank above descriptions.
    let p = search(&ix, "quality");
    assert_eq!(ids(&p), vec!["a1"]);
    // Display names and accent folding.
    assert_eq!(ids(&search(&ix, "resume")), vec!["a7"]);
    assert_eq!(ids(&search(&ix, "Résumé writer")), vec!["a7"]);
    // Project name and type are searchable too (low weight).
    assert!(search(&ix, "agent").total >= 2);
    // Scores decrease down the page.
    let p = search(&ix, "review");
    assert!(p.hits.windows(2).all(|w| w[0].score >= w[1].score));
}

/// 60 artifacts over 3 projects and 12 entries over 2 sources, with known attributes.
fn catalogue() -> Vec<SearchDoc> {
    let types = ["skill", "command", "agent"];
    let mut docs = Vec::new();
    for i in 0..60 {
        let p = format!("p{}", i % 3);
        let mut tags = vec![if i % 2 == 0 { "Even" } else { "odd" }];
        if i % 5 == 0 {
            tags.push("five");
        }
        let mut d = artifact(
            &format!("id{i:03}"),
            &p,
            // Names repeat across projects (same name in several projects).
            &format!("tool-{}", i % 20),
            types[i % 3],
            &tags,
            "a handy tool",
        );
        d.outdated = i % 4 == 0;
        d.updated_at = 1_000 + ((i * 37) % 60) as i64;
        d.source = (i % 6 == 0).then(|| "acme/tools@v1".to_string());
        d.status = if i == 7 { "error" } else { "ok" }.to_string();
        d.origin = if i % 2 == 0 { "collection" } else { "local" }.to_string();
        docs.push(d);
    }
    for i in 0..12 {
        let mut e = entry(
            &format!("e{i:02}"),
            if i < 8 { "official" } else { "community" },
            &format!("plugin-{i}"),
            "a handy plugin",
        );
        e.updated_at = 2_000 + i as i64;
        e.outdated = i == 3;
        docs.push(e);
    }
    docs
}

fn load(ix: &SearchIndex, docs: &[SearchDoc]) {
    for p in ["p0", "p1", "p2"] {
        let mine: Vec<_> = docs
            .iter()
            .filter(|d| d.project_id.as_deref() == Some(p))
            .cloned()
            .collect();
        ix.replace_project(p, &mine, 1).unwrap();
    }
    for s in ["official", "community"] {
        let mine: Vec<_> = docs
            .iter()
            .filter(|d| d.kind == DocKind::Entry && d.source.as_deref() == Some(s))
            .cloned()
            .collect();
        ix.replace_source(s, &mine, 1).unwrap();
    }
}

/// Every page of `q`, concatenated, with the total of each page.
fn all_pages(ix: &SearchIndex, q: &SearchQuery, size: usize) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut total = None;
    let mut offset = 0;
    loop {
        let p = ix
            .search(&SearchQuery {
                offset,
                limit: size,
                ..q.clone()
            })
            .unwrap();
        if let Some(t) = total {
            assert_eq!(t, p.total, "total changes between pages");
        }
        total = Some(p.total);
        if p.hits.is_empty() {
            break;
        }
        assert!(p.hits.len() <= size);
        out.extend(ids(&p));
        offset += size;
    }
    (out, total.unwrap_or(0))
}

#[test]
fn every_filter_and_sort_pages_with_true_totals() {
    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    let docs = catalogue();
    load(&ix, &docs);
    assert_eq!(ix.stats().docs, docs.len() as u64);

    type Pred = Box<dyn Fn(&SearchDoc) -> bool>;
    let cases: Vec<(SearchQuery, Pred)> = vec![
        (SearchQuery::default(), Box::new(|_| true)),
        (
            SearchQuery {
                kind: Some(DocKind::Artifact),
                ..Default::default()
            },
            Box::new(|d| d.kind == DocKind::Artifact),
        ),
        (
            SearchQuery {
                kind: Some(DocKind::Entry),
                ..Default::default()
            },
            Box::new(|d| d.kind == DocKind::Entry),
        ),
        (
            SearchQuery {
                artifact_type: Some("agent".into()),
                ..Default::default()
            },
            Box::new(|d| d.artifact_type == "agent"),
        ),
        (
            SearchQuery {
                project_id: Some("p1".into()),
                ..Default::default()
            },
            Box::new(|d| d.project_id.as_deref() == Some("p1")),
        ),
        (
            SearchQuery {
                tags: vec!["even".into(), "FIVE".into()],
                ..Default::default()
            },
            Box::new(|d| {
                d.tags.contains(&"Even".to_string()) && d.tags.contains(&"five".to_string())
            }),
        ),
        (
            SearchQuery {
                source: Some("community".into()),
                ..Default::default()
            },
            Box::new(|d| d.source.as_deref() == Some("community")),
        ),
        (
            SearchQuery {
                source: Some("acme/tools@v1".into()),
                ..Default::default()
            },
            Box::new(|d| d.source.as_deref() == Some("acme/tools@v1")),
        ),
        (
            SearchQuery {
                outdated: Some(true),
                ..Default::default()
            },
            Box::new(|d| d.outdated),
        ),
        (
            SearchQuery {
                outdated: Some(false),
                kind: Some(DocKind::Artifact),
                ..Default::default()
            },
            Box::new(|d| !d.outdated && d.kind == DocKind::Artifact),
        ),
        (
            SearchQuery {
                status: Some("error".into()),
                ..Default::default()
            },
            Box::new(|d| d.status == "error"),
        ),
        (
            SearchQuery {
                origin: Some("collection".into()),
                project_id: Some("p2".into()),
                ..Default::default()
            },
            Box::new(|d| d.origin == "collection" && d.project_id.as_deref() == Some("p2")),
        ),
        (
            SearchQuery {
                text: "tool".into(),
                project_id: Some("p0".into()),
                outdated: Some(true),
                ..Default::default()
            },
            Box::new(|d| {
                d.kind == DocKind::Artifact && d.project_id.as_deref() == Some("p0") && d.outdated
            }),
        ),
        (
            SearchQuery {
                text: "plugin".into(),
                ..Default::default()
            },
            Box::new(|d| d.kind == DocKind::Entry),
        ),
        (
            SearchQuery {
                artifact_type: Some("nope".into()),
                ..Default::default()
            },
            Box::new(|_| false),
        ),
    ];
    for (q, pred) in cases {
        let want: Vec<&SearchDoc> = docs.iter().filter(|d| pred(d)).collect();
        for (sort, order) in [
            (SortBy::Name, Order::Asc),
            (SortBy::Name, Order::Desc),
            (SortBy::Updated, Order::Desc),
            (SortBy::Updated, Order::Asc),
        ] {
            let mut expected = want.clone();
            match sort {
                SortBy::Name => expected.sort_by(|a, b| {
                    (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id))
                }),
                _ => expected.sort_by(|a, b| (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id))),
            }
            if order == Order::Desc {
                expected.reverse();
            }
            let expected: Vec<String> = expected.iter().map(|d| d.id.clone()).collect();
            let q = SearchQuery {
                sort_by: Some(sort),
                order: Some(order),
                ..q.clone()
            };
            let (got, total) = all_pages(&ix, &q, 7);
            assert_eq!(total, expected.len(), "{q:?}");
            assert_eq!(got, expected, "{q:?}");
        }
        // Relevance: same set, and scores never increase down the pages.
        let q = SearchQuery {
            sort_by: Some(SortBy::Relevance),
            ..q.clone()
        };
        let (got, total) = all_pages(&ix, &q, 9);
        assert_eq!(total, want.len(), "{q:?}");
        let got: BTreeSet<_> = got.into_iter().collect();
        let want: BTreeSet<_> = want.iter().map(|d| d.id.clone()).collect();
        assert_eq!(got, want, "{q:?}");
    }

    // Defaults: an empty query lists by name ascending; relevance without text means name.
    let p = ix
        .search(&SearchQuery {
            limit: 3,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&p), vec!["e00", "e01", "e10"]); // plugin-0, plugin-1, plugin-10
    let r = ix
        .search(&SearchQuery {
            limit: 3,
            sort_by: Some(SortBy::Relevance),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&r), ids(&p));
    // limit 0 counts only; an offset past the end is an empty page with the total.
    let p = ix
        .search(&SearchQuery {
            limit: 0,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((p.hits.len(), p.total), (0, docs.len()));
    let p = ix
        .search(&SearchQuery {
            offset: 10_000_000,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((p.hits.len(), p.total), (0, docs.len()));
    let p = ix
        .search(&SearchQuery {
            offset: usize::MAX,
            limit: usize::MAX,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((p.hits.len(), p.total), (0, docs.len()));
    // Hits carry their kind.
    let p = ix
        .search(&SearchQuery {
            text: "plugin-3".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (p.hits[0].id.as_str(), p.hits[0].kind),
        ("e03", DocKind::Entry)
    );
}

/// Deterministic pseudo-random text of `n` characters drawn from all of Unicode.
fn random_text(n: usize, seed: u64) -> String {
    let mut x = seed;
    let mut s = String::new();
    while s.chars().count() < n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let v = (x >> 33) as u32;
        let c = match v % 4 {
            0 => char::from_u32(v % 128),
            1 => char::from_u32(0x20 + v % 0x60),
            2 => char::from_u32(v % 0x3000),
            _ => char::from_u32(v % 0x11_0000),
        };
        if let Some(c) = c {
            s.push(c);
        }
    }
    s
}

#[test]
fn any_string_is_a_valid_query() {
    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    ix.replace_project("p1", &relevance_docs(), 1).unwrap();
    let mut hostile: Vec<String> = [
        "\"unterminated",
        "name:foo",
        "[1 TO 2]",
        "{1 TO *}",
        "a AND OR NOT",
        "AND",
        "OR OR OR",
        "NOT",
        "🔥🔥",
        "(((",
        ")",
        "+-!*?~^\\/",
        "code*",
        "re?iew",
        "~2",
        "\"code reviewer\"~3",
        "field:\"x\" AND -y",
        "'; DROP TABLE artifacts; --",
        "\0\u{1}\u{7f}",
        "\u{202e}rtl\u{200b}zero-width",
        "Ǆ İstanbul ß ﬁ",
        "日本語のスキル",
        "",
        "   ",
        "\t\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    hostile.push("x".repeat(10_000));
    hostile.push("ab ".repeat(5_000));
    for seed in 0..5 {
        hostile.push(random_text(10_000, seed));
    }
    for h in &hostile {
        for sort in [None, Some(SortBy::Name), Some(SortBy::Updated)] {
            let q = SearchQuery {
                text: h.clone(),
                sort_by: sort,
                tags: vec![h.clone()],
                ..Default::default()
            };
            ix.search(&q).unwrap();
            ix.search(&SearchQuery {
                sort_by: sort,
                ..SearchQuery::text(h.clone())
            })
            .unwrap();
        }
    }
    // Operators are just words; they do not break the other words.
    let p = search(&ix, "pdf AND tools");
    assert_eq!(p.hits[0].id, "a4");
    // Emoji alone match nothing (rather than everything).
    assert_eq!(search(&ix, "🔥🔥").total, 0);
}

fn snapshot(ix: &SearchIndex) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for q in [
        "code-reviewer",
        "revi",
        "reveiwer",
        "pdf tols",
        "tool",
        "plugin",
        "handy",
        "",
    ] {
        for sort in [None, Some(SortBy::Name), Some(SortBy::Updated)] {
            let q = SearchQuery {
                text: q.to_string(),
                sort_by: sort,
                limit: 100,
                ..Default::default()
            };
            let p = ix.search(&q).unwrap();
            let mut v = ids(&p);
            v.push(format!("total={}", p.total));
            out.push(v);
        }
    }
    out
}

fn everything() -> Vec<SearchDoc> {
    let mut docs = catalogue();
    docs.extend(relevance_docs());
    docs
}

#[test]
fn missing_or_corrupt_index_is_recreated_and_rebuilds_identically() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("search");
    let (ix, opened) = SearchIndex::open(&dir).unwrap();
    assert_eq!(opened.rebuilt_reason.as_deref(), Some("index missing"));
    let docs = everything();
    ix.rebuild(docs.clone(), 5).unwrap();
    let before = snapshot(&ix);
    assert_eq!(ix.generation(), 5);
    assert!(ix.stats().last_rebuild_at.is_some());
    drop(ix);

    // Healthy: opens as is.
    let (ix, opened) = SearchIndex::open(&dir).unwrap();
    assert_eq!(opened.rebuilt_reason, None);
    assert_eq!((opened.generation, opened.docs), (5, docs.len() as u64));
    assert_eq!(snapshot(&ix), before);
    drop(ix);

    type Harm = Box<dyn Fn(&Path)>;
    let damage: Vec<(&str, Harm)> = vec![
        (
            "garbage meta.json",
            Box::new(|d| std::fs::write(d.join("meta.json"), b"\x00garbage{").unwrap()),
        ),
        (
            "deleted folder",
            Box::new(|d| std::fs::remove_dir_all(d).unwrap()),
        ),
        (
            "empty meta.json",
            Box::new(|d| std::fs::write(d.join("meta.json"), b"").unwrap()),
        ),
        (
            "damaged segment file",
            Box::new(|d| {
                for e in std::fs::read_dir(d).unwrap() {
                    let p = e.unwrap().path();
                    if p.extension().is_some_and(|x| x == "idx" || x == "term") {
                        let len = std::fs::metadata(&p).unwrap().len() as usize;
                        std::fs::write(&p, vec![0x5a; len]).unwrap();
                    }
                }
            }),
        ),
        (
            "missing segment file",
            Box::new(|d| {
                for e in std::fs::read_dir(d).unwrap() {
                    let p = e.unwrap().path();
                    if p.extension().is_some_and(|x| x == "fast") {
                        std::fs::remove_file(&p).unwrap();
                    }
                }
            }),
        ),
        (
            "other schema version",
            Box::new(|d| {
                let meta = std::fs::read_to_string(d.join("meta.json")).unwrap();
                let changed = meta.replace("\\\"schema\\\":3", "\\\"schema\\\":99");
                assert_ne!(meta, changed);
                std::fs::write(d.join("meta.json"), changed).unwrap();
            }),
        ),
    ];
    for (what, harm) in damage {
        harm(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("not-ours.txt"), "keep me").unwrap();
        let (ix, opened) = SearchIndex::open(&dir).unwrap();
        let reason = opened
            .rebuilt_reason
            .unwrap_or_else(|| panic!("{what}: not detected"));
        eprintln!("{what}: {reason}");
        assert_eq!((opened.docs, opened.generation), (0, 0), "{what}");
        assert_eq!(ix.search(&SearchQuery::default()).unwrap().total, 0);
        // A generation mismatch tells the caller to rebuild; afterwards it answers the same.
        ix.rebuild(docs.clone(), 5).unwrap();
        assert_eq!(snapshot(&ix), before, "{what}");
        assert_eq!(
            std::fs::read_to_string(dir.join("not-ours.txt")).unwrap(),
            "keep me"
        );
        drop(ix);
    }
}

#[test]
fn writes_replace_remove_and_clear() {
    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    let docs = relevance_docs();
    ix.replace_project("p1", &docs, 1).unwrap();
    let mut other = artifact("b1", "p2", "pdf-tools", "skill", &[], "another copy");
    other.source = Some("official".into());
    ix.replace_project("p2", &[other], 2).unwrap();
    ix.replace_source(
        "official",
        &[entry("e1", "official", "pdf-suite", "pdf things")],
        3,
    )
    .unwrap();
    assert_eq!(search(&ix, "pdf").total, 3);

    // A scan that no longer finds a4 removes it; the same name elsewhere stays.
    let fewer: Vec<_> = docs.iter().filter(|d| d.id != "a4").cloned().collect();
    ix.replace_project("p1", &fewer, 4).unwrap();
    assert_eq!(ids(&search(&ix, "pdf-tools")), vec!["b1"]);
    let p = search(&ix, "pdf");
    assert_eq!(
        ids(&p).into_iter().collect::<BTreeSet<_>>(),
        ["b1".to_string(), "e1".to_string()].into()
    );
    assert_eq!(ix.stats().docs, (fewer.len() + 2) as u64);

    // Replacing a source touches only its entries (not artifacts whose source spec is equal).
    ix.replace_source("official", &[], 5).unwrap();
    assert_eq!(ids(&search(&ix, "pdf")), vec!["b1"]);
    ix.remove_project("p2", 6).unwrap();
    assert_eq!(search(&ix, "pdf").total, 0);
    assert!(search(&ix, "reviewer").total > 0);

    ix.clear(0).unwrap();
    assert_eq!(ix.stats().docs, 0);
    assert_eq!(ix.generation(), 0);
}

#[test]
fn generation_is_monotonic_for_writes_and_exact_for_rebuilds() {
    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    assert_eq!(ix.generation(), 0);
    ix.replace_project("p1", &relevance_docs(), 7).unwrap();
    assert_eq!(ix.generation(), 7);
    // A late writer with an older generation does not move it back.
    ix.replace_project("p2", &[], 6).unwrap();
    assert_eq!(ix.generation(), 7);
    ix.remove_project("p2", 9).unwrap();
    assert_eq!(ix.generation(), 9);
    // A rebuild from a database that restarted at 3 sets it exactly.
    ix.rebuild(relevance_docs(), 3).unwrap();
    assert_eq!(ix.generation(), 3);
    let stats = ix.stats();
    assert_eq!(stats.generation, 3);
    assert!(stats.size_bytes > 0);
    assert!(stats.last_rebuild_ms.is_some());
    drop(ix);
    let (again, opened) = SearchIndex::open(home.path()).unwrap();
    assert_eq!(opened.generation, 3);
    assert_eq!(again.generation(), 3);
}

#[test]
fn two_writers_on_one_folder_wait_for_each_other_and_lose_nothing() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().to_path_buf();
    // Two separately opened indexes on the same folder behave like two processes: tantivy's
    // and our folder lock are per open file, so one must wait for the other.
    let a = Arc::new(open(&dir));
    let b = Arc::new(open(&dir));
    let projects = 15;
    let per = 40;
    let write = |ix: Arc<SearchIndex>, tag: &'static str| {
        std::thread::spawn(move || {
            for p in 0..projects {
                let pid = format!("{tag}{p}");
                let docs: Vec<_> = (0..per)
                    .map(|i| {
                        artifact(
                            &format!("{pid}-{i}"),
                            &pid,
                            &format!("{tag} tool {i}"),
                            "skill",
                            &[],
                            "x",
                        )
                    })
                    .collect();
                ix.replace_project(&pid, &docs, (p + 1) as u64).unwrap();
            }
        })
    };
    let ta = write(a.clone(), "alpha");
    let tb = write(b.clone(), "beta");
    ta.join().unwrap();
    tb.join().unwrap();
    let want = (2 * projects * per) as u64;
    // Each sees its own writes at once; the other's after a reload (or shortly on its own).
    a.reload().unwrap();
    b.reload().unwrap();
    for ix in [&a, &b] {
        assert_eq!(ix.stats().docs, want);
        assert_eq!(search(ix, "alpha").total, projects * per);
        assert_eq!(search(ix, "beta").total, projects * per);
        assert_eq!(ix.stats().write_failures, 0);
    }
    eprintln!(
        "lock waits: a={} b={}; segments={}",
        a.stats().lock_waits,
        b.stats().lock_waits,
        a.stats().segments
    );
    drop((a, b));
    let (c, opened) = SearchIndex::open(&dir).unwrap();
    assert_eq!(opened.rebuilt_reason, None);
    assert_eq!(c.stats().docs, want);
    assert_eq!(c.generation(), projects as u64);
    c.remove_project("alpha0", projects as u64).unwrap();
    assert_eq!(orphans(&dir), Vec::<String>::new());
}

#[test]
fn commits_of_another_writer_become_visible_without_reload() {
    let home = tempfile::tempdir().unwrap();
    let a = open(home.path());
    let b = open(home.path());
    a.replace_project("p1", &relevance_docs(), 1).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while search(&b, "pdf").total == 0 {
        assert!(Instant::now() < deadline, "b never saw a's commit");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(b.generation(), 1);
}

#[test]
fn a_writer_that_never_lets_go_fails_visibly_after_the_timeout() {
    use tantivy::Directory;
    use tantivy::directory::{Lock, MmapDirectory};

    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    ix.set_lock_timeout(Duration::from_millis(300));
    let held = MmapDirectory::open(home.path())
        .unwrap()
        .acquire_lock(&Lock {
            filepath: ".skillmeat-search.lock".into(),
            is_blocking: false,
        })
        .unwrap();
    let start = Instant::now();
    let err = ix.replace_project("p1", &relevance_docs(), 1).unwrap_err();
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(err.code(), "CACHE_BUSY");
    let stats = ix.stats();
    assert_eq!(stats.write_failures, 1);
    assert!(stats.lock_waits > 0);
    assert!(stats.last_error.unwrap().contains("locked"));
    // Once it lets go, writes go through.
    drop(held);
    ix.replace_project("p1", &relevance_docs(), 1).unwrap();
    assert_eq!(search(&ix, "pdf").total, 1);
}

#[test]
fn memory_index_works_like_the_folder_one() {
    let ix = SearchIndex::open_in_ram().unwrap();
    let docs = catalogue();
    load(&ix, &docs);
    assert_eq!(ix.stats().docs, docs.len() as u64);
    assert_eq!(ix.stats().mode, "memory");
    assert_eq!(search(&ix, "plugin-3").hits[0].id, "e03");
    ix.rebuild(everything(), 2).unwrap();
    assert_eq!(ix.generation(), 2);
    assert_eq!(search(&ix, "code-reviewer").hits[0].id, "a1");
    ix.clear(3).unwrap();
    assert_eq!(ix.stats().docs, 0);
}

fn synthetic(n: usize) -> Vec<SearchDoc> {
    let words = [
        "code", "review", "pdf", "tools", "deploy", "lint", "test", "docs", "git", "helper",
        "agent", "writer", "data", "sql", "cloud", "format", "commit", "search", "index", "cache",
        "api", "client", "server", "debug", "trace", "metrics", "shell", "python", "rust", "node",
    ];
    let mut x: u64 = 42;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    (0..n)
        .map(|i| {
            let name = format!("{}-{}-{}", words[next() % 30], words[next() % 30], i % 97);
            let desc: Vec<&str> = (0..12).map(|_| words[next() % 30]).collect();
            let mut d = artifact(
                &format!("s{i:05}"),
                &format!("proj{}", i % 50),
                &name,
                ["skill", "command", "agent"][i % 3],
                &[words[next() % 30], words[next() % 30]],
                &desc.join(" "),
            );
            d.updated_at = next() as i64;
            d.outdated = i % 7 == 0;
            d
        })
        .collect()
}

#[test]
fn timing_on_ten_thousand_documents() {
    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    let docs = synthetic(10_000);
    let r = ix.rebuild(docs, 1).unwrap();
    let queries = [
        "code",
        "revi",
        "reveiw",
        "pdf tols",
        "deploy helper",
        "rust-server",
        "c",
        "data sql cloud",
        "metrcs",
        "code review helper agent",
        "zzz",
        "python",
    ];
    let mut times = Vec::new();
    for i in 0..300 {
        let mut q = SearchQuery::text(queries[i % queries.len()]);
        if i % 3 == 1 {
            q.project_id = Some(format!("proj{}", i % 50));
        }
        if i % 5 == 2 {
            q.sort_by = Some(SortBy::Updated);
        }
        let t = Instant::now();
        let p = ix.search(&q).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(p.hits.len() <= 20);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    // Re-indexing one project (what follows a scan) on top of the 10k documents.
    let mut writes = Vec::new();
    for p in 0..10 {
        let pid = format!("proj{p}");
        let docs: Vec<_> = synthetic(10_000)
            .into_iter()
            .filter(|d| d.project_id.as_deref() == Some(pid.as_str()))
            .collect();
        let t = Instant::now();
        ix.replace_project(&pid, &docs, 2).unwrap();
        writes.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    writes.sort_by(|a, b| a.total_cmp(b));
    let stats = ix.stats();
    assert_eq!(stats.docs, 10_000);
    eprintln!(
        "10k docs: rebuild {:.0} ms, {} bytes on disk, {} segments; 300 queries p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; replace_project (200 docs) p50 {:.1} ms, max {:.1} ms",
        r.took_ms,
        stats.size_bytes,
        stats.segments,
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1],
        writes[writes.len() / 2],
        writes[writes.len() - 1]
    );
}

/// The real corpus (shared/corpus), scanned by the cache and indexed: searches a person would
/// type find what they mean.
#[test]
fn the_real_corpus_searches_well() {
    use skillmeat_cache::model::ArtifactQuery;
    use skillmeat_cache::{Cache, Options, RefreshOptions};

    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/projects");
    let corpus = if corpus.is_dir() {
        corpus
    } else {
        match std::env::var("SKILLMEAT_CORPUS") {
            Ok(p) => p.into(),
            Err(_) => {
                eprintln!("corpus not found; skipped");
                return;
            }
        }
    };
    let home = tempfile::tempdir().unwrap();
    let env: std::collections::BTreeMap<String, String> = Default::default();
    let cache = Cache::open_with_env(
        Options {
            home: Some(home.path().into()),
            project_roots: Some(vec![corpus]),
            discovery_depth: Some(1),
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
    let artifacts = cache
        .list_artifacts(&ArtifactQuery {
            limit: Some(10_000),
            ..Default::default()
        })
        .unwrap()
        .items;
    assert!(artifacts.len() > 500, "{}", artifacts.len());
    let ix = open(&home.path().join("search"));
    let r = ix
        .rebuild(artifacts.iter().map(SearchDoc::from_artifact), 1)
        .unwrap();
    let by_id: std::collections::HashMap<&str, &skillmeat_cache::model::Artifact> =
        artifacts.iter().map(|a| (a.id.as_str(), a)).collect();
    let top = |q: &str, n: usize| -> Vec<String> {
        let p = ix
            .search(&SearchQuery {
                limit: n,
                ..SearchQuery::text(q)
            })
            .unwrap();
        p.hits
            .iter()
            .map(|h| by_id[h.id.as_str()].name.clone())
            .collect()
    };
    eprintln!(
        "corpus: {} artifacts indexed in {:.0} ms",
        r.docs, r.took_ms
    );
    for q in [
        "code-reviewer",
        "code review",
        "revi",
        "reveiwer",
        "pdf",
        "frontend design",
        "kubernetes",
        "test driven",
        "debuging",
        "security audit",
        "sql",
        "python pro",
        "mcp builder",
        "brainstorming",
        "git commit",
    ] {
        let t = Instant::now();
        let names = top(q, 5);
        eprintln!(
            "{q:>18} ({:.2} ms): {}",
            t.elapsed().as_secs_f64() * 1000.0,
            names.join(", ")
        );
    }
    // An exact name comes first.
    assert_eq!(top("code-reviewer", 1), vec!["code-reviewer"]);
    // Typos and prefixes still find it.
    assert!(top("reveiwer", 10).iter().any(|n| n.contains("reviewer")));
    assert!(top("code-revi", 10).iter().any(|n| n == "code-reviewer"));
}

/// Segment files in `dir` that no segment of `meta.json` uses (files a writer forgot).
fn orphans(dir: &Path) -> Vec<String> {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let live: BTreeSet<String> = meta["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment_id"].as_str().unwrap().replace('-', ""))
        .collect();
    let files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() > 33 && n.as_bytes()[32] == b'.')
        .collect();
    // The parsing above is right: every live segment has its files.
    for id in &live {
        assert!(files.iter().any(|f| f.starts_with(id.as_str())), "{id}");
    }
    files
        .into_iter()
        .filter(|n| !live.contains(&n[..32]))
        .collect()
}

/// A real second process (this test binary run again) writes into the same folder while this
/// one does: both wait for each other's lock and every document is there afterwards.
#[test]
fn two_processes_write_one_folder() {
    const CHILD: &str = "SKILLMEAT_SEARCH_TEST_CHILD";
    const CHILD_PROJECTS: usize = 40;
    const PARENT_PROJECTS: usize = 12;
    let write = |ix: &SearchIndex, tag: &str, projects: usize| {
        for p in 0..projects {
            let pid = format!("{tag}{p}");
            let docs: Vec<_> = (0..30)
                .map(|i| {
                    artifact(
                        &format!("{pid}-{i}"),
                        &pid,
                        &format!("{tag} tool {i}"),
                        "skill",
                        &[],
                        "x",
                    )
                })
                .collect();
            ix.replace_project(&pid, &docs, 1).unwrap();
        }
    };
    if let Ok(dir) = std::env::var(CHILD) {
        write(&open(Path::new(&dir)), "child", CHILD_PROJECTS);
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "two_processes_write_one_folder",
            "--test-threads=1",
        ])
        .env(CHILD, home.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Start once the child is writing, so that the two overlap.
    let deadline = Instant::now() + Duration::from_secs(20);
    while search(&ix, "child").total == 0 {
        assert!(Instant::now() < deadline, "the child never wrote");
        std::thread::sleep(Duration::from_millis(5));
        ix.reload().unwrap();
    }
    write(&ix, "parent", PARENT_PROJECTS);
    assert!(child.wait().unwrap().success());
    ix.reload().unwrap();
    assert_eq!(search(&ix, "child").total, CHILD_PROJECTS * 30);
    assert_eq!(search(&ix, "parent").total, PARENT_PROJECTS * 30);
    assert_eq!(ix.stats().write_failures, 0);
    eprintln!("parent waited for the lock {} times", ix.stats().lock_waits);
    drop(ix);
    let (ix, opened) = SearchIndex::open(home.path()).unwrap();
    assert_eq!(opened.rebuilt_reason, None);
    assert_eq!(
        ix.stats().docs,
        ((CHILD_PROJECTS + PARENT_PROJECTS) * 30) as u64
    );
}

#[test]
fn a_typo_ranks_the_closest_whole_name_first_whatever_the_ids() {
    let home = tempfile::tempdir().unwrap();
    let ix = open(home.path());
    // Ids chosen so that the id tie-break alone would put the longer name first.
    let docs = vec![
        artifact(
            "a",
            "p",
            "code-reviewer",
            "agent",
            &["review"],
            "Reviews code",
        ),
        artifact("b", "p", "reviewer", "agent", &[], "Reviews pull requests"),
        artifact("c", "p", "reviewer-bot", "agent", &[], "Bot"),
    ];
    ix.replace_project("p", &docs, 1).unwrap();
    for q in ["reviwer", "reveiwer", "REVIWER"] {
        assert_eq!(ids(&search(&ix, q))[0], "b", "{q}");
    }
    // Two words with a typo: the name they spell comes first.
    assert_eq!(ids(&search(&ix, "code reviwer"))[0], "a");
}

/// A writer killed between writing a segment's delete file and committing leaves that file
/// behind, named for the opstamp its commit would have had. The next writer may reach the same
/// opstamp: it must clear the leftovers, not fail with "FileAlreadyExists" (seen once in 200
/// SIGKILLs of the crash suite).
#[test]
fn files_left_by_a_writer_killed_before_its_commit_do_not_block_the_next_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    let ix = open(&dir);
    load(&ix, &catalogue());
    drop(ix);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let opstamp = meta["opstamp"].as_u64().unwrap();
    let segments: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".idx").map(str::to_string)
        })
        .collect();
    assert!(!segments.is_empty());
    let managed_path = dir.join(".managed.json");
    let mut managed: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(&managed_path).unwrap()).unwrap();
    let mut left = Vec::new();
    for seg in &segments {
        for op in opstamp..opstamp + 200 {
            let name = format!("{seg}.{op}.del");
            std::fs::write(dir.join(&name), b"left by a killed writer").unwrap();
            managed.push(name.clone());
            left.push(name);
        }
    }
    std::fs::write(&managed_path, serde_json::to_string(&managed).unwrap()).unwrap();

    let ix = open(&dir);
    let p0: Vec<_> = catalogue()
        .into_iter()
        .filter(|d| d.project_id.as_deref() == Some("p0"))
        .collect();
    ix.replace_project("p0", &p0, 2).unwrap();
    ix.remove_project("p1", 3).unwrap();
    assert!(
        ix.stats().last_error.is_none(),
        "{:?}",
        ix.stats().last_error
    );
    let still: Vec<_> = left.iter().filter(|n| dir.join(n).exists()).collect();
    assert!(still.len() < left.len(), "the leftovers were cleared");
    search(&ix, "anything");
}
