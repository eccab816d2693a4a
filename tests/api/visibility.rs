//! Who sees what (src/graphql/visibility.rs), through lists, counts, `node`,
//! nested fields and aliases.
//!
//! The world: two societies' courses, one PUBLISHED and one DRAFT each,
//! spread over two institutions so that a society's scope and an
//! institution's scope differ:
//!
//! | course        | field             | institution | status    |
//! |---------------|-------------------|-------------|-----------|
//! | im_published  | INTERNAL_MEDICINE | A           | PUBLISHED |
//! | im_draft      | INTERNAL_MEDICINE | B           | DRAFT     |
//! | ped_published | PEDIATRICS        | B           | PUBLISHED |
//! | ped_draft     | PEDIATRICS        | A           | DRAFT     |
//!
//! doctor-1 applied to im_published and was adopted (trainee_1); doctor-2
//! applied to ped_published. Each published course has an annual report by
//! its institution.

use crate::helpers::{TestApp, gid, ids_of, sorted};
use csc::entity::enums::{ApplicationStatus, CourseStatus, FieldCode};
use csc::ids;
use serde_json::{Value, json};

struct World {
    inst_a: i64,
    inst_b: i64,
    im_published: String,
    im_draft: String,
    ped_published: String,
    ped_draft: String,
    doctor_1: String,
    doctor_2: String,
    application_1: String,
    application_2: String,
    trainee_1: String,
    report_a: String,
    report_b: String,
}

const DOCTOR_1: &str = "doctor-1";
const DOCTOR_2: &str = "doctor-2";
const LICENSE_1: &str = "0123456";
const LICENSE_2: &str = "7654321";

async fn world(app: &TestApp) -> World {
    let inst_a = app.insert_institution("東京大学医学部附属病院").await;
    let inst_b = app.insert_institution("大阪大学医学部附属病院").await;
    app.insert_cycle(crate::helpers::YEAR).await;

    let im_published = app
        .insert_course(
            "内科 A",
            FieldCode::InternalMedicine,
            inst_a,
            CourseStatus::Published,
        )
        .await;
    let im_draft = app
        .insert_course(
            "内科 B",
            FieldCode::InternalMedicine,
            inst_b,
            CourseStatus::Draft,
        )
        .await;
    let ped_published = app
        .insert_course(
            "小児科 B",
            FieldCode::Pediatrics,
            inst_b,
            CourseStatus::Published,
        )
        .await;
    let ped_draft = app
        .insert_course(
            "小児科 A",
            FieldCode::Pediatrics,
            inst_a,
            CourseStatus::Draft,
        )
        .await;

    let doctor_1 = app.insert_applicant(DOCTOR_1, LICENSE_1).await;
    let doctor_2 = app.insert_applicant(DOCTOR_2, LICENSE_2).await;
    let application_1 = app
        .insert_application(doctor_1, im_published, ApplicationStatus::Adopted)
        .await;
    let application_2 = app
        .insert_application(doctor_2, ped_published, ApplicationStatus::Submitted)
        .await;
    app.insert_general_application(application_1, FieldCode::InternalMedicine, inst_b)
        .await;
    let trainee_1 = app
        .insert_trainee(doctor_1, im_published, application_1)
        .await;
    let report_a = app.insert_annual_report(im_published, inst_a).await;
    let report_b = app.insert_annual_report(ped_published, inst_b).await;
    app.insert_audit_event("fixture").await;

    World {
        inst_a,
        inst_b,
        im_published: gid(ids::COURSE, im_published),
        im_draft: gid(ids::COURSE, im_draft),
        ped_published: gid(ids::COURSE, ped_published),
        ped_draft: gid(ids::COURSE, ped_draft),
        doctor_1: gid(ids::APPLICANT, doctor_1),
        doctor_2: gid(ids::APPLICANT, doctor_2),
        application_1: gid(ids::APPLICATION, application_1),
        application_2: gid(ids::APPLICATION, application_2),
        trainee_1: gid(ids::TRAINEE, trainee_1),
        report_a: gid(ids::ANNUAL_REPORT, report_a),
        report_b: gid(ids::ANNUAL_REPORT, report_b),
    }
}

