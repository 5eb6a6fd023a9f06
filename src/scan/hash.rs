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

/// A file's bytes, kept while it is hashed so that it need not be read again: at most `cap`
/// bytes.
pub struct Kept {
    cap: u64,
    /// `None` once the file had more than `cap` bytes.
    bytes: Option<Vec<u8>>,
    /// Whether the file was read to its end.
    whole: bool,
}

impl Kept {
    /// Keeps at most `cap` bytes.
    pub fn new(cap: u64) -> Kept {
        Kept {
            cap,
            bytes: Some(Vec::new()),
            whole: false,
        }
    }

    fn extend(&mut self, chunk: &[u8]) {
        if let Some(b) = &mut self.bytes {
            if (b.len() + chunk.len()) as u64 <= self.cap {
                b.extend_from_slice(chunk);
            } else {
                self.bytes = None;
            }
        }
    }

    /// The file's bytes, if it was read to its end within the cap (not when it was never read,
    /// or its read failed).
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        self.bytes.filter(|_| self.whole)
    }
}

/// Feeds one file's bytes into `hasher` (and `kept`), taking them from `left`: a file that
/// (grown since it was listed) would read past it is an error, read no further.
fn feed(
    hasher: &mut Sha256,
    path: &Path,
    left: &mut u64,
    mut kept: Option<&mut Kept>,
) -> std::io::Result<()> {
    let mut f = super::read::open_regular(path)?;
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            if let Some(k) = kept {
                k.whole = true;
            }
            return Ok(());
        }
        *left = left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the files grew past the size cap while they were hashed; not hashed",
            )
        })?;
        hasher.update(&buf[..n]);
        if let Some(k) = kept.as_deref_mut() {
            k.extend(&buf[..n]);
        }
    }
}

/// Hash of a single file, reading at most `max_bytes`; its bytes go to `kept` too.
pub fn file_hash(path: &Path, max_bytes: u64, kept: Option<&mut Kept>) -> std::io::Result<String> {
    let mut h = Sha256::new();
    feed(&mut h, path, &mut { max_bytes }, kept)?;
    Ok(hex::encode(h.finalize()))
}

/// Hash of a folder given its files' relative paths (already sorted with [`sort_components`]),
/// reading at most `max_bytes` in all; the bytes of the file `keep` names go to its [`Kept`].
pub fn folder_hash(
    root: &Path,
    sorted_rel_paths: &[String],
    max_bytes: u64,
    mut keep: Option<(&str, &mut Kept)>,
) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut left = max_bytes;
    for rel in sorted_rel_paths {
        h.update(rel.as_bytes());
        let kept = keep
            .as_mut()
            .filter(|(k, _)| *k == rel)
            .map(|(_, kept)| &mut **kept);
        feed(&mut h, &root.join(rel), &mut left, kept)?;
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
        let mut kept = Kept::new(5);
        assert_eq!(
            folder_hash(d.path(), &rel, 10, Some(("SKILL.md", &mut kept))).unwrap(),
            hex::encode(h.finalize())
        );
        assert_eq!(kept.into_bytes().as_deref(), Some(&b"hello"[..]));
        assert!(
            folder_hash(d.path(), &rel, 9, None).is_err(),
            "never reads past the cap"
        );
        let mut kept = Kept::new(4);
        assert_eq!(
            file_hash(&d.path().join("SKILL.md"), 5, Some(&mut kept)).unwrap(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(
            kept.into_bytes(),
            None,
            "a file over the keeping cap is not kept"
        );
        let mut kept = Kept::new(5);
        assert!(file_hash(&d.path().join("gone.md"), 5, Some(&mut kept)).is_err());
        assert_eq!(
            kept.into_bytes(),
            None,
            "nothing is kept of a file not read"
        );
        assert_eq!(Kept::new(5).into_bytes(), None, "nor of one never read");
        assert!(file_hash(&d.path().join("SKILL.md"), 4, None).is_err());
    }
}
