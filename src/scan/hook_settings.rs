//! Hooks configured in a project's `.claude/settings.json` and `settings.local.json`, read as
//! Claude Code 2.1.x loads them (its schema, `tests/fixtures/claude-code/schema.json`): each hook
//! entry is a unit with its own health; an entry Claude Code ignores is broken, with the reason.

use serde_json::Value;

use super::health::problem;
use crate::model::{ArtifactProblem, Severity};

/// Hook events Claude Code 2.1.332 knows.
pub const HOOK_EVENTS: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PostToolBatch",
    "Notification",
    "UserPromptSubmit",
    "UserPromptExpansion",
    "SessionStart",
    "SessionEnd",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "PostCompact",
    "PreModelSwitch",
    "PostModelSwitch",
    "PermissionRequest",
    "PermissionDenied",
    "Setup",
    "TeammateIdle",
    "TaskCreated",
    "TaskCompleted",
    "Elicitation",
    "ElicitationResult",
    "ConfigChange",
    "WorktreeCreate",
    "WorktreeRemove",
    "InstructionsLoaded",
    "CwdChanged",
    "FileChanged",
    "DirectoryAdded",
    "MessageDisplay",
    "PreSkillShellCommand",
];

/// Hook types Claude Code runs.
pub const HOOK_TYPES: &[&str] = &["command", "prompt", "mcp_tool", "http", "agent"];

/// Events where one invalid entry makes Claude Code ignore the whole settings file.
const FATAL_EVENTS: &[&str] = &["PreToolUse", "PermissionRequest", "PreSkillShellCommand"];

/// One configured hook (or the part of the configuration that stands for the entries under it
/// when it is malformed): its name (`<file>#hooks.<Event>.<i>.hooks.<j>`), its JSON and problems.
#[derive(Debug, Clone, PartialEq)]
pub struct HookUnit {
    /// `settings.json#hooks.PostToolUse.0.hooks.1`.
    pub name: String,
    /// The event it is configured under (`PostToolUse`).
    pub event: String,
    /// The entry as configured.
    pub config: Value,
    /// What Claude Code does with it.
    pub problems: Vec<ArtifactProblem>,
}

/// What a settings file's `hooks` hold: the units, and a problem of the whole file (Claude Code
/// ignores the file) if there is one.
#[derive(Debug, Default)]
pub struct HookSettings {
    /// Every configured hook entry.
    pub units: Vec<HookUnit>,
    /// The file as a whole is ignored by Claude Code (its permissions and other hooks too).
    pub file_problem: Option<ArtifactProblem>,
}

fn dropped(rel: &str, at: &str, why: String, fix: &str) -> ArtifactProblem {
    problem(
        "HOOK_ENTRY_INVALID",
        Severity::Error,
        rel,
        None,
        format!("{at}: {why}, so Claude Code ignores this hook"),
        fix.into(),
    )
}

