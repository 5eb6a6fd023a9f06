//! Writes: each project's scan lands in one `BEGIN IMMEDIATE` transaction, so readers in any
//! process see either the previous scan or the new one, never half of it.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use rusqlite::{OptionalExtension, params};

use super::columns::{
    ScanRow, UPDATE_DEPLOY, UPSERT_ARTIFACT, deploy_values, execute, scan_values,
};
use super::compact::{self, CONTENT_HASH, UPSTREAM_ORIGIN};
use super::deployments;
use super::problem_lists;
use super::stored_once::Memo;
use super::texts;
use super::upstream::{Deployed, local_upstream};
use super::{Store, now_ms};
use crate::error::Result;
use crate::model::ProjectChanges;
use crate::model::{FileError, health_of};
use crate::scan::ProjectScan;
use crate::values::UpstreamOrigin;

/// What writing one project's scan changed.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    /// Artifact names added, updated and removed.
    pub changes: ProjectChanges,
}

/// Stable id for a project from its canonical path.
pub fn project_id(path: &str) -> String {
    crate::scan::hash::fingerprint(path)[..16].to_string()
}

/// Stable id for an artifact.
pub fn artifact_id(project_id: &str, profile: &str, kind: &str, name: &str) -> String {
    crate::scan::hash::fingerprint(&format!("{project_id}\0{profile}\0{kind}\0{name}"))[..16]
        .to_string()
}

/// Sets `local_modified` of a project's (`?1`) artifacts from their deployed and content
/// hashes; only the rows whose flag changes are written (the flag is 0 or 1).
static SET_MODIFIED: LazyLock<String> = LazyLock::new(|| {
    let h = deployments::DEPLOYED_HASH;
    format!(
        "UPDATE artifacts SET local_modified = 1 - local_modified WHERE rowid IN (
             SELECT artifacts.rowid FROM artifacts {}
             WHERE artifacts.project_id = ?1 AND artifacts.local_modified IS NOT (CASE
                 WHEN artifacts.content_hash = X'' THEN 0
                 WHEN {h} IS NULL OR artifacts.content_hash IS NULL THEN 0
                 WHEN {h} = artifacts.content_hash THEN 0 ELSE 1 END))",
        deployments::with_deployment!()
    )
});

fn summary(errors: &[FileError]) -> Option<String> {
    match errors.len() {
        0 => None,
        1 => Some(errors[0].to_string()),
        n => Some(format!("{} (and {} more)", errors[0], n - 1)),
    }
}

/// Flags (and un-flags) the artifacts of a project that Claude Code will not all reach by name:
/// those sharing a type and the name Claude Code knows them by (the frontmatter `name`, else the
/// file or folder name) get a `DUPLICATE_NAME` problem naming the others' paths; a command
/// named like a skill of the project gets `SHADOWED_BY_SKILL` (the skill takes precedence).
/// Their health follows.
/// Returns whether it changed any artifact's problems.
fn flag_duplicates(tx: &rusqlite::Transaction<'_>, project_id: &str) -> Result<bool> {
    use crate::scan::health;
    const CODES: [&str; 2] = ["DUPLICATE_NAME", "SHADOWED_BY_SKILL"];
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT id, type, COALESCE(display_name, name), {}, {}, name FROM artifacts WHERE project_id = ?1",
        super::paths::PATH,
        problem_lists::PROBLEMS
    ))?;
    let rows: Vec<(String, String, String, String, String, String)> = stmt
        .query_map([project_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut groups: HashMap<(String, String), Vec<usize>> = HashMap::new();
    // Skills by the name `/name` runs them with (their folder).
    let mut skills: HashMap<String, usize> = HashMap::new();
    for (i, (_, kind, name, _, _, file_name)) in rows.iter().enumerate() {
        groups
            .entry((kind.clone(), name.to_lowercase()))
            .or_default()
            .push(i);
        if kind == "skill" {
            skills.entry(file_name.to_lowercase()).or_insert(i);
        }
    }
    let mut update =
        tx.prepare_cached("UPDATE artifacts SET problem_list = ?2, health = ?3 WHERE id = ?1")?;
    let mut flagged = false;
    for (i, (id, kind, name, path, json, file_name)) in rows.iter().enumerate() {
        let others: Vec<String> = groups
            .get(&(kind.clone(), name.to_lowercase()))
            .into_iter()
            .flatten()
            .filter(|&&j| j != i)
            .map(|&j| rows[j].3.clone())
            .collect();
        // A command in a subfolder is left out: how its folder enters its name is not settled.
        let shadow = (kind == "command" && !file_name.contains('/'))
            .then(|| skills.get(&file_name.to_lowercase()))
            .flatten()
            .map(|&j| rows[j].3.clone());
        let had = CODES.iter().any(|c| json.contains(&format!("\"{c}\"")));
        if others.is_empty() && shadow.is_none() && !had {
            continue;
        }
        let mut problems = problem_lists::from_stored(json, path);
        problems.retain(|p| !CODES.contains(&p.code.as_str()));
        if !others.is_empty() {
            problems.push(health::duplicate_problem(kind, name, path, &others));
        }
        if let Some(skill) = shadow {
            problems.push(health::shadowed_problem(file_name, path, &skill));
        }
        let stored = problem_lists::to_stored(&problems, path);
        if stored != *json {
            let list = problem_lists::keep_stored(tx, stored, &mut Memo::default())?;
            flagged = true;
            update.execute(params![
                id,
                list,
                compact::unless_ok(health_of(&problems).as_str())
            ])?;
        }
    }
    Ok(flagged)
}

/// A project row to create with its first write: `(path, origin)`.
pub type NewProject<'a> = (&'a str, &'a str);

fn insert_new(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    new: Option<NewProject<'_>>,
    now: i64,
) -> rusqlite::Result<()> {
    if let Some((path, origin)) = new {
        let name = std::path::Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.to_string());
        tx.execute(
            "INSERT INTO projects(id, path, name, origin, registered_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT(id) DO NOTHING",
            params![id, path, name, origin, now],
        )?;
    }
    Ok(())
}

