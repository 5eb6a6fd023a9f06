//! Reading a SkillMeat project folder: profile roots, artifacts, frontmatter, deployment manifests.
//! Lenient by design: a malformed file becomes a [`FileError`] on its artifact or project, never a
//! failed scan. Incremental: artifacts whose files kept their size and mtime are not read again.

pub mod discovery;
pub mod frontmatter;
pub mod githash;
pub mod hash;
pub mod health;
pub mod manifest;
pub mod read;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::Serialize;
use serde_json::{Map, Value};

use manifest::{Collections, Deployment};

/// Profile root folders a project may hold, in the order they are read.
pub const PROFILE_ROOTS: [&str; 4] = [".claude", ".codex", ".gemini", ".cursor"];
/// Text files larger than this are hashed but not parsed for metadata.
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024;
/// Bumped when the scanner extracts different data, so stored fingerprints stop matching.
const SCANNER_VERSION: &str = "scan-v1";
/// Name of SkillMeat's deployment manifest inside a profile root.
pub const DEPLOYED_FILE: &str = ".skillmeat-deployed.toml";
/// Name of SkillMeat's project file.
pub const PROJECT_FILE: &str = ".skillmeat-project.toml";

/// A problem with one file, reported on its artifact or project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FileError {
    /// Path relative to the project folder (or absolute for files outside it).
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<u32>,
    /// What is wrong, for a person to read.
    pub reason: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} line {}: {}", self.file, l, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// Identity of an artifact inside a project.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArtifactKey {
    /// Profile root (`.claude`, …) or `.` for the project folder itself.
    pub profile: String,
    /// `skill`, `command`, `agent`, `hook` or `mcp`.
    pub kind: String,
    /// Folder or file name (nested commands keep their sub-folder: `tools/deploy`).
    pub name: String,
}

/// What the store remembers of an artifact from the previous scan.
#[derive(Debug, Clone)]
pub struct Prior {
    /// Stat fingerprint of its files.
    pub fingerprint: String,
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
    pub problems: Vec<health::Problem>,
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
struct Stat {
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
}

/// Appended to a fingerprint that must not match the next stat (see `Content::retry`).
const RETRY: &str = "+retry";

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

fn fingerprint_files(files: &[Stat]) -> String {
    let mut s = String::with_capacity(files.len() * 48);
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

/// Lists regular files under `root` recursively (not following symlinked folders), with names
/// relative to `root`. Names that are not UTF-8 are reported in `errors` and skipped.
fn walk_files(root: &Path, prefix_for_errors: &str, errors: &mut Vec<FileError>) -> Vec<Stat> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel_dir)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in rd.flatten() {
            let fname = entry.file_name();
            let Some(name) = fname.to_str() else {
                errors.push(FileError {
                    file: format!("{prefix_for_errors}/{rel_dir}{}", fname.to_string_lossy()),
                    line: None,
                    reason: "file name is not valid UTF-8; skipped".into(),
                });
                continue;
            };
            let rel = format!("{rel_dir}{name}");
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                stack.push((entry.path(), format!("{rel}/")));
            } else if ft.is_file() || ft.is_symlink() {
                if let Ok(m) = std::fs::metadata(entry.path()) {
                    if m.is_file() {
                        out.push(Stat {
                            rel,
                            size: m.len(),
                            mtime_ns: mtime_ns(&m),
                        });
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.rel.split('/').cmp(b.rel.split('/')));
    out
}

/// Sorted UTF-8 entries of a folder; non-UTF-8 names are reported.
fn entries(dir: &Path, rel_dir: &str, errors: &mut Vec<FileError>) -> Vec<(String, PathBuf, bool)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let fname = e.file_name();
        let Some(name) = fname.to_str() else {
            errors.push(FileError {
                file: format!("{rel_dir}/{}", fname.to_string_lossy()),
                line: None,
                reason: "file name is not valid UTF-8; skipped".into(),
            });
            continue;
        };
        let path = e.path();
        // d_type from the directory listing; only symlinks need a stat to see what they point at.
        let is_dir = match e.file_type() {
            Ok(ft) if ft.is_symlink() => std::fs::metadata(&path)
                .map(|m| m.is_dir())
                .unwrap_or(false),
            Ok(ft) => ft.is_dir(),
            Err(_) => false,
        };
        out.push((name.to_string(), path, is_dir));
    }
    out.sort();
    out
}

