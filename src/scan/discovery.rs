//! Finding projects under configured roots: bounded depth, no `node_modules` or `.git`, and safe
//! against symlink loops (walkdir detects them; loops are skipped).

use std::path::{Path, PathBuf};

use super::PROFILE_ROOTS;

/// Folders never descended into.
const SKIP: &[&str] = &[
    "node_modules",
    ".git",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".cache",
];

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
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            e.file_type().is_dir() && !SKIP.contains(&name.as_ref()) && !name.starts_with('.')
        });
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
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            e.file_type().is_dir() && !SKIP.contains(&name.as_ref()) && !name.starts_with('.')
        })
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
}
