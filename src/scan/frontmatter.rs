//! YAML frontmatter of Markdown artifacts, read strictly first and leniently when YAML rejects it.

use serde_json::{Map, Value};

use crate::model::{list_value, text_value};

/// What the frontmatter of a Markdown file yields.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Frontmatter {
    /// All keys, converted to JSON (non-string keys become strings).
    pub fields: Map<String, Value>,
    /// Whether the file had a frontmatter block at all.
    pub present: bool,
    /// Set when the block is not valid YAML even after Claude Code's repair (see [`repair`]):
    /// `(line in the file, reason)`. `fields` then holds what a line-by-line `key: value`
    /// reading could recover.
    pub error: Option<(u32, String)>,
    /// Lines of the file (1-based) that Claude Code's repair quoted or de-tabbed to make the block
    /// parse; empty when it parsed as written. `fields` are then the repaired block's.
    pub repaired: Vec<u32>,
    /// The first line of body text, used as a description when the frontmatter has none.
    pub first_line: Option<String>,
}

impl Frontmatter {
    /// A string field, trimmed, or `None` when absent or empty. Numbers are rendered as text.
    pub fn string(&self, key: &str) -> Option<String> {
        text_value(self.fields.get(key)?)
    }

    /// A list field, accepting a YAML list or a comma-separated string.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.fields.get(key).map(list_value).unwrap_or_default()
    }
}

/// Splits and parses the frontmatter of `text`.
pub fn parse(text: &str) -> Frontmatter {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some((start, yaml, body)) = split_block(text) else {
        return Frontmatter {
            first_line: first_body_line(text),
            ..Default::default()
        };
    };
    // Lines of the block are numbered from 1; the file's are `shift` more.
    let shift = start - 1;
    let mut fm = Frontmatter {
        present: true,
        first_line: first_body_line(body.unwrap_or("")),
        ..Default::default()
    };
    if body.is_none() {
        fm.error = Some((
            1,
            "frontmatter starts with `---` but no `---` closes it".into(),
        ));
        fm.fields = lenient(yaml);
        return fm;
    }
    if yaml.trim().is_empty() {
        return fm;
    }
    if let Some(at) = super::flow_depth::deeper_than(yaml, MAX_FLOW_DEPTH) {
        // The parser would fail the same way, after a time growing with the square of the depth.
        invalid(&mut fm, yaml, "recursion limit exceeded".into(), at, shift);
        return fm;
    }
    match parse_yaml(yaml) {
        Ok(serde_yaml_ng::Value::Mapping(m)) => {
            for (k, v) in m {
                fm.fields.insert(key_string(&k), to_json(v));
            }
        }
        Ok(serde_yaml_ng::Value::Null) => {}
        Ok(_) => {
            fm.error = Some((start, "frontmatter is not a `key: value` mapping".into()));
        }
        Err(e) => {
            if let Some((fields, lines)) = parse_repaired(yaml) {
                fm.fields = fields;
                fm.repaired = lines.into_iter().map(|l| l + shift).collect();
                return fm;
            }
            let reason = e.to_string();
            let reason = reason
                .split(" at line ")
                .next()
                .unwrap_or(&reason)
                .to_string();
            let reported = e.location().map(|l| l.line() as u32).unwrap_or(1);
            invalid(&mut fm, yaml, reason, reported, shift);
        }
    }
    fm
}

/// Whitespace as JavaScript's `\s` matches it (Claude Code finds the block with a JS regex):
/// Unicode's white space and the byte order mark, but not U+0085.
fn js_space(c: char) -> bool {
    c != '\u{85}' && (c.is_whitespace() || c == '\u{feff}')
}

