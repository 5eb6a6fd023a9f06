//! Parsing of an artifact's source spec, plus its version spec. GitHub: `owner/repo[/path]`,
//! `github.com/owner/repo/…` and `https://github.com/owner/repo[/tree|blob/<ref>/<path>]`. Any
//! other host (`gitlab.com/group/project/…`, `https://git.example.com/group/sub/project/-/tree/
//! <ref>/<path>`): the project path ends at a `/-/` segment or a `.git` suffix, else after two
//! segments. Every form takes an `@version` suffix. Which provider serves a host is
//! [`super::provider::PROVIDERS`]' business.

use crate::version::{self, Parsed};

/// What version of the source an artifact follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionSpec {
    /// The newest release (`latest`, `*`, or nothing given).
    Latest,
    /// A version tag or range (`v1.2.0`, `1.2`, `^1.2`); upstream is the highest tag.
    Tag(String),
    /// A commit SHA (7–40 hex digits, lower-cased); upstream is the newest commit of the path.
    Sha(String),
    /// Any other ref, taken as a branch; upstream is its newest commit of the path.
    Branch(String),
}

impl VersionSpec {
    /// Classifies a version string; empty, `latest` and `*` are [`VersionSpec::Latest`].
    pub fn parse(raw: &str) -> VersionSpec {
        let s = raw.trim();
        if s.is_empty() || s == "*" || s.eq_ignore_ascii_case("latest") {
            return VersionSpec::Latest;
        }
        match version::parse(s) {
            Parsed::Semver(_) => VersionSpec::Tag(s.to_string()),
            Parsed::Sha(sha) => VersionSpec::Sha(sha),
            Parsed::Other if is_range(s) => VersionSpec::Tag(s.to_string()),
            Parsed::Other => VersionSpec::Branch(s.to_string()),
        }
    }
}

/// Whether `s` is an npm-style range over one version (`^1.2`, `~1.2.3`, `>=1.0`, `1.x`, `1.2.*`).
fn is_range(s: &str) -> bool {
    if s.len() > version::MAX_LENGTH {
        return false;
    }
    let body = s.trim_start_matches(['^', '~', '>', '<', '=', ' ']);
    if body.len() == s.len() && !body.contains(['x', 'X', '*']) {
        return false;
    }
    let mut parts: Vec<&str> = body.split('.').collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| matches!(*p, "x" | "X" | "*")) {
        parts.pop();
    }
    matches!(version::parse(&parts.join(".")), Parsed::Semver(_))
}

/// The host of short `owner/repo` sources.
pub const GITHUB_HOST: &str = "github.com";

/// A parsed source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// Host (lower-case, with its port if one was written; `www.` dropped): `github.com` for
    /// the short forms.
    pub host: String,
    /// Repository owner (GitHub), or namespace (`group/subgroup`), as written.
    pub owner: String,
    /// Repository name, as written (without a `.git` suffix).
    pub repo: String,
    /// Path inside the repository, without leading or trailing slashes.
    pub path: Option<String>,
    /// The version followed.
    pub version: VersionSpec,
}

impl SourceSpec {
    /// The case-insensitive grouping key of the repository: `owner/repo` on GitHub,
    /// `host/namespace/project` elsewhere, lower-case.
    pub fn repo_key(&self) -> String {
        let key = repo_key(&self.owner, &self.repo);
        if self.host == GITHUB_HOST {
            key
        } else {
            format!("{}/{key}", self.host)
        }
    }
}

/// The case-insensitive grouping key of a repository (`owner/repo`, lower-case).
pub fn repo_key(owner: &str, repo: &str) -> String {
    format!(
        "{}/{}",
        owner.to_ascii_lowercase(),
        repo.to_ascii_lowercase()
    )
}

/// Whether `s` is a plausible GitHub owner (letters, digits, `-`; at most 39 characters).
pub fn valid_owner(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 39
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.starts_with('-')
}

