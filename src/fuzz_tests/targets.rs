//! The fuzz targets: one per kind of outside input, each calling the product's own entry points
//! the way the scanner, the marketplace refresh, the upstream check and search call them.

use std::path::Path;

use super::seeds::{self, MARKETPLACES, PROJECTS, files, handwritten};
use super::{Rng, Target, fnv, fuzz, generate};
use crate::scan::{frontmatter, health, manifest};
use crate::search::{DocKind, SearchDoc, SearchIndex, SearchQuery, SortBy};
use crate::upstream::github::DEFAULT_API_URL;
use crate::upstream::provider::{CommitQuery, RepoAnswer};
use crate::upstream::{answer, resolve, spec};
use crate::version;

/// Builds a target.
type Make = fn() -> Target;

/// Every target by name (the folder names under `tests/fuzz-regressions/`).
pub(crate) const ALL: &[(&str, Make)] = &[
    ("frontmatter", frontmatter),
    ("deployed", deployed),
    ("project", project),
    ("collection_toml", collection_toml),
    ("collection_lock", collection_lock),
    ("marketplace_toml", marketplace_toml),
    ("marketplace_json", marketplace_json),
    ("github", github),
    ("source_spec", source_spec),
    ("version", version_strings),
    ("search", search),
];

/// Tokens shared by the TOML targets.
const TOML_TOKENS: &[&str] = &[
    "[[",
    "]]",
    " = ",
    "\"\"\"",
    "'''",
    "1979-05-27T07:32:00Z",
    "inf",
    "nan",
    "0x",
    "0o",
    "0b",
    "1_000",
    "+",
    "[a.b.c]",
    "a.\"b\".c = 1",
    "{ x = 1 }",
    "\\U0001F525",
    "\\u00e9",
    "[ ",
    "= [",
];

fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

const FM_KEYS: &[&str] = &[
    "name",
    "description",
    "tools",
    "allowed-tools",
    "argument-hint",
    "tags",
    "version",
    "model",
    "author",
    "license",
    "color",
    "metadata",
    "keywords",
    "user-invocable",
];

fn frontmatter() -> Target {
    let edges = handwritten(&[
        "---\n---\n",
        "---\n",
        "---\r\nname: x\r\n---\r\nbody",
        "\u{feff}---\nname: a\n---\n",
        "---\nname: a\nname: b\n---\n",
        "---\ndescription: a: b: c\n---\n",
        "---\ndescription: \"open\n---\n",
        "---\ntools: [Read, \n---\n",
        "---\n- a\n- b\n---\n",
        "---\na: &x [*x]\n---\n",
        "---\n? [a, b]\n: c\n---\n",
        "---\n{a: 1}: b\n---\n",
        "---\nargument-hint: [project-name]\n---\n",
        "---\ntools: Read, LS, Bash(git:*), Nope\n---\n",
        "---\nname: 'it''s'\n---\n",
        "---\nx: !!binary aGk=\n---\n",
        "---\nn: 1e999\n---\n",
        "---\nname:\n  - 1\n  - 2.5\n---\n",
        "# Title only",
        "",
        "---",
    ]);
    Target {
        name: "frontmatter",
        seeds: [files(PROJECTS, &[".md"]), edges].concat(),
        tokens: &[
            "name:",
            "description:",
            "tools:",
            "allowed-tools:",
            "argument-hint:",
            "tags:",
            "<<: *a",
            "? ",
            "%YAML 1.2\n",
            "!!python/object:x ",
            "!!binary ",
            "&anchor ",
            "*anchor",
            "\n---\n",
            "|-\n",
            ">+\n",
            "\n  - ",
            "{a: [b, {c: d}]}",
            "\"\\x00\"",
            "\n  ",
            ": |\n",
        ],
        generate: |rng| generate::frontmatter(rng, FM_KEYS),
        run: Box::new(|b| {
            let text = text(b);
            let fm = frontmatter::parse(&text);
            for k in FM_KEYS {
                let _ = (fm.string(k), fm.list(k));
            }
            for kind in ["skill", "agent", "command", "hook"] {
                let problems = health::markdown_problems(kind, "a/SKILL.md", &text, &fm, Some("a"));
                let _ = crate::model::health_of(&problems);
            }
            flow_depth_agrees(&text);
        }),
    }
}

