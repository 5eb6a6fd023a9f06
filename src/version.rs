//! Version comparison as npm's `semver` orders versions (leading `v`/`=` accepted, pre-releases
//! below their release and ordered by identifiers, build metadata ignored), with partial versions
//! coerced (`1.2` → `1.2.0`) and commit SHAs comparable for equality only. Nothing here fails:
//! strings that are neither (or longer than npm's 256 characters) are reported as not comparable.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// How two versions differ.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    strum::VariantArray,
    PartialOrd,
    Ord,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum VersionDiff {
    /// Equal.
    None,
    /// Two commit SHAs that differ.
    Commit,
    /// The same version (or no commit to compare), but the upstream files differ.
    Content,
    /// Same major.minor.patch, different pre-release.
    Prerelease,
    /// Patch differs.
    Patch,
    /// Minor differs.
    Minor,
    /// Major differs.
    Major,
    /// Not comparable (unknown formats, or a SHA against a version).
    Unknown,
}

crate::values::text_words!(VersionDiff);

impl VersionDiff {
    /// Severity for sorting (major highest).
    pub fn rank(self) -> i64 {
        match self {
            VersionDiff::Major => 5,
            VersionDiff::Minor => 4,
            VersionDiff::Patch => 3,
            VersionDiff::Prerelease => 2,
            VersionDiff::Commit | VersionDiff::Content => 1,
            VersionDiff::None | VersionDiff::Unknown => 0,
        }
    }
}

/// The result of comparing `a` with `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// `Some(Less)` when `a` is older than `b`, …; `None` when they cannot be ordered.
    pub order: Option<Ordering>,
    /// The kind of difference.
    pub diff: VersionDiff,
}

/// A pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ident {
    Num(u64),
    Alpha(String),
}

