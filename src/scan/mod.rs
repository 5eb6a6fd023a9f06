//! Reading a SkillMeat project folder: profile roots, artifacts, frontmatter, deployment manifests.
//! Lenient by design: a malformed file becomes a [`FileError`] on its artifact or project, never a
//! failed scan. Incremental: artifacts whose files kept their size and mtime are not read again.

pub mod discovery;
pub(crate) mod flow_depth;
pub mod frontmatter;
pub mod githash;
pub mod hash;
pub mod health;
pub mod hook_settings;
pub mod manifest;
pub mod read;
pub mod system;
pub mod walk;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::model::{ArtifactProblem, FileError};
use crate::values::ArtifactType;
use serde_json::{Map, Value};

use manifest::{Collections, Deployment};
use walk::{Budget, Limits};

/// Profile root folders a project may hold, in the order they are read.
pub const PROFILE_ROOTS: [&str; 4] = [".claude", ".codex", ".gemini", ".cursor"];
/// Text files larger than this are not parsed for metadata (they are listed, and hashed within
/// `maxArtifactBytes`).
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024;
/// Bumped when the scanner extracts different data, so stored fingerprints stop matching.
const SCANNER_VERSION: &str = "scan-v4";
/// Name of SkillMeat's deployment manifest inside a profile root.
pub const DEPLOYED_FILE: &str = ".skillmeat-deployed.toml";
/// Name of SkillMeat's project file.
pub const PROJECT_FILE: &str = ".skillmeat-project.toml";

/// Identity of an artifact inside a project.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArtifactKey {
    /// Profile root (`.claude`, …) or `.` for the project folder itself.
    pub profile: String,
    /// What it is.
    pub kind: ArtifactType,
    /// Folder or file name (nested commands keep their sub-folder: `tools/deploy`).
    pub name: String,
}

/// What the store remembers of an artifact from the previous scan.
#[derive(Debug, Clone)]
pub struct Prior {
    /// Stat fingerprint of its files.
    pub fingerprint: String,
    /// Content hash of its files when they were last read.
    pub content_hash: Option<String>,
    /// Frontmatter `version` when they were last read.
    pub version: Option<String>,
}

/// Data read from an artifact's files.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// Frontmatter `name`, when it differs from nothing.
    pub display_name: Option<String>,
    /// Frontmatter `description`, or the first line of the body.
    pub description: Option<String>,
    /// Frontmatter `version`.
    pub version: Option<String>,
    /// Frontmatter `author`.
    pub author: Option<String>,
    /// Frontmatter `license`.
    pub license: Option<String>,
    /// Frontmatter `tags`.
    pub tags: Vec<String>,
    /// Frontmatter `tools` / `allowed-tools`.
    pub tools: Vec<String>,
    /// Frontmatter keys not surfaced as their own fields (or the MCP config), as JSON.
    pub metadata: Map<String, Value>,
    /// SkillMeat content hash of the artifact's files.
    pub content_hash: Option<String>,
    /// Total bytes.
    pub size: u64,
    /// Number of files.
    pub file_count: u32,
    /// Newest file mtime, ms since the epoch.
    pub modified_ms: i64,
    /// Why the artifact is in error (a file that could not be read at all), if it is.
    pub error: Option<FileError>,
    /// The files could not be read for a reason that may pass (permissions, a race): the
    /// artifact is read again at the next refresh whatever its stat says.
    pub retry: bool,
    /// What Claude Code will make of it (see [`health`]).
    pub problems: Vec<ArtifactProblem>,
}

/// Deployment facts for an artifact, from the manifest and the collection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeployInfo {
    /// `local` (no manifest entry) or `collection` (or the manifest's own `origin`).
    pub origin: String,
    /// Upstream source spec.
    pub source: Option<String>,
    /// Version spec.
    pub version_spec: Option<String>,
    /// Collection it came from.
    pub from_collection: Option<String>,
    /// When it was deployed.
    pub deployed_at: Option<String>,
    /// Deployed version.
    pub deployed_version: Option<String>,
    /// Deployed commit.
    pub deployed_sha: Option<String>,
    /// Hash recorded at deployment.
    pub deployed_hash: Option<String>,
    /// Version the user's collection lock resolves this artifact to (`collection.lock`).
    pub collection_version: Option<String>,
    /// Commit the user's collection lock resolves this artifact to.
    pub collection_sha: Option<String>,
}

/// One artifact found by a scan.
#[derive(Debug, Clone)]
pub struct ScannedArtifact {
    /// Identity.
    pub key: ArtifactKey,
    /// Path relative to the project folder, `/`-separated.
    pub rel_path: String,
    /// Stat fingerprint of its files.
    pub fingerprint: String,
    /// Freshly read data, or `None` when the files did not change since the last scan.
    pub content: Option<Content>,
    /// Deployment facts.
    pub deploy: DeployInfo,
}

/// Result of scanning one project folder.
#[derive(Debug, Clone, Default)]
pub struct ProjectScan {
    /// `true` when nothing changed since the fingerprint given; the other fields are then empty.
    pub unchanged: bool,
    /// Stat fingerprint of the whole project.
    pub fingerprint: String,
    /// Name from `.skillmeat-project.toml`, else the folder name.
    pub name: String,
    /// Description from `.skillmeat-project.toml`.
    pub description: Option<String>,
    /// Profile roots present.
    pub profiles: Vec<String>,
    /// Project-level file problems.
    pub errors: Vec<FileError>,
    /// Artifacts found.
    pub artifacts: Vec<ScannedArtifact>,
    /// Number of artifacts whose files were read (not skipped as unchanged).
    pub read_count: usize,
    /// Entries of the deployment manifests (SkillMeat's `deployment_count`: entries whose files
    /// are gone count too).
    pub deployment_count: i64,
    /// The latest `deployed_at` of those entries, as written.
    pub last_deployment: Option<String>,
}

/// Why a project could not be scanned at all.
#[derive(Debug)]
pub enum ScanFailure {
    /// The folder no longer exists.
    Missing,
    /// The folder cannot be read.
    Unreadable(String),
}

/// A file with its stat data.
#[derive(Debug, Clone)]
pub(crate) struct Stat {
    rel: String,
    size: u64,
    mtime_ns: i64,
}

