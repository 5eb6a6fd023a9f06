//! Which upstream an artifact is compared with, and whether it is outdated.
//!
//! Precedence: an answer from the repository itself (`github`) wins while the artifact still has
//! a source; otherwise the higher of the collection lock's version (`collection`) and the highest
//! listed version of the same name (`marketplace`); a collection lock that only pins a commit is
//! compared by commit. Versions are compared as semver, else commits for equality.

use crate::values::UpstreamOrigin;
use crate::version::{self, VersionDiff};

/// Whether `deployed` is behind `upstream`: versions compared as semver, else commits for
/// equality. Returns the flag and the difference (`None` when nothing is comparable).
pub fn judge(
    deployed_version: Option<&str>,
    deployed_sha: Option<&str>,
    up_version: Option<&str>,
    up_sha: Option<&str>,
) -> (bool, Option<VersionDiff>) {
    match (deployed_version, up_version, deployed_sha, up_sha) {
        (Some(d), Some(u), _, _) => {
            let (o, diff) = version::outdated(d, u);
            (o, Some(diff))
        }
        (_, _, Some(d), Some(u)) => {
            let (o, diff) = version::outdated(d, u);
            (o, Some(diff))
        }
        _ => (false, None),
    }
}

/// Sort rank of an upstream difference: the more severe, the higher (0 when not outdated).
pub fn rank(out: bool, diff: Option<VersionDiff>) -> i64 {
    if out {
        diff.map(|d| d.rank()).unwrap_or(0)
    } else {
        0
    }
}

/// The commit a source spec pins (`…@<sha>` or a SHA version spec), as [`version::parse`]
/// recognises commits everywhere else.
pub fn pinned_sha(source: Option<&str>, version_spec: Option<&str>) -> Option<String> {
    let at = source.and_then(|s| s.rsplit_once('@')).map(|(_, v)| v);
    match version::parse(at.or(version_spec)?) {
        version::Parsed::Sha(sha) => Some(sha),
        _ => None,
    }
}

/// An artifact's upstream as far as the cache can tell without asking the repository.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalUpstream {
    /// Where the upstream version came from, if anywhere.
    pub origin: Option<UpstreamOrigin>,
    /// Upstream version.
    pub version: Option<String>,
    /// Upstream commit.
    pub sha: Option<String>,
    /// Whether the deployed version is behind.
    pub outdated: bool,
    /// The difference.
    pub diff: Option<VersionDiff>,
}

impl LocalUpstream {
    /// Difference as stored.
    pub fn diff_str(&self) -> Option<&'static str> {
        self.diff.map(|d| d.as_str())
    }

    /// Severity rank for sorting (0 when not outdated).
    pub fn rank(&self) -> i64 {
        rank(self.outdated, self.diff)
    }
}

/// What an artifact's deployment says about its upstream, for [`local_upstream`].
pub struct Deployed<'a> {
    /// Source spec (`owner/repo[/path][@version]`).
    pub source: Option<&'a str>,
    /// Version spec recorded apart from the source.
    pub version_spec: Option<&'a str>,
    /// Deployed version.
    pub version: Option<&'a str>,
    /// Deployed commit.
    pub sha: Option<&'a str>,
    /// Version in the user's collection lock.
    pub collection_version: Option<&'a str>,
    /// Commit in the user's collection lock.
    pub collection_sha: Option<&'a str>,
}

/// The upstream of an artifact from what is stored: a repository answer (`github`, kept while
/// the artifact still has a source), else the higher of the collection lock's version and the
/// highest listed version, else the collection lock's commit; with the outdated judgement
/// against the deployed version (or commit, or the commit the source pins).
pub fn local_upstream(
    d: &Deployed<'_>,
    stored: Option<(UpstreamOrigin, Option<&str>, Option<&str>)>,
    listed: &[String],
) -> LocalUpstream {
    let (origin, version, sha) = match stored {
        Some((o @ (UpstreamOrigin::Github | UpstreamOrigin::Gitlab), v, s))
            if d.source.is_some() =>
        {
            (Some(o), v.map(str::to_string), s.map(str::to_string))
        }
        _ => match d.version {
            Some(dv) => {
                let pre = matches!(version::parse(dv), version::Parsed::Semver(ref v) if v.is_prerelease());
                let listed_best = version::highest(listed.iter().map(String::as_str), pre);
                let best =
                    version::highest(d.collection_version.into_iter().chain(listed_best), true);
                match (best, d.collection_version) {
                    (Some(b), Some(c)) if b == c => {
                        (Some(UpstreamOrigin::Collection), Some(b.to_string()), None)
                    }
                    (Some(b), _) => (Some(UpstreamOrigin::Marketplace), Some(b.to_string()), None),
                    (None, Some(c)) => {
                        (Some(UpstreamOrigin::Collection), Some(c.to_string()), None)
                    }
                    (None, None) => (None, None, None),
                }
            }
            None if d.collection_sha.is_some() && d.sha.is_some() => (
                Some(UpstreamOrigin::Collection),
                None,
                d.collection_sha.map(str::to_string),
            ),
            None => (None, None, None),
        },
    };
    // The deployed commit: the deployment entry's, else the collection lock's, else the one the
    // source pins.
    let pinned = d
        .sha
        .or(d.collection_sha)
        .map(str::to_string)
        .or_else(|| pinned_sha(d.source, d.version_spec));
    let (outdated, diff) = judge(
        d.version,
        pinned.as_deref(),
        version.as_deref(),
        sha.as_deref(),
    );
    LocalUpstream {
        origin,
        version,
        sha,
        outdated,
        diff,
    }
}
