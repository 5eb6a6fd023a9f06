//! The table of configuration keys: each key declared once, with its kind, environment variable,
//! default and meaning. `Options`, `Config`, their resolution, `status().config`, `KEYS` (for
//! `config list/get/set`) and the table in `docs/configuration.md` all come from it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::kinds::{Count, DbFile, Flag, Kind, PathList, Text, WordList};
use super::{Env, MarketSource, Setting, Source, option_name, pick, read_market_sources};
use crate::error::{Error, Result};

/// One configuration key as `config list/get/set` and the docs see it.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// Name in `config.toml` `[cache]` (`ttl_minutes`); the `Cache.open` option is its camelCase.
    pub key: &'static str,
    /// Environment variable that overrides the file.
    pub env: &'static str,
    /// Built-in default as text (`<home>` stands for the home folder).
    pub default_value: &'static str,
    /// Kind of value, in words (`whole number`, `true/false`, …).
    pub kind: &'static str,
    /// What it does.
    pub doc: &'static str,
    /// What `config set` writes for a value given as text.
    pub to_toml: fn(&str, &str) -> Result<toml_edit::Item>,
}

fn entry(value: Value, source: Source) -> Value {
    serde_json::json!({ "value": value, "source": source.as_str() })
}

macro_rules! config_keys {
    ($(
        $key:ident: $raw:ty as $kind:ident {
            env: $env:literal,
            default: $default:literal,
            $(min: $min:literal,)?
            $(max: $max:literal,)?
            $(ts: $ts:literal,)?
            doc: $doc:literal $(,)?
        }
    ),+ $(,)?) => {
        /// Options of `Cache.open()`; `None` means "not given". Each falls back to its
        /// environment variable, then to `<home>/config.toml` `[cache]`, then to the default
        /// (see docs/configuration.md).
        #[cfg_attr(
            feature = "node",
            napi_derive::napi(
                object,
                object_to_js = false,
                object_from_js = false,
                js_name = "CacheOptions"
            )
        )]
        #[derive(Debug, Clone, Default, serde::Deserialize)]
        #[serde(default, deny_unknown_fields, rename_all = "camelCase")]
        pub struct Options {
            /// SkillMeat home: holds `config.toml`, `collections/` and the cache (env
            /// `SKILLMEAT_HOME`, default `~/.skillmeat`).
            #[cfg_attr(feature = "node", napi(ts_type = "string"))]
            pub home: Option<PathBuf>,
            $(
                #[doc = $doc]
                $(#[cfg_attr(feature = "node", napi(ts_type = $ts))])?
                pub $key: Option<$raw>,
            )+
            /// Marketplaces to cache (default: `<home>/marketplace.toml` `[[sources]]`).
            #[cfg_attr(feature = "node", napi(ts_type = "Array<MarketplaceSourceConfig>"))]
            pub marketplace_sources: Option<Vec<MarketSource>>,
        }

        /// The configuration in force for one cache, each value with where it came from.
        #[derive(Debug, Clone)]
        pub struct Config {
            /// SkillMeat home folder.
            pub home: Setting<PathBuf>,
            $(
                #[doc = $doc]
                pub $key: Setting<<$kind as Kind>::Value>,
            )+
            /// Marketplace sources.
            pub marketplace_sources: Setting<Vec<MarketSource>>,
            /// What could not be read in `marketplace.toml` (reported as warnings).
            pub marketplace_problems: Vec<String>,
        }

        /// Every key of the `[cache]` table, in the order of the docs.
        pub const KEYS: &[Key] = &[$(
            Key {
                key: stringify!($key),
                env: $env,
                default_value: $default,
                kind: <$kind as Kind>::WORDS,
                doc: $doc,
                to_toml: <$kind as Kind>::to_toml,
            },
        )+];

        impl Config {
            /// Resolves every key of the table once `home` is known.
            pub(super) fn resolve_keys(
                opts: &Options,
                env: &dyn Env,
                table: &toml::Table,
                file: &Path,
                home: Setting<PathBuf>,
            ) -> Result<Config> {
                $(
                    let $key = {
                        let name = option_name(stringify!($key));
                        let given = match opts.$key.clone() {
                            Some(raw) => Some(<$kind as Kind>::from_option(&name, raw)?),
                            None => None,
                        };
                        let from_env = match env.var($env) {
                            Some(raw) => <$kind as Kind>::from_env($env, &raw)?,
                            None => None,
                        };
                        let from_file = match table.get(stringify!($key)) {
                            Some(v) => Some(<$kind as Kind>::from_file(stringify!($key), v, file)?),
                            None => None,
                        };
                        let default = <$kind as Kind>::from_default($default, &home.value);
                        let s = pick(given, from_env, from_file, default);
                        let min: &[u32] = &[$($min)?];
                        let max: &[u32] = &[$($max)?];
                        if let Err(why) = <$kind as Kind>::check_range(
                            &s.value,
                            min.first().copied(),
                            max.first().copied(),
                        ) {
                            // Named where the value came from, so the user knows what to fix.
                            return Err(match s.source {
                                Source::File => Error::ConfigInvalid {
                                    path: file.to_path_buf(),
                                    reason: format!(
                                        "[cache] {} {why}; fix it, or remove it with `skillmeat-cache config unset {}`",
                                        stringify!($key),
                                        stringify!($key)
                                    ),
                                },
                                Source::Env => Error::invalid($env, why),
                                _ => Error::invalid(&name, why),
                            });
                        }
                        s
                    };
                )+
                let mut marketplace_problems = Vec::new();
                let marketplace_sources = match &opts.marketplace_sources {
                    Some(s) => {
                        if let Some((i, dup)) = s.iter().enumerate().find(|(i, x)| s[..*i].iter().any(|y| y.name == x.name)) {
                            return Err(Error::invalid(
                                &format!("options.marketplaceSources[{i}].name"),
                                format!("{:?} is already the name of another source; names must differ", dup.name),
                            ));
                        }
                        Setting { value: s.clone(), source: Source::Option }
                    }
                    None => {
                        let (s, problems) = read_market_sources(&home.value);
                        marketplace_problems = problems;
                        let source = if s.is_empty() { Source::Default } else { Source::File };
                        Setting { value: s, source }
                    }
                };
                Ok(Config { home, $($key,)+ marketplace_sources, marketplace_problems })
            }

            /// The configuration as `{ option: { value, source } }`, for `status()`.
            pub fn to_json(&self) -> Value {
                let mut m = serde_json::Map::new();
                m.insert(
                    "home".into(),
                    entry(Value::from(self.home.value.to_string_lossy()), self.home.source),
                );
                $(
                    m.insert(
                        option_name(stringify!($key)),
                        entry(<$kind as Kind>::to_json(&self.$key.value), self.$key.source),
                    );
                )+
                m.insert(
                    "marketplaceSources".into(),
                    entry(
                        serde_json::to_value(&self.marketplace_sources.value).unwrap_or_default(),
                        self.marketplace_sources.source,
                    ),
                );
                Value::Object(m)
            }
        }
    };
}

