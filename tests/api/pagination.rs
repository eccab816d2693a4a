//! Relay connections: a default page of 20, a cap of 100, opaque cursors and
//! counts, shown on the public `institutions` list.

use crate::helpers::{TestApp, error_code, error_field, gid, ids_of};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use csc::ids;
use serde_json::{Value, json};

const PAGE: &str = "query($first: Int, $after: String) {
    institutions(first: $first, after: $after) {
        totalCount
        nodes { id }
        edges { cursor node { id } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}";

async fn insert_institutions(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 1..=n {
        let id = app.insert_institution(&format!("病院 {i}")).await;
        ids.push(gid(ids::INSTITUTION, id));
    }
    ids
}

async fn page(app: &TestApp, first: Option<i64>, after: Option<&str>) -> Value {
    let data = app
        .data(None, PAGE, json!({ "first": first, "after": after }))
        .await;
    data["institutions"].clone()
}

#[tokio::test]
async fn default_page_then_the_rest() {
    let app = TestApp::spawn().await;
    let all = insert_institutions(&app, 25).await;

    let first = page(&app, None, None).await;
    assert_eq!(ids_of(&first["nodes"]), all[..20]);
    assert_eq!(first["totalCount"], 25);
    let info = &first["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    assert_eq!(info["hasPreviousPage"], false);
    let edges = first["edges"].as_array().unwrap();
    assert_eq!(info["startCursor"], edges[0]["cursor"]);
    assert_eq!(info["endCursor"], edges[19]["cursor"]);

    let end = info["endCursor"].as_str().unwrap();
    let second = page(&app, None, Some(end)).await;
    assert_eq!(ids_of(&second["nodes"]), all[20..]);
    assert_eq!(second["totalCount"], 25);
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    assert_eq!(second["pageInfo"]["hasPreviousPage"], true);

    // Any edge's cursor continues right after that edge.
    let cursor = edges[4]["cursor"].as_str().unwrap();
    let from_fifth = page(&app, Some(3), Some(cursor)).await;
    assert_eq!(ids_of(&from_fifth["nodes"]), all[5..8]);
    assert_eq!(from_fifth["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn an_exact_last_page_has_no_next_page() {
    let app = TestApp::spawn().await;
    let all = insert_institutions(&app, 25).await;
    let whole = page(&app, Some(25), None).await;
    assert_eq!(ids_of(&whole["nodes"]), all);
    assert_eq!(whole["pageInfo"]["hasNextPage"], false);

    let end = whole["pageInfo"]["endCursor"].as_str().unwrap();
    let after_last = page(&app, None, Some(end)).await;
    assert_eq!(after_last["nodes"], json!([]));
    assert_eq!(after_last["pageInfo"]["hasNextPage"], false);
    assert_eq!(after_last["pageInfo"]["endCursor"], Value::Null);
    assert_eq!(after_last["totalCount"], 25);
}

#[tokio::test]
async fn first_is_capped_at_100() {
    let app = TestApp::spawn().await;
    let all = insert_institutions(&app, 105).await;

    let capped = page(&app, Some(1000), None).await;
    assert_eq!(ids_of(&capped["nodes"]), all[..100]);
    assert_eq!(capped["totalCount"], 105);
    assert_eq!(capped["pageInfo"]["hasNextPage"], true);

    let end = capped["pageInfo"]["endCursor"].as_str().unwrap();
    let rest = page(&app, Some(1000), Some(end)).await;
    assert_eq!(ids_of(&rest["nodes"]), all[100..]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn negative_first_is_bad_user_input() {
    let app = TestApp::spawn().await;
    insert_institutions(&app, 3).await;
    let (_, json) = app
        .gql(None, PAGE, json!({ "first": -1, "after": null }))
        .await;
    assert_eq!(
        error_code(&json).as_deref(),
        Some("BAD_USER_INPUT"),
        "{json}"
    );
    assert_eq!(error_field(&json).as_deref(), Some("first"), "{json}");
}

#[tokio::test]
async fn an_invalid_cursor_is_bad_user_input() {
    let app = TestApp::spawn().await;
    insert_institutions(&app, 3).await;
    let not_a_number = URL_SAFE_NO_PAD.encode("cursor:abc");
    for cursor in ["garbage", &not_a_number, &"A".repeat(100)] {
        let (_, json) = app
            .gql(None, PAGE, json!({ "first": null, "after": cursor }))
            .await;
        assert_eq!(
            error_code(&json).as_deref(),
            Some("BAD_USER_INPUT"),
            "{cursor}: {json}"
        );
        assert_eq!(
            error_field(&json).as_deref(),
            Some("after"),
            "{cursor}: {json}"
        );
    }
}

#[tokio::test]
async fn total_count_of_an_empty_list() {
    let app = TestApp::spawn().await;
    let empty = page(&app, None, None).await;
    assert_eq!(empty["totalCount"], 0);
    assert_eq!(empty["nodes"], json!([]));
    assert_eq!(
        empty["pageInfo"],
        json!({ "hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null })
    );
}

/// Relay: with `first`, hasNextPage is true when more edges follow than
/// `first`; with `first: 0` and a non-empty list, that is every edge.
#[tokio::test]
async fn first_zero_still_tells_that_rows_follow() {
    let app = TestApp::spawn().await;
    insert_institutions(&app, 3).await;
    let empty = page(&app, Some(0), None).await;
    assert_eq!(empty["nodes"], json!([]));
    assert_eq!(empty["totalCount"], 3);
    assert_eq!(empty["pageInfo"]["hasNextPage"], true);
}
