//! What Claude Code will do with an artifact: load it (`ok`), load it but lose something
//! (`degraded`), or not load it / never choose it (`broken`), with each problem's line and fix.
//!
//! The rules follow Claude Code's loader (2.1.x): the frontmatter is one YAML document; when it
//! does not parse, the whole frontmatter is dropped and the file goes on without it. A command
//! then loads without its description, `allowed-tools` and `argument-hint`; an agent is not
//! loaded at all; an agent without `name` or `description` is not listed; a skill without
//! `description` is never picked automatically.

use serde_json::Value;

use crate::model::{ArtifactProblem, Severity};

use super::frontmatter::Frontmatter;

/// Tool names Claude Code has (built-in, as its tools reference lists them and its 2.1.332 bundle
/// holds them: `tests/fixtures/claude-code/schema.json`, plus the old names it still accepts:
/// `Task` for Agent, `KillShell` and `KillBash` for TaskStop, …); `mcp__…` tools and
/// `Tool(pattern)` forms are checked by their name part, and `*` means every tool.
const TOOLS: &[&str] = &[
    "Agent",
    "Artifact",
    "AskUserQuestion",
    "Bash",
    "Brief",
    "ClaudeDesign",
    "CronCreate",
    "CronDelete",
    "CronList",
    "Edit",
    "EndConversation",
    "EnterPlanMode",
    "EnterWorktree",
    "ExitPlanMode",
    "ExitWorktree",
    "Glob",
    "Grep",
    "KillBash",
    "KillShell",
    "ListAgents",
    "ListMcpResources",
    "ListMcpResourcesTool",
    "ListPeers",
    "LSP",
    "Monitor",
    "NotebookEdit",
    "OfferChromeSetup",
    "PowerShell",
    "Projects",
    "propose_skills",
    "ProposeGoal",
    "PushNotification",
    "Read",
    "ReadMcpResource",
    "ReadMcpResourceDir",
    "ReadMcpResourceDirTool",
    "ReadMcpResourceTool",
    "ReadNotifications",
    "RemoteTrigger",
    "ReportFindings",
    "ScheduleWakeup",
    "SendFeedback",
    "SendMessage",
    "SendUserFile",
    "SendUserMessage",
    "SetGoal",
    "ShareOnboardingGuide",
    "ShowOnboardingRolePicker",
    "Skill",
    "SubagentHandback",
    "Task",
    "TaskCreate",
    "TaskGet",
    "TaskList",
    "TaskOutput",
    "TaskStop",
    "TaskUpdate",
    "TeamCreate",
    "TeamDelete",
    "TodoWrite",
    "ToolSearch",
    "WaitForMcpServers",
    "WebFetch",
    "WebSearch",
    "Workflow",
    "Write",
];

/// Tools Claude Code had and removed, with what replaced them.
const REMOVED_TOOLS: &[(&str, &str)] = &[
    ("LS", "Glob (or Bash(ls:*))"),
    ("MultiEdit", "Edit"),
    ("NotebookRead", "Read"),
    ("BashOutput", "TaskOutput"),
    ("SlashCommand", "Skill"),
];

/// A problem without a column.
pub(crate) fn problem(
    code: &str,
    severity: Severity,
    file: &str,
    line: Option<u32>,
    message: String,
    fix: String,
) -> ArtifactProblem {
    ArtifactProblem {
        code: code.into(),
        severity,
        file: file.into(),
        line,
        column: None,
        message,
        fix,
    }
}

/// The line in `text` (1-based) where top-level `key:` of its frontmatter is written, if it is:
/// the last time, as a key written twice keeps its last value.
fn key_line(text: &str, key: &str) -> Option<u32> {
    let (start, block, _) = super::frontmatter::split_block(text)?;
    block
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .last()
        .map(|(i, _)| start + i as u32)
}

/// The fix for a frontmatter YAML error at `line` of `text`, read off that line.
fn yaml_fix(text: &str, line: u32) -> String {
    let l = text
        .lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("");
    let (key, value) = l
        .split_once(':')
        .map(|(k, v)| (k.trim(), v.trim()))
        .unwrap_or(("", ""));
    if !key.is_empty() && !value.is_empty() && !value.starts_with(['"', '\'', '|', '>']) {
        let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
        if value.starts_with('[')
            || value.starts_with('{')
            || value.contains(": ")
            || value.contains(" #")
        {
            return format!("quote the value of {key}: {key}: \"{quoted}\"");
        }
        return format!(
            "quote the value of {key} ({key}: \"{quoted}\"), or write long text as a block: {key}: | on its own line, the text indented below"
        );
    }
    format!(
        "fix the YAML at line {line}: quote values that contain \": \", \" #\", or start with [, {{, *, & or !; write multi-line text as `key: |` with the text indented below"
    )
}

