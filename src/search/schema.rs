//! The index schema, its tokenizer, and the mapping of a [`SearchDoc`] onto a tantivy document.
//!
//! Only `id` is kept per document (as a fast column, which also serves as the deterministic
//! tie-break of every sort); everything else is indexed or fast only, so the index stays small.

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument};

use super::{DocKind, SearchDoc};

/// Bump whenever fields, tokenization or the meaning of a field change: an index written with
/// another version is wiped and rebuilt at open.
pub(crate) const SCHEMA_VERSION: u32 = 3;

/// Name of the word tokenizer (registered on every `Index` instance; tokenizers are not
/// persisted by tantivy).
pub(crate) const WORDS: &str = "sm_words";

/// Longest token kept, in bytes (longer ones are dropped on both the index and query side).
pub(crate) const MAX_TOKEN_BYTES: usize = 64;

/// Column names used by sort keys and fast-field lookups.
pub(crate) const ID: &str = "id";
pub(crate) const KIND: &str = "kind";
pub(crate) const NAME_SORT: &str = "name_sort";
pub(crate) const NAME_LEN: &str = "name_len";
pub(crate) const UPDATED: &str = "updated_at";

/// Handles of every field of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Caller's id (fast string column; the only per-document value read back).
    pub id: Field,
    /// `0` artifact, `1` marketplace entry (indexed + fast).
    pub kind: Field,
    /// `p:<project id>` or `s:<source>`: what `replace_project` / `replace_source` delete by.
    pub scope: Field,
    /// Name and display name, tokenized.
    pub name: Field,
    /// Lower-cased name and display name, whole and with separators removed (exact-match boost).
    pub name_exact: Field,
    /// Lower-cased name (sort column).
    pub name_sort: Field,
    /// Length of the name in characters (relevance tie-break: the closer name first).
    pub name_len: Field,
    /// Tags, tokenized.
    pub tags_text: Field,
    /// Tags, lower-cased, raw (filter).
    pub tags: Field,
    /// Description, tokenized.
    pub description: Field,
    /// Source spec, project name and type, tokenized (low boost).
    pub context: Field,
    /// Artifact type, raw (filter).
    pub artifact_type: Field,
    /// Project id, raw (filter).
    pub project_id: Field,
    /// Source, raw (filter).
    pub source: Field,
    /// Origin, raw (filter).
    pub origin: Field,
    /// Status, raw (filter).
    pub status: Field,
    /// Outdated flag (filter).
    pub outdated: Field,
    /// Health, raw (filter).
    pub health: Field,
    /// Last change (ms; sort column).
    pub updated_at: Field,
}

fn words() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORDS)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

/// Builds the schema and returns it with its field handles.
pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field(ID, STRING | FAST),
        kind: b.add_u64_field(KIND, INDEXED | FAST),
        scope: b.add_text_field("scope", STRING),
        name: b.add_text_field("name", words()),
        name_exact: b.add_text_field("name_exact", STRING),
        name_sort: b.add_text_field(NAME_SORT, TextOptions::default().set_fast("raw")),
        name_len: b.add_u64_field(NAME_LEN, FAST),
        tags_text: b.add_text_field("tags_text", words()),
        tags: b.add_text_field("tags", STRING),
        description: b.add_text_field("description", words()),
        context: b.add_text_field("context", words()),
        artifact_type: b.add_text_field("type", STRING),
        project_id: b.add_text_field("project_id", STRING),
        source: b.add_text_field("source", STRING),
        origin: b.add_text_field("origin", STRING),
        status: b.add_text_field("status", STRING),
        outdated: b.add_bool_field("outdated", INDEXED),
        health: b.add_text_field("health", STRING),
        updated_at: b.add_i64_field(UPDATED, FAST),
    };
    (b.build(), fields)
}

/// The analyzer used for every tokenized field and for query text: split on anything that is
/// not a Unicode letter or digit, lower-case, fold accents to ASCII, drop tokens over
/// [`MAX_TOKEN_BYTES`].
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES + 1))
        .build()
}

/// Registers the tokenizer on an `Index` instance.
pub(crate) fn configure(index: &Index) {
    index.tokenizers().register(WORDS, analyzer());
}

