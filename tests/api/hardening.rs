//! Limits and refusals at the edge: query depth and complexity, CSRF-safe
//! content types, the body limit, production introspection, Idempotency-Key.

use crate::helpers::{TestApp, error_code, today};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use csc::clock::Clock;
use csc::startup::build_router;
use csc::state::{AppState, HttpPolicy};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

const INTROSPECTION: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name }
  types { ...FullType } directives { name locations args { ...InputValue } } } }
fragment FullType on __Type { kind name fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } }
  inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";

/// The public course list as a front end shows it (benchmark query a).
const PUBLIC_COURSE_LIST: &str =
    "{ courses(first: 100) { totalCount pageInfo { hasNextPage endCursor }
  nodes { id title year requestedCapacity status curriculum director
    society { code fieldNameJa nameJa }
    responsibleInstitution { id name prefecture kind }
    clinicalSites { role institution { id name prefecture } }
    researchHost { kind name paperCountFiveYears }
    statusGuarantee { clinicalPhase researchPhase socialInsurance workingGraduateStudent } } } }";

/// A society's review screen (benchmark query b).
const SOCIETY_REVIEW: &str = "{ applications(first: 100, filter: { year: 2027 }) { totalCount
  nodes { id status submittedAt outcome
    applicant { id fullName fullNameKana email university graduationYear eligibility(year: 2027) { eligible reasons } }
    course { id title }
    generalApplication { programName status society { code } institution { name } } } } }";

async fn post_raw(app: &TestApp, content_type: &str, body: &str) -> StatusCode {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.send(request).await.0
}

#[tokio::test]
async fn the_heaviest_front_end_queries_are_admitted() {
    let app = TestApp::spawn().await;
    app.data(None, PUBLIC_COURSE_LIST, json!({})).await;
    app.data(
        Some(&app.society(csc::entity::enums::FieldCode::InternalMedicine)),
        SOCIETY_REVIEW,
        json!({}),
    )
    .await;
}

#[tokio::test]
async fn floods_and_deep_queries_are_too_complex() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..100)
        .map(|i| format!("a{i}: courses(first: 100) {{ nodes {{ title }} }} "))
        .collect();
    let (_, json) = app.gql(None, &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(
        error_code(&json).as_deref(),
        Some("QUERY_TOO_COMPLEX"),
        "{json}"
    );
    assert!(json["data"].is_null());

    let deep = "{ courses { nodes { society { courses { nodes { society { courses { nodes { society { courses { nodes { title } } } } } } } } } } } }";
    let (_, json) = app.gql(None, deep, json!({})).await;
    assert_eq!(
        error_code(&json).as_deref(),
        Some("QUERY_TOO_COMPLEX"),
        "{json}"
    );

    let directives = "{ societies { code @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) } }";
    let (_, json) = app.gql(None, directives, json!({})).await;
    assert!(json.get("errors").is_some(), "{json}");
    assert!(
        json["data"].is_null() || json["data"]["societies"].is_null(),
        "{json}"
    );
}

