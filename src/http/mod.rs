//! The HTTP fetcher: https only (plain http only for allow-listed hosts), bounded time and size,
//! redirects followed by hand so every hop is checked, conditional requests with ETag and
//! Last-Modified. All network access of the package goes through here.

mod dns;

use std::time::Duration;

use reqwest::header::{
    ACCEPT, AUTHORIZATION, ETAG, HeaderMap, HeaderName, HeaderValue, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER,
};

use crate::config::Config;
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

impl Limits {
    /// The limits the configuration sets (`httpTimeoutMs`, `maxResponseBytes`, `allowHttpHosts`).
    pub fn from_config(cfg: &Config) -> Limits {
        Limits {
            timeout: Duration::from_millis(u64::from(cfg.http_timeout_ms.value)),
            max_bytes: cfg.max_response_bytes.value as usize,
            allow_http: cfg.allow_http_hosts.value.clone(),
            max_redirects: 5,
        }
    }
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
        .dns_resolver(std::sync::Arc::new(dns::Resolver))
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

/// Per-request options of [`get_with`].
#[derive(Clone, Copy, Default)]
pub struct RequestOptions<'a> {
    /// `ETag` of the cached copy, sent as `If-None-Match`.
    pub etag: Option<&'a str>,
    /// `Last-Modified` of the cached copy, sent as `If-Modified-Since`.
    pub last_modified: Option<&'a str>,
    /// Extra headers; they replace defaults of the same name (`Accept: application/json`).
    pub headers: &'a [(&'a str, &'a str)],
    /// Token sent as `Authorization: Bearer …`, only to the origin of the first URL: it is
    /// dropped when a redirect leads to another scheme, host or port.
    pub bearer: Option<&'a str>,
    /// Sends `bearer` as it is in this header instead (GitLab's `PRIVATE-TOKEN`), by the same
    /// origin rule.
    pub token_header: Option<&'a str>,
}

impl std::fmt::Debug for RequestOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("etag", &self.etag)
            .field("last_modified", &self.last_modified)
            .field("headers", &self.headers)
            .field("bearer", &self.bearer.map(|_| "<redacted>"))
            .field("token_header", &self.token_header)
            .finish()
    }
}

/// Rate-limit headers of a response (`x-ratelimit-remaining`, `x-ratelimit-reset`, or GitLab's
/// `ratelimit-remaining`, `ratelimit-reset`; `retry-after`), when present and well-formed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateInfo {
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// When the window resets, in epoch seconds.
    pub reset_epoch_s: Option<i64>,
    /// Seconds to wait before retrying (delta-seconds form only).
    pub retry_after_s: Option<u64>,
}

impl RateInfo {
    fn from_headers(h: &HeaderMap) -> RateInfo {
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let either = |a: &str, b: &str| get(a).or_else(|| get(b));
        RateInfo {
            remaining: either("x-ratelimit-remaining", "ratelimit-remaining")
                .and_then(|v| v.parse().ok()),
            reset_epoch_s: either("x-ratelimit-reset", "ratelimit-reset")
                .and_then(|v| v.parse().ok()),
            retry_after_s: h
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok()),
        }
    }
}

/// A response of [`get_with`]: any final (non-redirect) status, with its body.
#[derive(Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body (or `NotModified` on 304). For error statuses the body is cut at the size limit
    /// instead of failing.
    pub fetched: Fetched,
    /// Rate-limit headers.
    pub rate: RateInfo,
    /// The URL that answered (after redirects).
    pub url: String,
}

fn too_large(target: &reqwest::Url, limits: &Limits) -> Error {
    remote(
        "RESPONSE_TOO_LARGE",
        format!(
            "{target}: the response is larger than the {} byte limit",
            limits.max_bytes
        ),
    )
}