/// Finds Markdown artifacts (`commands/`, `agents/`) under `dir`, recursing into sub-folders.
#[allow(clippy::too_many_arguments)] // a recursive walk: the arguments are its position
fn markdown_artifacts(
    out: &mut Vec<Candidate>,
    profile: &str,
    kind: &str,
    dir: &Path,
    rel_dir: &str,
    name_prefix: &str,
    errors: &mut Vec<FileError>,
    depth: u8,
) {
    for (name, path, is_dir) in entries(dir, rel_dir, errors) {
        if name.starts_with('.') {
            continue;
        }
        if is_dir {
            if depth < 4 {
                markdown_artifacts(
                    out,
                    profile,
                    kind,
                    &path,
                    &format!("{rel_dir}/{name}"),
                    &format!("{name_prefix}{name}/"),
                    errors,
                    depth + 1,
                );
            }
            continue;
        }
        let Some(stem) = name
            .strip_suffix(".md")
            .or_else(|| name.strip_suffix(".MD"))
        else {
            continue;
        };
        let rel = format!("{rel_dir}/{name}");
        let Some(st) = stat_of(&path, name.clone()) else {
            continue;
        };
        out.push(Candidate {
            key: ArtifactKey {
                profile: profile.into(),
                kind: kind.into(),
                name: format!("{name_prefix}{stem}"),
            },
            rel_path: rel,
            main: Some(path),
            folder: None,
            files: vec![st],
            inline: None,
            alias: None,
            error: None,
        });
    }
}

