//! Reading an artifact's files into its [`ArtifactContent`]: capped text reads, frontmatter, health.

use super::*;

pub(super) fn text_error(rel: &str, reason: String) -> FileError {
    FileError {
        file: rel.into(),
        line: None,
        reason,
    }
}

/// Reads a text file for metadata, enforcing the size limit and rejecting binary or non-UTF-8 data.
pub(super) fn read_text(path: &Path, rel: &str, size: u64) -> Result<String, FileError> {
    read_text_why(path, rel, size).map_err(|(e, _)| e)
}

/// [`read_text`], with why a file could not be read.
pub(super) fn read_text_why(
    path: &Path,
    rel: &str,
    size: u64,
) -> Result<String, (FileError, health::Unreadable)> {
    too_large(rel, size)?;
    let bytes = read::read_capped(path, MAX_TEXT_BYTES).map_err(|e| {
        (
            text_error(rel, format!("cannot read: {e}")),
            health::Unreadable::Io,
        )
    })?;
    text_of(rel, bytes)
}

/// Whether a file of `size` bytes is over the limit for metadata.
fn too_large(rel: &str, size: u64) -> Result<(), (FileError, health::Unreadable)> {
    if size > MAX_TEXT_BYTES {
        return Err((
            text_error(
                rel,
                format!(
                    "file is {:.1} MB, over the {} MB limit for metadata; it is listed but not parsed",
                    size as f64 / 1_048_576.0,
                    MAX_TEXT_BYTES / 1_048_576
                ),
            ),
            health::Unreadable::TooLarge,
        ));
    }
    Ok(())
}

/// A file's bytes as text: not binary, UTF-8.
fn text_of(rel: &str, bytes: Vec<u8>) -> Result<String, (FileError, health::Unreadable)> {
    use health::Unreadable;
    if bytes.contains(&0) {
        return Err((
            text_error(
                rel,
                "binary file (contains NUL bytes), expected UTF-8 text".into(),
            ),
            Unreadable::Binary,
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        (
            text_error(
                rel,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            ),
            Unreadable::NotUtf8,
        )
    })
}

/// Fewest artifacts to read per thread (a second thread starts at twice this).
const PER_THREAD: usize = 8;

/// Reads the artifacts `wanted` marks (`None` for the others), on up to `threads` threads: a
/// project scanned alone (a registration, one changed project) uses the cores a refresh of many
/// projects would give one project each.
pub(super) fn read_contents(
    candidates: &[Candidate],
    wanted: &[bool],
    project: &Path,
    limits: &Limits,
    threads: usize,
) -> Vec<Option<ArtifactContent>> {
    let todo: Vec<usize> = (0..candidates.len()).filter(|&i| wanted[i]).collect();
    let threads = threads.min(todo.len() / PER_THREAD).max(1);
    let mut out: Vec<Option<ArtifactContent>> = (0..candidates.len()).map(|_| None).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&i) = todo.get(k) else {
                return done;
            };
            done.push((i, read_content(&candidates[i], project, limits)));
        }
    };
    std::thread::scope(|scope| {
        // A helper that cannot start leaves its share to the others (this thread included).
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut results = work();
        for h in helpers {
            // A helper that panicked (a bug) has its artifacts read again here.
            results.extend(h.join().unwrap_or_default());
        }
        for (i, c) in results {
            out[i] = Some(c);
        }
    });
    // What a panicked helper took is read here.
    for (i, slot) in out.iter_mut().enumerate() {
        if wanted[i] && slot.is_none() {
            *slot = Some(read_content(&candidates[i], project, limits));
        }
    }
    out
}

