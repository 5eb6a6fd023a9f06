//! The GitLab provider end to end: a GitLab-shaped REST API v4 and a GitHub-shaped API on one
//! real HTTP/1.1 server on 127.0.0.1, a project whose deployments name GitLab and GitHub sources,
//! and `check_upstream` through the cache: versions, tags and commits resolved, 304
//! revalidation, a missing project reported per repository, the token sent to GitLab only.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::json;
use skillmeat_cache::cache::UpstreamOptions;
use skillmeat_cache::model::{Artifact, ArtifactQuery, UpstreamSummary};
use skillmeat_cache::upstream::{Gitlab, RepoQuery, UpstreamProvider};
use skillmeat_cache::{Cache, Options};

use common::write;

const TOKEN: &str = "glpat-TopSecret123";
const NEW_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// One request as the server saw it: the raw path (`%2F` kept), the query, lower-case headers.
#[derive(Debug, Clone)]
struct Req {
    path: String,
    query: String,
    headers: HashMap<String, String>,
}

/// An answer: status, body, extra headers.
type Answer = (u16, String, Vec<(String, String)>);

/// What the server answers to a request.
type Handler = fn(&Req) -> Answer;

/// A threaded HTTP/1.1 server on 127.0.0.1 answering one request per connection; stopped and
/// joined when dropped, so a failing test closes it too.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<Req>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(handler: Handler) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let _ = serve(conn, handler, &log2);
            }
        });
        Server {
            port,
            log,
            stop,
            thread: Some(thread),
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, handler: Handler, log: &Mutex<Vec<Req>>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    if let Some(n) = headers
        .get("content-length")
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::io::copy(&mut reader.by_ref().take(n), &mut std::io::sink())?;
    }
    let req = Req {
        path,
        query,
        headers,
    };
    log.lock().unwrap().push(req.clone());
    let (status, body, extra) = handler(&req);
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in extra {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    let mut conn = conn;
    conn.write_all(out.as_bytes())?;
    conn.flush()
}

fn query_param(q: &str, key: &str) -> Option<String> {
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.replace("%2F", "/").replace('+', " "))
    })
}

