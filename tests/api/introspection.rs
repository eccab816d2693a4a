//! Introspection has limits of its own: GraphiQL's and graphql-codegen's
//! standard queries (fixtures written from graphql-js `getIntrospectionQuery`
//! with the options each tool uses) pass verbatim; alias floods and nested
//! type lists are refused before they run; no answer outgrows the response cap.

use crate::helpers::{TestApp, error_code, today};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use csc::clock::Clock;
use csc::startup::build_router;
use csc::state::{AppState, HttpPolicy};
use serde_json::{Value, json};
use tower::ServiceExt;

/// GraphiQL 4.1 (`@graphiql/react`): `getIntrospectionQuery` with
/// `inputValueDeprecation: false, schemaDescription: false`, sent as written.
const GRAPHIQL: &str = include_str!("../fixtures/introspection/graphiql-4.graphql");
/// graphql-codegen 6 with a URL schema (`@graphql-tools/url-loader`):
/// `getIntrospectionQuery` with its defaults, parsed and printed.
const CODEGEN: &str = include_str!("../fixtures/introspection/graphql-codegen.graphql");
/// Every option of graphql-js 16 on (descriptions, `specifiedByURL`,
/// `isRepeatable`, the schema's description, deprecated input values, `isOneOf`).
const ALL_OPTIONS: &str = include_str!("../fixtures/introspection/all-options.graphql");

/// `POST /graphql` with an operation name; status and parsed body.
async fn post(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    operation_name: Option<&str>,
) -> (StatusCode, String) {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = json!({ "query": query, "operationName": operation_name }).to_string();
    let (status, _, text) = app.send(request.body(Body::from(body)).unwrap()).await;
    (status, text)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The document: `copies` aliases of an 8-level type walk.
fn alias_flood(copies: usize) -> String {
    let type_ref = "type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }";
    let one = format!("__schema {{ types {{ name fields {{ name {type_ref} }} }} }}");
    let aliases: Vec<String> = (0..copies).map(|i| format!("a{i}: {one}")).collect();
    format!("{{ {} }}", aliases.join(" "))
}

fn assert_too_complex(status: StatusCode, text: &str) {
    let json = parse(text);
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        error_code(&json).as_deref(),
        Some("QUERY_TOO_COMPLEX"),
        "{text}"
    );
    assert!(json["data"].is_null(), "nothing ran: {text}");
}

#[tokio::test]
async fn the_standard_introspection_queries_pass_verbatim() {
    let app = TestApp::spawn().await;
    let applicant = app.applicant("doctor-1");
    for (tool, document) in [
        ("GraphiQL 4", GRAPHIQL),
        ("graphql-codegen", CODEGEN),
        ("all options", ALL_OPTIONS),
    ] {
        for token in [None, Some(applicant.as_str())] {
            let (status, text) = post(&app, token, document, Some("IntrospectionQuery")).await;
            let json = parse(&text);
            assert_eq!(status, StatusCode::OK, "{tool}: {text}");
            assert!(json.get("errors").is_none(), "{tool}: {text}");
            let types = json["data"]["__schema"]["types"].as_array().unwrap();
            assert!(types.len() > 50, "{tool}");
            assert!(
                types.iter().any(|t| t["name"] == "Course"
                    && t["fields"].as_array().is_some_and(|f| !f.is_empty())),
                "{tool}"
            );
        }
    }
    // graphql-codegen sends it without an operation name, too.
    let (status, text) = post(&app, None, CODEGEN, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(parse(&text).get("errors").is_none(), "{text}");
}

#[tokio::test]
async fn alias_floods_are_refused_before_they_run() {
    let app = TestApp::spawn().await;
    let applicant = app.applicant("doctor-1");
    // One copy is an ordinary schema fetch.
    let (_, text) = post(&app, Some(&applicant), &alias_flood(1), None).await;
    assert!(parse(&text).get("errors").is_none(), "{text}");
    // 90 copies (the 0.9 MB document asked for a 64 MB answer).
    for token in [None, Some(applicant.as_str())] {
        let (status, text) = post(&app, token, &alias_flood(90), None).await;
        assert_too_complex(status, &text);
    }
    // The same beside an ordinary root field, which takes it to the
    // schema with the query limits.
    let mixed = alias_flood(90).replacen('{', "{ societies { code } ", 1);
    let (status, text) = post(&app, Some(&applicant), &mixed, None).await;
    assert_too_complex(status, &text);
    // And hidden in fragments.
    let fragments = format!(
        "query {{ ...A }} fragment A on Query {{ ...B }} fragment B on Query {}",
        alias_flood(90)
    );
    let (status, text) = post(&app, None, &fragments, None).await;
    assert_too_complex(status, &text);
}

#[tokio::test]
async fn nested_type_lists_and_deep_documents_are_refused() {
    let app = TestApp::spawn().await;
    // Each `fields { type { … } }` level multiplies the answer.
    let nested = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }";
    let (status, text) = post(&app, None, nested, None).await;
    assert_too_complex(status, &text);
    let nested_type = "{ __type(name: \"Query\") { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } }";
    let (status, text) = post(&app, None, nested_type, None).await;
    assert_too_complex(status, &text);
    // Deeper than any standard query (15 levels).
    let deep = format!(
        "{{ __type(name: \"Course\") {{ {} name {} }} }}",
        "ofType { ".repeat(20),
        "}".repeat(20)
    );
    let (status, text) = post(&app, None, &deep, None).await;
    assert_too_complex(status, &text);
}

/// The app's state over the test database with a response cap of `bytes`.
async fn capped(app: &TestApp, bytes: usize) -> axum::Router {
    let state = AppState::new(
        app.db.clone(),
        app.keys.clone(),
        Clock {
            fixed_today: Some(today()),
        },
    )
    .await
    .unwrap()
    .with_policy(HttpPolicy {
        max_response_bytes: bytes,
        ..HttpPolicy::default()
    });
    build_router(state)
}

#[tokio::test]
async fn an_answer_past_the_response_cap_is_a_clear_error() {
    let app = TestApp::spawn().await;
    let (_, full) = post(&app, None, GRAPHIQL, None).await;
    let router = capped(&app, 20_000).await;
    let body = json!({ "query": GRAPHIQL }).to_string();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        full.len() > 20_000,
        "the full answer is {} bytes",
        full.len()
    );
    assert!(
        text.len() < 1_000,
        "an error, not a truncated answer: {text}"
    );
    let json = parse(&text);
    assert_eq!(
        error_code(&json).as_deref(),
        Some("QUERY_TOO_COMPLEX"),
        "{text}"
    );
    assert!(
        json["errors"][0]["extensions"]["requestId"].is_string(),
        "{text}"
    );
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("20000 bytes"),
        "{text}"
    );
    assert!(json["data"].is_null(), "{text}");
    // Under the cap nothing changes.
    let (_, text) = post(&app, None, "{ societies { code } }", None).await;
    assert!(parse(&text).get("errors").is_none(), "{text}");
}
