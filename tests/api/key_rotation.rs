//! Key rotation (`JWT_JWKS_FILE`): keys chosen by `kid`, reloaded when the
//! file changes without a restart; old and new keys both verify during the
//! overlap, a removed key no longer does, and a token without a known `kid`
//! is refused. (SIGHUP on the real process: tests/process.rs,
//! `sighup_reloads_the_key_set_without_a_restart`.)

use crate::helpers::{AUDIENCE, ISSUER, TestApp, error_code, today};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use csc::auth::{Grant, TokenKeys};
use csc::clock::Clock;
use csc::entity::enums::Role;
use csc::jwks::{self, KeySet};
use csc::startup::build_router;
use csc::state::AppState;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const SECRET_1: &str = "rotation-secret-number-one-0123456789";
const SECRET_2: &str = "rotation-secret-number-two-0123456789";
/// A test-only Ed25519 key pair (the identity provider's, in
/// tests/api/resilience.rs): its public key as a JWK `x`.
const ED25519_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEICTuKKpDvNCVv1k0FwMwXg2nVxgdgEXP73IjCZd5uzRg
-----END PRIVATE KEY-----
";
const ED25519_X: &str = "hoGJ_XXEv_RJkYAgU2Jk5wgGUC_MATIWZ29K-co0Kf8";
/// A test-only RSA key (`openssl genrsa 2048`) and its modulus.
const RSA_PRIVATE_PEM: &str = include_str!("../fixtures/keys/rsa-test-only.pem");
const RSA_N: &str = "m7xMvf3M6rXdEAHc_KT88QKphHK8Y4wcDUV71liYYHq4d1TrCJoyD2RQmUiFFeTZXhkOWKC-B0EonU_oaA5vZ4eJfg8MQGvSa1mSvPYapWDrXE04oVyo-XNkFmy3OyGhWZl-BjqOzumBr21MdYvFhrG8kiVQc3Xlziau182g6CVb0r8jtwy8uXUXh1AGUqkZsPhDU0dVpxZ1BNgFGrV13ocZ8whb4txV6Sd2xalt24zCpiPCaur9EHNBz4RD8lX5LYbeV63_p9sVfscmy0QUgspag8izOeyA83NDXhb8STJ1cvD4xsP8AqKYmhim_mmv4-Rd7B_WIT0QIofn0ZYpdQ";

fn oct(kid: &str, secret: &str) -> Value {
    use base64::Engine;
    let k = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    json!({ "kty": "oct", "kid": kid, "alg": "HS256", "k": k })
}

fn okp(kid: &str) -> Value {
    json!({ "kty": "OKP", "crv": "Ed25519", "kid": kid, "x": ED25519_X })
}

fn rsa(kid: &str) -> Value {
    json!({ "kty": "RSA", "kid": kid, "alg": "RS256", "n": RSA_N, "e": "AQAB" })
}

fn jwks(keys: &[Value]) -> Vec<u8> {
    json!({ "keys": keys }).to_string().into_bytes()
}

fn claims() -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": "board-staff-1", "role": "ADMIN", "iss": ISSUER, "aud": AUDIENCE,
            "exp": now + 600, "iat": now, "nbf": now })
}

fn signed(algorithm: Algorithm, kid: Option<&str>, key: &EncodingKey) -> String {
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, &claims(), key).unwrap()
}

fn hs256(kid: Option<&str>, secret: &str) -> String {
    signed(
        Algorithm::HS256,
        kid,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
}

/// The real router over the test database, verifying with `keys`.
async fn router_with(app: &TestApp, keys: TokenKeys) -> Router {
    let clock = Clock {
        fixed_today: Some(today()),
    };
    build_router(AppState::new(app.db.clone(), keys, clock).await.unwrap())
}

/// HTTP status and `viewer.role` (or the error code) for `token`.
async fn call(router: &Router, token: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(
            json!({ "query": "{ viewer { role } }" }).to_string(),
        ))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let json: Value = serde_json::from_slice(&bytes).unwrap();
    let outcome = json["data"]["viewer"]["role"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| error_code(&json))
        .unwrap_or_else(|| json.to_string());
    (status, outcome)
}

async fn assert_accepted(router: &Router, token: &str, case: &str) {
    assert_eq!(
        call(router, token).await,
        (StatusCode::OK, "ADMIN".into()),
        "{case}"
    );
}

async fn assert_refused(router: &Router, token: &str, case: &str) {
    assert_eq!(
        call(router, token).await,
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED".into()),
        "{case}"
    );
}

