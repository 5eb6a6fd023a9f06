//! Values stored once, under a key drawn from their content: many artifacts carry the same
//! problem list or the same texts (every deployment of one collection artifact), so an
//! `artifacts` row holds the key and a table of its own holds the values. The key is 63 bits of
//! the values' SHA-256, so a writer finds stored values without an index on them; two sets of
//! values with one key (about 1 in 20 million among a million, or crafted) are told apart by
//! comparing them, the second taking the next free key. Triggers delete a stored row when its
//! last artifact lets go of it.

use rusqlite::Transaction;
use rusqlite::types::Value;
use sha2::{Digest, Sha256};

/// A table of values stored once: its name, its key column and its value columns.
pub(super) struct Table {
    pub name: &'static str,
    pub key: &'static str,
    pub columns: &'static [&'static str],
}

/// The key of `bytes` (the values, serialized unambiguously).
pub(super) fn key_of(bytes: &[u8]) -> i64 {
    let digest = Sha256::digest(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first) & i64::MAX
}

/// Stores `values` (one per column of `table`) under `key` unless stored already; returns the
/// key they are stored under. A key taken by other values (a hash collision) moves them to the
/// next free key.
pub(super) fn keep(
    tx: &Transaction<'_>,
    table: &Table,
    mut key: i64,
    values: &[Value],
) -> rusqlite::Result<i64> {
    let cols = table.columns;
    let params: Vec<String> = (2..cols.len() + 2).map(|i| format!("?{i}")).collect();
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO {t}({k}, {c}) VALUES (?1, {p}) ON CONFLICT({k}) DO NOTHING",
        t = table.name,
        k = table.key,
        c = cols.join(", "),
        p = params.join(", ")
    ))?;
    let same: Vec<String> = cols
        .iter()
        .zip(&params)
        .map(|(c, p)| format!("{c} IS {p}"))
        .collect();
    let mut stored = tx.prepare_cached(&format!(
        "SELECT {} FROM {} WHERE {} = ?1",
        same.join(" AND "),
        table.name,
        table.key
    ))?;
    loop {
        let bound = || std::iter::once(Value::Integer(key)).chain(values.iter().cloned());
        if insert.execute(rusqlite::params_from_iter(bound()))? == 1
            || stored.query_row(rusqlite::params_from_iter(bound()), |r| r.get::<_, bool>(0))?
        {
            return Ok(key);
        }
        key = key.wrapping_add(1) & i64::MAX;
    }
}

/// The triggers that delete a row of `table` when no artifact holds its key in `column` any
/// more (found by a partial index on `column`).
pub(super) fn release_triggers(table: &Table, column: &str) -> String {
    let (t, k) = (table.name, table.key);
    format!(
        "CREATE INDEX artifacts_{column} ON artifacts({column}) WHERE {column} IS NOT NULL;
CREATE TRIGGER {column}_release_delete AFTER DELETE ON artifacts
    WHEN OLD.{column} IS NOT NULL
BEGIN
    DELETE FROM {t} WHERE {k} = OLD.{column}
        AND NOT EXISTS (SELECT 1 FROM artifacts WHERE {column} = OLD.{column});
END;
CREATE TRIGGER {column}_release_update AFTER UPDATE OF {column} ON artifacts
    WHEN OLD.{column} IS NOT NULL AND OLD.{column} IS NOT NEW.{column}
BEGIN
    DELETE FROM {t} WHERE {k} = OLD.{column}
        AND NOT EXISTS (SELECT 1 FROM artifacts WHERE {column} = OLD.{column});
END;
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIRS: Table = Table {
        name: "pairs",
        key: "id",
        columns: &["a", "b"],
    };

    #[test]
    fn values_whose_key_others_hold_take_the_next_free_one() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE pairs (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL)")
            .unwrap();
        let tx = c.transaction().unwrap();
        let home = key_of(b"x");
        let mine = [Value::Null, Value::Text("x".into())];
        // Other values already at this key (a collision).
        tx.execute("INSERT INTO pairs(id, a, b) VALUES (?1, 'o', 'x')", [home])
            .unwrap();
        let k = keep(&tx, &PAIRS, home, &mine).unwrap();
        assert_ne!(k, home);
        let at = |k: i64| -> (Option<String>, String) {
            tx.query_row("SELECT a, b FROM pairs WHERE id = ?1", [k], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
        };
        assert_eq!(at(k), (None, "x".into()));
        assert_eq!(at(home), (Some("o".into()), "x".into()));
        // Stored once: the same values find their key again, NULLs compared as values.
        assert_eq!(keep(&tx, &PAIRS, home, &mine).unwrap(), k);
        let n: i64 = tx
            .query_row("SELECT COUNT(*) FROM pairs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }
}
