//! `/graphql/ws`: subscriptions over WebSocket (graphql-transport-ws, and
//! the older graphql-ws). The token comes in the `connection_init` payload
//! (`{"Authorization": "Bearer …"}`); a bad one closes the connection, none
//! subscribes anonymously (to public events only). Queries and mutations go
//! to `POST /graphql`, where idempotency keys, metrics and the allow-list apply.

use crate::auth::{self, Viewer};
use crate::error::{AppError, ErrorCode};
use crate::graphql::audit::{self, PersonalDataReads};
use crate::graphql::context::SocietyCatalog;
use crate::graphql::loaders::Loaders;
use crate::graphql::subscription::TokenExpiry;
use crate::startup::{AppState, BODY_LIMIT_BYTES};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Data, ErrorExtensionValues, Response, ServerError, ServerResult, Variables};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response as HttpResponse;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Marks the data of a WebSocket connection, for `SubscriptionsOnly`.
#[derive(Clone, Copy, Debug)]
pub struct WebSocketSession;

/// `GET /graphql/ws`: upgrades to a GraphQL WebSocket on the limited schema.
pub async fn graphql_ws(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(BODY_LIMIT_BYTES)
        .on_upgrade(move |socket| {
            let AppState {
                db,
                keys,
                ws_schema,
                societies,
                ..
            } = state;
            GraphQLWebSocket::new(socket, ws_schema, protocol)
                .on_connection_init(move |payload| connection_init(db, keys, societies, payload))
                .serve()
        })
}

/// Authenticates a connection from its `connection_init` payload.
pub async fn connection_init(
    db: DatabaseConnection,
    keys: auth::TokenKeys,
    societies: SocietyCatalog,
    payload: serde_json::Value,
) -> async_graphql::Result<Data> {
    let authorization = payload
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
        })
        // A value that is not a string is a bad token, never anonymous.
        .map(|(_, value)| value.as_str().unwrap_or("\u{0}"));
    let viewer = match auth::authenticate(&db, &keys, &societies, authorization).await {
        Ok(viewer) => viewer,
        Err(AppError::Unauthenticated) => {
            return Err(refusal(
                ErrorCode::Unauthenticated,
                "invalid or expired token",
            ));
        }
        Err(err) => {
            tracing::error!(error = %err, "authentication failed");
            return Err(refusal(ErrorCode::Internal, "internal error"));
        }
    };
    if viewer.client.is_some() {
        // Integrating systems run the operations on their allow-list, over POST.
        return Err(refusal(
            ErrorCode::Forbidden,
            "integration tokens are limited to their allow-list on POST /graphql",
        ));
    }
    tracing::info!(role = ?viewer.role, "graphql websocket connected");
    let mut data = Data::default();
    if let Some(expiry) = authorization.and_then(|value| token_expiry(&keys, value)) {
        data.insert(expiry);
    }
    // The connection's loaders (they keep no cache: each event reads afresh).
    data.insert(Loaders::new(&db, &viewer));
    data.insert(viewer);
    data.insert(Arc::new(PersonalDataReads::default()));
    data.insert(WebSocketSession);
    Ok(data)
}

/// When the (already verified) token runs out.
fn token_expiry(keys: &auth::TokenKeys, authorization: &str) -> Option<TokenExpiry> {
    let token = authorization
        .strip_prefix("Bearer ")
        .or_else(|| authorization.strip_prefix("bearer "))?
        .trim();
    let claims = keys.verify(token).ok()?;
    let left = (claims.exp - chrono::Utc::now().timestamp()).max(0) as u64;
    Some(TokenExpiry(
        tokio::time::Instant::now() + std::time::Duration::from_secs(left),
    ))
}

/// The reason a connection is closed with (graphql-transport-ws: code 1002).
fn refusal(code: ErrorCode, message: &str) -> async_graphql::Error {
    async_graphql::Error::new(format!("{}: {message}", code.as_str()))
}

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
