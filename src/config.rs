//! Configuration: explicit options, then environment, then `<home>/config.toml` `[cache]`, then defaults.
//! Every resolved value remembers where it came from so `status()` can show it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::scan::walk::{self, Limits};

/// Options a caller passes to `Cache::open`; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// SkillMeat home folder (default `~/.skillmeat`).
    pub home: Option<PathBuf>,
    /// Database file; `:memory:` for an in-memory cache.
    pub path: Option<String>,
    /// Minutes after which a project scan is stale.
    pub ttl_minutes: Option<u32>,
    /// `false` keeps the cache in memory only.
    pub enabled: Option<bool>,
    /// Folders searched for projects.
    pub project_roots: Option<Vec<PathBuf>>,
    /// How deep under each project root to look for projects.
    pub discovery_depth: Option<u32>,
    /// Cap on the database size in MiB (0 = no cap).
    pub max_size_mb: Option<u32>,
    /// How long to wait for another process's lock, in ms.
    pub busy_timeout_ms: Option<u32>,
    /// Run the background refresh loop (TTL refreshes, startup catch-up).
    pub background_refresh: Option<bool>,
    /// Run the file watcher.
    pub watch: Option<bool>,
    /// Most folders the watcher may watch before degrading to TTL refresh.
    pub watch_limit: Option<u32>,
    /// How long the background-refresher lease lasts without a heartbeat, in ms.
    pub lease_ttl_ms: Option<u32>,
    /// Marketplace sources (replacing `<home>/marketplace.toml`).
    pub marketplace_sources: Option<Vec<MarketSource>>,
    /// Default hours a marketplace listing stays fresh.
    pub marketplace_ttl_hours: Option<u32>,
    /// Hosts allowed over plain http.
    pub allow_http_hosts: Option<Vec<String>>,
    /// Timeout of one HTTP request, in ms.
    pub http_timeout_ms: Option<u32>,
    /// Largest HTTP response accepted, in bytes.
    pub max_response_bytes: Option<u32>,
    /// Base URL of the GitHub-compatible API upstream versions are read from.
    pub github_api_url: Option<String>,
    /// Hours an upstream answer stays fresh before the background refresh checks again (0: never
    /// in the background).
    pub upstream_ttl_hours: Option<u32>,
    /// Most files and folders listed in one artifact.
    pub max_artifact_files: Option<u32>,
    /// Most bytes of files in one artifact (larger ones are listed in part and not hashed).
    pub max_artifact_bytes: Option<u32>,
    /// Most levels of sub-folders read below an artifact's folder.
    pub max_artifact_depth: Option<u32>,
    /// Most files and folders listed in one project.
    pub max_project_files: Option<u32>,
}

/// A marketplace to cache.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketSource {
    /// Short name, unique.
    pub name: String,
    /// URL of the listing JSON.
    pub url: String,
    /// Hours a fetched copy stays fresh (default: `marketplace_ttl_hours`).
    pub ttl_hours: Option<u32>,
}

/// Where a configuration value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Passed to `Cache.open()`.
    Option,
    /// An environment variable.
    Env,
    /// `<home>/config.toml`, table `[cache]`.
    File,
    /// The built-in default.
    Default,
}

impl Source {
    /// Lower-case name used in status output.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Option => "option",
            Source::Env => "env",
            Source::File => "file",
            Source::Default => "default",
        }
    }
}

