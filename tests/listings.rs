//! Folders listed whole at one scan are not listed again while their stamp stands: what changes
//! in them is still seen at the next refresh, through the cache as a user drives it.
#![cfg(unix)]

mod common;

use std::path::Path;

use common::{open_home, write};
use skillmeat_cache::RefreshOptions;
use skillmeat_cache::model::{Artifact, ArtifactQuery};
use skillmeat_cache::values::RefreshTrigger;

fn skill(dir: &Path, name: &str, body: &str) {
    write(
        &dir.join(".claude/skills").join(name).join("SKILL.md"),
        &format!("---\nname: {name}\ndescription: {body}\n---\n{body}\n"),
    );
}

fn artifacts(cache: &skillmeat_cache::Cache) -> Vec<Artifact> {
    let mut items = cache
        .list_artifacts(&ArtifactQuery {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap()
        .items;
    items.sort_by(|a, b| a.name.cmp(&b.name));
    items
}

fn refresh(cache: &skillmeat_cache::Cache) -> skillmeat_cache::model::RefreshSummary {
    cache
        .refresh_blocking(&RefreshOptions::default(), RefreshTrigger::Manual)
        .unwrap()
}

#[test]
fn what_changes_in_remembered_folders_is_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = tmp.path().join("proj");
    skill(&dir, "alpha", "first");
    skill(&dir, "beta", "second");
    skill(&dir, "theta", "a folder");
    write(&dir.join(".claude/skills/beta/scripts/run.sh"), "echo 1\n");
    write(&dir.join(".claude/commands/gamma.md"), "Say hello\n");
    write(
        &dir.join(".claude/agents/delta.md"),
        "---\nname: delta\ndescription: d\n---\nx\n",
    );
    // Older than the window within which a folder's listing is not kept.
    std::thread::sleep(std::time::Duration::from_millis(2_200));

    let cache = open_home(&home);
    cache.register_project(dir.to_str().unwrap()).unwrap();
    let names = |c: &skillmeat_cache::Cache| -> Vec<String> {
        artifacts(c).into_iter().map(|a| a.name).collect()
    };
    assert_eq!(names(&cache), ["alpha", "beta", "delta", "gamma", "theta"]);
    assert_eq!(refresh(&cache).artifacts_read, 0, "nothing changed");

    // A folder added, a file added two levels down, an edit in place, a file removed and one
    // added in a folder of one-file artifacts, a link to a folder added, a folder replaced by
    // a link to another.
    skill(&dir, "epsilon", "fifth");
    write(&dir.join(".claude/skills/beta/scripts/more.sh"), "echo 2\n");
    skill(&dir, "alpha", "FIRST");
    std::fs::remove_file(dir.join(".claude/commands/gamma.md")).unwrap();
    write(&dir.join(".claude/commands/zeta.md"), "Say bye\n");
    let elsewhere = tmp.path().join("elsewhere/delta-skill");
    write(
        &elsewhere.join("SKILL.md"),
        "---\nname: eta\ndescription: linked\n---\nx\n",
    );
    std::os::unix::fs::symlink(&elsewhere, dir.join(".claude/skills/eta")).unwrap();
    let theta = dir.join(".claude/skills/theta");
    std::fs::remove_dir_all(&theta).unwrap();
    let linked = tmp.path().join("elsewhere/theta-skill");
    write(
        &linked.join("SKILL.md"),
        "---\nname: theta\ndescription: a link\n---\nx\n",
    );
    std::os::unix::fs::symlink(&linked, &theta).unwrap();

    refresh(&cache);
    let all = artifacts(&cache);
    let names: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["alpha", "beta", "delta", "epsilon", "eta", "theta", "zeta"]
    );
    let by = |n: &str| all.iter().find(|a| a.name == n).unwrap();
    assert_eq!(by("alpha").description.as_deref(), Some("FIRST"));
    assert_eq!(by("beta").file_count, 3, "SKILL.md, run.sh and more.sh");
    assert_eq!(by("theta").description.as_deref(), Some("a link"));

    // A forced refresh reads everything again and finds the same.
    let forced = cache
        .refresh_blocking(
            &RefreshOptions {
                force: true,
                ..Default::default()
            },
            RefreshTrigger::Manual,
        )
        .unwrap();
    assert_eq!(forced.artifacts_read, 7);
    let seen = |a: &[Artifact]| -> Vec<(String, Option<String>, i64)> {
        a.iter()
            .map(|a| (a.name.clone(), a.content_hash.clone(), a.file_count))
            .collect()
    };
    assert_eq!(seen(&artifacts(&cache)), seen(&all));
}
