//! Bounded work on real temp trees: the caps on files, bytes and depth per artifact and on files
//! per project, links into the kernel's folders and loops, huge files never read, and the modes
//! of the files and folders the cache creates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use skillmeat_cache::model::{Artifact, ArtifactQuery, Project};
use skillmeat_cache::{Cache, Options};

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

const SKILL_MD: &str = "---\ndescription: a big skill\n---\nBody\n";

/// The skill `name` of the project at `dir`, with its SKILL.md written.
fn add_skill(dir: &Path, name: &str) -> PathBuf {
    let skill = dir.join(".claude/skills").join(name);
    write(&skill.join("SKILL.md"), SKILL_MD);
    skill
}

/// A project with one skill `big` holding `files` small files spread over folders of 100.
fn big_skill_project(root: &Path, files: usize) -> PathBuf {
    let dir = root.join("proj");
    let skill = add_skill(&dir, "big");
    for i in 0..files {
        write(&skill.join(format!("d{}/f{i}.txt", i / 100)), "x");
    }
    dir
}

fn open(opts: Options) -> Cache {
    let env: BTreeMap<String, String> = BTreeMap::new();
    Cache::open_with_env(
        Options {
            path: opts.path.clone().or(Some(":memory:".into())),
            ..opts
        },
        &env,
    )
    .unwrap()
}

fn artifacts(cache: &Cache, p: &Project) -> Vec<Artifact> {
    cache
        .list_artifacts(&ArtifactQuery {
            project_id: Some(p.id.clone()),
            limit: Some(10_000),
            ..Default::default()
        })
        .unwrap()
        .items
}

fn named(cache: &Cache, p: &Project, name: &str) -> Artifact {
    artifacts(cache, p)
        .into_iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no artifact {name}"))
}

fn codes(a: &Artifact) -> Vec<&str> {
    a.problems.iter().map(|p| p.code.as_str()).collect()
}

#[test]
fn an_artifact_over_the_file_cap_is_listed_in_part_and_a_raised_cap_lets_it_through() {
    let root = tempfile::tempdir().unwrap();
    let dir = big_skill_project(root.path(), 1500);
    let home = tempfile::tempdir().unwrap();
    let cache = open(Options {
        home: Some(home.path().into()),
        ..Default::default()
    });
    let p = cache.register_project(dir.to_str().unwrap()).unwrap();
    let a = named(&cache, &p, "big");
    assert_eq!(codes(&a), ["ARTIFACT_TOO_LARGE"]);
    assert_eq!(a.health, "degraded");
    assert!(a.file_count <= 1000, "{}", a.file_count);
    assert_eq!(a.content_hash, None, "a partial listing is not hashed");
    assert_eq!(a.description.as_deref(), Some("a big skill"));
    assert!(a.problems[0].message.contains("maxArtifactFiles"));
    assert!(a.problems[0].fix.contains("max_artifact_files"));
    assert_eq!(p.status, "active", "an artifact cap is not a project error");

    let raised = open(Options {
        home: Some(home.path().into()),
        max_artifact_files: Some(5000),
        ..Default::default()
    });
    let p = raised.register_project(dir.to_str().unwrap()).unwrap();
    let a = named(&raised, &p, "big");
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.file_count, 1501);
    assert!(a.content_hash.is_some());
}

#[test]
fn depth_and_bytes_caps() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("proj");
    let skill = add_skill(&dir, "deep");
    let nested: PathBuf = (1..=12).map(|i| format!("l{i}")).collect();
    write(&skill.join(&nested).join("bottom.txt"), "x");
    write(&skill.join("l1/l2/near.txt"), "x");
    let fat = add_skill(&dir, "fat");
    std::fs::write(fat.join("data.bin"), vec![7u8; 300_000]).unwrap();
    let cache = open(Options {
        home: Some(root.path().join("home")),
        max_artifact_depth: Some(4),
        max_artifact_bytes: Some(200_000),
        ..Default::default()
    });
    let p = cache.register_project(dir.to_str().unwrap()).unwrap();
    let deep = named(&cache, &p, "deep");
    assert_eq!(codes(&deep), ["ARTIFACT_TOO_LARGE"]);
    assert!(deep.problems[0].message.contains("maxArtifactDepth"));
    assert!(deep.problems[0].message.contains("l1/l2/l3/l4/l5"));
    assert_eq!(deep.file_count, 2, "SKILL.md and near.txt, not bottom.txt");
    let fat = named(&cache, &p, "fat");
    assert_eq!(codes(&fat), ["ARTIFACT_TOO_LARGE"]);
    assert!(fat.problems[0].message.contains("maxArtifactBytes"));
    assert!(fat.size_bytes <= 200_000);
    assert_eq!(fat.content_hash, None);
}

