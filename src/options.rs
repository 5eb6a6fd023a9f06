//! Reading option objects (from JavaScript, as JSON) into the core's typed structs with serde.
//!
//! Every struct read here denies unknown fields, so a misspelt option is an error rather than
//! ignored; every error is `INVALID_ARGUMENT` naming the field (`query.limit`,
//! `options.marketplaceSources[1].url`) and saying what was expected and what was given.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::Value;

use crate::error::{Error, Result};

/// Reads `value` (absent or `null`: every option at its default) into `T`. `arg` names the
/// argument in errors (`options`, `query`).
pub fn parse<T: DeserializeOwned>(arg: &str, value: Option<Value>) -> Result<T> {
    let value = match value {
        None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
        Some(v @ Value::Object(_)) => v,
        Some(other) => {
            return Err(Error::invalid(
                arg,
                format!("must be an object, got {}", kind(&other)),
            ));
        }
    };
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." || path.is_empty() {
            arg.to_string()
        } else {
            format!("{arg}.{path}")
        };
        let (at, message) = describe(at, &e.into_inner().to_string());
        Error::invalid(at, message)
    })
}

/// Rewrites serde's messages the way the rest of the package words them.
fn describe(at: String, msg: &str) -> (String, String) {
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        // The path already ends with the unknown field.
        let expected = rest.split_once('`').map_or("", |(_, e)| e);
        let known = words_after(expected, "expected one of ").unwrap_or_default();
        let message = if known.is_empty() {
            "unknown option; this object takes none".to_string()
        } else {
            format!("unknown option; expected one of: {known}")
        };
        return (at, message);
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (given, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let known = match words_after(expected, "expected one of ") {
            Some(list) => format!("one of: {list}"),
            None => words_after(expected, "expected ").unwrap_or_default(),
        };
        return (at, format!("expected {known}; got {given:?}"));
    }
    if let Some(field) = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return (format!("{at}.{field}"), "is required".to_string());
    }
    // A JavaScript number for a whole-number field: negative, fractional, or past 2³² − 1.
    if let Some((found, "u32")) = msg
        .strip_prefix("invalid value: ")
        .or_else(|| msg.strip_prefix("invalid type: "))
        .and_then(|r| r.split_once(", expected "))
    {
        if let Some(n) = found
            .split('`')
            .nth(1)
            .filter(|_| found.starts_with("integer") || found.starts_with("floating point"))
        {
            let n = n.strip_suffix(".0").unwrap_or(n);
            return (
                at,
                format!("must be a whole number from 0 to {}, got {n}", u32::MAX),
            );
        }
        return (at, format!("must be a number, got {}", found_words(found)));
    }
    if let Some((found, expected)) = msg
        .strip_prefix("invalid type: ")
        .and_then(|r| r.split_once(", expected "))
    {
        return (
            at,
            format!(
                "must be {}, got {}",
                expected_words(expected),
                found_words(found)
            ),
        );
    }
    (at, msg.to_string())
}

/// `` `a`, `b` `` after `prefix` as `a, b`.
fn words_after(text: &str, prefix: &str) -> Option<String> {
    let list = text.split_once(prefix)?.1;
    Some(list.replace('`', ""))
}

fn expected_words(expected: &str) -> &str {
    match expected {
        "a boolean" => "true or false",
        "a sequence" => "a list",
        "a string" => "a string",
        other => other,
    }
}

fn found_words(found: &str) -> &'static str {
    match found.split([' ', '`']).next().unwrap_or("") {
        "string" => "a string",
        "integer" | "floating" => "a number",
        "boolean" => "a boolean",
        "map" => "an object",
        "sequence" => "an array",
        "null" => "null",
        _ => "a value of another type",
    }
}

/// How a JSON value's type is named in messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A whole number from 0 to `max` (JavaScript numbers arrive as floats past 2³²).
fn whole<'de, D: Deserializer<'de>>(d: D, max: u64) -> std::result::Result<Option<u64>, D::Error> {
    let Some(v) = Option::<Value>::deserialize(d)? else {
        return Ok(None);
    };
    let n = match &v {
        Value::Number(n) => n,
        other => {
            return Err(D::Error::custom(format!(
                "must be a number, got {}",
                kind(other)
            )));
        }
    };
    let f = n.as_f64().unwrap_or(f64::NAN);
    if f.fract() != 0.0 || f < 0.0 || f > max as f64 {
        return Err(D::Error::custom(format!(
            "must be a whole number from 0 to {max}, got {n}"
        )));
    }
    Ok(Some(f as u64))
}

/// `deserialize_with` for an optional whole-number offset or limit (0 to 2³² − 1) kept as `i64`.
pub fn whole_i64<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    Ok(whole(d, u64::from(u32::MAX))?.map(|n| n as i64))
}

/// `deserialize_with` for an optional whole number of milliseconds (up to 2⁵³).
pub fn whole_ms<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    whole(d, 1 << 53)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Q {
        #[serde(default, deserialize_with = "whole_i64")]
        limit: Option<i64>,
        #[serde(default)]
        force: Option<bool>,
        #[serde(default)]
        health: Option<crate::model::Health>,
        #[serde(default)]
        sources: Option<Vec<S>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct S {
        name: String,
        #[serde(default)]
        ttl: Option<u32>,
    }

    fn err(v: Value) -> String {
        parse::<Q>("query", Some(v)).unwrap_err().to_string()
    }

    #[test]
    fn absent_and_null_are_all_defaults() {
        let none = Q {
            limit: None,
            force: None,
            health: None,
            sources: None,
        };
        assert_eq!(parse::<Q>("query", None).unwrap(), none);
        assert_eq!(parse::<Q>("query", Some(Value::Null)).unwrap(), none);
        let q: Q = parse("query", Some(json!({ "limit": 10.0, "force": null }))).unwrap();
        assert_eq!(q.limit, Some(10));
    }

    #[test]
    fn errors_name_the_field_and_say_what_was_expected() {
        assert_eq!(
            parse::<Q>("query", Some(json!(3))).unwrap_err().to_string(),
            "invalid argument `query`: must be an object, got a number"
        );
        assert_eq!(
            err(json!({ "bogus": 1 })),
            "invalid argument `query.bogus`: unknown option; expected one of: limit, force, health, sources"
        );
        assert_eq!(
            err(json!({ "limit": 1.5 })),
            "invalid argument `query.limit`: must be a whole number from 0 to 4294967295, got 1.5"
        );
        assert_eq!(
            err(json!({ "limit": "ten" })),
            "invalid argument `query.limit`: must be a number, got a string"
        );
        assert_eq!(
            err(json!({ "force": "yes" })),
            "invalid argument `query.force`: must be true or false, got a string"
        );
        assert_eq!(
            err(json!({ "health": "sick" })),
            "invalid argument `query.health`: expected one of: ok, degraded, broken; got \"sick\""
        );
        assert_eq!(
            err(json!({ "sources": [{ "name": "a" }, {}] })),
            "invalid argument `query.sources[1].name`: is required"
        );
        for (ttl, got) in [
            (json!(-1), "-1"),
            (json!(2.5), "2.5"),
            (json!(5e9), "5000000000"),
        ] {
            assert_eq!(
                err(json!({ "sources": [{ "name": "a", "ttl": ttl }] })),
                format!(
                    "invalid argument `query.sources[0].ttl`: must be a whole number from 0 to 4294967295, got {got}"
                )
            );
        }
        assert_eq!(
            err(json!({ "sources": [{ "name": "a", "ttl": "9" }] })),
            "invalid argument `query.sources[0].ttl`: must be a number, got a string"
        );
    }
}