/// GitLab's `group/sub/proj` (releases, tags, commits) and a missing `group/gone` under
/// `/api/v4`; GitHub's `acme/tools` (releases) under `/repos`. JSON answers carry an ETag and
/// are answered 304 when it comes back.
fn apis(req: &Req) -> Answer {
    let proj = "/api/v4/projects/group%2Fsub%2Fproj/";
    let body = if let Some(endpoint) = req.path.strip_prefix(proj) {
        match endpoint {
            "releases" => json!([
                {"tag_name": "v2.0.0", "upcoming_release": true},
                {"tag_name": "v1.3.0", "released_at": "2024-05-01T00:00:00Z"},
                {"tag_name": "v1.2.0"},
            ]),
            "repository/tags" => {
                json!([{"name": "v1.1.0"}, {"name": "v1.0.0"}, {"name": "nightly"}])
            }
            "repository/commits"
                if query_param(&req.query, "ref_name").as_deref() == Some("main")
                    && query_param(&req.query, "path").as_deref() == Some("agents/tracked.md") =>
            {
                json!([{"id": NEW_SHA, "short_id": "0123456"}])
            }
            _ => return (404, r#"{"message":"404 Not Found"}"#.into(), vec![]),
        }
    } else if req.path == "/repos/acme/tools/releases" {
        json!([{"tag_name": "v0.9.0", "prerelease": false, "draft": false}])
    } else {
        return (404, r#"{"message":"404 Project Not Found"}"#.into(), vec![]);
    };
    let text = body.to_string();
    let etag = format!(
        "W/\"{}-{}\"",
        text.len(),
        text.bytes().map(u32::from).sum::<u32>()
    );
    let headers = vec![
        ("etag".to_string(), etag.clone()),
        ("content-type".to_string(), "application/json".to_string()),
    ];
    if req.headers.get("if-none-match") == Some(&etag) {
        return (304, String::new(), headers);
    }
    (200, text, headers)
}

/// A project deploying GitLab sources (nested group, `.git`, `/-/blob/` forms; one missing
/// project) and one GitHub source.
fn project(root: &Path, host: &str) -> std::path::PathBuf {
    let dir = root.join("proj");
    let c = dir.join(".claude");
    let md = |d: &str| format!("---\nname: x\ndescription: {d}\n---\nBody\n");
    write(&c.join("skills/pdf/SKILL.md"), &md("PDF"));
    write(&c.join("commands/tagged.md"), &md("Tagged"));
    write(&c.join("agents/tracked.md"), &md("Tracked"));
    write(&c.join("skills/gone/SKILL.md"), &md("Gone"));
    write(&c.join("skills/hub/SKILL.md"), &md("Hub"));
    let entry = |name: &str, kind: &str, path: &str, extra: String| {
        format!(
            "[[deployed]]\nartifact_name = \"{name}\"\nartifact_type = \"{kind}\"\nartifact_path = \"{path}\"\nfrom_collection = \"default\"\n{extra}\n"
        )
    };
    let deployed = [
        entry(
            "pdf",
            "skill",
            "skills/pdf",
            format!(
                "source = \"{host}/group/sub/proj.git/skills/pdf\"\nversion_spec = \"latest\"\nversion = \"1.2.0\""
            ),
        ),
        entry(
            "tagged",
            "command",
            "commands/tagged.md",
            format!(
                "source = \"http://{host}/group/sub/proj/-/tree/main/commands/tagged.md@v1.0.0\"\nversion = \"v1.0.0\""
            ),
        ),
        entry(
            "tracked",
            "agent",
            "agents/tracked.md",
            format!(
                "source = \"http://{host}/group/sub/proj/-/blob/main/agents/tracked.md\"\nresolved_sha = \"{}\"",
                "a".repeat(40)
            ),
        ),
        entry(
            "gone",
            "skill",
            "skills/gone",
            format!("source = \"{host}/group/gone/skills/gone\"\nversion = \"1.0.0\""),
        ),
        entry(
            "hub",
            "skill",
            "skills/hub",
            "source = \"acme/tools/skills/hub\"\nversion = \"0.8.0\"".into(),
        ),
    ];
    write(&c.join(".skillmeat-deployed.toml"), &deployed.join("\n"));
    dir
}

fn open(home: &Path, server: &Server) -> Cache {
    let env: BTreeMap<String, String> = BTreeMap::new();
    Cache::open_with_env(
        Options {
            home: Some(home.into()),
            path: Some(":memory:".into()),
            github_api_url: Some(server.base()),
            gitlab_api_url: Some(format!("{}/api/v4", server.base())),
            allow_http_hosts: Some(vec!["127.0.0.1".into()]),
            http_timeout_ms: Some(5000),
            ..Default::default()
        },
        &env,
    )
    .unwrap()
}

fn check(cache: &Cache, force: bool) -> UpstreamSummary {
    let (tx, rx) = mpsc::channel();
    cache.spawn_check_upstream(
        UpstreamOptions {
            force,
            ..Default::default()
        },
        move |r| {
            let _ = tx.send(r);
        },
    );
    rx.recv_timeout(Duration::from_secs(30)).unwrap().unwrap()
}

fn by_name(cache: &Cache, project_id: &str) -> HashMap<String, Artifact> {
    cache
        .list_artifacts(&ArtifactQuery {
            project_id: Some(project_id.into()),
            limit: Some(100),
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|a| (a.name.clone(), a))
        .collect()
}

/// The token the cache reads from the process environment wins over the home's config file.
fn expected_token() -> String {
    ["SKILLMEAT_GITLAB_TOKEN", "GITLAB_TOKEN"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| TOKEN.to_string())
}

#[test]
fn gitlab_sources_get_their_upstream_revalidate_with_304_and_fail_per_repository() {
    let server = Server::start(apis);
    let root = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join("config.toml"),
        &format!("[settings]\ngitlab-token = \"{TOKEN}\"\n"),
    );
    let cache = open(home.path(), &server);
    let host = format!("127.0.0.1:{}", server.port);
    let p = cache
        .register_project(project(root.path(), &host).to_str().unwrap())
        .unwrap();

    let s = check(&cache, false);
    // GitLab group/sub/proj: releases, tags, one commit query; group/gone: releases (404, the
    // rest answered by it); GitHub acme/tools: releases. One check asked both providers.
    assert_eq!(s.requests, 5, "{:#?}", server.seen());
    assert_eq!((s.repositories, s.artifacts), (3, 5));
    assert_eq!(s.not_modified, 0);
    let gone_key = format!("{host}/group/gone");
    assert_eq!(
        s.errors
            .iter()
            .map(|e| (e.repository.as_str(), e.code.as_str()))
            .collect::<Vec<_>>(),
        vec![(gone_key.as_str(), "NOT_FOUND")],
        "{:?}",
        s.errors
    );
    assert!(
        s.errors[0].message.contains("project group/gone not found"),
        "{}",
        s.errors[0].message
    );
    assert!(!s.errors[0].message.contains(TOKEN));

    let arts = by_name(&cache, &p.id);
    // Latest: the highest release; the upcoming v2.0.0 counts as a pre-release.
    assert_eq!(arts["pdf"].upstream_version.as_deref(), Some("v1.3.0"));
    assert_eq!(
        arts["pdf"].upstream_origin,
        Some(skillmeat_cache::model::UpstreamOrigin::Gitlab)
    );
    assert_eq!(
        arts["hub"].upstream_origin,
        Some(skillmeat_cache::model::UpstreamOrigin::Github)
    );
    assert!(arts["pdf"].is_outdated);
    // A tag pin: the highest version tag.
    assert_eq!(arts["tagged"].upstream_version.as_deref(), Some("v1.1.0"));
    assert!(arts["tagged"].is_outdated);
    // A branch: the newest commit of its path.
    assert_eq!(arts["tracked"].upstream_sha.as_deref(), Some(NEW_SHA));
    assert!(arts["tracked"].is_outdated);
    // The missing project: its artifact says why, per repository.
    let err = arts["gone"].upstream_error.as_deref().unwrap_or_default();
    assert!(err.starts_with("NOT_FOUND: project group/gone"), "{err}");
    assert_eq!(arts["gone"].upstream_version, None);
    // The GitHub source, in the same check.
    assert_eq!(arts["hub"].upstream_version.as_deref(), Some("v0.9.0"));

    let seen = server.seen();
    let gitlab: Vec<&Req> = seen
        .iter()
        .filter(|r| r.path.starts_with("/api/v4/"))
        .collect();
    assert_eq!(gitlab.len(), 4);
    assert!(
        gitlab
            .iter()
            .all(|r| r.path.starts_with("/api/v4/projects/group%2F")),
        "project paths are URL-encoded: {gitlab:?}"
    );
    let token = expected_token();
    assert!(
        gitlab
            .iter()
            .all(|r| r.headers.get("private-token") == Some(&token)
                && !r.headers.contains_key("authorization")),
        "the GitLab token goes as PRIVATE-TOKEN"
    );
    assert!(
        seen.iter()
            .filter(|r| r.path.starts_with("/repos/"))
            .all(|r| !r.headers.contains_key("private-token")),
        "the GitLab token never goes to the GitHub API"
    );

    // Forced again: every stored answer comes back 304 (the 404 has nothing to revalidate).
    let s = check(&cache, true);
    assert_eq!((s.requests, s.not_modified), (5, 4), "{:#?}", server.seen());
    let again: Vec<Req> = server.seen().into_iter().skip(5).collect();
    assert_eq!(
        again
            .iter()
            .filter(|r| r.headers.contains_key("if-none-match"))
            .count(),
        4
    );
    let arts = by_name(&cache, &p.id);
    assert_eq!(arts["pdf"].upstream_version.as_deref(), Some("v1.3.0"));
    assert_eq!(arts["tracked"].upstream_sha.as_deref(), Some(NEW_SHA));
    assert_eq!(s.errors.len(), 1);

    // Within the TTL: nothing is asked.
    let s = check(&cache, false);
    assert_eq!((s.requests, s.skipped), (0, 3));
}

#[test]
fn gitlab_provider_chosen_at_run_time_reports_errors_per_project() {
    let server = Server::start(apis);
    let limits = skillmeat_cache::http::Limits {
        timeout: Duration::from_secs(5),
        max_bytes: 1 << 20,
        allow_http: vec!["127.0.0.1".into()],
        max_redirects: 2,
    };
    let provider: Box<dyn UpstreamProvider> =
        Box::new(Gitlab::new(limits, &format!("{}/api/v4/", server.base()), None).unwrap());
    assert_eq!(provider.api_url(), format!("{}/api/v4", server.base()));
    let q = |owner: &str, repo: &str| RepoQuery {
        owner: owner.into(),
        repo: repo.into(),
        releases: true,
        ..RepoQuery::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cached = HashMap::new();
    let out = rt.block_on(provider.check(
        vec![
            q("group/sub", "proj"),
            q("group", "gone"),
            q("bad group", "x"),
            q("GROUP/SUB", "PROJ"),
        ],
        &cached,
    ));
    assert_eq!(out.repos.len(), 3, "case-insensitive merge");
    let tags = |i: usize| out.repos[i].releases.clone().unwrap();
    assert_eq!(
        tags(0)
            .unwrap()
            .iter()
            .map(|r| r.tag.as_str())
            .collect::<Vec<_>>(),
        vec!["v2.0.0", "v1.3.0", "v1.2.0"]
    );
    let gone = tags(1).unwrap_err();
    assert_eq!(gone.code, "NOT_FOUND");
    assert!(
        gone.message
            .contains("set SKILLMEAT_GITLAB_TOKEN or GITLAB_TOKEN"),
        "{gone}"
    );
    assert_eq!(tags(2).unwrap_err().code, "INVALID_ARGUMENT");
    assert_eq!(out.requests, 2, "an invalid project path is never asked");
    assert!(
        server
            .seen()
            .iter()
            .all(|r| !r.headers.contains_key("private-token"))
    );
}

/// GitLab answers 429 with its `RateLimit-*` headers to everything; GitHub as usual.
fn gitlab_limited(req: &Req) -> Answer {
    if req.path.starts_with("/api/v4/") {
        let reset = (std::time::SystemTime::now() + Duration::from_secs(3600))
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        return (
            429,
            r#"{"message":"429 Too Many Requests"}"#.into(),
            vec![
                ("ratelimit-remaining".into(), "0".into()),
                ("ratelimit-reset".into(), reset.to_string()),
            ],
        );
    }
    apis(req)
}

#[test]
fn a_gitlab_rate_limit_is_a_status_warning_naming_gitlab() {
    let server = Server::start(gitlab_limited);
    let root = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let cache = open(home.path(), &server);
    let host = format!("127.0.0.1:{}", server.port);
    let p = cache
        .register_project(project(root.path(), &host).to_str().unwrap())
        .unwrap();
    let s = check(&cache, false);
    assert!(s.rate_limited, "{s:?}");
    let st = cache.status().unwrap();
    let limited: Vec<_> = st
        .warnings
        .iter()
        .filter(|w| w.code == "RATE_LIMITED")
        .collect();
    assert_eq!(limited.len(), 1, "{:?}", st.warnings);
    assert!(
        limited[0].message.contains("GitLab API"),
        "{}",
        limited[0].message
    );
    assert!(
        limited[0].message.contains("GITLAB_TOKEN"),
        "{}",
        limited[0].message
    );
    assert!(st.upstream.rate_limited_until.is_some());

    // With nothing left to check, the check still says the limit is in force, as status() does.
    assert!(cache.unregister_project(&p.id).unwrap());
    let idle = check(&cache, true);
    assert_eq!(idle.artifacts, 0, "{idle:?}");
    assert!(idle.rate_limited, "{idle:?}");
    assert_eq!(idle.rate_limit_reset_at, st.upstream.rate_limited_until);
    cache.close();
}
