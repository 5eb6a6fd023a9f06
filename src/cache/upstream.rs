//! Upstream checks: which repositories are due, one batched check per provider serving their
//! hosts (see [`crate::upstream::provider`]), and the results written in one transaction.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use super::Cache;
use super::tasks::{blocking, on_store};
use crate::config::ProcessEnv;
use crate::error::{Error, Result};
use crate::model::{UpstreamError, UpstreamSummary};
use crate::store::{Fresh, HttpRecord, RepoOutcome, UpstreamCandidate, UpstreamResult, now_ms};
use crate::upstream::provider::{configured_apis, provider_for};
use crate::upstream::{self, Cached, ProviderKind, Resolved, Setup, SourceSpec, VersionSpec};

/// Options of one upstream check.
#[derive(Debug, Clone, Default)]
pub struct UpstreamOptions {
    /// Only the artifacts of this project.
    pub project_id: Option<String>,
    /// Check repositories whose answer is still within the upstream TTL too.
    pub force: bool,
    /// Check repositories whose last answer is older than this (ms), even within the TTL.
    pub max_age_ms: Option<u64>,
}

/// Options of `checkUpstream()`, as a caller gives them.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct UpstreamRequest {
    /// Only the artifacts of this project.
    pub project_id: Option<String>,
    /// Check repositories answered within `upstreamTtlHours` too.
    pub force: Option<bool>,
    /// Check repositories whose last answer is older than this (ms), even within the TTL.
    #[serde(deserialize_with = "crate::options::whole_ms")]
    #[cfg_attr(feature = "node", napi(ts_type = "number"))]
    pub max_age_ms: Option<u64>,
}

impl From<UpstreamRequest> for UpstreamOptions {
    fn from(r: UpstreamRequest) -> Self {
        UpstreamOptions {
            project_id: r.project_id,
            force: r.force.unwrap_or(false),
            max_age_ms: r.max_age_ms,
        }
    }
}

fn first_error(a: &upstream::RepoAnswer) -> Option<&upstream::RemoteError> {
    let releases = a.releases.as_ref().and_then(|r| r.as_ref().err());
    let tags = a.tags.as_ref().and_then(|r| r.as_ref().err());
    releases
        .or(tags)
        .or_else(|| a.commits.iter().find_map(|(_, r)| r.as_ref().err()))
}

/// The artifacts due for a check whose sources one provider serves.
struct Group {
    kind: &'static ProviderKind,
    /// API root: stored answers and the rate-limit state are kept under it.
    api_url: String,
    /// Artifacts with their parsed sources.
    due: Vec<(UpstreamCandidate, SourceSpec)>,
    /// `(grouping key, owner, repo)` of each repository, in order of first appearance.
    repos: Vec<(String, String, String)>,
}

/// The index of the group of `api_url` in `groups`, added if missing.
fn group_of(groups: &mut Vec<Group>, kind: &'static ProviderKind, api_url: String) -> usize {
    match groups.iter().position(|g| g.api_url == api_url) {
        Some(i) => i,
        None => {
            groups.push(Group {
                kind,
                api_url,
                due: Vec::new(),
                repos: Vec::new(),
            });
            groups.len() - 1
        }
    }
}

/// What one provider's check found, ready to store.
struct Checked {
    api_url: String,
    results: Vec<(String, UpstreamResult)>,
    repos: Vec<RepoOutcome>,
    records: Vec<(String, Cached)>,
    requests: u32,
    not_modified: u32,
    rate_limit: Option<upstream::RateLimit>,
}

