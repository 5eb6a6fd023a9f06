//! The cache's one way each to run blocking work from async code, to guard against panics, and
//! to run a task on its runtime that settles a caller's callback exactly once.

use std::future::Future;

use futures_util::FutureExt;

use super::{Cache, lock};
use crate::error::{Error, Result};
use crate::store::Store;

/// Runs `f` on a blocking thread; a panic in it (or a cancelled task) is an `INTERNAL` error.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))
}

/// Runs `f` with the store on a blocking thread.
pub(crate) async fn on_store<T: Send + 'static>(
    c: &Cache,
    f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
) -> Result<T> {
    let c = c.clone();
    blocking(move || f(c.store())).await?
}

/// Runs `f`, turning a panic into an error so a pending Promise is always settled.
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::Internal(format!(
            "{what} failed unexpectedly; see the log above"
        )))
    })
}

impl Cache {
    /// Runs `task` on the cache's runtime and calls `done` with its result, exactly once: with
    /// `CACHE_CLOSED` when the cache is closed, and with an `INTERNAL` error if `task` panics.
    pub(crate) fn spawn_task<T, F>(
        &self,
        what: &'static str,
        task: impl FnOnce(Cache) -> F,
        done: impl FnOnce(Result<T>) + Send + 'static,
    ) where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        if let Err(e) = self.check_open() {
            return done(Err(e));
        }
        let rt = lock(&self.inner.runtime);
        let Some(rt) = rt.as_ref() else {
            return done(Err(Error::Closed));
        };
        let fut = task(self.clone());
        let mut settle = Settle(Some(done), std::marker::PhantomData);
        rt.spawn(async move {
            let res = std::panic::AssertUnwindSafe(fut)
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    Err(Error::Internal(format!(
                        "{what} failed unexpectedly; see the log above"
                    )))
                });
            if let Some(done) = settle.0.take() {
                done(res)
            }
        });
    }
}

/// A task's callback, called with `CACHE_CLOSED` if the task is dropped before it finished:
/// `close()` shuts the runtime down, which drops a task still waiting (on a request to a server
/// that never answers, say); without this its Promise would never settle.
struct Settle<D: FnOnce(Result<T>), T>(Option<D>, std::marker::PhantomData<fn(T)>);

impl<D: FnOnce(Result<T>), T> Drop for Settle<D, T> {
    fn drop(&mut self) {
        if let Some(done) = self.0.take() {
            done(Err(Error::Closed))
        }
    }
}