/// Reads the hooks of settings file `doc` (`rel`: its path in the project, `file`: its name).
/// `script_exists` answers whether a path in the project (e.g. `.claude/hooks/x.sh`) is a file.
pub fn read(
    rel: &str,
    file: &str,
    doc: &Value,
    script_exists: &dyn Fn(&str) -> bool,
) -> HookSettings {
    let mut out = HookSettings::default();
    let Some(top) = doc.as_object() else {
        return out;
    };
    let stray: Vec<&str> = top
        .keys()
        .map(String::as_str)
        .filter(|k| HOOK_EVENTS.contains(k))
        .collect();
    if !stray.is_empty() && !top.contains_key("hooks") {
        out.file_problem = Some(problem("HOOKS_OUTSIDE_HOOKS_KEY", Severity::Error, rel, None, format!(
                "{} declared at the top level, outside the `hooks` object: Claude Code runs none of them",
                stray.join(", ")
            ), "move them into \"hooks\": { \"<Event>\": [ { \"matcher\": \"…\", \"hooks\": [ … ] } ] }".into()));
        return out;
    }
    let Some(hooks) = top.get("hooks") else {
        return out;
    };
    let Some(events) = hooks.as_object() else {
        out.file_problem = Some(dropped(
            rel,
            "hooks",
            "`hooks` is not an object of events".into(),
            "write \"hooks\": { \"<Event>\": [ … ] }",
        ));
        return out;
    };
    let mut fatal = Vec::new();
    for (event, matchers) in events {
        let at = format!("hooks.{event}");
        let before = out.units.len();
        let unknown = (!HOOK_EVENTS.contains(&event.as_str())).then(|| {
            format!("{event:?} is not a hook event Claude Code knows (names are case-sensitive)")
        });
        let Some(list) = matchers.as_array() else {
            let mut p = vec![dropped(
                rel,
                &at,
                "an event must be a list of matchers".into(),
                "write [ { \"matcher\": \"…\", \"hooks\": [ … ] } ]",
            )];
            if let Some(u) = &unknown {
                p.push(dropped(
                    rel,
                    &at,
                    u.clone(),
                    "use an event of Claude Code's hooks reference",
                ));
            }
            out.units.push(HookUnit {
                name: format!("{file}#{at}"),
                event: event.clone(),
                config: matchers.clone(),
                problems: p,
            });
            continue;
        };
        for (i, m) in list.iter().enumerate() {
            let at = format!("{at}.{i}");
            let mut above = Vec::new();
            if let Some(u) = &unknown {
                above.push(dropped(
                    rel,
                    &at,
                    u.clone(),
                    "use an event of Claude Code's hooks reference",
                ));
            }
            if m.get("matcher")
                .is_some_and(|v| !v.is_string() && !v.is_null())
            {
                above.push(dropped(
                    rel,
                    &at,
                    "`matcher` is not text".into(),
                    "write \"matcher\": \"Edit|Write\"",
                ));
            }
            let Some(entries) = m.get("hooks").and_then(Value::as_array) else {
                above.push(dropped(
                    rel,
                    &at,
                    "a matcher needs a `hooks` list of hook entries (a flat entry with `type`/`command` here is not read)".into(),
                    "nest it: { \"matcher\": \"…\", \"hooks\": [ { \"type\": \"command\", \"command\": \"…\" } ] }",
                ));
                out.units.push(HookUnit {
                    name: format!("{file}#{at}"),
                    event: event.clone(),
                    config: m.clone(),
                    problems: above,
                });
                continue;
            };
            for (j, h) in entries.iter().enumerate() {
                let at = format!("{at}.hooks.{j}");
                // The project script the command runs: a problem when it is missing, named in
                // the unit (`runs`) when it is there (the deployed hook artifact).
                let script = h
                    .get("command")
                    .and_then(Value::as_str)
                    .and_then(project_script);
                let found = script.as_deref().is_some_and(script_exists);
                let mut problems = above.clone();
                let missing = script.as_deref().filter(|_| !found);
                problems.extend(entry_problems(rel, &at, h, missing));
                let mut config = h.clone();
                if let (true, Some(s), Some(o)) = (found, script, config.as_object_mut()) {
                    o.insert("runs".into(), Value::String(s));
                }
                out.units.push(HookUnit {
                    name: format!("{file}#{at}"),
                    event: event.clone(),
                    config,
                    problems,
                });
            }
        }
        if FATAL_EVENTS.contains(&event.as_str())
            && out.units[before..]
                .iter()
                .any(|u| u.problems.iter().any(|p| p.severity == Severity::Error))
        {
            fatal.push(event.clone());
        }
    }
    if !fatal.is_empty() {
        out.file_problem = Some(problem(
            "HOOK_SETTINGS_IGNORED",
            Severity::Error,
            rel,
            None,
            format!(
                "an invalid {} hook makes Claude Code ignore the whole file: its permissions and every other hook in it too",
                fatal.join("/")
            ),
            "fix the broken hook entries listed for this file".into(),
        ));
    }
    out
}

