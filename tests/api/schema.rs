//! The served contract: the SDL on disk, the introspected roots, and the
//! plain HTTP routes.

use crate::helpers::TestApp;
use axum::http::{StatusCode, header};
use serde_json::json;

fn sdl_on_disk() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    std::fs::read_to_string(path).expect("schema.graphql at the repository root")
}

/// The lines of the SDL block that starts with `opening`, up to its `}`.
fn block<'a>(sdl: &'a str, opening: &str) -> Vec<&'a str> {
    sdl.lines()
        .skip_while(|line| *line != opening)
        .skip(1)
        .take_while(|line| *line != "}")
        .collect()
}

#[tokio::test]
async fn schema_file_matches_the_served_sdl() {
    let on_disk = sdl_on_disk();
    let served = csc::graphql::sdl();
    assert!(
        on_disk == served,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn sdl_declares_every_error_code() {
    let sdl = csc::graphql::sdl();
    let values: Vec<&str> = block(&sdl, "enum ErrorCode {")
        .into_iter()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .filter(|line| line.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    assert_eq!(
        values,
        [
            "UNAUTHENTICATED",
            "FORBIDDEN",
            "NOT_FOUND",
            "BAD_USER_INPUT",
            "INELIGIBLE",
            "WRONG_PHASE",
            "QUOTA_EXCEEDED",
            "INSTITUTION_SUSPENDED",
            "CONFLICT",
            "QUERY_TOO_COMPLEX",
            "INTERNAL",
        ]
    );
}

#[tokio::test]
async fn root_types_are_query_mutation_and_subscription() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            None,
            "{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    assert_eq!(data["__schema"]["mutationType"]["name"], "Mutation");
    assert_eq!(data["__schema"]["subscriptionType"]["name"], "Subscription");

    let sdl = csc::graphql::sdl();
    assert_eq!(
        block(&sdl, "schema {"),
        [
            "\tquery: Query",
            "\tmutation: Mutation",
            "\tsubscription: Subscription"
        ]
    );
}

#[tokio::test]
async fn get_schema_graphql_serves_the_sdl() {
    let app = TestApp::spawn().await;
    let (status, headers, body) = app.get("/schema.graphql").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "{headers:?}"
    );
    assert!(
        body == csc::graphql::sdl(),
        "GET /schema.graphql differs from sdl()"
    );
    assert!(
        body == sdl_on_disk(),
        "GET /schema.graphql differs from schema.graphql"
    );
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let (status, _, body) = app.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
    let (status, _, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "ready");
}

#[tokio::test]
async fn get_graphql_serves_graphiql() {
    let app = TestApp::spawn().await;
    let (status, headers, body) = app.get("/graphql").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{headers:?}"
    );
    assert!(body.contains("graphiql"), "no GraphiQL in: {body}");
}
