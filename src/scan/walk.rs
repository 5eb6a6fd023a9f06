//! Bounded listing of the folders a project may fill with anything. An artifact's listing stops
//! at its caps on files and folders, bytes and depth, and every listing of one project draws on
//! one budget of files and folders, so a skill folder that is a link to `/usr/share` costs the
//! caps, never a walk of the tree. Sizes come from metadata; nothing is read here. Links to
//! folders inside an artifact are not followed (so no loop can be walked), and a link into
//! `/proc`, `/sys` or `/dev`, or to a folder holding it, is reported and never followed.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use super::health;
use super::system::{self, Link};
use super::{Scope, Stat, mtime_ns, project_error};
use crate::model::ArtifactProblem;
use crate::model::FileError;

/// Default most files and folders listed in one artifact.
pub const DEFAULT_ARTIFACT_FILES: u32 = 1000;
/// Default most bytes of files in one artifact (64 MiB).
pub const DEFAULT_ARTIFACT_BYTES: u32 = 64 * 1024 * 1024;
/// Default most levels of sub-folders read below an artifact's folder.
pub const DEFAULT_ARTIFACT_DEPTH: u32 = 8;
/// Default most files and folders listed in one project.
pub const DEFAULT_PROJECT_FILES: u32 = 20_000;
/// Highest depth cap accepted.
pub const MAX_ARTIFACT_DEPTH: u32 = 64;

/// The caps of one scan (`maxArtifactFiles`, `maxArtifactBytes`, `maxArtifactDepth`,
/// `maxProjectFiles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most files and folders listed in one artifact.
    pub artifact_files: u32,
    /// Most bytes of files in one artifact; a larger one is listed in part and not hashed.
    pub artifact_bytes: u64,
    /// Most levels of sub-folders read below an artifact's folder.
    pub artifact_depth: u32,
    /// Most files and folders listed in one project.
    pub project_files: u32,
}

impl Limits {
    /// The caps the configuration sets.
    pub fn from_config(cfg: &crate::config::Config) -> Limits {
        Limits {
            artifact_files: cfg.max_artifact_files.value,
            artifact_bytes: u64::from(cfg.max_artifact_bytes.value),
            artifact_depth: cfg.max_artifact_depth.value,
            project_files: cfg.max_project_files.value,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            artifact_files: DEFAULT_ARTIFACT_FILES,
            artifact_bytes: u64::from(DEFAULT_ARTIFACT_BYTES),
            artifact_depth: DEFAULT_ARTIFACT_DEPTH,
            project_files: DEFAULT_PROJECT_FILES,
        }
    }
}

/// The caps of one listing.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Most files and folders looked at.
    pub entries: u64,
    /// Most bytes of files listed.
    pub bytes: u64,
    /// Most levels of sub-folders entered.
    pub depth: u32,
}

impl Limits {
    /// The caps of one artifact's folder.
    pub fn artifact(&self) -> Caps {
        Caps {
            entries: u64::from(self.artifact_files),
            bytes: self.artifact_bytes,
            depth: self.artifact_depth,
        }
    }

    /// The caps of a folder of one-file artifacts (`hooks/`): its depth; the project's budget
    /// bounds the rest.
    pub fn folder(&self) -> Caps {
        Caps {
            entries: u64::MAX,
            bytes: u64::MAX,
            depth: self.artifact_depth,
        }
    }

    /// The caps as text, part of a project's fingerprint (other caps, another scan).
    pub fn fingerprint(&self) -> String {
        format!(
            "caps:{}:{}:{}:{};",
            self.artifact_files, self.artifact_bytes, self.artifact_depth, self.project_files
        )
    }
}

/// The `[cache]` key behind each cap, for the fixes that name it.
const FILES: &str = "max_artifact_files";
const BYTES: &str = "max_artifact_bytes";
const DEPTH: &str = "max_artifact_depth";
const PROJECT: &str = "max_project_files";

/// The cap that stopped a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// More files and folders than `maxArtifactFiles`.
    Files,
    /// More bytes than `maxArtifactBytes`.
    Bytes,
    /// The project's budget (`maxProjectFiles`) ran out.
    Project,
}

