//! The marketplace cache: fetches listings (with revalidation, limits and stale-if-error), stores
//! them, and answers from the store.

use std::time::Instant;

use super::Cache;
use super::tasks::{blocking, on_store};
use crate::config::MarketSource;
use crate::error::{Error, Result};
use crate::http as fetch;
use crate::market::parse;
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
    let (name, url) = (src.name.clone(), src.url.clone());
    let cached = on_store(c, move |s| s.market_source(&name, &url)).await?;
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
    if !opts.force && cached.has_copy && cached.is_fresh(crate::store::now_ms()) {
        return Ok(outcome(
            &src.name,
            MarketStatus::Fresh,
            count(c, &src.name),
            None,
        ));
    }
    let limits = fetch::Limits::from_config(c.config());
    let (etag, lm) = if cached.has_copy {
        (cached.etag.as_deref(), cached.last_modified.as_deref())
    } else {
        (None, None)
    };
    let result = match fetch::get(client, &src.url, etag, lm, &limits).await {
        Ok(fetch::Fetched::NotModified) => {
            let name = src.name.clone();
            on_store(c, move |s| s.market_renew(&name, ttl_ms)).await?;
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
            let s = src.clone();
            let n = listing.entries.len() as i64;
            on_store(c, move |st| {
                st.market_store(
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
            let (src2, code, msg) = (src.clone(), e.code(), e.to_string());
            on_store(c, move |s| {
                s.market_error(&src2.name, &src2.url, code, &msg)
            })
            .await?;
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
    }
    let mut pruned = 0;
    if opts.source.is_none() {
        let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        pruned = on_store(c, move |s| s.market_retain(&names)).await?;
    }
    let client = fetch::client(&fetch::Limits::from_config(c.config()))?;
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
    // New listings, or the listings of sources no longer configured gone: the versions they
    // gave artifacts are judged again.
    if pruned > 0 || out.iter().any(|o| o.status == MarketStatus::Fetched) {
        on_store(c, |s| s.apply_local_upstream()).await?;
    }
    let c2 = c.clone();
    let _ = blocking(move || c2.sync_search_quietly()).await;
    Ok(MarketplaceSummary {
        sources: out,
        duration_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
    })
}
