//! Read queries: one indexed statement per call, paged, never loading more rows than asked for.

use rusqlite::{Connection, Row, params_from_iter, types::Value};

use super::columns::{ARTIFACT_COLS, artifact_from_row, json};
use super::compact::{self, CONTENT_HASH, PROFILE};
use super::joined::{
    ARTIFACTS, ARTIFACTS_BY_PROJECT, OUTDATED_BY_PROJECT, OUTDATED_BY_PROJECT_NOCASE,
};
use super::{Fresh, Store};
use crate::error::{Error, Result};
use crate::model::{
    Artifact, ArtifactPage, ArtifactQuery, ArtifactSort, Order, OutdatedSort, Paged, Project,
    ProjectPage, ProjectQuery, ProjectSort, ProjectStatus, RefreshRun, VersionDiff,
};

/// Counts shown by `status()`.
#[derive(Debug, Default)]
pub struct Totals {
    /// Projects per reported status.
    pub projects_by_status: Vec<(String, i64)>,
    /// Artifacts cached.
    pub artifacts: i64,
    /// Artifacts in error.
    pub errors: i64,
    /// Artifacts modified locally.
    pub modified: i64,
    /// Outdated artifacts.
    pub outdated: i64,
    /// Artifacts Claude Code loads losing something.
    pub degraded: i64,
    /// Artifacts Claude Code will not load or never choose.
    pub broken: i64,
}

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 100;
/// Largest page a caller may ask for.
pub const MAX_LIMIT: i64 = 10_000;

const PROJECT_COLS: &str = "id, name, path, description, status, error, errors_json, origin, profiles_json, \
     artifact_count, error_count, modified_count, outdated_count, registered_at, scanned_at, updated_at, \
     deployed_count, last_deployed_at, manifests_json, missing_json";

/// Reported status: an active project not scanned within `fresh` is `stale`.
fn effective_status(stored: ProjectStatus, scanned_at: i64, fresh: Fresh) -> ProjectStatus {
    if stored == ProjectStatus::Active && !fresh.holds(scanned_at) {
        ProjectStatus::Stale
    } else {
        stored
    }
}

fn project_from_row(r: &Row<'_>, fresh: Fresh) -> rusqlite::Result<Project> {
    let scanned_at: i64 = r.get(14)?;
    let age_ms = if scanned_at > 0 {
        (super::now_ms() - scanned_at).max(0)
    } else {
        -1
    };
    Ok(Project {
        id: r.get(0)?,
        name: r.get(1)?,
        path: r.get(2)?,
        description: r.get(3)?,
        status: effective_status(r.get(4)?, scanned_at, fresh),
        error: r.get(5)?,
        errors: json(r, 6)?,
        origin: r.get(7)?,
        profiles: json(r, 8)?,
        manifests: json(r, 18)?,
        missing_deployments: json(r, 19)?,
        artifact_count: r.get(9)?,
        error_count: r.get(10)?,
        modified_count: r.get(11)?,
        outdated_count: r.get(12)?,
        registered_at: r.get(13)?,
        scanned_at,
        updated_at: r.get(15)?,
        deployed_count: r.get(16)?,
        last_deployed_at: r.get(17)?,
        age_ms,
    })
}

fn paging(offset: Option<i64>, limit: Option<i64>) -> Result<(i64, i64)> {
    let offset = offset.unwrap_or(0);
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if offset < 0 {
        return Err(Error::invalid(
            "offset",
            format!("must be 0 or more, got {offset}"),
        ));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}, got {limit}"),
        ));
    }
    Ok((offset, limit))
}

fn dir(o: Option<Order>) -> &'static str {
    match o.unwrap_or_default() {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    }
}

/// A WHERE clause built from optional filters, with its bound values.
#[derive(Default)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Filter {
    fn eq(&mut self, col: &str, v: impl Into<Value>) {
        self.values.push(v.into());
        self.clauses.push(format!("{col} = ?{}", self.values.len()));
    }
    /// A clause whose `?` placeholders take `vals`, in order.
    fn raw(&mut self, sql: &str, vals: Vec<Value>) {
        let mut parts = sql.split('?');
        let mut out = parts.next().unwrap_or_default().to_string();
        let mut vals = vals.into_iter();
        for part in parts {
            if let Some(v) = vals.next() {
                self.values.push(v);
            }
            out.push_str(&format!("?{}", self.values.len()));
            out.push_str(part);
        }
        self.clauses.push(out);
    }
    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// The filters and order (`[ WHERE …] ORDER BY …`, without paging) of `list_projects`.
