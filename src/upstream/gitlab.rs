//! The GitLab REST API v4 provider (gitlab.com, or a self-hosted `https://HOST/api/v4`): per
//! project, `releases`, `repository/tags` and `repository/commits`, revalidated with cached ETags,
//! with the same rate-limit handling and per-repository errors as GitHub's. Projects are named by
//! their URL-encoded path (`group%2Fsub%2Fproject`). Contents are not compared by git tree: tree
//! queries are answered `UNSUPPORTED` without a request.

use std::collections::HashMap;

use serde::Deserialize;

use super::answer;
use super::provider::{
    BoxFuture, Cached, CheckOutcome, CommitQuery, ProviderKind, Release, RemoteError, RepoAnswer,
    RepoQuery, Setup, UpstreamProvider, url_host,
};
use super::session::{Reply, RepoResult, Service, Session};
use super::token::TokenPlaces;
use crate::config::Config;
use crate::error::Result;
use crate::http::Limits;
use crate::version;

/// gitlab.com's API.
pub const DEFAULT_API_URL: &str = "https://gitlab.com/api/v4";
/// The host whose sources are always read from [`DEFAULT_API_URL`].
pub const GITLAB_HOST: &str = "gitlab.com";
/// Projects checked at the same time.
pub const CONCURRENCY: usize = 8;
/// Where the GitLab token is looked for; it is sent only to the host of `gitlab_api_url`.
pub const TOKEN: TokenPlaces = TokenPlaces {
    vars: &["SKILLMEAT_GITLAB_TOKEN", "GITLAB_TOKEN"],
    settings_key: "gitlab-token",
};

const HINT: &str = "set SKILLMEAT_GITLAB_TOKEN or GITLAB_TOKEN, or gitlab-token in [settings] of SkillMeat's config.toml";

#[derive(Deserialize)]
struct RawRelease {
    tag_name: Option<String>,
    #[serde(default)]
    upcoming_release: bool,
    #[serde(default)]
    released_at: Option<String>,
}

#[derive(Deserialize)]
struct RawCommit {
    id: String,
}

/// The body of `/releases`: tagged releases, upcoming ones counted as pre-releases.
fn releases(body: &str) -> serde_json::Result<Vec<Release>> {
    serde_json::from_str::<Vec<RawRelease>>(body).map(|v| {
        v.into_iter()
            .filter_map(|r| {
                Some(Release {
                    tag: r.tag_name.filter(|t| !t.is_empty())?,
                    prerelease: r.upcoming_release,
                    draft: false,
                    published_at: r.released_at,
                })
            })
            .collect()
    })
}

/// The body of `/repository/commits?per_page=1`: the newest commit's SHA.
fn newest_commit(body: &str) -> serde_json::Result<Option<String>> {
    serde_json::from_str::<Vec<RawCommit>>(body).map(|v| v.into_iter().next().map(|c| c.id))
}

/// Whether `namespace/name` is a plausible GitLab project path: segments of letters, digits,
/// `-`, `_` and `.`, none `.` or `..`, at most 255 characters each.
pub fn valid_project(namespace: &str, name: &str) -> bool {
    namespace.split('/').chain([name]).all(|s| {
        !s.is_empty()
            && s.len() <= 255
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    })
}

/// A GitLab server's API.
pub struct Gitlab {
    client: reqwest::Client,
    api_url: String,
    token: Option<String>,
    limits: Limits,
}

impl Gitlab {
    /// A client for the API at `api_url` (`https://HOST/api/v4`), sending `token` (if any) as
    /// `PRIVATE-TOKEN` to that host only.
    pub fn new(limits: Limits, api_url: &str, token: Option<String>) -> Result<Gitlab> {
        Ok(Gitlab {
            client: crate::http::client(&limits)?,
            api_url: api_url.trim_end_matches('/').to_string(),
            token,
            limits,
        })
    }

    /// Checks `queries` as [`UpstreamProvider::check`] says.
    pub async fn check(
        &self,
        queries: Vec<RepoQuery>,
        cached: &HashMap<String, Cached>,
    ) -> CheckOutcome {
        let service = Service {
            name: "the GitLab API",
            headers: &[],
            token: self.token.as_deref(),
            token_header: Some("private-token"),
            token_hint: "; set SKILLMEAT_GITLAB_TOKEN or GITLAB_TOKEN, or gitlab-token in [settings] of SkillMeat's config.toml for a higher limit",
        };
        let run = Run {
            s: Session::new(&self.client, &self.limits, cached, service),
            api_url: &self.api_url,
        };
        let run = &run;
        run.s
            .run(
                queries,
                CONCURRENCY,
                |q| async move { run.project(q).await },
            )
            .await
    }
}

impl UpstreamProvider for Gitlab {
    fn api_url(&self) -> &str {
        &self.api_url
    }