/// A resolved value with its origin.
#[derive(Debug, Clone, Serialize)]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// The configuration in force for one cache.
#[derive(Debug, Clone)]
pub struct Config {
    /// SkillMeat home folder.
    pub home: Setting<PathBuf>,
    /// Database path, or `None` for memory.
    pub path: Setting<Option<PathBuf>>,
    /// Project scan TTL in minutes.
    pub ttl_minutes: Setting<u32>,
    /// Whether the on-disk cache is enabled.
    pub enabled: Setting<bool>,
    /// Discovery roots.
    pub project_roots: Setting<Vec<PathBuf>>,
    /// Discovery depth.
    pub discovery_depth: Setting<u32>,
    /// Size cap in MiB (0 = none).
    pub max_size_mb: Setting<u32>,
    /// Busy timeout in ms.
    pub busy_timeout_ms: Setting<u32>,
    /// Background refresh loop on/off.
    pub background_refresh: Setting<bool>,
    /// File watcher on/off.
    pub watch: Setting<bool>,
    /// Watch limit (folders).
    pub watch_limit: Setting<u32>,
    /// Lease TTL in ms.
    pub lease_ttl_ms: Setting<u32>,
    /// Marketplace sources.
    pub marketplace_sources: Setting<Vec<MarketSource>>,
    /// Default marketplace TTL in hours.
    pub marketplace_ttl_hours: Setting<u32>,
    /// Hosts allowed over plain http.
    pub allow_http_hosts: Setting<Vec<String>>,
    /// HTTP timeout in ms.
    pub http_timeout_ms: Setting<u32>,
    /// Largest HTTP response in bytes.
    pub max_response_bytes: Setting<u32>,
    /// GitHub-compatible API base URL.
    pub github_api_url: Setting<String>,
    /// Upstream TTL in hours.
    pub upstream_ttl_hours: Setting<u32>,
    /// Files and folders cap per artifact.
    pub max_artifact_files: Setting<u32>,
    /// Bytes cap per artifact.
    pub max_artifact_bytes: Setting<u32>,
    /// Folder depth cap per artifact.
    pub max_artifact_depth: Setting<u32>,
    /// Files and folders cap per project.
    pub max_project_files: Setting<u32>,
}

/// Default GitHub API base URL.
pub const DEFAULT_GITHUB_API_URL: &str = "https://api.github.com";

/// Default TTL for project scans (6 hours).
pub const DEFAULT_TTL_MINUTES: u32 = 360;
/// Default discovery depth.
pub const DEFAULT_DISCOVERY_DEPTH: u32 = 3;
/// Default busy timeout.
pub const DEFAULT_BUSY_TIMEOUT_MS: u32 = 5000;

/// Every key of the `[cache]` table this package reads, with its env var and default, for docs and the CLI.
pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "path",
        "SKILLMEAT_CACHE_PATH",
        "<home>/cache/skillmeat-cache.db",
    ),
    ("ttl_minutes", "SKILLMEAT_CACHE_TTL", "360"),
    ("enabled", "SKILLMEAT_CACHE_ENABLED", "true"),
    ("project_roots", "SKILLMEAT_CACHE_PROJECT_ROOTS", "[]"),
    ("discovery_depth", "SKILLMEAT_CACHE_DISCOVERY_DEPTH", "3"),
    ("max_size_mb", "SKILLMEAT_CACHE_MAX_SIZE_MB", "0"),
    ("busy_timeout_ms", "SKILLMEAT_CACHE_BUSY_TIMEOUT_MS", "5000"),
    ("background_refresh", "SKILLMEAT_CACHE_BACKGROUND", "false"),
    ("watch", "SKILLMEAT_CACHE_WATCH", "false"),
    ("watch_limit", "SKILLMEAT_CACHE_WATCH_LIMIT", "10000"),
    ("lease_ttl_ms", "SKILLMEAT_CACHE_LEASE_TTL_MS", "15000"),
    (
        "marketplace_ttl_hours",
        "SKILLMEAT_CACHE_MARKETPLACE_TTL_HOURS",
        "24",
    ),
    ("allow_http_hosts", "SKILLMEAT_CACHE_ALLOW_HTTP_HOSTS", "[]"),
    (
        "http_timeout_ms",
        "SKILLMEAT_CACHE_HTTP_TIMEOUT_MS",
        "15000",
    ),
    (
        "max_response_bytes",
        "SKILLMEAT_CACHE_MAX_RESPONSE_BYTES",
        "5242880",
    ),
    (
        "github_api_url",
        "SKILLMEAT_GITHUB_API_URL",
        DEFAULT_GITHUB_API_URL,
    ),
    (
        "upstream_ttl_hours",
        "SKILLMEAT_CACHE_UPSTREAM_TTL_HOURS",
        "24",
    ),
    (
        "max_artifact_files",
        "SKILLMEAT_CACHE_MAX_ARTIFACT_FILES",
        "1000",
    ),
    (
        "max_artifact_bytes",
        "SKILLMEAT_CACHE_MAX_ARTIFACT_BYTES",
        "67108864",
    ),
    (
        "max_artifact_depth",
        "SKILLMEAT_CACHE_MAX_ARTIFACT_DEPTH",
        "8",
    ),
    (
        "max_project_files",
        "SKILLMEAT_CACHE_MAX_PROJECT_FILES",
        "20000",
    ),
];