/// What is wrong with an agent's (non-empty) name for Claude Code, and the fix.
fn agent_name_fault(name: &str) -> Option<(String, String)> {
    use unicode_normalization::UnicodeNormalization;
    if name.starts_with('-') {
        return Some((
            format!("{name:?} starts with `-`"),
            format!("name: {}", name.trim_start_matches('-')),
        ));
    }
    if name.encode_utf16().count() > 256 {
        return Some((
            "is longer than 256 characters".into(),
            "shorten `name` to at most 256 characters".into(),
        ));
    }
    if name.nfkc().any(|c| c == ':') {
        return Some((
            format!("{name:?} holds a `:` (reserved for plugin namespaces)"),
            format!(
                "name it without `:`, e.g. `name: {}`",
                name.nfkc().collect::<String>().replace(':', "-")
            ),
        ));
    }
    None
}

/// Problems of a Markdown artifact (`skill`, `command`, `agent`) read from its frontmatter.
/// `text` is the whole file; `folder` the skill's folder name.
pub fn markdown_problems(
    kind: &str,
    file: &str,
    text: &str,
    fm: &Frontmatter,
    folder: Option<&str>,
) -> Vec<ArtifactProblem> {
    let mut out = Vec::new();
    if let Some((line, reason)) = &fm.error {
        let (severity, effect) = match kind {
            "command" => (
                Severity::Warning,
                "so Claude Code drops the whole frontmatter and loads the command without its description, allowed-tools and argument-hint",
            ),
            "agent" => (
                Severity::Error,
                "so Claude Code drops the whole frontmatter, and an agent without frontmatter is not loaded at all (silently)",
            ),
            "skill" => (
                Severity::Warning,
                "so Claude Code drops the whole frontmatter (after trying its repair): the skill loads under its folder's name, with its description taken from the first lines of the body",
            ),
            _ => (
                Severity::Warning,
                "so Claude Code drops the whole frontmatter",
            ),
        };
        out.push(problem(
            "FRONTMATTER_INVALID_YAML",
            severity,
            file,
            Some(*line),
            format!(
                "{reason}, {effect}. (This cache read the fields it could line by line, so lists still show a description.)"
            ),
            yaml_fix(text, *line),
        ));
        // Without a parsed frontmatter the field rules below say nothing Claude Code would see.
        return out;
    }
    if !fm.repaired.is_empty() {
        let lines: Vec<String> = fm.repaired.iter().map(u32::to_string).collect();
        out.push(problem(
            "FRONTMATTER_REPAIRED",
            Severity::Note,
            file,
            fm.repaired.first().copied(),
            format!(
                "the frontmatter is not valid YAML as written; Claude Code repairs it (quoting line{} {}) and loads everything, but other loaders (the Agent Skills reference validator, claude.ai uploads, other agents) reject it",
                if lines.len() == 1 { "" } else { "s" },
                lines.join(", ")
            ),
            yaml_fix(text, fm.repaired[0]),
        ));
    }
    let has = |k: &str| {
        fm.fields.get(k).is_some_and(|v| {
            !matches!(v, Value::Null) && v.as_str().is_none_or(|s| !s.trim().is_empty())
        })
    };
    match kind {
        "agent" => {
            // Claude Code's rules (`Bfo`, 2.1.332): `name` a non-empty string, not starting with
            // `-`, at most 256 UTF-16 units, no `:` after NFKC; `description` a non-empty string
            // (whitespace counts). Otherwise the agent is not loaded.
            match fm.fields.get("name") {
                Some(Value::String(name)) if !name.is_empty() => {
                    if let Some((why, fix)) = agent_name_fault(name) {
                        out.push(problem(
                            "AGENT_NAME_INVALID",
                            Severity::Error,
                            file,
                            key_line(text, "name"),
                            format!("the agent's name {}: Claude Code refuses it and the agent is not loaded", why),
                            fix,
                        ));
                    }
                }
                None | Some(Value::Null) | Some(Value::String(_)) => out.push(problem(
                    "AGENT_MISSING_NAME",
                    Severity::Error,
                    file,
                    Some(1),
                    "the agent has no `name` in its frontmatter, so Claude Code does not list it and it never runs".into(),
                    "add `name: <agent-name>` (lower-case letters and hyphens) to the frontmatter".into(),
                )),
                Some(other) => out.push(problem(
                    "AGENT_NAME_INVALID",
                    Severity::Error,
                    file,
                    key_line(text, "name"),
                    format!("the agent's name is not text ({other}): Claude Code skips an agent whose name is not a string"),
                    format!("quote it: `name: \"{}\"`", other.to_string().trim_matches('"')),
                )),
            }
            match fm.fields.get("description") {
                Some(Value::String(s)) if !s.is_empty() => {}
                None | Some(Value::Null) | Some(Value::String(_)) => out.push(problem(
                    "AGENT_MISSING_DESCRIPTION",
                    Severity::Error,
                    file,
                    Some(1),
                    "the agent has no `description`, so Claude Code does not list it and never delegates to it".into(),
                    "add `description: <when Claude should use this agent>` to the frontmatter".into(),
                )),
                Some(_) => out.push(problem(
                    "AGENT_MISSING_DESCRIPTION",
                    Severity::Error,
                    file,
                    key_line(text, "description"),
                    "the agent's `description` is not text (a number, true/false, a list or a mapping), so Claude Code does not load the agent".into(),
                    "write `description:` as one line of text (quote it if it looks like a number)".into(),
                )),
            }
            out.extend(super::hook_settings::agent_problems(
                file,
                &fm.fields,
                |k| key_line(text, k),
            ));
        }
        "skill" => {
            if !fm.present || !fm.fields.contains_key("description") {
                out.push(problem(
                    "SKILL_MISSING_DESCRIPTION",
                    Severity::Warning,
                    file,
                    Some(1),
                    "the skill has no `description`: Claude Code loads it (and warns), but without one it is rarely picked automatically".into(),
                    "add `description: <what it does and when to use it>` to the SKILL.md frontmatter".into(),
                ));
            } else if !has("description") {
                out.push(problem(
                    "SKILL_EMPTY_DESCRIPTION",
                    Severity::Note,
                    file,
                    key_line(text, "description"),
                    "`description` is empty: Claude Code loads the skill, but the Agent Skills spec asks for 1–1024 characters and other loaders reject it".into(),
                    "write what the skill does and when to use it after `description:`".into(),
                ));
            }
            spec_notes(&mut out, file, text, fm);
            if let (Some(folder), Some(name)) = (folder, fm.string("name")) {
                use unicode_normalization::UnicodeNormalization;
                let nfc = |s: &str| s.nfc().collect::<String>();
                if nfc(&name) != nfc(folder) {
                    out.push(problem(
                        "SKILL_NAME_MISMATCH",
                        Severity::Note,
                        file,
                        key_line(text, "name"),
                        format!("SKILL.md names the skill {name:?} but its folder is {folder:?}: Claude Code loads it, but the Agent Skills spec asks for the folder's name and other loaders disagree on which one they use"),
                        format!("rename the folder to {name:?}, or set `name: {folder}`"),
                    ));
                }
            }
        }
        _ => {}
    }
    // Values of the wrong type: Claude Code loads the file and drops the value.
    for (key, wants) in [
        ("description", "text"),
        ("allowed-tools", "text or a list of tool names"),
        ("tools", "text or a list of tool names"),
        ("metadata", "a mapping of `key: value` pairs"),
    ] {
        let Some(v) = fm.fields.get(key) else {
            continue;
        };
        let fits = match key {
            // Numbers and true/false load as text (`String()`); an agent's is checked above.
            "description" => {
                kind == "agent"
                    || matches!(
                        v,
                        Value::String(_) | Value::Null | Value::Number(_) | Value::Bool(_)
                    )
            }
            "metadata" => matches!(v, Value::Object(_) | Value::Null),
            _ => match v {
                Value::String(_) | Value::Null => true,
                Value::Array(items) => items.iter().all(Value::is_string),
                _ => false,
            },
        };
        if !fits {
            out.push(problem(
                "FIELD_DROPPED",
                Severity::Warning,
                file,
                key_line(text, key),
                format!("`{key}` is not {wants}, so Claude Code drops it and loads the {kind} without it"),
                format!("write `{key}` as {wants}"),
            ));
        }
    }
    if let Some(Value::Array(_)) = fm.fields.get("argument-hint") {
        let raw = key_line(text, "argument-hint")
            .and_then(|l| text.lines().nth(l as usize - 1))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        out.push(problem(
            "ARGUMENT_HINT_LIST",
            Severity::Note,
            file,
            key_line(text, "argument-hint"),
            "`argument-hint` parses as a YAML list, not text: Claude Code loads the command whole and shows it, but other loaders (Copilot CLI among them) reject the file".into(),
            format!("quote it: argument-hint: \"{}\"", raw.replace('"', "\\\"")),
        ));
    }
    for key in ["tools", "allowed-tools"] {
        for tool in tool_names(fm, key) {
            let base = tool.split('(').next().unwrap_or(&tool).trim();
            if base.is_empty() || base == "*" || base.starts_with("mcp__") || TOOLS.contains(&base)
            {
                continue;
            }
            let (message, fix) = match REMOVED_TOOLS.iter().find(|(t, _)| *t == base) {
                Some((_, instead)) => (
                    format!(
                        "`{key}` names {base}, a tool Claude Code no longer has; it is ignored"
                    ),
                    format!("replace {base} with {instead}"),
                ),
                None => (
                    format!(
                        "`{key}` names {base:?}, which is not a Claude Code tool (names are case-sensitive); it is ignored"
                    ),
                    format!(
                        "use one of: {}; or mcp__<server>__<tool> for MCP tools",
                        TOOLS.join(", ")
                    ),
                ),
            };
            out.push(problem(
                "UNKNOWN_TOOL",
                Severity::Warning,
                file,
                key_line(text, key),
                message,
                fix,
            ));
        }
    }
    out
}

