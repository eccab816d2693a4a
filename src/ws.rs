//! `/graphql/ws`: subscriptions over WebSocket (graphql-transport-ws, and
//! the older graphql-ws). The token comes in the `connection_init` payload
//! (`{"Authorization": "Bearer …"}`); a bad one closes the connection, none
//! subscribes anonymously (to public events only). Queries and mutations go
//! to `POST /graphql`, where idempotency keys, metrics and the allow-list apply.

use crate::auth;
use crate::catalog::SocietyCatalog;
use crate::error::{AppError, ErrorCode};
use crate::graphql::request_data::RequestData;
use crate::graphql::subscription::TokenExpiry;
use crate::graphql::websocket::WebSocketSession;
use crate::state::{AppState, BODY_LIMIT_BYTES};
use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response as HttpResponse;
use sea_orm::DatabaseConnection;

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
    // The connection's loaders keep no cache: each event reads afresh.
    RequestData::new(&db, viewer, false).insert_into(&mut data);
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
