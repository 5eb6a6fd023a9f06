//! An artifact's texts (description, author, license, tags, tools, metadata), stored once for
//! every artifact that has the same ones (`stored_once`): a collection artifact deployed in many
//! projects has one row of `artifact_texts`, and each `artifacts` row holds its key (`text_key`).
//!
//! The row has no text columns since schema 15 (`compact`). Schemas 11 to 14 kept them, emptied,
//! for a build of schema 10 still running: a row whose texts were stored apart said so with an
//! empty `tags_json` (`''`).

use rusqlite::Transaction;
use rusqlite::types::Value;

use super::stored_once::{self, Memo, Table};

pub(super) static TEXTS: Table = Table {
    name: "artifact_texts",
    key: "text_key",
    columns: &[
        "description",
        "author",
        "license",
        "tags_json",
        "tools_json",
        "metadata_json",
    ],
    sql: std::sync::OnceLock::new(),
};

/// What schemas 11 to 14 left in a row's text columns when its texts were stored apart (in
/// [`TEXTS`]' order).
fn placeholder(i: usize) -> Value {
    match i {
        3 => Value::Text(String::new()),
        4 => Value::Text("[]".into()),
        5 => Value::Text("{}".into()),
        _ => Value::Null,
    }
}

// How each text column is read (joined as `t`).
pub(super) const DESCRIPTION: &str = "t.description";
pub(super) const AUTHOR: &str = "t.author";
pub(super) const LICENSE: &str = "t.license";
pub(super) const TAGS: &str = "COALESCE(t.tags_json, '[]')";
pub(super) const TOOLS: &str = "COALESCE(t.tools_json, '[]')";
pub(super) const METADATA: &str = "COALESCE(t.metadata_json, '{}')";

/// Moves the texts out of the values an upsert writes (`:column` names): stores them once and
/// writes their key into `:text_key`.
pub(super) fn share(
    tx: &Transaction<'_>,
    values: &mut Vec<(&'static str, Value)>,
    memo: &mut Memo,
) -> rusqlite::Result<()> {
    if let (Some(slot), texts) = stored_once::take(&TEXTS, values) {
        values[slot].1 = Value::Integer(stored_once::keep(tx, &TEXTS, &texts, memo)?);
    }
    Ok(())
}

/// Schema version 11: each artifact's texts move to `artifact_texts` (the row keeps its columns,
/// emptied, for a release of schema 10 still running). Also: the search queue follows
/// `text_key`, and the index of artifacts by source is dropped: an upstream check of every
/// artifact wants 70 % of the rows, which reading the table finds faster (0.32 s against 0.51 s
/// through the index for 100k artifacts).
pub(super) fn migrate_v11(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DROP INDEX artifacts_source;
         CREATE TABLE artifact_texts (
             text_key      INTEGER PRIMARY KEY,
             description   TEXT,
             author        TEXT,
             license       TEXT,
             tags_json     TEXT NOT NULL,
             tools_json    TEXT NOT NULL,
             metadata_json TEXT NOT NULL
         );
         ALTER TABLE artifacts ADD COLUMN text_key INTEGER;",
    )?;
    stored_once::move_out(tx, &TEXTS, "1", placeholder)?;
    tx.execute_batch(&stored_once::release_triggers(&TEXTS, "text_key"))?;
    tx.execute_batch(V11_QUEUE)?;
    // A new identity: the search index is rebuilt from these rows at its next open, also after a
    // release of schema 10 still running indexed rows whose texts it reads as empty.
    tx.execute_batch(
        "UPDATE cache_metadata SET value = CAST(abs(random()) AS TEXT) WHERE key = 'instance_id'",
    )
}

/// Schema version 15, before the rebuild: the texts a build of schema 10 wrote into a row itself
/// are stored apart.
pub(super) fn move_own(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    stored_once::move_out(tx, &TEXTS, "tags_json != ''", placeholder)
}

/// Schema version 12: each set of texts counts the artifacts holding it (`stored_once`).
pub(super) fn migrate_v12(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    stored_once::count_holders(tx, &TEXTS, TEXTS.key)
}

/// A project whose artifact takes other texts is indexed again.
const V11_QUEUE: &str = "
CREATE TRIGGER search_artifact_texts AFTER UPDATE OF text_key ON artifacts
    WHEN OLD.text_key IS NOT NEW.text_key
BEGIN
    INSERT INTO search_pending(scope) VALUES ('p:' || NEW.project_id)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_texts_leave_the_row_and_one_copy_is_stored() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE artifact_texts (text_key INTEGER PRIMARY KEY, description TEXT,
                 author TEXT, license TEXT, tags_json TEXT NOT NULL, tools_json TEXT NOT NULL,
                 metadata_json TEXT NOT NULL)",
        )
        .unwrap();
        let tx = c.transaction().unwrap();
        let row = || -> Vec<(&'static str, Value)> {
            vec![
                (":name", Value::Text("n".into())),
                (":description", Value::Text("Does things".into())),
                (":author", Value::Null),
                (":license", Value::Text("MIT".into())),
                (":tags_json", Value::Text(r#"["a"]"#.into())),
                (":tools_json", Value::Text("[]".into())),
                (":metadata_json", Value::Text(r#"{"model":"opus"}"#.into())),
                (":text_key", Value::Null),
            ]
        };
        let (mut one, mut two) = (row(), row());
        share(&tx, &mut one, &mut Memo::default()).unwrap();
        share(&tx, &mut two, &mut Memo::default()).unwrap();
        assert_eq!(one, two);
        // The row keeps its name and the key; the texts have no column in it.
        let names: Vec<&str> = one.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, [":name", ":text_key"]);
        let get = |n: &str| one.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        assert_eq!(get(":name"), Value::Text("n".into()));
        let Value::Integer(key) = get(":text_key") else {
            panic!("no key written")
        };
        let stored: (String, Option<String>, String, i64) = tx
            .query_row(
                "SELECT description, author, metadata_json, (SELECT COUNT(*) FROM artifact_texts)
                 FROM artifact_texts WHERE text_key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            stored,
            ("Does things".into(), None, r#"{"model":"opus"}"#.into(), 1)
        );
        // Other texts, another row.
        let mut three = row();
        three[3].1 = Value::Null;
        share(&tx, &mut three, &mut Memo::default()).unwrap();
        assert_ne!(three.last(), one.last());
    }
}
