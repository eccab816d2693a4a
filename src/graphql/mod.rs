//! The GraphQL schema: one module per area with its types, its reads, and
//! the resolvers of its writes (the writes themselves are in `crate::ops`).

pub mod applicant;
pub mod application;
pub mod applying;
pub mod audit;
pub mod context;
pub mod course;
pub mod course_setup;
pub mod cycle;
pub mod direct;
pub mod institution;
pub mod joined;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod query;
pub mod recruitment;
pub mod report;
pub mod reporting;
pub mod request_data;
pub mod run;
pub mod scalars;
pub mod society;
pub mod subscription;
pub mod trainee;
pub mod training;
pub mod viewer;
pub mod visibility;
pub mod websocket;

/// `crate::ids` under its old path, for code that still names it here.
pub use crate::ids;

use crate::auth::Viewer;
use crate::catalog::SocietyCatalog;
use crate::clock::Clock;
use crate::error::{ErrorCode, to_wire};
use crate::events::EventBus;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe,
};
use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{MergedObject, Response, Schema};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Every write. Each runs in one transaction and, when refused, changes
/// nothing: UNAUTHENTICATED without a token, FORBIDDEN for a role or scope
/// that may not run it (docs/roles.md), WRONG_PHASE outside the cycle phases
/// it needs (docs/calendar.md). An `Idempotency-Key` header makes a retry
/// safe. Each is written to the audit trail, refusals of signed-in callers
/// included.
#[derive(MergedObject, Default)]
pub struct Mutation(
    institution::InstitutionMutation,
    applicant::ApplicantMutation,
    recruitment::RecruitmentMutation,
    applying::ApplyingMutation,
    course_setup::CourseSetupMutation,
    training::TrainingMutation,
    reporting::ReportingMutation,
);

pub type CscSchema = Schema<query::Query, Mutation, subscription::Subscription>;

/// The request id the HTTP layer assigned, echoed in error extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Query limits (QUERY_TOO_COMPLEX past them). The complexity counts list
/// fields as `first` (or a fixed fan-out) times their child, so it admits
/// the heaviest screens the front ends need and refuses alias floods.
pub mod limits {
    pub const DEPTH: usize = 10;
    /// Introspection-only requests: GraphiQL's and graphql-codegen's
    /// standard query is 15 deep (a type reference nests `ofType` nine
    /// times). Their size is limited by `crate::introspection`.
    pub const INTROSPECTION_DEPTH: usize = 18;
    /// Introspection-only requests: fields and aliases, each counted once
    /// (the standard queries count about 100 after their fragments).
    pub const INTROSPECTION_COMPLEXITY: usize = 1_000;
    pub const COMPLEXITY: usize = 10_000;
    pub const RECURSIVE_DEPTH: usize = 32;
    pub const DIRECTIVES_PER_FIELD: usize = 5;
}

/// What a schema serves. Each gets only the hooks it needs: any schema
/// extension sends every field through async-graphql's extension chain (a
/// boxed future per field and extension), which cost about 45% of the CPU of
/// a 100-course page (bench/README.md). Over HTTP the handler maps the errors
/// and paces the loaders itself, once per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// `POST` and `GET /graphql`, with the query limits.
    Http,
    /// Introspection-only requests (GraphiQL's schema fetch), which the
    /// query limits would refuse: limits of their own, sized for the
    /// standard introspection queries.
    Introspection,
    /// `/graphql/ws`: subscriptions, with the limits and the hooks that run
    /// for each event (error mapping, loader pacing, the subscription guard).
    WebSocket,
}

/// Builds the schema with its shared data. Per-request data (the `Viewer`,
/// the `RequestId`, the `Loaders`) is attached to each request by the HTTP
/// handler, or to each connection by `ws::connection_init`.
///
/// `hidden`: no introspection and no "Did you mean …" suggestions, which
/// would let a caller rebuild the schema field by field (`--production`,
/// for callers without a token).
pub fn build_schema(
    db: DatabaseConnection,
    societies: SocietyCatalog,
    clock: Clock,
    events: EventBus,
    served: Served,
    hidden: bool,
) -> CscSchema {
    let mut builder = Schema::build(
        query::Query,
        Mutation::default(),
        subscription::Subscription,
    )
    .data(db)
    .data(societies)
    .data(clock)
    .data(events)
    .data(loaders::SettledStatistics::default())
    .data(Viewer::anonymous())
    .register_output_type::<ErrorCode>()
    .limit_recursive_depth(limits::RECURSIVE_DEPTH)
    .limit_directives(limits::DIRECTIVES_PER_FIELD);
    builder = if served == Served::Introspection {
        builder
            .limit_depth(limits::INTROSPECTION_DEPTH)
            .limit_complexity(limits::INTROSPECTION_COMPLEXITY)
    } else {
        builder
            .limit_depth(limits::DEPTH)
            .limit_complexity(limits::COMPLEXITY)
    };
    if hidden {
        builder = builder.disable_introspection().disable_suggestions();
    }
    if served == Served::WebSocket {
        builder = builder
            .extension(ErrorMapping)
            .extension(loaders::Batching)
            .extension(websocket::SubscriptionsOnly);
    }
    builder.finish()
}

/// Maps every error of a response to the contract's codes, in one place
/// (`error::to_wire`).
pub fn map_errors(response: &mut Response) {
    for err in &mut response.errors {
        to_wire(err);
    }
}

/// The SDL as served, for `schema.graphql` and `GET /schema.graphql`.
pub fn sdl() -> String {
    let schema = Schema::build(
        query::Query,
        Mutation::default(),
        subscription::Subscription,
    )
    .register_output_type::<ErrorCode>()
    .finish();
    schema.sdl()
}

/// `map_errors` for each response of a subscription.
struct ErrorMapping;

impl ExtensionFactory for ErrorMapping {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorMappingExtension)
    }
}

struct ErrorMappingExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorMappingExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        map_errors(&mut response);
        response
    }

    /// The same for each response of a subscription.
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream)
            .map(|mut response| {
                map_errors(&mut response);
                response
            })
            .boxed()
    }
}
