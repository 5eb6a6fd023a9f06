//! Turning any user string into a tantivy query without tantivy's query parser: the text is
//! tokenized exactly as the index was (so quotes, colons, brackets, `AND`/`OR` are just text),
//! and the query is assembled from term, fuzzy and prefix queries with field boosts.

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery,
    Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::SearchQuery;
use super::schema::{Fields, compact};

/// Longest query text looked at (bytes, cut at a character boundary).
pub(crate) const MAX_QUERY_BYTES: usize = 4096;
/// Most terms used from one query (the rest of the text is ignored).
pub const MAX_TERMS: usize = 32;

/// Field weights: name over tags over description over source / project / type.
const W_NAME: f32 = 4.0;
const W_TAGS: f32 = 2.5;
const W_DESCRIPTION: f32 = 1.0;
const W_CONTEXT: f32 = 0.5;
/// Weight of a fuzzy (typo) match relative to the field's weight (constant score).
const FUZZY: f32 = 0.6;
/// Weight of a prefix match of the last term relative to the field's weight (constant score).
const PREFIX: f32 = 0.8;
/// A case-insensitive exact name match outranks everything else.
const W_EXACT: f32 = 50.0;

/// The tokenized query text.
#[derive(Debug, Default)]
pub(crate) struct Terms {
    /// Distinct terms, in order of appearance.
    pub terms: Vec<String>,
    /// Index in `terms` of the last word of the text, which is also matched as a prefix
    /// (search-as-you-type). `None` when the text had more than [`MAX_TERMS`] terms.
    pub prefix: Option<usize>,
    /// The whole text trimmed and lower-cased, and its compact form (exact-name boost).
    pub whole: Vec<String>,
}

impl Terms {
    /// Whether the text held no usable word.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Tokenizes `text` with the index analyzer, de-duplicated and capped.
pub(crate) fn tokenize(analyzer: &mut TextAnalyzer, text: &str) -> Terms {
    let text = clip(text, MAX_QUERY_BYTES);
    let mut all: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = &stream.token().text;
        if !t.is_empty() {
            all.push(t.clone());
        }
    }
    let last = all.last().cloned();
    let mut terms: Vec<String> = Vec::new();
    let mut truncated = false;
    for t in all {
        if terms.contains(&t) {
            continue;
        }
        if terms.len() == MAX_TERMS {
            truncated = true;
            break;
        }
        terms.push(t);
    }
    let prefix = if truncated {
        None
    } else {
        last.and_then(|l| terms.iter().position(|t| *t == l))
    };
    let mut whole = Vec::new();
    let lower = text.trim().to_lowercase();
    let c = compact(text);
    for v in [lower, c] {
        if !v.is_empty() && v.len() <= 256 && !whole.contains(&v) {
            whole.push(v);
        }
    }
    Terms {
        terms,
        prefix,
        whole,
    }
}

