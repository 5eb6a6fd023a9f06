//! The GitHub REST API provider (`https://api.github.com`, or a GitHub Enterprise `…/api/v3`):
//! one request per repository and endpoint (releases, tags, the newest commit of a ref and path,
//! trees), revalidated with cached ETags, with bounded concurrency, rate-limit awareness, and
//! per-repository errors. Pure: the caller persists [`CheckOutcome`] records and passes them back
//! as the cache of the next check.

use std::collections::HashMap;
use std::fmt;

use super::answer;
use super::provider::{
    BoxFuture, Cached, CheckOutcome, CommitQuery, ProviderKind, RemoteError, RepoAnswer, RepoQuery,
    Setup, UpstreamProvider,
};
use super::session::{Reply, RepoResult, Service, Session};
use super::spec::{valid_owner, valid_repo};
use crate::config::Config;
use crate::error::Result;
use crate::http::Limits;
use crate::version;

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

/// What one endpoint request is about, for messages.
enum What<'a> {
    Releases,
    Tags,
    Commits(&'a CommitQuery),
    Tree(Option<&'a str>),
}

/// State of one check: the shared session plus GitHub's settings.
struct Run<'a> {
    s: Session<'a>,
    cfg: &'a GithubConfig,
}

/// Headers of every GitHub request.
const HEADERS: [(&str, &str); 2] = [
    ("accept", "application/vnd.github+json"),
    ("x-github-api-version", API_VERSION),
];

impl<'a> Run<'a> {
    fn new(
        client: &'a reqwest::Client,
        cfg: &'a GithubConfig,
        cached: &'a HashMap<String, Cached>,
    ) -> Run<'a> {
        let service = Service {
            name: "the GitHub API",
            headers: &HEADERS,
            token: cfg.token.as_deref(),
            token_header: None,
            token_hint: "; set SKILLMEAT_GITHUB_TOKEN or GITHUB_TOKEN, or github-token in [settings] of SkillMeat's config.toml for a higher limit",
        };
        Run {
            s: Session::new(client, &cfg.limits, cached, service),
            cfg,
        }
    }

    fn err(&self, code: &str, message: String) -> RemoteError {
        self.s.err(code, message)
    }

    fn not_found(&self, owner: &str, repo: &str, what: &What<'_>) -> String {
        let subject = match what {
            What::Commits(CommitQuery {
                git_ref: Some(r), ..
            }) => format!("repository {owner}/{repo} or ref {r:?}"),
            What::Tree(Some(r)) => format!("repository {owner}/{repo} or ref {r:?}"),
            _ => format!("repository {owner}/{repo}"),
        };
        if self.s.has_token() {
            format!("{subject} not found or not visible with this token")
        } else {
            format!(
                "{subject} not found (if it is private, set SKILLMEAT_GITHUB_TOKEN or GITHUB_TOKEN, or github-token in [settings] of SkillMeat's config.toml)"
            )
        }
    }

    /// GETs one API URL; returns the body and the record to persist.
    async fn get(
        &self,
        url: &str,
        owner: &str,
        repo: &str,
        what: &What<'_>,
    ) -> Result<(String, (String, Cached)), RemoteError> {
        match self.s.get(url).await? {
            Reply::Ok(got) => Ok(got),
            Reply::Status(status, _)
                if status == 404
                    || (status == 422
                        && (matches!(what, What::Commits(q) if q.git_ref.is_some())
                            || matches!(what, What::Tree(Some(_))))) =>
            {
                Err(self.err("NOT_FOUND", self.not_found(owner, repo, what)))
            }
            Reply::Status(status, body) => Err(self.s.http_error(url, "GitHub", status, &body)),
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
        let mut answer = RepoAnswer::new(&owner, &repo);
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
    let run = Run::new(client, cfg, cached);
    let run = &run;
    run.s
        .run(
            queries,
            cfg.concurrency,
            |q| async move { run.repo(q).await },
        )
        .await
}

/// The GitHub REST API (`https://api.github.com`, or `https://HOST/api/v3`).
pub struct Github {
    client: reqwest::Client,
    config: GithubConfig,
}

impl Github {
    /// A client for the API at `api_url`, sending `token` (if any) to that host only.
    pub fn new(limits: Limits, api_url: &str, token: Option<String>) -> Result<Github> {
        let client = crate::http::client(&limits)?;
        let mut config = GithubConfig::new(limits);
        config.api_url = api_url.trim_end_matches('/').to_string();
        config.token = token;
        Ok(Github { client, config })
    }
}

impl UpstreamProvider for Github {
    fn api_url(&self) -> &str {
        &self.config.api_url
    }

    fn check<'a>(
        &'a self,
        queries: Vec<RepoQuery>,
        cached: &'a HashMap<String, Cached>,
    ) -> BoxFuture<'a, CheckOutcome> {
        Box::pin(check(&self.client, &self.config, queries, cached))
    }
}

/// GitHub serves `github.com` sources (and the short `owner/repo` forms), from `github_api_url`.
fn serves(host: &str, config: &Config) -> Option<String> {
    (host == super::spec::GITHUB_HOST).then(|| {
        config
            .github_api_url
            .value
            .trim_end_matches('/')
            .to_string()
    })
}

fn apis(config: &Config) -> Vec<String> {
    serves(super::spec::GITHUB_HOST, config)
        .into_iter()
        .collect()
}

fn open(api_url: &str, setup: &Setup<'_>) -> Result<Box<dyn UpstreamProvider>> {
    let token = super::token::find(setup.env, &setup.config.home.value).map(|t| t.secret);
    Ok(Box::new(Github::new(setup.limits.clone(), api_url, token)?))
}

/// GitHub in the provider registry.
pub const KIND: ProviderKind = ProviderKind {
    name: "GitHub",
    origin: crate::values::UpstreamOrigin::Github,
    token_advice: "Set GITHUB_TOKEN (or SKILLMEAT_GITHUB_TOKEN) for a higher limit",
    serves,
    apis,
    open,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::RequestOptions;
    use crate::upstream::describe_reset;
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
        let run = Run::new(&client, &cfg, &cached);
        assert_eq!(
            run.url("o", "r", "commits", &[("per_page", "1"), ("sha", "feat/x y"), ("path", "a/b&c")]),
            Ok("https://ghe.example/api/v3/repos/o/r/commits?per_page=1&sha=feat%2Fx+y&path=a%2Fb%26c".into())
        );
    }
}
