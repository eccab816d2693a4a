//! The schema's side of `/graphql/ws` (the transport is `crate::ws`): a
//! connection runs subscriptions only, and each event's personal data is
//! audited before it leaves.

use crate::audit::{self, PersonalDataReads};
use crate::auth::Viewer;
use crate::error::ErrorCode;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ErrorExtensionValues, Response, ServerError, ServerResult, Variables};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Marks the data of a WebSocket connection, for `SubscriptionsOnly`.
#[derive(Clone, Copy, Debug)]
pub struct WebSocketSession;

/// On a WebSocket connection: subscriptions only, and every applicant's
/// personal data an event shows is audited before the event leaves (as
/// `POST /graphql` does for a response). Requests over HTTP pass untouched.
pub struct SubscriptionsOnly;

impl ExtensionFactory for SubscriptionsOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SubscriptionsOnly)
    }
}

fn error(code: ErrorCode, message: &str) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    err.extensions = Some(ext);
    err
}

#[async_graphql::async_trait::async_trait]
impl Extension for SubscriptionsOnly {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if ctx.data_opt::<WebSocketSession>().is_some()
            && document
                .operations
                .iter()
                .any(|(_, op)| op.node.ty != OperationType::Subscription)
        {
            return Err(error(
                ErrorCode::BadUserInput,
                "/graphql/ws runs subscriptions; send queries and mutations to POST /graphql",
            ));
        }
        Ok(document)
    }

    /// Runs once per event of a subscription.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let response = next.run(ctx, operation_name).await;
        if ctx.data_opt::<WebSocketSession>().is_none() {
            return response;
        }
        let (Some(reads), Some(db)) = (
            ctx.data_opt::<Arc<PersonalDataReads>>(),
            ctx.data_opt::<DatabaseConnection>(),
        ) else {
            return response;
        };
        let read = reads.take();
        let anonymous = Viewer::anonymous();
        let viewer = ctx.data_opt::<Viewer>().unwrap_or(&anonymous);
        // Personal data leaves only with its audit trail (APPI): fail closed.
        match audit::record_personal_reads(db, viewer, operation_name, &read).await {
            Ok(()) => response,
            Err(err) => {
                tracing::error!(error = %err, "could not audit personal data reads");
                Response::from_errors(vec![error(ErrorCode::Internal, "internal error")])
            }
        }
    }
}
