//! The annual report (年次報告): submission by the responsible institution,
//! who may read it, the board's guidance and acceptance, resubmission as a
//! new version, and the refusals with what they leave behind.

use crate::helpers::{TestApp, YEAR, assert_error, error_field, gid, ok_events};
use csc::entity::enums::{CourseStatus, FieldCode};
use csc::entity::{annual_report, annual_report_entry, annual_report_version};
use csc::ids;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait, Set};
use serde_json::{Value, json};

/// The intake year of the reporting course: its trainees started in April
/// 2024, so on the fixed day (2026-11-25) they are in the research phase.
const COURSE_YEAR: i32 = 2024;
/// The year reported on.
const REPORT_YEAR: i32 = 2026;

const REPORT_FIELDS: &str = "id year status submittedAt
    course { id } institution { id }
    entries { trainee { id } phase researchEffortPercent clinicalProgress issues }
    statusGuarantee { salaryProvided socialInsuranceProvided workingGraduateStudent note }
    guidance { id issuedAt text }
    versions { version submittedAt statusGuarantee { salaryProvided note } }";

fn submit_doc() -> String {
    format!(
        "mutation($input: SubmitAnnualReportInput!) {{ submitAnnualReport(input: $input) {{ {REPORT_FIELDS} }} }}"
    )
}

fn accept_doc() -> String {
    format!("mutation($id: ID!) {{ acceptAnnualReport(id: $id) {{ {REPORT_FIELDS} }} }}")
}

fn guidance_doc() -> String {
    format!(
        "mutation($reportId: ID!, $text: String!) {{ issueGuidance(reportId: $reportId, text: $text) {{ {REPORT_FIELDS} }} }}"
    )
}

fn node_doc() -> String {
    format!("query($id: ID!) {{ node(id: $id) {{ ... on AnnualReport {{ {REPORT_FIELDS} }} }} }}")
}

const LIST: &str = "{ annualReports { totalCount nodes { id year status } } }";
// --- fixtures -----------------------------------------------------------------

struct World {
    app: TestApp,
    /// The responsible institution of the reporting course.
    institution: i64,
    /// Responsible for another course, in another field.
    other_institution: i64,
    course: i64,
    trainees: [i64; 2],
    /// A trainee of the other course.
    stranger: i64,
}

/// A published internal-medicine course of 2024 with two trainees, and a
/// surgery course of another institution with one.
async fn world() -> World {
    let app = TestApp::spawn().await;
    app.insert_cycle(YEAR).await;
    app.insert_cycle(COURSE_YEAR).await;
    let institution = app.insert_institution("東京大学医学部附属病院").await;
    let other_institution = app.insert_institution("京都大学医学部附属病院").await;
    let course = app
        .course(institution)
        .title("内科 臨床研究医コース")
        .year(COURSE_YEAR)
        .status(CourseStatus::Published)
        .insert()
        .await;
    let other_course = app
        .course(other_institution)
        .title("外科 臨床研究医コース")
        .field(FieldCode::Surgery)
        .year(COURSE_YEAR)
        .status(CourseStatus::Published)
        .insert()
        .await;
    let mut enrolled = Vec::new();
    for (i, course_id) in [course, course, other_course].into_iter().enumerate() {
        let doctor = app.trainee_of(course_id, &format!("doctor-{i}"), &format!("10000{i}"));
        enrolled.push(doctor.intake(COURSE_YEAR).insert().await.trainee);
    }
    World {
        app,
        institution,
        other_institution,
        course,
        trainees: [enrolled[0], enrolled[1]],
        stranger: enrolled[2],
    }
}

fn entry(trainee: i64, effort: Option<i32>, progress: &str) -> Value {
    json!({
        "traineeId": gid(ids::TRAINEE, trainee),
        "researchEffortPercent": effort,
        "clinicalProgress": progress,
        "issues": null,
    })
}

fn report_input(w: &World, year: i32, entries: Vec<Value>) -> Value {
    json!({
        "courseId": gid(ids::COURSE, w.course),
        "year": year,
        "entries": entries,
        "statusGuarantee": {
            "salaryProvided": true,
            "socialInsuranceProvided": true,
            "workingGraduateStudent": true,
            "note": "研究期間も常勤医師として給与を支給",
        },
    })
}

