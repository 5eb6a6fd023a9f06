//! Where upstream versions come from, whatever the host: the vocabulary every provider speaks
//! ([`RepoQuery`] in, [`CheckOutcome`] out), the [`UpstreamProvider`] trait, and [`PROVIDERS`],
//! the registry that picks a provider for a source's host at run time.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use super::spec::repo_key;
use crate::config::{Config, Env};
use crate::error::Result;
use crate::http::Limits;

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
    /// Owner (GitHub) or namespace (GitLab, `group/subgroup`).
    pub owner: String,
    /// Repository (project) name.
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

/// A repository's tree at one ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// SHA of the root tree.
    pub sha: String,
    /// Every path (`/`-separated) with its entry.
    pub entries: HashMap<String, TreeEntry>,
    /// The listing was cut short (very large repositories): a missing path proves nothing.
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

/// A published release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Its tag name (`v1.2.0`).
    pub tag: String,
    /// Marked as a pre-release (GitHub), or an upcoming release (GitLab).
    pub prerelease: bool,
    /// A draft (drafts are dropped when parsing, so always `false` in answers).
    pub draft: bool,
    /// Publication time (ISO 8601).
    pub published_at: Option<String>,
}

/// A failure of one request, with a stable code: `NOT_FOUND`, `RATE_LIMITED`, `HTTP_ERROR`,
/// `INVALID_RESPONSE`, `NETWORK`, `NETWORK_TIMEOUT`, `RESPONSE_TOO_LARGE`, `INSECURE_URL`,
/// `TOO_MANY_REDIRECTS`, `INVALID_ARGUMENT`, `UNSUPPORTED`.
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
    /// Non-draft releases, newest first as the server lists them.
    pub releases: Option<Result<Vec<Release>, RemoteError>>,
    /// Tag names.
    pub tags: Option<Result<Vec<String>, RemoteError>>,
    /// Newest commit SHA per query (`None`: no commit matches).
    pub commits: Vec<(CommitQuery, Result<Option<String>, RemoteError>)>,
    /// Trees per ref asked for.
    pub trees: Vec<(Option<String>, Result<Tree, RemoteError>)>,
}

impl RepoAnswer {
    /// An answer about `owner/repo` with nothing asked yet.
    pub fn new(owner: &str, repo: &str) -> RepoAnswer {
        RepoAnswer {
            owner: owner.to_string(),
            repo: repo.to_string(),
            releases: None,
            tags: None,
            commits: Vec::new(),
            trees: Vec::new(),
        }
    }
}

/// The result of a provider's check.
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

/// `queries` merged per distinct repository (case-insensitive), in order of first appearance.
pub fn merge_queries(queries: Vec<RepoQuery>) -> Vec<RepoQuery> {
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
    groups
}

pub(crate) fn now_ms() -> i64 {
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

/// A boxed, sendable future: what [`UpstreamProvider::check`] returns, so providers can be
/// chosen at run time.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of upstream answers: releases, tags, commits and trees per repository.
pub trait UpstreamProvider: Send + Sync {
    /// The API root; stored answers are kept under URLs that start with it.
    fn api_url(&self) -> &str;

    /// Answers `queries` (one request per repository and endpoint however many artifacts ask),
    /// each conditional on the answer stored in `cached` under its URL. Failures are reported
    /// per repository in the outcome, never as an error of the whole check.
    fn check<'a>(
        &'a self,
        queries: Vec<RepoQuery>,
        cached: &'a HashMap<String, Cached>,
    ) -> BoxFuture<'a, CheckOutcome>;
}

/// What providers are built from.
pub struct Setup<'a> {
    /// The configuration in force (API URLs).
    pub config: &'a Config,
    /// Where tokens are read from.
    pub env: &'a dyn Env,
    /// Transport limits.
    pub limits: Limits,
}

/// One kind of provider (GitHub, GitLab): which source hosts it serves, and how to open it.
pub struct ProviderKind {
    /// Its name in messages (`GitHub`).
    pub name: &'static str,
    /// What its answers are recorded as (`upstreamOrigin`).
    pub origin: crate::values::UpstreamOrigin,
    /// What to set for a higher rate limit, in a sentence.
    pub token_advice: &'static str,
    /// The API root serving sources on `host` (lower-case, with its port), when this kind
    /// serves that host.
    pub serves: fn(host: &str, config: &Config) -> Option<String>,
    /// Every API root this kind asks under `config` (its public host's, and one configured for
    /// a host of its own): where a rate limit in force is looked up.
    pub apis: fn(config: &Config) -> Vec<String>,
    /// A provider asking the API at `api_url` (one that [`ProviderKind::serves`] returned).
    pub open: fn(api_url: &str, setup: &Setup<'_>) -> Result<Box<dyn UpstreamProvider>>,
}

/// Every provider kind, asked in order which serves a source's host.
pub const PROVIDERS: &[&ProviderKind] = &[&super::github::KIND, &super::gitlab::KIND];

/// The provider kind serving sources on `host`, with the API root to ask.
pub fn provider_for(host: &str, config: &Config) -> Option<(&'static ProviderKind, String)> {
    PROVIDERS
        .iter()
        .find_map(|k| (k.serves)(host, config).map(|api| (*k, api)))
}

/// Every API the configuration asks, once each, with the kind of provider asking it.
pub fn configured_apis(config: &Config) -> Vec<(&'static ProviderKind, String)> {
    let mut apis: Vec<(&'static ProviderKind, String)> = Vec::new();
    for kind in PROVIDERS {
        for api in (kind.apis)(config) {
            if !apis.iter().any(|(_, a)| *a == api) {
                apis.push((*kind, api));
            }
        }
    }
    apis
}

/// The start every stored answer's URL under the API at `api_url` has: the URL as requests
/// spell it (host in lower case, no default port, no trailing slash), so a differently written
/// `api_url` still finds its stored answers.
pub fn stored_prefix(api_url: &str) -> String {
    match reqwest::Url::parse(api_url) {
        Ok(u) => u.to_string().trim_end_matches('/').to_string(),
        Err(_) => api_url.trim_end_matches('/').to_string(),
    }
}

/// The `host[:port]` of `url`, lower-case (`None` when it is not a URL with a host).
pub fn url_host(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

#[cfg(test)]
mod prefix_tests {
    use super::stored_prefix;

    #[test]
    fn stored_answers_are_found_however_the_api_url_is_written() {
        for raw in ["https://Git.Corp:443/api/v4/", "https://git.corp/api/v4"] {
            assert_eq!(stored_prefix(raw), "https://git.corp/api/v4");
        }
        assert_eq!(stored_prefix("not a url/"), "not a url");
    }
}
