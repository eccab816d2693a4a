//! Registering hospitals (createInstitution, setCertifiedFields) and doctors
//! (registerApplicant): roles, validation, conflicts, audit, and that a
//! refused call changes nothing.

use crate::helpers::{TestApp, assert_error, error_code};
use csc::entity::enums::FieldCode;
use serde_json::{Value, json};

const CREATE_INSTITUTION: &str = "mutation($input: CreateInstitutionInput!) {
    createInstitution(input: $input) { id name nameEn kind prefecture certifiedTrainingFacility }
}";

const REGISTER_APPLICANT: &str = "mutation($input: RegisterApplicantInput!) {
    registerApplicant(input: $input) { id fullName email medicalLicenseNumber university }
}";

fn institution_input() -> Value {
    json!({
        "name": "東京大学医学部附属病院",
        "nameEn": "The University of Tokyo Hospital",
        "kind": "UNIVERSITY_HOSPITAL",
        "prefecture": "東京都",
        "certifiedTrainingFacility": true,
    })
}

fn applicant_input(license: &str) -> Value {
    json!({
        "fullName": "山田 太郎",
        "fullNameKana": "ヤマダ タロウ",
        "email": "taro.yamada@example.ac.jp",
        "medicalLicenseNumber": license,
        "university": "東京大学",
        "graduationYear": 2023,
        "initialTrainingCompletedOn": "2025-03-31",
        "obligatedServiceGraduate": false,
        "regionalQuotaObligation": false,
    })
}

fn with(mut input: Value, key: &str, value: &str) -> Value {
    input[key] = json!(value);
    input
}

async fn institutions_total(app: &TestApp) -> Value {
    app.data(None, "{ institutions { totalCount } }", json!({}))
        .await["institutions"]["totalCount"]
        .clone()
}

// --- createInstitution -------------------------------------------------------------

#[tokio::test]
async fn admin_creates_an_institution_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            Some(&app.admin()),
            CREATE_INSTITUTION,
            json!({ "input": institution_input() }),
        )
        .await;
    let created = &data["createInstitution"];
    assert_eq!(created["name"], "東京大学医学部附属病院");
    assert_eq!(created["nameEn"], "The University of Tokyo Hospital");
    assert_eq!(created["kind"], "UNIVERSITY_HOSPITAL");
    assert_eq!(created["prefecture"], "東京都");
    assert_eq!(created["certifiedTrainingFacility"], true);
    let id = created["id"].as_str().unwrap();

    let data = app
        .data(
            None,
            "query($id: ID!) { node(id: $id) { ... on Institution { id name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["node"]["name"], "東京大学医学部附属病院");
    assert_eq!(institutions_total(&app).await, 1);

    let events = app.audit_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["operation"], "createInstitution");
    assert_eq!(events[0]["outcome"], "OK");
    assert_eq!(events[0]["role"], "ADMIN");
    assert_eq!(events[0]["subject"], "board-staff-1");
    assert_eq!(events[0]["targetId"], id);
}

/// I.3(3): partner sites are certified training facilities of each
/// field's regular programs, so certification is kept per field. Without
/// `certifiedFields` the flag certifies every field (docs/guideline.md).
#[tokio::test]
async fn an_institution_is_certified_per_field_i_3_3() {
    let app = TestApp::spawn().await;
    let fields = "id certifiedTrainingFacility certifiedFields";
    let create = format!(
        "mutation($input: CreateInstitutionInput!) {{ createInstitution(input: $input) {{ {fields} }} }}"
    );
    let admin = app.admin();
    let mut input = institution_input();
    let all = app
        .data(Some(&admin), &create, json!({ "input": input.clone() }))
        .await;
    assert_eq!(
        all["createInstitution"]["certifiedFields"]
            .as_array()
            .unwrap()
            .len(),
        19
    );

    input["name"] = json!("市立病院");
    input["kind"] = json!("PUBLIC_HOSPITAL");
    input["certifiedFields"] = json!(["SURGERY", "INTERNAL_MEDICINE", "SURGERY"]);
    let some = app
        .data(Some(&admin), &create, json!({ "input": input.clone() }))
        .await;
    assert_eq!(
        some["createInstitution"]["certifiedFields"],
        json!(["INTERNAL_MEDICINE", "SURGERY"]),
        "distinct, in the official order"
    );
    let id = some["createInstitution"]["id"].as_str().unwrap().to_owned();

    input["certifiedTrainingFacility"] = json!(false);
    let (_, json) = app
        .gql(Some(&admin), &create, json!({ "input": input }))
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("input.certifiedFields"));
    assert_eq!(institutions_total(&app).await, 2);

    let set = format!(
        "mutation($id: ID!, $f: [FieldCode!]!) {{ setCertifiedFields(institutionId: $id, fields: $f) {{ {fields} }} }}"
    );
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::Surgery)),
            &set,
            json!({ "id": id, "f": ["PEDIATRICS"] }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    let none = app
        .data(Some(&admin), &set, json!({ "id": id, "f": [] }))
        .await;
    assert_eq!(
        none["setCertifiedFields"],
        json!({ "id": id, "certifiedTrainingFacility": false, "certifiedFields": [] })
    );
}