pub(crate) fn project_query_sql(q: &ProjectQuery, fresh: Fresh) -> Result<(String, Filter)> {
    let mut f = Filter::default();
    match q.status {
        None => {}
        Some(ProjectStatus::Stale) => f.raw(
            "(status = 'stale' OR (status = 'active' AND (scanned_at < ? OR scanned_at > ?)))",
            vec![fresh.since.into(), fresh.until.into()],
        ),
        Some(ProjectStatus::Active) => f.raw(
            "status = 'active' AND scanned_at BETWEEN ? AND ?",
            vec![fresh.since.into(), fresh.until.into()],
        ),
        Some(s @ (ProjectStatus::Error | ProjectStatus::Missing)) => {
            f.eq("status", s.as_str().to_string())
        }
    }
    let d = dir(q.order);
    let order = match q.sort_by.unwrap_or_default() {
        ProjectSort::Name => format!("name {d}, rowid {d}"),
        ProjectSort::Path => format!("path {d}"),
        ProjectSort::Status => format!("status {d}, name {d}, rowid {d}"),
        ProjectSort::Scanned => format!("scanned_at {d}, rowid {d}"),
        ProjectSort::Updated => format!("updated_at {d}, rowid {d}"),
        ProjectSort::ArtifactCount => format!("artifact_count {d}, rowid {d}"),
    };
    Ok((format!("{} ORDER BY {order}", f.sql()), f))
}

/// The rows (`FROM` what), filters and order (`[ WHERE …] ORDER BY …`, without paging) of
/// `list_artifacts`.
pub(crate) fn artifact_query_sql(q: &ArtifactQuery) -> Result<(&'static str, String, Filter)> {
    let mut f = Filter::default();
    if let Some(p) = &q.project_id {
        f.eq("project_id", p.clone());
    }
    if let Some(t) = q.kind {
        f.eq("type", t.as_str().to_string());
    }
    // Enum-like filters are inlined (validated values only) so the partial indexes apply.
    if let Some(o) = q.outdated {
        f.raw(
            if o {
                "is_outdated = 1"
            } else {
                "is_outdated = 0"
            },
            vec![],
        );
    }
    if let Some(o) = &q.origin {
        let (sql, value) = compact::origin_filter(o);
        f.raw(sql, value.into_iter().map(Into::into).collect());
    }
    if let Some(s) = q.status {
        f.raw(&compact::ok_filter("status", &s.to_string()), vec![]);
    }
    if let Some(h) = q.health {
        f.raw(&compact::ok_filter("health", &h.to_string()), vec![]);
    }
    let d = dir(q.order);
    let sort = q.sort_by.unwrap_or_default();
    let order = match sort {
        ArtifactSort::Name => format!("name {d}, artifacts.rowid {d}"),
        ArtifactSort::Type => format!("type {d}, name {d}, artifacts.rowid {d}"),
        ArtifactSort::Project => {
            format!("p.pj_name {d}, p.pj_row {d}, name {d}, artifacts.rowid {d}")
        }
        ArtifactSort::Updated => format!("updated_at {d}, artifacts.rowid {d}"),
    };
    let rows = match sort {
        // Outdated ones are few: each project's are found through their partial index.
        ArtifactSort::Project if q.outdated == Some(true) => OUTDATED_BY_PROJECT,
        ArtifactSort::Project => ARTIFACTS_BY_PROJECT,
        _ => ARTIFACTS,
    };
    Ok((rows, format!("{} ORDER BY {order}", f.sql()), f))
}

/// What a listing reads: its columns, where its rows come from, and what its count reads (the
/// same rows without the joins that only add columns: SQLite would read them for every row
/// counted).
struct Source {
    cols: &'static str,
    rows: &'static str,
    count: &'static str,
}

/// Projects: one table.
const PROJECTS: Source = Source {
    cols: PROJECT_COLS,
    rows: "projects",
    count: "projects",
};

/// Artifacts from `rows` ([`ARTIFACTS`] or another order of them), counted without the joins.
fn artifact_rows(rows: &'static str) -> Source {
    Source {
        cols: &ARTIFACT_COLS,
        rows,
        count: "artifacts",
    }
}

