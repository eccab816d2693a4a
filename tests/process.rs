//! The real `csc serve` process: killed with SIGKILL in the middle of a
//! stream of writes it keeps every acknowledged write and no half-applied
//! one; stopped with SIGTERM it answers every request it accepted, then
//! exits 0; hostile requests do not take it down.
//!
//! A fresh SQLite file per test, or a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` is set. Only 127.0.0.1 is contacted; every loop is
//! bounded in count and time; the child is killed when a test fails.

use csc::auth::{Grant, TokenKeys};
use csc::entity::enums::Role;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

const SECRET: &str = "process-test-secret-process-test-secret!";
const ISSUER: &str = "csc";
const AUDIENCE: &str = "csc-api";
/// How long any one request, the start-up or the shutdown may take.
const PATIENCE: Duration = Duration::from_secs(10);

fn admin_token() -> String {
    let keys = TokenKeys::new(SECRET, ISSUER, AUDIENCE).expect("test keys");
    keys.issue(
        &Grant {
            subject: "process-test-admin".into(),
            role: Role::Admin,
            society: None,
            institution_id: None,
        },
        3600,
    )
}

// --- a database of its own ----------------------------------------------------------

/// A fresh database, removed when dropped (after the server, which is
/// declared after it and so dropped first).
struct TestDatabase {
    url: String,
    dir: PathBuf,
    /// (maintenance URL, database name) on PostgreSQL.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    async fn create() -> Self {
        let dir = std::env::temp_dir().join(format!("csc-process-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create the test folder");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("csc_proc_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                admin.close().await.expect("close the setup connection");
                Self {
                    url: with_database(&admin_url, &name),
                    dir,
                    postgres: Some((admin_url, name)),
                }
            }
            _ => Self {
                url: format!("sqlite://{}?mode=rwc", dir.join("csc.db").display()),
                dir,
                postgres: None,
            },
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop may run inside the test's runtime: use a thread of its own.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime to drop the database");
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await?;
                    admin.close().await
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop the test database {}", self.url);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `postgres://user@host:5432/db?opts` with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &base[..path_start])
}

// --- the server ---------------------------------------------------------------------

/// A running `csc serve`; killed and reaped when dropped.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `csc serve` on a free port of 127.0.0.1 and waits until it is ready.
    async fn start(db: &TestDatabase) -> Self {
        Self::start_with_keys(db, None).await
    }

    /// Like `start`, verifying tokens with the key set in `jwks` when given.
    async fn start_with_keys(db: &TestDatabase, jwks: Option<&Path>) -> Self {
        for attempt in 0..3 {
            let mut server = Self::spawn(db, attempt, jwks);
            match server.wait_ready().await {
                Ok(()) => return server,
                // Another process took the port between our probe and the bind.
                Err(log) if log.contains("cannot listen") => continue,
                Err(log) => panic!("the server did not become ready:\n{log}"),
            }
        }
        panic!("no free port after three attempts");
    }

    fn spawn(db: &TestDatabase, attempt: u32, jwks: Option<&Path>) -> Self {
        let port = free_port();
        let log = db.dir.join(format!("server-{port}-{attempt}.log"));
        let stderr = std::fs::File::create(&log).expect("create the server log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_csc"));
        match jwks {
            Some(path) => command.env("JWT_JWKS_FILE", path).env_remove("JWT_SECRET"),
            None => command
                .env("JWT_SECRET", SECRET)
                .env_remove("JWT_JWKS_FILE"),
        };
        let child = command
            .arg("serve")
            .current_dir(&db.dir)
            .env("DATABASE_URL", &db.url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("JWT_ISSUER", ISSUER)
            .env("JWT_AUDIENCE", AUDIENCE)
            .env("RUST_LOG", "warn")
            .env("OPERATIONS_ALLOWLIST", db.dir.join("operations.json"))
            .env("REQUEST_TIMEOUT_SECS", "10")
            .env("DATABASE_MAX_CONNECTIONS", "10")
            .env("LOG_FORMAT", "text")
            .env_remove("JWT_PUBLIC_KEY_FILE")
            .env_remove("CSC_TODAY")
            .env_remove("CORS_ALLOWED_ORIGINS")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("start csc serve");
        Self { child, port, log }
    }

