//! Setting up courses: participation, the course life cycle, withdrawal,
//! reassignment and sanctions, with the refusals and what they leave behind.

use crate::helpers::{TestApp, assert_error, error_code, error_field, gid, ok_events};
use chrono::Utc;
use csc::entity::enums::{CyclePhase, FieldCode, InstitutionKind, SanctionReason};
use csc::entity::{institution, sanction};
use csc::ids;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::{Value, json};

/// The intake year of most tests; its cycle is created by fixture.
const YEAR: i32 = 2027;

const SET_PARTICIPATION: &str = "mutation($year: Int!, $field: FieldCode!, $participating: Boolean!) {
    setParticipation(year: $year, field: $field, participating: $participating) { year participating decidedAt }
}";

const COURSE_FIELDS: &str = "id year title status director requestedCapacity curriculum
    society { code }
    responsibleInstitution { id }
    clinicalSites { role institution { id } }
    researchHost { kind name institution { id } paperCountFiveYears paperRecord }
    statusGuarantee { clinicalPhase researchPhase socialInsurance workingGraduateStudent }
    submittedAt publishedAt";

fn create_course_doc() -> String {
    format!(
        "mutation($input: CreateCourseInput!) {{ createCourse(input: $input) {{ {COURSE_FIELDS} }} }}"
    )
}

fn update_course_doc() -> String {
    format!(
        "mutation($id: ID!, $input: UpdateCourseInput!) {{ updateCourse(id: $id, input: $input) {{ {COURSE_FIELDS} }} }}"
    )
}

const SUBMIT: &str = "mutation($id: ID!) { submitCourse(id: $id) { id status submittedAt } }";
const APPROVE: &str = "mutation($id: ID!) { approveCourse(id: $id) { id status } }";
const PUBLISH: &str = "mutation($id: ID!) { publishCourse(id: $id) { id status publishedAt } }";
const WITHDRAW: &str = "mutation($id: ID!, $reason: String!) { withdrawCourse(id: $id, reason: $reason) { id status } }";
const REASSIGN: &str = "mutation($id: ID!, $institutionId: ID!, $director: String!) {
    reassignCourse(id: $id, institutionId: $institutionId, director: $director) {
        id status director responsibleInstitution { id } clinicalSites { role institution { id } }
    }
}";
const SANCTION: &str = "mutation($institutionId: ID!, $reason: SanctionReason!, $courseId: ID, $fromYear: Int, $years: Int) {
    sanctionInstitution(institutionId: $institutionId, reason: $reason, courseId: $courseId, fromYear: $fromYear, years: $years) {
        id reason fromYear untilYear institution { id } course { id }
    }
}";
const INSTITUTION_SANCTIONS: &str = "query($id: ID!) { node(id: $id) { ... on Institution {
    courseSettingSuspendedUntil
    sanctions { reason fromYear untilYear course { id } }
} } }";
const COURSE_COUNT: &str = "{ courses { totalCount } }";
// --- fixtures -----------------------------------------------------------------

async fn insert_institution(
    app: &TestApp,
    name: &str,
    kind: InstitutionKind,
    certified: bool,
) -> String {
    let id = institution::ActiveModel {
        name: Set(name.to_owned()),
        name_en: Set(None),
        kind: Set(kind),
        prefecture: Set("大阪府".to_owned()),
        certified_training_facility: Set(certified),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    if certified {
        app.certify(id, &[]).await;
    }
    gid(ids::INSTITUTION, id)
}

fn institution_number(id: &str) -> i64 {
    ids::decode_kind(id, ids::INSTITUTION).expect("an institution id")
}

/// The institutions most tests use: a university hospital responsible for
/// the course, two certified partners, and a public hospital.
struct Sites {
    university: String,
    partner_a: String,
    partner_b: String,
    public_hospital: String,
}

async fn sites(app: &TestApp) -> Sites {
    Sites {
        university: insert_institution(
            app,
            "大阪大学医学部附属病院",
            InstitutionKind::UniversityHospital,
            true,
        )
        .await,
        partner_a: insert_institution(
            app,
            "大阪市立総合医療センター",
            InstitutionKind::PublicHospital,
            true,
        )
        .await,
        partner_b: insert_institution(
            app,
            "大阪急性期・総合医療センター",
            InstitutionKind::PublicHospital,
            true,
        )
        .await,
        public_hospital: insert_institution(
            app,
            "市立豊中病院",
            InstitutionKind::PublicHospital,
            true,
        )
        .await,
    }
}

/// A PLANNING cycle for YEAR in which INTERNAL_MEDICINE takes part, and the sites.
async fn planning_setup(app: &TestApp, sanction_years: i32) -> Sites {
    app.cycle(YEAR)
        .phase(CyclePhase::Planning)
        .sanction_years(sanction_years)
        .insert()
        .await;
    participate(app, FieldCode::InternalMedicine, YEAR, true).await;
    sites(app).await
}

async fn participate(app: &TestApp, field: FieldCode, year: i32, participating: bool) {
    let token = if field == FieldCode::GeneralPractice {
        app.admin()
    } else {
        app.society(field)
    };
    app.data(
        Some(&token),
        SET_PARTICIPATION,
        json!({ "year": year, "field": field_name(field), "participating": participating }),
    )
    .await;
}

fn field_name(field: FieldCode) -> &'static str {
    match field {
        FieldCode::InternalMedicine => "INTERNAL_MEDICINE",
        FieldCode::Pediatrics => "PEDIATRICS",
        FieldCode::Psychiatry => "PSYCHIATRY",
        FieldCode::GeneralPractice => "GENERAL_PRACTICE",
        other => panic!("add {other:?} to field_name"),
    }
}

