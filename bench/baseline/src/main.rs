//! Benchmark-only baseline, not part of the service: what a careful
//! hand-written server does for queries (a) and (b) of `bench/run.sh`.
//!
//! `POST /graphql` answers two fixed operations, chosen by `operationName`,
//! with the JSON the service gives for the same GraphQL documents:
//!
//! - `PublishedCourses` (anonymous): published courses with society,
//!   responsible institution, clinical sites and research host. Three
//!   statements: the page, its partner sites, the institutions they name;
//!   societies come from memory (loaded at start, as the service does).
//! - `FieldApplications` (SOCIETY token, verified by the service's own
//!   `TokenKeys`): the field's applications of a year with applicant, course
//!   and general application in one joined statement, then the personal-data
//!   audit rows in one INSERT, as the service writes them (on PostgreSQL with
//!   the targets as one array parameter).
//!
//! `GET /stats` reports requests served and SQL statements run, so the
//! statements per request are measured, not assumed.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, FixedOffset, Utc};
use csc::auth::TokenKeys;
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sea_orm::sqlx::{self, Row};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

/// Runs the same code against either pool (the row types differ).
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Pg($p) => $body,
        }
    };
}

struct Society {
    code: String,
    field_name_ja: String,
}

struct App {
    pool: Pool,
    keys: TokenKeys,
    societies: BTreeMap<i64, Society>,
    requests: AtomicU64,
    statements: AtomicU64,
}

type Shared = Arc<App>;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = arg("--database-url")
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or("--database-url or DATABASE_URL")?;
    let bind = arg("--bind").unwrap_or_else(|| "127.0.0.1:8090".into());
    // The service's default pool size for this backend.
    let default_max = csc::config::DatabaseConfig {
        database_url: url.clone(),
        database_max_connections: None,
    }
    .max_connections();
    let max: u32 = arg("--max-connections")
        .or_else(|| std::env::var("DATABASE_MAX_CONNECTIONS").ok())
        .map_or(Ok(default_max), |s| s.parse())?;
    let secret = std::env::var("JWT_SECRET").map_err(|_| "JWT_SECRET")?;
    let issuer = std::env::var("JWT_ISSUER").unwrap_or_else(|_| "csc".into());
    let audience = std::env::var("JWT_AUDIENCE").unwrap_or_else(|_| "csc-api".into());
    let keys = TokenKeys::new(&secret, &issuer, &audience)?;

    // The service's pool settings: WAL, a busy timeout and foreign keys on SQLite.
    let pool = if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(&url)?
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        Pool::Sqlite(
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?,
        )
    } else {
        Pool::Pg(
            PgPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(5))
                .connect(&url)
                .await?,
        )
    };
    let societies = on_pool!(&pool, p => {
        sqlx::query("SELECT id, code, field_name_ja FROM societies")
            .fetch_all(p)
            .await?
            .into_iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>(0)?,
                    Society {
                        code: r.try_get(1)?,
                        field_name_ja: r.try_get(2)?,
                    },
                ))
            })
            .collect::<Result<BTreeMap<_, _>, sqlx::Error>>()?
    });
    let app = Arc::new(App {
        pool,
        keys,
        societies,
        requests: AtomicU64::new(0),
        statements: AtomicU64::new(0),
    });
    let router = Router::new()
        .route("/graphql", post(graphql))
        .route("/readyz", get(|| async { "ready" }))
        .route("/stats", get(stats))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn stats(State(app): State<Shared>) -> impl IntoResponse {
    axum::Json(json!({
        "requests": app.requests.load(Ordering::Relaxed),
        "statements": app.statements.load(Ordering::Relaxed),
    }))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, "application/graphql-response+json")],
        body.to_string(),
    )
        .into_response()
}

