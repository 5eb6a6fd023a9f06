//! Problem lists, stored once each (`stored_once`): many artifacts carry the same list (every
//! deployment of one collection artifact, every skill with the same spec note), so an
//! `artifacts` row holds the list's key (`problem_list`, NULL for none) and `problem_lists` holds
//! its JSON. A list counts the artifacts holding it and is deleted when the last one lets go.
//!
//! A problem in a file of the artifact itself (its `SKILL.md`, a command's file) is stored with
//! that file relative to the artifact (`"rel": true`, `""` for the artifact's own file), so the
//! same note on copies of a skill in many projects, or on many skills, is one list. Such a list
//! is stored as `{"rel": [...]}`, which a release of schema 10 still running reads as no
//! problems rather than as problems in the wrong files; a list without one stays an array.

use rusqlite::Transaction;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use super::stored_once::{self, Memo, Table};
use crate::model::ArtifactProblem;

/// The problems of an artifact row, as JSON, from `problem_lists`.
pub(super) const PROBLEMS: &str =
    "COALESCE((SELECT json FROM problem_lists WHERE id = artifacts.problem_list), '[]')";

/// How schemas 10 to 14 read the problems: from `problem_lists`, unless the row holds its own
/// copy (written by a build of schema 9 running after a newer one migrated the file).
const PROBLEMS_V14: &str = "CASE WHEN problem_list IS NULL OR problems_json != '[]'
    THEN problems_json ELSE COALESCE((SELECT json FROM problem_lists WHERE id = problem_list), '[]') END";

static LISTS: Table = Table {
    name: "problem_lists",
    key: "id",
    columns: &["json"],
    sql: std::sync::OnceLock::new(),
};

/// A problem as stored: `rel` when its file is relative to the artifact's path.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    problem: ArtifactProblem,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    rel: bool,
}

/// A stored list: an array when every file is whole, else an object.
#[derive(Serialize)]
#[serde(untagged)]
enum Form {
    Whole(Vec<Stored>),
    Relative { rel: Vec<Stored> },
}

/// A stored list with a file relative to the artifact, as read.
#[derive(Deserialize)]
struct Relative {
    rel: Vec<Stored>,
}

/// The JSON stored for the `problems` of the artifact at `path`.
pub(super) fn to_stored(problems: &[ArtifactProblem], path: &str) -> String {
    let stored: Vec<Stored> = problems
        .iter()
        .map(|p| {
            let inside = if p.file == path {
                Some("")
            } else {
                p.file
                    .strip_prefix(path)
                    .and_then(|rest| rest.strip_prefix('/'))
            };
            let mut problem = p.clone();
            if let Some(rest) = inside {
                problem.file = rest.to_string();
            }
            Stored {
                problem,
                rel: inside.is_some(),
            }
        })
        .collect();
    let form = if stored.iter().any(|p| p.rel) {
        Form::Relative { rel: stored }
    } else {
        Form::Whole(stored)
    };
    serde_json::to_string(&form).unwrap_or_else(|_| "[]".into())
}

/// The problems of the artifact at `path` from their stored JSON (none when it does not parse).
pub(super) fn from_stored(json: &str, path: &str) -> Vec<ArtifactProblem> {
    let stored: Vec<Stored> = if json.trim_start().starts_with('{') {
        serde_json::from_str::<Relative>(json).map(|r| r.rel)
    } else {
        serde_json::from_str(json)
    }
    .unwrap_or_default();
    stored
        .into_iter()
        .map(|Stored { mut problem, rel }| {
            if rel {
                problem.file = match problem.file.as_str() {
                    "" => path.to_string(),
                    rest => format!("{path}/{rest}"),
                };
            }
            problem
        })
        .collect()
}

/// Stores the `problems` of the artifact at `path` unless there are none or they are stored
/// already; returns their key (`None` for none, stored as NULL).
pub(super) fn keep(
    tx: &Transaction<'_>,
    problems: &[ArtifactProblem],
    path: &str,
    memo: &mut Memo,
) -> rusqlite::Result<Option<i64>> {
    keep_stored(tx, to_stored(problems, path), memo)
}

/// Stores a list already in its stored form ([`to_stored`]); `None` for the empty list.
pub(super) fn keep_stored(
    tx: &Transaction<'_>,
    json: String,
    memo: &mut Memo,
) -> rusqlite::Result<Option<i64>> {
    if json == "[]" {
        return Ok(None);
    }
    stored_once::keep(tx, &LISTS, &[Value::Text(json)], memo).map(Some)
}