fn course_input(sites: &Sites) -> Value {
    json!({
        "year": YEAR,
        "field": "INTERNAL_MEDICINE",
        "title": "内科 臨床研究医コース",
        "responsibleInstitutionId": sites.university,
        "director": "大阪 太郎",
        "requestedCapacity": 2,
        "curriculum": "内科専門研修カリキュラム制",
        "partnerInstitutionIds": [sites.partner_a],
        "researchHost": {
            "kind": "GRADUATE_SCHOOL",
            "name": "大阪大学大学院医学系研究科",
            "institutionId": sites.university,
            "paperCountFiveYears": 350,
            "paperRecord": "Nature Medicine 2024 ほか",
        },
        "statusGuarantee": {
            "clinicalPhase": "常勤医師として給与を支給",
            "researchPhase": "社会人大学院生として給与を支給",
            "socialInsurance": true,
            "workingGraduateStudent": true,
        },
    })
}

/// Creates a course as the INTERNAL_MEDICINE society and returns its id.
async fn create_course(app: &TestApp, input: Value) -> String {
    let data = app
        .data(
            Some(&app.society(FieldCode::InternalMedicine)),
            &create_course_doc(),
            json!({ "input": input }),
        )
        .await;
    data["createCourse"]["id"].as_str().unwrap().to_owned()
}

/// Takes a new course through submit, approve and publish.
async fn published_course(app: &TestApp, sites: &Sites) -> String {
    let id = create_course(app, course_input(sites)).await;
    let society = app.society(FieldCode::InternalMedicine);
    app.data(Some(&society), SUBMIT, json!({ "id": id })).await;
    app.data(Some(&app.admin()), APPROVE, json!({ "id": id }))
        .await;
    app.data(Some(&app.admin()), PUBLISH, json!({ "id": id }))
        .await;
    id
}

// --- reading ------------------------------------------------------------------

async fn admin_course_count(app: &TestApp) -> i64 {
    app.data(Some(&app.admin()), COURSE_COUNT, json!({})).await["courses"]["totalCount"]
        .as_i64()
        .unwrap()
}

async fn participation(app: &TestApp, field: &str, year: i32) -> Value {
    let data = app
        .data(
            None,
            "query($code: FieldCode!, $year: Int!) { society(code: $code) { participation(year: $year) { year participating } } }",
            json!({ "code": field, "year": year }),
        )
        .await;
    data["society"]["participation"].clone()
}

/// Whether anonymous finds the course by id, and how many courses it lists.
async fn anonymous_sees(app: &TestApp, id: &str) -> (bool, i64) {
    let data = app
        .data(
            None,
            "query($id: ID!) { node(id: $id) { id } courses { totalCount } }",
            json!({ "id": id }),
        )
        .await;
    (
        !data["node"].is_null(),
        data["courses"]["totalCount"].as_i64().unwrap(),
    )
}

async fn institution_sanctions(app: &TestApp, id: &str) -> Value {
    app.data(
        Some(&app.admin()),
        INSTITUTION_SANCTIONS,
        json!({ "id": id }),
    )
    .await["node"]
        .clone()
}

async fn sanction_rows(app: &TestApp) -> u64 {
    sanction::Entity::find().count(&app.db).await.unwrap()
}

// --- setParticipation ---------------------------------------------------------

#[tokio::test]
async fn a_society_and_the_board_set_participation() {
    let app = TestApp::spawn().await;
    app.cycle(YEAR)
        .phase(CyclePhase::Planning)
        .sanction_years(1)
        .insert()
        .await;

    let data = app
        .data(
            Some(&app.society(FieldCode::InternalMedicine)),
            SET_PARTICIPATION,
            json!({ "year": YEAR, "field": "INTERNAL_MEDICINE", "participating": true }),
        )
        .await;
    assert_eq!(data["setParticipation"]["year"], YEAR);
    assert_eq!(data["setParticipation"]["participating"], true);
    assert!(data["setParticipation"]["decidedAt"].is_string());

    // The decision may change while the cycle is PLANNING: an upsert, not a second row.
    let data = app
        .data(
            Some(&app.society(FieldCode::InternalMedicine)),
            SET_PARTICIPATION,
            json!({ "year": YEAR, "field": "INTERNAL_MEDICINE", "participating": false }),
        )
        .await;
    assert_eq!(data["setParticipation"]["participating"], false);
    assert_eq!(
        participation(&app, "INTERNAL_MEDICINE", YEAR).await,
        json!({ "year": YEAR, "participating": false })
    );

    // The board for any field, and for GENERAL_PRACTICE, where it is the society.
    for field in ["PEDIATRICS", "GENERAL_PRACTICE"] {
        app.data(
            Some(&app.admin()),
            SET_PARTICIPATION,
            json!({ "year": YEAR, "field": field, "participating": true }),
        )
        .await;
        assert_eq!(
            participation(&app, field, YEAR).await,
            json!({ "year": YEAR, "participating": true })
        );
    }

    // A year without a cycle yet may be decided ahead.
    app.data(
        Some(&app.society(FieldCode::Psychiatry)),
        SET_PARTICIPATION,
        json!({ "year": 2030, "field": "PSYCHIATRY", "participating": true }),
    )
    .await;
    assert_eq!(
        participation(&app, "PSYCHIATRY", 2030).await,
        json!({ "year": 2030, "participating": true })
    );
    // Never decided: null.
    assert!(participation(&app, "SURGERY", YEAR).await.is_null());

    let events = app.audit_events().await;
    assert_eq!(
        ok_events(&events, "setParticipation").len(),
        5,
        "{events:?}"
    );
    assert_eq!(
        ok_events(&events, "setParticipation")[0]["targetId"],
        gid(
            ids::SOCIETY,
            app.society_id(FieldCode::InternalMedicine).await
        )
    );
}

