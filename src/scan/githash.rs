//! Git object ids of deployed files, computed the way git hashes them, so deployed content can be
//! compared with a repository tree without downloading it: a file is a `blob`, a folder a `tree`
//! of its entries (mode, name, id; folders sorted as if their names ended in `/`; empty folders
//! left out, as git does). Bounded like a scan: a folder past the caps on files, bytes or depth
//! is not compared, never read whole.

use std::io::Read;
use std::path::Path;

use sha1::{Digest, Sha1};

use super::walk::Limits;

/// What reading a folder for its tree id may still take.
struct Allowance {
    entries: u64,
    bytes: u64,
    depth: u32,
}

impl Allowance {
    fn new(limits: &Limits) -> Allowance {
        Allowance {
            entries: u64::from(limits.artifact_files),
            bytes: limits.artifact_bytes,
            depth: limits.artifact_depth,
        }
    }

    /// Takes `n` from `left`, or fails naming the cap passed.
    fn take(left: &mut u64, n: u64, cap: &str) -> std::io::Result<()> {
        *left = left
            .checked_sub(n)
            .ok_or_else(|| std::io::Error::other(format!("over the {cap} cap; not compared")))?;
        Ok(())
    }
}

/// A file's blob id (`git hash-object`), for a file within the bytes cap.
pub fn blob_id(path: &Path, limits: &Limits) -> std::io::Result<String> {
    let mut allow = Allowance::new(limits);
    Ok(hex::encode(blob_raw(path, &mut allow)?))
}

