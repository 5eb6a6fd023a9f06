//! The closed sets of words the cache reports: artifact types, statuses, origins, states.
//!
//! Each set is one plain enum. Its word is the variant name in camelCase everywhere: in
//! JavaScript (a TypeScript union in `index.d.ts` through `#[napi(string_enum)]`), in JSON
//! (serde), in SQLite (strum, through `text_words!`); a test checks they agree.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray, VariantNames};

/// Adds the word conversions to enums deriving `IntoStaticStr`, `EnumString` and `VariantNames`:
/// `as_str`, `parse`, `words`, `Display`, comparison with `&str`, and SQLite `ToSql`/`FromSql`.
macro_rules! text_words {
    ($($name:ty),+ $(,)?) => {$(
        impl $name {
            /// The word as JavaScript, JSON and the database spell it.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// The value spelled `text`, if it is one.
            pub fn parse(text: &str) -> Option<Self> {
                text.parse().ok()
            }

            /// The words, for error messages (`skill, command, …`).
            pub fn words() -> String {
                <Self as strum::VariantNames>::VARIANTS.join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                <$name>::parse(text).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(
                        format!(
                            "{text:?} is not a {} (expected one of {})",
                            stringify!($name),
                            <$name>::words()
                        )
                        .into(),
                    )
                })
            }
        }
    )+};
}

pub(crate) use text_words;

/// What started a refresh: `manual` (a call), `watch` (a change seen by the watcher), `ttl`
/// (projects older than the TTL), `startup` (catch-up at open), `takeover` (catch-up when this
/// process becomes the refresher after another), `recovery` (rebuilding a cache moved aside or
/// started beside a newer one). Events carry it; `lastRefresh.trigger` records it.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum RefreshTrigger {
    /// `refresh()`, the CLI, an HTTP refresh.
    Manual,
    /// The file watcher saw a change.
    Watch,
    /// Projects scanned longer ago than the TTL.
    Ttl,
    /// Catch-up when the background worker starts.
    Startup,
    /// Catch-up when this process takes over from another refresher.
    Takeover,
    /// Rebuilding a new database from the project folders.
    Recovery,
}

