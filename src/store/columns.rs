//! The `artifacts` row, generated from the artifact table (`model::artifact_table!`, where each
//! [`Artifact`] field is declared with its column, how it is read and the value a scan writes):
//! the SELECT list, the row reader and the scan's upsert. A persisted field is one entry there
//! and its column in a migration; nothing here changes.

use std::borrow::Cow;
use std::sync::LazyLock;

use rusqlite::Row;
use rusqlite::types::{ToSql, ToSqlOutput, Value, ValueRef};
use serde::de::DeserializeOwned;
use serde_json::Map;

use super::compact::{
    self, CONTENT_HASH, HEALTH, ORIGIN, PROFILE, PROJECT_NAME, STATUS, UPSTREAM_ORIGIN,
};
use super::deployments::{DEPLOYED_HASH, DEPLOYED_SHA, FROM_COLLECTION, SOURCE, VERSION_SPEC};
use super::hash_to_sql;
use super::paths::{PATH, stored as stored_path};
use super::problem_lists::PROBLEMS;
use super::stored_once::stored_apart;
use super::texts::{AUTHOR, DESCRIPTION, LICENSE, METADATA, TAGS, TOOLS};
use crate::model::{Artifact, ArtifactContent, ArtifactProblem, health_of};
use crate::scan::{DeployInfo, ScannedArtifact};
use crate::upstream::policy::LocalUpstream;

/// What the upsert of one scanned artifact writes from.
pub(super) struct ScanRow<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub a: &'a ScannedArtifact,
    pub c: &'a ArtifactContent,
    pub d: &'a DeployInfo,
    pub up: &'a LocalUpstream,
    /// The key of the artifact's problem list (stored by `problem_lists::keep`).
    pub problem_list: Option<i64>,
    pub now: i64,
}

/// Columns an upsert never changes on an existing row: they are its identity.
const KEY: &[&str] = &["id", "project_id", "profile", "type", "name"];

/// Columns a write to an existing row sets by a rule of their own (default: the new value), with
/// `OLD.` for the stored value and `NEW.` for the value written.
const ON_CONFLICT: &[(&str, &str)] = &[
    // When the upstream answer is the same, it keeps the time it was checked.
    (
        "upstream_checked_at",
        "CASE WHEN OLD.upstream_origin IS NEW.upstream_origin
            AND OLD.upstream_version IS NEW.upstream_version AND OLD.upstream_sha IS NEW.upstream_sha
         THEN OLD.upstream_checked_at ELSE NEW.upstream_checked_at END",
    ),
    // "Last content change": kept while the content, its error and its problems are the same.
    (
        "updated_at",
        concat!(
            "CASE WHEN ",
            compact::content_hash_of!("OLD."),
            " IS ",
            compact::content_hash_of!("NEW."),
            " AND OLD.error IS NEW.error AND OLD.problem_list IS NEW.problem_list
             THEN OLD.updated_at ELSE NEW.updated_at END"
        ),
    ),
];

/// `column = value` of a write to an existing row; `old`/`new` spell the stored and the written
/// value's prefix (`artifacts.`/`excluded.` in an upsert, nothing/`:` in an update).
fn set(column: &str, old: &str, new: &str) -> String {
    match ON_CONFLICT.iter().find(|(c, _)| *c == column) {
        Some((_, rule)) => format!(
            "{column} = {}",
            rule.replace("OLD.", old).replace("NEW.", new)
        ),
        None => format!("{column} = {new}{column}"),
    }
}

fn plain<T: rusqlite::types::FromSql>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    r.get(i)
}

/// JSON text (a list of tags, the problems); what does not parse reads as empty.
pub(super) fn json<T: DeserializeOwned + Default>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    Ok(serde_json::from_str(&r.get::<_, String>(i)?).unwrap_or_default())
}

/// The problems (stored JSON, `problem_lists`), whose files inside the artifact are stored
/// relative to its path: read with the row's `path` column.
fn problem_list(r: &Row<'_>, i: usize) -> rusqlite::Result<Vec<ArtifactProblem>> {
    let json = r.get_ref(i)?.as_str()?;
    let path = r.get_ref(*PATH_AT)?.as_str()?;
    Ok(super::problem_lists::from_stored(json, path))
}

/// Where `path` is in [`ARTIFACT_COLS`].
static PATH_AT: LazyLock<usize> = LazyLock::new(|| {
    let read = COLUMNS.iter().filter(|c| c.2);
    read.take_while(|c| c.0 != "path").count()
});