/// Reads `<home>/marketplace.toml` (`[[sources]]` with `name`, `url`, optional `ttl_hours`).
pub fn read_market_sources(home: &Path) -> Result<Vec<MarketSource>> {
    let path = home.join("marketplace.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::ConfigInvalid {
                path,
                reason: e.to_string(),
            });
        }
    };
    parse_market_sources(&path, &text)
}

/// Parses the text of a `marketplace.toml` read from `path` (named in errors).
pub fn parse_market_sources(path: &Path, text: &str) -> Result<Vec<MarketSource>> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| Error::ConfigInvalid {
            path: path.to_path_buf(),
            reason: e.to_string().trim().to_string(),
        })?;
    let mut out = Vec::new();
    if let Some(toml::Value::Array(items)) = doc.get("sources") {
        for (i, t) in items.iter().enumerate() {
            let t = t.as_table();
            let get = |k: &str| {
                t.and_then(|t| t.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let (Some(name), Some(url)) = (get("name"), get("url")) else {
                return Err(Error::ConfigInvalid {
                    path: path.to_path_buf(),
                    reason: format!("[[sources]] entry {} needs a name and a url", i + 1),
                });
            };
            let ttl_hours = t
                .and_then(|t| t.get("ttl_hours"))
                .and_then(|v| v.as_integer())
                .map(|h| h.clamp(0, 100_000) as u32);
            out.push(MarketSource {
                name,
                url,
                ttl_hours,
            });
        }
    }
    Ok(out)
}

/// Default most folders watched.
pub const DEFAULT_WATCH_LIMIT: u32 = 10_000;
/// Default lease TTL.
pub const DEFAULT_LEASE_TTL_MS: u32 = 15_000;

/// Environment lookup, injectable for tests.
pub trait Env {
    /// Returns the variable's value if set and not empty.
    fn var(&self, key: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.trim().is_empty())
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

/// Default SkillMeat home: `$HOME/.skillmeat`.
pub fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".skillmeat")
}

/// The default database file name under `<home>/cache/`. Not `cache.db`: that is SkillMeat's own
/// SQLAlchemy database, which this package must never open for writing.
pub const DEFAULT_DB_FILE: &str = "skillmeat-cache.db";
/// Where earlier versions of this package kept their database by default (adopted once if ours).
pub const LEGACY_DB_FILE: &str = "cache.db";

/// The default database file of a home folder.
pub fn default_db_path(home: &Path) -> PathBuf {
    home.join("cache").join(DEFAULT_DB_FILE)
}

/// Path of the config file under a home folder.
pub fn config_file(home: &Path) -> PathBuf {
    home.join("config.toml")
}

/// Reads `<home>/config.toml` and returns its `[cache]` table (empty when the file or table is absent).
pub fn read_cache_table(home: &Path) -> Result<toml::Table> {
    let path = config_file(home);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(toml::Table::new()),
        Err(e) => {
            return Err(Error::ConfigInvalid {
                path,
                reason: e.to_string(),
            });
        }
    };
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| Error::ConfigInvalid {
            path: path.clone(),
            reason: e.to_string().trim().to_string(),
        })?;
    match doc.get("cache") {
        None => Ok(toml::Table::new()),
        Some(toml::Value::Table(t)) => Ok(t.clone()),
        Some(_) => Err(Error::ConfigInvalid {
            path,
            reason: "`cache` must be a table ([cache])".into(),
        }),
    }
}