/// A page from `src`, filtered and ordered by `body` (`[ WHERE …] ORDER BY …`).
fn page<P: Paged>(
    conn: &Connection,
    src: &Source,
    body: &str,
    f: &Filter,
    offset: i64,
    limit: i64,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<P::Item>,
) -> Result<P> {
    let n = f.values.len();
    let sql = format!(
        "SELECT {} FROM {}{body} LIMIT ?{} OFFSET ?{}",
        src.cols,
        src.rows,
        n + 1,
        n + 2
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let bound = f
        .values
        .iter()
        .cloned()
        .chain([Value::from(limit + 1), Value::from(offset)]);
    // One row past the page tells whether more exist; only then is a COUNT needed.
    let mut items = stmt
        .query_map(params_from_iter(bound), map)?
        .collect::<rusqlite::Result<Vec<P::Item>>>()?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let total = if !more && (offset == 0 || !items.is_empty()) {
        offset + items.len() as i64
    } else {
        let where_part = body.split(" ORDER BY ").next().unwrap_or(body);
        let mut count =
            conn.prepare_cached(&format!("SELECT COUNT(*) FROM {}{where_part}", src.count))?;
        count.query_row(params_from_iter(f.values.iter()), |r| r.get(0))?
    };
    Ok(P::new(items, total, offset, limit))
}

impl Store {
    /// One project by id.
    pub fn get_project(&self, id: &str, fresh: Fresh) -> Result<Option<Project>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {PROJECT_COLS} FROM projects WHERE id = ?1"
            ))?;
            let mut rows = stmt.query([id])?;
            match rows.next()? {
                Some(r) => Ok(Some(project_from_row(r, fresh)?)),
                None => Ok(None),
            }
        })
    }

    /// One project by canonical path.
    pub fn project_by_path(&self, path: &str, fresh: Fresh) -> Result<Option<Project>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {PROJECT_COLS} FROM projects WHERE path = ?1"
            ))?;
            let mut rows = stmt.query([path])?;
            match rows.next()? {
                Some(r) => Ok(Some(project_from_row(r, fresh)?)),
                None => Ok(None),
            }
        })
    }

    /// A page of projects.
    pub fn list_projects(&self, q: &ProjectQuery, fresh: Fresh) -> Result<ProjectPage> {
        let (offset, limit) = paging(q.offset, q.limit)?;
        let (body, f) = project_query_sql(q, fresh)?;
        self.with_reader(|c| {
            page(c, &PROJECTS, &body, &f, offset, limit, |r| {
                project_from_row(r, fresh)
            })
        })
    }

    /// A page of artifacts.
    pub fn list_artifacts(&self, q: &ArtifactQuery) -> Result<ArtifactPage> {
        let (offset, limit) = paging(q.offset, q.limit)?;
        let (rows, body, f) = artifact_query_sql(q)?;
        self.with_reader(|c| {
            page(
                c,
                &artifact_rows(rows),
                &body,
                &f,
                offset,
                limit,
                artifact_from_row,
            )
        })
    }

    /// One artifact by id.
    pub fn get_artifact(&self, id: &str) -> Result<Option<Artifact>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {} FROM {ARTIFACTS} WHERE id = ?1",
                *ARTIFACT_COLS
            ))?;
            let mut rows = stmt.query([id])?;
            match rows.next()? {
                Some(r) => Ok(Some(artifact_from_row(r)?)),
                None => Ok(None),
            }
        })
    }

    /// `(id, path, fingerprint)` of every project, or of one.
    pub fn project_paths(
        &self,
        only: Option<&str>,
    ) -> Result<Vec<(String, String, Option<String>)>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached("SELECT id, path, fingerprint FROM projects WHERE ?1 IS NULL OR id = ?1 ORDER BY path")?;
            let rows = stmt.query_map([only], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Registered folders.
    pub fn registrations(&self) -> Result<Vec<String>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached("SELECT path FROM registrations ORDER BY path")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Artifact fingerprints of one project, for incremental scans.
    pub fn artifact_fingerprints(
        &self,
        project_id: &str,
    ) -> Result<
        Vec<(
            String,
            crate::values::ArtifactType,
            String,
            crate::scan::Prior,
        )>,
    > {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                &format!("SELECT {PROFILE}, type, name, fingerprint, {CONTENT_HASH}, version FROM artifacts WHERE project_id = ?1"),
            )?;
            let rows = stmt.query_map([project_id], |r| {
                let prior = crate::scan::Prior {
                    fingerprint: compact::fingerprint_from_sql(r.get_ref(3)?),
                    content_hash: super::hash_from_sql(r.get_ref(4)?),
                    version: r.get(5)?,
                };
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, prior))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Totals for `status()`, from the per-project counters (never the artifact rows).
    pub fn totals(&self, fresh: Fresh) -> Result<Totals> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT CASE WHEN status = 'active' AND (scanned_at < ?1 OR scanned_at > ?2) THEN 'stale' ELSE status END AS s,
                        COUNT(*), SUM(artifact_count), SUM(error_count), SUM(modified_count), SUM(outdated_count)
                 FROM projects GROUP BY s",
            )?;
            let mut t = Totals::default();
            let mut rows = stmt.query([fresh.since, fresh.until])?;
            while let Some(r) = rows.next()? {
                t.projects_by_status.push((r.get::<_, String>(0)?, r.get::<_, i64>(1)?));
                t.artifacts += r.get::<_, Option<i64>>(2)?.unwrap_or(0);
                t.errors += r.get::<_, Option<i64>>(3)?.unwrap_or(0);
                t.modified += r.get::<_, Option<i64>>(4)?.unwrap_or(0);
                t.outdated += r.get::<_, Option<i64>>(5)?.unwrap_or(0);
            }
            // The partial index on unhealthy artifacts answers this without a table scan.
            let mut stmt = c.prepare_cached(
                "SELECT health, COUNT(*) FROM artifacts WHERE health IS NOT NULL GROUP BY health",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                match r.get::<_, String>(0)?.as_str() {
                    "degraded" => t.degraded = r.get(1)?,
                    "broken" => t.broken = r.get(1)?,
                    _ => {}
                }
            }
            Ok(t)
        })
    }

    /// The most recent refresh run recorded.
    pub fn last_refresh(&self) -> Result<Option<RefreshRun>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT started_at, finished_at, trigger, outcome, message, projects_scanned
                 FROM refresh_runs ORDER BY id DESC LIMIT 1",
            )?;
            let mut rows = stmt.query([])?;
            match rows.next()? {
                Some(r) => Ok(Some(RefreshRun {
                    started_at: r.get(0)?,
                    finished_at: r.get(1)?,
                    trigger: r.get(2)?,
                    outcome: r.get(3)?,
                    message: r.get(4)?,
                    projects_scanned: r.get(5)?,
                })),
                None => Ok(None),
            }
        })
    }

    /// `EXPLAIN QUERY PLAN` details for the SQL a query would run (for tests and diagnostics).
    pub fn explain_artifacts(&self, q: &ArtifactQuery) -> Result<Vec<String>> {
        let (rows, body, f) = artifact_query_sql(q)?;
        self.explain(&format!("SELECT id FROM {rows}{body}"), &f)
    }

    /// `EXPLAIN QUERY PLAN` for a projects query.
    pub fn explain_projects(&self, q: &ProjectQuery) -> Result<Vec<String>> {
        let (body, f) = project_query_sql(q, Fresh::ANY)?;
        self.explain(&format!("SELECT id FROM projects{body}"), &f)
    }

    /// The plan of `sql` paged as [`page`] pages it (a bound `LIMIT` and `OFFSET`).
    fn explain(&self, sql: &str, f: &Filter) -> Result<Vec<String>> {
        let n = f.values.len();
        let sql = format!(
            "EXPLAIN QUERY PLAN {sql} LIMIT ?{} OFFSET ?{}",
            n + 1,
            n + 2
        );
        let bound = f
            .values
            .iter()
            .cloned()
            .chain([Value::from(DEFAULT_LIMIT + 1), Value::from(0)]);
        self.with_reader(|c| {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(bound), |r| r.get::<_, String>(3))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

/// The rows (`FROM` what), filters and order (without paging) of `outdated_artifacts`: one
/// query over the partial indexes.
pub(crate) fn outdated_query_sql(
    q: &crate::model::OutdatedQuery,
) -> Result<(&'static str, String, Filter)> {
    let mut f = Filter::default();
    f.raw("is_outdated = 1", vec![]);
    if let Some(p) = &q.project_id {
        f.eq("project_id", p.clone());
    }
    if let Some(t) = q.kind {
        f.eq("type", t.as_str().to_string());
    }
    if let Some(d) = q.difference {
        if matches!(d, VersionDiff::None | VersionDiff::Unknown) {
            return Err(Error::invalid(
                "difference",
                format!(
                    "expected major, minor, patch, prerelease, commit or content, got {:?}",
                    d.as_str()
                ),
            ));
        }
        f.eq("version_diff", d.as_str().to_string());
    }
    let sort = q.sort_by.unwrap_or_default();
    let d = dir(q.order.or(if sort == OutdatedSort::VersionDiff {
        Some(Order::Desc)
    } else {
        None
    }));
    // Names compare without case, as SkillMeat's list sorts them (`name.lower()`).
    let n = format!("name COLLATE NOCASE {d}, name {d}, artifacts.rowid {d}");
    let order = match sort {
        OutdatedSort::Name => n,
        OutdatedSort::Type => format!("type {d}, {n}"),
        // Projects walked by name without case, each one's outdated artifacts through their index.
        OutdatedSort::Project => format!("p.pj_name COLLATE NOCASE {d}, p.pj_row {d}, {n}"),
        OutdatedSort::VersionDiff => format!("diff_rank {d}, {n}"),
        OutdatedSort::Updated => format!("updated_at {d}, artifacts.rowid {d}"),
    };
    let rows = match sort {
        OutdatedSort::Project => OUTDATED_BY_PROJECT_NOCASE,
        _ => ARTIFACTS,
    };
    Ok((rows, format!("{} ORDER BY {order}", f.sql()), f))
}

impl Store {
    /// Checks an outdated query (filters, sort, paging) without running it.
    pub fn check_outdated_query(q: &crate::model::OutdatedQuery) -> Result<()> {
        paging(q.offset, q.limit)?;
        outdated_query_sql(q).map(|_| ())
    }

    /// A page of outdated artifacts (one indexed query; rows carry the project name).
    pub fn outdated_artifacts(&self, q: &crate::model::OutdatedQuery) -> Result<ArtifactPage> {
        let (offset, limit) = paging(q.offset, q.limit)?;
        let (rows, body, f) = outdated_query_sql(q)?;
        self.with_reader(|c| {
            page(
                c,
                &artifact_rows(rows),
                &body,
                &f,
                offset,
                limit,
                artifact_from_row,
            )
        })
    }

    /// `EXPLAIN QUERY PLAN` for an outdated query.
    pub fn explain_outdated(&self, q: &crate::model::OutdatedQuery) -> Result<Vec<String>> {
        let (rows, body, f) = outdated_query_sql(q)?;
        self.explain(&format!("SELECT id FROM {rows}{body}"), &f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joined_read_is_not_prepared_again_for_each_value_bound() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        let tuning = super::super::Tuning {
            busy_timeout_ms: 1000,
            max_size_mb: 0,
        };
        let store = Store::open_file(&db, tuning).unwrap();
        let c = Connection::open(&db).unwrap();
        c.execute_batch(
            "INSERT INTO projects(id, path, name, registered_at, updated_at) VALUES ('p', '/x', 'x', 1, 1);
             INSERT INTO artifacts(id, project_id, type, name, path, fingerprint, scanned_at, updated_at)
             VALUES ('a', 'p', 'agent', 'a', '', 'f', 1, 1),
                    ('b', 'p', 'agent', 'b', '', 'f', 1, 1);",
        )
        .unwrap();
        for id in ["a", "b", "a", "b"] {
            assert_eq!(store.get_artifact(id).unwrap().unwrap().id, id);
        }
        for offset in 0..3 {
            let q = ArtifactQuery {
                sort_by: Some(ArtifactSort::Project),
                offset: Some(offset),
                limit: Some(1),
                ..Default::default()
            };
            assert_eq!(store.list_artifacts(&q).unwrap().total, 2);
        }
        let (rows, body, _) = artifact_query_sql(&ArtifactQuery {
            sort_by: Some(ArtifactSort::Project),
            ..Default::default()
        })
        .unwrap();
        let statements = [
            format!("SELECT {} FROM {ARTIFACTS} WHERE id = ?1", *ARTIFACT_COLS),
            format!(
                "SELECT {} FROM {rows}{body} LIMIT ?1 OFFSET ?2",
                *ARTIFACT_COLS
            ),
        ];
        store
            .with_reader(|c| {
                for sql in &statements {
                    let again = c
                        .prepare_cached(sql)?
                        .get_status(rusqlite::StatementStatus::RePrepare);
                    assert_eq!(again, 0, "{sql}");
                }
                Ok(())
            })
            .unwrap();
    }
}
