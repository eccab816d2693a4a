//! Benchmark-only: counts the SQL statements the service runs for one
//! request. Each request goes through the real router (`build_router`) in
//! this process, over the given database, with sqlx's statement log on and
//! a tracing layer that counts its events (target `sqlx::query`, one per
//! statement executed, BEGIN and COMMIT included).
//!
//! Usage: `sql-count --database-url URL < requests.jsonl`, one request a line:
//! `{"label": "a", "token": "…" or null, "body": {"query": …, "variables": …}}`.
//! In a body, `$LAST_ID` stands for the `id` the previous response returned
//! (so a withdrawal can follow a submission). Prints `label<TAB>statements<TAB>ok|error`.
//! Needs `JWT_SECRET` (and `JWT_ISSUER`, `JWT_AUDIENCE` when not the defaults).

use axum::body::Body;
use axum::http::{Request, header};
use csc::auth::TokenKeys;
use csc::config::DatabaseConfig;
use csc::graphql::context::Clock;
use csc::startup::{AppState, build_router};
use http_body_util::BodyExt;
use serde_json::Value;
use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower::ServiceExt;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

struct CountStatements(Arc<AtomicU64>);

impl<S: tracing::Subscriber> Layer<S> for CountStatements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
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
    let counter = Arc::new(AtomicU64::new(0));
    tracing_subscriber::registry()
        .with(CountStatements(Arc::clone(&counter)))
        .init();

    let config = DatabaseConfig {
        database_url: url,
        database_max_connections: 2,
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
        let body = spec["body"].to_string().replace("$LAST_ID", &last_id);
        let mut request =
            Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = spec["token"].as_str() {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request.body(Body::from(body))?;
        let before = counter.load(Ordering::Relaxed);
        let response = router.clone().oneshot(request).await?;
        let bytes = response.into_body().collect().await?.to_bytes();
        let statements = counter.load(Ordering::Relaxed) - before;
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let ok = json.get("errors").is_none() && json.get("data").is_some_and(|d| !d.is_null());
        if let Some(id) = json.get("data").and_then(first_id) {
            last_id = id;
        }
        println!(
            "{label}\t{statements}\t{}",
            if ok {
                "ok".to_owned()
            } else {
                format!("error {json}")
            }
        );
    }
    Ok(())
}