    fn check<'a>(
        &'a self,
        queries: Vec<RepoQuery>,
        cached: &'a HashMap<String, Cached>,
    ) -> BoxFuture<'a, CheckOutcome> {
        Box::pin(Gitlab::check(self, queries, cached))
    }
}

struct Run<'a> {
    s: Session<'a>,
    api_url: &'a str,
}

impl Run<'_> {
    /// `projects/<namespace%2Fname>/<endpoint>?<query>` under the API root.
    fn url(
        &self,
        project: &str,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> Result<String, RemoteError> {
        let bad = |why: String| {
            self.s.err(
                "INVALID_ARGUMENT",
                format!("gitlab_api_url {:?} {why}", self.api_url),
            )
        };
        let mut u =
            reqwest::Url::parse(self.api_url).map_err(|e| bad(format!("is not a URL: {e}")))?;
        u.path_segments_mut()
            .map_err(|_| bad("cannot have a path".into()))?
            .pop_if_empty()
            .extend(["projects", project].into_iter().chain(endpoint.split('/')));
        u.set_fragment(None);
        u.set_query(None);
        if !query.is_empty() {
            let mut q = u.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(u.to_string())
    }

    fn not_found(&self, subject: String) -> RemoteError {
        let message = if self.s.has_token() {
            format!("{subject} not found or not visible with this token")
        } else {
            format!("{subject} not found (if it is private, {HINT})")
        };
        self.s.err("NOT_FOUND", message)
    }

    /// GETs one endpoint and reads its body with `decode`, pushing the record when it parsed.
    /// `Ok(None)`: the server refused (403) an endpoint the project does not offer.
    async fn json<T>(
        &self,
        url: Result<String, RemoteError>,
        subject: impl FnOnce() -> String,
        decode: fn(&str) -> serde_json::Result<T>,
        records: &mut Vec<(String, Cached)>,
    ) -> Result<Option<T>, RemoteError> {
        let url = url?;
        let (body, record) = match self.s.get(&url).await? {
            Reply::Ok(got) => got,
            Reply::Status(404, _) => return Err(self.not_found(subject())),
            Reply::Status(403, _) => return Ok(None),
            Reply::Status(status, body) => {
                return Err(self.s.http_error(&url, "GitLab", status, &body));
            }
        };
        let parsed = decode(&body).map_err(|e| {
            self.s.err(
                "INVALID_RESPONSE",
                format!("{url}: not the expected GitLab JSON: {e}"),
            )
        })?;
        records.push(record);
        Ok(Some(parsed))
    }

    async fn project(&self, q: RepoQuery) -> RepoResult {
        let mut answer = RepoAnswer::new(&q.owner, &q.repo);
        let mut records = Vec::new();
        let mut commit_qs: Vec<CommitQuery> = Vec::new();
        for c in q.commits {
            if !commit_qs.contains(&c) {
                commit_qs.push(c);
            }
        }
        let name = format!("{}/{}", q.owner, q.repo);
        let mut missing: Option<RemoteError> = None;
        if !valid_project(&q.owner, &q.repo) {
            missing = Some(self.s.err(
                "INVALID_ARGUMENT",
                format!("{name:?} is not a valid GitLab project path"),
            ));
        }
        let project = name.as_str();
        let subject = || format!("project {name}");
        let forbidden = |what: &str| {
            self.s.err(
                "HTTP_ERROR",
                format!("the {what} of project {name} are not readable (403 Forbidden)"),
            )
        };
        if q.releases {
            let res = match &missing {
                Some(e) => Err(e.clone()),
                None => {
                    let url = self.url(project, "releases", &[("per_page", "100")]);
                    // Releases turned off for the project (403): the tags decide.
                    self.json(url, subject, releases, &mut records)
                        .await
                        .map(Option::unwrap_or_default)
                }
            };
            if let Err(e) = &res {
                if e.code == "NOT_FOUND" {
                    missing = Some(e.clone());
                }
            }
            answer.releases = Some(res);
        }
        let releases_empty = matches!(&answer.releases, Some(Ok(v)) if v.is_empty());
        if q.tags || releases_empty {
            let res = match &missing {
                Some(e) => Err(e.clone()),
                None => {
                    let url = self.url(project, "repository/tags", &[("per_page", "100")]);
                    match self.json(url, subject, answer::tags, &mut records).await {
                        Ok(Some(t)) => Ok(t),
                        Ok(None) => Err(forbidden("tags")),
                        Err(e) => Err(e),
                    }
                }
            };
            if let Err(e) = &res {
                if e.code == "NOT_FOUND" {
                    missing = Some(e.clone());
                }
            }
            answer.tags = Some(res);
        }
        // No version published at all: `latest` follows the newest commit instead.
        let no_versions = releases_empty
            && matches!(&answer.tags, Some(Ok(t)) if version::highest(t.iter().map(String::as_str), true).is_none());
        if no_versions {
            for c in q.latest_commits {
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
                    if let Some(r) = c.git_ref.as_deref() {
                        query.push(("ref_name", r));
                    }
                    if let Some(p) = c.path.as_deref() {
                        query.push(("path", p));
                    }
                    let url = self.url(project, "repository/commits", &query);
                    let subject = || match c.git_ref.as_deref() {
                        Some(r) => format!("project {name} or ref {r:?}"),
                        None => format!("project {name}"),
                    };
                    match self.json(url, subject, newest_commit, &mut records).await {
                        Ok(Some(sha)) => Ok(sha),
                        Ok(None) => Err(forbidden("commits")),
                        Err(e) => Err(e),
                    }
                }
            };
            answer.commits.push((c, res));
        }
        for t in q.trees {
            if answer.trees.iter().any(|(r, _)| *r == t) {
                continue;
            }
            let e = self.s.err(
                "UNSUPPORTED",
                format!("contents of GitLab project {name} are not compared (only versions and commits are)"),
            );
            answer.trees.push((t, Err(missing.clone().unwrap_or(e))));
        }
        (answer, records)
    }
}

