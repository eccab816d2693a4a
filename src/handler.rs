//! `/graphql`: authenticate, pick the schema, run (at most once per
//! `Idempotency-Key`), stamp every error with the request id, count it,
//! and answer in the media type the client accepts.

use crate::auth;
use crate::compression::Coding;
use crate::error::{AppError, ErrorCode};
use crate::field_order::{self, Ordered};
use crate::graphql::audit::{self, PersonalDataReads};
use crate::graphql::loaders::Loaders;
use crate::graphql::{RequestId, map_errors};
use crate::idempotency::{self, Claim};
use crate::introspection;
use crate::startup::{AppState, REQUEST_ID};
use async_graphql::Name;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql_axum::GraphQLRequest;
use async_graphql_axum::rejection::GraphQLRejection;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

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

/// The id `SetRequestIdLayer` gave the request.
fn request_id_of(headers: &HeaderMap) -> &str {
    headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
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
    request: async_graphql::Request,
    method: Method,
) -> Response {
    let started = Instant::now();
    let media_type = negotiate(&headers);
    let request_id = request_id_of(&headers).to_owned();
    // More executions at once add no throughput on a few cores, only memory
    // (every in-flight page is held whole): the rest wait here, in order.
    let Ok(_permit) = state.executions.acquire().await else {
        return internal(&request_id);
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let viewer =
        match auth::authenticate(&state.db, &state.keys, &state.societies, authorization).await {
            Ok(viewer) => viewer,
            Err(AppError::Unauthenticated) => return unauthenticated(&request_id),
            Err(err) => {
                tracing::error!(request_id, error = %err, "authentication failed");
                return internal(&request_id);
            }
        };
    let caller = idempotency::caller_key(&viewer);
    let anonymous = viewer.role.is_none();
    let reads = Arc::new(PersonalDataReads::default());
    let mut request = request
        .data(viewer.clone())
        .data(Arc::clone(&reads))
        .data(RequestId(request_id.clone()));
    let operation = inspect(&mut request);
    // A query reads each key once and takes the rows its pages joined in;
    // a mutation's result must see the mutation's own writes.
    let loaders = if operation.kind == Some(OperationType::Query) {
        Loaders::for_query(&state.db, &viewer)
    } else {
        Loaders::new(&state.db, &viewer)
    };
    request.data.insert(loaders.clone());
    let operation_name = request.operation_name.clone();
    if let Some(client) = &viewer.client
        && state.allowlist.name_of(&request.query).is_none()
    {
        tracing::warn!(request_id, client, "operation not on the allow-list");
        return graphql_error(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "this operation is not on the integration allow-list",
            &request_id,
        );
    }
    if method == Method::GET && operation.kind != Some(OperationType::Query) {
        let mut response = graphql_error(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadUserInput,
            "GET runs queries only; send mutations with POST",
            &request_id,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }

    let key = headers
        .get(idempotency::HEADER)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let claim = match key {
        Some(key) if operation.kind == Some(OperationType::Mutation) => {
            if !idempotency::valid_key(key) {
                return graphql_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadUserInput,
                    "Idempotency-Key must be 1-255 visible ASCII characters",
                    &request_id,
                );
            }
            let variables = serde_json::to_value(&request.variables).unwrap_or_default();
            let hash = idempotency::request_hash(
                &request.query,
                request.operation_name.as_deref(),
                &variables,
            );
            match idempotency::claim(&state.db, &caller, key, &hash).await {
                Ok(Claim::Fresh(id)) => Some(id),
                Ok(Claim::Replay(body)) => return replay(body),
                Ok(Claim::Conflict(message)) => {
                    return graphql_error(
                        StatusCode::CONFLICT,
                        ErrorCode::Conflict,
                        message,
                        &request_id,
                    );
                }
                Err(err) => {
                    tracing::error!(request_id, error = %err, "idempotency key store failed");
                    return internal(&request_id);
                }
            }
        }
        _ => None,
    };

    // Under --production a caller without a token sees no schema: no
    // introspection and no "Did you mean …" in validation errors.
    let schema = if state.policy.production && anonymous {
        &state.hidden_schema
    } else if operation.introspection_only {
        &state.introspection_schema
    } else {
        &state.schema
    };
    let mut response = match introspection_refusal(&state, &operation) {
        Some(refusal) => async_graphql::Response::from_errors(vec![refusal]),
        None => loaders.paced(schema.execute(request)).await,
    };
    map_errors(&mut response);
    for err in &mut response.errors {
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("requestId", request_id.as_str());
    }
    let Ok(body) = Body::encode(
        &response,
        &operation,
        state.policy.max_response_bytes,
        &request_id,
    ) else {
        tracing::error!(request_id, "could not serialize a response");
        if let Some(id) = claim {
            settle(&state, id, None).await;
        }
        return internal(&request_id);
    };
    if let Some(id) = claim {
        // Kept unless it failed for reasons of ours (INTERNAL: a retry should
        // run again) or before execution (nothing ran; a retry gets the same
        // answer, with its status).
        let keep = !body.request_error && !has_code(&response, ErrorCode::Internal);
        settle(&state, id, keep.then_some(&body)).await;
    }
    let outcome = response
        .errors
        .iter()
        .find_map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map(ToString::to_string)
        })
        .map_or_else(
            || "ok".to_owned(),
            |code| code.trim_matches('"').to_lowercase(),
        );
    // The body holds it all now; the value tree need not wait on the audit.
    drop(response);
    // Personal data leaves only with its audit trail (APPI): fail closed.
    let read = reads.take();
    if let Err(err) =
        audit::record_personal_reads(&state.db, &viewer, operation_name.as_deref(), &read).await
    {
        tracing::error!(request_id, error = %err, "could not audit personal data reads");
        return internal(&request_id);
    }
    let elapsed = started.elapsed();
    state
        .metrics
        .observe(&operation.label, &outcome, elapsed.as_secs_f64());
    let span = tracing::Span::current();
    span.record("operation", operation.label.as_str());
    span.record("role", tracing::field::debug(&viewer.role));
    span.record("outcome", outcome.as_str());
    tracing::info!(
        operation = %operation.label,
        name = operation_name.as_deref().unwrap_or(""),
        role = ?viewer.role,
        outcome,
        duration_ms = elapsed.as_millis() as u64,
        "graphql"
    );
    body.respond(media_type, Coding::negotiate(&headers))
}

