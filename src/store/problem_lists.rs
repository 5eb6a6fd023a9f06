//! Problem lists, stored once each. Many artifacts carry the same list (every deployment of one
//! collection artifact, every skill with the same spec note), so an `artifacts` row holds the
//! list's key (`problem_list`, NULL for none) and `problem_lists` holds its JSON. The key is the
//! list's content hash (63 bits of SHA-256): a writer computes it without a lookup, and the
//! chance that two different lists among a million share one is about 1 in 20 million.
//! Triggers of schema version 10 delete a list when its last artifact lets go of it.

use rusqlite::Transaction;
use sha2::{Digest, Sha256};

/// The key of a list's JSON; `None` for the empty list (stored as NULL).
pub(super) fn key(json: &str) -> Option<i64> {
    if json == "[]" {
        return None;
    }
    let digest = Sha256::digest(json.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    Some(i64::from_be_bytes(first) & i64::MAX)
}

/// Stores the list `json` unless it is empty or stored already; returns its key.
pub(super) fn keep(tx: &Transaction<'_>, json: &str) -> rusqlite::Result<Option<i64>> {
    let Some(k) = key(json) else { return Ok(None) };
    tx.prepare_cached(
        "INSERT INTO problem_lists(id, json) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING",
    )?
    .execute(rusqlite::params![k, json])?;
    Ok(Some(k))
}

/// Schema version 10: moves each artifact's problems into `problem_lists`, drops the old
/// column, and adds the triggers that delete a list nobody holds. Also: the search queue's
/// versions start at a random number, so a row removed and queued again never comes back with
/// the version a slower index writer read before (it would then remove the new change).
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
    tx.execute_batch(V10)
}

const V10: &str = r#"
ALTER TABLE artifacts DROP COLUMN problems_json;
CREATE INDEX artifacts_problem_list ON artifacts(problem_list) WHERE problem_list IS NOT NULL;
CREATE TRIGGER problem_list_release_delete AFTER DELETE ON artifacts
    WHEN OLD.problem_list IS NOT NULL
BEGIN
    DELETE FROM problem_lists WHERE id = OLD.problem_list
        AND NOT EXISTS (SELECT 1 FROM artifacts WHERE problem_list = OLD.problem_list);
END;
CREATE TRIGGER problem_list_release_update AFTER UPDATE OF problem_list ON artifacts
    WHEN OLD.problem_list IS NOT NULL AND OLD.problem_list IS NOT NEW.problem_list
BEGIN
    DELETE FROM problem_lists WHERE id = OLD.problem_list
        AND NOT EXISTS (SELECT 1 FROM artifacts WHERE problem_list = OLD.problem_list);
END;

-- A queue row starts at a random version, not 1.
CREATE TRIGGER search_pending_start AFTER INSERT ON search_pending BEGIN
    UPDATE search_pending SET version = random() WHERE scope = NEW.scope;
END;
"#;