/// The sorted ids of a root connection (`courses`, `applicants`, ...), after
/// checking that `totalCount` and `edges` agree with `nodes`.
async fn list(app: &TestApp, token: Option<&str>, field: &str) -> Vec<String> {
    let query = format!(
        "{{ list: {field}(first: 100) {{ totalCount nodes {{ id }} edges {{ node {{ id }} }} }} }}"
    );
    let data = app.data(token, &query, json!({})).await;
    connection_ids(field, &data["list"])
}

fn connection_ids(what: &str, connection: &Value) -> Vec<String> {
    let nodes = ids_of(&connection["nodes"]);
    let edges: Vec<String> = connection["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_else(|| nodes.clone());
    assert_eq!(nodes, edges, "{what}: edges and nodes differ");
    assert_eq!(
        connection["totalCount"],
        json!(nodes.len()),
        "{what}: totalCount does not match the nodes"
    );
    sorted(nodes)
}

/// `node(id:)`'s id, or None when the viewer may not see it.
async fn node(app: &TestApp, token: Option<&str>, id: &str) -> Option<String> {
    let data = app
        .data(
            token,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    data["node"]["id"].as_str().map(str::to_owned)
}

async fn assert_node_visible(app: &TestApp, token: Option<&str>, id: &str) {
    assert_eq!(
        node(app, token, id).await.as_deref(),
        Some(id),
        "node({id}) should be visible"
    );
}

async fn assert_node_hidden(app: &TestApp, token: Option<&str>, id: &str) {
    assert_eq!(
        node(app, token, id).await,
        None,
        "node({id}) should be null"
    );
}

/// The courses of a society as `society(code:).courses` shows them.
async fn society_courses(app: &TestApp, token: Option<&str>, code: &str) -> Vec<String> {
    let data = app
        .data(
            token,
            "query($code: FieldCode!) { society(code: $code) { courses { totalCount nodes { id } } } }",
            json!({ "code": code }),
        )
        .await;
    connection_ids("society.courses", &data["society"]["courses"])
}

/// The courses of an institution as `node(institution).courses` shows them.
async fn institution_courses(app: &TestApp, token: Option<&str>, institution: i64) -> Vec<String> {
    let data = app
        .data(
            token,
            "query($id: ID!) { node(id: $id) { ... on Institution { courses { totalCount nodes { id } } } } }",
            json!({ "id": gid(ids::INSTITUTION, institution) }),
        )
        .await;
    connection_ids("institution.courses", &data["node"]["courses"])
}

/// The applications nested in a course, as the viewer sees them.
async fn course_applications(app: &TestApp, token: Option<&str>, course: &str) -> Vec<String> {
    let data = app
        .data(
            token,
            "query($id: ID!) { node(id: $id) { ... on Course { applications { totalCount nodes { id } } } } }",
            json!({ "id": course }),
        )
        .await;
    connection_ids("course.applications", &data["node"]["applications"])
}

async fn license_number(app: &TestApp, token: &str, applicant: &str) -> Value {
    let data = app
        .data(
            Some(token),
            "query($id: ID!) { node(id: $id) { ... on Applicant { id medicalLicenseNumber } } }",
            json!({ "id": applicant }),
        )
        .await;
    assert_eq!(
        data["node"]["id"], applicant,
        "the applicant should be visible"
    );
    data["node"]["medicalLicenseNumber"].clone()
}

fn set(ids: &[&String]) -> Vec<String> {
    sorted(ids.iter().map(|s| s.to_string()).collect())
}

// --- anonymous -----------------------------------------------------------------

#[tokio::test]
async fn anonymous_sees_only_published_courses() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let published = set(&[&w.im_published, &w.ped_published]);

    assert_eq!(list(&app, None, "courses").await, published);
    assert_node_visible(&app, None, &w.im_published).await;
    assert_node_hidden(&app, None, &w.im_draft).await;
    assert_node_hidden(&app, None, &w.ped_draft).await;
    assert_eq!(
        society_courses(&app, None, "INTERNAL_MEDICINE").await,
        set(&[&w.im_published])
    );
    assert_eq!(
        institution_courses(&app, None, w.inst_b).await,
        set(&[&w.ped_published])
    );
    assert_eq!(
        institution_courses(&app, None, w.inst_a).await,
        set(&[&w.im_published])
    );

    let data = app
        .data(
            None,
            "{ courses(filter: { status: DRAFT }) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        connection_ids("draft courses", &data["courses"]),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn anonymous_sees_no_people_reports_or_audit() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;

    for field in [
        "applicants",
        "applications",
        "trainees",
        "annualReports",
        "auditEvents",
    ] {
        assert_eq!(
            list(&app, None, field).await,
            Vec::<String>::new(),
            "{field}"
        );
    }
    for id in [&w.doctor_1, &w.application_1, &w.trainee_1, &w.report_a] {
        assert_node_hidden(&app, None, id).await;
    }
    assert_eq!(
        course_applications(&app, None, &w.im_published).await,
        Vec::<String>::new()
    );
    let data = app
        .data(
            None,
            "query($id: ID!) { node(id: $id) { ... on Course { trainees { id } } } }",
            json!({ "id": w.im_published }),
        )
        .await;
    assert_eq!(data["node"]["trainees"], json!([]));
}

// --- SOCIETY ---------------------------------------------------------------------

#[tokio::test]
async fn society_sees_its_field_in_any_status_and_others_published() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let im = app.society(FieldCode::InternalMedicine);
    let ped = app.society(FieldCode::Pediatrics);

    assert_eq!(
        list(&app, Some(&im), "courses").await,
        set(&[&w.im_published, &w.im_draft, &w.ped_published])
    );
    assert_node_visible(&app, Some(&im), &w.im_draft).await;
    assert_node_hidden(&app, Some(&im), &w.ped_draft).await;
    assert_eq!(
        society_courses(&app, Some(&im), "PEDIATRICS").await,
        set(&[&w.ped_published])
    );
    assert_eq!(
        institution_courses(&app, Some(&im), w.inst_a).await,
        set(&[&w.im_published])
    );

    assert_eq!(
        list(&app, Some(&ped), "courses").await,
        set(&[&w.im_published, &w.ped_published, &w.ped_draft])
    );
    assert_node_hidden(&app, Some(&ped), &w.im_draft).await;
}

#[tokio::test]
async fn society_sees_only_applications_to_its_field_and_those_applicants() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let im = app.society(FieldCode::InternalMedicine);
    let token = Some(im.as_str());

    assert_eq!(
        list(&app, token, "applications").await,
        set(&[&w.application_1])
    );
    assert_eq!(list(&app, token, "applicants").await, set(&[&w.doctor_1]));
    assert_eq!(list(&app, token, "trainees").await, set(&[&w.trainee_1]));
    assert_eq!(
        list(&app, token, "annualReports").await,
        set(&[&w.report_a])
    );
    assert_eq!(list(&app, token, "auditEvents").await, Vec::<String>::new());

    assert_node_visible(&app, token, &w.application_1).await;
    assert_node_visible(&app, token, &w.doctor_1).await;
    assert_node_hidden(&app, token, &w.application_2).await;
    assert_node_hidden(&app, token, &w.doctor_2).await;
    assert_node_hidden(&app, token, &w.report_b).await;

    // Through the other field's published course, which the society can see.
    assert_eq!(
        course_applications(&app, token, &w.ped_published).await,
        Vec::<String>::new()
    );
    assert_eq!(
        course_applications(&app, token, &w.im_published).await,
        set(&[&w.application_1])
    );

    // Through filters naming the other field or its course.
    let data = app
        .data(
            token,
            "query($course: ID!) {
                byField: applications(filter: { field: PEDIATRICS }) { totalCount nodes { id } }
                byCourse: applications(filter: { courseId: $course }) { totalCount nodes { id } }
            }",
            json!({ "course": w.ped_published }),
        )
        .await;
    assert_eq!(
        connection_ids("byField", &data["byField"]),
        Vec::<String>::new()
    );
    assert_eq!(
        connection_ids("byCourse", &data["byCourse"]),
        Vec::<String>::new()
    );

    // Through aliases, several lookups in one request.
    let data = app
        .data(
            token,
            "query($a: ID!, $b: ID!, $c: ID!, $d: ID!) {
                mine: node(id: $a) { id }
                theirs: node(id: $b) { id }
                myDoctor: node(id: $c) { id }
                theirDoctor: node(id: $d) { id }
                again: applicants(first: 100) { totalCount nodes { id } }
            }",
            json!({ "a": w.application_1, "b": w.application_2, "c": w.doctor_1, "d": w.doctor_2 }),
        )
        .await;
    assert_eq!(data["mine"]["id"], json!(w.application_1));
    assert!(data["theirs"].is_null(), "{data}");
    assert_eq!(data["myDoctor"]["id"], json!(w.doctor_1));
    assert!(data["theirDoctor"].is_null(), "{data}");
    assert_eq!(connection_ids("again", &data["again"]), set(&[&w.doctor_1]));

    // The society of the other field sees the mirror image.
    let ped = app.society(FieldCode::Pediatrics);
    assert_eq!(
        list(&app, Some(&ped), "applications").await,
        set(&[&w.application_2])
    );
    assert_eq!(
        list(&app, Some(&ped), "applicants").await,
        set(&[&w.doctor_2])
    );
    assert_eq!(
        list(&app, Some(&ped), "trainees").await,
        Vec::<String>::new()
    );
    assert_node_hidden(&app, Some(&ped), &w.trainee_1).await;
}