/// An artifact located on disk but not yet read.
struct Candidate {
    key: ArtifactKey,
    rel_path: String,
    /// File holding the metadata (SKILL.md, the .md, the JSON), absolute.
    main: Option<PathBuf>,
    /// Folder root for folder artifacts.
    folder: Option<PathBuf>,
    files: Vec<Stat>,
    /// For servers inside `.mcp.json`: their config.
    inline: Option<Value>,
    /// The name it goes by when its identity had to be made unique (a second artifact with the
    /// same type and name): kept as its display name.
    alias: Option<String>,
    /// A problem found while locating it.
    error: Option<FileError>,
    /// Problems found while listing it (caps met, links not followed).
    problems: Vec<ArtifactProblem>,
    /// Whether all its files were listed, so its size and hash are whole.
    whole: bool,
}

impl Candidate {
    /// An artifact of one file (or an `.mcp.json` server), located without problems.
    fn single(key: ArtifactKey, rel_path: String, main: Option<PathBuf>, file: Stat) -> Candidate {
        Candidate {
            key,
            rel_path,
            main,
            folder: None,
            files: vec![file],
            inline: None,
            alias: None,
            error: None,
            problems: Vec::new(),
            whole: true,
        }
    }

    /// An artifact of the one file at entry `e`; one that is a link into `/proc`, `/sys` or
    /// `/dev` is listed in error and never read.
    fn of_entry(key: ArtifactKey, rel_path: String, e: walk::Entry, file: Stat) -> Candidate {
        let Some(target) = e.kernel else {
            return Candidate::single(key, rel_path, Some(e.path), file);
        };
        let p = health::link_problem(&rel_path, &target, false);
        Candidate {
            error: Some(text_error(&rel_path, p.message.clone())),
            problems: vec![p],
            whole: false,
            ..Candidate::single(key, rel_path, None, file)
        }
    }
}

/// What locating a project's artifacts carries along: the caps, the budget of files and
/// folders left, and the project-level problems found.
struct Scope {
    limits: Limits,
    budget: Budget,
    errors: Vec<FileError>,
}

/// A problem of the project as a whole, as `Project.errors` carry it (code and fix in the reason).
fn project_error(p: ArtifactProblem) -> FileError {
    FileError {
        file: p.file,
        line: p.line,
        reason: format!("{} ({}; fix: {})", p.message, p.code, p.fix),
    }
}

/// Appended to a fingerprint that must not match the next stat (see `Content::retry`).
const RETRY: &str = "+retry";

/// A file modified this close to the start of a scan may change again within the same tick of
/// the file system's clock (coarse kernel timestamps advance every 1–10 ms) with the same size,
/// so its stat would not tell: it is "racily clean", as git calls it, and read again at the next
/// scan whatever its stat says.
const RACY_NS: i64 = 100_000_000;

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

fn mtime_ns(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

fn stat_of(path: &Path, rel: String) -> Option<Stat> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stat {
        rel,
        size: m.len(),
        mtime_ns: mtime_ns(&m),
    })
}

/// The stat fingerprint of an artifact's files, under the caps it was listed with (`caps`).
fn fingerprint_files(files: &[Stat], caps: &str) -> String {
    let mut s = String::with_capacity(files.len() * 48 + caps.len());
    s.push_str(caps);
    for f in files {
        s.push_str(&f.rel);
        s.push(':');
        s.push_str(&f.size.to_string());
        s.push(':');
        s.push_str(&f.mtime_ns.to_string());
        s.push(';');
    }
    hash::fingerprint(&s)
}

/// Levels of sub-folders below `commands/` and `agents/` that are read (the folder itself is 0).
const MARKDOWN_DEPTH: u8 = 4;

/// Finds Markdown artifacts (`commands/`, `agents/`) under `dir`, recursing into sub-folders.
#[allow(clippy::too_many_arguments)] // a recursive walk: the arguments are its position
fn markdown_artifacts(
    out: &mut Vec<Candidate>,
    profile: &str,
    kind: ArtifactType,
    dir: &Path,
    real: walk::Real,
    rel_dir: &str,
    name_prefix: &str,
    sc: &mut Scope,
    depth: u8,
) {
    for e in walk::entries(dir, real, rel_dir, &mut sc.budget, &mut sc.errors) {
        if e.name.starts_with('.') {
            continue;
        }
        if e.is_dir {
            if depth >= MARKDOWN_DEPTH {
                // Not read: said, never skipped silently.
                let folder = format!("{rel_dir}/{}", e.name);
                sc.errors
                    .push(project_error(health::folder_too_deep_problem(
                        &folder,
                        kind.as_str(),
                        MARKDOWN_DEPTH,
                    )));
                continue;
            }
            markdown_artifacts(
                out,
                profile,
                kind,
                &e.path,
                e.real.clone(),
                &format!("{rel_dir}/{}", e.name),
                &format!("{name_prefix}{}/", e.name),
                sc,
                depth + 1,
            );
            continue;
        }
        let Some(stem) = e
            .name
            .strip_suffix(".md")
            .or_else(|| e.name.strip_suffix(".MD"))
        else {
            continue;
        };
        let Some(st) = e.stat() else {
            continue;
        };
        let key = key(profile, kind, format!("{name_prefix}{stem}"));
        let rel = format!("{rel_dir}/{}", e.name);
        out.push(Candidate::of_entry(key, rel, e, st));
    }
}

/// A folder artifact, its files listed within the caps.
fn folder_candidate(
    key: ArtifactKey,
    e: walk::Entry,
    rel: String,
    main: Option<PathBuf>,
    sc: &mut Scope,
) -> Candidate {
    let caps = sc.limits.artifact();
    let path = e.path;
    let listing = walk::list_files(&path, e.real, &rel, caps, &mut sc.budget, &mut sc.errors);
    Candidate {
        key,
        problems: listing.problems(&rel, &sc.limits),
        whole: listing.complete(),
        files: listing.files,
        rel_path: rel,
        main,
        folder: Some(path),
        inline: None,
        alias: None,
        error: None,
    }
}

fn is_skill_md(rel: &str) -> bool {
    matches!(rel, "SKILL.md" | "skill.md" | "Skill.md")
}

