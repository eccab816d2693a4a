//! Resilience: a failure midway through a mutation leaves nothing behind,
//! hostile input never reaches the database as SQL nor fails the server,
//! and every kind of bad token is refused the same way.
//!
//! Failures are injected with a database trigger that makes the audit insert
//! fail: every mutation writes its audit event last, just before it commits,
//! so when the trigger fires every other write of the mutation has happened.

use crate::helpers::{AUDIENCE, ISSUER, SECRET, TestApp, YEAR, error_code, gid, today};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use csc::auth::TokenKeys;
use csc::clock::Clock;
use csc::entity::enums::{ApplicationStatus, CourseStatus, CyclePhase, FieldCode};
use csc::entity::{course, recruitment_cycle, trainee};
use csc::ids;
use csc::startup::build_router;
use csc::state::AppState;
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, IntoActiveModel, JsonValue, QueryFilter, Set, Statement,
};
use serde_json::{Value, json};
use tower::ServiceExt;

// --- sending, and reading what came back ----------------------------------------

/// The values of `extensions.code` in the contract.
const CONTRACT_CODES: [&str; 11] = [
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
];

/// Text that only a database error (or a leaked injected failure) would put
/// in a response. None of the inputs below contains any of it.
const SQL_MARKERS: [&str; 16] = [
    "SELECT",
    "INSERT",
    "UPDATE ",
    "DELETE FROM",
    "sqlite",
    "SQLITE",
    "syntax error",
    "duplicate key",
    "UNIQUE constraint",
    "violates",
    "SQLSTATE",
    "sqlx",
    "DbErr",
    "constraint failed",
    "no such table",
    "injected",
];

fn assert_no_sql(body: &str) {
    for marker in SQL_MARKERS {
        assert!(
            !body.contains(marker),
            "the response shows database text ({marker:?}): {}",
            excerpt(body)
        );
    }
}

/// The first 600 characters, for failure messages about 1 MB bodies.
fn excerpt(body: &str) -> String {
    body.chars().take(600).collect()
}

/// Sends `request` through `router` in a task of its own, so that a panic
/// in the server is reported as such: a real client would see its
/// connection reset with no answer.
async fn send(router: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let router = router.clone();
    let task = tokio::spawn(async move {
        let response = router
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read the body")
            .to_bytes();
        (status, headers, bytes)
    });
    match task.await {
        Ok((status, headers, bytes)) => (
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        ),
        Err(err) if err.is_panic() => {
            panic!("the server panicked; a client would get no response at all")
        }
        Err(err) => panic!("the request task failed: {err}"),
    }
}

/// A POST with its Content-Length, as an HTTP client sends it.
fn graphql_request(authorization: Option<&str>, body: impl Into<Vec<u8>>) -> Request<Body> {
    let body = body.into();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len());
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    request.body(Body::from(body)).unwrap()
}

/// `POST /graphql` as the bearer of `token`; status and body text.
async fn post(
    router: &Router,
    token: Option<&str>,
    query: &str,
    variables: &Value,
) -> (StatusCode, String) {
    let authorization = token.map(|t| format!("Bearer {t}"));
    let body = json!({ "query": query, "variables": variables }).to_string();
    let (status, _, text) = send(router, graphql_request(authorization.as_deref(), body)).await;
    (status, text)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("the response is not JSON ({e}): {}", excerpt(text)))
}

/// What every answer to bad input must be: no server error, a JSON body,
/// every error with a contract code (never INTERNAL: bad input is the
/// client's), and no database text.
fn assert_clean_refusal(status: StatusCode, text: &str) -> Value {
    assert!(
        !status.is_server_error(),
        "HTTP {status} for bad input: {}",
        excerpt(text)
    );
    assert_no_sql(text);
    // Several large values together pass the body limit: refused on the
    // declared length before the body is read (tested in hardening.rs).
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return Value::Null;
    }
    let json = parse(text);
    assert_error_codes(&json, text);
    json
}

fn assert_error_codes(json: &Value, text: &str) {
    for error in json["errors"].as_array().into_iter().flatten() {
        let code = error["extensions"]["code"].as_str().unwrap_or_default();
        assert!(
            CONTRACT_CODES.contains(&code),
            "an error without a contract code: {}",
            excerpt(text)
        );
        assert_ne!(
            code,
            "INTERNAL",
            "bad input answered INTERNAL: {}",
            excerpt(text)
        );
    }
}

// --- injecting a failure: the audit insert fails ----------------------------------

async fn break_audit(db: &DatabaseConnection) {
    let statements: &[&str] = match db.get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION fail_audit()",
        ],
        _ => &[
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
    };
    for sql in statements {
        db.execute_unprepared(sql)
            .await
            .expect("create the trigger");
    }
}

async fn mend_audit(db: &DatabaseConnection) {
    let statements: &[&str] = match db.get_database_backend() {
        DbBackend::Postgres => &[
            "DROP TRIGGER fail_audit ON audit_events",
            "DROP FUNCTION fail_audit()",
        ],
        _ => &["DROP TRIGGER fail_audit"],
    };
    for sql in statements {
        db.execute_unprepared(sql).await.expect("drop the trigger");
    }
}

/// The tables of the schema, migrations' bookkeeping included.
async fn table_names(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("list the tables")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("a table name"))
        .collect()
}

/// Every row of every table (audit events, idempotency keys and migrations
/// included), as JSON text, sorted within each table.
#[derive(Debug, PartialEq)]
struct Snapshot(Vec<(String, usize, Vec<String>)>);

async fn snapshot(db: &DatabaseConnection) -> Snapshot {
    let backend = db.get_database_backend();
    let mut tables = Vec::new();
    for table in table_names(db).await {
        let sql = format!("SELECT * FROM \"{table}\"");
        let mut rows: Vec<String> =
            JsonValue::find_by_statement(Statement::from_string(backend, sql))
                .all(db)
                .await
                .expect("read a table")
                .iter()
                .map(Value::to_string)
                .collect();
        rows.sort();
        tables.push((table, rows.len(), rows));
    }
    Snapshot(tables)
}

/// Runs a mutation once while the audit insert fails, and checks that it is
/// answered INTERNAL with the generic message and changed nothing at all;
/// then runs it again with the database healthy and returns its data.
async fn all_or_nothing(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let before = snapshot(&app.db).await;
    break_audit(&app.db).await;
    let (status, text) = post(&app.router, Some(token), query, &variables).await;
    mend_audit(&app.db).await;
    let after = snapshot(&app.db).await;

    assert_eq!(status, StatusCode::OK, "{text}");
    assert_no_sql(&text);
    let json = parse(&text);
    assert_eq!(error_code(&json).as_deref(), Some("INTERNAL"), "{json}");
    assert_eq!(json["errors"][0]["message"], "internal error", "{json}");
    assert_eq!(
        json["errors"].as_array().map(Vec::len),
        Some(1),
        "one error: {json}"
    );
    assert!(
        json["data"].is_null(),
        "a failed mutation has no data: {json}"
    );
    if before != after {
        let changed: Vec<&str> = before
            .0
            .iter()
            .zip(&after.0)
            .filter(|(b, a)| b != a)
            .map(|(b, _)| b.0.as_str())
            .collect();
        panic!("a mutation that failed at its audit insert changed {changed:?}: {query}");
    }

    let data = app.data(Some(token), query, variables).await;
    assert_eq!(
        audit_rows(&snapshot(&app.db).await),
        audit_rows(&before) + 1,
        "one audit event for the healthy run: {query}"
    );
    data
}

fn audit_rows(snapshot: &Snapshot) -> usize {
    snapshot
        .0
        .iter()
        .find(|(table, _, _)| table == "audit_events")
        .map(|(_, rows, _)| *rows)
        .expect("the audit_events table")
}

/// The snapshot itself sees a changed status, timestamp or flag, and a new row.
#[tokio::test]
async fn the_snapshot_sees_every_change() {
    let app = TestApp::spawn().await;
    let hospital = app.insert_institution("東北大学病院").await;
    app.insert_cycle(YEAR).await;
    let course = app
        .insert_course(
            "内科コース",
            FieldCode::InternalMedicine,
            hospital,
            CourseStatus::Draft,
        )
        .await;
    let row = || async {
        course::Entity::find_by_id(course)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model()
    };
    let mut previous = snapshot(&app.db).await;
    assert!(previous.0.iter().any(|(t, n, _)| t == "courses" && *n == 1));
    for change in 0..4 {
        let mut active = row().await;
        match change {
            0 => active.status = Set(CourseStatus::Submitted),
            1 => active.submitted_at = Set(Some(chrono::Utc::now())),
            2 => active.guarantee_social_insurance = Set(false),
            _ => active.requested_capacity = Set(3),
        }
        active.update(&app.db).await.unwrap();
        let next = snapshot(&app.db).await;
        assert_ne!(next, previous, "change {change} unseen");
        previous = next;
    }
    app.insert_audit_event("fixture").await;
    assert_eq!(
        audit_rows(&snapshot(&app.db).await),
        audit_rows(&previous) + 1
    );
}

