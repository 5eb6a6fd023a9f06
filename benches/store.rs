//! Criterion benchmarks of the core: scanning one project, refreshing 100 unchanged projects
//! against the floor of statting the same folders and files, and the reads the web layer makes.
//! Run with `cargo bench`. `SKILLMEAT_BENCH_PROJECTS=DIR` refreshes the projects in `DIR` instead
//! of the generated 10k tree, e.g. `DIR/projects` of the 100k tree that
//! `node scripts/gen-fixtures.js --out DIR --projects 1000 --artifacts 100` writes; only the
//! refresh and its floor run then.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use skillmeat_cache::model::{ArtifactQuery, ProjectQuery};
use skillmeat_cache::scan::{manifest::Collections, scan_project};
use skillmeat_cache::{Cache, Options, RefreshOptions};

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

/// `projects` × `artifacts` in the SkillMeat layout: 40% skills, 30% commands, 30% agents.
fn tree(root: &Path, projects: usize, artifacts: usize) {
    for p in 0..projects {
        let d = root.join(format!("p{p:03}/.claude"));
        for a in 0..artifacts {
            let desc = format!(
                "Helps with task {a} in project {p}: reviews, plans and writes code carefully."
            );
            match a % 10 {
                0..=3 => write(
                    &d.join(format!("skills/skill-{a}/SKILL.md")),
                    &format!(
                        "---\nname: skill-{a}\ndescription: {desc}\nversion: 1.{a}.0\ntags: [a, b]\n---\n# Skill\n"
                    ),
                ),
                4..=6 => write(
                    &d.join(format!("commands/cmd-{a}.md")),
                    &format!("---\ndescription: {desc}\n---\nDo it.\n"),
                ),
                _ => write(
                    &d.join(format!("agents/agent-{a}.md")),
                    &format!(
                        "---\nname: agent-{a}\ndescription: {desc}\ntools: Read, Grep\n---\nYou are.\n"
                    ),
                ),
            }
        }
    }
}

/// Every folder and file under `root`, listed once (links are not followed).
fn everything(root: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| e.into_path())
        .collect()
}

/// The floor of a no-change refresh: stat every one of `paths` by its path (as a refresh with
/// every folder's listing kept does), on two threads; returns the bytes seen.
fn stat_all(paths: &[std::path::PathBuf]) -> u64 {
    let stat = |part: &[std::path::PathBuf]| {
        part.iter()
            .filter_map(|p| std::fs::symlink_metadata(p).ok())
            .map(|m| m.len())
            .sum::<u64>()
    };
    let (a, b) = paths.split_at(paths.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| stat(a));
        stat(b) + other.join().unwrap()
    })
}

/// A cache of the projects in `dir` (found there), with `home` as its home.
fn open(dir: &Path, home: &Path) -> Cache {
    Cache::open_with_env(
        Options {
            home: Some(home.into()),
            project_roots: Some(vec![dir.into()]),
            discovery_depth: Some(1),
            ..Default::default()
        },
        &BTreeMap::new(),
    )
    .unwrap()
}

/// A refresh of every project, as `refresh()` makes it.
fn refresh(cache: &Cache) -> skillmeat_cache::model::RefreshSummary {
    cache
        .refresh_blocking(
            &RefreshOptions::default(),
            skillmeat_cache::cache::RefreshTrigger::Manual,
        )
        .unwrap()
}

fn benches(c: &mut Criterion) {
    if let Some(dir) = std::env::var_os("SKILLMEAT_BENCH_PROJECTS") {
        return refresh_against_floor(c, Path::new(&dir), "the given tree");
    }
    let root = tempfile::tempdir().unwrap();
    tree(root.path(), 100, 100);
    let home = tempfile::tempdir().unwrap();
    let cache = open(root.path(), home.path());
    refresh(&cache);
    let first = cache.list_projects(&ProjectQuery::default()).unwrap().items[0].clone();

    let cols = Collections::default();
    let one = root.path().join("p000");
    c.bench_function(
        "scan one project, 100 artifacts, cold (read + hash all)",
        |b| {
            b.iter(|| {
                black_box(
                    scan_project(
                        &one,
                        HashMap::new,
                        None,
                        &cols,
                        &Default::default(),
                        skillmeat_cache::scan::Reads::ALL,
                        &mut Default::default(),
                    )
                    .ok(),
                )
            })
        },
    );
    c.bench_function("refresh 100 unchanged projects (10k artifacts)", |b| {
        b.iter(|| black_box(refresh(&cache)))
    });
    let paths = everything(root.path());
    c.bench_function(
        "stat floor: every folder and file of the 10k tree, two threads",
        |b| b.iter(|| black_box(stat_all(&paths))),
    );
    c.bench_function("listArtifacts one project, 100 rows", |b| {
        let q = ArtifactQuery {
            project_id: Some(first.id.clone()),
            ..Default::default()
        };
        b.iter(|| black_box(cache.list_artifacts(&q).unwrap()))
    });
    c.bench_function("listProjects first page", |b| {
        b.iter(|| black_box(cache.list_projects(&ProjectQuery::default()).unwrap()))
    });
    c.bench_function("getProject", |b| {
        b.iter(|| black_box(cache.get_project(&first.id).unwrap()))
    });
    c.bench_function("status", |b| b.iter(|| black_box(cache.status().unwrap())));
    cache.close();
}

/// A no-change refresh of the projects in `dir`, and the floor of statting their folders and
/// files on two threads, in turns.
fn refresh_against_floor(c: &mut Criterion, dir: &Path, name: &str) {
    let home = tempfile::tempdir().unwrap();
    let cache = open(dir, home.path());
    refresh(&cache);
    refresh(&cache);
    let paths = everything(dir);
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.bench_function("no-change refresh", |b| {
        b.iter(|| black_box(refresh(&cache)))
    });
    g.bench_function("stat floor, two threads", |b| {
        b.iter(|| black_box(stat_all(&paths)))
    });
    g.finish();
    cache.close();
}

criterion_group! {
    name = store;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(store);