/// What the flow-depth guard rejects, the YAML parser rejects too (checked on small inputs,
/// where parsing is quick whatever the depth).
fn flow_depth_agrees(text: &str) {
    let yaml = text.strip_prefix("---\n").unwrap_or(text);
    let yaml = yaml.split("\n---").next().unwrap_or(yaml);
    if yaml.len() <= 2048 && crate::scan::flow_depth::deeper_than(yaml, 128).is_some() {
        let parsed = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(yaml);
        assert!(
            parsed.is_err(),
            "the guard rejects YAML that parses: {yaml:?}"
        );
    }
}

const DEPLOYED_KEYS: &[&str] = &[
    "artifact_name",
    "name",
    "artifact_type",
    "type",
    "from_collection",
    "deployed_at",
    "artifact_path",
    "content_hash",
    "collection_sha",
    "local_modifications",
    "source",
    "upstream",
    "version_spec",
    "version",
    "resolved_version",
    "deployed_version",
    "resolved_sha",
    "sha",
    "origin",
    "deployed",
];

fn deployed() -> Target {
    let edges = handwritten(&[
        "deployed = 1",
        "deployed = [1, \"x\"]",
        "[[deployed]]\n",
        "[deployed]\nartifact_name = \"x\"",
        "[[deployed]]\nartifact_name = 1\nartifact_type = 2.5\ncontent_hash = \"SHA256:AB\"",
        "[[deployed]]\nname = \"a\"\ntype = \"MCP_SERVERS\"\nartifact_path = \"a\\\\b\"\ndeployed_at = 1979-05-27",
        "[[deployed]]\nartifact_name = \"a\"\n[[deployed]]\nartifact_name = \"a\"\nartifact_type = \"skill\"",
        "a = \"\\uD800\"",
        "x = 1\nx = 2",
        "[a]\n[a]",
    ]);
    Target {
        name: "deployed",
        seeds: [files(PROJECTS, &[".skillmeat-deployed.toml"]), edges].concat(),
        tokens: TOML_TOKENS,
        generate: |rng| generate::toml_doc(rng, &["deployed"], DEPLOYED_KEYS),
        run: Box::new(|b| {
            let _ = manifest::parse_deployed(".claude/.skillmeat-deployed.toml", &text(b));
        }),
    }
}

fn project() -> Target {
    let edges = handwritten(&[
        "[project]\nname = \"a\"",
        "project = \"x\"",
        "name = 1\ndescription = 1979-05-27",
        "[project]\nname = \"\"\ndescription = [1]",
        "[project.name]\nx = 1",
    ]);
    Target {
        name: "project",
        seeds: [files(PROJECTS, &[".skillmeat-project.toml"]), edges].concat(),
        tokens: TOML_TOKENS,
        generate: |rng| generate::toml_doc(rng, &["project"], &["name", "description", "project"]),
        run: Box::new(|b| {
            let _ = manifest::parse_project(".claude/.skillmeat-project.toml", &text(b));
        }),
    }
}

const COLLECTION_KEYS: &[&str] = &[
    "name",
    "type",
    "upstream",
    "source",
    "version_spec",
    "resolved_sha",
    "resolved_version",
    "content_hash",
    "tags",
    "artifacts",
    "collection",
    "version",
    "created",
];

/// One collection's manifest and lock through [`manifest::parse_collection`], then looked up.
fn collection(manifest: &str, lock: &str) {
    let mut out = manifest::Collections::default();
    manifest::parse_collection(
        &mut out,
        "default",
        Some(("collection.toml", manifest)),
        Some(("collection.lock", lock)),
    );
    let keys: Vec<(String, String)> = out
        .entries
        .keys()
        .map(|(_, n, k)| (n.clone(), k.clone()))
        .collect();
    for (name, kind) in keys.iter().take(50) {
        let _ = (
            out.find(None, name, kind),
            out.find(Some("default"), name, kind),
        );
    }
}

