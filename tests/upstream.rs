//! The GitHub upstream provider against a real HTTP/1.1 server on 127.0.0.1 serving GitHub-shaped
//! JSON: revalidation, errors of every kind, rate limits, token handling, request counts, and the
//! resolution of artifacts' upstream versions and commits.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use skillmeat_cache::http::{self as fetch, Limits};
use skillmeat_cache::upstream::{
    CheckOutcome, CommitQuery, GithubConfig, RateLimit, RemoteError, RepoQuery, check, queries,
    resolve, resolve_spec, spec,
};
use skillmeat_cache::version::{VersionDiff as Diff, outdated};

const TOKEN: &str = "ghp_TopSecretToken123";

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 server
// ---------------------------------------------------------------------------------------------

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Req {
    /// Path without the query.
    path: String,
    /// Decoded query pairs.
    query: Vec<(String, String)>,
    /// Lower-case header names.
    headers: HashMap<String, String>,
}

impl Req {
    fn q(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }

    fn h(&self, k: &str) -> Option<&str> {
        self.headers.get(k).map(String::as_str)
    }
}

/// What to answer.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
    /// Send `Content-Length` (else the body ends when the connection closes).
    length: bool,
}

impl Reply {
    fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
            length: true,
        }
    }

    /// A JSON 200 with an ETag derived from the body.
    fn json(v: serde_json::Value) -> Reply {
        let body = v.to_string();
        let mut h = DefaultHasher::new();
        body.hash(&mut h);
        Reply::new(200, body).header("etag", &format!("\"{:016x}\"", h.finish()))
    }

    fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

type Handler = Arc<dyn Fn(&Req) -> Reply + Send + Sync>;

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    async fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (seen2, handler): (_, Handler) = (seen.clone(), Arc::new(handler));
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (seen, handler) = (seen2.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = connection(sock, seen, handler).await;
                });
            }
        });
        Server { port, seen }
    }

    fn api(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Req> {
        self.seen.lock().unwrap().clone()
    }

    fn hits(&self, path_prefix: &str) -> usize {
        self.seen()
            .iter()
            .filter(|r| r.path.starts_with(path_prefix))
            .count()
    }
}

