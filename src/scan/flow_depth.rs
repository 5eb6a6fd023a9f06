//! How deep YAML flow collections (`[…]`, `{…}`) nest, found without parsing: libyaml's
//! scanner works in time proportional to the flow depth for every token, so a frontmatter of
//! 40,000 `[` took seconds (and a 1 MiB one minutes) before the parser said "recursion limit
//! exceeded". Nesting is counted where YAML starts a flow collection (at a node: a line's
//! start, after `- `, `? ` or `key: `, inside another flow collection), skipping comments,
//! quoted scalars, block scalars and plain scalars continued on more indented lines.

/// The line (1-based) where flow collections first nest deeper than `limit`, if they do.
pub(crate) fn deeper_than(yaml: &str, limit: usize) -> Option<u32> {
    let mut s = Scan {
        limit,
        ..Scan::default()
    };
    for (i, line) in yaml.lines().enumerate() {
        if s.line(line) {
            return Some(i as u32 + 1);
        }
    }
    None
}

/// What the lines read so far leave open.
#[derive(Default)]
struct Scan {
    limit: usize,
    /// Flow depth (0: block context).
    depth: usize,
    /// Inside a quoted scalar: its quote.
    quote: Option<char>,
    /// Inside a block scalar (`|`, `>`): lines indented at least this much are its text.
    block: Option<usize>,
    /// After a plain scalar: lines indented at least this much go on with it.
    plain: Option<usize>,
    /// The last character read in flow context, to tell a node's start.
    prev: char,
}

impl Scan {
    /// Reads one line; true when the depth went over the limit.
    fn line(&mut self, line: &str) -> bool {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let blank = line.trim().is_empty();
        if self.depth > 0 || self.quote.is_some() {
            self.prev = ' ';
            return self.flow(line);
        }
        for open in [&mut self.block, &mut self.plain] {
            match *open {
                Some(n) if blank || indent >= n => return false,
                _ => *open = None,
            }
        }
        let mut rest = line.trim_start();
        let mut keyed = false;
        while let Some(r) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("? ")) {
            (rest, keyed) = (r.trim_start(), true);
        }
        if rest.starts_with('#') || rest.is_empty() || rest == "-" {
            return false;
        }
        // A line starting a flow collection (or a flow key, `[a]: b`) is flow from its start.
        let value = match value_of(rest) {
            Some(v) if !rest.starts_with(['[', '{']) => {
                keyed = true;
                v
            }
            _ => rest,
        };
        // A scalar under a key or `- ` goes on over more indented lines; a bare one (the
        // document's own, or the value of a key on a line above) over any indented line, and
        // at the document's level over every line.
        self.node(value, if keyed { indent + 1 } else { indent.min(1) })
    }

    /// A node starting `v` (after any anchor or tag); a scalar's text goes on over the lines
    /// indented at least `more`.
    fn node(&mut self, v: &str, more: usize) -> bool {
        let mut v = v.trim_start();
        while v.starts_with(['&', '!']) {
            v = v.split_once(' ').map(|(_, r)| r.trim_start()).unwrap_or("");
        }
        match v.chars().next() {
            None | Some('#') => false,
            Some('[' | '{' | '"' | '\'') => {
                self.prev = ' ';
                self.flow(v)
            }
            Some('|' | '>') => {
                self.block = Some(more);
                false
            }
            Some(_) => {
                self.plain = Some(more);
                false
            }
        }
    }

    /// Reads `text` in flow context (or inside a quoted scalar); true when too deep.
    fn flow(&mut self, text: &str) -> bool {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(q) = self.quote {
                let escaped = q == '"' && c == '\\';
                if escaped || (c == q && q == '\'' && chars.peek() == Some(&'\'')) {
                    chars.next();
                } else if c == q {
                    self.quote = None;
                    if self.depth == 0 {
                        return false;
                    }
                    self.prev = '"';
                }
                continue;
            }
            let at_node = matches!(self.prev, ' ' | '\t' | '[' | '{' | ',' | ':');
            match c {
                '"' | '\'' if at_node => self.quote = Some(c),
                '#' if matches!(self.prev, ' ' | '\t') => return false,
                '[' | '{' => {
                    self.depth += 1;
                    if self.depth > self.limit {
                        return true;
                    }
                }
                ']' | '}' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return false;
                    }
                }
                _ => {}
            }
            // `:` starts a value at once only after a quoted key (`{"a":"b"}`); elsewhere
            // (`a:"b"`) it is part of a plain scalar.
            self.prev = if c == ':' && self.prev != '"' { 'a' } else { c };
        }
        false
    }
}

/// The value after a block mapping key (`key: value`, `"key": value`), if `s` has one.
fn value_of(s: &str) -> Option<&str> {
    let key_end = match s.chars().next() {
        Some(q @ ('"' | '\'')) => s[1..].find(q).map(|i| i + 2)?,
        _ => 0,
    };
    let rest = &s[key_end..];
    let colon = rest
        .match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| rest[i + 1..].is_empty() || rest[i + 1..].starts_with([' ', '\t']))?;
    Some(&rest[colon + 1..])
}

#[cfg(test)]
mod tests {
    use super::deeper_than;

    #[test]
    fn counts_flow_nesting_only_where_yaml_sees_it() {
        let deep = format!("a: {}\n", "[".repeat(200));
        assert_eq!(deeper_than(&deep, 128), Some(1));
        assert_eq!(
            deeper_than(&format!("a: b\nc:\n  - {}", "{".repeat(129)), 128),
            Some(3)
        );
        assert_eq!(
            deeper_than(&format!("a: [{}]", "[x], ".repeat(500)), 128),
            None
        );
        assert_eq!(deeper_than("a: [\n  [\n    [1]]]\nb: [", 2), Some(3));
        let key_after = format!("{}x: [y]", "[".repeat(200));
        assert_eq!(deeper_than(&key_after, 128), Some(1));
        // Text, not structure: block, quoted and plain scalars, comments, mid-word quotes.
        let many = "[".repeat(300);
        for yaml in [
            format!("a: |\n  {many}\n\n  {many}\nb: 1"),
            format!("a: \"x\n  {many}\"\nb: '{many}'"),
            format!("a: words\n  {many}\n  more"),
            format!("a: 1 # {many}\nb: [x] # {many}"),
            format!("a: [it's, \"{many}\", '{many}', x # {many}"),
            format!("- \"{many}\"\n- &x [a]\n- !!str plain {many}"),
            format!("plain\n{many}"),
            format!("{{\"a\":\"{many}\"}}"),
        ] {
            assert_eq!(deeper_than(&yaml, 128), None, "{yaml}");
        }
    }
}