/// The sample collection's files, the fixed half of the collection targets.
fn sample_collection(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/sample/home/collections/default")
            .join(file),
    )
    .unwrap_or_default()
}

fn collection_edges() -> Vec<Vec<u8>> {
    handwritten(&[
        "[[artifacts]]\nname = \"a\"\ntype = \"skills\"\ntags = [1, \"x\", [2]]",
        "artifacts = 1",
        "artifacts = [1, { name = \"a\", type = \"agent\" }]",
        "[\"a::skill\"]\nresolved_sha = 1",
        "[x]\n[x.\"a::agent\"]\ncontent_hash = \"sha256:AB\"",
        "[x.y]\n[x.y.\"a::b\"]\nz = 1",
        "[\"::\"]\n[\"a::b::c\"]",
        "\"a::b\" = 1",
    ])
}

/// A target fuzzing one of a collection's files (`own`), the other one being the sample's.
fn collection_target(name: &'static str, own: &str, generate: fn(&mut Rng) -> Vec<u8>) -> Target {
    let is_manifest = own == "collection.toml";
    let other = sample_collection(if is_manifest {
        "collection.lock"
    } else {
        "collection.toml"
    });
    Target {
        name,
        seeds: [files(PROJECTS, &[own]), collection_edges()].concat(),
        tokens: TOML_TOKENS,
        generate,
        run: Box::new(move |b| match is_manifest {
            true => collection(&text(b), &other),
            false => collection(&other, &text(b)),
        }),
    }
}

fn collection_toml() -> Target {
    collection_target("collection_toml", "collection.toml", |rng| {
        generate::toml_doc(rng, &["artifacts", "collection"], COLLECTION_KEYS)
    })
}

fn collection_lock() -> Target {
    collection_target("collection_lock", "collection.lock", |rng| {
        let names = [
            "code-reviewer::agent",
            "a::skill",
            "x",
            "pdf::skills",
            "::",
            "lock",
        ];
        generate::toml_doc(rng, &names, COLLECTION_KEYS)
    })
}

fn marketplace_toml() -> Target {
    let edges = handwritten(&[
        "[[sources]]\nname = \"official\"\nurl = \"https://example.com/marketplace.json\"\nttl_hours = 6",
        "[[sources]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/x\"\n[[sources]]\nname = \"b\"\nurl = \"https://b\"\nttl_hours = -5",
        "[[sources]]\nname = \"a\"",
        "sources = 1",
        "sources = [1, 2]",
        "[[sources]]\nttl_hours = 9223372036854775807\nname = \"a\"\nurl = \"u\"",
        "sources = [{ name = \"a\", url = \"b\", ttl_hours = 1.5 }]",
    ]);
    Target {
        name: "marketplace_toml",
        seeds: edges,
        tokens: TOML_TOKENS,
        generate: |rng| {
            generate::toml_doc(rng, &["sources"], &["name", "url", "ttl_hours", "sources"])
        },
        run: Box::new(|b| {
            let _ = crate::config::parse_market_sources(Path::new("marketplace.toml"), &text(b));
        }),
    }
}

const MARKET_KEYS: &[&str] = &[
    "name",
    "plugins",
    "listings",
    "artifacts",
    "entries",
    "items",
    "type",
    "version",
    "description",
    "author",
    "category",
    "tags",
    "keywords",
    "source",
    "repository",
    "homepage",
    "repo",
    "url",
    "package",
    "path",
    "ref",
    "owner",
    "$schema",
    "metadata",
];

/// Tokens shared by the JSON targets.
const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\\"",
    "\\u0000",
    "\\ud800",
    "\\udc00",
    "1e400",
    "-0",
    "18446744073709551616",
    "null",
    "{\"name\":\"x\"}",
    "\"name\":",
    "\"source\":",
    "\"plugins\":[",
    "\"tag_name\":",
    "\"sha\":",
    "\"tree\":[",
    "\"path\":",
    "\"message\":",
];

