//! Where each type's artifacts are: the locators of a profile root (skills, commands and agents,
//! hooks, MCP servers, the hooks of settings files) and of a project's `.mcp.json`, each giving
//! the candidates a scan reads.

use super::*;

/// Levels of sub-folders below `commands/` and `agents/` that are read (the folder itself is 0).
pub(super) const MARKDOWN_DEPTH: u8 = 4;

/// Finds Markdown artifacts (`commands/`, `agents/`) under `dir`, recursing into sub-folders.
#[allow(clippy::too_many_arguments)] // a recursive walk: the arguments are its position
pub(super) fn markdown_artifacts(
    out: &mut Vec<Candidate>,
    profile: &str,
    kind: ArtifactType,
    dir: &Path,
    real: walk::Real,
    rel_dir: &str,
    name_prefix: &str,
    sc: &mut Scope,
    depth: u8,
) {
    for e in walk::entries(dir, real, rel_dir, sc) {
        if e.name.starts_with('.') {
            continue;
        }
        if e.is_dir {
            if depth >= MARKDOWN_DEPTH {
                // Not read: said, never skipped silently.
                let folder = format!("{rel_dir}/{}", e.name);
                sc.errors
                    .push(project_error(health::folder_too_deep_problem(
                        &folder,
                        kind.as_str(),
                        MARKDOWN_DEPTH,
                    )));
                continue;
            }
            markdown_artifacts(
                out,
                profile,
                kind,
                &e.path,
                e.real.clone(),
                &format!("{rel_dir}/{}", e.name),
                &format!("{name_prefix}{}/", e.name),
                sc,
                depth + 1,
            );
            continue;
        }
        let Some(stem) = e
            .name
            .strip_suffix(".md")
            .or_else(|| e.name.strip_suffix(".MD"))
        else {
            continue;
        };
        let Some(st) = e.stat() else {
            continue;
        };
        let key = key(profile, kind, format!("{name_prefix}{stem}"));
        let rel = format!("{rel_dir}/{}", e.name);
        out.push(Candidate::of_entry(key, rel, e, st));
    }
}

/// A folder artifact, its files listed within the caps.
pub(super) fn folder_candidate(
    key: ArtifactKey,
    e: walk::Entry,
    rel: String,
    main: Option<PathBuf>,
    sc: &mut Scope,
) -> Candidate {
    let caps = sc.limits.artifact();
    let path = e.path;
    let listing = walk::list_files(&path, e.real, &rel, caps, sc);
    Candidate {
        key,
        problems: listing.problems(&rel, &sc.limits),
        whole: listing.complete(),
        files: listing.files,
        rel_path: rel,
        main,
        folder: Some(path),
        inline: None,
        alias: None,
        error: None,
    }
}

pub(super) fn is_skill_md(rel: &str) -> bool {
    matches!(rel, "SKILL.md" | "skill.md" | "Skill.md")
}

