//! Schema and forward migrations, versioned with `PRAGMA user_version`.

use rusqlite::Connection;

use crate::error::Result;

/// One step of the schema: SQL, or code for what SQL alone cannot do.
enum Migration {
    Sql(&'static str),
    Code(fn(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>),
}
use Migration::{Code, Sql};

/// Migrations in order; migration `i` brings the schema to version `i + 1`. A release still
/// running keeps working on a file a newer one migrated (`docs/release.md`), so a migration after
/// version 15 (0.1.0, the first release) keeps every column an older release reads and writes,
/// and every index its queries name (`INDEXED BY`: `artifacts_project_name`,
/// `artifacts_outdated_pid`, `artifacts_outdated_pid_nocase`). Version 15 rebuilt the artifact
/// table without what no released build reads (`compact`).
const MIGRATIONS: &[Migration] = &[
    Sql(r#"
CREATE TABLE cache_metadata (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Folders the user registered explicitly. Kept by clear(): they are configuration, not cache.
CREATE TABLE registrations (
    path          TEXT PRIMARY KEY,
    registered_at INTEGER NOT NULL
);

CREATE TABLE projects (
    id             TEXT PRIMARY KEY,
    path           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    description    TEXT,
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','stale','error','missing')),
    error          TEXT,
    errors_json    TEXT NOT NULL DEFAULT '[]',
    origin         TEXT NOT NULL DEFAULT 'registered',
    profiles_json  TEXT NOT NULL DEFAULT '[]',
    artifact_count INTEGER NOT NULL DEFAULT 0,
    error_count    INTEGER NOT NULL DEFAULT 0,
    modified_count INTEGER NOT NULL DEFAULT 0,
    outdated_count INTEGER NOT NULL DEFAULT 0,
    fingerprint    TEXT,
    registered_at  INTEGER NOT NULL,
    scanned_at     INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX projects_name ON projects(name);
CREATE INDEX projects_status_name ON projects(status, name);
CREATE INDEX projects_scanned ON projects(scanned_at);
CREATE INDEX projects_updated ON projects(updated_at);
CREATE INDEX projects_artifact_count ON projects(artifact_count);

CREATE TABLE artifacts (
    id                  TEXT PRIMARY KEY,
    project_id          TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    project_name        TEXT NOT NULL,
    profile             TEXT NOT NULL,
    type                TEXT NOT NULL,
    name                TEXT NOT NULL,
    display_name        TEXT,
    path                TEXT NOT NULL,
    description         TEXT,
    version             TEXT,
    author              TEXT,
    license             TEXT,
    tags_json           TEXT NOT NULL DEFAULT '[]',
    tools_json          TEXT NOT NULL DEFAULT '[]',
    origin              TEXT NOT NULL DEFAULT 'local',
    source              TEXT,
    version_spec        TEXT,
    from_collection     TEXT,
    deployed_at         TEXT,
    deployed_version    TEXT,
    deployed_sha        TEXT,
    deployed_hash       TEXT,
    content_hash        TEXT,
    local_modified      INTEGER NOT NULL DEFAULT 0,
    upstream_version    TEXT,
    upstream_sha        TEXT,
    upstream_checked_at INTEGER,
    is_outdated         INTEGER NOT NULL DEFAULT 0,
    version_diff        TEXT,
    status              TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok','error')),
    error               TEXT,
    size_bytes          INTEGER NOT NULL DEFAULT 0,
    file_count          INTEGER NOT NULL DEFAULT 0,
    modified_at         INTEGER NOT NULL DEFAULT 0,
    fingerprint         TEXT NOT NULL,
    metadata_json       TEXT NOT NULL DEFAULT '{}',
    scanned_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
-- Identity (project, profile, type, name) is enforced by `id`, a hash of it. Indexes end in the
-- implicit rowid, which list queries use as the tie-break, so sorts never need a temp B-tree.
CREATE INDEX artifacts_project_name ON artifacts(project_id, name);
CREATE INDEX artifacts_name ON artifacts(name);
CREATE INDEX artifacts_type_name ON artifacts(type, name);
CREATE INDEX artifacts_projectname_name ON artifacts(project_name, name);
CREATE INDEX artifacts_updated ON artifacts(updated_at);
CREATE INDEX artifacts_outdated_name ON artifacts(name) WHERE is_outdated = 1;
CREATE INDEX artifacts_error_name ON artifacts(name) WHERE status = 'error';

CREATE TABLE refresh_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at        INTEGER NOT NULL,
    finished_at       INTEGER NOT NULL,
    trigger           TEXT NOT NULL,
    project_id        TEXT,
    projects_scanned  INTEGER NOT NULL,
    artifacts_added   INTEGER NOT NULL,
    artifacts_updated INTEGER NOT NULL,
    artifacts_removed INTEGER NOT NULL,
    errors            INTEGER NOT NULL,
    outcome           TEXT NOT NULL,
    message           TEXT
);
"#),
    Sql(r#"
-- One background refresher across processes: the holder of the 'refresher' lease runs the
-- refresh loop and the file watcher; it renews the lease (heartbeat) and others take over
-- when it expires.
CREATE TABLE leases (
    name         TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    acquired_at  INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
"#),
    Sql(r#"
-- Marketplace listings: the last good raw document per source (kept through errors: stale-if-error)
-- and its normalised entries.
CREATE TABLE marketplace_sources (
    name          TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    listing_name  TEXT,
    etag          TEXT,
    last_modified TEXT,
    raw_json      TEXT,
    fetched_at    INTEGER,
    checked_at    INTEGER,
    expires_at    INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    error_code    TEXT,
    entry_count   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE marketplace_entries (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL REFERENCES marketplace_sources(name) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    version     TEXT,
    description TEXT,
    author      TEXT,
    category    TEXT,
    tags_json   TEXT NOT NULL DEFAULT '[]',
    origin      TEXT,
    homepage    TEXT,
    raw_json    TEXT NOT NULL
);
CREATE INDEX marketplace_entries_name ON marketplace_entries(name);
CREATE INDEX marketplace_entries_source_name ON marketplace_entries(source, name);
CREATE INDEX marketplace_entries_type_name ON marketplace_entries(type, name);
"#),
    Sql(r#"
-- Upstream tracking: where the upstream version came from, the last error, and a severity rank
-- of the difference for sorting. Partial indexes keep outdated queries small and indexed.
ALTER TABLE artifacts ADD COLUMN upstream_origin TEXT;
ALTER TABLE artifacts ADD COLUMN upstream_error TEXT;
ALTER TABLE artifacts ADD COLUMN diff_rank INTEGER NOT NULL DEFAULT 0;
CREATE INDEX artifacts_outdated_rank ON artifacts(diff_rank, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_type ON artifacts(type, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_project ON artifacts(project_name, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_pid ON artifacts(project_id, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_diff ON artifacts(version_diff, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_updated ON artifacts(updated_at) WHERE is_outdated = 1;
"#),
    Sql(r#"
-- Search index bookkeeping. The tantivy index beside the database is derived from these tables;
-- triggers queue every change to a searchable row by scope ('p:<project id>' for a project's
-- artifacts, 's:<source>' for a marketplace source's entries), in the same transaction as the
-- change. Whoever writes the index takes the queued scopes, re-indexes them from these tables
-- and removes the rows it indexed (only if their version did not move meanwhile), so a crash
-- between the database commit and the index commit is repaired by the next writer.
CREATE TABLE search_pending (
    scope   TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;

-- Identifies this database file; stored in the index's commits so an index left over from
-- another database (e.g. one moved aside after corruption) is rebuilt.
INSERT OR IGNORE INTO cache_metadata(key, value) VALUES ('instance_id', CAST(abs(random()) AS TEXT));

CREATE TRIGGER search_artifact_insert AFTER INSERT ON artifacts BEGIN
    INSERT INTO search_pending(scope) VALUES ('p:' || NEW.project_id)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
    INSERT INTO search_pending(scope)
        SELECT DISTINCT 's:' || e.source FROM marketplace_entries e WHERE e.name = NEW.name AND NEW.deployed_version IS NOT NULL
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER search_artifact_update AFTER UPDATE OF name, display_name, type, tags_json, source, description,
        project_id, project_name, origin, status, is_outdated, deployed_version, updated_at ON artifacts
    WHEN OLD.name IS NOT NEW.name OR OLD.display_name IS NOT NEW.display_name OR OLD.type IS NOT NEW.type
        OR OLD.tags_json IS NOT NEW.tags_json OR OLD.source IS NOT NEW.source
        OR OLD.description IS NOT NEW.description OR OLD.project_id IS NOT NEW.project_id
        OR OLD.project_name IS NOT NEW.project_name OR OLD.origin IS NOT NEW.origin
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
CREATE TRIGGER search_artifact_delete AFTER DELETE ON artifacts BEGIN
    INSERT INTO search_pending(scope) VALUES ('p:' || OLD.project_id)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
    INSERT INTO search_pending(scope)
        SELECT DISTINCT 's:' || e.source FROM marketplace_entries e WHERE e.name = OLD.name AND OLD.deployed_version IS NOT NULL
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER search_entry_insert AFTER INSERT ON marketplace_entries BEGIN
    INSERT INTO search_pending(scope) VALUES ('s:' || NEW.source)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER search_entry_update AFTER UPDATE ON marketplace_entries BEGIN
    INSERT INTO search_pending(scope) VALUES ('s:' || NEW.source)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER search_entry_delete AFTER DELETE ON marketplace_entries BEGIN
    INSERT INTO search_pending(scope) VALUES ('s:' || OLD.source)
        ON CONFLICT(scope) DO UPDATE SET version = version + 1;
END;
-- Everything that existed before this migration is indexed by the first rebuild.
"#),
    Sql(r#"
-- Upstream versions: what the user's collection lock resolves each artifact to (an upstream of
-- its own), the HTTP answers of the GitHub-compatible API kept for conditional requests, and
-- when each repository was last checked (its own TTL, separate from project scans).
ALTER TABLE artifacts ADD COLUMN collection_version TEXT;
ALTER TABLE artifacts ADD COLUMN collection_sha TEXT;
CREATE INDEX artifacts_source ON artifacts(source) WHERE source IS NOT NULL;
CREATE TABLE upstream_http (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    body          TEXT NOT NULL,
    fetched_at    INTEGER NOT NULL
);
CREATE TABLE upstream_repos (
    repo       TEXT PRIMARY KEY,
    checked_at INTEGER NOT NULL,
    ok_at      INTEGER,
    error_code TEXT,
    error      TEXT
);
"#),
    // v7: artifact health (what Claude Code will do with the file) and its problems. Every
    // artifact is re-read at the next refresh so that both are filled in.
    Sql(r#"
ALTER TABLE artifacts ADD COLUMN health TEXT NOT NULL DEFAULT 'ok'
    CHECK (health IN ('ok', 'degraded', 'broken'));
ALTER TABLE artifacts ADD COLUMN problems_json TEXT NOT NULL DEFAULT '[]';
CREATE INDEX artifacts_health ON artifacts(health, name) WHERE health != 'ok';
UPDATE artifacts SET fingerprint = '';
UPDATE projects SET fingerprint = NULL;
"#),
    // v8: what SkillMeat's projects list shows: deployment-manifest entries and the latest
    // `deployed_at` among them, kept per project like the other counts.
    Sql(r#"
ALTER TABLE projects ADD COLUMN deployed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN last_deployed_at TEXT;
UPDATE projects SET
    deployed_count = (SELECT COUNT(*) FROM artifacts WHERE project_id = projects.id AND origin != 'local'),
    last_deployed_at = (SELECT MAX(deployed_at) FROM artifacts WHERE project_id = projects.id AND origin != 'local');
"#),
    // v9: `deployed_count` counts every manifest entry (those whose files are gone too), as
    // SkillMeat does: each project is scanned again at the next refresh (its artifacts' files
    // are not re-read unless they changed).
    // Also: the outdated list sorts names as SkillMeat does (`name.lower()`), with indexes
    // that give that order.
    Sql(r#"
UPDATE projects SET fingerprint = NULL;
CREATE INDEX artifacts_outdated_name_nocase ON artifacts(name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_rank_nocase ON artifacts(diff_rank, name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_type_nocase ON artifacts(type, name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_project_nocase ON artifacts(project_name COLLATE NOCASE, name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_pid_nocase ON artifacts(project_id, name COLLATE NOCASE, name) WHERE is_outdated = 1;
CREATE INDEX artifacts_outdated_diff_nocase ON artifacts(version_diff, name COLLATE NOCASE, name) WHERE is_outdated = 1;
"#),
    // v10: each distinct problem list stored once (see `problem_lists`), and random starting
    // versions for the search queue.
    Code(super::problem_lists::migrate_v10),
    // v11: each distinct set of artifact texts stored once (see `texts`), problem lists with the
    // artifact's own files relative to it (see `problem_lists`); no index by source.
    Code(|tx| {
        super::texts::migrate_v11(tx)?;
        super::problem_lists::migrate_v11(tx)
    }),
    // v12: a smaller file. Stored texts and problem lists count the artifacts holding them
    // instead of an index finding those; paths the layout gives back are not stored (see
    // `paths`); no index by project name: the project sort walks projects by name and each
    // one's artifacts by name.
    Code(|tx| {
        super::texts::migrate_v12(tx)?;
        super::problem_lists::migrate_v12(tx)?;
        super::paths::migrate_v12(tx)?;
        tx.execute_batch("DROP INDEX artifacts_projectname_name;")
    }),
    // v13: each distinct deployment stored once (see `deployments`).
    Code(super::deployments::migrate_v13),
    // v14: the profile roots holding a deployment manifest, entries or none (SkillMeat lists a
    // project with an empty one), until a scan writes them the roots of its deployed artifacts;
    // the manifest entries whose files are gone (SkillMeat lists them among the deployments);
    // the name a manifest entry gives its artifact where it differs (read as `name` until then).
    // Every project is compared again at its next scan (its rows are written, no file read).
    Sql(r#"
ALTER TABLE projects ADD COLUMN manifests_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN missing_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE artifacts ADD COLUMN deployed_name TEXT;
UPDATE projects SET manifests_json = (
    SELECT json_group_array(profile) FROM (
        SELECT DISTINCT profile FROM artifacts
        WHERE project_id = projects.id AND origin != 'local' ORDER BY profile))
    WHERE deployed_count > 0;
UPDATE projects SET manifests_json = '[".claude"]' WHERE deployed_count > 0 AND manifests_json = '[]';
UPDATE projects SET fingerprint = NULL;
"#),
    // v15, the schema of 0.1.0: a compact artifact row (see `compact`): 199 bytes an artifact
    // against 288 in the 10k bench tree.
    Code(super::compact::migrate_v15),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`SCHEMA_VERSION`] inside one `BEGIN IMMEDIATE` transaction, so two
/// processes opening a new file at once do not both migrate it, and a process killed halfway
/// leaves the file at its old version.
pub fn migrate(conn: &mut Connection) -> Result<u32> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Brings the database up to `version` (at most [`SCHEMA_VERSION`]), never past it, in one
/// transaction. For tests that need a database of an earlier version.
#[doc(hidden)]
pub fn migrate_to(conn: &mut Connection, version: u32) -> Result<u32> {
    let version = version.min(SCHEMA_VERSION);
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current >= version {
        return Ok(current);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, step) in MIGRATIONS
        .iter()
        .enumerate()
        .take(version as usize)
        .skip(current as usize)
    {
        match step {
            Sql(sql) => tx.execute_batch(sql)?,
            Code(run) => run(&tx)?,
        }
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
    }
    tx.commit()?;
    Ok(version)
}