fn marketplace_json() -> Target {
    let real = files(MARKETPLACES, &[".json"]);
    let edges = handwritten(&[
        "[]",
        "{}",
        "[{\"name\":\"a\"},{}]",
        "{\"plugins\":{}}",
        "{\"listings\":[{\"name\":{\"name\":1}}]}",
        "{\"plugins\":[{\"name\":\"a\",\"source\":{\"repo\":\"o/r.git\",\"path\":\"//\",\"ref\":\"\"}}]}",
        "{\"items\":[{\"name\":1e400,\"tags\":\"a,,b\",\"keywords\":[1]}]}",
        "1",
        "\"x\"",
        "null",
        "{\"plugins\":[{\"name\":\"a\",\"source\":{\"url\":\"https://github.com/.git\"}}]}",
    ]);
    Target {
        name: "marketplace_json",
        seeds: [seeds::json_chunks(&real, 4), real, edges].concat(),
        tokens: JSON_TOKENS,
        generate: |rng| {
            let top = ["plugins", "listings", "artifacts", "entries", "items"];
            let items: Vec<String> = (0..rng.below(6))
                .map(|_| generate::json_value(rng, MARKET_KEYS, 3))
                .collect();
            format!(
                "{{\"name\":\"m\",\"{}\":[{}]}}",
                rng.pick(&top),
                items.join(",")
            )
            .into_bytes()
        },
        run: Box::new(|b| {
            let Ok(doc) = serde_json::from_slice::<serde_json::Value>(b) else {
                return;
            };
            if let Ok(listing) = crate::market::parse::parse(&doc) {
                let _ = doc.to_string();
                let versions = listing.entries.iter().filter_map(|e| e.version.as_deref());
                let _ = version::highest(versions, true);
            }
        }),
    }
}

const GITHUB_KEYS: &[&str] = &[
    "tag_name",
    "prerelease",
    "draft",
    "published_at",
    "name",
    "sha",
    "tree",
    "truncated",
    "path",
    "type",
    "message",
    "commit",
    "url",
];

fn github() -> Target {
    let edges = handwritten(&[
        "[{\"tag_name\":\"v1.2.0\",\"prerelease\":false,\"draft\":false,\"published_at\":\"2025-01-01T00:00:00Z\"},{\"tag_name\":\"v1.3.0-rc.1\",\"prerelease\":true},{\"tag_name\":\"\",\"draft\":true},{\"tag_name\":null}]",
        "{\"tag_name\":\"v9.9.9\",\"prerelease\":false,\"draft\":false}",
        "[{\"name\":\"v1.0.0\",\"commit\":{\"sha\":\"0000000\",\"url\":\"x\"}},{\"name\":\"latest\"},{\"name\":\"1.2\"}]",
        "[{\"sha\":\"c0ffee1234567890abcdef1234567890abcdef12\",\"commit\":{\"message\":\"m\"}}]",
        "[]",
        "{\"sha\":\"abc\",\"tree\":[{\"path\":\"skills/pdf\",\"type\":\"tree\",\"sha\":\"d\"},{\"path\":\"skills/pdf/SKILL.md\",\"type\":\"blob\",\"sha\":\"e\"}],\"truncated\":true}",
        "{\"message\":\"API rate limit exceeded for 1.2.3.4.\",\"documentation_url\":\"https://docs\"}",
        "{\"message\":null}",
        "{\"sha\":1}",
        "[{\"tag_name\":1}]",
    ]);
    Target {
        name: "github",
        seeds: edges,
        tokens: JSON_TOKENS,
        generate: |rng| generate::json_value(rng, GITHUB_KEYS, 4).into_bytes(),
        run: Box::new(|b| github_body(&text(b), b)),
    }
}

