//! What every provider's check shares: conditional GETs against stored answers, rate-limit
//! bookkeeping (once the limit is reached no further request is sent), token redaction in
//! messages, request counts, and running repositories with bounded concurrency.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use futures_util::StreamExt;

use super::answer;
use super::provider::{
    Cached, CheckOutcome, RateLimit, RemoteError, RepoAnswer, RepoQuery, describe_reset,
    merge_queries, now_ms,
};
use crate::error::Error;
use crate::http::{self as fetch, Fetched, Limits, RequestOptions};

/// One repository's answer with the records to persist.
pub(crate) type RepoResult = (RepoAnswer, Vec<(String, Cached)>);

/// A successful GET: the body and the record to persist under its URL.
pub(crate) type Got = (String, (String, Cached));

/// What a GET came back with, short of a transport failure or the rate limit.
pub(crate) enum Reply {
    /// A 2xx body, or the stored body after a 304.
    Ok(Got),
    /// Any other status, with its (possibly cut) body: the provider says what it means.
    Status(u16, Vec<u8>),
}

/// How a provider's requests are made and described.
pub(crate) struct Service<'a> {
    /// The API, for messages (`the GitHub API`).
    pub name: &'static str,
    /// Headers of every request.
    pub headers: &'a [(&'a str, &'a str)],
    /// The token, if any (never shown: redacted from every message).
    pub token: Option<&'a str>,
    /// The header the token is sent in (`None`: `Authorization: Bearer`).
    pub token_header: Option<&'a str>,
    /// Said after a rate-limit message when no token is set.
    pub token_hint: &'static str,
}

/// State shared by the repository tasks of one check.
pub(crate) struct Session<'a> {
    client: &'a reqwest::Client,
    limits: &'a Limits,
    cached: &'a HashMap<String, Cached>,
    service: Service<'a>,
    stop: AtomicBool,
    limit: Mutex<Option<RateLimit>>,
    requests: AtomicU32,
    not_modified: AtomicU32,
}