fn find_skill_md(dir: &Path) -> Option<PathBuf> {
    ["SKILL.md", "skill.md", "Skill.md"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

fn key(profile: &str, kind: ArtifactType, name: String) -> ArtifactKey {
    ArtifactKey {
        profile: profile.into(),
        kind,
        name,
    }
}

/// Locates the skills of `skills/`: folders with a `SKILL.md`, or category folders holding them
/// one level down.
fn locate_skills(
    out: &mut Vec<Candidate>,
    root: &Path,
    real: &walk::Real,
    profile: &str,
    sc: &mut Scope,
) {
    let rel_skills = format!("{profile}/skills");
    let skills = root.join("skills");
    let listed = walk::entries(
        &skills,
        real.child(&skills),
        &rel_skills,
        &mut sc.budget,
        &mut sc.errors,
    );
    for e in listed {
        if !e.is_dir || e.name.starts_with('.') {
            continue;
        }
        let rel = format!("{rel_skills}/{}", e.name);
        if let Some(found) = find_skill_md(&e.path) {
            let path = e.path.clone();
            let mut c = folder_candidate(
                key(profile, ArtifactType::Skill, e.name.clone()),
                e,
                rel,
                None,
                sc,
            );
            // The spelling listed first (sorted) when there are several.
            let listed = c.files.iter().find(|f| is_skill_md(&f.rel));
            if let Some(spelled) = listed.filter(|f| f.rel != "SKILL.md") {
                let file = format!("{}/{}", c.rel_path, spelled.rel);
                c.problems
                    .push(health::skill_md_case_problem(&file, &spelled.rel));
            }
            c.main = Some(listed.map_or(found, |f| path.join(&f.rel)));
            out.push(c);
            continue;
        }
        // A category folder (skills/<group>/<skill>/SKILL.md) holds skills one level down.
        let nested: Vec<_> = walk::entries(
            &e.path,
            e.real.clone(),
            &rel,
            &mut sc.budget,
            &mut sc.errors,
        )
        .into_iter()
        .filter(|n| n.is_dir && !n.name.starts_with('.') && find_skill_md(&n.path).is_some())
        .collect();
        if nested.is_empty() {
            let mut c = folder_candidate(
                key(profile, ArtifactType::Skill, e.name.clone()),
                e,
                rel.clone(),
                None,
                sc,
            );
            c.problems.push(health::skill_md_missing_problem(&rel));
            c.error = Some(FileError {
                file: rel,
                line: None,
                reason: "skill folder has no SKILL.md".into(),
            });
            out.push(c);
            continue;
        }
        for n in nested {
            let main = find_skill_md(&n.path);
            let name = format!("{}/{}", e.name, n.name);
            let rel = format!("{rel}/{}", n.name);
            let mut c = folder_candidate(key(profile, ArtifactType::Skill, name), n, rel, main, sc);
            c.problems.push(health::skill_nested_problem(
                &c.rel_path,
                &rel_skills,
                &e.name,
            ));
            out.push(c);
        }
    }
}

/// Locates the hooks of `hooks/`: every file at any depth is one.
fn locate_hooks(
    out: &mut Vec<Candidate>,
    root: &Path,
    real: &walk::Real,
    profile: &str,
    sc: &mut Scope,
) {
    let hooks = root.join("hooks");
    if !hooks.is_dir() {
        return;
    }
    let rel_root = format!("{profile}/hooks");
    let caps = sc.limits.folder();
    let real = real.child(&hooks);
    let listing = walk::list_files(
        &hooks,
        real,
        &rel_root,
        caps,
        &mut sc.budget,
        &mut sc.errors,
    );
    let problems = listing.other_problems(&rel_root, &sc.limits);
    sc.errors.extend(problems.into_iter().map(project_error));
    for st in listing.files {
        if st.rel.split('/').any(|c| c.starts_with('.')) {
            continue;
        }
        let path = hooks.join(&st.rel);
        let rel_path = format!("{rel_root}/{}", st.rel);
        let file = Stat {
            rel: st.rel.rsplit('/').next().unwrap_or(&st.rel).to_string(),
            ..st.clone()
        };
        out.push(Candidate::single(
            key(profile, ArtifactType::Hook, st.rel),
            rel_path,
            Some(path),
            file,
        ));
    }
}

/// Locates the MCP servers of `mcp/`: `<name>.json` files and `<name>/` folders.
fn locate_mcp(
    out: &mut Vec<Candidate>,
    root: &Path,
    real: &walk::Real,
    profile: &str,
    sc: &mut Scope,
) {
    let rel_mcp = format!("{profile}/mcp");
    let mcp = root.join("mcp");
    for e in walk::entries(
        &mcp,
        real.child(&mcp),
        &rel_mcp,
        &mut sc.budget,
        &mut sc.errors,
    ) {
        if e.name.starts_with('.') {
            continue;
        }
        let rel = format!("{rel_mcp}/{}", e.name);
        if e.is_dir {
            let main = ["mcp.json", "server.json", "config.json", "README.md"]
                .iter()
                .map(|n| e.path.join(n))
                .find(|p| p.is_file());
            out.push(folder_candidate(
                key(profile, ArtifactType::Mcp, e.name.clone()),
                e,
                rel,
                main,
                sc,
            ));
        } else if let Some(stem) = e.name.strip_suffix(".json") {
            if let Some(st) = e.stat() {
                let k = key(profile, ArtifactType::Mcp, stem.into());
                out.push(Candidate::of_entry(k, rel, e, st));
            }
        }
    }
}

/// Locates every artifact under one profile root of the project at `project` (`real`: where it
/// really is).
fn locate_profile(
    project: &Path,
    real: &walk::Real,
    profile: &str,
    sc: &mut Scope,
) -> Vec<Candidate> {
    let root = project.join(profile);
    let real = real.child(&root);
    let mut out = Vec::new();
    locate_skills(&mut out, &root, &real, profile, sc);
    for (dirname, kind) in [
        ("commands", ArtifactType::Command),
        ("agents", ArtifactType::Agent),
    ] {
        let d = root.join(dirname);
        let rel = format!("{profile}/{dirname}");
        let dir_real = real.child(&d);
        markdown_artifacts(&mut out, profile, kind, &d, dir_real, &rel, "", sc, 0);
    }
    locate_hooks(&mut out, &root, &real, profile, sc);
    if profile == ".claude" {
        locate_settings_hooks(&mut out, project, profile, &mut sc.errors);
    }
    locate_mcp(&mut out, &root, &real, profile, sc);
    out
}

/// The hooks configured in `<profile>/settings.json` and `settings.local.json`: one unit per
/// hook entry (see [`hook_settings`]); a file Claude Code ignores as a whole is a project problem.
fn locate_settings_hooks(
    out: &mut Vec<Candidate>,
    project: &Path,
    profile: &str,
    errors: &mut Vec<FileError>,
) {
    for file in ["settings.json", "settings.local.json"] {
        let rel = format!("{profile}/{file}");
        let path = project.join(&rel);
        let Some(st) = stat_of(&path, file.into()) else {
            continue;
        };
        if st.size > MAX_TEXT_BYTES {
            continue;
        }
        let Ok(text) = read::read_capped(&path, MAX_TEXT_BYTES) else {
            continue;
        };
        let doc: Value = match serde_json::from_slice(&text) {
            Ok(v) => v,
            Err(e) => {
                errors.push(FileError {
                    file: rel,
                    line: Some(e.line() as u32),
                    reason: format!(
                        "invalid JSON: {e}; Claude Code ignores this settings file, its hooks and permissions (JSON_INVALID)"
                    ),
                });
                continue;
            }
        };
        let exists = |p: &str| project.join(p).is_file();
        let read = hook_settings::read(&rel, file, &doc, &exists);
        if let Some(p) = read.file_problem {
            errors.push(project_error(p));
        }
        for unit in read.units {
            out.push(Candidate {
                inline: Some(unit.config),
                problems: unit.problems,
                ..Candidate::single(
                    key(profile, ArtifactType::Hook, unit.name),
                    rel.clone(),
                    None,
                    st.clone(),
                )
            });
        }
    }
}

/// Replaces secret-bearing values of an MCP server config (`env`, `headers`) with `"***"`.
fn redact_mcp(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for key in ["env", "headers"] {
            if let Some(Value::Object(m)) = o.get_mut(key) {
                for val in m.values_mut() {
                    *val = Value::String("***".into());
                }
            }
        }
    }
    v
}

/// Servers of a project-level `.mcp.json`.
fn locate_mcp_json(project: &Path, errors: &mut Vec<FileError>) -> Vec<Candidate> {
    let path = project.join(".mcp.json");
    let Some(st) = stat_of(&path, ".mcp.json".into()) else {
        return Vec::new();
    };
    if st.size > MAX_TEXT_BYTES {
        errors.push(FileError {
            file: ".mcp.json".into(),
            line: None,
            reason: format!(
                "file is {} bytes, over the {} byte limit; skipped",
                st.size, MAX_TEXT_BYTES
            ),
        });
        return Vec::new();
    }
    let text = match read::read_capped(&path, MAX_TEXT_BYTES) {
        Ok(t) => t,
        Err(e) => {
            errors.push(FileError {
                file: ".mcp.json".into(),
                line: None,
                reason: e.to_string(),
            });
            return Vec::new();
        }
    };
    let doc: Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(FileError {
                file: ".mcp.json".into(),
                line: Some(e.line() as u32),
                reason: format!("invalid JSON: {e}"),
            });
            return Vec::new();
        }
    };
    let Some(servers) = doc.get("mcpServers").and_then(|v| v.as_object()) else {
        errors.push(FileError {
            file: ".mcp.json".into(),
            line: None,
            reason: "no `mcpServers` object: Claude Code ignores this file and starts none of its servers (MCP_CONFIG_INVALID; fix: put the servers under \"mcpServers\": { … })".into(),
        });
        return Vec::new();
    };
    servers
        .iter()
        .map(|(name, cfg)| Candidate {
            inline: Some(cfg.clone()),
            ..Candidate::single(
                key(".", ArtifactType::Mcp, name.clone()),
                ".mcp.json".into(),
                None,
                st.clone(),
            )
        })
        .collect()
}

