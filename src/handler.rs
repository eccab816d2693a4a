//! `/graphql`: one request's way, a step a call (docs/architecture.md):
//! authenticate, the viewer's request data, admission (allow-list, GET),
//! the `Idempotency-Key`, execution, the answer, the personal-data audit,
//! metrics and logs.

mod admission;
mod body;
mod execution;
mod idempotent;
mod observe;
mod operation;
mod personal_data;
mod refusal;

pub use admission::require_json;
pub use refusal::graphql_error;

use crate::auth::{self, Caller};
use crate::compression::Coding;
use crate::error::{AppError, ErrorCode};
use crate::graphql::RequestId;
use crate::graphql::loaders::ApplicantId;
use crate::graphql::request_data::RequestData;
use crate::state::AppState;
use async_graphql::parser::types::OperationType;
use async_graphql_axum::GraphQLRequest;
use async_graphql_axum::rejection::GraphQLRejection;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use body::Body;
use refusal::{internal, request_id_of, unauthenticated};
use std::time::Instant;

/// `POST /graphql` with a JSON body.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    match request {
        Ok(request) => run(state, headers, request.into_inner(), Method::POST).await,
        // A body that is not a GraphQL request in JSON: a GraphQL error, not
        // the extractor's plain-text message.
        // A body of undeclared length that outgrows the limit while read.
        Err(rejection) if rejection.0.to_string().contains("length limit exceeded") => {
            graphql_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BadUserInput,
                "the body is larger than 1 MiB",
                request_id_of(&headers),
            )
        }
        Err(rejection) => {
            tracing::debug!(error = %rejection.0, "unreadable request body");
            graphql_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "the body is not a GraphQL request in JSON",
                request_id_of(&headers),
            )
        }
    }
}

/// `GET /graphql?query=…` runs a query (urql sends queries this way), never a
/// mutation; without `query` it serves GraphiQL to a browser.
pub async fn get(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(query_string) = uri.query().filter(|q| q.contains("query=")) else {
        return crate::graphiql::page(&state);
    };
    match async_graphql::http::parse_query_string(query_string) {
        Ok(request) => run(state, headers, request, Method::GET).await,
        Err(_) => graphql_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "the query string is not a GraphQL request",
            request_id_of(&headers),
        ),
    }
}

/// Runs one GraphQL request as the viewer its token names.
async fn run(
    state: AppState,
    headers: HeaderMap,
    mut request: async_graphql::Request,
    method: Method,
) -> Response {
    let started = Instant::now();
    let media_type = body::negotiate(&headers);
    let request_id = request_id_of(&headers).to_owned();
    // More executions at once add no throughput on a few cores, only memory
    // (every in-flight page is held whole): the rest wait here, in order.
    let Ok(_permit) = state.executions.acquire().await else {
        return internal(&request_id);
    };
    let caller = match authenticate(&state, &headers, &request_id).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let anonymous = caller.viewer.role.is_none();
    let operation = operation::inspect(&mut request);
    let data = RequestData::new(
        &state.db,
        caller.viewer,
        operation.kind == Some(OperationType::Query),
    );
    if let Some(row) = caller.own_record {
        data.loaders.feed([(ApplicantId(row.id), row)]).await;
    }
    data.insert_into(&mut request.data);
    request.data.insert(RequestId(request_id.clone()));
    let operation_name = request.operation_name.clone();
    if let Some(refusal) =
        admission::allowlist_refusal(&state.allowlist, &data.viewer, &request.query, &request_id)
    {
        return refusal;
    }
    if let Some(refusal) = admission::method_refusal(&method, &operation, &request_id) {
        return refusal;
    }
    let claim = match idempotent::claim(
        &state,
        &headers,
        &operation,
        &request,
        &data.viewer,
        &request_id,
    )
    .await
    {
        Ok(claim) => claim,
        Err(answer) => return answer,
    };

    let response = execution::execute(
        &state,
        anonymous,
        &operation,
        &data.loaders,
        request,
        &request_id,
    )
    .await;
    let Ok(body) = Body::encode(
        &response,
        &operation,
        state.policy.max_response_bytes,
        &request_id,
    ) else {
        tracing::error!(request_id, "could not serialize a response");
        if let Some(id) = claim {
            idempotent::settle(&state, id, None).await;
        }
        return internal(&request_id);
    };
    if let Some(id) = claim {
        idempotent::settle_answered(&state, id, &body, &response).await;
    }
    let outcome = observe::outcome_of(&response);
    // The body holds it all now; the value tree need not wait on the audit.
    drop(response);
    if let Err(refusal) =
        personal_data::record_reads(&state, &data, operation_name.as_deref(), &request_id).await
    {
        return refusal;
    }
    observe::observe(
        &state,
        &operation,
        &outcome,
        &data.viewer,
        operation_name.as_deref(),
        started.elapsed(),
    );
    body.respond(media_type, Coding::negotiate(&headers))
}

/// The viewer the `Authorization` header names; a bad token is never
/// treated as anonymous: the request stops with 401.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    request_id: &str,
) -> Result<Caller, Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    match auth::identify(&state.db, &state.keys, &state.societies, authorization).await {
        Ok(caller) => Ok(caller),
        Err(AppError::Unauthenticated) => Err(unauthenticated(request_id)),
        Err(err) => {
            tracing::error!(request_id, error = %err, "authentication failed");
            Err(internal(request_id))
        }
    }
}
