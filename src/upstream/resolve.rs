//! From artifacts to queries and back: [`queries`] groups source specs into one [`RepoQuery`] per
//! repository, [`resolve`] reads an artifact's upstream version or commit out of a [`RepoAnswer`].

use std::collections::HashMap;

use super::provider::{CheckOutcome, CommitQuery, RemoteError, RepoAnswer, RepoQuery, TreeEntry};
use super::spec::{SourceSpec, VersionSpec, repo_key};
use crate::version::{self, Parsed};

/// An artifact's upstream state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Upstream version (release or tag name as written, e.g. `v1.3.0`), for `Latest` and `Tag`.
    pub version: Option<String>,
    /// Upstream commit SHA, for `Branch` and `Sha` (compare it with the pinned SHA).
    pub sha: Option<String>,
    /// Why the upstream is unknown, when it is.
    pub error: Option<RemoteError>,
}

fn failed(e: &RemoteError) -> Resolved {
    Resolved {
        error: Some(e.clone()),
        ..Resolved::default()
    }
}

fn not_checked(owner: &str, repo: &str, what: &str) -> Resolved {
    Resolved {
        error: Some(RemoteError {
            code: "NOT_CHECKED".to_string(),
            message: format!("the {what} of {owner}/{repo} were not part of this check"),
        }),
        ..Resolved::default()
    }
}

fn normal_path(path: Option<&str>) -> Option<String> {
    path.map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

/// The commit query an artifact needs: its branch (or the default branch for a pinned SHA) and
/// its path. `None` for `Latest` and `Tag`, which are answered by releases and tags.
pub fn commit_query(spec: &VersionSpec, path: Option<&str>) -> Option<CommitQuery> {
    let git_ref = match spec {
        VersionSpec::Latest | VersionSpec::Tag(_) => return None,
        VersionSpec::Branch(b) => Some(b.clone()),
        VersionSpec::Sha(_) => None,
    };
    Some(CommitQuery {
        git_ref,
        path: normal_path(path),
    })
}

/// Queries keyed by repository (case-insensitive), in order of first appearance.
#[derive(Default)]
struct ByRepo {
    queries: Vec<RepoQuery>,
    index: HashMap<String, usize>,
}

impl ByRepo {
    fn slot(&mut self, s: &SourceSpec) -> &mut RepoQuery {
        let queries = &mut self.queries;
        let i = *self.index.entry(s.repo_key()).or_insert_with(|| {
            queries.push(RepoQuery {
                owner: s.owner.clone(),
                repo: s.repo.clone(),
                ..RepoQuery::default()
            });
            queries.len() - 1
        });
        &mut self.queries[i]
    }
}

/// One [`RepoQuery`] per distinct repository (case-insensitive), in order of first appearance:
/// releases for `Latest`, tags for `Tag`, one deduplicated [`CommitQuery`] per (ref, path) for
/// `Branch` and `Sha`.
pub fn queries<'a>(specs: impl IntoIterator<Item = &'a SourceSpec>) -> Vec<RepoQuery> {
    let mut out = ByRepo::default();
    for s in specs {
        let q = out.slot(s);
        match &s.version {
            VersionSpec::Latest => {
                q.releases = true;
                let c = CommitQuery {
                    git_ref: None,
                    path: normal_path(s.path.as_deref()),
                };
                if !q.latest_commits.contains(&c) {
                    q.latest_commits.push(c);
                }
            }
            VersionSpec::Tag(_) => q.tags = true,
            VersionSpec::Branch(_) | VersionSpec::Sha(_) => {
                if let Some(c) = commit_query(&s.version, s.path.as_deref()) {
                    if !q.commits.contains(&c) {
                        q.commits.push(c);
                    }
                }
            }
        }
    }
    out.queries
}

/// Whether pre-releases count: the deployed version (or, without one, the pinned tag) is a
/// pre-release.
fn wants_prerelease(spec: &VersionSpec, deployed_version: Option<&str>) -> bool {
    let reference = deployed_version.or(match spec {
        VersionSpec::Tag(t) => Some(t.as_str()),
        _ => None,
    });
    matches!(reference.map(version::parse), Some(Parsed::Semver(v)) if v.is_prerelease())
}