// --- 1. all or nothing ------------------------------------------------------------

const CREATE_INSTITUTION: &str =
    "mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id name } }";
const CREATE_CYCLE: &str =
    "mutation($i: CreateRecruitmentCycleInput!) { createRecruitmentCycle(input: $i) { id phase } }";
const SET_PARTICIPATION: &str = "mutation($y: Int!, $f: FieldCode!, $p: Boolean!) {
    setParticipation(year: $y, field: $f, participating: $p) { participating } }";
const CREATE_COURSE: &str =
    "mutation($i: CreateCourseInput!) { createCourse(input: $i) { id status } }";
const REGISTER: &str =
    "mutation($i: RegisterApplicantInput!) { registerApplicant(input: $i) { id } }";
const SUBMIT_APPLICATION: &str = "mutation($i: SubmitApplicationInput!) {
    submitApplication(input: $i) { id status generalApplication { status } } }";
const SET_GENERAL: &str = "mutation($id: ID!, $g: GeneralApplicationInput!) {
    setGeneralApplication(applicationId: $id, input: $g) { generalApplication { programName } } }";
const WITHDRAW_APPLICATION: &str = "mutation($id: ID!) { withdrawApplication(id: $id) { status } }";
const DECIDE: &str =
    "mutation($id: ID!, $d: Decision!) { decideApplication(id: $id, decision: $d) { status } }";
const CONFIRM: &str = "mutation($id: ID!) { confirmDecision(id: $id) { status } }";
const ADJUST_QUOTA: &str = "mutation($y: Int!, $f: FieldCode!, $q: Int!, $r: String!) {
    adjustFieldQuota(year: $y, field: $f, quota: $q, reason: $r) { quota } }";
const SANCTION: &str = "mutation($id: ID!) {
    sanctionInstitution(institutionId: $id, reason: QUOTA_UNFILLED, fromYear: 2028, years: 1) { untilYear } }";

fn course_step(name: &str) -> String {
    format!("mutation($id: ID!) {{ {name}(id: $id) {{ status }} }}")
}

fn year_step(name: &str, selection: &str) -> String {
    format!("mutation($y: Int!) {{ {name}(year: $y) {{ {selection} }} }}")
}

fn institution_input(name: &str, kind: &str) -> Value {
    json!({ "i": { "name": name, "kind": kind, "prefecture": "京都府", "certifiedTrainingFacility": true } })
}

fn applicant_input(sub: &str, license: &str) -> Value {
    json!({ "i": {
        "fullName": format!("医師 {sub}"), "email": format!("{sub}@example.jp"),
        "medicalLicenseNumber": license, "university": "京都大学", "graduationYear": 2024,
        "initialTrainingCompletedOn": "2026-03-31", "obligatedServiceGraduate": false,
        "regionalQuotaObligation": false
    } })
}

fn general_input(program: &str, institution: &str) -> Value {
    json!({ "programName": program, "field": "INTERNAL_MEDICINE", "institutionId": institution })
}

/// The recruitment year through GraphQL; every step first fails at its
/// audit insert and leaves the database exactly as it was, then succeeds.
#[tokio::test]
async fn every_recruitment_step_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let society = app.society(FieldCode::InternalMedicine);

    let data = all_or_nothing(
        &app,
        &admin,
        CREATE_INSTITUTION,
        institution_input("京都大学医学部附属病院", "UNIVERSITY_HOSPITAL"),
    )
    .await;
    let hospital = data["createInstitution"]["id"].as_str().unwrap().to_owned();
    let partner = app
        .data(
            Some(&admin),
            CREATE_INSTITUTION,
            institution_input("京都市立病院", "PUBLIC_HOSPITAL"),
        )
        .await["createInstitution"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let regular = app
        .data(
            Some(&admin),
            CREATE_INSTITUTION,
            institution_input("大阪大学医学部附属病院", "UNIVERSITY_HOSPITAL"),
        )
        .await["createInstitution"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let data = all_or_nothing(
        &app,
        &admin,
        CREATE_CYCLE,
        json!({ "i": { "year": YEAR, "totalCapacity": 40, "earlyCallOpensOn": "2026-09-01",
                       "earlyCallClosesOn": "2026-09-30", "generalCallOpensOn": "2026-11-04" } }),
    )
    .await;
    assert_eq!(data["createRecruitmentCycle"]["phase"], "PLANNING");

    let data = all_or_nothing(
        &app,
        &society,
        SET_PARTICIPATION,
        json!({ "y": YEAR, "f": "INTERNAL_MEDICINE", "p": true }),
    )
    .await;
    assert_eq!(data["setParticipation"]["participating"], true);

    let course_input = json!({ "i": {
        "year": YEAR, "field": "INTERNAL_MEDICINE", "title": "内科 臨床研究医コース",
        "responsibleInstitutionId": hospital, "director": "研究 太郎", "requestedCapacity": 2,
        "curriculum": "カリキュラム制", "partnerInstitutionIds": [partner],
        "researchHost": { "kind": "GRADUATE_SCHOOL", "name": "医学研究科", "paperCountFiveYears": 120 },
        "statusGuarantee": { "clinicalPhase": "専攻医と同等", "researchPhase": "社会人大学院",
                              "socialInsurance": true, "workingGraduateStudent": true }
    } });
    let data = all_or_nothing(&app, &society, CREATE_COURSE, course_input).await;
    assert_eq!(data["createCourse"]["status"], "DRAFT");
    let course = data["createCourse"]["id"].as_str().unwrap().to_owned();
    for (step, token, status) in [
        ("submitCourse", &society, "SUBMITTED"),
        ("approveCourse", &admin, "APPROVED"),
        ("publishCourse", &admin, "PUBLISHED"),
    ] {
        let data = all_or_nothing(&app, token, &course_step(step), json!({ "id": course })).await;
        assert_eq!(data[step]["status"], status);
    }

    let data = all_or_nothing(
        &app,
        &admin,
        &year_step("openEarlyCall", "phase"),
        json!({ "y": YEAR }),
    )
    .await;
    assert_eq!(data["openEarlyCall"]["phase"], "EARLY_CALL_OPEN");

    let doctor = app.applicant("doctor-1");
    all_or_nothing(
        &app,
        &doctor,
        REGISTER,
        applicant_input("doctor-1", "1000001"),
    )
    .await;
    let other = app.applicant("doctor-2");
    app.data(
        Some(&other),
        REGISTER,
        applicant_input("doctor-2", "1000002"),
    )
    .await;

    // An application with its parallel general application: two rows.
    let data = all_or_nothing(
        &app,
        &doctor,
        SUBMIT_APPLICATION,
        json!({ "i": { "courseId": course, "generalApplication": general_input("内科専門研修プログラム", &regular) } }),
    )
    .await;
    assert_eq!(
        data["submitApplication"]["generalApplication"]["status"],
        "PENDING"
    );
    let adopted = data["submitApplication"]["id"].as_str().unwrap().to_owned();
    all_or_nothing(
        &app,
        &doctor,
        SET_GENERAL,
        json!({ "id": adopted, "g": general_input("総合内科専門研修プログラム", &regular) }),
    )
    .await;

    let data = app
        .data(
            Some(&other),
            SUBMIT_APPLICATION,
            json!({ "i": { "courseId": course, "generalApplication": general_input("内科専門研修プログラム", &regular) } }),
        )
        .await;
    let withdrawn = data["submitApplication"]["id"].as_str().unwrap().to_owned();
    let data = all_or_nothing(
        &app,
        &other,
        WITHDRAW_APPLICATION,
        json!({ "id": withdrawn }),
    )
    .await;
    assert_eq!(data["withdrawApplication"]["status"], "WITHDRAWN");

    let data = all_or_nothing(
        &app,
        &admin,
        &year_step("closeEarlyCall", "phase"),
        json!({ "y": YEAR }),
    )
    .await;
    assert_eq!(data["closeEarlyCall"]["phase"], "EARLY_CALL_CLOSED");

    // Nineteen quota rows and a phase change.
    let data = all_or_nothing(
        &app,
        &admin,
        &year_step("allocateFieldQuotas", "quota"),
        json!({ "y": YEAR }),
    )
    .await;
    assert_eq!(data["allocateFieldQuotas"].as_array().unwrap().len(), 19);
    all_or_nothing(
        &app,
        &admin,
        ADJUST_QUOTA,
        json!({ "y": YEAR, "f": "INTERNAL_MEDICINE", "q": 2, "r": "応募状況の変化" }),
    )
    .await;

    // The society proposes, the board confirms (I.2(2)④).
    let data = all_or_nothing(
        &app,
        &society,
        DECIDE,
        json!({ "id": adopted, "d": "ADOPT" }),
    )
    .await;
    assert_eq!(data["decideApplication"]["status"], "SUBMITTED");
    let data = all_or_nothing(&app, &admin, CONFIRM, json!({ "id": adopted })).await;
    assert_eq!(data["confirmDecision"]["status"], "ADOPTED");

    // A trainee, the general application released, the phase moved.
    let data = all_or_nothing(
        &app,
        &admin,
        &year_step("finalizeSelection", "phase"),
        json!({ "y": YEAR }),
    )
    .await;
    assert_eq!(data["finalizeSelection"]["phase"], "SELECTION_FINALIZED");
    let trainees = trainee::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(trainees.len(), 1);

    all_or_nothing(&app, &admin, SANCTION, json!({ "id": hospital })).await;
}

const RECORD_PAPER: &str = "mutation($id: ID!, $input: RecordPaperInput!) {
    recordPaper(traineeId: $id, input: $input) { id qualifies } }";
