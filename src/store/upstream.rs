//! Storing upstream versions of artifacts: from the GitHub-compatible API (written by an upstream
//! check), from the user's collection lock and from marketplace listings (recomputed after scans
//! and marketplace refreshes), with the outdated flag and the difference kept beside them. Which
//! upstream wins and what counts as outdated is [`crate::upstream::policy`]'s.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use rusqlite::{OptionalExtension, params};

use super::compact::{self, UPSTREAM_ORIGIN};
use super::deployments::{COLLECTION_SHA, DEPLOYED_SHA, SOURCE, VERSION_SPEC, with_deployment};
use super::paths::PATH;
use super::{Store, now_ms};
use crate::error::Result;
pub(crate) use crate::upstream::policy::{Deployed, local_upstream, pinned_sha};
use crate::values::UpstreamOrigin;
use crate::version::VersionDiff;

/// An artifact with an upstream source spec, as an upstream check needs it.
#[derive(Debug, Clone)]
pub struct UpstreamCandidate {
    /// Artifact id.
    pub id: String,
    /// Source spec (`owner/repo[/path][@version]`).
    pub source: String,
    /// Version spec, when recorded apart from the source.
    pub version_spec: Option<String>,
    /// Deployed version.
    pub deployed_version: Option<String>,
    /// Whether a deployed commit is known (the deployment entry's, the collection lock's, or a
    /// SHA the source pins): then commits are compared, not contents.
    pub commit_known: bool,
    /// The deployed files differ from what was deployed.
    pub local_modified: bool,
    /// The artifact's file or folder on disk (project folder joined with its path).
    pub local_path: std::path::PathBuf,
}

/// What an upstream check found for one artifact.
#[derive(Debug, Clone)]
pub enum UpstreamResult {
    /// The upstream version and/or commit.
    Found {
        /// The provider that answered (`github`, `gitlab`).
        origin: UpstreamOrigin,
        /// Upstream version (a tag or release name).
        version: Option<String>,
        /// Upstream commit.
        sha: Option<String>,
        /// Whether the upstream files differ from the deployed ones, when compared (same version
        /// or no commit to compare, and no local modification).
        content_differs: Option<bool>,
    },
    /// The check failed; the last known upstream is kept and the error recorded.
    Failed(String),
}

/// One repository's outcome in an upstream check.
#[derive(Debug, Clone)]
pub struct RepoOutcome {
    /// `owner/repo` (lower case).
    pub repo: String,
    /// `(code, message)` of the failure, if it failed.
    pub error: Option<(String, String)>,
}

/// A stored HTTP answer of the upstream API, for conditional requests.
#[derive(Debug, Clone)]
pub struct HttpRecord {
    /// Request URL.
    pub url: String,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// Body.
    pub body: String,
}

/// The rows [`UpstreamRow::read`] reads, with their deployment (a `WHERE` may follow).
static UPSTREAM_ROWS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT artifacts.id AS id, name, project_id, deployed_version, collection_version,
             {UPSTREAM_ORIGIN} AS upstream_origin, upstream_version, upstream_sha, is_outdated, version_diff,
             upstream_error, {SOURCE} AS source, {VERSION_SPEC} AS version_spec,
             {DEPLOYED_SHA} AS deployed_sha, {COLLECTION_SHA} AS collection_sha
         FROM artifacts {}",
        with_deployment!()
    )
});

/// An artifact's deployment and upstream columns, read by name.
struct UpstreamRow {
    id: String,
    name: String,
    project_id: String,
    source: Option<String>,
    version_spec: Option<String>,
    deployed_version: Option<String>,
    deployed_sha: Option<String>,
    collection_version: Option<String>,
    collection_sha: Option<String>,
    upstream_origin: Option<UpstreamOrigin>,
    upstream_version: Option<String>,
    upstream_sha: Option<String>,
    is_outdated: bool,
    version_diff: Option<String>,
    upstream_error: Option<String>,
}