#[test]
fn the_project_cap_stops_the_listing_with_a_project_error() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("proj");
    for i in 0..300 {
        write(
            &dir.join(format!(".claude/commands/c{i:03}.md")),
            "---\ndescription: d\n---\n",
        );
    }
    write(
        &dir.join(".claude/.skillmeat-deployed.toml"),
        "[[deployed]]\nartifact_name = \"c299\"\nartifact_type = \"command\"\n",
    );
    let cache = open(Options {
        home: Some(root.path().join("home")),
        max_project_files: Some(100),
        ..Default::default()
    });
    let p = cache.register_project(dir.to_str().unwrap()).unwrap();
    assert_eq!(p.status, "error");
    let reasons: Vec<&str> = p.errors.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(
        reasons.len(),
        1,
        "no DEPLOYED_FILE_MISSING past the cap: {reasons:?}"
    );
    assert!(reasons[0].contains("PROJECT_TOO_LARGE"), "{reasons:?}");
    assert!(reasons[0].contains("maxProjectFiles"));
    assert!(reasons[0].contains("SKILLMEAT_CACHE_MAX_PROJECT_FILES"));
    assert!(artifacts(&cache, &p).len() <= 100);

    let raised = open(Options {
        home: Some(root.path().join("home")),
        max_project_files: Some(1000),
        ..Default::default()
    });
    let p = raised.register_project(dir.to_str().unwrap()).unwrap();
    assert_eq!(p.status, "active", "{:?}", p.errors);
    assert_eq!(artifacts(&raised, &p).len(), 300);
}

#[cfg(target_os = "linux")]
#[test]
fn links_into_the_kernel_and_loops_are_reported_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("proj");
    let skill = add_skill(&dir, "linked");
    let skills = dir.join(".claude/skills");
    std::os::unix::fs::symlink("/proc/self/environ", skill.join("environ")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", skill.join("zero")).unwrap();
    std::os::unix::fs::symlink("..", skill.join("up")).unwrap();
    std::os::unix::fs::symlink("/proc/self", skills.join("proc")).unwrap();
    std::os::unix::fs::symlink("/sys", skills.join("sys")).unwrap();
    std::os::unix::fs::symlink(".", skills.join("loop")).unwrap();
    std::fs::create_dir_all(dir.join(".claude/commands")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.join(".claude/commands/env.md")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.join(".mcp.json")).unwrap();
    let cache = open(Options {
        home: Some(root.path().join("home")),
        ..Default::default()
    });
    let p = cache.register_project(dir.to_str().unwrap()).unwrap();
    let names: Vec<String> = artifacts(&cache, &p).into_iter().map(|a| a.name).collect();
    assert_eq!(
        names,
        ["env", "linked"],
        "no folder of /proc or /sys is listed"
    );
    let env = named(&cache, &p, "env");
    assert_eq!(
        env.status, "error",
        "a link to a kernel file is listed, never read"
    );
    assert!(env.error.as_deref().unwrap_or("").contains("/proc/"));
    assert_eq!(codes(&env), ["SYMLINK_NOT_FOLLOWED"]);
    assert_eq!(env.content_hash, None);
    let a = named(&cache, &p, "linked");
    assert_eq!(codes(&a), ["SYMLINK_NOT_FOLLOWED", "SYMLINK_NOT_FOLLOWED"]);
    assert_eq!(a.file_count, 1);
    assert!(a.content_hash.is_some());
    let errors: Vec<String> = p.errors.iter().map(|e| e.to_string()).collect();
    for file in [
        ".claude/skills/proc",
        ".claude/skills/sys",
        ".claude/skills/loop",
    ] {
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(file) && e.contains("SYMLINK_NOT_FOLLOWED")),
            "{file}: {errors:?}"
        );
    }
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(".mcp.json") && e.contains("kernel")),
        "{errors:?}"
    );
    let kernel = cache.register_project("/proc/self").unwrap_err();
    assert_eq!(kernel.code(), "INVALID_ARGUMENT");
}

