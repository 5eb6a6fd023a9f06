//! A GitHub REST API upstream provider: one request per repository and endpoint (releases, tags,
//! the newest commit of a ref and path), revalidated with cached ETags, with bounded concurrency,
//! rate-limit awareness, and per-repository errors. Pure: the caller persists [`CheckOutcome`]
//! records and passes them back as the cache of the next check.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::answer;
use super::spec::{repo_key, valid_owner, valid_repo};
use crate::error::Error;
use crate::http::{self as fetch, Fetched, Limits, RequestOptions};
use crate::version;
use futures_util::StreamExt;

/// The public GitHub API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Repositories checked at the same time by default.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The REST API version requested.
pub const API_VERSION: &str = "2022-11-28";

/// How to reach the GitHub API.
#[derive(Clone)]
pub struct GithubConfig {
    /// API root (`https://api.github.com`, or a GitHub Enterprise `…/api/v3`).
    pub api_url: String,
    /// Token sent as `Authorization: Bearer …` to the API host only. Never logged.
    pub token: Option<String>,
    /// Transport limits (timeout, size, plain-http hosts, redirects).
    pub limits: Limits,
    /// Repositories in flight at once (at least 1).
    pub concurrency: usize,
}

impl GithubConfig {
    /// The public API, no token, [`DEFAULT_CONCURRENCY`].
    pub fn new(limits: Limits) -> GithubConfig {
        GithubConfig {
            api_url: DEFAULT_API_URL.to_string(),
            token: None,
            limits,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

impl fmt::Debug for GithubConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubConfig")
            .field("api_url", &self.api_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("limits", &self.limits)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

/// The newest commit of a ref (the default branch when `None`), optionally limited to a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommitQuery {
    /// Branch, tag or SHA; `None` for the default branch.
    pub git_ref: Option<String>,
    /// Path inside the repository; `None` for the whole repository.
    pub path: Option<String>,
}

/// What to ask about one repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoQuery {
    /// Owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Fetch the releases (and the tags too when there are none).
    pub releases: bool,
    /// Fetch the tags.
    pub tags: bool,
    /// Newest commits wanted (deduplicated).
    pub commits: Vec<CommitQuery>,
    /// Newest commits wanted only when the repository publishes no version at all (no release,
    /// no tag that is a version): how `latest` is followed in most skill repositories.
    pub latest_commits: Vec<CommitQuery>,
    /// Refs whose recursive tree is wanted (`None`: the default branch), to compare contents.
    pub trees: Vec<Option<String>>,
}

/// One entry of a repository tree: a blob (file) or a tree (folder), with its git object SHA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// `blob`, `tree` or `commit` (a submodule).
    pub kind: String,
    /// Git object SHA.
    pub sha: String,
}

/// A repository's tree at one ref, as `git/trees/<ref>?recursive=1` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// SHA of the root tree.
    pub sha: String,
    /// Every path (`/`-separated) with its entry.
    pub entries: HashMap<String, TreeEntry>,
    /// GitHub cut the listing short (very large repositories): a missing path proves nothing.
    pub truncated: bool,
}

impl Tree {
    /// The entry at `path` (`None` or empty: the root tree).
    pub fn at(&self, path: Option<&str>) -> Option<TreeEntry> {
        match path.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
            None => Some(TreeEntry {
                kind: "tree".into(),
                sha: self.sha.clone(),
            }),
            Some(p) => self.entries.get(p).cloned(),
        }
    }
}

/// A previously fetched answer, keyed by URL, used to revalidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    /// `ETag` to send as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` to send as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// The JSON body.
    pub body: String,
}

/// A GitHub release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Its tag name (`v1.2.0`).
    pub tag: String,
    /// Marked as a pre-release on GitHub.
    pub prerelease: bool,
    /// A draft (drafts are dropped when parsing, so always `false` in answers).
    pub draft: bool,
    /// Publication time (ISO 8601).
    pub published_at: Option<String>,
}

/// A failure of one request, with a stable code: `NOT_FOUND`, `RATE_LIMITED`, `HTTP_ERROR`,
/// `INVALID_RESPONSE`, `NETWORK`, `NETWORK_TIMEOUT`, `RESPONSE_TOO_LARGE`, `INSECURE_URL`,
/// `TOO_MANY_REDIRECTS`, `INVALID_ARGUMENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    /// Stable code.
    pub code: String,
    /// Human message (never contains the token).
    pub message: String,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RemoteError {}