/// Writes a full scan of one project inside `tx`.
/// `memo` holds what this transaction stored once so far (see [`Memo`]).
fn apply_scan(
    tx: &rusqlite::Transaction<'_>,
    project_id: &str,
    new: Option<NewProject<'_>>,
    scan: &ProjectScan,
    now: i64,
    memo: &mut Memo,
) -> Result<ApplyOutcome> {
    insert_new(tx, project_id, new, now)?;
    let mut existing: HashMap<String, (String, Option<String>)> = HashMap::new();
    // Upstream answers of the repositories (`github`), kept through scans.
    let mut answered: HashMap<String, (String, Option<String>, Option<String>)> = HashMap::new();
    {
        let mut stmt = tx.prepare_cached(
            &format!("SELECT id, name, {CONTENT_HASH}, {UPSTREAM_ORIGIN}, upstream_version, upstream_sha FROM artifacts WHERE project_id = ?1"),
        )?;
        let mut rows = stmt.query([project_id])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            if let Some(origin) = r.get::<_, Option<String>>(3)? {
                answered.insert(id.clone(), (origin, r.get(4)?, r.get(5)?));
            }
            existing.insert(id, (r.get(1)?, super::hash_from_sql(r.get_ref(2)?)));
        }
    }
    let listings: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM marketplace_entries WHERE version IS NOT NULL)",
        [],
        |r| r.get(0),
    )?;
    let mut listed_of = tx.prepare_cached(
        "SELECT version FROM marketplace_entries WHERE name = ?1 AND version IS NOT NULL",
    )?;
    let mut out = ApplyOutcome::default();
    let mut seen = HashSet::new();
    let mut upsert = tx.prepare_cached(&UPSERT_ARTIFACT)?;
    let mut deploy = tx.prepare_cached(&UPDATE_DEPLOY)?;
    let unread = crate::model::ArtifactContent::default();
    for a in &scan.artifacts {
        let id = artifact_id(project_id, &a.key.profile, a.key.kind.as_str(), &a.key.name);
        seen.insert(id.clone());
        let d = &a.deploy;
        let listed: Vec<String> = if listings {
            listed_of
                .query_map([&a.key.name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        } else {
            Vec::new()
        };
        let up = local_upstream(
            &Deployed {
                source: d.source.as_deref(),
                version_spec: d.version_spec.as_deref(),
                version: d.deployed_version.as_deref(),
                sha: d.deployed_sha.as_deref(),
                collection_version: d.collection_version.as_deref(),
                collection_sha: d.collection_sha.as_deref(),
            },
            answered.get(&id).and_then(|(o, v, s)| {
                Some((UpstreamOrigin::parse(o)?, v.as_deref(), s.as_deref()))
            }),
            &listed,
        );
        // An artifact whose files were not read again keeps its content columns.
        let problem_list = match &a.content {
            Some(c) => problem_lists::keep(tx, &c.problems, &a.rel_path, memo)?,
            None => None,
        };
        let row = ScanRow {
            id: &id,
            project_id,
            a,
            c: a.content.as_ref().unwrap_or(&unread),
            d,
            up: &up,
            problem_list,
            now,
        };
        match &a.content {
            Some(c) => {
                match existing.get(&id) {
                    None => out.changes.added.push(a.key.name.clone()),
                    Some((_, old)) if *old != c.content_hash => {
                        out.changes.updated.push(a.key.name.clone())
                    }
                    _ => {}
                }
                let mut values = scan_values(&row);
                texts::share(tx, &mut values, memo)?;
                deployments::share(tx, &mut values, memo)?;
                execute(&mut upsert, values)?;
            }
            None => {
                let mut values = deploy_values(&row);
                let key = deployments::share(tx, &mut values, memo)?;
                if execute(&mut deploy, values)? == 0 {
                    // The row is gone (its project unregistered meanwhile): what was stored
                    // for it has no holder.
                    deployments::release_unheld(tx, key, memo)?;
                }
            }
        }
    }
    let mut delete = tx.prepare_cached("DELETE FROM artifacts WHERE id = ?1")?;
    for (id, (name, _)) in &existing {
        if !seen.contains(id) {
            delete.execute([id])?;
            out.changes.removed.push(name.clone());
        }
    }
    if flag_duplicates(tx, project_id)? {
        // A list stored for a row of this project may have lost its last holder.
        memo.clear();
    }
    tx.prepare_cached(&SET_MODIFIED)?.execute([project_id])?;
    let changed = !(out.changes.added.is_empty()
        && out.changes.updated.is_empty()
        && out.changes.removed.is_empty());
    tx.execute(
                "UPDATE projects SET name = ?2, description = ?3, status = ?4, error = ?5, errors_json = ?6,
                     profiles_json = ?7, fingerprint = ?8, scanned_at = ?9,
                     updated_at = CASE WHEN ?10 THEN ?9 ELSE updated_at END,
                     artifact_count = (SELECT COUNT(*) FROM artifacts WHERE project_id = ?1),
                     error_count = (SELECT COUNT(*) FROM artifacts WHERE project_id = ?1 AND status = 'error'),
                     modified_count = (SELECT COUNT(*) FROM artifacts WHERE project_id = ?1 AND local_modified = 1),
                     outdated_count = (SELECT COUNT(*) FROM artifacts WHERE project_id = ?1 AND is_outdated = 1),
                     deployed_count = ?11, last_deployed_at = ?12, manifests_json = ?13,
                     missing_json = ?14
                 WHERE id = ?1",
                params![
                    project_id,
                    scan.name,
                    scan.description,
                    if scan.errors.is_empty() { "active" } else { "error" },
                    summary(&scan.errors),
                    serde_json::to_string(&scan.errors).unwrap_or_else(|_| "[]".into()),
                    serde_json::to_string(&scan.profiles).unwrap_or_else(|_| "[]".into()),
                    scan.fingerprint,
                    now,
                    changed,
                    scan.deployment_count,
                    scan.last_deployment,
                    serde_json::to_string(&scan.manifests).unwrap_or_else(|_| "[]".into()),
                    serde_json::to_string(&scan.missing).unwrap_or_else(|_| "[]".into()),
                ],
            )?;
    Ok(out)
}

impl Store {
    /// Adds a folder to the registrations and makes sure a project row exists for it.
    pub fn register(&self, path: &str, name: &str, origin: &str) -> Result<String> {
        let id = project_id(path);
        let now = now_ms();
        self.write(|tx| {
            if origin == "registered" {
                tx.execute(
                    "INSERT INTO registrations(path, registered_at) VALUES (?1, ?2) ON CONFLICT(path) DO NOTHING",
                    params![path, now],
                )?;
            }
            tx.execute(
                "INSERT INTO projects(id, path, name, origin, registered_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT(id) DO UPDATE SET origin = CASE WHEN ?4 = 'registered' THEN 'registered' ELSE projects.origin END",
                params![id, path, name, origin, now],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// Records folders as registered by the user, in one transaction (each project row itself is
    /// written with its first scan, so no reader ever sees it without its artifacts).
    pub fn add_registrations(&self, paths: &[String]) -> Result<()> {
        let now = now_ms();
        self.write(|tx| {
            let mut add = tx.prepare_cached(
                "INSERT INTO registrations(path, registered_at) VALUES (?1, ?2) ON CONFLICT(path) DO NOTHING",
            )?;
            let mut mark =
                tx.prepare_cached("UPDATE projects SET origin = 'registered' WHERE path = ?1")?;
            for path in paths {
                add.execute(params![path, now])?;
                mark.execute([path])?;
            }
            Ok(())
        })
    }

    /// Forgets a project and its registration; returns whether it existed.
    pub fn unregister(&self, id: &str) -> Result<bool> {
        self.write(|tx| {
            let path: Option<String> = tx
                .query_row("SELECT path FROM projects WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(path) = path else { return Ok(false) };
            tx.execute("DELETE FROM registrations WHERE path = ?1", [&path])?;
            tx.execute("DELETE FROM projects WHERE id = ?1", [id])?;
            Ok(true)
        })
    }

    /// Writes full scans of projects in a single transaction: readers see all of them or none.
    pub fn apply_scans(
        &self,
        scans: &[(&str, Option<NewProject<'_>>, &ProjectScan)],
    ) -> Result<Vec<ApplyOutcome>> {
        let now = now_ms();
        self.write(|tx| {
            let mut memo = Memo::default();
            let mut written = HashSet::new();
            scans
                .iter()
                .map(|(id, new, scan)| {
                    // Written again: its rows written before may let go of what they hold.
                    if !written.insert(*id) {
                        memo.clear();
                    }
                    apply_scan(tx, id, *new, scan, now, &mut memo)
                })
                .collect()
        })
    }

    /// Marks projects whose files did not change as freshly scanned, in one transaction.
    pub fn touch_unchanged(&self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE projects SET scanned_at = ?2, status = CASE WHEN status = 'stale' THEN 'active' ELSE status END
                 WHERE id = ?1",
            )?;
            for id in ids {
                stmt.execute(params![id, now])?;
            }
            Ok(())
        })
    }

    /// Records a project that could not be scanned (`missing` or `error`), keeping its artifacts.
    pub fn mark_failed(
        &self,
        id: &str,
        new: Option<NewProject<'_>>,
        status: &str,
        message: &str,
    ) -> Result<()> {
        let now = now_ms();
        self.write(|tx| {
            insert_new(tx, id, new, now)?;
            tx.execute(
                "UPDATE projects SET status = ?2, error = ?3, scanned_at = ?4, fingerprint = NULL WHERE id = ?1",
                params![id, status, message, now],
            )?;
            Ok(())
        })
    }

    /// Forces a full re-scan of one project (or all) at the next refresh; returns how many.
    pub fn invalidate(&self, id: Option<&str>) -> Result<usize> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE projects SET fingerprint = NULL, scanned_at = 0 WHERE ?1 IS NULL OR id = ?1",
                [id],
            )?)
        })
    }

    /// Empties the cache (projects, artifacts, history), keeping registrations.
    pub fn clear(&self) -> Result<()> {
        self.write(|tx| {
            tx.execute_batch(
                "DELETE FROM artifacts; DELETE FROM projects; DELETE FROM refresh_runs;",
            )?;
            Ok(())
        })
    }

    /// Records a refresh in the history (keeping the last 200).
    #[allow(clippy::too_many_arguments)]
    pub fn record_run(
        &self,
        started_at: i64,
        trigger: &str,
        project_id: Option<&str>,
        s: &crate::model::RefreshSummary,
        outcome: &str,
        message: Option<&str>,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO refresh_runs(started_at, finished_at, trigger, project_id, projects_scanned,
                     artifacts_added, artifacts_updated, artifacts_removed, errors, outcome, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    started_at,
                    now_ms(),
                    trigger,
                    project_id,
                    s.projects_scanned,
                    s.artifacts_added,
                    s.artifacts_updated,
                    s.artifacts_removed,
                    s.errors.len() as i64,
                    outcome,
                    message
                ],
            )?;
            tx.execute(
                "DELETE FROM refresh_runs WHERE id <= (SELECT MAX(id) - 200 FROM refresh_runs)",
                [],
            )?;
            Ok(())
        })
    }
}
