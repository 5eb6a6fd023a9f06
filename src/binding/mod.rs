//! The Node-API layer: converts JavaScript arguments into core types, core results into
//! JavaScript objects, and core errors into `Error`s with a stable `code`. No logic lives here.

mod allocator;
mod args;
mod artifact_page;
mod cache;
mod types;

use napi::Env;
use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;

use crate::error::Error;

/// Converts a core error into a JS error whose `code` is the stable code.
pub(crate) fn js_error(e: Error) -> napi::Error<String> {
    napi::Error::new(e.code().to_string(), e.to_string())
}

/// Builds the rejection for a promise: a JS `Error` carrying `code`.
pub(crate) fn rejection<T>(env: Env, e: Error) -> napi::Result<T> {
    let js = napi::JsError::<String>::from(js_error(e)).into_unknown(env);
    Err(napi::Error::from(js))
}

/// A Promise settled from another thread: `start` receives the callback that resolves it with
/// the value or rejects it with the typed error.
pub(crate) fn promise<'env, T>(
    env: &'env Env,
    start: impl FnOnce(Box<dyn FnOnce(crate::Result<T>) + Send>),
) -> napi::Result<napi::bindgen_prelude::Object<'env>, String>
where
    T: Send + napi::bindgen_prelude::ToNapiValue + 'static,
{
    type Resolver<T> = Box<dyn FnOnce(Env) -> napi::Result<T> + Send>;
    let (deferred, promise) = env
        .create_deferred::<T, Resolver<T>>()
        .map_err(|e| napi::Error::new(e.status.as_ref().to_string(), e.reason))?;
    start(Box::new(move |res: crate::Result<T>| {
        deferred.resolve(Box::new(move |env| match res {
            Ok(v) => Ok(v),
            Err(e) => rejection(env, e),
        }))
    }));
    Ok(promise)
}

/// Reads the `[cache]` settings of `<home>/config.toml` as `{ key: value }` (keys in snake_case,
/// as written in the file). `home` defaults to `SKILLMEAT_HOME` or `~/.skillmeat`.
#[napi(catch_unwind, ts_return_type = "Record<string, unknown>")]
pub fn config_file_values(home: Option<String>) -> napi::Result<serde_json::Value, String> {
    let home = args::home_or_default(home);
    let table = crate::config::read_cache_table(&home).map_err(js_error)?;
    serde_json::to_value(table).map_err(|e| js_error(Error::Internal(e.to_string())))
}

/// Sets one `[cache]` key in `<home>/config.toml` (or removes it when `value` is null), keeping
/// the rest of the file. Throws `INVALID_ARGUMENT` for unknown keys or values of the wrong type.
#[napi(catch_unwind)]
pub fn config_set(
    key: String,
    value: Option<String>,
    home: Option<String>,
) -> napi::Result<(), String> {
    let home = args::home_or_default(home);
    crate::config::set_value(&home, &key, value.as_deref()).map_err(js_error)
}

/// Every configuration key: its `[cache]` name, environment variable, default and meaning.
#[napi(object)]
pub struct ConfigKey {
    /// Key in `config.toml` `[cache]`.
    pub key: String,
    /// Environment variable that overrides it.
    pub env: String,
    /// Built-in default (`<home>` is the SkillMeat home; empty: none).
    pub default_value: String,
    /// Kind of value: `whole number`, `true/false`, `text`, `path`, `list`, `list of folders`.
    pub kind: String,
    /// What it does.
    pub doc: String,
}

/// The SkillMeat home `home` (the `home` option, `--home`) stands for: else `SKILLMEAT_HOME`,
/// else `~/.skillmeat`, with a leading `~/` expanded; variables are read from `env` when given
/// (default: the process environment).
#[napi(catch_unwind)]
pub fn resolve_home(
    home: Option<String>,
    env: Option<std::collections::HashMap<String, String>>,
) -> String {
    let home = match env {
        Some(vars) => {
            let vars: std::collections::BTreeMap<String, String> = vars
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .collect();
            crate::config::resolve_home(home.as_deref(), &vars)
        }
        None => crate::config::resolve_home(home.as_deref(), &crate::config::ProcessEnv),
    };
    home.value.to_string_lossy().into_owned()
}

/// Lists the configuration keys this package reads.
#[napi(catch_unwind)]
pub fn config_keys() -> Vec<ConfigKey> {
    crate::config::KEYS
        .iter()
        .map(|k| ConfigKey {
            key: k.key.to_string(),
            env: k.env.to_string(),
            default_value: k.default_value.to_string(),
            kind: k.kind.to_string(),
            doc: k.doc.to_string(),
        })
        .collect()
}

/// The result of `compareVersions(a, b)`.
#[napi(object)]
pub struct VersionComparison {
    /// -1 when `a` is older, 0 when equal, 1 when newer; `null` when they cannot be ordered.
    #[napi(ts_type = "-1 | 0 | 1 | null")]
    pub order: Either<i32, Null>,
    /// The kind of difference.
    #[napi(ts_type = "Exclude<VersionDiff, 'content'>")]
    pub diff: crate::version::VersionDiff,
}

/// Compares two versions as npm's `semver` orders them (leading `v`/`=` accepted, pre-releases
/// below their release, build metadata ignored), coercing partial versions (`1.2` = `1.2.0`) and
/// comparing commit SHAs (7–40 hex digits) for equality only. Never throws: anything else is
/// `{ order: null, diff: 'unknown' }` (a missing version too, as an artifact's absent
/// `deployedVersion`).
#[napi(catch_unwind)]
pub fn compare_versions(a: Option<String>, b: Option<String>) -> VersionComparison {
    let c = crate::version::compare(a.as_deref().unwrap_or(""), b.as_deref().unwrap_or(""));
    VersionComparison {
        order: match c.order {
            Some(o) => Either::A(o as i32),
            None => Either::B(Null),
        },
        diff: c.diff,
    }
}

/// Whether `deployed` is behind `upstream`, by the rules of `isOutdated` on artifacts.
#[napi(object)]
pub struct OutdatedCheck {
    /// `true` when an update is available.
    pub outdated: bool,
    /// The kind of difference.
    #[napi(ts_type = "Exclude<VersionDiff, 'content'>")]
    pub diff: crate::version::VersionDiff,
}

/// `isOutdated(deployed, upstream)`: a newer upstream is an update, except a pre-release when the
/// deployed version is stable; a downgrade is not; two different commit SHAs are (`commit`). A
/// missing version is never outdated (`{ outdated: false, diff: 'unknown' }`).
#[napi(catch_unwind)]
pub fn is_outdated(deployed: Option<String>, upstream: Option<String>) -> OutdatedCheck {
    let (outdated, diff) = crate::version::outdated(
        deployed.as_deref().unwrap_or(""),
        upstream.as_deref().unwrap_or(""),
    );
    OutdatedCheck { outdated, diff }
}
