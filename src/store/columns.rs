//! The `artifacts` row, declared once: each line is a column, the [`Artifact`] field it is read
//! into (and how), and the value a scan writes to it. The SELECT list, the row reader and the
//! scan's upsert are all generated from [`artifact_row!`]'s table below, so a persisted field is
//! one line here (plus its struct field in `model` and its column in a migration).
//!
//! A line reads `"column" [as "SQL"] [=> field: codec] [<= value];`. `as` reads the field from an
//! expression rather than the bare column; a line without `=>` is written but not read back (a
//! fingerprint, a sort rank); a line without `<=` is read but written elsewhere (by SQL after the
//! upsert, or by the upstream check).

use std::sync::LazyLock;

use rusqlite::Row;
use rusqlite::types::{ToSql, ToSqlOutput, Value, ValueRef};
use serde::de::DeserializeOwned;

use crate::model::{Artifact, health_of};
use crate::scan::{Content, DeployInfo, ScannedArtifact};
use crate::upstream::policy::LocalUpstream;

/// What the upsert of one scanned artifact writes from.
pub(super) struct ScanRow<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub project_name: &'a str,
    pub a: &'a ScannedArtifact,
    pub c: &'a Content,
    pub d: &'a DeployInfo,
    pub up: &'a LocalUpstream,
    pub now: i64,
}

/// Columns an upsert never changes on an existing row: they are its identity.
const KEY: &[&str] = &["id", "project_id", "profile", "type", "name"];

/// Columns an upsert of an existing row sets by a rule of their own (default: the new value).
const ON_CONFLICT: &[(&str, &str)] = &[
    // When the upstream answer is the same, it keeps the time it was checked.
    (
        "upstream_checked_at",
        "CASE WHEN artifacts.upstream_origin IS excluded.upstream_origin
            AND artifacts.upstream_version IS excluded.upstream_version
            AND artifacts.upstream_sha IS excluded.upstream_sha
         THEN artifacts.upstream_checked_at ELSE excluded.upstream_checked_at END",
    ),
    // "Last content change": kept while the content, its error and its problems are the same.
    (
        "updated_at",
        "CASE WHEN artifacts.content_hash IS excluded.content_hash AND artifacts.error IS excluded.error
            AND artifacts.problems_json IS excluded.problems_json
         THEN artifacts.updated_at ELSE excluded.updated_at END",
    ),
];

fn plain<T: rusqlite::types::FromSql>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    r.get(i)
}

/// JSON text (a list of tags, the problems); what does not parse reads as empty.
fn json<T: DeserializeOwned + Default>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    Ok(serde_json::from_str(&r.get::<_, String>(i)?).unwrap_or_default())
}

/// A content hash stored as a blob (or, from older rows, as text).
fn hash(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    Ok(super::hash_from_sql(r.get_ref(i)?))
}

/// `value` as JSON text.
fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// An owned SQLite value of anything SQLite can store.
fn value<T: ToSql>(x: T) -> Value {
    match x.to_sql() {
        Ok(ToSqlOutput::Owned(v)) => v,
        Ok(ToSqlOutput::Borrowed(r)) => match r {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        },
        _ => Value::Null,
    }
}

/// The first of a column and its read expression: the expression when there is one.
macro_rules! read_sql {
    ($col:literal) => {
        $col
    };
    ($col:literal, $sql:literal) => {
        $sql
    };
}

/// Whether an optional part of a line was given.
macro_rules! given {
    () => {
        false
    };
    ($($t:tt)+) => {
        true
    };
}

macro_rules! artifact_row {
    (|$w:ident| $(
        $col:literal $(as $sql:literal)? $(=> $field:ident : $read:ident)? $(<= $write:expr)? ;
    )*) => {
        /// Every line: (column, what reads it, whether it is read, whether a scan writes it).
        const COLUMNS: &[(&str, &str, bool, bool)] = &[$(
            ($col, read_sql!($col $(, $sql)?), given!($($field)?), given!($($write)?)),
        )*];

        /// An [`Artifact`] from a row selected with [`ARTIFACT_COLS`].
        pub(super) fn artifact_from_row(r: &Row<'_>) -> rusqlite::Result<Artifact> {
            let mut i = 0usize;
            $($(
                let $field = $read(r, i)?;
                i += 1;
            )?)*
            let _ = i;
            Ok(Artifact { $($($field,)?)* })
        }

        /// The values a scan writes, in the order of [`written`].
        pub(super) fn scan_values($w: &ScanRow<'_>) -> Vec<Value> {
            vec![$($( value($write), )?)*]
        }
    };
}

/// The SELECT list [`artifact_from_row`] reads.
pub(super) static ARTIFACT_COLS: LazyLock<String> = LazyLock::new(|| {
    let cols: Vec<&str> = COLUMNS.iter().filter(|c| c.2).map(|c| c.1).collect();
    cols.join(", ")
});