fn text_error(rel: &str, reason: String) -> FileError {
    FileError {
        file: rel.into(),
        line: None,
        reason,
    }
}

/// Reads a text file for metadata, enforcing the size limit and rejecting binary or non-UTF-8 data.
fn read_text(path: &Path, rel: &str, size: u64) -> Result<String, FileError> {
    read_text_why(path, rel, size).map_err(|(e, _)| e)
}

/// [`read_text`], with why a file could not be read.
fn read_text_why(
    path: &Path,
    rel: &str,
    size: u64,
) -> Result<String, (FileError, health::Unreadable)> {
    use health::Unreadable;
    if size > MAX_TEXT_BYTES {
        return Err((
            text_error(
                rel,
                format!(
                    "file is {:.1} MB, over the {} MB limit for metadata; it is listed but not parsed",
                    size as f64 / 1_048_576.0,
                    MAX_TEXT_BYTES / 1_048_576
                ),
            ),
            Unreadable::TooLarge,
        ));
    }
    let bytes = read::read_capped(path, MAX_TEXT_BYTES)
        .map_err(|e| (text_error(rel, format!("cannot read: {e}")), Unreadable::Io))?;
    if bytes.contains(&0) {
        return Err((
            text_error(
                rel,
                "binary file (contains NUL bytes), expected UTF-8 text".into(),
            ),
            Unreadable::Binary,
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        (
            text_error(
                rel,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            ),
            Unreadable::NotUtf8,
        )
    })
}

/// Reads an artifact's files: content hash, size, and metadata from its main file.
fn read_content(c: &Candidate, project: &Path, limits: &Limits) -> Content {
    let mut content = Content {
        size: c.files.iter().map(|f| f.size).sum(),
        file_count: c.files.len() as u32,
        modified_ms: c
            .files
            .iter()
            .map(|f| f.mtime_ns / 1_000_000)
            .max()
            .unwrap_or(0),
        error: c.error.clone(),
        problems: c.problems.clone(),
        ..Default::default()
    };
    // Content hash: only of an artifact listed whole and within the bytes cap (the read is capped
    // too, should a file grow meanwhile).
    let max = limits.artifact_bytes;
    if let Some(cfg) = &c.inline {
        let bytes = serde_json::to_vec(cfg).unwrap_or_default();
        content.content_hash = Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)));
        if c.key.kind == ArtifactType::Mcp {
            let problems = health::mcp_server_problems(&c.rel_path, &c.key.name, cfg);
            content.problems.extend(problems);
        }
    } else if content.size > max && c.whole {
        let p = walk::file_too_large(&c.rel_path, content.size, limits);
        content.problems.push(p);
    } else if c.whole {
        let hashed = match (&c.folder, &c.main) {
            (Some(folder), _) => {
                let rels: Vec<String> = c.files.iter().map(|f| f.rel.clone()).collect();
                hash::folder_hash(folder, &rels, max)
            }
            (None, Some(main)) => hash::file_hash(main, max),
            (None, None) => Err(std::io::Error::other("nothing to hash")),
        };
        match hashed {
            Ok(h) => content.content_hash = Some(h),
            Err(e) => {
                // An I/O failure (permissions, a file replaced mid-read) can pass: read it
                // again at the next refresh even if its size and mtime stay (chmod moves neither).
                content.retry = c.folder.is_some() || c.main.is_some();
                let message = format!("cannot read: {e}");
                content.problems.push(health::unreadable_problem(
                    &c.rel_path,
                    health::Unreadable::Io,
                    &message,
                ));
                content
                    .error
                    .get_or_insert(text_error(&c.rel_path, message));
            }
        }
    }

    // Metadata.
    if let Some(cfg) = &c.inline {
        let cfg = redact_mcp(cfg.clone());
        content.description = cfg
            .get("description")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        if let Value::Object(m) = cfg {
            if c.key.kind == ArtifactType::Hook {
                // What the configured hook runs: its command (or prompt, url); `runs`, the
                // project script, is in its config already (see `hook_settings`).
                content.description = ["command", "prompt", "url"]
                    .iter()
                    .find_map(|k| m.get(*k).and_then(Value::as_str))
                    .map(str::to_string);
            }
            content.metadata = m;
        }
        return content;
    }
    let Some(main) = &c.main else { return content };
    let main_rel = main
        .strip_prefix(project)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| c.rel_path.clone());
    let size = std::fs::metadata(main).map(|m| m.len()).unwrap_or(0);
    let is_md = main_rel.to_ascii_lowercase().ends_with(".md");
    let is_json = main_rel.to_ascii_lowercase().ends_with(".json");
    if c.key.kind == ArtifactType::Hook && !is_md && !is_json {
        return content;
    }
    let text = match read_text_why(main, &main_rel, size) {
        Ok(t) => t,
        Err((e, why)) => {
            let p = health::unreadable_problem(&main_rel, why, &e.reason);
            // Said once: a file over a cap already carries ARTIFACT_TOO_LARGE.
            let said = |q: &ArtifactProblem| {
                q.code == p.code
                    || (why == health::Unreadable::TooLarge && q.code == "ARTIFACT_TOO_LARGE")
            };
            if !content.problems.iter().any(said) {
                content.problems.push(p);
            }
            content.error.get_or_insert(e);
            return content;
        }
    };
    if is_json {
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => {
                let v = redact_mcp(v);
                content.description = v
                    .get("description")
                    .and_then(|d| d.as_str())
                    .map(str::to_string);
                content.version = v
                    .get("version")
                    .and_then(|d| d.as_str())
                    .map(str::to_string);
                if let Value::Object(m) = v {
                    content.metadata = m;
                }
            }
            Err(e) => {
                let reason = e.to_string();
                let reason = reason.split(" at line ").next().unwrap_or(&reason);
                content.problems.push(health::json_problem(
                    c.key.kind.as_str(),
                    &main_rel,
                    e.line() as u32,
                    e.column() as u32,
                    reason,
                ));
            }
        }
        return content;
    }
    let fm = frontmatter::parse(&text);
    // SkillMeat's own files often name an artifact by `title` (its metadata reader does).
    content.display_name = fm.string("name").or_else(|| fm.string("title"));
    content.description = fm.string("description").or_else(|| fm.first_line.clone());
    content.version = fm.string("version");
    content.author = fm.string("author");
    content.license = fm.string("license");
    content.tags = fm.list("tags");
    let tools_key = if fm.fields.contains_key("tools") {
        "tools"
    } else {
        "allowed-tools"
    };
    content.tools = fm.list(tools_key);
    // A frontmatter YAML error is a problem, not a read error: Claude Code still loads the file
    // (without its frontmatter), and the fields read line by line still show in lists.
    let folder = (c.key.kind == ArtifactType::Skill)
        .then(|| c.key.name.rsplit('/').next().unwrap_or(&c.key.name));
    let found = health::markdown_problems(c.key.kind.as_str(), &main_rel, &text, &fm, folder);
    content.problems.splice(0..0, found);
    // Keys surfaced as their own fields are not repeated in `metadata`.
    let mut extra = fm.fields;
    for k in [
        "name",
        "description",
        "version",
        "author",
        "license",
        "tags",
        tools_key,
    ] {
        extra.remove(k);
    }
    content.metadata = extra;
    content
}

