//! Configuration: explicit options, then environment, then `<home>/config.toml` `[cache]`, then defaults.
//! Every resolved value remembers where it came from so `status()` can show it. The keys are
//! declared once, in [`keys`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

pub mod keys;
pub mod kinds;

pub use keys::{Config, KEYS, Key, Options};

/// A marketplace to cache.
#[cfg_attr(
    feature = "node",
    napi_derive::napi(
        object,
        object_to_js = false,
        object_from_js = false,
        js_name = "MarketplaceSourceConfig"
    )
)]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MarketSource {
    /// Short unique name.
    pub name: String,
    /// URL of a `marketplace.json` or a SkillMeat broker listing.
    pub url: String,
    /// Hours a fetched copy stays fresh (default: `marketplaceTtlHours`).
    #[serde(default)]
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

/// Reads `<home>/marketplace.toml` (`[[sources]]` with `name`, `url`, optional `ttl_hours`),
/// leniently: the sources it could read, and a sentence for each problem (the cache reports them
/// as warnings; one bad entry, or a file that does not parse, never stops anything else).
pub fn read_market_sources(home: &Path) -> (Vec<MarketSource>, Vec<String>) {
    let path = home.join("marketplace.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_market_sources(&path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), Vec::new()),
        Err(e) => (
            Vec::new(),
            vec![format!(
                "{} cannot be read ({e}); no marketplace is cached",
                path.display()
            )],
        ),
    }
}

/// Parses the text of a `marketplace.toml` read from `path` (named in the problems).
pub fn parse_market_sources(path: &Path, text: &str) -> (Vec<MarketSource>, Vec<String>) {
    let at = path.display();
    let doc: toml::Table = match text.parse() {
        Ok(d) => d,
        Err(e) => {
            let e: toml::de::Error = e;
            let reason = e.to_string();
            return (
                Vec::new(),
                vec![format!(
                    "{at} is not valid TOML ({}); no marketplace is cached until it is fixed",
                    reason.trim()
                )],
            );
        }
    };
    let mut out: Vec<MarketSource> = Vec::new();
    let mut problems = Vec::new();
    match doc.get("sources") {
        None => {}
        Some(toml::Value::Array(items)) => {
            for (i, t) in items.iter().enumerate() {
                let n = i + 1;
                let t = t.as_table();
                let get = |k: &str| {
                    t.and_then(|t| t.get(k))
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                };
                let (Some(name), Some(url)) = (get("name"), get("url")) else {
                    problems.push(format!(
                        "{at}: [[sources]] entry {n} needs a name and a url (text); it is skipped"
                    ));
                    continue;
                };
                if out.iter().any(|s| s.name == name) {
                    problems.push(format!("{at}: [[sources]] entry {n} reuses the name {name:?}; names must differ, so it is skipped"));
                    continue;
                }
                let ttl_hours = match t.and_then(|t| t.get("ttl_hours")) {
                    None => None,
                    Some(toml::Value::Integer(h)) => Some((*h).clamp(0, 100_000) as u32),
                    Some(_) => {
                        problems.push(format!("{at}: [[sources]] {name:?} ttl_hours must be a whole number of hours; the default is used"));
                        None
                    }
                };
                out.push(MarketSource {
                    name,
                    url,
                    ttl_hours,
                });
            }
        }
        Some(_) => problems.push(format!(
            "{at}: `sources` must be a list of [[sources]] tables; no marketplace is cached"
        )),
    }
    (out, problems)
}

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
    default_home_in(&ProcessEnv)
}