/// One API body read as every endpoint's answer, then resolved as the upstream check does.
fn github_body(body: &str, raw: &[u8]) {
    let _ = answer::error_detail(raw);
    let mut a = RepoAnswer {
        owner: "o".into(),
        repo: "r".into(),
        releases: answer::releases(body)
            .or_else(|_| answer::latest_release(body))
            .ok()
            .map(Ok),
        tags: answer::tags(body).ok().map(Ok),
        commits: Vec::new(),
        trees: Vec::new(),
    };
    if let Ok(sha) = answer::newest_commit(body) {
        let q = CommitQuery {
            git_ref: Some("main".into()),
            path: None,
        };
        a.commits.push((q, Ok(sha)));
    }
    let refs: Vec<String> = a
        .tags
        .iter()
        .flatten()
        .flatten()
        .take(20)
        .cloned()
        .collect();
    for r in &refs {
        let _ = answer::endpoint_url(
            DEFAULT_API_URL,
            "o",
            "r",
            &format!("git/trees/{r}"),
            &[("sha", r)],
        );
    }
    if let Ok(tree) = answer::tree(body) {
        let paths: Vec<String> = tree.entries.keys().take(20).cloned().collect();
        for p in paths.iter().map(Some).chain([None]) {
            let _ = tree.at(p.map(String::as_str));
        }
    }
    let specs = [
        spec::VersionSpec::Latest,
        spec::VersionSpec::Tag("v1.0.0-beta".into()),
        spec::VersionSpec::Branch("main".into()),
        spec::VersionSpec::Sha("c0ffee1".into()),
    ];
    for s in &specs {
        for deployed in [None, Some("1.0.0"), Some("2.0.0-rc.1")] {
            let _ = resolve::resolve(&a, s, None, deployed);
        }
    }
}

fn source_spec() -> Target {
    let keys = [
        "source",
        "upstream",
        "repository",
        "repo",
        "url",
        "version_spec",
    ];
    let real = seeds::real_values(&[".toml", ".lock"], &keys);
    let edges = handwritten(&[
        "acme/skills",
        "acme/skills/pdf@v1.2.0",
        "o/r/a@feature/x",
        "o/r/@scope/pkg",
        "https://github.com/o/r/tree/main/skills/pdf",
        "https://github.com/o/r/blob/v1/a.md?x=1#y",
        "github.com/o/r.git",
        "www.github.com/o/r\n^1.2",
        "o/r\nlatest",
        "o/r\n*",
        "o/r\nc0ffee1",
        "C:\\x",
        "./local",
        "~/x",
        "o/r/../x",
        "@",
        "o@",
        "/@",
        "a/b@",
        "o/r@ \n1.0",
        "ftp://github.com/o/r",
        "https://gitlab.com/o/r",
        "-o/r",
        "o/.",
        "o/..",
    ]);
    Target {
        name: "source_spec",
        seeds: [real, edges].concat(),
        tokens: &[
            "github.com/",
            "https://",
            "/tree/",
            "/blob/",
            "@",
            "/",
            ".git",
            "?",
            "#",
            "..",
            "~",
            "C:",
            "\\",
            "\n",
            "latest",
            "^",
            "*",
        ],
        generate: generate::source_spec,
        run: Box::new(|b| spec_input(&text(b))),
    }
}

/// A source spec (first line) with an optional version spec (second line), through parsing,
/// grouping into queries, the URLs those queries ask, and resolving against an empty answer.
fn spec_input(input: &str) {
    let (source, version_spec) = match input.split_once('\n') {
        Some((s, v)) => (s, Some(v)),
        None => (input, None),
    };
    let _ = spec::VersionSpec::parse(version_spec.unwrap_or(source));
    let Some(s) = spec::parse(source, version_spec) else {
        return;
    };
    let _ = s.repo_key();
    let _ = (spec::valid_owner(&s.owner), spec::valid_repo(&s.repo));
    let queries = resolve::queries([&s]);
    let trees = resolve::tree_queries([(&s, None), (&s, Some(s.owner.clone()))]);
    for q in queries.iter().chain(&trees) {
        for c in q.commits.iter().chain(&q.latest_commits) {
            let mut query = vec![("per_page", "1")];
            query.extend(c.git_ref.as_deref().map(|r| ("sha", r)));
            query.extend(c.path.as_deref().map(|p| ("path", p)));
            let _ = answer::endpoint_url(DEFAULT_API_URL, &q.owner, &q.repo, "commits", &query);
        }
        for t in &q.trees {
            let endpoint = format!("git/trees/{}", t.as_deref().unwrap_or("HEAD"));
            let _ = answer::endpoint_url(DEFAULT_API_URL, &q.owner, &q.repo, &endpoint, &[]);
        }
    }
    let empty = RepoAnswer {
        owner: s.owner.clone(),
        repo: s.repo.clone(),
        releases: None,
        tags: None,
        commits: Vec::new(),
        trees: Vec::new(),
    };
    let _ = resolve::resolve(&empty, &s.version, s.path.as_deref(), version_spec);
}