/// The frontmatter block of `text` as Claude Code finds it (`/^---\s*\n([\s\S]*?)---\s*\n?/`):
/// `---` on the first line (then only whitespace up to a line end), and everything up to the
/// next `---`, wherever it is: at the start of a line, inside a value (`a --- b`) or as the
/// first three of `----`. Returns the line the block starts on (1-based), the block, and the
/// body after it (`None` when no `---` closes it), or `None` when the file has no block.
pub(crate) fn split_block(text: &str) -> Option<(u32, &str, Option<&str>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let after = text.strip_prefix("---")?;
    let space = after.len() - after.trim_start_matches(js_space).len();
    let open = after[..space].rfind('\n')? + 1;
    let start = 3 + open;
    let line = text[..start].matches('\n').count() as u32 + 1;
    let rest = &text[start..];
    Some(match rest.find("---") {
        Some(end) => (
            line,
            &rest[..end],
            Some(rest[end + 3..].trim_start_matches(js_space)),
        ),
        None => (line, rest, None),
    })
}

/// Parses a YAML block as Claude Code's parser (Bun's) reads it: a key written twice in a
/// mapping, at any depth, keeps its last value (in the place of its first). What is written
/// under an earlier copy is still parsed, so an error there is still one.
fn parse_yaml(yaml: &str) -> Result<serde_yaml_ng::Value, serde_yaml_ng::Error> {
    serde_yaml_ng::from_str::<LastWins>(yaml).map(|v| v.0)
}

/// A YAML value whose mappings keep the last value of a repeated key (serde's `Value` refuses
/// one: `duplicate entry with key`).
struct LastWins(serde_yaml_ng::Value);

impl<'de> serde::Deserialize<'de> for LastWins {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LastWinsVisitor)
    }
}

/// Builds [`LastWins`] as serde_yaml_ng builds its `Value`, but for repeated keys.
struct LastWinsVisitor;

