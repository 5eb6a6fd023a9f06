//! The kinds of configuration value (a count, a flag, a list of paths, …): how each is read from
//! a `Cache.open` option, an environment variable, `config.toml` and its default text, written
//! by `config set`, and shown in `status().config`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::expand_home;
use crate::error::{Error, Result};

/// How one kind of configuration value is read and written.
pub trait Kind {
    /// The type of the `Cache.open` option.
    type Raw;
    /// The type of the value in force.
    type Value;
    /// Words for the docs (`whole number`, `true/false`, …).
    const WORDS: &'static str;

    /// The value of the option `name` as given.
    fn from_option(name: &str, raw: Self::Raw) -> Result<Self::Value>;
    /// The value of the environment variable `var` (`None`: treat as not set).
    fn from_env(var: &str, raw: &str) -> Result<Option<Self::Value>>;
    /// The value of `[cache] key` in `file`.
    fn from_file(key: &str, v: &toml::Value, file: &Path) -> Result<Self::Value>;
    /// The built-in default, from its text in the key table (`<home>` is the home folder).
    fn from_default(text: &str, home: &Path) -> Self::Value;
    /// What `config set key raw` writes.
    fn to_toml(key: &str, raw: &str) -> Result<toml_edit::Item>;
    /// The value as `status().config` shows it.
    fn to_json(v: &Self::Value) -> Value;
    /// Checks the value against the table's `min`/`max` (only counts have them); `Err` says why.
    fn check_range(
        _v: &Self::Value,
        _min: Option<u32>,
        _max: Option<u32>,
    ) -> std::result::Result<(), String> {
        Ok(())
    }
}

fn file_error(file: &Path, reason: String) -> Error {
    Error::ConfigInvalid {
        path: file.to_path_buf(),
        reason,
    }
}

/// Parses a whole number written as text (environment variables, `config set`).
pub fn parse_u32(name: &str, raw: &str) -> Result<u32> {
    raw.trim()
        .parse::<u32>()
        .map_err(|_| Error::invalid(name, format!("expected a whole number, got {raw:?}")))
}

/// Parses a flag written as text: `1/true/yes/on` or `0/false/no/off`.
pub fn parse_bool(name: &str, raw: &str) -> Result<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::invalid(
            name,
            format!("expected true/false (or 1/0), got {raw:?}"),
        )),
    }
}