/// The hooks an agent declares in its frontmatter (`hooks`, read as a settings file's), as Claude
/// Code 2.1.332 loads them (`nEs`): where a settings file would be ignored whole (`hooks` not an
/// object of events, an invalid hook of a guard event such as PreToolUse, a guard event written
/// outside `hooks`) the agent is not loaded; an invalid hook of another event is dropped and the
/// agent loads without it. `fields` are the frontmatter's; problems name `file`, at `line`.
pub fn agent_problems(
    file: &str,
    fields: &serde_json::Map<String, Value>,
    line: impl Fn(&str) -> Option<u32>,
) -> Vec<ArtifactProblem> {
    let not_loaded = |at: Option<u32>, why: String, fix: &str| {
        problem(
            "AGENT_HOOKS_INVALID",
            Severity::Error,
            file,
            at,
            format!("{why}, so Claude Code does not load the agent"),
            fix.into(),
        )
    };
    let stray: Vec<&str> = FATAL_EVENTS
        .iter()
        .copied()
        .filter(|e| {
            fields
                .get(*e)
                .is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
        })
        .collect();
    if let Some(first) = stray.first() {
        return vec![not_loaded(
            line(first),
            format!(
                "{} is declared at the top of the frontmatter, outside `hooks`",
                stray.join(", ")
            ),
            "move it under `hooks:`",
        )];
    }
    // Claude Code reads no hooks from a value JavaScript takes as false.
    let hooks = match fields.get("hooks") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Vec::new(),
        Some(Value::String(s)) if s.is_empty() => return Vec::new(),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => return Vec::new(),
        Some(h) => h,
    };
    let at = line("hooks");
    let Some(events) = hooks.as_object() else {
        return vec![not_loaded(
            at,
            "`hooks` is not an object of hook events".into(),
            "write hooks: { <Event>: [ { matcher: …, hooks: [ { type: command, command: … } ] } ] }",
        )];
    };
    // An event of `null` is dropped (with a note) and holds no hook.
    let mut events = events.clone();
    events.retain(|_, v| !v.is_null());
    let doc = serde_json::json!({ "hooks": events });
    let mut out = Vec::new();
    for unit in read(file, "frontmatter", &doc, &|_| true).units {
        let fatal = FATAL_EVENTS.contains(&unit.event.as_str());
        for p in unit
            .problems
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
        {
            out.push(if fatal {
                problem(
                    "AGENT_HOOKS_INVALID",
                    Severity::Error,
                    file,
                    at,
                    format!(
                        "in its `hooks`, {}; for a {} hook that means Claude Code does not load the agent",
                        p.message, unit.event
                    ),
                    p.fix,
                )
            } else {
                problem(
                    "AGENT_HOOK_IGNORED",
                    Severity::Warning,
                    file,
                    at,
                    format!("in its `hooks`, {} (the agent loads without it)", p.message),
                    p.fix,
                )
            });
        }
    }
    out
}

/// What each hook type needs and what its optional fields must be (Claude Code's schema,
/// `tests/fixtures/claude-code/schema.json`): `(field, required, what it must be)`, then
/// [`EVERY_HOOK`]'s. Other fields are not read.
const HOOK_FIELDS: &[(&str, &[Field])] = &[
    (
        "command",
        &[
            ("command", true, Shape::Text),
            ("args", false, Shape::TextList),
            ("shell", false, Shape::OneOf(&["bash", "powershell"])),
            ("async", false, Shape::Flag),
            ("asyncRewake", false, Shape::Flag),
        ],
    ),
    (
        "prompt",
        &[
            ("prompt", true, Shape::Text),
            ("model", false, Shape::Text),
            ("continueOnBlock", false, Shape::Flag),
        ],
    ),
    (
        "agent",
        &[("prompt", true, Shape::Text), ("model", false, Shape::Text)],
    ),
    (
        "http",
        &[
            ("url", true, Shape::Url),
            ("headers", false, Shape::TextMap),
            ("allowedEnvVars", false, Shape::TextList),
        ],
    ),
    (
        "mcp_tool",
        &[
            ("server", true, Shape::Text),
            ("tool", true, Shape::Text),
            ("input", false, Shape::Map),
            ("onFailure", false, Shape::OneOf(&["continue", "block"])),
        ],
    ),
];

/// The optional fields every hook type takes.
const EVERY_HOOK: &[Field] = &[
    ("statusMessage", false, Shape::Text),
    ("once", false, Shape::Flag),
];

/// A hook field: its name, whether it is required, and what it must hold.
type Field = (&'static str, bool, Shape);

/// What a hook field must hold.
#[derive(Clone, Copy)]
enum Shape {
    Text,
    TextList,
    TextMap,
    Map,
    Flag,
    Url,
    OneOf(&'static [&'static str]),
}