/// Bytes this process has read through `read()` so far (Linux `/proc/self/io`).
#[cfg(target_os = "linux")]
fn bytes_read() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[test]
fn a_huge_file_is_never_read_whole() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("proj");
    let skill = add_skill(&dir, "huge");
    const HUGE: u64 = 512 * 1024 * 1024;
    // Sparse: no disk used, yet reading it would read half a gigabyte.
    std::fs::File::create(skill.join("blob.bin"))
        .unwrap()
        .set_len(HUGE)
        .unwrap();
    let cmd = dir.join(".claude/commands/big.md");
    std::fs::create_dir_all(cmd.parent().unwrap()).unwrap();
    std::fs::File::create(&cmd).unwrap().set_len(HUGE).unwrap();
    let cache = open(Options {
        home: Some(root.path().join("home")),
        ..Default::default()
    });
    let before = bytes_read();
    let p = cache.register_project(dir.to_str().unwrap()).unwrap();
    let read = bytes_read() - before;
    assert!(read < HUGE / 4, "read {read} bytes");
    for name in ["huge", "big.md"] {
        let a = artifacts(&cache, &p)
            .into_iter()
            .find(|a| a.path.ends_with(name))
            .unwrap();
        assert_eq!(codes(&a), ["ARTIFACT_TOO_LARGE"], "{name}");
        assert!(a.problems[0].message.contains("maxArtifactBytes"));
        assert_eq!(a.content_hash, None);
    }
}

#[cfg(unix)]
#[test]
fn the_database_and_the_folders_it_creates_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let dir = big_skill_project(root.path(), 3);
    let env: BTreeMap<String, String> = BTreeMap::new();
    let cache = Cache::open_with_env(
        Options {
            home: Some(home.path().into()),
            ..Default::default()
        },
        &env,
    )
    .unwrap();
    cache.register_project(dir.to_str().unwrap()).unwrap();
    cache
        .search(&skillmeat_cache::search::SearchQuery::default())
        .unwrap();
    let db = home.path().join("cache/skillmeat-cache.db");
    for f in [
        db.clone(),
        db.with_file_name("skillmeat-cache.db-wal"),
        db.with_file_name("skillmeat-cache.db-shm"),
    ] {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    assert_eq!(mode(&home.path().join("cache")), 0o700);
    assert_eq!(mode(&db.with_file_name("skillmeat-cache.db.search")), 0o700);
    assert_ne!(
        mode(home.path()),
        0o700,
        "a folder that existed keeps its mode"
    );
    cache.close();

    // An existing folder and database of ours keep the modes they have.
    let other = tempfile::tempdir().unwrap();
    let shared = other.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = shared.join("mine.db");
    let open_at = |db: &Path| {
        Cache::open_with_env(
            Options {
                home: Some(other.path().into()),
                path: Some(db.to_string_lossy().into_owned()),
                ..Default::default()
            },
            &env,
        )
        .unwrap()
    };
    open_at(&db).close();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o640)).unwrap();
    open_at(&db).close();
    assert_eq!(mode(&shared), 0o755);
    assert_eq!(mode(&db), 0o640);
}