/// Schema version 11: the lists stored before it are stored again with the files of each
/// artifact relative to it (the lists nobody holds any more are deleted by their triggers).
pub(super) fn migrate_v11(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String, String, i64)> = tx
        .prepare(&format!(
            "SELECT rowid, path, {PROBLEMS_V14}, problem_list FROM artifacts WHERE problem_list IS NOT NULL"
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = tx.prepare("UPDATE artifacts SET problem_list = ?2 WHERE rowid = ?1")?;
    // Each row is written at most once: what the memo holds stays held (see `Memo`).
    let mut memo = Memo::default();
    for (rowid, path, json, list) in rows {
        let key = keep(tx, &from_stored(&json, &path), &path, &mut memo)?;
        if key != Some(list) {
            set.execute(rusqlite::params![rowid, key])?;
        }
    }
    Ok(())
}

/// Schema version 15, before the rebuild: the problems a build of schema 9 wrote into a row
/// itself (with each file whole) are stored as a list, relative to the artifact.
pub(super) fn move_own(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String, String)> = tx
        .prepare(&format!(
            "SELECT rowid, {}, problems_json FROM artifacts WHERE problems_json != '[]'",
            super::paths::PATH
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = tx
        .prepare("UPDATE artifacts SET problem_list = ?2, problems_json = '[]' WHERE rowid = ?1")?;
    let mut memo = Memo::default();
    for (rowid, path, json) in rows {
        let key = keep(tx, &from_stored(&json, &path), &path, &mut memo)?;
        set.execute(rusqlite::params![rowid, key])?;
    }
    Ok(())
}

/// Schema version 12: each list counts the artifacts holding it (`stored_once`).
pub(super) fn migrate_v12(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    stored_once::count_holders(tx, &LISTS, "problem_list")
}

/// Schema version 10: moves each artifact's problems into `problem_lists` and adds the triggers
/// that delete a list nobody holds. The old column stays, emptied (`'[]'`): a release of schema
/// 9 still running when this one migrates the file reads and writes it, and keeps working.
/// Also: the search queue's versions start at a random number, so a row removed and queued
/// again never comes back with the version a slower index writer read before (it would then
/// remove the new change).
pub(super) fn migrate_v10(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE problem_lists (
             id   INTEGER PRIMARY KEY,
             json TEXT NOT NULL
         );
         ALTER TABLE artifacts ADD COLUMN problem_list INTEGER;",
    )?;
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT rowid, problems_json FROM artifacts WHERE problems_json != '[]'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = tx.prepare("UPDATE artifacts SET problem_list = ?2 WHERE rowid = ?1")?;
    let mut memo = Memo::default();
    for (rowid, json) in rows {
        let key = keep_stored(tx, json, &mut memo)?;
        set.execute(rusqlite::params![rowid, key])?;
    }
    drop(set);
    tx.execute_batch(V10)?;
    tx.execute_batch(&stored_once::release_triggers(&LISTS, "problem_list"))
}

const V10: &str = r#"
UPDATE artifacts SET problems_json = '[]' WHERE problems_json != '[]';
-- A queue row starts at a random version, not 1 (shifted, so `version + 1` never overflows).
CREATE TRIGGER search_pending_start AFTER INSERT ON search_pending BEGIN
    UPDATE search_pending SET version = random() >> 2 WHERE scope = NEW.scope;
END;
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn problem(file: &str) -> ArtifactProblem {
        ArtifactProblem {
            code: "SPEC_KEYS".into(),
            severity: Severity::Note,
            file: file.into(),
            line: Some(4),
            column: None,
            message: "m".into(),
            fix: "f".into(),
        }
    }

    #[test]
    fn files_inside_the_artifact_are_stored_relative_to_it_and_read_back_whole() {
        let skill = |name: &str| {
            vec![
                problem(&format!(".claude/skills/{name}/SKILL.md")),
                problem(&format!(".claude/skills/{name}")),
                // Not inside it: a longer name, and another file of the project.
                problem(&format!(".claude/skills/{name}x/SKILL.md")),
                problem(".claude/settings.json"),
            ]
        };
        let (a, b) = (skill("a"), skill("b"));
        let stored = to_stored(&a, ".claude/skills/a");
        assert!(stored.starts_with(r#"{"rel":["#), "{stored}");
        assert!(stored.contains(r#""file":"SKILL.md""#), "{stored}");
        // A release of schema 10 reads such a list as a plain array: not at all.
        assert!(serde_json::from_str::<Vec<ArtifactProblem>>(&stored).is_err());
        assert!(stored.contains(r#""file":".claude/skills/ax/SKILL.md""#));
        assert_eq!(from_stored(&stored, ".claude/skills/a"), a);
        // The same notes on another skill: other files, but one list.
        let b_stored = to_stored(&b, ".claude/skills/b");
        assert_eq!(b_stored.replace("bx", "ax"), stored);
        assert_eq!(from_stored(&b_stored, ".claude/skills/b"), b);
        // A command's own file, and a list stored before (every file whole, no `rel`).
        let c = [problem(".claude/commands/c.md")];
        assert_eq!(
            from_stored(
                &to_stored(&c, ".claude/commands/c.md"),
                ".claude/commands/x.md"
            )[0]
            .file,
            ".claude/commands/x.md"
        );
        let before = serde_json::to_string(&c).unwrap();
        assert_eq!(from_stored(&before, ".claude/commands/x.md"), c);
        // A list with no file of the artifact stays an array, as schema 10 stores it.
        let outside = [problem(".claude/settings.json")];
        assert_eq!(
            to_stored(&outside, ".claude/commands/c.md"),
            serde_json::to_string(&outside).unwrap()
        );
    }
}