/// A list from text: comma-separated, or a JSON list of strings (as SkillMeat's own settings
/// read `SKILLMEAT_CORS_ORIGINS='["http://localhost:3000"]'`).
fn comma_list(raw: &str) -> Vec<String> {
    if raw.trim_start().starts_with('[') {
        if let Ok(list) = serde_json::from_str::<Vec<String>>(raw) {
            return list
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
    raw.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn toml_list(raw: &str) -> toml_edit::Item {
    let mut arr = toml_edit::Array::new();
    for p in comma_list(raw) {
        arr.push(p);
    }
    toml_edit::value(arr)
}

fn file_strings(key: &str, v: &toml::Value, file: &Path, what: &str) -> Result<Vec<String>> {
    let toml::Value::Array(items) = v else {
        return Err(file_error(
            file,
            format!("[cache] {key} must be a list of {what}, got {v}"),
        ));
    };
    items
        .iter()
        .map(|v| match v {
            toml::Value::String(s) => Ok(s.clone()),
            other => Err(file_error(
                file,
                format!("[cache] {key} must be a list of {what}, found {other}"),
            )),
        })
        .collect()
}

fn non_empty_text(key: &str, raw: &str) -> Result<toml_edit::Item> {
    if raw.trim().is_empty() {
        return Err(Error::invalid(
            "value",
            format!("{key} must not be empty; unset the key to use the default"),
        ));
    }
    Ok(toml_edit::value(raw))
}

/// A whole number (`u32`).
pub struct Count;

impl Kind for Count {
    type Raw = u32;
    type Value = u32;
    const WORDS: &'static str = "whole number";

    fn from_option(_: &str, raw: u32) -> Result<u32> {
        Ok(raw)
    }
    fn from_env(var: &str, raw: &str) -> Result<Option<u32>> {
        parse_u32(var, raw).map(Some)
    }
    fn from_file(key: &str, v: &toml::Value, file: &Path) -> Result<u32> {
        match v {
            toml::Value::Integer(i) if (0..=i64::from(u32::MAX)).contains(i) => Ok(*i as u32),
            v => Err(file_error(
                file,
                format!("[cache] {key} must be a non-negative whole number, got {v}"),
            )),
        }
    }
    fn from_default(text: &str, _: &Path) -> u32 {
        text.parse().unwrap_or(0)
    }
    fn to_toml(key: &str, raw: &str) -> Result<toml_edit::Item> {
        Ok(toml_edit::value(i64::from(parse_u32(key, raw)?)))
    }
    fn to_json(v: &u32) -> Value {
        Value::from(*v)
    }
    fn check_range(v: &u32, min: Option<u32>, max: Option<u32>) -> std::result::Result<(), String> {
        let (low, high) = (min.unwrap_or(0), max.unwrap_or(u32::MAX));
        if (low..=high).contains(v) {
            return Ok(());
        }
        Err(match max {
            Some(high) => format!("must be between {low} and {high}, got {v}"),
            None => format!("must be at least {low}, got {v}"),
        })
    }
}

/// On or off.
pub struct Flag;

impl Kind for Flag {
    type Raw = bool;
    type Value = bool;
    const WORDS: &'static str = "true/false";

    fn from_option(_: &str, raw: bool) -> Result<bool> {
        Ok(raw)
    }
    fn from_env(var: &str, raw: &str) -> Result<Option<bool>> {
        parse_bool(var, raw).map(Some)
    }
    fn from_file(key: &str, v: &toml::Value, file: &Path) -> Result<bool> {
        match v {
            toml::Value::Boolean(b) => Ok(*b),
            v => Err(file_error(
                file,
                format!("[cache] {key} must be true or false, got {v}"),
            )),
        }
    }
    fn from_default(text: &str, _: &Path) -> bool {
        text == "true"
    }
    fn to_toml(key: &str, raw: &str) -> Result<toml_edit::Item> {
        Ok(toml_edit::value(parse_bool(key, raw)?))
    }
    fn to_json(v: &bool) -> Value {
        Value::from(*v)
    }
}

/// Text, such as a URL (a blank environment variable counts as not set).
pub struct Text;

impl Kind for Text {
    type Raw = String;
    type Value = String;
    const WORDS: &'static str = "text";

    fn from_option(_: &str, raw: String) -> Result<String> {
        Ok(raw)
    }
    fn from_env(_: &str, raw: &str) -> Result<Option<String>> {
        Ok(Some(raw.to_string()).filter(|v| !v.trim().is_empty()))
    }
    fn from_file(key: &str, v: &toml::Value, file: &Path) -> Result<String> {
        match v {
            toml::Value::String(s) => Ok(s.clone()),
            v => Err(file_error(
                file,
                format!("[cache] {key} must be a string, got {v}"),
            )),
        }
    }
    fn from_default(text: &str, _: &Path) -> String {
        text.to_string()
    }
    fn to_toml(key: &str, raw: &str) -> Result<toml_edit::Item> {
        non_empty_text(key, raw)
    }
    fn to_json(v: &String) -> Value {
        Value::from(v.as_str())
    }
}

/// Folders (`~/` expanded); in the environment separated like `PATH`.
pub struct PathList;

impl Kind for PathList {
    type Raw = Vec<PathBuf>;
    type Value = Vec<PathBuf>;
    const WORDS: &'static str = "list of folders";

    fn from_option(_: &str, raw: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
        Ok(raw
            .iter()
            .map(|p| expand_home(&p.to_string_lossy()))
            .collect())
    }
    fn from_env(_: &str, raw: &str) -> Result<Option<Vec<PathBuf>>> {
        Ok(Some(
            std::env::split_paths(raw)
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| expand_home(&p.to_string_lossy()))
                .collect(),
        ))
    }
    fn from_file(key: &str, v: &toml::Value, file: &Path) -> Result<Vec<PathBuf>> {
        Ok(file_strings(key, v, file, "paths")?
            .iter()
            .map(|s| expand_home(s))
            .collect())
    }
    fn from_default(text: &str, _: &Path) -> Vec<PathBuf> {
        comma_list(text).iter().map(|s| expand_home(s)).collect()
    }
    fn to_toml(_: &str, raw: &str) -> Result<toml_edit::Item> {
        Ok(toml_list(raw))
    }
    fn to_json(v: &Vec<PathBuf>) -> Value {
        v.iter().map(|p| Value::from(p.to_string_lossy())).collect()
    }
}

/// Words such as host names; in the environment comma-separated.
pub struct WordList;

impl Kind for WordList {
    type Raw = Vec<String>;
    type Value = Vec<String>;
    const WORDS: &'static str = "list";

    fn from_option(_: &str, raw: Vec<String>) -> Result<Vec<String>> {
        Ok(raw)
    }
    fn from_env(_: &str, raw: &str) -> Result<Option<Vec<String>>> {
        Ok(Some(comma_list(raw)))
    }
    fn from_file(key: &str, v: &toml::Value, file: &Path) -> Result<Vec<String>> {
        file_strings(key, v, file, "paths")
    }
    fn from_default(text: &str, _: &Path) -> Vec<String> {
        comma_list(text)
    }
    fn to_toml(_: &str, raw: &str) -> Result<toml_edit::Item> {
        Ok(toml_list(raw))
    }
    fn to_json(v: &Vec<String>) -> Value {
        v.iter().map(|s| Value::from(s.as_str())).collect()
    }
}

/// The database file: a path (`~/` expanded), or `:memory:` (`None`). Never empty.
pub struct DbFile;

impl DbFile {
    fn read(raw: &str) -> Option<PathBuf> {
        if raw == ":memory:" {
            None
        } else {
            Some(expand_home(raw))
        }
    }
}

impl Kind for DbFile {
    type Raw = String;
    type Value = Option<PathBuf>;
    const WORDS: &'static str = "path";

    fn from_option(name: &str, raw: String) -> Result<Option<PathBuf>> {
        if raw.is_empty() {
            return Err(Error::invalid(name, "must not be empty"));
        }
        Ok(DbFile::read(&raw))
    }
    fn from_env(var: &str, raw: &str) -> Result<Option<Option<PathBuf>>> {
        if raw.is_empty() {
            return Err(Error::invalid(var, "must not be empty"));
        }
        Ok(Some(DbFile::read(raw)))
    }
    fn from_file(key: &str, v: &toml::Value, file: &Path) -> Result<Option<PathBuf>> {
        let raw = Text::from_file(key, v, file)?;
        if raw.is_empty() {
            return Err(file_error(
                file,
                format!("[cache] {key} must not be empty (remove the key for the default)"),
            ));
        }
        Ok(DbFile::read(&raw))
    }
    fn from_default(text: &str, home: &Path) -> Option<PathBuf> {
        match text.strip_prefix("<home>/") {
            Some(rest) => Some(home.join(rest)),
            None => DbFile::read(text),
        }
    }
    fn to_toml(key: &str, raw: &str) -> Result<toml_edit::Item> {
        non_empty_text(key, raw)
    }
    fn to_json(v: &Option<PathBuf>) -> Value {
        match v {
            Some(p) => Value::from(p.to_string_lossy()),
            None => Value::from(":memory:"),
        }
    }
}
