//! One test per rule of the recruitment cycle, the early call and the
//! selection: each refused call gives its error code (and `extensions.field`
//! for bad input) and leaves every table but the audit trail as it was.
//! Phases are reached with fixtures rather than by running the whole year.

use crate::helpers::{TestApp, YEAR, error_code, error_field, gid};
use chrono::Utc;
use csc::entity::enums::FieldCode::{self, *};
use csc::entity::enums::{
    ApplicationOutcome, ApplicationStatus, CourseStatus, CyclePhase, Decision,
    GeneralApplicationStatus,
};
use csc::entity::{
    applicant, application, course, field_quota, general_application, participation,
    recruitment_cycle, trainee,
};
use csc::ids;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

// --- operations ---------------------------------------------------------------

const CREATE_CYCLE: &str = "mutation($i: CreateRecruitmentCycleInput!) { createRecruitmentCycle(input: $i) { year phase totalCapacity sanctionYears earlyCallOpensOn } }";
const SUBMIT: &str = "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { id status generalApplication { programName status } } }";
const SET_GENERAL: &str = "mutation($id: ID!, $g: GeneralApplicationInput!) { setGeneralApplication(applicationId: $id, input: $g) { id generalApplication { programName status } } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawApplication(id: $id) { status } }";
const DECIDE: &str =
    "mutation($id: ID!, $d: Decision!) { decideApplication(id: $id, decision: $d) { status } }";
const CONFIRM: &str =
    "mutation($id: ID!) { confirmDecision(id: $id) { status decisionBasis proposedDecision } }";
const ADJUST: &str = "mutation($y: Int!, $f: FieldCode!, $q: Int!, $r: String!) { adjustFieldQuota(year: $y, field: $f, quota: $q, reason: $r) { quota adjustmentReason } }";

/// The board's mutations that take only a year.
const PHASE_MOVES: [&str; 4] = [
    "openEarlyCall",
    "closeEarlyCall",
    "allocateFieldQuotas",
    "finalizeSelection",
];

fn year_mutation(name: &str) -> String {
    format!("mutation($y: Int!) {{ {name}(year: $y) {{ __typename }} }}")
}

fn code(field: FieldCode) -> String {
    field.to_value()
}

fn cycle_input(year: i32, capacity: i32, opens: &str, closes: &str, general: &str) -> Value {
    json!({ "i": { "year": year, "totalCapacity": capacity, "earlyCallOpensOn": opens,
                   "earlyCallClosesOn": closes, "generalCallOpensOn": general } })
}

fn general_input(program: &str, institution: &str) -> Value {
    json!({ "programName": program, "field": "INTERNAL_MEDICINE", "institutionId": institution })
}

fn submit_vars(course: &str, general: Option<Value>) -> Value {
    json!({ "i": { "courseId": course, "generalApplication": general } })
}

fn decide_vars(application: &str, decision: &str) -> Value {
    json!({ "id": application, "d": decision })
}

fn adjust_vars(field: FieldCode, quota: i32, reason: &str) -> Value {
    json!({ "y": YEAR, "f": code(field), "q": quota, "r": reason })
}

// --- what a refused call must leave alone -------------------------------------

/// Every row a recruitment mutation could touch, audit events aside.
#[derive(Debug, PartialEq)]
struct Snapshot {
    cycles: Vec<(i32, CyclePhase, i32, i32)>,
    courses: Vec<(i64, CourseStatus)>,
    applications: Vec<(i64, ApplicationStatus, ApplicationOutcome, Option<Decision>)>,
    general_applications: Vec<(i64, i64, String, GeneralApplicationStatus)>,
    field_quotas: Vec<(i64, i32, Option<String>)>,
    participation_rows: u64,
    trainee_rows: u64,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    let db = &app.db;
    Snapshot {
        cycles: recruitment_cycle::Entity::find()
            .order_by_asc(recruitment_cycle::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.year, c.phase, c.total_capacity, c.sanction_years))
            .collect(),
        courses: course::Entity::find()
            .order_by_asc(course::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.status))
            .collect(),
        applications: application::Entity::find()
            .order_by_asc(application::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.id, a.status, a.outcome, a.proposed_decision))
            .collect(),
        general_applications: general_application::Entity::find()
            .order_by_asc(general_application::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|g| (g.id, g.application_id, g.program_name, g.status))
            .collect(),
        field_quotas: field_quota::Entity::find()
            .order_by_asc(field_quota::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|q| (q.society_id, q.quota, q.adjustment_reason))
            .collect(),
        participation_rows: participation::Entity::find().count(db).await.unwrap(),
        trainee_rows: trainee::Entity::find().count(db).await.unwrap(),
    }
}

/// Runs `query` as `token`; asserts the error `code`, the `extensions.field`
/// (`None` unless BAD_USER_INPUT), and that nothing changed. Returns the response.
async fn refused(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
    code: &str,
    field: Option<&str>,
) -> Value {
    let before = snapshot(app).await;
    let (_, json) = app.gql(token, query, variables).await;
    assert_eq!(error_code(&json).as_deref(), Some(code), "{json}");
    assert_eq!(error_field(&json).as_deref(), field, "{json}");
    assert_eq!(
        snapshot(app).await,
        before,
        "a refused call changed data: {json}"
    );
    json
}

async fn application_rows(app: &TestApp) -> u64 {
    application::Entity::find().count(&app.db).await.unwrap()
}