#[tokio::test]
async fn graphiql_introspection_passes_within_the_introspection_limits() {
    let app = TestApp::spawn().await;
    let data = app.data(None, INTROSPECTION, json!({})).await;
    assert!(data["__schema"]["types"].as_array().unwrap().len() > 50);
    let data = app.data(Some(&app.admin()), INTROSPECTION, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}

/// The app's state over the test database, with `policy`.
async fn state_with(app: &TestApp, policy: HttpPolicy) -> AppState {
    let clock = Clock {
        fixed_today: Some(today()),
    };
    AppState::new(app.db.clone(), app.keys.clone(), clock)
        .await
        .unwrap()
        .with_policy(policy)
}

/// `--production`: the schema is shown to authenticated callers only.
/// Without a token, introspection is refused, `GET /schema.graphql` is 401
/// and validation errors suggest no field names (which would let a tool like
/// clairvoyance rebuild the schema); with any valid token all three work.
#[tokio::test]
async fn production_hides_the_schema_from_anonymous_callers() {
    let app = TestApp::spawn().await;
    let state = state_with(
        &app,
        HttpPolicy {
            production: true,
            ..HttpPolicy::default()
        },
    )
    .await;
    let router = build_router(state);
    let send = |method: Method, uri: &str, token: Option<String>, body: Option<String>| {
        let router = router.clone();
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let graphql = |query: &str, token: Option<String>| {
        let body = json!({ "query": query }).to_string();
        let sent = send(Method::POST, "/graphql", token, Some(body));
        async move {
            let (_, text) = sent.await;
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let applicant = || Some(app.applicant("doctor-1"));

    // Introspection, over POST and GET.
    let anonymous = graphql("{ __schema { queryType { name } } }", None).await;
    assert!(anonymous["data"]["__schema"].is_null(), "{anonymous}");
    let (_, text) = send(
        Method::GET,
        "/graphql?query=%7B__type(name%3A%22Course%22)%7Bname%7D%7D",
        None,
        None,
    )
    .await;
    assert!(!text.contains("\"Course\""), "{text}");
    for token in [Some(app.admin()), applicant()] {
        let json = graphql("{ __schema { queryType { name } } }", token).await;
        assert_eq!(
            json["data"]["__schema"]["queryType"]["name"], "Query",
            "{json}"
        );
    }

    // The SDL route.
    let (status, text) = send(Method::GET, "/schema.graphql", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    assert!(!text.contains("type Query"), "{text}");
    assert_eq!(
        error_code(&serde_json::from_str(&text).unwrap()).as_deref(),
        Some("UNAUTHENTICATED")
    );
    let (status, text) = send(Method::GET, "/schema.graphql", Some("garbage".into()), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    let (status, text) = send(Method::GET, "/schema.graphql", applicant(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("type Query"), "{text}");

    // Suggestions: a misspelt field, argument and enum value.
    let misspelt =
        "{ course { id } courses(frist: 1, filter: { status: PUBLISHD }) { totalCount } }";
    let anonymous = graphql(misspelt, None).await.to_string();
    assert!(anonymous.contains("BAD_USER_INPUT"), "{anonymous}");
    assert!(!anonymous.contains("Did you mean"), "{anonymous}");
    let signed_in = graphql(misspelt, applicant()).await.to_string();
    assert!(signed_in.contains("Did you mean"), "{signed_in}");

    // Queries still run for everyone.
    let json = graphql("{ societies { code } }", None).await;
    assert!(json.get("errors").is_none(), "{json}");
}

/// Without `--production` the schema is public: the SDL route, introspection
/// and suggestions answer anyone (docs/security.md says so).
#[tokio::test]
async fn outside_production_the_schema_is_public() {
    let app = TestApp::spawn().await;
    let (status, _, body) = app.get("/schema.graphql").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("type Query"));
    let (_, json) = app.gql(None, "{ course { id } }", json!({})).await;
    assert!(json.to_string().contains("Did you mean"), "{json}");
    let data = app
        .data(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}

/// `GRAPHQL_CONCURRENCY`: past the limit a request waits for a turn, then runs.
#[tokio::test]
async fn requests_past_the_concurrency_limit_wait_their_turn() {
    let app = TestApp::spawn().await;
    let state = state_with(
        &app,
        HttpPolicy {
            max_concurrent_requests: 2,
            ..HttpPolicy::default()
        },
    )
    .await;
    let executions = Arc::clone(&state.executions);
    let router = build_router(state);
    let call = || {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "query": "{ societies { code } }" }).to_string(),
            ))
            .unwrap();
        router.clone().oneshot(request)
    };
    // Both turns taken: the request waits.
    let held = executions.acquire_many(2).await.unwrap();
    let mut waiting = tokio::spawn(call());
    let early = tokio::time::timeout(std::time::Duration::from_millis(300), &mut waiting).await;
    assert!(early.is_err(), "a request ran past the limit");
    drop(held);
    let response = waiting.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Many at once all run, and every turn is given back.
    let responses = async_graphql::futures_util::future::join_all((0..10).map(|_| call())).await;
    assert!(
        responses
            .iter()
            .all(|r| r.as_ref().unwrap().status() == StatusCode::OK)
    );
    assert_eq!(executions.available_permits(), 2);
}

#[tokio::test]
async fn only_json_posts_run() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "mutation { createInstitution(input: { name: \"x\", kind: OTHER_HOSPITAL, prefecture: \"東京都\", certifiedTrainingFacility: false }) { id } }" }).to_string();
    assert_eq!(
        post_raw(&app, "text/plain", &body).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        post_raw(&app, "application/x-www-form-urlencoded", "query=%7B%7D").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        post_raw(&app, "multipart/form-data; boundary=x", &body).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        post_raw(
            &app,
            "application/json; charset=utf-8",
            r#"{"query":"{ viewer { role } }"}"#
        )
        .await,
        StatusCode::OK
    );
    // GET never runs a mutation.
    let mutation = "mutation%7BcreateInstitution(input%3A%7Bname%3A%22x%22%2Ckind%3AOTHER_HOSPITAL%2Cprefecture%3A%22%E6%9D%B1%E4%BA%AC%E9%83%BD%22%2CcertifiedTrainingFacility%3Afalse%7D)%7Bid%7D%7D";
    let (status, headers, _) = app.get(&format!("/graphql?query={mutation}")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::ALLOW], "POST");
    assert_eq!(app.institution_rows().await, 0);
}