#[tokio::test]
async fn participation_refusals() {
    let app = TestApp::spawn().await;
    app.cycle(YEAR)
        .phase(CyclePhase::Planning)
        .sanction_years(1)
        .insert()
        .await;
    let vars = |field: &str| json!({ "year": YEAR, "field": field, "participating": true });

    // GENERAL_PRACTICE belongs to the board; a society token scoped to it
    // is no token at all.
    for (token, code) in [
        (app.society(FieldCode::InternalMedicine), "FORBIDDEN"),
        (app.society(FieldCode::GeneralPractice), "UNAUTHENTICATED"),
    ] {
        let (_, json) = app
            .gql(Some(&token), SET_PARTICIPATION, vars("GENERAL_PRACTICE"))
            .await;
        assert_error(&json, code, None);
    }
    // Another field's society.
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::Pediatrics)),
            SET_PARTICIPATION,
            vars("INTERNAL_MEDICINE"),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    // Other roles and anonymous.
    let (_, json) = app
        .gql(
            Some(&app.applicant("doc-1")),
            SET_PARTICIPATION,
            vars("INTERNAL_MEDICINE"),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    let (_, json) = app
        .gql(None, SET_PARTICIPATION, vars("INTERNAL_MEDICINE"))
        .await;
    assert_error(&json, "UNAUTHENTICATED", None);
    // A year out of range.
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            SET_PARTICIPATION,
            json!({ "year": 1999, "field": "SURGERY", "participating": true }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("year"));

    // Once the early call opened the decision is fixed.
    app.set_phase(YEAR, CyclePhase::EarlyCallOpen).await;
    for token in [app.society(FieldCode::InternalMedicine), app.admin()] {
        let (_, json) = app
            .gql(Some(&token), SET_PARTICIPATION, vars("INTERNAL_MEDICINE"))
            .await;
        assert_error(&json, "WRONG_PHASE", None);
    }

    assert!(
        participation(&app, "INTERNAL_MEDICINE", YEAR)
            .await
            .is_null()
    );
    assert!(
        participation(&app, "GENERAL_PRACTICE", YEAR)
            .await
            .is_null()
    );
    let events = app.audit_events().await;
    assert!(
        ok_events(&events, "setParticipation").is_empty(),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .all(|e| e["operation"] == "setParticipation" && e["outcome"] == "REFUSED")
    );
}

// --- the course life cycle ----------------------------------------------------

#[tokio::test]
async fn create_update_submit_approve_publish() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 1).await;
    let society = app.society(FieldCode::InternalMedicine);
    let admin = app.admin();

    let data = app
        .data(
            Some(&society),
            &create_course_doc(),
            json!({ "input": course_input(&sites) }),
        )
        .await;
    let created = &data["createCourse"];
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "DRAFT");
    assert_eq!(created["year"], YEAR);
    assert_eq!(created["society"]["code"], "INTERNAL_MEDICINE");
    assert_eq!(created["responsibleInstitution"]["id"], sites.university);
    assert_eq!(
        created["clinicalSites"],
        json!([
            { "role": "RESPONSIBLE", "institution": { "id": sites.university } },
            { "role": "PARTNER", "institution": { "id": sites.partner_a } },
        ])
    );
    assert_eq!(
        created["researchHost"]["name"],
        "大阪大学大学院医学系研究科"
    );
    assert_eq!(
        created["researchHost"]["institution"]["id"],
        sites.university
    );
    assert_eq!(created["researchHost"]["paperCountFiveYears"], 350);
    assert_eq!(created["statusGuarantee"]["workingGraduateStudent"], true);
    assert!(created["submittedAt"].is_null());

    assert_eq!(anonymous_sees(&app, &id).await, (false, 0));

    // The society edits its draft: text trimmed, partners replaced.
    let data = app
        .data(
            Some(&society),
            &update_course_doc(),
            json!({ "id": id, "input": {
                "title": "  内科 臨床研究医コース（改訂）  ",
                "requestedCapacity": 3,
                "partnerInstitutionIds": [sites.partner_b, sites.partner_a],
                "statusGuarantee": {
                    "clinicalPhase": "常勤医師",
                    "researchPhase": "大学院生として雇用",
                    "socialInsurance": true,
                    "workingGraduateStudent": false,
                },
            } }),
        )
        .await;
    let updated = &data["updateCourse"];
    assert_eq!(updated["title"], "内科 臨床研究医コース（改訂）");
    assert_eq!(updated["requestedCapacity"], 3);
    assert_eq!(
        updated["director"], "大阪 太郎",
        "fields not given are kept"
    );
    assert_eq!(updated["statusGuarantee"]["workingGraduateStudent"], false);
    let mut partners: Vec<&str> = updated["clinicalSites"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["role"] == "PARTNER")
        .map(|s| s["institution"]["id"].as_str().unwrap())
        .collect();
    partners.sort_unstable();
    let mut expected = vec![sites.partner_a.as_str(), sites.partner_b.as_str()];
    expected.sort_unstable();
    assert_eq!(partners, expected);

    // Another field's society does not see the draft; it may not approve either.
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::Pediatrics)),
            &update_course_doc(),
            json!({ "id": id, "input": { "title": "x" } }),
        )
        .await;
    assert_error(&json, "NOT_FOUND", None);

    let data = app.data(Some(&society), SUBMIT, json!({ "id": id })).await;
    assert_eq!(data["submitCourse"]["status"], "SUBMITTED");
    assert!(data["submitCourse"]["submittedAt"].is_string());

    let (_, json) = app.gql(Some(&society), APPROVE, json!({ "id": id })).await;
    assert_error(&json, "FORBIDDEN", None);
    // Publishing skips no step.
    let (_, json) = app.gql(Some(&admin), PUBLISH, json!({ "id": id })).await;
    assert_error(&json, "CONFLICT", None);

    let data = app.data(Some(&admin), APPROVE, json!({ "id": id })).await;
    assert_eq!(data["approveCourse"]["status"], "APPROVED");
    assert_eq!(anonymous_sees(&app, &id).await, (false, 0));

    let data = app.data(Some(&admin), PUBLISH, json!({ "id": id })).await;
    assert_eq!(data["publishCourse"]["status"], "PUBLISHED");
    assert!(data["publishCourse"]["publishedAt"].is_string());
    assert_eq!(anonymous_sees(&app, &id).await, (true, 1));

    let (_, json) = app.gql(Some(&admin), PUBLISH, json!({ "id": id })).await;
    assert_error(&json, "CONFLICT", None);
    let (_, json) = app
        .gql(Some(&admin), SUBMIT, json!({ "id": "not-an-id" }))
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("id"));
    let (_, json) = app
        .gql(Some(&admin), SUBMIT, json!({ "id": gid(ids::COURSE, 999) }))
        .await;
    assert_error(&json, "NOT_FOUND", None);

    let events = app.audit_events().await;
    for operation in [
        "createCourse",
        "updateCourse",
        "submitCourse",
        "approveCourse",
        "publishCourse",
    ] {
        let ok = ok_events(&events, operation);
        assert_eq!(ok.len(), 1, "{operation}: {events:?}");
        assert_eq!(ok[0]["targetId"], id, "{operation}");
    }
    assert_eq!(ok_events(&events, "setParticipation").len(), 1);
}