async fn general_rows(app: &TestApp) -> u64 {
    general_application::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

async fn quota_rows(app: &TestApp) -> u64 {
    field_quota::Entity::find().count(&app.db).await.unwrap()
}

async fn trainee_rows(app: &TestApp) -> u64 {
    trainee::Entity::find().count(&app.db).await.unwrap()
}

// --- fixtures -------------------------------------------------------------------

async fn cycle_row(app: &TestApp, year: i32) -> recruitment_cycle::Model {
    recruitment_cycle::Entity::find()
        .filter(recruitment_cycle::Column::Year.eq(year))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the cycle exists")
}

async fn phase_of(app: &TestApp, year: i32) -> CyclePhase {
    cycle_row(app, year).await.phase
}

async fn set_capacity(app: &TestApp, total: i32) {
    let mut active = cycle_row(app, YEAR).await.into_active_model();
    active.total_capacity = Set(total);
    active.update(&app.db).await.unwrap();
}

/// The fixture cycle of `YEAR` (40 seats), in `phase`.
async fn cycle_in(app: &TestApp, phase: CyclePhase) {
    app.cycle(YEAR).phase(phase).insert().await;
}

async fn quota_row(app: &TestApp, field: FieldCode) -> field_quota::Model {
    let society_id = app.society_id(field).await;
    field_quota::Entity::find()
        .filter(field_quota::Column::Year.eq(YEAR))
        .filter(field_quota::Column::SocietyId.eq(society_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the quota row exists")
}

/// A course of `field` (2 seats) at `hospital`; returns its global ID and row id.
async fn course_of(
    app: &TestApp,
    hospital: i64,
    field: FieldCode,
    status: CourseStatus,
) -> (String, i64) {
    let title = format!("{} 臨床研究医コース", code(field));
    let id = app.insert_course(&title, field, hospital, status).await;
    (gid(ids::COURSE, id), id)
}

async fn withdraw_course_row(app: &TestApp, course_id: i64) {
    let row = course::Entity::find_by_id(course_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    active.status = Set(CourseStatus::Withdrawn);
    active.withdrawn_at = Set(Some(Utc::now()));
    active.withdrawal_reason = Set(Some("責任医療機関の事情".to_owned()));
    active.update(&app.db).await.unwrap();
}

/// A registered, eligible doctor whose token subject is `sub`.
async fn doctor(app: &TestApp, sub: &str) -> i64 {
    app.insert_applicant(sub, &format!("L-{sub}")).await
}

/// A registered doctor `sub` with an application of `status` to `course_id`;
/// returns the application's global ID.
async fn applied(app: &TestApp, sub: &str, course_id: i64, status: ApplicationStatus) -> String {
    let applicant_id = doctor(app, sub).await;
    let id = app
        .insert_application(applicant_id, course_id, status)
        .await;
    gid(ids::APPLICATION, id)
}

async fn application_status(app: &TestApp, global_id: &str) -> ApplicationStatus {
    let (_, id) = ids::decode(global_id).unwrap();
    application::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// A cycle in `phase` with one published internal-medicine course (2 seats)
/// at a fresh university hospital; returns (hospital, course global ID, course row id).
async fn open_course(app: &TestApp, phase: CyclePhase) -> (i64, String, i64) {
    cycle_in(app, phase).await;
    let hospital = app.insert_institution("京都大学医学部附属病院").await;
    let (course, course_id) =
        course_of(app, hospital, InternalMedicine, CourseStatus::Published).await;
    (hospital, course, course_id)
}

// --- createRecruitmentCycle -----------------------------------------------------

#[tokio::test]
async fn create_cycle_is_for_the_board_only() {
    let app = TestApp::spawn().await;
    let hospital = app.insert_institution("東北大学病院").await;
    let input = cycle_input(2028, 40, "2027-09-01", "2027-09-30", "2027-11-04");
    // A SOCIETY token for GENERAL_PRACTICE is no token at all (the board runs it).
    for (token, code) in [
        (app.society(InternalMedicine), "FORBIDDEN"),
        (app.society(GeneralPractice), "UNAUTHENTICATED"),
        (app.institution(hospital), "FORBIDDEN"),
        (app.applicant("doctor-1"), "FORBIDDEN"),
    ] {
        refused(&app, Some(&token), CREATE_CYCLE, input.clone(), code, None).await;
    }
    refused(&app, None, CREATE_CYCLE, input, "UNAUTHENTICATED", None).await;
    assert!(snapshot(&app).await.cycles.is_empty());
}

#[tokio::test]
async fn create_cycle_refuses_a_second_cycle_for_the_year() {
    let app = TestApp::spawn().await;
    let input = cycle_input(2028, 40, "2027-09-01", "2027-09-30", "2027-11-04");
    app.data(Some(&app.admin()), CREATE_CYCLE, input).await;
    let other = cycle_input(2028, 60, "2027-09-10", "2027-10-10", "2027-11-10");
    refused(
        &app,
        Some(&app.admin()),
        CREATE_CYCLE,
        other,
        "CONFLICT",
        None,
    )
    .await;
    let cycles = snapshot(&app).await.cycles;
    assert_eq!(cycles, vec![(2028, CyclePhase::Planning, 40, 1)]);
}

#[tokio::test]
async fn create_cycle_needs_at_least_one_seat() {
    let app = TestApp::spawn().await;
    for capacity in [0, -1] {
        let input = cycle_input(2028, capacity, "2027-09-01", "2027-09-30", "2027-11-04");
        let admin = app.admin();
        let field = Some("input.totalCapacity");
        refused(
            &app,
            Some(&admin),
            CREATE_CYCLE,
            input,
            "BAD_USER_INPUT",
            field,
        )
        .await;
    }
}

#[tokio::test]
async fn create_cycle_early_call_must_close_after_it_opens() {
    let app = TestApp::spawn().await;
    for closes in ["2027-08-31", "2027-09-01"] {
        let input = cycle_input(2028, 40, "2027-09-01", closes, "2027-11-04");
        let admin = app.admin();
        let field = Some("input.earlyCallClosesOn");
        refused(
            &app,
            Some(&admin),
            CREATE_CYCLE,
            input,
            "BAD_USER_INPUT",
            field,
        )
        .await;
    }
}

#[tokio::test]
async fn create_cycle_general_call_opens_at_least_28_days_after_the_early_call() {
    let app = TestApp::spawn().await;
    // 2027-09-01 + 27 days = 2027-09-28: too early.
    let input = cycle_input(2028, 40, "2027-09-01", "2027-09-20", "2027-09-28");
    let admin = app.admin();
    let field = Some("input.generalCallOpensOn");
    refused(
        &app,
        Some(&admin),
        CREATE_CYCLE,
        input,
        "BAD_USER_INPUT",
        field,
    )
    .await;
    // + 28 days = 2027-09-29: accepted.
    let input = cycle_input(2028, 40, "2027-09-01", "2027-09-20", "2027-09-29");
    let data = app.data(Some(&admin), CREATE_CYCLE, input).await;
    assert_eq!(data["createRecruitmentCycle"]["phase"], "PLANNING");
    assert_eq!(phase_of(&app, 2028).await, CyclePhase::Planning);
}

#[tokio::test]
async fn create_cycle_sanction_years_default_to_one() {
    let app = TestApp::spawn().await;
    let input = cycle_input(2028, 40, "2027-09-01", "2027-09-30", "2027-11-04");
    let data = app.data(Some(&app.admin()), CREATE_CYCLE, input).await;
    assert_eq!(data["createRecruitmentCycle"]["sanctionYears"], 1);
    assert_eq!(cycle_row(&app, 2028).await.sanction_years, 1);
    let read = app
        .data(
            None,
            "{ recruitmentCycle(year: 2028) { sanctionYears } }",
            json!({}),
        )
        .await;
    assert_eq!(read["recruitmentCycle"]["sanctionYears"], 1);
}

#[tokio::test]
async fn create_cycle_accepts_a_past_year() {
    let app = TestApp::spawn().await;
    // The first intake: the call opened on 2020-09-23, the general call on 2020-11-04.
    let input = cycle_input(2021, 40, "2020-09-23", "2020-10-19", "2020-11-04");
    let data = app.data(Some(&app.admin()), CREATE_CYCLE, input).await;
    let cycle = &data["createRecruitmentCycle"];
    assert_eq!(cycle["year"], 2021);
    assert_eq!(cycle["phase"], "PLANNING");
    assert_eq!(cycle["earlyCallOpensOn"], "2020-09-23");
    assert_eq!(phase_of(&app, 2021).await, CyclePhase::Planning);
}

// --- phase moves ------------------------------------------------------------------

#[tokio::test]
async fn open_early_call_twice_is_the_wrong_phase() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::Planning).await;
    let admin = app.admin();
    let open = year_mutation("openEarlyCall");
    app.data(Some(&admin), &open, json!({ "y": YEAR })).await;
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::EarlyCallOpen);
    refused(
        &app,
        Some(&admin),
        &open,
        json!({ "y": YEAR }),
        "WRONG_PHASE",
        None,
    )
    .await;
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::EarlyCallOpen);
}

#[tokio::test]
async fn close_early_call_from_planning_is_the_wrong_phase() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::Planning).await;
    let close = year_mutation("closeEarlyCall");
    let vars = json!({ "y": YEAR });
    refused(&app, Some(&app.admin()), &close, vars, "WRONG_PHASE", None).await;
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::Planning);
}