/// A content hash stored as a blob (or, from older rows, as text).
fn hash(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    Ok(super::hash_from_sql(r.get_ref(i)?))
}

/// `value` as JSON text.
pub(super) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
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

/// The metadata a scan writes: a Markdown file's frontmatter without the keys that have a
/// column of their own ([`FRONT_KEYS`]).
fn metadata(c: &ArtifactContent) -> Cow<'_, Map<String, serde_json::Value>> {
    if !c.frontmatter || !FRONT_KEYS.iter().any(|k| c.metadata.contains_key(*k)) {
        return Cow::Borrowed(&c.metadata);
    }
    let mut m = c.metadata.clone();
    for k in FRONT_KEYS {
        m.remove(*k);
    }
    Cow::Owned(m)
}

/// Runs `stmt` with `values` bound by name; returns the rows changed.
pub(super) fn execute(
    stmt: &mut rusqlite::CachedStatement<'_>,
    values: Vec<(&'static str, Value)>,
) -> rusqlite::Result<usize> {
    let params: Vec<(&str, &dyn ToSql)> =
        values.iter().map(|(n, v)| (*n, v as &dyn ToSql)).collect();
    stmt.execute(params.as_slice())
}

/// The first of a column and its read expression: the expression when there is one.
macro_rules! read_sql {
    ($col:literal) => {
        $col
    };
    ($col:literal, $sql:tt) => {
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

/// Adds the value a line writes, if it writes one: its `<=` value, else its `front` key's text.
macro_rules! scan_value {
    ($values:ident, $w:ident, $col:literal; ; ) => {};
    ($values:ident, $w:ident, $col:literal; $key:literal; ) => {
        $values.push((concat!(":", $col), value($w.c.front($key))))
    };
    ($values:ident, $w:ident, $col:literal; $($key:literal)?; $write:expr) => {
        $values.push((concat!(":", $col), value($write)))
    };
}

/// The `artifacts` row from the artifact table: its fields (read into [`Artifact`]) and the
/// columns the store alone keeps.
macro_rules! artifact_row {
    (|$w:ident| fields { $(
        $($doc:literal)+ $(#[$attr:meta])* $field:ident : $ty:ident $(<$arg:ident>)? {
            $col:literal $(as $sql:tt)? $(front $key:literal)? => $read:ident
                $(<= $write:expr $(, $deploy:ident)?)?
        }
    )* } columns { $(
        $xcol:literal <= $xwrite:expr $(, $xdeploy:ident)?;
    )* }) => {
        /// Every column: (column, what reads it, whether it is read, whether a scan writes it,
        /// whether a deployment-only update writes it).
        const COLUMNS: &[(&str, &str, bool, bool, bool)] = &[
            $((
                $col,
                read_sql!($col $(, $sql)?),
                true,
                given!($($write)? $($key)?),
                given!($($($deploy)?)?),
            ),)*
            $(($xcol, $xcol, false, true, given!($($xdeploy)?)),)*
        ];

        /// The frontmatter keys with a column of their own, kept out of `metadata_json`.
        const FRONT_KEYS: &[&str] = &[$($($key,)?)*];

        /// An [`Artifact`] from a row selected with [`ARTIFACT_COLS`].
        pub(super) fn artifact_from_row(r: &Row<'_>) -> rusqlite::Result<Artifact> {
            let mut i = 0usize;
            $(
                let $field = $read(r, i)?;
                i += 1;
            )*
            let _ = i;
            Ok(Artifact { $($field,)* })
        }

        /// The values a scan writes, by parameter name (`:column`).
        pub(super) fn scan_values($w: &ScanRow<'_>) -> Vec<(&'static str, Value)> {
            let mut values = Vec::with_capacity(COLUMNS.len());
            $( scan_value!(values, $w, $col; $($key)?; $($write)?); )*
            $( values.push((concat!(":", $xcol), value($xwrite))); )*
            values
        }

        /// The values a deployment-only update writes (and the id it updates), by parameter name.
        pub(super) fn deploy_values($w: &ScanRow<'_>) -> Vec<(&'static str, Value)> {
            let mut v = vec![(":id", value($w.id))];
            $($($(
                let _ = stringify!($deploy);
                v.push((concat!(":", $col), value($write)));
            )?)?)*
            $($(
                let _ = stringify!($xdeploy);
                v.push((concat!(":", $xcol), value($xwrite)));
            )?)*
            v
        }
    };
}

/// The SELECT list [`artifact_from_row`] reads.
pub(super) static ARTIFACT_COLS: LazyLock<String> = LazyLock::new(|| {
    let cols: Vec<&str> = COLUMNS.iter().filter(|c| c.2).map(|c| c.1).collect();
    cols.join(", ")
});

/// The columns a scan writes (those it stores apart are taken out before: `stored_once`).
fn written() -> Vec<&'static str> {
    COLUMNS
        .iter()
        .filter(|c| c.3 && !stored_apart(c.0))
        .map(|c| c.0)
        .collect()
}

/// The update of an artifact whose files were not read again: its deployment, its path, and
/// the upstream they imply. Its content hash is stored again against the deployment written
/// (`compact`): the marker when that deployment holds it, else whole.
pub(super) static UPDATE_DEPLOY: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = COLUMNS
        .iter()
        .filter(|c| c.4 && !stored_apart(c.0))
        .map(|c| set(c.0, "artifacts.", ":"))
        .collect();
    format!(
        "UPDATE artifacts SET {}, content_hash = CASE WHEN {CONTENT_HASH} = (SELECT deployed_hash
             FROM artifact_deployments WHERE deploy_key = :deploy_key) THEN X'' ELSE {CONTENT_HASH} END
         WHERE id = :id",
        sets.join(", ")
    )
});