/// Frontmatter keys the Agent Skills specification allows in `SKILL.md`.
const SPEC_KEYS: &[&str] = &[
    "name",
    "description",
    "license",
    "allowed-tools",
    "metadata",
    "compatibility",
];

/// The Agent Skills specification's rules Claude Code does not enforce (its reference validator
/// `skills-ref`, claude.ai uploads and other agents do): notes, never a change of health.
fn spec_notes(out: &mut Vec<ArtifactProblem>, file: &str, text: &str, fm: &Frontmatter) {
    let mut note = |code: &str, key: &str, message: String, fix: String| {
        out.push(problem(
            code,
            Severity::Note,
            file,
            key_line(text, key),
            message,
            fix,
        ));
    };
    if let Some(name) = fm.string("name") {
        let valid = !name.is_empty()
            && name.chars().count() <= 64
            && name.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if !valid {
            note(
                "SPEC_NAME",
                "name",
                format!(
                    "the Agent Skills spec wants `name` of 1–64 lower-case letters, digits and single hyphens; {name:?} is not (Claude Code loads the skill under its folder's name)"
                ),
                "use lower-case words joined by single hyphens, like the folder".into(),
            );
        }
    }
    if let Some(d) = fm.string("description") {
        let tag = d.find('<').is_some_and(|i| {
            d[i + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/')
                && d[i..].contains('>')
        });
        if d.chars().count() > 1024 || tag {
            note(
                "SPEC_DESCRIPTION",
                "description",
                "the Agent Skills spec wants `description` of at most 1024 characters without XML tags; claude.ai uploads reject this one (Claude Code loads it)".into(),
                "shorten it and remove the <tags>".into(),
            );
        }
    }
    if fm
        .string("compatibility")
        .is_some_and(|c| c.chars().count() > 500)
    {
        note(
            "SPEC_COMPATIBILITY",
            "compatibility",
            "the Agent Skills spec allows at most 500 characters in `compatibility`".into(),
            "shorten it".into(),
        );
    }
    let extra: Vec<&str> = fm
        .fields
        .keys()
        .map(String::as_str)
        .filter(|k| !SPEC_KEYS.contains(k))
        .collect();
    if !extra.is_empty() {
        note(
            "SPEC_KEYS",
            extra[0],
            format!(
                "{} {} not among the Agent Skills spec's keys (name, description, license, allowed-tools, metadata, compatibility): Claude Code reads {}, but the reference validator and other loaders reject the file",
                extra.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                if extra.len() == 1 { "is" } else { "are" },
                if extra.len() == 1 { "it" } else { "them" },
            ),
            "move tool-specific keys under `metadata:`, or keep them if only Claude Code reads this skill".into(),
        );
    }
}

/// The tools a `tools`/`allowed-tools` field names: a YAML list, or text separated by commas or
/// spaces (the Agent Skills spec writes `Read Grep Glob`) outside `Tool(pattern)` parentheses, so
/// `Bash(git add:*) FooTool` is two tools.
fn tool_names(fm: &Frontmatter, key: &str) -> Vec<String> {
    let split = |text: &str| {
        let mut out = Vec::new();
        let (mut depth, mut current) = (0i32, String::new());
        for c in text.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' | ' ' | '\t' if depth <= 0 => {
                    out.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        out.push(current);
        out.into_iter()
            .map(|t| t.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
    };
    match fm.fields.get(key) {
        Some(Value::String(s)) => split(s.trim().trim_start_matches('[').trim_end_matches(']')),
        _ => fm.list(key),
    }
}

/// The problem of a JSON file (a hook or MCP config) that does not parse.
pub fn json_problem(
    kind: &str,
    file: &str,
    line: u32,
    column: u32,
    reason: &str,
) -> ArtifactProblem {
    let what = if kind == "hook" {
        "hook configuration"
    } else {
        "MCP server configuration"
    };
    ArtifactProblem {
        column: Some(column),
        ..problem(
            "JSON_INVALID",
            Severity::Error,
            file,
            Some(line),
            format!("the {what} is not valid JSON ({reason}), so Claude Code cannot load it"),
            format!(
                "fix the JSON at line {line}, column {column} (a trailing comma or an unquoted key is the usual cause)"
            ),
        )
    }
}

/// Two artifacts of one type named alike in a project: Claude Code loads one of them.
pub fn duplicate_problem(kind: &str, name: &str, file: &str, others: &[String]) -> ArtifactProblem {
    problem(
        "DUPLICATE_NAME",
        Severity::Warning,
        file,
        None,
        format!(
            "another {kind} in this project is also named {name:?} ({}); Claude Code loads only one of them",
            others.join(", ")
        ),
        "rename one of them (its file or folder, and its `name`), or remove the copy you do not use".into(),
    )
}

/// A command named like a skill of its project: Claude Code runs the skill for `/name`.
pub fn shadowed_problem(name: &str, file: &str, skill: &str) -> ArtifactProblem {
    problem(
        "SHADOWED_BY_SKILL",
        Severity::Warning,
        file,
        None,
        format!(
            "the skill {skill} has the same name; a skill takes precedence over a command, so /{name} runs the skill and never this command"
        ),
        "rename the command (its file), or remove it if the skill replaces it".into(),
    )
}

/// Why an artifact's file could not be read as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Over the size this cache reads for metadata.
    TooLarge,
    /// Contains NUL bytes.
    Binary,
    /// Not valid UTF-8.
    NotUtf8,
    /// The read itself failed (permissions, a file replaced mid-read).
    Io,
}

/// The problem of an artifact whose main file could not be read as text: Claude Code reads
/// artifacts as UTF-8 text, so a binary or mis-encoded file (or one it cannot open) is not
/// loaded as written. A file only too large for this cache to check is not known to be broken.
pub fn unreadable_problem(file: &str, why: Unreadable, message: &str) -> ArtifactProblem {
    let (code, severity, fix) = match why {
        Unreadable::TooLarge => (
            "NOT_CHECKED",
            Severity::Warning,
            "keep an artifact's main file small (Claude Code puts it in the model's context); this cache does not check files over 1 MB",
        ),
        Unreadable::Binary => (
            "NOT_TEXT",
            Severity::Error,
            "replace it with the Markdown (UTF-8 text) it should be, or remove it",
        ),
        Unreadable::NotUtf8 => (
            "NOT_UTF8",
            Severity::Error,
            "save the file as UTF-8 (your editor's encoding setting), or remove it",
        ),
        Unreadable::Io => (
            "UNREADABLE",
            Severity::Error,
            "make the file readable by you (its permissions), or remove it",
        ),
    };
    problem(code, severity, file, None, message.to_string(), fix.into())
}

/// A skill folder without its `SKILL.md`: Claude Code finds no skill there.
pub fn skill_md_missing_problem(folder: &str) -> ArtifactProblem {
    problem(
        "SKILL_MD_MISSING",
        Severity::Error,
        folder,
        None,
        "this skill folder has no SKILL.md, so Claude Code finds no skill in it".into(),
        "add a SKILL.md with `name` and `description` frontmatter, or remove the folder".into(),
    )
}

/// Transport types a project's `.mcp.json` may name (Claude Code 2.1.x; no `type` means `stdio`).
const MCP_REMOTE_TYPES: &[&str] = &["http", "sse", "streamable-http", "ws"];

/// Problems of one server of a project's `.mcp.json` (`file`), as Claude Code's config schema
/// (2.1.332, `tests/fixtures/claude-code`) reads it: each is fatal for that server, which Claude
/// Code then drops (silently) while the others load.
pub fn mcp_server_problems(file: &str, name: &str, cfg: &Value) -> Vec<ArtifactProblem> {
    let drop = |what: String, fix: String| {
        problem(
            "MCP_SERVER_INVALID",
            Severity::Error,
            file,
            None,
            format!("MCP server {name:?}: {what}, so Claude Code drops this server"),
            fix,
        )
    };
    let Some(obj) = cfg.as_object() else {
        return vec![drop(
            "its configuration is not an object".into(),
            format!("write \"{name}\": {{ \"command\": \"…\", \"args\": [] }}"),
        )];
    };
    let text = |k: &str| obj.get(k).and_then(Value::as_str);
    let strings = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.values().all(Value::is_string),
        Some(_) => false,
    };
    let mut out = Vec::new();
    match obj.get("type") {
        None | Some(Value::Null) if obj.contains_key("url") && !obj.contains_key("command") => {
            out.push(drop(
                "it has a `url` but no `type`".into(),
                "add \"type\": \"http\" (or \"sse\", \"ws\") for a remote server".into(),
            ));
        }
        None | Some(Value::Null) => stdio(&mut out, obj, &drop),
        Some(Value::String(t)) if t == "stdio" => stdio(&mut out, obj, &drop),
        Some(Value::String(t)) if MCP_REMOTE_TYPES.contains(&t.as_str()) => {
            match text("url") {
                None => out.push(drop(format!("a {t:?} server needs a `url`"), "add \"url\": \"https://…\"".into())),
                // `${VAR}` is expanded by Claude Code before it connects.
                Some(u) if !u.contains("${") && url::Url::parse(u).is_err() => out.push(drop(
                    format!("its `url` {u:?} is not an absolute URL (it never connects)"),
                    "write the server's full address: \"url\": \"https://…\"".into(),
                )),
                Some(_) => {}
            }
            if !strings("headers") {
                out.push(drop("`headers` values must be text".into(), "quote every header value".into()));
            }
        }
        Some(Value::String(t)) if t == "sdk" || t == "claudeai-proxy" => out.push(drop(
            format!("type {t:?} servers are registered by the host application and cannot be declared in a file"),
            "remove this server, or give it a stdio command or a remote url".into(),
        )),
        Some(t) => out.push(drop(
            format!("unknown server type {t}"),
            format!("use \"stdio\" (or no type) for a local command, or one of {} with a url", MCP_REMOTE_TYPES.join(", ")),
        )),
    }
    out
}