fn highest_tag(
    tags: &Option<Result<Vec<String>, RemoteError>>,
    pre: bool,
    a: &RepoAnswer,
) -> Resolved {
    match tags {
        Some(Ok(t)) => Resolved {
            version: version::highest(t.iter().map(String::as_str), pre).map(str::to_string),
            ..Resolved::default()
        },
        Some(Err(e)) => failed(e),
        None => not_checked(&a.owner, &a.repo, "tags"),
    }
}

/// The upstream of one artifact following `spec` at `path`, deployed at `deployed_version`:
///
/// - `Latest`: the highest release tag (releases marked pre-release, and pre-release versions,
///   only when the deployed version is itself a pre-release), or the highest tag when the
///   repository has no releases;
/// - `Tag`: the highest tag, by the same pre-release rule;
/// - `Branch`: the newest commit of the branch touching `path`;
/// - `Sha`: the newest commit of the default branch touching `path`.
///
/// A `Branch` or `Sha` path that no commit touches is `NOT_FOUND`; an answer lacking the
/// endpoint needed is `NOT_CHECKED`.
pub fn resolve(
    answer: &RepoAnswer,
    spec: &VersionSpec,
    path: Option<&str>,
    deployed_version: Option<&str>,
) -> Resolved {
    let pre = wants_prerelease(spec, deployed_version);
    match spec {
        VersionSpec::Latest => {
            let by_version = latest_version(answer, pre);
            if by_version.version.is_some() || by_version.error.is_some() {
                return by_version;
            }
            // No version published: the newest commit touching the path, when it was asked.
            let q = CommitQuery {
                git_ref: None,
                path: normal_path(path),
            };
            match answer.commits.iter().find(|(c, _)| *c == q) {
                Some(_) => newest_commit(answer, &q),
                None => by_version,
            }
        }
        VersionSpec::Tag(_) => highest_tag(&answer.tags, pre, answer),
        VersionSpec::Branch(_) | VersionSpec::Sha(_) => match commit_query(spec, path) {
            Some(q) => newest_commit(answer, &q),
            None => Resolved::default(),
        },
    }
}

/// `latest` by version: the highest release, or the highest tag when there is no release.
fn latest_version(answer: &RepoAnswer, pre: bool) -> Resolved {
    match &answer.releases {
        Some(Ok(rels)) if !rels.is_empty() => Resolved {
            version: version::highest(
                rels.iter()
                    .filter(|r| !r.draft && (pre || !r.prerelease))
                    .map(|r| r.tag.as_str()),
                pre,
            )
            .map(str::to_string),
            ..Resolved::default()
        },
        Some(Ok(_)) | None => highest_tag(&answer.tags, pre, answer),
        Some(Err(e)) => failed(e),
    }
}

/// The newest commit answering `q` (`NOT_FOUND` when no commit touches the path).
fn newest_commit(answer: &RepoAnswer, q: &CommitQuery) -> Resolved {
    match answer.commits.iter().find(|(c, _)| c == q) {
        Some((_, Ok(Some(sha)))) => Resolved {
            sha: Some(sha.clone()),
            ..Resolved::default()
        },
        Some((_, Ok(None))) => Resolved {
            error: Some(RemoteError {
                code: "NOT_FOUND".to_string(),
                message: format!(
                    "no commit of {}/{}{}{} exists",
                    answer.owner,
                    answer.repo,
                    q.git_ref
                        .as_deref()
                        .map(|r| format!(" on {r:?}"))
                        .unwrap_or_default(),
                    q.path
                        .as_deref()
                        .map(|p| format!(" touching {p}"))
                        .unwrap_or_default(),
                ),
            }),
            ..Resolved::default()
        },
        Some((_, Err(e))) => failed(e),
        None => not_checked(&answer.owner, &answer.repo, "commits"),
    }
}