crate::model::artifact_table!(artifact_row);

/// The scan's upsert: every written column by name, an existing row (same id) updated but for
/// its identity and the [`ON_CONFLICT`] rules.
pub(super) static UPSERT_ARTIFACT: LazyLock<String> = LazyLock::new(|| {
    let cols = written();
    let params: Vec<String> = cols.iter().map(|c| format!(":{c}")).collect();
    let sets: Vec<String> = cols
        .iter()
        .filter(|c| !KEY.contains(c))
        .map(|c| set(c, "artifacts.", "excluded."))
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
    use crate::scan::ArtifactKey;
    use crate::values::ArtifactType;

    /// The values a scan of `content` writes, by column.
    fn written_by(content: ArtifactContent) -> std::collections::HashMap<&'static str, Value> {
        let a = ScannedArtifact {
            key: ArtifactKey {
                profile: ".claude".into(),
                kind: ArtifactType::Agent,
                name: "review".into(),
            },
            rel_path: ".claude/agents/review.md".into(),
            fingerprint: String::new(),
            content: None,
            deploy: DeployInfo::default(),
        };
        let row = ScanRow {
            id: "i",
            project_id: "p",
            a: &a,
            c: &content,
            d: &DeployInfo::default(),
            up: &LocalUpstream::default(),
            problem_list: None,
            now: 0,
        };
        scan_values(&row).into_iter().collect()
    }

    #[test]
    fn a_frontmatter_line_takes_its_key_out_of_the_metadata() {
        let fields = serde_json::json!({
            "author": {"name": "Ann"}, "license": " MIT ", "tags": "[a, b]", "model": "opus"
        });
        let metadata = fields.as_object().unwrap().clone();
        let md = written_by(ArtifactContent {
            metadata: metadata.clone(),
            frontmatter: true,
            ..Default::default()
        });
        assert_eq!(md[":author"], Value::Text("Ann".into()));
        assert_eq!(md[":license"], Value::Text("MIT".into()));
        assert_eq!(md[":tags_json"], Value::Text(r#"["a","b"]"#.into()));
        assert_eq!(
            md[":metadata_json"],
            Value::Text(r#"{"model":"opus"}"#.into())
        );
        // A JSON file's object (or a server's config) is its metadata whole; no field reads it.
        let json = written_by(ArtifactContent {
            metadata,
            ..Default::default()
        });
        assert_eq!(json[":author"], Value::Null);
        assert_eq!(json[":tags_json"], Value::Text("[]".into()));
        assert_eq!(
            json[":metadata_json"],
            Value::Text(to_json(&fields)),
            "kept whole"
        );
    }

    #[test]
    fn every_rule_and_key_names_a_written_column() {
        let cols = written();
        for c in KEY.iter().chain(ON_CONFLICT.iter().map(|(c, _)| c)) {
            assert!(cols.contains(c), "{c} is not written");
        }
        assert!(UPSERT_ARTIFACT.contains("problem_list = excluded.problem_list"));
        assert!(!UPSERT_ARTIFACT.contains("name = excluded.name,"));
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len(), "a column is declared twice");
        assert!(ARTIFACT_COLS.starts_with("id, project_id, "));
        let read: Vec<&str> = COLUMNS.iter().filter(|c| c.2).map(|c| c.0).collect();
        assert_eq!(read[*PATH_AT], "path");
    }
}