impl Shape {
    fn fits(self, v: &Value) -> bool {
        match self {
            Shape::Text => v.is_string(),
            Shape::TextList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Shape::TextMap => v
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string)),
            Shape::Map => v.is_object(),
            Shape::Flag => v.is_boolean(),
            Shape::Url => v.as_str().is_some_and(|u| url::Url::parse(u).is_ok()),
            Shape::OneOf(words) => v.as_str().is_some_and(|s| words.contains(&s)),
        }
    }

    fn wanted(self) -> String {
        match self {
            Shape::Text => "text".into(),
            Shape::TextList => "a list of text".into(),
            Shape::TextMap => "an object of text values".into(),
            Shape::Map => "an object".into(),
            Shape::Flag => "true or false".into(),
            Shape::Url => "an absolute URL (https://…)".into(),
            Shape::OneOf(words) => format!("one of {}", words.join(", ")),
        }
    }
}

/// The first field of hook entry `o` (of type `t`) that is missing or of the wrong shape.
fn field_fault(t: &str, o: &serde_json::Map<String, Value>) -> Option<(String, String)> {
    let (_, fields) = HOOK_FIELDS.iter().find(|(name, _)| *name == t)?;
    fields
        .iter()
        .chain(EVERY_HOOK)
        .find_map(|&(field, required, shape)| match o.get(field) {
            None if required => Some((
                format!("a {t} hook needs `{field}`"),
                format!("add \"{field}\": {}", shape.wanted()),
            )),
            Some(v) if !shape.fits(v) => Some((
                format!("`{field}` must be {}", shape.wanted()),
                format!("write \"{field}\" as {}, or leave it out", shape.wanted()),
            )),
            _ => None,
        })
}

/// Problems of one hook entry `h` at `at`; `missing_script`: the project script its command
/// runs, when that does not exist.
fn entry_problems(
    rel: &str,
    at: &str,
    h: &Value,
    missing_script: Option<&str>,
) -> Vec<ArtifactProblem> {
    let mut out = Vec::new();
    let Some(o) = h.as_object() else {
        out.push(dropped(
            rel,
            at,
            "a hook entry must be an object".into(),
            "write { \"type\": \"command\", \"command\": \"…\" }",
        ));
        return out;
    };
    match o.get("type").and_then(Value::as_str) {
        None => out.push(dropped(
            rel,
            at,
            "the entry has no `type`".into(),
            "add \"type\": \"command\" (or prompt, agent, http, mcp_tool)",
        )),
        Some(t) if !HOOK_TYPES.contains(&t) => out.push(dropped(
            rel,
            at,
            format!("{t:?} is not a hook type"),
            "use one of: command, prompt, agent, http, mcp_tool",
        )),
        Some(t) => match field_fault(t, o) {
            Some((why, fix)) => out.push(dropped(rel, at, why, &fix)),
            None => {
                if let Some(script) = missing_script.filter(|_| t == "command") {
                    out.push(problem("HOOK_SCRIPT_MISSING", Severity::Warning, rel, None, format!("{at}: the command runs {script}, which does not exist: Claude Code runs the hook and it fails each time"), format!("create {script}, or point the command at the script's real path")));
                }
            }
        },
    }
    if let Some(t) = o.get("timeout") {
        if !t.as_f64().is_some_and(|n| n > 0.0) {
            out.push(dropped(
                rel,
                at,
                "`timeout` must be a number of seconds above 0".into(),
                "write \"timeout\": 30, or leave it out",
            ));
        }
    }
    out
}