/// The two trainees' entries of a first submission.
fn first_input(w: &World) -> Value {
    let mut first = entry(
        w.trainees[0],
        Some(60),
        "外来・病棟診療を継続。\n学会発表 2 件。",
    );
    first["issues"] = json!("論文投稿が遅れている");
    report_input(
        w,
        REPORT_YEAR,
        vec![
            first,
            entry(w.trainees[1], Some(55), "大学院で基礎研究に従事"),
        ],
    )
}

async fn submit(w: &World, input: Value) -> Value {
    let data = w
        .app
        .data(
            Some(&w.app.institution(w.institution)),
            &submit_doc(),
            json!({ "input": input }),
        )
        .await;
    data["submitAnnualReport"].clone()
}

async fn report_rows(app: &TestApp) -> u64 {
    annual_report::Entity::find().count(&app.db).await.unwrap()
}

async fn version_rows(app: &TestApp) -> u64 {
    annual_report_version::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

async fn entry_rows(app: &TestApp) -> u64 {
    annual_report_entry::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

// --- submission and visibility ------------------------------------------------------

#[tokio::test]
async fn a_submitted_report_is_seen_by_the_institution_its_society_and_the_board_only() {
    let w = world().await;
    let app = &w.app;
    let report = submit(&w, first_input(&w)).await;

    assert_eq!(report["year"], REPORT_YEAR);
    assert_eq!(report["status"], "SUBMITTED");
    assert!(report["submittedAt"].is_string(), "{report}");
    assert_eq!(report["course"]["id"], gid(ids::COURSE, w.course));
    assert_eq!(
        report["institution"]["id"],
        gid(ids::INSTITUTION, w.institution)
    );
    let entries = report["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{report}");
    assert_eq!(
        entries[0]["trainee"]["id"],
        gid(ids::TRAINEE, w.trainees[0])
    );
    assert_eq!(entries[0]["phase"], "RESEARCH");
    assert_eq!(entries[0]["researchEffortPercent"], 60);
    assert_eq!(
        entries[0]["clinicalProgress"],
        "外来・病棟診療を継続。\n学会発表 2 件。"
    );
    assert_eq!(entries[0]["issues"], "論文投稿が遅れている");
    assert_eq!(
        entries[1]["trainee"]["id"],
        gid(ids::TRAINEE, w.trainees[1])
    );
    assert!(entries[1]["issues"].is_null());
    assert_eq!(
        report["statusGuarantee"],
        json!({
            "salaryProvided": true,
            "socialInsuranceProvided": true,
            "workingGraduateStudent": true,
            "note": "研究期間も常勤医師として給与を支給",
        })
    );
    assert_eq!(report["guidance"], json!([]));
    assert_eq!(report["versions"].as_array().unwrap().len(), 1);
    assert_eq!(report["versions"][0]["version"], 1);
    let id = report["id"].as_str().unwrap().to_owned();

    let allowed = [
        ("institution", app.institution(w.institution)),
        ("society", app.society(FieldCode::InternalMedicine)),
        ("admin", app.admin()),
    ];
    for (who, token) in &allowed {
        let list = app.data(Some(token), LIST, json!({})).await;
        assert_eq!(list["annualReports"]["totalCount"], 1, "{who}: {list}");
        assert_eq!(
            list["annualReports"]["nodes"][0]["id"],
            id.as_str(),
            "{who}"
        );
        let node = app
            .data(Some(token), &node_doc(), json!({ "id": id }))
            .await;
        assert_eq!(node["node"]["id"], id.as_str(), "{who}: {node}");
        // The entries' trainees are readable too.
        assert_eq!(node["node"]["entries"], report["entries"], "{who}");
    }

    let other_institution = app.institution(w.other_institution);
    let other_society = app.society(FieldCode::Surgery);
    let refused = [
        ("another institution", Some(other_institution.as_str())),
        ("another society", Some(other_society.as_str())),
        ("anonymous", None),
    ];
    for (who, token) in refused {
        let list = app.data(token, LIST, json!({})).await;
        assert_eq!(list["annualReports"]["totalCount"], 0, "{who}: {list}");
        assert_eq!(list["annualReports"]["nodes"], json!([]), "{who}");
        let node = app.data(token, &node_doc(), json!({ "id": id })).await;
        assert!(node["node"].is_null(), "{who}: {node}");
    }

    let events = app.audit_events().await;
    let submitted = ok_events(&events, "submitAnnualReport");
    assert_eq!(submitted.len(), 1, "{events:?}");
    assert_eq!(submitted[0]["role"], "INSTITUTION");
    assert_eq!(submitted[0]["targetId"], id.as_str());
}

#[tokio::test]
async fn a_draft_report_is_submitted_as_version_one() {
    let w = world().await;
    let app = &w.app;
    let draft = app.insert_annual_report(w.course, w.institution).await;
    let mut row = annual_report::Entity::find_by_id(draft)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.year = Set(REPORT_YEAR);
    row.update(&app.db).await.unwrap();

    // The board has nothing to give guidance on yet.
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            &guidance_doc(),
            json!({ "reportId": gid(ids::ANNUAL_REPORT, draft), "text": "提出してください" }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);

    let report = submit(&w, first_input(&w)).await;
    assert_eq!(report["id"], gid(ids::ANNUAL_REPORT, draft));
    assert_eq!(report["status"], "SUBMITTED");
    assert_eq!(report["versions"][0]["version"], 1);
    assert_eq!(report["entries"].as_array().unwrap().len(), 2);
    assert_eq!(report_rows(app).await, 1);
}

// --- guidance, resubmission, acceptance ------------------------------------------

#[tokio::test]
async fn guidance_then_resubmission_as_version_two_then_acceptance() {
    let w = world().await;
    let app = &w.app;
    let report = submit(&w, first_input(&w)).await;
    let id = report["id"].as_str().unwrap().to_owned();

    let text = "研究期間の給与支給の根拠を明記すること。\n次年度の研究計画を添付すること。";
    let guided = app
        .data(
            Some(&app.admin()),
            &guidance_doc(),
            json!({ "reportId": id, "text": text }),
        )
        .await["issueGuidance"]
        .clone();
    assert_eq!(guided["status"], "GUIDANCE_ISSUED");
    assert_eq!(guided["guidance"].as_array().unwrap().len(), 1);
    assert_eq!(guided["guidance"][0]["text"], text);
    assert!(guided["guidance"][0]["issuedAt"].is_string());

    for token in [
        app.institution(w.institution),
        app.society(FieldCode::InternalMedicine),
    ] {
        let node = app
            .data(Some(&token), &node_doc(), json!({ "id": id }))
            .await;
        assert_eq!(node["node"]["status"], "GUIDANCE_ISSUED", "{node}");
        assert_eq!(node["node"]["guidance"], guided["guidance"], "{node}");
    }

    // The institution resubmits: one entry, new text, a new note.
    let mut input = report_input(
        &w,
        REPORT_YEAR,
        vec![entry(
            w.trainees[1],
            Some(80),
            "研究計画を改訂し、研究時間を確保",
        )],
    );
    input["statusGuarantee"]["note"] = json!("給与規程第 12 条に基づき支給");
    let resubmitted = submit(&w, input).await;
    assert_eq!(resubmitted["id"], id.as_str());
    assert_eq!(resubmitted["status"], "SUBMITTED");
    let entries = resubmitted["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{resubmitted}");
    assert_eq!(
        entries[0]["trainee"]["id"],
        gid(ids::TRAINEE, w.trainees[1])
    );
    assert_eq!(entries[0]["researchEffortPercent"], 80);
    assert_eq!(
        entries[0]["clinicalProgress"],
        "研究計画を改訂し、研究時間を確保"
    );
    assert_eq!(
        resubmitted["statusGuarantee"]["note"],
        "給与規程第 12 条に基づき支給"
    );
    let versions = resubmitted["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{resubmitted}");
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(
        versions[0]["statusGuarantee"]["note"],
        "研究期間も常勤医師として給与を支給"
    );
    assert_eq!(versions[1]["version"], 2);
    assert_eq!(
        versions[1]["statusGuarantee"]["note"],
        "給与規程第 12 条に基づき支給"
    );
    // The guidance stays on the report.
    assert_eq!(resubmitted["guidance"], guided["guidance"]);
    assert_eq!(report_rows(app).await, 1);
    assert_eq!(version_rows(app).await, 2);
    assert_eq!(entry_rows(app).await, 3, "version 1's entries are kept");

    let accepted = app
        .data(Some(&app.admin()), &accept_doc(), json!({ "id": id }))
        .await["acceptAnnualReport"]
        .clone();
    assert_eq!(accepted["status"], "ACCEPTED");

    // An accepted report is final until the board issues guidance again.
    let (_, json) = app
        .gql(
            Some(&app.institution(w.institution)),
            &submit_doc(),
            json!({ "input": first_input(&w) }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    let after = app
        .data(Some(&app.admin()), &node_doc(), json!({ "id": id }))
        .await["node"]
        .clone();
    assert_eq!(after, accepted, "a refused resubmission changes nothing");
    assert_eq!(version_rows(app).await, 2);
    assert_eq!(entry_rows(app).await, 3);
    // Accepting twice is a conflict too.
    let (_, json) = app
        .gql(Some(&app.admin()), &accept_doc(), json!({ "id": id }))
        .await;
    assert_error(&json, "CONFLICT", None);

    let events = app.audit_events().await;
    assert_eq!(
        ok_events(&events, "submitAnnualReport").len(),
        2,
        "{events:?}"
    );
    let guidance = ok_events(&events, "issueGuidance");
    assert_eq!(guidance.len(), 1, "{events:?}");
    assert_eq!(guidance[0]["role"], "ADMIN");
    assert_eq!(guidance[0]["targetId"], id.as_str());
    let accept = ok_events(&events, "acceptAnnualReport");
    assert_eq!(accept.len(), 1, "{events:?}");
    assert_eq!(accept[0]["targetId"], id.as_str());
    assert!(
        events
            .iter()
            .any(|e| e["operation"] == "submitAnnualReport" && e["outcome"] == "REFUSED"),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_submitted_report_cannot_be_resubmitted_and_guidance_may_be_repeated() {
    let w = world().await;
    let app = &w.app;
    let report = submit(&w, first_input(&w)).await;
    let id = report["id"].as_str().unwrap().to_owned();

    let (_, json) = app
        .gql(
            Some(&app.institution(w.institution)),
            &submit_doc(),
            json!({ "input": first_input(&w) }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    assert_eq!(version_rows(app).await, 1);

    for text in ["一回目の指導", "追加の指導"] {
        app.data(
            Some(&app.admin()),
            &guidance_doc(),
            json!({ "reportId": id, "text": text }),
        )
        .await;
    }
    let node = app
        .data(Some(&app.admin()), &node_doc(), json!({ "id": id }))
        .await;
    assert_eq!(node["node"]["status"], "GUIDANCE_ISSUED");
    assert_eq!(node["node"]["guidance"].as_array().unwrap().len(), 2);

    // Under guidance, the board does not accept before a resubmission.
    let (_, json) = app
        .gql(Some(&app.admin()), &accept_doc(), json!({ "id": id }))
        .await;
    assert_error(&json, "CONFLICT", None);
}

// --- refusals -------------------------------------------------------------------------

#[tokio::test]
async fn refused_submissions_leave_nothing_behind() {
    let w = world().await;
    let app = &w.app;
    let own = app.institution(w.institution);

    // Roles and scope.
    for token in [
        app.institution(w.other_institution),
        app.society(FieldCode::InternalMedicine),
        app.admin(),
        app.applicant("doctor-0"),
    ] {
        let (_, json) = app
            .gql(
                Some(&token),
                &submit_doc(),
                json!({ "input": first_input(&w) }),
            )
            .await;
        assert_error(&json, "FORBIDDEN", None);
    }
    let (_, json) = app
        .gql(None, &submit_doc(), json!({ "input": first_input(&w) }))
        .await;
    assert_error(&json, "UNAUTHENTICATED", None);

    // The course.
    let mut input = first_input(&w);
    input["courseId"] = json!(gid(ids::COURSE, 9_999));
    let (_, json) = app
        .gql(Some(&own), &submit_doc(), json!({ "input": input }))
        .await;
    assert_error(&json, "NOT_FOUND", None);
    let mut input = first_input(&w);
    input["courseId"] = json!(gid(ids::TRAINEE, w.course));
    let (_, json) = app
        .gql(Some(&own), &submit_doc(), json!({ "input": input }))
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("input.courseId"));

    // The year: not before the course began, not in the future.
    for year in [COURSE_YEAR - 1, REPORT_YEAR + 1] {
        let mut input = first_input(&w);
        input["year"] = json!(year);
        let (_, json) = app
            .gql(Some(&own), &submit_doc(), json!({ "input": input }))
            .await;
        assert_error(&json, "BAD_USER_INPUT", Some("input.year"));
    }

    // The entries.
    let bad_entries = [
        (
            "another course's trainee",
            vec![entry(w.stranger, Some(50), "外科研修")],
        ),
        (
            "the same trainee twice",
            vec![
                entry(w.trainees[0], Some(50), "前半"),
                entry(w.trainees[0], Some(50), "後半"),
            ],
        ),
        (
            "effort above 100",
            vec![entry(w.trainees[0], Some(120), "研究")],
        ),
        (
            "negative effort",
            vec![entry(w.trainees[0], Some(-1), "研究")],
        ),
        (
            "blank progress",
            vec![entry(w.trainees[0], Some(50), "  \n ")],
        ),
        ("an unknown trainee", vec![entry(9_999, Some(50), "研究")]),
    ];
    for (what, entries) in bad_entries {
        let (_, json) = app
            .gql(
                Some(&own),
                &submit_doc(),
                json!({ "input": report_input(&w, REPORT_YEAR, entries) }),
            )
            .await;
        assert_eq!(
            error_field(&json).as_deref(),
            Some("input.entries"),
            "{what}: {json}"
        );
        assert_error(&json, "BAD_USER_INPUT", Some("input.entries"));
    }

    assert_eq!(report_rows(app).await, 0, "no report row was created");
    assert_eq!(version_rows(app).await, 0);
    assert_eq!(entry_rows(app).await, 0);
    let events = app.audit_events().await;
    assert!(
        ok_events(&events, "submitAnnualReport").is_empty(),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .filter(|e| e["operation"] == "submitAnnualReport")
            .all(|e| e["outcome"] == "REFUSED"),
        "{events:?}"
    );
}

#[tokio::test]
async fn only_the_board_accepts_and_issues_guidance() {
    let w = world().await;
    let app = &w.app;
    let report = submit(&w, first_input(&w)).await;
    let id = report["id"].as_str().unwrap().to_owned();

    for token in [
        app.institution(w.institution),
        app.society(FieldCode::InternalMedicine),
    ] {
        let (_, json) = app
            .gql(Some(&token), &accept_doc(), json!({ "id": id }))
            .await;
        assert_error(&json, "FORBIDDEN", None);
        let (_, json) = app
            .gql(
                Some(&token),
                &guidance_doc(),
                json!({ "reportId": id, "text": "指導" }),
            )
            .await;
        assert_error(&json, "FORBIDDEN", None);
    }

    let (_, json) = app
        .gql(
            Some(&app.admin()),
            &guidance_doc(),
            json!({ "reportId": id, "text": "   " }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("text"));
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            &guidance_doc(),
            json!({ "reportId": gid(ids::ANNUAL_REPORT, 9_999), "text": "指導" }),
        )
        .await;
    assert_error(&json, "NOT_FOUND", None);
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            &accept_doc(),
            json!({ "id": gid(ids::COURSE, w.course) }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("id"));

    // Nothing changed: still submitted, no guidance, no OK decision audited.
    let node = app
        .data(Some(&app.admin()), &node_doc(), json!({ "id": id }))
        .await;
    assert_eq!(node["node"]["status"], "SUBMITTED");
    assert_eq!(node["node"]["guidance"], json!([]));
    let events = app.audit_events().await;
    assert!(
        ok_events(&events, "acceptAnnualReport").is_empty(),
        "{events:?}"
    );
    assert!(ok_events(&events, "issueGuidance").is_empty(), "{events:?}");
    let refused = events.iter().filter(|e| e["outcome"] == "REFUSED").count();
    assert_eq!(refused, 7, "{events:?}");
}