fn version_strings() -> Target {
    let keys = [
        "version",
        "resolved_version",
        "version_spec",
        "deployed_version",
    ];
    let real = seeds::real_values(&[".toml", ".lock", ".md"], &keys);
    let edges = handwritten(&[
        "1.2.3\n1.2.3-rc.1\nv1.2.3+build.5\n=1.2\n1\n01.2.3\n1.2.3.4",
        "9007199254740991.0.0\n9007199254740992.0.0\n18446744073709551616",
        "1.0.0-alpha\n1.0.0-alpha.1\n1.0.0-alpha.beta\n1.0.0-beta.2\n1.0.0-beta.11\n1.0.0-rc.1\n1.0.0",
        "c0ffee1\nc0ffee1234567890abcdef1234567890abcdef12\n1234567\nC0FFEE1",
        "^1.2\n~1.2.3\n>=1.0\n1.x\n1.2.*\n*\nlatest",
        "1.0.0-\n1.0.0+\n1..0\nv\n-\n+\n.",
        "1.0.0-01\n1.0.0-a..b\n1.0.0+a+b",
    ]);
    Target {
        name: "version",
        seeds: [real, edges].concat(),
        tokens: &[
            "v",
            "=",
            ".",
            "-",
            "+",
            "^",
            "~",
            ">=",
            "x",
            "*",
            "0",
            "01",
            "9007199254740992",
            "\n",
            "latest",
            "c0ffee1",
        ],
        generate: |rng| {
            let lines: Vec<String> = (0..1 + rng.below(6))
                .map(|_| generate::version(rng))
                .collect();
            lines.join("\n").into_bytes()
        },
        run: Box::new(|b| versions(&text(b))),
    }
}

/// Each line parsed; each pair compared both ways (the comparison must be antisymmetric);
/// the highest picked with and without pre-releases (it must be one of the lines).
fn versions(input: &str) {
    let lines: Vec<&str> = input.lines().take(64).collect();
    for l in &lines {
        let _ = (version::parse(l), spec::VersionSpec::parse(l));
        assert!(
            !version::outdated(l, l).0,
            "{l:?} is outdated against itself"
        );
    }
    for a in lines.iter().take(4) {
        for b in lines.iter().take(4) {
            let (ab, ba) = (version::compare(a, b), version::compare(b, a));
            assert_eq!(
                ab.order,
                ba.order.map(std::cmp::Ordering::reverse),
                "{a:?} vs {b:?}"
            );
            assert_eq!(ab.diff, ba.diff, "{a:?} vs {b:?}");
            let _ = version::outdated(a, b);
        }
    }
    for pre in [false, true] {
        if let Some(h) = version::highest(lines.iter().copied(), pre) {
            assert!(lines.contains(&h), "highest {h:?} is not a candidate");
        }
    }
}

/// Documents for the search target: the corpus's artifacts and marketplace entries.
fn search_docs() -> Vec<SearchDoc> {
    let mut docs = Vec::new();
    for (i, md) in files(PROJECTS, &[".md"]).iter().enumerate().take(300) {
        let fm = frontmatter::parse(&String::from_utf8_lossy(md));
        let name = fm.string("name").unwrap_or_else(|| format!("artifact-{i}"));
        docs.push(SearchDoc {
            id: format!("a{i}"),
            kind: if i % 5 == 0 {
                DocKind::Entry
            } else {
                DocKind::Artifact
            },
            display_name: name.clone(),
            name,
            artifact_type: ["skill", "agent", "command"][i % 3].into(),
            tags: fm
                .list("tags")
                .into_iter()
                .chain(fm.list("tools"))
                .collect(),
            source: Some(format!("acme/skills/{i}")),
            description: fm.string("description"),
            project_id: Some(format!("p{}", i % 7)),
            project_name: Some(format!("project {}", i % 7)),
            origin: ["local", "collection", "marketplace"][i % 3].into(),
            status: "ok".into(),
            outdated: i % 4 == 0,
            health: ["ok", "degraded", "broken"][i % 3].into(),
            updated_at: i as i64,
        });
    }
    docs
}