const PROGRESS: &str = "mutation($id: ID!, $input: TraineeProgressInput!) {
    updateTraineeProgress(traineeId: $id, input: $input) { researchEffortPercent } }";
const REQUEST_EXTENSION: &str = "mutation($id: ID!, $input: RequestExtensionInput!) {
    requestExtension(traineeId: $id, input: $input) { id status } }";
const AGREE_EXTENSION: &str = "mutation($id: ID!) {
    agreeExtension(id: $id, agree: true, note: \"学会として同意\") { societyAgreed } }";
const DECIDE_SPECIAL: &str = "mutation($id: ID!) {
    decideSpecialCircumstances(traineeId: $id, grant: true) {
        departure { specialCircumstances quotaReduction { cancelledAt } } } }";
const DECIDE_EXTENSION: &str = "mutation($id: ID!) {
    decideExtension(id: $id, approve: true, note: \"学会と協議済み\") { status } }";
const STUDY_ABROAD: &str = "mutation($id: ID!, $input: StudyAbroadInput!) {
    recordStudyAbroad(traineeId: $id, input: $input) { id } }";
const SUBMIT_REPORT: &str = "mutation($input: SubmitAnnualReportInput!) {
    submitAnnualReport(input: $input) { id status } }";
const ACCEPT_REPORT: &str = "mutation($id: ID!) { acceptAnnualReport(id: $id) { status } }";
const GUIDANCE: &str =
    "mutation($id: ID!, $t: String!) { issueGuidance(reportId: $id, text: $t) { status } }";
const DEPARTURE: &str = "mutation($id: ID!, $input: RecordDepartureInput!) {
    recordDeparture(traineeId: $id, input: $input) { phase departure { quotaReduction { courseSeats } } } }";

/// A published internal-medicine course of 2024 at a fresh hospital, with one
/// trainee who started in April 2024 (in the research phase on the fixed day).
/// Returns (hospital, course, trainee) row ids.
async fn course_of_2024_with_a_trainee(app: &TestApp) -> (i64, i64, i64) {
    app.insert_cycle(YEAR).await;
    app.insert_cycle(2024).await;
    let hospital = app.insert_institution("東京大学医学部附属病院").await;
    let course = app
        .course(hospital)
        .year(2024)
        .status(CourseStatus::Published)
        .insert()
        .await;
    let trainee = app.trainee_of(course, "trainee-1", "1000100").intake(2024);
    let trainee = trainee.insert().await.trainee;
    (hospital, course, trainee)
}

/// A trainee's years and the annual report; each step first fails at its
/// audit insert and changes nothing, then succeeds.
#[tokio::test]
async fn every_training_and_reporting_step_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let (hospital, course, trainee) = course_of_2024_with_a_trainee(&app).await;
    let admin = app.admin();
    let institution = app.institution(hospital);
    let trainee_id = gid(ids::TRAINEE, trainee);

    let data = all_or_nothing(
        &app,
        &institution,
        RECORD_PAPER,
        json!({ "id": trainee_id, "input": {
            "title": "A randomized trial", "journal": "Journal of Clinical Investigation",
            "doi": "10.1000/xyz123", "publishedOn": "2026-06-01", "sciIndexed": true,
            "firstAuthor": true, "english": true, "caseReport": false } }),
    )
    .await;
    assert_eq!(data["recordPaper"]["qualifies"], true);

    let data = all_or_nothing(
        &app,
        &institution,
        PROGRESS,
        json!({ "id": trainee_id, "input": { "researchEffortPercent": 60, "graduateSchool": "東京大学大学院医学系研究科" } }),
    )
    .await;
    assert_eq!(data["updateTraineeProgress"]["researchEffortPercent"], 60);

    let data = all_or_nothing(
        &app,
        &institution,
        REQUEST_EXTENSION,
        json!({ "id": trainee_id, "input": { "reason": "PREGNANCY_CHILDBIRTH_CHILDCARE", "months": 6 } }),
    )
    .await;
    let extension = data["requestExtension"]["id"].as_str().unwrap().to_owned();
    let society = app.society(FieldCode::InternalMedicine);
    let data = all_or_nothing(&app, &society, AGREE_EXTENSION, json!({ "id": extension })).await;
    assert_eq!(data["agreeExtension"]["societyAgreed"], true);
    let data = all_or_nothing(&app, &admin, DECIDE_EXTENSION, json!({ "id": extension })).await;
    assert_eq!(data["decideExtension"]["status"], "APPROVED");

    all_or_nothing(
        &app,
        &institution,
        STUDY_ABROAD,
        json!({ "id": trainee_id, "input": { "host": "Karolinska Institutet", "country": "Sweden",
                                             "startsOn": "2026-10-01", "endsOn": "2027-09-30" } }),
    )
    .await;

    // A report, its first version and one entry.
    let data = all_or_nothing(
        &app,
        &institution,
        SUBMIT_REPORT,
        json!({ "input": {
            "courseId": gid(ids::COURSE, course), "year": 2026,
            "entries": [{ "traineeId": trainee_id, "researchEffortPercent": 60,
                          "clinicalProgress": "外来診療を継続", "issues": null }],
            "statusGuarantee": { "salaryProvided": true, "socialInsuranceProvided": true,
                                 "workingGraduateStudent": true, "note": null } } }),
    )
    .await;
    assert_eq!(data["submitAnnualReport"]["status"], "SUBMITTED");
    let report = data["submitAnnualReport"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = all_or_nothing(&app, &admin, ACCEPT_REPORT, json!({ "id": report })).await;
    assert_eq!(data["acceptAnnualReport"]["status"], "ACCEPTED");
    all_or_nothing(
        &app,
        &admin,
        GUIDANCE,
        json!({ "id": report, "t": "研究時間の確保について報告すること" }),
    )
    .await;

    // A departure row, a quota reduction for next year, the trainee closed.
    let data = all_or_nothing(
        &app,
        &institution,
        DEPARTURE,
        json!({ "id": trainee_id, "input": { "on": "2026-09-30", "reason": "研究継続を断念",
                                             "specialCircumstances": false } }),
    )
    .await;
    assert_eq!(data["recordDeparture"]["phase"], "DEPARTED");
    assert_eq!(
        data["recordDeparture"]["departure"]["quotaReduction"]["courseSeats"],
        1
    );
    // The board grants special circumstances afterwards: the reduction is lifted.
    let data = all_or_nothing(&app, &admin, DECIDE_SPECIAL, json!({ "id": trainee_id })).await;
    let departure = &data["decideSpecialCircumstances"]["departure"];
    assert_eq!(departure["specialCircumstances"], true);
    assert!(
        departure["quotaReduction"]["cancelledAt"].is_string(),
        "{data}"
    );
}

const READ_EMAILS: &str =
    "query Review { applications { nodes { id applicant { fullName email } } } }";