/// Allowed edits for a term of this length: 0 up to 3 characters, 1 up to 7, then 2.
pub(crate) fn distance(term: &str) -> u8 {
    match term.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn boxed(q: impl Query + 'static, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(q), boost))
}

/// Share of the other fields' scores added to the best field's (dis-max tie breaker): a word
/// found in the name and the description beats one found in the name only, but a word found
/// in the name beats one found in tags, description and project name together.
const TIE_BREAKER: f32 = 0.2;

/// The clause matching one term in any text field: per field the exact (BM25), typo and prefix
/// matches add up; across fields the best one counts (plus a little of the others).
fn term_clause(f: &Fields, term: &str, prefix: bool) -> Box<dyn Query> {
    let d = distance(term);
    let len = term.chars().count();
    let fields: [(Field, f32); 4] = [
        (f.name, W_NAME),
        (f.tags_text, W_TAGS),
        (f.description, W_DESCRIPTION),
        (f.context, W_CONTEXT),
    ];
    let mut per_field: Vec<Box<dyn Query>> = Vec::with_capacity(fields.len());
    for (field, w) in fields {
        let t = Term::from_field_text(field, term);
        let mut should: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            boxed(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs), w),
        )];
        // Typos are tolerated where they matter (names and tags): a Levenshtein automaton
        // per field is the most expensive part of a query, and a misspelt word of a
        // description or a project name is rarely what the user meant to find.
        let key_field = field == f.name || field == f.tags_text;
        if d > 0 && key_field {
            should.push((
                Occur::Should,
                boxed(FuzzyTermQuery::new(t.clone(), d, true), w * FUZZY),
            ));
        }
        // Prefixes of one or two letters are only worth it where words are few (names, tags).
        if prefix && (len >= 3 || key_field) && field != f.context {
            should.push((
                Occur::Should,
                boxed(FuzzyTermQuery::new_prefix(t, 0, true), w * PREFIX),
            ));
        }
        per_field.push(Box::new(BooleanQuery::new(should)));
    }
    Box::new(DisjunctionMaxQuery::with_tie_breaker(
        per_field,
        TIE_BREAKER,
    ))
}

fn filter_term(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// The filters of a query, each a non-scoring MUST clause.
pub(crate) fn filters(f: &Fields, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
    let mut out: Vec<Box<dyn Query>> = Vec::new();
    if let Some(k) = q.kind {
        out.push(Box::new(TermQuery::new(
            Term::from_field_u64(f.kind, k.code()),
            IndexRecordOption::Basic,
        )));
    }
    if let Some(t) = &q.artifact_type {
        out.push(filter_term(f.artifact_type, t));
    }
    if let Some(p) = &q.project_id {
        out.push(filter_term(f.project_id, p));
    }
    if let Some(s) = &q.source {
        out.push(filter_term(f.source, s));
    }
    if let Some(s) = &q.status {
        out.push(filter_term(f.status, s));
    }
    if let Some(h) = &q.health {
        out.push(filter_term(f.health, h));
    }
    if let Some(o) = &q.origin {
        out.push(filter_term(f.origin, o));
    }
    for tag in q.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        out.push(filter_term(f.tags, &tag.to_lowercase()));
    }
    if let Some(b) = q.outdated {
        out.push(Box::new(TermQuery::new(
            Term::from_field_bool(f.outdated, b),
            IndexRecordOption::Basic,
        )));
    }
    out.into_iter()
        .map(|q| {
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>,
            )
        })
        .collect()
}

/// How the terms combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every term must match (in any field).
    All,
    /// Any term may match (the fallback when `All` finds nothing).
    Any,
}

/// The full query: filters, then the terms (or everything when there are none).
pub(crate) fn build(f: &Fields, terms: &Terms, q: &SearchQuery, mode: Mode) -> Box<dyn Query> {
    let mut clauses = filters(f, q);
    if terms.is_empty() {
        if clauses.is_empty() {
            return Box::new(AllQuery);
        }
        return Box::new(BooleanQuery::new(clauses));
    }
    let occur = match mode {
        Mode::All => Occur::Must,
        Mode::Any => Occur::Should,
    };
    let words: Vec<(Occur, Box<dyn Query>)> = terms
        .terms
        .iter()
        .enumerate()
        .map(|(i, t)| (occur, term_clause(f, t, terms.prefix == Some(i))))
        .collect();
    // The words, or a name equal to the whole text (which then ranks first): `codereviewer`
    // finds `code-reviewer` although no word of it matches.
    let mut text: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.whole.len() + 1);
    text.push((Occur::Should, Box::new(BooleanQuery::new(words))));
    for w in &terms.whole {
        let t = Term::from_field_text(f.name_exact, w);
        text.push((
            Occur::Should,
            boxed(TermQuery::new(t, IndexRecordOption::Basic), W_EXACT),
        ));
    }
    clauses.push((Occur::Must, Box::new(BooleanQuery::new(text))));
    Box::new(BooleanQuery::new(clauses))
}
