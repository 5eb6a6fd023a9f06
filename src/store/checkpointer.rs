//! Moves the write-ahead log into the database file on a thread of its own, so that a write
//! seldom waits for it.
//!
//! SQLite's own checkpoint runs inside every commit that leaves the log at 1,000 pages or more:
//! the writing thread copies the log into the file and syncs it. Every project written touches
//! leaf pages all over the artifact indexes, so the larger the database, the more pages each
//! commit adds to the log and the more often a commit pays for a checkpoint: 100
//! `registerProject` calls took 2.1 s into an empty cache and 3.4–4.5 s once 900 projects (100
//! artifacts each) were in it, and 2.1–2.2 s there with checkpoints switched off.
//!
//! Here a commit past [`SOON_PAGES`] only wakes a thread, which runs the (passive) checkpoint on
//! a connection of its own while the writer goes on. A commit that finds [`INLINE_PAGES`] in the
//! log waits for the thread's checkpoint and runs one itself, as SQLite would: a writer that
//! never pauses (a large registration) would otherwise never let the log start over. As with
//! SQLite's own checkpoint, another process reading an old snapshot keeps the log growing until
//! its read ends.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::lock;

/// Log pages after which a commit asks for a checkpoint (SQLite's own threshold, which
/// [`super::Store`] puts back when the thread stops).
pub(super) const SOON_PAGES: i32 = 1000;

/// Log pages after which the commit checkpoints itself. The thread has usually copied most of
/// the log by then; what the commit copies lets the next write start the log over.
const INLINE_PAGES: i32 = 4 * SOON_PAGES;

#[derive(Default)]
struct State {
    wanted: bool,
    stopped: bool,
    /// Checkpoints the thread ran without an error.
    checkpoints: u64,
}

#[derive(Default)]
struct Signal {
    state: Mutex<State>,
    wake: Condvar,
    /// Held while a checkpoint of ours runs: SQLite lets one run at a time and answers any other
    /// "busy" at once, having copied nothing (so a full disk would go unseen).
    running: Mutex<()>,
}

/// The checkpoint thread of one database file. Stopped by [`Checkpointer::stop`] (which waits
/// for it) or when dropped (which does not).
pub(super) struct Checkpointer {
    signal: Arc<Signal>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Starts the thread for the database at `path` and hands `writer`'s checkpoints to it
    /// (replacing SQLite's automatic checkpoint on that connection). `None` when it cannot
    /// start: SQLite's own checkpoint then goes on.
    pub(super) fn start(
        path: &Path,
        busy_timeout: Duration,
        writer: &mut Connection,
    ) -> Option<Checkpointer> {
        // Opened now, while `path` names the file the writer has open.
        let conn = open(path, busy_timeout).ok()?;
        let signal = Arc::new(Signal::default());
        let thread = {
            let signal = signal.clone();
            std::thread::Builder::new()
                .name("skillmeat-ckpt".into())
                .spawn(move || run(&signal, conn))
                .ok()?
        };
        // Dropped if the hook cannot be set, which ends the thread.
        let started = Checkpointer {
            signal: signal.clone(),
            thread: Mutex::new(Some(thread)),
        };
        let asks = signal;
        writer
            .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
                if pages >= INLINE_PAGES {
                    let _running = lock(&asks.running);
                    // As SQLite's own automatic checkpoint: its outcome is not the commit's (an
                    // error returned here would fail a write that is already committed).
                    let _ = wal.checkpoint();
                } else if pages >= SOON_PAGES {
                    asks.ask();
                }
                Ok(())
            }))
            .ok()?;
        Some(started)
    }

    /// Waits for a checkpoint the thread runs and keeps it from starting another while held.
    pub(super) fn hold(&self) -> MutexGuard<'_, ()> {
        lock(&self.signal.running)
    }

    /// Stops the thread and waits for a checkpoint it is running to end.
    pub(super) fn stop(&self) {
        self.signal.stop();
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Never waits: this may run on any thread. The thread ends after its current checkpoint.
        self.signal.stop();
    }
}

impl Signal {
    fn ask(&self) {
        let mut s = lock(&self.state);
        if !s.wanted {
            s.wanted = true;
            self.wake.notify_one();
        }
    }

