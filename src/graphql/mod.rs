//! The GraphQL schema: one module per area with its types, reads and writes.

pub mod applicant;
pub mod application;
pub mod applying;
pub mod audit;
pub mod context;
pub mod course;
pub mod course_setup;
pub mod cycle;
pub mod guards;
pub mod ids;
pub mod institution;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod query;
pub mod recruitment;
pub mod report;
pub mod reporting;
pub mod scalars;
pub mod society;
pub mod subscription;
pub mod trainee;
pub mod training;
pub mod viewer;
pub mod visibility;

use crate::auth::Viewer;
use crate::error::{ErrorCode, to_wire};
use crate::events::EventBus;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe,
};
use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{MergedObject, Response, Schema};
use context::{Clock, SocietyCatalog};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

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
    pub const COMPLEXITY: usize = 10_000;
    pub const RECURSIVE_DEPTH: usize = 32;
    pub const DIRECTIVES_PER_FIELD: usize = 5;
}

/// Builds the schema with its shared data. Per-request data (the `Viewer`,
/// the `RequestId`) is attached to each request by the HTTP handler.
/// `limited: false` is only for pure introspection requests (GraphiQL), which
/// async-graphql would otherwise count against the limits.
pub fn build_schema(
    db: DatabaseConnection,
    societies: SocietyCatalog,
    clock: Clock,
    events: EventBus,
    limited: bool,
) -> CscSchema {
    let builder = Schema::build(
        query::Query,
        Mutation::default(),
        subscription::Subscription,
    )
    .data(db)
    .data(societies)
    .data(clock)
    .data(events)
    .data(Viewer::anonymous())
    .register_output_type::<ErrorCode>()
    .extension(ErrorMapping)
    .extension(loaders::Batching)
    .extension(crate::ws::SubscriptionsOnly)
    .limit_recursive_depth(limits::RECURSIVE_DEPTH)
    .limit_directives(limits::DIRECTIVES_PER_FIELD);
    if limited {
        builder
            .limit_depth(limits::DEPTH)
            .limit_complexity(limits::COMPLEXITY)
            .finish()
    } else {
        builder.finish()
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

/// Maps every error of a response to the contract's codes, in one place.
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
        for err in &mut response.errors {
            to_wire(err);
        }
        response
    }

    /// The same for each response of a subscription (requests over `/graphql/ws`).
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream)
            .map(|mut response| {
                for err in &mut response.errors {
                    to_wire(err);
                }
                response
            })
            .boxed()
    }
}
