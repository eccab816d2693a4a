//! Benchmark-only: counts the SQL statements the service runs for one
//! request. Each request goes through the real router (`build_router`) in
//! this process, over the given database, with sqlx's statement log on and
//! a tracing layer that counts its events (target `sqlx::query`, one per
//! statement executed, BEGIN and COMMIT included).
//!
//! The same events carry each statement's elapsed time, which gives a simple
//! breakdown of a request: time in SQL against the rest (resolution,
//! serialization, authentication), measured one request at a time.
//!
//! Usage: `sql-count --database-url URL < requests.jsonl`, one request a line:
//! `{"label": "a", "token": "…" or null, "body": {"query": …, "variables": …},
//! "repeat": 20}` (`repeat` is optional, default 1). In a body, `$LAST_ID`
//! stands for the `id` the previous response returned (so a withdrawal can
//! follow a submission). Prints, per line,
//! `label<TAB>statements<TAB>ok|error<TAB>median ms<TAB>median ms in SQL`.
//! With `SQL_COUNT_VERBOSE=1` each statement's time and text go to standard
//! error. Needs `JWT_SECRET` (and `JWT_ISSUER`, `JWT_AUDIENCE` when not the defaults).

use axum::body::Body;
use axum::http::{Request, header};
use csc::auth::TokenKeys;
use csc::clock::Clock;
use csc::config::DatabaseConfig;
use csc::startup::build_router;
use csc::state::AppState;
use http_body_util::BodyExt;
use serde_json::Value;
use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower::ServiceExt;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Statements seen, and their elapsed time in nanoseconds.
#[derive(Default)]
struct Tally {
    statements: AtomicU64,
    nanos: AtomicU64,
}

/// `verbose`: each statement's time and text go to standard error.
struct CountStatements(Arc<Tally>, bool);

#[derive(Default)]
struct Statement {
    elapsed: f64,
    text: String,
}

impl tracing::field::Visit for Statement {
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed = value;
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "db.statement" && !value.trim().is_empty() {
            self.text = value.trim().to_owned();
        } else if field.name() == "summary" && self.text.is_empty() {
            self.text = value.to_owned();
        }
    }
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for CountStatements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            let mut statement = Statement::default();
            event.record(&mut statement);
            self.0.statements.fetch_add(1, Ordering::Relaxed);
            self.0
                .nanos
                .fetch_add((statement.elapsed * 1e9) as u64, Ordering::Relaxed);
            if self.1 {
                let text: String = statement
                    .text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                let cut: String = text.chars().take(160).collect();
                eprintln!("  {:8.3} ms  {cut}", statement.elapsed * 1e3);
            }
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The first `"id"` string anywhere in a response's `data`.
fn first_id(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => map
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| map.values().find_map(first_id)),
        Value::Array(items) => items.iter().find_map(first_id),
        _ => None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .iter()
        .position(|a| a == "--database-url")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or("--database-url or DATABASE_URL")?;
    let counter = Arc::new(Tally::default());
    tracing_subscriber::registry()
        .with(CountStatements(
            Arc::clone(&counter),
            std::env::var_os("SQL_COUNT_VERBOSE").is_some(),
        ))
        .init();

    let config = DatabaseConfig {
        database_url: url,
        database_max_connections: Some(2),
    };
    let mut options = csc::db::options(&config);
    options
        .sqlx_logging(true)
        .sqlx_logging_level(log::LevelFilter::Info);
    let db = sea_orm::Database::connect(options).await?;
    let secret = std::env::var("JWT_SECRET").map_err(|_| "JWT_SECRET")?;
    let issuer = std::env::var("JWT_ISSUER").unwrap_or_else(|_| "csc".into());
    let audience = std::env::var("JWT_AUDIENCE").unwrap_or_else(|_| "csc-api".into());
    let keys = TokenKeys::new(&secret, &issuer, &audience)?;
    let state = AppState::new(db, keys, Clock { fixed_today: None }).await?;
    let router = build_router(state);

    let mut last_id = String::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let spec: Value = serde_json::from_str(&line)?;
        let label = spec["label"].as_str().unwrap_or("?").to_owned();
        let repeat = spec["repeat"].as_u64().unwrap_or(1).max(1);
        let (mut walls, mut sqls) = (Vec::new(), Vec::new());
        let (mut statements, mut outcome) = (0, String::new());
        for _ in 0..repeat {
            let body = spec["body"].to_string().replace("$LAST_ID", &last_id);
            let mut request =
                Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
            if let Some(token) = spec["token"].as_str() {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            let request = request.body(Body::from(body))?;
            let before = counter.statements.load(Ordering::Relaxed);
            let nanos = counter.nanos.load(Ordering::Relaxed);
            let started = std::time::Instant::now();
            let response = router.clone().oneshot(request).await?;
            let bytes = response.into_body().collect().await?.to_bytes();
            walls.push(started.elapsed().as_secs_f64() * 1e3);
            sqls.push((counter.nanos.load(Ordering::Relaxed) - nanos) as f64 / 1e6);
            statements = counter.statements.load(Ordering::Relaxed) - before;
            let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let ok = json.get("errors").is_none() && json.get("data").is_some_and(|d| !d.is_null());
            if let Some(id) = json.get("data").and_then(first_id) {
                last_id = id;
            }
            outcome = if ok {
                "ok".to_owned()
            } else {
                format!("error {json}")
            };
        }
        println!(
            "{label}\t{statements}\t{outcome}\t{:.2}\t{:.2}",
            median(&mut walls),
            median(&mut sqls)
        );
    }
    Ok(())
}