/// The files and folders one project scan may still look at.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    left: u64,
    /// Where it ran out (a folder relative to the project), once it has.
    pub ran_out_in: Option<String>,
    /// Folders (relative to the project) that exist but could not be listed, e.g. mode 000.
    pub unlisted: Vec<String>,
}

impl Budget {
    /// The whole budget of a project.
    pub fn new(limits: &Limits) -> Budget {
        Budget {
            left: u64::from(limits.project_files),
            ran_out_in: None,
            unlisted: Vec::new(),
        }
    }

    /// Entries left.
    pub fn left(&self) -> u64 {
        self.left
    }

    /// Takes one entry; `false` when none is left (recording where, the first time).
    pub fn take(&mut self, at: impl FnOnce() -> String) -> bool {
        if self.left == 0 {
            self.ran_out_in.get_or_insert_with(at);
            return false;
        }
        self.left -= 1;
        true
    }
}

/// What a bounded listing found.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Regular files (links to files included), sorted by path components.
    pub files: Vec<Stat>,
    /// Files and folders looked at.
    pub entries: u64,
    /// Bytes of the files listed.
    pub bytes: u64,
    /// The cap that stopped the listing, if one did.
    pub stopped: Option<Stop>,
    /// The first folder not entered for being nested deeper than the cap, and how many were not.
    pub too_deep: Option<(String, u32)>,
    /// Links not followed (relative path, where they lead).
    pub refused: Vec<(String, Link)>,
    /// Where the listed folder leads when it is itself a link.
    pub link: Option<PathBuf>,
}

impl Listing {
    /// Whether every file was listed (no cap met), so the size and a hash are whole.
    pub fn complete(&self) -> bool {
        self.stopped.is_none() && self.too_deep.is_none()
    }

    /// What was counted, for the messages.
    fn counted(&self) -> String {
        let link = self
            .link
            .as_ref()
            .map(|t| format!("; it is a link to {}", t.display()))
            .unwrap_or_default();
        format!(
            "this cache stopped listing it after {} files and folders ({} files, {}){link}",
            self.entries,
            self.files.len(),
            megabytes(self.bytes)
        )
    }

    /// The problem of the cap that stopped the listing of `file` (an artifact), if one did.
    pub fn stop_problem(&self, file: &str, limits: &Limits) -> Option<ArtifactProblem> {
        let (why, key) = match self.stopped? {
            Stop::Files => (
                format!(
                    "{file} holds more than {} files and folders (the maxArtifactFiles cap)",
                    limits.artifact_files
                ),
                FILES,
            ),
            Stop::Bytes => (
                format!(
                    "the files of {file} add up to more than {} (the maxArtifactBytes cap)",
                    megabytes(limits.artifact_bytes)
                ),
                BYTES,
            ),
            Stop::Project => (
                format!(
                    "the project holds more than {} files and folders (the maxProjectFiles cap), and its listing ran out inside {file}",
                    limits.project_files
                ),
                PROJECT,
            ),
        };
        Some(health::too_large_problem(
            file,
            format!("{why}: {}", self.counted()),
            key,
        ))
    }

    /// The problems of `file` other than a stop: folders too deep, links not followed.
    pub fn other_problems(&self, file: &str, limits: &Limits) -> Vec<ArtifactProblem> {
        let mut out = Vec::new();
        if let Some((first, n)) = &self.too_deep {
            out.push(health::too_large_problem(
                file,
                format!(
                    "{file} has folders nested more than {} levels deep (the maxArtifactDepth cap), starting with {first}; this cache did not enter {n} of them",
                    limits.artifact_depth
                ),
                DEPTH,
            ));
        }
        for (rel, link) in &self.refused {
            let at = if rel.is_empty() {
                file.to_string()
            } else {
                format!("{file}/{rel}")
            };
            out.extend(link_problem(&at, link));
        }
        out
    }