fn request_headers(opts: &RequestOptions<'_>) -> Result<HeaderMap, Error> {
    let mut map = HeaderMap::new();
    map.insert(ACCEPT, HeaderValue::from_static("application/json"));
    for (name, value) in opts.headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| Error::invalid("headers", format!("bad header name {name:?}: {e}")))?;
        let v = HeaderValue::from_str(value)
            .map_err(|e| Error::invalid("headers", format!("bad value for header {name}: {e}")))?;
        map.insert(n, v);
    }
    let conditional = [
        (IF_NONE_MATCH, opts.etag),
        (IF_MODIFIED_SINCE, opts.last_modified),
    ];
    for (name, value) in conditional {
        // A cached validator that is not a valid header value is simply not sent.
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
            map.insert(name, v);
        }
    }
    Ok(map)
}

/// GETs `url` with `opts`, following up to `max_redirects` redirects that each pass
/// [`check_url`], and reading at most `max_bytes`. Every final status is returned (callers decide
/// what 4xx/5xx mean); errors are transport, policy and size failures only.
pub async fn get_with(
    client: &reqwest::Client,
    url: &str,
    opts: &RequestOptions<'_>,
    limits: &Limits,
) -> Result<Response, Error> {
    let mut target = check_url(url, limits)?;
    let origin = target.origin();
    let base = request_headers(opts)?;
    let auth_name = match opts.token_header {
        Some(n) => HeaderName::from_bytes(n.as_bytes())
            .map_err(|e| Error::invalid("headers", format!("bad header name {n:?}: {e}")))?,
        None => AUTHORIZATION,
    };
    let auth = match opts.bearer {
        Some(t) => {
            let text = match opts.token_header {
                Some(_) => t.to_string(),
                None => format!("Bearer {t}"),
            };
            let mut v = HeaderValue::from_str(&text).map_err(|_| {
                Error::invalid(
                    "token",
                    "the token contains characters not allowed in a header",
                )
            })?;
            v.set_sensitive(true);
            Some(v)
        }
        None => None,
    };
    let mut hops = 0;
    let mut resp = loop {
        let mut headers = base.clone();
        if let Some(v) = &auth {
            if target.origin() == origin {
                headers.insert(auth_name.clone(), v.clone());
            }
        }
        let resp = client
            .get(target.clone())
            .headers(headers)
            .send()
            .await
            .map_err(|e| {
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
    let rate = RateInfo::from_headers(resp.headers());
    let done = |fetched| Response {
        status: status.as_u16(),
        fetched,
        rate,
        url: target.to_string(),
    };
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(done(Fetched::NotModified));
    }
    let ok = status.is_success();
    if ok
        && resp
            .content_length()
            .is_some_and(|n| n > limits.max_bytes as u64)
    {
        return Err(too_large(&target, limits));
    }
    let header = |h| {
        resp.headers()
            .get(h)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if body.len() + c.len() > limits.max_bytes {
                    if ok {
                        return Err(too_large(&target, limits));
                    }
                    let room = limits.max_bytes - body.len();
                    body.extend_from_slice(&c[..room]);
                    break;
                }
                body.extend_from_slice(&c);
            }
            Ok(None) => break,
            Err(e) if ok => {
                let (code, msg) = describe(&e);
                return Err(remote(code, format!("{target}: {msg}")));
            }
            // The status already says what went wrong; a broken error body does not matter.
            Err(_) => break,
        }
    }
    Ok(done(Fetched::Body {
        body,
        etag,
        last_modified,
    }))
}

/// GETs `url` (revalidating with `etag`/`last_modified` when given), following up to
/// `max_redirects` redirects that each pass [`check_url`], and reading at most `max_bytes`.
/// Statuses other than 2xx and 304 are `HTTP_ERROR`.
pub async fn get(
    client: &reqwest::Client,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
    limits: &Limits,
) -> Result<Fetched, Error> {
    let opts = RequestOptions {
        etag,
        last_modified,
        ..RequestOptions::default()
    };
    let r = get_with(client, url, &opts, limits).await?;
    if r.status == 304 || (200..300).contains(&r.status) {
        return Ok(r.fetched);
    }
    let status = reqwest::StatusCode::from_u16(r.status)
        .map(|s| s.to_string())
        .unwrap_or_else(|_| r.status.to_string());
    Err(remote(
        "HTTP_ERROR",
        format!("{}: the server answered {status}", r.url),
    ))
}