#[tokio::test]
async fn society_may_not_create_an_institution() {
    let app = TestApp::spawn().await;
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::Surgery)),
            CREATE_INSTITUTION,
            json!({ "input": institution_input() }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    assert_eq!(institutions_total(&app).await, 0);
    assert_eq!(app.institution_rows().await, 0);

    // The refusal itself is audited.
    let events = app.audit_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["operation"], "createInstitution");
    assert_eq!(events[0]["outcome"], "REFUSED");
    assert_eq!(events[0]["role"], "SOCIETY");
}

#[tokio::test]
async fn anonymous_may_not_create_an_institution() {
    let app = TestApp::spawn().await;
    let (_, json) = app
        .gql(
            None,
            CREATE_INSTITUTION,
            json!({ "input": institution_input() }),
        )
        .await;
    assert_error(&json, "UNAUTHENTICATED", None);
    assert_eq!(institutions_total(&app).await, 0);
    assert_eq!(app.institution_rows().await, 0);
}

#[tokio::test]
async fn institution_input_is_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let cases = [
        (
            with(institution_input(), "prefecture", "Tokyo"),
            "input.prefecture",
        ),
        (
            with(institution_input(), "prefecture", "東京"),
            "input.prefecture",
        ),
        (with(institution_input(), "name", ""), "input.name"),
        (with(institution_input(), "name", "   "), "input.name"),
        (with(institution_input(), "name", "病院\u{0}"), "input.name"),
        (
            with(institution_input(), "nameEn", &"x".repeat(201)),
            "input.nameEn",
        ),
    ];
    for (input, field) in cases {
        let (_, json) = app
            .gql(Some(&admin), CREATE_INSTITUTION, json!({ "input": input }))
            .await;
        assert_error(&json, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(institutions_total(&app).await, 0);
    assert_eq!(app.institution_rows().await, 0);
}

// --- registerApplicant ---------------------------------------------------------------

#[tokio::test]
async fn applicant_registers_itself() {
    let app = TestApp::spawn().await;
    let token = app.applicant("doctor-1");
    let data = app
        .data(
            Some(&token),
            REGISTER_APPLICANT,
            json!({ "input": applicant_input("0123456") }),
        )
        .await;
    let registered = &data["registerApplicant"];
    assert_eq!(registered["fullName"], "山田 太郎");
    assert_eq!(registered["email"], "taro.yamada@example.ac.jp");
    assert_eq!(registered["medicalLicenseNumber"], "0123456");
    let id = registered["id"].as_str().unwrap();

    let data = app
        .data(
            Some(&token),
            "{ viewer { applicant { id medicalLicenseNumber } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["viewer"]["applicant"],
        json!({ "id": id, "medicalLicenseNumber": "0123456" })
    );
    assert_eq!(app.applicant_rows().await, 1);

    let events = app.audit_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["operation"], "registerApplicant");
    assert_eq!(events[0]["outcome"], "OK");
    assert_eq!(events[0]["targetId"], id);
}

