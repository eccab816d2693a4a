//! Bearer tokens: a bad token stops the request with HTTP 401 and
//! UNAUTHENTICATED, never falling back to anonymous; no token is anonymous.

use crate::helpers::{AUDIENCE, ISSUER, SECRET, TestApp, error_code, gid};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use csc::auth::{Claims, Grant, TokenKeys};
use csc::entity::enums::{FieldCode, Role};
use csc::ids;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const VIEWER: &str = "{ viewer { role subject society { code } institution { id name } } }";

fn admin_grant() -> Grant {
    Grant {
        subject: "board-staff-1".into(),
        role: Role::Admin,
        society: None,
        institution_id: None,
    }
}

/// Claims that would be valid for the test keys, for tampering with.
fn valid_claims(role: &str) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: "someone".into(),
        role: role.into(),
        society: None,
        institution: None,
        client: None,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        exp: now + 600,
        iat: now,
        nbf: now,
    }
}

fn sign(header: &Header, claims: &Claims) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

/// The request is refused before any resolver runs.
async fn assert_refused(app: &TestApp, token: &str) {
    let (status, json) = app.gql(Some(token), VIEWER, json!({})).await;
    assert_refused_response(status, &json);
}

fn assert_refused_response(status: StatusCode, json: &Value) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{json}");
    assert_eq!(
        error_code(json).as_deref(),
        Some("UNAUTHENTICATED"),
        "{json}"
    );
    assert!(
        json.get("data").is_none(),
        "a refused request has no data: {json}"
    );
}

#[tokio::test]
async fn garbage_token() {
    let app = TestApp::spawn().await;
    assert_refused(&app, "not-a-jwt").await;
    assert_refused(&app, "a.b.c").await;
}

#[tokio::test]
async fn authorization_header_that_is_not_a_bearer_token() {
    let app = TestApp::spawn().await;
    let token = app.admin();
    for header in [format!("Basic {token}"), "Bearer ".to_owned(), token] {
        let (status, json) = app
            .gql_with_authorization(Some(&header), VIEWER, json!({}))
            .await;
        assert_refused_response(status, &json);
    }
}

#[tokio::test]
async fn wrong_signature() {
    let app = TestApp::spawn().await;
    let other =
        TokenKeys::new("another-secret-another-secret-another!!", ISSUER, AUDIENCE).unwrap();
    assert_refused(&app, &other.issue(&admin_grant(), 600)).await;
}

#[tokio::test]
async fn expired_token() {
    let app = TestApp::spawn().await;
    assert_refused(&app, &app.keys.issue(&admin_grant(), -3600)).await;
}

#[tokio::test]
async fn wrong_issuer() {
    let app = TestApp::spawn().await;
    let other = TokenKeys::new(SECRET, "someone-else", AUDIENCE).unwrap();
    assert_refused(&app, &other.issue(&admin_grant(), 600)).await;
}

#[tokio::test]
async fn wrong_audience() {
    let app = TestApp::spawn().await;
    let other = TokenKeys::new(SECRET, ISSUER, "another-api").unwrap();
    assert_refused(&app, &other.issue(&admin_grant(), 600)).await;
}

#[tokio::test]
async fn unknown_role() {
    let app = TestApp::spawn().await;
    let token = sign(&Header::new(Algorithm::HS256), &valid_claims("SUPERUSER"));
    assert_refused(&app, &token).await;
    // The same claims with a known role pass, so the role is what was refused.
    let token = sign(&Header::new(Algorithm::HS256), &valid_claims("ADMIN"));
    let data = app.data(Some(&token), VIEWER, json!({})).await;
    assert_eq!(data["viewer"]["role"], "ADMIN");
}

#[tokio::test]
async fn algorithm_other_than_hs256() {
    let app = TestApp::spawn().await;
    let token = sign(&Header::new(Algorithm::HS512), &valid_claims("ADMIN"));
    assert_refused(&app, &token).await;
}