    /// Every problem of the artifact at `file`.
    pub fn problems(&self, file: &str, limits: &Limits) -> Vec<ArtifactProblem> {
        let mut out: Vec<ArtifactProblem> = self.stop_problem(file, limits).into_iter().collect();
        out.extend(self.other_problems(file, limits));
        out
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// The problem of a link not followed, if `link` is one.
fn link_problem(file: &str, link: &Link) -> Option<ArtifactProblem> {
    match link {
        Link::System(t) => Some(health::link_problem(file, t, false)),
        Link::Loop(t) => Some(health::link_problem(file, t, true)),
        Link::To(_) | Link::Broken => None,
    }
}

/// The single file of an artifact that is over the bytes cap: it is listed, never read.
pub(crate) fn file_too_large(file: &str, size: u64, limits: &Limits) -> ArtifactProblem {
    health::too_large_problem(
        file,
        format!(
            "{file} is {}, more than {} (the maxArtifactBytes cap): this cache did not read it, so it has no content hash",
            megabytes(size),
            megabytes(limits.artifact_bytes)
        ),
        BYTES,
    )
}

/// The project error for a budget that ran out, if it did.
pub(crate) fn project_problem(budget: &Budget, limits: &Limits) -> Option<FileError> {
    let at = budget.ran_out_in.as_deref()?;
    Some(project_error(health::project_too_large_problem(
        at,
        format!(
            "the project's profile folders hold more than {} files and folders (the maxProjectFiles cap): this cache stopped listing them in {at}, so the artifacts past that point are not cached and the last one listed is incomplete",
            limits.project_files
        ),
        PROJECT,
    )))
}

/// A folder of artifacts that exists but cannot be listed.
fn unreadable_folder(rel_dir: &str, e: &std::io::Error) -> FileError {
    FileError {
        file: rel_dir.to_string(),
        line: None,
        reason: format!(
            "cannot read this folder ({e}): the artifacts in it are not listed, and Claude Code cannot load them either; fix its permissions (e.g. `chmod u+rx`) and refresh"
        ),
    }
}

fn bad_name(file: String) -> FileError {
    FileError {
        file,
        line: None,
        reason: "file name is not valid UTF-8; skipped".into(),
    }
}

/// Where a folder really is: its canonical path (when it resolves) and whether the path that
/// names it is a link. [`Real::of`] asks the file system; an [`Entry`] knows it from its listing,
/// which saves resolving every component of the path again for each folder listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Real {
    /// The canonical path, when it resolves.
    pub canonical: Option<PathBuf>,
    /// Whether the path is a link.
    pub link: bool,
}

impl Real {
    /// Resolves `path`.
    pub fn of(path: &Path) -> Real {
        Real {
            canonical: std::fs::canonicalize(path).ok(),
            link: std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()),
        }
    }

    /// Resolves `path`, an entry of the folder `self` describes: one look at the entry itself
    /// unless it is a link.
    pub fn child(&self, path: &Path) -> Real {
        match (
            std::fs::symlink_metadata(path),
            &self.canonical,
            path.file_name(),
        ) {
            (Ok(m), Some(parent), Some(name)) if !m.file_type().is_symlink() => Real {
                canonical: Some(parent.join(name)),
                link: false,
            },
            (Err(_), _, _) => Real::default(),
            _ => Real::of(path),
        }
    }
}

