//! Folder listings, remembered from one scan of a project to the next.
//!
//! Reading a folder's entries costs the kernel more than statting every file in it (on this
//! project's benchmark tree a walk that lists every folder takes about twice as long as one that
//! only stats), and a scan that finds nothing changed must still stat every file. A folder's
//! entries cannot change without its modification and change times moving (an entry added,
//! removed or renamed moves both), so a folder whose stamp (device, inode, both times) is the one
//! it had when it was listed whole is not listed again: its entries are taken from
//! [`Listings`]. Each file is still statted, so an edit in place is seen as before.
//!
//! A listing is kept only when it was read whole and the folder's times are older than
//! [`RACY_NS`] before the listing began: a folder changed within the same tick of a coarse
//! clock (file systems with 2-second times, like FAT) would keep its stamp, so it is listed
//! again until it is older.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{DirEntry, FileType, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How recent a folder's times may be for its listing to be kept (see the module doc).
const RACY_NS: i64 = 2_000_000_000;

/// What identifies the state of a folder's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    mtime_ns: i64,
    ctime_ns: i64,
}

impl Stamp {
    fn of(m: &Metadata) -> Stamp {
        Stamp {
            dev: m.dev(),
            ino: m.ino(),
            mtime_ns: m.mtime().saturating_mul(1_000_000_000) + m.mtime_nsec(),
            ctime_ns: m.ctime().saturating_mul(1_000_000_000) + m.ctime_nsec(),
        }
    }
}

/// A folder's entries as a whole listing saw them: name and type (`None` when the type could not
/// be told).
type Names = Arc<[(Arc<OsStr>, Option<FileType>)]>;

/// The folders one project's scans listed whole, by path (as the scan named them; a link is
/// followed). Owned by whoever scans the project again, and handed to each scan.
#[derive(Debug, Default)]
pub struct Listings {
    /// What the last scan kept: what this scan may use.
    last: HashMap<PathBuf, (Stamp, Names)>,
    /// What this scan keeps for the next.
    now: HashMap<PathBuf, (Stamp, Names)>,
    /// Listings begun after this time (ns since the epoch) may be kept.
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
        self.keep_before_ns = super::now_ns() - RACY_NS;
    }

    /// Folders remembered for the next scan.
    pub fn len(&self) -> usize {
        self.now.len()
    }

    /// Whether no folder is remembered.
    pub fn is_empty(&self) -> bool {
        self.now.is_empty()
    }

    /// The entries of `dir` (a link to a folder is followed), at most `max` of them: from the
    /// last scan's listing when the folder's stamp did not move, else read, and kept for the
    /// next scan when read whole. Errors are `read_dir`'s.
    pub(crate) fn list(&mut self, dir: &Path, max: u64) -> std::io::Result<Vec<Found>> {
        let stamp = std::fs::metadata(dir).ok().map(|m| Stamp::of(&m));
        if let (Some(stamp), Some((was, names))) = (stamp, self.last.remove(dir))
            && stamp == was
        {
            let found = names
                .iter()
                .take(usize::try_from(max).unwrap_or(usize::MAX))
                .map(|(name, ft)| Found {
                    name: name.clone(),
                    ft: *ft,
                    entry: None,
                })
                .collect();
            self.now.insert(dir.to_path_buf(), (stamp, names));
            return Ok(found);
        }
        let rd = std::fs::read_dir(dir)?;
        let mut whole = true;
        let mut found = Vec::new();
        for e in rd {
            if found.len() as u64 >= max {
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
                name: Arc::from(e.file_name().as_os_str()),
                ft,
                entry: Some(e),
            });
        }
        let keep = stamp.filter(|s| {
            whole && s.mtime_ns < self.keep_before_ns && s.ctime_ns < self.keep_before_ns
        });
        if let Some(stamp) = keep {
            let names: Names = found.iter().map(|f| (f.name.clone(), f.ft)).collect();
            self.now.insert(dir.to_path_buf(), (stamp, names));
        }
        Ok(found)
    }
}

/// One entry of a listing.
#[derive(Debug)]
pub(crate) struct Found {
    /// Its name.
    pub name: Arc<OsStr>,
    /// Its type, not following a link (`None` when it could not be told).
    pub ft: Option<FileType>,
    /// The entry read, when the folder was read this scan (its metadata is then read relative
    /// to the open folder).
    entry: Option<DirEntry>,
}

impl Found {
    /// Its path in `dir`, the folder listed.
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join(&*self.name)
    }

    /// Its metadata, not following a link.
    pub fn metadata(&self, dir: &Path) -> std::io::Result<Metadata> {
        match &self.entry {
            Some(e) => e.metadata(),
            None => std::fs::symlink_metadata(self.path(dir)),
        }
    }
}

#[cfg(test)]
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
            .map(|f| f.name.to_string_lossy().into_owned())
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
        assert!(first[0].entry.is_some(), "read");
        assert_eq!(l.len(), 1);
        l.begin(false);
        l.keep_before_ns = i64::MAX;
        let again = l.list(&dir, u64::MAX).unwrap();
        assert_eq!(names(&again), ["a.md"]);
        assert!(again[0].entry.is_none(), "taken from the last listing");
        assert_eq!(again[0].metadata(&dir).unwrap().len(), 1);

        // An entry added moves the folder's times, even when its modification time is set back.
        std::fs::write(dir.join("b.md"), "b").unwrap();
        age(&dir, 3600);
        l.begin(false);
        l.keep_before_ns = i64::MAX;
        let after = l.list(&dir, u64::MAX).unwrap();
        assert_eq!(names(&after), ["a.md", "b.md"]);
        assert!(after.iter().all(|f| f.entry.is_some()), "read again");

        // A forced scan reads again; a folder not listed by a scan is forgotten.
        l.begin(true);
        l.keep_before_ns = i64::MAX;
        assert!(l.list(&dir, u64::MAX).unwrap()[0].entry.is_some());
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
}