    /// Polls GET /readyz until 200; the log when the process exits or time runs out.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}:\n{}", self.log()));
            }
            if let Ok(response) = http(self.port, "GET", "/readyz", &[], b"").await
                && response.status == 200
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("not ready after {PATIENCE:?}:\n{}", self.log()))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit, at most `PATIENCE`.
    async fn wait_exit(&mut self) -> Option<ExitStatus> {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Response {
        graphql(self.port, token, query, variables)
            .await
            .unwrap_or_else(|e| panic!("POST /graphql: {e}\n{}", self.log()))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([name, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {name} {pid}: {status}");
}

// --- a tiny HTTP/1.1 client -----------------------------------------------------------

#[derive(Debug)]
struct Response {
    status: u16,
    body: String,
}

impl Response {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("HTTP {}, not JSON ({e}): {}", self.status, self.body))
    }
}

fn request_head(
    method: &str,
    path: &str,
    port: u16,
    headers: &[(&str, &str)],
    len: usize,
) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {len}\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

async fn connect(port: u16) -> std::io::Result<TcpStream> {
    tokio::time::timeout(PATIENCE, TcpStream::connect(("127.0.0.1", port)))
        .await
        .map_err(|_| std::io::Error::new(ErrorKind::TimedOut, "connect timed out"))?
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads until the server closes the connection, then parses the response.
async fn read_response(stream: &TcpStream) -> std::io::Result<Response> {
    let read = async {
        let mut raw = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            stream.readable().await?;
            match stream.try_read(&mut chunk) {
                Ok(0) => return Ok(raw),
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    };
    let raw = tokio::time::timeout(PATIENCE, read)
        .await
        .map_err(|_| std::io::Error::new(ErrorKind::TimedOut, "no complete response"))??;
    parse_response(&raw)
}

fn invalid(message: impl Into<String>) -> std::io::Error {
    std::io::Error::new(ErrorKind::InvalidData, message.into())
}

/// Status and body of a complete HTTP/1.1 response: the body as long as
/// its Content-Length says, or every chunk up to the last.
fn parse_response(raw: &[u8]) -> std::io::Result<Response> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid(format!("no complete head in {} bytes", raw.len())))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = &raw[split + 4..];
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid(format!("no status line: {head}")))?;
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let body = if let Some(length) = headers.get("content-length") {
        let length: usize = length.parse().map_err(|_| invalid("bad Content-Length"))?;
        if body.len() != length {
            return Err(invalid(format!(
                "body of {} bytes, not {length}",
                body.len()
            )));
        }
        body.to_vec()
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        let mut out = Vec::new();
        loop {
            let line_end = body
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| invalid("a truncated chunk"))?;
            let size_text = String::from_utf8_lossy(&body[..line_end]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| invalid("bad chunk size"))?;
            body = &body[line_end + 2..];
            if size == 0 {
                break out;
            }
            if body.len() < size + 2 {
                return Err(invalid("a truncated chunk"));
            }
            out.extend_from_slice(&body[..size]);
            body = &body[size + 2..];
        }
    } else {
        body.to_vec()
    };
    Ok(Response {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

async fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let stream = connect(port).await?;
    let mut bytes = request_head(method, path, port, headers, body.len());
    bytes.extend_from_slice(body);
    write_all(&stream, &bytes).await?;
    read_response(&stream).await
}

fn graphql_body(query: &str, variables: Value) -> Vec<u8> {
    json!({ "query": query, "variables": variables })
        .to_string()
        .into_bytes()
}

async fn graphql(
    port: u16,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> std::io::Result<Response> {
    let authorization = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(value) = &authorization {
        headers.push(("Authorization", value));
    }
    http(
        port,
        "POST",
        "/graphql",
        &headers,
        &graphql_body(query, variables),
    )
    .await
}

// --- SIGKILL ------------------------------------------------------------------------------

const CREATE_INSTITUTION: &str =
    "mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id name } }";

/// Every page of a connection, following `endCursor`; at most 50 pages.
async fn all_pages(server: &Server, token: &str, field: &str, selection: &str) -> Vec<Value> {
    let query = format!(
        "query($after: String) {{ {field}(first: 100, after: $after) {{ nodes {{ {selection} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let mut nodes = Vec::new();
    let mut after = Value::Null;
    for _ in 0..50 {
        let response = server
            .graphql(Some(token), &query, json!({ "after": after }))
            .await;
        let json = response.json();
        assert!(json.get("errors").is_none(), "{json}");
        let page = &json["data"][field];
        nodes.extend(page["nodes"].as_array().expect("nodes").iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            return nodes;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    panic!("more than 50 pages of {field}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_midway_keeps_every_acknowledged_write_and_no_half_of_one() {
    const TASKS: usize = 4;
    const MAX_REQUESTS: usize = 300;
    const KILL_AFTER: usize = 100;

    let db = TestDatabase::create().await;
    let mut server = Server::start(&db).await;
    let token = Arc::new(admin_token());
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let sent = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let started = Instant::now();

    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (token, acknowledged, sent, killed) = (
                Arc::clone(&token),
                Arc::clone(&acknowledged),
                Arc::clone(&sent),
                Arc::clone(&killed),
            );
            let port = server.port;
            tokio::spawn(async move {
                let mut failures = 0;
                loop {
                    let n = sent.fetch_add(1, Ordering::SeqCst);
                    if n >= MAX_REQUESTS || started.elapsed() > Duration::from_secs(60) {
                        break;
                    }
                    let name = format!("プロセス試験病院 {task}-{n}");
                    let variables = json!({ "i": { "name": name, "kind": "PUBLIC_HOSPITAL",
                        "prefecture": "東京都", "certifiedTrainingFacility": true } });
                    match graphql(port, Some(&token), CREATE_INSTITUTION, variables).await {
                        Ok(response) if response.status == 200 => {
                            let json = response.json();
                            if let Some(id) = json["data"]["createInstitution"]["id"].as_str() {
                                assert_eq!(json["data"]["createInstitution"]["name"], name);
                                acknowledged.lock().unwrap().push((id.to_owned(), name));
                            } else {
                                assert!(
                                    killed.load(Ordering::SeqCst),
                                    "a refused write before the kill: {json}"
                                );
                            }
                        }
                        Ok(response) => panic!("HTTP {}: {}", response.status, response.body),
                        // Reset, refused or cut short: only after the kill.
                        Err(err) => {
                            assert!(killed.load(Ordering::SeqCst), "before the kill: {err}");
                            failures += 1;
                            if failures >= 3 {
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();

    // Kill -9 once about 100 writes have been acknowledged, writes still in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < KILL_AFTER {
        assert!(Instant::now() < deadline, "too slow:\n{}", server.log());
        assert!(
            sent.load(Ordering::SeqCst) < MAX_REQUESTS,
            "{MAX_REQUESTS} requests without {KILL_AFTER} acknowledged:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    killed.store(true, Ordering::SeqCst);
    server.child.kill().expect("SIGKILL the server");
    let status = server.child.wait().expect("reap the server");
    assert!(!status.success(), "killed, not exited: {status}");
    for task in tasks {
        task.await.expect("a writer task");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let attempted = sent.load(Ordering::SeqCst).min(MAX_REQUESTS);
    assert!(acknowledged.len() >= KILL_AFTER);
    drop(server);

    // The same database, a new process.
    let server = Server::start(&db).await;
    let token = admin_token();
    let institutions: HashMap<String, String> =
        all_pages(&server, &token, "institutions", "id name")
            .await
            .into_iter()
            .map(|n| {
                (
                    n["id"].as_str().unwrap().to_owned(),
                    n["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
    for (id, name) in &acknowledged {
        assert_eq!(
            institutions.get(id),
            Some(name),
            "an acknowledged institution is missing after the kill"
        );
    }
    assert!(
        institutions.len() <= attempted,
        "{} institutions from {attempted} requests",
        institutions.len()
    );

    eprintln!(
        "{} acknowledged of {attempted} sent; {} institutions after the restart",
        acknowledged.len(),
        institutions.len()
    );
    // Exactly one createInstitution audit event per institution, and none
    // for an institution that does not exist: no write was half-applied.
    let events = all_pages(&server, &token, "auditEvents", "operation outcome targetId").await;
    let mut per_target: HashMap<String, usize> = HashMap::new();
    for event in events
        .iter()
        .filter(|e| e["operation"] == "createInstitution")
    {
        assert_eq!(event["outcome"], "OK", "{event}");
        *per_target
            .entry(event["targetId"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    for id in institutions.keys() {
        assert_eq!(per_target.get(id), Some(&1), "audit events of {id}");
    }
    let existing: HashSet<&String> = institutions.keys().collect();
    for target in per_target.keys() {
        assert!(
            existing.contains(target),
            "an audit event for an institution that is not there: {target}"
        );
    }
}

// --- SIGTERM ------------------------------------------------------------------------------

const COURSES: &str = "{ courses(first: 20) { totalCount nodes { title } } societies { code } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_answers_every_accepted_request_then_exits_zero() {
    const REQUESTS: usize = 40;

    let db = TestDatabase::create().await;
    let mut server = Server::start(&db).await;
    let port = server.port;
    let body = graphql_body(COURSES, json!({}));
    let headers = [("Content-Type", "application/json")];

    // Half the requests arrive whole just before the signal; the other half
    // are mid-body when it comes, so they are certainly in flight.
    let mut streams = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        let stream = connect(port).await.expect("connect before the signal");
        let mut bytes = request_head("POST", "/graphql", port, &headers, body.len());
        let whole = i % 2 == 0;
        let sent_now = if whole { body.len() } else { body.len() / 2 };
        bytes.extend_from_slice(&body[..sent_now]);
        write_all(&stream, &bytes).await.expect("send the request");
        streams.push((stream, sent_now));
    }
    // Let the server accept every connection (a connection still in the
    // kernel's backlog at the signal is reset, not accepted: on a loaded
    // machine that takes a while) and read what was sent.
    // Best effort, and well within the 10 s request timeout that the
    // half-sent requests are running against: its listener and at least as
    // many sockets as requests (a pool's connections may be among them).
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while socket_count(server.pid()) < REQUESTS + 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(server.pid(), "-TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let tasks: Vec<_> = streams
        .into_iter()
        .map(|(stream, sent_now)| {
            let rest = body[sent_now..].to_vec();
            tokio::spawn(async move {
                write_all(&stream, &rest).await?;
                read_response(&stream).await
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let response = task.await.expect("a request task").unwrap_or_else(|e| {
            panic!(
                "request {i} got no complete response: {e}\n{}",
                server.log()
            )
        });
        assert_eq!(response.status, 200, "request {i}: {}", response.body);
        let json = response.json();
        assert!(json.get("errors").is_none(), "request {i}: {json}");
        assert_eq!(json["data"]["societies"].as_array().map(Vec::len), Some(19));
    }

    let status = server.wait_exit().await.unwrap_or_else(|| {
        panic!(
            "still running {PATIENCE:?} after SIGTERM:\n{}",
            server.log()
        )
    });
    assert!(status.success(), "exit status {status}:\n{}", server.log());
    // And nothing is served any more.
    assert!(http(port, "GET", "/healthz", &[], b"").await.is_err());
}

/// The sockets a process holds open (its listener, its accepted connections
/// and its database connections).
fn socket_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| {
            fds.filter_map(Result::ok)
                .filter(|fd| {
                    std::fs::read_link(fd.path())
                        .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
                })
                .count()
        })
        .unwrap_or(0)
}

// --- hostile requests ---------------------------------------------------------------------

/// Requests that could crash a process rather than a request: a document
/// nested a hundred thousand levels deep, a huge JSON nesting, a body that
/// stops halfway, garbage bytes. The process must answer each (or close the
/// connection) and keep serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_do_not_take_the_process_down() {
    let db = TestDatabase::create().await;
    let mut server = Server::start(&db).await;
    let port = server.port;
    let json_headers = [("Content-Type", "application/json")];

    let depth = 100_000;
    let deep_document = format!("{}{}", "{ a ".repeat(depth), "}".repeat(depth));
    let deep_selection = format!(
        "{{ viewer {}role{} }}",
        "{ role ".repeat(depth),
        " }".repeat(depth)
    );
    let deep_json = format!(
        "{{\"query\": \"{{ viewer {{ role }} }}\", \"variables\": {}1{}}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        (
            "a deeply nested document",
            graphql_body(&deep_document, json!({})),
        ),
        (
            "a deeply nested selection",
            graphql_body(&deep_selection, json!({})),
        ),
        ("deeply nested JSON", deep_json.into_bytes()),
        ("garbage bytes", vec![0xff, 0x00, 0xfe, b'{', 0x80]),
        ("an unterminated string", b"{\"query\": \"{ viewer".to_vec()),
    ];
    for (case, body) in &bodies {
        let response = http(port, "POST", "/graphql", &json_headers, body).await;
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("{case} took the process down ({status}):\n{}", server.log());
        }
        let response =
            response.unwrap_or_else(|e| panic!("{case}: no response ({e}):\n{}", server.log()));
        assert!(
            (400..500).contains(&response.status) || response.status == 200,
            "{case}: HTTP {}: {}",
            response.status,
            response.body
        );
    }

    // A request whose resolver panics (a year chrono cannot hold) costs at
    // most its own connection. (Today it gets no response at all: the
    // ignored eligibility test in tests/api/resilience.rs.)
    let doctor = TokenKeys::new(SECRET, ISSUER, AUDIENCE)
        .expect("test keys")
        .issue(
            &Grant {
                subject: "doctor-process".into(),
                role: Role::Applicant,
                society: None,
                institution_id: None,
            },
            3600,
        );
    let registered = server
        .graphql(
            Some(&doctor),
            "mutation($i: RegisterApplicantInput!) { registerApplicant(input: $i) { id } }",
            json!({ "i": { "fullName": "医師 花子", "email": "hanako@example.jp",
                "medicalLicenseNumber": "1234567", "university": "京都大学", "graduationYear": 2024,
                "initialTrainingCompletedOn": "2026-03-31", "obligatedServiceGraduate": false,
                "regionalQuotaObligation": false } }),
        )
        .await;
    assert!(
        registered.json().get("errors").is_none(),
        "{}",
        registered.body
    );
    let _no_response = graphql(
        port,
        Some(&admin_token()),
        "{ applicants { nodes { eligibility(year: -2147483648) { eligible } } } }",
        json!({}),
    )
    .await;

    // A body shorter than its Content-Length, then the connection closed.
    let stream = connect(port).await.expect("connect");
    let mut bytes = request_head("POST", "/graphql", port, &json_headers, 1000);
    bytes.extend_from_slice(b"{\"query\":");
    write_all(&stream, &bytes)
        .await
        .expect("send half a request");
    drop(stream);

    let response = server
        .graphql(None, "{ societies { code } }", json!({}))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json()["data"]["societies"]
            .as_array()
            .map(Vec::len),
        Some(19)
    );
    assert!(
        server.child.try_wait().ok().flatten().is_none(),
        "the process exited:\n{}",
        server.log()
    );
}

#[test]
fn the_url_of_another_database_keeps_host_and_options() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/csc_resil", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@db/main?sslmode=disable", "x"),
        "postgres://u:p@db/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@db", "x"), "postgres://u@db/x");
    assert!(Path::new(env!("CARGO_BIN_EXE_csc")).exists());
}

// --- PostgreSQL of our own: TLS and faults ------------------------------------------------

#[path = "support/pg_cluster.rs"]
mod pg_cluster;

use pg_cluster::Cluster;

/// A private cluster, or `None` after saying clearly why the test skips.
fn private_cluster(tls: bool, test: &str) -> Option<Cluster> {
    match Cluster::start(tls) {
        Ok(cluster) => Some(cluster),
        Err(why) => {
            eprintln!("SKIPPED {test}: cannot start a throwaway PostgreSQL cluster here: {why}");
            None
        }
    }
}

/// Whether the session of `db` runs over TLS (`pg_stat_ssl`).
async fn session_uses_tls(db: &sea_orm::DatabaseConnection) -> bool {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .expect("read pg_stat_ssl")
        .expect("a row for this session");
    row.try_get::<bool>("", "ssl").expect("a boolean")
}

async fn connect_to(url: &str) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
    csc::db::connect(&csc::config::DatabaseConfig {
        database_url: url.to_owned(),
        database_max_connections: Some(2),
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_with_a_self_signed_certificate() {
    let Some(cluster) = private_cluster(true, "postgres_over_tls") else {
        return;
    };
    let cert = cluster
        .root_cert
        .clone()
        .expect("a TLS cluster has a certificate");
    let verified = cluster.url(&format!(
        "?sslmode=verify-full&sslrootcert={}",
        cert.display()
    ));
    let db = connect_to(&verified)
        .await
        .unwrap_or_else(|e| panic!("verify-full with the certificate: {e}"));
    assert!(session_uses_tls(&db).await, "verify-full runs over TLS");
    db.close().await.unwrap();

    let db = connect_to(&cluster.url("?sslmode=require"))
        .await
        .unwrap_or_else(|e| panic!("require: {e}"));
    assert!(session_uses_tls(&db).await, "require runs over TLS");
    db.close().await.unwrap();

    // Not trusted without the certificate; and the server takes no plain text.
    assert!(
        connect_to(&cluster.url("?sslmode=verify-full"))
            .await
            .is_err(),
        "a self-signed certificate is not trusted without sslrootcert"
    );
    let named_wrongly = format!(
        "postgres://postgres@127.0.0.2:{}/postgres?sslmode=verify-full&sslrootcert={}",
        cluster.port,
        cert.display()
    );
    assert!(
        connect_to(&named_wrongly).await.is_err(),
        "verify-full checks the host name"
    );
    assert!(
        connect_to(&cluster.url("?sslmode=disable")).await.is_err(),
        "the cluster refuses plain connections"
    );

    // The whole process, under --production, over verify-full.
    let dir = std::env::temp_dir().join(format!("csc-process-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = TestDatabase {
        url: verified,
        dir,
        postgres: None,
    };
    let server = Server::start(&db).await;
    let response = server
        .graphql(None, "{ societies { code } }", json!({}))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.json().get("errors").is_none(), "{}", response.body);
}

#[test]
fn production_refuses_a_remote_postgres_without_tls() {
    let output = Command::new(env!("CARGO_BIN_EXE_csc"))
        .args(["serve", "--production"])
        .env(
            "DATABASE_URL",
            "postgres://csc@db.example.jp:5432/csc?sslmode=prefer",
        )
        .env("JWT_SECRET", SECRET)
        .env_remove("CSC_TODAY")
        .env_remove("PGSSLMODE")
        .stdin(Stdio::null())
        .output()
        .expect("run csc serve --production");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("without TLS"), "{stderr}");
}

/// A read that reaches the database (the societies come from memory).
const FAULT_READ: &str = "{ institutions(first: 5) { totalCount nodes { id } } }";

/// What became of one request during the fault test.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok,
    /// A GraphQL error with a contract code (any HTTP status).
    Coded(String),
}

/// A request's outcome; `Err` for what a client could not act on: no
/// answer within `PATIENCE`, or an answer without a code.
async fn outcome(
    port: u16,
    token: &str,
    query: &str,
    variables: Value,
    key: Option<&str>,
) -> Result<(Outcome, Value), String> {
    let authorization = format!("Bearer {token}");
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Authorization", authorization.as_str()),
    ];
    if let Some(key) = key {
        headers.push(("Idempotency-Key", key));
    }
    let response = http(
        port,
        "POST",
        "/graphql",
        &headers,
        &graphql_body(query, variables),
    )
    .await
    .map_err(|e| format!("no answer: {e}"))?;
    let json: Value = serde_json::from_str(&response.body).map_err(|_| {
        format!(
            "HTTP {} without a GraphQL body: {}",
            response.status, response.body
        )
    })?;
    match json["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => Ok((Outcome::Coded(code.to_owned()), json)),
        None if response.status == 200 && json.get("errors").is_none() => Ok((Outcome::Ok, json)),
        None => Err(format!(
            "HTTP {} without a code: {}",
            response.status, response.body
        )),
    }
}

/// Waits (at most 30 s) until GET /readyz answers `status`.
async fn until_ready_is(port: u16, status: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = http(port, "GET", "/readyz", &[], b"").await
            && response.status == status
        {
            return response.body;
        }
        assert!(Instant::now() < deadline, "/readyz never answered {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// PostgreSQL restarted, and connections cut mid-transaction, under a load
/// of reads and keyed mutations: while it is down `/readyz` says so and
/// every request gets an answer with a code within the request timeout;
/// afterwards the service recovers without a restart, and every
/// acknowledged mutation is in the database exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_restarts_and_dropped_connections_under_load() {
    const WORKERS: usize = 3;
    const MAX_ITERATIONS: usize = 3_000;
    let Some(cluster) = private_cluster(false, "database_faults") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("csc-process-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = TestDatabase {
        url: cluster.url(""),
        dir,
        postgres: None,
    };
    let server = Server::start(&db).await;
    let port = server.port;
    let token = admin_token();

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (stop, acknowledged, problems, token) = (
            Arc::clone(&stop),
            Arc::clone(&acknowledged),
            Arc::clone(&problems),
            token.clone(),
        );
        workers.push(tokio::spawn(async move {
            for i in 0..MAX_ITERATIONS {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let read = outcome(port, &token, FAULT_READ, json!({}), None).await;
                if let Err(problem) = read {
                    problems.lock().unwrap().push(problem);
                }
                // A keyed mutation, retried with its key until it is
                // acknowledged, refused as a conflict, or three times.
                let name = format!("障害試験病院 {worker}-{i}");
                let key = format!("fault-{worker}-{i}");
                let variables = json!({ "i": { "name": name, "kind": "PUBLIC_HOSPITAL",
                    "prefecture": "東京都", "certifiedTrainingFacility": true } });
                for _ in 0..3 {
                    match outcome(
                        port,
                        &token,
                        CREATE_INSTITUTION,
                        variables.clone(),
                        Some(&key),
                    )
                    .await
                    {
                        Ok((Outcome::Ok, json)) => {
                            let id = json["data"]["createInstitution"]["id"].as_str().unwrap();
                            acknowledged
                                .lock()
                                .unwrap()
                                .push((id.to_owned(), name.clone()));
                            break;
                        }
                        Ok((Outcome::Coded(code), _)) if code == "CONFLICT" => break,
                        Ok((Outcome::Coded(_), _)) => {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(problem) => {
                            problems.lock().unwrap().push(problem);
                            break;
                        }
                    }
                }
            }
        }));
    }
    let acks = |n: usize| {
        let acknowledged = Arc::clone(&acknowledged);
        async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            let start = acknowledged.lock().unwrap().len();
            while acknowledged.lock().unwrap().len() < start + n {
                assert!(Instant::now() < deadline, "fewer than {n} writes in 60 s");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };

    // 1. PostgreSQL goes away in the middle of the load, then comes back.
    acks(20).await;
    cluster.stop_server().expect("stop PostgreSQL");
    let body = until_ready_is(port, 503).await;
    assert!(body.contains("database"), "{body}");
    let (answer, json) = outcome(port, &token, FAULT_READ, json!({}), None)
        .await
        .expect("an answer with a code while PostgreSQL is down");
    assert_eq!(answer, Outcome::Coded("INTERNAL".into()), "{json}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.start_server().expect("start PostgreSQL again");
    until_ready_is(port, 200).await;
    acks(20).await;

    // 2. Connections cut mid-transaction (as a failover or a proxy does).
    let admin = Database::connect(cluster.url("")).await.unwrap();
    for _ in 0..5 {
        admin
            .execute_unprepared(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
            )
            .await
            .unwrap();
        acks(5).await;
    }
    acks(20).await;
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.await.expect("a load worker");
    }

    let problems = problems.lock().unwrap().clone();
    assert!(
        problems.is_empty(),
        "answers a client could not act on: {problems:#?}"
    );
    // Every acknowledged mutation exactly once, under its id.
    let acknowledged = acknowledged.lock().unwrap().clone();
    for (id, name) in &acknowledged {
        let rows = admin
            .query_all_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT id FROM institutions WHERE name = $1",
                [name.clone().into()],
            ))
            .await
            .unwrap();
        assert_eq!(
            rows.len(),
            1,
            "{name} is in the database {} times",
            rows.len()
        );
        let number: i64 = rows[0].try_get("", "id").unwrap();
        let expected = csc::ids::decode_kind(id, csc::ids::INSTITUTION);
        assert_eq!(expected, Some(number), "{name}");
    }
    admin.close().await.unwrap();
    drop(server);
}

/// Key rotation in the real process: the key set is rewritten and the
/// process told with SIGHUP; the new key verifies, then the old one is
/// refused, and the process is the same one throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_key_set_without_a_restart() {
    use base64::Engine;
    let oct = |kid: &str, secret: &str| {
        let k = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        json!({ "kty": "oct", "kid": kid, "k": k })
    };
    let token = |kid: &str, secret: &str| {
        let now = chrono::Utc::now().timestamp();
        let claims = json!({ "sub": "board-staff-1", "role": "ADMIN", "iss": ISSUER,
            "aud": AUDIENCE, "exp": now + 600, "iat": now, "nbf": now });
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(kid.to_owned());
        let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    };
    let (old_secret, new_secret) = (
        "sighup-old-secret-0123456789abcdef",
        "sighup-new-secret-0123456789abcdef",
    );
    let db = TestDatabase::create().await;
    let path = db.dir.join("jwks.json");
    let write = |keys: Value| {
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, json!({ "keys": keys }).to_string()).unwrap();
        std::fs::rename(&temporary, &path).unwrap();
    };
    write(json!([oct("old", old_secret)]));
    let server = Server::start_with_keys(&db, Some(&path)).await;
    let pid = server.pid();
    let (old, new) = (token("old", old_secret), token("new", new_secret));
    let port = server.port;
    let status = |token: String| async move {
        graphql(port, Some(&token), "{ viewer { role } }", json!({}))
            .await
            .expect("an answer")
            .status
    };
    let until = |token: String, wanted: u16| async move {
        let deadline = Instant::now() + PATIENCE;
        while status(token.clone()).await != wanted {
            assert!(Instant::now() < deadline, "no reload within {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    assert_eq!(status(old.clone()).await, 200);
    assert_eq!(status(new.clone()).await, 401);

    write(json!([oct("old", old_secret), oct("new", new_secret)]));
    signal(pid, "-HUP");
    until(new.clone(), 200).await;
    assert_eq!(
        status(old.clone()).await,
        200,
        "the old key during the overlap"
    );

    write(json!([oct("new", new_secret)]));
    signal(pid, "-HUP");
    until(old.clone(), 401).await;
    assert_eq!(status(new).await, 200, "the new key after the rotation");
    assert_eq!(server.pid(), pid, "no restart");
}

// --- the first hour: the CLI, its help, the README and `serve --dev` ---------------------

/// Runs `csc ARGS` with only `env` in its environment; (exit code, stdout, stderr).
fn csc(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_csc"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run csc");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A setting as `csc serve --help` or the README's table names it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Setting {
    variable: String,
    flag: String,
    /// The literal default, or `None` when there is none (or it is computed).
    default: Option<String>,
}

/// Every option of `csc serve --help` that reads an environment variable.
fn settings_in_serve_help() -> Vec<Setting> {
    let (code, help, stderr) = csc(&["serve", "--help"], &[]);
    assert_eq!(code, 0, "{stderr}");
    let between = |text: &str, start: &str, end: &[char]| {
        text.find(start).map(|at| {
            let rest = &text[at + start.len()..];
            rest[..rest.find(end).expect("a closing bracket")].to_owned()
        })
    };
    let mut settings = Vec::new();
    let mut flag = String::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("--") || trimmed.starts_with("-h,") {
            flag = trimmed
                .trim_start_matches("-h, ")
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
        }
        if let Some(variable) = between(line, "[env: ", &['=', ']']) {
            settings.push(Setting {
                variable,
                flag: flag.clone(),
                default: between(line, "[default: ", &[']']),
            });
        }
    }
    settings.sort();
    settings
}

/// The rows of the README's configuration table.
fn settings_in_readme() -> Vec<Setting> {
    let readme = include_str!("../README.md");
    let section = &readme[readme
        .find("## Configuration")
        .expect("a Configuration section")..];
    let literal = |cell: &str| {
        let cell = cell.trim();
        (cell.starts_with('`') && cell.ends_with('`') && cell.matches('`').count() == 2)
            .then(|| cell.trim_matches('`').to_owned())
    };
    let mut settings: Vec<Setting> = section
        .lines()
        .skip_while(|line| !line.starts_with("| variable |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            Setting {
                variable: literal(cells[0].trim_start_matches('|')).expect("a variable"),
                flag: literal(cells[1]).expect("a flag"),
                default: literal(cells[2]),
            }
        })
        .collect();
    settings.sort();
    settings
}

#[test]
fn the_readme_lists_the_settings_of_serve_help_with_the_same_defaults() {
    let help = settings_in_serve_help();
    let readme = settings_in_readme();
    for variable in [
        "LOG_FORMAT",
        "RUST_LOG",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "DATABASE_URL",
    ] {
        assert!(
            help.iter().any(|s| s.variable == variable),
            "{variable} is not in csc serve --help"
        );
    }
    assert_eq!(
        readme, help,
        "README.md's configuration table (left) and csc serve --help (right) disagree"
    );
}

#[test]
fn logging_options_work_after_the_command_and_a_bad_filter_is_refused() {
    for args in [
        ["schema", "--log-format", "json"],
        ["--log-format", "json", "schema"],
    ] {
        let (code, sdl, stderr) = csc(&args, &[]);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(sdl.contains("type Query"), "{args:?}");
    }
    let (code, _, stderr) = csc(&["serve", "--log-format", "yaml"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("possible values: text, json"), "{stderr}");
    let (code, _, stderr) = csc(&["schema"], &[("RUST_LOG", "info,[[")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("RUST_LOG"), "{stderr}");
}

#[test]
fn an_unknown_society_code_is_answered_with_the_valid_codes() {
    let (code, stdout, stderr) = csc(
        &["token", "--role", "SOCIETY", "--society", "INTERNAL"],
        &[("JWT_SECRET", SECRET)],
    );
    assert_eq!(code, 2, "{stdout}");
    for valid in ["INTERNAL_MEDICINE", "PEDIATRICS", "GENERAL_PRACTICE"] {
        assert!(stderr.contains(valid), "{valid} missing from: {stderr}");
    }
    let (code, token, stderr) = csc(
        &[
            "token",
            "--role",
            "SOCIETY",
            "--society",
            "INTERNAL_MEDICINE",
        ],
        &[("JWT_SECRET", SECRET)],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(token.trim().split('.').count(), 3);
}

#[test]
fn seed_demo_help_says_it_migrates() {
    let (code, help, _) = csc(&["seed-demo", "--help"], &[]);
    assert_eq!(code, 0);
    assert!(help.contains("Apply pending migrations"), "{help}");
    assert!(!help.contains("migrated database"), "{help}");
}

/// `csc serve --dev` with no secret, `env` only, on a free port; its
/// standard error once it printed the hint, and the port.
async fn serve_dev(db: &TestDatabase, env: &[(&str, &str)]) -> (Child, u16, String) {
    let port = free_port();
    let log = db.dir.join(format!("dev-{port}.log"));
    let allowlist = db.dir.join("operations.json");
    let child = Command::new(env!("CARGO_BIN_EXE_csc"))
        .args(["serve", "--dev"])
        .current_dir(&db.dir)
        .env_clear()
        .envs(env.iter().copied())
        .env("DATABASE_URL", &db.url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env("OPERATIONS_ALLOWLIST", &allowlist)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log).expect("a log")))
        .spawn()
        .expect("start csc serve --dev");
    let mut child = child;
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        let printed = std::fs::read_to_string(&log).unwrap_or_default();
        let ready =
            matches!(http(port, "GET", "/readyz", &[], b"").await, Ok(r) if r.status == 200);
        if printed.contains("Authorization") && ready {
            return (child, port, printed);
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("csc serve --dev exited with {status}:\n{printed}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!(
        "csc serve --dev printed no hint or was not ready:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// `Viewer.role` for a raw `Authorization` value.
async fn role_of(port: u16, authorization: &str) -> Value {
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", authorization),
    ];
    let response = http(
        port,
        "POST",
        "/graphql",
        &headers,
        &graphql_body("{ viewer { role } }", json!({})),
    )
    .await
    .expect("POST /graphql");
    response.json()["data"]["viewer"]["role"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_dev_prints_commands_that_work_and_offers_sign_in() {
    let db = TestDatabase::create().await;
    // Installed (or started by its path): the hint names the binary.
    let (mut child, port, hint) = serve_dev(&db, &[]).await;
    let command = hint
        .lines()
        .find(|line| line.contains(" token --role SOCIETY"))
        .unwrap_or_else(|| panic!("no token command in:\n{hint}"))
        .trim()
        .to_owned();
    assert!(
        command.contains(&format!("{} token", env!("CARGO_BIN_EXE_csc"))),
        "{command}"
    );
    let issued = Command::new("sh")
        .args(["-c", &command])
        .env_clear()
        .output()
        .expect("run the printed command");
    assert!(issued.status.success(), "{command}: {issued:?}");
    let token = String::from_utf8(issued.stdout).unwrap();
    let society = role_of(port, &format!("Bearer {}", token.trim())).await;
    // The header line pastes as it is into GraphiQL's Headers pane.
    let header_line = hint
        .lines()
        .find(|line| line.trim_start().starts_with("{\"Authorization\""))
        .unwrap_or_else(|| panic!("no header in:\n{hint}"));
    let headers: Value = serde_json::from_str(header_line.trim()).expect("the header is JSON");
    let admin = role_of(port, headers["Authorization"].as_str().unwrap()).await;
    let sign_in = http(port, "GET", "/graphiql/dev/sign-in", &[], b"").await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(society, "SOCIETY", "{hint}");
    assert_eq!(admin, "ADMIN", "{hint}");
    let sign_in = sign_in.expect("GET /graphiql/dev/sign-in");
    assert_eq!(sign_in.status, 200, "{}", sign_in.body);
    assert_eq!(sign_in.json()[0]["role"], "ADMIN");

    // Under `cargo run` (which sets these two): the hint says `cargo run --`.
    let (mut child, _, hint) = serve_dev(
        &db,
        &[
            ("CARGO_PKG_NAME", "csc"),
            ("CARGO_MANIFEST_DIR", "/src/csc"),
        ],
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let expected = if cfg!(debug_assertions) {
        "cargo run -- token --role SOCIETY"
    } else {
        "cargo run --release -- token --role SOCIETY"
    };
    assert!(hint.contains(expected), "{hint}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_dev_has_no_sign_in() {
    let db = TestDatabase::create().await;
    let server = Server::start(&db).await;
    let sign_in = http(server.port, "GET", "/graphiql/dev/sign-in", &[], b"")
        .await
        .expect("GET /graphiql/dev/sign-in");
    assert_eq!(sign_in.status, 404);
    let page = http(server.port, "GET", "/graphql", &[], b"")
        .await
        .expect("GET /graphql");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("\"signIn\":null"), "{}", page.body);
    // --dev and --production never go together.
    let (code, _, stderr) = csc(&["serve", "--dev", "--production"], &[]);
    assert_eq!(code, 2, "{stderr}");
}

// --- the demo: seed-demo, then serve --dev on its day ------------------------------------

/// The `"today"` of the GraphiQL page's settings.
async fn page_today(port: u16) -> Value {
    let page = http(port, "GET", "/graphql", &[], b"")
        .await
        .expect("GET /graphql");
    assert_eq!(page.status, 200);
    let start = page
        .body
        .find("id=\"csc-graphiql-settings\">")
        .expect("the settings block")
        + 27;
    let end = start + page.body[start..].find("</script>").unwrap();
    let settings: Value = serde_json::from_str(&page.body[start..end]).unwrap();
    settings["today"].clone()
}

/// `recordPaper` dated the day after the demo's: refused when that is in
/// the future, so the answer tells which day the server takes as today.
async fn paper_the_day_after(port: u16, authorization: &str) -> Value {
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", authorization),
    ];
    let body = graphql_body(
        "mutation($t: ID!, $i: RecordPaperInput!) { recordPaper(traineeId: $t, input: $i) { id } }",
        json!({
            "t": csc::ids::encode(csc::ids::TRAINEE, 1).0,
            "i": { "title": "A day later", "journal": "Internal Medicine",
                   "publishedOn": "2026-10-23", "sciIndexed": true, "firstAuthor": true,
                   "english": true, "caseReport": false }
        }),
    );
    http(port, "POST", "/graphql", &headers, &body)
        .await
        .expect("POST /graphql")
        .json()
}

/// The ADMIN header line `serve --dev` printed.
fn admin_authorization(hint: &str) -> String {
    let line = hint
        .lines()
        .find(|line| line.trim_start().starts_with("{\"Authorization\""))
        .unwrap_or_else(|| panic!("no header in:\n{hint}"));
    let headers: Value = serde_json::from_str(line.trim()).expect("the header is JSON");
    headers["Authorization"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_dev_on_the_demo_takes_its_day_as_today() {
    let db = TestDatabase::create().await;
    // seed-demo under `cargo run` (which sets these two) prints the tokens
    // to start with as commands that work there.
    let (code, printed, stderr) = csc(
        &["seed-demo"],
        &[
            ("DATABASE_URL", &db.url),
            ("CARGO_PKG_NAME", "csc"),
            ("CARGO_MANIFEST_DIR", "/src/csc"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let day = csc::seed::as_of().to_string();
    assert!(
        printed.contains(&format!("The data describes {day}")),
        "{printed}"
    );
    let cargo = if cfg!(debug_assertions) {
        "cargo run --"
    } else {
        "cargo run --release --"
    };
    for role in [
        "ADMIN",
        "SOCIETY --society INTERNAL_MEDICINE",
        "INSTITUTION",
        "APPLICANT --sub doctor-0001",
    ] {
        assert!(
            printed.contains(&format!("{cargo} token --role {role}")),
            "no `{cargo} token --role {role}` in:\n{printed}"
        );
    }

    // --dev: the demo's day is today, and the page says so.
    let (mut child, port, hint) = serve_dev(&db, &[]).await;
    let today = page_today(port).await;
    let refused = paper_the_day_after(port, &admin_authorization(&hint)).await;
    // The hospital the summary names, with a token of the printed command.
    let institution_line = printed
        .lines()
        .find(|line| line.contains("token --role INSTITUTION"))
        .unwrap()
        .to_owned();
    let secret = hint
        .lines()
        .find_map(|line| line.trim().strip_prefix("JWT_SECRET="))
        .expect("the printed secret")
        .to_owned();
    let args: Vec<&str> = institution_line
        .split('#')
        .next()
        .unwrap()
        .split_whitespace()
        .skip_while(|word| *word != "token")
        .collect();
    let (code, token, stderr) = csc(&args, &[("JWT_SECRET", &secret)]);
    assert_eq!(code, 0, "{stderr}");
    let hospital = http(
        port,
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &format!("Bearer {}", token.trim())),
        ],
        &graphql_body("{ viewer { institution { name } } }", json!({})),
    )
    .await
    .expect("POST /graphql")
    .json();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        hint.contains(&format!("the demo data describes {day}")),
        "{hint}"
    );
    assert_eq!(today, format!("Demo data as of {day}"));
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refused}"
    );
    assert!(
        institution_line.contains(
            hospital["data"]["viewer"]["institution"]["name"]
                .as_str()
                .unwrap()
        ),
        "{institution_line}: {hospital}"
    );

    // CSC_TODAY wins over the demo's day.
    let (mut child, port, hint) = serve_dev(&db, &[("CSC_TODAY", "2027-01-05")]).await;
    let today = page_today(port).await;
    let accepted = paper_the_day_after(port, &admin_authorization(&hint)).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(today, "Today is 2027-01-05 (CSC_TODAY)");
    assert!(accepted["errors"].is_null(), "{accepted}");

    // Without --dev the real date is used: the page names no day.
    let server = Server::start(&db).await;
    assert_eq!(page_today(server.port).await, Value::Null);
}