#[tokio::test]
async fn a_society_without_courses_sees_no_people() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let surgery = app.society(FieldCode::Surgery);
    let token = Some(surgery.as_str());
    for field in ["applicants", "applications", "trainees", "annualReports"] {
        assert_eq!(
            list(&app, token, field).await,
            Vec::<String>::new(),
            "{field}"
        );
    }
    assert_eq!(
        list(&app, token, "courses").await,
        set(&[&w.im_published, &w.ped_published])
    );
}

// --- INSTITUTION -----------------------------------------------------------------

#[tokio::test]
async fn institution_sees_its_courses_applications_trainees_and_reports() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let a = app.institution(w.inst_a);
    let token = Some(a.as_str());

    assert_eq!(
        list(&app, token, "courses").await,
        set(&[&w.im_published, &w.ped_published, &w.ped_draft])
    );
    assert_node_visible(&app, token, &w.ped_draft).await;
    assert_node_hidden(&app, token, &w.im_draft).await;
    assert_eq!(
        institution_courses(&app, token, w.inst_a).await,
        set(&[&w.im_published, &w.ped_draft])
    );
    assert_eq!(
        institution_courses(&app, token, w.inst_b).await,
        set(&[&w.ped_published])
    );

    assert_eq!(
        list(&app, token, "applications").await,
        set(&[&w.application_1])
    );
    assert_eq!(list(&app, token, "applicants").await, set(&[&w.doctor_1]));
    assert_eq!(list(&app, token, "trainees").await, set(&[&w.trainee_1]));
    assert_eq!(
        list(&app, token, "annualReports").await,
        set(&[&w.report_a])
    );
    assert_eq!(list(&app, token, "auditEvents").await, Vec::<String>::new());
    assert_node_hidden(&app, token, &w.application_2).await;
    assert_node_hidden(&app, token, &w.doctor_2).await;
    assert_node_hidden(&app, token, &w.report_b).await;
    assert_eq!(
        course_applications(&app, token, &w.ped_published).await,
        Vec::<String>::new()
    );

    let b = app.institution(w.inst_b);
    let token = Some(b.as_str());
    assert_eq!(
        list(&app, token, "courses").await,
        set(&[&w.im_published, &w.im_draft, &w.ped_published])
    );
    assert_eq!(
        list(&app, token, "applications").await,
        set(&[&w.application_2])
    );
    assert_eq!(list(&app, token, "applicants").await, set(&[&w.doctor_2]));
    assert_eq!(list(&app, token, "trainees").await, Vec::<String>::new());
    assert_eq!(
        list(&app, token, "annualReports").await,
        set(&[&w.report_b])
    );
    assert_node_hidden(&app, token, &w.trainee_1).await;
    assert_node_hidden(&app, token, &w.report_a).await;
    assert_node_hidden(&app, token, &w.application_1).await;
}

