//! Values stored once, under a key drawn from their content: many artifacts carry the same
//! problem list or the same texts (every deployment of one collection artifact), so an
//! `artifacts` row holds the key and a table of its own holds the values. The key is 31 bits of
//! the values' SHA-256 (4 bytes in each row that holds it), so a writer finds stored values
//! without an index on them; two sets of values with one key (a few among 100,000 sets, or
//! crafted) are told apart by comparing them, the second taking the next free key. Values stored
//! under a longer key by an earlier build (63 bits, 8 bytes a row) keep it; the same values
//! written again are stored once more under their short key, and the long one goes with its last
//! holder. Each stored row counts the artifacts
//! that hold its key (`refs`, kept by triggers); the trigger that takes the count to 0 deletes
//! the row. (Schema versions 10 and 11 found the holders through an index on the key instead:
//! 18–26 bytes an artifact, against a count in each stored row.)

use std::collections::HashMap;
use std::sync::OnceLock;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

/// A table of values stored once: its name, its key column and its value columns.
pub(super) struct Table {
    pub name: &'static str,
    pub key: &'static str,
    pub columns: &'static [&'static str],
    /// Its SQL, built at first use: (find the values at a key, insert them).
    pub sql: OnceLock<(String, String)>,
}

impl Table {
    fn sql(&self) -> &(String, String) {
        self.sql.get_or_init(|| {
            let cols = self.columns;
            let params: Vec<String> = (2..cols.len() + 2).map(|i| format!("?{i}")).collect();
            let same: Vec<String> = cols
                .iter()
                .zip(&params)
                .map(|(c, p)| format!("{c} IS {p}"))
                .collect();
            (
                format!(
                    "SELECT {} FROM {} WHERE {} = ?1",
                    same.join(" AND "),
                    self.name,
                    self.key
                ),
                format!(
                    "INSERT INTO {}({}, {}) VALUES (?1, {})",
                    self.name,
                    self.key,
                    cols.join(", "),
                    params.join(", ")
                ),
            )
        })
    }
}