/// A QUERY_TOO_COMPLEX error when the request's `__schema` and `__type`
/// fields could answer more than `introspection::MAX_VALUES` values.
fn introspection_refusal(
    state: &AppState,
    operation: &Operation,
) -> Option<async_graphql::ServerError> {
    if !operation.introspects {
        return None;
    }
    let document = operation.document.as_ref()?;
    let selection = field_order::operation_selection(document, operation.name.as_deref())?;
    let estimate = state
        .introspection_shape
        .estimate(selection, &document.fragments);
    if estimate.is_some_and(|values| values <= introspection::MAX_VALUES) {
        return None;
    }
    // The wording `error::to_wire` maps to QUERY_TOO_COMPLEX.
    Some(async_graphql::ServerError::new(
        format!(
            "Query is too complex: its introspection could answer more than {} values; \
             ask for the schema once (GraphiQL's standard query fits)",
            introspection::MAX_VALUES
        ),
        None,
    ))
}

/// The media type the client accepts (GraphQL over HTTP):
/// `application/graphql-response+json` when it names it, else
/// `application/json` — also for `*/*` or no Accept header, as the spec asks
/// of servers that legacy clients still call.
fn negotiate(headers: &HeaderMap) -> &'static str {
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
struct Body {
    bytes: Vec<u8>,
    /// The request failed before execution (it did not parse or validate:
    /// no data, no error with a path).
    request_error: bool,
}

