//! Creating the files and folders of the cache private to their owner on Unix: folders `0700`,
//! the database `0600` (SQLite gives its `-wal` and `-shm` files the database's mode). Only what
//! is created here gets a mode; nothing that already exists is changed.

use std::io;
use std::path::Path;

/// Creates `dir` and its missing parents, each one created with mode `0700`. Existing folders
/// are left as they are.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Creates the empty file `path` with mode `0600` unless something is there; returns whether it
/// did. An existing file is left as it is.
pub fn create_file(path: &Path) -> io::Result<bool> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    match o.open(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_private_and_leaves_what_exists() {
        let d = tempfile::tempdir().unwrap();
        let shared = d.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir_all(&shared.join("a/b")).unwrap();
        assert_eq!(mode(&shared), 0o755, "an existing folder keeps its mode");
        assert_eq!(mode(&shared.join("a")), 0o700);
        assert_eq!(mode(&shared.join("a/b")), 0o700);
        create_dir_all(&shared).unwrap();

        let f = shared.join("a/b/db");
        assert!(create_file(&f).unwrap());
        assert_eq!(mode(&f), 0o600);
        let mine = shared.join("mine");
        std::fs::write(&mine, b"x").unwrap();
        std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!create_file(&mine).unwrap());
        assert_eq!(mode(&mine), 0o644, "an existing file keeps its mode");
        assert_eq!(std::fs::read(&mine).unwrap(), b"x");
    }
}
