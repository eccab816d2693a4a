//! The answer: serialized once, straight to bytes in the query's field
//! order, capped in size, in the media type the client accepts, and
//! compressed when that is worth it.

use super::operation::Operation;
use crate::compression::Coding;
use crate::error::ErrorCode;
use crate::field_order::{self, Ordered};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The media type the client accepts (GraphQL over HTTP):
/// `application/graphql-response+json` when it names it, else
/// `application/json` — also for `*/*` or no Accept header, as the spec asks
/// of servers that legacy clients still call.
pub fn negotiate(headers: &HeaderMap) -> &'static str {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if accept.contains(GRAPHQL_RESPONSE) {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    }
}

/// A response serialized once, for the client and for replays.
pub struct Body {
    pub bytes: Vec<u8>,
    /// The request failed before execution (it did not parse or validate:
    /// no data, no error with a path).
    pub request_error: bool,
}

impl Body {
    /// Straight to bytes, in the query's field order (`crate::field_order`):
    /// this is the hot path. A request error has no `data` key (GraphQL over
    /// HTTP). An answer longer than `max_bytes` is replaced by a
    /// QUERY_TOO_COMPLEX error: never sent truncated, never held whole.
    pub fn encode(
        response: &async_graphql::Response,
        operation: &Operation,
        max_bytes: usize,
        request_id: &str,
    ) -> serde_json::Result<Self> {
        /// The body of a request that failed before execution: errors only.
        #[derive(serde::Serialize)]
        struct ErrorsOnly<'a> {
            errors: &'a [async_graphql::ServerError],
        }
        /// `async_graphql::Response` as it serializes itself, with `data`
        /// in the selection's order.
        #[derive(serde::Serialize)]
        struct Executed<'a> {
            data: Ordered<'a>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            extensions: &'a BTreeMap<String, async_graphql::Value>,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            errors: &'a [async_graphql::ServerError],
        }
        let request_error = !response.errors.is_empty()
            && response.data == async_graphql::Value::Null
            && response.errors.iter().all(|e| e.path.is_empty());
        let selection = operation.document.as_ref().and_then(|document| {
            field_order::operation_selection(document, operation.name.as_deref())
                .map(|selection| (document, selection))
        });
        let mut out = Capped::new(max_bytes);
        let written = match selection {
            _ if request_error => serde_json::to_writer(
                &mut out,
                &ErrorsOnly {
                    errors: &response.errors,
                },
            ),
            Some((document, selection)) => serde_json::to_writer(
                &mut out,
                &Executed {
                    data: Ordered::new(&response.data, document, selection),
                    extensions: &response.extensions,
                    errors: &response.errors,
                },
            ),
            None => serde_json::to_writer(&mut out, response),
        };
        let bytes = match written {
            Ok(()) => out.bytes,
            Err(_) if out.exceeded => {
                tracing::warn!(
                    request_id,
                    max_bytes,
                    "answer too large: replaced by an error"
                );
                serde_json::to_vec(&serde_json::json!({
                    "data": null,
                    "errors": [{
                        "message": format!(
                            "the answer is larger than {max_bytes} bytes: ask for fewer fields or smaller pages"
                        ),
                        "extensions": {
                            "code": ErrorCode::QueryTooComplex.as_str(),
                            "requestId": request_id,
                        },
                    }],
                }))?
            }
            Err(err) => return Err(err),
        };
        Ok(Self {
            bytes,
            request_error,
        })
    }

    /// A request error is a 400 under `application/graphql-response+json`.
    /// The HTTP response, encoded in `coding` when it is worth it: called
    /// while the execution's turn is held (`crate::compression`).
    pub fn respond(self, media_type: &'static str, coding: Option<Coding>) -> Response {
        let status = if self.request_error && media_type == GRAPHQL_RESPONSE {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        let content_type = (header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
        match coding.and_then(|c| Some((c, c.encode(&self.bytes)?))) {
            Some((coding, encoded)) => (
                status,
                [
                    content_type,
                    vary,
                    (header::CONTENT_ENCODING, coding.header_value()),
                ],
                encoded,
            )
                .into_response(),
            None => (status, [content_type, vary], self.bytes).into_response(),
        }
    }
}

/// A body that refuses to grow past its limit: the serializer stops at the
/// first byte too many, so an oversized answer is never held whole.
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

impl Capped {
    fn new(limit: usize) -> Self {
        Self {
            bytes: Vec::new(),
            limit,
            exceeded: false,
        }
    }
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            self.exceeded = true;
            return Err(std::io::Error::other("the answer is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A stored answer, sent again for a retried `Idempotency-Key`.
pub fn replay(body: String) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(GRAPHQL_RESPONSE),
            ),
            (
                header::HeaderName::from_static("idempotent-replayed"),
                HeaderValue::from_static("true"),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::operation::inspect;

    fn operation(query: &str) -> Operation {
        inspect(&mut async_graphql::Request::new(query))
    }

    #[test]
    fn answers_in_the_media_type_the_client_names() {
        let mut headers = HeaderMap::new();
        assert_eq!(negotiate(&headers), "application/json");
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        assert_eq!(negotiate(&headers), "application/json");
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/graphql-response+json, application/json"),
        );
        assert_eq!(negotiate(&headers), GRAPHQL_RESPONSE);
    }

    #[test]
    fn data_in_the_selection_order() {
        let value = async_graphql::Value::from_json(serde_json::json!({"b": 1, "a": 2})).unwrap();
        let response = async_graphql::Response::new(value);
        let body = Body::encode(&response, &operation("{ b a }"), 1024, "r-1").unwrap();
        assert_eq!(body.bytes, br#"{"data":{"b":1,"a":2}}"#);
        assert!(!body.request_error);
    }

    #[test]
    fn a_request_error_has_no_data_and_is_a_400_where_the_client_can_read_it() {
        let error = async_graphql::ServerError::new("Unknown field", None);
        let response = async_graphql::Response::from_errors(vec![error]);
        let body = Body::encode(&response, &operation("{ nope }"), 1024, "r-1").unwrap();
        assert!(body.request_error);
        assert_eq!(body.bytes, br#"{"errors":[{"message":"Unknown field"}]}"#);
        let status = |media_type| {
            let body = Body::encode(&response, &operation("{ nope }"), 1024, "r-1").unwrap();
            body.respond(media_type, None).status()
        };
        assert_eq!(status(GRAPHQL_RESPONSE), StatusCode::BAD_REQUEST);
        assert_eq!(status("application/json"), StatusCode::OK);
    }

    #[test]
    fn an_answer_past_the_cap_becomes_an_error_never_a_truncated_body() {
        let value =
            async_graphql::Value::from_json(serde_json::json!({"a": "x".repeat(100)})).unwrap();
        let response = async_graphql::Response::new(value);
        let body = Body::encode(&response, &operation("{ a }"), 50, "r-1").unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body.bytes).unwrap();
        assert_eq!(json["data"], serde_json::Value::Null);
        assert_eq!(json["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
        assert_eq!(json["errors"][0]["extensions"]["requestId"], "r-1");
    }
}