/// What one write transaction has stored so far, by the SHA-256 of the values: each set is
/// held by a row written in that transaction, so it stays stored until the transaction ends,
/// unless that row is written again (its project twice in one transaction, or its problems
/// flagged again): then the memo is cleared.
#[derive(Default)]
pub(super) struct Memo(HashMap<(&'static str, [u8; 32]), i64>);

impl Memo {
    /// Forgets everything (a row written in this transaction may let go of its values).
    pub(super) fn clear(&mut self) {
        self.0.clear();
    }
}

/// The key of values whose SHA-256 is `digest`: its first 31 bits.
fn key_of(digest: &[u8; 32]) -> i64 {
    let mut first = [0u8; 4];
    first.copy_from_slice(&digest[..4]);
    i64::from(u32::from_be_bytes(first) >> 1)
}

/// Stores `values` (one per column of `table`) unless stored already; returns the key they are
/// stored under. A key taken by other values (a hash collision) moves them to the next free key.
pub(super) fn keep(
    tx: &Transaction<'_>,
    table: &Table,
    values: &[Value],
    memo: &mut Memo,
) -> rusqlite::Result<i64> {
    let digest: [u8; 32] = Sha256::digest(encode(values)).into();
    if let Some(key) = memo.0.get(&(table.name, digest)) {
        return Ok(*key);
    }
    let (find, insert) = table.sql();
    let mut find = tx.prepare_cached(find)?;
    let mut key = key_of(&digest);
    loop {
        let at = Value::Integer(key);
        let bound = || std::iter::once(&at).chain(values.iter());
        let same: Option<bool> = find
            .query_row(rusqlite::params_from_iter(bound()), |r| r.get(0))
            .optional()?;
        match same {
            Some(true) => break,
            Some(false) => key = key.wrapping_add(1) & i64::MAX,
            None => {
                tx.prepare_cached(insert)?
                    .execute(rusqlite::params_from_iter(bound()))?;
                break;
            }
        }
    }
    memo.0.insert((table.name, digest), key);
    Ok(key)
}

/// The triggers of schema versions 10 and 11 that delete a row of `table` when no artifact
/// holds its key in `column` any more (found by a partial index on `column`).
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

/// Schema version 12: each row of `table` counts the artifacts holding its key in `column`
/// (`refs`), the triggers keep the count and delete a row at 0; the index of version 10/11 and
/// its triggers go. Rows nobody holds are deleted.
pub(super) fn count_holders(
    tx: &Transaction<'_>,
    table: &Table,
    column: &str,
) -> rusqlite::Result<()> {
    let (t, k) = (table.name, table.key);
    tx.execute_batch(&format!(
        "ALTER TABLE {t} ADD COLUMN refs INTEGER NOT NULL DEFAULT 0;
UPDATE {t} SET refs = (SELECT COUNT(*) FROM artifacts WHERE {column} = {t}.{k});
DELETE FROM {t} WHERE refs = 0;
DROP TRIGGER {column}_release_delete;
DROP TRIGGER {column}_release_update;
DROP INDEX artifacts_{column};
{}",
        holder_triggers(table, column)
    ))
}

/// The triggers that keep `refs` of `table` (the artifacts holding each key in their `column`)
/// on insert, on a key change and on delete; the one that takes a count to 0 deletes the row.
pub(super) fn holder_triggers(table: &Table, column: &str) -> String {
    let (t, k) = (table.name, table.key);
    format!(
        "CREATE TRIGGER {column}_hold AFTER INSERT ON artifacts
    WHEN NEW.{column} IS NOT NULL
BEGIN
    UPDATE {t} SET refs = refs + 1 WHERE {k} = NEW.{column};
END;
CREATE TRIGGER {column}_move AFTER UPDATE OF {column} ON artifacts
    WHEN OLD.{column} IS NOT NEW.{column}
BEGIN
    UPDATE {t} SET refs = refs + 1 WHERE {k} = NEW.{column};
    UPDATE {t} SET refs = refs - 1 WHERE {k} = OLD.{column};
    DELETE FROM {t} WHERE {k} = OLD.{column} AND refs <= 0;
END;
CREATE TRIGGER {column}_let_go AFTER DELETE ON artifacts
    WHEN OLD.{column} IS NOT NULL
BEGIN
    UPDATE {t} SET refs = refs - 1 WHERE {k} = OLD.{column};
    DELETE FROM {t} WHERE {k} = OLD.{column} AND refs <= 0;
END;
"
    )
}

/// The column a write's value names (`:column`).
pub(super) fn column(name: &str) -> &str {
    name.trim_start_matches(':')
}

/// Takes the values of `table`'s columns out of a write's values (`:column` names): the row has
/// no such columns. Returns where the key goes (`:<table.key>`, if the write sets it) and the
/// values taken in `table`'s column order (NULL for a column the write does not set).
pub(super) fn take(
    table: &Table,
    values: &mut Vec<(&'static str, Value)>,
) -> (Option<usize>, Vec<Value>) {
    let mut taken = vec![Value::Null; table.columns.len()];
    values.retain_mut(
        |(name, v)| match table.columns.iter().position(|c| *c == column(name)) {
            Some(i) => {
                taken[i] = std::mem::replace(v, Value::Null);
                false
            }
            None => true,
        },
    );
    let slot = values.iter().position(|(n, _)| column(n) == table.key);
    (slot, taken)
}

/// Whether `column` is one of a table's stored once (not a column of `artifacts`).
pub(super) fn stored_apart(column: &str) -> bool {
    [&super::texts::TEXTS, &super::deployments::DEPLOYMENTS]
        .iter()
        .any(|t| t.columns.contains(&column))
}

/// Moves the values of `table`'s columns out of the artifact rows matching `only` (SQL) into
/// `table` (stored once), leaving each row the key and `left(i)` in the `i`th column. The search
/// queue's trigger is set aside meanwhile (the values do not change), and put back as it was.
pub(super) fn move_out(
    tx: &Transaction<'_>,
    table: &Table,
    only: &str,
    left: impl Fn(usize) -> Value,
) -> rusqlite::Result<()> {
    let queue: String = tx.query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'search_artifact_update'",
        [],
        |r| r.get(0),
    )?;
    tx.execute_batch("DROP TRIGGER search_artifact_update")?;
    let n = table.columns.len();
    let rows: Vec<(i64, Vec<Value>)> = tx
        .prepare(&format!(
            "SELECT rowid, {} FROM artifacts WHERE {only}",
            table.columns.join(", ")
        ))?
        .query_map([], |r| {
            let values = (1..=n)
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<Value>>>()?;
            Ok((r.get(0)?, values))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let sets: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 3))
        .collect();
    let mut set = tx.prepare(&format!(
        "UPDATE artifacts SET {} = ?2, {} WHERE rowid = ?1",
        table.key,
        sets.join(", ")
    ))?;
    let mut memo = Memo::default();
    for (rowid, values) in rows {
        let key = keep(tx, table, &values, &mut memo)?;
        let bound = [Value::Integer(rowid), Value::Integer(key)]
            .into_iter()
            .chain((0..n).map(&left));
        set.execute(rusqlite::params_from_iter(bound))?;
    }
    tx.execute_batch(&queue)
}

/// `values` serialized unambiguously (each value's type, length and bytes), for [`keep`].
fn encode(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        let (tag, bytes): (u8, std::borrow::Cow<'_, [u8]>) = match v {
            Value::Null => (0, (&[][..]).into()),
            Value::Integer(i) => (1, i.to_be_bytes().to_vec().into()),
            Value::Real(f) => (2, f.to_be_bytes().to_vec().into()),
            Value::Text(s) => (3, s.as_bytes().into()),
            Value::Blob(b) => (4, b.as_slice().into()),
        };
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    static PAIRS: Table = Table {
        name: "pairs",
        key: "id",
        columns: &["a", "b"],
        sql: OnceLock::new(),
    };

    /// A database holding [`PAIRS`]' table.
    fn pairs() -> rusqlite::Connection {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE pairs (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL)")
            .unwrap();
        c
    }

    #[test]
    fn values_whose_key_others_hold_take_the_next_free_one() {
        let mut c = pairs();
        let tx = c.transaction().unwrap();
        let mine = [Value::Null, Value::Text("x".into())];
        let home = key_of(&Sha256::digest(encode(&mine)).into());
        // Other values already at this key (a collision).
        tx.execute("INSERT INTO pairs(id, a, b) VALUES (?1, 'o', 'x')", [home])
            .unwrap();
        let mut memo = Memo::default();
        let k = keep(&tx, &PAIRS, &mine, &mut memo).unwrap();
        assert_ne!(k, home);
        let at = |k: i64| -> (Option<String>, String) {
            tx.query_row("SELECT a, b FROM pairs WHERE id = ?1", [k], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
        };
        assert_eq!(at(k), (None, "x".into()));
        assert_eq!(at(home), (Some("o".into()), "x".into()));
        // Stored once: the same values find their key again, by the memo or without it, NULLs
        // compared as values.
        assert_eq!(keep(&tx, &PAIRS, &mine, &mut memo).unwrap(), k);
        assert_eq!(keep(&tx, &PAIRS, &mine, &mut Memo::default()).unwrap(), k);
        let n: i64 = tx
            .query_row("SELECT COUNT(*) FROM pairs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn keys_fit_four_bytes_and_values_under_a_long_key_are_stored_again_under_a_short_one() {
        let mut c = pairs();
        let tx = c.transaction().unwrap();
        // As an earlier build stored them: under 63 bits of their hash.
        let long = i64::MAX - 7;
        tx.execute("INSERT INTO pairs(id, a, b) VALUES (?1, 'a', 'b')", [long])
            .unwrap();
        let values = [Value::Text("a".into()), Value::Text("b".into())];
        let k = keep(&tx, &PAIRS, &values, &mut Memo::default()).unwrap();
        assert!((0..1 << 31).contains(&k), "{k}");
        let stored: Vec<i64> = tx
            .prepare("SELECT id FROM pairs WHERE a = 'a' AND b = 'b' ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(stored, [k, long]);
        // A 31-bit key is stored in 4 bytes of a record (SQLite's integer sizes: 1, 2, 3, 4, 6, 8).
        for digest in [[0xffu8; 32], [0u8; 32]] {
            assert!((0..1 << 31).contains(&key_of(&digest)));
        }
    }
}
