//! Reading a SkillMeat project folder: profile roots, artifacts, frontmatter, deployment manifests.
//! Lenient by design: a malformed file becomes a [`FileError`] on its artifact or project, never a
//! failed scan. Incremental: artifacts whose files kept their size and mtime are not read again.
//!
//! This file holds the scan's types and [`scan_project`]; `locate` finds each type's artifacts,
//! `content` reads an artifact's files, `deploy` links it to its deployment entry, and the
//! public submodules hold the parts other layers use (walks, frontmatter, health rules, hashes).

mod content;
mod deploy;
pub mod discovery;
pub(crate) mod flow_depth;
pub mod frontmatter;
pub mod githash;
pub mod hash;
pub mod health;
pub mod hook_settings;
pub mod listing;
mod locate;
pub mod manifest;
pub mod read;
pub mod system;
pub mod walk;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::model::{ArtifactContent, ArtifactProblem, FileError};
use crate::values::ArtifactType;
use serde_json::Value;

use listing::Listings;
use manifest::{Collections, Deployment};
use walk::{Budget, Limits};

use content::*;
use deploy::*;
use locate::*;

/// Profile root folders a project may hold, in the order they are read.
pub const PROFILE_ROOTS: [&str; 4] = [".claude", ".codex", ".gemini", ".cursor"];
/// Text files larger than this are not parsed for metadata (they are listed, and hashed within
/// `maxArtifactBytes`).
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024;
/// Bumped when the scanner extracts different data (for a project too: its manifests), so stored
/// fingerprints stop matching: also those an older release writes on the same file.
const SCANNER_VERSION: &str = "scan-v6";
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

/// Deployment facts for an artifact, from the manifest and the collection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeployInfo {
    /// `local` (no manifest entry) or `collection` (or the manifest's own `origin`).
    pub origin: String,
    /// The entry's `artifact_name` (a nested command is `commit-message` there, `git/commit-message`
    /// here; an entry may name its artifact otherwise).
    pub name: Option<String>,
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
    pub content: Option<ArtifactContent>,
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
    /// Profile roots holding a deployment manifest (`.claude/.skillmeat-deployed.toml`), with
    /// entries or not: what makes SkillMeat list the project.
    pub manifests: Vec<String>,
    /// Entries of those manifests whose files are gone.
    pub missing: Vec<crate::model::MissingDeployment>,
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
struct Scope<'a> {
    limits: Limits,
    budget: Budget,
    errors: Vec<FileError>,
    /// Folders listed whole at the project's last scan (see [`listing`]).
    listings: &'a mut Listings,
}

/// A problem of the project as a whole, as `Project.errors` carry it (code and fix in the reason).
fn project_error(p: ArtifactProblem) -> FileError {
    FileError {
        file: p.file,
        line: p.line,
        reason: format!("{} ({}; fix: {})", p.message, p.code, p.fix),
    }
}

/// Appended to a fingerprint that must not match the next stat (see `ArtifactContent::retry`).
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
    // `rel:size:mtime;` for each file, written without `fmt` (every scan does this per artifact).
    let mut n = itoa::Buffer::new();
    for f in files {
        s.push_str(&f.rel);
        s.push(':');
        s.push_str(n.format(f.size));
        s.push(':');
        s.push_str(n.format(f.mtime_ns));
        s.push(';');
    }
    hash::fingerprint(&s)
}

/// How a scan reads the artifacts' files.
#[derive(Debug, Clone, Copy)]
pub struct Reads {
    /// Every artifact again, also those whose files did not change.
    pub force: bool,
    /// Threads that read them: the cores left to this project (cores / projects scanned at once).
    pub threads: usize,
}

impl Reads {
    /// What changed, on one thread.
    pub const CHANGED: Reads = Reads {
        force: false,
        threads: 1,
    };

    /// Everything, on one thread.
    pub const ALL: Reads = Reads {
        force: true,
        threads: 1,
    };
}