#[tokio::test]
async fn allocate_before_the_call_closes_is_the_wrong_phase() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::EarlyCallOpen).await;
    app.insert_participation(InternalMedicine, YEAR, true).await;
    let allocate = year_mutation("allocateFieldQuotas");
    let vars = json!({ "y": YEAR });
    refused(
        &app,
        Some(&app.admin()),
        &allocate,
        vars,
        "WRONG_PHASE",
        None,
    )
    .await;
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::EarlyCallOpen);
    assert_eq!(quota_rows(&app).await, 0);
}

#[tokio::test]
async fn finalize_before_allocation_is_the_wrong_phase() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::EarlyCallClosed).await;
    applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let finalize = year_mutation("finalizeSelection");
    let vars = json!({ "y": YEAR });
    refused(
        &app,
        Some(&app.admin()),
        &finalize,
        vars,
        "WRONG_PHASE",
        None,
    )
    .await;
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::EarlyCallClosed);
    assert_eq!(trainee_rows(&app).await, 0);
}

#[tokio::test]
async fn phase_moves_of_an_unknown_year_are_not_found() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::Planning).await;
    let admin = app.admin();
    for name in PHASE_MOVES {
        let vars = json!({ "y": 2031 });
        refused(
            &app,
            Some(&admin),
            &year_mutation(name),
            vars,
            "NOT_FOUND",
            None,
        )
        .await;
    }
    let vars = json!({ "y": 2031, "f": "INTERNAL_MEDICINE", "q": 3, "r": "応募者増" });
    refused(&app, Some(&admin), ADJUST, vars, "NOT_FOUND", None).await;
}

#[tokio::test]
async fn phase_moves_are_for_the_board_only() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::Planning).await;
    let hospital = app.insert_institution("東北大学病院").await;
    doctor(&app, "doctor-1").await;
    // A SOCIETY token for GENERAL_PRACTICE is no token at all (the board runs it).
    let tokens = [
        (app.society(InternalMedicine), "FORBIDDEN"),
        (app.society(GeneralPractice), "UNAUTHENTICATED"),
        (app.institution(hospital), "FORBIDDEN"),
        (app.applicant("doctor-1"), "FORBIDDEN"),
    ];
    for name in PHASE_MOVES {
        for (token, code) in &tokens {
            let vars = json!({ "y": YEAR });
            refused(&app, Some(token), &year_mutation(name), vars, code, None).await;
        }
    }
    for (token, code) in &tokens {
        let vars = adjust_vars(InternalMedicine, 3, "応募者増");
        refused(&app, Some(token), ADJUST, vars, code, None).await;
    }
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::Planning);
}

// --- allocateFieldQuotas ------------------------------------------------------------

/// II.2(2): every participating field gets a seat; the fields whose
/// society never decided take part too (II.2(1)), so here 18 of 19 do.
#[tokio::test]
async fn allocate_fails_when_seats_are_fewer_than_participating_fields_ii_2_2() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::EarlyCallClosed).await;
    applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    set_capacity(&app, 17).await;
    for field in [InternalMedicine, Pediatrics, Dermatology, Psychiatry] {
        app.insert_participation(field, YEAR, true).await;
    }
    app.insert_participation(Surgery, YEAR, false).await;
    let allocate = year_mutation("allocateFieldQuotas");
    let vars = json!({ "y": YEAR });
    let admin = app.admin();
    refused(
        &app,
        Some(&admin),
        &allocate,
        vars.clone(),
        "BAD_USER_INPUT",
        Some("year"),
    )
    .await;
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::EarlyCallClosed);
    assert_eq!(quota_rows(&app).await, 0);

    // One seat per participating field is just enough.
    set_capacity(&app, 18).await;
    app.data(Some(&admin), &allocate, vars).await;
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::QuotasAllocated);
}

/// II.2(1) 「不参加でもかまわない」: staying out is a society's decision; one
/// that never decided takes part and gets its seat.
#[tokio::test]
async fn allocate_with_no_applicants_gives_each_participating_field_one_seat_ii_2_1() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::EarlyCallClosed).await;
    let taking_part = [
        InternalMedicine,
        Pediatrics,
        Urology,
        PlasticSurgery,
        GeneralPractice,
    ];
    for field in taking_part {
        app.insert_participation(field, YEAR, true).await;
    }
    app.insert_participation(Radiology, YEAR, false).await;
    let data = app
        .data(
            Some(&app.admin()),
            "mutation($y: Int!) { allocateFieldQuotas(year: $y) { society { code } participating applicants minimumSeats proportionalShare remainderSeats quota } }",
            json!({ "y": YEAR }),
        )
        .await;
    let quotas = data["allocateFieldQuotas"].as_array().unwrap();
    assert_eq!(quotas.len(), 19);
    for (q, field) in quotas.iter().zip(FieldCode::iter()) {
        assert_eq!(q["society"]["code"], code(field));
        let participating = field != Radiology;
        assert!(participating || !taking_part.contains(&field));
        assert_eq!(q["participating"], participating, "{q}");
        assert_eq!(q["quota"], i32::from(participating), "{q}");
        assert_eq!(q["minimumSeats"], i32::from(participating), "{q}");
        assert_eq!(q["applicants"], 0, "{q}");
        assert_eq!(q["remainderSeats"], 0, "{q}");
        assert_eq!(q["proportionalShare"].as_f64(), Some(0.0), "{q}");
    }
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::QuotasAllocated);
    assert_eq!(quota_rows(&app).await, 19);
}