/// The rules of a local (`stdio`) MCP server: a non-empty `command`, `args` a list of text, `env`
/// values text.
fn stdio(
    out: &mut Vec<ArtifactProblem>,
    obj: &serde_json::Map<String, Value>,
    drop: &dyn Fn(String, String) -> ArtifactProblem,
) {
    match obj.get("command") {
        // Claude Code's schema wants at least one character: blanks pass (and fail to start).
        Some(Value::String(c)) if !c.is_empty() => {}
        Some(Value::String(_)) => out.push(drop(
            "its `command` is empty".into(),
            "set \"command\" to the program to run".into(),
        )),
        _ => out.push(drop(
            "it has no `command` (a local server runs one)".into(),
            "add \"command\": \"<program>\" (or a \"type\" and \"url\" for a remote server)".into(),
        )),
    }
    match obj.get("args") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {}
        Some(_) => out.push(drop(
            "`args` is not a list of text".into(),
            "write \"args\": [\"--flag\", \"value\"]".into(),
        )),
    }
    match obj.get("env") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) if m.values().all(Value::is_string) => {}
        Some(_) => out.push(drop(
            "`env` values must be text".into(),
            "quote every value in \"env\" (\"PORT\": \"8080\")".into(),
        )),
    }
}

/// A folder below `commands/` or `agents/` nested deeper than this cache reads (`levels` folders):
/// what it holds is not listed, and that is said rather than skipped silently.
pub fn folder_too_deep_problem(folder: &str, kind: &str, levels: u8) -> ArtifactProblem {
    problem(
        "FOLDER_TOO_DEEP",
        Severity::Warning,
        folder,
        None,
        format!(
            "{folder} is nested more than {levels} folders below the {kind}s folder, deeper than this cache reads: any {kind} in it is not listed here (Claude Code may still load it)"
        ),
        format!("move the {kind} files at most {levels} folders below the {kind}s folder"),
    )
}

