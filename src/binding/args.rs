//! Plain JavaScript arguments (option objects are read by [`crate::options`]), with errors that
//! name the argument at fault.

use std::path::PathBuf;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::options::kind;

/// `home` argument or the default home (`SKILLMEAT_HOME`, then `~/.skillmeat`).
pub fn home_or_default(home: Option<String>) -> PathBuf {
    crate::config::resolve_home(home.as_deref(), &crate::config::ProcessEnv).value
}

/// A required string argument.
pub fn required_string(arg: &str, v: &Value) -> Result<String> {
    match v {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::String(_) => Err(Error::invalid(arg, "must not be empty")),
        other => Err(Error::invalid(
            arg,
            format!("must be a string, got {}", kind(other)),
        )),
    }
}

/// A required list of non-empty strings (`paths[2]` names an item at fault).
pub fn required_strings(arg: &str, v: &Value) -> Result<Vec<String>> {
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| required_string(&format!("{arg}[{i}]"), item))
            .collect(),
        other => Err(Error::invalid(
            arg,
            format!("must be an array of strings, got {}", kind(other)),
        )),
    }
}