/// The rate limit that stopped a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// When requests are allowed again (epoch ms), when known.
    pub reset_at_ms: Option<i64>,
    /// Requests left, when known.
    pub remaining: Option<u64>,
}

/// Everything learned about one repository. `None` means not asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoAnswer {
    /// Owner, as first queried.
    pub owner: String,
    /// Repository name, as first queried.
    pub repo: String,
    /// Non-draft releases, newest first as GitHub lists them.
    pub releases: Option<Result<Vec<Release>, RemoteError>>,
    /// Tag names.
    pub tags: Option<Result<Vec<String>, RemoteError>>,
    /// Newest commit SHA per query (`None`: no commit matches).
    pub commits: Vec<(CommitQuery, Result<Option<String>, RemoteError>)>,
    /// Trees per ref asked for.
    pub trees: Vec<(Option<String>, Result<Tree, RemoteError>)>,
}

/// The result of [`check`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOutcome {
    /// One answer per distinct repository (case-insensitive), in order of first appearance.
    pub repos: Vec<RepoAnswer>,
    /// New or revalidated answers to persist (URL, answer); pass them back as `cached`.
    pub records: Vec<(String, Cached)>,
    /// HTTP requests sent (304s included).
    pub requests: u32,
    /// Requests answered `304 Not Modified`.
    pub not_modified: u32,
    /// Set when the rate limit was reached and later requests were not sent.
    pub rate_limit: Option<RateLimit>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// When `reset_at_ms` comes, said from `now` (both epoch ms): `now`, `in 30 seconds (at 14:05
/// UTC)`, `in about 12 minutes (…)`, `in about 1 hour 30 minutes (…)`.
pub fn describe_reset(reset_at_ms: i64, now: i64) -> String {
    let secs = (reset_at_ms - now).max(0) / 1000;
    let minutes = (secs + 30) / 60;
    let delta = match (secs, minutes) {
        (0, _) => return "now".to_string(),
        (1, _) => "in 1 second".to_string(),
        (2..60, _) => format!("in {secs} seconds"),
        (_, 1) => "in about a minute".to_string(),
        (_, 2..60) => format!("in about {minutes} minutes"),
        _ => {
            let (h, m) = (minutes / 60, minutes % 60);
            let hours = if h == 1 { "hour" } else { "hours" };
            match m {
                0 => format!("in about {h} {hours}"),
                1 => format!("in about {h} {hours} 1 minute"),
                _ => format!("in about {h} {hours} {m} minutes"),
            }
        }
    };
    let day = (reset_at_ms / 1000).rem_euclid(86_400);
    format!(
        "{delta} (at {:02}:{:02} UTC)",
        day / 3600,
        (day % 3600) / 60
    )
}

/// What one endpoint request is about, for messages.
enum What<'a> {
    Releases,
    Tags,
    Commits(&'a CommitQuery),
    Tree(Option<&'a str>),
}

/// State shared by the repository tasks of one check.
struct Run<'a> {
    client: &'a reqwest::Client,
    cfg: &'a GithubConfig,
    cached: &'a HashMap<String, Cached>,
    stop: AtomicBool,
    limit: Mutex<Option<RateLimit>>,
    requests: AtomicU32,
    not_modified: AtomicU32,
}

type Fetch = Result<(String, (String, Cached)), RemoteError>;

/// One repository's answer with the records to persist.
type RepoResult = (RepoAnswer, Vec<(String, Cached)>);