#[tokio::test]
async fn a_subject_registers_only_once() {
    let app = TestApp::spawn().await;
    let token = app.applicant("doctor-1");
    app.data(
        Some(&token),
        REGISTER_APPLICANT,
        json!({ "input": applicant_input("0123456") }),
    )
    .await;
    let (_, json) = app
        .gql(
            Some(&token),
            REGISTER_APPLICANT,
            json!({ "input": applicant_input("7654321") }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    assert_eq!(app.applicant_rows().await, 1);
}

#[tokio::test]
async fn a_license_number_registers_only_once() {
    let app = TestApp::spawn().await;
    app.data(
        Some(&app.applicant("doctor-1")),
        REGISTER_APPLICANT,
        json!({ "input": applicant_input("0123456") }),
    )
    .await;
    let (_, json) = app
        .gql(
            Some(&app.applicant("doctor-2")),
            REGISTER_APPLICANT,
            json!({ "input": applicant_input("0123456") }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    assert_eq!(app.applicant_rows().await, 1);

    // The database's own words never reach the client.
    let message = json["errors"][0]["message"].as_str().unwrap();
    for leak in [
        "UNIQUE",
        "unique",
        "duplicate",
        "constraint",
        "medical_license_number",
        "applicants",
    ] {
        assert!(
            !message.contains(leak),
            "{leak:?} in the message: {message}"
        );
    }
    let text = json.to_string();
    assert!(!text.contains("INSERT") && !text.contains("SQL"), "{text}");

    // doctor-2 is still unregistered.
    let data = app
        .data(
            Some(&app.applicant("doctor-2")),
            "{ viewer { applicant { id } } }",
            json!({}),
        )
        .await;
    assert!(data["viewer"]["applicant"].is_null(), "{data}");
}

#[tokio::test]
async fn applicant_input_is_validated() {
    let app = TestApp::spawn().await;
    let token = app.applicant("doctor-1");
    let cases = [
        (
            with(applicant_input("0123456"), "email", "not-an-email"),
            "input.email",
        ),
        (
            with(applicant_input("0123456"), "email", "a@b"),
            "input.email",
        ),
        (applicant_input("１２３"), "input.medicalLicenseNumber"),
        (applicant_input("12a"), "input.medicalLicenseNumber"),
        (applicant_input("12345678"), "input.medicalLicenseNumber"),
        (applicant_input(""), "input.medicalLicenseNumber"),
        (
            with(applicant_input("0123456"), "fullName", " "),
            "input.fullName",
        ),
        (
            with(applicant_input("0123456"), "fullNameKana", "Yamada"),
            "input.fullNameKana",
        ),
        (
            with(applicant_input("0123456"), "university", ""),
            "input.university",
        ),
    ];
    for (input, field) in cases {
        let (_, json) = app
            .gql(Some(&token), REGISTER_APPLICANT, json!({ "input": input }))
            .await;
        assert_error(&json, "BAD_USER_INPUT", Some(field));
    }

    let mut input = applicant_input("0123456");
    input["graduationYear"] = json!(1900);
    let (_, json) = app
        .gql(Some(&token), REGISTER_APPLICANT, json!({ "input": input }))
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("input.graduationYear"));

    // Initial training cannot end before graduation.
    let input = with(
        applicant_input("0123456"),
        "initialTrainingCompletedOn",
        "2020-03-31",
    );
    let (_, json) = app
        .gql(Some(&token), REGISTER_APPLICANT, json!({ "input": input }))
        .await;
    assert_error(
        &json,
        "BAD_USER_INPUT",
        Some("input.initialTrainingCompletedOn"),
    );

    assert_eq!(app.applicant_rows().await, 0);
    let data = app
        .data(Some(&token), "{ viewer { applicant { id } } }", json!({}))
        .await;
    assert!(data["viewer"]["applicant"].is_null(), "{data}");
}

#[tokio::test]
async fn only_an_applicant_registers() {
    let app = TestApp::spawn().await;
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            REGISTER_APPLICANT,
            json!({ "input": applicant_input("0123456") }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);

    let (_, json) = app
        .gql(
            None,
            REGISTER_APPLICANT,
            json!({ "input": applicant_input("0123456") }),
        )
        .await;
    assert_error(&json, "UNAUTHENTICATED", None);
    assert_eq!(app.applicant_rows().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_of_one_subject_make_one_applicant() {
    let app = TestApp::spawn().await;
    let token = app.applicant("doctor-1");
    let first = json!({ "input": applicant_input("0123456") });
    let second = json!({ "input": applicant_input("7654321") });
    let (a, b) = tokio::join!(
        app.gql(Some(&token), REGISTER_APPLICANT, first),
        app.gql(Some(&token), REGISTER_APPLICANT, second),
    );
    let mut codes = vec![error_code(&a.1), error_code(&b.1)];
    codes.sort();
    assert_eq!(codes, [None, Some("CONFLICT".to_owned())], "{a:?} {b:?}");
    assert_eq!(app.applicant_rows().await, 1);
}

#[tokio::test]
async fn internal_errors_hide_the_database_text_and_roll_back() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    // Without its audit table, createInstitution cannot record what it did.
    app.db
        .execute_unprepared("DROP TABLE audit_events")
        .await
        .unwrap();
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            CREATE_INSTITUTION,
            json!({ "input": institution_input() }),
        )
        .await;
    assert_error(&json, "INTERNAL", None);
    assert_eq!(json["errors"][0]["message"], "internal error", "{json}");
    let text = json.to_string();
    for leak in ["audit_events", "table", "relation", "SQL", "INSERT"] {
        assert!(!text.contains(leak), "{leak:?} in the response: {text}");
    }
    // The institution was not kept without its audit event.
    assert_eq!(app.institution_rows().await, 0);
}