/// Whether deployment entry `d` (of the manifest under `c`'s profile) records candidate `c`: by
/// its path when the entry has one (it then belongs to the file at that path, never to a
/// namesake elsewhere), else by name.
fn records(d: &Deployment, c: &Candidate) -> bool {
    d.kind == c.key.kind.as_str()
        && match d.artifact_path.as_deref() {
            Some(p) => {
                let rel = c.rel_path.strip_prefix(&format!("{}/", c.key.profile));
                rel.unwrap_or(&c.rel_path) == p.trim_end_matches('/')
            }
            None => d.name == c.key.name,
        }
}

/// Whether two content hashes name the same content (a `sha256:` prefix and case aside).
fn same_hash(a: Option<&str>, b: Option<&str>) -> bool {
    let bare = |h: &str| {
        let h = h.trim();
        h.strip_prefix("sha256:").unwrap_or(h).to_ascii_lowercase()
    };
    matches!((a, b), (Some(a), Some(b)) if bare(a) == bare(b))
}

/// What the files of an artifact hold now: their content hash and frontmatter `version`.
#[derive(Debug, Clone, Copy, Default)]
struct Current<'a> {
    hash: Option<&'a str>,
    version: Option<&'a str>,
}

/// Deployment facts for an artifact from its manifest entry, the collections and its files.
///
/// Versions are never guessed upward: the entry's own `version`/`sha` when it records them;
/// else the collection lock's resolved ones only when the deployed content is the lock's (the
/// hash the entry recorded at deployment, or the files' hash now, equals the lock's
/// `content_hash`); else the files' frontmatter `version`; else unknown.
fn deploy_info(
    entry: Option<&Deployment>,
    kind: &str,
    name: &str,
    cols: &Collections,
    current: Current<'_>,
) -> DeployInfo {
    let Some(d) = entry else {
        return DeployInfo {
            origin: "local".into(),
            ..Default::default()
        };
    };
    let col = cols
        .find(d.from_collection.as_deref(), &d.name, kind)
        .or_else(|| cols.find(None, name, kind));
    let lock_hash = col.and_then(|c| c.content_hash.as_deref());
    let is_locked_content =
        same_hash(d.content_hash.as_deref(), lock_hash) || same_hash(current.hash, lock_hash);
    let locked = col.filter(|_| is_locked_content);
    DeployInfo {
        origin: d.origin.clone().unwrap_or_else(|| "collection".into()),
        source: d
            .source
            .clone()
            .or_else(|| col.and_then(|c| c.upstream.clone())),
        version_spec: d
            .version_spec
            .clone()
            .or_else(|| col.and_then(|c| c.version_spec.clone())),
        from_collection: d.from_collection.clone(),
        deployed_at: d.deployed_at.clone(),
        deployed_version: d
            .version
            .clone()
            .or_else(|| locked.and_then(|c| c.resolved_version.clone()))
            .or_else(|| current.version.map(str::to_string)),
        deployed_sha: d
            .sha
            .clone()
            .or_else(|| locked.and_then(|c| c.resolved_sha.clone())),
        deployed_hash: d.content_hash.clone(),
        collection_version: col.and_then(|c| c.resolved_version.clone()),
        collection_sha: col.and_then(|c| c.resolved_sha.clone()),
    }
}