/// Personal data leaves only with its audit trail: while the audit insert
/// fails, a read of an applicant's email is withheld (INTERNAL, HTTP 500).
#[tokio::test]
async fn personal_data_is_withheld_when_its_read_cannot_be_audited() {
    let app = TestApp::spawn().await;
    let hospital = app.insert_institution("九州大学病院").await;
    app.insert_cycle(YEAR).await;
    let course = app
        .insert_course(
            "内科コース",
            FieldCode::InternalMedicine,
            hospital,
            CourseStatus::Published,
        )
        .await;
    let doctor = app.insert_applicant("doctor-pii", "1000200").await;
    app.insert_application(doctor, course, ApplicationStatus::Submitted)
        .await;
    let society = app.society(FieldCode::InternalMedicine);

    break_audit(&app.db).await;
    let (status, text) = post(&app.router, Some(&society), READ_EMAILS, &json!({})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
    assert_no_sql(&text);
    let json = parse(&text);
    assert_eq!(error_code(&json).as_deref(), Some("INTERNAL"), "{json}");
    assert_eq!(json["errors"][0]["message"], "internal error");
    assert!(json.get("data").is_none(), "{json}");
    assert!(
        !text.contains("doctor-pii@example.jp") && !text.contains("医師"),
        "personal data left without its audit event: {text}"
    );
    // Reads without personal data, and the doctor reading its own, still run.
    let (status, text) = post(
        &app.router,
        Some(&society),
        "{ applications { nodes { id status } } }",
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(parse(&text).get("errors").is_none(), "{text}");
    let (status, text) = post(
        &app.router,
        Some(&app.applicant("doctor-pii")),
        "{ viewer { applicant { email } } }",
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("doctor-pii@example.jp"), "{text}");
    mend_audit(&app.db).await;

    let data = app.data(Some(&society), READ_EMAILS, json!({})).await;
    assert_eq!(
        data["applications"]["nodes"][0]["applicant"]["email"],
        "doctor-pii@example.jp"
    );
    let events = app
        .data(
            Some(&app.admin()),
            "{ auditEvents(first: 100) { nodes { operation targetId } } }",
            json!({}),
        )
        .await;
    let reads: Vec<&Value> = events["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "readPersonalData")
        .collect();
    assert_eq!(reads.len(), 1, "{events}");
    assert_eq!(reads[0]["targetId"], gid(ids::APPLICANT, doctor));
}

async fn keyed_create(app: &TestApp, key: &str) -> (StatusCode, HeaderMap, Value) {
    let body = json!({ "query": CREATE_INSTITUTION,
                       "variables": institution_input("神戸大学医学部附属病院", "UNIVERSITY_HOSPITAL") });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", app.admin()))
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, headers, text) = send(&app.router, request).await;
    (status, headers, parse(&text))
}

/// An INTERNAL failure is not stored under its Idempotency-Key: the retry
/// runs again (and succeeds), and only then is the answer replayed.
#[tokio::test]
async fn a_failed_keyed_mutation_runs_again_on_retry() {
    let app = TestApp::spawn().await;
    break_audit(&app.db).await;
    let (_, _, failed) = keyed_create(&app, "retry-after-failure").await;
    mend_audit(&app.db).await;
    assert_eq!(error_code(&failed).as_deref(), Some("INTERNAL"), "{failed}");
    assert_eq!(app.institution_rows().await, 0);

    let (status, headers, retried) = keyed_create(&app, "retry-after-failure").await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert!(retried.get("errors").is_none(), "{retried}");
    assert!(headers.get("idempotent-replayed").is_none());
    let (_, headers, replayed) = keyed_create(&app, "retry-after-failure").await;
    assert_eq!(
        headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    assert_eq!(replayed["data"], retried["data"]);
    assert_eq!(app.institution_rows().await, 1);
}

/// A name full of SQL is stored and shown as typed: queries are parameterised.
#[tokio::test]
async fn sql_in_a_name_is_just_text() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for name in [
        "Robert'); DROP TABLE institutions;--",
        "' OR 1=1 --",
        "\"; DROP TABLE applicants; --",
        "%_\\病院",
    ] {
        let data = app
            .data(
                Some(&admin),
                CREATE_INSTITUTION,
                institution_input(name, "PUBLIC_HOSPITAL"),
            )
            .await;
        let id = data["createInstitution"]["id"].as_str().unwrap();
        let read = app
            .data(
                None,
                "query($id: ID!) { node(id: $id) { ... on Institution { name } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(read["node"]["name"], name);
    }
    assert_eq!(app.institution_rows().await, 4);
    assert_eq!(app.applicant_rows().await, 0);
}

// --- 2. bad input, property-tested ------------------------------------------------

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A value for a variable. Long repetitions stay short until they are sent,
/// so that a failing case prints readably.
#[derive(Clone, Debug)]
enum Wild {
    Json(Value),
    Repeat(&'static str, usize),
}

impl Wild {
    fn value(&self) -> Value {
        match self {
            Self::Json(value) => value.clone(),
            Self::Repeat(text, n) => Value::String(text.repeat(*n)),
        }
    }
}

fn json_of(values: Vec<Value>) -> BoxedStrategy<Wild> {
    prop::sample::select(values).prop_map(Wild::Json).boxed()
}

/// Strings that have broken services before, and some that are merely large
/// (each just under the 1 MiB body limit once encoded).
fn hostile_string() -> BoxedStrategy<Wild> {
    let known = [
        "' OR 1=1 --",
        "\"; DROP TABLE applicants; --",
        "'; DROP TABLE institutions; --",
        "1' AND '1'='1",
        "\\",
        "'",
        "\"",
        "%",
        "_%_",
        "\u{0}",
        "a\u{0}b",
        "",
        "   ",
        "\u{feff}",
        "\u{202e}evil",
        "\u{fffd}",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏥",
        "<script>alert(1)</script>",
        "${jndi:ldap://127.0.0.1/x}",
        "../../etc/passwd",
        "\r\n\r\nHTTP/1.1 200 OK",
        "東京都",
        "10.1000/xyz123",
        "a@b.jp",
    ];
    prop_oneof![
        6 => json_of(known.iter().map(|s| json!(s)).collect()),
        3 => "[a-z'\";\\\\%_ \u{0}-]{0,40}".prop_map(|s| Wild::Json(json!(s))),
        2 => "\\PC{0,60}".prop_map(|s| Wild::Json(json!(s))),
        1 => prop::sample::select(vec![
            Wild::Repeat("x", 1_000_000),
            Wild::Repeat("あ", 330_000),
            Wild::Repeat("'", 900_000),
            Wild::Repeat("\u{0}", 150_000),
        ]),
    ]
    .boxed()
}

/// Ints around and past the edges of GraphQL's Int, and things that are not ints.
fn wild_number() -> BoxedStrategy<Wild> {
    prop_oneof![
        4 => json_of(vec![
            json!(i32::MIN),
            json!(i32::MAX),
            json!(-1),
            json!(0),
            json!(1),
            json!(2027),
            json!(i64::from(i32::MAX) + 1),
            json!(i64::from(i32::MIN) - 1),
            json!(i64::MAX),
            json!(1e300),
            json!(1.5),
            json!("12"),
            json!(null),
            json!(true),
            json!([1]),
        ]),
        2 => any::<i32>().prop_map(|n| Wild::Json(json!(n))),
    ]
    .boxed()
}

/// Dates that do not exist, that chrono cannot hold, or that sit at its edges.
fn wild_date() -> BoxedStrategy<Wild> {
    prop_oneof![
        4 => json_of(vec![
            json!("0000-00-00"),
            json!("2027-02-30"),
            json!("2027-02-29"),
            json!("99999-01-01"),
            json!("2027-13-01"),
            json!("2027-00-10"),
            json!("0001-01-01"),
            json!("9999-12-31"),
            json!("+262142-12-31"),
            json!("-262143-01-01"),
            json!("+999999-01-01"),
            json!("2027-1-1"),
            json!("2027/04/01"),
            json!("2027-04-01T00:00:00Z"),
            json!(""),
            json!("' OR 1=1 --"),
            json!(20270401),
            json!(null),
        ]),
        2 => (-300_000i32..300_000, 0u32..14, 0u32..33)
            .prop_map(|(y, m, d)| Wild::Json(json!(format!("{y:04}-{m:02}-{d:02}")))),
    ]
    .boxed()
}

fn encoded(text: &str) -> Value {
    json!(URL_SAFE_NO_PAD.encode(text))
}

/// Global IDs that are not ours, of the wrong type, or out of range.
fn wild_id() -> BoxedStrategy<Wild> {
    prop_oneof![
        4 => json_of(vec![
            json!(""),
            json!("' OR 1=1 --"),
            json!("\u{0}"),
            json!("not base64!"),
            encoded("Course:-1"),
            encoded("Course:0"),
            encoded("Course:9223372036854775807"),
            encoded("Course:99999999999999999999"),
            encoded("Course:1 OR 1=1"),
            encoded("Course:1; DROP TABLE courses"),
            encoded("Institution:1"),
            encoded("Trainee:1\u{0}"),
            encoded(":1"),
            json!(5),
            json!(-5),
            json!(null),
        ]),
        1 => Just(Wild::Repeat("x", 10_000)),
        2 => "\\PC{0,30}".prop_map(|s| Wild::Json(encoded(&s))),
        1 => (prop::sample::select(vec!["Course", "Institution", "Trainee", "Application", "Applicant"]), any::<i64>())
            .prop_map(|(kind, n)| Wild::Json(encoded(&format!("{kind}:{n}")))),
    ]
    .boxed()
}

/// Cursors of another list, forged, or far past the end.
fn wild_cursor() -> BoxedStrategy<Wild> {
    prop_oneof![
        3 => json_of(vec![
            json!(""),
            json!("' OR 1=1 --"),
            encoded("cursor:-1"),
            encoded("cursor:9223372036854775807"),
            encoded("cursor:1 OR 1=1"),
            encoded("cursor:'"),
            json!(7),
            json!(null),
        ]),
        1 => Just(Wild::Repeat("y", 100_000)),
        3 => any::<i64>().prop_map(|n| Wild::Json(encoded(&format!("cursor:{n}")))),
        3 => "\\PC{0,20}".prop_map(|s| Wild::Json(json!(s))),
    ]
    .boxed()
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    Text,
    Int,
    Date,
    Id,
    Cursor,
}

fn wild(slot: Slot) -> BoxedStrategy<Wild> {
    match slot {
        Slot::Text => hostile_string(),
        Slot::Int => wild_number(),
        Slot::Date => wild_date(),
        Slot::Id => wild_id(),
        Slot::Cursor => wild_cursor(),
    }
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Admin,
    Society,
    Institution,
    /// A doctor registered just for this case.
    FreshApplicant,
    /// A token whose subject has not registered yet.
    NewSubject,
}

/// One operation, valid variables for it, and the variables to spoil.
struct Op {
    who: Who,
    query: &'static str,
    base: Value,
    slots: Vec<(&'static str, Slot)>,
}

/// For each case: an operation, and for each of its slots a wild value or
/// none (the valid one stays): either one slot spoiled, so that the others
/// let it reach the database, or any number of them.
fn case_strategy(slots: Vec<Vec<Slot>>) -> impl Strategy<Value = (usize, Vec<Option<Wild>>)> {
    (0..slots.len()).prop_flat_map(move |op| {
        let kinds = slots[op].clone();
        let n = kinds.len();
        let many: Vec<BoxedStrategy<Option<Wild>>> = kinds
            .iter()
            .map(|slot| prop::option::weighted(0.5, wild(*slot)).boxed())
            .collect();
        let single = (0..n).prop_flat_map(move |i| {
            wild(kinds[i]).prop_map(move |value| {
                let mut values = vec![None; n];
                values[i] = Some(value);
                values
            })
        });
        (
            Just(op),
            prop_oneof![2 => single.boxed(), 1 => many.boxed()],
        )
    })
}

/// The bodies a hostile-input test needs: a cycle of `YEAR` in its early
/// call with a published course, and a 2024 course with a trainee.
struct World {
    app: TestApp,
    hospital: i64,
    course: String,
    old_course: String,
    trainee: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (hospital, old_course, trainee) = course_of_2024_with_a_trainee(&app).await;
    let mut cycle = recruitment_cycle::Entity::find()
        .filter(recruitment_cycle::Column::Year.eq(YEAR))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    cycle.phase = Set(CyclePhase::EarlyCallOpen);
    cycle.update(&app.db).await.unwrap();
    let course = app
        .insert_course(
            "内科 臨床研究医コース 2027",
            FieldCode::InternalMedicine,
            hospital,
            CourseStatus::Published,
        )
        .await;
    World {
        app,
        hospital,
        course: gid(ids::COURSE, course),
        old_course: gid(ids::COURSE, old_course),
        trainee: gid(ids::TRAINEE, trainee),
    }
}

fn mutation_ops(w: &World) -> Vec<Op> {
    let institution = gid(ids::INSTITUTION, w.hospital);
    vec![
        Op {
            who: Who::Admin,
            query: CREATE_INSTITUTION,
            base: json!({ "i": { "name": "市立病院", "nameEn": "City Hospital", "kind": "PUBLIC_HOSPITAL",
                                 "prefecture": "東京都", "certifiedTrainingFacility": true } }),
            slots: vec![
                ("/i/name", Slot::Text),
                ("/i/nameEn", Slot::Text),
                ("/i/prefecture", Slot::Text),
                ("/i/kind", Slot::Text),
                ("/i/certifiedTrainingFacility", Slot::Int),
            ],
        },
        Op {
            who: Who::NewSubject,
            query: REGISTER,
            base: json!({ "i": {
                "fullName": "医師 花子", "fullNameKana": "イシ ハナコ", "email": "hanako@example.jp",
                "medicalLicenseNumber": "123456", "university": "京都大学", "graduationYear": 2024,
                "initialTrainingCompletedOn": "2026-03-31", "obligatedServiceGraduate": false,
                "regionalQuotaObligation": false } }),
            slots: vec![
                ("/i/fullName", Slot::Text),
                ("/i/fullNameKana", Slot::Text),
                ("/i/email", Slot::Text),
                ("/i/medicalLicenseNumber", Slot::Text),
                ("/i/university", Slot::Text),
                ("/i/graduationYear", Slot::Int),
                ("/i/initialTrainingCompletedOn", Slot::Date),
            ],
        },
        Op {
            who: Who::Admin,
            query: CREATE_CYCLE,
            base: json!({ "i": { "year": 2030, "totalCapacity": 40, "earlyCallOpensOn": "2029-09-01",
                                 "earlyCallClosesOn": "2029-09-30", "generalCallOpensOn": "2029-11-04",
                                 "sanctionYears": 1, "courseYears": 5, "clinicalYears": 1 } }),
            slots: vec![
                ("/i/year", Slot::Int),
                ("/i/totalCapacity", Slot::Int),
                ("/i/earlyCallOpensOn", Slot::Date),
                ("/i/earlyCallClosesOn", Slot::Date),
                ("/i/generalCallOpensOn", Slot::Date),
                ("/i/sanctionYears", Slot::Int),
                ("/i/courseYears", Slot::Int),
                ("/i/clinicalYears", Slot::Int),
            ],
        },
        Op {
            who: Who::FreshApplicant,
            query: SUBMIT_APPLICATION,
            base: json!({ "i": { "courseId": w.course, "generalApplication": {
                "programName": "内科専門研修プログラム", "field": "INTERNAL_MEDICINE", "institutionId": institution } } }),
            slots: vec![
                ("/i/courseId", Slot::Id),
                ("/i/generalApplication/programName", Slot::Text),
                ("/i/generalApplication/field", Slot::Text),
                ("/i/generalApplication/institutionId", Slot::Id),
            ],
        },
        Op {
            who: Who::Institution,
            query: RECORD_PAPER,
            base: json!({ "id": w.trainee, "input": {
                "title": "A cohort study", "journal": "The Lancet", "doi": "10.1000/abc",
                "publishedOn": "2026-06-01", "sciIndexed": true, "firstAuthor": true,
                "english": true, "caseReport": false } }),
            slots: vec![
                ("/id", Slot::Id),
                ("/input/title", Slot::Text),
                ("/input/journal", Slot::Text),
                ("/input/doi", Slot::Text),
                ("/input/publishedOn", Slot::Date),
            ],
        },
        Op {
            who: Who::Institution,
            query: PROGRESS,
            base: json!({ "id": w.trainee, "input": {
                "researchEffortPercent": 50, "graduateSchool": "大学院医学系研究科",
                "boardCertifiedOn": "2026-04-01", "degree": "EXPECTED" } }),
            slots: vec![
                ("/id", Slot::Id),
                ("/input/researchEffortPercent", Slot::Int),
                ("/input/graduateSchool", Slot::Text),
                ("/input/boardCertifiedOn", Slot::Date),
                ("/input/degree", Slot::Text),
            ],
        },
        Op {
            who: Who::Society,
            query: CREATE_COURSE,
            base: json!({ "i": {
                "year": YEAR, "field": "INTERNAL_MEDICINE", "title": "内科 臨床研究医コース",
                "responsibleInstitutionId": institution, "director": "研究 太郎", "requestedCapacity": 2,
                "curriculum": "カリキュラム制", "partnerInstitutionIds": [institution],
                "researchHost": { "kind": "GRADUATE_SCHOOL", "name": "医学研究科", "paperCountFiveYears": 120,
                                  "paperRecord": "Nature 2024" },
                "statusGuarantee": { "clinicalPhase": "専攻医と同等", "researchPhase": "社会人大学院",
                                      "socialInsurance": true, "workingGraduateStudent": true } } }),
            slots: vec![
                ("/i/year", Slot::Int),
                ("/i/title", Slot::Text),
                ("/i/responsibleInstitutionId", Slot::Id),
                ("/i/director", Slot::Text),
                ("/i/requestedCapacity", Slot::Int),
                ("/i/curriculum", Slot::Text),
                ("/i/partnerInstitutionIds/0", Slot::Id),
                ("/i/researchHost/name", Slot::Text),
                ("/i/researchHost/paperCountFiveYears", Slot::Int),
                ("/i/researchHost/paperRecord", Slot::Text),
                ("/i/statusGuarantee/clinicalPhase", Slot::Text),
            ],
        },
        Op {
            who: Who::Admin,
            query: "mutation($id: ID!, $r: String!) { withdrawCourse(id: $id, reason: $r) { status } }",
            // An unknown course: the reason is validated, nothing is withdrawn.
            base: json!({ "id": gid(ids::COURSE, 999_999), "r": "責任医療機関の事情" }),
            slots: vec![("/id", Slot::Id), ("/r", Slot::Text)],
        },
    ]
}

fn query_ops(w: &World) -> Vec<Op> {
    vec![
        Op {
            who: Who::Anonymous,
            query: "query($id: ID!) { node(id: $id) { id ... on Course { title } } }",
            base: json!({ "id": w.course }),
            slots: vec![("/id", Slot::Id)],
        },
        Op {
            who: Who::Admin,
            query: "query($id: ID!) { node(id: $id) { id ... on Trainee { phase papers { title } } } }",
            base: json!({ "id": w.trainee }),
            slots: vec![("/id", Slot::Id)],
        },
        Op {
            who: Who::Anonymous,
            query: "query($n: Int, $a: String) { institutions(first: $n, after: $a) { totalCount nodes { name } pageInfo { endCursor } } }",
            base: json!({ "n": 10, "a": null }),
            slots: vec![("/n", Slot::Int), ("/a", Slot::Cursor)],
        },
        Op {
            who: Who::Anonymous,
            query: "query($y: Int, $i: ID, $f: FieldCode, $n: Int, $a: String) {
                courses(filter: { year: $y, institutionId: $i, field: $f }, first: $n, after: $a) { totalCount nodes { title } } }",
            base: json!({ "y": YEAR, "i": null, "f": "INTERNAL_MEDICINE", "n": 5, "a": null }),
            slots: vec![
                ("/y", Slot::Int),
                ("/i", Slot::Id),
                ("/f", Slot::Text),
                ("/n", Slot::Int),
                ("/a", Slot::Cursor),
            ],
        },
        Op {
            who: Who::Admin,
            query: "query($y: Int, $c: ID, $n: Int, $a: String) {
                applications(filter: { year: $y, courseId: $c }, first: $n, after: $a) { totalCount nodes { status } } }",
            base: json!({ "y": YEAR, "c": w.course, "n": 5, "a": null }),
            slots: vec![
                ("/y", Slot::Int),
                ("/c", Slot::Id),
                ("/n", Slot::Int),
                ("/a", Slot::Cursor),
            ],
        },
        Op {
            who: Who::Anonymous,
            query: "query($y: Int!) { recruitmentCycle(year: $y) { phase totalCapacity fieldQuotas { quota }
                statistics { applicants adopted byField { applicants } } } }",
            base: json!({ "y": YEAR }),
            slots: vec![("/y", Slot::Int)],
        },
        Op {
            who: Who::Anonymous,
            query: "query($c: FieldCode!, $y: Int!, $n: Int, $a: String) { society(code: $c) {
                participation(year: $y) { participating } fieldQuota(year: $y) { quota }
                courses(year: $y, first: $n, after: $a) { totalCount } } }",
            base: json!({ "c": "INTERNAL_MEDICINE", "y": YEAR, "n": 5, "a": null }),
            slots: vec![
                ("/c", Slot::Text),
                ("/y", Slot::Int),
                ("/n", Slot::Int),
                ("/a", Slot::Cursor),
            ],
        },
        Op {
            who: Who::Admin,
            query: "query($c: ID, $n: Int, $a: String) { trainees(courseId: $c, first: $n, after: $a) { totalCount nodes { phase } } }",
            base: json!({ "c": w.old_course, "n": 5, "a": null }),
            slots: vec![("/c", Slot::Id), ("/n", Slot::Int), ("/a", Slot::Cursor)],
        },
        Op {
            who: Who::Admin,
            query: "query($y: Int, $n: Int, $a: String) { annualReports(year: $y, first: $n, after: $a) { totalCount }
                auditEvents(first: $n, after: $a) { totalCount } }",
            base: json!({ "y": 2026, "n": 5, "a": null }),
            slots: vec![("/y", Slot::Int), ("/n", Slot::Int), ("/a", Slot::Cursor)],
        },
    ]
}