impl RefreshTrigger {
    /// Its name as events and the refresh log write it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What an artifact is.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum ArtifactType {
    /// A folder with `SKILL.md`.
    Skill,
    /// A slash command (`commands/*.md`).
    Command,
    /// A subagent (`agents/*.md`).
    Agent,
    /// A hook declared in `settings.json`.
    Hook,
    /// An MCP server (`.mcp.json`).
    Mcp,
}
/// State of a project's cached data.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum ProjectStatus {
    /// Scanned within the TTL.
    Active,
    /// Older than the TTL, or the last refresh failed.
    Stale,
    /// The folder could not be read.
    Error,
    /// The folder is gone.
    Missing,
}
/// How a project became known.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum ProjectOrigin {
    /// Registered by a user or a program.
    Registered,
    /// Found under a discovery root.
    Discovered,
}
/// Whether an artifact's files could be read and parsed.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum ArtifactStatus {
    /// Read and parsed.
    Ok,
    /// A file of it is malformed or unreadable.
    Error,
}
/// Where an upstream version came from.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum UpstreamOrigin {
    /// The source repository on GitHub.
    Github,
    /// The source repository on GitLab (gitlab.com or a self-hosted server).
    Gitlab,
    /// The SkillMeat collection it was deployed from.
    Collection,
    /// A cached marketplace listing.
    Marketplace,
}
/// Where a database or index lives.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum StorageMode {
    /// A file on disk.
    File,
    /// Memory only (`:memory:`, disabled, or fallback from an unwritable location).
    Memory,
}
/// Where the search index lives, or that it cannot be used.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
    Default,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum SearchMode {
    /// A folder on disk.
    File,
    /// Memory only.
    Memory,
    /// Could not be opened (see `lastError`); search answers from the database.
    #[default]
    Unavailable,
}
/// Whether this process is refreshing.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
    Default,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum RefreshState {
    /// A refresh runs in this process.
    Running,
    /// No refresh runs here.
    #[default]
    Idle,
}
/// State of the file watcher.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
    Default,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum WatcherState {
    /// Disabled.
    #[default]
    Off,
    /// Being set up.
    Starting,
    /// Another process holds the refresher lease and watches.
    Standby,
    /// Watching.
    Watching,
    /// Could not watch everything (see `watcherReason`); the TTL loop still runs.
    Degraded,
}
/// What happened to one marketplace source in a refresh.
#[cfg_attr(feature = "node", napi_derive::napi(string_enum = "camelCase"))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantNames,
    VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum MarketStatus {
    /// Fetched and cached.
    Fetched,
    /// Answered `304 Not Modified`; the TTL was renewed.
    NotModified,
    /// Within its TTL; not fetched.
    Fresh,
    /// Offline mode; the cached copy is served.
    Cached,
    /// Failed; the last good copy is kept and marked stale.
    Error,
}
/// Artifact types sort by their word (`agent` < `command` < `hook` < `mcp` < `skill`), as the
/// text they replaced did.
impl Ord for ArtifactType {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for ArtifactType {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

text_words!(
    ArtifactType,
    ProjectStatus,
    ProjectOrigin,
    ArtifactStatus,
    UpstreamOrigin,
    StorageMode,
    SearchMode,
    RefreshState,
    WatcherState,
    MarketStatus,
);

/// An artifact type word as SkillMeat writes it (`skills`, `mcp_server`, …), spelled as
/// [`ArtifactType`] spells it; any other word lower-cased.
pub fn normalize_kind(raw: &str) -> String {
    match raw.trim().to_ascii_lowercase().as_str() {
        "skills" => "skill".into(),
        "commands" => "command".into(),
        "agents" => "agent".into(),
        "hooks" => "hook".into(),
        "mcp_server" | "mcp-server" | "mcp_servers" | "mcpserver" | "mcps" => "mcp".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Health, Severity};
    use crate::version::VersionDiff;

    /// serde, strum and SQLite spell every value the same way.
    fn agree<T>()
    where
        T: VariantArray + Serialize + Copy + PartialEq + std::fmt::Debug + Into<&'static str>,
        T: std::str::FromStr + rusqlite::types::ToSql + rusqlite::types::FromSql,
    {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        for v in T::VARIANTS {
            let word: &'static str = (*v).into();
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{word}\""));
            assert!(word.parse::<T>().is_ok_and(|back| back == *v), "{word}");
            let back: T = db.query_row("SELECT ?1", [v], |r| r.get(0)).unwrap();
            assert_eq!(back, *v);
        }
    }

    #[test]
    fn every_word_round_trips_through_serde_strum_and_sqlite() {
        agree::<ArtifactType>();
        agree::<ProjectStatus>();
        agree::<ProjectOrigin>();
        agree::<ArtifactStatus>();
        agree::<UpstreamOrigin>();
        agree::<StorageMode>();
        agree::<SearchMode>();
        agree::<RefreshState>();
        agree::<WatcherState>();
        agree::<MarketStatus>();
        agree::<Health>();
        agree::<Severity>();
        agree::<VersionDiff>();
        assert_eq!(MarketStatus::NotModified.as_str(), "notModified");
        assert_eq!(ArtifactType::parse("plugin"), None);
        assert_eq!(ArtifactType::words(), "skill, command, agent, hook, mcp");
    }

    #[test]
    fn an_unknown_word_in_the_database_is_a_clear_error() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let bad = db.query_row("SELECT 'gone'", [], |r| r.get::<_, ProjectStatus>(0));
        let msg = bad.unwrap_err().to_string();
        assert!(
            msg.contains("\"gone\" is not a ProjectStatus (expected one of active, stale"),
            "{msg}"
        );
    }
}
