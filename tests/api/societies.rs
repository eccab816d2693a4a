//! The 19 basic-field societies, public to anyone.

use crate::helpers::{TestApp, gid};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use csc::ids;
use serde_json::json;

const OFFICIAL_ORDER: [&str; 19] = [
    "INTERNAL_MEDICINE",
    "PEDIATRICS",
    "DERMATOLOGY",
    "PSYCHIATRY",
    "SURGERY",
    "ORTHOPEDICS",
    "OBSTETRICS_GYNECOLOGY",
    "OPHTHALMOLOGY",
    "OTOLARYNGOLOGY",
    "UROLOGY",
    "NEUROSURGERY",
    "RADIOLOGY",
    "ANESTHESIOLOGY",
    "PATHOLOGY",
    "LABORATORY_MEDICINE",
    "EMERGENCY_MEDICINE",
    "PLASTIC_SURGERY",
    "REHABILITATION_MEDICINE",
    "GENERAL_PRACTICE",
];

#[tokio::test]
async fn anonymous_lists_the_19_societies_in_the_official_order() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            None,
            "{ societies { code fieldNameJa nameJa operatedByBoard } }",
            json!({}),
        )
        .await;
    let societies = data["societies"].as_array().unwrap();
    let codes: Vec<&str> = societies
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, OFFICIAL_ORDER);

    let first = &societies[0];
    assert_eq!(first["fieldNameJa"], "内科");
    assert_eq!(first["nameJa"], "日本内科学会");
    assert_eq!(first["operatedByBoard"], false);

    let last = &societies[18];
    assert_eq!(last["fieldNameJa"], "総合診療");
    assert_eq!(last["nameJa"], "日本専門医機構");
    assert_eq!(last["operatedByBoard"], true);

    let by_board = societies
        .iter()
        .filter(|s| s["operatedByBoard"] == true)
        .count();
    assert_eq!(by_board, 1, "only general practice is run by the board");
}

#[tokio::test]
async fn society_by_code() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            None,
            "query($code: FieldCode!) { society(code: $code) { code fieldNameJa nameJa operatedByBoard } }",
            json!({ "code": "PEDIATRICS" }),
        )
        .await;
    assert_eq!(
        data["society"],
        json!({
            "code": "PEDIATRICS",
            "fieldNameJa": "小児科",
            "nameJa": "日本小児科学会",
            "operatedByBoard": false,
        })
    );
}

#[tokio::test]
async fn node_round_trips_a_society() {
    let app = TestApp::spawn().await;
    let data = app
        .data(None, "{ society(code: UROLOGY) { id code } }", json!({}))
        .await;
    let id = data["society"]["id"].as_str().unwrap().to_owned();
    assert_eq!(data["society"]["code"], "UROLOGY");

    let data = app
        .data(
            None,
            "query($id: ID!) { node(id: $id) { __typename id ... on Society { code nameJa } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["node"],
        json!({ "__typename": "Society", "id": id, "code": "UROLOGY", "nameJa": "日本泌尿器科学会" })
    );
}

#[tokio::test]
async fn node_with_a_foreign_or_garbled_id_is_null() {
    let app = TestApp::spawn().await;
    let unknown_society = gid(ids::SOCIETY, 999);
    let unknown_type = URL_SAFE_NO_PAD.encode("Foo:1");
    for id in ["not-an-id", "", &unknown_society, &unknown_type] {
        let data = app
            .data(
                None,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(data["node"].is_null(), "{id}: {data}");
    }
}