    fn stop(&self) {
        lock(&self.state).stopped = true;
        self.wake.notify_one();
    }

    /// Waits for a request; `false` once stopped.
    fn wait(&self) -> bool {
        let mut s = lock(&self.state);
        while !s.wanted && !s.stopped {
            s = self.wake.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.wanted = false;
        !s.stopped
    }
}

fn run(signal: &Signal, conn: Connection) {
    while signal.wait() {
        let done = {
            let _running = lock(&signal.running);
            // Best effort: what another process's readers still use is copied at a later one,
            // and a full disk is reported by the refresh's own checkpoint, which waits for this.
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        };
        if done.is_ok() {
            lock(&signal.state).checkpoints += 1;
        }
    }
}

fn open(path: &Path, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(busy_timeout)?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file_pages(path: &Path) -> u64 {
        std::fs::metadata(path).unwrap().len() / 4096
    }

    /// A WAL database with a table, and a writer whose checkpoints go to a [`Checkpointer`].
    fn setup(dir: &Path) -> (PathBuf, Connection, Checkpointer) {
        let path = dir.join("c.db");
        let mut w = Connection::open(&path).unwrap();
        w.pragma_update(None, "journal_mode", "WAL").unwrap();
        w.execute_batch("CREATE TABLE t(x BLOB)").unwrap();
        let cp = Checkpointer::start(&path, Duration::from_secs(5), &mut w).unwrap();
        (path, w, cp)
    }

    /// Commits about `pages` pages of new rows.
    fn write(w: &mut Connection, pages: usize) {
        let tx = w.transaction().unwrap();
        for _ in 0..pages {
            tx.execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        tx.commit().unwrap();
    }

    #[test]
    fn a_commit_past_the_threshold_is_checkpointed_by_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mut w, cp) = setup(dir.path());
        let before = file_pages(&path);
        // While a checkpoint of the store's own is running, the thread waits for it.
        let held = cp.hold();
        write(&mut w, 1100);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(lock(&cp.signal.state).checkpoints, 0);
        assert_eq!(file_pages(&path), before);
        drop(held);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while lock(&cp.signal.state).checkpoints == 0 {
            assert!(std::time::Instant::now() < deadline, "no checkpoint ran");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            file_pages(&path) > before + 1000,
            "the log's pages are in the file"
        );
        cp.stop();
    }

    #[test]
    fn commits_below_the_inline_mark_do_not_checkpoint_themselves() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mut w, cp) = setup(dir.path());
        // With the thread stopped, nothing moves the log: the commits only ask.
        cp.stop();
        let before = file_pages(&path);
        for _ in 0..3 {
            write(&mut w, 1100);
        }
        assert_eq!(file_pages(&path), before);
        assert_eq!(lock(&cp.signal.state).checkpoints, 0);
        // Past the inline mark, the commit does it itself: the log cannot grow without bound.
        write(&mut w, INLINE_PAGES as usize);
        assert!(file_pages(&path) > before + INLINE_PAGES as u64);
        drop(w);
    }

    #[test]
    fn a_store_hands_its_checkpoints_to_the_thread_and_stops_it_at_close() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("cache.db");
        let tuning = super::super::Tuning {
            busy_timeout_ms: 5000,
            max_size_mb: 0,
        };
        let store = super::super::Store::open_file(&db, tuning).unwrap();
        store
            .write(|tx| {
                for i in 0..1100 {
                    tx.execute(
                        "INSERT INTO cache_metadata(key, value) VALUES (?1, zeroblob(4000))",
                        [format!("t{i}")],
                    )?;
                }
                Ok(())
            })
            .unwrap();
        let cp = store.checkpointer.as_ref().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while lock(&cp.signal.state).checkpoints == 0 {
            assert!(std::time::Instant::now() < deadline, "no checkpoint ran");
            std::thread::sleep(Duration::from_millis(10));
        }
        // At close the thread stops first, so that the final checkpoint empties the log, and
        // commits checkpoint themselves again.
        store.checkpoint(true).unwrap();
        assert!(lock(&cp.thread).is_none(), "the thread was joined");
        let wal = super::super::ownership::with_suffix(&db, "-wal");
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0);
        let auto: i64 = lock(&store.writer)
            .as_ref()
            .unwrap()
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!(auto, 1000);
        store.close();
    }
}