/// A skill whose file is spelled `skill.md` (or another case) instead of `SKILL.md`: Claude Code
/// opens exactly `SKILL.md`, so on a case-sensitive file system (Linux) it never finds the skill.
pub fn skill_md_case_problem(file: &str, spelled: &str) -> ArtifactProblem {
    let linux = cfg!(target_os = "linux");
    problem(
        "SKILL_MD_CASE",
        if linux {
            Severity::Error
        } else {
            Severity::Warning
        },
        file,
        None,
        format!(
            "the skill's file is {spelled}, but Claude Code opens exactly SKILL.md: on a case-sensitive file system (Linux, most servers and containers) it does not find this skill{}",
            if linux {
                ""
            } else {
                " (this machine's file system ignores case, so it loads here)"
            }
        ),
        format!("rename {spelled} to SKILL.md"),
    )
}

/// A skill in a category folder (`skills/<group>/<skill>/SKILL.md`): Claude Code looks for
/// `SKILL.md` only one folder below `skills/`, so it never finds this skill.
pub fn skill_nested_problem(folder: &str, skills: &str, group: &str) -> ArtifactProblem {
    let skill = folder.rsplit('/').next().unwrap_or(folder);
    problem(
        "SKILL_NESTED",
        Severity::Error,
        folder,
        None,
        format!(
            "this skill sits in the folder {group:?} inside {skills}; Claude Code looks for SKILL.md only one folder below {skills}, so it never finds this skill"
        ),
        format!("move the folder up to {skills}/{skill}"),
    )
}

