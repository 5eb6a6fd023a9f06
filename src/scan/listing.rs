//! Folder listings, remembered from one scan of a project to the next.
//!
//! Reading a folder's entries costs the kernel more than statting every file in it (on this
//! project's benchmark tree a walk that lists every folder takes about twice as long as one that
//! only stats), and a scan that finds nothing changed must still stat every file. A folder's
//! entries cannot change without its modification and change times moving (an entry added,
//! removed or renamed moves both), so a folder (device and inode) whose times are the ones it had
//! when it was listed whole is not listed again: its entries are taken from [`Listings`], packed
//! (about 240 bytes a folder). Each file is still statted, so an edit in place is seen as before.
//!
//! A listing is kept only when it was read whole, the folder was the same before and after the
//! read (a link switched meanwhile would file one folder's entries under another), and its times
//! are more than 2 s (`RACY_NS`) older than the scan: a folder changed within the same tick of a
//! coarse clock (file systems with 2-second times, like FAT) would keep its times. A kept listing
//! is trusted for 5 minutes (`TRUST_NS`), then read again, which bounds what a file system that
//! does not move folder times (some network and FUSE mounts) can hide. Where folders have no
//! inode to tell them by (not Unix), every folder is read each scan.

use std::ffi::{OsStr, OsString};
use std::fs::{DirEntry, FileType, Metadata};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap;

/// How recent a folder's times may be for its listing to be kept (see the module doc).
const RACY_NS: i64 = 2_000_000_000;

/// How long a kept listing is used before the folder is read again (see the module doc).
const TRUST_NS: i64 = 300_000_000_000;

/// A folder: its device and inode.
type FolderId = (u64, u64);

/// A folder and its modification and change times (ns since the epoch): its entries are the
/// same while they are.
type Stamp = (FolderId, (i64, i64));

#[cfg(unix)]
fn stamp(m: &Metadata) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
    Some((
        (m.dev(), m.ino()),
        (ns(m.mtime(), m.mtime_nsec()), ns(m.ctime(), m.ctime_nsec())),
    ))
}

#[cfg(not(unix))]
fn stamp(_: &Metadata) -> Option<Stamp> {
    None
}

/// The stamp of the folder `dir` names now (a link is followed).
fn stamp_of(dir: &Path) -> Option<Stamp> {
    stamp(&std::fs::metadata(dir).ok()?)
}

/// A folder's entries as a whole listing saw them, packed: the names one after another, and
/// for each entry where its name ends and its type (a listing is kept only when every type
/// was told).
#[derive(Debug)]
struct Listed {
    times: (i64, i64),
    /// When the scan that read it began (ns since the epoch).
    listed_ns: i64,
    names: Box<[u8]>,
    ends: Box<[(u32, FileType)]>,
}

impl Listed {
    fn name(&self, i: usize) -> &OsStr {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1].0 as usize
        };
        name_of(&self.names[start..self.ends[i].0 as usize])
    }
}

#[cfg(unix)]
fn name_of(bytes: &[u8]) -> &OsStr {
    std::os::unix::ffi::OsStrExt::from_bytes(bytes)
}

/// Never called: nothing is kept where [`stamp`] tells no folder.
#[cfg(not(unix))]
fn name_of(bytes: &[u8]) -> &OsStr {
    std::str::from_utf8(bytes)
        .map(OsStr::new)
        .unwrap_or_default()
}

/// The folders one project's scans listed whole. Owned by whoever scans the project again, and
/// handed to each scan.
#[derive(Debug, Default)]
pub struct Listings {
    /// What the last scan kept: what this scan may use. Keyed by device and inode, hashed with
    /// Fx (a scan looks up every folder it enters; SipHash showed in no-change refreshes).
    last: FxHashMap<FolderId, Arc<Listed>>,
    /// What this scan keeps for the next.
    now: FxHashMap<FolderId, Arc<Listed>>,
    /// When this scan began (ns since the epoch).
    started_ns: i64,
    /// Folders whose times are older than this (ns since the epoch) may be kept.
    keep_before_ns: i64,
}