/// Scans one project folder within `limits`. `prior` gives the previous scan's artifact
/// fingerprints (asked for only when the project's stat fingerprint differs from
/// `prior_fingerprint`); unchanged files are not read again unless `reads.force`.
pub fn scan_project(
    dir: &Path,
    prior: impl FnOnce() -> HashMap<ArtifactKey, Prior>,
    prior_fingerprint: Option<&str>,
    collections: &Collections,
    limits: &Limits,
    reads: Reads,
    listings: &mut Listings,
) -> Result<ProjectScan, ScanFailure> {
    let Reads { force, threads } = reads;
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
    listings.begin(force);
    let mut sc = Scope {
        limits: *limits,
        budget: Budget::new(limits),
        errors: Vec::new(),
        listings,
    };
    let mut profiles = Vec::new();
    let mut manifests = Vec::new();
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
                if f == DEPLOYED_FILE {
                    manifests.push(profile.to_string());
                }
                racy_project |= st.mtime_ns >= racy_after;
                let _ = write!(stat_parts, "{profile}/{f}:{}:{};", st.size, st.mtime_ns);
            }
        }
    }
    if let Some(st) = stat_of(&dir.join(PROJECT_FILE), PROJECT_FILE.into()) {
        racy_project |= st.mtime_ns >= racy_after;
        let _ = write!(stat_parts, "{PROJECT_FILE}:{}:{};", st.size, st.mtime_ns);
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
    let twice: Vec<usize> = {
        let mut seen = rustc_hash::FxHashSet::default();
        (0..candidates.len())
            .filter(|&i| !seen.insert(&candidates[i].key))
            .collect()
    };
    for i in twice {
        let c = &mut candidates[i];
        c.alias = Some(std::mem::replace(&mut c.key.name, c.rel_path.clone()));
    }

    let fps: Vec<String> = candidates
        .iter()
        .map(|c| fingerprint_files(&c.files, &caps))
        .collect();
    for (c, fp) in candidates.iter().zip(&fps) {
        let k = &c.key;
        let _ = write!(stat_parts, "{}|{}|{}|{fp};", k.profile, k.kind, k.name);
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
    let mut missing = Vec::new();
    for (profile, list) in deployments.iter().filter(|_| listed_whole) {
        for d in list {
            let found = candidates
                .iter()
                .any(|c| c.key.profile == *profile && records(d, c));
            if !found {
                let path = match d.artifact_path.as_deref() {
                    Some(p) => p.trim_end_matches('/').to_string(),
                    None => format!("{}s/{}", d.kind, d.name),
                };
                let file = format!("{profile}/{path}");
                if unlisted.iter().any(|u| Path::new(&file).starts_with(u)) {
                    continue;
                }
                let manifest = format!("{profile}/{DEPLOYED_FILE}");
                let p = health::missing_deployment_problem(&file, &manifest);
                errors.push(project_error(p));
                missing.push(crate::model::MissingDeployment {
                    profile: profile.clone(),
                    name: d.name.clone(),
                    kind: d.kind.clone(),
                    path,
                    from_collection: d.from_collection.clone(),
                    deployed_at: d.deployed_at.clone(),
                    version: d.version.clone(),
                    content_hash: d.content_hash.clone(),
                    local_modifications: d.local_modifications,
                });
            }
        }
    }
    // Sorted, so that every scan writes the same list (the manifests are kept in a map).
    missing.sort_by(|a, b| (&a.profile, &a.path).cmp(&(&b.profile, &b.path)));

    let entries = deployments.values().flatten();
    let deployment_count = entries.clone().count() as i64;
    let last_deployment = entries.filter_map(|d| d.deployed_at.clone()).max();

    let mut artifacts = Vec::with_capacity(candidates.len());
    let wanted: Vec<bool> = candidates
        .iter()
        .zip(&fps)
        .map(|(c, fp)| force || prior.get(&c.key).is_none_or(|p| p.fingerprint != *fp))
        .collect();
    let read_count = wanted.iter().filter(|w| **w).count();
    let contents = read_contents(&candidates, &wanted, dir, limits, threads);
    let mut retry = racy_project || !unlisted.is_empty();
    for ((c, fp), content) in candidates.into_iter().zip(fps).zip(contents) {
        let racy = c.files.iter().any(|f| f.mtime_ns >= racy_after);
        let content = content.map(|mut content| {
            if let Some(alias) = &c.alias {
                content.display_name.get_or_insert_with(|| alias.clone());
            }
            content
        });
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
    // A folder moved away or deleted while it was read left only part of it listed: that is
    // not what the project holds, so the scan counts as having found the folder gone.
    if !dir.is_dir() {
        return Err(ScanFailure::Missing);
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
        manifests,
        missing,
        last_deployment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(dir: &Path, prior: &HashMap<ArtifactKey, Prior>) -> ProjectScan {
        scan_reading(dir, prior, Reads::CHANGED)
    }

    fn scan_reading(dir: &Path, prior: &HashMap<ArtifactKey, Prior>, reads: Reads) -> ProjectScan {
        let collections = manifest::Collections::default();
        scan_project(
            dir,
            || prior.clone(),
            None,
            &collections,
            &Limits::default(),
            reads,
            &mut Listings::default(),
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

    /// Dates `file` `secs` seconds back.
    fn age(file: &Path, secs: u64) {
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(past)
            .unwrap();
    }

    /// What the scan `s` read of the artifact `name`.
    fn content_of<'a>(s: &'a ProjectScan, name: &str) -> Option<&'a ArtifactContent> {
        s.artifacts
            .iter()
            .find(|a| a.key.name == name)
            .and_then(|a| a.content.as_ref())
    }

    #[test]
    fn a_project_read_on_two_threads_scans_as_on_one() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join(".claude/commands");
        std::fs::create_dir_all(&c).unwrap();
        for i in 0..40 {
            let body = format!("---\ndescription: command {i}\n---\nBody {i}\n");
            let file = c.join(format!("c{i:02}.md"));
            std::fs::write(&file, body).unwrap();
            // Written long enough ago for their fingerprints to be trusted.
            age(&file, 3600);
        }
        // Half of them known from before (not read again), half to read.
        let mut prior = priors(&scan(dir.path(), &HashMap::new()));
        prior.retain(|k, _| k.name.as_str() < "c20");
        let with = |threads| {
            let reads = Reads {
                force: false,
                threads,
            };
            scan_reading(dir.path(), &prior, reads)
        };
        let (one, two) = (with(1), with(2));
        assert_eq!(two.read_count, 20);
        assert!(content_of(&two, "c07").is_none() && content_of(&two, "c27").is_some());
        assert_eq!(
            format!("{:?}", one.artifacts),
            format!("{:?}", two.artifacts)
        );
    }

    #[test]
    fn a_title_names_an_artifact_without_a_name_as_skillmeat_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join(".claude/commands");
        std::fs::create_dir_all(&c).unwrap();
        std::fs::write(c.join("py.md"), "---\ntitle: Python\ndescription: d\n---\n").unwrap();
        std::fs::write(c.join("both.md"), "---\nname: named\ntitle: Titled\n---\n").unwrap();
        let s = scan(dir.path(), &HashMap::new());
        let name = |n: &str| content_of(&s, n).and_then(|c| c.display_name.clone());
        assert_eq!(name("py").as_deref(), Some("Python"));
        assert_eq!(name("both").as_deref(), Some("named"), "`name` comes first");
    }

    #[test]
    fn the_hash_and_fields_read_from_one_read_are_the_files_and_a_long_one_is_not_parsed() {
        use sha2::{Digest, Sha256};
        let dir = tempfile::tempdir().unwrap();
        let skill = dir.path().join(".claude/skills/tidy");
        std::fs::create_dir_all(&skill).unwrap();
        let text = "---\nname: tidy\ndescription: Tidies\n---\nbody\n";
        std::fs::write(skill.join("SKILL.md"), text).unwrap();
        std::fs::write(skill.join("notes.txt"), "n").unwrap();
        let long = dir.path().join(".claude/skills/long");
        std::fs::create_dir_all(&long).unwrap();
        let big = format!(
            "---\nname: long\n---\n{}",
            "x".repeat(MAX_TEXT_BYTES as usize)
        );
        std::fs::write(long.join("SKILL.md"), &big).unwrap();
        let cmd = dir.path().join(".claude/commands");
        std::fs::create_dir_all(&cmd).unwrap();
        std::fs::write(cmd.join("go.md"), "---\ndescription: Goes\n---\n").unwrap();
        let s = scan(dir.path(), &HashMap::new());
        let content = |n: &str| content_of(&s, n).unwrap();
        let tidy = content("tidy");
        assert_eq!(tidy.description.as_deref(), Some("Tidies"));
        let mut h = Sha256::new();
        h.update(b"SKILL.md");
        h.update(text.as_bytes());
        h.update(b"notes.txt");
        h.update(b"n");
        assert_eq!(tidy.content_hash, Some(hex::encode(h.finalize())));
        let go = content("go");
        assert_eq!(go.description.as_deref(), Some("Goes"));
        assert_eq!(
            go.content_hash,
            Some(hex::encode(Sha256::digest(
                b"---\ndescription: Goes\n---\n"
            )))
        );
        // Hashed whole (within the artifact cap), but over the metadata limit: not parsed.
        let long = content("long");
        assert!(long.content_hash.is_some());
        assert_eq!(long.display_name, None);
        assert!(
            long.problems.iter().any(|p| p.code == "NOT_CHECKED"),
            "{:?}",
            long.problems
        );
    }

    #[test]
    fn a_folder_moved_away_while_it_is_read_is_found_gone_not_half_read() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("p");
        for f in [".claude/commands/a.md", ".claude/agents/b.md"] {
            std::fs::create_dir_all(dir.join(f).parent().unwrap()).unwrap();
            std::fs::write(dir.join(f), "---\ndescription: d\n---\n").unwrap();
        }
        let away = root.path().join("away");
        // Asked for between listing the folder and reading its files.
        let moved = || {
            std::fs::rename(&dir, &away).unwrap();
            HashMap::new()
        };
        let collections = manifest::Collections::default();
        let r = scan_project(
            &dir,
            moved,
            None,
            &collections,
            &Limits::default(),
            Reads::CHANGED,
            &mut Listings::default(),
        );
        assert!(matches!(r, Err(ScanFailure::Missing)), "{r:?}");
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
        age(&file, 60);
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
        let no_listings = &mut Listings::default();
        let s = scan_project(
            dir,
            || prior.clone(),
            Some("changed"),
            cols,
            &limits,
            Reads::CHANGED,
            no_listings,
        )
        .unwrap();
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
        let content = content_of(&s, "settings.json#hooks.PostToolUse.0.hooks.0").unwrap();
        assert_eq!(
            content.description.as_deref(),
            Some("$CLAUDE_PROJECT_DIR/.claude/hooks/fmt.sh")
        );
        assert_eq!(content.metadata["runs"], ".claude/hooks/fmt.sh");
        // The script itself stays an artifact of its own (SkillMeat's hook).
        assert!(s.artifacts.iter().any(|a| a.key.name == "fmt.sh"));
    }
}
