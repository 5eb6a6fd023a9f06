//! Name lookups kept off the cache's blocking threads. reqwest's default resolver runs each
//! `getaddrinfo` on tokio's blocking pool, which the cache shares with its scans and store
//! writes (four threads). On a machine whose DNS server drops queries, each lookup waits out the
//! system resolver's timeout (5 s per try): an upstream check's lookups then held every blocking
//! thread, and a watcher refresh, the lease heartbeat and `close()` waited behind them. Here a
//! host is looked up by one thread of its own at a time, concurrent requests share that lookup,
//! and its answer (or failure) is reused for a short while. The system resolver
//! (`getaddrinfo`: `/etc/hosts`, nsswitch) answers, as before.

use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt, Shared};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long a host's addresses are reused.
const KEEP_ANSWER: Duration = Duration::from_secs(60);
/// How long a failed lookup is reused (so a batch of requests to one host fails once).
const KEEP_FAILURE: Duration = Duration::from_secs(10);
/// Most hosts remembered (a few in practice: GitHub's and the marketplaces').
const MAX_HOSTS: usize = 256;

/// When a lookup ended, and the addresses or why there are none.
type Answer = (Instant, Result<Arc<[SocketAddr]>, Arc<str>>);
type Lookup = Shared<BoxFuture<'static, Answer>>;

static LOOKUPS: LazyLock<Mutex<HashMap<String, Lookup>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The resolver of the package's HTTP client (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Resolver;

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = lookup(name.as_str());
        Box::pin(async move {
            match lookup.await.1 {
                Ok(addrs) => {
                    let owned: Vec<SocketAddr> = addrs.iter().copied().collect();
                    Ok(Box::new(owned.into_iter()) as Addrs)
                }
                Err(why) => Err(why.to_string().into()),
            }
        })
    }
}

/// The lookup of `host`: one in flight, a recent answer, or a new one.
fn lookup(host: &str) -> Lookup {
    let mut map = LOOKUPS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(l) = map.get(host) {
        let current = match l.peek() {
            None => true,
            Some((at, Ok(_))) => at.elapsed() < KEEP_ANSWER,
            Some((at, Err(_))) => at.elapsed() < KEEP_FAILURE,
        };
        if current {
            return l.clone();
        }
    }
    if map.len() >= MAX_HOSTS {
        map.retain(|_, l| l.peek().is_none());
    }
    let l = start(host.to_string());
    map.insert(host.to_string(), l.clone());
    l
}

/// Looks `host` up on a thread of its own (the port is set by the connector).
fn start(host: String) -> Lookup {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("skillmeat-cache-dns".into())
        .spawn(move || {
            let r = (host.as_str(), 0)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>().into())
                .map_err(|e| Arc::<str>::from(format!("cannot resolve {host}: {e}")));
            let _ = tx.send((Instant::now(), r));
        });
    async move {
        if let Err(e) = spawned {
            return (
                Instant::now(),
                Err(format!("cannot start a name lookup: {e}").into()),
            );
        }
        rx.await
            .unwrap_or_else(|_| (Instant::now(), Err("the name lookup failed".into())))
    }
    .boxed()
    .shared()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_does_not_wait_for_a_busy_blocking_pool() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (release, held) = std::sync::mpsc::channel::<()>();
        // The pool's only thread is taken (as a lookup stuck on a dead DNS server takes one).
        rt.spawn_blocking(move || {
            let _ = held.recv_timeout(Duration::from_secs(30));
        });
        let got = rt.block_on(async {
            tokio::time::timeout(
                Duration::from_secs(5),
                Resolver.resolve("localhost".parse().unwrap()),
            )
            .await
        });
        let _ = release.send(());
        let addrs: Vec<SocketAddr> = got.expect("answered without the pool").unwrap().collect();
        assert!(addrs.iter().any(|a| a.ip().is_loopback()), "{addrs:?}");
    }

    #[test]
    fn concurrent_lookups_of_one_host_share_one_and_a_failure_is_kept_briefly() {
        let a = lookup("localhost");
        let b = lookup("localhost");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (x, y) = rt.block_on(async { futures_util::join!(a, b) });
        assert_eq!(x.0, y.0, "one lookup answered both");
        let bad = "no-such-host.invalid";
        let first = rt.block_on(lookup(bad));
        assert!(first.1.is_err());
        let again = rt.block_on(lookup(bad));
        assert_eq!(
            first.0, again.0,
            "the failure is reused, not looked up again"
        );
    }
}