config_keys! {
    path: String as DbFile {
        env: "SKILLMEAT_CACHE_PATH",
        default: "<home>/cache/skillmeat-cache.db",
        doc: "Database file; `\":memory:\"` keeps the cache in memory. It must be a file of this package's own (see below).",
    },
    ttl_minutes: u32 as Count {
        env: "SKILLMEAT_CACHE_TTL",
        default: "360",
        doc: "A project scanned longer ago than this (minutes) is reported `stale`.",
    },
    enabled: bool as Flag {
        env: "SKILLMEAT_CACHE_ENABLED",
        default: "true",
        doc: "`false` (or `0`) keeps everything in memory for the process.",
    },
    project_roots: Vec<PathBuf> as PathList {
        env: "SKILLMEAT_CACHE_PROJECT_ROOTS",
        default: "",
        ts: "Array<string>",
        doc: "Folders searched for projects at every `refresh()`. Servers (`serve`, `createRouteHandlers`, `getCache`) left without it search SkillMeat's own: `~/projects`, `~/dev`, `~/workspace`, `~/src`.",
    },
    discovery_depth: u32 as Count {
        env: "SKILLMEAT_CACHE_DISCOVERY_DEPTH",
        default: "3",
        max: 32,
        doc: "Levels below each root searched for projects (0–32). As SkillMeat's discovery, it never descends into hidden folders, `node_modules`, `vendor`, `dist`, `build`, `target`, `venv`, `__pycache__` or `Pods`.",
    },
    max_size_mb: u32 as Count {
        env: "SKILLMEAT_CACHE_MAX_SIZE_MB",
        default: "0",
        doc: "Cap on the database size in MiB (0: no cap); a refresh that would pass it fails with `CACHE_DISK_FULL`.",
    },
    busy_timeout_ms: u32 as Count {
        env: "SKILLMEAT_CACHE_BUSY_TIMEOUT_MS",
        default: "5000",
        doc: "How long a write waits for another process's lock (ms).",
    },
    background_refresh: bool as Flag {
        env: "SKILLMEAT_CACHE_BACKGROUND",
        default: "false",
        doc: "Catch up at open, then re-scan projects older than the TTL in the background (off by default: one-shot scripts should not start background work).",
    },
    watch: bool as Flag {
        env: "SKILLMEAT_CACHE_WATCH",
        default: "false",
        doc: "Watch project folders and re-scan what changes (within ~150 ms of the last change).",
    },
    watch_limit: u32 as Count {
        env: "SKILLMEAT_CACHE_WATCH_LIMIT",
        default: "10000",
        doc: "Most folders watched; past it the watcher is off and TTL refresh takes over (warning `WATCHER_DEGRADED`).",
    },
    lease_ttl_ms: u32 as Count {
        env: "SKILLMEAT_CACHE_LEASE_TTL_MS",
        default: "15000",
        min: 500,
        doc: "How long the background-refresher lease outlives a silent holder (ms, at least 500).",
    },
    marketplace_ttl_hours: u32 as Count {
        env: "SKILLMEAT_CACHE_MARKETPLACE_TTL_HOURS",
        default: "24",
        doc: "How long a fetched marketplace listing stays fresh (hours; per source: `ttl_hours`).",
    },
    allow_http_hosts: Vec<String> as WordList {
        env: "SKILLMEAT_CACHE_ALLOW_HTTP_HOSTS",
        default: "",
        doc: "Hosts that may be fetched over plain http; everything else must be https.",
    },
    http_timeout_ms: u32 as Count {
        env: "SKILLMEAT_CACHE_HTTP_TIMEOUT_MS",
        default: "15000",
        doc: "Timeout of one HTTP request (ms).",
    },
    max_response_bytes: u32 as Count {
        env: "SKILLMEAT_CACHE_MAX_RESPONSE_BYTES",
        default: "5242880",
        doc: "Largest HTTP response accepted (bytes; 5 MiB).",
    },
    github_api_url: String as Text {
        env: "SKILLMEAT_GITHUB_API_URL",
        default: "https://api.github.com",
        doc: "GitHub-compatible API that upstream versions are read from (GitHub Enterprise: `https://HOST/api/v3`). The token is read from `SKILLMEAT_GITHUB_TOKEN` or `GITHUB_TOKEN` and never stored.",
    },
    gitlab_api_url: String as Text {
        env: "SKILLMEAT_GITLAB_API_URL",
        default: "https://gitlab.com/api/v4",
        doc: "GitLab API that upstream versions of sources on its host are read from (self-hosted: `https://HOST/api/v4`); `gitlab.com` sources are read from gitlab.com's API whatever this is. The token is read from `SKILLMEAT_GITLAB_TOKEN` or `GITLAB_TOKEN`, sent to this host only, and never stored.",
    },
    upstream_ttl_hours: u32 as Count {
        env: "SKILLMEAT_CACHE_UPSTREAM_TTL_HOURS",
        default: "24",
        doc: "How long a repository's answer stays fresh (hours); the background refresh re-checks due repositories; `0` turns background checks off (`checkUpstream()` still works).",
    },
    max_artifact_files: u32 as Count {
        env: "SKILLMEAT_CACHE_MAX_ARTIFACT_FILES",
        default: "1000",
        min: 1,
        doc: "Most files and folders listed in one artifact; past it the listing stops (health problem `ARTIFACT_TOO_LARGE`). At least 1.",
    },
    max_artifact_bytes: u32 as Count {
        env: "SKILLMEAT_CACHE_MAX_ARTIFACT_BYTES",
        default: "67108864",
        min: 1,
        doc: "Most bytes of files in one artifact (64 MiB), summed from their sizes (nothing is read to count them); past it the listing stops, and a single file over it is listed but never read (`ARTIFACT_TOO_LARGE`). At least 1.",
    },
    max_artifact_depth: u32 as Count {
        env: "SKILLMEAT_CACHE_MAX_ARTIFACT_DEPTH",
        default: "8",
        max: 64,
        doc: "Most levels of sub-folders read below an artifact's folder (0–64); deeper folders are not entered (`ARTIFACT_TOO_LARGE`).",
    },
    max_project_files: u32 as Count {
        env: "SKILLMEAT_CACHE_MAX_PROJECT_FILES",
        default: "20000",
        min: 1,
        doc: "Most files and folders listed in one project's profile folders, all artifacts together; past it the listing stops (project error `PROJECT_TOO_LARGE`). At least 1.",
    },
    cors_enabled: bool as Flag {
        env: "SKILLMEAT_CORS_ENABLED",
        default: "true",
        doc: "HTTP routes (`serve`, `createCacheHandler`, the Next.js handlers): answer cross-origin browser requests as SkillMeat's FastAPI does (its CORS middleware and environment variables).",
    },
    cors_origins: Vec<String> as WordList {
        env: "SKILLMEAT_CORS_ORIGINS",
        default: "http://localhost:3000, http://localhost:3001, http://localhost:5173, http://localhost:8080",
        ts: "Array<string>",
        doc: "HTTP routes: origins whose pages may call them (`*`: any); SkillMeat's defaults. The environment takes a comma-separated or JSON list.",
    },
    cors_allow_credentials: bool as Flag {
        env: "SKILLMEAT_CORS_ALLOW_CREDENTIALS",
        default: "true",
        doc: "HTTP routes: allow cookies and the `X-API-Key` header on cross-origin requests.",
    },
    cors_allow_methods: Vec<String> as WordList {
        env: "SKILLMEAT_CORS_ALLOW_METHODS",
        default: "*",
        ts: "Array<string>",
        doc: "HTTP routes: methods a cross-origin request may use (`*`: any).",
    },
    cors_allow_headers: Vec<String> as WordList {
        env: "SKILLMEAT_CORS_ALLOW_HEADERS",
        default: "*",
        ts: "Array<string>",
        doc: "HTTP routes: request headers a cross-origin request may send (`*`: any).",
    },
}