impl Listings {
    /// Starts a scan: it may use what the last scan kept (nothing when `fresh`), and keeps only
    /// what it lists itself, so folders gone are forgotten.
    pub fn begin(&mut self, fresh: bool) {
        self.last = std::mem::take(&mut self.now);
        if fresh {
            self.last.clear();
        }
        self.started_ns = super::now_ns();
        self.keep_before_ns = self.started_ns - RACY_NS;
    }

    /// Folders remembered for the next scan.
    pub fn len(&self) -> usize {
        self.now.len()
    }

    /// Whether no folder is remembered.
    pub fn is_empty(&self) -> bool {
        self.now.is_empty()
    }

    /// The kept listing of the folder `id` with these `times`, if there is one still trusted:
    /// the last scan's, or this one's (a folder listed twice in a scan).
    fn kept(&mut self, id: FolderId, times: (i64, i64)) -> Option<Arc<Listed>> {
        let since = self.started_ns - TRUST_NS;
        let usable = |l: &Arc<Listed>| l.times == times && l.listed_ns > since;
        match self.last.remove(&id) {
            Some(l) if usable(&l) => Some(l),
            _ => self.now.get(&id).filter(|l| usable(l)).cloned(),
        }
    }

    /// The entries of `dir` (a link to a folder is followed), at most `max` of them: from a kept
    /// listing when the folder's times did not move, else read, and kept for the next scan when
    /// read whole. Errors are `read_dir`'s.
    pub(crate) fn list(&mut self, dir: &Path, max: u64) -> std::io::Result<Vec<Found>> {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        let before = stamp_of(dir);
        if let Some((id, times)) = before
            && let Some(listed) = self.kept(id, times)
        {
            let found = (0..listed.ends.len().min(max))
                .map(|i| Found {
                    ft: Some(listed.ends[i].1),
                    name: Name::Kept(listed.clone(), i),
                })
                .collect();
            self.now.insert(id, listed);
            return Ok(found);
        }
        let rd = std::fs::read_dir(dir)?;
        let mut whole = true;
        let mut found = Vec::new();
        for e in rd {
            if found.len() >= max {
                whole = false;
                break;
            }
            let Ok(e) = e else {
                whole = false;
                continue;
            };
            let ft = e.file_type().ok();
            whole &= ft.is_some();
            found.push(Found {
                ft,
                name: Name::Read(e.file_name(), e),
            });
        }
        let keep = before
            .filter(|(_, (m, c))| whole && *m < self.keep_before_ns && *c < self.keep_before_ns)
            .filter(|s| stamp_of(dir) == Some(*s));
        if let Some((id, times)) = keep {
            self.keep(id, times, &found);
        }
        Ok(found)
    }

    /// Keeps the listing `found` of the folder `id`, packed.
    fn keep(&mut self, id: FolderId, times: (i64, i64), found: &[Found]) {
        let mut names = Vec::new();
        let mut ends = Vec::with_capacity(found.len());
        for f in found {
            names.extend_from_slice(f.name().as_encoded_bytes());
            // A listing whose types were all told (`list` keeps no other) within 4 GiB of names.
            let (Ok(end), Some(ft)) = (u32::try_from(names.len()), f.ft) else {
                return;
            };
            ends.push((end, ft));
        }
        let listed = Listed {
            times,
            listed_ns: self.started_ns,
            names: names.into(),
            ends: ends.into(),
        };
        self.now.insert(id, Arc::new(listed));
    }
}

/// Where an entry's name is.
#[derive(Debug)]
enum Name {
    /// Read this scan, with the entry (its metadata is read relative to the open folder).
    Read(OsString, DirEntry),
    /// The `i`th of a kept listing.
    Kept(Arc<Listed>, usize),
}

/// One entry of a listing.
#[derive(Debug)]
pub(crate) struct Found {
    /// Its type, not following a link (`None` when it could not be told).
    pub ft: Option<FileType>,
    name: Name,
}

impl Found {
    /// Its name.
    pub fn name(&self) -> &OsStr {
        match &self.name {
            Name::Read(name, _) => name,
            Name::Kept(listed, i) => listed.name(*i),
        }
    }

