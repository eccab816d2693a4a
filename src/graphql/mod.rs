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
pub mod node;
pub mod pagination;
pub mod query;
pub mod recruitment;
pub mod report;
pub mod scalars;
pub mod society;
pub mod trainee;
pub mod viewer;
pub mod visibility;

use crate::auth::Viewer;
use crate::error::{ErrorCode, to_wire};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::{EmptySubscription, MergedObject, Response, Schema};
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
);

pub type CscSchema = Schema<query::Query, Mutation, EmptySubscription>;

/// The request id the HTTP layer assigned, echoed in error extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Builds the schema with its shared data. Per-request data (the `Viewer`,
/// the `RequestId`) is attached to each request by the HTTP handler.
pub fn build_schema(db: DatabaseConnection, societies: SocietyCatalog, clock: Clock) -> CscSchema {
    Schema::build(query::Query, Mutation::default(), EmptySubscription)
        .data(db)
        .data(societies)
        .data(clock)
        .data(Viewer::anonymous())
        .register_output_type::<ErrorCode>()
        .extension(ErrorMapping)
        .finish()
}

/// The SDL as served, for `schema.graphql` and `GET /schema.graphql`.
pub fn sdl() -> String {
    let schema = Schema::build(query::Query, Mutation::default(), EmptySubscription)
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
        let request_id = ctx.data_opt::<RequestId>().map(|r| r.0.as_str());
        for err in &mut response.errors {
            to_wire(err, request_id);
        }
        response
    }
}
