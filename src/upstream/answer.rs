//! Reading GitHub API answers: the JSON bodies of `/releases`, `/releases/latest`, `/tags`,
//! `/commits` and `/git/trees`, an error body's `message`, and the endpoint URLs asked. Pure
//! functions of the text, so any body (truncated, hostile, another server's) can be tried here.

use serde::Deserialize;

use super::provider::{Release, Tree, TreeEntry};

#[derive(Deserialize)]
struct RawRelease {
    tag_name: Option<String>,
    #[serde(default)]
    prerelease: bool,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    published_at: Option<String>,
}

#[derive(Deserialize)]
struct RawTag {
    name: String,
}

#[derive(Deserialize)]
struct RawCommit {
    sha: String,
}

#[derive(Deserialize)]
struct RawTree {
    sha: String,
    #[serde(default)]
    tree: Vec<RawTreeEntry>,
    #[serde(default)]
    truncated: bool,
}

#[derive(Deserialize)]
struct RawTreeEntry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
    sha: String,
}

#[derive(Deserialize)]
struct RawMessage {
    message: Option<String>,
}

/// Published releases with a tag (drafts and untagged ones dropped).
fn keep(v: Vec<RawRelease>) -> Vec<Release> {
    v.into_iter()
        .filter(|x| !x.draft)
        .filter_map(|x| {
            Some(Release {
                tag: x.tag_name.filter(|t| !t.is_empty())?,
                prerelease: x.prerelease,
                draft: false,
                published_at: x.published_at,
            })
        })
        .collect()
}

/// The body of `/releases`.
pub(crate) fn releases(body: &str) -> serde_json::Result<Vec<Release>> {
    serde_json::from_str(body).map(keep)
}

/// The body of `/releases/latest`: that release, unless it is a draft or has no tag.
pub(crate) fn latest_release(body: &str) -> serde_json::Result<Vec<Release>> {
    serde_json::from_str(body).map(|one| keep(vec![one]))
}

/// The body of `/tags`: the tag names.
pub(crate) fn tags(body: &str) -> serde_json::Result<Vec<String>> {
    serde_json::from_str::<Vec<RawTag>>(body).map(|v| v.into_iter().map(|t| t.name).collect())
}

/// The body of `/commits?per_page=1`: the newest commit's SHA (`None`: no commit).
pub(crate) fn newest_commit(body: &str) -> serde_json::Result<Option<String>> {
    serde_json::from_str::<Vec<RawCommit>>(body).map(|v| v.into_iter().next().map(|c| c.sha))
}

/// The body of `/git/trees/<ref>?recursive=1`.
pub(crate) fn tree(body: &str) -> serde_json::Result<Tree> {
    serde_json::from_str::<RawTree>(body).map(|raw| Tree {
        sha: raw.sha,
        entries: raw
            .tree
            .into_iter()
            .map(|e| {
                (
                    e.path,
                    TreeEntry {
                        kind: e.kind,
                        sha: e.sha,
                    },
                )
            })
            .collect(),
        truncated: raw.truncated,
    })
}

/// `": <message>"` from an error body (its first 200 characters), or nothing.
pub(crate) fn error_detail(body: &[u8]) -> String {
    serde_json::from_slice::<RawMessage>(body)
        .ok()
        .and_then(|m| m.message)
        .map(|m| {
            let m: String = m.chars().take(200).collect();
            format!(": {m}")
        })
        .unwrap_or_default()
}

/// The URL of `endpoint` (slash-separated, each segment encoded) of `owner/repo` under
/// `api_url`, with `query` pairs; `Err` says what is wrong with `api_url`.
pub(crate) fn endpoint_url(
    api_url: &str,
    owner: &str,
    repo: &str,
    endpoint: &str,
    query: &[(&str, &str)],
) -> Result<String, String> {
    let mut u = reqwest::Url::parse(api_url).map_err(|e| format!("is not a URL: {e}"))?;
    u.path_segments_mut()
        .map_err(|_| "cannot have a path".to_string())?
        .pop_if_empty()
        .extend(
            ["repos", owner, repo]
                .into_iter()
                .chain(endpoint.split('/')),
        );
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