pub(super) fn find_skill_md(dir: &Path) -> Option<PathBuf> {
    ["SKILL.md", "skill.md", "Skill.md"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

pub(super) fn key(profile: &str, kind: ArtifactType, name: String) -> ArtifactKey {
    ArtifactKey {
        profile: profile.into(),
        kind,
        name,
    }
}

/// Locates the skills of `skills/`: folders with a `SKILL.md`, or category folders holding them
/// one level down.
pub(super) fn locate_skills(
    out: &mut Vec<Candidate>,
    root: &Path,
    real: &walk::Real,
    profile: &str,
    sc: &mut Scope,
) {
    let rel_skills = format!("{profile}/skills");
    let skills = root.join("skills");
    let listed = walk::entries(&skills, real.child(&skills), &rel_skills, sc);
    for e in listed {
        if !e.is_dir || e.name.starts_with('.') {
            continue;
        }
        let rel = format!("{rel_skills}/{}", e.name);
        // Listed as a skill first: its listing shows its SKILL.md, so the folder needs no probe
        // of its own unless the listing lacks one (a cap, a link it did not follow).
        let before = (sc.budget.clone(), sc.errors.len());
        let mut c = folder_candidate(
            key(profile, ArtifactType::Skill, e.name.clone()),
            e.clone(),
            rel.clone(),
            None,
            sc,
        );
        // The spelling listed first (sorted) when there are several.
        let listed = c
            .files
            .iter()
            .find(|f| is_skill_md(&f.rel))
            .map(|f| f.rel.clone());
        if let Some(found) = listed
            .as_ref()
            .map(|r| e.path.join(r))
            .or_else(|| find_skill_md(&e.path))
        {
            if let Some(spelled) = listed.filter(|r| r != "SKILL.md") {
                let file = format!("{}/{}", c.rel_path, spelled);
                c.problems
                    .push(health::skill_md_case_problem(&file, &spelled));
            }
            c.main = Some(found);
            out.push(c);
            continue;
        }
        // Not a skill: the listing is taken back (what it used of the budget, what it reported).
        sc.budget = before.0;
        sc.errors.truncate(before.1);
        // A category folder (skills/<group>/<skill>/SKILL.md) holds skills one level down.
        let nested: Vec<_> = walk::entries(&e.path, e.real.clone(), &rel, sc)
            .into_iter()
            .filter(|n| n.is_dir && !n.name.starts_with('.') && find_skill_md(&n.path).is_some())
            .collect();
        if nested.is_empty() {
            let mut c = folder_candidate(
                key(profile, ArtifactType::Skill, e.name.clone()),
                e,
                rel.clone(),
                None,
                sc,
            );
            c.problems.push(health::skill_md_missing_problem(&rel));
            c.error = Some(FileError {
                file: rel,
                line: None,
                reason: "skill folder has no SKILL.md".into(),
            });
            out.push(c);
            continue;
        }
        for n in nested {
            let main = find_skill_md(&n.path);
            let name = format!("{}/{}", e.name, n.name);
            let rel = format!("{rel}/{}", n.name);
            let mut c = folder_candidate(key(profile, ArtifactType::Skill, name), n, rel, main, sc);
            c.problems.push(health::skill_nested_problem(
                &c.rel_path,
                &rel_skills,
                &e.name,
            ));
            out.push(c);
        }
    }
}

/// Locates the hooks of `hooks/`: every file at any depth is one.
pub(super) fn locate_hooks(
    out: &mut Vec<Candidate>,
    root: &Path,
    real: &walk::Real,
    profile: &str,
    sc: &mut Scope,
) {
    let hooks = root.join("hooks");
    if !hooks.is_dir() {
        return;
    }
    let rel_root = format!("{profile}/hooks");
    let caps = sc.limits.folder();
    let real = real.child(&hooks);
    let listing = walk::list_files(&hooks, real, &rel_root, caps, sc);
    let problems = listing.other_problems(&rel_root, &sc.limits);
    sc.errors.extend(problems.into_iter().map(project_error));
    for st in listing.files {
        if st.rel.split('/').any(|c| c.starts_with('.')) {
            continue;
        }
        let path = hooks.join(&st.rel);
        let rel_path = format!("{rel_root}/{}", st.rel);
        let file = Stat {
            rel: st.rel.rsplit('/').next().unwrap_or(&st.rel).to_string(),
            ..st.clone()
        };
        out.push(Candidate::single(
            key(profile, ArtifactType::Hook, st.rel),
            rel_path,
            Some(path),
            file,
        ));
    }
}

/// Locates the MCP servers of `mcp/`: `<name>.json` files and `<name>/` folders.
pub(super) fn locate_mcp(
    out: &mut Vec<Candidate>,
    root: &Path,
    real: &walk::Real,
    profile: &str,
    sc: &mut Scope,
) {
    let rel_mcp = format!("{profile}/mcp");
    let mcp = root.join("mcp");
    for e in walk::entries(&mcp, real.child(&mcp), &rel_mcp, sc) {
        if e.name.starts_with('.') {
            continue;
        }
        let rel = format!("{rel_mcp}/{}", e.name);
        if e.is_dir {
            let main = ["mcp.json", "server.json", "config.json", "README.md"]
                .iter()
                .map(|n| e.path.join(n))
                .find(|p| p.is_file());
            out.push(folder_candidate(
                key(profile, ArtifactType::Mcp, e.name.clone()),
                e,
                rel,
                main,
                sc,
            ));
        } else if let Some(stem) = e.name.strip_suffix(".json") {
            if let Some(st) = e.stat() {
                let k = key(profile, ArtifactType::Mcp, stem.into());
                out.push(Candidate::of_entry(k, rel, e, st));
            }
        }
    }
}

/// Locates every artifact under one profile root of the project at `project` (`real`: where it
/// really is).
pub(super) fn locate_profile(
    project: &Path,
    real: &walk::Real,
    profile: &str,
    sc: &mut Scope,
) -> Vec<Candidate> {
    let root = project.join(profile);
    let real = real.child(&root);
    let mut out = Vec::new();
    locate_skills(&mut out, &root, &real, profile, sc);
    for (dirname, kind) in [
        ("commands", ArtifactType::Command),
        ("agents", ArtifactType::Agent),
    ] {
        let d = root.join(dirname);
        let rel = format!("{profile}/{dirname}");
        let dir_real = real.child(&d);
        markdown_artifacts(&mut out, profile, kind, &d, dir_real, &rel, "", sc, 0);
    }
    locate_hooks(&mut out, &root, &real, profile, sc);
    if profile == ".claude" {
        locate_settings_hooks(&mut out, project, profile, &mut sc.errors);
    }
    locate_mcp(&mut out, &root, &real, profile, sc);
    out
}

/// The hooks configured in `<profile>/settings.json` and `settings.local.json`: one unit per
/// hook entry (see [`hook_settings`]); a file Claude Code ignores as a whole is a project problem.
pub(super) fn locate_settings_hooks(
    out: &mut Vec<Candidate>,
    project: &Path,
    profile: &str,
    errors: &mut Vec<FileError>,
) {
    for file in ["settings.json", "settings.local.json"] {
        let rel = format!("{profile}/{file}");
        let path = project.join(&rel);
        let Some(st) = stat_of(&path, file.into()) else {
            continue;
        };
        // Claude Code may still read a file this cache does not: the user is told which.
        let unread = |reason: String| FileError {
            file: rel.clone(),
            line: None,
            reason: format!("{reason}; the hooks it configures are not listed here"),
        };
        if st.size > MAX_TEXT_BYTES {
            errors.push(unread(format!(
                "file is {} bytes, over the {} byte limit",
                st.size, MAX_TEXT_BYTES
            )));
            continue;
        }
        let text = match read::read_capped(&path, MAX_TEXT_BYTES) {
            Ok(t) => t,
            Err(e) => {
                errors.push(unread(format!("cannot read it: {e}")));
                continue;
            }
        };
        let doc: Value = match serde_json::from_slice(&text) {
            Ok(v) => v,
            Err(e) => {
                errors.push(FileError {
                    file: rel,
                    line: Some(e.line() as u32),
                    reason: format!(
                        "invalid JSON: {e}; Claude Code ignores this settings file, its hooks and permissions (JSON_INVALID)"
                    ),
                });
                continue;
            }
        };
        let exists = |p: &str| project.join(p).is_file();
        let read = hook_settings::read(&rel, file, &doc, &exists);
        if let Some(p) = read.file_problem {
            errors.push(project_error(p));
        }
        for unit in read.units {
            out.push(Candidate {
                inline: Some(unit.config),
                problems: unit.problems,
                ..Candidate::single(
                    key(profile, ArtifactType::Hook, unit.name),
                    rel.clone(),
                    None,
                    st.clone(),
                )
            });
        }
    }
}

/// Replaces secret-bearing values of an MCP server config (`env`, `headers`) with `"***"`.
pub(super) fn redact_mcp(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for key in ["env", "headers"] {
            if let Some(Value::Object(m)) = o.get_mut(key) {
                for val in m.values_mut() {
                    *val = Value::String("***".into());
                }
            }
        }
    }
    v
}

/// Servers of a project-level `.mcp.json`.
pub(super) fn locate_mcp_json(project: &Path, errors: &mut Vec<FileError>) -> Vec<Candidate> {
    let path = project.join(".mcp.json");
    let Some(st) = stat_of(&path, ".mcp.json".into()) else {
        return Vec::new();
    };
    if st.size > MAX_TEXT_BYTES {
        errors.push(FileError {
            file: ".mcp.json".into(),
            line: None,
            reason: format!(
                "file is {} bytes, over the {} byte limit; skipped",
                st.size, MAX_TEXT_BYTES
            ),
        });
        return Vec::new();
    }
    let text = match read::read_capped(&path, MAX_TEXT_BYTES) {
        Ok(t) => t,
        Err(e) => {
            errors.push(FileError {
                file: ".mcp.json".into(),
                line: None,
                reason: e.to_string(),
            });
            return Vec::new();
        }
    };
    let doc: Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(FileError {
                file: ".mcp.json".into(),
                line: Some(e.line() as u32),
                reason: format!("invalid JSON: {e}"),
            });
            return Vec::new();
        }
    };
    let Some(servers) = doc.get("mcpServers").and_then(|v| v.as_object()) else {
        errors.push(FileError {
            file: ".mcp.json".into(),
            line: None,
            reason: "no `mcpServers` object: Claude Code ignores this file and starts none of its servers (MCP_CONFIG_INVALID; fix: put the servers under \"mcpServers\": { … })".into(),
        });
        return Vec::new();
    };
    servers
        .iter()
        .map(|(name, cfg)| Candidate {
            inline: Some(cfg.clone()),
            ..Candidate::single(
                key(".", ArtifactType::Mcp, name.clone()),
                ".mcp.json".into(),
                None,
                st.clone(),
            )
        })
        .collect()
}