fn folder_candidate(
    profile: &str,
    kind: &str,
    name: String,
    path: PathBuf,
    rel: String,
    main: Option<PathBuf>,
    errors: &mut Vec<FileError>,
) -> Candidate {
    let files = walk_files(&path, &rel, errors);
    Candidate {
        key: ArtifactKey {
            profile: profile.into(),
            kind: kind.into(),
            name,
        },
        rel_path: rel,
        main,
        folder: Some(path),
        files,
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

/// Locates every artifact under one profile root.
fn locate_profile(project: &Path, profile: &str, errors: &mut Vec<FileError>) -> Vec<Candidate> {
    let root = project.join(profile);
    let mut out = Vec::new();

    let skills = root.join("skills");
    for (name, path, is_dir) in entries(&skills, &format!("{profile}/skills"), errors) {
        if !is_dir || name.starts_with('.') {
            continue;
        }
        let rel = format!("{profile}/skills/{name}");
        let mut c = folder_candidate(
            profile,
            "skill",
            name.clone(),
            path.clone(),
            rel.clone(),
            None,
            errors,
        );
        if let Some(main) = c.files.iter().find(|f| is_skill_md(&f.rel)) {
            c.main = Some(path.join(&main.rel));
            out.push(c);
            continue;
        }
        // A category folder (skills/<group>/<skill>/SKILL.md) holds skills one level down.
        let nested: Vec<_> = entries(&path, &rel, errors)
            .into_iter()
            .filter(|(n, p, d)| *d && !n.starts_with('.') && find_skill_md(p).is_some())
            .collect();
        if nested.is_empty() {
            c.error = Some(FileError {
                file: rel,
                line: None,
                reason: "skill folder has no SKILL.md".into(),
            });
            out.push(c);
        } else {
            for (sub, p, _) in nested {
                let main = find_skill_md(&p);
                out.push(folder_candidate(
                    profile,
                    "skill",
                    format!("{name}/{sub}"),
                    p,
                    format!("{rel}/{sub}"),
                    main,
                    errors,
                ));
            }
        }
    }

    for (dirname, kind) in [("commands", "command"), ("agents", "agent")] {
        let d = root.join(dirname);
        markdown_artifacts(
            &mut out,
            profile,
            kind,
            &d,
            &format!("{profile}/{dirname}"),
            "",
            errors,
            0,
        );
    }

    let hooks = root.join("hooks");
    if hooks.is_dir() {
        let rel_root = format!("{profile}/hooks");
        for st in walk_files(&hooks, &rel_root, errors) {
            if st.rel.split('/').any(|c| c.starts_with('.')) {
                continue;
            }
            let path = hooks.join(&st.rel);
            out.push(Candidate {
                key: ArtifactKey {
                    profile: profile.into(),
                    kind: "hook".into(),
                    name: st.rel.clone(),
                },
                rel_path: format!("{rel_root}/{}", st.rel),
                main: Some(path),
                folder: None,
                files: vec![Stat {
                    rel: st.rel.rsplit('/').next().unwrap_or(&st.rel).to_string(),
                    ..st
                }],
                inline: None,
                alias: None,
                error: None,
            });
        }
    }

    let mcp = root.join("mcp");
    for (name, path, is_dir) in entries(&mcp, &format!("{profile}/mcp"), errors) {
        if name.starts_with('.') {
            continue;
        }
        let rel = format!("{profile}/mcp/{name}");
        if is_dir {
            let main = ["mcp.json", "server.json", "config.json", "README.md"]
                .iter()
                .map(|n| path.join(n))
                .find(|p| p.is_file());
            out.push(folder_candidate(
                profile, "mcp", name, path, rel, main, errors,
            ));
        } else if let Some(stem) = name.strip_suffix(".json") {
            if let Some(st) = stat_of(&path, name.clone()) {
                out.push(Candidate {
                    key: ArtifactKey {
                        profile: profile.into(),
                        kind: "mcp".into(),
                        name: stem.into(),
                    },
                    rel_path: rel,
                    main: Some(path),
                    folder: None,
                    files: vec![st],
                    inline: None,
                    alias: None,
                    error: None,
                });
            }
        }
    }
    out
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
        return Vec::new();
    };
    servers
        .iter()
        .map(|(name, cfg)| Candidate {
            key: ArtifactKey {
                profile: ".".into(),
                kind: "mcp".into(),
                name: name.clone(),
            },
            rel_path: ".mcp.json".into(),
            main: None,
            folder: None,
            files: vec![st.clone()],
            inline: Some(cfg.clone()),
            alias: None,
            error: None,
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
    if size > MAX_TEXT_BYTES {
        return Err(text_error(
            rel,
            format!(
                "file is {:.1} MB, over the {} MB limit for metadata; it is listed and hashed but not parsed",
                size as f64 / 1_048_576.0,
                MAX_TEXT_BYTES / 1_048_576
            ),
        ));
    }
    let bytes = read::read_capped(path, MAX_TEXT_BYTES)
        .map_err(|e| text_error(rel, format!("cannot read: {e}")))?;
    if bytes.contains(&0) {
        return Err(text_error(
            rel,
            "binary file (contains NUL bytes), expected UTF-8 text".into(),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        text_error(
            rel,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Reads an artifact's files: content hash, size, and metadata from its main file.
fn read_content(c: &Candidate, project: &Path) -> Content {
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
        ..Default::default()
    };
    // Content hash.
    if let Some(cfg) = &c.inline {
        let bytes = serde_json::to_vec(cfg).unwrap_or_default();
        content.content_hash = Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)));
    } else {
        let hashed = match (&c.folder, &c.main) {
            (Some(folder), _) => {
                let rels: Vec<String> = c.files.iter().map(|f| f.rel.clone()).collect();
                hash::folder_hash(folder, &rels)
            }
            (None, Some(main)) => hash::file_hash(main),
            (None, None) => Err(std::io::Error::other("nothing to hash")),
        };
        match hashed {
            Ok(h) => content.content_hash = Some(h),
            Err(e) => {
                // An I/O failure (permissions, a file replaced mid-read) can pass: read it
                // again at the next refresh even if its size and mtime stay (chmod moves neither).
                content.retry = c.folder.is_some() || c.main.is_some();
                content
                    .error
                    .get_or_insert(text_error(&c.rel_path, format!("cannot read: {e}")));
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
    if c.key.kind == "hook" && !is_md && !is_json {
        return content;
    }
    let text = match read_text(main, &main_rel, size) {
        Ok(t) => t,
        Err(e) => {
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
                    &c.key.kind,
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
    content.display_name = fm.string("name");
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
    let folder =
        (c.key.kind == "skill").then(|| c.key.name.rsplit('/').next().unwrap_or(&c.key.name));
    content.problems = health::markdown_problems(&c.key.kind, &main_rel, &text, &fm, folder);
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
    d.kind == c.key.kind
        && match d.artifact_path.as_deref() {
            Some(p) => {
                let rel = c.rel_path.strip_prefix(&format!("{}/", c.key.profile));
                rel.unwrap_or(&c.rel_path) == p.trim_end_matches('/')
            }
            None => d.name == c.key.name,
        }
}

/// Deployment facts for an artifact from its manifest entry and the collections.
fn deploy_info(
    entry: Option<&Deployment>,
    kind: &str,
    name: &str,
    cols: &Collections,
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
            .or_else(|| col.and_then(|c| c.resolved_version.clone())),
        deployed_sha: d
            .sha
            .clone()
            .or_else(|| col.and_then(|c| c.resolved_sha.clone())),
        deployed_hash: d.content_hash.clone(),
        collection_version: col.and_then(|c| c.resolved_version.clone()),
        collection_sha: col.and_then(|c| c.resolved_sha.clone()),
    }
}

/// Scans one project folder. `prior` holds the previous scan's artifact fingerprints and
/// `prior_fingerprint` the project's; unchanged files are not read again unless `force`.
pub fn scan_project(
    dir: &Path,
    prior: &HashMap<ArtifactKey, Prior>,
    prior_fingerprint: Option<&str>,
    collections: &Collections,
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

    let mut errors = Vec::new();
    let mut profiles = Vec::new();
    let mut candidates = Vec::new();
    let mut stat_parts = String::from(SCANNER_VERSION);
    stat_parts.push_str(&collections.fingerprint);
    for profile in PROFILE_ROOTS {
        if !dir.join(profile).is_dir() {
            continue;
        }
        profiles.push(profile.to_string());
        candidates.extend(locate_profile(dir, profile, &mut errors));
        for f in [DEPLOYED_FILE, PROJECT_FILE] {
            if let Some(st) = stat_of(&dir.join(profile).join(f), f.into()) {
                stat_parts.push_str(&format!("{profile}/{f}:{}:{};", st.size, st.mtime_ns));
            }
        }
    }
    if let Some(st) = stat_of(&dir.join(PROJECT_FILE), PROJECT_FILE.into()) {
        stat_parts.push_str(&format!("{PROJECT_FILE}:{}:{};", st.size, st.mtime_ns));
    }
    candidates.extend(locate_mcp_json(dir, &mut errors));

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
        .map(|c| fingerprint_files(&c.files))
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
    for (profile, list) in &deployments {
        for d in list {
            let found = candidates
                .iter()
                .any(|c| c.key.profile == *profile && records(d, c));
            if !found {
                let file = match d.artifact_path.as_deref() {
                    Some(p) => format!("{profile}/{}", p.trim_end_matches('/')),
                    None => format!("{profile}/{}s/{}", d.kind, d.name),
                };
                let p = health::missing_deployment_problem(
                    &file,
                    &format!("{profile}/{DEPLOYED_FILE}"),
                );
                errors.push(FileError {
                    file,
                    line: None,
                    reason: format!("{} (DEPLOYED_FILE_MISSING; fix: {})", p.message, p.fix),
                });
            }
        }
    }

    let mut artifacts = Vec::with_capacity(candidates.len());
    let mut read_count = 0;
    let mut retry = false;
    for (c, fp) in candidates.into_iter().zip(fps) {
        let unchanged = !force && prior.get(&c.key).is_some_and(|p| p.fingerprint == fp);
        let content = if unchanged {
            None
        } else {
            read_count += 1;
            let mut content = read_content(&c, dir);
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
        let deploy = deploy_info(entry, &c.key.kind, &c.key.name, collections);
        artifacts.push(ScannedArtifact {
            key: c.key,
            rel_path: c.rel_path,
            fingerprint: if content.as_ref().is_some_and(|x| x.retry) {
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
    })
}