    /// Its path in `dir`, the folder listed.
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join(self.name())
    }

    /// Its metadata, not following a link.
    pub fn metadata(&self, dir: &Path) -> std::io::Result<Metadata> {
        match &self.name {
            Name::Read(_, e) => e.metadata(),
            Name::Kept(..) => std::fs::symlink_metadata(self.path(dir)),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Sets `path`'s modification time `secs` seconds in the past (a folder's too).
    fn age(path: &Path, secs: u64) {
        let t = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
        let f = std::fs::File::open(path).unwrap();
        f.set_times(std::fs::FileTimes::new().set_modified(t).set_accessed(t))
            .unwrap();
    }

    fn names(found: &[Found]) -> Vec<String> {
        let mut n: Vec<String> = found
            .iter()
            .map(|f| f.name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn an_unchanged_folder_is_not_read_again_and_a_changed_one_is() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("skills");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("a.md"), "a").unwrap();
        let mut l = Listings::default();
        // Just written: its change time is recent, so the listing is not kept.
        l.begin(false);
        assert_eq!(names(&l.list(&dir, u64::MAX).unwrap()), ["a.md"]);
        assert!(
            l.is_empty(),
            "a folder changed within the racy window is not kept"
        );

        // The change time cannot be set back; a listing that began later than the window
        // stands in for an old folder.
        l.begin(false);
        l.keep_before_ns = i64::MAX;
        let first = l.list(&dir, u64::MAX).unwrap();
        assert!(matches!(first[0].name, Name::Read(..)), "read");
        assert_eq!(l.len(), 1);
        l.begin(false);
        l.keep_before_ns = i64::MAX;
        let again = l.list(&dir, u64::MAX).unwrap();
        assert_eq!(names(&again), ["a.md"]);
        assert!(
            matches!(again[0].name, Name::Kept(..)),
            "taken from the last listing"
        );
        assert_eq!(again[0].metadata(&dir).unwrap().len(), 1);

        // An entry added moves the folder's times, even when its modification time is set back.
        std::fs::write(dir.join("b.md"), "b").unwrap();
        age(&dir, 3600);
        l.begin(false);
        l.keep_before_ns = i64::MAX;
        let after = l.list(&dir, u64::MAX).unwrap();
        assert_eq!(names(&after), ["a.md", "b.md"]);
        assert!(
            after.iter().all(|f| matches!(f.name, Name::Read(..))),
            "read again"
        );

        // A forced scan reads again; a folder not listed by a scan is forgotten.
        l.begin(true);
        l.keep_before_ns = i64::MAX;
        assert!(matches!(
            l.list(&dir, u64::MAX).unwrap()[0].name,
            Name::Read(..)
        ));
        l.begin(false);
        l.begin(false);
        assert!(l.is_empty() && l.last.is_empty());
    }

    #[test]
    fn a_listing_cut_short_is_not_kept_and_a_removed_folder_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("many");
        std::fs::create_dir(&dir).unwrap();
        for i in 0..5 {
            std::fs::write(dir.join(format!("{i}.md")), "x").unwrap();
        }
        let mut l = Listings::default();
        l.begin(false);
        l.keep_before_ns = i64::MAX;
        assert_eq!(l.list(&dir, 3).unwrap().len(), 3);
        assert!(l.is_empty(), "not read whole");
        assert_eq!(l.list(&dir, 5).unwrap().len(), 5);
        assert_eq!(l.len(), 1);
        l.begin(false);
        l.keep_before_ns = i64::MAX;
        assert_eq!(
            l.list(&dir, 2).unwrap().len(),
            2,
            "the cap holds for a kept listing"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        l.begin(false);
        assert!(l.list(&dir, u64::MAX).is_err());
    }

    #[test]
    fn a_kept_listing_is_trusted_for_a_while_and_a_folder_listed_twice_is_read_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("a.md"), "a").unwrap();
        let mut l = Listings::default();
        l.begin(false);
        l.keep_before_ns = i64::MAX;
        assert!(matches!(l.list(&dir, 9).unwrap()[0].name, Name::Read(..)));
        assert!(
            matches!(l.list(&dir, 9).unwrap()[0].name, Name::Kept(..)),
            "listed twice in one scan"
        );
        // Six minutes later the folder is read again, though its times did not move.
        l.begin(false);
        l.started_ns += 360_000_000_000;
        l.keep_before_ns = i64::MAX;
        assert!(matches!(l.list(&dir, 9).unwrap()[0].name, Name::Read(..)));
        assert_eq!(l.len(), 1, "and kept again");
    }
}