/// A page of applications that joins their courses (on PostgreSQL the
/// viewer's rule is then tested on the joined course:
/// `visibility::applications_on_joined_course`) holds exactly the
/// applications the viewer may see, as a page of ids does.
#[tokio::test]
async fn a_page_joined_with_its_courses_holds_what_the_viewer_may_see() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let both = set(&[&w.application_1, &w.application_2]);
    let viewers = [
        ("admin", app.admin(), both),
        (
            "internal medicine",
            app.society(FieldCode::InternalMedicine),
            set(&[&w.application_1]),
        ),
        (
            "pediatrics",
            app.society(FieldCode::Pediatrics),
            set(&[&w.application_2]),
        ),
        (
            "institution a",
            app.institution(w.inst_a),
            set(&[&w.application_1]),
        ),
        (
            "institution b",
            app.institution(w.inst_b),
            set(&[&w.application_2]),
        ),
        (
            "doctor 2",
            app.applicant(DOCTOR_2),
            set(&[&w.application_2]),
        ),
    ];
    for (who, token, expected) in viewers {
        let data = app
            .data(
                Some(&token),
                "{ list: applications(first: 100) {
                    totalCount nodes { id course { title } applicant { fullName } }
                } }",
                json!({}),
            )
            .await;
        assert_eq!(
            connection_ids("applications", &data["list"]),
            expected,
            "{who}"
        );
        assert!(
            data["list"]["nodes"][0]["course"]["title"].is_string(),
            "{who}"
        );
        assert_eq!(
            list(&app, Some(&token), "applications").await,
            expected,
            "{who}"
        );
    }
    // The field filter on the joined course: the board sees that field's,
    // and a society naming the other field sees none.
    let by_field = "{ list: applications(filter: { field: PEDIATRICS }) {
        totalCount nodes { id course { title } }
    } }";
    let data = app.data(Some(&app.admin()), by_field, json!({})).await;
    assert_eq!(
        connection_ids("applications", &data["list"]),
        set(&[&w.application_2])
    );
    let im = app.society(FieldCode::InternalMedicine);
    let data = app.data(Some(&im), by_field, json!({})).await;
    assert_eq!(
        connection_ids("applications", &data["list"]),
        Vec::<String>::new()
    );
}

