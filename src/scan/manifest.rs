//! SkillMeat's TOML files: `.skillmeat-deployed.toml`, `.skillmeat-project.toml`, and a collection's
//! `collection.toml` + `collection.lock`.

use std::collections::HashMap;
use std::path::Path;

use crate::model::FileError;
use crate::values::normalize_kind;

/// One `[[deployed]]` entry of `.skillmeat-deployed.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deployment {
    /// `artifact_name`.
    pub name: String,
    /// `artifact_type`, normalised (`skill`, `command`, `agent`, `hook`, `mcp`).
    pub kind: String,
    /// `from_collection`.
    pub from_collection: Option<String>,
    /// `deployed_at`, as written.
    pub deployed_at: Option<String>,
    /// `artifact_path`, relative to the profile root.
    pub artifact_path: Option<String>,
    /// `content_hash` (or the older `collection_sha`), lower-case hex without a `sha256:` prefix.
    pub content_hash: Option<String>,
    /// `local_modifications` as recorded by SkillMeat.
    pub local_modifications: bool,
    /// Upstream source (`source` or `upstream`).
    pub source: Option<String>,
    /// `version_spec`.
    pub version_spec: Option<String>,
    /// `version` or `resolved_version`.
    pub version: Option<String>,
    /// `resolved_sha`.
    pub sha: Option<String>,
    /// `origin`, when recorded.
    pub origin: Option<String>,
}

/// Normalises a recorded content hash for comparison.
pub fn normalize_hash(raw: &str) -> String {
    raw.trim()
        .trim_start_matches("sha256:")
        .to_ascii_lowercase()
}

fn str_of(t: &toml::Table, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match t.get(*k)? {
        toml::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        _ => None,
    })
}

/// Turns a TOML parse error into a file error with its line.
fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> FileError {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1);
    FileError {
        file: file.to_string(),
        line,
        reason: format!("invalid TOML: {}", e.message()),
    }
}

/// Parses `.skillmeat-deployed.toml`. Entries that lack a name or type are reported and skipped.
pub fn parse_deployed(file: &str, text: &str) -> (Vec<Deployment>, Vec<FileError>) {
    let mut errors = Vec::new();
    let doc: toml::Table = match text.parse() {
        Ok(d) => d,
        Err(e) => return (Vec::new(), vec![toml_error(file, text, &e)]),
    };
    let entries = match doc.get("deployed") {
        None => return (Vec::new(), errors),
        Some(toml::Value::Array(a)) => a,
        Some(_) => {
            errors.push(FileError {
                file: file.into(),
                line: None,
                reason: "`deployed` must be an array of tables ([[deployed]])".into(),
            });
            return (Vec::new(), errors);
        }
    };
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(t) = entry.as_table() else {
            errors.push(FileError {
                file: file.into(),
                line: None,
                reason: format!("[[deployed]] entry {} is not a table", i + 1),
            });
            continue;
        };
        let (Some(name), Some(kind)) = (
            str_of(t, &["artifact_name", "name"]),
            str_of(t, &["artifact_type", "type"]),
        ) else {
            errors.push(FileError {
                file: file.into(),
                line: None,
                reason: format!(
                    "[[deployed]] entry {} has no artifact_name or artifact_type",
                    i + 1
                ),
            });
            continue;
        };
        out.push(Deployment {
            name,
            kind: normalize_kind(&kind),
            from_collection: str_of(t, &["from_collection"]),
            deployed_at: str_of(t, &["deployed_at"]),
            artifact_path: str_of(t, &["artifact_path"]).map(|p| p.replace('\\', "/")),
            content_hash: str_of(t, &["content_hash", "collection_sha"])
                .map(|h| normalize_hash(&h)),
            local_modifications: matches!(
                t.get("local_modifications"),
                Some(toml::Value::Boolean(true))
            ),
            source: str_of(t, &["source", "upstream"]),
            version_spec: str_of(t, &["version_spec"]),
            version: str_of(t, &["version", "resolved_version", "deployed_version"]),
            sha: str_of(t, &["resolved_sha", "sha"]),
            origin: str_of(t, &["origin"]),
        });
    }
    (out, errors)
}

/// `[project]` of `.skillmeat-project.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectMeta {
    /// `name`.
    pub name: Option<String>,
    /// `description`.
    pub description: Option<String>,
}