impl<'de> serde::de::Visitor<'de> for LastWinsVisitor {
    type Value = LastWins;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<LastWins, E> {
        Ok(LastWins(serde_yaml_ng::Value::Bool(b)))
    }
    fn visit_i64<E>(self, i: i64) -> Result<LastWins, E> {
        Ok(LastWins(serde_yaml_ng::Value::Number(i.into())))
    }
    fn visit_u64<E>(self, u: u64) -> Result<LastWins, E> {
        Ok(LastWins(serde_yaml_ng::Value::Number(u.into())))
    }
    fn visit_f64<E>(self, f: f64) -> Result<LastWins, E> {
        Ok(LastWins(serde_yaml_ng::Value::Number(f.into())))
    }
    fn visit_str<E>(self, s: &str) -> Result<LastWins, E> {
        Ok(LastWins(serde_yaml_ng::Value::String(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<LastWins, E> {
        Ok(LastWins(serde_yaml_ng::Value::String(s)))
    }
    fn visit_unit<E>(self) -> Result<LastWins, E> {
        Ok(LastWins(serde_yaml_ng::Value::Null))
    }
    fn visit_none<E>(self) -> Result<LastWins, E> {
        Ok(LastWins(serde_yaml_ng::Value::Null))
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<LastWins, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<LastWins, A::Error> {
        let mut items = Vec::new();
        while let Some(LastWins(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(LastWins(serde_yaml_ng::Value::Sequence(items)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<LastWins, A::Error> {
        let mut m = serde_yaml_ng::Mapping::new();
        while let Some(LastWins(k)) = map.next_key()? {
            let LastWins(v) = map.next_value()?;
            m.insert(k, v);
        }
        Ok(LastWins(serde_yaml_ng::Value::Mapping(m)))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<LastWins, A::Error> {
        use serde::de::{Error, VariantAccess};
        let (tag, contents): (String, _) = data.variant()?;
        if tag.is_empty() {
            return Err(A::Error::custom("empty YAML tag is not allowed"));
        }
        let LastWins(value) = contents.newtype_variant()?;
        Ok(LastWins(serde_yaml_ng::Value::Tagged(Box::new(
            serde_yaml_ng::value::TaggedValue {
                tag: serde_yaml_ng::value::Tag::new(tag),
                value,
            },
        ))))
    }
}

/// Characters that make Claude Code quote a value when it repairs a block (with `: `).
const REPAIR_TRIGGERS: &[char] = &[
    '{', '}', '[', ']', '*', '&', '#', '!', '|', '>', '%', '@', '`',
];

/// Claude Code's repair of a frontmatter block YAML rejects (2.1.x, `tests/fixtures/claude-code`):
/// each leading tab becomes two spaces, and every line `key: value` (a key of ASCII letters, `_`
/// and `-` at the start of the line) whose value holds `: ` or one of ``{}[]*&#!|>%@` `` is
/// quoted, unless the value is already quoted or is a valid flow list. Returns the block and the
/// 1-based lines it changed.
pub fn repair(yaml: &str) -> (String, Vec<u32>) {
    let mut changed = Vec::new();
    let lines: Vec<String> = yaml
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            let tabs = line.len() - line.trim_start_matches('\t').len();
            let line = format!("{}{}", "  ".repeat(tabs), &line[tabs..]);
            let out = quote_line(&line).unwrap_or_else(|| line.clone());
            if tabs > 0 || out != line {
                changed.push(i as u32 + 1);
            }
            out
        })
        .collect();
    (lines.join("\n"), changed)
}

/// `key: "value"` for a line Claude Code's repair quotes, `None` for one it keeps.
fn quote_line(line: &str) -> Option<String> {
    let key_end = line.find(|c: char| !(c.is_ascii_alphabetic() || c == '_' || c == '-'))?;
    let (key, rest) = line.split_at(key_end);
    let rest = rest.strip_prefix(':')?;
    // `:\s+(\S.*)$` in JavaScript: `.` stops at a line terminator, so a CRLF line never matches.
    let value = rest.trim_start();
    if key.is_empty()
        || value.len() == rest.len()
        || value.is_empty()
        || value.contains(['\r', '\u{2028}', '\u{2029}'])
    {
        return None;
    }
    let quoted = |q: char| value.len() >= 2 && value.starts_with(q) && value.ends_with(q);
    if quoted('"') || quoted('\'') || (value.len() == 1 && (value == "\"" || value == "'")) {
        return None;
    }
    if value.starts_with('[')
        && value.ends_with(']')
        && matches!(
            serde_yaml_ng::from_str::<serde_yaml_ng::Value>(value),
            Ok(serde_yaml_ng::Value::Sequence(_))
        )
    {
        return None;
    }
    if !(value.contains(": ") || value.contains(REPAIR_TRIGGERS)) {
        return None;
    }
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    Some(format!("{key}: \"{escaped}\""))
}

/// The fields of `yaml` after Claude Code's repair, with the lines it changed; `None` when the
/// repaired block still does not parse (or changes nothing).
fn parse_repaired(yaml: &str) -> Option<(Map<String, Value>, Vec<u32>)> {
    let (fixed, lines) = repair(yaml);
    if lines.is_empty() {
        return None;
    }
    match parse_yaml(&fixed) {
        Ok(serde_yaml_ng::Value::Mapping(m)) => Some((
            m.into_iter()
                .map(|(k, v)| (key_string(&k), to_json(v)))
                .collect(),
            lines,
        )),
        _ => None,
    }
}

/// Deepest nesting of flow collections parsed: the YAML parser's own recursion limit.
const MAX_FLOW_DEPTH: usize = 128;

/// Records that `yaml` is invalid (`reason`, reported by the parser at line `reported` of the
/// block, which starts `shift` lines into the file) and keeps the fields a line-by-line reading
/// recovers.
fn invalid(fm: &mut Frontmatter, yaml: &str, reason: String, reported: u32, shift: u32) {
    let line = shift + error_line(yaml, reported);
    fm.error = Some((line, format!("frontmatter is not valid YAML: {reason}")));
    fm.fields = lenient(yaml);
}

/// The line (1-based, in the YAML block) a person should look at for a YAML error the parser
/// reported at `reported`: where a YAML 1.2 parser reports its first error (see
/// [`first_suspicious_line`]), which is not always where this parser gave up.
fn error_line(yaml: &str, reported: u32) -> u32 {
    first_suspicious_line(yaml).unwrap_or(reported)
}

fn top_level_key(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t', '-', '#']) {
        return None;
    }
    let (k, _) = line.split_once(':')?;
    let k = k.trim().trim_matches(|c| c == '"' || c == '\'');
    (!k.is_empty()).then_some(k)
}

/// Where a YAML 1.2 parser reports the first error of an invalid block, guessed line by line:
/// a flow collection left open or followed by more text, a `key: value: more` compact mapping, a
/// plain value starting with a reserved indicator or `- `, text after a closing quote, and a
/// quoted scalar never closed (reported at the end of the block, where the parser runs out).
fn first_suspicious_line(yaml: &str) -> Option<u32> {
    let lines: Vec<&str> = yaml.lines().collect();
    // An open quoted scalar: (quote, line it started on).
    let mut open: Option<(char, usize)> = None;
    // The last top-level value was a complete scalar: an indented `key: value` after it cannot
    // belong to it.
    let mut after_scalar: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        if let Some((q, start)) = open {
            if let Some(end) = closing_quote(l, q) {
                open = None;
                let after = l[end + 1..].trim_start();
                if !after.is_empty() && !after.starts_with('#') {
                    return Some(start as u32 + 1);
                }
            }
            continue;
        }
        if top_level_key(l).is_none() {
            if let Some(start) = after_scalar
                .filter(|_| l.starts_with(' ') && (l.contains(": ") || l.trim_end().ends_with(':')))
            {
                // Reported where the value began, as YAML 1.2 parsers do.
                return Some(start as u32 + 1);
            }
            continue;
        };
        let Some((_, v)) = l.split_once(':') else {
            continue;
        };
        let v = v.trim();
        after_scalar = (!v.is_empty() && !v.starts_with(['|', '>', '#'])).then_some(i);
        let bad = if let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') {
            match closing_quote(&v[1..], q) {
                Some(end) => {
                    let after = v[1 + end + 1..].trim_start();
                    !after.is_empty() && !after.starts_with('#')
                }
                None => {
                    open = Some((q, i));
                    false
                }
            }
        } else if v.starts_with(['[', '{']) {
            !balanced_then_nothing(v)
        } else if v.starts_with(['@', '`', '%']) || v.starts_with("- ") {
            true
        } else if v.starts_with(['|', '>', '&', '!', '*', '#']) || v.is_empty() {
            false
        } else {
            v.contains(": ") || v.ends_with(':')
        };
        if bad {
            return Some(i as u32 + 1);
        }
    }
    open.map(|_| lines.len().max(1) as u32)
}

/// The byte index in `s` of the quote `q` that closes a scalar (`\\` escapes in double quotes,
/// `''` in single quotes).
fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if q == '"' && c == '\\' {
            chars.next();
        } else if c == q {
            if q == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
                continue;
            }
            return Some(i);
        }
    }
    None
}

/// Whether a flow collection starting `v` closes on this line with nothing but a comment after.
fn balanced_then_nothing(v: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in v.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    let after = v[i + 1..].trim_start();
                    return after.is_empty() || after.starts_with('#');
                }
            }
            _ => {}
        }
    }
    false
}