/// Lists the regular files under `root` (breadth first, so its own files come first) within
/// `caps` and `budget`, with names relative to `root`; `real` is where `root` really is. `root`
/// may be a link, followed unless it leads into a kernel folder; links inside it are followed to
/// files only. Names that are not UTF-8 are reported in `errors` (as `rel_root/…`) and skipped.
pub(super) fn list_files(
    root: &Path,
    real: Real,
    rel_root: &str,
    caps: Caps,
    sc: &mut Scope<'_>,
) -> Listing {
    let Scope {
        budget,
        errors,
        listings,
        ..
    } = sc;
    let mut out = Listing::default();
    let canonical = real.canonical;
    if real.link {
        out.link = canonical.clone();
    }
    if let Some(c) = canonical.as_ref().filter(|c| system::is_system(c)) {
        out.refused.push((String::new(), Link::System(c.clone())));
        return out;
    }
    let mut queue = VecDeque::from([(root.to_path_buf(), String::new(), 0u32)]);
    'walk: while let Some((dir, rel_dir, level)) = queue.pop_front() {
        // One more than may be looked at, so a cap stops the loop below as it would a read.
        let max = caps
            .entries
            .saturating_sub(out.entries)
            .min(budget.left())
            .saturating_add(1);
        let Ok(found) = listings.list(&dir, max) else {
            continue;
        };
        for entry in found {
            if out.entries >= caps.entries {
                out.stopped = Some(Stop::Files);
                break 'walk;
            }
            if !budget.take(|| format!("{rel_root}/{rel_dir}").trim_end_matches('/').into()) {
                out.stopped = Some(Stop::Project);
                break 'walk;
            }
            out.entries += 1;
            let Some(name) = entry.name().to_str() else {
                errors.push(bad_name(format!(
                    "{rel_root}/{rel_dir}{}",
                    entry.name().to_string_lossy()
                )));
                continue;
            };
            let rel = format!("{rel_dir}{name}");
            let Some(ft) = entry.ft else { continue };
            let meta = if ft.is_dir() {
                let real = canonical.as_ref().map(|c| c.join(&rel));
                if let Some(real) = real.filter(|r| system::is_system(r)) {
                    out.refused.push((rel, Link::System(real)));
                } else if level >= caps.depth {
                    out.too_deep.get_or_insert((rel, 0)).1 += 1;
                } else {
                    queue.push_back((entry.path(&dir), format!("{rel}/"), level + 1));
                }
                continue;
            } else if ft.is_symlink() {
                match system::resolve(&entry.path(&dir), None) {
                    Link::To(target) => match std::fs::metadata(target) {
                        Ok(m) => m,
                        Err(_) => continue,
                    },
                    Link::Broken => continue,
                    refused => {
                        out.refused.push((rel, refused));
                        continue;
                    }
                }
            } else if ft.is_file() {
                match entry.metadata(&dir) {
                    Ok(m) => m,
                    Err(_) => continue,
                }
            } else {
                continue;
            };
            // A link to a folder is not followed; devices, pipes and sockets are not files.
            if !meta.is_file() {
                continue;
            }
            let bytes = out.bytes.saturating_add(meta.len());
            if bytes > caps.bytes {
                out.stopped = Some(Stop::Bytes);
                break 'walk;
            }
            out.bytes = bytes;
            out.files.push(Stat {
                rel,
                size: meta.len(),
                mtime_ns: mtime_ns(&meta),
            });
        }
    }
    out.files
        .sort_by(|a, b| a.rel.split('/').cmp(b.rel.split('/')));
    out
}

/// One entry of a folder of artifacts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Entry {
    /// File name (UTF-8).
    pub name: String,
    /// Full path.
    pub path: PathBuf,
    /// Whether it is a folder, or a link to one.
    pub is_dir: bool,
    /// Where it leads when it is a link to a file or device in `/proc`, `/sys` or `/dev`: it is
    /// listed, and must never be read.
    pub kernel: Option<PathBuf>,
    /// Where it really is (for a folder to list).
    pub real: Real,
    /// Size and modification time of a regular file (not a link), from the listing's folder.
    pub stat: Option<(u64, i64)>,
}

impl Entry {
    /// The size and modification time of the file it names (a link is followed), as `rel`.
    pub fn stat(&self) -> Option<Stat> {
        match self.stat {
            Some((size, mtime_ns)) => Some(Stat {
                rel: self.name.clone(),
                size,
                mtime_ns,
            }),
            None => super::stat_of(&self.path, self.name.clone()),
        }
    }
}