// --- submitApplication ------------------------------------------------------------------

#[tokio::test]
async fn submit_by_an_unregistered_applicant_is_forbidden() {
    let app = TestApp::spawn().await;
    let (_, course, _) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let token = app.applicant("never-registered");
    refused(
        &app,
        Some(&token),
        SUBMIT,
        submit_vars(&course, None),
        "FORBIDDEN",
        None,
    )
    .await;
    assert_eq!(application_rows(&app).await, 0);
}

#[tokio::test]
async fn submit_to_a_draft_course_is_not_found() {
    let app = TestApp::spawn().await;
    let (hospital, _, _) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let (draft, _) = course_of(&app, hospital, Pediatrics, CourseStatus::Draft).await;
    doctor(&app, "doctor-1").await;
    let token = app.applicant("doctor-1");
    refused(
        &app,
        Some(&token),
        SUBMIT,
        submit_vars(&draft, None),
        "NOT_FOUND",
        None,
    )
    .await;
    assert_eq!(application_rows(&app).await, 0);
}

#[tokio::test]
async fn submit_while_planning_is_the_wrong_phase() {
    let app = TestApp::spawn().await;
    let (_, course, _) = open_course(&app, CyclePhase::Planning).await;
    doctor(&app, "doctor-1").await;
    let token = app.applicant("doctor-1");
    refused(
        &app,
        Some(&token),
        SUBMIT,
        submit_vars(&course, None),
        "WRONG_PHASE",
        None,
    )
    .await;
    assert_eq!(application_rows(&app).await, 0);
}

#[tokio::test]
async fn submit_by_a_society_is_forbidden() {
    let app = TestApp::spawn().await;
    let (_, course, _) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let token = app.society(InternalMedicine);
    refused(
        &app,
        Some(&token),
        SUBMIT,
        submit_vars(&course, None),
        "FORBIDDEN",
        None,
    )
    .await;
    assert_eq!(application_rows(&app).await, 0);
}

#[tokio::test]
async fn submit_with_a_malformed_course_id_is_bad_input() {
    let app = TestApp::spawn().await;
    let (hospital, _, _) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    doctor(&app, "doctor-1").await;
    let token = app.applicant("doctor-1");
    // Garbage, and a well-formed ID of another type.
    for course in ["not-an-id".to_owned(), gid(ids::INSTITUTION, hospital)] {
        let field = Some("input.courseId");
        let vars = submit_vars(&course, None);
        refused(&app, Some(&token), SUBMIT, vars, "BAD_USER_INPUT", field).await;
    }
    assert_eq!(application_rows(&app).await, 0);
}

#[tokio::test]
async fn submit_with_a_general_application_to_an_unknown_institution_creates_nothing() {
    let app = TestApp::spawn().await;
    let (_, course, _) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    doctor(&app, "doctor-1").await;
    let token = app.applicant("doctor-1");
    let unknown = gid(ids::INSTITUTION, 999_999);
    let vars = submit_vars(
        &course,
        Some(general_input("内科専門研修プログラム", &unknown)),
    );
    let field = Some("input.generalApplication.institutionId");
    refused(&app, Some(&token), SUBMIT, vars, "BAD_USER_INPUT", field).await;
    assert_eq!(application_rows(&app).await, 0);
    assert_eq!(general_rows(&app).await, 0);
}

#[tokio::test]
async fn submit_by_an_ineligible_applicant_lists_every_reason_in_order() {
    let app = TestApp::spawn().await;
    let (_, course, _) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let id = doctor(&app, "regional").await;
    let row = applicant::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    active.regional_quota_obligation = Set(true);
    // Initial training ends after the course starts on 2027-04-01.
    active.initial_training_completed_on = Set(crate::helpers::date(2027, 9, 30));
    active.update(&app.db).await.unwrap();

    let token = app.applicant("regional");
    let json = refused(
        &app,
        Some(&token),
        SUBMIT,
        submit_vars(&course, None),
        "INELIGIBLE",
        None,
    )
    .await;
    assert_eq!(
        json["errors"][0]["extensions"]["reasons"],
        json!(["REGIONAL_QUOTA_OBLIGATION", "INITIAL_TRAINING_INCOMPLETE"])
    );
    assert_eq!(application_rows(&app).await, 0);
}

// --- setGeneralApplication -----------------------------------------------------------------

#[tokio::test]
async fn set_general_application_on_another_applicants_application_is_forbidden() {
    let app = TestApp::spawn().await;
    let (hospital, _, course_id) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let theirs = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    doctor(&app, "doctor-2").await;
    let vars = json!({ "id": theirs, "g": general_input("内科専門研修プログラム", &gid(ids::INSTITUTION, hospital)) });
    let token = app.applicant("doctor-2");
    refused(&app, Some(&token), SET_GENERAL, vars, "FORBIDDEN", None).await;
    assert_eq!(general_rows(&app).await, 0);
}

#[tokio::test]
async fn set_general_application_on_a_withdrawn_application_conflicts() {
    let app = TestApp::spawn().await;
    let (hospital, _, course_id) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let mine = applied(&app, "doctor-1", course_id, ApplicationStatus::Withdrawn).await;
    let vars = json!({ "id": mine, "g": general_input("内科専門研修プログラム", &gid(ids::INSTITUTION, hospital)) });
    let token = app.applicant("doctor-1");
    refused(&app, Some(&token), SET_GENERAL, vars, "CONFLICT", None).await;
    assert_eq!(general_rows(&app).await, 0);
}

#[tokio::test]
async fn set_general_application_replaces_the_one_on_record() {
    let app = TestApp::spawn().await;
    let (hospital, course, _) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let regular = gid(ids::INSTITUTION, hospital);
    doctor(&app, "doctor-1").await;
    let token = app.applicant("doctor-1");
    let vars = submit_vars(
        &course,
        Some(general_input("内科専門研修プログラム", &regular)),
    );
    let data = app.data(Some(&token), SUBMIT, vars).await;
    let id = data["submitApplication"]["id"].as_str().unwrap().to_owned();
    assert_eq!(general_rows(&app).await, 1);

    for program in ["小児科専門研修プログラム", "皮膚科専門研修プログラム"]
    {
        let vars = json!({ "id": id, "g": general_input(program, &regular) });
        let data = app.data(Some(&token), SET_GENERAL, vars).await;
        let general = &data["setGeneralApplication"]["generalApplication"];
        assert_eq!(general["programName"], program);
        assert_eq!(general["status"], "PENDING");
        assert_eq!(general_rows(&app).await, 1);
    }
    let rows = general_application::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].program_name, "皮膚科専門研修プログラム");
}