async fn connection(
    sock: tokio::net::TcpStream,
    seen: Arc<Mutex<Vec<Req>>>,
    handler: Handler,
) -> std::io::Result<()> {
    let mut sock = BufReader::new(sock);
    loop {
        let mut line = String::new();
        if sock.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            sock.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        if let Some(n) = headers
            .get("content-length")
            .and_then(|n| n.parse::<usize>().ok())
        {
            let mut skip = vec![0; n];
            sock.read_exact(&mut skip).await?;
        }
        let url = reqwest::Url::parse(&format!("http://x{target}")).unwrap();
        let req = Req {
            path: url.path().to_string(),
            query: url
                .query_pairs()
                .map(|(a, b)| (a.into(), b.into()))
                .collect(),
            headers,
        };
        seen.lock().unwrap().push(req.clone());
        let mut reply = handler(&req);
        let etag = reply
            .headers
            .iter()
            .find(|(k, _)| k == "etag")
            .map(|(_, v)| v.clone());
        if reply.status == 200 && etag.is_some() && req.h("if-none-match") == etag.as_deref() {
            reply.status = 304;
            reply.body.clear();
        }
        tokio::time::sleep(reply.delay).await;
        let mut head = format!("HTTP/1.1 {} X\r\n", reply.status);
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if reply.length {
            head.push_str(&format!("content-length: {}\r\n\r\n", reply.body.len()));
        } else {
            head.push_str("connection: close\r\n\r\n");
        }
        let s = sock.get_mut();
        s.write_all(head.as_bytes()).await?;
        s.write_all(&reply.body).await?;
        s.flush().await?;
        if !reply.length {
            return s.shutdown().await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(10),
        max_bytes: 64 * 1024,
        allow_http: vec!["127.0.0.1".into(), "localhost".into()],
        max_redirects: 3,
    }
}

fn config(server: &Server, token: Option<&str>) -> GithubConfig {
    GithubConfig {
        api_url: server.api(),
        token: token.map(String::from),
        ..GithubConfig::new(limits())
    }
}

fn client(cfg: &GithubConfig) -> reqwest::Client {
    fetch::client(&cfg.limits).unwrap()
}

fn query(owner: &str, repo: &str) -> RepoQuery {
    RepoQuery {
        owner: owner.into(),
        repo: repo.into(),
        ..RepoQuery::default()
    }
}

fn releases_query(owner: &str, repo: &str) -> RepoQuery {
    RepoQuery {
        releases: true,
        ..query(owner, repo)
    }
}

fn release(tag: &str, prerelease: bool, draft: bool) -> serde_json::Value {
    json!({
        "id": 1, "tag_name": tag, "name": tag, "prerelease": prerelease, "draft": draft,
        "published_at": if draft { serde_json::Value::Null } else { json!("2025-01-02T03:04:05Z") },
        "body": "notes", "assets": []
    })
}

fn tags(names: &[&str]) -> serde_json::Value {
    names
        .iter()
        .map(|n| json!({"name": n, "commit": {"sha": "0000000", "url": "x"}}))
        .collect()
}

fn commits(shas: &[&str]) -> serde_json::Value {
    shas.iter()
        .map(|s| json!({"sha": s, "commit": {"message": "m"}}))
        .collect()
}

async fn run(server: &Server, token: Option<&str>, qs: Vec<RepoQuery>) -> CheckOutcome {
    let cfg = config(server, token);
    check(&client(&cfg), &cfg, qs, &HashMap::new()).await
}

fn all_errors(o: &CheckOutcome) -> Vec<RemoteError> {
    let mut out = Vec::new();
    for a in &o.repos {
        out.extend(a.releases.clone().and_then(Result::err));
        out.extend(a.tags.clone().and_then(Result::err));
        out.extend(a.commits.iter().filter_map(|(_, r)| r.clone().err()));
    }
    out
}

fn release_err(o: &CheckOutcome, i: usize) -> RemoteError {
    match &o.repos[i].releases {
        Some(Err(e)) => e.clone(),
        other => panic!("repo {i}: expected an error, got {other:?}"),
    }
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/// A GitHub-shaped repository `o/r` plus `o/bare` (no releases, tags only).
fn github_like(req: &Req) -> Reply {
    match req.path.as_str() {
        "/repos/o/r/releases" => Reply::json(json!([
            release("v2.0.0", false, true),
            release("v1.3.0-beta.1", true, false),
            release("v1.2.0", false, false),
            release("v1.1.0", false, false),
        ])),
        "/repos/o/r/tags" => Reply::json(tags(&["v1.3.0-beta.1", "v1.2.0", "v1.1.0"])),
        "/repos/o/r/commits" => match (req.q("sha"), req.q("path")) {
            (Some("main"), Some("skills/x")) => Reply::json(commits(&["aaaa111"])),
            (None, Some("skills/x")) => Reply::json(commits(&["bbbb222"])),
            (None, Some("skills/gone")) => Reply::json(json!([])),
            _ => Reply::json(commits(&["cccc333"])),
        },
        "/repos/o/bare/releases" => Reply::json(json!([])),
        "/repos/o/bare/tags" => Reply::json(tags(&["v0.1.0", "v0.2.0"])),
        _ => Reply::new(404, r#"{"message":"Not Found"}"#),
    }
}

#[tokio::test]
async fn fresh_fetch_then_304_revalidation() {
    let server = Server::start(github_like).await;
    let cfg = config(&server, None);
    let client = client(&cfg);
    let qs = vec![
        RepoQuery {
            releases: true,
            tags: true,
            commits: vec![
                CommitQuery {
                    git_ref: Some("main".into()),
                    path: Some("skills/x".into()),
                },
                CommitQuery {
                    git_ref: None,
                    path: Some("skills/x".into()),
                },
                CommitQuery {
                    git_ref: None,
                    path: Some("skills/gone".into()),
                },
                // A duplicate is asked once.
                CommitQuery {
                    git_ref: Some("main".into()),
                    path: Some("skills/x".into()),
                },
            ],
            ..query("o", "r")
        },
        releases_query("o", "bare"),
    ];
    let first = check(&client, &cfg, qs.clone(), &HashMap::new()).await;
    assert_eq!(first.requests, 7, "{first:#?}");
    assert_eq!(first.not_modified, 0);
    assert_eq!(first.rate_limit, None);
    assert_eq!(first.records.len(), 7);
    assert!(first.records.iter().all(|(_, c)| c.etag.is_some()));

    let r = &first.repos[0];
    let rels = r.releases.clone().unwrap().unwrap();
    assert_eq!(
        rels.iter().map(|r| r.tag.as_str()).collect::<Vec<_>>(),
        ["v1.3.0-beta.1", "v1.2.0", "v1.1.0"],
        "drafts are skipped"
    );
    assert!(rels[0].prerelease);
    assert_eq!(
        rels[1].published_at.as_deref(),
        Some("2025-01-02T03:04:05Z")
    );
    assert_eq!(r.tags.clone().unwrap().unwrap().len(), 3);
    let shas: Vec<Option<String>> = r.commits.iter().map(|(_, s)| s.clone().unwrap()).collect();
    assert_eq!(shas, [Some("aaaa111".into()), Some("bbbb222".into()), None]);
    // Releases empty: the tags are fetched too.
    let bare = &first.repos[1];
    assert_eq!(bare.releases, Some(Ok(vec![])));
    assert_eq!(bare.tags, Some(Ok(vec!["v0.1.0".into(), "v0.2.0".into()])));

    for req in server.seen() {
        assert_eq!(req.h("accept"), Some("application/vnd.github+json"));
        assert_eq!(req.h("x-github-api-version"), Some("2022-11-28"));
        assert!(
            req.h("user-agent")
                .is_some_and(|u| u.starts_with("skillmeat-cache/"))
        );
        assert_eq!(req.h("authorization"), None, "no token, no header");
        assert_eq!(req.h("if-none-match"), None);
        if req.path.ends_with("/releases") || req.path.ends_with("/tags") {
            assert_eq!(req.q("per_page"), Some("100"));
        } else {
            assert_eq!(req.q("per_page"), Some("1"));
        }
    }

    // Second check with the records as cache: every request is a 304 and bodies are reused.
    let cached: HashMap<_, _> = first.records.iter().cloned().collect();
    let second = check(&client, &cfg, qs, &cached).await;
    assert_eq!(second.requests, 7);
    assert_eq!(second.not_modified, 7);
    assert_eq!(
        second.repos, first.repos,
        "cached bodies give the same answers"
    );
    assert_eq!(
        second.records.iter().cloned().collect::<HashMap<_, _>>(),
        cached,
        "revalidated answers are handed back to be renewed"
    );
    let revalidations = server.seen().into_iter().skip(7).collect::<Vec<_>>();
    assert_eq!(revalidations.len(), 7);
    for req in &revalidations {
        let key = first
            .records
            .iter()
            .find(|(u, _)| reqwest::Url::parse(u).unwrap().path() == req.path)
            .unwrap();
        assert!(req.h("if-none-match").is_some());
        if req.path.ends_with("/releases") {
            assert_eq!(req.h("if-none-match"), key.1.etag.as_deref());
        }
    }
}

#[tokio::test]
async fn per_repository_errors_never_fail_the_check_and_never_show_the_token() {
    let server = Server::start(|req: &Req| match req.path.as_str() {
        "/repos/ok/r/releases" => Reply::json(json!([release("v1.0.0", false, false)])),
        "/repos/boom/r/releases" => Reply::new(500, r#"{"message":"Server Error"}"#),
        "/repos/garbage/r/releases" => Reply::new(200, "<html>not json"),
        "/repos/shape/r/releases" => Reply::new(200, r#"{"not":"a list"}"#),
        "/repos/big/r/releases" => Reply::new(200, vec![b' '; 100 * 1024]),
        "/repos/bigstream/r/releases" => Reply {
            length: false,
            ..Reply::new(200, vec![b' '; 100 * 1024])
        },
        "/repos/forbidden/r/releases" => Reply::new(
            403,
            r#"{"message":"Resource not accessible by personal access token"}"#,
        ),
        "/repos/evil/r/releases" => {
            Reply::new(302, "").header("location", "http://evil.example/steal")
        }
        "/repos/loop/r/releases" => {
            Reply::new(301, "").header("location", "/repos/loop/r/releases")
        }
        _ => Reply::new(404, r#"{"message":"Not Found"}"#),
    })
    .await;
    let names = [
        "ok",
        "boom",
        "garbage",
        "shape",
        "big",
        "bigstream",
        "forbidden",
        "evil",
        "loop",
        "missing",
    ];
    let mut qs: Vec<RepoQuery> = names.iter().map(|o| releases_query(o, "r")).collect();
    // The missing repository also wants commits: its 404 answers them without more requests.
    qs[9].commits = vec![CommitQuery {
        git_ref: Some("main".into()),
        path: None,
    }];
    qs[9].tags = true;
    let o = run(&server, Some(TOKEN), qs).await;
    assert_eq!(o.repos.len(), names.len());
    assert_eq!(o.repos[0].releases.clone().unwrap().unwrap().len(), 1);
    let code = |i: usize| release_err(&o, i).code;
    assert_eq!(code(1), "HTTP_ERROR");
    assert!(release_err(&o, 1).message.contains("500"));
    assert_eq!(code(2), "INVALID_RESPONSE");
    assert_eq!(code(3), "INVALID_RESPONSE");
    assert_eq!(code(4), "RESPONSE_TOO_LARGE");
    assert_eq!(code(5), "RESPONSE_TOO_LARGE");
    assert_eq!(code(6), "HTTP_ERROR");
    assert!(
        release_err(&o, 6)
            .message
            .contains("Resource not accessible"),
        "{}",
        release_err(&o, 6).message
    );
    assert_eq!(code(7), "INSECURE_URL");
    assert_eq!(code(8), "TOO_MANY_REDIRECTS");
    assert_eq!(code(9), "NOT_FOUND");
    assert_eq!(
        release_err(&o, 9).message,
        "repository missing/r not found or not visible with this token"
    );
    assert!(matches!(&o.repos[9].tags, Some(Err(e)) if e.code == "NOT_FOUND"));
    assert!(matches!(&o.repos[9].commits[0].1, Err(e) if e.code == "NOT_FOUND"));
    assert_eq!(
        server.hits("/repos/missing/"),
        3,
        "404s on the releases, the latest release and the tags answer the repository"
    );
    assert_eq!(
        server.hits("/repos/loop/"),
        4,
        "first request and three redirects"
    );
    assert_eq!(o.rate_limit, None);
    // Only well-formed answers are recorded.
    assert_eq!(o.records.len(), 1);
    assert!(
        o.records[0]
            .0
            .ends_with("/repos/ok/r/releases?per_page=100")
    );

    let errors = all_errors(&o);
    assert_eq!(errors.len(), 11);
    for e in &errors {
        assert!(!e.message.contains(TOKEN), "{e:?}");
        assert!(!e.message.contains("TopSecret"), "{e:?}");
    }
    for req in server.seen() {
        assert_eq!(req.h("authorization"), Some(&*format!("Bearer {TOKEN}")));
    }
    assert!(!format!("{o:?}").contains("TopSecret"));
}

#[tokio::test]
async fn timeout_and_connection_refused() {
    let slow = Server::start(|_: &Req| Reply {
        delay: Duration::from_secs(3),
        ..Reply::json(json!([]))
    })
    .await;
    let mut cfg = config(&slow, Some(TOKEN));
    cfg.limits.timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let o = check(
        &client(&cfg),
        &cfg,
        vec![releases_query("o", "r")],
        &HashMap::new(),
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(release_err(&o, 0).code, "NETWORK_TIMEOUT");
    assert_eq!(o.requests, 1);

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let cfg = GithubConfig {
        api_url: format!("http://127.0.0.1:{port}"),
        token: Some(TOKEN.into()),
        ..GithubConfig::new(limits())
    };
    let o = check(
        &client(&cfg),
        &cfg,
        vec![releases_query("o", "r")],
        &HashMap::new(),
    )
    .await;
    let e = release_err(&o, 0);
    assert_eq!(e.code, "NETWORK", "{e:?}");
    assert!(!e.message.contains(TOKEN));

    // An api_url on plain http to a host that is not allow-listed is refused before connecting.
    let cfg = GithubConfig {
        api_url: "http://api.example.invalid".into(),
        ..GithubConfig::new(limits())
    };
    let o = check(
        &client(&cfg),
        &cfg,
        vec![releases_query("o", "r")],
        &HashMap::new(),
    )
    .await;
    assert_eq!(release_err(&o, 0).code, "INSECURE_URL");
}

#[tokio::test]
async fn rate_limited_403_stops_the_check() {
    let reset = now_s() + 600;
    let server = Server::start(move |req: &Req| match req.path.as_str() {
        "/repos/b/r/releases" => Reply::new(403, r#"{"message":"API rate limit exceeded"}"#)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset.to_string()),
        _ => Reply::json(json!([release("v1.0.0", false, false)]))
            .header("x-ratelimit-remaining", "41")
            .header("x-ratelimit-reset", &reset.to_string()),
    })
    .await;
    let mut cfg = config(&server, None);
    cfg.concurrency = 1;
    let qs = vec![
        releases_query("a", "r"),
        RepoQuery {
            tags: true,
            ..releases_query("b", "r")
        },
        RepoQuery {
            commits: vec![CommitQuery {
                git_ref: None,
                path: None,
            }],
            ..releases_query("c", "r")
        },
    ];
    let o = check(&client(&cfg), &cfg, qs, &HashMap::new()).await;
    assert_eq!(o.requests, 2, "{o:#?}");
    assert_eq!(
        server.hits("/repos/c/"),
        0,
        "nothing is sent after the limit"
    );
    assert!(o.repos[0].releases.clone().unwrap().is_ok());
    let e = release_err(&o, 1);
    assert_eq!(e.code, "RATE_LIMITED");
    assert!(
        e.message.contains("resets in about 10 minutes"),
        "{}",
        e.message
    );
    assert!(e.message.contains("UTC"), "{}", e.message);
    assert!(
        e.message.contains("GITHUB_TOKEN"),
        "without a token, say how to get more"
    );
    assert!(matches!(&o.repos[1].tags, Some(Err(e)) if e.code == "RATE_LIMITED"));
    assert_eq!(release_err(&o, 2).code, "RATE_LIMITED");
    assert!(matches!(&o.repos[2].commits[0].1, Err(e) if e.code == "RATE_LIMITED"));
    assert_eq!(
        o.rate_limit,
        Some(RateLimit {
            reset_at_ms: Some(reset * 1000),
            remaining: Some(0)
        })
    );
}

#[tokio::test]
async fn rate_limit_forms_429_retry_after_and_exhausted_success() {
    // 429 with Retry-After.
    let server = Server::start(|_: &Req| {
        Reply::new(429, r#"{"message":"slow down"}"#).header("retry-after", "120")
    })
    .await;
    let mut cfg = config(&server, Some(TOKEN));
    cfg.concurrency = 1;
    let before = now_s() * 1000;
    let o = check(
        &client(&cfg),
        &cfg,
        vec![releases_query("a", "r"), releases_query("b", "r")],
        &HashMap::new(),
    )
    .await;
    assert_eq!(o.requests, 1);
    let e = release_err(&o, 0);
    assert_eq!(e.code, "RATE_LIMITED");
    assert!(e.message.contains("in about 2 minutes"), "{}", e.message);
    assert!(!e.message.contains("GITHUB_TOKEN"), "a token is set");
    let l = o.rate_limit.unwrap();
    let at = l.reset_at_ms.unwrap();
    assert!(
        at >= before + 119_000 && at <= before + 122_000,
        "{at} vs {before}"
    );

    // A secondary limit: 403 with Retry-After but remaining requests left.
    let server = Server::start(|_: &Req| {
        Reply::new(403, r#"{"message":"secondary rate limit"}"#)
            .header("retry-after", "5")
            .header("x-ratelimit-remaining", "100")
    })
    .await;
    let o = run(&server, None, vec![releases_query("a", "r")]).await;
    assert_eq!(release_err(&o, 0).code, "RATE_LIMITED");
    assert_eq!(o.rate_limit.and_then(|l| l.remaining), Some(100));

    // A successful answer saying nothing is left: it is used, and nothing more is sent.
    let reset = now_s() + 3600;
    let server = Server::start(move |_: &Req| {
        Reply::json(json!([release("v1.0.0", false, false)]))
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset.to_string())
    })
    .await;
    let mut cfg = config(&server, None);
    cfg.concurrency = 1;
    let o = check(
        &client(&cfg),
        &cfg,
        vec![releases_query("a", "r"), releases_query("b", "r")],
        &HashMap::new(),
    )
    .await;
    assert_eq!(o.requests, 1);
    assert!(o.repos[0].releases.clone().unwrap().is_ok());
    let e = release_err(&o, 1);
    assert_eq!(e.code, "RATE_LIMITED");
    assert!(e.message.starts_with("not checked"), "{}", e.message);
    assert!(e.message.contains("in about 1 hour"), "{}", e.message);
    assert_eq!(
        o.rate_limit,
        Some(RateLimit {
            reset_at_ms: Some(reset * 1000),
            remaining: Some(0)
        })
    );
    assert_eq!(o.records.len(), 1);
}

#[tokio::test]
async fn token_is_sent_as_bearer_and_dropped_off_the_api_host() {
    let port = Arc::new(Mutex::new(0u16));
    let p2 = port.clone();
    let server = Server::start(move |req: &Req| match req.path.as_str() {
        // Renamed repository: GitHub redirects within the API host.
        "/repos/old/r/releases" => {
            Reply::new(301, "").header("location", "/repositories/1/releases?per_page=100")
        }
        "/repositories/1/releases" => Reply::json(json!([release("v3.0.0", false, false)])),
        // A redirect elsewhere (another host, here `localhost`) must not carry the token.
        "/repos/away/r/releases" => Reply::new(302, "").header(
            "location",
            &format!("http://localhost:{}/elsewhere", p2.lock().unwrap()),
        ),
        "/elsewhere" => Reply::json(json!([release("v4.0.0", false, false)])),
        _ => Reply::new(404, "{}"),
    })
    .await;
    *port.lock().unwrap() = server.port;
    let o = run(
        &server,
        Some(TOKEN),
        vec![releases_query("old", "r"), releases_query("away", "r")],
    )
    .await;
    assert_eq!(
        o.repos[0].releases.clone().unwrap().unwrap()[0].tag,
        "v3.0.0"
    );
    assert_eq!(
        o.repos[1].releases.clone().unwrap().unwrap()[0].tag,
        "v4.0.0"
    );
    let seen = server.seen();
    let auth = |path: &str| {
        seen.iter()
            .find(|r| r.path == path)
            .map(|r| r.h("authorization").map(String::from))
    };
    let bearer = Some(Some(format!("Bearer {TOKEN}")));
    assert_eq!(auth("/repos/old/r/releases"), bearer);
    assert_eq!(auth("/repositories/1/releases"), bearer);
    assert_eq!(auth("/repos/away/r/releases"), bearer);
    assert_eq!(
        auth("/elsewhere"),
        Some(None),
        "the token stays on the API host"
    );
}

#[tokio::test]
async fn many_artifacts_on_many_repos_one_request_per_endpoint() {
    let server = Server::start(|req: &Req| {
        if req.path.ends_with("/releases") {
            Reply::json(json!([release("v1.0.0", false, false)]))
        } else {
            Reply::new(404, "{}")
        }
    })
    .await;
    let mut sources = Vec::new();
    for r in 0..100 {
        for a in 0..100 {
            // Case differences are the same repository.
            let owner = if a % 2 == 0 { "Owner" } else { "owner" };
            sources.push(format!("{owner}/repo{r}/skills/skill{a}"));
        }
    }
    let specs: Vec<_> = sources
        .iter()
        .map(|s| spec::parse(s, Some("latest")).unwrap())
        .collect();
    let qs = queries(&specs);
    assert_eq!(qs.len(), 100);
    let cfg = config(&server, None);
    let o = check(&client(&cfg), &cfg, qs, &HashMap::new()).await;
    assert_eq!(o.requests, 100);
    assert_eq!(server.seen().len(), 100);
    assert_eq!(o.records.len(), 100);
    for s in &specs {
        let r = resolve_spec(&o, s, Some("1.0.0"));
        assert_eq!((r.version.as_deref(), r.error), (Some("v1.0.0"), None));
    }
}

#[tokio::test]
async fn prerelease_rules_against_real_answers() {
    let server = Server::start(|req: &Req| match req.path.as_str() {
        "/repos/o/beta-up/releases" => Reply::json(json!([
            release("1.3.0-beta.1", true, false),
            release("1.2.0", false, false),
        ])),
        "/repos/o/final-up/releases" => Reply::json(json!([
            release("1.3.0", false, false),
            release("1.3.0-beta.1", true, false),
        ])),
        _ => Reply::new(404, "{}"),
    })
    .await;
    let o = run(
        &server,
        None,
        vec![
            releases_query("o", "beta-up"),
            releases_query("o", "final-up"),
        ],
    )
    .await;
    // Stable deployed, upstream only has a newer beta: upstream is the stable 1.2.0.
    let s = spec::parse("o/beta-up/skills/a", None).unwrap();
    let r = resolve_spec(&o, &s, Some("1.2.0"));
    assert_eq!(r.version.as_deref(), Some("1.2.0"));
    assert_eq!(outdated("1.2.0", "1.2.0"), (false, Diff::None));
    // A beta deployed, the final release is out: outdated, pre-release difference.
    let s = spec::parse("o/final-up/skills/a@latest", None).unwrap();
    let r = resolve_spec(&o, &s, Some("1.3.0-beta.1"));
    let up = r.version.unwrap();
    assert_eq!(up, "1.3.0");
    assert_eq!(outdated("1.3.0-beta.1", &up), (true, Diff::Prerelease));
    // A beta deployed also sees newer betas.
    let s = spec::parse("o/beta-up", None).unwrap();
    let r = resolve(&o.repos[0], &s.version, None, Some("1.3.0-alpha.2"));
    assert_eq!(r.version.as_deref(), Some("1.3.0-beta.1"));
}

#[tokio::test]
async fn sha_pinned_artifact_sees_a_newer_commit_on_its_path() {
    const NEW: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
    let server = Server::start(|req: &Req| match (req.path.as_str(), req.q("path")) {
        ("/repos/o/r/commits", Some("skills/pdf")) if req.q("sha").is_none() => {
            Reply::json(commits(&[NEW]))
        }
        ("/repos/o/r/commits", Some("skills/pdf")) => Reply::json(commits(&["1111111"])),
        _ => Reply::new(404, "{}"),
    })
    .await;
    let pinned = "abc1234";
    let s = spec::parse(
        &format!("https://github.com/o/r/tree/{pinned}/skills/pdf"),
        None,
    )
    .unwrap();
    let t = spec::parse("o/r/skills/pdf@feature/fast", None).unwrap();
    let qs = queries([&s, &t]);
    assert_eq!(qs.len(), 1);
    assert_eq!(qs[0].commits.len(), 2);
    let o = run(&server, None, qs).await;
    assert_eq!(o.requests, 2);
    let r = resolve_spec(&o, &s, Some(pinned));
    let up = r.sha.unwrap();
    assert_eq!(up, NEW);
    assert_ne!(up, pinned);
    assert_eq!(outdated(pinned, &up), (true, Diff::Commit));
    let seen = server.seen();
    let req = seen.iter().find(|r| r.q("sha").is_none()).unwrap();
    assert_eq!(
        (req.q("per_page"), req.q("path")),
        (Some("1"), Some("skills/pdf"))
    );
    // The branch name with a slash is sent URL-encoded and decoded intact by the server.
    let req = seen.iter().find(|r| r.q("sha").is_some()).unwrap();
    assert_eq!(req.q("sha"), Some("feature/fast"));
    assert_eq!(resolve_spec(&o, &t, None).sha.as_deref(), Some("1111111"));
}

#[tokio::test]
async fn the_plain_get_wrapper_keeps_its_behaviour() {
    let server = Server::start(|req: &Req| match req.path.as_str() {
        "/ok" => {
            Reply::json(json!({"a": 1})).header("last-modified", "Wed, 01 Jan 2025 00:00:00 GMT")
        }
        "/bad" => Reply::new(503, "down"),
        _ => Reply::new(404, ""),
    })
    .await;
    let l = limits();
    let c = fetch::client(&l).unwrap();
    let url = format!("{}/ok", server.api());
    let (etag, lm) = match fetch::get(&c, &url, None, None, &l).await.unwrap() {
        fetch::Fetched::Body {
            body,
            etag,
            last_modified,
        } => {
            assert_eq!(body, br#"{"a":1}"#);
            (etag.unwrap(), last_modified.unwrap())
        }
        other => panic!("{other:?}"),
    };
    let again = fetch::get(&c, &url, Some(&etag), Some(&lm), &l)
        .await
        .unwrap();
    assert!(matches!(again, fetch::Fetched::NotModified));
    let seen = server.seen();
    assert_eq!(seen[0].h("accept"), Some("application/json"));
    assert_eq!(seen[1].h("if-modified-since"), Some(lm.as_str()));
    let e = fetch::get(&c, &format!("{}/bad", server.api()), None, None, &l)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "HTTP_ERROR");
    assert!(e.to_string().contains("503"), "{e}");
}

#[test]
fn the_check_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let cfg = GithubConfig::new(limits());
    let client = reqwest::Client::new();
    let cached = HashMap::new();
    let fut = check(&client, &cfg, Vec::new(), &cached);
    assert_send(&fut);
}
