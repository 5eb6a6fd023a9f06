//! One cache per database file per process: [`Cache::open_shared`] hands out handles to the same
//! store, runtime and search-index writer for every open of one (canonical) database path, and
//! [`Cache::release`] closes it when the last handle lets go. Node's dev servers re-evaluate
//! modules and Next.js may load a route twice; both then share one cache instead of racing two.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::{Cache, Inner, lock};
use crate::config::{Config, Options, ProcessEnv};
use crate::error::Result;

struct Entry {
    inner: Weak<Inner>,
    users: usize,
}

fn registry() -> &'static Mutex<HashMap<PathBuf, Entry>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Entry>>> = OnceLock::new();
    OPEN.get_or_init(|| Mutex::new(HashMap::new()))
}

/// `path` with its folder canonicalised (the file itself may not exist yet).
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

impl Cache {
    /// Opens the cache of `opts`, or returns another handle to the one already open in this
    /// process on the same database file (its configuration stays the first open's). An
    /// in-memory cache is never shared. Each handle is given back with [`Cache::release`].
    pub fn open_shared(opts: Options) -> Result<Cache> {
        let config = Config::resolve(&opts, &ProcessEnv)?;
        let Some(key) = config
            .path
            .value
            .as_deref()
            .filter(|_| config.enabled.value)
            .map(canonical)
        else {
            return Cache::open_config(config);
        };
        // Held while opening, so two threads opening one file at once get one cache.
        let mut open = lock(registry());
        if let Some(e) = open.get_mut(&key) {
            if let Some(inner) = e.inner.upgrade() {
                let c = Cache { inner };
                if !c.is_closed() {
                    e.users += 1;
                    return Ok(c);
                }
            }
        }
        let c = Cache::open_config(config)?;
        open.insert(
            key,
            Entry {
                inner: Arc::downgrade(&c.inner),
                users: 1,
            },
        );
        Ok(c)
    }

    /// Gives back a handle from [`Cache::open_shared`]: the last one closes the cache (when
    /// `close` is true; false only forgets it, for a handle dropped without `close()`: the cache
    /// then stops when its last reference goes).
    pub fn release(&self, close: bool) {
        let last = {
            let mut open = lock(registry());
            let found = open
                .iter_mut()
                .find(|(_, e)| e.inner.as_ptr() == Arc::as_ptr(&self.inner))
                .map(|(k, e)| {
                    e.users = e.users.saturating_sub(1);
                    (k.clone(), e.users == 0)
                });
            match found {
                Some((key, true)) => {
                    open.remove(&key);
                    true
                }
                Some((_, false)) => false,
                None => true,
            }
        };
        if last && close {
            self.close();
        }
    }

    /// Handles given out for this cache's database (0 when not shared).
    pub fn shared_users(&self) -> usize {
        lock(registry())
            .values()
            .find(|e| e.inner.as_ptr() == Arc::as_ptr(&self.inner))
            .map_or(0, |e| e.users)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_opens_share_one_cache_until_the_last_release() {
        let dir = tempfile::tempdir().unwrap();
        let opts = || Options {
            home: Some(dir.path().into()),
            ..Options::default()
        };
        let a = Cache::open_shared(opts()).unwrap();
        let b = Cache::open_shared(Options {
            path: Some(
                dir.path()
                    .join("cache/../cache/skillmeat-cache.db")
                    .to_string_lossy()
                    .into_owned(),
            ),
            ..opts()
        })
        .unwrap();
        assert!(
            Arc::ptr_eq(&a.inner, &b.inner),
            "same canonical file, same cache"
        );
        assert_eq!(a.shared_users(), 2);
        a.release(true);
        assert!(!b.is_closed(), "the other handle keeps it open");
        b.release(true);
        assert!(b.is_closed());
        let c = Cache::open_shared(opts()).unwrap();
        assert!(
            !Arc::ptr_eq(&a.inner, &c.inner),
            "a new cache after the last release"
        );
        c.release(true);
        let m1 = Cache::open_shared(Options {
            path: Some(":memory:".into()),
            ..opts()
        })
        .unwrap();
        let m2 = Cache::open_shared(Options {
            path: Some(":memory:".into()),
            ..opts()
        })
        .unwrap();
        assert!(
            !Arc::ptr_eq(&m1.inner, &m2.inner),
            "memory caches are private"
        );
        m1.release(true);
        m2.release(true);
    }
}
