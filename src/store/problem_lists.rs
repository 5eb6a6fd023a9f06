//! Problem lists, stored once each (`stored_once`): many artifacts carry the same list (every
//! deployment of one collection artifact, every skill with the same spec note), so an
//! `artifacts` row holds the list's key (`problem_list`, NULL for none) and `problem_lists` holds
//! its JSON. Triggers of schema version 10 delete a list when its last artifact lets go of it.

use rusqlite::Transaction;
use rusqlite::types::Value;

use super::stored_once::{self, Table};

/// The problems of an artifact row, as JSON: from `problem_lists`, unless the row holds its own
/// copy (written by a release of schema 9 still running after this one migrated the file).
pub(super) const PROBLEMS: &str = "CASE WHEN problem_list IS NULL OR problems_json != '[]'
    THEN problems_json ELSE COALESCE((SELECT json FROM problem_lists WHERE id = problem_list), '[]') END";

const LISTS: Table = Table {
    name: "problem_lists",
    key: "id",
    columns: &["json"],
};

/// Stores the list `json` unless it is empty or stored already; returns its key (`None` for the
/// empty list, stored as NULL).
pub(super) fn keep(tx: &Transaction<'_>, json: &str) -> rusqlite::Result<Option<i64>> {
    if json == "[]" {
        return Ok(None);
    }
    let key = stored_once::key_of(json.as_bytes());
    stored_once::keep(tx, &LISTS, key, &[Value::Text(json.to_string())]).map(Some)
}

/// Schema version 10: moves each artifact's problems into `problem_lists` and adds the triggers
/// that delete a list nobody holds. The old column stays, emptied (`'[]'`): a release of schema
/// 9 still running when this one migrates the file reads and writes it, and keeps working.
/// Also: the search queue's versions start at a random number, so a row removed and queued
/// again never comes back with the version a slower index writer read before (it would then
/// remove the new change).
pub(super) fn migrate_v10(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE problem_lists (
             id   INTEGER PRIMARY KEY,
             json TEXT NOT NULL
         );
         ALTER TABLE artifacts ADD COLUMN problem_list INTEGER;",
    )?;
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT rowid, problems_json FROM artifacts WHERE problems_json != '[]'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = tx.prepare("UPDATE artifacts SET problem_list = ?2 WHERE rowid = ?1")?;
    for (rowid, json) in rows {
        set.execute(rusqlite::params![rowid, keep(tx, &json)?])?;
    }
    drop(set);
    tx.execute_batch(V10)?;
    tx.execute_batch(&stored_once::release_triggers(&LISTS, "problem_list"))
}

const V10: &str = r#"
UPDATE artifacts SET problems_json = '[]' WHERE problems_json != '[]';
-- A queue row starts at a random version, not 1 (shifted, so `version + 1` never overflows).
CREATE TRIGGER search_pending_start AFTER INSERT ON search_pending BEGIN
    UPDATE search_pending SET version = random() >> 2 WHERE scope = NEW.scope;
END;
"#;
