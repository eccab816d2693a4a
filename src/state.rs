//! What every request handler shares: the pool, the keys, the schemas, the
//! HTTP policy and the services, built once at start (`AppState::new`).
//! `startup` builds the router over it; `handler`, `ws` and the GraphiQL
//! page read it.

use crate::allowlist::Allowlist;
use crate::auth::TokenKeys;
use crate::catalog::SocietyCatalog;
use crate::clock::Clock;
use crate::entity::society;
use crate::events::EventBus;
use crate::graphql::{CscSchema, Served, build_schema};
use crate::introspection::Shape;
use crate::metrics::Metrics;
use axum::http::{HeaderName, HeaderValue};
use chrono::NaiveDate;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

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
    /// Today for the schema (the real date, CSC_TODAY or the demo's day);
    /// also what the schemas a policy changes are rebuilt with.
    pub clock: Clock,
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
            clock,
            executions: Arc::new(Semaphore::new(policy.max_concurrent_requests)),
            policy,
            db,
            keys,
            metrics: Arc::new(Metrics::default()),
            allowlist: Arc::new(Allowlist::default()),
            events,
            societies,
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