/// Waits (at most 10 s) until `token` gets `expected` from `router`.
async fn until(router: &Router, token: &str, accepted: bool, case: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _) = call(router, token).await;
        if (status == StatusCode::OK) == accepted {
            return;
        }
        assert!(Instant::now() < deadline, "{case}: no reload within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn write(path: &Path, bytes: &[u8]) {
    // Write then rename, as a deployment tool would: never half a file.
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

#[tokio::test]
async fn keys_are_chosen_by_kid_of_each_type() {
    let app = TestApp::spawn().await;
    let set = KeySet::parse(&jwks(&[oct("hs-1", SECRET_1), okp("ed-1"), rsa("rs-1")])).unwrap();
    let keys = TokenKeys::from_key_set(set, ISSUER, AUDIENCE);
    let router = router_with(&app, keys.clone()).await;
    let ed = EncodingKey::from_ed_pem(ED25519_PRIVATE_PEM.as_bytes()).unwrap();
    let rs = EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).unwrap();

    assert_accepted(&router, &hs256(Some("hs-1"), SECRET_1), "HS256 by kid").await;
    assert_accepted(
        &router,
        &signed(Algorithm::EdDSA, Some("ed-1"), &ed),
        "EdDSA by kid",
    )
    .await;
    assert_accepted(
        &router,
        &signed(Algorithm::RS256, Some("rs-1"), &rs),
        "RS256 by kid",
    )
    .await;
    // `csc token --kid` signs with the set's secret.
    let grant = Grant {
        subject: "board-staff-1".into(),
        role: Role::Admin,
        society: None,
        institution_id: None,
    };
    let issued = keys
        .clone()
        .signing_with("hs-1")
        .unwrap()
        .issue(&grant, 600);
    assert_eq!(
        jsonwebtoken::decode_header(&issued).unwrap().kid.as_deref(),
        Some("hs-1")
    );
    assert_accepted(&router, &issued, "issued with --kid").await;
    assert!(
        keys.clone().signing_with("ed-1").is_err(),
        "a public key cannot sign"
    );
    assert!(!keys.can_issue(), "no kid chosen");

    assert_refused(&router, &hs256(None, SECRET_1), "no kid").await;
    assert_refused(&router, &hs256(Some("hs-9"), SECRET_1), "unknown kid").await;
    assert_refused(&router, &hs256(Some("hs-1"), SECRET_2), "the wrong secret").await;
    assert_refused(
        &router,
        &signed(Algorithm::EdDSA, Some("hs-1"), &ed),
        "EdDSA under an HS256 kid",
    )
    .await;
    assert_refused(
        &router,
        &signed(Algorithm::RS256, Some("ed-1"), &rs),
        "RS256 under an EdDSA kid",
    )
    .await;
    // Algorithm confusion: HS256 keyed with the public key's bytes.
    assert_refused(
        &router,
        &hs256(Some("ed-1"), ED25519_X),
        "HS256 under an EdDSA kid",
    )
    .await;
}

#[tokio::test]
async fn a_rotation_needs_no_restart() {
    let app = TestApp::spawn().await;
    let dir = std::env::temp_dir().join(format!("csc-jwks-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jwks.json");
    write(&path, &jwks(&[oct("2026-01", SECRET_1)]));

    let (set, _) = KeySet::load(&path).unwrap();
    let keys = TokenKeys::from_key_set(set, ISSUER, AUDIENCE);
    let router = router_with(&app, keys.clone()).await;
    jwks::watch(keys, path.clone(), Duration::from_millis(20));
    let old = hs256(Some("2026-01"), SECRET_1);
    let new = hs256(Some("2026-02"), SECRET_2);
    assert_accepted(&router, &old, "before the rotation").await;
    assert_refused(&router, &new, "the new key is not published yet").await;

    // The provider publishes the new key beside the old one: both verify.
    write(
        &path,
        &jwks(&[oct("2026-01", SECRET_1), oct("2026-02", SECRET_2)]),
    );
    until(&router, &new, true, "the new key is published").await;
    assert_accepted(&router, &old, "the old key during the overlap").await;
    assert_accepted(&router, &new, "the new key during the overlap").await;

    // A broken file is refused whole; the keys in use stay.
    write(&path, b"{ \"keys\": [ { \"kty\": \"oct\" } ] }");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_accepted(&router, &old, "after a broken file").await;
    assert_accepted(&router, &new, "after a broken file").await;

    // The old key is retired.
    write(&path, &jwks(&[oct("2026-02", SECRET_2)]));
    until(&router, &old, false, "the old key is removed").await;
    assert_refused(&router, &old, "the old key after its removal").await;
    assert_accepted(&router, &new, "the new key after the rotation").await;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_key_sets_are_refused_whole() {
    let cases = [
        (json!({ "keys": [] }), "empty"),
        (
            json!({ "keys": [ { "kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA" } ] }),
            "no kid",
        ),
        (
            json!({ "keys": [ oct("short", "too-short") ] }),
            "a secret under 32 bytes",
        ),
        (
            json!({ "keys": [ oct("a", SECRET_1), oct("a", SECRET_2) ] }),
            "a kid twice",
        ),
        (
            json!({ "keys": [ { "kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA" } ] }),
            "an EC key",
        ),
        (
            json!({ "keys": [ { "kty": "oct", "kid": "x", "alg": "RS256", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA" } ] }),
            "alg against kty",
        ),
        (
            json!({ "keys": [ oct("ok", SECRET_1), { "kty": "RSA", "kid": "bad", "n": "!!", "e": "AQAB" } ] }),
            "one bad key among good ones",
        ),
        (json!([1, 2]), "not a JWKS"),
    ];
    for (document, case) in cases {
        let bytes = document.to_string().into_bytes();
        assert!(KeySet::parse(&bytes).is_err(), "{case}");
    }
    assert!(KeySet::parse(&jwks(&[oct("ok", SECRET_1), okp("ed"), rsa("rs")])).is_ok());
}