fn parse_u32(name: &str, raw: &str) -> Result<u32> {
    raw.trim()
        .parse::<u32>()
        .map_err(|_| Error::invalid(name, format!("expected a whole number, got {raw:?}")))
}

fn parse_bool(name: &str, raw: &str) -> Result<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::invalid(
            name,
            format!("expected true/false (or 1/0), got {raw:?}"),
        )),
    }
}

fn file_u32(table: &toml::Table, key: &str, file: &Path) -> Result<Option<u32>> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(i)) if *i >= 0 && *i <= u32::MAX as i64 => Ok(Some(*i as u32)),
        Some(v) => Err(Error::ConfigInvalid {
            path: file.to_path_buf(),
            reason: format!("[cache] {key} must be a non-negative whole number, got {v}"),
        }),
    }
}

fn file_bool(table: &toml::Table, key: &str, file: &Path) -> Result<Option<bool>> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
        Some(v) => Err(Error::ConfigInvalid {
            path: file.to_path_buf(),
            reason: format!("[cache] {key} must be true or false, got {v}"),
        }),
    }
}

fn file_str(table: &toml::Table, key: &str, file: &Path) -> Result<Option<String>> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(Error::ConfigInvalid {
            path: file.to_path_buf(),
            reason: format!("[cache] {key} must be a string, got {v}"),
        }),
    }
}

fn file_paths(table: &toml::Table, key: &str, file: &Path) -> Result<Option<Vec<PathBuf>>> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                toml::Value::String(s) => Ok(expand_home(s)),
                other => Err(Error::ConfigInvalid {
                    path: file.to_path_buf(),
                    reason: format!("[cache] {key} must be a list of paths, found {other}"),
                }),
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(v) => Err(Error::ConfigInvalid {
            path: file.to_path_buf(),
            reason: format!("[cache] {key} must be a list of paths, got {v}"),
        }),
    }
}

