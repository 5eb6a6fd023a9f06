//! The marketplace cache: fetches listings (with revalidation, limits and stale-if-error), stores
//! them, and answers from the store.

pub mod fetch;
pub mod parse;

use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::config::MarketSource;
use crate::error::{Error, Result};
use crate::model::{MarketStatus, MarketplaceOutcome, MarketplaceSummary};

/// Options of one marketplace refresh.
#[derive(Debug, Clone, Default)]
pub struct MarketRefresh {
    /// Only this source.
    pub source: Option<String>,
    /// Fetch even when the cached copy is within its TTL.
    pub force: bool,
    /// Never use the network; report what is cached.
    pub only_if_cached: bool,
}

/// Options of `refreshMarketplace()`, as a caller gives them.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(
        object,
        object_to_js = false,
        object_from_js = false,
        js_name = "MarketplaceRefreshRequest"
    )
)]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct MarketRefreshRequest {
    /// Only this source.
    pub source: Option<String>,
    /// Fetch even if the cached copy is within its TTL.
    pub force: Option<bool>,
    /// Offline: never touch the network, report what is cached.
    pub only_if_cached: Option<bool>,
}

impl From<MarketRefreshRequest> for MarketRefresh {
    fn from(r: MarketRefreshRequest) -> Self {
        MarketRefresh {
            source: r.source,
            force: r.force.unwrap_or(false),
            only_if_cached: r.only_if_cached.unwrap_or(false),
        }
    }
}

/// Limits from the configuration.
pub fn limits(c: &Cache) -> fetch::Limits {
    let cfg = c.config();
    fetch::Limits {
        timeout: Duration::from_millis(cfg.http_timeout_ms.value as u64),
        max_bytes: cfg.max_response_bytes.value as usize,
        allow_http: cfg.allow_http_hosts.value.clone(),
        max_redirects: 5,
    }
}

fn outcome(
    name: &str,
    status: MarketStatus,
    entries: i64,
    err: Option<&Error>,
) -> MarketplaceOutcome {
    MarketplaceOutcome {
        name: name.to_string(),
        status,
        entries,
        code: err.map(|e| e.code().to_string()),
        error: err.map(|e| e.to_string()),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}

/// Refreshes one source: skips it while fresh (unless forced), revalidates with ETag and
/// Last-Modified, stores a new copy, or records the error and keeps the old copy.
async fn refresh_source(
    c: &Cache,
    client: &reqwest::Client,
    src: &MarketSource,
    opts: &MarketRefresh,
) -> Result<MarketplaceOutcome> {
    let ttl_ms = src
        .ttl_hours
        .unwrap_or(c.config().marketplace_ttl_hours.value) as i64
        * 3_600_000;
    let (c2, name, url) = (c.clone(), src.name.clone(), src.url.clone());
    let cached = blocking(move || c2.store().market_source(&name, &url)).await?;
    let count = |c: &Cache, name: &str| {
        c.store()
            .market_sources()
            .ok()
            .and_then(|v| v.into_iter().find(|s| s.name == name))
            .map(|s| s.entries)
            .unwrap_or(0)
    };
    if opts.only_if_cached {
        return Ok(outcome(
            &src.name,
            MarketStatus::Cached,
            count(c, &src.name),
            None,
        ));
    }
    if !opts.force && cached.has_copy && cached.expires_at > crate::store::now_ms() {
        return Ok(outcome(
            &src.name,
            MarketStatus::Fresh,
            count(c, &src.name),
            None,
        ));
    }
    let limits = limits(c);
    let (etag, lm) = if cached.has_copy {
        (cached.etag.as_deref(), cached.last_modified.as_deref())
    } else {
        (None, None)
    };
    let result = match fetch::get(client, &src.url, etag, lm, &limits).await {
        Ok(fetch::Fetched::NotModified) => {
            let (c2, name) = (c.clone(), src.name.clone());
            blocking(move || c2.store().market_renew(&name, ttl_ms)).await?;
            return Ok(outcome(
                &src.name,
                MarketStatus::NotModified,
                count(c, &src.name),
                None,
            ));
        }
        Ok(fetch::Fetched::Body {
            body,
            etag,
            last_modified,
        }) => serde_json::from_slice::<serde_json::Value>(&body)
            .map_err(|e| Error::Remote {
                code: "INVALID_RESPONSE",
                message: format!("{}: not valid JSON: {e}", src.url),
            })
            .and_then(|doc| {
                parse::parse(&doc)
                    .map(|l| (doc, l, etag, last_modified))
                    .map_err(|m| Error::Remote {
                        code: "INVALID_RESPONSE",
                        message: format!("{}: {m}", src.url),
                    })
            }),
        Err(e) => Err(e),
    };
    match result {
        Ok((doc, listing, etag, last_modified)) => {
            let (c2, s) = (c.clone(), src.clone());
            let n = listing.entries.len() as i64;
            blocking(move || {
                c2.store().market_store(
                    &s.name,
                    &s.url,
                    listing.name.as_deref(),
                    &doc.to_string(),
                    etag.as_deref(),
                    last_modified.as_deref(),
                    ttl_ms,
                    &listing.entries,
                )
            })
            .await?;
            Ok(outcome(&src.name, MarketStatus::Fetched, n, None))
        }
        Err(e) => {
            let (c2, s, code, msg) = (c.clone(), src.clone(), e.code(), e.to_string());
            blocking(move || c2.store().market_error(&s.name, &s.url, code, &msg)).await?;
            Ok(outcome(
                &src.name,
                MarketStatus::Error,
                count(c, &src.name),
                Some(&e),
            ))
        }
    }
}

/// Refreshes every configured source (or one), at most four at a time.
pub async fn refresh(c: &Cache, opts: MarketRefresh) -> Result<MarketplaceSummary> {
    let started = Instant::now();
    let sources: Vec<MarketSource> = c.config().marketplace_sources.value.clone();
    if let Some(name) = &opts.source {
        if !sources.iter().any(|s| &s.name == name) {
            let known: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
            return Err(Error::NotFound(format!(
                "no marketplace source named {name:?} (configured: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    } else {
        let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        let c2 = c.clone();
        blocking(move || c2.store().market_retain(&names)).await?;
    }
    let client = fetch::client(&limits(c))?;
    let selected: Vec<&MarketSource> = sources
        .iter()
        .filter(|s| opts.source.as_ref().is_none_or(|n| n == &s.name))
        .collect();
    let mut out = Vec::new();
    for chunk in selected.chunks(4) {
        let futs = chunk.iter().map(|s| refresh_source(c, &client, s, &opts));
        for r in futures_util::future::join_all(futs).await {
            out.push(r?);
        }
    }
    if out.iter().any(|o| o.status == MarketStatus::Fetched) {
        let c2 = c.clone();
        blocking(move || c2.store().apply_local_upstream()).await?;
    }
    let c2 = c.clone();
    let _ = blocking(move || {
        c2.sync_search_quietly();
        Ok(())
    })
    .await;
    Ok(MarketplaceSummary {
        sources: out,
        duration_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
    })
}
