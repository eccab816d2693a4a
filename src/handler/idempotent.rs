//! `Idempotency-Key` on a mutation: the first request with a key runs and
//! its answer is kept; a retry gets that answer again, a reuse with other
//! input a CONFLICT (`crate::idempotency` stores the keys).

use super::body::Body;
use super::operation::Operation;
use super::refusal::{graphql_error, internal};
use crate::auth::Viewer;
use crate::error::ErrorCode;
use crate::idempotency::{self, Claim};
use crate::state::AppState;
use async_graphql::parser::types::OperationType;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// The key a mutation carries, if any; queries never claim one.
fn key_of<'h>(headers: &'h HeaderMap, operation: &Operation) -> Option<&'h str> {
    if operation.kind != Some(OperationType::Mutation) {
        return None;
    }
    headers
        .get(idempotency::HEADER)
        .map(|v| v.to_str().unwrap_or("\u{0}"))
}

/// Claims the request's key: `Ok(Some(id))` to run and keep the answer,
/// `Ok(None)` when there is no key, `Err` with the answer to send instead
/// (a replay, a refusal).
pub async fn claim(
    state: &AppState,
    headers: &HeaderMap,
    operation: &Operation,
    request: &async_graphql::Request,
    viewer: &Viewer,
    request_id: &str,
) -> Result<Option<i64>, Response> {
    let Some(key) = key_of(headers, operation) else {
        return Ok(None);
    };
    if !idempotency::valid_key(key) {
        return Err(graphql_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "Idempotency-Key must be 1-255 visible ASCII characters",
            request_id,
        ));
    }
    let variables = serde_json::to_value(&request.variables).unwrap_or_default();
    let hash = idempotency::request_hash(
        &request.query,
        request.operation_name.as_deref(),
        &variables,
    );
    let caller = idempotency::caller_key(viewer);
    match idempotency::claim(&state.db, &caller, key, &hash).await {
        Ok(Claim::Fresh(id)) => Ok(Some(id)),
        Ok(Claim::Replay(body)) => Err(super::body::replay(body)),
        Ok(Claim::Conflict(message)) => Err(graphql_error(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            message,
            request_id,
        )),
        Err(err) => {
            tracing::error!(request_id, error = %err, "idempotency key store failed");
            Err(internal(request_id))
        }
    }
}

/// Keeps the answer for retries unless it failed for reasons of ours
/// (INTERNAL: a retry should run again) or before execution (nothing ran;
/// a retry gets the same answer, with its status).
pub async fn settle_answered(
    state: &AppState,
    id: i64,
    body: &Body,
    response: &async_graphql::Response,
) {
    let keep = !body.request_error && !has_code(response, ErrorCode::Internal);
    settle(state, id, keep.then_some(body)).await;
}

/// Keeps the response for retries; `None` frees the key, so that a retry
/// runs again.
pub async fn settle(state: &AppState, id: i64, body: Option<&Body>) {
    let body = body.and_then(|b| std::str::from_utf8(&b.bytes).ok());
    let stored = match body {
        Some(body) => idempotency::complete(&state.db, id, body).await,
        None => idempotency::release(&state.db, id).await,
    };
    if let Err(err) = stored {
        tracing::error!(error = %err, "could not store an idempotent response");
    }
}

fn has_code(response: &async_graphql::Response, code: ErrorCode) -> bool {
    let code = async_graphql::Value::from(code.as_str());
    response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::operation::inspect;
    use axum::http::HeaderValue;

    #[test]
    fn only_a_mutation_claims_its_key() {
        let mut headers = HeaderMap::new();
        headers.insert(idempotency::HEADER, HeaderValue::from_static("k-1"));
        let mutation = inspect(&mut async_graphql::Request::new(
            "mutation { openEarlyCall(year: 2027) { year } }",
        ));
        let query = inspect(&mut async_graphql::Request::new("{ viewer { role } }"));
        assert_eq!(key_of(&headers, &mutation), Some("k-1"));
        assert_eq!(key_of(&headers, &query), None);
        assert_eq!(key_of(&HeaderMap::new(), &mutation), None);
    }

    #[test]
    fn an_internal_error_is_not_kept() {
        let mut error = async_graphql::ServerError::new("internal error", None);
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", "INTERNAL");
        error.extensions = Some(ext);
        let response = async_graphql::Response::from_errors(vec![error]);
        assert!(has_code(&response, ErrorCode::Internal));
        assert!(!has_code(&response, ErrorCode::Conflict));
    }
}
