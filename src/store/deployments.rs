//! An artifact's deployment (its source, version spec, collection, deployed commit and hash,
//! and the commit the collection lock names), stored once for every artifact that has the same
//! one (`stored_once`): a collection artifact deployed in many projects has one row of
//! `artifact_deployments`, and each `artifacts` row holds its key (`deploy_key`). An artifact
//! with no deployment stores nothing apart.
//!
//! The row has no deployment columns since schema 15 (`compact`). Schemas 13 and 14 kept them,
//! emptied, for a build of schema 12 still running: a row whose deployment was stored apart said
//! so with an empty `source` (`''`).

use rusqlite::Transaction;
use rusqlite::types::Value;

use super::stored_once::{self, Memo, Table};

pub(super) static DEPLOYMENTS: Table = Table {
    name: "artifact_deployments",
    key: "deploy_key",
    columns: &[
        "source",
        "version_spec",
        "from_collection",
        "deployed_sha",
        "deployed_hash",
        "collection_sha",
    ],
    sql: std::sync::OnceLock::new(),
};

/// What schemas 13 and 14 left in a row's deployment columns when its deployment was stored
/// apart (in [`DEPLOYMENTS`]' order).
fn placeholder(i: usize) -> Value {
    match i {
        0 => Value::Text(String::new()),
        _ => Value::Null,
    }
}

/// Joins an artifact row to its deployment (`d`).
macro_rules! with_deployment {
    () => {
        "LEFT JOIN artifact_deployments d ON d.deploy_key = artifacts.deploy_key"
    };
}
pub(super) use with_deployment;

// How each deployment column is read, joined.
pub(super) const SOURCE: &str = "d.source";
pub(super) const VERSION_SPEC: &str = "d.version_spec";
pub(super) const FROM_COLLECTION: &str = "d.from_collection";
pub(super) const DEPLOYED_SHA: &str = "d.deployed_sha";
pub(super) const DEPLOYED_HASH: &str = "d.deployed_hash";
pub(super) const COLLECTION_SHA: &str = "d.collection_sha";

/// Moves the deployment out of the values a write sets (`:column` names): stores it once and
/// writes its key into `:deploy_key`; returns the key. A row with no deployment gets no key.
pub(super) fn share(
    tx: &Transaction<'_>,
    values: &mut Vec<(&'static str, Value)>,
    memo: &mut Memo,
) -> rusqlite::Result<Option<i64>> {
    let (slot, deployment) = stored_once::take(&DEPLOYMENTS, values);
    let Some(slot) = slot.filter(|_| deployment.iter().any(|v| *v != Value::Null)) else {
        return Ok(None);
    };
    let key = stored_once::keep(tx, &DEPLOYMENTS, &deployment, memo)?;
    values[slot].1 = Value::Integer(key);
    Ok(Some(key))
}

/// Deletes the deployment stored under `key` if no row holds it (a write that stored it for a
/// row found none to update); the memo forgets what this transaction stored.
pub(super) fn release_unheld(
    tx: &Transaction<'_>,
    key: Option<i64>,
    memo: &mut Memo,
) -> rusqlite::Result<()> {
    if let Some(key) = key {
        tx.execute(
            "DELETE FROM artifact_deployments WHERE deploy_key = ?1 AND refs <= 0",
            [key],
        )?;
        memo.clear();
    }
    Ok(())
}

/// Schema version 13: each artifact's deployment moves to `artifact_deployments` (the row
/// keeps its columns, emptied but for the marker, for a release of schema 12 still running).
/// A project whose artifacts take another deployment is indexed again for search (the source
/// is searched).
pub(super) fn migrate_v13(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(&format!(
        "CREATE TABLE artifact_deployments (
             deploy_key      INTEGER PRIMARY KEY,
             source          TEXT,
             version_spec    TEXT,
             from_collection TEXT,
             deployed_sha    TEXT,
             deployed_hash   BLOB,
             collection_sha  TEXT,
             refs            INTEGER NOT NULL DEFAULT 0
         );
         ALTER TABLE artifacts ADD COLUMN deploy_key INTEGER;
         {}",
        stored_once::holder_triggers(&DEPLOYMENTS, DEPLOYMENTS.key)
    ))?;
    stored_once::move_out(tx, &DEPLOYMENTS, &any_column(), placeholder)?;
    tx.execute_batch(V13_QUEUE)
}

/// Schema version 15, before the rebuild: the deployment a build of schema 12 wrote into a row
/// itself (any of its columns, with or without a source) is stored apart, and a row it wrote as
/// deployed no more lets go of the key it kept.
pub(super) fn move_own(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let own = format!("source IS NOT '' AND ({})", any_column());
    stored_once::move_out(tx, &DEPLOYMENTS, &own, placeholder)?;
    tx.execute_batch(
        "UPDATE artifacts SET deploy_key = NULL WHERE source IS NOT '' AND deploy_key IS NOT NULL",
    )
}

/// SQL: the row holds a value in one of the deployment columns.
fn any_column() -> String {
    let any: Vec<String> = DEPLOYMENTS
        .columns
        .iter()
        .map(|c| format!("{c} IS NOT NULL"))
        .collect();
    any.join(" OR ")
}

/// A project whose artifact takes another deployment is indexed again.
const V13_QUEUE: &str = "
CREATE TRIGGER search_artifact_deployment AFTER UPDATE OF deploy_key ON artifacts
    WHEN OLD.deploy_key IS NOT NEW.deploy_key
BEGIN
    INSERT INTO search_pending(scope) VALUES ('p:' || NEW.project_id)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
";
