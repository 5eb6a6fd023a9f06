//! SkillMeat's content hash: SHA-256 of a file's bytes, or for a folder, of every file's relative
//! path (UTF-8, `/`-separated) followed by its bytes, in sorted relative-path order compared
//! component by component.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Sorts relative paths component by component (`a/b` before `a-b`).
pub fn sort_components(paths: &mut [String]) {
    paths.sort_by(|a, b| a.split('/').cmp(b.split('/')));
}

/// Feeds one file's bytes into `hasher`, taking them from `left`: a file that (grown since it was
/// listed) would read past it is an error, read no further.
fn feed(hasher: &mut Sha256, path: &Path, left: &mut u64) -> std::io::Result<()> {
    let mut f = super::read::open_regular(path)?;
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        *left = left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the files grew past the size cap while they were hashed; not hashed",
            )
        })?;
        hasher.update(&buf[..n]);
    }
}

/// Hash of a single file, reading at most `max_bytes`.
pub fn file_hash(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    let mut h = Sha256::new();
    feed(&mut h, path, &mut { max_bytes })?;
    Ok(hex::encode(h.finalize()))
}

/// Hash of a folder given its files' relative paths (already sorted with [`sort_components`]),
/// reading at most `max_bytes` in all.
pub fn folder_hash(
    root: &Path,
    sorted_rel_paths: &[String],
    max_bytes: u64,
) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut left = max_bytes;
    for rel in sorted_rel_paths {
        h.update(rel.as_bytes());
        feed(&mut h, &root.join(rel), &mut left)?;
    }
    Ok(hex::encode(h.finalize()))
}

/// A short hash of stat data (not file contents), used as a change fingerprint.
pub fn fingerprint(parts: &str) -> String {
    let d = Sha256::digest(parts.as_bytes());
    hex::encode(&d[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_order_differs_from_string_order() {
        let mut p = vec!["a-b".to_string(), "a/b".to_string(), "SKILL.md".to_string()];
        sort_components(&mut p);
        assert_eq!(p, vec!["SKILL.md", "a/b", "a-b"]);
    }

    #[test]
    fn folder_hash_matches_reference() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a")).unwrap();
        std::fs::write(d.path().join("SKILL.md"), b"hello").unwrap();
        std::fs::write(d.path().join("a/x.txt"), b"world").unwrap();
        let mut rel = vec!["a/x.txt".to_string(), "SKILL.md".to_string()];
        sort_components(&mut rel);
        let mut h = Sha256::new();
        h.update(b"SKILL.md");
        h.update(b"hello");
        h.update(b"a/x.txt");
        h.update(b"world");
        assert_eq!(
            folder_hash(d.path(), &rel, 10).unwrap(),
            hex::encode(h.finalize())
        );
        assert!(
            folder_hash(d.path(), &rel, 9).is_err(),
            "never reads past the cap"
        );
        assert_eq!(
            file_hash(&d.path().join("SKILL.md"), 5).unwrap(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(file_hash(&d.path().join("SKILL.md"), 4).is_err());
    }
}
