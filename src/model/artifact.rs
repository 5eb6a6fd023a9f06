//! [`Artifact`], declared once with its storage: each entry of [`artifact_table!`] is a field (its
//! doc, its type) and, in braces, its `artifacts` column. The struct (and so `index.d.ts`) is
//! generated here; `store::columns` generates the SELECT list, the row reader and the scan's
//! upsert from the same table. A persisted field is one entry here and its column in a migration.
//!
//! Docs are string literals, not `///`: napi-derive reads a doc comment that passes through a
//! macro as a raw string and would write `r" …` into `index.d.ts`. Several literals are several
//! doc lines. Types are spelled `Name` or `Name<Arg>`, and reach napi-derive as those tokens: it
//! knows an `Option` by its tokens (a `None` is then left out of the JS object, not `null`), and
//! a type passed as one opaque fragment would not be known.
//!
//! The braces read `"column" [as "SQL" | as CONST] [front "key"] => codec [<= value [, deploy]]`:
//! `as` reads the field from an expression rather than the bare column; `codec` is how a value is
//! read (`plain`, `json` text, a `hash` blob); `front "key"` writes the Markdown frontmatter's
//! `key` as string fields read it (or, with `<=`, as that value says) and keeps it out of
//! `metadata`, so a frontmatter field needs nothing in `scan` (except a key `scan` reads by rules
//! of its own: `name`, `description`, `version`, `tools`); `<= value` is what a scan writes, with
//! `w` the store's `ScanRow` (`w.a` the scanned artifact, `w.c` its [`super::ArtifactContent`],
//! `w.d` its deployment, `w.up` its upstream); `deploy` also writes it when the files were not read
//! again. A field without `<=` or `front` is written elsewhere (by SQL after the upsert, or by the
//! upstream check). The `columns` part lists what the store keeps that is not a field
//! (fingerprints, sort ranks): `"column" <= value [, deploy];`.

use serde::Serialize;

use super::{ArtifactProblem, ArtifactStatus, ArtifactType, Health, UpstreamOrigin, VersionDiff};

