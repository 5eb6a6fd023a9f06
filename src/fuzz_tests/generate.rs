//! Structure-aware generators: documents that get past the syntax to the code reading them
//! (TOML tables and JSON objects with the keys the parsers know, YAML frontmatter, version
//! strings and source specs from their grammars, search text).

use super::Rng;

/// Words that the parsers look for, or that make realistic values.
const WORDS: &[&str] = &[
    "pdf",
    "code-reviewer",
    "skill",
    "skills",
    "command",
    "agent",
    "agents",
    "hook",
    "mcp",
    "mcp_server",
    "plugin",
    "latest",
    "main",
    "v1.2.0",
    "1.0.0-rc.1",
    "*",
    "Read",
    "Bash(git:*)",
    "mcp__x__y",
    "LS",
    "acme/skills",
    "acme/skills/pdf@v1",
    "https://github.com/o/r",
    "sha256:AB",
    "c0ffee1234567890abcdef1234567890abcdef12",
    "",
    " ",
    "a::skill",
    "Café",
    "名前",
    "🔥",
];

/// A short string: a known word, a random one, or a few words.
pub(crate) fn word(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 | 1 => rng.pick(WORDS).to_string(),
        2 => (0..1 + rng.below(12))
            .map(|_| rng.pick(b"abcxyz-_./:@ 019AZ\"'\\#") as char)
            .collect(),
        _ => (0..1 + rng.below(4))
            .map(|_| rng.pick(WORDS))
            .collect::<Vec<_>>()
            .join(rng.pick(&[" ", ", ", "/", "-", "\n"])),
    }
}