impl Body {
    /// Straight to bytes, in the query's field order (`crate::field_order`):
    /// this is the hot path. A request error has no `data` key (GraphQL over
    /// HTTP). An answer longer than `max_bytes` is replaced by a
    /// QUERY_TOO_COMPLEX error: never sent truncated, never held whole.
    fn encode(
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
    fn respond(self, media_type: &'static str, coding: Option<Coding>) -> Response {
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

fn has_code(response: &async_graphql::Response, code: ErrorCode) -> bool {
    let code = async_graphql::Value::from(code.as_str());
    response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == code)
    })
}

/// Keeps the response for retries; `None` frees the key, so that a retry
/// runs again.
async fn settle(state: &AppState, id: i64, body: Option<&Body>) {
    let body = body.and_then(|b| std::str::from_utf8(&b.bytes).ok());
    let stored = match body {
        Some(body) => idempotency::complete(&state.db, id, body).await,
        None => idempotency::release(&state.db, id).await,
    };
    if let Err(err) = stored {
        tracing::error!(error = %err, "could not store an idempotent response");
    }
}

fn replay(body: String) -> Response {
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

/// What the handler needs to know of the operation before running it.
struct Operation {
    kind: Option<OperationType>,
    /// `query:courses`: the kind and first root field, for metrics and logs.
    label: String,
    /// Every root field is `__schema`, `__type` or `__typename`: GraphiQL's
    /// schema fetch, under the introspection limits instead of the query
    /// limits.
    introspection_only: bool,
    /// Some root field is `__schema` or `__type` (possibly inside a
    /// fragment): its answer's size is estimated before it runs.
    introspects: bool,
    /// The parsed document (execution takes the request's copy), for writing
    /// the answer in its field order.
    document: Option<ExecutableDocument>,
    /// The operation that runs, when the document has several.
    name: Option<String>,
}

/// Parses the request's document once: execution reuses it.
fn inspect(request: &mut async_graphql::Request) -> Operation {
    let unknown = Operation {
        kind: None,
        label: "unknown".to_owned(),
        introspection_only: false,
        introspects: false,
        document: None,
        name: None,
    };
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return unknown;
    };
    let operation = match &document.operations {
        DocumentOperations::Single(op) => Some(op),
        DocumentOperations::Multiple(ops) => match &operation_name {
            Some(name) => ops.get(name.as_str()),
            None if ops.len() == 1 => ops.values().next(),
            None => None,
        },
    };
    let Some(operation) = operation else {
        return unknown;
    };
    let introspection_only = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .all(|item| match &item.node {
            Selection::Field(field) => matches!(
                field.node.name.node.as_str(),
                "__schema" | "__type" | "__typename"
            ),
            _ => false,
        });
    let root = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .find_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| "fragment".to_owned());
    Operation {
        kind: Some(operation.node.ty),
        label: format!("{}:{root}", operation.node.ty),
        introspection_only,
        introspects: mentions_introspection(
            &document.fragments,
            &operation.node.selection_set.node,
            0,
        ),
        document: Some(document.clone()),
        name: operation_name,
    }
}

/// Whether a root field of `selection` is `__schema` or `__type`.
fn mentions_introspection(
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    selection: &SelectionSet,
    depth: usize,
) -> bool {
    // Deeper fragment nesting is costed (and refused) rather than missed.
    if depth > 32 {
        return true;
    }
    selection.items.iter().any(|item| match &item.node {
        Selection::Field(field) => matches!(field.node.name.node.as_str(), "__schema" | "__type"),
        Selection::FragmentSpread(spread) => fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|f| {
                mentions_introspection(fragments, &f.node.selection_set.node, depth + 1)
            }),
        Selection::InlineFragment(inline) => {
            mentions_introspection(fragments, &inline.node.selection_set.node, depth + 1)
        }
    })
}

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

/// A bad token is never treated as anonymous: the request stops here.
fn unauthenticated(request_id: &str) -> Response {
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

fn internal(request_id: &str) -> Response {
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