async fn graphql(State(app): State<Shared>, headers: HeaderMap, body: String) -> Response {
    app.requests.fetch_add(1, Ordering::Relaxed);
    let Ok(request) = serde_json::from_str::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", "not JSON");
    };
    let variables = request.get("variables").cloned().unwrap_or(Value::Null);
    let first = variables
        .get("first")
        .and_then(Value::as_i64)
        .unwrap_or(100)
        .clamp(0, 100);
    let result = match request.get("operationName").and_then(Value::as_str) {
        Some("PublishedCourses") => published_courses(&app, first).await,
        Some("FieldApplications") => {
            let year = variables
                .get("year")
                .and_then(Value::as_i64)
                .unwrap_or(2027);
            field_applications(&app, &headers, first, year).await
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the baseline knows PublishedCourses and FieldApplications only",
            );
        }
    };
    match result {
        Ok(data) => (
            [(header::CONTENT_TYPE, "application/graphql-response+json")],
            json!({ "data": data }).to_string(),
        )
            .into_response(),
        Err(Failure::Unauthenticated) => error(
            StatusCode::OK,
            "UNAUTHENTICATED",
            "invalid or expired token",
        ),
        Err(Failure::Database(e)) => {
            eprintln!("baseline: {e}");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
        }
    }
}