/// The table of `docs/configuration.md`: every option, its variable, key, default and meaning.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| `Cache.open` option | environment variable | `config.toml` `[cache]` key | default | meaning |\n\
         | --- | --- | --- | --- | --- |\n\
         | `home` | `SKILLMEAT_HOME` | — | `~/.skillmeat` | SkillMeat home: holds `config.toml`, `collections/`, and the cache. |\n\
         | `marketplaceSources` | — | `<home>/marketplace.toml` `[[sources]]` (`name`, `url`, `ttl_hours`) | none | Marketplaces to cache. |\n",
    );
    for k in KEYS {
        let (env_note, file_note) = match k.kind {
            PathList::WORDS => (
                " (separated like `PATH`: `:`, or `;` on Windows)",
                " (list; `config set` takes them comma-separated)",
            ),
            WordList::WORDS => (" (comma-separated)", " (list)"),
            _ => ("", ""),
        };
        let default = if k.default_value.is_empty() {
            "none".to_string()
        } else {
            format!("`{}`", k.default_value)
        };
        out.push_str(&format!(
            "| `{}` | `{}`{env_note} | `{}`{file_note} | {default} | {} |\n",
            option_name(k.key),
            k.env,
            k.key,
            k.doc.replace('|', "\\|"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/configuration.md shows the table this module declares; run with
    /// `SKILLMEAT_UPDATE_DOCS=1` to rewrite it after changing a key.
    #[test]
    fn the_docs_show_the_key_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md");
        let text = std::fs::read_to_string(&path).unwrap();
        let (start, end) = ("<!-- keys:start -->\n", "<!-- keys:end -->");
        let a = text
            .find(start)
            .expect("docs/configuration.md lacks <!-- keys:start -->");
        let b = text
            .find(end)
            .expect("docs/configuration.md lacks <!-- keys:end -->");
        let fresh = format!("{}{start}{}{}", &text[..a], markdown_table(), &text[b..]);
        if std::env::var_os("SKILLMEAT_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        assert!(
            fresh == text,
            "docs/configuration.md is out of date: run SKILLMEAT_UPDATE_DOCS=1 cargo test --lib the_docs_show_the_key_table"
        );
    }

    #[test]
    fn defaults_read_back_as_the_built_in_constants() {
        let home = Path::new("/h");
        assert_eq!(
            DbFile::from_default(KEYS[0].default_value, home),
            Some(super::super::default_db_path(home))
        );
        let count = |key: &str| {
            let k = KEYS.iter().find(|k| k.key == key).unwrap();
            Count::from_default(k.default_value, home)
        };
        use crate::scan::walk;
        assert_eq!(count("max_artifact_files"), walk::DEFAULT_ARTIFACT_FILES);
        assert_eq!(count("max_artifact_bytes"), walk::DEFAULT_ARTIFACT_BYTES);
        assert_eq!(count("max_artifact_depth"), walk::DEFAULT_ARTIFACT_DEPTH);
        assert_eq!(count("max_project_files"), walk::DEFAULT_PROJECT_FILES);
        for k in KEYS {
            let ok = (k.to_toml)(k.key, k.default_value).is_ok() || k.default_value.is_empty();
            assert!(ok, "the default of {} is not a valid value", k.key);
        }
    }
}