#[tokio::test]
async fn society_token_without_a_society() {
    let app = TestApp::spawn().await;
    assert_refused(&app, &app.token(Role::Society, None, None, "society-staff")).await;
}

#[tokio::test]
async fn society_token_with_an_unknown_field() {
    let app = TestApp::spawn().await;
    let mut claims = valid_claims("SOCIETY");
    claims.society = Some("CARDIOLOGY".into());
    assert_refused(&app, &sign(&Header::new(Algorithm::HS256), &claims)).await;
}

/// GENERAL_PRACTICE has no society (the board runs it): no token speaks for it.
#[tokio::test]
async fn society_token_for_general_practice() {
    let app = TestApp::spawn().await;
    assert_refused(&app, &app.society(FieldCode::GeneralPractice)).await;
    let mut claims = valid_claims("SOCIETY");
    claims.society = Some("GENERAL_PRACTICE".into());
    assert_refused(&app, &sign(&Header::new(Algorithm::HS256), &claims)).await;
}

#[tokio::test]
async fn scope_claims_on_the_wrong_role() {
    let app = TestApp::spawn().await;
    let institution = app.insert_institution("東京大学医学部附属病院").await;
    // An admin token naming a society, an applicant token naming an institution.
    assert_refused(
        &app,
        &app.token(Role::Admin, Some(FieldCode::Surgery), None, "x"),
    )
    .await;
    assert_refused(
        &app,
        &app.token(Role::Applicant, None, Some(institution), "x"),
    )
    .await;
}

#[tokio::test]
async fn institution_token_naming_a_nonexistent_institution() {
    let app = TestApp::spawn().await;
    assert_refused(&app, &app.institution(4242)).await;
    // A global ID of another type in the institution claim.
    let mut claims = valid_claims("INSTITUTION");
    claims.institution = Some(gid(ids::COURSE, 1));
    assert_refused(&app, &sign(&Header::new(Algorithm::HS256), &claims)).await;
}

#[tokio::test]
async fn unsigned_alg_none_token() {
    let app = TestApp::spawn().await;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_string(&valid_claims("ADMIN")).unwrap());
    assert_refused(&app, &format!("{header}.{payload}.")).await;
}

#[tokio::test]
async fn no_authorization_header_is_anonymous() {
    let app = TestApp::spawn().await;
    let (status, json) = app.gql(None, VIEWER, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(json.get("errors").is_none(), "{json}");
    assert_eq!(
        json["data"]["viewer"],
        json!({ "role": null, "subject": null, "society": null, "institution": null })
    );
}

#[tokio::test]
async fn valid_tokens_show_the_viewer() {
    let app = TestApp::spawn().await;
    let institution = app.insert_institution("京都大学医学部附属病院").await;

    let data = app.data(Some(&app.admin()), VIEWER, json!({})).await;
    assert_eq!(
        data["viewer"],
        json!({ "role": "ADMIN", "subject": "board-staff-1", "society": null, "institution": null })
    );

    let data = app
        .data(Some(&app.society(FieldCode::Pediatrics)), VIEWER, json!({}))
        .await;
    assert_eq!(
        data["viewer"],
        json!({
            "role": "SOCIETY",
            "subject": "society-staff-1",
            "society": { "code": "PEDIATRICS" },
            "institution": null,
        })
    );

    let data = app
        .data(Some(&app.institution(institution)), VIEWER, json!({}))
        .await;
    assert_eq!(
        data["viewer"],
        json!({
            "role": "INSTITUTION",
            "subject": "director-1",
            "society": null,
            "institution": { "id": gid(ids::INSTITUTION, institution), "name": "京都大学医学部附属病院" },
        })
    );

    let data = app
        .data(
            Some(&app.applicant("doctor-9")),
            "{ viewer { role subject applicant { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["viewer"],
        json!({ "role": "APPLICANT", "subject": "doctor-9", "applicant": null })
    );
}