enum Failure {
    Unauthenticated,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

fn global_id(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

/// `$1, $2, …` from `start`, for an IN list.
fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn japan_time(at: DateTime<Utc>) -> String {
    let jst = FixedOffset::east_opt(9 * 3600).expect("+09:00");
    at.with_timezone(&jst)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

struct CourseRow {
    id: i64,
    year: i32,
    title: String,
    capacity: i32,
    society_id: i64,
    institution_id: i64,
    host_kind: String,
    host_name: String,
    host_institution_id: Option<i64>,
    host_papers: i32,
}

async fn published_courses(app: &App, first: i64) -> Result<Value, Failure> {
    let courses: Vec<CourseRow> = on_pool!(&app.pool, p => {
        sqlx::query(
            "SELECT id, year, title, requested_capacity, society_id, responsible_institution_id, \
             research_host_kind, research_host_name, research_host_institution_id, research_host_paper_count \
             FROM courses WHERE status = 'PUBLISHED' ORDER BY id LIMIT $1",
        )
        .bind(first + 1)
        .fetch_all(p)
        .await?
        .into_iter()
        .map(|r| {
            Ok(CourseRow {
                id: r.try_get(0)?,
                year: r.try_get(1)?,
                title: r.try_get(2)?,
                capacity: r.try_get(3)?,
                society_id: r.try_get(4)?,
                institution_id: r.try_get(5)?,
                host_kind: r.try_get(6)?,
                host_name: r.try_get(7)?,
                host_institution_id: r.try_get(8)?,
                host_papers: r.try_get(9)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?
    });
    app.statements.fetch_add(1, Ordering::Relaxed);
    let has_next = courses.len() as i64 > first;
    let courses = &courses[..courses.len().min(first as usize)];

    let mut partners: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    if !courses.is_empty() {
        let sql = format!(
            "SELECT course_id, institution_id FROM course_partner_sites \
             WHERE course_id IN ({}) ORDER BY course_id, institution_id",
            placeholders(1, courses.len())
        );
        let rows: Vec<(i64, i64)> = on_pool!(&app.pool, p => {
            // Only numbered placeholders are generated into the text.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for c in courses {
                q = q.bind(c.id);
            }
            q.fetch_all(p)
                .await?
                .into_iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        app.statements.fetch_add(1, Ordering::Relaxed);
        for (course, institution) in rows {
            partners.entry(course).or_default().push(institution);
        }
    }

    let wanted: BTreeSet<i64> = courses
        .iter()
        .flat_map(|c| [Some(c.institution_id), c.host_institution_id])
        .flatten()
        .chain(partners.values().flatten().copied())
        .collect();
    let mut institutions: BTreeMap<i64, (String, String)> = BTreeMap::new();
    if !wanted.is_empty() {
        let sql = format!(
            "SELECT id, name, prefecture FROM institutions WHERE id IN ({})",
            placeholders(1, wanted.len())
        );
        let rows: Vec<(i64, String, String)> = on_pool!(&app.pool, p => {
            // Only numbered placeholders are generated into the text.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for id in &wanted {
                q = q.bind(*id);
            }
            q.fetch_all(p)
                .await?
                .into_iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        app.statements.fetch_add(1, Ordering::Relaxed);
        for (id, name, prefecture) in rows {
            institutions.insert(id, (name, prefecture));
        }
    }
    let institution = |id: i64| -> Value {
        let (name, prefecture) = institutions.get(&id).cloned().unwrap_or_default();
        json!({ "id": global_id("Institution", id), "name": name, "prefecture": prefecture })
    };

    let nodes: Vec<Value> = courses
        .iter()
        .map(|c| {
            let society = app.societies.get(&c.society_id);
            let mut sites = vec![
                json!({ "role": "RESPONSIBLE", "institution": institution(c.institution_id) }),
            ];
            sites.extend(
                partners
                    .get(&c.id)
                    .into_iter()
                    .flatten()
                    .map(|i| json!({ "role": "PARTNER", "institution": institution(*i) })),
            );
            let host_institution = c.host_institution_id.map(|id| {
                let (name, _) = institutions.get(&id).cloned().unwrap_or_default();
                json!({ "id": global_id("Institution", id), "name": name })
            });
            json!({
                "id": global_id("Course", c.id),
                "year": c.year,
                "title": c.title,
                "requestedCapacity": c.capacity,
                "society": {
                    "code": society.map(|s| s.code.as_str()),
                    "fieldNameJa": society.map(|s| s.field_name_ja.as_str()),
                },
                "responsibleInstitution": institution(c.institution_id),
                "clinicalSites": sites,
                "researchHost": {
                    "kind": c.host_kind,
                    "name": c.host_name,
                    "paperCountFiveYears": c.host_papers,
                    "institution": host_institution,
                },
            })
        })
        .collect();
    Ok(json!({
        "courses": {
            "nodes": nodes,
            "pageInfo": {
                "hasNextPage": has_next,
                "endCursor": courses.last().map(|c| cursor(c.id)),
            },
        }
    }))
}

struct ApplicationRow {
    id: i64,
    status: String,
    submitted_at: DateTime<Utc>,
    course_id: i64,
    course_title: String,
    applicant_id: i64,
    full_name: String,
    university: String,
    graduation_year: i32,
    program_name: Option<String>,
    general_status: Option<String>,
    general_institution: Option<String>,
}

async fn field_applications(
    app: &App,
    headers: &HeaderMap,
    first: i64,
    year: i64,
) -> Result<Value, Failure> {
    // The same token check as the service; the society's row from memory.
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Failure::Unauthenticated)?;
    let claims = app
        .keys
        .verify(token)
        .map_err(|_| Failure::Unauthenticated)?;
    let code = claims
        .society
        .as_deref()
        .filter(|_| claims.role == "SOCIETY")
        .ok_or(Failure::Unauthenticated)?;
    let society_id = app
        .societies
        .iter()
        .find(|(_, s)| s.code == code)
        .map(|(id, _)| *id)
        .ok_or(Failure::Unauthenticated)?;

    // The page's rows as the service chooses them: on SQLite its ids first,
    // so that the joins run for those rows only (joined flat, SQLite joins
    // and sorts every application of the field's cycle before the limit);
    // on PostgreSQL flat, which it stops at the limit.
    macro_rules! page_sql {
        ($page:literal) => {
            concat!(
                "SELECT a.id, a.status, a.submitted_at, c.id, c.title, p.id, p.full_name, \
                 p.university, p.graduation_year, g.program_name, g.status, gi.name \
                 FROM applications a \
                 JOIN courses c ON c.id = a.course_id \
                 JOIN applicants p ON p.id = a.applicant_id \
                 LEFT JOIN general_applications g ON g.application_id = a.id \
                 LEFT JOIN institutions gi ON gi.id = g.institution_id ",
                $page
            )
        };
    }
    let sql = match app.pool {
        Pool::Sqlite(_) => page_sql!(
            "WHERE a.id IN (SELECT k.id FROM applications k \
             JOIN courses kc ON kc.id = k.course_id \
             WHERE kc.society_id = $1 AND k.year = $2 ORDER BY k.id LIMIT $3) ORDER BY a.id"
        ),
        Pool::Pg(_) => page_sql!("WHERE c.society_id = $1 AND a.year = $2 ORDER BY a.id LIMIT $3"),
    };
    let rows: Vec<ApplicationRow> = on_pool!(&app.pool, p => {
        sqlx::query(sql)
            .bind(society_id)
            .bind(year as i32)
            .bind(first + 1)
            .fetch_all(p)
            .await?
            .into_iter()
            .map(|r| {
                Ok(ApplicationRow {
                    id: r.try_get(0)?,
                    status: r.try_get(1)?,
                    submitted_at: r.try_get(2)?,
                    course_id: r.try_get(3)?,
                    course_title: r.try_get(4)?,
                    applicant_id: r.try_get(5)?,
                    full_name: r.try_get(6)?,
                    university: r.try_get(7)?,
                    graduation_year: r.try_get(8)?,
                    program_name: r.try_get(9)?,
                    general_status: r.try_get(10)?,
                    general_institution: r.try_get(11)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?
    });
    app.statements.fetch_add(1, Ordering::Relaxed);
    let has_next = rows.len() as i64 > first;
    let rows = &rows[..rows.len().min(first as usize)];

    // Personal data leaves with its audit trail, as in the service.
    let read: BTreeSet<i64> = rows.iter().map(|r| r.applicant_id).collect();
    if !read.is_empty() {
        let now = Utc::now();
        let summary = "read personal data (FieldApplications)";
        let targets: Vec<String> = read.iter().map(|id| global_id("Applicant", *id)).collect();
        match &app.pool {
            // As the service: the targets as one array parameter.
            Pool::Pg(p) => {
                sqlx::query(
                    "INSERT INTO audit_events (at, role, subject, operation, target_id, outcome, summary) \
                     SELECT $1, $2, $3, $4, target_id, $5, $6 FROM unnest($7::text[]) AS target_id",
                )
                .bind(now)
                .bind("SOCIETY")
                .bind(claims.sub.as_str())
                .bind("readPersonalData")
                .bind("OK")
                .bind(summary)
                .bind(&targets)
                .execute(p)
                .await?;
            }
            Pool::Sqlite(p) => {
                let values = (0..targets.len())
                    .map(|i| format!("({})", placeholders(i * 7 + 1, 7)))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "INSERT INTO audit_events (at, role, subject, operation, target_id, outcome, summary) VALUES {values}"
                );
                // Only numbered placeholders are generated into the text.
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for target in &targets {
                    q = q
                        .bind(now)
                        .bind("SOCIETY")
                        .bind(claims.sub.as_str())
                        .bind("readPersonalData")
                        .bind(target.as_str())
                        .bind("OK")
                        .bind(summary);
                }
                q.execute(p).await?;
            }
        }
        app.statements.fetch_add(1, Ordering::Relaxed);
    }

    let nodes: Vec<Value> = rows
        .iter()
        .map(|r| {
            let general = r.program_name.as_ref().map(|name| {
                json!({
                    "programName": name,
                    "status": r.general_status,
                    "institution": { "name": r.general_institution },
                })
            });
            json!({
                "id": global_id("Application", r.id),
                "status": r.status,
                "submittedAt": japan_time(r.submitted_at),
                "course": { "id": global_id("Course", r.course_id), "title": r.course_title },
                "applicant": {
                    "id": global_id("Applicant", r.applicant_id),
                    "fullName": r.full_name,
                    "university": r.university,
                    "graduationYear": r.graduation_year,
                },
                "generalApplication": general,
            })
        })
        .collect();
    Ok(json!({
        "applications": {
            "nodes": nodes,
            "pageInfo": {
                "hasNextPage": has_next,
                "endCursor": rows.last().map(|r| cursor(r.id)),
            },
        }
    }))
}