#[tokio::test]
async fn create_course_refusals_change_nothing() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 1).await;
    let uncertified = insert_institution(
        &app,
        "無認定クリニック",
        InstitutionKind::OtherHospital,
        false,
    )
    .await;
    let suspended = insert_institution(
        &app,
        "停止中大学病院",
        InstitutionKind::UniversityHospital,
        true,
    )
    .await;
    sanction::ActiveModel {
        institution_id: Set(institution_number(&suspended)),
        course_id: Set(None),
        reason: Set(SanctionReason::CourseWithdrawn),
        from_year: Set(YEAR - 1),
        until_year: Set(YEAR),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    // PEDIATRICS decided not to take part.
    participate(&app, FieldCode::Pediatrics, YEAR, false).await;
    // Certified for pediatrics only: not a partner of an internal medicine course.
    let pediatric_site = insert_institution(
        &app,
        "大阪母子医療センター",
        InstitutionKind::PublicHospital,
        false,
    )
    .await;
    app.certify(
        institution_number(&pediatric_site),
        &[FieldCode::Pediatrics],
    )
    .await;
    let national_center = insert_institution(
        &app,
        "国立循環器病研究センター",
        InstitutionKind::NationalCenter,
        true,
    )
    .await;

    let base = course_input(&sites);
    let with = |path: &[&str], value: Value| {
        let mut input = base.clone();
        let mut slot = &mut input;
        for key in &path[..path.len() - 1] {
            slot = &mut slot[*key];
        }
        slot[path[path.len() - 1]] = value;
        input
    };
    let cases: Vec<(&str, Value, &str, Option<&str>)> = vec![
        (
            "a field not taking part",
            with(&["field"], json!("PEDIATRICS")),
            "BAD_USER_INPUT",
            Some("input.field"),
        ),
        (
            "I.3(3): a partner certified in another field only",
            with(&["partnerInstitutionIds"], json!([pediatric_site])),
            "BAD_USER_INPUT",
            Some("input.partnerInstitutionIds"),
        ),
        (
            "I.3(1): no social insurance promised",
            with(&["statusGuarantee", "socialInsurance"], json!(false)),
            "BAD_USER_INPUT",
            Some("input.statusGuarantee.socialInsurance"),
        ),
        (
            "II.1: a graduate school hosted by a national centre",
            with(&["researchHost", "institutionId"], json!(national_center)),
            "BAD_USER_INPUT",
            Some("input.researchHost.institutionId"),
        ),
        (
            "a year without a cycle",
            with(&["year"], json!(2031)),
            "BAD_USER_INPUT",
            Some("input.year"),
        ),
        (
            "a public hospital as responsible institution",
            with(&["responsibleInstitutionId"], json!(sites.public_hospital)),
            "BAD_USER_INPUT",
            Some("input.responsibleInstitutionId"),
        ),
        (
            "an unknown responsible institution",
            with(
                &["responsibleInstitutionId"],
                json!(gid(ids::INSTITUTION, 999)),
            ),
            "BAD_USER_INPUT",
            Some("input.responsibleInstitutionId"),
        ),
        (
            "a course ID as responsible institution",
            with(&["responsibleInstitutionId"], json!(gid(ids::COURSE, 1))),
            "BAD_USER_INPUT",
            Some("input.responsibleInstitutionId"),
        ),
        (
            "an uncertified partner",
            with(&["partnerInstitutionIds"], json!([uncertified])),
            "BAD_USER_INPUT",
            Some("input.partnerInstitutionIds"),
        ),
        (
            "a partner listed twice",
            with(
                &["partnerInstitutionIds"],
                json!([sites.partner_a, sites.partner_a]),
            ),
            "BAD_USER_INPUT",
            Some("input.partnerInstitutionIds"),
        ),
        (
            "the responsible institution as its own partner",
            with(&["partnerInstitutionIds"], json!([sites.university])),
            "BAD_USER_INPUT",
            Some("input.partnerInstitutionIds"),
        ),
        (
            "capacity 0",
            with(&["requestedCapacity"], json!(0)),
            "BAD_USER_INPUT",
            Some("input.requestedCapacity"),
        ),
        (
            "a blank director",
            with(&["director"], json!("   ")),
            "BAD_USER_INPUT",
            Some("input.director"),
        ),
        (
            "a blank title",
            with(&["title"], json!("")),
            "BAD_USER_INPUT",
            Some("input.title"),
        ),
        (
            "a blank curriculum",
            with(&["curriculum"], json!(" ")),
            "BAD_USER_INPUT",
            Some("input.curriculum"),
        ),
        (
            "a blank research host",
            with(&["researchHost", "name"], json!("\u{3000}")),
            "BAD_USER_INPUT",
            Some("input.researchHost.name"),
        ),
        (
            "a negative paper count",
            with(&["researchHost", "paperCountFiveYears"], json!(-1)),
            "BAD_USER_INPUT",
            Some("input.researchHost.paperCountFiveYears"),
        ),
        (
            "an unknown research host institution",
            with(
                &["researchHost", "institutionId"],
                json!(gid(ids::INSTITUTION, 999)),
            ),
            "BAD_USER_INPUT",
            Some("input.researchHost.institutionId"),
        ),
        (
            "a blank research-phase guarantee",
            with(&["statusGuarantee", "researchPhase"], json!("")),
            "BAD_USER_INPUT",
            Some("input.statusGuarantee.researchPhase"),
        ),
        (
            "a suspended institution",
            with(&["responsibleInstitutionId"], json!(suspended)),
            "INSTITUTION_SUSPENDED",
            None,
        ),
    ];
    let society = app.society(FieldCode::InternalMedicine);
    let pediatrics = app.society(FieldCode::Pediatrics);
    let admin = app.admin();
    for (case, input, code, field) in &cases {
        // The society of the field in the input (scope passes), else the board.
        let token = match input["field"].as_str() {
            Some("INTERNAL_MEDICINE") => &society,
            Some("PEDIATRICS") => &pediatrics,
            _ => &admin,
        };
        let (_, json) = app
            .gql(Some(token), &create_course_doc(), json!({ "input": input }))
            .await;
        assert_eq!(error_code(&json).as_deref(), Some(*code), "{case}: {json}");
        assert_eq!(error_field(&json).as_deref(), *field, "{case}: {json}");
    }
    // Scope: another field's society, and the board's GENERAL_PRACTICE.
    let (_, json) = app
        .gql(
            Some(&pediatrics),
            &create_course_doc(),
            json!({ "input": base }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    // A SOCIETY token for GENERAL_PRACTICE is refused before any resolver
    // runs (so it leaves no audit event).
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::GeneralPractice)),
            &create_course_doc(),
            json!({ "input": with(&["field"], json!("GENERAL_PRACTICE")) }),
        )
        .await;
    assert_error(&json, "UNAUTHENTICATED", None);

    // Nothing was written, and every refusal was audited.
    assert_eq!(admin_course_count(&app).await, 0);
    let events = app.audit_events().await;
    let refused = events
        .iter()
        .filter(|e| e["operation"] == "createCourse" && e["outcome"] == "REFUSED")
        .count();
    assert_eq!(refused, cases.len() + 1, "{events:?}");
    assert!(ok_events(&events, "createCourse").is_empty());

    // The same input is accepted once valid, and not after the call opened.
    create_course(&app, base.clone()).await;
    assert_eq!(admin_course_count(&app).await, 1);
    app.set_phase(YEAR, CyclePhase::EarlyCallOpen).await;
    let (_, json) = app
        .gql(
            Some(&society),
            &create_course_doc(),
            json!({ "input": base }),
        )
        .await;
    assert_error(&json, "WRONG_PHASE", None);
    assert_eq!(admin_course_count(&app).await, 1);
}