impl UpstreamRow {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<UpstreamRow> {
        Ok(UpstreamRow {
            id: r.get("id")?,
            name: r.get("name")?,
            project_id: r.get("project_id")?,
            source: r.get("source")?,
            version_spec: r.get("version_spec")?,
            deployed_version: r.get("deployed_version")?,
            deployed_sha: r.get("deployed_sha")?,
            collection_version: r.get("collection_version")?,
            collection_sha: r.get("collection_sha")?,
            upstream_origin: r.get("upstream_origin")?,
            upstream_version: r.get("upstream_version")?,
            upstream_sha: r.get("upstream_sha")?,
            is_outdated: r.get("is_outdated")?,
            version_diff: r.get("version_diff")?,
            upstream_error: r.get("upstream_error")?,
        })
    }

    /// What the row says about the deployment.
    fn deployed(&self, with_collection_version: bool) -> Deployed<'_> {
        Deployed {
            source: self.source.as_deref(),
            version_spec: self.version_spec.as_deref(),
            version: self.deployed_version.as_deref(),
            sha: self.deployed_sha.as_deref(),
            collection_version: self
                .collection_version
                .as_deref()
                .filter(|_| with_collection_version),
            collection_sha: self.collection_sha.as_deref(),
        }
    }
}

impl Store {
    /// Recomputes each artifact's upstream from the collection lock and the marketplace
    /// listings (unless the repository itself answered for it), and for every artifact the
    /// outdated flag and difference against its deployed version, after the listings changed
    /// (a scan does the same for its own project's artifacts in its transaction). Returns how
    /// many artifacts changed.
    pub fn apply_local_upstream(&self) -> Result<usize> {
        let (has_entries, relevant): (bool, bool) = self.with_reader(|c| {
            Ok(c.query_row(
                "SELECT EXISTS(SELECT 1 FROM marketplace_entries),
                        EXISTS(SELECT 1 FROM artifacts WHERE upstream_origin IS NOT NULL
                               OR collection_version IS NOT NULL)
                        OR EXISTS(SELECT 1 FROM artifact_deployments WHERE collection_sha IS NOT NULL)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })?;
        if !has_entries && !relevant {
            return Ok(0);
        }
        let now = now_ms();
        self.write(|tx| {
            let mut listed: HashMap<String, Vec<String>> = HashMap::new();
            if has_entries {
                let mut stmt = tx.prepare_cached(
                    "SELECT name, version FROM marketplace_entries WHERE version IS NOT NULL",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    listed.entry(r.get(0)?).or_default().push(r.get(1)?);
                }
            }
            let mut stmt = tx.prepare_cached(&UPSTREAM_ROWS)?;
            let rows: Vec<UpstreamRow> = stmt
                .query_map([], UpstreamRow::read)?
                .collect::<rusqlite::Result<_>>()?;
            let mut update = tx.prepare_cached(
                "UPDATE artifacts SET upstream_version = ?2, upstream_sha = ?3, upstream_origin = ?4,
                     upstream_checked_at = CASE WHEN ?4 IS upstream_origin AND ?2 IS upstream_version
                         AND ?3 IS upstream_sha THEN upstream_checked_at ELSE ?5 END,
                     is_outdated = ?6, version_diff = ?7, diff_rank = ?8
                 WHERE id = ?1",
            )?;
            let mut changed = 0;
            for row in rows {
                let up = local_upstream(
                    &row.deployed(true),
                    row.upstream_origin.map(|o| {
                        (o, row.upstream_version.as_deref(), row.upstream_sha.as_deref())
                    }),
                    listed.get(&row.name).map(Vec::as_slice).unwrap_or(&[]),
                );
                let diff_s = up.diff_str().map(str::to_string);
                if up.origin == row.upstream_origin
                    && up.version == row.upstream_version
                    && up.sha == row.upstream_sha
                    && up.outdated == row.is_outdated
                    && diff_s == row.version_diff
                {
                    continue;
                }
                let id = &row.id;
                changed += 1;
                let origin = compact::upstream_origin(up.origin);
                update.execute(params![id, up.version, up.sha, origin, now, up.outdated, diff_s, up.rank()])?;
            }
            if changed > 0 {
                refresh_outdated_counts(tx, None)?;
            }
            Ok(changed)
        })
    }

    /// Artifacts with a source spec (one project's, or all).
    pub fn upstream_candidates(&self, project: Option<&str>) -> Result<Vec<UpstreamCandidate>> {
        self.with_reader(|c| {
            // One project's are found by its index; all of them by reading the table.
            let one = if project.is_some() {
                "artifacts.project_id = ?1"
            } else {
                "?1 IS NULL"
            };
            let mut stmt = c.prepare_cached(&format!(
                "SELECT artifacts.id, {SOURCE}, {VERSION_SPEC}, artifacts.deployed_version,
                        {DEPLOYED_SHA}, {COLLECTION_SHA}, artifacts.local_modified, p.path, {PATH}
                 FROM artifacts JOIN projects p ON p.id = artifacts.project_id {}
                 WHERE {one} AND {SOURCE} IS NOT NULL",
                with_deployment!()
            ))?;
            let rows = stmt.query_map([project], |r| {
                let source: String = r.get(1)?;
                let version_spec: Option<String> = r.get(2)?;
                let deployed_sha: Option<String> = r.get(4)?;
                let collection_sha: Option<String> = r.get(5)?;
                let commit_known = deployed_sha.is_some()
                    || collection_sha.is_some()
                    || pinned_sha(Some(&source), version_spec.as_deref()).is_some();
                let project_path: String = r.get(7)?;
                let rel: String = r.get(8)?;
                Ok(UpstreamCandidate {
                    id: r.get(0)?,
                    source,
                    version_spec,
                    deployed_version: r.get(3)?,
                    commit_known,
                    local_modified: r.get(6)?,
                    local_path: std::path::Path::new(&project_path).join(rel),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// When each repository was last checked (ms since the epoch).
    pub fn upstream_repo_checks(&self) -> Result<HashMap<String, i64>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached("SELECT repo, checked_at FROM upstream_repos")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
        })
    }

    /// Stored answers for conditional requests of the API at `api_url`.
    pub fn upstream_http(&self, api_url: &str) -> Result<Vec<HttpRecord>> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT url, etag, last_modified, body FROM upstream_http WHERE substr(url, 1, length(?1)) = ?1",
            )?;
            let rows = stmt.query_map([api_url], |r| {
                Ok(HttpRecord {
                    url: r.get(0)?,
                    etag: r.get(1)?,
                    last_modified: r.get(2)?,
                    body: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Writes an upstream check in one transaction: the HTTP answers to revalidate with next
    /// time, each repository's outcome, and each artifact's result (a failure keeps the last
    /// known upstream and records the error). Returns `(artifacts whose upstream or outdated
    /// state changed, artifacts now outdated among those checked)`.
    pub fn apply_upstream_check(
        &self,
        records: &[HttpRecord],
        repos: &[RepoOutcome],
        results: &[(String, UpstreamResult)],
    ) -> Result<(usize, usize)> {
        let now = now_ms();
        self.write(|tx| {
            let mut put = tx.prepare_cached(
                "INSERT INTO upstream_http(url, etag, last_modified, body, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                     body = excluded.body, fetched_at = excluded.fetched_at",
            )?;
            for r in records {
                put.execute(params![r.url, r.etag, r.last_modified, r.body, now])?;
            }
            let mut repo = tx.prepare_cached(
                "INSERT INTO upstream_repos(repo, checked_at, ok_at, error_code, error) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(repo) DO UPDATE SET checked_at = excluded.checked_at,
                     ok_at = COALESCE(excluded.ok_at, upstream_repos.ok_at),
                     error_code = excluded.error_code, error = excluded.error",
            )?;
            for r in repos {
                let (code, msg) = match &r.error {
                    Some((c, m)) => (Some(c.as_str()), Some(m.as_str())),
                    None => (None, None),
                };
                repo.execute(params![r.repo, now, code.is_none().then_some(now), code, msg])?;
            }
            let mut read =
                tx.prepare_cached(&format!("{} WHERE artifacts.id = ?1", *UPSTREAM_ROWS))?;
            let mut found = tx.prepare_cached(
                "UPDATE artifacts SET upstream_version = ?2, upstream_sha = ?3, upstream_origin = ?8,
                     upstream_checked_at = ?4, upstream_error = NULL, is_outdated = ?5, version_diff = ?6,
                     diff_rank = ?7
                 WHERE id = ?1",
            )?;
            let mut failed =
                tx.prepare_cached("UPDATE artifacts SET upstream_error = ?2 WHERE id = ?1")?;
            let mut changed = 0;
            let mut outdated = 0;
            let mut projects: HashSet<String> = HashSet::new();
            for (id, result) in results {
                let Some(row) = read.query_row([id], UpstreamRow::read).optional()? else {
                    continue;
                };
                match result {
                    UpstreamResult::Found {
                        origin,
                        version,
                        sha,
                        content_differs,
                    } => {
                        // The same judgement as every other upstream, with this answer as the
                        // repository's.
                        if row.source.is_none() {
                            // Re-scanned without a source since the check began: the answer no
                            // longer applies (a scan drops `github` upstreams without a source).
                            continue;
                        }
                        let up = local_upstream(
                            &row.deployed(false),
                            Some((*origin, version.as_deref(), sha.as_deref())),
                            &[],
                        );
                        let mut up = up;
                        if !up.outdated && *content_differs == Some(true) {
                            // Same version (or no commit to compare), different files upstream.
                            up.outdated = true;
                            up.diff = Some(VersionDiff::Content);
                        }
                        if up.outdated {
                            outdated += 1;
                        }
                        let diff_s = up.diff_str().map(str::to_string);
                        let stored = compact::upstream_origin(Some(*origin));
                        found.execute(params![id, version, sha, now, up.outdated, diff_s, up.rank(), stored])?;
                        if row.upstream_origin != Some(*origin)
                            || &row.upstream_version != version
                            || &row.upstream_sha != sha
                            || row.is_outdated != up.outdated
                            || row.version_diff != diff_s
                            || row.upstream_error.is_some()
                        {
                            changed += 1;
                        }
                        if row.is_outdated != up.outdated {
                            projects.insert(row.project_id);
                        }
                    }
                    UpstreamResult::Failed(msg) => {
                        if row.is_outdated {
                            outdated += 1;
                        }
                        if row.upstream_error.as_deref() != Some(msg.as_str()) {
                            failed.execute(params![id, msg])?;
                        }
                    }
                }
            }
            for p in &projects {
                refresh_outdated_counts(tx, Some(p))?;
            }
            Ok((changed, outdated))
        })
    }

    /// `(unix ms until which the upstream API at `api_url` refuses requests, last check time)`.
    pub fn upstream_state(&self, api_url: &str) -> Result<(Option<i64>, Option<i64>)> {
        self.with_reader(|c| {
            let get = |k: &str| -> Option<i64> {
                c.query_row(
                    "SELECT value FROM cache_metadata WHERE key = ?1",
                    [k],
                    |r| r.get::<_, String>(0),
                )
                .ok()
                .and_then(|v| v.parse().ok())
            };
            Ok((
                get(&format!("upstream_rate_limited_until:{api_url}")),
                get("upstream_checked_at"),
            ))
        })
    }

    /// Repositories whose last check failed.
    pub fn upstream_failed_repos(&self) -> Result<i64> {
        self.with_reader(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM upstream_repos WHERE error_code IS NOT NULL",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Records until when the upstream API at `api_url` refuses requests (`None` clears it) and
    /// the check time.
    pub fn set_upstream_state(
        &self,
        api_url: &str,
        rate_limited_until: Option<i64>,
        checked_at: i64,
    ) -> Result<()> {
        let key = format!("upstream_rate_limited_until:{api_url}");
        self.write(|tx| {
            match rate_limited_until {
                Some(t) => tx.execute(
                    "INSERT OR REPLACE INTO cache_metadata(key, value) VALUES (?1, ?2)",
                    [&key, &t.to_string()],
                )?,
                None => tx.execute("DELETE FROM cache_metadata WHERE key = ?1", [&key])?,
            };
            tx.execute(
                "INSERT OR REPLACE INTO cache_metadata(key, value) VALUES ('upstream_checked_at', ?1)",
                [checked_at.to_string()],
            )?;
            Ok(())
        })
    }
}

fn refresh_outdated_counts(tx: &rusqlite::Transaction<'_>, project: Option<&str>) -> Result<()> {
    tx.execute(
        "UPDATE projects SET outdated_count =
             (SELECT COUNT(*) FROM artifacts a WHERE a.project_id = projects.id AND a.is_outdated = 1)
         WHERE ?1 IS NULL OR id = ?1",
        [project],
    )?;
    Ok(())
}
