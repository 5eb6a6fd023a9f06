//! The compact `artifacts` row of schema 15: a value most rows share, or one the row's
//! deployment holds already, is not stored in the row but read back from what it stands for.
//! Each column here has its read expression (SQL, used wherever a value is read for a caller)
//! and the value a write stores; SQL that only tests the stored form (`health IS NOT NULL`, a
//! partial index, a trigger comparing old and new) reads the column itself, as the stored and
//! the read values match one to one.
//!
//! | column | stored | read as |
//! |---|---|---|
//! | `profile` | NULL for `.claude` | `.claude` |
//! | `origin` | NULL for `local`, `''` for `collection` | those |
//! | `upstream_origin` | `''` for `collection` | `collection` |
//! | `status`, `health` | NULL for `ok` | `ok` |
//! | `content_hash` | an empty blob when it is the deployment's hash | `deployed_hash` of `deploy_key` |
//! | `fingerprint` | 16 hex digits as an 8-byte integer | the digits |
//! | `project_name` | not stored | the project's `name` |
//!
//! What moved to tables of their own (texts, deployments, problem lists) has no column left in
//! the row. Schema 15 is the schema of the first published release (0.1.0); a build of an earlier
//! schema that opens the file afterwards keeps a file of its own (`docs/release.md`).

use rusqlite::types::{Value, ValueRef};

use crate::values::UpstreamOrigin;

/// The profile a row stores as NULL (a macro for `concat!`).
macro_rules! usual_profile {
    () => {
        ".claude"
    };
}

pub(super) use usual_profile;

/// The profile a row stores as NULL.
const USUAL_PROFILE: &str = usual_profile!();

/// How `profile` is read (a macro for `concat!`).
macro_rules! profile_sql {
    () => {
        concat!(
            "COALESCE(artifacts.profile, '",
            super::compact::usual_profile!(),
            "')"
        )
    };
}
pub(super) use profile_sql;

/// How `profile` is read.
pub(super) const PROFILE: &str = profile_sql!();

/// How `origin` is read.
pub(super) const ORIGIN: &str = "(CASE WHEN artifacts.origin IS NULL THEN 'local' \
     WHEN artifacts.origin = '' THEN 'collection' ELSE artifacts.origin END)";

/// How `upstream_origin` is read.
pub(super) const UPSTREAM_ORIGIN: &str = "(CASE WHEN artifacts.upstream_origin = '' \
     THEN 'collection' ELSE artifacts.upstream_origin END)";

/// How `status` is read.
pub(super) const STATUS: &str = "COALESCE(artifacts.status, 'ok')";

/// How `health` is read.
pub(super) const HEALTH: &str = "COALESCE(artifacts.health, 'ok')";

/// How `project_name` is read: the project's name.
pub(super) const PROJECT_NAME: &str =
    "(SELECT name FROM projects WHERE projects.id = artifacts.project_id)";

/// How the content hash of the row `prefix` names (`artifacts.`, `excluded.`) is read: its
/// deployment's hash where it stores the empty marker.
macro_rules! content_hash_of {
    ($prefix:literal) => {
        concat!(
            "(CASE WHEN ",
            $prefix,
            "content_hash = X'' THEN (SELECT deployed_hash FROM artifact_deployments WHERE deploy_key = ",
            $prefix,
            "deploy_key) ELSE ",
            $prefix,
            "content_hash END)"
        )
    };
}
pub(super) use content_hash_of;

/// How `content_hash` is read.
pub(super) const CONTENT_HASH: &str = content_hash_of!("artifacts.");

/// The profile a row stores.
pub(super) fn profile(profile: &str) -> Option<&str> {
    (profile != USUAL_PROFILE).then_some(profile)
}

/// The origin a row stores.
pub(super) fn origin(origin: &str) -> Option<&str> {
    match origin {
        "local" => None,
        "collection" => Some(""),
        other => Some(other),
    }
}

/// The upstream origin a row stores.
pub(super) fn upstream_origin(origin: Option<UpstreamOrigin>) -> Option<&'static str> {
    origin.map(|o| match o {
        UpstreamOrigin::Collection => "",
        other => other.as_str(),
    })
}

/// The filter of rows whose origin is `origin` (SQL), with its parameter if it takes one. No
/// row's origin reads empty (`''` is how `collection` is stored).
pub(super) fn origin_filter(origin: &str) -> (&'static str, Option<String>) {
    if origin.is_empty() {
        return ("0", None);
    }
    match self::origin(origin) {
        None => ("artifacts.origin IS NULL", None),
        Some(o) => ("artifacts.origin = ?", Some(o.to_string())),
    }
}

/// A status or health a row stores: NULL for `ok`.
pub(super) fn unless_ok(value: &str) -> Option<&str> {
    (value != "ok").then_some(value)
}

/// The filter of rows whose `column` (`status`, `health`) reads `value` (a validated word).
pub(super) fn ok_filter(column: &str, value: &str) -> String {
    match unless_ok(value) {
        None => format!("artifacts.{column} IS NULL"),
        Some(v) => format!("artifacts.{column} = '{v}'"),
    }
}