fn default_home_in(env: &dyn Env) -> PathBuf {
    env.var("HOME")
        .or_else(|| env.var("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".skillmeat")
}

/// The SkillMeat home: `given` (a `home` option or `--home`), else `SKILLMEAT_HOME`, else
/// `~/.skillmeat`; a leading `~/` expanded against `HOME` of `env`. The one place home is
/// resolved: the cache, the binding's free functions and the CLI all ask here.
pub fn resolve_home(given: Option<&str>, env: &dyn Env) -> Setting<PathBuf> {
    let expand = |s: &str| match (s.strip_prefix("~/"), env.var("HOME")) {
        (Some(rest), Some(h)) => PathBuf::from(h).join(rest),
        _ => PathBuf::from(s),
    };
    pick(
        given.map(expand),
        env.var("SKILLMEAT_HOME").map(|h| expand(&h)),
        None,
        default_home_in(env),
    )
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

/// `message` (a parse error of the TOML `text`, which quotes the offending line) with the values
/// of secret-looking keys (`github-token`, `…token`, `…secret`, `…password`, `…api-key`) in
/// `text` replaced by `<hidden>`: SkillMeat's `config.toml` holds a GitHub token, and a typo on
/// its line must not print it.
pub fn redact_secrets(text: &str, message: &str) -> String {
    let mut out = message.to_string();
    let hide = |out: &mut String, value: &str| {
        let bare = value.trim_matches(|c| c == '"' || c == '\'');
        if bare.len() >= 4 {
            *out = out.replace(bare, "<hidden>");
        }
    };
    // The closing quotes of a secret's multi-line string (`"""` or `'''`) while inside it: each
    // of its lines is hidden too.
    let mut open: Option<&str> = None;
    for line in text.lines() {
        if let Some(close) = open {
            let (inside, closed) = match line.find(close) {
                Some(i) => (&line[..i], true),
                None => (line, false),
            };
            hide(&mut out, inside.trim());
            if closed {
                open = None;
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key
            .trim()
            .trim_matches('"')
            .to_ascii_lowercase()
            .replace('_', "-");
        let secret = ["token", "secret", "password", "api-key", "apikey"]
            .iter()
            .any(|w| key.ends_with(w));
        let value = value.trim();
        if secret && !value.is_empty() {
            out = out.replace(value, "<hidden>");
            hide(&mut out, value);
            open = ["\"\"\"", "'''"]
                .into_iter()
                .find(|q| value.starts_with(q) && !value[3..].contains(q));
        }
    }
    out
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
            reason: redact_secrets(&text, e.to_string().trim()),
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

impl Config {
    /// Resolves the configuration from options, the given environment and the config file.
    pub fn resolve(opts: &Options, env: &dyn Env) -> Result<Config> {
        let given = opts.home.as_deref().map(|h| h.to_string_lossy());
        let home = resolve_home(given.as_deref(), env);
        let file = config_file(&home.value);
        let table = read_cache_table(&home.value)?;
        Config::resolve_keys(opts, env, &table, &file, home)
    }
}

/// Sets (or, with `None`, removes) one key of `<home>/config.toml` `[cache]`, keeping the rest of the
/// file and its comments. The value is checked against the key's type first.
pub fn set_value(home: &Path, key: &str, value: Option<&str>) -> Result<()> {
    let Some(found) = KEYS.iter().find(|k| k.key == key) else {
        let known: Vec<&str> = KEYS.iter().map(|k| k.key).collect();
        return Err(Error::invalid(
            "key",
            format!("unknown key {key:?}; known keys: {}", known.join(", ")),
        ));
    };
    let path = config_file(home);
    let item = value.map(|raw| (found.to_toml)(key, raw)).transpose()?;
    match &item {
        // Nothing to remove, and nothing is created.
        None if std::fs::symlink_metadata(&path).is_err() => return Ok(()),
        // A bad value is refused before anything is created.
        Some(item) => {
            let mut alone = toml_edit::DocumentMut::new();
            alone["cache"][key] = item.clone();
            check_opens(home, &path, &alone.to_string())?;
        }
        None => {}
    }
    // The folder first, so that the lock below is taken on a fresh home too (two first writers
    // would otherwise both go on unlocked and one would lose its key).
    crate::private_fs::create_dir_all(home)
        .map_err(|e| Error::io(format!("creating {}", home.display()), e))?;
    let _lock = lock_home(home, &path)?;
    let original = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| Error::ConfigInvalid {
            path: path.clone(),
            reason: "not UTF-8 text (TOML files are UTF-8)".into(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    let mut doc: toml_edit::DocumentMut =
        original
            .parse()
            .map_err(|e: toml_edit::TomlError| Error::ConfigInvalid {
                path: path.clone(),
                reason: redact_secrets(&original, e.to_string().trim()),
            })?;
    if !doc.contains_key("cache") {
        doc["cache"] = toml_edit::table();
    }
    let Some(table) = doc["cache"].as_table_like_mut() else {
        return Err(Error::ConfigInvalid {
            path,
            reason: "`cache` must be a table ([cache])".into(),
        });
    };
    match item {
        None => {
            let Some(comment) = remove_key(&mut doc, key) else {
                // Nothing to remove: the file stays as it is (no empty `[cache]` added).
                return Ok(());
            };
            keep_comment(&mut doc, comment);
        }
        Some(mut item) => {
            // A comment after the old value (`ttl_minutes = 30 # thirty`) stays with the new one.
            if let (Some(old), Some(new)) = (
                table.get(key).and_then(|i| i.as_value()),
                item.as_value_mut(),
            ) {
                *new.decor_mut() = old.decor().clone();
            }
            table.insert(key, item);
        }
    }
    let text = doc.to_string();
    if value.is_some() {
        // What the file will say must open: a value out of range is refused now, not at the
        // next command (which would then fail on it).
        check_opens(home, &path, &text)?;
    }
    replace_file(&path, &in_file_style(&text, &original))
}

/// Refuses a `[cache]` table (in the TOML `text`) whose values `Cache.open` would refuse.
fn check_opens(home: &Path, path: &Path, text: &str) -> Result<()> {
    let table = text
        .parse::<toml::Table>()
        .ok()
        .and_then(|t| t.get("cache").and_then(|c| c.as_table()).cloned())
        .unwrap_or_default();
    let no_env: BTreeMap<String, String> = BTreeMap::new();
    let home_setting = Setting {
        value: home.to_path_buf(),
        source: Source::Option,
    };
    Config::resolve_keys(&Options::default(), &no_env, &table, path, home_setting).map(|_| ())
}

/// Removes `key` from `[cache]` (a table or an inline table); returns the comment lines written
/// above it (empty when none), or `None` when it was not there.
fn remove_key(doc: &mut toml_edit::DocumentMut, key: &str) -> Option<Comment> {
    let cache = &mut doc["cache"];
    let Some(table) = cache.as_table_mut() else {
        return cache
            .as_table_like_mut()
            .and_then(|t| t.remove(key))
            .map(|_| Comment::default());
    };
    let at = table.iter().position(|(k, _)| k == key)?;
    let (removed, _) = table.remove_entry(key)?;
    let text = prefix(removed.leaf_decor());
    // Only comment lines are kept; a blank line above the key goes with it.
    let lines: String = text
        .split_inclusive('\n')
        .filter(|l| l.trim_start().starts_with('#'))
        .collect();
    if lines.is_empty() {
        return Some(Comment::default());
    }
    // The key that followed takes it, above its own.
    if let Some((mut next, _)) = table.iter_mut().nth(at) {
        let own = prefix(next.leaf_decor()).to_string();
        next.leaf_decor_mut().set_prefix(format!("{lines}{own}"));
        return Some(Comment::default());
    }
    Some(Comment {
        lines,
        after: table.position(),
    })
}

/// What is written before a key or a table header (its comment lines among it).
fn prefix(decor: &toml_edit::Decor) -> &str {
    decor.prefix().and_then(|p| p.as_str()).unwrap_or_default()
}

/// Comment lines that were above the last key of `[cache]` when it was removed, and where that
/// table is in the file.
#[derive(Default)]
struct Comment {
    lines: String,
    after: Option<isize>,
}

/// Writes `comment` where the removed key was: above the table that followed `[cache]` in the
/// file, or at the end of the file.
fn keep_comment(doc: &mut toml_edit::DocumentMut, comment: Comment) {
    if comment.lines.is_empty() {
        return;
    }
    let after = comment.after.unwrap_or(isize::MAX);
    let next = doc
        .iter()
        .filter_map(|(k, item)| Some((k.to_string(), item.as_table()?.position()?)))
        .filter(|(_, pos)| *pos > after)
        .min_by_key(|(_, pos)| *pos)
        .map(|(k, _)| k);
    match next
        .and_then(|k| doc.get_mut(&k))
        .and_then(|i| i.as_table_mut())
    {
        Some(t) => {
            let own = prefix(t.decor()).to_string();
            t.decor_mut().set_prefix(format!("{}{own}", comment.lines));
        }
        None => {
            let own = doc.trailing().as_str().unwrap_or_default().to_string();
            doc.set_trailing(format!("{}{own}", comment.lines));
        }
    }
}

/// `text` (as written by toml_edit: `\n` line ends, no byte order mark) in the style of the file
/// it replaces: CRLF line ends and a leading byte order mark are kept (a `config.toml` edited on
/// Windows), so the lines this write did not change stay byte for byte.
fn in_file_style(text: &str, original: &str) -> String {
    let crlf = original
        .find('\n')
        .is_some_and(|i| original[..i].ends_with('\r'));
    let mut out = String::with_capacity(text.len() + 64);
    if original.starts_with('\u{feff}') && !text.starts_with('\u{feff}') {
        out.push('\u{feff}');
    }
    if crlf {
        out.push_str(&text.replace("\r\n", "\n").replace('\n', "\r\n"));
    } else {
        out.push_str(text);
    }
    out
}

/// An exclusive advisory lock on `home` (the folder itself, so nothing is added to it), held
/// while a write reads and replaces `config.toml` (`path`): two processes setting keys at once
/// keep both keys. Waits up to 5 s for another writer, then fails with `CONFIG_BUSY` rather than
/// write unlocked; goes on unlocked only where folders cannot be locked.
fn lock_home(home: &Path, path: &Path) -> Result<Option<std::fs::File>> {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let Ok(dir) = std::fs::File::open(home) else {
            return Ok(None);
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            // SAFETY: `dir` is an open descriptor for the whole call; the lock goes with it
            // when the file is dropped.
            if unsafe { libc::flock(dir.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Some(dir));
            }
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Ok(None);
            }
            if std::time::Instant::now() >= deadline {
                return Err(Error::ConfigBusy {
                    path: path.to_path_buf(),
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (home, path);
        Ok(None)
    }
}

/// Where a write of `path` goes: through a link (and a chain of them) to its target, also when
/// that target does not exist yet (it is then created; the link stays).
fn write_target(path: &Path) -> Result<std::path::PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(t) => return Ok(t),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::io(format!("resolving {}", path.display()), e));
        }
        Err(_) => {}
    }
    let mut at = path.to_path_buf();
    // As many links as the kernel follows in one path.
    for _ in 0..40 {
        match std::fs::read_link(&at) {
            Ok(to) => at = at.parent().map_or(to.clone(), |dir| dir.join(&to)),
            Err(_) => return Ok(at),
        }
    }
    Err(Error::io(
        format!("resolving {}", path.display()),
        std::io::Error::other("too many levels of links"),
    ))
}

/// Refuses to replace a `config.toml` its owner made read-only (no write permission for anyone),
/// or one this process may not write: SkillMeat's own writer, which opens the file to write it,
/// would fail there too, and a rename over it would not.
fn check_writable(path: &Path, target: &Path) -> Result<()> {
    let Ok(meta) = std::fs::metadata(target) else {
        return Ok(());
    };
    let denied = meta.permissions().readonly()
        || matches!(
            std::fs::OpenOptions::new().write(true).open(target),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied
        );
    if denied {
        return Err(Error::ConfigReadOnly {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Replaces the file at `path` with `text` atomically (a temporary file beside it, renamed over
/// it). A link is written through (its target is replaced or created, the link stays), a file
/// that may not be written is refused (`CONFIG_READONLY`), and the file keeps
/// its permissions: SkillMeat's `config.toml` holds a token, often readable by its owner only.
/// A new file is created readable by its owner only.
fn replace_file(path: &Path, text: &str) -> Result<()> {
    let target = write_target(path)?;
    check_writable(path, &target)?;
    let mode = std::fs::metadata(&target).ok().map(|m| m.permissions());
    // A name of this write's own: two writers never share (and truncate) one temporary file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = target.with_extension(format!("toml.{}-{n}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let created = crate::private_fs::create_file(&tmp)?;
        if !created {
            return Err(std::io::Error::other("a temporary file is in the way"));
        }
        std::fs::write(&tmp, text)?;
        if let Some(perms) = mode.clone() {
            std::fs::set_permissions(&tmp, perms)?;
        }
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, &target)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("replacing {}", target.display()), e)
    })
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
        let edited = text.replace("ttl_minutes = 15", "ttl_minutes = 15 # a quarter");
        std::fs::write(
            dir.path().join("config.toml"),
            edited.replace("= 15 #", "= 14 #"),
        )
        .unwrap();
        set_value(dir.path(), "ttl_minutes", Some("15")).unwrap();
        let text = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
        assert!(text.contains("ttl_minutes = 15 # a quarter"), "{text}");
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

    #[test]
    fn marketplace_toml_is_read_leniently_and_names_each_problem() {
        let p = Path::new("/h/marketplace.toml");
        let (s, problems) = parse_market_sources(p, "[[sources]\nname = 1\n");
        assert!(s.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("/h/marketplace.toml is not valid TOML"),
            "{problems:?}"
        );
        let text = "[[sources]]\nname = \"a\"\nurl = \"https://x/a.json\"\nttl_hours = \"soon\"\n\n[[sources]]\nname = \"a\"\nurl = \"https://x/b.json\"\n\n[[sources]]\nurl = \"https://x/c.json\"\n\n[[sources]]\nname = \"b\"\nurl = \"https://x/d.json\"\nttl_hours = 2\n";
        let (s, problems) = parse_market_sources(p, text);
        let names: Vec<(&str, Option<u32>)> =
            s.iter().map(|x| (x.name.as_str(), x.ttl_hours)).collect();
        assert_eq!(names, vec![("a", None), ("b", Some(2))]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0].contains("ttl_hours")
                && problems[1].contains("reuses the name \"a\"")
                && problems[2].contains("entry 3")
        );
        // A cache still opens, with the problems as warnings.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("marketplace.toml"), "[[sources]\n").unwrap();
        let opts = Options {
            home: Some(dir.path().into()),
            ..Default::default()
        };
        let c = Config::resolve(&opts, &env(&[])).unwrap();
        assert!(c.marketplace_sources.value.is_empty());
        assert_eq!(c.marketplace_problems.len(), 1);
    }

    #[test]
    fn writers_at_once_keep_every_key_and_the_rest_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let before = "[settings]\ngithub-token = \"ghp_x\"\n\n[analytics]\nenabled = true\n";
        std::fs::write(&file, before).unwrap();
        let keys = [
            ("ttl_minutes", "15"),
            ("discovery_depth", "2"),
            ("watch", "true"),
            ("background_refresh", "true"),
            ("enabled", "true"),
            ("busy_timeout_ms", "2000"),
        ];
        std::thread::scope(|s| {
            for (k, v) in keys {
                let home = dir.path();
                s.spawn(move || set_value(home, k, Some(v)).unwrap());
            }
        });
        let after = std::fs::read_to_string(&file).unwrap();
        assert!(after.starts_with(before), "{after}");
        for (k, v) in keys {
            assert!(after.contains(&format!("{k} = {v}")), "{k} kept: {after}");
        }
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("config.toml")]);
    }

    #[test]
    fn first_writers_of_a_fresh_home_keep_every_key() {
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let home = dir.path().join(".skillmeat");
            let keys = [
                ("ttl_minutes", "15"),
                ("discovery_depth", "2"),
                ("watch", "true"),
            ];
            std::thread::scope(|s| {
                for (k, v) in keys {
                    let home = &home;
                    s.spawn(move || set_value(home, k, Some(v)).unwrap());
                }
            });
            let after = std::fs::read_to_string(home.join("config.toml")).unwrap();
            for (k, v) in keys {
                assert!(after.contains(&format!("{k} = {v}")), "{k} kept: {after}");
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&home).unwrap().permissions().mode();
                assert_eq!(
                    mode & 0o777,
                    0o700,
                    "the home is private, as Cache.open makes it"
                );
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_writer_waits_for_the_lock_and_then_fails_without_writing() {
        use std::os::unix::io::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "[cache]\nttl_minutes = 5\n").unwrap();
        let held = std::fs::File::open(dir.path()).unwrap();
        // SAFETY: `held` is open for the whole test.
        assert_eq!(unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX) }, 0);
        let err = set_value(dir.path(), "ttl_minutes", Some("6")).unwrap_err();
        assert_eq!(err.code(), "CONFIG_BUSY", "{err}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "[cache]\nttl_minutes = 5\n"
        );
        drop(held);
        set_value(dir.path(), "ttl_minutes", Some("6")).unwrap();
    }

    #[test]
    fn unsetting_a_key_keeps_the_comments_above_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let before = "[cache]\n# Values below chosen by ops; see wiki\nttl_minutes = 120\ndiscovery_depth = 2\n# the last one\nwatch = true\n\n[analytics]\nenabled = true\n";
        std::fs::write(&file, before).unwrap();
        set_value(dir.path(), "ttl_minutes", None).unwrap();
        set_value(dir.path(), "watch", None).unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "[cache]\n# Values below chosen by ops; see wiki\ndiscovery_depth = 2\n# the last one\n\n[analytics]\nenabled = true\n"
        );
        // The last key of the last table: its comment stays at the end of the file.
        std::fs::write(
            &file,
            "[cache]\nttl_minutes = 1\n# keep the old TTL\ndiscovery_depth = 2\n",
        )
        .unwrap();
        set_value(dir.path(), "discovery_depth", None).unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "[cache]\nttl_minutes = 1\n# keep the old TTL\n"
        );
        // Unsetting in a home without a file creates nothing; nor does a bad value.
        let empty = dir.path().join("none");
        set_value(&empty, "ttl_minutes", None).unwrap();
        assert!(!empty.exists());
        for bad in ["abc", "-5"] {
            assert_eq!(
                set_value(&empty, "ttl_minutes", Some(bad))
                    .unwrap_err()
                    .code(),
                "INVALID_ARGUMENT",
                "{bad}"
            );
        }
        assert!(!empty.exists());
    }

    #[test]
    fn an_inline_cache_table_is_written_as_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "cache = { ttl_minutes = 1 }\n").unwrap();
        set_value(dir.path(), "discovery_depth", Some("2")).unwrap();
        set_value(dir.path(), "ttl_minutes", None).unwrap();
        let table = read_cache_table(dir.path()).unwrap();
        assert_eq!(
            table.get("discovery_depth").and_then(|v| v.as_integer()),
            Some(2)
        );
        assert!(table.get("ttl_minutes").is_none());
    }

    #[test]
    fn a_multi_line_token_is_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[settings]\ngithub-token = \"\"\"\nghp_SECRETSECRET\n",
        )
        .unwrap();
        let err = read_cache_table(dir.path()).unwrap_err();
        assert_eq!(err.code(), "CONFIG_INVALID");
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    #[test]
    fn a_config_that_is_not_utf8_is_invalid_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, b"[cache]\nttl_minutes = 5 # \xff\n").unwrap();
        let err = set_value(dir.path(), "ttl_minutes", Some("6")).unwrap_err();
        assert_eq!(err.code(), "CONFIG_INVALID", "{err}");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b"[cache]\nttl_minutes = 5 # \xff\n"
        );
    }

    #[test]
    fn set_value_keeps_crlf_line_ends_and_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        let before = "\u{feff}[settings]\r\ngithub-token = \"ghp_x\"\r\n\r\n[analytics]\r\nenabled = true\r\n";
        std::fs::write(&file, before).unwrap();
        set_value(dir.path(), "ttl_minutes", Some("30")).unwrap();
        let after = std::fs::read_to_string(&file).unwrap();
        assert!(after.starts_with(before), "{after:?}");
        assert!(
            after.ends_with("[cache]\r\nttl_minutes = 30\r\n"),
            "{after:?}"
        );
        set_value(dir.path(), "ttl_minutes", None).unwrap();
        let after = std::fs::read_to_string(&file).unwrap();
        assert!(after.starts_with(before), "{after:?}");
        assert!(
            !after.contains("ttl_minutes") && !after.replace("\r\n", "").contains('\n'),
            "{after:?}"
        );
        // An LF file stays LF.
        std::fs::write(&file, "[settings]\nx = 1\n").unwrap();
        set_value(dir.path(), "ttl_minutes", Some("30")).unwrap();
        let after = std::fs::read_to_string(&file).unwrap();
        assert_eq!(after, "[settings]\nx = 1\n\n[cache]\nttl_minutes = 30\n");
    }

    #[test]
    fn a_value_out_of_range_is_refused_before_it_is_written_and_named_where_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "[cache]\nttl_minutes = 5\n").unwrap();
        let err = set_value(dir.path(), "discovery_depth", Some("99")).unwrap_err();
        assert!(err.to_string().contains("discovery_depth"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "[cache]\nttl_minutes = 5\n",
            "nothing written"
        );
        // Written by hand: the error names the file's key and how to remove it.
        std::fs::write(&file, "[cache]\ndiscovery_depth = 99\n").unwrap();
        let opts = Options {
            home: Some(dir.path().into()),
            ..Default::default()
        };
        let err = Config::resolve(&opts, &env(&[])).unwrap_err();
        assert_eq!(err.code(), "CONFIG_INVALID");
        let msg = err.to_string();
        assert!(
            msg.contains("[cache] discovery_depth") && msg.contains("config unset discovery_depth"),
            "{msg}"
        );
        // Removing the bad key is always possible.
        set_value(dir.path(), "discovery_depth", None).unwrap();
        assert!(Config::resolve(&opts, &env(&[])).is_ok());
    }

    #[test]
    fn a_parse_error_on_the_token_line_does_not_print_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            "[settings]\ngithub-token = ghp_SECRETSECRET123\n[cache]\nttl_minutes = 5\n",
        )
        .unwrap();
        let opts = Options {
            home: Some(dir.path().into()),
            ..Default::default()
        };
        let err = Config::resolve(&opts, &env(&[])).unwrap_err();
        assert_eq!(err.code(), "CONFIG_INVALID");
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert!(err.to_string().contains("<hidden>"), "{err}");
        let err = set_value(dir.path(), "ttl_minutes", Some("6")).unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_config_is_refused_and_a_dangling_link_is_written_through() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "[cache]\nttl_minutes = 5\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400)).unwrap();
        let err = set_value(dir.path(), "ttl_minutes", Some("6")).unwrap_err();
        assert_eq!(err.code(), "CONFIG_READONLY", "{err}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "[cache]\nttl_minutes = 5\n"
        );

        let other = tempfile::tempdir().unwrap();
        let link = other.path().join("config.toml");
        let target = dir.path().join("shared").join("config.toml");
        std::fs::create_dir(target.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        set_value(other.path(), "ttl_minutes", Some("7")).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "[cache]\nttl_minutes = 7\n"
        );
        // A link into a folder that is not there: an error, and the link stays.
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(dir.path().join("gone").join("config.toml"), &link).unwrap();
        assert!(set_value(other.path(), "ttl_minutes", Some("8")).is_err());
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[cfg(unix)]
    #[test]
    fn set_value_keeps_the_mode_and_writes_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = tempfile::tempdir().unwrap();
        let real = dotfiles.path().join("skillmeat-config.toml");
        std::fs::write(&real, "[settings]\ngithub-token = \"ghp_x\"\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        set_value(dir.path(), "ttl_minutes", Some("15")).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link stays a link"
        );
        let text = std::fs::read_to_string(&real).unwrap();
        assert!(
            text.contains("ttl_minutes = 15") && text.contains("ghp_x"),
            "{text}"
        );
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token stays readable by its owner only");
        // A new file is created private.
        let fresh = tempfile::tempdir().unwrap();
        set_value(fresh.path(), "ttl_minutes", Some("15")).unwrap();
        let mode = std::fs::metadata(fresh.path().join("config.toml"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
}