async fn token_for(w: &World, who: Who) -> Option<String> {
    let app = &w.app;
    match who {
        Who::Anonymous => None,
        Who::Admin => Some(app.admin()),
        Who::Society => Some(app.society(FieldCode::InternalMedicine)),
        Who::Institution => Some(app.institution(w.hospital)),
        Who::FreshApplicant => {
            let sub = format!("doctor-{}", uuid::Uuid::new_v4().simple());
            app.insert_applicant(&sub, &sub).await;
            Some(app.applicant(&sub))
        }
        Who::NewSubject => {
            Some(app.applicant(&format!("doctor-{}", uuid::Uuid::new_v4().simple())))
        }
    }
}

/// Runs one operation with some of its variables spoiled.
async fn run_spoiled(w: &World, op: &Op, values: &[Option<Wild>]) {
    let mut variables = op.base.clone();
    for ((pointer, _), value) in op.slots.iter().zip(values) {
        if let Some(value) = value {
            *variables
                .pointer_mut(pointer)
                .unwrap_or_else(|| panic!("{pointer} is in the base variables")) = value.value();
        }
    }
    let token = token_for(w, op.who).await;
    let (status, text) = post(&w.app.router, token.as_deref(), op.query, &variables).await;
    assert_clean_refusal(status, &text);
}