impl<'a> Session<'a> {
    /// A session revalidating against `cached`.
    pub fn new(
        client: &'a reqwest::Client,
        limits: &'a Limits,
        cached: &'a HashMap<String, Cached>,
        mut service: Service<'a>,
    ) -> Session<'a> {
        service.token = service.token.filter(|t| !t.is_empty());
        Session {
            client,
            limits,
            cached,
            service,
            stop: AtomicBool::new(false),
            limit: Mutex::new(None),
            requests: AtomicU32::new(0),
            not_modified: AtomicU32::new(0),
        }
    }

    /// Whether a token is sent.
    pub fn has_token(&self) -> bool {
        self.service.token.is_some()
    }

    /// An error with `code`, the token redacted from `message`.
    pub fn err(&self, code: &str, message: String) -> RemoteError {
        let message = match self.service.token {
            Some(t) => message.replace(t, "<redacted>"),
            None => message,
        };
        RemoteError {
            code: code.to_string(),
            message,
        }
    }

    fn note_limit(&self, l: RateLimit) {
        let mut g = self.limit.lock().unwrap_or_else(|e| e.into_inner());
        let keep_old = g
            .as_ref()
            .is_some_and(|o| o.reset_at_ms.unwrap_or(0) >= l.reset_at_ms.unwrap_or(0));
        if !keep_old {
            *g = Some(l);
        }
        self.stop.store(true, Ordering::SeqCst);
    }

    fn limit_text(&self) -> String {
        let l = *self.limit.lock().unwrap_or_else(|e| e.into_inner());
        let when = match l.and_then(|l| l.reset_at_ms) {
            Some(ms) => format!("it resets {}", describe_reset(ms, now_ms())),
            None => "try again later".to_string(),
        };
        let hint = if self.has_token() {
            ""
        } else {
            self.service.token_hint
        };
        format!(
            "{} rate limit is exhausted; {when}{hint}",
            self.service.name
        )
    }

    /// GETs `url`, conditional on its stored answer. Transport failures and the rate limit are
    /// errors; every other status is the caller's to read.
    pub async fn get(&self, url: &str) -> Result<Reply, RemoteError> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(self.err(
                "RATE_LIMITED",
                format!("not checked: {}", self.limit_text()),
            ));
        }
        let cached = self.cached.get(url);
        let opts = RequestOptions {
            etag: cached.and_then(|c| c.etag.as_deref()),
            last_modified: cached.and_then(|c| c.last_modified.as_deref()),
            headers: self.service.headers,
            bearer: self.service.token,
            token_header: self.service.token_header,
        };
        self.requests.fetch_add(1, Ordering::SeqCst);
        let resp = fetch::get_with(self.client, url, &opts, self.limits)
            .await
            .map_err(|e: Error| self.err(e.code(), e.to_string()))?;
        let rate = resp.rate;
        let reset_at_ms = rate
            .retry_after_s
            .map(|s| now_ms() + s as i64 * 1000)
            .or(rate.reset_epoch_s.map(|s| s * 1000));
        let limit = RateLimit {
            reset_at_ms,
            remaining: rate.remaining,
        };
        let status = resp.status;
        let limited = status == 429
            || (status == 403 && (rate.remaining == Some(0) || rate.retry_after_s.is_some()));
        if limited {
            self.note_limit(limit);
            return Err(self.err("RATE_LIMITED", format!("{url}: {}", self.limit_text())));
        }
        if (status == 304 || (200..300).contains(&status)) && rate.remaining == Some(0) {
            // This answer is good, but the next request would be refused.
            self.note_limit(limit);
        }
        match resp.fetched {
            Fetched::NotModified => match cached {
                Some(c) => {
                    self.not_modified.fetch_add(1, Ordering::SeqCst);
                    Ok(Reply::Ok((c.body.clone(), (url.to_string(), c.clone()))))
                }
                None => Err(self.err(
                    "INVALID_RESPONSE",
                    format!(
                        "{url}: the server answered 304 Not Modified to an unconditional request"
                    ),
                )),
            },
            Fetched::Body {
                body,
                etag,
                last_modified,
            } if (200..300).contains(&status) => {
                let body = String::from_utf8(body).map_err(|_| {
                    self.err(
                        "INVALID_RESPONSE",
                        format!("{url}: the response is not UTF-8"),
                    )
                })?;
                let record = Cached {
                    etag,
                    last_modified,
                    body: body.clone(),
                };
                Ok(Reply::Ok((body, (url.to_string(), record))))
            }
            Fetched::Body { body, .. } => Ok(Reply::Status(status, body)),
        }
    }

    /// `HTTP_ERROR` for an unexpected `status`, with the server's message if its body has one.
    pub fn http_error(&self, url: &str, who: &str, status: u16, body: &[u8]) -> RemoteError {
        let reason = reqwest::StatusCode::from_u16(status)
            .map(|s| s.to_string())
            .unwrap_or_else(|_| status.to_string());
        let detail = answer::error_detail(body);
        self.err(
            "HTTP_ERROR",
            format!("{url}: {who} answered {reason}{detail}"),
        )
    }

    /// Runs `repo` for each repository of `queries` (merged case-insensitively), up to
    /// `concurrency` at a time, and gathers the outcome in order of first appearance.
    pub async fn run<F, Fut>(
        &self,
        queries: Vec<RepoQuery>,
        concurrency: usize,
        repo: F,
    ) -> CheckOutcome
    where
        F: Fn(RepoQuery) -> Fut,
        Fut: Future<Output = RepoResult>,
    {
        let repo = &repo;
        let mut done: Vec<(usize, RepoResult)> =
            futures_util::stream::iter(merge_queries(queries).into_iter().enumerate())
                .map(|(i, q)| async move { (i, repo(q).await) })
                .buffer_unordered(concurrency.max(1))
                .collect()
                .await;
        done.sort_by_key(|(i, _)| *i);
        let mut out = CheckOutcome::default();
        for (_, (answer, records)) in done {
            out.repos.push(answer);
            out.records.extend(records);
        }
        out.requests = self.requests.load(Ordering::SeqCst);
        out.not_modified = self.not_modified.load(Ordering::SeqCst);
        out.rate_limit = *self.limit.lock().unwrap_or_else(|e| e.into_inner());
        out
    }
}