/// The `Cache.open` option of the `[cache]` key `key` (`max_artifact_files` → `maxArtifactFiles`).
pub fn option_name(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// Expands a leading `~/` to the user's home directory.
pub fn expand_home(s: &str) -> PathBuf {
    if let Some(rest) = s.strip_prefix("~/") {
        if let Some(h) = std::env::var_os("HOME") {
            return PathBuf::from(h).join(rest);
        }
    }
    PathBuf::from(s)
}

/// Picks the first present value among option, env and file, else the default.
fn pick<T>(opt: Option<T>, env: Option<T>, file: Option<T>, default: T) -> Setting<T> {
    if let Some(v) = opt {
        Setting {
            value: v,
            source: Source::Option,
        }
    } else if let Some(v) = env {
        Setting {
            value: v,
            source: Source::Env,
        }
    } else if let Some(v) = file {
        Setting {
            value: v,
            source: Source::File,
        }
    } else {
        Setting {
            value: default,
            source: Source::Default,
        }
    }
}

fn db_path(raw: &str) -> Option<PathBuf> {
    if raw == ":memory:" {
        None
    } else {
        Some(expand_home(raw))
    }
}

impl Config {
    /// Resolves the configuration from options, the given environment and the config file.
    pub fn resolve(opts: &Options, env: &dyn Env) -> Result<Config> {
        let home = pick(
            opts.home.clone(),
            env.var("SKILLMEAT_HOME").map(|h| expand_home(&h)),
            None,
            default_home(),
        );
        let file = config_file(&home.value);
        let table = read_cache_table(&home.value)?;

        let env_u32 = |key: &str| env.var(key).map(|v| parse_u32(key, &v)).transpose();
        let env_bool = |key: &str| env.var(key).map(|v| parse_bool(key, &v)).transpose();

        let default_path = default_db_path(&home.value);
        let path = pick(
            opts.path.as_deref().map(db_path),
            env.var("SKILLMEAT_CACHE_PATH").as_deref().map(db_path),
            file_str(&table, "path", &file)?.as_deref().map(db_path),
            Some(default_path),
        );
        if let Some(p) = &path.value {
            if p.as_os_str().is_empty() {
                return Err(match path.source {
                    Source::File => Error::ConfigInvalid {
                        path: file.clone(),
                        reason: "[cache] path must not be empty (remove the key for the default)"
                            .into(),
                    },
                    Source::Env => Error::invalid("SKILLMEAT_CACHE_PATH", "must not be empty"),
                    _ => Error::invalid("path", "must not be empty"),
                });
            }
        }
        let ttl_minutes = pick(
            opts.ttl_minutes,
            env_u32("SKILLMEAT_CACHE_TTL")?,
            file_u32(&table, "ttl_minutes", &file)?,
            DEFAULT_TTL_MINUTES,
        );
        let enabled = pick(
            opts.enabled,
            env_bool("SKILLMEAT_CACHE_ENABLED")?,
            file_bool(&table, "enabled", &file)?,
            true,
        );
        let env_roots = env.var("SKILLMEAT_CACHE_PROJECT_ROOTS").map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| expand_home(&p.to_string_lossy()))
                .collect::<Vec<_>>()
        });
        let project_roots = pick(
            opts.project_roots.clone(),
            env_roots,
            file_paths(&table, "project_roots", &file)?,
            Vec::new(),
        );
        let discovery_depth = pick(
            opts.discovery_depth,
            env_u32("SKILLMEAT_CACHE_DISCOVERY_DEPTH")?,
            file_u32(&table, "discovery_depth", &file)?,
            DEFAULT_DISCOVERY_DEPTH,
        );
        if discovery_depth.value > 32 {
            return Err(Error::invalid("discoveryDepth", "must be between 0 and 32"));
        }
        let max_size_mb = pick(
            opts.max_size_mb,
            env_u32("SKILLMEAT_CACHE_MAX_SIZE_MB")?,
            file_u32(&table, "max_size_mb", &file)?,
            0,
        );
        let busy_timeout_ms = pick(
            opts.busy_timeout_ms,
            env_u32("SKILLMEAT_CACHE_BUSY_TIMEOUT_MS")?,
            file_u32(&table, "busy_timeout_ms", &file)?,
            DEFAULT_BUSY_TIMEOUT_MS,
        );
        let background_refresh = pick(
            opts.background_refresh,
            env_bool("SKILLMEAT_CACHE_BACKGROUND")?,
            file_bool(&table, "background_refresh", &file)?,
            false,
        );
        let watch = pick(
            opts.watch,
            env_bool("SKILLMEAT_CACHE_WATCH")?,
            file_bool(&table, "watch", &file)?,
            false,
        );
        let watch_limit = pick(
            opts.watch_limit,
            env_u32("SKILLMEAT_CACHE_WATCH_LIMIT")?,
            file_u32(&table, "watch_limit", &file)?,
            DEFAULT_WATCH_LIMIT,
        );
        let lease_ttl_ms = pick(
            opts.lease_ttl_ms,
            env_u32("SKILLMEAT_CACHE_LEASE_TTL_MS")?,
            file_u32(&table, "lease_ttl_ms", &file)?,
            DEFAULT_LEASE_TTL_MS,
        );
        let marketplace_sources = match &opts.marketplace_sources {
            Some(s) => Setting {
                value: s.clone(),
                source: Source::Option,
            },
            None => {
                let s = read_market_sources(&home.value)?;
                let source = if s.is_empty() {
                    Source::Default
                } else {
                    Source::File
                };
                Setting { value: s, source }
            }
        };
        let marketplace_ttl_hours = pick(
            opts.marketplace_ttl_hours,
            env_u32("SKILLMEAT_CACHE_MARKETPLACE_TTL_HOURS")?,
            file_u32(&table, "marketplace_ttl_hours", &file)?,
            24,
        );
        let env_hosts = env.var("SKILLMEAT_CACHE_ALLOW_HTTP_HOSTS").map(|v| {
            v.split(',')
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect::<Vec<_>>()
        });
        let file_hosts = file_paths(&table, "allow_http_hosts", &file)?.map(|v| {
            v.into_iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect()
        });
        let allow_http_hosts = pick(
            opts.allow_http_hosts.clone(),
            env_hosts,
            file_hosts,
            Vec::new(),
        );
        let http_timeout_ms = pick(
            opts.http_timeout_ms,
            env_u32("SKILLMEAT_CACHE_HTTP_TIMEOUT_MS")?,
            file_u32(&table, "http_timeout_ms", &file)?,
            15_000,
        );
        let max_response_bytes = pick(
            opts.max_response_bytes,
            env_u32("SKILLMEAT_CACHE_MAX_RESPONSE_BYTES")?,
            file_u32(&table, "max_response_bytes", &file)?,
            5 * 1024 * 1024,
        );
        let github_api_url = pick(
            opts.github_api_url.clone(),
            env.var("SKILLMEAT_GITHUB_API_URL")
                .filter(|v| !v.trim().is_empty()),
            file_str(&table, "github_api_url", &file)?,
            DEFAULT_GITHUB_API_URL.to_string(),
        );
        let upstream_ttl_hours = pick(
            opts.upstream_ttl_hours,
            env_u32("SKILLMEAT_CACHE_UPSTREAM_TTL_HOURS")?,
            file_u32(&table, "upstream_ttl_hours", &file)?,
            24,
        );
        if lease_ttl_ms.value < 500 {
            return Err(Error::invalid("leaseTtlMs", "must be at least 500 ms"));
        }
        let max_artifact_files = pick(
            opts.max_artifact_files,
            env_u32("SKILLMEAT_CACHE_MAX_ARTIFACT_FILES")?,
            file_u32(&table, "max_artifact_files", &file)?,
            walk::DEFAULT_ARTIFACT_FILES,
        );
        let max_artifact_bytes = pick(
            opts.max_artifact_bytes,
            env_u32("SKILLMEAT_CACHE_MAX_ARTIFACT_BYTES")?,
            file_u32(&table, "max_artifact_bytes", &file)?,
            walk::DEFAULT_ARTIFACT_BYTES,
        );
        let max_artifact_depth = pick(
            opts.max_artifact_depth,
            env_u32("SKILLMEAT_CACHE_MAX_ARTIFACT_DEPTH")?,
            file_u32(&table, "max_artifact_depth", &file)?,
            walk::DEFAULT_ARTIFACT_DEPTH,
        );
        let max_project_files = pick(
            opts.max_project_files,
            env_u32("SKILLMEAT_CACHE_MAX_PROJECT_FILES")?,
            file_u32(&table, "max_project_files", &file)?,
            walk::DEFAULT_PROJECT_FILES,
        );
        for (name, s) in [
            ("maxArtifactFiles", &max_artifact_files),
            ("maxArtifactBytes", &max_artifact_bytes),
            ("maxProjectFiles", &max_project_files),
        ] {
            if s.value == 0 {
                return Err(Error::invalid(name, "must be at least 1"));
            }
        }
        if max_artifact_depth.value > walk::MAX_ARTIFACT_DEPTH {
            return Err(Error::invalid(
                "maxArtifactDepth",
                format!("must be between 0 and {}", walk::MAX_ARTIFACT_DEPTH),
            ));
        }
        Ok(Config {
            max_artifact_files,
            max_artifact_bytes,
            max_artifact_depth,
            max_project_files,
            github_api_url,
            upstream_ttl_hours,
            marketplace_sources,
            marketplace_ttl_hours,
            allow_http_hosts,
            http_timeout_ms,
            max_response_bytes,
            background_refresh,
            watch,
            watch_limit,
            lease_ttl_ms,
            home,
            path,
            ttl_minutes,
            enabled,
            project_roots,
            discovery_depth,
            max_size_mb,
            busy_timeout_ms,
        })
    }

    /// The configuration as `key -> {value, source}` JSON, for `status()`.
    pub fn to_json(&self) -> serde_json::Value {
        fn entry<T: Serialize>(s: &Setting<T>) -> serde_json::Value {
            serde_json::json!({ "value": s.value, "source": s.source.as_str() })
        }
        let path = Setting {
            value: self
                .path
                .value
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| ":memory:".into()),
            source: self.path.source,
        };
        serde_json::json!({
            "home": entry(&self.home),
            "path": entry(&path),
            "ttlMinutes": entry(&self.ttl_minutes),
            "enabled": entry(&self.enabled),
            "projectRoots": entry(&self.project_roots),
            "discoveryDepth": entry(&self.discovery_depth),
            "maxSizeMb": entry(&self.max_size_mb),
            "busyTimeoutMs": entry(&self.busy_timeout_ms),
            "backgroundRefresh": entry(&self.background_refresh),
            "watch": entry(&self.watch),
            "watchLimit": entry(&self.watch_limit),
            "leaseTtlMs": entry(&self.lease_ttl_ms),
            "marketplaceSources": entry(&self.marketplace_sources),
            "marketplaceTtlHours": entry(&self.marketplace_ttl_hours),
            "allowHttpHosts": entry(&self.allow_http_hosts),
            "httpTimeoutMs": entry(&self.http_timeout_ms),
            "maxResponseBytes": entry(&self.max_response_bytes),
            "githubApiUrl": entry(&self.github_api_url),
            "upstreamTtlHours": entry(&self.upstream_ttl_hours),
            "maxArtifactFiles": entry(&self.max_artifact_files),
            "maxArtifactBytes": entry(&self.max_artifact_bytes),
            "maxArtifactDepth": entry(&self.max_artifact_depth),
            "maxProjectFiles": entry(&self.max_project_files),
        })
    }

    /// The caps on what one scan lists and reads.
    pub fn scan_limits(&self) -> Limits {
        Limits {
            artifact_files: self.max_artifact_files.value,
            artifact_bytes: u64::from(self.max_artifact_bytes.value),
            artifact_depth: self.max_artifact_depth.value,
            project_files: self.max_project_files.value,
        }
    }
}

