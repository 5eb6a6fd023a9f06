//! The HTTP fetcher: https only (plain http only for allow-listed hosts), bounded time and size,
//! redirects followed by hand so every hop is checked, conditional requests with ETag and
//! Last-Modified. All network access of the package goes through here.

use std::time::Duration;

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION};

use crate::error::Error;

/// Limits applied to every request.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
    /// Hosts allowed over plain http (e.g. `127.0.0.1` in tests).
    pub allow_http: Vec<String>,
    /// Most redirects followed.
    pub max_redirects: usize,
}

/// A response worth keeping.
#[derive(Debug)]
pub enum Fetched {
    /// A new body.
    Body {
        /// The bytes.
        body: Vec<u8>,
        /// `ETag` to revalidate with.
        etag: Option<String>,
        /// `Last-Modified` to revalidate with.
        last_modified: Option<String>,
    },
    /// `304 Not Modified`: the cached copy is still current.
    NotModified,
}

fn remote(code: &'static str, message: String) -> Error {
    Error::Remote { code, message }
}

/// Builds the HTTP client (one per cache; connection pooling across requests).
pub fn client(limits: &Limits) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(limits.timeout)
        .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("skillmeat-cache/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {e}")))
}

/// Checks a URL against the transport policy.
pub fn check_url(url: &str, limits: &Limits) -> Result<reqwest::Url, Error> {
    let u = reqwest::Url::parse(url)
        .map_err(|e| Error::invalid("url", format!("{url:?} is not a valid URL: {e}")))?;
    match u.scheme() {
        "https" => Ok(u),
        "http"
            if u.host_str()
                .is_some_and(|h| limits.allow_http.iter().any(|a| a == h)) =>
        {
            Ok(u)
        }
        "http" => Err(remote(
            "INSECURE_URL",
            format!(
                "{url} uses plain http; only https is allowed (add {} to allow_http_hosts to permit it)",
                u.host_str().unwrap_or("the host")
            ),
        )),
        other => Err(remote(
            "INSECURE_URL",
            format!("{url}: unsupported scheme {other:?}; use https"),
        )),
    }
}

fn describe(e: &reqwest::Error) -> (&'static str, String) {
    if e.is_timeout() {
        ("NETWORK_TIMEOUT", format!("timed out: {e}"))
    } else if e.is_connect() {
        ("NETWORK", format!("cannot connect: {e}"))
    } else {
        ("NETWORK", e.to_string())
    }
}

/// GETs `url` (revalidating with `etag`/`last_modified` when given), following up to
/// `max_redirects` redirects that each pass [`check_url`], and reading at most `max_bytes`.
pub async fn get(
    client: &reqwest::Client,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
    limits: &Limits,
) -> Result<Fetched, Error> {
    let mut target = check_url(url, limits)?;
    let mut hops = 0;
    let mut resp = loop {
        let mut req = client
            .get(target.clone())
            .header("accept", "application/json");
        if let Some(t) = etag {
            req = req.header(IF_NONE_MATCH, t);
        }
        if let Some(t) = last_modified {
            req = req.header(IF_MODIFIED_SINCE, t);
        }
        let resp = req.send().await.map_err(|e| {
            let (code, msg) = describe(&e);
            remote(code, format!("{target}: {msg}"))
        })?;
        if resp.status().is_redirection() && resp.status() != reqwest::StatusCode::NOT_MODIFIED {
            hops += 1;
            if hops > limits.max_redirects {
                return Err(remote(
                    "TOO_MANY_REDIRECTS",
                    format!("{url}: more than {} redirects", limits.max_redirects),
                ));
            }
            let Some(loc) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) else {
                return Err(remote(
                    "HTTP_ERROR",
                    format!("{target}: redirect without a Location header"),
                ));
            };
            let next = target.join(loc).map_err(|e| {
                remote(
                    "HTTP_ERROR",
                    format!("{target}: bad redirect target {loc:?}: {e}"),
                )
            })?;
            target = check_url(next.as_str(), limits)?;
            continue;
        }
        break resp;
    };
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(remote(
            "HTTP_ERROR",
            format!("{target}: the server answered {status}"),
        ));
    }
    if resp
        .content_length()
        .is_some_and(|n| n as usize > limits.max_bytes)
    {
        return Err(remote(
            "RESPONSE_TOO_LARGE",
            format!(
                "{target}: the response is larger than the {} byte limit",
                limits.max_bytes
            ),
        ));
    }
    let header = |h| {
        resp.headers()
            .get(h)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if body.len() + c.len() > limits.max_bytes {
                    return Err(remote(
                        "RESPONSE_TOO_LARGE",
                        format!(
                            "{target}: the response is larger than the {} byte limit",
                            limits.max_bytes
                        ),
                    ));
                }
                body.extend_from_slice(&c);
            }
            Ok(None) => break,
            Err(e) => {
                let (code, msg) = describe(&e);
                return Err(remote(code, format!("{target}: {msg}")));
            }
        }
    }
    Ok(Fetched::Body {
        body,
        etag,
        last_modified,
    })
}
