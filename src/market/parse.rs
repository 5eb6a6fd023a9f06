//! Normalising marketplace listings: a Claude Code `.claude-plugin/marketplace.json` (`name`,
//! `owner`, `plugins[]`) or a SkillMeat broker listing (an array of entries, bare or under
//! `listings`, `artifacts`, `entries` or `items`). Each entry keeps its raw JSON.

use serde_json::Value;

/// One normalised marketplace entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Name.
    pub name: String,
    /// `plugin` for Claude Code marketplaces; the listing's `type` otherwise.
    pub kind: String,
    /// Listed version.
    pub version: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Author name.
    pub author: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Tags (or keywords).
    pub tags: Vec<String>,
    /// Where it comes from: a path, `owner/repo`, or a URL (with `@ref` when pinned).
    pub source: Option<String>,
    /// Homepage.
    pub homepage: Option<String>,
    /// The entry as listed.
    pub raw: Value,
}

/// A parsed listing.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The marketplace's own name, if it has one.
    pub name: Option<String>,
    /// Entries.
    pub entries: Vec<Entry>,
    /// Entries skipped (no name).
    pub skipped: usize,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("name").and_then(|n| n.as_str()).map(str::to_string),
        _ => None,
    }
}

fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// `source` as one string: a path, `owner/repo[/path][@ref]`, or a URL.
fn source(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            let base = o
                .get("repo")
                .or_else(|| o.get("url"))
                .or_else(|| o.get("package"))
                .and_then(|x| x.as_str())?
                .trim_end_matches(".git")
                .trim_start_matches("https://github.com/")
                .to_string();
            let with_path = match o.get("path").and_then(|p| p.as_str()) {
                Some(p) => format!("{base}/{}", p.trim_matches('/')),
                None => base,
            };
            Some(
                match o
                    .get("ref")
                    .or_else(|| o.get("version"))
                    .and_then(|r| r.as_str())
                {
                    Some(r) => format!("{with_path}@{r}"),
                    None => with_path,
                },
            )
        }
        _ => None,
    }
}

fn entry(v: &Value, default_kind: &str) -> Option<Entry> {
    let o = v.as_object()?;
    let name = text(o.get("name"))?;
    let mut tags = list(o.get("tags"));
    if tags.is_empty() {
        tags = list(o.get("keywords"));
    }
    Some(Entry {
        name,
        kind: text(o.get("type"))
            .map(|t| crate::values::normalize_kind(&t))
            .unwrap_or_else(|| default_kind.to_string()),
        version: text(o.get("version")),
        description: text(o.get("description")),
        author: text(o.get("author")),
        category: text(o.get("category")),
        tags,
        source: source(o.get("source")).or_else(|| text(o.get("repository"))),
        homepage: text(o.get("homepage")),
        raw: v.clone(),
    })
}

/// Parses a listing document; `Err` when it is not one of the known shapes.
pub fn parse(doc: &Value) -> Result<Listing, String> {
    let (name, items, kind) = match doc {
        Value::Array(items) => (None, items, "skill"),
        Value::Object(o) => {
            let name = text(o.get("name"));
            if let Some(Value::Array(p)) = o.get("plugins") {
                (name, p, "plugin")
            } else if let Some(items) = ["listings", "artifacts", "entries", "items"]
                .iter()
                .find_map(|k| o.get(*k).and_then(|v| v.as_array()))
            {
                (name, items, "skill")
            } else {
                return Err("expected a marketplace.json (`plugins` array) or a listing (`listings`/`artifacts`/`entries`/`items` array)".into());
            }
        }
        _ => return Err("expected a JSON object or array".into()),
    };
    let mut entries = Vec::with_capacity(items.len());
    let mut skipped = 0;
    for v in items {
        match entry(v, kind) {
            Some(e) => entries.push(e),
            None => skipped += 1,
        }
    }
    Ok(Listing {
        name,
        entries,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_corpus_marketplace_parses() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/marketplaces");
        let Ok(rd) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut seen = 0;
        for f in rd.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".marketplace.json") {
                continue;
            }
            let doc: Value = serde_json::from_slice(&std::fs::read(f.path()).unwrap()).unwrap();
            let l = parse(&doc).unwrap();
            assert!(!l.entries.is_empty(), "{name}");
            assert_eq!(l.skipped, 0, "{name}");
            assert!(
                l.entries
                    .iter()
                    .all(|e| e.kind == "plugin" && e.source.is_some()),
                "{name}"
            );
            seen += 1;
        }
        assert!(seen >= 4);
    }

    #[test]
    fn broker_listing_and_source_objects() {
        let doc = serde_json::json!({ "listings": [
            { "name": "pdf", "type": "skills", "version": "1.2.0", "tags": ["docs"], "author": { "name": "Ann" },
              "source": { "source": "github", "repo": "acme/skills", "path": "pdf", "ref": "v1.2.0" } },
            { "description": "no name" }
        ]});
        let l = parse(&doc).unwrap();
        assert_eq!(l.skipped, 1);
        let e = &l.entries[0];
        assert_eq!(
            (e.kind.as_str(), e.author.as_deref()),
            ("skill", Some("Ann"))
        );
        assert_eq!(e.source.as_deref(), Some("acme/skills/pdf@v1.2.0"));
        assert!(parse(&serde_json::json!({"x": 1})).is_err());
    }
}