/// Checks the upstream versions of every artifact whose source a provider serves (GitHub,
/// GitLab; of one project, or all): repositories answered within the upstream TTL are skipped
/// unless `force`; the rest are asked in one batch per provider, the providers at the same time
/// (one request per repository and endpoint, conditional on the stored ETag).
pub async fn check(c: &Cache, opts: UpstreamOptions) -> Result<UpstreamSummary> {
    let started = Instant::now();
    if let Some(id) = &opts.project_id {
        let id2 = id.clone();
        if on_store(c, move |s| s.get_project(&id2, Fresh::ANY))
            .await?
            .is_none()
        {
            return Err(Error::NotFound(format!(
                "no project with id {id:?}; register it first"
            )));
        }
    }
    let project = opts.project_id.clone();
    let candidates = on_store(c, move |s| s.upstream_candidates(project.as_deref())).await?;
    let checked = on_store(c, |s| s.upstream_repo_checks()).await?;
    let cfg = c.config();

    let mut ttl_ms = i64::from(cfg.upstream_ttl_hours.value) * 3_600_000;
    if let Some(max_age) = opts.max_age_ms {
        ttl_ms = ttl_ms.min(i64::try_from(max_age).unwrap_or(i64::MAX));
    }
    let now = now_ms();
    let recent = Fresh::within(ttl_ms);
    let mut summary = UpstreamSummary::default();
    // Every API the configuration asks is consulted, so that a rate limit in force is reported
    // even when nothing is due (as `status()` reports it).
    let mut groups: Vec<Group> = Vec::new();
    for (kind, api) in configured_apis(cfg) {
        group_of(&mut groups, kind, api);
    }
    let mut repos: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut skipped: HashSet<String> = HashSet::new();
    for a in candidates {
        let Some(spec) = upstream::spec::parse(&a.source, a.version_spec.as_deref()) else {
            continue;
        };
        let Some((kind, api)) = provider_for(&spec.host, cfg) else {
            continue;
        };
        let key = spec.repo_key();
        let fresh = checked.get(&key).is_some_and(|t| recent.holds(*t));
        if fresh && !opts.force {
            skipped.insert(key);
            continue;
        }
        let i = group_of(&mut groups, kind, api);
        let g = &mut groups[i];
        if seen.insert(key.clone()) {
            repos.push(key.clone());
            g.repos.push((key, spec.owner.clone(), spec.repo.clone()));
        }
        g.due.push((a, spec));
    }
    summary.skipped = skipped.len() as u32;
    summary.repositories = repos.len() as u32;
    summary.artifacts = groups.iter().map(|g| g.due.len() as u32).sum();

    // Providers still inside their API's rate-limit window are not asked: say when it resets.
    let mut ready = Vec::new();
    for g in groups {
        let api = g.api_url.clone();
        let (limited_until, _) = on_store(c, move |s| s.upstream_state(&api)).await?;
        let Some(until) = limited_until.filter(|u| *u > now) else {
            ready.push(g);
            continue;
        };
        summary.rate_limited = true;
        summary.rate_limit_reset_at = summary.rate_limit_reset_at.max(Some(until));
        let msg = format!(
            "the upstream API's rate limit is exhausted; it resets {}. {}",
            crate::upstream::describe_reset(until, now),
            g.kind.token_advice
        );
        summary
            .errors
            .extend(g.repos.iter().map(|(r, _, _)| UpstreamError {
                repository: r.clone(),
                code: "RATE_LIMITED".into(),
                message: msg.clone(),
            }));
    }
    ready.retain(|g| !g.due.is_empty());
    if ready.is_empty() {
        summary.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        return Ok(summary);
    }

    let done =
        futures_util::future::try_join_all(ready.into_iter().map(|g| check_group(c, g))).await?;
    let mut results = Vec::new();
    let mut repo_outcomes = Vec::new();
    let mut records: Vec<HttpRecord> = Vec::new();
    let mut states = Vec::new();
    for d in done {
        summary.requests += d.requests;
        summary.not_modified += d.not_modified;
        for r in &d.repos {
            if let Some((code, message)) = &r.error {
                summary.errors.push(UpstreamError {
                    repository: r.repo.clone(),
                    code: code.clone(),
                    message: message.clone(),
                });
            }
        }
        results.extend(d.results);
        repo_outcomes.extend(d.repos);
        records.extend(d.records.into_iter().map(|(url, r)| HttpRecord {
            url,
            etag: r.etag,
            last_modified: r.last_modified,
            body: r.body,
        }));
        if let Some(rl) = &d.rate_limit {
            summary.rate_limited = true;
            summary.rate_limit_reset_at = summary.rate_limit_reset_at.max(rl.reset_at_ms);
        }
        let limited = d
            .rate_limit
            .as_ref()
            .map(|rl| rl.reset_at_ms.unwrap_or(now + 60_000));
        states.push((d.api_url, limited));
    }
    let (changed, outdated) = on_store(c, move |s| {
        let out = s.apply_upstream_check(&records, &repo_outcomes, &results)?;
        for (api_url, limited) in &states {
            s.set_upstream_state(api_url, *limited, now)?;
        }
        Ok(out)
    })
    .await?;
    summary.updated = changed as u32;
    summary.outdated = outdated as u32;
    let c2 = c.clone();
    let _ = blocking(move || c2.sync_search_quietly()).await;
    summary.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(summary)
}

