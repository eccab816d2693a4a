//! Which requests run at all: JSON bodies only (CSRF), an integrating
//! system's operations from its allow-list only, and GET for queries only.

use super::body::GRAPHQL_RESPONSE;
use super::operation::Operation;
use super::refusal::{graphql_error, request_id_of};
use crate::allowlist::Allowlist;
use crate::auth::Viewer;
use crate::error::ErrorCode;
use async_graphql::parser::types::OperationType;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::Response;

/// Only JSON bodies run (CSRF): a browser sends `text/plain` and form posts
/// cross-site without a preflight, so those are refused before parsing.
pub async fn require_json(request: axum::extract::Request, next: middleware::Next) -> Response {
    if request.method() == Method::POST {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        let json = media_type.eq_ignore_ascii_case("application/json")
            || media_type.eq_ignore_ascii_case(GRAPHQL_RESPONSE);
        if !json {
            return graphql_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadUserInput,
                "POST /graphql takes Content-Type: application/json",
                request_id_of(request.headers()),
            );
        }
    }
    next.run(request).await
}

/// FORBIDDEN for a token with a `client` claim whose operation is not on
/// the allow-list.
pub fn allowlist_refusal(
    allowlist: &Allowlist,
    viewer: &Viewer,
    query: &str,
    request_id: &str,
) -> Option<Response> {
    let client = viewer.client.as_ref()?;
    if allowlist.name_of(query).is_some() {
        return None;
    }
    tracing::warn!(request_id, client, "operation not on the allow-list");
    Some(graphql_error(
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
        "this operation is not on the integration allow-list",
        request_id,
    ))
}

/// 405 for anything but a query sent with GET (a link must not change data).
pub fn method_refusal(
    method: &Method,
    operation: &Operation,
    request_id: &str,
) -> Option<Response> {
    if method != Method::GET || operation.kind == Some(OperationType::Query) {
        return None;
    }
    let mut response = graphql_error(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::BadUserInput,
        "GET runs queries only; send mutations with POST",
        request_id,
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::operation::inspect;

    fn operation(query: &str) -> Operation {
        inspect(&mut async_graphql::Request::new(query))
    }

    #[test]
    fn get_runs_queries_only() {
        let query = operation("{ viewer { role } }");
        let mutation = operation("mutation { openEarlyCall(year: 2027) { year } }");
        assert!(method_refusal(&Method::GET, &query, "r").is_none());
        assert!(method_refusal(&Method::POST, &mutation, "r").is_none());
        let refused = method_refusal(&Method::GET, &mutation, "r").expect("refused");
        assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(refused.headers()[header::ALLOW], "POST");
        // A document that does not parse is no query either.
        assert!(method_refusal(&Method::GET, &operation("{"), "r").is_some());
    }

    #[test]
    fn a_client_token_runs_its_allow_list_only() {
        let allowlist = Allowlist::default();
        let person = Viewer::anonymous();
        let system = Viewer {
            client: Some("society-system".into()),
            ..Viewer::anonymous()
        };
        assert!(
            allowlist_refusal(&allowlist, &person, "{ courses { totalCount } }", "r").is_none()
        );
        let refused = allowlist_refusal(&allowlist, &system, "{ courses { totalCount } }", "r");
        assert_eq!(refused.map(|r| r.status()), Some(StatusCode::FORBIDDEN));
    }
}