// --- withdrawApplication ---------------------------------------------------------------------

#[tokio::test]
async fn withdraw_by_another_applicant_is_forbidden() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let theirs = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    doctor(&app, "doctor-2").await;
    let token = app.applicant("doctor-2");
    refused(
        &app,
        Some(&token),
        WITHDRAW,
        json!({ "id": theirs }),
        "FORBIDDEN",
        None,
    )
    .await;
    assert_eq!(
        application_status(&app, &theirs).await,
        ApplicationStatus::Submitted
    );
}

#[tokio::test]
async fn withdraw_twice_conflicts() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let mine = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let token = app.applicant("doctor-1");
    let vars = json!({ "id": mine });
    let data = app.data(Some(&token), WITHDRAW, vars.clone()).await;
    assert_eq!(data["withdrawApplication"]["status"], "WITHDRAWN");
    refused(&app, Some(&token), WITHDRAW, vars, "CONFLICT", None).await;
    assert_eq!(
        application_status(&app, &mine).await,
        ApplicationStatus::Withdrawn
    );
}

#[tokio::test]
async fn withdraw_by_the_board_works() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::EarlyCallClosed).await;
    let theirs = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let data = app
        .data(Some(&app.admin()), WITHDRAW, json!({ "id": theirs }))
        .await;
    assert_eq!(data["withdrawApplication"]["status"], "WITHDRAWN");
    assert_eq!(
        application_status(&app, &theirs).await,
        ApplicationStatus::Withdrawn
    );
}

#[tokio::test]
async fn withdraw_after_selection_is_final_is_the_wrong_phase() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::SelectionFinalized).await;
    let mine = applied(&app, "doctor-1", course_id, ApplicationStatus::Adopted).await;
    let vars = json!({ "id": mine });
    let token = app.applicant("doctor-1");
    refused(
        &app,
        Some(&token),
        WITHDRAW,
        vars.clone(),
        "WRONG_PHASE",
        None,
    )
    .await;
    refused(
        &app,
        Some(&app.admin()),
        WITHDRAW,
        vars,
        "WRONG_PHASE",
        None,
    )
    .await;
    assert_eq!(
        application_status(&app, &mine).await,
        ApplicationStatus::Adopted
    );
}

// --- decideApplication -----------------------------------------------------------------------

#[tokio::test]
async fn decide_before_quotas_are_allocated_is_the_wrong_phase() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::EarlyCallClosed).await;
    let id = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let society = app.society(InternalMedicine);
    for (token, decision) in [(&society, "ADOPT"), (&app.admin(), "NOT_ADOPT")] {
        let vars = decide_vars(&id, decision);
        refused(&app, Some(token), DECIDE, vars, "WRONG_PHASE", None).await;
    }
}

#[tokio::test]
async fn decide_by_an_institution_is_forbidden() {
    let app = TestApp::spawn().await;
    let (hospital, _, course_id) = open_course(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 5).insert().await;
    let id = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    // Even the course's own responsible institution.
    let token = app.institution(hospital);
    refused(
        &app,
        Some(&token),
        DECIDE,
        decide_vars(&id, "ADOPT"),
        "FORBIDDEN",
        None,
    )
    .await;
}

#[tokio::test]
async fn decide_by_the_society_of_another_field_is_forbidden() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 5).insert().await;
    app.field_quota(Pediatrics, 5).insert().await;
    let id = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let token = app.society(Pediatrics);
    for decision in ["ADOPT", "NOT_ADOPT"] {
        let vars = decide_vars(&id, decision);
        refused(&app, Some(&token), DECIDE, vars, "FORBIDDEN", None).await;
    }
}

#[tokio::test]
async fn decide_in_general_practice_is_for_the_board_only() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::QuotasAllocated).await;
    let hospital = app.insert_institution("自治医科大学附属病院").await;
    let (_, course_id) = course_of(&app, hospital, GeneralPractice, CourseStatus::Published).await;
    app.field_quota(GeneralPractice, 1).insert().await;
    let id = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    for field in FieldCode::iter() {
        let token = app.society(field);
        // A SOCIETY token for GENERAL_PRACTICE itself is no token at all.
        let code = if field == GeneralPractice {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        refused(
            &app,
            Some(&token),
            DECIDE,
            decide_vars(&id, "ADOPT"),
            code,
            None,
        )
        .await;
    }
    let data = app
        .data(Some(&app.admin()), DECIDE, decide_vars(&id, "ADOPT"))
        .await;
    assert_eq!(data["decideApplication"]["status"], "ADOPTED");
    assert_eq!(
        application_status(&app, &id).await,
        ApplicationStatus::Adopted
    );
}

#[tokio::test]
async fn decide_on_a_withdrawn_application_conflicts() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 5).insert().await;
    let id = applied(&app, "doctor-1", course_id, ApplicationStatus::Withdrawn).await;
    let society = app.society(InternalMedicine);
    for (token, decision) in [(&society, "ADOPT"), (&app.admin(), "NOT_ADOPT")] {
        let vars = decide_vars(&id, decision);
        refused(&app, Some(token), DECIDE, vars, "CONFLICT", None).await;
    }
}

#[tokio::test]
async fn adopting_past_the_course_capacity_exceeds_the_quota() {
    let app = TestApp::spawn().await;
    // The field has 5 seats, the course 2.
    let (_, course, course_id) = open_course(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 5).insert().await;
    let society = app.society(InternalMedicine);
    let mut ids = Vec::new();
    for sub in ["doctor-1", "doctor-2", "doctor-3"] {
        ids.push(applied(&app, sub, course_id, ApplicationStatus::Submitted).await);
    }
    for id in &ids[..2] {
        app.data(Some(&society), DECIDE, decide_vars(id, "ADOPT"))
            .await;
    }
    // The society's proposals count against the capacity.
    let json = refused(
        &app,
        Some(&society),
        DECIDE,
        decide_vars(&ids[2], "ADOPT"),
        "QUOTA_EXCEEDED",
        None,
    )
    .await;
    assert!(json["data"].is_null(), "{json}");
    assert_eq!(
        application_status(&app, &ids[2]).await,
        ApplicationStatus::Submitted
    );
    for id in &ids[..2] {
        app.data(Some(&app.admin()), CONFIRM, json!({ "id": id }))
            .await;
    }
    // The board is held to the same capacity.
    refused(
        &app,
        Some(&app.admin()),
        DECIDE,
        decide_vars(&ids[2], "ADOPT"),
        "QUOTA_EXCEEDED",
        None,
    )
    .await;
    let read = app
        .data(
            Some(&app.admin()),
            "query($id: ID!) { node(id: $id) { ... on Course { adoptedCount } } }",
            json!({ "id": course }),
        )
        .await;
    assert_eq!(read["node"]["adoptedCount"], 2);
}

