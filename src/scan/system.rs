//! The kernel's folders (`/proc`, `/sys`, `/dev`) and pseudo file systems: a link into them is
//! never followed and their files are never read, so a skill folder linked to `/proc/self`
//! cannot put the process environment into a hash, nor a `/sys` tree stall a scan.

use std::path::{Path, PathBuf};

/// Folders whose contents are the kernel's, not files.
#[cfg(unix)]
const SYSTEM_DIRS: &[&str] = &["/proc", "/sys", "/dev"];

/// Whether the absolute, canonical `path` is one of the kernel's folders or inside one. A
/// canonical path has no `.`, `..` or doubled separators, so its bytes are compared (every
/// folder a scan enters is checked; comparing component by component cost more than the check).
pub fn is_system(path: &Path) -> bool {
    #[cfg(unix)]
    {
        let bytes = path.as_os_str().as_encoded_bytes();
        SYSTEM_DIRS.iter().any(|d| {
            bytes
                .strip_prefix(d.as_bytes())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"/"))
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Where a symbolic link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Followed: its canonical target.
    To(PathBuf),
    /// Not followed: it leads into `/proc`, `/sys` or `/dev` (the target).
    System(PathBuf),
    /// Not followed: it leads to a folder that holds the link (the target), a loop.
    Loop(PathBuf),
    /// Dangling, or its target cannot be resolved.
    Broken,
}

/// Resolves the link at `path`, found in the folder whose canonical path is `holder` (when
/// known, so a link to that folder or one above it is seen as a loop).
pub fn resolve(path: &Path, holder: Option<&Path>) -> Link {
    let Ok(target) = std::fs::canonicalize(path) else {
        return Link::Broken;
    };
    if is_system(&target) {
        Link::System(target)
    } else if holder.is_some_and(|h| h.starts_with(&target)) {
        Link::Loop(target)
    } else {
        Link::To(target)
    }
}

/// Magic numbers of the kernel's pseudo file systems (`statfs.f_type`): proc, sysfs, debugfs,
/// securityfs, cgroup, cgroup2, tracefs, devpts, bpf, configfs, efivarfs, nsfs.
#[cfg(target_os = "linux")]
const PSEUDO_FS: &[i64] = &[
    0x9fa0,
    0x6265_6572,
    0x6462_6720,
    0x7363_6673,
    0x0027_e0eb,
    0x6367_7270,
    0x7472_6163,
    0x1cd1,
    0xcafe_4a11,
    0x6265_6570,
    0xde5e_81e4,
    0x6e73_6673,
];

/// Whether the open `file` lives on one of the kernel's pseudo file systems (`/proc`, `/sys`, …),
/// whatever path led to it.
#[cfg(target_os = "linux")]
pub fn on_pseudo_fs(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: `statfs` is plain data, and fstatfs only writes into it for the valid descriptor.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut st) } != 0 {
        return false;
    }
    // `f_type` is a signed or unsigned integer of varying width by platform.
    #[allow(clippy::unnecessary_cast)]
    let kind = (st.f_type as i64) & 0xffff_ffff;
    PSEUDO_FS.contains(&kind)
}

/// Whether the open `file` lives on one of the kernel's pseudo file systems (never elsewhere).
#[cfg(not(target_os = "linux"))]
pub fn on_pseudo_fs(_file: &std::fs::File) -> bool {
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn system_paths_links_and_pseudo_files() {
        assert!(is_system(Path::new("/proc/self/environ")));
        assert!(is_system(Path::new("/dev")));
        assert!(!is_system(Path::new("/devices/x")));
        assert!(is_system(Path::new("/sys/kernel")));
        assert!(!is_system(Path::new("/procfs")));
        assert!(!is_system(Path::new("/home/proc")));
        assert!(!is_system(Path::new("/")));
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().canonicalize().unwrap();
        std::os::unix::fs::symlink("/proc/self", d.join("p")).unwrap();
        std::os::unix::fs::symlink(&d, d.join("up")).unwrap();
        std::os::unix::fs::symlink(d.join("nowhere"), d.join("gone")).unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::os::unix::fs::symlink(d.join("sub"), d.join("ok")).unwrap();
        assert!(matches!(resolve(&d.join("p"), Some(&d)), Link::System(_)));
        assert_eq!(resolve(&d.join("up"), Some(&d)), Link::Loop(d.clone()));
        assert_eq!(resolve(&d.join("gone"), Some(&d)), Link::Broken);
        assert_eq!(resolve(&d.join("ok"), Some(&d)), Link::To(d.join("sub")));
        if let Ok(f) = std::fs::File::open("/proc/self/status") {
            assert!(on_pseudo_fs(&f));
        }
        std::fs::write(d.join("f"), b"x").unwrap();
        assert!(!on_pseudo_fs(&std::fs::File::open(d.join("f")).unwrap()));
    }
}
