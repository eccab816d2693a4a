//! Builds the application: state, schema and router. `csc serve` and the
//! tests both go through `build_router`, so tests exercise the real stack.

use crate::auth::{self, TokenKeys};
use crate::db;
use crate::entity::society;
use crate::error::{AppError, ErrorCode};
use crate::graphql::context::{Clock, SocietyCatalog};
use crate::graphql::{CscSchema, RequestId, build_schema, sdl};
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Largest request body accepted, before it is buffered.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;
static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How the HTTP layer treats requests, beyond the GraphQL schema.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    /// Browser origins allowed by CORS; empty allows none (same-origin only).
    pub cors_origins: Vec<HeaderValue>,
    /// A request that takes longer is answered 408 instead of hanging.
    pub request_timeout: Duration,
    /// `serve --production`: introspection is refused to anonymous callers.
    pub production: bool,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(10),
            production: false,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    /// The schema with query limits: every request but pure introspection.
    pub schema: CscSchema,
    /// The same schema without limits, for introspection-only requests.
    pub introspection_schema: CscSchema,
    pub policy: HttpPolicy,
}

impl AppState {
    /// Loads the society catalog (seeded by a migration) and builds the schema.
    pub async fn new(db: DatabaseConnection, keys: TokenKeys, clock: Clock) -> Result<Self, DbErr> {
        let societies = SocietyCatalog::new(society::Entity::find().all(&db).await?);
        let schema = build_schema(db.clone(), societies.clone(), clock, true);
        let introspection_schema = build_schema(db.clone(), societies, clock, false);
        Ok(Self {
            db,
            keys,
            schema,
            introspection_schema,
            policy: HttpPolicy::default(),
        })
    }

    pub fn with_policy(mut self, policy: HttpPolicy) -> Self {
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
            get(graphiql)
                .post(graphql)
                .route_layer(middleware::from_fn(require_json)),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/schema.graphql", get(schema_sdl))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            policy.request_timeout,
        ))
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// Runs one GraphQL request as the viewer its token names.
async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let request_id = headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let viewer = match auth::authenticate(&state.db, &state.keys, authorization).await {
        Ok(viewer) => viewer,
        Err(AppError::Unauthenticated) => return unauthenticated(&request_id),
        Err(err) => {
            tracing::error!(request_id, error = %err, "authentication failed");
            return graphql_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "internal error",
                &request_id,
            );
        }
    };
    let anonymous = viewer.role.is_none();
    let mut request = request
        .into_inner()
        .data(viewer)
        .data(RequestId(request_id.clone()));
    if state.policy.production && anonymous {
        request = request.disable_introspection();
    }
    let schema = if is_introspection_only(&request) {
        &state.introspection_schema
    } else {
        &state.schema
    };
    let mut response = schema.execute(request).await;
    for err in &mut response.errors {
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("requestId", request_id.as_str());
    }
    GraphQLResponse::from(response).into_response()
}

/// True when every root field of the operation is `__schema`, `__type` or
/// `__typename`: GraphiQL's schema fetch, exempt from the query limits.
fn is_introspection_only(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, Selection};
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops.get(name.as_str()).into_iter().collect(),
            None => ops.values().collect(),
        },
    };
    operations.len() == 1
        && operations[0].node.selection_set.node.items.iter().all(|item| match &item.node {
            Selection::Field(field) => {
                matches!(field.node.name.node.as_str(), "__schema" | "__type" | "__typename")
            }
            _ => false,
        })
}

/// Only JSON bodies run (CSRF): a browser sends `text/plain` and form posts
/// cross-site without a preflight, so those are refused before parsing.
async fn require_json(request: axum::extract::Request, next: middleware::Next) -> Response {
    if request.method() == Method::POST {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        let json = media_type.eq_ignore_ascii_case("application/json")
            || media_type.eq_ignore_ascii_case("application/graphql-response+json");
        if !json {
            return graphql_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadUserInput,
                "POST /graphql takes Content-Type: application/json",
                "",
            );
        }
    }
    next.run(request).await
}

/// A bad token is never treated as anonymous: the request stops here.
fn unauthenticated(request_id: &str) -> Response {
    let mut response = graphql_error(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
        "invalid or expired token",
        request_id,
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

fn graphql_error(status: StatusCode, code: ErrorCode, message: &str, request_id: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str(), "requestId": request_id } }]
    });
    (status, axum::Json(body)).into_response()
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("臨床研究医コース API — paste `Authorization: Bearer <token>` into Headers")
            .finish(),
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

async fn schema_sdl() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], sdl())
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