#[tokio::test]
async fn adopting_an_adopted_application_again_does_not_count_twice() {
    let app = TestApp::spawn().await;
    // Field quota and course capacity are both 2.
    let (_, course, course_id) = open_course(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 2).insert().await;
    let society = app.society(InternalMedicine);
    let first = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let second = applied(&app, "doctor-2", course_id, ApplicationStatus::Submitted).await;
    // Proposed twice, counted once.
    for id in [&first, &second, &first] {
        let data = app
            .data(Some(&society), DECIDE, decide_vars(id, "ADOPT"))
            .await;
        assert_eq!(data["decideApplication"]["status"], "SUBMITTED");
    }
    let admin = app.admin();
    for id in [&first, &second] {
        let data = app.data(Some(&admin), CONFIRM, json!({ "id": id })).await;
        assert_eq!(data["confirmDecision"]["status"], "ADOPTED");
    }
    // Adopted again by the board: counted once.
    let data = app
        .data(Some(&admin), DECIDE, decide_vars(&first, "ADOPT"))
        .await;
    assert_eq!(data["decideApplication"]["status"], "ADOPTED");
    let read = app
        .data(
            Some(&app.admin()),
            "query($id: ID!) { node(id: $id) { ... on Course { adoptedCount } } }",
            json!({ "id": course }),
        )
        .await;
    assert_eq!(read["node"]["adoptedCount"], 2);
}

// --- adjustFieldQuota --------------------------------------------------------------------------

#[tokio::test]
async fn adjust_outside_quotas_allocated_is_the_wrong_phase() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::Planning).await;
    app.field_quota(InternalMedicine, 3).insert().await;
    let admin = app.admin();
    for phase in [
        CyclePhase::Planning,
        CyclePhase::EarlyCallOpen,
        CyclePhase::EarlyCallClosed,
        CyclePhase::SelectionFinalized,
    ] {
        app.set_phase(YEAR, phase).await;
        let vars = adjust_vars(InternalMedicine, 5, "応募者が大幅に増えたため");
        refused(&app, Some(&admin), ADJUST, vars, "WRONG_PHASE", None).await;
    }
    assert_eq!(quota_row(&app, InternalMedicine).await.quota, 3);
}

#[tokio::test]
async fn adjust_needs_a_reason() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 3).insert().await;
    let admin = app.admin();
    for reason in ["", "   ", "\u{3000}"] {
        let vars = adjust_vars(InternalMedicine, 5, reason);
        refused(
            &app,
            Some(&admin),
            ADJUST,
            vars,
            "BAD_USER_INPUT",
            Some("reason"),
        )
        .await;
    }
    let row = quota_row(&app, InternalMedicine).await;
    assert_eq!((row.quota, row.adjustment_reason), (3, None));
}

#[tokio::test]
async fn adjust_below_the_adopted_count_is_bad_input() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 3).insert().await;
    applied(&app, "doctor-1", course_id, ApplicationStatus::Adopted).await;
    applied(&app, "doctor-2", course_id, ApplicationStatus::Adopted).await;
    let admin = app.admin();
    for quota in [1, 0] {
        let vars = adjust_vars(InternalMedicine, quota, "辞退者が出たため");
        refused(
            &app,
            Some(&admin),
            ADJUST,
            vars,
            "BAD_USER_INPUT",
            Some("quota"),
        )
        .await;
    }
    // Down to exactly the adopted count is allowed.
    let data = app
        .data(
            Some(&admin),
            ADJUST,
            adjust_vars(InternalMedicine, 2, "辞退者が出たため"),
        )
        .await;
    assert_eq!(data["adjustFieldQuota"]["quota"], 2);
}

#[tokio::test]
async fn adjust_keeps_the_reason_and_shows_in_the_cycle() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 3).insert().await;
    app.field_quota(Pediatrics, 1).insert().await;
    let reason = "応募者が大幅に増えたため";
    let data = app
        .data(
            Some(&app.admin()),
            ADJUST,
            adjust_vars(InternalMedicine, 5, reason),
        )
        .await;
    assert_eq!(
        data["adjustFieldQuota"],
        json!({ "quota": 5, "adjustmentReason": reason })
    );
    let row = quota_row(&app, InternalMedicine).await;
    assert_eq!((row.computed_quota, row.quota), (3, 5));

    let read = app
        .data(
            None,
            "{ recruitmentCycle(year: 2027) { fieldQuotas { society { code } quota adjustmentReason } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["recruitmentCycle"]["fieldQuotas"],
        json!([
            { "society": { "code": "INTERNAL_MEDICINE" }, "quota": 5, "adjustmentReason": reason },
            { "society": { "code": "PEDIATRICS" }, "quota": 1, "adjustmentReason": null },
        ])
    );
}

// --- finalizeSelection ---------------------------------------------------------------------------

