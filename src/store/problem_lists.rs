//! Problem lists, stored once each. Many artifacts carry the same list (every deployment of one
//! collection artifact, every skill with the same spec note), so an `artifacts` row holds the
//! list's key (`problem_list`, NULL for none) and `problem_lists` holds its JSON. The key is the
//! list's content hash (63 bits of SHA-256), so a writer finds a stored list without an index on
//! its text; two lists with one key (about 1 in 20 million among a million lists, or crafted)
//! are told apart by their text, the second taking the next free key.
//! Triggers of schema version 10 delete a list when its last artifact lets go of it.

use rusqlite::Transaction;
use sha2::{Digest, Sha256};

/// The problems of an artifact row, as JSON: from `problem_lists`, unless the row holds its own
/// copy (written by a release of schema 9 still running after this one migrated the file).
pub(super) const PROBLEMS: &str = "CASE WHEN problem_list IS NULL OR problems_json != '[]'
    THEN problems_json ELSE COALESCE((SELECT json FROM problem_lists WHERE id = problem_list), '[]') END";

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

/// Stores the list `json` unless it is empty or stored already; returns its key. A key taken
/// by another list (a hash collision) moves the list to the next free key.
pub(super) fn keep(tx: &Transaction<'_>, json: &str) -> rusqlite::Result<Option<i64>> {
    let Some(mut k) = key(json) else {
        return Ok(None);
    };
    let mut insert = tx.prepare_cached(
        "INSERT INTO problem_lists(id, json) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING",
    )?;
    let mut stored = tx.prepare_cached("SELECT json = ?2 FROM problem_lists WHERE id = ?1")?;
    loop {
        if insert.execute(rusqlite::params![k, json])? == 1
            || stored.query_row(rusqlite::params![k, json], |r| r.get::<_, bool>(0))?
        {
            return Ok(Some(k));
        }
        k = k.wrapping_add(1) & i64::MAX;
    }
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
    tx.execute_batch(V10)
}

const V10: &str = r#"
UPDATE artifacts SET problems_json = '[]' WHERE problems_json != '[]';
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

-- A queue row starts at a random version, not 1 (shifted, so `version + 1` never overflows).
CREATE TRIGGER search_pending_start AFTER INSERT ON search_pending BEGIN
    UPDATE search_pending SET version = random() >> 2 WHERE scope = NEW.scope;
END;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_whose_key_another_holds_takes_the_next_free_one() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE problem_lists (id INTEGER PRIMARY KEY, json TEXT NOT NULL)")
            .unwrap();
        let tx = c.transaction().unwrap();
        let json = r#"[{"code":"X"}]"#;
        let home = key(json).unwrap();
        // Another list already at this list's key (a collision).
        tx.execute(
            "INSERT INTO problem_lists(id, json) VALUES (?1, 'other')",
            [home],
        )
        .unwrap();
        let k = keep(&tx, json).unwrap().unwrap();
        assert_ne!(k, home);
        let at = |k: i64| -> String {
            tx.query_row("SELECT json FROM problem_lists WHERE id = ?1", [k], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(at(k), json);
        assert_eq!(at(home), "other");
        // Stored once: the same list finds its key again.
        assert_eq!(keep(&tx, json).unwrap(), Some(k));
        assert_eq!(keep(&tx, "[]").unwrap(), None);
    }
}