/// Sets (or, with `None`, removes) one key of `<home>/config.toml` `[cache]`, keeping the rest of the
/// file and its comments. The value is checked against the key's type first.
pub fn set_value(home: &Path, key: &str, value: Option<&str>) -> Result<()> {
    let Some(_) = KEYS.iter().find(|(k, _, _)| *k == key) else {
        let known: Vec<&str> = KEYS.iter().map(|(k, _, _)| *k).collect();
        return Err(Error::invalid(
            "key",
            format!("unknown key {key:?}; known keys: {}", known.join(", ")),
        ));
    };
    let path = config_file(home);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    let mut doc: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| Error::ConfigInvalid {
                path: path.clone(),
                reason: e.to_string().trim().to_string(),
            })?;
    if !doc.contains_key("cache") {
        doc["cache"] = toml_edit::table();
    }
    let Some(table) = doc["cache"].as_table_mut() else {
        return Err(Error::ConfigInvalid {
            path,
            reason: "`cache` must be a table ([cache])".into(),
        });
    };
    match value {
        None => {
            table.remove(key);
        }
        Some(raw) => {
            let item = match key {
                "ttl_minutes"
                | "discovery_depth"
                | "max_size_mb"
                | "busy_timeout_ms"
                | "watch_limit"
                | "lease_ttl_ms"
                | "marketplace_ttl_hours"
                | "http_timeout_ms"
                | "upstream_ttl_hours"
                | "max_response_bytes"
                | "max_artifact_files"
                | "max_artifact_bytes"
                | "max_artifact_depth"
                | "max_project_files" => toml_edit::value(parse_u32(key, raw)? as i64),
                "enabled" | "background_refresh" | "watch" => {
                    toml_edit::value(parse_bool(key, raw)?)
                }
                "project_roots" | "allow_http_hosts" => {
                    let mut arr = toml_edit::Array::new();
                    for p in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        arr.push(p);
                    }
                    toml_edit::value(arr)
                }
                _ if raw.trim().is_empty() => {
                    return Err(Error::invalid(
                        "value",
                        format!("{key} must not be empty; unset the key to use the default"),
                    ));
                }
                _ => toml_edit::value(raw),
            };
            table[key] = item;
        }
    }
    std::fs::create_dir_all(home)
        .map_err(|e| Error::io(format!("creating {}", home.display()), e))?;
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, doc.to_string())
        .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(format!("replacing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn option_names_of_keys() {
        assert_eq!(option_name("max_artifact_files"), "maxArtifactFiles");
        assert_eq!(option_name("ttl_minutes"), "ttlMinutes");
        assert_eq!(option_name("watch"), "watch");
    }

    #[test]
    fn precedence_option_env_file_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[other]\nx=1\n[cache]\nttl_minutes = 30\ndiscovery_depth = 5\nenabled = false\n",
        )
        .unwrap();
        let e = env(&[
            ("SKILLMEAT_CACHE_TTL", "45"),
            ("SKILLMEAT_CACHE_ENABLED", "1"),
        ]);
        let opts = Options {
            home: Some(dir.path().into()),
            enabled: Some(false),
            ..Default::default()
        };
        let c = Config::resolve(&opts, &e).unwrap();
        assert_eq!(
            (c.ttl_minutes.value, c.ttl_minutes.source),
            (45, Source::Env)
        );
        assert_eq!(
            (c.discovery_depth.value, c.discovery_depth.source),
            (5, Source::File)
        );
        assert_eq!((c.enabled.value, c.enabled.source), (false, Source::Option));
        assert_eq!(c.max_size_mb.source, Source::Default);
        assert_eq!(
            c.path.value,
            Some(dir.path().join("cache").join(DEFAULT_DB_FILE))
        );
        assert_eq!(c.home.source, Source::Option);
    }

    #[test]
    fn home_from_env_and_memory_path() {
        let dir = tempfile::tempdir().unwrap();
        let e = env(&[
            ("SKILLMEAT_HOME", dir.path().to_str().unwrap()),
            ("SKILLMEAT_CACHE_PATH", ":memory:"),
        ]);
        let c = Config::resolve(&Options::default(), &e).unwrap();
        assert_eq!(c.home.value, dir.path());
        assert_eq!(c.path.value, None);
        assert_eq!(c.path.source, Source::Env);
    }

    #[test]
    fn bad_values_name_the_culprit() {
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            home: Some(dir.path().into()),
            ..Default::default()
        };
        let err = Config::resolve(&opts, &env(&[("SKILLMEAT_CACHE_TTL", "soon")])).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert!(err.to_string().contains("SKILLMEAT_CACHE_TTL"), "{err}");

        std::fs::write(
            dir.path().join("config.toml"),
            "[cache]\nttl_minutes = \"x\"\n",
        )
        .unwrap();
        let err = Config::resolve(&opts, &env(&[])).unwrap_err();
        assert_eq!(err.code(), "CONFIG_INVALID");
        assert!(err.to_string().contains("ttl_minutes"), "{err}");

        std::fs::write(dir.path().join("config.toml"), "[cache\n").unwrap();
        let err = Config::resolve(&opts, &env(&[])).unwrap_err();
        assert_eq!(err.code(), "CONFIG_INVALID");
    }

    #[test]
    fn set_value_keeps_other_content_and_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "# mine\n[ui]\ntheme = \"dark\"\n",
        )
        .unwrap();
        set_value(dir.path(), "ttl_minutes", Some("15")).unwrap();
        set_value(dir.path(), "project_roots", Some("/a,/b")).unwrap();
        assert!(set_value(dir.path(), "path", Some("")).is_err());
        let text = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
        assert!(
            text.contains("# mine") && text.contains("theme = \"dark\""),
            "{text}"
        );
        let opts = Options {
            home: Some(dir.path().into()),
            ..Default::default()
        };
        let c = Config::resolve(&opts, &env(&[])).unwrap();
        assert_eq!(
            (c.ttl_minutes.value, c.ttl_minutes.source),
            (15, Source::File)
        );
        assert_eq!(
            c.project_roots.value,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        assert!(set_value(dir.path(), "ttl_minutes", Some("x")).is_err());
        assert!(set_value(dir.path(), "nope", Some("1")).is_err());
        set_value(dir.path(), "ttl_minutes", None).unwrap();
        let c = Config::resolve(&opts, &env(&[])).unwrap();
        assert_eq!(c.ttl_minutes.source, Source::Default);
    }
}