/// Parses `.skillmeat-project.toml`.
pub fn parse_project(file: &str, text: &str) -> Result<ProjectMeta, FileError> {
    let doc: toml::Table = text.parse().map_err(|e| toml_error(file, text, &e))?;
    let t = match doc.get("project") {
        Some(toml::Value::Table(t)) => t,
        _ => &doc,
    };
    Ok(ProjectMeta {
        name: str_of(t, &["name"]),
        description: str_of(t, &["description"]),
    })
}

/// What the user's collections say about one artifact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectionEntry {
    /// `upstream` source spec.
    pub upstream: Option<String>,
    /// `version_spec`.
    pub version_spec: Option<String>,
    /// `resolved_sha` (lock first, then manifest).
    pub resolved_sha: Option<String>,
    /// `resolved_version` (lock first, then manifest).
    pub resolved_version: Option<String>,
    /// `content_hash` from the lock.
    pub content_hash: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
}

/// All collections under `<home>/collections/`, keyed by `(collection, name, type)`.
#[derive(Debug, Clone, Default)]
pub struct Collections {
    /// Entries by `(collection, name, type)`.
    pub entries: HashMap<(String, String, String), CollectionEntry>,
    /// Files that could not be read.
    pub errors: Vec<FileError>,
    /// Stat fingerprint of the collection files, to notice edits cheaply.
    pub fingerprint: String,
}

impl Collections {
    /// Looks an artifact up in a named collection, or in any collection when `collection` is `None`.
    pub fn find(
        &self,
        collection: Option<&str>,
        name: &str,
        kind: &str,
    ) -> Option<&CollectionEntry> {
        match collection {
            Some(c) => self
                .entries
                .get(&(c.to_string(), name.to_string(), kind.to_string())),
            None => self
                .entries
                .iter()
                .find(|((_, n, k), _)| n == name && k == kind)
                .map(|(_, v)| v),
        }
    }
}

/// A collection's two files: `(name, collection.toml, collection.lock)`.
type CollectionFiles = (String, std::path::PathBuf, std::path::PathBuf);

/// Lists the collections under `<home>/collections/` and stats their files: the files, their
/// stat fingerprint, and whether one was written so recently that a later write could leave the
/// same stat (then the fingerprint cannot vouch for the content).
fn collection_files(home: &Path) -> (Vec<CollectionFiles>, String, bool) {
    let mut files = Vec::new();
    let mut stat = String::new();
    let mut racy = false;
    let Ok(read) = std::fs::read_dir(home.join("collections")) else {
        return (files, stat, racy);
    };
    let mut names: Vec<_> = read
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .collect();
    names.sort_by_key(|e| e.file_name());
    let racy_after = super::now_ns() - super::RACY_NS;
    for entry in names {
        let cname = entry.file_name().to_string_lossy().into_owned();
        let manifest = entry.path().join("collection.toml");
        let lock = entry.path().join("collection.lock");
        for f in [&manifest, &lock] {
            if let Ok(m) = std::fs::metadata(f) {
                racy |= super::mtime_ns(&m) >= racy_after;
                stat.push_str(&format!(
                    "{}:{}:{:?};",
                    f.display(),
                    m.len(),
                    m.modified().ok()
                ));
            }
        }
        files.push((cname, manifest, lock));
    }
    (files, stat, racy)
}

/// Reads and parses the files [`collection_files`] listed; also whether every file there was
/// read (one that exists but could not be read, say for its permissions, is not).
fn parse_files(files: &[CollectionFiles], stat: String) -> (Collections, bool) {
    let mut out = Collections::default();
    let mut whole = true;
    for (cname, manifest, lock) in files {
        let mut read = |f: &Path| match super::read::read_capped_string(f, super::MAX_TEXT_BYTES) {
            Ok(text) => Some((f.to_string_lossy().into_owned(), text)),
            Err(_) => {
                whole &= !f.exists();
                None
            }
        };
        let (m, l) = (read(manifest), read(lock));
        parse_collection(
            &mut out,
            cname,
            m.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
            l.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
        );
    }
    out.fingerprint = stat;
    (out, whole)
}

/// Reads every `<home>/collections/<name>/collection.toml` and `collection.lock`.
pub fn read_collections(home: &Path) -> Collections {
    let (files, stat, _) = collection_files(home);
    parse_files(&files, stat).0
}