/// Whether `s` is a plausible GitHub repository name (letters, digits, `-`, `_`, `.`; not `.`
/// or `..`; at most 100 characters).
pub fn valid_repo(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Parses `source` (with `version_spec` used when the source carries no version).
///
/// The version is, in order: the `@version` suffix, the `<ref>` of a `/tree/<ref>/` or
/// `/blob/<ref>/` URL (its first segment: refs with slashes are ambiguous in such URLs),
/// `version_spec`, else [`VersionSpec::Latest`]. Returns `None` for anything that is not a
/// repository source: empty strings, local paths, other schemes, malformed names.
pub fn parse(source: &str, version_spec: Option<&str>) -> Option<SourceSpec> {
    let s = source.trim();
    if s.is_empty()
        || s.contains('\\')
        || s.starts_with(['.', '/', '~'])
        || s.as_bytes().get(1) == Some(&b':')
    {
        return None;
    }
    let (rest, at_version) = split_version(s);
    let (rest, url_form) = match rest.split_once("://") {
        Some((scheme, r)) => {
            if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
                return None;
            }
            (r, true)
        }
        None => (rest, false),
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let mut segs: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let first = segs.first()?.to_ascii_lowercase();
    // A first segment with a dot or a port is a host (GitHub owners have neither).
    let host = if url_form || first.contains(['.', ':']) {
        segs.remove(0);
        let h = first.strip_prefix("www.").unwrap_or(&first);
        if h.is_empty() || h.contains('@') {
            return None;
        }
        h.to_string()
    } else {
        GITHUB_HOST.to_string()
    };
    let (owner, repo, mut path_segs) = if host == GITHUB_HOST {
        if segs.len() < 2 || !valid_owner(segs[0]) {
            return None;
        }
        (segs[0].to_string(), segs[1], &segs[2..])
    } else {
        // The project path ends at `/-/`, at a `.git` suffix, or after two segments.
        let end = segs
            .iter()
            .position(|p| *p == "-")
            .or_else(|| segs.iter().position(|p| p.ends_with(".git")).map(|i| i + 1))
            .unwrap_or(2.min(segs.len()));
        let tail = segs
            .get(end)
            .filter(|p| **p == "-")
            .map_or(end, |_| end + 1);
        let project = &segs[..end];
        if project.len() < 2 || project.iter().any(|p| *p == "." || *p == "..") {
            return None;
        }
        let (name, namespace) = project.split_last()?;
        (namespace.join("/"), *name, &segs[tail..])
    };
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    if !valid_repo(repo) {
        return None;
    }
    let mut url_ref = None;
    if let [kind, r, tail @ ..] = path_segs {
        if matches!(*kind, "tree" | "blob") {
            url_ref = Some(*r);
            path_segs = tail;
        }
    }
    if path_segs.iter().any(|p| *p == "." || *p == "..") {
        return None;
    }
    let path = (!path_segs.is_empty()).then(|| path_segs.join("/"));
    let version = at_version
        .or(url_ref)
        .or(version_spec)
        .map(VersionSpec::parse)
        .unwrap_or(VersionSpec::Latest);
    Some(SourceSpec {
        host,
        owner,
        repo: repo.to_string(),
        path,
        version,
    })
}

/// Splits the `@version` off: at the last `@` that does not start a path segment (so a branch
/// may contain slashes, `o/r/a@feature/x`, and scoped folders stay paths, `o/r/@scope/pkg`).
fn split_version(s: &str) -> (&str, Option<&str>) {
    let at = s
        .match_indices('@')
        .map(|(i, _)| i)
        .rev()
        .find(|&i| i > 0 && s.as_bytes()[i - 1] != b'/');
    match at {
        Some(i) => (&s[..i], Some(&s[i + 1..]).filter(|v| !v.trim().is_empty())),
        None => (s, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<SourceSpec> {
        parse(s, None)
    }

    fn spec(owner: &str, repo: &str, path: Option<&str>, version: VersionSpec) -> SourceSpec {
        SourceSpec {
            host: GITHUB_HOST.into(),
            owner: owner.into(),
            repo: repo.into(),
            path: path.map(String::from),
            version,
        }
    }

    #[test]
    fn short_forms() {
        assert_eq!(
            p("anthropics/skills"),
            Some(spec("anthropics", "skills", None, VersionSpec::Latest))
        );
        assert_eq!(
            p("anthropics/skills/document-skills/pdf@v1.2.0"),
            Some(spec(
                "anthropics",
                "skills",
                Some("document-skills/pdf"),
                VersionSpec::Tag("v1.2.0".into())
            ))
        );
        assert_eq!(
            p("Owner/Repo.git/x/@main").map(|s| (s.repo_key(), s.path, s.version)),
            Some((
                "owner/repo".into(),
                Some("x/@main".into()),
                VersionSpec::Latest
            )),
            "an @ starting a segment is a scoped folder, not a version"
        );
        assert_eq!(
            p("o/r/packages/@scope/pkg@feature/fast").map(|s| (s.path, s.version)),
            Some((
                Some("packages/@scope/pkg".into()),
                VersionSpec::Branch("feature/fast".into())
            ))
        );
        assert_eq!(
            p("github.com/a/b/c@latest"),
            Some(spec("a", "b", Some("c"), VersionSpec::Latest))
        );
        assert_eq!(
            p("a/b@"),
            Some(spec("a", "b", None, VersionSpec::Latest)),
            "an empty @ part is no version"
        );
    }

    #[test]
    fn url_forms() {
        assert_eq!(
            p("https://github.com/a/b/tree/main/skills/x"),
            Some(spec(
                "a",
                "b",
                Some("skills/x"),
                VersionSpec::Branch("main".into())
            ))
        );
        assert_eq!(
            p("https://www.github.com/a/b/blob/v2.0.0/skills/x/SKILL.md"),
            Some(spec(
                "a",
                "b",
                Some("skills/x/SKILL.md"),
                VersionSpec::Tag("v2.0.0".into())
            ))
        );
        assert_eq!(
            p("https://github.com/a/b.git"),
            Some(spec("a", "b", None, VersionSpec::Latest))
        );
        assert_eq!(
            p("https://github.com/a/b/tree/main/x@1.0.0").map(|s| s.version),
            Some(VersionSpec::Tag("1.0.0".into())),
            "@ wins over the URL ref"
        );
        assert_eq!(
            p("https://github.com/a/b?tab=readme#x").map(|s| s.path),
            Some(None)
        );
    }

    #[test]
    fn version_precedence() {
        assert_eq!(
            parse("a/b", Some("1.2")).map(|s| s.version),
            Some(VersionSpec::Tag("1.2".into()))
        );
        assert_eq!(
            parse("a/b@main", Some("1.2")).map(|s| s.version),
            Some(VersionSpec::Branch("main".into()))
        );
        assert_eq!(
            parse("a/b", Some("  ")).map(|s| s.version),
            Some(VersionSpec::Latest)
        );
    }

    #[test]
    fn version_kinds() {
        use VersionSpec::*;
        assert_eq!(VersionSpec::parse("latest"), Latest);
        assert_eq!(VersionSpec::parse("LATEST"), Latest);
        assert_eq!(VersionSpec::parse("*"), Latest);
        assert_eq!(VersionSpec::parse("v1.2.0"), Tag("v1.2.0".into()));
        assert_eq!(VersionSpec::parse("1.2"), Tag("1.2".into()));
        assert_eq!(
            VersionSpec::parse("1.3.0-beta.1"),
            Tag("1.3.0-beta.1".into())
        );
        assert_eq!(VersionSpec::parse("^1.2"), Tag("^1.2".into()));
        assert_eq!(VersionSpec::parse("1.x"), Tag("1.x".into()));
        assert_eq!(VersionSpec::parse("abc1234"), Sha("abc1234".into()));
        assert_eq!(
            VersionSpec::parse("ABCDEF0123456789abcdef0123456789abcdef01"),
            Sha("abcdef0123456789abcdef0123456789abcdef01".into())
        );
        assert_eq!(VersionSpec::parse("main"), Branch("main".into()));
        assert_eq!(VersionSpec::parse("feature/x"), Branch("feature/x".into()));
        assert_eq!(VersionSpec::parse("cafe"), Branch("cafe".into()));
        assert_eq!(VersionSpec::parse("xylophone"), Branch("xylophone".into()));
    }

    #[test]
    fn other_hosts() {
        let at = |s: &str| p(s).map(|s| (s.host, s.owner, s.repo, s.path, s.version));
        let v = |x: &str| VersionSpec::parse(x);
        assert_eq!(
            at("gitlab.com/group/project/skills/x@v1.0.0"),
            Some((
                "gitlab.com".into(),
                "group".into(),
                "project".into(),
                Some("skills/x".into()),
                v("v1.0.0")
            ))
        );
        assert_eq!(
            at("https://GitLab.com/g/sub/proj/-/tree/main/skills/x"),
            Some((
                "gitlab.com".into(),
                "g/sub".into(),
                "proj".into(),
                Some("skills/x".into()),
                v("main")
            ))
        );
        assert_eq!(
            at("https://www.gitlab.com/g/sub/proj/-/blob/v2.0.0/a/SKILL.md"),
            Some((
                "gitlab.com".into(),
                "g/sub".into(),
                "proj".into(),
                Some("a/SKILL.md".into()),
                v("v2.0.0")
            ))
        );
        assert_eq!(
            at("git.example.com:8443/g/sub/proj.git/skills/x"),
            Some((
                "git.example.com:8443".into(),
                "g/sub".into(),
                "proj".into(),
                Some("skills/x".into()),
                VersionSpec::Latest
            ))
        );
        assert_eq!(
            p("https://gitlab.com/G/Sub/Proj").map(|s| (s.repo_key(), s.path)),
            Some(("gitlab.com/g/sub".into(), Some("Proj".into()))),
            "without /-/ or .git, the project is the first two segments"
        );
        assert_eq!(
            p("https://gitlab.com/G/Proj/x").map(|s| s.repo_key()),
            Some("gitlab.com/g/proj".into())
        );
        assert_eq!(
            p("https://github.com/A/B").map(|s| s.repo_key()),
            Some("a/b".into()),
            "GitHub keys stay owner/repo"
        );
        for s in [
            "gitlab.com/a",
            "https://gitlab.com/a/-/tree/main",
            "gitlab.com/a/../b",
        ] {
            assert_eq!(p(s), None, "{s:?}");
        }
    }

    #[test]
    fn not_github() {
        for s in [
            "",
            "   ",
            "./skills/x",
            "../x/y",
            "/abs/path",
            "~/skills/x",
            "C:\\skills\\x",
            "C:/skills/x",
            "ftp://github.com/a/b",
            "file:///a/b",
            "justone",
            "github.com/a",
            "a/b/../c",
            "bad owner/repo",
            "-owner/repo",
        ] {
            assert_eq!(p(s), None, "{s:?}");
        }
    }
}
