//! Answers for requests refused before execution: one error, no data, the
//! request id, and the HTTP status the refusal calls for.

use super::body::GRAPHQL_RESPONSE;
use crate::error::ErrorCode;
use crate::state::REQUEST_ID;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The id `SetRequestIdLayer` gave the request.
pub fn request_id_of(headers: &HeaderMap) -> &str {
    headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A bad token is never treated as anonymous: the request stops here.
pub fn unauthenticated(request_id: &str) -> Response {
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

pub fn internal(request_id: &str) -> Response {
    graphql_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal error",
        request_id,
    )
}

/// A response with one error and no data, for refusals before execution.
pub fn graphql_error(
    status: StatusCode,
    code: ErrorCode,
    message: &str,
    request_id: &str,
) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str(), "requestId": request_id } }]
    });
    (
        status,
        [(header::CONTENT_TYPE, GRAPHQL_RESPONSE)],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_error_with_its_code_and_the_request_id() {
        let response = graphql_error(StatusCode::CONFLICT, ErrorCode::Conflict, "taken", "r-1");
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], GRAPHQL_RESPONSE);
    }

    #[test]
    fn a_bad_token_asks_for_a_bearer_token() {
        let response = unauthenticated("r-1");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(internal("r-1").status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