#[tokio::test]
async fn only_a_draft_is_edited_and_submitted() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 1).await;
    let society = app.society(FieldCode::InternalMedicine);
    let id = create_course(&app, course_input(&sites)).await;

    // Bad input to an update is refused before anything changes.
    let (_, json) = app
        .gql(
            Some(&society),
            &update_course_doc(),
            json!({ "id": id, "input": { "requestedCapacity": 101 } }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("input.requestedCapacity"));
    let (_, json) = app
        .gql(
            Some(&society),
            &update_course_doc(),
            json!({ "id": id, "input": { "partnerInstitutionIds": [sites.public_hospital, sites.university] } }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("input.partnerInstitutionIds"));

    app.data(Some(&society), SUBMIT, json!({ "id": id })).await;
    let (_, json) = app
        .gql(
            Some(&society),
            &update_course_doc(),
            json!({ "id": id, "input": { "title": "変更" } }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    assert_eq!(
        json["errors"][0]["message"], "only a DRAFT course can be edited",
        "{json}"
    );
    let (_, json) = app.gql(Some(&society), SUBMIT, json!({ "id": id })).await;
    assert_error(&json, "CONFLICT", None);

    let data = app
        .data(
            Some(&app.admin()),
            &format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on Course {{ {COURSE_FIELDS} }} }} }}"
            ),
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["node"]["title"], "内科 臨床研究医コース");
    assert_eq!(data["node"]["requestedCapacity"], 2);
    assert_eq!(data["node"]["status"], "SUBMITTED");
    assert_eq!(data["node"]["clinicalSites"].as_array().unwrap().len(), 2);
}

// --- withdrawal -----------------------------------------------------------------

#[tokio::test]
async fn withdrawing_before_the_call_opened_leaves_no_sanction() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 2).await;
    let society = app.society(FieldCode::InternalMedicine);
    let id = published_course(&app, &sites).await;

    let (_, json) = app
        .gql(
            Some(&society),
            WITHDRAW,
            json!({ "id": id, "reason": "  " }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("reason"));
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::Pediatrics)),
            WITHDRAW,
            json!({ "id": id, "reason": "指導体制の変更" }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);

    let data = app
        .data(
            Some(&society),
            WITHDRAW,
            json!({ "id": id, "reason": "指導体制の変更" }),
        )
        .await;
    assert_eq!(data["withdrawCourse"]["status"], "WITHDRAWN");
    let (_, json) = app
        .gql(
            Some(&society),
            WITHDRAW,
            json!({ "id": id, "reason": "再度" }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);

    assert_eq!(sanction_rows(&app).await, 0);
    let node = institution_sanctions(&app, &sites.university).await;
    assert_eq!(node["sanctions"], json!([]));
    assert!(node["courseSettingSuspendedUntil"].is_null());
    // A withdrawn course is no longer public.
    let data = app.data(None, COURSE_COUNT, json!({})).await;
    assert_eq!(data["courses"]["totalCount"], 0);

    let events = app.audit_events().await;
    let ok = ok_events(&events, "withdrawCourse");
    assert_eq!(ok.len(), 1, "{events:?}");
    assert_eq!(ok[0]["targetId"], id);
    assert_eq!(ok[0]["role"], "SOCIETY");
}

