//! GraphiQL served from the binary: the page loads files of this origin
//! only, under a Content-Security-Policy that allows nothing else; the
//! files are served at addresses that change with their bytes, cached for a
//! year; the Headers pane opens with an Authorization header ready; and
//! "Sign in as" exists with `--dev` only.

use crate::helpers::*;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use csc::clock::Clock;
use csc::entity::enums::{CourseStatus, FieldCode};
use csc::startup::build_router;
use csc::state::{AppState, HttpPolicy};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The router over the test database, with `policy`.
async fn router_with(app: &TestApp, policy: HttpPolicy) -> Router {
    let clock = Clock {
        fixed_today: Some(today()),
    };
    let state = AppState::new(app.db.clone(), app.keys.clone(), clock)
        .await
        .unwrap()
        .with_policy(policy);
    build_router(state)
}

fn dev() -> HttpPolicy {
    HttpPolicy {
        dev: true,
        ..HttpPolicy::default()
    }
}

/// GET `path` with `Host: host`, as a browser sends it.
async fn get(router: &Router, path: &str, host: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::HOST, host)
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body.to_vec())
}

async fn page(router: &Router) -> (HeaderMap, String) {
    let (status, headers, body) = get(router, "/graphql", "127.0.0.1:8080").await;
    assert_eq!(status, StatusCode::OK);
    (headers, String::from_utf8(body).unwrap())
}

/// The values of every `name="…"` attribute in the page.
fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let marker = format!(" {name}=\"");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// The JSON block the page's script reads its settings from.
fn settings(html: &str) -> Value {
    let start = html.find("id=\"csc-graphiql-settings\">").unwrap() + 27;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[tokio::test]
async fn the_page_loads_files_of_this_origin_only() {
    let app = TestApp::spawn().await;
    let router = router_with(&app, HttpPolicy::default()).await;
    let (headers, html) = page(&router).await;
    assert_eq!(
        headers[header::CONTENT_SECURITY_POLICY],
        csc::graphiql::CONTENT_SECURITY_POLICY
    );
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self';",
    ] {
        assert!(
            csc::graphiql::CONTENT_SECURITY_POLICY.contains(directive),
            "{directive}"
        );
    }
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("unpkg"),
        "an external URL in: {html}"
    );
    // No inline script: each <script> is a served file or a JSON data block.
    for script in html.split("<script").skip(1) {
        let tag = &script[..script.find('>').unwrap()];
        assert!(
            tag.contains(" src=\"/graphiql/") || tag.contains("type=\"application/json\""),
            "inline script: <script{tag}>"
        );
    }
    let sources: Vec<&str> = attributes(&html, "src")
        .into_iter()
        .chain(attributes(&html, "href"))
        .filter(|url| *url != "data:,")
        .collect();
    assert_eq!(sources.len(), 7, "{sources:?}");
    for path in sources {
        assert!(path.starts_with("/graphiql/"), "{path}");
        let (status, headers, body) = get(&router, path, "127.0.0.1:8080").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable",
            "{path}"
        );
        let kind = headers[header::CONTENT_TYPE].to_str().unwrap();
        let expected = match path.rsplit('.').next() {
            Some("js") => "text/javascript",
            Some("css") => "text/css",
            _ => "text/plain",
        };
        assert!(kind.starts_with(expected), "{path}: {kind}");
        assert!(!body.is_empty(), "{path}");
        // Another address for the same name is not served.
        let name = path.rsplit('/').next().unwrap();
        let (status, _, _) = get(
            &router,
            &format!("/graphiql/0000000000000000/{name}"),
            "127.0.0.1:8080",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
    }
    // The licences of the embedded code travel with it.
    let licences = attributes(&html, "href")
        .into_iter()
        .find(|href| href.ends_with("/licenses.txt"))
        .unwrap();
    let (_, _, licences) = get(&router, licences, "127.0.0.1:8080").await;
    let licences = String::from_utf8(licences).unwrap();
    for package in ["react 18", "graphiql 4", "codemirror", "graphql-ws"] {
        assert!(licences.contains(package), "{package}");
    }
    assert!(licences.contains("MIT License"));
}

#[tokio::test]
async fn the_headers_pane_opens_ready_and_the_first_tab_runs_anonymously() {
    let app = TestApp::spawn().await;
    let router = router_with(&app, HttpPolicy::default()).await;
    let (_, html) = page(&router).await;
    let settings = settings(&html);
    let ready = json!({ "Authorization": "Bearer …" });
    let default_headers: Value =
        serde_json::from_str(settings["defaultHeaders"].as_str().unwrap()).unwrap();
    assert_eq!(default_headers, ready);
    let tabs = settings["defaultTabs"].as_array().unwrap();
    assert_eq!(tabs.len(), 4);
    for tab in tabs {
        let headers: Value = serde_json::from_str(tab["headers"].as_str().unwrap()).unwrap();
        assert_eq!(headers, ready, "{tab}");
    }
    // The page's script opens the Headers pane (the browser check in CI
    // sees it open).
    let script = attributes(&html, "src")
        .into_iter()
        .find(|src| src.ends_with("/page.js"))
        .unwrap();
    let (_, _, script) = get(&router, script, "127.0.0.1:8080").await;
    let script = String::from_utf8(script).unwrap();
    assert!(script.contains("defaultEditorToolsVisibility: 'headers'"));
    // The first tab needs no token: with "Bearer …" the page sends none.
    app.insert_cycle(YEAR).await;
    let institution = app.insert_institution("東京大学医学部附属病院").await;
    app.insert_course(
        "内科臨床研究医コース",
        FieldCode::InternalMedicine,
        institution,
        CourseStatus::Published,
    )
    .await;
    let first = tabs[0]["query"].as_str().unwrap();
    assert!(first.contains("query PublishedCourses"));
    let data = app.data(None, first, json!({})).await;
    assert_eq!(data["courses"]["totalCount"], 1);
    assert_eq!(data["courses"]["nodes"][0]["title"], "内科臨床研究医コース");
}

