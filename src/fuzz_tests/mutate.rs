//! Byte-level mutations: flips, inserts, deletes, duplicated ranges, splices of two inputs,
//! tokens, long runs (nesting depth, long lines), huge numbers, line endings, invalid UTF-8.

use super::{MAX_INPUT, Rng};

/// Tokens that matter to several of the formats read.
pub(crate) const COMMON: &[&str] = &[
    "---",
    "...",
    ":",
    ": ",
    "[[",
    "]]",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "\u{0}",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "#",
    "=",
    " = ",
    ",",
    "\\",
    "\\u0000",
    "\\ud800",
    "&a ",
    "*a",
    "!!",
    "|",
    ">",
    "- ",
    "@",
    "/",
    "://",
    ".git",
    "null",
    "true",
    "false",
    "\u{feff}",
    "é",
    "e\u{301}",
    "\u{202e}",
    "🔥",
    "\u{fffd}",
    "ß",
    "İ",
    "\u{2028}",
    "0",
    "-0",
    "1e999",
    "NaN",
    "inf",
    "9007199254740992",
    "18446744073709551616",
    "-9223372036854775809",
    "0x7f",
    "..",
    "%",
];

/// Characters repeated into long runs.
const RUNS: &[u8] = b"[{(\"'-: a\n\\#,.@/0";

/// Bytes that are not UTF-8 on their own (the product reads them as U+FFFD or rejects them).
const INVALID_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\x80",
];

/// Draws inputs from seeds (large ones mostly as a window) and generated documents.
pub(crate) struct Mutator<'a> {
    seeds: &'a [Vec<u8>],
    tokens: &'a [&'static str],
}

impl<'a> Mutator<'a> {
    pub(crate) fn new(seeds: &'a [Vec<u8>], tokens: &'a [&'static str]) -> Mutator<'a> {
        Mutator { seeds, tokens }
    }

    /// A seed, or a window of up to 16 KiB of a large one most of the time.
    fn seed(&self, rng: &mut Rng) -> Vec<u8> {
        let Some(s) = self.seeds.get(rng.below(self.seeds.len())) else {
            return Vec::new();
        };
        const WINDOW: usize = 16 * 1024;
        if s.len() <= WINDOW || rng.one_in(20) {
            return s.clone();
        }
        let start = rng.below(s.len() - WINDOW);
        s[start..start + 1 + rng.below(WINDOW)].to_vec()
    }

    /// The next input: a seed or a generated document, mutated a few times (or not at all).
    pub(crate) fn next_input(
        &mut self,
        rng: &mut Rng,
        generate: fn(&mut Rng) -> Vec<u8>,
    ) -> Vec<u8> {
        let generated = self.seeds.is_empty() || rng.one_in(3);
        let mut input = if generated {
            generate(rng)
        } else {
            self.seed(rng)
        };
        if generated && rng.one_in(2) {
            return input;
        }
        let rounds = if rng.one_in(10) {
            1 + rng.below(32)
        } else {
            1 + rng.below(6)
        };
        for _ in 0..rounds {
            self.mutate(rng, &mut input, generate);
        }
        input.truncate(MAX_INPUT);
        input
    }

    fn token(&self, rng: &mut Rng) -> &'static str {
        if !self.tokens.is_empty() && rng.one_in(2) {
            rng.pick(self.tokens)
        } else {
            rng.pick(COMMON)
        }
    }

    /// One mutation of `v`.
    fn mutate(&self, rng: &mut Rng, v: &mut Vec<u8>, generate: fn(&mut Rng) -> Vec<u8>) {
        let len = v.len();
        let at = rng.below(len + 1);
        match rng.below(14) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = rng.pick(b"\0\xff\x7f\n\r\t \"'[]{}:,=#-.\\");
            }
            2 => {
                let bytes: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next() as u8).collect();
                v.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let end = (at + 1 + rng.below(64.min(len))).min(len);
                v.drain(at.min(end)..end);
            }
            4 if len > 0 => {
                // Duplicate a range, up to many times (long lists, repeated keys and tables).
                let start = rng.below(len);
                let end = (start + 1 + rng.below(256)).min(len);
                let piece = v[start..end].to_vec();
                let times = if rng.one_in(4) {
                    1 + rng.below(2000)
                } else {
                    1
                };
                let copies: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * times)
                    .collect();
                v.splice(at..at, copies);
            }
            5 => {
                // Splice: this input's head with another input's tail.
                let other = if rng.one_in(3) {
                    generate(rng)
                } else {
                    self.seed(rng)
                };
                let from = rng.below(other.len() + 1);
                v.truncate(at);
                v.extend_from_slice(&other[from..]);
            }
            6 | 7 => {
                let t = self.token(rng).as_bytes().to_vec();
                v.splice(at..at, t);
            }
            8 => {
                // A long run: nesting depth, a long line, a long word.
                let c = rng.pick(RUNS);
                let n = [16, 200, 5_000, 60_000][rng.below(4)];
                v.splice(at..at, std::iter::repeat_n(c, 1 + rng.below(n)));
            }
            9 => {
                let bad = rng.pick(INVALID_UTF8).to_vec();
                v.splice(at..at, bad);
            }
            10 => {
                // Line endings: all LF as CRLF, or as CR.
                let to: &[u8] = if rng.one_in(2) { b"\r\n" } else { b"\r" };
                let mut out = Vec::with_capacity(v.len() + v.len() / 16);
                for &b in v.iter() {
                    if b == b'\n' {
                        out.extend_from_slice(to)
                    } else {
                        out.push(b)
                    }
                }
                *v = out;
            }
            11 => {
                // A number of many digits, or a digit changed into a big one.
                let most = if rng.one_in(4) { 400 } else { 25 };
                let digits = 1 + rng.below(most);
                let n: Vec<u8> = (0..digits).map(|_| b'0' + rng.below(10) as u8).collect();
                v.splice(at..at, n);
            }
            12 => v.truncate(at),
            _ => {
                // Swap two bytes' neighbourhoods (reorders keys, quotes and brackets).
                if len > 1 {
                    let (a, b) = (rng.below(len), rng.below(len));
                    v.swap(a, b);
                }
            }
        }
    }
}