/// The columns a scan writes, in the order of [`scan_values`].
fn written() -> Vec<&'static str> {
    COLUMNS.iter().filter(|c| c.3).map(|c| c.0).collect()
}

artifact_row! { |w|
    "id" => id: plain <= w.id;
    "project_id" => project_id: plain <= w.project_id;
    "project_name" => project_name: plain <= w.project_name;
    "profile" => profile: plain <= &w.a.key.profile;
    "type" => kind: plain <= w.a.key.kind;
    "name" => name: plain <= &w.a.key.name;
    "display_name" as "COALESCE(display_name, name)" => display_name: plain
        <= w.c.display_name.as_deref().filter(|d| *d != w.a.key.name);
    "path" => path: plain <= &w.a.rel_path;
    "description" => description: plain <= &w.c.description;
    "version" => version: plain <= &w.c.version;
    "author" => author: plain <= &w.c.author;
    "license" => license: plain <= &w.c.license;
    "tags_json" => tags: json <= to_json(&w.c.tags);
    "tools_json" => tools: json <= to_json(&w.c.tools);
    "origin" => origin: plain <= &w.d.origin;
    "source" => source: plain <= &w.d.source;
    "version_spec" => version_spec: plain <= &w.d.version_spec;
    "from_collection" => from_collection: plain <= &w.d.from_collection;
    "deployed_at" => deployed_at: plain <= &w.d.deployed_at;
    "deployed_version" => deployed_version: plain <= &w.d.deployed_version;
    "deployed_sha" => deployed_sha: plain <= &w.d.deployed_sha;
    "deployed_hash" => deployed_hash: hash <= super::hash_to_sql(w.d.deployed_hash.as_deref());
    "content_hash" => content_hash: hash <= super::hash_to_sql(w.c.content_hash.as_deref());
    // Set by SQL after each write (`Store::apply_scans`), from the two hashes.
    "local_modified" => local_modified: plain;
    "upstream_version" => upstream_version: plain <= &w.up.version;
    "upstream_sha" => upstream_sha: plain <= &w.up.sha;
    "upstream_checked_at" => upstream_checked_at: plain <= w.up.origin.map(|_| w.now);
    "is_outdated" => is_outdated: plain <= w.up.outdated;
    "version_diff" => version_diff: plain <= w.up.diff_str();
    "status" => status: plain <= if w.c.error.is_some() { "error" } else { "ok" };
    "error" => error: plain <= w.c.error.as_ref().map(|e| e.to_string());
    "size_bytes" => size_bytes: plain <= w.c.size as i64;
    "file_count" => file_count: plain <= w.c.file_count as i64;
    "modified_at" => modified_at: plain <= w.c.modified_ms;
    "metadata_json" => metadata: plain <= to_json(&w.c.metadata);
    "scanned_at" => scanned_at: plain <= w.now;
    "updated_at" => updated_at: plain <= w.now;
    "upstream_origin" => upstream_origin: plain <= w.up.origin;
    // Written by the upstream check (`Store::record_upstream`).
    "upstream_error" => upstream_error: plain;
    "health" => health: plain <= health_of(&w.c.problems);
    "problems_json" => problems: json <= to_json(&w.c.problems);
    "fingerprint" <= &w.a.fingerprint;
    "collection_version" <= &w.d.collection_version;
    "collection_sha" <= &w.d.collection_sha;
    "diff_rank" <= w.up.rank();
}

/// The scan's upsert: every written column by name, an existing row (same id) updated but for
/// its identity and the [`ON_CONFLICT`] rules.
pub(super) static UPSERT_ARTIFACT: LazyLock<String> = LazyLock::new(|| {
    let cols = written();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sets: Vec<String> = cols
        .iter()
        .filter(|c| !KEY.contains(c))
        .map(|c| match ON_CONFLICT.iter().find(|(k, _)| k == c) {
            Some((_, rule)) => format!("{c} = {rule}"),
            None => format!("{c} = excluded.{c}"),
        })
        .collect();
    format!(
        "INSERT INTO artifacts ({}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
        cols.join(", "),
        params.join(", "),
        sets.join(", ")
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_and_key_names_a_written_column() {
        let cols = written();
        for c in KEY.iter().chain(ON_CONFLICT.iter().map(|(c, _)| c)) {
            assert!(cols.contains(c), "{c} is not written");
        }
        assert!(UPSERT_ARTIFACT.contains("problems_json = excluded.problems_json"));
        assert!(!UPSERT_ARTIFACT.contains("name = excluded.name,"));
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len(), "a column is declared twice");
        assert!(ARTIFACT_COLS.starts_with("id, project_id, "));
    }
}