#[tokio::test]
async fn get_runs_queries_and_serves_graphiql() {
    let app = TestApp::spawn().await;
    let (status, _, text) = app.get("/graphql?query=%7Bsocieties%7Bcode%7D%7D").await;
    assert_eq!(status, StatusCode::OK);
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["data"]["societies"].as_array().unwrap().len(), 19);
    let (status, _, page) = app.get("/graphql").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("graphiql") && page.contains("defaultTabs"));
}

async fn post_accepting(app: &TestApp, accept: &str, query: &str) -> (StatusCode, String, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, accept)
        .body(Body::from(json!({ "query": query }).to_string()))
        .unwrap();
    let (status, headers, text) = app.send(request).await;
    let content_type = headers[header::CONTENT_TYPE].to_str().unwrap().to_owned();
    (status, content_type, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn answers_in_the_media_type_the_client_accepts() {
    let app = TestApp::spawn().await;
    // GraphQL over HTTP: a request that does not parse or validate is 4xx
    // under application/graphql-response+json, and carries no data key.
    let modern = "application/graphql-response+json, application/json;q=0.9";
    let (status, content_type, body) = post_accepting(&app, modern, "{ nope").await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::BAD_REQUEST, "application/graphql-response+json")
    );
    assert!(body.get("data").is_none(), "{body}");
    let (status, _, body) = post_accepting(&app, modern, "{ nope }").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.get("data").is_none(), "{body}");
    // A client that accepts only application/json gets it, with 200.
    let (status, content_type, _) = post_accepting(&app, "application/json", "{ nope }").await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/json")
    );
    let (status, content_type, body) =
        post_accepting(&app, "application/json", "{ societies { code } }").await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/json")
    );
    assert_eq!(body["data"]["societies"][0]["code"], "INTERNAL_MEDICINE");
}

/// `request` with `Accept-Encoding: accept` (none when empty): its
/// `Content-Encoding`, its `Vary` and its body, decoded.
async fn fetch_encoded(
    app: &TestApp,
    request: axum::http::request::Builder,
    body: Body,
    accept: &str,
) -> (Option<String>, Option<String>, Vec<u8>) {
    use std::io::Read;
    let request = if accept.is_empty() {
        request
    } else {
        request.header(header::ACCEPT_ENCODING, accept)
    };
    let response = app
        .router
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let header_of = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (encoding, vary) = (header_of(header::CONTENT_ENCODING), header_of(header::VARY));
    let raw = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let mut decoded = Vec::new();
    match encoding.as_deref() {
        None => decoded = raw.to_vec(),
        Some("gzip") => {
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut decoded)
                .unwrap();
        }
        Some("br") => {
            brotli::Decompressor::new(&raw[..], 4096)
                .read_to_end(&mut decoded)
                .unwrap();
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    (encoding, vary, decoded)
}

#[tokio::test]
async fn compresses_responses_for_clients_that_accept_it() {
    let app = TestApp::spawn().await;
    let post = || {
        Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
    };
    let query =
        || Body::from(json!({ "query": "{ societies { code nameJa fieldNameJa } }" }).to_string());

    let (encoding, vary, plain) = fetch_encoded(&app, post(), query(), "").await;
    assert_eq!(encoding, None);
    assert_eq!(vary.as_deref(), Some("accept-encoding"));
    let expected: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(
        expected["data"]["societies"].as_array().map(Vec::len),
        Some(19)
    );

    // gzip when the client takes both alike (cheaper for nearly the same
    // size); br when it prefers br; nothing it refuses with q=0.
    for (accept, wanted) in [
        ("gzip, deflate, br, zstd", Some("gzip")),
        ("br;q=1.0, gzip;q=0.5", Some("br")),
        ("br", Some("br")),
        ("gzip;q=0, br;q=0", None),
        ("identity", None),
    ] {
        let (encoding, vary, body) = fetch_encoded(&app, post(), query(), accept).await;
        assert_eq!(encoding.as_deref(), wanted, "{accept}");
        assert_eq!(vary.as_deref(), Some("accept-encoding"), "{accept}");
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            expected,
            "{accept}"
        );
    }

    // Other routes go through the compression layer.
    let get = || {
        Request::builder()
            .method(Method::GET)
            .uri("/schema.graphql")
    };
    let (encoding, _, sdl) = fetch_encoded(&app, get(), Body::empty(), "gzip").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(String::from_utf8(sdl).unwrap().contains("type Query"));
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_outcome() {
    let app = TestApp::spawn().await;
    app.data(None, "{ societies { code } }", json!({})).await;
    app.gql(
        Some(&app.society(csc::entity::enums::FieldCode::Surgery)),
        "mutation { openEarlyCall(year: 2027) { phase } }",
        json!({}),
    )
    .await;
    let (status, _, text) = app.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains(r#"csc_graphql_requests_total{operation="query:societies",outcome="ok"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"operation="mutation:openEarlyCall",outcome="forbidden""#),
        "{text}"
    );
    assert!(
        text.contains("csc_graphql_request_duration_seconds_count 2"),
        "{text}"
    );
    assert!(text.contains("csc_db_pool_connections"), "{text}");
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_refused() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(1024 * 1024 + 1);
    let body =
        json!({ "query": "{ viewer { role } }", "variables": { "pad": padding } }).to_string();
    // Refused on the declared length, before a byte of the body is read.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(request).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn errors_carry_the_request_id_header() {
    let app = TestApp::spawn().await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-request-id", "req-123")
        .body(Body::from(json!({ "query": "{ nope }" }).to_string()))
        .unwrap();
    let (_, headers, text) = app.send(request).await;
    assert_eq!(headers["x-request-id"], "req-123");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["errors"][0]["extensions"]["requestId"], "req-123");
    assert_eq!(error_code(&json).as_deref(), Some("BAD_USER_INPUT"));
}