/// Reads an artifact's files: content hash, size, and metadata from its main file.
pub(super) fn read_content(c: &Candidate, project: &Path, limits: &Limits) -> ArtifactContent {
    let mut content = ArtifactContent {
        size: c.files.iter().map(|f| f.size).sum(),
        file_count: c.files.len() as u32,
        modified_ms: c
            .files
            .iter()
            .map(|f| f.mtime_ns / 1_000_000)
            .max()
            .unwrap_or(0),
        error: c.error.clone(),
        problems: c.problems.clone(),
        ..Default::default()
    };
    // Content hash: only of an artifact listed whole and within the bytes cap (the read is capped
    // too, should a file grow meanwhile).
    let max = limits.artifact_bytes;
    // The main file's bytes, kept as it is hashed, are the ones its metadata is read from.
    let mut kept = hash::Kept::new(MAX_TEXT_BYTES);
    if let Some(cfg) = &c.inline {
        let bytes = serde_json::to_vec(cfg).unwrap_or_default();
        content.content_hash = Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)));
        if c.key.kind == ArtifactType::Mcp {
            let problems = health::mcp_server_problems(&c.rel_path, &c.key.name, cfg);
            content.problems.extend(problems);
        }
    } else if content.size > max && c.whole {
        let p = walk::file_too_large(&c.rel_path, content.size, limits);
        content.problems.push(p);
    } else if c.whole {
        let hashed = match (&c.folder, &c.main) {
            (Some(folder), main) => {
                let rels: Vec<String> = c.files.iter().map(|f| f.rel.clone()).collect();
                let main_rel = main
                    .as_ref()
                    .and_then(|m| m.strip_prefix(folder).ok())
                    .and_then(|m| m.to_str())
                    .map(|m| m.replace('\\', "/"));
                let keep = main_rel.as_deref().map(|m| (m, &mut kept));
                hash::folder_hash(folder, &rels, max, keep)
            }
            (None, Some(main)) => hash::file_hash(main, max, Some(&mut kept)),
            (None, None) => Err(std::io::Error::other("nothing to hash")),
        };
        match hashed {
            Ok(h) => content.content_hash = Some(h),
            Err(e) => {
                // An I/O failure (permissions, a file replaced mid-read) can pass: read it
                // again at the next refresh even if its size and mtime stay (chmod moves neither).
                content.retry = c.folder.is_some() || c.main.is_some();
                let message = format!("cannot read: {e}");
                content.problems.push(health::unreadable_problem(
                    &c.rel_path,
                    health::Unreadable::Io,
                    &message,
                ));
                content
                    .error
                    .get_or_insert(text_error(&c.rel_path, message));
            }
        }
    }

    // Metadata.
    if let Some(cfg) = &c.inline {
        let cfg = redact_mcp(cfg.clone());
        content.description = cfg
            .get("description")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        if let Value::Object(m) = cfg {
            if c.key.kind == ArtifactType::Hook {
                // What the configured hook runs: its command (or prompt, url); `runs`, the
                // project script, is in its config already (see `hook_settings`).
                content.description = ["command", "prompt", "url"]
                    .iter()
                    .find_map(|k| m.get(*k).and_then(Value::as_str))
                    .map(str::to_string);
            }
            content.metadata = m;
        }
        return content;
    }
    let Some(main) = &c.main else { return content };
    let main_rel = main
        .strip_prefix(project)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| c.rel_path.clone());
    let is_md = main_rel.to_ascii_lowercase().ends_with(".md");
    let is_json = main_rel.to_ascii_lowercase().ends_with(".json");
    if c.key.kind == ArtifactType::Hook && !is_md && !is_json {
        return content;
    }
    let text = match kept.into_bytes() {
        Some(bytes) => text_of(&main_rel, bytes),
        None => {
            let size = std::fs::metadata(main).map(|m| m.len()).unwrap_or(0);
            read_text_why(main, &main_rel, size)
        }
    };
    let text = match text {
        Ok(t) => t,
        Err((e, why)) => {
            let p = health::unreadable_problem(&main_rel, why, &e.reason);
            // Said once: a file over a cap already carries ARTIFACT_TOO_LARGE.
            let said = |q: &ArtifactProblem| {
                q.code == p.code
                    || (why == health::Unreadable::TooLarge && q.code == "ARTIFACT_TOO_LARGE")
            };
            if !content.problems.iter().any(said) {
                content.problems.push(p);
            }
            content.error.get_or_insert(e);
            return content;
        }
    };
    if is_json {
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => {
                let v = redact_mcp(v);
                content.description = v
                    .get("description")
                    .and_then(|d| d.as_str())
                    .map(str::to_string);
                content.version = v
                    .get("version")
                    .and_then(|d| d.as_str())
                    .map(str::to_string);
                if let Value::Object(m) = v {
                    content.metadata = m;
                }
            }
            Err(e) => {
                let reason = e.to_string();
                let reason = reason.split(" at line ").next().unwrap_or(&reason);
                content.problems.push(health::json_problem(
                    c.key.kind.as_str(),
                    &main_rel,
                    e.line() as u32,
                    e.column() as u32,
                    reason,
                ));
            }
        }
        return content;
    }
    let fm = frontmatter::parse(&text);
    // SkillMeat's own files often name an artifact by `title` (its metadata reader does).
    content.display_name = fm.string("name").or_else(|| fm.string("title"));
    content.description = fm.string("description").or_else(|| fm.first_line.clone());
    content.version = fm.string("version");
    let tools_key = if fm.fields.contains_key("tools") {
        "tools"
    } else {
        "allowed-tools"
    };
    content.tools = fm.list(tools_key);
    // A frontmatter YAML error is a problem, not a read error: Claude Code still loads the file
    // (without its frontmatter), and the fields read line by line still show in lists.
    let folder = (c.key.kind == ArtifactType::Skill)
        .then(|| c.key.name.rsplit('/').next().unwrap_or(&c.key.name));
    let found = health::markdown_problems(c.key.kind.as_str(), &main_rel, &text, &fm, folder);
    content.problems.splice(0..0, found);
    // Keys read into the fields above are not repeated in `metadata`; the store reads the keys
    // its row table names from it (`ArtifactContent::front`) and leaves those out too.
    let mut extra = fm.fields;
    for k in ["name", "description", "version", tools_key] {
        extra.remove(k);
    }
    content.metadata = extra;
    content.frontmatter = true;
    content
}