/// II.3(2): the suspension runs from the cycle's year through the next
/// `sanctionYears` course-setting years (here 2: YEAR+1 and YEAR+2).
#[tokio::test]
async fn withdrawing_after_the_call_opened_sanctions_the_next_course_setting_years_ii_3_2() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 2).await;
    let id = published_course(&app, &sites).await;
    app.set_phase(YEAR, CyclePhase::EarlyCallOpen).await;

    // The board may withdraw on the society's behalf.
    let data = app
        .data(
            Some(&app.admin()),
            WITHDRAW,
            json!({ "id": id, "reason": "責任医療機関の体制不備" }),
        )
        .await;
    assert_eq!(data["withdrawCourse"]["status"], "WITHDRAWN");

    let node = institution_sanctions(&app, &sites.university).await;
    assert_eq!(
        node["sanctions"],
        json!([{ "reason": "COURSE_WITHDRAWN", "fromYear": YEAR, "untilYear": YEAR + 2, "course": { "id": id } }])
    );
    assert_eq!(node["courseSettingSuspendedUntil"], YEAR + 2);

    // The sanctioned institution may not take over another course of that year.
    let other_university = insert_institution(
        &app,
        "京都大学医学部附属病院",
        InstitutionKind::UniversityHospital,
        true,
    )
    .await;
    let mut input = course_input(&sites);
    input["responsibleInstitutionId"] = json!(other_university);
    input["partnerInstitutionIds"] = json!([]);
    app.set_phase(YEAR, CyclePhase::Planning).await;
    let other = create_course(&app, input).await;
    app.set_phase(YEAR, CyclePhase::EarlyCallOpen).await;
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            REASSIGN,
            json!({ "id": other, "institutionId": sites.university, "director": "大阪 次郎" }),
        )
        .await;
    assert_error(&json, "INSTITUTION_SUSPENDED", None);

    // Once selection is final nothing is withdrawn any more.
    app.set_phase(YEAR, CyclePhase::SelectionFinalized).await;
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::InternalMedicine)),
            WITHDRAW,
            json!({ "id": other, "reason": "遅すぎる取り下げ" }),
        )
        .await;
    assert_error(&json, "WRONG_PHASE", None);
    assert_eq!(sanction_rows(&app).await, 1);

    let events = app.audit_events().await;
    let ok = ok_events(&events, "withdrawCourse");
    assert_eq!(ok.len(), 1, "{events:?}");
    assert!(
        ok[0]["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("{YEAR}-{}", YEAR + 2)),
        "{ok:?}"
    );
}

#[tokio::test]
async fn no_sanction_when_the_rules_give_zero_years() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 0).await;
    let id = published_course(&app, &sites).await;
    app.set_phase(YEAR, CyclePhase::EarlyCallClosed).await;
    app.data(
        Some(&app.admin()),
        WITHDRAW,
        json!({ "id": id, "reason": "取り下げ" }),
    )
    .await;
    assert_eq!(sanction_rows(&app).await, 0);
}

// --- reassignment -----------------------------------------------------------------

#[tokio::test]
async fn reassigning_after_the_call_opened_sanctions_the_former_institution_ii_3_1() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 1).await;
    let admin = app.admin();
    let national_center = insert_institution(
        &app,
        "国立循環器病研究センター",
        InstitutionKind::NationalCenter,
        true,
    )
    .await;
    let mut input = course_input(&sites);
    input["partnerInstitutionIds"] = json!([sites.partner_a, national_center]);
    let id = create_course(&app, input).await;
    let society = app.society(FieldCode::InternalMedicine);
    app.data(Some(&society), SUBMIT, json!({ "id": id })).await;
    app.data(Some(&admin), APPROVE, json!({ "id": id })).await;
    app.data(Some(&admin), PUBLISH, json!({ "id": id })).await;
    app.set_phase(YEAR, CyclePhase::EarlyCallOpen).await;

    let vars = |institution: &str, director: &str| json!({ "id": id, "institutionId": institution, "director": director });
    let (_, json) = app
        .gql(
            Some(&society),
            REASSIGN,
            vars(&national_center, "国立 花子"),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    for (institution, director, field) in [
        (sites.university.as_str(), "国立 花子", "institutionId"),
        (sites.public_hospital.as_str(), "国立 花子", "institutionId"),
        ("garbage", "国立 花子", "institutionId"),
        (national_center.as_str(), " ", "director"),
    ] {
        let (_, json) = app
            .gql(Some(&admin), REASSIGN, vars(institution, director))
            .await;
        assert_error(&json, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(sanction_rows(&app).await, 0);

    let data = app
        .data(Some(&admin), REASSIGN, vars(&national_center, "国立 花子"))
        .await;
    let course = &data["reassignCourse"];
    assert_eq!(course["status"], "PUBLISHED");
    assert_eq!(course["director"], "国立 花子");
    assert_eq!(course["responsibleInstitution"]["id"], national_center);
    assert_eq!(
        course["clinicalSites"],
        json!([
            { "role": "RESPONSIBLE", "institution": { "id": national_center } },
            { "role": "PARTNER", "institution": { "id": sites.partner_a } },
        ]),
        "the new institution is no longer listed as a partner"
    );

    let node = institution_sanctions(&app, &sites.university).await;
    assert_eq!(
        node["sanctions"],
        json!([{ "reason": "COURSE_CHANGED", "fromYear": YEAR, "untilYear": YEAR + 1, "course": { "id": id } }])
    );
    assert_eq!(node["courseSettingSuspendedUntil"], YEAR + 1);
    let node = institution_sanctions(&app, &national_center).await;
    assert_eq!(node["sanctions"], json!([]));

    let events = app.audit_events().await;
    let ok = ok_events(&events, "reassignCourse");
    assert_eq!(ok.len(), 1, "{events:?}");
    assert_eq!(ok[0]["targetId"], id);
}

#[tokio::test]
async fn reassigning_before_the_call_opened_sanctions_nobody() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 1).await;
    let id = create_course(&app, course_input(&sites)).await;
    let other = insert_institution(
        &app,
        "近畿大学病院",
        InstitutionKind::UniversityHospital,
        true,
    )
    .await;
    let data = app
        .data(
            Some(&app.admin()),
            REASSIGN,
            json!({ "id": id, "institutionId": other, "director": "近畿 一郎" }),
        )
        .await;
    assert_eq!(
        data["reassignCourse"]["responsibleInstitution"]["id"],
        other
    );
    assert_eq!(data["reassignCourse"]["status"], "DRAFT");
    assert_eq!(sanction_rows(&app).await, 0);

    // A withdrawn draft handed back is a draft again.
    app.data(
        Some(&app.admin()),
        WITHDRAW,
        json!({ "id": id, "reason": "取り下げ" }),
    )
    .await;
    let data = app
        .data(
            Some(&app.admin()),
            REASSIGN,
            json!({ "id": id, "institutionId": sites.university, "director": "大阪 太郎" }),
        )
        .await;
    assert_eq!(data["reassignCourse"]["status"], "DRAFT");
    assert_eq!(sanction_rows(&app).await, 0);
}

