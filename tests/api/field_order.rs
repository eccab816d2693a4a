//! The answer's keys follow the query's selection order (the GraphQL spec's
//! "Serialized Map Ordering"; front ends snapshot-test on it). Checked on the
//! raw bytes: parsing into a map would hide the order.

use crate::helpers::{TestApp, YEAR};
use axum::body::Body;
use axum::http::{Method, Request, header};
use csc::entity::enums::{CourseStatus, FieldCode};
use serde_json::json;

/// The body exactly as served.
async fn raw(app: &TestApp, query: &str) -> String {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "query": query }).to_string()))
        .unwrap();
    let (_, _, body) = app.send(request).await;
    body
}

/// Where each of `keys` first appears in `body`, asserting they come in order.
fn assert_in_order(body: &str, keys: &[&str]) {
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            body.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("no key {k} in {body}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "keys {keys:?} at {positions:?} are out of the query's order in {body}"
    );
}

#[tokio::test]
async fn keys_follow_the_selection_order_in_the_raw_body() {
    let app = TestApp::spawn().await;
    app.insert_cycle(YEAR).await;
    let hospital = app.insert_institution("京都大学医学部附属病院").await;
    app.insert_course(
        "臨床研究医コース",
        FieldCode::InternalMedicine,
        hospital,
        CourseStatus::Published,
    )
    .await;

    let body = raw(
        &app,
        "{ courses(first: 5) { totalCount nodes { title researchHost { name } clinicalSites { role } id } pageInfo { hasNextPage endCursor } } }",
    )
    .await;
    assert_in_order(
        &body,
        &[
            "totalCount",
            "nodes",
            "title",
            "researchHost",
            "clinicalSites",
            "id",
            "pageInfo",
        ],
    );
    // The reverse order is kept just as well.
    let body = raw(
        &app,
        "{ courses(first: 5) { pageInfo { endCursor hasNextPage } nodes { id clinicalSites { role } researchHost { name } title } totalCount } }",
    )
    .await;
    assert_in_order(
        &body,
        &[
            "pageInfo",
            "endCursor",
            "hasNextPage",
            "nodes",
            "id",
            "clinicalSites",
            "researchHost",
            "title",
            "totalCount",
        ],
    );
    // Aliases, fragments and __typename take their place in the selection.
    let body = raw(
        &app,
        "{ b: societies { code } ... on Query { a: courses(first: 1) { __typename nodes { id } } } }",
    )
    .await;
    assert_in_order(&body, &["b", "a", "__typename", "nodes"]);
}