#[test]
fn the_caps_are_settings_with_sources() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[cache]\nmax_artifact_files = 10\nmax_project_files = 50\n",
    )
    .unwrap();
    let env: BTreeMap<String, String> = [(
        "SKILLMEAT_CACHE_MAX_ARTIFACT_DEPTH".to_string(),
        "3".to_string(),
    )]
    .into();
    let opts = Options {
        home: Some(home.path().into()),
        path: Some(":memory:".into()),
        max_project_files: Some(70),
        ..Default::default()
    };
    let cache = Cache::open_with_env(opts.clone(), &env).unwrap();
    let cfg = cache.status().unwrap().config;
    let entry = |k: &str| (cfg[k]["value"].clone(), cfg[k]["source"].clone());
    assert_eq!(entry("maxArtifactFiles"), (10.into(), "file".into()));
    assert_eq!(entry("maxArtifactDepth"), (3.into(), "env".into()));
    assert_eq!(entry("maxProjectFiles"), (70.into(), "option".into()));
    assert_eq!(
        entry("maxArtifactBytes"),
        (67_108_864.into(), "default".into())
    );
    skillmeat_cache::config::set_value(home.path(), "max_artifact_bytes", Some("1024")).unwrap();
    assert!(
        skillmeat_cache::config::set_value(home.path(), "max_artifact_bytes", Some("big")).is_err()
    );
    let cache = Cache::open_with_env(opts.clone(), &env).unwrap();
    let cfg = cache.status().unwrap().config;
    assert_eq!(cfg["maxArtifactBytes"]["value"], 1024);
    assert_eq!(cfg["maxArtifactBytes"]["source"], "file");
    for bad in [
        Options {
            max_artifact_files: Some(0),
            ..opts.clone()
        },
        Options {
            max_artifact_depth: Some(65),
            ..opts.clone()
        },
    ] {
        let e = Cache::open_with_env(bad, &env).err().unwrap();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
    }
}

/// The smallest `maxProjectFiles` that lists the whole project at `dir`.
fn smallest_whole_cap(root: &Path, dir: &Path) -> u32 {
    (1..60)
        .find(|&cap| {
            let cache = open(Options {
                home: Some(root.join(format!("home-{cap}"))),
                max_project_files: Some(cap),
                ..Default::default()
            });
            cache
                .register_project(dir.to_str().unwrap())
                .unwrap()
                .status
                == "active"
        })
        .expect("a cap under 60 lists it")
}

#[test]
fn a_category_folder_costs_the_budget_its_entries_once() {
    let root = tempfile::tempdir().unwrap();
    let flat = root.path().join("flat");
    let grouped = root.path().join("grouped");
    for s in ["a", "b", "c"] {
        let md = format!("---\nname: {s}\ndescription: d\n---\n");
        write(&flat.join(format!(".claude/skills/{s}/SKILL.md")), &md);
        write(
            &grouped.join(format!(".claude/skills/group/{s}/SKILL.md")),
            &md,
        );
    }
    // The group folder is one entry more; listing it as a skill first (to see whether it is one)
    // is given back.
    assert_eq!(
        smallest_whole_cap(root.path(), &grouped),
        smallest_whole_cap(root.path(), &flat) + 1
    );
}

#[test]
fn a_settings_file_over_the_limit_is_named_not_skipped_silently() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("proj");
    write(
        &dir.join(".claude/commands/c.md"),
        "---\ndescription: d\n---\n",
    );
    // A valid settings file of 1.4 MB: a hook and a long permissions list.
    let allow: Vec<String> = (0..80_000).map(|i| format!("\"Bash(t{i}:*)\"")).collect();
    write(
        &dir.join(".claude/settings.json"),
        &format!(
            "{{\"hooks\":{{\"Stop\":[{{\"hooks\":[{{\"type\":\"command\",\"command\":\"true\"}}]}}]}},\"permissions\":{{\"allow\":[{}]}}}}",
            allow.join(",")
        ),
    );
    let cache = open(Options {
        home: Some(root.path().join("home")),
        ..Default::default()
    });
    let p = cache.register_project(dir.to_str().unwrap()).unwrap();
    let e = p
        .errors
        .iter()
        .find(|e| e.file == ".claude/settings.json")
        .expect("the settings file is named");
    assert!(e.reason.contains("byte limit"), "{}", e.reason);
    assert!(
        e.reason.contains("hooks it configures are not listed"),
        "{}",
        e.reason
    );
    // The rest of the project is listed as usual.
    assert_eq!(artifacts(&cache, &p).len(), 1);
}
