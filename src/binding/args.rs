//! Validation of JavaScript arguments, with errors that name the argument at fault.

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::Order;

/// `home` argument or the default home (`SKILLMEAT_HOME`, then `~/.skillmeat`).
pub fn home_or_default(home: Option<String>) -> PathBuf {
    home.map(|h| crate::config::expand_home(&h))
        .or_else(|| {
            std::env::var("SKILLMEAT_HOME")
                .ok()
                .filter(|h| !h.is_empty())
                .map(|h| crate::config::expand_home(&h))
        })
        .unwrap_or_else(crate::config::default_home)
}

/// An optional options object: `undefined`/`null` give an empty map; unknown keys are refused.
pub struct Obj<'a> {
    arg: &'a str,
    map: Option<&'a Map<String, Value>>,
}

impl<'a> Obj<'a> {
    /// Checks `v` is an object (or absent) with only `allowed` keys.
    pub fn new(arg: &'a str, v: &'a Option<Value>, allowed: &[&str]) -> Result<Obj<'a>> {
        let map = match v {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => {
                return Err(Error::invalid(
                    arg,
                    format!("must be an object, got {}", kind(other)),
                ));
            }
        };
        if let Some(m) = map {
            for k in m.keys() {
                if !allowed.contains(&k.as_str()) {
                    return Err(Error::invalid(
                        format!("{arg}.{k}"),
                        format!("unknown option; expected one of: {}", allowed.join(", ")),
                    ));
                }
            }
        }
        Ok(Obj { arg, map })
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    fn name(&self, key: &str) -> String {
        format!("{}.{key}", self.arg)
    }

    /// A string option.
    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(Error::invalid(
                self.name(key),
                format!("must be a string, got {}", kind(v)),
            )),
        }
    }

    /// A boolean option.
    pub fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(Error::invalid(
                self.name(key),
                format!("must be true or false, got {}", kind(v)),
            )),
        }
    }

    /// A non-negative whole-number option up to `max`.
    pub fn int(&self, key: &str, max: i64) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 || f < 0.0 || f > max as f64 {
                    return Err(Error::invalid(
                        self.name(key),
                        format!("must be a whole number from 0 to {max}, got {n}"),
                    ));
                }
                Ok(Some(f as i64))
            }
            Some(v) => Err(Error::invalid(
                self.name(key),
                format!("must be a number, got {}", kind(v)),
            )),
        }
    }

    /// A list-of-strings option.
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(Error::invalid(
                        self.name(key),
                        format!("must be a list of strings, found {}", kind(other)),
                    )),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(v) => Err(Error::invalid(
                self.name(key),
                format!("must be a list of strings, got {}", kind(v)),
            )),
        }
    }

    /// `marketplaceSources`: `[{ name, url, ttlHours? }]`.
    pub fn sources(&self, key: &str) -> Result<Option<Vec<crate::config::MarketSource>>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let Value::Array(items) = v else {
            return Err(Error::invalid(
                self.name(key),
                format!("must be a list of {{ name, url }} objects, got {}", kind(v)),
            ));
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let arg = format!("{}[{i}]", self.name(key));
            let item = Some(item.clone());
            let o = Obj::new(&arg, &item, &["name", "url", "ttlHours"])?;
            let (Some(name), Some(url)) = (o.string("name")?, o.string("url")?) else {
                return Err(Error::invalid(arg, "needs a name and a url"));
            };
            let ttl_hours = o.int("ttlHours", 100_000)?.map(|n| n as u32);
            out.push(crate::config::MarketSource {
                name,
                url,
                ttl_hours,
            });
        }
        Ok(Some(out))
    }

    /// `order`: `asc` or `desc`.
    pub fn order(&self) -> Result<Option<Order>> {
        match self.string("order")?.as_deref() {
            None => Ok(None),
            Some("asc") | Some("ASC") => Ok(Some(Order::Asc)),
            Some("desc") | Some("DESC") => Ok(Some(Order::Desc)),
            Some(o) => Err(Error::invalid(
                self.name("order"),
                format!("expected \"asc\" or \"desc\", got {o:?}"),
            )),
        }
    }
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
