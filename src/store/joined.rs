//! The artifact rows joined to what they store apart: their texts (`texts`) and their
//! deployment (`deployments`). Every SELECT of `ARTIFACT_COLS` reads `FROM` one of these.

/// Joins an artifact row to its texts (`t`) and its deployment (`d`).
macro_rules! apart {
    () => {
        concat!(
            "LEFT JOIN artifact_texts t ON t.text_key = artifacts.text_key ",
            super::deployments::with_deployment!()
        )
    };
}

/// The artifact rows with what they store apart.
pub(super) const ARTIFACTS: &str = concat!("artifacts ", apart!());

/// Projects in the order of their name (`p.pj_name, p.pj_row`), their columns renamed so that
/// none shadows an artifact's; each one's artifacts follow in the order of the index named
/// after it (`name, rowid`).
macro_rules! by_project {
    ($index:literal) => {
        concat!(
            "(SELECT id AS pj_id, name AS pj_name, rowid AS pj_row FROM projects) p ",
            "CROSS JOIN artifacts INDEXED BY ",
            $index,
            " ON artifacts.project_id = p.pj_id ",
            apart!()
        )
    };
}

/// The artifact rows in the order of their project's name, then of their name: projects are
/// walked by name and each one's artifacts through the index of a project's list, so no index
/// of artifacts by project name is needed (schema 12 dropped it: 27–45 bytes an artifact). The
/// indexes named here (`INDEXED BY`) must outlive every migration, as the columns a release
/// reads do: a release still running would otherwise fail to prepare the query.
pub(super) const ARTIFACTS_BY_PROJECT: &str = by_project!("artifacts_project_name");

/// The same for outdated rows only (the query says `is_outdated = 1`), through their partial
/// index: a project's outdated artifacts without reading its others.
pub(super) const OUTDATED_BY_PROJECT: &str = by_project!("artifacts_outdated_pid");

/// The same with names compared without case (the outdated list's order, SkillMeat's), projects
/// through `projects_name_nocase`.
pub(super) const OUTDATED_BY_PROJECT_NOCASE: &str = by_project!("artifacts_outdated_pid_nocase");