/// A deployment entry whose files are gone.
pub fn missing_deployment_problem(file: &str, manifest: &str) -> ArtifactProblem {
    problem(
        "DEPLOYED_FILE_MISSING",
        Severity::Error,
        file,
        None,
        format!(
            "{manifest} records this artifact as deployed, but its files are gone, so Claude Code has nothing to load"
        ),
        "deploy it again with SkillMeat, or remove its entry from the manifest".into(),
    )
}

/// How to raise the cap that the `[cache]` key `key` sets: its `Cache.open` option, environment
/// variable and key.
fn raise(key: &str) -> String {
    let env = crate::config::KEYS
        .iter()
        .find(|k| k.key == key)
        .map_or("", |k| k.env);
    format!(
        "raise {} (environment variable {env}, or `{key}` under [cache] in config.toml)",
        crate::config::option_name(key)
    )
}

/// An artifact that a cap (set by `key`) stopped this cache from listing (or reading) whole;
/// `why` names the cap and what was counted. Claude Code itself is not limited by the cap.
pub fn too_large_problem(file: &str, why: String, key: &str) -> ArtifactProblem {
    problem(
        "ARTIFACT_TOO_LARGE",
        Severity::Warning,
        file,
        None,
        format!(
            "{why}. Its file count and size are what was listed, and it has no content hash, so local changes to it are not detected"
        ),
        format!(
            "if it is meant to be this large, {}; otherwise remove what does not belong in it (a link to a large folder, build output, data)",
            raise(key)
        ),
    )
}