/// The project file a hook command runs, when it names one under `.claude/` as Claude Code's docs
/// write it (`$CLAUDE_PROJECT_DIR/.claude/hooks/x.sh`, `"$CLAUDE_PROJECT_DIR"/…`, `.claude/…`).
fn project_script(command: &str) -> Option<String> {
    let first = command
        .split_whitespace()
        .find(|w| w.contains(".claude/"))?;
    let w = first.trim_matches(|c| c == '"' || c == '\'');
    let start = w.find(".claude/")?;
    let prefix: String = w[..start]
        .chars()
        .filter(|c| !matches!(c, '"' | '\'' | '{' | '}'))
        .collect();
    let prefix = prefix.trim_end_matches('/');
    let ok = prefix.is_empty() || prefix == "." || prefix == "$CLAUDE_PROJECT_DIR";
    let path = w[start..].trim_matches(|c| c == '"' || c == '\'');
    (ok && !path.ends_with('/')).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agents_hooks_keep_it_from_loading_only_where_claude_code_refuses_them() {
        let codes = |yaml: serde_json::Value| -> Vec<(String, Severity)> {
            let fields = yaml.as_object().cloned().unwrap_or_default();
            agent_problems("a.md", &fields, |_| Some(2))
                .into_iter()
                .map(|p| (p.code, p.severity))
                .collect()
        };
        // What JavaScript takes as false holds no hooks; an event of null holds none either.
        for none in [
            serde_json::json!({ "hooks": false }),
            serde_json::json!({ "hooks": "" }),
            serde_json::json!({ "hooks": 0 }),
            serde_json::json!({ "hooks": { "PreToolUse": null } }),
            serde_json::json!({ "PreToolUse": [] }),
        ] {
            assert_eq!(codes(none.clone()), [], "{none}");
        }
        let broken = || ("AGENT_HOOKS_INVALID".to_string(), Severity::Error);
        let outside = serde_json::json!({ "PreSkillShellCommand": [{ "hooks": [] }] });
        assert_eq!(codes(outside), [broken()]);
        assert_eq!(codes(serde_json::json!({ "hooks": true })), [broken()]);
        let guard = serde_json::json!({ "hooks": { "PermissionRequest": [{ "hooks": [{ "type": "nope" }] }] } });
        assert_eq!(codes(guard), [broken()]);
        let other = serde_json::json!({ "hooks": { "Stopp": [{ "hooks": [{ "type": "command", "command": "x" }] }] } });
        assert_eq!(
            codes(other),
            [("AGENT_HOOK_IGNORED".to_string(), Severity::Warning)]
        );
    }

    fn units(doc: &str) -> HookSettings {
        read(
            ".claude/settings.json",
            "settings.json",
            &serde_json::from_str(doc).unwrap(),
            &|p| p == ".claude/hooks/ok.sh",
        )
    }

    #[test]
    fn entries_claude_code_ignores_are_broken_the_others_load() {
        let s = units(
            r#"{"hooks":{"PostToolUse":[{"matcher":"Edit","hooks":[
            {"type":"command","command":"$CLAUDE_PROJECT_DIR/.claude/hooks/ok.sh"},
            {"command":"x"},{"type":"bogus"},{"type":"command"},{"type":"command","command":"y","timeout":0},
            {"type":"command","command":"\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/gone.sh"},
            {"type":"prompt","prompt":"check","command":".claude/hooks/gone.sh"}]}],
            "OnSave":[{"hooks":[{"type":"command","command":"z"}]}],
            "Stop":[{"type":"command","command":"flat"}]}}"#,
        );
        let codes = |name: &str| -> Vec<&str> {
            let u = s.units.iter().find(|u| u.name == name).unwrap();
            u.problems.iter().map(|p| p.code.as_str()).collect()
        };
        let entry = |j: usize| format!("settings.json#hooks.PostToolUse.0.hooks.{j}");
        assert!(codes(&entry(0)).is_empty());
        for j in 1..=4 {
            assert_eq!(codes(&entry(j)), ["HOOK_ENTRY_INVALID"], "{j}");
        }
        assert_eq!(codes(&entry(5)), ["HOOK_SCRIPT_MISSING"]);
        assert!(codes(&entry(6)).is_empty(), "a prompt hook runs no script");
        assert_eq!(
            codes("settings.json#hooks.OnSave.0.hooks.0"),
            ["HOOK_ENTRY_INVALID"]
        );
        let flat = s
            .units
            .iter()
            .find(|u| u.name == "settings.json#hooks.Stop.0")
            .unwrap();
        assert!(flat.problems[0].message.contains("flat"));
        assert!(s.file_problem.is_none());
    }

    #[test]
    fn a_broken_pre_tool_use_hook_makes_the_file_ignored() {
        let s = units(r#"{"hooks":{"PreToolUse":[{"hooks":[{"command":"x"}]}]}}"#);
        assert_eq!(s.file_problem.unwrap().code, "HOOK_SETTINGS_IGNORED");
        let s = units(r#"{"PreToolUse":[]}"#);
        assert_eq!(s.file_problem.unwrap().code, "HOOKS_OUTSIDE_HOOKS_KEY");
        assert!(units(r#"{"permissions":{}}"#).units.is_empty());
    }
}