fn escaped(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Fewer than `most` items made by `item`, joined by `sep` between `open` and `close`.
fn joined(
    rng: &mut Rng,
    most: usize,
    [open, sep, close]: [&str; 3],
    item: impl Fn(&mut Rng) -> String,
) -> String {
    let items: Vec<String> = (0..rng.below(most)).map(|_| item(rng)).collect();
    format!("{open}{}{close}", items.join(sep))
}

/// A TOML value (`depth` bounds nested arrays and inline tables).
fn toml_value(rng: &mut Rng, keys: &[&str], depth: usize) -> String {
    match rng.below(if depth == 0 { 6 } else { 8 }) {
        0 | 1 => format!("\"{}\"", escaped(&word(rng))),
        2 => format!("'{}'", word(rng).replace(['\'', '\n'], "")),
        3 => rng
            .pick(&[
                "0",
                "-1",
                "42",
                "9223372036854775807",
                "1.5",
                "-0.0",
                "inf",
                "nan",
                "1e308",
            ])
            .to_string(),
        4 => rng.pick(&["true", "false"]).to_string(),
        5 => rng
            .pick(&[
                "1979-05-27T07:32:00Z",
                "1979-05-27",
                "07:32:00",
                "2025-09-14T10:02:11.5+01:00",
            ])
            .to_string(),
        6 => joined(rng, 5, ["[", ", ", "]"], |rng| {
            toml_value(rng, keys, depth - 1)
        }),
        _ => joined(rng, 4, ["{ ", ", ", " }"], |rng| {
            format!("{} = {}", rng.pick(keys), toml_value(rng, keys, depth - 1))
        }),
    }
}

/// A TOML document of `[table]`s and `[[table]]`s named from `tables`, keyed from `keys`.
pub(crate) fn toml_doc(rng: &mut Rng, tables: &[&str], keys: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    for _ in 0..1 + rng.below(6) {
        let name = rng.pick(tables);
        match rng.below(3) {
            0 => out.push_str(&format!("[{name}]\n")),
            1 => out.push_str(&format!("[[{name}]]\n")),
            _ => out.push_str(&format!("[\"{}\"]\n", escaped(&word(rng)))),
        }
        for _ in 0..rng.below(8) {
            let v = toml_value(rng, keys, 2);
            out.push_str(&format!("{} = {v}\n", rng.pick(keys)));
        }
    }
    out.into_bytes()
}

/// A JSON value keyed from `keys` (`depth` bounds nesting).
pub(crate) fn json_value(rng: &mut Rng, keys: &[&str], depth: usize) -> String {
    match rng.below(if depth == 0 { 4 } else { 7 }) {
        0 | 1 => format!("\"{}\"", escaped(&word(rng))),
        2 => rng
            .pick(&[
                "0",
                "-1",
                "1.5e3",
                "1e400",
                "-0",
                "18446744073709551616",
                "true",
                "false",
                "null",
            ])
            .to_string(),
        3 => "\"\\ud83d\\udd25\\u0000\"".to_string(),
        4 => joined(rng, 5, ["[", ",", "]"], |rng| {
            json_value(rng, keys, depth - 1)
        }),
        _ => joined(rng, 7, ["{", ",", "}"], |rng| {
            format!(
                "\"{}\":{}",
                rng.pick(keys),
                json_value(rng, keys, depth - 1)
            )
        }),
    }
}

/// A Markdown file with YAML frontmatter keyed from `keys` (block scalars, flow and block lists,
/// nested maps, anchors and aliases, quotes), then a body.
pub(crate) fn frontmatter(rng: &mut Rng, keys: &[&str]) -> Vec<u8> {
    let mut out = String::from("---\n");
    for _ in 0..rng.below(8) {
        let key = rng.pick(keys);
        let value = match rng.below(9) {
            0 => format!(" {}", word(rng)),
            1 => format!(" \"{}\"", escaped(&word(rng))),
            2 => format!(" |\n  {}\n  {}", word(rng), word(rng)),
            3 => format!(" >-\n  {}", word(rng)),
            4 => format!(" [{}, {}]", word(rng), word(rng)),
            5 => format!("\n  - {}\n  - {}", word(rng), word(rng)),
            6 => format!("\n  name: {}\n  url: {}", word(rng), word(rng)),
            7 => format!(" &a {}", word(rng)),
            _ => " *a".to_string(),
        };
        out.push_str(&format!("{key}:{value}\n"));
    }
    if !rng.one_in(8) {
        out.push_str(rng.pick(&["---\n", "...\n", "--- \r\n"]));
    }
    out.push_str(&format!("# {}\n\n{}\n", word(rng), word(rng)));
    out.into_bytes()
}

fn number(rng: &mut Rng) -> String {
    rng.pick(&[
        "0",
        "1",
        "2",
        "10",
        "01",
        "42",
        "9007199254740991",
        "9007199254740992",
        "18446744073709551616",
        "x",
        "*",
    ])
    .to_string()
}

fn idents(rng: &mut Rng) -> String {
    (0..1 + rng.below(3))
        .map(|_| {
            rng.pick(&[
                "alpha",
                "beta",
                "rc",
                "0",
                "1",
                "01",
                "x-y",
                "",
                "9007199254740992",
            ])
            .to_string()
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A version string: `[v|=|^|~|>=]MAJOR[.MINOR[.PATCH]][-PRE][+BUILD]`, or a SHA.
pub(crate) fn version(rng: &mut Rng) -> String {
    if rng.one_in(5) {
        let len = [7, 8, 12, 39, 40, 41][rng.below(6)];
        return (0..len)
            .map(|_| rng.pick(b"0123456789abcdefABCDEF") as char)
            .collect();
    }
    let mut s = rng
        .pick(&["", "", "v", "V", "=", "^", "~", ">=", "< ", " v"])
        .to_string();
    let parts = 1 + rng.below(4);
    s.push_str(
        &(0..parts)
            .map(|_| number(rng))
            .collect::<Vec<_>>()
            .join("."),
    );
    maybe(rng, 3, &mut s, '-', idents);
    maybe(rng, 4, &mut s, '+', idents);
    s
}

/// Once in `n` times, `sep` and a `part` appended to `s`.
fn maybe(rng: &mut Rng, n: usize, s: &mut String, sep: char, part: fn(&mut Rng) -> String) {
    if rng.one_in(n) {
        s.push(sep);
        s.push_str(&part(rng));
    }
}

/// A source spec from its grammar (short form or URL, tree/blob refs, `@version`), on the first
/// line, and a version spec on the second.
pub(crate) fn source_spec(rng: &mut Rng) -> Vec<u8> {
    let mut s = rng
        .pick(&[
            "",
            "",
            "github.com/",
            "https://github.com/",
            "http://www.github.com/",
            "ftp://github.com/",
            "HTTPS://GitHub.com/",
            "gitlab.com/",
        ])
        .to_string();
    s.push_str(rng.pick(&["acme", "a-b", "-x", "o", "a.b", "x".repeat(40).as_str()]));
    s.push('/');
    s.push_str(rng.pick(&["skills", "r.git", "..", ".", "a_b.c", ""]));
    if rng.one_in(3) {
        s.push_str(rng.pick(&["/tree/", "/blob/"]));
        s.push_str(&word(rng));
    }
    for _ in 0..rng.below(4) {
        s.push('/');
        s.push_str(rng.pick(&["pdf", "skills", "..", "@scope", "a b", "x?y=1", "#frag"]));
    }
    maybe(rng, 2, &mut s, '@', version);
    maybe(rng, 2, &mut s, '\n', version);
    s.into_bytes()
}

/// Search text: words, operators, punctuation, accents, sometimes very many or very long words.
pub(crate) fn query(rng: &mut Rng) -> Vec<u8> {
    let n = if rng.one_in(10) {
        1 + rng.below(200)
    } else {
        1 + rng.below(5)
    };
    let mut parts = Vec::with_capacity(n);
    for _ in 0..n {
        parts.push(match rng.below(6) {
            0 => "x".repeat(1 + rng.below(100)),
            1 => rng
                .pick(&[
                    "AND", "OR", "NOT", "\"", ":", "*", "~2", "^3", "[1 TO 2]", "-", "+",
                    "name:pdf",
                ])
                .to_string(),
            _ => word(rng),
        });
    }
    parts.join(" ").into_bytes()
}