/// A project that the `maxProjectFiles` cap (set by `key`) stopped this cache from listing whole.
pub fn project_too_large_problem(file: &str, why: String, key: &str) -> ArtifactProblem {
    problem(
        "PROJECT_TOO_LARGE",
        Severity::Error,
        file,
        None,
        why,
        format!(
            "{}, or remove what does not belong in the profile folders (a link to a large folder, build output, data)",
            raise(key)
        ),
    )
}

/// A link this cache does not follow: into `/proc`, `/sys` or `/dev`, or (`is_loop`) to a folder
/// that holds it.
pub fn link_problem(file: &str, target: &std::path::Path, is_loop: bool) -> ArtifactProblem {
    let what = if is_loop {
        "a folder that holds the link (a loop)"
    } else {
        "among the kernel's files and devices (/proc, /sys, /dev)"
    };
    problem(
        "SYMLINK_NOT_FOLLOWED",
        Severity::Warning,
        file,
        None,
        format!(
            "{file} is a link to {}, {what}: this cache does not follow it and reads nothing from it",
            target.display()
        ),
        "replace the link with the files it should stand for, or remove it".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Health, health_of};
    use crate::scan::frontmatter;

    fn problems(kind: &str, text: &str) -> Vec<ArtifactProblem> {
        markdown_problems(
            kind,
            "f.md",
            text,
            &frontmatter::parse(text),
            Some("my-skill"),
        )
    }

    fn codes(p: &[ArtifactProblem]) -> Vec<&str> {
        p.iter().map(|p| p.code.as_str()).collect()
    }

    #[test]
    fn yaml_claude_code_repairs_is_a_note_what_it_cannot_is_a_problem_by_type() {
        // Claude Code quotes `argument-hint: [file] | [dir]` and loads the command whole.
        let text = "---\ndescription: Run it\nargument-hint: [file] | [dir]\n---\nBody\n";
        let cmd = problems("command", text);
        assert_eq!(codes(&cmd), ["FRONTMATTER_REPAIRED"]);
        assert_eq!(cmd[0].severity, Severity::Note);
        assert_eq!(health_of(&cmd), Health::Ok);
        assert_eq!(cmd[0].line, Some(3));
        assert!(
            cmd[0].fix.contains("argument-hint: \"[file] | [dir]\""),
            "{}",
            cmd[0].fix
        );
        // Its repair takes keys of letters, `_` and `-` only: `hint2` stays broken YAML.
        let text = "---\ndescription: Run it\nhint2: [file] | [dir]\n---\nBody\n";
        let cmd = problems("command", text);
        assert_eq!(codes(&cmd), ["FRONTMATTER_INVALID_YAML"]);
        assert_eq!(cmd[0].severity, Severity::Warning);
        assert_eq!(health_of(&cmd), Health::Degraded);
        assert_eq!(cmd[0].line, Some(3));
        // An indented line under a scalar is not a line it quotes.
        let agent = problems(
            "agent",
            "---\nname: a\ndescription: when asked\n  mode: b\n---\n",
        );
        assert_eq!(health_of(&agent), Health::Broken);
        assert!(agent[0].message.contains("not loaded"));
        let skill = problems(
            "skill",
            "---\nname: my-skill\ndescription: a\n  b: c\n---\n",
        );
        assert_eq!(
            health_of(&skill),
            Health::Degraded,
            "a skill loads without its frontmatter"
        );
        let repaired = problems("skill", "---\nname: my-skill\ndescription: a: b\n---\n");
        assert_eq!(health_of(&repaired), Health::Ok);
    }

    #[test]
    fn missing_fields_mismatch_hint_and_tools() {
        let p = problems("agent", "---\nname: a\n---\n");
        assert_eq!(codes(&p), ["AGENT_MISSING_DESCRIPTION"]);
        let p = problems("agent", "Just a body\n");
        assert_eq!(
            codes(&p),
            ["AGENT_MISSING_NAME", "AGENT_MISSING_DESCRIPTION"]
        );
        let p = problems("skill", "---\nname: other\n---\n");
        assert_eq!(
            codes(&p),
            ["SKILL_MISSING_DESCRIPTION", "SKILL_NAME_MISMATCH"]
        );
        assert_eq!(
            health_of(&p),
            Health::Degraded,
            "Claude Code warns, and loads it"
        );
        assert_eq!(p[1].severity, Severity::Note);
        assert_eq!(p[1].line, Some(2));
        let p = problems(
            "command",
            "---\ndescription: d\nargument-hint: [file]\nallowed-tools: Read, LS, bash, mcp__x__y, Bash(git:*)\n---\n",
        );
        assert_eq!(
            codes(&p),
            ["ARGUMENT_HINT_LIST", "UNKNOWN_TOOL", "UNKNOWN_TOOL"]
        );
        assert_eq!(p[0].fix, "quote it: argument-hint: \"[file]\"");
        assert!(p[1].message.contains("LS") && p[1].fix.contains("Glob"));
        assert!(p[2].message.contains("\"bash\""));
        assert_eq!(health_of(&p), Health::Degraded);
        assert!(
            problems(
                "command",
                "---\ndescription: fine\nargument-hint: \"[file]\"\n---\n"
            )
            .is_empty()
        );
        assert!(problems("skill", "---\nname: my-skill\ndescription: ok\n---\n").is_empty());
    }

    #[test]
    fn agents_follow_claude_codes_name_and_description_rules() {
        let broken = |t: &str| health_of(&problems("agent", t)) == Health::Broken;
        let ok = |t: &str| problems("agent", t).is_empty();
        // A name that is not text, starts with `-`, is too long, or holds a (full-width) `:`.
        assert!(broken("---\nname: 42\ndescription: d\n---\n"));
        assert!(broken("---\nname: true\ndescription: d\n---\n"));
        assert!(broken("---\nname: -rev\ndescription: d\n---\n"));
        assert!(broken(&format!(
            "---\nname: {}\ndescription: d\n---\n",
            "r".repeat(257)
        )));
        assert!(ok(&format!(
            "---\nname: {}\ndescription: d\n---\n",
            "r".repeat(256)
        )));
        assert!(broken("---\nname: team\u{ff1a}rev\ndescription: d\n---\n"));
        // A description that is not text: not loaded either.
        for d in ["42", "true", "[a, b]", "{a: b}"] {
            let p = problems("agent", &format!("---\nname: rev\ndescription: {d}\n---\n"));
            assert_eq!(codes(&p), ["AGENT_MISSING_DESCRIPTION"], "{d}");
            assert_eq!(p[0].line, Some(3));
        }
        // A name written twice: the last counts, and the problem points at it.
        let twice = problems(
            "agent",
            "---\nname: ok\nname: a:b\ndescription: d\n---\nname: body\n",
        );
        assert_eq!(codes(&twice), ["AGENT_NAME_INVALID"]);
        assert_eq!(twice[0].line, Some(3));
        // Blank text is text to Claude Code.
        assert!(ok("---\nname: \"  \"\ndescription: \" \"\n---\n"));
        // A skill's or command's number or true/false loads as text; a list is dropped.
        assert!(problems("command", "---\ndescription: 42\n---\n").is_empty());
        let skill = problems("skill", "---\nname: s\ndescription: true\n---\n");
        assert_eq!(health_of(&skill), Health::Ok, "{skill:?}");
        assert_eq!(
            codes(&problems("command", "---\ndescription: [a]\n---\n")),
            ["FIELD_DROPPED"]
        );
    }

    #[test]
    fn an_mcp_url_claude_code_expands_is_not_judged_before_it_is() {
        let cfg = |u: &str| serde_json::json!({ "type": "http", "url": u });
        assert!(mcp_server_problems(".mcp.json", "a", &cfg("${MCP_URL}")).is_empty());
        assert!(mcp_server_problems(".mcp.json", "a", &cfg("https://h:${PORT}/mcp")).is_empty());
        assert_eq!(
            mcp_server_problems(".mcp.json", "a", &cfg("not a url")).len(),
            1
        );
    }
}