/// One [`RepoQuery`] per repository asking for the trees at the given refs (`None`: the
/// default branch), deduplicated.
pub fn tree_queries<'a>(
    wants: impl IntoIterator<Item = (&'a SourceSpec, Option<String>)>,
) -> Vec<RepoQuery> {
    let mut out = ByRepo::default();
    for (s, git_ref) in wants {
        let q = out.slot(s);
        if !q.trees.contains(&git_ref) {
            q.trees.push(git_ref);
        }
    }
    out.queries
}

/// The upstream entry (blob or tree) at `spec`'s path in the tree of `git_ref`, when that tree
/// was fetched and lists it.
pub fn tree_entry(
    outcome: &CheckOutcome,
    spec: &SourceSpec,
    git_ref: &Option<String>,
) -> Option<TreeEntry> {
    let answer = answer_for(outcome, &spec.owner, &spec.repo)?;
    let (_, tree) = answer.trees.iter().find(|(r, _)| r == git_ref)?;
    tree.as_ref().ok()?.at(spec.path.as_deref())
}

/// The answer about `owner/repo` (case-insensitive) in `outcome`.
pub fn answer_for<'a>(
    outcome: &'a CheckOutcome,
    owner: &str,
    repo: &str,
) -> Option<&'a RepoAnswer> {
    let key = repo_key(owner, repo);
    outcome
        .repos
        .iter()
        .find(|a| repo_key(&a.owner, &a.repo) == key)
}

