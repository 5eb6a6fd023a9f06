//! Linking an artifact to its deployment: the manifest entry that records it and the versions
//! and hashes it was deployed with.

use super::*;

/// Whether deployment entry `d` (of the manifest under `c`'s profile) records candidate `c`: by
/// its path when the entry has one (it then belongs to the file at that path, never to a
/// namesake elsewhere), else by name.
pub(super) fn records(d: &Deployment, c: &Candidate) -> bool {
    d.kind == c.key.kind.as_str()
        && match d.artifact_path.as_deref() {
            Some(p) => {
                let rel = c.rel_path.strip_prefix(&format!("{}/", c.key.profile));
                rel.unwrap_or(&c.rel_path) == p.trim_end_matches('/')
            }
            None => d.name == c.key.name,
        }
}

/// Whether two content hashes name the same content (a `sha256:` prefix and case aside).
pub(super) fn same_hash(a: Option<&str>, b: Option<&str>) -> bool {
    let bare = |h: &str| {
        let h = h.trim();
        h.strip_prefix("sha256:").unwrap_or(h).to_ascii_lowercase()
    };
    matches!((a, b), (Some(a), Some(b)) if bare(a) == bare(b))
}

/// What the files of an artifact hold now: their content hash and frontmatter `version`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Current<'a> {
    pub(super) hash: Option<&'a str>,
    pub(super) version: Option<&'a str>,
}

/// Deployment facts for an artifact from its manifest entry, the collections and its files.
///
/// Versions are never guessed upward: the entry's own `version`/`sha` when it records them;
/// else the collection lock's resolved ones only when the deployed content is the lock's (the
/// hash the entry recorded at deployment, or the files' hash now, equals the lock's
/// `content_hash`); else the files' frontmatter `version`; else unknown.
pub(super) fn deploy_info(
    entry: Option<&Deployment>,
    kind: &str,
    name: &str,
    cols: &Collections,
    current: Current<'_>,
) -> DeployInfo {
    let Some(d) = entry else {
        return DeployInfo {
            origin: "local".into(),
            ..Default::default()
        };
    };
    let col = cols
        .find(d.from_collection.as_deref(), &d.name, kind)
        .or_else(|| cols.find(None, name, kind));
    let lock_hash = col.and_then(|c| c.content_hash.as_deref());
    let is_locked_content =
        same_hash(d.content_hash.as_deref(), lock_hash) || same_hash(current.hash, lock_hash);
    let locked = col.filter(|_| is_locked_content);
    DeployInfo {
        origin: d.origin.clone().unwrap_or_else(|| "collection".into()),
        name: Some(d.name.clone()),
        source: d
            .source
            .clone()
            .or_else(|| col.and_then(|c| c.upstream.clone())),
        version_spec: d
            .version_spec
            .clone()
            .or_else(|| col.and_then(|c| c.version_spec.clone())),
        from_collection: d.from_collection.clone(),
        deployed_at: d.deployed_at.clone(),
        deployed_version: d
            .version
            .clone()
            .or_else(|| locked.and_then(|c| c.resolved_version.clone()))
            .or_else(|| current.version.map(str::to_string)),
        deployed_sha: d
            .sha
            .clone()
            .or_else(|| locked.and_then(|c| c.resolved_sha.clone())),
        deployed_hash: d.content_hash.clone(),
        collection_version: col.and_then(|c| c.resolved_version.clone()),
        collection_sha: col.and_then(|c| c.resolved_sha.clone()),
    }
}
