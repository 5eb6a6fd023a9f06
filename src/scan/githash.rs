//! Git object ids of deployed files, computed the way git hashes them, so deployed content can be
//! compared with a repository tree without downloading it: a file is a `blob`, a folder a `tree`
//! of its entries (mode, name, id; folders sorted as if their names ended in `/`; empty folders
//! left out, as git does).

use std::io::Read;
use std::path::Path;

use sha1::{Digest, Sha1};

/// A file's blob id (`git hash-object`).
pub fn blob_id(path: &Path) -> std::io::Result<String> {
    Ok(hex::encode(blob_raw(path)?))
}

fn blob_raw(path: &Path) -> std::io::Result<[u8; 20]> {
    let mut f = super::read::open_regular(path)?;
    let len = f.metadata()?.len();
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
/// file at any depth (git does not record it).
pub fn tree_id(dir: &Path) -> std::io::Result<Option<String>> {
    Ok(tree_raw(dir, 0)?.map(hex::encode))
}

/// One entry of a tree being built.
struct Entry {
    /// Name as git sorts it (folders with a trailing `/`).
    key: Vec<u8>,
    mode: &'static str,
    name: Vec<u8>,
    id: [u8; 20],
}

fn tree_raw(dir: &Path, depth: u32) -> std::io::Result<Option<[u8; 20]>> {
    if depth > 64 {
        return Err(std::io::Error::other("folders nested too deeply"));
    }
    let mut entries: Vec<Entry> = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
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
            if let Some(id) = tree_raw(&path, depth + 1)? {
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
                id: blob_raw(&path)?,
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

/// Whether the file or folder at `local` differs from the upstream `entry`: `None` when they
/// cannot be compared (a file against a folder, or the local side cannot be read).
pub fn differs(local: &Path, entry: &crate::upstream::TreeEntry) -> Option<bool> {
    let meta = std::fs::metadata(local).ok()?;
    let id = match (meta.is_dir(), entry.kind.as_str()) {
        (true, "tree") => tree_id(local).ok()??,
        (false, "blob") => blob_id(local).ok()?,
        _ => return None,
    };
    Some(!id.eq_ignore_ascii_case(&entry.sha))
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
            blob_id(&d.join("a.txt")).unwrap(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        // The empty tree is not written; a tree with one file is.
        std::fs::create_dir(d.join("empty")).unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub").join("b.txt"), b"hello\n").unwrap();
        std::fs::write(d.join("sub.md"), b"x").unwrap();
        let id = tree_id(d).unwrap().unwrap();
        // Computed by git 2.47 over the same files (`git add -A && git write-tree`).
        assert_eq!(id, expected_tree(d));
        assert_eq!(tree_id(&d.join("empty")).unwrap(), None);
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
            _ => tree_id(d).unwrap().unwrap(),
        }
    }
}
