//! Finding projects under configured roots: bounded depth, no `node_modules` or `.git`, never
//! into `/proc`, `/sys` or `/dev` (even through a link), and safe against symlink loops (walkdir
//! detects them; loops are skipped).

use std::path::{Path, PathBuf};

use super::PROFILE_ROOTS;

/// Folders never descended into (SkillMeat's own discovery skips the same; hidden folders are
/// skipped too).
const SKIP: &[&str] = &[
    "node_modules",
    ".git",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".cache",
    "vendor",
    "dist",
    "build",
    "Pods",
];

/// Whether discovery descends into `e`: the root, or a folder not skipped by name; in either case
/// not (through a link or not) a kernel folder.
fn descend(e: &walkdir::DirEntry) -> bool {
    if e.depth() > 0 {
        let name = e.file_name().to_string_lossy();
        if !e.file_type().is_dir() || SKIP.contains(&name.as_ref()) || name.starts_with('.') {
            return false;
        }
    }
    let real = if e.path_is_symlink() || e.depth() == 0 {
        std::fs::canonicalize(e.path()).ok()
    } else {
        Some(e.path().to_path_buf())
    };
    !real.is_some_and(|r| super::system::is_system(&r))
}

/// Whether `dir` holds a profile root (`.claude/`, `.codex/`, …).
pub fn is_project(dir: &Path) -> bool {
    PROFILE_ROOTS.iter().any(|p| dir.join(p).is_dir())
}

/// Projects under `root` up to `depth` levels below it (0 = only `root` itself), canonicalised.
pub fn discover(root: &Path, depth: u32) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .max_depth(depth as usize)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(descend);
    for entry in walker.flatten() {
        if entry.file_type().is_dir() && is_project(entry.path()) {
            if let Ok(p) = entry.path().canonicalize() {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Folders in which a new project could appear: `root` and its sub-folders down to `depth - 1`
/// levels, skipping what discovery skips and the inside of existing projects.
pub fn candidate_dirs(root: &Path, depth: u32) -> Vec<PathBuf> {
    if depth == 0 {
        return Vec::new();
    }
    walkdir::WalkDir::new(root)
        .follow_links(true)
        .max_depth(depth as usize - 1)
        .into_iter()
        .filter_entry(descend)
        .flatten()
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_projects_skips_noise_and_survives_loops() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for p in [
            "a/.claude",
            "b/c/.codex",
            "node_modules/x/.claude",
            "deep/1/2/3/4/.claude",
        ] {
            std::fs::create_dir_all(r.join(p)).unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(r, r.join("a/loop")).unwrap();
        let found = discover(r, 3);
        let names: Vec<String> = found
            .iter()
            .map(|p| {
                p.strip_prefix(r.canonicalize().unwrap())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert!(names.contains(&"a".to_string()), "{names:?}");
        assert!(names.contains(&"b/c".to_string()), "{names:?}");
        assert!(
            !names
                .iter()
                .any(|n| n.contains("node_modules") || n.contains("deep")),
            "{names:?}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn never_descends_into_kernel_folders() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("a/.claude")).unwrap();
        for (link, to) in [("proc", "/proc"), ("sys", "/sys/kernel"), ("dev", "/dev")] {
            std::os::unix::fs::symlink(to, r.join(link)).unwrap();
        }
        let dirs = candidate_dirs(r, 3);
        assert!(
            dirs.iter().all(|p| !p.starts_with(r.join("proc"))
                && !p.starts_with(r.join("sys"))
                && !p.starts_with(r.join("dev"))),
            "{dirs:?}"
        );
        assert_eq!(discover(r, 3).len(), 1);
        assert!(discover(Path::new("/proc/self"), 2).is_empty());
        assert!(candidate_dirs(Path::new("/proc"), 2).is_empty());
        // A root of `/` is searched, but not its kernel folders.
        assert!(
            candidate_dirs(Path::new("/"), 2)
                .iter()
                .all(|p| !crate::scan::system::is_system(p))
        );
    }
}
