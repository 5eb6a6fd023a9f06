//! The modules of `src/` form layers: no module reaches, through `crate::…` paths, a module that
//! reaches back to it. Tests, the Node binding and the fuzz harness sit above everything and are
//! not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules its (non-test, non-comment) code names.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let top = first.trim_end_matches(".rs").to_string();
            if ["lib", "binding", "fuzz_tests"].contains(&top.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
            let names = deps.entry(top.clone()).or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for part in line.split("crate::").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != top {
                        names.insert(name);
                    }
                }
            }
        }
    }
    deps
}

fn reaches(deps: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_string()]];
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap().clone();
        for next in deps.get(&last).into_iter().flatten() {
            if next == to {
                let mut p = path.clone();
                p.push(next.clone());
                return Some(p);
            }
            if seen.insert(next.clone()) {
                let mut p = path.clone();
                p.push(next.clone());
                stack.push(p);
            }
        }
    }
    None
}

#[test]
fn modules_have_no_cycles() {
    let deps = dependencies();
    assert!(
        deps.contains_key("cache") && deps.contains_key("store"),
        "{deps:?}"
    );
    let mut cycles = Vec::new();
    for (module, names) in &deps {
        for name in names {
            if let Some(back) = reaches(&deps, name, module) {
                cycles.push(format!("{module} -> {}", back.join(" -> ")));
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

/// The layers of docs/architecture.md, lowest first. A module names only modules of lower
/// layers; the base's modules may name each other (without cycles, checked above). A new module
/// must be placed here.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "base",
        &[
            "error",
            "private_fs",
            "panic",
            "values",
            "version",
            "options",
            "model",
            "config",
            "http",
        ],
    ),
    ("readers", &["scan", "market", "upstream", "events"]),
    ("keepers", &["store", "search", "watch"]),
    ("cache", &["cache"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

#[test]
fn each_layer_names_only_the_layers_below_it() {
    let deps = dependencies();
    let mut wrong = Vec::new();
    for (module, names) in &deps {
        let Some(own) = layer_of(module) else {
            wrong.push(format!("{module} is in no layer of LAYERS"));
            continue;
        };
        for name in names {
            match layer_of(name) {
                None => wrong.push(format!("{module} names {name}, which is in no layer")),
                Some(l) if l > own || (l == own && own > 0) => wrong.push(format!(
                    "{module} ({}) names {name} ({})",
                    LAYERS[own].0, LAYERS[l].0
                )),
                Some(_) => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layer order broken:\n{}",
        wrong.join("\n")
    );
}
