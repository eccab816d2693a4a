//! Builds the application: state, schema and router. `csc serve` and the
//! tests both go through `build_router`, so tests exercise the real stack.

use crate::allowlist::Allowlist;
use crate::auth;
use crate::auth::TokenKeys;
use crate::db;
use crate::entity::society;
use crate::error::ErrorCode;
use crate::events::EventBus;
use crate::graphql::context::{Clock, SocietyCatalog};
use crate::graphql::{CscSchema, Served, build_schema, sdl};
use crate::handler;
use crate::introspection::Shape;
use crate::metrics::Metrics;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::NaiveDate;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted, before it is buffered.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;
/// Largest GraphQL answer, before compression: the heaviest front-end
/// page (100 courses with their sites) is about 110 KB, the full
/// introspection answer about 300 KB.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How the HTTP layer treats requests, beyond the GraphQL schema.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    /// Browser origins allowed by CORS; empty allows none (same-origin only).
    pub cors_origins: Vec<HeaderValue>,
    /// A request that takes longer is answered 408 instead of hanging.
    pub request_timeout: Duration,
    /// `serve --production`: the schema is shown to authenticated callers
    /// only (introspection, `/schema.graphql`, suggestions in errors).
    pub production: bool,
    /// `serve --dev`: GraphiQL offers "Sign in as" with tokens the server mints.
    pub dev: bool,
    /// GraphQL requests executed at once; the rest wait their turn.
    pub max_concurrent_requests: usize,
    /// Largest GraphQL answer sent; a larger one is replaced by a
    /// QUERY_TOO_COMPLEX error, never truncated.
    pub max_response_bytes: usize,
}

impl HttpPolicy {
    /// Four per core: enough to keep the cores and the database busy while
    /// some requests wait on SQL, few enough that memory stays flat under
    /// load (bench/README.md).
    pub fn default_concurrency() -> usize {
        4 * std::thread::available_parallelism().map_or(2, usize::from)
    }
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(10),
            production: false,
            dev: false,
            max_concurrent_requests: Self::default_concurrency(),
            max_response_bytes: MAX_RESPONSE_BYTES,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    /// The schema with query limits: every request but pure introspection.
    pub schema: CscSchema,
    /// The same schema with the introspection limits, for
    /// introspection-only requests.
    pub introspection_schema: CscSchema,
    /// The schema's lists, for costing introspection (`crate::introspection`).
    pub introspection_shape: Arc<Shape>,
    /// The schema with the query limits that hides itself: for callers
    /// without a token under `--production`.
    pub hidden_schema: CscSchema,
    /// The schema of `/graphql/ws` (hidden under `--production`: the token
    /// comes only after the upgrade).
    pub ws_schema: CscSchema,
    pub policy: HttpPolicy,
    /// Admits `policy.max_concurrent_requests` GraphQL executions at once.
    pub executions: Arc<Semaphore>,
    pub metrics: Arc<Metrics>,
    /// Operations integrating systems may run (tokens with a `client` claim).
    pub allowlist: Arc<Allowlist>,
    /// Live updates for subscriptions; on PostgreSQL shared by every instance.
    pub events: EventBus,
    /// The 19 societies, for SOCIETY tokens.
    pub societies: SocietyCatalog,
    /// Today for the schema (the real date, CSC_TODAY or the demo's day);
    /// also what the schemas a policy changes are rebuilt with.
    pub clock: Clock,
    /// The demo's day when it is today (`serve --dev` on demo data):
    /// GraphiQL says so.
    pub demo_day: Option<NaiveDate>,
}

impl AppState {
    /// Loads the society catalog (seeded by a migration) and builds the schema.
    pub async fn new(db: DatabaseConnection, keys: TokenKeys, clock: Clock) -> Result<Self, DbErr> {
        let societies = SocietyCatalog::new(society::Entity::find().all(&db).await?);
        let events = EventBus::connect(&db).await?;
        let schema_for = |served, hidden| {
            build_schema(
                db.clone(),
                societies.clone(),
                clock,
                events.clone(),
                served,
                hidden,
            )
        };
        let policy = HttpPolicy::default();
        let introspection_schema = schema_for(Served::Introspection, false);
        let introspection_shape = Arc::new(Shape::measure(&introspection_schema).await);
        Ok(Self {
            schema: schema_for(Served::Http, false),
            hidden_schema: schema_for(Served::Http, true),
            introspection_schema,
            introspection_shape,
            ws_schema: schema_for(Served::WebSocket, policy.production),
            executions: Arc::new(Semaphore::new(policy.max_concurrent_requests)),
            policy,
            db,
            keys,
            metrics: Arc::new(Metrics::default()),
            allowlist: Arc::new(Allowlist::default()),
            events,
            societies,
            clock,
            demo_day: None,
        })
    }

    /// Marks `clock`'s fixed day as the demo's (src/demo.rs).
    pub fn with_demo_day(mut self, day: Option<NaiveDate>) -> Self {
        self.demo_day = day;
        self
    }

    pub fn with_allowlist(mut self, allowlist: Allowlist) -> Self {
        self.allowlist = Arc::new(allowlist);
        self
    }

    pub fn with_policy(mut self, policy: HttpPolicy) -> Self {
        self.executions = Arc::new(Semaphore::new(policy.max_concurrent_requests.max(1)));
        if policy.production != self.policy.production {
            self.ws_schema = build_schema(
                self.db.clone(),
                self.societies.clone(),
                self.clock,
                self.events.clone(),
                Served::WebSocket,
                policy.production,
            );
        }
        self.policy = policy;
        self
    }
}

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