/// Hands the artifact table to the macro `$then` (the struct below; `store::columns`).
macro_rules! artifact_table {
    ($then:ident) => {
        $then! { |w|
        fields {
            "Stable id derived from project, profile, type and name."
            id: String { "id" => plain <= w.id }
            "Owning project id."
            project_id: String { "project_id" => plain <= w.project_id }
            "Owning project name."
            project_name: String { "project_name" as PROJECT_NAME => plain }
            "Profile root (`.claude`, …; `.` for the project's `.mcp.json`)."
            profile: String { "profile" as PROFILE => plain <= compact::profile(&w.a.key.profile) }
            "Artifact type."
            #[serde(rename = "type")]
            #[cfg_attr(feature = "node", napi(js_name = "type"))]
            kind: ArtifactType { "type" => plain <= w.a.key.kind }
            "Folder or file name (identity inside the project)."
            name: String { "name" => plain <= &w.a.key.name }
            "Frontmatter `name` (which may differ from the file name), else `name`."
            display_name: String { "display_name" as "COALESCE(display_name, name)" => plain
                <= w.c.display_name.as_deref().filter(|d| *d != w.a.key.name) }
            "Path relative to the project folder."
            path: String { "path" as PATH => plain <= stored_path(w.a), deploy }
            "Description (frontmatter, or the first line of the body)."
            description: Option<String> { "description" as DESCRIPTION => plain <= &w.c.description }
            "Frontmatter `version`."
            version: Option<String> { "version" => plain <= &w.c.version }
            "Frontmatter `author`."
            author: Option<String> { "author" as AUTHOR front "author" => plain }
            "Frontmatter `license`."
            license: Option<String> { "license" as LICENSE front "license" => plain }
            "Frontmatter `tags`."
            tags: Vec<String> { "tags_json" as TAGS front "tags" => json <= to_json(&w.c.front_list("tags")) }
            "Frontmatter `tools` (string or list in the file)."
            tools: Vec<String> { "tools_json" as TOOLS => json <= to_json(&w.c.tools) }
            "`local` (no deployment record), `collection`, or the `origin` the deployment recorded"
            "(an open set: SkillMeat may write others, such as `github` or `marketplace`)."
            origin: String { "origin" as ORIGIN => plain <= compact::origin(&w.d.origin), deploy }
            "Upstream source spec (`owner/repo[/path]@version`)."
            source: Option<String> { "source" as SOURCE => plain <= &w.d.source, deploy }
            "Version spec."
            version_spec: Option<String> { "version_spec" as VERSION_SPEC => plain <= &w.d.version_spec, deploy }
            "Collection it was deployed from."
            from_collection: Option<String> {
                "from_collection" as FROM_COLLECTION => plain <= &w.d.from_collection, deploy
            }
            "The name its deployment manifest records (`artifact_name`, what SkillMeat calls it):"
            "`name` but for a nested command (`commit-message` for `git/commit-message`) or an"
            "entry that names it otherwise; none without a deployment."
            deployed_name: Option<String> {
                "deployed_name" as "COALESCE(artifacts.deployed_name, CASE WHEN artifacts.origin IS NOT NULL THEN artifacts.name END)" => plain
                    <= w.d.name.as_deref().filter(|n| *n != w.a.key.name), deploy
            }
            "Deployment time as recorded."
            deployed_at: Option<String> { "deployed_at" => plain <= &w.d.deployed_at, deploy }
            "Deployed version."
            deployed_version: Option<String> {
                "deployed_version" => plain <= &w.d.deployed_version, deploy
            }
            "Deployed commit SHA."
            deployed_sha: Option<String> { "deployed_sha" as DEPLOYED_SHA => plain <= &w.d.deployed_sha, deploy }
            "Content hash recorded at deployment."
            deployed_hash: Option<String> {
                "deployed_hash" as DEPLOYED_HASH => hash <= hash_to_sql(w.d.deployed_hash.as_deref()), deploy
            }
            "Current content hash (SkillMeat's SHA-256)."
            content_hash: Option<String> {
                "content_hash" as CONTENT_HASH => hash
                    <= compact::content_hash(w.c.content_hash.as_deref(), w.d.deployed_hash.as_deref())
            }
            // Set by SQL after each write (`Store::apply_scans`), from the two hashes.
            "Whether the files differ from what was deployed."
            local_modified: bool { "local_modified" => plain }
            "Latest upstream version known."
            upstream_version: Option<String> {
                "upstream_version" => plain <= &w.up.version, deploy
            }
            "Latest upstream commit known."
            upstream_sha: Option<String> { "upstream_sha" => plain <= &w.up.sha, deploy }
            "When upstream was last checked (ms)."
            upstream_checked_at: Option<i64> {
                "upstream_checked_at" => plain <= w.up.origin.map(|_| w.now), deploy
            }
            "Where the upstream version came from."
            upstream_origin: Option<UpstreamOrigin> {
                "upstream_origin" as UPSTREAM_ORIGIN => plain <= compact::upstream_origin(w.up.origin), deploy
            }
            // Written by the upstream check (`Store::record_upstream`).
            "Why the last upstream check of this artifact failed (`CODE: message`), e.g."
            "`RATE_LIMITED: …`; the upstream fields keep the last known answer."
            upstream_error: Option<String> { "upstream_error" => plain }
            "What Claude Code will do with it: load it (`ok`), load it but lose something"
            "(`degraded`), or not load it / never choose it (`broken`)."
            health: Health {
                "health" as HEALTH => plain <= compact::unless_ok(health_of(&w.c.problems).as_str())
            }
            "Why it is degraded or broken: what Claude Code does, and what to change."
            problems: Vec<ArtifactProblem> { "problem_list" as PROBLEMS => problem_list <= w.problem_list }
            "Whether a newer upstream version exists."
            is_outdated: bool { "is_outdated" => plain <= w.up.outdated, deploy }
            "Kind of difference to upstream: `content` when the version is the same (or no commit is"
            "known to compare) but the upstream files differ from the deployed ones."
            version_diff: Option<VersionDiff> {
                "version_diff" => plain <= w.up.diff_str(), deploy
            }
            "`ok`, or `error` when a file of it is malformed."
            status: ArtifactStatus {
                "status" as STATUS => plain <= w.c.error.as_ref().map(|_| "error")
            }
            "File, line and reason when in error."
            error: Option<String> { "error" => plain <= w.c.error.as_ref().map(|e| e.to_string()) }
            "Total bytes of its files."
            size_bytes: i64 { "size_bytes" => plain <= w.c.size as i64 }
            "Number of files."
            file_count: i64 { "file_count" => plain <= w.c.file_count as i64 }
            "Newest file modification time (ms)."
            modified_at: i64 { "modified_at" => plain <= w.c.modified_ms }
            "Frontmatter keys not surfaced as their own fields (`model`, `color`, …), as JSON text;"
            "`JSON.parse` it when needed. For MCP servers, the server config (secrets redacted)."
            metadata: String { "metadata_json" as METADATA => plain <= to_json(&metadata(w.c)) }
            "Last scan (ms)."
            scanned_at: i64 { "scanned_at" => plain <= w.now, deploy }
            "Last content change seen (ms)."
            updated_at: i64 { "updated_at" => plain <= w.now }
        }
        columns {
            "fingerprint" <= compact::fingerprint(&w.a.fingerprint);
            "collection_version" <= &w.d.collection_version, deploy;
            "collection_sha" <= &w.d.collection_sha, deploy;
            "diff_rank" <= w.up.rank(), deploy;
            // The key of its texts, stored once (`store::texts::share` sets it).
            "text_key" <= None::<i64>;
            // The key of its deployment, stored once (`store::deployments::share` sets it).
            "deploy_key" <= None::<i64>, deploy;
        }
        }
    };
}
pub(crate) use artifact_table;

/// Declares [`Artifact`] from the table's fields (their storage is `store::columns`' part).
macro_rules! artifact_struct {
    (|$w:ident| fields { $(
        $($doc:literal)+ $(#[$attr:meta])* $field:ident : $ty:ident $(<$arg:ident>)?
            { $($storage:tt)* }
    )* } columns { $($columns:tt)* }) => {
        /// An artifact found in a project.
        #[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
        #[derive(Debug, Clone, Serialize, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct Artifact {
            $(
                $(#[doc = $doc])+
                $(#[$attr])*
                pub $field: $ty $(<$arg>)?,
            )*
        }
    };
}

artifact_table!(artifact_struct);