/// The collections last read, kept while their files' stat stays the same: a registration or
/// a one-project refresh (each edit the watcher reports) then parses no TOML.
#[derive(Debug, Default)]
pub struct CollectionsCache(std::sync::Mutex<Option<std::sync::Arc<Collections>>>);

impl CollectionsCache {
    /// The collections under `home`, read again only when a file of theirs changed, when one
    /// was written too recently for its stat to tell, when one could not be read last time, or
    /// when `force`d (a forced refresh reads everything).
    pub fn get(&self, home: &Path, force: bool) -> std::sync::Arc<Collections> {
        let (files, stat, racy) = collection_files(home);
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = kept.as_ref().filter(|c| !force && c.fingerprint == stat) {
            return c.clone();
        }
        let (fresh, whole) = parse_files(&files, stat);
        let fresh = std::sync::Arc::new(fresh);
        *kept = (whole && !racy).then(|| fresh.clone());
        fresh
    }
}

/// Merges collection `cname`'s `collection.toml` and `collection.lock` (each `(file, text)`,
/// `None` when unreadable) into `out`: lock values win over the manifest's; TOML errors are
/// recorded in `out.errors`.
pub fn parse_collection(
    out: &mut Collections,
    cname: &str,
    manifest: Option<(&str, &str)>,
    lock: Option<(&str, &str)>,
) {
    let mut locked: HashMap<(String, String), CollectionEntry> = HashMap::new();
    if let Some((file, text)) = lock {
        match text.parse::<toml::Table>() {
            Err(e) => out.errors.push(toml_error(file, text, &e)),
            Ok(doc) => collect_lock(&doc, &mut locked, 0),
        }
    }
    if let Some((file, text)) = manifest {
        match text.parse::<toml::Table>() {
            Err(e) => out.errors.push(toml_error(file, text, &e)),
            Ok(doc) => {
                if let Some(toml::Value::Array(items)) = doc.get("artifacts") {
                    for t in items.iter().filter_map(|v| v.as_table()) {
                        merge_artifact(out, cname, t, &mut locked);
                    }
                }
            }
        }
    }
    for ((name, kind), e) in locked {
        out.entries.insert((cname.to_string(), name, kind), e);
    }
}