/// II.3(1): an adoption to a course withdrawn and not handed over does not
/// stand; the doctor falls back to the regular program (II.2(3)).
#[tokio::test]
async fn finalize_does_not_keep_an_adoption_to_a_withdrawn_course_ii_3_1() {
    let app = TestApp::spawn().await;
    let (hospital, _, withdrawn_course) = open_course(&app, CyclePhase::QuotasAllocated).await;
    let other_hospital = app.insert_institution("大阪大学医学部附属病院").await;
    let (_, kept_course) = course_of(
        &app,
        other_hospital,
        InternalMedicine,
        CourseStatus::Published,
    )
    .await;
    app.field_quota(InternalMedicine, 5).insert().await;
    let society = app.society(InternalMedicine);
    let lost = applied(
        &app,
        "doctor-1",
        withdrawn_course,
        ApplicationStatus::Submitted,
    )
    .await;
    let (_, lost_row) = ids::decode(&lost).unwrap();
    app.insert_general_application(lost_row, InternalMedicine, hospital)
        .await;
    let kept = applied(&app, "doctor-2", kept_course, ApplicationStatus::Submitted).await;
    for id in [&lost, &kept] {
        app.data(Some(&society), DECIDE, decide_vars(id, "ADOPT"))
            .await;
        app.data(Some(&app.admin()), CONFIRM, json!({ "id": id }))
            .await;
    }
    withdraw_course_row(&app, withdrawn_course).await;

    app.data(
        Some(&app.admin()),
        &year_mutation("finalizeSelection"),
        json!({ "y": YEAR }),
    )
    .await;
    assert_eq!(phase_of(&app, YEAR).await, CyclePhase::SelectionFinalized);
    assert_eq!(
        application_status(&app, &lost).await,
        ApplicationStatus::NotAdopted
    );
    assert_eq!(
        application_status(&app, &kept).await,
        ApplicationStatus::Adopted
    );
    let trainees = trainee::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(trainees.len(), 1);
    assert_eq!(trainees[0].course_id, kept_course);
    assert_ne!(trainees[0].application_id, lost_row);

    // The doctor falls back to the parallel regular program.
    let read = app
        .data(
            Some(&app.admin()),
            "query($id: ID!) { node(id: $id) { ... on Application { status outcome generalApplication { status } } } }",
            json!({ "id": lost }),
        )
        .await;
    assert_eq!(
        read["node"],
        json!({ "status": "NOT_ADOPTED", "outcome": "REGULAR_PROGRAM", "generalApplication": { "status": "ACTIVE" } })
    );
}

// --- the audit trail ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_refusal_is_audited_as_refused() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::Planning).await;
    let vars = json!({ "y": YEAR });
    let token = app.society(InternalMedicine);
    let open = year_mutation("openEarlyCall");
    refused(&app, Some(&token), &open, vars.clone(), "FORBIDDEN", None).await;
    let close = year_mutation("closeEarlyCall");
    refused(&app, Some(&app.admin()), &close, vars, "WRONG_PHASE", None).await;

    let read = app
        .data(
            Some(&app.admin()),
            "{ auditEvents(first: 100) { nodes { operation outcome role summary } } }",
            json!({}),
        )
        .await;
    let events = read["auditEvents"]["nodes"].as_array().unwrap();
    let of = |operation: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["operation"] == operation)
            .cloned()
            .collect()
    };
    let opened = of("openEarlyCall");
    assert_eq!(opened.len(), 1, "{events:?}");
    assert_eq!(opened[0]["outcome"], "REFUSED");
    assert_eq!(opened[0]["role"], "SOCIETY");
    assert!(
        opened[0]["summary"].as_str().unwrap().contains("FORBIDDEN"),
        "{opened:?}"
    );
    let closed = of("closeEarlyCall");
    assert_eq!(closed.len(), 1, "{events:?}");
    assert_eq!(closed[0]["outcome"], "REFUSED");
    assert_eq!(closed[0]["role"], "ADMIN");
    assert!(
        closed[0]["summary"]
            .as_str()
            .unwrap()
            .contains("WRONG_PHASE"),
        "{closed:?}"
    );
}

// --- who decides (I.2(2)④) ------------------------------------------------------------------

const PROPOSAL: &str = "query($id: ID!) { node(id: $id) { ... on Application { status proposedDecision decisionBasis } } }";

/// I.2(2)④ 「日本専門医機構は…基本領域と協議のうえ合格者を決定する」: the
/// society proposes, the board confirms or decides itself; a proposal left
/// unconfirmed holds up the final selection; the applicant sees decisions only.
#[tokio::test]
async fn a_society_proposes_and_the_board_decides_i_2_2() {
    let app = TestApp::spawn().await;
    let (_, _, course_id) = open_course(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 5).insert().await;
    let society = app.society(InternalMedicine);
    let admin = app.admin();
    let proposed = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let direct = applied(&app, "doctor-2", course_id, ApplicationStatus::Submitted).await;

    let data = app
        .data(Some(&society), DECIDE, decide_vars(&proposed, "ADOPT"))
        .await;
    assert_eq!(data["decideApplication"]["status"], "SUBMITTED");
    let read = app
        .data(Some(&society), PROPOSAL, json!({ "id": proposed }))
        .await;
    assert_eq!(
        read["node"],
        json!({ "status": "SUBMITTED", "proposedDecision": "ADOPT", "decisionBasis": null })
    );
    let read = app
        .data(
            Some(&app.applicant("doctor-1")),
            PROPOSAL,
            json!({ "id": proposed }),
        )
        .await;
    assert!(read["node"]["proposedDecision"].is_null(), "{read}");

    // Only the board confirms; the selection waits for it.
    refused(
        &app,
        Some(&society),
        CONFIRM,
        json!({ "id": proposed }),
        "FORBIDDEN",
        None,
    )
    .await;
    refused(
        &app,
        Some(&admin),
        &year_mutation("finalizeSelection"),
        json!({ "y": YEAR }),
        "CONFLICT",
        None,
    )
    .await;
    refused(
        &app,
        Some(&admin),
        CONFIRM,
        json!({ "id": direct }),
        "CONFLICT",
        None,
    )
    .await;

    let data = app
        .data(Some(&admin), CONFIRM, json!({ "id": proposed }))
        .await;
    assert_eq!(
        data["confirmDecision"],
        json!({ "status": "ADOPTED", "decisionBasis": "SOCIETY_PROPOSAL", "proposedDecision": null })
    );
    app.data(Some(&admin), DECIDE, decide_vars(&direct, "NOT_ADOPT"))
        .await;
    let read = app
        .data(Some(&admin), PROPOSAL, json!({ "id": direct }))
        .await;
    assert_eq!(
        read["node"],
        json!({ "status": "NOT_ADOPTED", "proposedDecision": null, "decisionBasis": "BOARD" })
    );
    app.data(
        Some(&admin),
        &year_mutation("finalizeSelection"),
        json!({ "y": YEAR }),
    )
    .await;
    assert_eq!(trainee_rows(&app).await, 1);
}

/// III.3: the seats a departure took are kept free at adoption: a course
/// of two seats at an institution that lost one takes one trainee.
#[tokio::test]
async fn adoption_leaves_the_seats_a_departure_took_iii_3() {
    use csc::entity::quota_reduction;
    let app = TestApp::spawn().await;
    let (hospital, _, course_id) = open_course(&app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, 5).insert().await;
    quota_reduction::ActiveModel {
        institution_id: Set(hospital),
        year: Set(YEAR),
        regular_program_seats: Set(1),
        course_seats: Set(1),
        created_at: Set(Utc::now()),
        cancelled_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let admin = app.admin();
    let first = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let second = applied(&app, "doctor-2", course_id, ApplicationStatus::Submitted).await;
    app.data(Some(&admin), DECIDE, decide_vars(&first, "ADOPT"))
        .await;
    let json = refused(
        &app,
        Some(&admin),
        DECIDE,
        decide_vars(&second, "ADOPT"),
        "QUOTA_EXCEEDED",
        None,
    )
    .await;
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("after departures"),
        "{json}"
    );
}