/// Whether an opened index has exactly the schema this build writes.
pub(crate) fn same_schema(a: &Schema, b: &Schema) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The commit payload stored with every commit (tantivy keeps the last one in `meta.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Payload {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema: u32,
    /// Caller's generation (see `SearchIndex` docs).
    pub generation: u64,
    /// When the last full rebuild committed (ms since the epoch).
    #[serde(default)]
    pub rebuilt_at: Option<i64>,
    /// How long it took (ms).
    #[serde(default)]
    pub rebuild_ms: Option<f64>,
}

impl Payload {
    /// Parses a stored payload; `None` if absent or not ours.
    pub fn parse(s: Option<&str>) -> Option<Payload> {
        serde_json::from_str(s?).ok()
    }

    /// Serializes it (cannot fail for this plain struct; falls back to an empty object).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// Lower-cased text with everything but letters and digits removed (`Code-Reviewer` →
/// `codereviewer`).
pub(crate) fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a document is filed under for deletion.
#[derive(Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// An artifact of this project.
    Project(&'a str),
    /// A marketplace entry of this source.
    Source(&'a str),
    /// Derived from the document itself (full rebuild).
    Own,
}

pub(crate) fn scope_key(kind: DocKind, id: &str) -> String {
    match kind {
        DocKind::Artifact => format!("p:{id}"),
        DocKind::Entry => format!("s:{id}"),
    }
}

/// Builds the tantivy document. `scope` overrides the document's own project id or source so
/// that what `replace_project(p, …)` writes is exactly what its next call deletes.
pub(crate) fn to_document(f: &Fields, d: &SearchDoc, scope: Scope<'_>) -> TantivyDocument {
    let (scope_value, project_id, source) = match scope {
        Scope::Project(p) => (
            scope_key(DocKind::Artifact, p),
            Some(p),
            d.source.as_deref(),
        ),
        Scope::Source(s) => (
            scope_key(DocKind::Entry, s),
            d.project_id.as_deref(),
            Some(s),
        ),
        Scope::Own => match d.kind {
            DocKind::Artifact => {
                let p = d.project_id.as_deref().unwrap_or("");
                (
                    scope_key(DocKind::Artifact, p),
                    Some(p),
                    d.source.as_deref(),
                )
            }
            DocKind::Entry => {
                let s = d.source.as_deref().unwrap_or("");
                (
                    scope_key(DocKind::Entry, s),
                    d.project_id.as_deref(),
                    Some(s),
                )
            }
        },
    };
    let mut doc = TantivyDocument::new();
    doc.add_text(f.id, &d.id);
    doc.add_u64(f.kind, d.kind.code());
    doc.add_text(f.scope, &scope_value);

    doc.add_text(f.name, &d.name);
    let mut exact: Vec<String> = Vec::with_capacity(4);
    for n in [d.name.as_str(), d.display_name.as_str()] {
        let lower = n.trim().to_lowercase();
        let c = compact(n);
        for v in [lower, c] {
            if !v.is_empty() && !exact.contains(&v) {
                exact.push(v);
            }
        }
    }
    if !d.display_name.is_empty() && d.display_name != d.name {
        doc.add_text(f.name, &d.display_name);
    }
    for v in &exact {
        doc.add_text(f.name_exact, v);
    }
    doc.add_text(f.name_sort, d.name.to_lowercase());
    doc.add_u64(f.name_len, d.name.chars().count() as u64);

    for t in &d.tags {
        doc.add_text(f.tags_text, t);
        let lower = t.trim().to_lowercase();
        if !lower.is_empty() {
            doc.add_text(f.tags, &lower);
        }
    }
    if let Some(desc) = d.description.as_deref().filter(|s| !s.is_empty()) {
        doc.add_text(f.description, desc);
    }
    for c in [
        source,
        d.project_name.as_deref(),
        Some(d.artifact_type.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    {
        doc.add_text(f.context, c);
    }
    doc.add_text(f.artifact_type, &d.artifact_type);
    if let Some(p) = project_id {
        doc.add_text(f.project_id, p);
    }
    if let Some(s) = source {
        doc.add_text(f.source, s);
    }
    doc.add_text(f.origin, &d.origin);
    doc.add_text(f.status, &d.status);
    doc.add_bool(f.outdated, d.outdated);
    doc.add_text(f.health, &d.health);
    doc.add_i64(f.updated_at, d.updated_at);
    doc
}