// --- APPLICANT -------------------------------------------------------------------

#[tokio::test]
async fn applicant_sees_itself_its_applications_and_its_trainee_record() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let one = app.applicant(DOCTOR_1);
    let token = Some(one.as_str());

    assert_eq!(list(&app, token, "applicants").await, set(&[&w.doctor_1]));
    assert_eq!(
        list(&app, token, "applications").await,
        set(&[&w.application_1])
    );
    assert_eq!(list(&app, token, "trainees").await, set(&[&w.trainee_1]));
    assert_eq!(
        list(&app, token, "annualReports").await,
        Vec::<String>::new()
    );
    assert_eq!(list(&app, token, "auditEvents").await, Vec::<String>::new());
    assert_eq!(
        list(&app, token, "courses").await,
        set(&[&w.im_published, &w.ped_published])
    );

    let data = app
        .data(
            token,
            "{ viewer { applicant { id applications { id course { id } } trainee { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["viewer"]["applicant"],
        json!({
            "id": w.doctor_1,
            "applications": [{ "id": w.application_1, "course": { "id": w.im_published } }],
            "trainee": { "id": w.trainee_1 },
        })
    );

    assert_node_visible(&app, token, &w.application_1).await;
    assert_node_visible(&app, token, &w.trainee_1).await;
    assert_node_hidden(&app, token, &w.application_2).await;
    assert_node_hidden(&app, token, &w.doctor_2).await;
    assert_node_hidden(&app, token, &w.report_a).await;

    let two = app.applicant(DOCTOR_2);
    let token = Some(two.as_str());
    assert_eq!(
        list(&app, token, "applications").await,
        set(&[&w.application_2])
    );
    assert_eq!(list(&app, token, "trainees").await, Vec::<String>::new());
    assert_node_hidden(&app, token, &w.application_1).await;
    assert_node_hidden(&app, token, &w.trainee_1).await;
    assert_node_hidden(&app, token, &w.doctor_1).await;
}

