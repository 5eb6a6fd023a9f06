//! Seed inputs: real files from `../shared/corpus` (when present) and `examples/sample`.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus/<sub>` and `examples/sample/<sub>`-style folders that exist.
fn dirs(subs: &[&str]) -> Vec<PathBuf> {
    subs.iter()
        .map(|s| root().join(s))
        .filter(|d| d.is_dir())
        .collect()
}

/// Every file under `subs` (folders relative to the repository) whose name ends with one of
/// `suffixes`, in a stable order.
pub(crate) fn files(subs: &[&str], suffixes: &[&str]) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = dirs(subs)
        .into_iter()
        .flat_map(|d| walkdir::WalkDir::new(d).into_iter().flatten())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            suffixes.iter().any(|s| name.ends_with(s))
        })
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Where real projects and collections live.
pub(crate) const PROJECTS: &[&str] = &["../shared/corpus/projects", "examples/sample"];
/// Where real marketplace manifests live.
pub(crate) const MARKETPLACES: &[&str] = &["../shared/corpus/marketplaces"];

/// Handwritten inputs as bytes.
pub(crate) fn handwritten(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// Small documents cut out of large JSON seeds: each array of more than `chunk` elements
/// (e.g. `plugins`) split into documents of `chunk` elements, other keys kept.
pub(crate) fn json_chunks(seeds: &[Vec<u8>], chunk: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for doc in seeds
        .iter()
        .filter_map(|s| serde_json::from_slice::<serde_json::Value>(s).ok())
    {
        let Some(obj) = doc.as_object() else { continue };
        for (k, v) in obj {
            let Some(items) = v.as_array().filter(|a| a.len() > chunk) else {
                continue;
            };
            for part in items.chunks(chunk) {
                let mut small = obj.clone();
                small.insert(k.clone(), serde_json::Value::Array(part.to_vec()));
                out.push(serde_json::Value::Object(small).to_string().into_bytes());
            }
        }
    }
    out
}

/// [`string_values`] of `keys` in the project files ending with `suffixes` and in the
/// marketplace manifests.
pub(crate) fn real_values(suffixes: &[&str], keys: &[&str]) -> Vec<Vec<u8>> {
    let sample = [files(PROJECTS, suffixes), files(MARKETPLACES, &[".json"])].concat();
    string_values(&sample, keys)
}

/// The values of `key = "…"` lines of TOML seeds, and of `"key": "…"` pairs of JSON seeds.
fn string_values(seeds: &[Vec<u8>], keys: &[&str]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for s in seeds {
        let text = String::from_utf8_lossy(s);
        for line in text.lines() {
            let Some((k, v)) = line.split_once(['=', ':']) else {
                continue;
            };
            let k = k.trim().trim_matches('"');
            if !keys.contains(&k) {
                continue;
            }
            let v = v.trim().trim_end_matches(',').trim().trim_matches('"');
            if !v.is_empty() && !out.iter().any(|o| o == v.as_bytes()) {
                out.push(v.as_bytes().to_vec());
            }
        }
    }
    out
}