impl Run<'_> {
    fn err(&self, code: &str, message: String) -> RemoteError {
        let message = match self.cfg.token.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => message.replace(t, "<redacted>"),
            None => message,
        };
        RemoteError {
            code: code.to_string(),
            message,
        }
    }

    fn convert(&self, e: &Error) -> RemoteError {
        self.err(e.code(), e.to_string())
    }

    fn token_hint(&self) -> &'static str {
        if self.cfg.token.as_deref().is_some_and(|t| !t.is_empty()) {
            ""
        } else {
            "; set SKILLMEAT_GITHUB_TOKEN or GITHUB_TOKEN, or github-token in [settings] of SkillMeat's config.toml for a higher limit"
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
        format!(
            "the GitHub API rate limit is exhausted; {when}{}",
            self.token_hint()
        )
    }

    fn not_found(&self, owner: &str, repo: &str, what: &What<'_>) -> String {
        let subject = match what {
            What::Commits(CommitQuery {
                git_ref: Some(r), ..
            }) => format!("repository {owner}/{repo} or ref {r:?}"),
            What::Tree(Some(r)) => format!("repository {owner}/{repo} or ref {r:?}"),
            _ => format!("repository {owner}/{repo}"),
        };
        if self.cfg.token.as_deref().is_some_and(|t| !t.is_empty()) {
            format!("{subject} not found or not visible with this token")
        } else {
            format!(
                "{subject} not found (if it is private, set SKILLMEAT_GITHUB_TOKEN or GITHUB_TOKEN, or github-token in [settings] of SkillMeat's config.toml)"
            )
        }
    }

    /// GETs one API URL; returns the body and the record to persist.
    async fn get(&self, url: &str, owner: &str, repo: &str, what: &What<'_>) -> Fetch {
        if self.stop.load(Ordering::SeqCst) {
            return Err(self.err(
                "RATE_LIMITED",
                format!("not checked: {}", self.limit_text()),
            ));
        }
        let cached = self.cached.get(url);
        let headers = [
            ("accept", "application/vnd.github+json"),
            ("x-github-api-version", API_VERSION),
        ];
        let opts = RequestOptions {
            etag: cached.and_then(|c| c.etag.as_deref()),
            last_modified: cached.and_then(|c| c.last_modified.as_deref()),
            headers: &headers,
            bearer: self.cfg.token.as_deref().filter(|t| !t.is_empty()),
        };
        self.requests.fetch_add(1, Ordering::SeqCst);
        let resp = fetch::get_with(self.client, url, &opts, &self.cfg.limits)
            .await
            .map_err(|e| self.convert(&e))?;
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
                    Ok((c.body.clone(), (url.to_string(), c.clone())))
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
            } => {
                if (200..300).contains(&status) {
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
                    return Ok((body, (url.to_string(), record)));
                }
                if status == 404
                    || (status == 422
                        && (matches!(what, What::Commits(q) if q.git_ref.is_some())
                            || matches!(what, What::Tree(Some(_)))))
                {
                    return Err(self.err("NOT_FOUND", self.not_found(owner, repo, what)));
                }
                let reason = reqwest::StatusCode::from_u16(status)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|_| status.to_string());
                let detail = answer::error_detail(&body);
                Err(self.err(
                    "HTTP_ERROR",
                    format!("{url}: GitHub answered {reason}{detail}"),
                ))
            }
        }
    }

    /// GETs one endpoint and reads its body with `decode`, pushing the record when it parsed.
    async fn json<T>(
        &self,
        url: Result<String, RemoteError>,
        (owner, repo): (&str, &str),
        what: What<'_>,
        decode: fn(&str) -> serde_json::Result<T>,
        records: &mut Vec<(String, Cached)>,
    ) -> Result<T, RemoteError> {
        let url = url?;
        let (body, record) = self.get(&url, owner, repo, &what).await?;
        let parsed = decode(&body).map_err(|e| {
            self.err(
                "INVALID_RESPONSE",
                format!("{url}: not the expected GitHub JSON: {e}"),
            )
        })?;
        records.push(record);
        Ok(parsed)
    }

    fn url(
        &self,
        owner: &str,
        repo: &str,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> Result<String, RemoteError> {
        answer::endpoint_url(&self.cfg.api_url, owner, repo, endpoint, query).map_err(|why| {
            self.err(
                "INVALID_ARGUMENT",
                format!("api_url {:?} {why}", self.cfg.api_url),
            )
        })
    }

    async fn repo(&self, q: RepoQuery) -> RepoResult {
        let RepoQuery {
            owner,
            repo,
            releases,
            tags,
            commits,
            latest_commits,
            trees,
        } = q;
        let mut commit_qs: Vec<CommitQuery> = Vec::new();
        for c in commits {
            if !commit_qs.contains(&c) {
                commit_qs.push(c);
            }
        }
        let mut records = Vec::new();
        let mut answer = RepoAnswer {
            owner: owner.clone(),
            repo: repo.clone(),
            releases: None,
            tags: None,
            commits: Vec::new(),
            trees: Vec::new(),
        };
        if !valid_owner(&owner) || !valid_repo(&repo) {
            let e = self.err(
                "INVALID_ARGUMENT",
                format!("{owner:?}/{repo:?} is not a valid GitHub repository name"),
            );
            answer.releases = releases.then(|| Err(e.clone()));
            answer.tags = tags.then(|| Err(e.clone()));
            answer.commits = commit_qs.into_iter().map(|c| (c, Err(e.clone()))).collect();
            answer.trees = trees.into_iter().map(|t| (t, Err(e.clone()))).collect();
            return (answer, records);
        }
        let (o, r) = (owner.as_str(), repo.as_str());
        // A 404 on a repository-wide endpoint answers every other endpoint of the repository.
        let mut missing: Option<RemoteError> = None;
        // Set when neither /releases nor /releases/latest exists: the tags then tell a
        // repository without releases from a missing one.
        let mut releases_404 = false;
        if releases {
            let url = self.url(o, r, "releases", &[("per_page", "100")]);
            let mut res = self
                .json(url, (o, r), What::Releases, answer::releases, &mut records)
                .await;
            releases_404 = matches!(&res, Err(e) if e.code == "NOT_FOUND");
            if releases_404 {
                // Some GitHub-compatible servers only offer the latest release. Where that is
                // missing too, the tags decide (and a 404 there means the repository is gone).
                let url = self.url(o, r, "releases/latest", &[]);
                res = match self
                    .json(
                        url,
                        (o, r),
                        What::Releases,
                        answer::latest_release,
                        &mut records,
                    )
                    .await
                {
                    Ok(one) => Ok(one),
                    Err(e) if e.code == "NOT_FOUND" => Ok(Vec::new()),
                    Err(e) => Err(e),
                };
            }
            answer.releases = Some(res);
        }
        let releases_empty = matches!(&answer.releases, Some(Ok(v)) if v.is_empty());
        if tags || releases_empty {
            let res = match &missing {
                Some(e) => Err(e.clone()),
                None => {
                    let url = self.url(o, r, "tags", &[("per_page", "100")]);
                    self.json(url, (o, r), What::Tags, answer::tags, &mut records)
                        .await
                }
            };
            if let Err(e) = &res {
                if e.code == "NOT_FOUND" {
                    missing = Some(e.clone());
                    if releases_404 {
                        answer.releases = Some(Err(e.clone()));
                    }
                }
            }
            answer.tags = Some(res);
        }
        // No version published at all: `latest` follows the newest commit instead.
        let no_versions = releases_empty
            && matches!(&answer.tags, Some(Ok(t)) if version::highest(t.iter().map(String::as_str), true).is_none());
        if no_versions {
            for c in latest_commits {
                if !commit_qs.contains(&c) {
                    commit_qs.push(c);
                }
            }
        }
        for c in commit_qs {
            let res = match &missing {
                Some(e) => Err(e.clone()),
                None => {
                    let mut query = vec![("per_page", "1")];
                    if let Some(s) = c.git_ref.as_deref() {
                        query.push(("sha", s));
                    }
                    if let Some(p) = c.path.as_deref() {
                        query.push(("path", p));
                    }
                    let url = self.url(o, r, "commits", &query);
                    let what = What::Commits(&c);
                    self.json(url, (o, r), what, answer::newest_commit, &mut records)
                        .await
                }
            };
            answer.commits.push((c, res));
        }
        let mut tree_refs: Vec<Option<String>> = Vec::new();
        for t in trees {
            if !tree_refs.contains(&t) {
                tree_refs.push(t);
            }
        }
        for t in tree_refs {
            let res = match &missing {
                Some(e) => Err(e.clone()),
                None => {
                    let endpoint = format!("git/trees/{}", t.as_deref().unwrap_or("HEAD"));
                    let url = self.url(o, r, &endpoint, &[("recursive", "1")]);
                    let what = What::Tree(t.as_deref());
                    self.json(url, (o, r), what, answer::tree, &mut records)
                        .await
                }
            };
            answer.trees.push((t, res));
        }
        (answer, records)
    }
}