/// Asks one provider about its group's repositories, compares contents where versions cannot
/// tell, and reads each artifact's result.
async fn check_group(c: &Cache, g: Group) -> Result<Checked> {
    let provider = {
        let setup = Setup {
            config: c.config(),
            env: &ProcessEnv,
            limits: crate::http::Limits::from_config(c.config()),
        };
        (g.kind.open)(&g.api_url, &setup)?
    };
    let due = g.due;
    let origin = g.kind.origin;
    let queries = upstream::queries(due.iter().map(|(_, s)| s));
    let prefix = upstream::provider::stored_prefix(provider.api_url());
    let stored = on_store(c, move |s| s.upstream_http(&prefix)).await?;
    let cached: HashMap<String, Cached> = stored
        .into_iter()
        .map(|r| {
            (
                r.url,
                Cached {
                    etag: r.etag,
                    last_modified: r.last_modified,
                    body: r.body,
                },
            )
        })
        .collect();
    let mut outcome = provider.check(queries, &cached).await;
    let (mut requests, mut not_modified) = (outcome.requests, outcome.not_modified);
    let resolved: Vec<Resolved> = due
        .iter()
        .map(|(a, spec)| upstream::resolve_spec(&outcome, spec, a.deployed_version.as_deref()))
        .collect();

    // Contents, where versions cannot tell: one recursive tree per repository and ref.
    let wants: Vec<Option<Option<String>>> = due
        .iter()
        .zip(&resolved)
        .map(|((a, spec), r)| tree_ref(a, spec, r))
        .collect();
    let mut content: Vec<Option<bool>> = vec![None; due.len()];
    if outcome.rate_limit.is_none() && wants.iter().any(Option::is_some) {
        let tree_queries = upstream::tree_queries(
            due.iter()
                .zip(&wants)
                .filter_map(|((_, spec), w)| w.as_ref().map(|r| (spec, r.clone()))),
        );
        let trees = provider.check(tree_queries, &cached).await;
        requests += trees.requests;
        not_modified += trees.not_modified;
        let jobs: Vec<(usize, std::path::PathBuf, upstream::TreeEntry)> = due
            .iter()
            .zip(&wants)
            .enumerate()
            .filter_map(|(i, ((a, spec), w))| {
                let entry = upstream::tree_entry(&trees, spec, w.as_ref()?)?;
                Some((i, a.local_path.clone(), entry))
            })
            .collect();
        outcome.records.extend(trees.records);
        outcome.rate_limit = outcome.rate_limit.or(trees.rate_limit);
        let limits = crate::scan::walk::Limits::from_config(c.config());
        let compared = blocking(move || {
            jobs.into_iter()
                .map(|(i, local, entry)| {
                    (
                        i,
                        crate::scan::githash::differs(&local, &entry.kind, &entry.sha, &limits),
                    )
                })
                .collect::<Vec<_>>()
        })
        .await?;
        for (i, d) in compared {
            content[i] = d;
        }
    }

    let results: Vec<(String, UpstreamResult)> = due
        .iter()
        .zip(resolved)
        .zip(content)
        .map(|(((a, spec), r), content_differs)| {
            let res = match (r.error, r.version, r.sha) {
                (Some(e), _, _) => UpstreamResult::Failed(format!("{}: {}", e.code, e.message)),
                (None, None, None) => UpstreamResult::Failed(format!(
                    "NO_VERSIONS: {}/{} has no release or tag that is a version",
                    spec.owner, spec.repo
                )),
                (None, version, sha) => UpstreamResult::Found {
                    origin,
                    version,
                    sha,
                    content_differs,
                },
            };
            (a.id.clone(), res)
        })
        .collect();
    let repos = g
        .repos
        .into_iter()
        .map(|(key, owner, repo)| {
            let error = match upstream::resolve::answer_for(&outcome, &owner, &repo) {
                Some(a) => first_error(a).map(|e| (e.code.clone(), e.message.clone())),
                None => Some(("NOT_CHECKED".into(), "not part of this check".into())),
            };
            RepoOutcome { repo: key, error }
        })
        .collect();
    Ok(Checked {
        api_url: g.api_url,
        results,
        repos,
        records: outcome.records,
        requests,
        not_modified,
        rate_limit: outcome.rate_limit,
    })
}

/// The ref whose tree tells whether `a`'s deployed files differ upstream (`Some(None)`: the
/// default branch), when versions or commits cannot: the upstream version equals the deployed
/// one, or `latest`/a branch resolved to a commit but no deployed commit is known. `None` when
/// contents are not compared (locally modified, failed, or already told apart).
fn tree_ref(a: &UpstreamCandidate, spec: &SourceSpec, r: &Resolved) -> Option<Option<String>> {
    if a.local_modified || r.error.is_some() {
        return None;
    }
    match (&spec.version, &r.version, &r.sha) {
        (VersionSpec::Latest | VersionSpec::Tag(_), Some(v), _) => {
            let d = a.deployed_version.as_deref()?;
            (crate::version::compare(d, v).order == Some(std::cmp::Ordering::Equal))
                .then(|| Some(v.clone()))
        }
        (VersionSpec::Latest, None, Some(_)) => (!a.commit_known).then_some(None),
        (VersionSpec::Branch(b), _, Some(_)) => (!a.commit_known).then(|| Some(b.clone())),
        _ => None,
    }
}

impl Cache {
    /// Runs an upstream check on the cache's runtime and calls `done` with its summary.
    pub fn spawn_check_upstream(
        &self,
        opts: UpstreamOptions,
        done: impl FnOnce(Result<UpstreamSummary>) + Send + 'static,
    ) {
        self.spawn_task(
            "the upstream check",
            |me| async move { check(&me, opts).await },
            done,
        );
    }
}