/// The schema is intact and the server answers a plain query.
async fn assert_still_serving(w: &World, tables: &[String]) {
    assert_eq!(table_names(&w.app.db).await, tables);
    let data = w
        .app
        .data(
            Some(&w.app.admin()),
            "{ societies { code } institutions { totalCount } applicants { totalCount } courses { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["societies"].as_array().unwrap().len(), 19);
    assert!(data["institutions"]["totalCount"].as_i64().unwrap() >= 1);
    assert!(data["courses"]["totalCount"].as_i64().unwrap() >= 2);
}

fn run_ops_property(cases: u32, ops_of: fn(&World) -> Vec<Op>) {
    let rt = runtime();
    let w = rt.block_on(world());
    let tables = rt.block_on(table_names(&w.app.db));
    let ops = ops_of(&w);
    let slots = ops
        .iter()
        .map(|op| op.slots.iter().map(|(_, slot)| *slot).collect())
        .collect();
    let result = runner(cases).run(&case_strategy(slots), |(op, values)| {
        rt.block_on(run_spoiled(&w, &ops[op], &values));
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    rt.block_on(assert_still_serving(&w, &tables));
}

/// Hostile strings, numbers, dates and IDs in the arguments of mutations.
#[test]
fn mutations_refuse_hostile_arguments_cleanly() {
    run_ops_property(128, mutation_ops);
}

/// Hostile IDs, cursors, numbers and enum values in the arguments of queries.
#[test]
fn queries_refuse_hostile_arguments_cleanly() {
    run_ops_property(128, query_ops);
}

/// `Applicant.eligibility(year:)` takes any Int.
#[test]
fn eligibility_of_any_year_is_answered() {
    let rt = runtime();
    let w = rt.block_on(world());
    let query = "query($y: Int!) { applicants(first: 5) { nodes { eligibility(year: $y) { eligible reasons } } } }";
    let result = runner(64).run(&wild_number(), |year| {
        rt.block_on(async {
            let token = w.app.admin();
            let (status, text) = post(
                &w.app.router,
                Some(&token),
                query,
                &json!({ "y": year.value() }),
            )
            .await;
            assert_clean_refusal(status, &text);
        });
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// The early call opening a day before chrono's last date.
#[tokio::test]
async fn a_cycle_at_the_end_of_time_is_refused() {
    let app = TestApp::spawn().await;
    let (status, text) = post(
        &app.router,
        Some(&app.admin()),
        CREATE_CYCLE,
        &json!({ "i": { "year": 2030, "totalCapacity": 40, "earlyCallOpensOn": "+262142-12-30",
                        "earlyCallClosesOn": "+262142-12-31", "generalCallOpensOn": "+262142-12-31" } }),
    )
    .await;
    let json = assert_clean_refusal(status, &text);
    assert_eq!(error_code(&json).as_deref(), Some("BAD_USER_INPUT"));
}

/// Query documents that do not parse or do not validate.
fn bad_document() -> BoxedStrategy<String> {
    let valid = "query Q($y: Int!) { recruitmentCycle(year: $y) { phase } societies { code courses(first: 2) { totalCount } } }";
    prop_oneof![
        3 => prop::sample::select(vec![
            "",
            " ",
            "{",
            "}",
            "{ nope }",
            "{ viewer { role } } { viewer { role } }",
            "query A { viewer { role } } query A { viewer { role } }",
            "query A { viewer { role } } query B { viewer { role } }",
            "fragment F on Query { ...F } { ...F }",
            "{ viewer(foo: 1) { role } }",
            "{ node(id: 5) { id } }",
            "{ node(id: \"' OR 1=1 --\") { id } }",
            "{ courses(first: 10000000000) { totalCount } }",
            "{ courses(first: -1) { totalCount } }",
            "{ courses(after: \"' OR 1=1 --\") { totalCount } }",
            "{ recruitmentCycle(year: 99999999999) { phase } }",
            "{ society(code: DROP_TABLE) { code } }",
            "subscription { viewer { role } }",
            "mutation { }",
            "mutation { createInstitution }",
            "{ __typename @skip(if: \"yes\") }",
            "{ viewer { role } } # \u{0}",
            "{ viewer { role \u{0} } }",
            "query($x: Int = \"a\") { viewer { role } }",
            "query($x: NoSuchType) { viewer { role } }",
            "{ \"\"\"block\"\"\" }",
            "{ viewer { ...on Course { title } } }",
            "{ a: viewer { role } a: societies { code } }",
        ])
        .prop_map(str::to_owned),
        3 => "[{}()\\[\\]a-zA-Z_:!$@ .,\"=#&|\n0-9-]{0,80}",
        2 => (0..valid.len(), any::<char>()).prop_map(move |(at, c)| {
            let at = (0..=at).rev().find(|i| valid.is_char_boundary(*i)).unwrap_or(0);
            let mut broken = valid.to_owned();
            broken.insert(at, c);
            broken
        }),
        2 => (0..valid.len()).prop_map(move |at| valid[..at].to_owned()),
        1 => (1usize..200).prop_map(|n| format!("{}{}", "{ viewer ".repeat(n), "}".repeat(n))),
    ]
    .boxed()
}

/// Invalid GraphQL documents are refused as BAD_USER_INPUT (or too complex),
/// never with a server error.
#[test]
fn invalid_documents_are_refused_cleanly() {
    let rt = runtime();
    let w = rt.block_on(world());
    let tables = rt.block_on(table_names(&w.app.db));
    let result = runner(128).run(
        &(bad_document(), any::<bool>(), wild_number()),
        |(document, admin, year)| {
            rt.block_on(async {
                let token = admin.then(|| w.app.admin());
                let (status, text) = post(
                    &w.app.router,
                    token.as_deref(),
                    &document,
                    &json!({ "y": year.value() }),
                )
                .await;
                assert_clean_refusal(status, &text);
            });
            Ok(())
        },
    );
    if let Err(err) = result {
        panic!("{err}");
    }
    rt.block_on(assert_still_serving(&w, &tables));
}

/// A request body that is not a GraphQL request in JSON; the large ones
/// are built when sent, so that a failing case prints readably.
#[derive(Clone, Debug)]
enum BadBody {
    Text(&'static str),
    Bytes(Vec<u8>),
    /// `[` n times, then `]` n times.
    NestedArrays(usize),
    /// Variables nested n objects deep.
    NestedVariables(usize),
    /// A query of n `x`s.
    LongQuery(usize),
}

impl BadBody {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Text(text) => text.as_bytes().to_vec(),
            Self::Bytes(bytes) => bytes.clone(),
            Self::NestedArrays(n) => format!("{}{}", "[".repeat(*n), "]".repeat(*n)).into_bytes(),
            Self::NestedVariables(n) => format!(
                "{{\"query\": \"{{ viewer {{ role }} }}\", \"variables\": {}1{}}}",
                "{\"a\":".repeat(*n),
                "}".repeat(*n)
            )
            .into_bytes(),
            Self::LongQuery(n) => format!("{{\"query\": \"{}\"}}", "x".repeat(*n)).into_bytes(),
        }
    }
}

fn malformed_body() -> BoxedStrategy<BadBody> {
    let valid = r#"{"query":"query($y: Int!) { recruitmentCycle(year: $y) { phase } }","variables":{"y":2027}}"#;
    prop_oneof![
        3 => prop::sample::select(vec![
            "",
            "[]",
            "null",
            "5",
            "\"{ viewer { role } }\"",
            "{}",
            r#"{"query": 5}"#,
            r#"{"query": null}"#,
            r#"{"query": ["{ viewer { role } }"]}"#,
            r#"{"query": "{ viewer { role } }", "variables": "x"}"#,
            r#"{"query": "{ viewer { role } }", "variables": [1]}"#,
            r#"{"query": "{ viewer { role } }", "operationName": 5}"#,
            r#"{"query": "{ viewer { role } }", "extensions": "x"}"#,
            r#"[{"query": "{ viewer { role } }"}, {"query": "{ societies { code } }"}]"#,
            r#"{"query": "{ viewer { role } }", "query": "{ societies { code } }"}"#,
            "\u{feff}{\"query\": \"{ viewer { role } }\"}",
            "{\"query\": \"{ viewer\u{0} { role } }\"}",
            r#"{"query": "{ viewer { role } }\ud800"}"#,
            r#"{"query": "{ recruitmentCycle(year: $y) { phase } }", "variables": {"y": 1e999999}}"#,
        ])
        .prop_map(BadBody::Text),
        1 => prop::sample::select(vec![
            BadBody::NestedArrays(10_000),
            BadBody::NestedVariables(5_000),
            BadBody::LongQuery(1_000_000),
        ]),
        2 => prop::collection::vec(any::<u8>(), 0..64).prop_map(BadBody::Bytes),
        2 => (0..valid.len()).prop_map(move |at| BadBody::Bytes(valid.as_bytes()[..at].to_vec())),
        2 => (0..valid.len(), any::<u8>()).prop_map(move |(at, byte)| {
            let mut bytes = valid.as_bytes().to_vec();
            bytes[at] = byte;
            BadBody::Bytes(bytes)
        }),
        2 => "[{}\\[\\]\":,a-z0-9 \\\\]{0,40}".prop_map(|s| BadBody::Bytes(s.into_bytes())),
    ]
    .boxed()
}

async fn post_bytes(w: &World, body: &BadBody) -> (StatusCode, String) {
    let (status, _, text) = send(&w.app.router, graphql_request(None, body.bytes())).await;
    (status, text)
}

/// Bodies that are not JSON, or not a GraphQL request, are refused with a
/// client error; the server keeps serving.
#[test]
fn malformed_bodies_never_fail_the_server() {
    let rt = runtime();
    let w = rt.block_on(world());
    let tables = rt.block_on(table_names(&w.app.db));
    let result = runner(128).run(&malformed_body(), |body| {
        rt.block_on(async {
            let (status, text) = post_bytes(&w, &body).await;
            assert!(
                !status.is_server_error(),
                "HTTP {status}: {}",
                excerpt(&text)
            );
            assert_no_sql(&text);
        });
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    rt.block_on(assert_still_serving(&w, &tables));
}

/// ... and the refusal is a GraphQL error like every other.
#[test]
fn malformed_bodies_are_answered_with_graphql_errors() {
    let rt = runtime();
    let w = rt.block_on(world());
    let result = runner(64).run(&malformed_body(), |body| {
        rt.block_on(async {
            let (status, text) = post_bytes(&w, &body).await;
            let json = assert_clean_refusal(status, &text);
            if status != StatusCode::OK {
                assert_eq!(
                    error_code(&json).as_deref(),
                    Some("BAD_USER_INPUT"),
                    "{json}"
                );
            }
        });
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

// --- 3. tokens ----------------------------------------------------------------------

/// A test-only Ed25519 key pair (`openssl genpkey -algorithm ed25519`),
/// standing in for an identity provider's.
const ED25519_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEICTuKKpDvNCVv1k0FwMwXg2nVxgdgEXP73IjCZd5uzRg
-----END PRIVATE KEY-----
";
const ED25519_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAhoGJ/XXEv/RJkYAgU2Jk5wgGUC/MATIWZ29K+co0Kf8=
-----END PUBLIC KEY-----
";
/// Another test-only Ed25519 private key: not the provider's.
const OTHER_ED25519_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIOOk16duGTDYjK9szCgz0CmuB1pXMxGXzJXk2JNcr8nX
-----END PRIVATE KEY-----
";

const VIEWER: &str = "{ viewer { role subject } }";
const GENERIC_REFUSAL: &str = "invalid or expired token";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims that would be valid, as JSON so that they can be bent out of shape.
fn claims() -> Value {
    let now = now();
    json!({ "sub": "board-staff-1", "role": "ADMIN", "iss": ISSUER, "aud": AUDIENCE,
            "exp": now + 600, "iat": now, "nbf": now })
}

fn hs256(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn eddsa(claims: &Value, private_pem: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::EdDSA),
        claims,
        &EncodingKey::from_ed_pem(private_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn call_with_token(router: &Router, token: &str) -> (StatusCode, HeaderMap, String) {
    let body = json!({ "query": VIEWER }).to_string();
    send(
        router,
        graphql_request(Some(&format!("Bearer {token}")), body),
    )
    .await
}

async fn assert_refused(router: &Router, token: &str, case: &str) {
    let (status, headers, text) = call_with_token(router, token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {text}");
    assert_eq!(
        headers
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap()),
        Some("Bearer"),
        "{case}"
    );
    let json = parse(&text);
    assert_eq!(
        error_code(&json).as_deref(),
        Some("UNAUTHENTICATED"),
        "{case}: {json}"
    );
    assert_eq!(
        json["errors"][0]["message"], GENERIC_REFUSAL,
        "{case}: one generic message, whatever the reason"
    );
    assert!(json.get("data").is_none(), "{case}: {json}");
}

async fn assert_accepted(router: &Router, token: &str, case: &str) {
    let (status, _, text) = call_with_token(router, token).await;
    assert_eq!(status, StatusCode::OK, "{case}: {text}");
    let json = parse(&text);
    assert!(json.get("errors").is_none(), "{case}: {json}");
    assert_eq!(json["data"]["viewer"]["role"], "ADMIN", "{case}: {json}");
}

#[tokio::test]
async fn tokens_bent_out_of_shape_are_refused_alike() {
    let app = TestApp::spawn().await;
    let router = &app.router;
    let now = now();

    let mut not_yet = claims();
    not_yet["nbf"] = json!(now + 3600);
    assert_refused(router, &hs256(&not_yet), "nbf an hour ahead").await;

    let mut exp_text = claims();
    exp_text["exp"] = json!("9999999999");
    assert_refused(router, &hs256(&exp_text), "exp as a string").await;

    let mut nbf_text = claims();
    nbf_text["nbf"] = json!(now.to_string());
    assert_refused(router, &hs256(&nbf_text), "nbf as a string").await;

    let mut no_sub = claims();
    no_sub.as_object_mut().unwrap().remove("sub");
    assert_refused(router, &hs256(&no_sub), "no sub").await;

    let mut no_nbf = claims();
    no_nbf.as_object_mut().unwrap().remove("nbf");
    assert_refused(router, &hs256(&no_nbf), "no nbf").await;

    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_refused(router, &hs256(&no_exp), "no exp").await;

    // An applicant's valid token with its payload edited to ADMIN.
    let mut applicant = claims();
    applicant["role"] = json!("APPLICANT");
    applicant["sub"] = json!("doctor-1");
    let token = hs256(&applicant);
    assert_eq!(
        send(
            router,
            graphql_request(
                Some(&format!("Bearer {token}")),
                json!({ "query": VIEWER }).to_string()
            )
        )
        .await
        .0,
        StatusCode::OK
    );
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["role"] = json!("ADMIN");
    let edited = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_refused(router, &edited, "payload edited to ADMIN").await;

    // The header edited to another algorithm, signature kept.
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS384","typ":"JWT"}"#);
    let rehead = format!("{header}.{}.{}", parts[1], parts[2]);
    assert_refused(router, &rehead, "header edited to HS384").await;

    // An EdDSA token where HS256 is pinned.
    assert_refused(
        router,
        &eddsa(&claims(), ED25519_PRIVATE_PEM),
        "EdDSA to HS256",
    )
    .await;
}

#[tokio::test]
async fn thirty_seconds_of_clock_skew_are_forgiven_not_more() {
    let app = TestApp::spawn().await;
    let now = now();
    let mut claims = claims();
    claims["iat"] = json!(now - 3600);
    claims["nbf"] = json!(now - 3600);

    claims["exp"] = json!(now - 10);
    assert_accepted(&app.router, &hs256(&claims), "expired 10 s ago").await;
    claims["exp"] = json!(now - 120);
    assert_refused(&app.router, &hs256(&claims), "expired 120 s ago").await;

    claims["exp"] = json!(now + 600);
    claims["nbf"] = json!(now + 10);
    assert_accepted(&app.router, &hs256(&claims), "valid from 10 s ahead").await;
    claims["nbf"] = json!(now + 120);
    assert_refused(&app.router, &hs256(&claims), "valid from 120 s ahead").await;
}

/// A deployment that verifies an identity provider's EdDSA tokens with its
/// public key: only tokens signed with the matching private key pass.
#[tokio::test]
async fn a_public_key_deployment_pins_its_algorithm_and_key() {
    let app = TestApp::spawn().await;
    let keys = TokenKeys::from_public_key_pem(ED25519_PUBLIC_PEM.as_bytes(), ISSUER, AUDIENCE)
        .expect("an Ed25519 public key");
    assert!(!keys.can_issue());
    let state = AppState::new(
        app.db.clone(),
        keys,
        Clock {
            fixed_today: Some(today()),
        },
    )
    .await
    .unwrap();
    let router = build_router(state);

    assert_accepted(
        &router,
        &eddsa(&claims(), ED25519_PRIVATE_PEM),
        "EdDSA, the provider's key",
    )
    .await;

    assert_refused(&router, &app.admin(), "HS256 with the service's secret").await;
    assert_refused(&router, &hs256(&claims()), "HS256").await;
    // Algorithm confusion: HS256 keyed with the public key's own bytes.
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(ED25519_PUBLIC_PEM.as_bytes()),
    )
    .unwrap();
    assert_refused(&router, &confused, "HS256 keyed with the public PEM").await;
    assert_refused(
        &router,
        &eddsa(&claims(), OTHER_ED25519_PRIVATE_PEM),
        "EdDSA, another key",
    )
    .await;
    let mut expired = claims();
    expired["exp"] = json!(now() - 3600);
    assert_refused(
        &router,
        &eddsa(&expired, ED25519_PRIVATE_PEM),
        "EdDSA, expired",
    )
    .await;
    let mut foreign = claims();
    foreign["aud"] = json!("another-api");
    assert_refused(
        &router,
        &eddsa(&foreign, ED25519_PRIVATE_PEM),
        "EdDSA, other audience",
    )
    .await;
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims().to_string())
    );
    assert_refused(&router, &none, "alg none").await;
    // A bad token never falls back to anonymous; no token still is.
    let (status, _, text) = send(
        &router,
        graphql_request(None, json!({ "query": VIEWER }).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parse(&text)["data"]["viewer"]["role"], Value::Null);
}

/// A body over the limit that does not declare its length (chunked) is
/// refused while it is read: 413 like a declared one.
#[tokio::test]
async fn an_oversized_body_of_undeclared_length_is_too_large() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(1024 * 1024 + 1);
    let body =
        json!({ "query": "{ viewer { role } }", "variables": { "pad": padding } }).to_string();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let (status, _, text) = send(&app.router, request).await;
    assert_no_sql(&text);
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", excerpt(&text));
}
