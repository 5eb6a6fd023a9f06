//! An artifact's path is stored only when it is not where its type's layout puts it: a skill at
//! `<profile>/skills/<name>`, a command at `<profile>/commands/<name>.md`, an agent at
//! `<profile>/agents/<name>.md` (almost every artifact) stores `''` and reads its path back from
//! its profile, type and name. Any other path (a hook's settings file, `.mcp.json`, a name the
//! layout would not give back exactly) is stored whole.
//!
//! (Schemas 12 to 14 let a build of schema 11 still running on the migrated file read an empty
//! path for such rows; since schema 15 no build of an earlier schema reads the file: `compact`.)

use crate::scan::ScannedArtifact;

/// Declares the layout once: [`LAYOUT`] for Rust and [`PATH`] for SQL.
macro_rules! layout {
    ($($kind:literal => $folder:literal, $suffix:literal;)*) => {
        /// Where each type's layout puts an artifact: (type, folder under the profile, suffix).
        const LAYOUT: &[(&str, &str, &str)] = &[$(($kind, $folder, $suffix)),*];

        /// How the path of an `artifacts` row is read (SQL): the stored path, else the layout's.
        pub(super) const PATH: &str = concat!(
            "(CASE WHEN artifacts.path != '' THEN artifacts.path ELSE CASE artifacts.type ",
            $("WHEN '", $kind, "' THEN ", super::compact::profile_sql!(), " || '/", $folder, "/' || artifacts.name || '", $suffix, "' ",)*
            "ELSE '' END END)"
        );
    };
}

layout! {
    "skill" => "skills", "";
    "command" => "commands", ".md";
    "agent" => "agents", ".md";
}

/// The path the layout gives an artifact of `kind` named `name` in `profile`, if it has one.
fn layout(profile: &str, kind: &str, name: &str) -> Option<String> {
    let (_, folder, suffix) = LAYOUT.iter().find(|(k, _, _)| *k == kind)?;
    Some(format!("{profile}/{folder}/{name}{suffix}"))
}

/// The path a scan stores for `a`: `''` when the layout gives it back.
pub(super) fn stored(a: &ScannedArtifact) -> &str {
    let given = layout(&a.key.profile, a.key.kind.as_str(), &a.key.name);
    if given.as_deref() == Some(a.rel_path.as_str()) {
        ""
    } else {
        &a.rel_path
    }
}

/// Schema version 12: the rows whose path the layout gives back store `''`.
pub(super) fn migrate_v12(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let cases: Vec<String> = LAYOUT
        .iter()
        .map(|(kind, folder, suffix)| {
            format!("(type = '{kind}' AND path = profile || '/{folder}/' || name || '{suffix}')")
        })
        .collect();
    tx.execute(
        &format!(
            "UPDATE artifacts SET path = '' WHERE {}",
            cases.join(" OR ")
        ),
        [],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{ArtifactKey, DeployInfo};
    use crate::values::ArtifactType;

    fn scanned(kind: ArtifactType, name: &str, rel_path: &str) -> ScannedArtifact {
        ScannedArtifact {
            key: ArtifactKey {
                profile: ".claude".into(),
                kind,
                name: name.into(),
            },
            rel_path: rel_path.into(),
            fingerprint: String::new(),
            content: None,
            deploy: DeployInfo::default(),
        }
    }

    #[test]
    fn a_path_the_layout_gives_back_is_stored_empty_and_read_whole() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE artifacts (profile TEXT, type TEXT, name TEXT, path TEXT);")
            .unwrap();
        let cases = [
            (ArtifactType::Skill, "pdf", ".claude/skills/pdf", true),
            (
                ArtifactType::Command,
                "tools/deploy",
                ".claude/commands/tools/deploy.md",
                true,
            ),
            (
                ArtifactType::Agent,
                "review",
                ".claude/agents/review.md",
                true,
            ),
            // Not where the layout puts them: stored whole.
            (
                ArtifactType::Agent,
                "review",
                ".claude/agents/Review.md",
                false,
            ),
            (
                ArtifactType::Skill,
                "pdf",
                ".claude/skills/pdf/SKILL.md",
                false,
            ),
            (
                ArtifactType::Hook,
                "PreToolUse",
                ".claude/settings.json",
                false,
            ),
            (ArtifactType::Mcp, "github", ".mcp.json", false),
        ];
        for (kind, name, path, elided) in cases {
            let a = scanned(kind, name, path);
            let kept = stored(&a);
            assert_eq!(kept.is_empty(), elided, "{path}");
            c.execute(
                "INSERT INTO artifacts VALUES ('.claude', ?1, ?2, ?3)",
                [kind.as_str(), name, kept],
            )
            .unwrap();
            let read: String = c
                .query_row(
                    &format!("SELECT {PATH} FROM artifacts WHERE rowid = last_insert_rowid()"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(read, path);
        }
        // The migration empties exactly the paths the layout gives back.
        c.execute_batch(
            "INSERT INTO artifacts VALUES ('.claude', 'skill', 'x', '.claude/skills/x');
             INSERT INTO artifacts VALUES ('.claude', 'agent', 'y', '.claude/agents/y.MD');",
        )
        .unwrap();
        let mut c = c;
        let tx = c.transaction().unwrap();
        migrate_v12(&tx).unwrap();
        let paths: Vec<String> = tx
            .prepare("SELECT path FROM artifacts WHERE name IN ('x', 'y') ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(paths, ["", ".claude/agents/y.MD"]);
    }
}