/// GitLab serves sources on the host of `gitlab_api_url`, and on gitlab.com.
fn serves(host: &str, config: &Config) -> Option<String> {
    let api = config.gitlab_api_url.value.trim_end_matches('/');
    if url_host(api).as_deref() == Some(host) {
        Some(api.to_string())
    } else {
        (host == GITLAB_HOST).then(|| DEFAULT_API_URL.to_string())
    }
}

/// gitlab.com's API and the configured one's (`configured_apis` lists each once).
fn apis(config: &Config) -> Vec<String> {
    let own = url_host(&config.gitlab_api_url.value);
    std::iter::once(GITLAB_HOST.to_string())
        .chain(own)
        .filter_map(|host| serves(&host, config))
        .collect()
}

/// The token goes only to the host of `gitlab_api_url`, the one it was made for.
fn open(api_url: &str, setup: &Setup<'_>) -> Result<Box<dyn UpstreamProvider>> {
    let own_host = url_host(&setup.config.gitlab_api_url.value);
    let token = if own_host.is_some() && url_host(api_url) == own_host {
        super::token::find_in(&TOKEN, setup.env, &setup.config.home.value).map(|t| t.secret)
    } else {
        None
    };
    Ok(Box::new(Gitlab::new(setup.limits.clone(), api_url, token)?))
}

/// GitLab in the provider registry.
pub const KIND: ProviderKind = ProviderKind {
    name: "GitLab",
    origin: crate::values::UpstreamOrigin::Gitlab,
    token_advice: "Set GITLAB_TOKEN (or SKILLMEAT_GITLAB_TOKEN) for a higher limit",
    serves,
    apis,
    open,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_and_names() {
        let r = releases(
            r#"[{"tag_name":"v2.0.0","upcoming_release":true},{"tag_name":"v1.0.0","released_at":"2024-01-01T00:00:00Z"},{"tag_name":""}]"#,
        )
        .unwrap();
        assert_eq!(
            r.iter()
                .map(|r| (r.tag.as_str(), r.prerelease))
                .collect::<Vec<_>>(),
            vec![("v2.0.0", true), ("v1.0.0", false)]
        );
        assert_eq!(
            newest_commit(r#"[{"id":"abc","short_id":"a"}]"#).unwrap(),
            Some("abc".into())
        );
        assert_eq!(newest_commit("[]").unwrap(), None);
        assert!(valid_project("group/sub", "my.project"));
        assert!(!valid_project("group//sub", "p"));
        assert!(!valid_project("group", ".."));
        assert!(!valid_project("gr oup", "p"));
    }

    #[test]
    fn project_urls_encode_the_path() {
        let client = reqwest::Client::new();
        let cached = HashMap::new();
        let limits = Limits {
            timeout: std::time::Duration::from_secs(1),
            max_bytes: 1000,
            allow_http: vec![],
            max_redirects: 1,
        };
        let service = Service {
            name: "the GitLab API",
            headers: &[],
            token: None,
            token_header: None,
            token_hint: "",
        };
        let run = Run {
            s: Session::new(&client, &limits, &cached, service),
            api_url: "https://git.example/api/v4/",
        };
        assert_eq!(
            run.url("g/sub/p", "repository/commits", &[("ref_name", "feat/x"), ("path", "a b")]),
            Ok("https://git.example/api/v4/projects/g%2Fsub%2Fp/repository/commits?ref_name=feat%2Fx&path=a+b".into())
        );
    }
}