/// Scans one project folder within `limits`. `prior` gives the previous scan's artifact
/// fingerprints (asked for only when the project's stat fingerprint differs from
/// `prior_fingerprint`); unchanged files are not read again unless `force`.
pub fn scan_project(
    dir: &Path,
    prior: impl FnOnce() -> HashMap<ArtifactKey, Prior>,
    prior_fingerprint: Option<&str>,
    collections: &Collections,
    limits: &Limits,
    force: bool,
) -> Result<ProjectScan, ScanFailure> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(ScanFailure::Unreadable(format!(
                "{} is not a folder",
                dir.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ScanFailure::Missing),
        Err(e) => return Err(ScanFailure::Unreadable(format!("{}: {e}", dir.display()))),
    }
    if let Err(e) = std::fs::read_dir(dir) {
        return Err(ScanFailure::Unreadable(format!("{}: {e}", dir.display())));
    }
    let real = walk::Real::of(dir);
    if real.canonical.as_deref().is_some_and(system::is_system) {
        return Err(ScanFailure::Unreadable(format!(
            "{} is a folder of the kernel (/proc, /sys or /dev); not read",
            dir.display()
        )));
    }

    let racy_after = now_ns() - RACY_NS;
    let mut racy_project = false;
    let mut sc = Scope {
        limits: *limits,
        budget: Budget::new(limits),
        errors: Vec::new(),
    };
    let mut profiles = Vec::new();
    let mut candidates = Vec::new();
    let mut stat_parts = String::from(SCANNER_VERSION);
    stat_parts.push_str(&collections.fingerprint);
    // The scanner's version is part of every artifact's fingerprint too: a release that reads
    // files differently (health rules, frontmatter repair) reads every artifact once again.
    let caps = format!("{SCANNER_VERSION}:{}", limits.fingerprint());
    stat_parts.push_str(&caps);
    for profile in PROFILE_ROOTS {
        if !dir.join(profile).is_dir() {
            continue;
        }
        profiles.push(profile.to_string());
        candidates.extend(locate_profile(dir, &real, profile, &mut sc));
        for f in [DEPLOYED_FILE, PROJECT_FILE] {
            if let Some(st) = stat_of(&dir.join(profile).join(f), f.into()) {
                racy_project |= st.mtime_ns >= racy_after;
                stat_parts.push_str(&format!("{profile}/{f}:{}:{};", st.size, st.mtime_ns));
            }
        }
    }
    if let Some(st) = stat_of(&dir.join(PROJECT_FILE), PROJECT_FILE.into()) {
        racy_project |= st.mtime_ns >= racy_after;
        stat_parts.push_str(&format!("{PROJECT_FILE}:{}:{};", st.size, st.mtime_ns));
    }
    candidates.extend(locate_mcp_json(dir, &mut sc.errors));
    let mut errors = sc.errors;
    // Past the budget nothing was listed, so a deployment not found is not known to be gone.
    let listed_whole = sc.budget.ran_out_in.is_none();
    // Folders that could not be listed hide what they hold; listed again at the next scan.
    let unlisted = std::mem::take(&mut sc.budget.unlisted);
    errors.extend(walk::project_problem(&sc.budget, limits));

    // Two artifacts with one identity (e.g. mcp/x.json beside mcp/x/): both are kept, the second
    // under its path, named as it is (the store flags both as duplicates).
    let mut seen = HashSet::new();
    for c in &mut candidates {
        if !seen.insert(c.key.clone()) {
            c.alias = Some(c.key.name.clone());
            c.key.name = c.rel_path.clone();
        }
    }

    let fps: Vec<String> = candidates
        .iter()
        .map(|c| fingerprint_files(&c.files, &caps))
        .collect();
    for (c, fp) in candidates.iter().zip(&fps) {
        stat_parts.push_str(&format!(
            "{}|{}|{}|{};",
            c.key.profile, c.key.kind, c.key.name, fp
        ));
    }
    for e in &errors {
        stat_parts.push_str(&e.file);
    }
    let fingerprint = hash::fingerprint(&stat_parts);
    if !force && prior_fingerprint == Some(fingerprint.as_str()) {
        return Ok(ProjectScan {
            unchanged: true,
            fingerprint,
            ..Default::default()
        });
    }
    let prior = if force { HashMap::new() } else { prior() };

    // Project metadata.
    let mut name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    let mut description = None;
    let project_files = PROFILE_ROOTS
        .iter()
        .map(|p| format!("{p}/{PROJECT_FILE}"))
        .chain(std::iter::once(PROJECT_FILE.to_string()));
    if let Some(rel) = project_files
        .into_iter()
        .find(|rel| dir.join(rel).is_file())
    {
        let path = dir.join(&rel);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        match read_text(&path, &rel, size).and_then(|t| manifest::parse_project(&rel, &t)) {
            Ok(meta) => {
                if let Some(n) = meta.name {
                    name = n;
                }
                description = meta.description;
            }
            Err(e) => errors.push(e),
        }
    }

    // Deployment manifests, one per profile root.
    let mut deployments: HashMap<String, Vec<Deployment>> = HashMap::new();
    for profile in &profiles {
        let rel = format!("{profile}/{DEPLOYED_FILE}");
        let path = dir.join(&rel);
        let Ok(m) = std::fs::metadata(&path) else {
            continue;
        };
        match read_text(&path, &rel, m.len()) {
            Ok(text) => {
                let (d, errs) = manifest::parse_deployed(&rel, &text);
                errors.extend(errs);
                deployments.insert(profile.clone(), d);
            }
            Err(e) => errors.push(e),
        }
    }

    // Deployment entries whose files are gone: Claude Code has nothing to load.
    for (profile, list) in deployments.iter().filter(|_| listed_whole) {
        for d in list {
            let found = candidates
                .iter()
                .any(|c| c.key.profile == *profile && records(d, c));
            if !found {
                let file = match d.artifact_path.as_deref() {
                    Some(p) => format!("{profile}/{}", p.trim_end_matches('/')),
                    None => format!("{profile}/{}s/{}", d.kind, d.name),
                };
                if unlisted.iter().any(|u| Path::new(&file).starts_with(u)) {
                    continue;
                }
                let manifest = format!("{profile}/{DEPLOYED_FILE}");
                let p = health::missing_deployment_problem(&file, &manifest);
                errors.push(project_error(p));
            }
        }
    }

    let entries = deployments.values().flatten();
    let deployment_count = entries.clone().count() as i64;
    let last_deployment = entries.filter_map(|d| d.deployed_at.clone()).max();

    let mut artifacts = Vec::with_capacity(candidates.len());
    let mut read_count = 0;
    let mut retry = racy_project || !unlisted.is_empty();
    for (c, fp) in candidates.into_iter().zip(fps) {
        let racy = c.files.iter().any(|f| f.mtime_ns >= racy_after);
        let unchanged = !force && prior.get(&c.key).is_some_and(|p| p.fingerprint == fp);
        let content = if unchanged {
            None
        } else {
            read_count += 1;
            let mut content = read_content(&c, dir, limits);
            if let Some(alias) = &c.alias {
                content.display_name.get_or_insert_with(|| alias.clone());
            }
            Some(content)
        };
        // An entry recording this path wins over one that records only the name.
        let entry = deployments.get(&c.key.profile).and_then(|list| {
            list.iter()
                .find(|d| d.artifact_path.is_some() && records(d, &c))
                .or_else(|| list.iter().find(|d| records(d, &c)))
        });
        let current = match (&content, prior.get(&c.key)) {
            (Some(x), _) => Current {
                hash: x.content_hash.as_deref(),
                version: x.version.as_deref(),
            },
            (None, Some(p)) => Current {
                hash: p.content_hash.as_deref(),
                version: p.version.as_deref(),
            },
            (None, None) => Current::default(),
        };
        let deploy = deploy_info(
            entry,
            c.key.kind.as_str(),
            &c.key.name,
            collections,
            current,
        );
        artifacts.push(ScannedArtifact {
            key: c.key,
            rel_path: c.rel_path,
            fingerprint: if content.as_ref().is_some_and(|x| x.retry || racy) {
                retry = true;
                format!("{fp}{RETRY}")
            } else {
                fp
            },
            content,
            deploy,
        });
    }
    Ok(ProjectScan {
        unchanged: false,
        // A fingerprint no stat matches: the project (and that artifact) is read again next time.
        fingerprint: if retry {
            format!("{fingerprint}{RETRY}")
        } else {
            fingerprint
        },
        name,
        description,
        profiles,
        errors,
        artifacts,
        read_count,
        deployment_count,
        last_deployment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(dir: &Path, prior: &HashMap<ArtifactKey, Prior>) -> ProjectScan {
        let collections = manifest::Collections::default();
        scan_project(
            dir,
            || prior.clone(),
            None,
            &collections,
            &Limits::default(),
            false,
        )
        .unwrap()
    }

    fn priors(s: &ProjectScan) -> HashMap<ArtifactKey, Prior> {
        s.artifacts
            .iter()
            .map(|a| {
                let prior = Prior {
                    fingerprint: a.fingerprint.clone(),
                    content_hash: a.content.as_ref().and_then(|c| c.content_hash.clone()),
                    version: a.content.as_ref().and_then(|c| c.version.clone()),
                };
                (a.key.clone(), prior)
            })
            .collect()
    }

    #[test]
    fn a_title_names_an_artifact_without_a_name_as_skillmeat_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join(".claude/commands");
        std::fs::create_dir_all(&c).unwrap();
        std::fs::write(c.join("py.md"), "---\ntitle: Python\ndescription: d\n---\n").unwrap();
        std::fs::write(c.join("both.md"), "---\nname: named\ntitle: Titled\n---\n").unwrap();
        let s = scan(dir.path(), &HashMap::new());
        let name = |n: &str| {
            s.artifacts
                .iter()
                .find(|a| a.key.name == n)
                .and_then(|a| a.content.as_ref())
                .and_then(|c| c.display_name.clone())
        };
        assert_eq!(name("py").as_deref(), Some("Python"));
        assert_eq!(name("both").as_deref(), Some("named"), "`name` comes first");
    }

    /// A file rewritten with the same size within one tick of the file system's clock keeps its
    /// stat; because it was modified just before the scan, the next scan reads it anyway.
    #[test]
    fn a_racily_clean_file_is_read_again_at_the_next_scan() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".claude/commands/review.md");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "---\ndescription: first\n---\n").unwrap();
        let first = scan(dir.path(), &HashMap::new());
        let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();

        std::fs::write(&file, "---\ndescription: again\n---\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let second = scan(dir.path(), &priors(&first));
        let read = second.artifacts[0].content.as_ref();
        assert_eq!(
            read.and_then(|c| c.description.as_deref()),
            Some("again"),
            "the same-size rewrite with the same mtime was not read"
        );

        // Once the file is older than the window, an unchanged stat is trusted again.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let third = scan(dir.path(), &priors(&second));
        let fourth = scan(dir.path(), &priors(&third));
        assert!(
            fourth.artifacts[0].content.is_none(),
            "an old unchanged file is re-read"
        );
    }

    /// A SkillMeat home whose collection `default` locks `review` (a command) with `lock`, and a
    /// project with `review.md` holding `body` (written an hour ago, so its stat is trusted)
    /// deployed from that collection by an entry without a version, with `entry_hash` if given.
    fn deployed_from_a_lock(
        lock: &str,
        entry_hash: Option<&str>,
        body: &str,
    ) -> (tempfile::TempDir, tempfile::TempDir, Collections) {
        let home = tempfile::tempdir().unwrap();
        let col = home.path().join("collections/default");
        std::fs::create_dir_all(&col).unwrap();
        std::fs::write(
            col.join("collection.lock"),
            format!("[\"review::command\"]\n{lock}"),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join(".claude");
        let file = c.join("commands/review.md");
        std::fs::create_dir_all(c.join("commands")).unwrap();
        std::fs::write(&file, body).unwrap();
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let f = std::fs::File::options().write(true).open(&file).unwrap();
        f.set_modified(past).unwrap();
        let hash = entry_hash
            .map(|h| format!("content_hash = \"{h}\"\n"))
            .unwrap_or_default();
        std::fs::write(
            c.join(DEPLOYED_FILE),
            format!("[[deployed]]\nartifact_name = \"review\"\nartifact_type = \"command\"\nfrom_collection = \"default\"\n{hash}"),
        )
        .unwrap();
        let cols = manifest::read_collections(home.path());
        (home, dir, cols)
    }

    fn review(
        dir: &Path,
        cols: &Collections,
        prior: &HashMap<ArtifactKey, Prior>,
    ) -> (ProjectScan, ScannedArtifact) {
        let limits = Limits::default();
        let s = scan_project(dir, || prior.clone(), Some("changed"), cols, &limits, false).unwrap();
        let a = s
            .artifacts
            .iter()
            .find(|a| a.key.name == "review")
            .unwrap()
            .clone();
        (s, a)
    }

    #[test]
    fn a_deployed_version_is_never_guessed_upward_from_the_collection() {
        let lock = "resolved_sha = \"1111111\"\nresolved_version = \"1.1.0\"\ncontent_hash = \"sha256:AAAA\"\n";
        let none = HashMap::new();
        // Deployed content differs from the lock's: the frontmatter says what is there.
        let (_h, d, cols) = deployed_from_a_lock(lock, Some("bbbb"), "---\nversion: 1.0.0\n---\n");
        let (_, a) = review(d.path(), &cols, &none);
        assert_eq!(a.deploy.deployed_version.as_deref(), Some("1.0.0"));
        assert_eq!(a.deploy.deployed_sha, None);
        assert_eq!(a.deploy.collection_version.as_deref(), Some("1.1.0"));
        // Neither a frontmatter version nor a matching hash: unknown.
        let (_h, d, cols) = deployed_from_a_lock(lock, None, "---\ndescription: d\n---\n");
        let (_, a) = review(d.path(), &cols, &none);
        assert_eq!(
            (a.deploy.deployed_version, a.deploy.deployed_sha),
            (None, None)
        );
        // The hash recorded at deployment is the lock's: the lock's version and commit are deployed.
        let (_h, d, cols) = deployed_from_a_lock(lock, Some("aaaa"), "---\nversion: 1.0.0\n---\n");
        let (_, a) = review(d.path(), &cols, &none);
        assert_eq!(a.deploy.deployed_version.as_deref(), Some("1.1.0"));
        assert_eq!(a.deploy.deployed_sha.as_deref(), Some("1111111"));
    }

    #[test]
    fn the_files_hash_now_can_show_the_deployed_content_is_the_locks() {
        let body = "---\ndescription: d\n---\n";
        let now = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body.as_bytes()));
        let lock = format!("resolved_version = \"2.0.0\"\ncontent_hash = \"{now}\"\n");
        let (_h, d, cols) = deployed_from_a_lock(&lock, None, body);
        let (first, a) = review(d.path(), &cols, &HashMap::new());
        assert_eq!(a.deploy.deployed_version.as_deref(), Some("2.0.0"));
        // Unchanged files are not read again: the hash the store remembers decides the same way.
        let (_, a) = review(d.path(), &cols, &priors(&first));
        assert!(a.content.is_none(), "not read again");
        assert_eq!(a.deploy.deployed_version.as_deref(), Some("2.0.0"));
    }

    #[test]
    fn a_folder_deeper_than_the_cache_reads_is_said_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join(".claude/agents/a/b/c/d/e/f");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("x.md"), "---\nname: x\ndescription: d\n---\n").unwrap();
        std::fs::write(
            dir.path().join(".claude/agents/top.md"),
            "---\nname: top\ndescription: d\n---\n",
        )
        .unwrap();
        let s = scan(dir.path(), &HashMap::new());
        assert_eq!(s.artifacts.len(), 1);
        assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
        assert_eq!(s.errors[0].file, ".claude/agents/a/b/c/d/e");
        assert!(s.errors[0].reason.contains("FOLDER_TOO_DEEP"));
    }

    #[test]
    fn a_configured_hook_says_what_it_runs_and_which_project_script() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join(".claude");
        std::fs::create_dir_all(c.join("hooks")).unwrap();
        std::fs::write(c.join("hooks/fmt.sh"), "#!/bin/sh\n").unwrap();
        std::fs::write(
            c.join("settings.json"),
            r#"{"permissions":{},"hooks":{"PostToolUse":[{"matcher":"Edit","hooks":[{"type":"command","command":"$CLAUDE_PROJECT_DIR/.claude/hooks/fmt.sh"}]}]}}"#,
        )
        .unwrap();
        let s = scan(dir.path(), &HashMap::new());
        let unit = s
            .artifacts
            .iter()
            .find(|a| a.key.name == "settings.json#hooks.PostToolUse.0.hooks.0")
            .unwrap();
        let content = unit.content.as_ref().unwrap();
        assert_eq!(
            content.description.as_deref(),
            Some("$CLAUDE_PROJECT_DIR/.claude/hooks/fmt.sh")
        );
        assert_eq!(content.metadata["runs"], ".claude/hooks/fmt.sh");
        // The script itself stays an artifact of its own (SkillMeat's hook).
        assert!(s.artifacts.iter().any(|a| a.key.name == "fmt.sh"));
    }
}