/// The UTF-8 entries of a folder of artifacts, sorted, each drawn from `budget`. Names that are
/// not UTF-8 are reported in `errors`, and so are links to folders in `/proc`, `/sys` or `/dev`
/// and to a folder that holds them (loops); neither is listed. A link to a file or device there
/// is listed with [`Entry::kernel`] set.
pub(super) fn entries(dir: &Path, real: Real, rel_dir: &str, sc: &mut Scope<'_>) -> Vec<Entry> {
    let Scope {
        budget,
        errors,
        listings,
        ..
    } = sc;
    // The folder's canonical path: a link that leads to it or above is a loop.
    let holder = real.canonical;
    if let Some(h) = holder.as_ref().filter(|h| system::is_system(h)) {
        let refused = Link::System(h.clone());
        errors.extend(link_problem(rel_dir, &refused).map(project_error));
        return Vec::new();
    }
    let found = match listings.list(dir, budget.left().saturating_add(1)) {
        Ok(found) => found,
        // No such folder: nothing of this kind is deployed.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            errors.push(unreadable_folder(rel_dir, &e));
            budget.unlisted.push(rel_dir.to_string());
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for e in found {
        if !budget.take(|| rel_dir.to_string()) {
            break;
        }
        let Some(name) = e.name().to_str() else {
            errors.push(bad_name(format!(
                "{rel_dir}/{}",
                e.name().to_string_lossy()
            )));
            continue;
        };
        let path = e.path(dir);
        // d_type from the directory listing; only links need resolving to see what they lead to.
        // A folder that is no link is where its holder is, by its name; a file's metadata is
        // read relative to the open folder.
        let mut kernel = None;
        let mut real = Real {
            canonical: holder.as_ref().map(|h| h.join(name)),
            link: false,
        };
        let mut stat = None;
        let is_dir = match e.ft {
            Some(ft) if ft.is_symlink() => match system::resolve(&path, holder.as_deref()) {
                Link::To(target) => {
                    let is_dir = target.is_dir();
                    real = Real {
                        canonical: Some(target),
                        link: true,
                    };
                    is_dir
                }
                Link::Broken => false,
                Link::System(target) if !target.is_dir() => {
                    kernel = Some(target);
                    false
                }
                refused => {
                    let file = format!("{rel_dir}/{name}");
                    errors.extend(link_problem(&file, &refused).map(project_error));
                    continue;
                }
            },
            Some(ft) => {
                if ft.is_file() {
                    stat = e.metadata(dir).ok().map(|m| (m.len(), mtime_ns(&m)));
                }
                ft.is_dir()
            }
            None => false,
        };
        out.push(Entry {
            name: name.to_string(),
            path,
            is_dir,
            kernel,
            real,
            stat,
        });
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::listing::Listings;

    fn limits(files: u32, bytes: u64, depth: u32, project: u32) -> Limits {
        Limits {
            artifact_files: files,
            artifact_bytes: bytes,
            artifact_depth: depth,
            project_files: project,
        }
    }

    fn scope<'a>(l: &Limits, listings: &'a mut Listings) -> Scope<'a> {
        Scope {
            limits: *l,
            budget: Budget::new(l),
            errors: Vec::new(),
            listings,
        }
    }

    fn list(root: &Path, l: &Limits) -> (Listing, Budget) {
        let mut listings = Listings::default();
        let mut sc = scope(l, &mut listings);
        let listing = list_files(root, Real::of(root), "a", l.artifact(), &mut sc);
        (listing, sc.budget)
    }

    #[test]
    fn stops_at_the_file_cap_and_keeps_top_level_files_first() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("SKILL.md"), b"x").unwrap();
        for i in 0..50 {
            let sub = d.path().join(format!("d{i}"));
            std::fs::create_dir(&sub).unwrap();
            for j in 0..20 {
                std::fs::write(sub.join(format!("f{j}")), b"yy").unwrap();
            }
        }
        let l = limits(100, u64::MAX, 8, 10_000);
        let (listing, budget) = list(d.path(), &l);
        assert_eq!(listing.stopped, Some(Stop::Files));
        assert_eq!(listing.entries, 100, "never looks past the cap");
        assert!(listing.files.len() <= 100);
        assert!(listing.files.iter().any(|f| f.rel == "SKILL.md"));
        assert!(!listing.complete());
        assert_eq!(budget.ran_out_in, None);
        let p = listing.problems("a", &l);
        assert_eq!(p[0].code, "ARTIFACT_TOO_LARGE");
        assert_eq!(p[0].severity, crate::model::Severity::Warning);
        assert!(
            p[0].message.contains("maxArtifactFiles"),
            "{}",
            p[0].message
        );
        assert!(p[0].message.contains("after 100 files and folders"));
        assert!(p[0].fix.contains("SKILLMEAT_CACHE_MAX_ARTIFACT_FILES"));
        assert!(p[0].fix.contains("max_artifact_files"));

        let (whole, _) = list(d.path(), &limits(2000, u64::MAX, 8, 10_000));
        assert!(whole.complete());
        assert_eq!(whole.files.len(), 1001);
        assert_eq!(whole.bytes, 1 + 50 * 20 * 2);
    }

    #[test]
    fn bytes_depth_and_project_caps() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("big"), vec![0u8; 5000]).unwrap();
        let (listing, _) = list(d.path(), &limits(100, 4999, 8, 100));
        assert_eq!(listing.stopped, Some(Stop::Bytes));
        assert!(listing.files.is_empty());
        assert!(
            listing.problems("a", &limits(100, 4999, 8, 100))[0]
                .message
                .contains("maxArtifactBytes")
        );

        let deep = d.path().join("1/2/3/4");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("f"), b"x").unwrap();
        std::fs::write(d.path().join("1/2/g"), b"x").unwrap();
        let l = limits(100, 1 << 20, 2, 100);
        let (listing, _) = list(d.path(), &l);
        assert_eq!(listing.too_deep, Some(("1/2/3".into(), 1)));
        assert!(listing.files.iter().any(|f| f.rel == "1/2/g"));
        assert!(!listing.files.iter().any(|f| f.rel.starts_with("1/2/3")));
        let p = listing.problems("a", &l);
        assert!(p[0].message.contains("maxArtifactDepth") && p[0].message.contains("1/2/3"));

        let l = limits(100, 1 << 20, 8, 3);
        let (listing, budget) = list(d.path(), &l);
        assert_eq!(listing.stopped, Some(Stop::Project));
        assert_eq!(listing.entries, 3);
        assert!(budget.ran_out_in.is_some());
        let e = project_problem(&budget, &l).unwrap();
        assert!(e.reason.contains("PROJECT_TOO_LARGE"), "{}", e.reason);
        assert!(e.reason.contains("SKILLMEAT_CACHE_MAX_PROJECT_FILES"));
    }

    #[cfg(unix)]
    #[test]
    fn a_child_is_resolved_from_its_parent_as_a_full_resolution_would() {
        let d = tempfile::tempdir().unwrap();
        let r = std::fs::canonicalize(d.path()).unwrap();
        std::fs::create_dir_all(r.join("real/inner")).unwrap();
        std::fs::create_dir(r.join("other")).unwrap();
        std::os::unix::fs::symlink(r.join("real"), r.join("via")).unwrap();
        std::os::unix::fs::symlink(r.join("other"), r.join("real/to-other")).unwrap();
        // Through a linked parent, a plain child, a linked child, and a missing one.
        let parent = Real::of(&r.join("via"));
        assert!(parent.link);
        for name in ["inner", "to-other", "missing"] {
            let path = r.join("via").join(name);
            assert_eq!(parent.child(&path), Real::of(&path), "{name}");
        }
        assert_eq!(
            parent.child(&r.join("via/inner")).canonical,
            Some(r.join("real/inner"))
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn links_into_the_kernel_and_loops_are_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir(r.join("skill")).unwrap();
        std::fs::write(r.join("skill/SKILL.md"), b"x").unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", r.join("skill/env")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", r.join("skill/zero")).unwrap();
        std::os::unix::fs::symlink(r.join("skill"), r.join("skill/loop")).unwrap();
        let l = Limits::default();
        let (listing, _) = list(&r.join("skill"), &l);
        let rels: Vec<&str> = listing.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            ["SKILL.md"],
            "the loop is not walked, /proc and /dev not read"
        );
        let codes: Vec<String> = listing
            .problems("a", &l)
            .into_iter()
            .map(|p| p.code)
            .collect();
        assert_eq!(codes, ["SYMLINK_NOT_FOLLOWED", "SYMLINK_NOT_FOLLOWED"]);
        assert!(listing.complete());

        std::os::unix::fs::symlink("/proc/self", r.join("proc")).unwrap();
        let (listing, _) = list(&r.join("proc"), &l);
        assert_eq!(
            listing.entries, 0,
            "a folder linked into /proc is not listed"
        );
        assert!(matches!(listing.refused[0].1, Link::System(_)));

        std::os::unix::fs::symlink("..", r.join("skill/up")).unwrap();
        std::os::unix::fs::symlink("/sys", r.join("skill/sys")).unwrap();
        let skill = r.join("skill");
        let mut listings = Listings::default();
        let mut sc = scope(&l, &mut listings);
        let found = entries(&skill, Real::of(&skill), "s", &mut sc);
        let errors = sc.errors;
        let names: Vec<&str> = found.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["SKILL.md", "env", "zero"],
            "links to files are listed"
        );
        let kernel: Vec<bool> = found.iter().map(|e| e.kernel.is_some()).collect();
        assert_eq!(kernel, [false, true, true]);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors
                .iter()
                .all(|e| e.reason.contains("SYMLINK_NOT_FOLLOWED"))
        );
    }
}
