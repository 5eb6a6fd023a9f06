//! What a scan reads from an artifact's files, and how a frontmatter value reads as a field.

use serde_json::{Map, Value};

use super::{ArtifactProblem, FileError};

/// What a scan read from an artifact's files: the store writes it through the artifact table
/// (`artifact_table!` in `model/artifact.rs`; `w.c` there).
#[derive(Debug, Clone, Default)]
pub struct ArtifactContent {
    /// Frontmatter `name`, when it differs from nothing.
    pub display_name: Option<String>,
    /// Frontmatter `description`, or the first line of the body.
    pub description: Option<String>,
    /// Frontmatter `version`.
    pub version: Option<String>,
    /// Frontmatter `tools` / `allowed-tools`.
    pub tools: Vec<String>,
    /// The main file's frontmatter but the keys of the fields above (when
    /// [`ArtifactContent::frontmatter`]), or the JSON file's object, or the MCP server's or
    /// hook's config.
    pub metadata: Map<String, Value>,
    /// Whether `metadata` is a Markdown file's frontmatter, whose other keys
    /// [`ArtifactContent::front`] reads.
    pub frontmatter: bool,
    /// SkillMeat content hash of the artifact's files.
    pub content_hash: Option<String>,
    /// Total bytes.
    pub size: u64,
    /// Number of files.
    pub file_count: u32,
    /// Newest file mtime, ms since the epoch.
    pub modified_ms: i64,
    /// Why the artifact is in error (a file that could not be read at all), if it is.
    pub error: Option<FileError>,
    /// The files could not be read for a reason that may pass (permissions, a race): the
    /// artifact is read again at the next refresh whatever its stat says.
    pub retry: bool,
    /// What Claude Code will make of it (`scan::health` finds them).
    pub problems: Vec<ArtifactProblem>,
}

impl ArtifactContent {
    /// The frontmatter key `key` as a string field reads it (see [`text_value`]), when
    /// the main file is Markdown.
    pub fn front(&self, key: &str) -> Option<String> {
        text_value(self.front_value(key)?)
    }

    /// The frontmatter key `key` as a list field reads it (see [`list_value`]), when
    /// the main file is Markdown.
    pub fn front_list(&self, key: &str) -> Vec<String> {
        self.front_value(key).map(list_value).unwrap_or_default()
    }

    fn front_value(&self, key: &str) -> Option<&Value> {
        self.metadata.get(key).filter(|_| self.frontmatter)
    }
}

/// A frontmatter value as a string field reads it: trimmed, `None` when empty; numbers and
/// booleans as text; a mapping by its `name` (an `author: {name: …}`).
pub fn text_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("name").and_then(|v| v.as_str()).map(str::to_string),
        _ => None,
    }
}

/// A frontmatter value as a list field reads it: a YAML list (of strings or numbers), or text
/// separated by commas (`[a, b]` or `a, b`), each item trimmed, empty ones dropped.
pub fn list_value(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Value::String(s) => s
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|t| t.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}