/// [`resolve`] for a parsed source spec, looking its repository up in `outcome`.
pub fn resolve_spec(
    outcome: &CheckOutcome,
    spec: &SourceSpec,
    deployed_version: Option<&str>,
) -> Resolved {
    match answer_for(outcome, &spec.owner, &spec.repo) {
        Some(a) => resolve(a, &spec.version, spec.path.as_deref(), deployed_version),
        None => not_checked(&spec.owner, &spec.repo, "releases, tags and commits"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upstream::provider::Release;
    use crate::upstream::spec::parse;

    fn rel(tag: &str, prerelease: bool) -> Release {
        Release {
            tag: tag.into(),
            prerelease,
            draft: false,
            published_at: None,
        }
    }

    fn answer() -> RepoAnswer {
        RepoAnswer {
            owner: "o".into(),
            repo: "r".into(),
            releases: None,
            tags: None,
            commits: vec![],
            trees: vec![],
        }
    }

    #[test]
    fn latest_without_versions_follows_the_newest_commit() {
        let specs: Vec<SourceSpec> = ["o/r/skills/a", "o/r/skills/a@latest"]
            .iter()
            .filter_map(|s| parse(s, None))
            .collect();
        let q = queries(&specs);
        let c = CommitQuery {
            git_ref: None,
            path: Some("skills/a".into()),
        };
        assert_eq!(
            q[0].latest_commits,
            vec![c.clone()],
            "asked once, only as a fallback"
        );
        assert!(q[0].commits.is_empty());
        let sha = "1234567890abcdef1234567890abcdef12345678".to_string();
        let mut a = answer();
        a.releases = Some(Ok(vec![]));
        a.tags = Some(Ok(vec!["stable".into()]));
        a.commits = vec![(c.clone(), Ok(Some(sha.clone())))];
        let r = resolve(&a, &VersionSpec::Latest, Some("/skills/a/"), None);
        assert_eq!((r.version, r.sha, r.error), (None, Some(sha.clone()), None));
        a.commits = vec![(c.clone(), Ok(None))];
        let r = resolve(&a, &VersionSpec::Latest, Some("skills/a"), None);
        assert_eq!(r.error.map(|e| e.code), Some("NOT_FOUND".to_string()));
        // A version tag wins over commits.
        a.tags = Some(Ok(vec!["v1.0.0".into()]));
        a.commits = vec![(c, Ok(Some(sha)))];
        let r = resolve(&a, &VersionSpec::Latest, Some("skills/a"), None);
        assert_eq!((r.version.as_deref(), r.sha), (Some("v1.0.0"), None));
    }

    #[test]
    fn queries_group_and_dedupe() {
        let specs: Vec<SourceSpec> = [
            "o/r/a",
            "O/R/b@v1.0.0",
            "o/r/a@main",
            "o/r/a@main",
            "o/r/b@abcdef1",
            "o/r/b@abcdef2",
            "x/y",
        ]
        .iter()
        .filter_map(|s| parse(s, None))
        .collect();
        let q = queries(&specs);
        assert_eq!(q.len(), 2);
        assert_eq!(
            (q[0].owner.as_str(), q[0].releases, q[0].tags),
            ("o", true, true)
        );
        assert_eq!(
            q[0].commits,
            vec![
                CommitQuery {
                    git_ref: Some("main".into()),
                    path: Some("a".into())
                },
                CommitQuery {
                    git_ref: None,
                    path: Some("b".into())
                },
            ]
        );
        assert_eq!(
            (q[1].releases, q[1].tags, q[1].commits.len()),
            (true, false, 0)
        );
    }

    #[test]
    fn latest_and_prereleases() {
        let mut a = answer();
        a.releases = Some(Ok(vec![rel("v1.3.0-beta.1", true), rel("v1.2.0", false)]));
        let v = |a: &RepoAnswer, dep| resolve(a, &VersionSpec::Latest, None, dep).version;
        assert_eq!(v(&a, Some("1.2.0")).as_deref(), Some("v1.2.0"));
        assert_eq!(v(&a, None).as_deref(), Some("v1.2.0"));
        assert_eq!(
            v(&a, Some("1.3.0-alpha.1")).as_deref(),
            Some("v1.3.0-beta.1")
        );
        // A release flagged pre-release on GitHub with a plain version tag is still skipped.
        a.releases = Some(Ok(vec![rel("v2.0.0", true), rel("v1.2.0", false)]));
        assert_eq!(v(&a, Some("1.2.0")).as_deref(), Some("v1.2.0"));
        // No releases: tags.
        a.releases = Some(Ok(vec![]));
        a.tags = Some(Ok(vec![
            "nightly".into(),
            "v0.9.0".into(),
            "v0.10.0".into(),
        ]));
        assert_eq!(v(&a, None).as_deref(), Some("v0.10.0"));
        a.tags = None;
        assert_eq!(
            resolve(&a, &VersionSpec::Latest, None, None)
                .error
                .map(|e| e.code),
            Some("NOT_CHECKED".into())
        );
    }

    #[test]
    fn tag_pin_uses_the_pin_for_the_prerelease_rule() {
        let mut a = answer();
        a.tags = Some(Ok(vec!["v1.0.0".into(), "v1.1.0-rc.1".into()]));
        let spec = VersionSpec::Tag("v1.1.0-beta.1".into());
        assert_eq!(
            resolve(&a, &spec, None, None).version.as_deref(),
            Some("v1.1.0-rc.1")
        );
        assert_eq!(
            resolve(&a, &spec, None, Some("1.0.0")).version.as_deref(),
            Some("v1.0.0")
        );
    }

    #[test]
    fn commits() {
        let mut a = answer();
        a.commits = vec![
            (
                CommitQuery {
                    git_ref: Some("main".into()),
                    path: Some("x".into()),
                },
                Ok(Some("aaa".into())),
            ),
            (
                CommitQuery {
                    git_ref: None,
                    path: Some("x".into()),
                },
                Ok(None),
            ),
        ];
        let b = resolve(&a, &VersionSpec::Branch("main".into()), Some("/x/"), None);
        assert_eq!(b.sha.as_deref(), Some("aaa"));
        let s = resolve(&a, &VersionSpec::Sha("abcdef1".into()), Some("x"), None);
        assert_eq!(s.error.map(|e| e.code), Some("NOT_FOUND".into()));
        let s = resolve(&a, &VersionSpec::Sha("abcdef1".into()), Some("y"), None);
        assert_eq!(s.error.map(|e| e.code), Some("NOT_CHECKED".into()));
    }
}