// --- sanctionInstitution ------------------------------------------------------------

#[tokio::test]
async fn the_board_sanctions_an_institution() {
    let app = TestApp::spawn().await;
    let sites = sites(&app).await;

    // No cycle yet and no year given: nothing to count from.
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            SANCTION,
            json!({ "institutionId": sites.university, "reason": "QUOTA_UNFILLED" }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("fromYear"));

    app.cycle(YEAR)
        .phase(CyclePhase::Planning)
        .sanction_years(3)
        .insert()
        .await;
    participate(&app, FieldCode::InternalMedicine, YEAR, true).await;
    let course = create_course(&app, course_input(&sites)).await;

    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::InternalMedicine)),
            SANCTION,
            json!({ "institutionId": sites.university, "reason": "QUOTA_UNFILLED" }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            SANCTION,
            json!({ "institutionId": sites.partner_a, "reason": "QUOTA_UNFILLED", "courseId": course }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("courseId"));
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            SANCTION,
            json!({ "institutionId": sites.university, "reason": "QUOTA_UNFILLED", "years": 0 }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("years"));
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            SANCTION,
            json!({ "institutionId": gid(ids::INSTITUTION, 999), "reason": "QUOTA_UNFILLED" }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("institutionId"));
    assert_eq!(sanction_rows(&app).await, 0);

    // Defaults: from the course's year through the cycle's sanction years
    // of courses not yet set (YEAR+1 to YEAR+3), as a withdrawal does.
    let data = app
        .data(
            Some(&app.admin()),
            SANCTION,
            json!({ "institutionId": sites.university, "reason": "QUOTA_UNFILLED", "courseId": course }),
        )
        .await;
    let s = &data["sanctionInstitution"];
    assert_eq!(s["reason"], "QUOTA_UNFILLED");
    assert_eq!(s["fromYear"], YEAR);
    assert_eq!(s["untilYear"], YEAR + 3);
    assert_eq!(s["institution"]["id"], sites.university);
    assert_eq!(s["course"]["id"], course);
    let sanction_id = s["id"].as_str().unwrap().to_owned();

    // Explicit years, no course.
    let data = app
        .data(
            Some(&app.admin()),
            SANCTION,
            json!({ "institutionId": sites.partner_a, "reason": "COURSE_CHANGED", "fromYear": 2026, "years": 1 }),
        )
        .await;
    assert_eq!(data["sanctionInstitution"]["fromYear"], 2026);
    assert_eq!(data["sanctionInstitution"]["untilYear"], 2026);
    assert!(data["sanctionInstitution"]["course"].is_null());

    let node = institution_sanctions(&app, &sites.university).await;
    assert_eq!(node["courseSettingSuspendedUntil"], YEAR + 3);
    // The sanctioned institution can set no new course that year.
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::InternalMedicine)),
            &create_course_doc(),
            json!({ "input": course_input(&sites) }),
        )
        .await;
    assert_error(&json, "INSTITUTION_SUSPENDED", None);
    assert_eq!(admin_course_count(&app).await, 1);

    let events = app.audit_events().await;
    let ok = ok_events(&events, "sanctionInstitution");
    assert_eq!(ok.len(), 2, "{events:?}");
    assert_eq!(ok[0]["targetId"], sanction_id);
}

/// III.3: a departure without special circumstances costs one course seat
/// of the next cycle still recruiting: a seat, not a ban. An institution
/// with no course the year before may still offer more seats than it lost.
#[tokio::test]
async fn a_departure_costs_a_seat_not_the_course_iii_3() {
    use csc::entity::quota_reduction;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};

    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 1).await;
    let university = institution_number(&sites.university);
    let reduction = quota_reduction::ActiveModel {
        institution_id: Set(university),
        year: Set(YEAR),
        regular_program_seats: Set(1),
        course_seats: Set(1),
        created_at: Set(chrono::Utc::now()),
        cancelled_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();

    let before = admin_course_count(&app).await;
    let mut input = course_input(&sites);
    input["requestedCapacity"] = json!(1);
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::InternalMedicine)),
            &create_course_doc(),
            json!({ "input": input }),
        )
        .await;
    assert_error(&json, "QUOTA_EXCEEDED", None);
    assert_eq!(admin_course_count(&app).await, before);

    input["requestedCapacity"] = json!(2);
    let id = create_course(&app, input).await;
    let shrink = json!({ "id": id, "input": { "requestedCapacity": 1 } });
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::InternalMedicine)),
            &update_course_doc(),
            shrink.clone(),
        )
        .await;
    assert_error(&json, "QUOTA_EXCEEDED", None);

    // A reduction the board lifted (special circumstances) no longer bites.
    let mut lifted = reduction.into_active_model();
    lifted.cancelled_at = Set(Some(chrono::Utc::now()));
    lifted.update(&app.db).await.unwrap();
    let data = app
        .data(
            Some(&app.society(FieldCode::InternalMedicine)),
            &update_course_doc(),
            shrink,
        )
        .await;
    assert_eq!(data["updateCourse"]["requestedCapacity"], 1);
}

