//! Builds the router over the application's state (`crate::state`) and
//! serves it. `csc serve` and the tests both go through `build_router`, so
//! tests exercise the real stack.

use crate::auth;
use crate::db;
use crate::error::ErrorCode;
use crate::graphql::sdl;
use crate::handler;
use crate::state::{AppState, BODY_LIMIT_BYTES, REQUEST_ID};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use std::time::Duration;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub fn build_router(state: AppState) -> Router {
    let policy = state.policy.clone();
    let cors = if policy.cors_origins.is_empty() {
        CorsLayer::new()
    } else {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(policy.cors_origins.clone()))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                HeaderName::from_static("idempotency-key"),
            ])
            .max_age(Duration::from_secs(3600))
    };
    Router::new()
        .route(
            "/graphql",
            get(handler::get)
                .post(handler::post)
                .route_layer(middleware::from_fn(handler::require_json)),
        )
        .route("/graphql/ws", get(crate::ws::graphql_ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/schema.graphql", get(schema_sdl))
        .route("/metrics", get(metrics))
        .merge(crate::graphiql::routes(
            policy.dev && state.keys.can_issue(),
        ))
        .with_state(state)
        // gzip or br when the client accepts it; level 4 keeps brotli (11 by
        // default) cheap enough for dynamic JSON (bench/README.md).
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            policy.request_timeout,
        ))
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                // The GraphQL handler fills operation, role and outcome in.
                tracing::info_span!(
                    "request",
                    method = %req.method(),
                    path = %req.uri().path(),
                    request_id = %id,
                    operation = tracing::field::Empty,
                    role = tracing::field::Empty,
                    outcome = tracing::field::Empty,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(&state.db),
    )
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and every migration has been applied.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(Duration::from_secs(2), db::is_migrated(&state.db)).await {
        Ok(Ok(true)) => (StatusCode::OK, "ready"),
        Ok(Ok(false)) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending"),
        Ok(Err(_)) | Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
    }
}

/// The SDL; under `--production` to authenticated callers only, like
/// introspection.
async fn schema_sdl(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if state.policy.production {
        let refusal = |code, message| {
            let id = headers
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let mut response = handler::graphql_error(StatusCode::UNAUTHORIZED, code, message, id);
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        };
        let authorization = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("\u{0}"));
        match auth::authenticate(&state.db, &state.keys, &state.societies, authorization).await {
            Ok(viewer) if viewer.role.is_some() => {}
            Ok(_) => {
                return refusal(
                    ErrorCode::Unauthenticated,
                    "the schema is shown to authenticated callers only",
                );
            }
            Err(crate::error::AppError::Unauthenticated) => {
                return refusal(ErrorCode::Unauthenticated, "invalid or expired token");
            }
            Err(err) => {
                tracing::error!(error = %err, "authentication failed");
                return handler::graphql_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "internal error",
                    "",
                );
            }
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], sdl()).into_response()
}

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}