/// The content hash a row stores: the empty marker when it is `deployed`, the hash recorded at
/// deployment (held by the row's deployment).
pub(super) fn content_hash(content: Option<&str>, deployed: Option<&str>) -> Value {
    let stored = super::hash_to_sql(content);
    if content.is_some() && stored == super::hash_to_sql(deployed) {
        return Value::Blob(Vec::new());
    }
    stored
}

/// The fingerprint a row stores: 16 lower-case hex digits (what a scan writes for files it read
/// whole) as the integer they spell, anything else (a fingerprint marked for a retry) as text.
pub(super) fn fingerprint(fp: &str) -> Value {
    if fp.len() != 16 || !fp.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Value::Text(fp.to_string());
    }
    match u64::from_str_radix(fp, 16) {
        Ok(n) => Value::Integer(n as i64),
        Err(_) => Value::Text(fp.to_string()),
    }
}

/// A stored fingerprint read back.
pub(super) fn fingerprint_from_sql(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Integer(n) => format!("{:016x}", n as u64),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        _ => String::new(),
    }
}

/// Schema version 15: the `artifacts` table rebuilt compact (see the module doc). What a build of
/// schema 9 to 12 wrote into a row itself after a newer one migrated the file (its problems, its
/// texts, its deployment, or that it has none) is first stored apart as schemas 10 to 13 stored
/// every row's, so that the row reads the same after the rebuild.
pub(super) fn migrate_v15(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    super::problem_lists::move_own(tx)?;
    super::texts::move_own(tx)?;
    super::deployments::move_own(tx)?;
    tx.execute_batch(
        r#"
CREATE TABLE artifacts_v15 (
    id                  TEXT PRIMARY KEY,
    project_id          TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    profile             TEXT,
    type                TEXT NOT NULL,
    name                TEXT NOT NULL,
    display_name        TEXT,
    path                TEXT NOT NULL,
    version             TEXT,
    origin              TEXT,
    deployed_name       TEXT,
    deployed_at         TEXT,
    deployed_version    TEXT,
    content_hash        BLOB,
    local_modified      INTEGER NOT NULL DEFAULT 0,
    upstream_version    TEXT,
    upstream_sha        TEXT,
    upstream_checked_at INTEGER,
    upstream_origin     TEXT,
    upstream_error      TEXT,
    is_outdated         INTEGER NOT NULL DEFAULT 0,
    version_diff        TEXT,
    diff_rank           INTEGER NOT NULL DEFAULT 0,
    collection_version  TEXT,
    status              TEXT CHECK (status = 'error'),
    health              TEXT CHECK (health IN ('degraded', 'broken')),
    error               TEXT,
    size_bytes          INTEGER NOT NULL DEFAULT 0,
    file_count          INTEGER NOT NULL DEFAULT 0,
    modified_at         INTEGER NOT NULL DEFAULT 0,
    -- No declared type: an integer stays one, a text stays text.
    fingerprint         NOT NULL,
    scanned_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    problem_list        INTEGER,
    text_key            INTEGER,
    deploy_key          INTEGER
);
"#,
    )?;
    // The old indexes go first: the new table takes the pages they free, and the file grows less.
    let indexes: Vec<String> = tx
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'artifacts'
                 AND sql IS NOT NULL",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for index in indexes {
        tx.execute_batch(&format!("DROP INDEX \"{}\"", index.replace('"', "\"\"")))?;
    }
    // The fingerprint's new form is computed here, once per row.
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT rowid, fingerprint FROM artifacts")?
        .query_map([], |r| Ok((r.get(0)?, fingerprint_from_sql(r.get_ref(1)?))))?
        .collect::<rusqlite::Result<_>>()?;
    let mut copy = tx.prepare(concat!(
        "INSERT INTO artifacts_v15 SELECT a.id, a.project_id, NULLIF(a.profile, '",
        usual_profile!(),
        "'), a.type,
             a.name, a.display_name, a.path, a.version,
             CASE a.origin WHEN 'local' THEN NULL WHEN 'collection' THEN '' ELSE a.origin END,
             a.deployed_name, a.deployed_at, a.deployed_version,
             CASE WHEN a.content_hash = d.deployed_hash THEN X'' ELSE a.content_hash END,
             a.local_modified, a.upstream_version, a.upstream_sha, a.upstream_checked_at,
             CASE a.upstream_origin WHEN 'collection' THEN '' ELSE a.upstream_origin END,
             a.upstream_error, a.is_outdated, a.version_diff, a.diff_rank,
             a.collection_version, NULLIF(a.status, 'ok'), NULLIF(a.health, 'ok'), a.error,
             a.size_bytes, a.file_count, a.modified_at, ?2, a.scanned_at, a.updated_at,
             a.problem_list, a.text_key, a.deploy_key
         FROM artifacts a LEFT JOIN artifact_deployments d ON d.deploy_key = a.deploy_key
            AND a.source = ''
         WHERE a.rowid = ?1"
    ))?;
    for (rowid, fp) in rows {
        copy.execute(rusqlite::params![rowid, fingerprint(&fp)])?;
    }
    drop(copy);
    // Dropping the old table drops its indexes and triggers; the counts the stored-once tables
    // keep stay right, as every row is copied with its keys.
    // The triggers the rebuild does not change (the stored-once counts, the search queue's
    // insert and delete) are made again as schema 14 had them; the update one named dropped
    // columns and is written anew below.
    let kept: Vec<String> = tx
        .prepare(
            "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'artifacts'
                 AND name != 'search_artifact_update'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    tx.execute_batch("DROP TABLE artifacts; ALTER TABLE artifacts_v15 RENAME TO artifacts;")?;
    for sql in kept {
        tx.execute_batch(&sql)?;
    }
    tx.execute_batch(INDEXES_AND_TRIGGERS)
}

