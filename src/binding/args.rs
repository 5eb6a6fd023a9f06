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