impl Ord for Ident {
    fn cmp(&self, o: &Self) -> Ordering {
        match (self, o) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Num(_), Ident::Alpha(_)) => Ordering::Less,
            (Ident::Alpha(_), Ident::Num(_)) => Ordering::Greater,
            (Ident::Alpha(a), Ident::Alpha(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// A parsed semantic version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Ident>,
}

/// npm refuses numbers above `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE: u64 = 9_007_199_254_740_991;

/// Longest version string (bytes) read as a version, as npm's `semver` (`MAX_LENGTH`): longer
/// strings are not versions, so no comparison costs more than this much reading.
pub const MAX_LENGTH: usize = 256;

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse::<u64>().ok().filter(|n| *n <= MAX_SAFE)
}

fn ident_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Version {
    /// Parses `[v|=]MAJOR[.MINOR[.PATCH]][-PRE][+BUILD]`; missing parts are zero when `partial`.
    fn parse(raw: &str, partial: bool) -> Option<Version> {
        if raw.len() > MAX_LENGTH {
            return None;
        }
        let s = raw.trim();
        let s =
            s.trim_start_matches(|c: char| c == '=' || c == 'v' || c == 'V' || c.is_whitespace());
        let s = match s.split_once('+') {
            Some((v, build)) => {
                if !build.split('.').all(ident_ok) {
                    return None;
                }
                v
            }
            None => s,
        };
        let (main, pre) = match s.split_once('-') {
            Some((m, p)) => (m, Some(p)),
            None => (s, None),
        };
        let parts: Vec<&str> = main.split('.').collect();
        if parts.is_empty() || parts.len() > 3 || (!partial && parts.len() != 3) {
            return None;
        }
        let nums: Vec<u64> = parts.iter().map(|p| number(p)).collect::<Option<_>>()?;
        let pre = match pre {
            None => Vec::new(),
            Some(p) => p
                .split('.')
                .map(|id| {
                    if !ident_ok(id) {
                        None
                    } else if id.bytes().all(|b| b.is_ascii_digit()) {
                        number(id).map(Ident::Num)
                    } else {
                        Some(Ident::Alpha(id.to_string()))
                    }
                })
                .collect::<Option<_>>()?,
        };
        Some(Version {
            major: nums[0],
            minor: nums.get(1).copied().unwrap_or(0),
            patch: nums.get(2).copied().unwrap_or(0),
            pre,
        })
    }

    /// Whether it has a pre-release part.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

impl Ord for Version {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&o.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// A version string as understood here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A semantic version (possibly coerced from a partial one).
    Semver(Version),
    /// A commit SHA (7–40 hex digits), lower-cased.
    Sha(String),
    /// Anything else.
    Other,
}

/// Parses a version string: strict semver, then a commit SHA, then a partial version.
pub fn parse(raw: &str) -> Parsed {
    let s = raw.trim();
    if let Some(v) = Version::parse(s, false) {
        return Parsed::Semver(v);
    }
    let is_hex = (7..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit());
    if is_hex && (s.len() == 40 || s.bytes().any(|b| b.is_ascii_alphabetic())) {
        return Parsed::Sha(s.to_ascii_lowercase());
    }
    match Version::parse(s, true) {
        Some(v) => Parsed::Semver(v),
        None => Parsed::Other,
    }
}

/// `s` as a lower-cased commit SHA or SHA prefix (7–40 hex digits, digits-only included).
fn hex_like(s: &str) -> Option<String> {
    let s = s.trim();
    ((7..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| s.to_ascii_lowercase())
}

/// Compares `a` with `b`.
pub fn compare(a: &str, b: &str) -> Comparison {
    let (pa, pb) = (parse(a), parse(b));
    // A SHA against an all-digit string of hex length: that string is a short SHA too (about 4 %
    // of short SHAs are all digits), so compare them as commits.
    if matches!(pa, Parsed::Sha(_)) != matches!(pb, Parsed::Sha(_)) {
        if let (Some(x), Some(y)) = (hex_like(a), hex_like(b)) {
            return compare_shas(&x, &y);
        }
    }
    match (pa, pb) {
        (Parsed::Semver(x), Parsed::Semver(y)) => {
            let order = x.cmp(&y);
            let diff = if order == Ordering::Equal {
                VersionDiff::None
            } else if x.major != y.major {
                VersionDiff::Major
            } else if x.minor != y.minor {
                VersionDiff::Minor
            } else if x.patch != y.patch {
                VersionDiff::Patch
            } else {
                VersionDiff::Prerelease
            };
            Comparison {
                order: Some(order),
                diff,
            }
        }
        (Parsed::Sha(x), Parsed::Sha(y)) => compare_shas(&x, &y),
        _ => Comparison {
            order: None,
            diff: VersionDiff::Unknown,
        },
    }
}

/// Two commits: equal when one is a prefix of the other, else different (`commit`, no order).
fn compare_shas(x: &str, y: &str) -> Comparison {
    if x.starts_with(y) || y.starts_with(x) {
        Comparison {
            order: Some(Ordering::Equal),
            diff: VersionDiff::None,
        }
    } else {
        Comparison {
            order: None,
            diff: VersionDiff::Commit,
        }
    }
}

/// Whether `deployed` is behind `upstream`, and how. A pre-release upstream counts only when the
/// deployed version is itself a pre-release (a user on stable releases is not pushed to betas); a
/// downgrade is never "outdated"; two different SHAs are outdated (`commit`).
pub fn outdated(deployed: &str, upstream: &str) -> (bool, VersionDiff) {
    let c = compare(deployed, upstream);
    match c.order {
        Some(Ordering::Less) => {
            if let (Parsed::Semver(d), Parsed::Semver(u)) = (parse(deployed), parse(upstream)) {
                if u.is_prerelease() && !d.is_prerelease() {
                    return (false, c.diff);
                }
            }
            (true, c.diff)
        }
        Some(_) => (false, c.diff),
        None => (c.diff == VersionDiff::Commit, c.diff),
    }
}

/// The highest of `candidates` by semver (tags such as `v1.2.0`), skipping pre-releases unless
/// `include_prerelease`. Non-versions are ignored.
pub fn highest<'a>(
    candidates: impl IntoIterator<Item = &'a str>,
    include_prerelease: bool,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter_map(|c| match Version::parse(c, true) {
            Some(v) if include_prerelease || !v.is_prerelease() => Some((v, c)),
            _ => None,
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ord(a: &str, b: &str) -> Option<Ordering> {
        compare(a, b).order
    }

    #[test]
    fn semver_precedence_from_the_spec() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(ord(w[0], w[1]), Some(Ordering::Less), "{} < {}", w[0], w[1]);
            assert_eq!(ord(w[1], w[0]), Some(Ordering::Greater));
        }
    }

    #[test]
    fn strings_longer_than_npm_accepts_are_not_versions() {
        let long = format!("1.0.0-{}", "a".repeat(MAX_LENGTH));
        assert_eq!(parse(&long), Parsed::Other);
        assert_eq!(compare(&long, &long).diff, VersionDiff::Unknown);
        assert_eq!(highest([long.as_str(), "1.0.0"], true), Some("1.0.0"));
        assert!(matches!(
            parse(&format!("1.0.0-{}", "a".repeat(250))),
            Parsed::Semver(_)
        ));
    }

    #[test]
    fn all_digit_short_shas_match_their_full_sha() {
        let full = "0123456789abcdef0123456789abcdef01234567";
        for short in ["0123456", "01234567"] {
            assert_eq!(compare(full, short).order, Some(Ordering::Equal), "{short}");
            assert_eq!(compare(short, full).diff, VersionDiff::None, "{short}");
        }
        assert_eq!(compare(full, "9999999").diff, VersionDiff::Commit);
        // Without a SHA on either side, digits stay versions.
        assert_eq!(compare("1234567", "1234568").order, Some(Ordering::Less));
    }

    #[test]
    fn prefixes_partials_build_and_shas() {
        assert_eq!(
            compare("v1.2.3", "=1.2.3"),
            Comparison {
                order: Some(Ordering::Equal),
                diff: VersionDiff::None
            }
        );
        assert_eq!(compare("1.2", "1.2.0").diff, VersionDiff::None);
        assert_eq!(compare("1.2.3+build.5", "1.2.3").diff, VersionDiff::None);
        assert_eq!(compare("1.2.3", "1.3.0").diff, VersionDiff::Minor);
        assert_eq!(compare("1.2.3", "2.0.0").diff, VersionDiff::Major);
        assert_eq!(
            compare("1.2.3-beta.1", "1.2.3").diff,
            VersionDiff::Prerelease
        );
        assert_eq!(
            compare("abc1234", "abc1234def5678").order,
            Some(Ordering::Equal)
        );
        assert_eq!(compare("abc1234", "def5678").diff, VersionDiff::Commit);
        assert_eq!(compare("abc1234", "1.2.3").diff, VersionDiff::Unknown);
        assert_eq!(compare("latest", "1.2.3").order, None);
        assert_eq!(compare("", "").diff, VersionDiff::Unknown);
        assert_eq!(compare("01.2.3", "1.2.3").diff, VersionDiff::Unknown);
    }

    #[test]
    fn outdated_policy() {
        assert_eq!(outdated("1.2", "1.2.0"), (false, VersionDiff::None));
        assert_eq!(
            outdated("2.0.0", "1.9.0"),
            (false, VersionDiff::Major),
            "a downgrade is not outdated"
        );
        assert_eq!(
            outdated("1.0.0", "1.1.0-beta.1"),
            (false, VersionDiff::Minor),
            "stable users are not pushed to betas"
        );
        assert_eq!(
            outdated("2.0.0-beta.1", "2.0.0"),
            (true, VersionDiff::Prerelease)
        );
        assert_eq!(
            outdated("2.0.0-beta.1", "2.0.0-beta.2"),
            (true, VersionDiff::Prerelease)
        );
        assert_eq!(outdated("abc1234", "def5678"), (true, VersionDiff::Commit));
        assert_eq!(
            highest(["v1.2.0", "v1.10.0", "v2.0.0-rc.1", "nightly"], false),
            Some("v1.10.0")
        );
        assert_eq!(
            highest(["v1.2.0", "v2.0.0-rc.1"], true),
            Some("v2.0.0-rc.1")
        );
    }
}