fn search() -> Target {
    let index = SearchIndex::open_in_ram().and_then(|ix| ix.rebuild(search_docs(), 1).map(|_| ix));
    let index = index.ok();
    let words: Vec<Vec<u8>> = search_docs()
        .into_iter()
        .take(60)
        .flat_map(|d| [d.name, d.description.unwrap_or_default()])
        .map(String::into_bytes)
        .collect();
    let edges = handwritten(&[
        "",
        " ",
        "code-reviewer",
        "Code-Reviewer AND \"unterminated name:foo [1 TO 2] 🔥 Café",
        "pdf pdf",
        "codereviewer",
        "reveiwer",
        "*",
        "name:",
        "\"",
        "🔥🔥 !!! ::",
        "ǅ ß İ ﬃ",
        "a b c d e f g h i j k l m",
    ]);
    Target {
        name: "search",
        seeds: [words, edges].concat(),
        tokens: &[
            "AND", "OR", "NOT", "\"", ":", "*", "~2", "^3", "[1 TO 2]", "-", "+", " ", "name:",
            "ﬃ", "ǅ",
        ],
        generate: generate::query,
        run: Box::new(move |b| {
            let Some(index) = &index else {
                panic!("the search index for the fuzz target could not be built");
            };
            let _ = index.search(&query_for(b));
        }),
    }
}

/// A search for the input's text, with filters, sort and page chosen by the input's hash (so a
/// regression file replays the same search).
fn query_for(b: &[u8]) -> SearchQuery {
    let mut rng = Rng::new(fnv(b));
    let text = text(b).into_owned();
    let some = |rng: &mut Rng, xs: &[&str]| rng.one_in(4).then(|| rng.pick(xs).to_string());
    SearchQuery {
        tags: text
            .split_whitespace()
            .take(rng.below(3))
            .map(str::to_string)
            .collect(),
        kind: rng.one_in(4).then(|| {
            if rng.one_in(2) {
                DocKind::Entry
            } else {
                DocKind::Artifact
            }
        }),
        artifact_type: some(&mut rng, &["skill", "agent", "plugin", ""]),
        project_id: some(&mut rng, &["p1", "p9", "\u{0}"]),
        source: some(&mut rng, &["acme/skills/1", "x"]),
        origin: some(&mut rng, &["local", "marketplace"]),
        status: some(&mut rng, &["ok", "stale"]),
        health: some(&mut rng, &["ok", "broken"]),
        outdated: rng.one_in(4).then(|| rng.one_in(2)),
        sort_by: rng
            .one_in(2)
            .then(|| rng.pick(&[SortBy::Relevance, SortBy::Name, SortBy::Updated])),
        order: rng
            .one_in(2)
            .then(|| rng.pick(&[crate::model::Order::Asc, crate::model::Order::Desc])),
        offset: rng.pick(&[0, 0, 1, 19, 10_000, usize::MAX]),
        limit: rng.pick(&[20, 0, 1, 10_000, usize::MAX]),
        text,
    }
}

#[test]
fn fuzz_frontmatter() {
    fuzz(&frontmatter());
}

#[test]
fn fuzz_deployed() {
    fuzz(&deployed());
}

#[test]
fn fuzz_project() {
    fuzz(&project());
}

#[test]
fn fuzz_collection_toml() {
    fuzz(&collection_toml());
}

#[test]
fn fuzz_collection_lock() {
    fuzz(&collection_lock());
}

#[test]
fn fuzz_marketplace_toml() {
    fuzz(&marketplace_toml());
}

#[test]
fn fuzz_marketplace_json() {
    fuzz(&marketplace_json());
}

#[test]
fn fuzz_github() {
    fuzz(&github());
}

#[test]
fn fuzz_source_spec() {
    fuzz(&source_spec());
}

#[test]
fn fuzz_version() {
    fuzz(&version_strings());
}

#[test]
fn fuzz_search() {
    fuzz(&search());
}
