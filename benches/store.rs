//! Criterion benchmarks of the core: scanning one project, refreshing 100 unchanged projects,
//! and the reads the web layer makes. Run with `cargo bench`.

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

fn benches(c: &mut Criterion) {
    let root = tempfile::tempdir().unwrap();
    tree(root.path(), 100, 100);
    let home = tempfile::tempdir().unwrap();
    let env: BTreeMap<String, String> = BTreeMap::new();
    let cache = Cache::open_with_env(
        Options {
            home: Some(home.path().into()),
            project_roots: Some(vec![root.path().into()]),
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
                        true,
                        &mut Default::default(),
                    )
                    .ok(),
                )
            })
        },
    );
    c.bench_function("refresh 100 unchanged projects (10k artifacts)", |b| {
        b.iter(|| {
            black_box(
                cache
                    .refresh_blocking(
                        &RefreshOptions::default(),
                        skillmeat_cache::cache::RefreshTrigger::Manual,
                    )
                    .unwrap(),
            )
        })
    });
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

criterion_group! {
    name = store;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(store);