/// One `[[artifacts]]` table of a manifest, merged with (and taken out of) its lock entry.
fn merge_artifact(
    out: &mut Collections,
    cname: &str,
    t: &toml::Table,
    locked: &mut HashMap<(String, String), CollectionEntry>,
) {
    let (Some(name), Some(kind)) = (str_of(t, &["name"]), str_of(t, &["type"])) else {
        return;
    };
    let kind = normalize_kind(&kind);
    let lock = locked
        .remove(&(name.clone(), kind.clone()))
        .unwrap_or_default();
    let tags = match t.get("tags") {
        Some(toml::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    out.entries.insert(
        (cname.to_string(), name, kind),
        CollectionEntry {
            upstream: str_of(t, &["upstream", "source"]),
            version_spec: str_of(t, &["version_spec"]),
            resolved_sha: lock.resolved_sha.or_else(|| str_of(t, &["resolved_sha"])),
            resolved_version: lock
                .resolved_version
                .or_else(|| str_of(t, &["resolved_version"])),
            content_hash: lock.content_hash,
            tags,
        },
    );
}

/// Finds lock tables keyed `"name::type"` at the top level or one table down.
fn collect_lock(t: &toml::Table, out: &mut HashMap<(String, String), CollectionEntry>, depth: u8) {
    for (k, v) in t {
        let Some(inner) = v.as_table() else { continue };
        if let Some((name, kind)) = k.split_once("::") {
            out.insert(
                (name.to_string(), normalize_kind(kind)),
                CollectionEntry {
                    resolved_sha: str_of(inner, &["resolved_sha"]),
                    resolved_version: str_of(inner, &["resolved_version"]),
                    content_hash: str_of(inner, &["content_hash"]).map(|h| normalize_hash(&h)),
                    upstream: str_of(inner, &["upstream", "source"]),
                    ..Default::default()
                },
            );
        } else if depth == 0 {
            collect_lock(inner, out, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_entries_and_errors() {
        let text = r#"
[[deployed]]
artifact_name = "review"
artifact_type = "command"
from_collection = "default"
deployed_at = "2025-11-01T10:00:00"
artifact_path = "commands/review.md"
content_hash = "sha256:ABCD"
local_modifications = false
resolved_version = "1.2.0"

[[deployed]]
artifact_type = "skill"
"#;
        let (d, errs) = parse_deployed("x.toml", text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].content_hash.as_deref(), Some("abcd"));
        assert_eq!(d[0].version.as_deref(), Some("1.2.0"));
        assert_eq!(errs.len(), 1);
        let (_, errs) = parse_deployed("x.toml", "[[deployed]\nname=");
        assert_eq!(errs[0].line, Some(1));
    }

    #[test]
    fn collections_merge_manifest_and_lock() {
        let home = tempfile::tempdir().unwrap();
        let c = home.path().join("collections").join("default");
        std::fs::create_dir_all(&c).unwrap();
        std::fs::write(
            c.join("collection.toml"),
            "[[artifacts]]\nname = \"pdf\"\ntype = \"skill\"\nupstream = \"anthropics/skills/pdf\"\nversion_spec = \"latest\"\ntags = [\"docs\"]\n",
        )
        .unwrap();
        std::fs::write(
            c.join("collection.lock"),
            "[\"pdf::skill\"]\nresolved_sha = \"abc1234\"\nresolved_version = \"v2.0.0\"\ncontent_hash = \"ff\"\n",
        )
        .unwrap();
        let cols = read_collections(home.path());
        let e = cols.find(Some("default"), "pdf", "skill").unwrap();
        assert_eq!(e.upstream.as_deref(), Some("anthropics/skills/pdf"));
        assert_eq!(e.resolved_version.as_deref(), Some("v2.0.0"));
        assert_eq!(e.tags, vec!["docs"]);
        assert!(cols.find(None, "pdf", "skill").is_some());
    }

    #[test]
    fn the_collections_cache_reads_again_only_what_changed() {
        let home = tempfile::tempdir().unwrap();
        let c = home.path().join("collections").join("default");
        std::fs::create_dir_all(&c).unwrap();
        let lock = c.join("collection.lock");
        let write = |version: &str| {
            std::fs::write(
                &lock,
                format!("[\"pdf::skill\"]\nresolved_version = \"{version}\"\n"),
            )
            .unwrap();
            // An old stat, so the fingerprint vouches for the content.
            let t = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
            std::fs::File::options()
                .write(true)
                .open(&lock)
                .unwrap()
                .set_modified(t)
                .unwrap();
        };
        write("v1.0.0");
        let cache = CollectionsCache::default();
        let first = cache.get(home.path(), false);
        let version = |c: &Collections| {
            c.find(Some("default"), "pdf", "skill")
                .unwrap()
                .resolved_version
                .clone()
        };
        assert_eq!(version(&first).as_deref(), Some("v1.0.0"));
        assert!(
            std::sync::Arc::ptr_eq(&first, &cache.get(home.path(), false)),
            "parsed again"
        );
        write("v2.0.0-longer");
        assert_eq!(
            version(&cache.get(home.path(), false)).as_deref(),
            Some("v2.0.0-longer")
        );
        // A file written just now is read again each time: its stat cannot tell a second write.
        std::fs::write(&lock, "[\"pdf::skill\"]\nresolved_version = \"v3\"\n").unwrap();
        let now = cache.get(home.path(), false);
        assert_eq!(version(&now).as_deref(), Some("v3"));
        assert!(!std::sync::Arc::ptr_eq(
            &now,
            &cache.get(home.path(), false)
        ));
        // A forced read reads again whatever the stat says.
        write("v4");
        let kept = cache.get(home.path(), false);
        assert!(std::sync::Arc::ptr_eq(
            &kept,
            &cache.get(home.path(), false)
        ));
        assert!(!std::sync::Arc::ptr_eq(
            &kept,
            &cache.get(home.path(), true)
        ));
        // A file that exists but cannot be read is read again next time, not remembered missing.
        let other = home.path().join("collections").join("other");
        std::fs::create_dir_all(other.join("collection.lock")).unwrap();
        let unread = cache.get(home.path(), false);
        assert!(!std::sync::Arc::ptr_eq(
            &unread,
            &cache.get(home.path(), false)
        ));
    }
}