#[tokio::test]
async fn unregistered_applicant_sees_no_people() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let stranger = app.applicant("doctor-not-registered");
    let token = Some(stranger.as_str());
    for field in [
        "applicants",
        "applications",
        "trainees",
        "annualReports",
        "auditEvents",
    ] {
        assert_eq!(
            list(&app, token, field).await,
            Vec::<String>::new(),
            "{field}"
        );
    }
    assert_node_hidden(&app, token, &w.doctor_1).await;
    assert_node_hidden(&app, token, &w.application_1).await;
}

// --- ADMIN -----------------------------------------------------------------------

#[tokio::test]
async fn admin_sees_everything() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin();
    let token = Some(admin.as_str());

    assert_eq!(
        list(&app, token, "courses").await,
        set(&[&w.im_published, &w.im_draft, &w.ped_published, &w.ped_draft])
    );
    assert_eq!(
        list(&app, token, "applicants").await,
        set(&[&w.doctor_1, &w.doctor_2])
    );
    assert_eq!(
        list(&app, token, "applications").await,
        set(&[&w.application_1, &w.application_2])
    );
    assert_eq!(list(&app, token, "trainees").await, set(&[&w.trainee_1]));
    assert_eq!(
        list(&app, token, "annualReports").await,
        set(&[&w.report_a, &w.report_b])
    );
    assert_eq!(list(&app, token, "auditEvents").await.len(), 1);
    for id in [
        &w.im_draft,
        &w.ped_draft,
        &w.doctor_2,
        &w.application_2,
        &w.trainee_1,
        &w.report_b,
    ] {
        assert_node_visible(&app, token, id).await;
    }

    let data = app
        .data(
            token,
            "query($id: ID!) { node(id: $id) { ... on Application {
                status outcome
                applicant { id }
                course { id society { code } responsibleInstitution { id } }
                generalApplication { programName society { code } institution { id } status }
            } } }",
            json!({ "id": w.application_1 }),
        )
        .await;
    assert_eq!(
        data["node"],
        json!({
            "status": "ADOPTED",
            "outcome": "COURSE",
            "applicant": { "id": w.doctor_1 },
            "course": {
                "id": w.im_published,
                "society": { "code": "INTERNAL_MEDICINE" },
                "responsibleInstitution": { "id": gid(ids::INSTITUTION, w.inst_a) },
            },
            "generalApplication": {
                "programName": "内科専門研修プログラム",
                "society": { "code": "INTERNAL_MEDICINE" },
                "institution": { "id": gid(ids::INSTITUTION, w.inst_b) },
                "status": "PENDING",
            },
        })
    );
}

// --- personal identifiers ----------------------------------------------------------

#[tokio::test]
async fn license_number_only_for_the_board_and_the_doctor() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;

    let admin = app.admin();
    assert_eq!(license_number(&app, &admin, &w.doctor_1).await, LICENSE_1);
    assert_eq!(license_number(&app, &admin, &w.doctor_2).await, LICENSE_2);
    let doctor = app.applicant(DOCTOR_1);
    assert_eq!(license_number(&app, &doctor, &w.doctor_1).await, LICENSE_1);

    let society = app.society(FieldCode::InternalMedicine);
    assert_eq!(
        license_number(&app, &society, &w.doctor_1).await,
        Value::Null
    );
    let institution = app.institution(w.inst_a);
    assert_eq!(
        license_number(&app, &institution, &w.doctor_1).await,
        Value::Null
    );

    // Nor through a list or a nested field.
    for token in [&society, &institution] {
        let data = app
            .data(
                Some(token),
                "{ applicants { nodes { id medicalLicenseNumber } }
                   applications { nodes { applicant { medicalLicenseNumber } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            data["applicants"]["nodes"],
            json!([{ "id": w.doctor_1, "medicalLicenseNumber": null }])
        );
        assert_eq!(
            data["applications"]["nodes"],
            json!([{ "applicant": { "medicalLicenseNumber": null } }])
        );
    }
}