async fn keyed(app: &TestApp, key: &str, name: &str) -> (StatusCode, Value) {
    let query = "mutation($n: String!) { createInstitution(input: { name: $n, kind: UNIVERSITY_HOSPITAL, prefecture: \"大阪府\", certifiedTrainingFacility: true }) { id name } }";
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", app.admin()))
        .header("idempotency-key", key)
        .body(Body::from(
            json!({ "query": query, "variables": { "n": name } }).to_string(),
        ))
        .unwrap();
    let (status, _, text) = app.send(request).await;
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn an_idempotency_key_runs_a_mutation_once() {
    let app = TestApp::spawn().await;
    let (_, first) = keyed(&app, "key-1", "大阪大学医学部附属病院").await;
    let (_, again) = keyed(&app, "key-1", "大阪大学医学部附属病院").await;
    assert_eq!(first, again);
    assert_eq!(app.institution_rows().await, 1);
    let (status, other) = keyed(&app, "key-1", "別の病院").await;
    assert_eq!(
        (status, error_code(&other).as_deref()),
        (StatusCode::CONFLICT, Some("CONFLICT"))
    );
    let (status, bad) = keyed(&app, &"k".repeat(256), "x").await;
    assert_eq!(
        (status, error_code(&bad).as_deref()),
        (StatusCode::BAD_REQUEST, Some("BAD_USER_INPUT"))
    );
    assert_eq!(app.institution_rows().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_retried_calls_leave_no_duplicates() {
    let app = Arc::new(TestApp::spawn().await);
    // 100 keys, each sent 10 times, 10 at a time.
    for round in 0..10 {
        let tasks: Vec<_> = (0..100)
            .map(|k| {
                let app = Arc::clone(&app);
                tokio::spawn(async move {
                    keyed(&app, &format!("retry-{k}"), &format!("病院{k}")).await
                })
            })
            .collect();
        for task in tasks {
            let (status, json) = task.await.unwrap();
            let ok = status == StatusCode::OK && json.get("errors").is_none();
            let running = status == StatusCode::CONFLICT;
            assert!(ok || running, "round {round}: {status} {json}");
        }
    }
    assert_eq!(app.institution_rows().await, 100);
}

#[tokio::test]
async fn reading_a_doctors_personal_data_leaves_an_audit_event() {
    use csc::entity::enums::{ApplicationStatus, CourseStatus, FieldCode};
    let app = TestApp::spawn().await;
    let hospital = app.insert_institution("九州大学病院").await;
    app.insert_cycle(crate::helpers::YEAR).await;
    let course = app
        .insert_course(
            "内科コース",
            FieldCode::InternalMedicine,
            hospital,
            CourseStatus::Published,
        )
        .await;
    let doctor = app.insert_applicant("doctor-pii", "123456").await;
    app.insert_application(doctor, course, ApplicationStatus::Submitted)
        .await;
    let target = crate::helpers::gid("Applicant", doctor);
    // The doctor reading its own record leaves nothing.
    app.data(
        Some(&app.applicant("doctor-pii")),
        "{ viewer { applicant { email fullName } } }",
        json!({}),
    )
    .await;
    assert!(personal_reads(&app, &target).await.is_empty());
    // The society reading the applicant's email does; an id alone does not.
    app.data(
        Some(&app.society(FieldCode::InternalMedicine)),
        "{ applications { nodes { applicant { id } } } }",
        json!({}),
    )
    .await;
    assert!(personal_reads(&app, &target).await.is_empty());
    app.data(
        Some(&app.society(FieldCode::InternalMedicine)),
        "{ applications { nodes { applicant { email fullName } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        personal_reads(&app, &target).await,
        vec!["SOCIETY".to_owned()]
    );
}

/// Roles of the `readPersonalData` audit events that name `target`.
async fn personal_reads(app: &TestApp, target: &str) -> Vec<String> {
    let data = app
        .data(
            Some(&app.admin()),
            "{ auditEvents(first: 100) { nodes { operation targetId role } } }",
            json!({}),
        )
        .await;
    data["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "readPersonalData" && e["targetId"] == target)
        .map(|e| e["role"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn integrating_systems_run_allow_listed_operations_only() {
    use csc::allowlist::{Allowlist, add};
    use csc::auth::Grant;
    use csc::entity::enums::Role;

    let app = TestApp::spawn().await;
    let dir = std::env::temp_dir().join(format!("csc-ops-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("operations.json");
    let allowed = "query SocietyCodes { societies { code } }";
    add(&list, allowed).unwrap();
    let state = AppState::new(
        app.db.clone(),
        app.keys.clone(),
        Clock {
            fixed_today: Some(today()),
        },
    )
    .await
    .unwrap()
    .with_allowlist(Allowlist::load(&list).unwrap());
    let router = build_router(state);
    let grant = Grant {
        subject: "jsim-sync".into(),
        role: Role::Admin,
        society: None,
        institution_id: None,
    };
    let client_token = app
        .keys
        .issue_for_client(&grant, Some("society-system"), 600);
    let call = |token: String, query: &'static str| {
        let router = router.clone();
        async move {
            let request = Request::builder()
                .method(Method::POST)
                .uri("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(json!({ "query": query }).to_string()))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let (status, json) = call(
        client_token.clone(),
        "query SocietyCodes { societies { code } }",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["data"]["societies"].as_array().unwrap().len(), 19);
    // The same text with one change is another document: refused.
    let (status, json) = call(
        client_token.clone(),
        "query SocietyCodes { societies { code nameJa } }",
    )
    .await;
    assert_eq!(
        (status, error_code(&json).as_deref()),
        (StatusCode::FORBIDDEN, Some("FORBIDDEN"))
    );
    let (status, json) = call(
        client_token,
        "mutation { createRecruitmentCycle(input: { year: 2030, totalCapacity: 40, earlyCallOpensOn: \"2029-09-01\", earlyCallClosesOn: \"2029-09-30\", generalCallOpensOn: \"2029-11-01\" }) { id } }",
    )
    .await;
    assert_eq!(
        (status, error_code(&json).as_deref()),
        (StatusCode::FORBIDDEN, Some("FORBIDDEN"))
    );
    // A token without a client claim is not bound to the list.
    let (status, _) = call(app.admin(), "{ societies { code nameJa } }").await;
    assert_eq!(status, StatusCode::OK);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = TestApp::spawn().await;
    let state = state_with(
        &app,
        HttpPolicy {
            cors_origins: vec![axum::http::HeaderValue::from_static(
                "https://portal.example.jp",
            )],
            ..HttpPolicy::default()
        },
    )
    .await;
    let router = build_router(state);
    let preflight = |origin: &'static str| {
        let router = router.clone();
        async move {
            let request = Request::builder()
                .method(Method::OPTIONS)
                .uri("/graphql")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(
                    header::ACCESS_CONTROL_REQUEST_HEADERS,
                    "content-type,authorization",
                )
                .body(Body::empty())
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            response
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .cloned()
        }
    };
    assert_eq!(
        preflight("https://portal.example.jp").await.unwrap(),
        "https://portal.example.jp"
    );
    assert!(preflight("https://evil.example.com").await.is_none());
    // Without configured origins no browser origin is allowed.
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/graphql")
        .header(header::ORIGIN, "https://portal.example.jp")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = app.send(request).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}