/// Checks `queries` against the GitHub API: per distinct repository (case-insensitive; queries
/// of one repository are merged), one request per endpoint needed, revalidating with `cached`
/// answers (keyed by URL). Repositories run up to `cfg.concurrency` at a time; the requests of one
/// repository run in order. Failures are reported per repository and endpoint. Once the rate
/// limit is reached, no further request is sent: the remaining endpoints get `RATE_LIMITED`.
pub async fn check(
    client: &reqwest::Client,
    cfg: &GithubConfig,
    queries: Vec<RepoQuery>,
    cached: &HashMap<String, Cached>,
) -> CheckOutcome {
    let mut groups: Vec<RepoQuery> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for q in queries {
        let key = repo_key(&q.owner, &q.repo);
        match index.get(&key) {
            Some(&i) => {
                let g = &mut groups[i];
                g.releases |= q.releases;
                g.tags |= q.tags;
                g.commits.extend(q.commits);
                g.latest_commits.extend(q.latest_commits);
                g.trees.extend(q.trees);
            }
            None => {
                index.insert(key, groups.len());
                groups.push(q);
            }
        }
    }
    let run = Run {
        client,
        cfg,
        cached,
        stop: AtomicBool::new(false),
        limit: Mutex::new(None),
        requests: AtomicU32::new(0),
        not_modified: AtomicU32::new(0),
    };
    let run = &run;
    let mut done: Vec<(usize, RepoResult)> =
        futures_util::stream::iter(groups.into_iter().enumerate())
            .map(|(i, q)| async move { (i, run.repo(q).await) })
            .buffer_unordered(cfg.concurrency.max(1))
            .collect()
            .await;
    done.sort_by_key(|(i, _)| *i);
    let mut out = CheckOutcome::default();
    for (_, (answer, records)) in done {
        out.repos.push(answer);
        out.records.extend(records);
    }
    out.requests = run.requests.load(Ordering::SeqCst);
    out.not_modified = run.not_modified.load(Ordering::SeqCst);
    out.rate_limit = *run.limit.lock().unwrap_or_else(|e| e.into_inner());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits() -> Limits {
        Limits {
            timeout: Duration::from_secs(1),
            max_bytes: 1000,
            allow_http: vec![],
            max_redirects: 1,
        }
    }

    #[test]
    fn debug_redacts_the_token() {
        let mut cfg = GithubConfig::new(limits());
        cfg.token = Some("ghp_supersecret".into());
        let d = format!("{cfg:?}");
        assert!(!d.contains("supersecret"), "{d}");
        assert!(d.contains("<redacted>"));
        let opts = RequestOptions {
            bearer: Some("ghp_supersecret"),
            ..RequestOptions::default()
        };
        assert!(!format!("{opts:?}").contains("supersecret"));
    }

    #[test]
    fn reset_descriptions() {
        let base = 1_700_000_000_000; // 2023-11-14 22:13:20 UTC
        assert_eq!(describe_reset(base - 5, base), "now");
        assert_eq!(
            describe_reset(base + 30_000, base),
            "in 30 seconds (at 22:13 UTC)"
        );
        assert_eq!(
            describe_reset(base + 12 * 60_000, base),
            "in about 12 minutes (at 22:25 UTC)"
        );
        assert_eq!(
            describe_reset(base + 3_599_000, base),
            "in about 1 hour (at 23:13 UTC)"
        );
        assert_eq!(
            describe_reset(base + 90 * 60_000, base),
            "in about 1 hour 30 minutes (at 23:43 UTC)"
        );
    }

    #[test]
    fn urls_are_encoded() {
        let cfg = GithubConfig {
            api_url: "https://ghe.example/api/v3/".into(),
            ..GithubConfig::new(limits())
        };
        let client = reqwest::Client::new();
        let cached = HashMap::new();
        let run = Run {
            client: &client,
            cfg: &cfg,
            cached: &cached,
            stop: AtomicBool::new(false),
            limit: Mutex::new(None),
            requests: AtomicU32::new(0),
            not_modified: AtomicU32::new(0),
        };
        assert_eq!(
            run.url("o", "r", "commits", &[("per_page", "1"), ("sha", "feat/x y"), ("path", "a/b&c")]),
            Ok("https://ghe.example/api/v3/repos/o/r/commits?per_page=1&sha=feat%2Fx+y&path=a%2Fb%26c".into())
        );
    }
}