fn blob_raw(path: &Path, allow: &mut Allowance) -> std::io::Result<[u8; 20]> {
    let f = super::read::open_regular(path)?;
    let len = f.metadata()?.len();
    Allowance::take(&mut allow.bytes, len, "maxArtifactBytes")?;
    // Never more than the size listed (plus one byte, to see it grew).
    let mut f = f.take(len + 1);
    let mut h = Sha1::new();
    h.update(format!("blob {len}\0").as_bytes());
    let mut buf = [0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    if total != len {
        return Err(std::io::Error::other("the file changed while it was read"));
    }
    Ok(h.finalize().into())
}

fn symlink_raw(path: &Path) -> std::io::Result<[u8; 20]> {
    let target = std::fs::read_link(path)?;
    let bytes = target.to_string_lossy().into_owned().into_bytes();
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(&bytes);
    Ok(h.finalize().into())
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

/// A folder's tree id (what `git write-tree` gives for it), or `None` for a folder holding no
/// file at any depth (git does not record it). A folder past `limits` is an error.
pub fn tree_id(dir: &Path, limits: &Limits) -> std::io::Result<Option<String>> {
    Ok(tree_raw(dir, 0, &mut Allowance::new(limits))?.map(hex::encode))
}

/// One entry of a tree being built.
struct Entry {
    /// Name as git sorts it (folders with a trailing `/`).
    key: Vec<u8>,
    mode: &'static str,
    name: Vec<u8>,
    id: [u8; 20],
}

fn tree_raw(dir: &Path, depth: u32, allow: &mut Allowance) -> std::io::Result<Option<[u8; 20]>> {
    if depth > allow.depth {
        return Err(std::io::Error::other(
            "folders nested deeper than the maxArtifactDepth cap; not compared",
        ));
    }
    let mut entries: Vec<Entry> = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        Allowance::take(&mut allow.entries, 1, "maxArtifactFiles")?;
        let name = e.file_name().to_string_lossy().into_owned().into_bytes();
        if name == b".git" {
            continue;
        }
        let ft = e.file_type()?;
        let path = e.path();
        if ft.is_symlink() {
            entries.push(Entry {
                key: name.clone(),
                mode: "120000",
                id: symlink_raw(&path)?,
                name,
            });
        } else if ft.is_dir() {
            if let Some(id) = tree_raw(&path, depth + 1, allow)? {
                let mut key = name.clone();
                key.push(b'/');
                entries.push(Entry {
                    key,
                    mode: "40000",
                    name,
                    id,
                });
            }
        } else if ft.is_file() {
            let meta = e.metadata()?;
            let mode = if is_executable(&meta) {
                "100755"
            } else {
                "100644"
            };
            entries.push(Entry {
                key: name.clone(),
                mode,
                id: blob_raw(&path, allow)?,
                name,
            });
        }
    }
    if entries.is_empty() {
        return Ok(None);
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let mut body = Vec::new();
    for e in &entries {
        body.extend_from_slice(e.mode.as_bytes());
        body.push(b' ');
        body.extend_from_slice(&e.name);
        body.push(0);
        body.extend_from_slice(&e.id);
    }
    let mut h = Sha1::new();
    h.update(format!("tree {}\0", body.len()).as_bytes());
    h.update(&body);
    Ok(Some(h.finalize().into()))
}

/// Whether the file or folder at `local` differs from the upstream git object `sha` of `kind`
/// (`blob` or `tree`): `None` when they cannot be compared (a file against a folder, the local
/// side cannot be read, is past `limits`, or leads into `/proc`, `/sys` or `/dev`).
pub fn differs(local: &Path, kind: &str, sha: &str, limits: &Limits) -> Option<bool> {
    if super::system::is_system(&std::fs::canonicalize(local).ok()?) {
        return None;
    }
    let meta = std::fs::metadata(local).ok()?;
    let id = match (meta.is_dir(), kind) {
        (true, "tree") => tree_id(local, limits).ok()??,
        (false, "blob") => blob_id(local, limits).ok()?,
        _ => return None,
    };
    Some(!id.eq_ignore_ascii_case(sha))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_git() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // `printf 'hello\n' | git hash-object --stdin`
        std::fs::write(d.join("a.txt"), b"hello\n").unwrap();
        assert_eq!(
            blob_id(&d.join("a.txt"), &Limits::default()).unwrap(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        // The empty tree is not written; a tree with one file is.
        std::fs::create_dir(d.join("empty")).unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub").join("b.txt"), b"hello\n").unwrap();
        std::fs::write(d.join("sub.md"), b"x").unwrap();
        let id = tree_id(d, &Limits::default()).unwrap().unwrap();
        // Computed by git 2.47 over the same files (`git add -A && git write-tree`).
        assert_eq!(id, expected_tree(d));
        assert_eq!(tree_id(&d.join("empty"), &Limits::default()).unwrap(), None);
    }

    #[test]
    fn folders_past_the_caps_are_not_compared() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::write(d.join("a/b/f"), vec![b'x'; 100]).unwrap();
        std::fs::write(d.join("g"), b"y").unwrap();
        let caps = |files, bytes, depth| Limits {
            artifact_files: files,
            artifact_bytes: bytes,
            artifact_depth: depth,
            project_files: 100,
        };
        assert!(tree_id(d, &caps(10, 1000, 8)).unwrap().is_some());
        let e = tree_id(d, &caps(3, 1000, 8)).unwrap_err();
        assert!(e.to_string().contains("maxArtifactFiles"), "{e}");
        let e = tree_id(d, &caps(10, 100, 8)).unwrap_err();
        assert!(e.to_string().contains("maxArtifactBytes"), "{e}");
        let e = tree_id(d, &caps(10, 1000, 1)).unwrap_err();
        assert!(e.to_string().contains("maxArtifactDepth"), "{e}");
        assert!(blob_id(&d.join("a/b/f"), &caps(10, 99, 8)).is_err());
    }

    /// The tree id as git computes it, when git is on the machine; else our own (the fixed
    /// blob id above still checks the hashing).
    fn expected_tree(d: &Path) -> String {
        let run = |args: &[&str]| {
            std::process::Command::new("git")
                .args(args)
                .current_dir(d)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
        };
        match run(&["init", "-q"]) {
            Ok(o) if o.status.success() => {
                run(&["add", "-A"]).unwrap();
                let out = run(&["write-tree"]).unwrap();
                let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
                std::fs::remove_dir_all(d.join(".git")).unwrap();
                id
            }
            _ => tree_id(d, &Limits::default()).unwrap().unwrap(),
        }
    }
}
