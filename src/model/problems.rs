//! The problems a scan finds, as the cache reports them: a file that could not be read
//! ([`FileError`]), and what Claude Code will do with an artifact ([`ArtifactProblem`],
//! [`Severity`], [`Health`]). The rules that find them are `scan::health`'s.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A problem with one file, reported on its artifact or project.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FileError {
    /// Path relative to the project folder (or absolute for files outside it).
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<u32>,
    /// What is wrong, for a person to read.
    pub reason: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} line {}: {}", self.file, l, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// Whether Claude Code loads an artifact, and whole.
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
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    strum::VariantArray,
    PartialOrd,
    Ord,
    Default,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum Health {
    /// Loads as written.
    #[default]
    Ok,
    /// Loads, but loses something (metadata, a tool, a hint), or may be shadowed.
    Degraded,
    /// Not loaded, or never chosen.
    Broken,
}

/// How bad one problem is: `error` makes the artifact broken, `warning` degraded; a `note` never
/// changes its health (Claude Code is fine with it; another loader or the Agent Skills spec is not).
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
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    strum::VariantArray,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum Severity {
    /// Claude Code will not load it, or never choose it.
    Error,
    /// Claude Code loads it but loses something.
    Warning,
    /// Claude Code loads it whole; the Agent Skills spec, claude.ai uploads or other agents'
    /// loaders may not.
    Note,
}

crate::values::text_words!(Health, Severity);

/// One problem of an artifact: what Claude Code does about it, and what to change.
#[cfg_attr(feature = "node", napi_derive::napi(object, object_from_js = false))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactProblem {
    /// Stable code: `FRONTMATTER_INVALID_YAML`, `AGENT_MISSING_NAME`, `AGENT_MISSING_DESCRIPTION`,
    /// `SKILL_MISSING_DESCRIPTION`, `SKILL_NAME_MISMATCH`, `ARGUMENT_HINT_LIST`, `UNKNOWN_TOOL`,
    /// `JSON_INVALID`, `DUPLICATE_NAME`, `DEPLOYED_FILE_MISSING`, `ARTIFACT_TOO_LARGE`, ….
    pub code: String,
    /// `error`: the artifact is broken by it; `warning`: degraded; `note`: health unchanged.
    pub severity: Severity,
    /// File, relative to the project folder.
    pub file: String,
    /// 1-based line in the file, where known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    /// 1-based column, where known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<u32>,
    /// What Claude Code does with the file because of it.
    pub message: String,
    /// What to change.
    pub fix: String,
}

/// The health a list of problems adds up to.
pub fn health_of(problems: &[ArtifactProblem]) -> Health {
    problems
        .iter()
        .map(|p| match p.severity {
            Severity::Error => Health::Broken,
            Severity::Warning => Health::Degraded,
            Severity::Note => Health::Ok,
        })
        .max()
        .unwrap_or(Health::Ok)
}