/// II.3(1): an applicant whose course was withdrawn (and not handed over)
/// applies to another course without withdrawing by hand; the parallel
/// general application follows. An applicant of a course still standing
/// keeps its one live application.
#[tokio::test]
async fn an_applicant_of_a_withdrawn_course_applies_elsewhere_ii_3_1() {
    let app = TestApp::spawn().await;
    let (hospital, course, course_id) = open_course(&app, CyclePhase::EarlyCallOpen).await;
    let other = app.insert_institution("大阪大学医学部附属病院").await;
    let (other_course, _) = course_of(&app, other, InternalMedicine, CourseStatus::Published).await;
    let first = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    let (_, first_row) = ids::decode(&first).unwrap();
    app.insert_general_application(first_row, InternalMedicine, hospital)
        .await;
    let doctor = app.applicant("doctor-1");
    refused(
        &app,
        Some(&doctor),
        SUBMIT,
        submit_vars(&other_course, None),
        "CONFLICT",
        None,
    )
    .await;

    app.data(
        Some(&app.society(InternalMedicine)),
        "mutation($id: ID!) { withdrawCourse(id: $id, reason: \"指導医の退職\") { status } }",
        json!({ "id": course }),
    )
    .await;
    let data = app
        .data(Some(&doctor), SUBMIT, submit_vars(&other_course, None))
        .await;
    let new = &data["submitApplication"];
    assert_eq!(new["status"], "SUBMITTED");
    assert_eq!(new["generalApplication"]["status"], "PENDING", "{data}");
    assert_eq!(
        application_status(&app, &first).await,
        ApplicationStatus::Withdrawn
    );
    assert_eq!(general_rows(&app).await, 1);
}

/// domain.md "The quota rule": applications to a course announced and
/// withdrawn after the call closed still count for the field.
#[tokio::test]
async fn applications_to_a_course_withdrawn_after_the_call_still_count() {
    let app = TestApp::spawn().await;
    let (_, course, course_id) = open_course(&app, CyclePhase::EarlyCallClosed).await;
    course::Entity::update_many()
        .col_expr(
            course::Column::PublishedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(course::Column::Id.eq(course_id))
        .exec(&app.db)
        .await
        .unwrap();
    applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    app.data(
        Some(&app.admin()),
        "mutation($id: ID!) { withdrawCourse(id: $id, reason: \"辞退\") { status } }",
        json!({ "id": course }),
    )
    .await;
    app.data(
        Some(&app.admin()),
        &year_mutation("allocateFieldQuotas"),
        json!({ "y": YEAR }),
    )
    .await;
    assert_eq!(quota_row(&app, InternalMedicine).await.applicants, 1);
}

/// INTERNAL_MEDICINE's `FieldQuota.applicants`, its `statistics.byField`
/// entry, and the cycle's statistics, read anonymously (all public).
async fn internal_medicine_counts(app: &TestApp) -> (Value, Value, Value) {
    let data = app
        .data(
            None,
            "query($y: Int!) { recruitmentCycle(year: $y) {
                fieldQuotas { society { code } applicants }
                statistics { applicants eligibleApplicants withdrawn
                             byField { society { code } applicants withdrawn } } } }",
            json!({ "y": YEAR }),
        )
        .await;
    let cycle = &data["recruitmentCycle"];
    let internal = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|f| f["society"]["code"] == "INTERNAL_MEDICINE")
            .cloned()
            .unwrap()
    };
    (
        internal(&cycle["fieldQuotas"])["applicants"].clone(),
        internal(&cycle["statistics"]["byField"]),
        cycle["statistics"].clone(),
    )
}

/// `FieldQuota.applicants` is the quota rule's a_f (II.2(2)), frozen at
/// allocation; `statistics.byField.applicants` counts every application to
/// the field's courses as it stands. The schema's descriptions and
/// docs/calendar.md ("Counting applicants") say so; this keeps them true.
#[tokio::test]
async fn the_quota_rule_and_the_statistics_count_applicants_differently_ii_2_2() {
    let app = TestApp::spawn().await;
    let (hospital, _, course_id) = open_course(&app, CyclePhase::EarlyCallClosed).await;
    // Counted by both: a live application of an eligible doctor.
    let counted = applied(&app, "doctor-1", course_id, ApplicationStatus::Submitted).await;
    // Counted by the statistics only: a withdrawn application, one from a
    // doctor who is not eligible, one to a course never announced.
    applied(&app, "doctor-2", course_id, ApplicationStatus::Withdrawn).await;
    let ineligible = doctor(&app, "doctor-3").await;
    let mut row = applicant::Entity::find_by_id(ineligible)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.obligated_service_graduate = Set(true);
    row.update(&app.db).await.unwrap();
    app.insert_application(ineligible, course_id, ApplicationStatus::Submitted)
        .await;
    let (_, unannounced) =
        course_of(&app, hospital, InternalMedicine, CourseStatus::Approved).await;
    applied(&app, "doctor-4", unannounced, ApplicationStatus::Submitted).await;

    app.data(
        Some(&app.admin()),
        &year_mutation("allocateFieldQuotas"),
        json!({ "y": YEAR }),
    )
    .await;
    let (quota_applicants, by_field, statistics) = internal_medicine_counts(&app).await;
    assert_eq!(quota_applicants, 1);
    assert_eq!(by_field["applicants"], 4, "{by_field}");
    assert_eq!(by_field["withdrawn"], 1);
    assert_eq!(statistics["applicants"], 4, "{statistics}");
    assert_eq!(statistics["eligibleApplicants"], 3);

    // A withdrawal after allocation changes the statistics' breakdown, not
    // the quota rule's count, which was frozen when the quotas were set.
    let withdrawn = app
        .data(Some(&app.admin()), WITHDRAW, json!({ "id": counted }))
        .await;
    assert_eq!(withdrawn["withdrawApplication"]["status"], "WITHDRAWN");
    let (quota_applicants, by_field, _) = internal_medicine_counts(&app).await;
    assert_eq!(quota_applicants, 1);
    assert_eq!(by_field["applicants"], 4);
    assert_eq!(by_field["withdrawn"], 2);
}