/// II.3(2): with the default one sanction year, a course withdrawn during
/// the early call costs the institution the courses it would set next: a
/// new course of the next year is refused, and so is submitting one drafted
/// before; the year after that is free again.
#[tokio::test]
async fn a_withdrawal_during_the_call_suspends_the_next_years_courses_ii_3_2() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 1).await;
    let society = app.society(FieldCode::InternalMedicine);
    let id = published_course(&app, &sites).await;
    app.cycle(YEAR + 1)
        .phase(CyclePhase::Planning)
        .sanction_years(1)
        .insert()
        .await;
    let mut next_year = course_input(&sites);
    next_year["year"] = json!(YEAR + 1);
    let draft = create_course(&app, next_year.clone()).await;
    app.set_phase(YEAR, CyclePhase::EarlyCallOpen).await;

    app.data(
        Some(&society),
        WITHDRAW,
        json!({ "id": id, "reason": "指導医の退職" }),
    )
    .await;
    let node = institution_sanctions(&app, &sites.university).await;
    assert_eq!(
        node["sanctions"],
        json!([{ "reason": "COURSE_WITHDRAWN", "fromYear": YEAR, "untilYear": YEAR + 1, "course": { "id": id } }])
    );
    assert_eq!(node["courseSettingSuspendedUntil"], YEAR + 1);

    let before = admin_course_count(&app).await;
    let (_, json) = app
        .gql(
            Some(&society),
            &create_course_doc(),
            json!({ "input": next_year }),
        )
        .await;
    assert_error(&json, "INSTITUTION_SUSPENDED", None);
    assert_eq!(admin_course_count(&app).await, before);
    let (_, json) = app
        .gql(Some(&society), SUBMIT, json!({ "id": draft }))
        .await;
    assert_error(&json, "INSTITUTION_SUSPENDED", None);
    let data = app
        .data(
            Some(&app.admin()),
            "query($id: ID!) { node(id: $id) { ... on Course { status } } }",
            json!({ "id": draft }),
        )
        .await;
    assert_eq!(
        data["node"]["status"], "DRAFT",
        "the refusal changed nothing"
    );

    // The year after the suspension the institution sets courses again.
    app.cycle(YEAR + 2)
        .phase(CyclePhase::Planning)
        .sanction_years(1)
        .insert()
        .await;
    let mut later = course_input(&sites);
    later["year"] = json!(YEAR + 2);
    create_course(&app, later).await;
}

/// II.3(1): a course withdrawn after the call opened is handed by the board
/// to another responsible institution: it is announced again with its
/// applications, which stay live; the former institution keeps the one
/// sanction of its withdrawal; the applicants hear of both changes.
#[tokio::test]
async fn a_withdrawn_course_handed_over_keeps_its_applications_ii_3_1() {
    let app = TestApp::spawn().await;
    let sites = planning_setup(&app, 1).await;
    let id = published_course(&app, &sites).await;
    app.set_phase(YEAR, CyclePhase::EarlyCallOpen).await;
    let course_id = ids::decode_kind(&id, ids::COURSE).unwrap();
    let applicant = app.insert_applicant("doctor-1", "1000001").await;
    let application = app
        .insert_application(
            applicant,
            course_id,
            csc::entity::enums::ApplicationStatus::Submitted,
        )
        .await;

    app.data(
        Some(&app.admin()),
        WITHDRAW,
        json!({ "id": id, "reason": "責任医療機関の辞退" }),
    )
    .await;
    let other = insert_institution(
        &app,
        "近畿大学病院",
        InstitutionKind::UniversityHospital,
        true,
    )
    .await;
    // Only the board hands a course over.
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::InternalMedicine)),
            REASSIGN,
            json!({ "id": id, "institutionId": other, "director": "近畿 一郎" }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    let data = app
        .data(
            Some(&app.admin()),
            REASSIGN,
            json!({ "id": id, "institutionId": other, "director": "近畿 一郎" }),
        )
        .await;
    assert_eq!(data["reassignCourse"]["status"], "PUBLISHED");
    assert_eq!(
        data["reassignCourse"]["responsibleInstitution"]["id"],
        other
    );
    assert_eq!(
        sanction_rows(&app).await,
        1,
        "the withdrawal's sanction only"
    );

    let doctor = app.applicant("doctor-1");
    let data = app
        .data(
            Some(&doctor),
            "{ viewer { applicant { applications { id status course { status responsibleInstitution { id } } } } } }",
            json!({}),
        )
        .await;
    let mine = &data["viewer"]["applicant"]["applications"][0];
    assert_eq!(mine["id"], gid(ids::APPLICATION, application));
    assert_eq!(mine["status"], "SUBMITTED");
    assert_eq!(mine["course"]["status"], "PUBLISHED");
    assert_eq!(mine["course"]["responsibleInstitution"]["id"], other);
    // Anyone sees it announced again, with its applicant counted.
    let data = app
        .data(
            None,
            "query($id: ID!) { node(id: $id) { ... on Course { status applicantCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["node"]["status"], "PUBLISHED");
    assert_eq!(data["node"]["applicantCount"], 1);

    let events = app.audit_events().await;
    let handed = ok_events(&events, "reassignCourse");
    assert!(
        handed[0]["summary"]
            .as_str()
            .unwrap()
            .contains("now PUBLISHED again"),
        "{handed:?}"
    );
}