/// Line-by-line `key: value` reading of top-level keys, for frontmatter YAML rejects.
fn lenient(yaml: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for line in yaml.lines() {
        if line.starts_with([' ', '\t', '-', '#']) {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim();
            if k.is_empty()
                || !k
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            {
                continue;
            }
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
            if !v.is_empty() && v != "|" && v != ">" {
                out.insert(k.to_string(), Value::String(v.to_string()));
            }
        }
    }
    out
}

fn first_body_line(body: &str) -> Option<String> {
    body.lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty() && !l.starts_with("<!--") && *l != "---")
        .map(|l| l.chars().take(300).collect())
}

fn key_string(k: &serde_yaml_ng::Value) -> String {
    match k {
        serde_yaml_ng::Value::String(s) => s.clone(),
        serde_yaml_ng::Value::Number(n) => n.to_string(),
        serde_yaml_ng::Value::Bool(b) => b.to_string(),
        other => serde_yaml_ng::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn to_json(v: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(n.to_string()))
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (key_string(&k), to_json(v)))
                .collect(),
        ),
        Y::Tagged(t) => to_json(t.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_errors_are_reported_where_yaml_1_2_parsers_report_them() {
        let line = |t: &str| parse(t).error.map(|(l, _)| l);
        // What is written under a repeated key goes with it: a list at column 0, a block scalar
        // with a blank line in a CRLF file.
        let list = parse("---\nname: a\ndescription: d\ntools:\n- Read\ntools:\n- Bash\n---\n");
        assert_eq!(
            (list.error.clone(), list.list("tools")),
            (None, vec!["Bash".to_string()])
        );
        let crlf = parse("---\r\ndescription: |\r\n  a\r\n\r\n  b\r\ndescription: x\r\n---\r\n");
        assert_eq!(
            (crlf.error.clone(), crlf.string("description")),
            (None, Some("x".into()))
        );
        // Many copies are read in one parse.
        let many = format!("---\n{}---\n", "a: 1\n".repeat(20_000));
        assert_eq!(parse(&many).error, None);
        // In a nested mapping too (Claude Code 2.1.332 loads these: tests/fixtures/claude-code),
        // and an error under an earlier copy still counts.
        let nested = parse("---\nname: a\nmetadata:\n  k: 1\n  j: 2\n  k: 3\n---\n");
        assert_eq!(nested.error, None);
        assert_eq!(
            nested.fields["metadata"],
            serde_json::json!({ "k": 3, "j": 2 })
        );
        let Ok(serde_yaml_ng::Value::Mapping(m)) = parse_yaml("k: 1\nj: 2\nk: 3\n") else {
            panic!("not a mapping")
        };
        let keys: Vec<_> = m.keys().filter_map(serde_yaml_ng::Value::as_str).collect();
        assert_eq!(
            keys,
            ["k", "j"],
            "the last value, in the place of the first"
        );
        let hooks = parse("---\nhooks:\n  Stop:\n    - matcher: a\n      matcher: b\n---\n");
        assert_eq!(hooks.error, None);
        assert_eq!(hooks.fields["hooks"]["Stop"][0]["matcher"], "b");
        assert!(line("---\nname: a\nmetadata:\n  k: [1\n  k: 2\n---\n").is_some());
        // A key written twice is no error: the last value counts, as Bun's YAML reads it.
        let twice = parse(
            "---\nname: a\nmodel: x\nname: b\ndescription: |\n  one\ndescription: two\n---\n",
        );
        assert_eq!(twice.error, None);
        assert_eq!(twice.string("name").as_deref(), Some("b"));
        assert_eq!(twice.string("description").as_deref(), Some("two"));
        assert_eq!(twice.string("model").as_deref(), Some("x"));
        // A compact nested mapping in a plain value, an open flow sequence, text after `]`
        // (under keys Claude Code's repair does not take: it quotes keys of letters, `_`, `-`).
        assert_eq!(
            line("---\nname: a\ndescription2: Use when: asked\n---\n"),
            Some(3)
        );
        assert_eq!(line("---\nname: a\ntags2: [a, b\nmodel: x\n---\n"), Some(3));
        assert_eq!(line("---\nname: a\nhint2: [x] | [y]\n---\n"), Some(3));
        // An unclosed quote runs to the end of the block, where the parser runs out.
        assert_eq!(line("---\nname: \"a\nmodel: x\ntags: y\n---\n"), Some(4));
        // A multi-line quoted value is fine.
        assert_eq!(line("---\nname: \"a\n  b\"\nmodel: x\n---\n"), None);
    }

    #[test]
    fn the_block_ends_at_the_next_three_dashes_as_claude_codes_regex_finds_it() {
        let name = |t: &str| parse(t).string("name");
        // `----` and `--- end` close it; so does `---` inside a value (the rest is body).
        assert_eq!(name("---\nname: rev\n----\nBody\n").as_deref(), Some("rev"));
        assert_eq!(
            name("---\nname: rev\n--- end\nBody\n").as_deref(),
            Some("rev")
        );
        let cut = parse("---\nname: rev\nhint: a --- b\ndescription: Reviews\n---\nBody\n");
        assert_eq!(cut.string("hint").as_deref(), Some("a"));
        assert_eq!(cut.string("description"), None);
        // `...` does not close it (YAML's document end is not Claude Code's).
        let dots = parse("---\nname: rev\ndescription: Reviews\n...\nBody\n");
        assert!(dots.present);
        assert_eq!(dots.error.map(|(l, _)| l), Some(1));
        // Blank lines after the opening `---`: lines keep their numbers in the file.
        let late = parse("---\n\n\nname: a\ndescription2: Use when: asked\n---\n");
        assert_eq!(late.error.map(|(l, _)| l), Some(5));
        // `---x` or text after the opening dashes: no block.
        assert!(!parse("---x\nname: a\n---\n").present);
        assert!(!parse("--- a\nname: a\n---\n").present);
        // CRLF and trailing spaces on the fences.
        assert_eq!(
            name("---  \r\nname: a\r\n---  \r\nBody").as_deref(),
            Some("a")
        );
        // The body's first line after the block.
        assert_eq!(
            parse("---\nname: a\n---\n\n# Title\n")
                .first_line
                .as_deref(),
            Some("Title")
        );
    }

    #[test]
    fn claude_codes_repair_quotes_what_it_quotes_and_nothing_else() {
        let fm = parse(
            "---\ndescription: Deploy: to staging\nargument-hint: [pr-number] [priority]\ntags: [a, b]\nq: \"x: y\"\n---\n",
        );
        assert_eq!(fm.error, None);
        assert_eq!(fm.repaired, vec![2, 3]);
        assert_eq!(
            fm.string("description").as_deref(),
            Some("Deploy: to staging")
        );
        assert_eq!(
            fm.string("argument-hint").as_deref(),
            Some("[pr-number] [priority]")
        );
        assert_eq!(fm.list("tags"), vec!["a", "b"]);
        // Leading tabs become two spaces each.
        let fm = parse("---\nmetadata:\n\tauthor: Ann\n---\n");
        assert_eq!(fm.error, None);
        assert_eq!(fm.repaired, vec![3]);
        // Backslashes and quotes are escaped inside the quotes it adds.
        let (fixed, _) = repair("d: a \\ \"b\": c");
        assert_eq!(fixed, "d: \"a \\\\ \\\"b\\\": c\"");
        // What it does not take: digits in keys.
        assert!(parse("---\nkey2: a: b\n---\n").error.is_some());
    }

    #[test]
    fn reads_fields_lists_and_blocks() {
        let fm = parse(
            "---\nname: my-skill\ndescription: |\n  Line one\n  line two\nversion: 1.2\ntags: [a, b]\ntools: Read, Grep\nauthor:\n  name: Ann\n---\n# Title\nbody\n",
        );
        assert!(fm.present && fm.error.is_none());
        assert_eq!(fm.string("name").as_deref(), Some("my-skill"));
        assert_eq!(
            fm.string("description").as_deref(),
            Some("Line one\nline two")
        );
        assert_eq!(fm.string("version").as_deref(), Some("1.2"));
        assert_eq!(fm.list("tags"), vec!["a", "b"]);
        assert_eq!(fm.list("tools"), vec!["Read", "Grep"]);
        assert_eq!(fm.string("author").as_deref(), Some("Ann"));
        assert_eq!(fm.first_line.as_deref(), Some("Title"));
    }

    #[test]
    fn bad_yaml_reports_line_and_recovers_keys() {
        let fm = parse("---\nname: x\ndescription: Use when: a: b\n  - [oops\n---\nbody");
        let (line, reason) = fm.error.clone().unwrap();
        assert!(line >= 2, "{line}");
        assert!(reason.contains("YAML"), "{reason}");
        assert_eq!(fm.string("name").as_deref(), Some("x"));
    }

    #[test]
    fn no_frontmatter_uses_first_line() {
        let fm = parse("# Deploy checklist\n\nDo things");
        assert!(!fm.present);
        assert_eq!(fm.first_line.as_deref(), Some("Deploy checklist"));
        let fm = parse("---\nname: x\n");
        assert!(fm.error.is_some());
    }
}