/// The indexes of the rebuilt table (those of schema 14 but the ones by project name, which is
/// no column now, and the outdated ones by difference no query sorts by), the search queue's
/// update trigger without the dropped columns, and a project renamed queued for search too.
const INDEXES_AND_TRIGGERS: &str = r#"
CREATE INDEX artifacts_project_name ON artifacts(project_id, name);
CREATE INDEX artifacts_name ON artifacts(name);
CREATE INDEX artifacts_type_name ON artifacts(type, name);
CREATE INDEX artifacts_updated ON artifacts(updated_at);
CREATE INDEX artifacts_error_name ON artifacts(name) WHERE status = 'error';
CREATE INDEX artifacts_health ON artifacts(health, name) WHERE health IS NOT NULL;
CREATE INDEX artifacts_outdated_name ON artifacts(name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_type ON artifacts(type, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_pid ON artifacts(project_id, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_updated ON artifacts(updated_at) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_name_nocase ON artifacts(name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_rank_nocase ON artifacts(diff_rank, name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_type_nocase ON artifacts(type, name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_pid_nocase ON artifacts(project_id, name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_diff_nocase ON artifacts(version_diff, name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX projects_name_nocase ON projects(name COLLATE NOCASE);

CREATE TRIGGER search_artifact_update AFTER UPDATE OF name, display_name, type, project_id, origin,
        status, is_outdated, deployed_version, updated_at ON artifacts
    WHEN OLD.name IS NOT NEW.name OR OLD.display_name IS NOT NEW.display_name OR OLD.type IS NOT NEW.type
        OR OLD.project_id IS NOT NEW.project_id OR OLD.origin IS NOT NEW.origin
        OR OLD.status IS NOT NEW.status OR OLD.is_outdated IS NOT NEW.is_outdated
        OR OLD.deployed_version IS NOT NEW.deployed_version OR OLD.updated_at IS NOT NEW.updated_at
BEGIN
    INSERT INTO search_pending(scope) VALUES ('p:' || NEW.project_id)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
    INSERT INTO search_pending(scope)
        SELECT DISTINCT 's:' || e.source FROM marketplace_entries e
        WHERE e.name = NEW.name AND OLD.deployed_version IS NOT NEW.deployed_version
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER search_project_name AFTER UPDATE OF name ON projects
    WHEN OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO search_pending(scope) VALUES ('p:' || NEW.id)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_of_16_hex_digits_is_stored_as_an_integer_and_read_back() {
        for fp in ["728f46b7e8fd6a45", "ffffffffffffffff", "0000000000000000"] {
            let Value::Integer(n) = fingerprint(fp) else {
                panic!("{fp} not an integer")
            };
            assert_eq!(fingerprint_from_sql(ValueRef::Integer(n)), fp);
        }
        for fp in [
            "",
            "728F46B7E8FD6A45",
            "+28f46b7e8fd6a45",
            "728f46b7e8fd6a4",
        ] {
            assert_eq!(fingerprint(fp), Value::Text(fp.into()), "{fp}");
        }
    }

    #[test]
    fn usual_values_are_left_out_and_others_kept() {
        assert_eq!(profile(".claude"), None);
        assert_eq!(profile("."), Some("."));
        assert_eq!(origin("local"), None);
        assert_eq!(origin("collection"), Some(""));
        assert_eq!(origin("github"), Some("github"));
        assert_eq!(upstream_origin(Some(UpstreamOrigin::Collection)), Some(""));
        assert_eq!(
            upstream_origin(Some(UpstreamOrigin::Github)),
            Some("github")
        );
        assert_eq!(unless_ok("ok"), None);
        assert_eq!(ok_filter("health", "broken"), "artifacts.health = 'broken'");
        assert_eq!(origin_filter(""), ("0", None));
        assert_eq!(origin_filter("local"), ("artifacts.origin IS NULL", None));
        let h = "a".repeat(64);
        assert_eq!(content_hash(Some(&h), Some(&h)), Value::Blob(vec![]));
        assert_eq!(content_hash(Some(&h), None), Value::Blob(vec![0xaa; 32]));
        assert_eq!(content_hash(None, Some(&h)), Value::Null);
        assert_eq!(content_hash(None, None), Value::Null);
        // The deployment recorded it in capitals: the same hash.
        assert_eq!(
            content_hash(Some(&h), Some(&h.to_uppercase())),
            Value::Blob(vec![])
        );
    }
}