async fn identities(router: &Router) -> Vec<Value> {
    let (status, headers, body) = get(router, "/graphiql/dev/sign-in", "127.0.0.1:8080").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    serde_json::from_slice::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn sign_in_is_offered_with_dev_only() {
    let app = TestApp::spawn().await;
    let production = HttpPolicy {
        production: true,
        ..HttpPolicy::default()
    };
    for (name, policy) in [
        ("without --dev", HttpPolicy::default()),
        ("--production", production),
    ] {
        let router = router_with(&app, policy).await;
        let (status, _, _) = get(&router, "/graphiql/dev/sign-in", "127.0.0.1:8080").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        let (_, html) = page(&router).await;
        assert_eq!(settings(&html)["signIn"], Value::Null, "{name}");
        assert!(!html.contains("/graphiql/dev/"), "{name}");
    }
    let router = router_with(&app, dev()).await;
    let (_, html) = page(&router).await;
    assert_eq!(settings(&html)["signIn"], "/graphiql/dev/sign-in");
}

#[tokio::test]
async fn no_sign_in_when_tokens_come_from_an_identity_provider() {
    let app = TestApp::spawn().await;
    // A test-only Ed25519 public key (`openssl genpkey -algorithm ed25519`).
    let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAhoGJ/XXEv/RJkYAgU2Jk5wgGUC/MATIWZ29K+co0Kf8=\n-----END PUBLIC KEY-----\n";
    let keys = csc::auth::TokenKeys::from_public_key_pem(pem.as_bytes(), ISSUER, AUDIENCE).unwrap();
    let clock = Clock {
        fixed_today: Some(today()),
    };
    let state = AppState::new(app.db.clone(), keys, clock)
        .await
        .unwrap()
        .with_policy(dev());
    let router = build_router(state);
    let (status, _, _) = get(&router, "/graphiql/dev/sign-in", "127.0.0.1:8080").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = page(&router).await;
    assert_eq!(settings(&html)["signIn"], Value::Null);
}

#[tokio::test]
async fn sign_in_mints_a_working_token_for_each_role_in_the_data() {
    let app = TestApp::spawn().await;
    let router = router_with(&app, dev()).await;
    // An empty database: the board and a society only.
    let roles: Vec<Value> = identities(&router)
        .await
        .iter()
        .map(|i| i["role"].clone())
        .collect();
    assert_eq!(roles, vec![json!("ADMIN"), json!("SOCIETY")]);

    // A hospital without a course comes after one with a course.
    app.insert_institution("コースのない病院").await;
    let hospital = app.insert_institution("東京大学医学部附属病院").await;
    app.insert_cycle(YEAR).await;
    app.insert_course(
        "内科臨床研究医コース",
        FieldCode::InternalMedicine,
        hospital,
        CourseStatus::Draft,
    )
    .await;
    app.insert_applicant("doctor-0042", "123456").await;
    app.insert_applicant("doctor-0001", "654321").await;
    let identities = identities(&router).await;
    let expected = [
        ("ADMIN", "ADMIN"),
        ("SOCIETY", "内科"),
        ("INSTITUTION", "東京大学医学部附属病院"),
        ("APPLICANT", "doctor-0001"),
    ];
    assert_eq!(identities.len(), expected.len(), "{identities:?}");
    for (identity, (role, named)) in identities.iter().zip(expected) {
        assert_eq!(identity["role"], role);
        let label = identity["label"].as_str().unwrap();
        assert!(label.contains(named), "{label}");
        let token = identity["token"].as_str().unwrap();
        let data = app
            .data(
                Some(token),
                "{ viewer { role subject society { code } institution { name } applicant { fullName } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["viewer"]["role"], role, "{data}");
        match role {
            "SOCIETY" => assert_eq!(data["viewer"]["society"]["code"], "INTERNAL_MEDICINE"),
            "INSTITUTION" => assert_eq!(
                data["viewer"]["institution"]["name"],
                "東京大学医学部附属病院"
            ),
            "APPLICANT" => {
                assert_eq!(data["viewer"]["subject"], "doctor-0001");
                assert_eq!(data["viewer"]["applicant"]["fullName"], "医師 doctor-0001");
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn sign_in_refuses_a_request_addressed_by_another_name() {
    let app = TestApp::spawn().await;
    let router = router_with(&app, dev()).await;
    // A DNS name re-pointed at 127.0.0.1 (DNS rebinding) gets no token.
    let (status, _, body) = get(&router, "/graphiql/dev/sign-in", "csc.evil.example:8080").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!String::from_utf8(body).unwrap().contains("ey"));
    let (status, _, _) = get(&router, "/graphiql/dev/sign-in", "localhost:8080").await;
    assert_eq!(status, StatusCode::OK);
}
