//! The authorization matrix: every root Query and Mutation field of the
//! served schema, for the anonymous caller and each role, on objects inside
//! and outside the caller's scope (docs/security.md, "Who may do what").
//!
//! The two tables, `query_rows` and `mutation_rows`, are checked against
//! `csc::graphql::sdl()`: a root field without a row, or a row whose field
//! is gone, fails `the_tables_cover_every_root_field`.
//!
//! One world serves every test; A is the callers' side, B the foreign one:
//!
//! | object                 | A                                       | B                               |
//! |------------------------|-----------------------------------------|---------------------------------|
//! | society (field)        | INTERNAL_MEDICINE                       | PEDIATRICS                      |
//! | university hospital    | institution A, responsible for A's      | institution B, for B's          |
//! | 2027 courses           | course A PUBLISHED, draft A DRAFT       | course B, draft B               |
//! | 2025 courses           | training course A PUBLISHED             | training course B               |
//! | 2027 applications      | doctor-a to course A, SUBMITTED         | doctor-b to course B            |
//! | trainees, 2025 intake  | trainee-a on training course A          | trainee-b on training course B  |
//! | extension requested    | for trainee-a                           | for trainee-b                   |
//! | 2026 annual report     | by A on training course A, SUBMITTED    | by B on training course B       |
//!
//! The 2027 cycle is the one being recruited (each mutation row sets its
//! phase); the 2025 cycle is final. Participation and field quotas of 2027
//! exist for both fields. The viewers: anonymous, the board, the
//! INTERNAL_MEDICINE society, institution A, doctor-a (an applicant),
//! trainee-a (an applicant adopted in 2025) and doctor-new, whose APPLICANT
//! token names no registered doctor yet.

use crate::helpers::{Enrolled, TestApp, YEAR, error_code, gid};
use axum::body::Body;
use axum::http::{Method, Request, header};
use chrono::{NaiveDate, Utc};
use csc::entity::enums::{
    ApplicationStatus, AuditOutcome, CourseStatus, CyclePhase, Decision, DecisionStatus,
    DegreeStatus, EffortSource, ExtensionReason, FieldCode, ReportStatus,
};
use csc::entity::{
    annual_report, annual_report_entry, annual_report_version, applicant, application, audit_event,
    course, course_partner_site, demo_fact, departure, extension, field_quota, general_application,
    guidance, institution, institution_certification, paper, participation, quota_reduction,
    recruitment_cycle, research_effort_report, sanction, society, study_abroad, trainee,
};
use csc::ids;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, IntoActiveModel, JsonValue, PaginatorTrait, QueryFilter, Set, Statement,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The intake year of the trainees; their courses and applications are of it.
const TRAINING_YEAR: i32 = 2025;
/// The year of the annual reports in the world.
const REPORT_YEAR: i32 = 2026;

const DOCTOR_A: &str = "doctor-a";
const DOCTOR_B: &str = "doctor-b";
const TRAINEE_A: &str = "trainee-a";
const TRAINEE_B: &str = "trainee-b";
const NEW_DOCTOR: &str = "doctor-new";

const FORBIDDEN: &str = "FORBIDDEN";
const UNAUTHENTICATED: &str = "UNAUTHENTICATED";

// --- viewers ---------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Admin,
    SocietyA,
    InstitutionA,
    ApplicantA,
    TraineeA,
    NewDoctor,
}

use Who::*;

const EVERYONE: [Who; 7] = [
    Anonymous,
    Admin,
    SocietyA,
    InstitutionA,
    ApplicantA,
    TraineeA,
    NewDoctor,
];

/// The viewers with a token, in the order of `MutationRow::access`.
const SIGNED_IN: [Who; 6] = [
    Admin,
    SocietyA,
    InstitutionA,
    ApplicantA,
    TraineeA,
    NewDoctor,
];

fn token(app: &TestApp, w: &World, who: Who) -> Option<String> {
    match who {
        Anonymous => None,
        Admin => Some(app.admin()),
        SocietyA => Some(app.society(FieldCode::InternalMedicine)),
        InstitutionA => Some(app.institution(w.inst_a)),
        ApplicantA => Some(app.applicant(DOCTOR_A)),
        TraineeA => Some(app.applicant(TRAINEE_A)),
        NewDoctor => Some(app.applicant(NEW_DOCTOR)),
    }
}

// --- the world -------------------------------------------------------------------

struct World {
    inst_a: i64,
    /// All 19 societies, in any order.
    societies: Vec<String>,
    society_a: String,
    society_b: String,
    institution_a: String,
    institution_b: String,
    cycle: String,
    training_cycle: String,
    course_a: String,
    draft_a: String,
    course_b: String,
    draft_b: String,
    training_course_a: String,
    training_course_b: String,
    doctor_a: String,
    doctor_b: String,
    trainee_doctor_a: String,
    trainee_doctor_b: String,
    application_a: String,
    application_b: String,
    training_application_a: String,
    training_application_b: String,
    trainee_a: String,
    trainee_b: String,
    extension_a: String,
    extension_b: String,
    report_a: String,
    report_b: String,
}

impl World {
    /// Every object of the world that `node(id:)` can return, named.
    fn objects(&self) -> Vec<(&'static str, &String)> {
        vec![
            ("society A", &self.society_a),
            ("society B", &self.society_b),
            ("institution A", &self.institution_a),
            ("institution B", &self.institution_b),
            ("cycle 2027", &self.cycle),
            ("cycle 2025", &self.training_cycle),
            ("course A", &self.course_a),
            ("draft A", &self.draft_a),
            ("course B", &self.course_b),
            ("draft B", &self.draft_b),
            ("training course A", &self.training_course_a),
            ("training course B", &self.training_course_b),
            ("doctor-a", &self.doctor_a),
            ("doctor-b", &self.doctor_b),
            ("trainee-a (applicant)", &self.trainee_doctor_a),
            ("trainee-b (applicant)", &self.trainee_doctor_b),
            ("application A", &self.application_a),
            ("application B", &self.application_b),
            ("training application A", &self.training_application_a),
            ("training application B", &self.training_application_b),
            ("trainee A", &self.trainee_a),
            ("trainee B", &self.trainee_b),
            ("report A", &self.report_a),
            ("report B", &self.report_b),
        ]
    }

    /// The name of an id for failure messages; the id itself when unnamed.
    fn label(&self, id: &str) -> String {
        self.objects()
            .into_iter()
            .find(|(_, known)| known.as_str() == id)
            .map_or_else(|| id.to_owned(), |(name, _)| name.to_owned())
    }

    /// What everyone sees: societies, institutions and cycles.
    fn public(&self) -> Vec<String> {
        [
            &self.society_a,
            &self.society_b,
            &self.institution_a,
            &self.institution_b,
            &self.cycle,
            &self.training_cycle,
        ]
        .map(String::clone)
        .to_vec()
    }
}

async fn world(app: &TestApp) -> World {
    let im = FieldCode::InternalMedicine;
    let ped = FieldCode::Pediatrics;
    let inst_a = app.insert_institution("東京大学医学部附属病院").await;
    let inst_b = app.insert_institution("大阪大学医学部附属病院").await;
    let cycle = app.cycle(YEAR).phase(CyclePhase::Planning).insert().await;
    let training_cycle = app.insert_cycle(TRAINING_YEAR).await;

    let course_a = app
        .insert_course("内科 コース A", im, inst_a, CourseStatus::Published)
        .await;
    let draft_a = app
        .insert_course("内科 コース案 A", im, inst_a, CourseStatus::Draft)
        .await;
    let course_b = app
        .insert_course("小児科 コース B", ped, inst_b, CourseStatus::Published)
        .await;
    let draft_b = app
        .insert_course("小児科 コース案 B", ped, inst_b, CourseStatus::Draft)
        .await;
    let training_course_a = training_course(app, "内科 2025 A", im, inst_a).await;
    let training_course_b = training_course(app, "小児科 2025 B", ped, inst_b).await;

    let doctor_a = app.insert_applicant(DOCTOR_A, "1000001").await;
    let doctor_b = app.insert_applicant(DOCTOR_B, "1000002").await;
    let application_a = app
        .insert_application(doctor_a, course_a, ApplicationStatus::Submitted)
        .await;
    let application_b = app
        .insert_application(doctor_b, course_b, ApplicationStatus::Submitted)
        .await;
    let enrolled_a = enrol(app, TRAINEE_A, "2000001", training_course_a).await;
    let enrolled_b = enrol(app, TRAINEE_B, "2000002", training_course_b).await;

    for field in [im, ped] {
        app.insert_participation(field, YEAR, true).await;
        app.field_quota(field, 3).applicants(1).insert().await;
    }
    let extension_a = insert_extension(app, enrolled_a.trainee).await;
    let extension_b = insert_extension(app, enrolled_b.trainee).await;
    let report_a = insert_report(app, training_course_a, inst_a).await;
    let report_b = insert_report(app, training_course_b, inst_b).await;
    app.insert_audit_event("fixture").await;

    let societies = society::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| gid(ids::SOCIETY, s.id))
        .collect();
    World {
        inst_a,
        societies,
        society_a: gid(ids::SOCIETY, app.society_id(im).await),
        society_b: gid(ids::SOCIETY, app.society_id(ped).await),
        institution_a: gid(ids::INSTITUTION, inst_a),
        institution_b: gid(ids::INSTITUTION, inst_b),
        cycle: gid(ids::CYCLE, cycle),
        training_cycle: gid(ids::CYCLE, training_cycle),
        course_a: gid(ids::COURSE, course_a),
        draft_a: gid(ids::COURSE, draft_a),
        course_b: gid(ids::COURSE, course_b),
        draft_b: gid(ids::COURSE, draft_b),
        training_course_a: gid(ids::COURSE, training_course_a),
        training_course_b: gid(ids::COURSE, training_course_b),
        doctor_a: gid(ids::APPLICANT, doctor_a),
        doctor_b: gid(ids::APPLICANT, doctor_b),
        trainee_doctor_a: gid(ids::APPLICANT, enrolled_a.applicant),
        trainee_doctor_b: gid(ids::APPLICANT, enrolled_b.applicant),
        application_a: gid(ids::APPLICATION, application_a),
        application_b: gid(ids::APPLICATION, application_b),
        training_application_a: gid(ids::APPLICATION, enrolled_a.application),
        training_application_b: gid(ids::APPLICATION, enrolled_b.application),
        trainee_a: gid(ids::TRAINEE, enrolled_a.trainee),
        trainee_b: gid(ids::TRAINEE, enrolled_b.trainee),
        extension_a: gid(ids::EXTENSION, extension_a),
        extension_b: gid(ids::EXTENSION, extension_b),
        report_a: gid(ids::ANNUAL_REPORT, report_a),
        report_b: gid(ids::ANNUAL_REPORT, report_b),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A published course of the 2025 intake.
async fn training_course(app: &TestApp, title: &str, field: FieldCode, inst: i64) -> i64 {
    app.course(inst)
        .title(title)
        .field(field)
        .year(TRAINING_YEAR)
        .status(CourseStatus::Published)
        .insert()
        .await
}

/// A doctor adopted to `course_id` in the 2025 intake, in training since April 2025.
async fn enrol(app: &TestApp, sub: &str, license: &str, course_id: i64) -> Enrolled {
    app.trainee_of(course_id, sub, license)
        .intake(TRAINING_YEAR)
        .insert()
        .await
}

async fn insert_extension(app: &TestApp, trainee_id: i64) -> i64 {
    extension::ActiveModel {
        trainee_id: Set(trainee_id),
        reason: Set(ExtensionReason::PregnancyChildbirthChildcare),
        months: Set(12),
        status: Set(DecisionStatus::Requested),
        note: Set(None),
        requested_at: Set(Utc::now()),
        decided_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

/// A SUBMITTED report of 2026, as after a first submission.
async fn insert_report(app: &TestApp, course_id: i64, institution_id: i64) -> i64 {
    annual_report::ActiveModel {
        course_id: Set(course_id),
        institution_id: Set(institution_id),
        year: Set(REPORT_YEAR),
        status: Set(ReportStatus::Submitted),
        submitted_at: Set(Some(Utc::now())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

// --- what each viewer may read ------------------------------------------------------

/// The scoped objects one viewer may see (societies, institutions and cycles
/// are public). Written out by hand from docs/security.md, not computed.
#[derive(Default)]
struct Visible {
    courses: Vec<String>,
    applicants: Vec<String>,
    applications: Vec<String>,
    trainees: Vec<String>,
    reports: Vec<String>,
    /// Filled from the database for the board, right before the query.
    audit_events: Vec<String>,
}

fn list(ids: &[&String]) -> Vec<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

fn visible(w: &World, who: Who) -> Visible {
    let published = list(&[
        &w.course_a,
        &w.course_b,
        &w.training_course_a,
        &w.training_course_b,
    ]);
    match who {
        Anonymous | NewDoctor => Visible {
            courses: published,
            ..Visible::default()
        },
        Admin => Visible {
            courses: [published, list(&[&w.draft_a, &w.draft_b])].concat(),
            applicants: list(&[
                &w.doctor_a,
                &w.doctor_b,
                &w.trainee_doctor_a,
                &w.trainee_doctor_b,
            ]),
            applications: list(&[
                &w.application_a,
                &w.application_b,
                &w.training_application_a,
                &w.training_application_b,
            ]),
            trainees: list(&[&w.trainee_a, &w.trainee_b]),
            reports: list(&[&w.report_a, &w.report_b]),
            audit_events: Vec::new(),
        },
        // The society of A's field and the institution responsible for A's
        // courses see the same: A's courses in any status and what hangs on them.
        SocietyA | InstitutionA => Visible {
            courses: [published, list(&[&w.draft_a])].concat(),
            applicants: list(&[&w.doctor_a, &w.trainee_doctor_a]),
            applications: list(&[&w.application_a, &w.training_application_a]),
            trainees: list(&[&w.trainee_a]),
            reports: list(&[&w.report_a]),
            audit_events: Vec::new(),
        },
        ApplicantA => Visible {
            courses: published,
            applicants: list(&[&w.doctor_a]),
            applications: list(&[&w.application_a]),
            ..Visible::default()
        },
        TraineeA => Visible {
            courses: published,
            applicants: list(&[&w.trainee_doctor_a]),
            applications: list(&[&w.training_application_a]),
            trainees: list(&[&w.trainee_a]),
            ..Visible::default()
        },
    }
}

// --- the query table -------------------------------------------------------------------

/// One root query field: a document, and every `id` its response must hold
/// for a viewer — no more (nothing out of scope, nested or aliased) and no
/// fewer. Each connection's `totalCount` must match its nodes.
struct QueryRow {
    field: &'static str,
    doc: fn(&World) -> String,
    vars: fn(&World) -> Value,
    expect: fn(&World, Who, &Visible) -> Vec<String>,
}

fn no_vars(_: &World) -> Value {
    json!({})
}

fn query_rows() -> Vec<QueryRow> {
    vec![
        QueryRow {
            // Every world object by id, aliased, with ids of other types and junk.
            field: "node",
            doc: node_doc,
            vars: no_vars,
            expect: |w, _, v| {
                [
                    w.public(),
                    v.courses.clone(),
                    v.applicants.clone(),
                    v.applications.clone(),
                    v.trainees.clone(),
                    v.reports.clone(),
                ]
                .concat()
            },
        },
        QueryRow {
            field: "viewer",
            doc: |_| {
                "{ viewer { role society { id } institution { id } applicant { id } } }".into()
            },
            vars: no_vars,
            expect: |w, who, _| match who {
                SocietyA => list(&[&w.society_a]),
                InstitutionA => list(&[&w.institution_a]),
                ApplicantA => list(&[&w.doctor_a]),
                TraineeA => list(&[&w.trainee_doctor_a]),
                Anonymous | Admin | NewDoctor => Vec::new(),
            },
        },
        QueryRow {
            field: "societies",
            doc: |_| "{ societies { id courses(first: 20) { totalCount nodes { id } } } }".into(),
            vars: no_vars,
            expect: |w, _, v| [w.societies.clone(), v.courses.clone()].concat(),
        },
        QueryRow {
            // Both fields, each with its courses and what hangs on them.
            field: "society",
            doc: |_| {
                "{ a: society(code: INTERNAL_MEDICINE) { ...Deep }
                   b: society(code: PEDIATRICS) { ...Deep } }
                 fragment Deep on Society { id courses(first: 20) { totalCount nodes {
                     id
                     applications(first: 10) { totalCount nodes { id applicant { id } } }
                     trainees { id applicant { id } }
                 } } }"
                    .into()
            },
            vars: no_vars,
            expect: |w, _, v| {
                [
                    list(&[&w.society_a, &w.society_b]),
                    v.courses.clone(),
                    v.applications.clone(),
                    v.applicants.clone(),
                    v.trainees.clone(),
                ]
                .concat()
            },
        },
        QueryRow {
            field: "institutions",
            doc: |_| {
                "{ institutions(first: 20) { totalCount nodes { id courses(first: 10) {
                     totalCount nodes { id applications(first: 10) { totalCount nodes { id } } }
                 } } } }"
                    .into()
            },
            vars: no_vars,
            expect: |w, _, v| {
                [
                    list(&[&w.institution_a, &w.institution_b]),
                    v.courses.clone(),
                    v.applications.clone(),
                ]
                .concat()
            },
        },
        QueryRow {
            field: "courses",
            doc: |_| {
                "query($b: ID!) { all: courses(first: 20) { totalCount nodes {
                       id
                       applications(first: 10) { totalCount nodes { id } }
                       trainees { id }
                   } }
                   drafts: courses(filter: { status: DRAFT }) { totalCount nodes { id } }
                   pediatrics: courses(filter: { field: PEDIATRICS }) { totalCount nodes { id } }
                   ofB: courses(filter: { institutionId: $b }) { totalCount nodes { id } } }"
                    .into()
            },
            vars: |w| json!({ "b": w.institution_b }),
            expect: |_, _, v| {
                [
                    v.courses.clone(),
                    v.applications.clone(),
                    v.trainees.clone(),
                ]
                .concat()
            },
        },
        QueryRow {
            field: "recruitmentCycles",
            doc: |_| "{ recruitmentCycles { id fieldQuotas { society { id } } } }".into(),
            vars: no_vars,
            expect: |w, _, _| list(&[&w.cycle, &w.training_cycle, &w.society_a, &w.society_b]),
        },
        QueryRow {
            field: "recruitmentCycle",
            doc: |_| {
                "{ current: recruitmentCycle(year: 2027) { id }
                   previous: recruitmentCycle(year: 2025) { id }
                   none: recruitmentCycle(year: 2030) { id } }"
                    .into()
            },
            vars: no_vars,
            expect: |w, _, _| list(&[&w.cycle, &w.training_cycle]),
        },
        QueryRow {
            field: "applicants",
            doc: |_| {
                "{ applicants(first: 20) { totalCount nodes {
                     id applications { id course { status } } trainee { id }
                 } } }"
                    .into()
            },
            vars: no_vars,
            expect: |_, _, v| {
                [
                    v.applicants.clone(),
                    v.applications.clone(),
                    v.trainees.clone(),
                ]
                .concat()
            },
        },
        QueryRow {
            field: "applications",
            doc: |_| {
                "query($b: ID!) {
                   all: applications(first: 20) { totalCount nodes { id applicant { id } course { status } } }
                   pediatrics: applications(filter: { field: PEDIATRICS }) { totalCount nodes { id } }
                   toB: applications(filter: { courseId: $b }) { totalCount nodes { id } } }"
                    .into()
            },
            vars: |w| json!({ "b": w.course_b }),
            expect: |_, _, v| [v.applications.clone(), v.applicants.clone()].concat(),
        },
        QueryRow {
            field: "trainees",
            doc: |_| {
                "query($b: ID!) {
                   all: trainees(first: 20) { totalCount nodes { id course { status } applicant { graduationYear } } }
                   ofB: trainees(courseId: $b) { totalCount nodes { id } } }"
                    .into()
            },
            vars: |w| json!({ "b": w.training_course_b }),
            expect: |_, _, v| v.trainees.clone(),
        },
        QueryRow {
            field: "annualReports",
            doc: |_| {
                "{ annualReports(first: 20) { totalCount nodes {
                     id course { status } institution { name } entries { phase }
                 } } }"
                    .into()
            },
            vars: no_vars,
            expect: |_, _, v| v.reports.clone(),
        },
        QueryRow {
            field: "auditEvents",
            doc: |_| "{ auditEvents(first: 100) { totalCount nodes { id } } }".into(),
            vars: no_vars,
            expect: |_, _, v| v.audit_events.clone(),
        },
    ]
}

/// What `node(id:)` is asked for: the world's objects, an extension (an id
/// of a type that is not a Node), a course that does not exist, and junk.
fn node_targets(w: &World) -> Vec<String> {
    let mut targets: Vec<String> = w.objects().into_iter().map(|(_, id)| id.clone()).collect();
    targets.push(w.extension_a.clone());
    targets.push(gid(ids::COURSE, 999_999));
    targets.push("not-an-id".to_owned());
    targets
}

fn node_doc(w: &World) -> String {
    let aliases: Vec<String> = node_targets(w)
        .iter()
        .enumerate()
        .map(|(i, id)| format!("n{i}: node(id: \"{id}\") {{ id }}"))
        .collect();
    format!("{{ {} }}", aliases.join(" "))
}

/// The board's audit trail as stored, for what `auditEvents` must show it.
async fn audit_ids(app: &TestApp) -> Vec<String> {
    audit_event::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| gid(ids::AUDIT_EVENT, e.id))
        .collect()
}

/// Collects every `id` of a response into `found`, and a problem for each
/// connection whose `totalCount` differs from its number of nodes.
fn scan(value: &Value, found: &mut BTreeSet<String>, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let (Some(total), Some(nodes)) = (map.get("totalCount"), map.get("nodes")) {
                let shown = nodes.as_array().map_or(0, Vec::len) as u64;
                if total.as_u64() != Some(shown) {
                    problems.push(format!("totalCount {total} but {shown} nodes"));
                }
            }
            if let Some(Value::String(id)) = map.get("id") {
                found.insert(id.clone());
            }
            map.values().for_each(|v| scan(v, found, problems));
        }
        Value::Array(items) => items.iter().for_each(|v| scan(v, found, problems)),
        _ => {}
    }
}

fn labels(w: &World, ids: &BTreeSet<&String>) -> String {
    let names: Vec<String> = ids.iter().map(|id| w.label(id)).collect();
    names.join(", ")
}

#[tokio::test]
async fn each_viewer_reads_only_what_is_in_its_scope() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mut failures = Vec::new();
    for row in query_rows() {
        for who in EVERYONE {
            let mut v = visible(&w, who);
            if who == Admin {
                v.audit_events = audit_ids(&app).await;
            }
            let token = token(&app, &w, who);
            let (_, json) = app
                .gql(token.as_deref(), &(row.doc)(&w), (row.vars)(&w))
                .await;
            if json.get("errors").is_some() || json["data"].is_null() {
                failures.push(format!("{} as {who:?}: errors {json}", row.field));
                continue;
            }
            let mut found = BTreeSet::new();
            let mut problems = Vec::new();
            scan(&json["data"], &mut found, &mut problems);
            let expected: BTreeSet<String> = (row.expect)(&w, who, &v).into_iter().collect();
            let leaked: BTreeSet<&String> = found.difference(&expected).collect();
            let missing: BTreeSet<&String> = expected.difference(&found).collect();
            if !leaked.is_empty() {
                problems.push(format!("out of scope: {}", labels(&w, &leaked)));
            }
            if !missing.is_empty() {
                problems.push(format!("missing: {}", labels(&w, &missing)));
            }
            if !problems.is_empty() {
                failures.push(format!("{} as {who:?}: {}", row.field, problems.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The brief's examples, spelled out: a foreign object is absent (never an
/// error) through a nested field and next to an aliased object in scope.
#[tokio::test]
async fn foreign_objects_are_absent_through_nesting_and_aliases() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    for who in [SocietyA, InstitutionA] {
        let token = token(&app, &w, who);
        let data = app
            .data(
                token.as_deref(),
                "{ society(code: PEDIATRICS) { courses { totalCount nodes {
                     id applications { totalCount nodes { id } } trainees { id }
                 } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            data["society"]["courses"],
            json!({ "totalCount": 2, "nodes": [
                { "id": w.course_b, "applications": { "totalCount": 0, "nodes": [] }, "trainees": [] },
                { "id": w.training_course_b, "applications": { "totalCount": 0, "nodes": [] }, "trainees": [] },
            ] }),
            "{who:?} sees B's published courses, but none of their people"
        );

        let data = app
            .data(
                token.as_deref(),
                "query($ownDraft: ID!, $foreignDraft: ID!, $ownTrainee: ID!, $foreignTrainee: ID!,
                       $ownReport: ID!, $foreignReport: ID!) {
                   ownDraft: node(id: $ownDraft) { id }
                   foreignDraft: node(id: $foreignDraft) { id }
                   ownTrainee: node(id: $ownTrainee) { id }
                   foreignTrainee: node(id: $foreignTrainee) { id }
                   ownReport: node(id: $ownReport) { id }
                   foreignReport: node(id: $foreignReport) { id }
                   trainees { totalCount }
                   annualReports { totalCount } }",
                json!({
                    "ownDraft": w.draft_a, "foreignDraft": w.draft_b,
                    "ownTrainee": w.trainee_a, "foreignTrainee": w.trainee_b,
                    "ownReport": w.report_a, "foreignReport": w.report_b,
                }),
            )
            .await;
        assert_eq!(
            data,
            json!({
                "ownDraft": { "id": w.draft_a }, "foreignDraft": null,
                "ownTrainee": { "id": w.trainee_a }, "foreignTrainee": null,
                "ownReport": { "id": w.report_a }, "foreignReport": null,
                "trainees": { "totalCount": 1 },
                "annualReports": { "totalCount": 1 },
            }),
            "{who:?}"
        );
    }
}

/// The value of every `medicalLicenseNumber` in a response, by applicant id.
fn license_numbers(value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(id)), Some(license)) =
                (map.get("id"), map.get("medicalLicenseNumber"))
            {
                out.push((id.clone(), license.clone()));
            }
            map.values().for_each(|v| license_numbers(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| license_numbers(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_license_number_is_shown_to_the_board_and_the_doctor_only() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    for who in EVERYONE {
        let token = token(&app, &w, who);
        let data = app
            .data(
                token.as_deref(),
                "{ viewer { applicant { id medicalLicenseNumber } }
                   applicants(first: 20) { nodes { id medicalLicenseNumber } }
                   applications(first: 20) { nodes { applicant { id medicalLicenseNumber } } }
                   trainees(first: 20) { nodes { applicant { id medicalLicenseNumber } } } }",
                json!({}),
            )
            .await;
        let mut seen = Vec::new();
        license_numbers(&data, &mut seen);
        let own = match who {
            ApplicantA => Some(&w.doctor_a),
            TraineeA => Some(&w.trainee_doctor_a),
            _ => None,
        };
        for (id, license) in &seen {
            let shown = who == Admin || own == Some(id);
            assert_eq!(
                !license.is_null(),
                shown,
                "{who:?} reading {}: {license}",
                w.label(id)
            );
        }
        if matches!(who, SocietyA | InstitutionA) {
            assert!(
                seen.len() >= 2,
                "{who:?} reads its applicants, without their numbers"
            );
        }
    }
}

// --- the mutation table ------------------------------------------------------------------

/// What one viewer may do with one mutation.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Refused with this code on A's object and on B's alike.
    Never(&'static str),
    /// Allowed on A's object; refused with this code on B's.
    Own(&'static str),
    /// Allowed on any object (the board).
    Any,
}

const NO: Access = Access::Never(FORBIDDEN);
const OWN: Access = Access::Own(FORBIDDEN);
const ANY: Access = Access::Any;

/// State an allowed call needs that the shared world does not have.
#[derive(Clone, Copy)]
enum Prep {
    Nothing,
    /// Draft A moved to this status.
    DraftA(CourseStatus),
    /// doctor-a's application withdrawn, so it may apply again.
    WithdrawApplicationA,
    /// Trainee A board-certified, with a degree expected, two qualifying
    /// papers and research years at half effort (started in 2021).
    CompletableTraineeA,
    /// The INTERNAL_MEDICINE society proposed to adopt application A.
    ProposalA,
    /// The INTERNAL_MEDICINE society agreed to extension A.
    SocietyAgreedExtensionA,
    /// Trainee A left, recorded with a quota reduction.
    DepartedTraineeA,
}

struct MutationRow {
    field: &'static str,
    doc: &'static str,
    /// The 2027 cycle's phase for every call of the row: one that allows the
    /// operation, so that role and scope are what refuse.
    phase: CyclePhase,
    /// Variables naming A's object (or, without an object, a valid call).
    own: fn(&World) -> Value,
    /// Variables naming B's object: out of every A viewer's scope.
    foreign: fn(&World) -> Value,
    prep: Prep,
    /// For admin, societyA, institutionA, applicantA, traineeA, newDoctor
    /// (`SIGNED_IN`); anonymous is always UNAUTHENTICATED.
    access: [Access; 6],
}

fn access_of(row: &MutationRow, who: Who) -> Access {
    match SIGNED_IN.iter().position(|w| *w == who) {
        Some(i) => row.access[i],
        None => Access::Never(UNAUTHENTICATED),
    }
}

const CREATE_INSTITUTION: &str = "mutation($input: CreateInstitutionInput!) {
    createInstitution(input: $input) { __typename } }";
const REGISTER_APPLICANT: &str = "mutation($input: RegisterApplicantInput!) {
    registerApplicant(input: $input) { __typename } }";
const CREATE_CYCLE: &str = "mutation($input: CreateRecruitmentCycleInput!) {
    createRecruitmentCycle(input: $input) { __typename } }";
const OPEN_EARLY_CALL: &str = "mutation($year: Int!) { openEarlyCall(year: $year) { __typename } }";
const CLOSE_EARLY_CALL: &str =
    "mutation($year: Int!) { closeEarlyCall(year: $year) { __typename } }";
const ALLOCATE: &str = "mutation($year: Int!) { allocateFieldQuotas(year: $year) { __typename } }";
const ADJUST: &str = "mutation($year: Int!, $field: FieldCode!, $quota: Int!, $reason: String!) {
    adjustFieldQuota(year: $year, field: $field, quota: $quota, reason: $reason) { __typename } }";
const FINALIZE: &str = "mutation($year: Int!) { finalizeSelection(year: $year) { __typename } }";
const SUBMIT_APPLICATION: &str = "mutation($input: SubmitApplicationInput!) {
    submitApplication(input: $input) { __typename } }";
const SET_GENERAL: &str = "mutation($id: ID!, $input: GeneralApplicationInput!) {
    setGeneralApplication(applicationId: $id, input: $input) { __typename } }";
const WITHDRAW_APPLICATION: &str =
    "mutation($id: ID!) { withdrawApplication(id: $id) { __typename } }";
const DECIDE: &str = "mutation($id: ID!, $decision: Decision!) {
    decideApplication(id: $id, decision: $decision) { __typename } }";
const SET_PARTICIPATION: &str =
    "mutation($year: Int!, $field: FieldCode!, $participating: Boolean!) {
    setParticipation(year: $year, field: $field, participating: $participating) { __typename } }";
const CREATE_COURSE: &str =
    "mutation($input: CreateCourseInput!) { createCourse(input: $input) { __typename } }";
const UPDATE_COURSE: &str = "mutation($id: ID!, $input: UpdateCourseInput!) {
    updateCourse(id: $id, input: $input) { __typename } }";
const SUBMIT_COURSE: &str = "mutation($id: ID!) { submitCourse(id: $id) { __typename } }";
const APPROVE_COURSE: &str = "mutation($id: ID!) { approveCourse(id: $id) { __typename } }";
const PUBLISH_COURSE: &str = "mutation($id: ID!) { publishCourse(id: $id) { __typename } }";
const WITHDRAW_COURSE: &str = "mutation($id: ID!, $reason: String!) {
    withdrawCourse(id: $id, reason: $reason) { __typename } }";
const REASSIGN_COURSE: &str = "mutation($id: ID!, $institutionId: ID!, $director: String!) {
    reassignCourse(id: $id, institutionId: $institutionId, director: $director) { __typename } }";
const SANCTION: &str = "mutation($institutionId: ID!, $reason: SanctionReason!, $fromYear: Int, $years: Int) {
    sanctionInstitution(institutionId: $institutionId, reason: $reason, fromYear: $fromYear, years: $years) { __typename } }";
const UPDATE_PROGRESS: &str = "mutation($id: ID!, $input: TraineeProgressInput!) {
    updateTraineeProgress(traineeId: $id, input: $input) { __typename } }";
const RECORD_PAPER: &str = "mutation($id: ID!, $input: RecordPaperInput!) {
    recordPaper(traineeId: $id, input: $input) { __typename } }";
const REQUEST_EXTENSION: &str = "mutation($id: ID!, $input: RequestExtensionInput!) {
    requestExtension(traineeId: $id, input: $input) { __typename } }";
const DECIDE_EXTENSION: &str = "mutation($id: ID!, $approve: Boolean!) {
    decideExtension(id: $id, approve: $approve) { __typename } }";
const RECORD_STUDY_ABROAD: &str = "mutation($id: ID!, $input: StudyAbroadInput!) {
    recordStudyAbroad(traineeId: $id, input: $input) { __typename } }";
const CONFIRM_COMPLETION: &str =
    "mutation($id: ID!) { confirmCompletion(traineeId: $id) { __typename } }";
const RECORD_DEPARTURE: &str = "mutation($id: ID!, $input: RecordDepartureInput!) {
    recordDeparture(traineeId: $id, input: $input) { __typename } }";
const SUBMIT_REPORT: &str = "mutation($input: SubmitAnnualReportInput!) {
    submitAnnualReport(input: $input) { __typename } }";
const ACCEPT_REPORT: &str = "mutation($id: ID!) { acceptAnnualReport(id: $id) { __typename } }";
const CONFIRM_DECISION: &str = "mutation($id: ID!) { confirmDecision(id: $id) { __typename } }";
const AGREE_EXTENSION: &str = "mutation($id: ID!, $agree: Boolean!) {
    agreeExtension(id: $id, agree: $agree) { __typename } }";
const DECIDE_SPECIAL: &str = "mutation($id: ID!) {
    decideSpecialCircumstances(traineeId: $id, grant: true) { __typename } }";
const SET_CERTIFIED: &str = "mutation($id: ID!, $fields: [FieldCode!]!) {
    setCertifiedFields(institutionId: $id, fields: $fields) { __typename } }";
const ISSUE_GUIDANCE: &str = "mutation($id: ID!, $text: String!) {
    issueGuidance(reportId: $id, text: $text) { __typename } }";

fn year_vars(_: &World) -> Value {
    json!({ "year": YEAR })
}

fn institution_input(_: &World) -> Value {
    json!({ "input": {
        "name": "京都大学医学部附属病院", "kind": "UNIVERSITY_HOSPITAL",
        "prefecture": "京都府", "certifiedTrainingFacility": true,
    } })
}

fn applicant_input(_: &World) -> Value {
    json!({ "input": {
        "fullName": "新 医師", "email": "new@example.jp", "medicalLicenseNumber": "3000001",
        "university": "京都大学", "graduationYear": 2023,
        "initialTrainingCompletedOn": "2025-03-31",
        "obligatedServiceGraduate": false, "regionalQuotaObligation": false,
    } })
}

fn cycle_input(_: &World) -> Value {
    json!({ "input": {
        "year": 2028, "totalCapacity": 40, "earlyCallOpensOn": "2027-09-01",
        "earlyCallClosesOn": "2027-10-01", "generalCallOpensOn": "2027-11-04",
    } })
}

fn adjust_vars(field: &str) -> Value {
    json!({ "year": YEAR, "field": field, "quota": 5, "reason": "応募者数の大幅な変動" })
}

fn general_vars(application: &str, w: &World) -> Value {
    json!({ "id": application, "input": {
        "programName": "内科専門研修プログラム", "field": "INTERNAL_MEDICINE",
        "institutionId": w.institution_b,
    } })
}

fn participation_vars(field: &str) -> Value {
    json!({ "year": YEAR, "field": field, "participating": false })
}

fn course_input(field: &str, institution: &str) -> Value {
    json!({ "input": {
        "year": YEAR, "field": field, "title": "新しい臨床研究医コース",
        "responsibleInstitutionId": institution, "director": "統括 責任者",
        "requestedCapacity": 1, "curriculum": "カリキュラム制", "partnerInstitutionIds": [],
        "researchHost": { "kind": "GRADUATE_SCHOOL", "name": "大学院医学系研究科",
                          "paperCountFiveYears": 100 },
        "statusGuarantee": { "clinicalPhase": "常勤医師として給与",
                             "researchPhase": "社会人大学院生として給与",
                             "socialInsurance": true, "workingGraduateStudent": true },
    } })
}

fn id_vars(id: &str) -> Value {
    json!({ "id": id })
}

fn reassign_vars(course: &str, institution: &str) -> Value {
    json!({ "id": course, "institutionId": institution, "director": "新 統括責任者" })
}

fn sanction_vars(institution: &str) -> Value {
    json!({ "institutionId": institution, "reason": "QUOTA_UNFILLED", "fromYear": 2028, "years": 1 })
}

fn trainee_vars(trainee: &str, input: Value) -> Value {
    json!({ "id": trainee, "input": input })
}

fn paper_input() -> Value {
    json!({ "title": "A randomized trial", "journal": "Journal of Clinical Research",
            "doi": "10.1000/authz-1", "publishedOn": "2026-06-01", "sciIndexed": true,
            "firstAuthor": true, "english": true, "caseReport": false })
}

fn report_input(course: &str, trainee: &str) -> Value {
    json!({ "input": {
        "courseId": course, "year": TRAINING_YEAR,
        "entries": [{ "traineeId": trainee, "researchEffortPercent": null,
                      "clinicalProgress": "病棟診療を継続", "issues": null }],
        "statusGuarantee": { "salaryProvided": true, "socialInsuranceProvided": true,
                             "workingGraduateStudent": false, "note": null },
    } })
}

fn mutation_rows() -> Vec<MutationRow> {
    use CyclePhase::*;
    const CONFLICT: Access = Access::Never("CONFLICT");
    const OWN_NOT_FOUND: Access = Access::Own("NOT_FOUND");
    vec![
        // access:      admin, societyA, institutionA, applicantA, traineeA, newDoctor
        MutationRow {
            field: "createInstitution",
            doc: CREATE_INSTITUTION,
            phase: Planning,
            own: institution_input,
            foreign: institution_input,
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            // A registered doctor cannot register a second identity: its
            // token's subject is taken (CONFLICT); a new subject may.
            field: "registerApplicant",
            doc: REGISTER_APPLICANT,
            phase: Planning,
            own: applicant_input,
            foreign: applicant_input,
            prep: Prep::Nothing,
            access: [NO, NO, NO, CONFLICT, CONFLICT, ANY],
        },
        MutationRow {
            field: "createRecruitmentCycle",
            doc: CREATE_CYCLE,
            phase: Planning,
            own: cycle_input,
            foreign: cycle_input,
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "openEarlyCall",
            doc: OPEN_EARLY_CALL,
            phase: Planning,
            own: year_vars,
            foreign: year_vars,
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "closeEarlyCall",
            doc: CLOSE_EARLY_CALL,
            phase: EarlyCallOpen,
            own: year_vars,
            foreign: year_vars,
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "allocateFieldQuotas",
            doc: ALLOCATE,
            phase: EarlyCallClosed,
            own: year_vars,
            foreign: year_vars,
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            // Even its own field's quota is the board's alone.
            field: "adjustFieldQuota",
            doc: ADJUST,
            phase: QuotasAllocated,
            own: |_| adjust_vars("INTERNAL_MEDICINE"),
            foreign: |_| adjust_vars("PEDIATRICS"),
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "finalizeSelection",
            doc: FINALIZE,
            phase: QuotasAllocated,
            own: year_vars,
            foreign: year_vars,
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            // The token decides who applies. B's draft is not open to
            // applicants: NOT_FOUND, as for any course not published.
            field: "submitApplication",
            doc: SUBMIT_APPLICATION,
            phase: EarlyCallOpen,
            own: |w| json!({ "input": { "courseId": w.course_a } }),
            foreign: |w| json!({ "input": { "courseId": w.draft_b } }),
            prep: Prep::WithdrawApplicationA,
            access: [NO, NO, NO, OWN_NOT_FOUND, OWN_NOT_FOUND, NO],
        },
        MutationRow {
            field: "setGeneralApplication",
            doc: SET_GENERAL,
            phase: EarlyCallOpen,
            own: |w| general_vars(&w.application_a, w),
            foreign: |w| general_vars(&w.application_b, w),
            prep: Prep::Nothing,
            access: [NO, NO, NO, OWN, NO, NO],
        },
        MutationRow {
            field: "withdrawApplication",
            doc: WITHDRAW_APPLICATION,
            phase: EarlyCallOpen,
            own: |w| id_vars(&w.application_a),
            foreign: |w| id_vars(&w.application_b),
            prep: Prep::Nothing,
            access: [ANY, NO, NO, OWN, NO, NO],
        },
        MutationRow {
            field: "decideApplication",
            doc: DECIDE,
            phase: QuotasAllocated,
            own: |w| json!({ "id": w.application_a, "decision": "ADOPT" }),
            foreign: |w| json!({ "id": w.application_b, "decision": "ADOPT" }),
            prep: Prep::Nothing,
            access: [ANY, OWN, NO, NO, NO, NO],
        },
        MutationRow {
            // The board confirms what the society proposed (I.2(2)④).
            field: "confirmDecision",
            doc: CONFIRM_DECISION,
            phase: QuotasAllocated,
            own: |w| id_vars(&w.application_a),
            foreign: |w| id_vars(&w.application_b),
            prep: Prep::ProposalA,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "setCertifiedFields",
            doc: SET_CERTIFIED,
            phase: Planning,
            own: |w| json!({ "id": w.institution_a, "fields": ["INTERNAL_MEDICINE", "SURGERY"] }),
            foreign: |w| json!({ "id": w.institution_b, "fields": ["PEDIATRICS"] }),
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "setParticipation",
            doc: SET_PARTICIPATION,
            phase: Planning,
            own: |_| participation_vars("INTERNAL_MEDICINE"),
            foreign: |_| participation_vars("PEDIATRICS"),
            prep: Prep::Nothing,
            access: [ANY, OWN, NO, NO, NO, NO],
        },
        MutationRow {
            field: "createCourse",
            doc: CREATE_COURSE,
            phase: Planning,
            own: |w| course_input("INTERNAL_MEDICINE", &w.institution_a),
            foreign: |w| course_input("PEDIATRICS", &w.institution_b),
            prep: Prep::Nothing,
            access: [ANY, OWN, NO, NO, NO, NO],
        },
        MutationRow {
            // B's published course: visible to A, so refused FORBIDDEN. (B's
            // draft is NOT_FOUND: `a_society_naming_another_fields_draft_...`.)
            field: "updateCourse",
            doc: UPDATE_COURSE,
            phase: Planning,
            own: |w| json!({ "id": w.draft_a, "input": { "title": "改題したコース" } }),
            foreign: |w| json!({ "id": w.course_b, "input": { "title": "改題したコース" } }),
            prep: Prep::Nothing,
            access: [ANY, OWN, NO, NO, NO, NO],
        },
        MutationRow {
            field: "submitCourse",
            doc: SUBMIT_COURSE,
            phase: Planning,
            own: |w| id_vars(&w.draft_a),
            foreign: |w| id_vars(&w.course_b),
            prep: Prep::Nothing,
            access: [ANY, OWN, NO, NO, NO, NO],
        },
        MutationRow {
            field: "approveCourse",
            doc: APPROVE_COURSE,
            phase: Planning,
            own: |w| id_vars(&w.draft_a),
            foreign: |w| id_vars(&w.draft_b),
            prep: Prep::DraftA(CourseStatus::Submitted),
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "publishCourse",
            doc: PUBLISH_COURSE,
            phase: Planning,
            own: |w| id_vars(&w.draft_a),
            foreign: |w| id_vars(&w.draft_b),
            prep: Prep::DraftA(CourseStatus::Approved),
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "withdrawCourse",
            doc: WITHDRAW_COURSE,
            phase: Planning,
            own: |w| json!({ "id": w.draft_a, "reason": "指導体制の変更" }),
            foreign: |w| json!({ "id": w.course_b, "reason": "指導体制の変更" }),
            prep: Prep::Nothing,
            access: [ANY, OWN, NO, NO, NO, NO],
        },
        MutationRow {
            field: "reassignCourse",
            doc: REASSIGN_COURSE,
            phase: Planning,
            own: |w| reassign_vars(&w.draft_a, &w.institution_b),
            foreign: |w| reassign_vars(&w.draft_b, &w.institution_a),
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "sanctionInstitution",
            doc: SANCTION,
            phase: Planning,
            own: |w| sanction_vars(&w.institution_a),
            foreign: |w| sanction_vars(&w.institution_b),
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "updateTraineeProgress",
            doc: UPDATE_PROGRESS,
            phase: SelectionFinalized,
            own: |w| trainee_vars(&w.trainee_a, json!({ "degree": "EXPECTED" })),
            foreign: |w| trainee_vars(&w.trainee_b, json!({ "degree": "EXPECTED" })),
            prep: Prep::Nothing,
            access: [ANY, NO, OWN, NO, NO, NO],
        },
        MutationRow {
            // doctor-a is no trainee: no trainee record is its own.
            field: "recordPaper",
            doc: RECORD_PAPER,
            phase: SelectionFinalized,
            own: |w| trainee_vars(&w.trainee_a, paper_input()),
            foreign: |w| trainee_vars(&w.trainee_b, paper_input()),
            prep: Prep::Nothing,
            access: [ANY, NO, OWN, NO, OWN, NO],
        },
        MutationRow {
            // The board decides extensions; it does not ask for them.
            field: "requestExtension",
            doc: REQUEST_EXTENSION,
            phase: SelectionFinalized,
            own: |w| trainee_vars(&w.trainee_a, json!({ "reason": "ILLNESS", "months": 6 })),
            foreign: |w| trainee_vars(&w.trainee_b, json!({ "reason": "ILLNESS", "months": 6 })),
            prep: Prep::Nothing,
            access: [NO, NO, OWN, NO, OWN, NO],
        },
        MutationRow {
            field: "decideExtension",
            doc: DECIDE_EXTENSION,
            phase: SelectionFinalized,
            own: |w| json!({ "id": w.extension_a, "approve": true }),
            foreign: |w| json!({ "id": w.extension_b, "approve": true }),
            prep: Prep::SocietyAgreedExtensionA,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            // The society of the trainee's field answers (III.1); another
            // field's society is not told the extension exists.
            field: "agreeExtension",
            doc: AGREE_EXTENSION,
            phase: SelectionFinalized,
            own: |w| json!({ "id": w.extension_a, "agree": true }),
            foreign: |w| json!({ "id": w.extension_b, "agree": true }),
            prep: Prep::Nothing,
            access: [NO, OWN_NOT_FOUND, NO, NO, NO, NO],
        },
        MutationRow {
            // Special circumstances are the board's to grant (III.3).
            field: "decideSpecialCircumstances",
            doc: DECIDE_SPECIAL,
            phase: SelectionFinalized,
            own: |w| id_vars(&w.trainee_a),
            foreign: |w| id_vars(&w.trainee_b),
            prep: Prep::DepartedTraineeA,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "recordStudyAbroad",
            doc: RECORD_STUDY_ABROAD,
            phase: SelectionFinalized,
            own: |w| trainee_vars(&w.trainee_a, abroad_input()),
            foreign: |w| trainee_vars(&w.trainee_b, abroad_input()),
            prep: Prep::Nothing,
            access: [ANY, NO, OWN, NO, NO, NO],
        },
        MutationRow {
            field: "recordDeparture",
            doc: RECORD_DEPARTURE,
            phase: SelectionFinalized,
            own: |w| trainee_vars(&w.trainee_a, departure_input()),
            foreign: |w| trainee_vars(&w.trainee_b, departure_input()),
            prep: Prep::Nothing,
            access: [ANY, NO, OWN, NO, NO, NO],
        },
        MutationRow {
            // Allowed only once nothing is unmet: the allowed call gets a
            // certified trainee with a degree on the way and two papers.
            field: "confirmCompletion",
            doc: CONFIRM_COMPLETION,
            phase: SelectionFinalized,
            own: |w| id_vars(&w.trainee_a),
            foreign: |w| id_vars(&w.trainee_b),
            prep: Prep::CompletableTraineeA,
            access: [ANY, NO, OWN, NO, NO, NO],
        },
        MutationRow {
            // The responsible institution reports; the board does not.
            field: "submitAnnualReport",
            doc: SUBMIT_REPORT,
            phase: SelectionFinalized,
            own: |w| report_input(&w.training_course_a, &w.trainee_a),
            foreign: |w| report_input(&w.training_course_b, &w.trainee_b),
            prep: Prep::Nothing,
            access: [NO, NO, OWN, NO, NO, NO],
        },
        MutationRow {
            field: "acceptAnnualReport",
            doc: ACCEPT_REPORT,
            phase: SelectionFinalized,
            own: |w| id_vars(&w.report_a),
            foreign: |w| id_vars(&w.report_b),
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
        MutationRow {
            field: "issueGuidance",
            doc: ISSUE_GUIDANCE,
            phase: SelectionFinalized,
            own: |w| json!({ "id": w.report_a, "text": "研究時間の確保について改善を求める" }),
            foreign: |w| json!({ "id": w.report_b, "text": "研究時間の確保について改善を求める" }),
            prep: Prep::Nothing,
            access: [ANY, NO, NO, NO, NO, NO],
        },
    ]
}

fn abroad_input() -> Value {
    json!({ "host": "National Institutes of Health", "country": "USA",
            "startsOn": "2028-04-01", "endsOn": "2029-03-31" })
}

fn departure_input() -> Value {
    json!({ "on": "2026-10-31", "reason": "家庭の事情", "specialCircumstances": true })
}

async fn prepare(app: &TestApp, w: &World, prep: Prep) {
    match prep {
        Prep::Nothing => {}
        Prep::ProposalA | Prep::SocietyAgreedExtensionA | Prep::DepartedTraineeA => {
            prepare_more(app, w, prep).await;
        }
        Prep::DraftA(status) => {
            let id = ids::decode_kind(&w.draft_a, ids::COURSE).unwrap();
            let mut row = course::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .into_active_model();
            row.status = Set(status);
            row.update(&app.db).await.unwrap();
        }
        Prep::WithdrawApplicationA => {
            let id = ids::decode_kind(&w.application_a, ids::APPLICATION).unwrap();
            let mut row = application::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .into_active_model();
            row.status = Set(ApplicationStatus::Withdrawn);
            row.withdrawn_at = Set(Some(Utc::now()));
            row.update(&app.db).await.unwrap();
        }
        Prep::CompletableTraineeA => {
            let id = ids::decode_kind(&w.trainee_a, ids::TRAINEE).unwrap();
            let mut row = trainee::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .into_active_model();
            // In research since April 2023, three research years done.
            row.started_on = Set(date(2021, 4, 1));
            row.board_certified_on = Set(Some(date(2026, 6, 1)));
            row.degree = Set(DegreeStatus::Expected);
            row.update(&app.db).await.unwrap();
            for year in 2023..=2025 {
                research_effort_report::ActiveModel {
                    trainee_id: Set(id),
                    year: Set(year),
                    percent: Set(60),
                    source: Set(EffortSource::AnnualReport),
                    reported_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(&app.db)
                .await
                .unwrap();
            }
            for n in 1..=2 {
                paper::ActiveModel {
                    trainee_id: Set(id),
                    title: Set(format!("Qualifying paper {n}")),
                    journal: Set("Journal of Clinical Research".to_owned()),
                    doi: Set(Some(format!("10.1000/complete-{n}"))),
                    published_on: Set(date(2026, n, 1)),
                    sci_indexed: Set(true),
                    first_author: Set(true),
                    english: Set(true),
                    case_report: Set(false),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(&app.db)
                .await
                .unwrap();
            }
        }
    }
}

// --- what a refused call must leave alone -------------------------------------------------

async fn prepare_more(app: &TestApp, w: &World, prep: Prep) {
    match prep {
        Prep::ProposalA => {
            let id = ids::decode_kind(&w.application_a, ids::APPLICATION).unwrap();
            let mut row = application::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .into_active_model();
            row.proposed_decision = Set(Some(Decision::Adopt));
            row.proposed_at = Set(Some(Utc::now()));
            row.update(&app.db).await.unwrap();
        }
        Prep::SocietyAgreedExtensionA => {
            let id = ids::decode_kind(&w.extension_a, ids::EXTENSION).unwrap();
            let mut row = extension::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .into_active_model();
            row.society_agreed = Set(Some(true));
            row.society_answered_at = Set(Some(Utc::now()));
            row.update(&app.db).await.unwrap();
        }
        Prep::DepartedTraineeA => {
            let id = ids::decode_kind(&w.trainee_a, ids::TRAINEE).unwrap();
            let reduction = quota_reduction::ActiveModel {
                institution_id: Set(w.inst_a),
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
            departure::ActiveModel {
                trainee_id: Set(id),
                departed_on: Set(date(2026, 9, 30)),
                reason: Set("家庭の事情".to_owned()),
                special_circumstances: Set(false),
                special_circumstances_claimed: Set(true),
                special_circumstances_decided_at: Set(None),
                quota_reduction_id: Set(Some(reduction.id)),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        _ => {}
    }
}

/// Every row of every table, as JSON, by table; the audit trail (refusals
/// are audited) and the idempotency keys are left out.
type Snapshot = BTreeMap<&'static str, Vec<String>>;

const NOT_SNAPSHOT: [&str; 3] = ["audit_events", "idempotency_keys", "seaql_migrations"];

async fn dump<E: EntityTrait>(db: &DatabaseConnection, entity: E, into: &mut Snapshot) {
    let mut rows: Vec<String> = E::find()
        .into_json()
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    rows.sort();
    into.insert(entity.table_name(), rows);
}

async fn snapshot(app: &TestApp) -> Snapshot {
    let db = &app.db;
    let mut s = Snapshot::new();
    dump(db, annual_report::Entity, &mut s).await;
    dump(db, annual_report_entry::Entity, &mut s).await;
    dump(db, annual_report_version::Entity, &mut s).await;
    dump(db, applicant::Entity, &mut s).await;
    dump(db, application::Entity, &mut s).await;
    dump(db, course::Entity, &mut s).await;
    dump(db, course_partner_site::Entity, &mut s).await;
    dump(db, demo_fact::Entity, &mut s).await;
    dump(db, departure::Entity, &mut s).await;
    dump(db, extension::Entity, &mut s).await;
    dump(db, field_quota::Entity, &mut s).await;
    dump(db, general_application::Entity, &mut s).await;
    dump(db, guidance::Entity, &mut s).await;
    dump(db, institution::Entity, &mut s).await;
    dump(db, institution_certification::Entity, &mut s).await;
    dump(db, paper::Entity, &mut s).await;
    dump(db, participation::Entity, &mut s).await;
    dump(db, quota_reduction::Entity, &mut s).await;
    dump(db, recruitment_cycle::Entity, &mut s).await;
    dump(db, research_effort_report::Entity, &mut s).await;
    dump(db, sanction::Entity, &mut s).await;
    dump(db, society::Entity, &mut s).await;
    dump(db, study_abroad::Entity, &mut s).await;
    dump(db, trainee::Entity, &mut s).await;
    dump_event_log(db, &mut s).await;
    s
}

/// The announced events (PostgreSQL only; empty on SQLite): a refused call
/// announces nothing. It has no entity, so it is read in SQL.
async fn dump_event_log(db: &DatabaseConnection, into: &mut Snapshot) {
    let sql = "SELECT id, origin, payload FROM event_log ORDER BY id";
    let rows: Vec<String> =
        JsonValue::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect();
    into.insert("event_log", rows);
}

/// The tables whose rows differ between two snapshots.
fn changed(before: &Snapshot, after: &Snapshot) -> Vec<&'static str> {
    before
        .keys()
        .filter(|table| before.get(*table) != after.get(*table))
        .copied()
        .collect()
}

async fn refusals(app: &TestApp) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Outcome.eq(AuditOutcome::Refused))
        .count(&app.db)
        .await
        .unwrap()
}

/// Runs one call that must be refused with `code`: no data, nothing changed
/// but the audit trail, and one REFUSED event unless the caller had no token.
async fn check_refused(
    app: &TestApp,
    token: Option<&str>,
    row_field: &str,
    doc: &str,
    vars: Value,
    code: &str,
) -> Result<(), String> {
    let before = snapshot(app).await;
    let refused_before = refusals(app).await;
    let (_, json) = app.gql(token, doc, vars).await;
    let mut problems = Vec::new();
    let got = error_code(&json);
    if got.as_deref() != Some(code) {
        problems.push(format!("{code} expected, got {got:?}: {json}"));
    }
    if !json["data"].is_null() && !json["data"][row_field].is_null() {
        problems.push(format!("returned data: {}", json["data"]));
    }
    let tables = changed(&before, &snapshot(app).await);
    if !tables.is_empty() {
        problems.push(format!("changed {}", tables.join(", ")));
    }
    let audited = refusals(app).await - refused_before;
    let expected = u64::from(code != UNAUTHENTICATED);
    if audited != expected {
        problems.push(format!(
            "{audited} REFUSED audit events, {expected} expected"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[tokio::test]
async fn out_of_scope_mutations_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mut failures = Vec::new();
    let mut calls = 0;
    for row in mutation_rows() {
        app.set_phase(YEAR, row.phase).await;
        for who in EVERYONE {
            let targets: Vec<(&str, Value, &str)> = match access_of(&row, who) {
                Access::Never(code) => vec![
                    ("A's object", (row.own)(&w), code),
                    ("B's object", (row.foreign)(&w), code),
                ],
                Access::Own(code) => vec![("B's object", (row.foreign)(&w), code)],
                Access::Any => Vec::new(),
            };
            let token = token(&app, &w, who);
            for (target, vars, code) in targets {
                calls += 1;
                let outcome =
                    check_refused(&app, token.as_deref(), row.field, row.doc, vars, code).await;
                if let Err(problem) = outcome {
                    failures.push(format!("{} as {who:?} on {target}: {problem}", row.field));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(calls > 300, "only {calls} refused calls were made");
}

/// Every viewer the table allows succeeds on A's object, each in a fresh
/// world: the refusals above are not vacuous.
#[tokio::test]
async fn each_permitted_caller_succeeds_on_its_own_object() {
    let mut failures = Vec::new();
    for row in mutation_rows() {
        for (who, access) in SIGNED_IN.into_iter().zip(row.access) {
            if matches!(access, Access::Never(_)) {
                continue;
            }
            let app = TestApp::spawn().await;
            let w = world(&app).await;
            app.set_phase(YEAR, row.phase).await;
            prepare(&app, &w, row.prep).await;
            let before = snapshot(&app).await;
            let token = token(&app, &w, who);
            let (_, json) = app.gql(token.as_deref(), row.doc, (row.own)(&w)).await;
            if json.get("errors").is_some() || json["data"][row.field].is_null() {
                failures.push(format!("{} as {who:?}: {json}", row.field));
            } else if changed(&before, &snapshot(&app).await).is_empty() {
                failures.push(format!("{} as {who:?} changed nothing", row.field));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A society naming another field's course that it may not see gets
/// NOT_FOUND rather than FORBIDDEN (course_setup.rs, `require_course_scope`),
/// so the answer does not reveal that the draft exists; nothing changes.
#[tokio::test]
async fn a_society_naming_another_fields_draft_gets_not_found() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let society = app.society(FieldCode::InternalMedicine);
    let calls = [
        (
            "updateCourse",
            UPDATE_COURSE,
            json!({ "id": w.draft_b, "input": { "title": "改題" } }),
        ),
        ("submitCourse", SUBMIT_COURSE, id_vars(&w.draft_b)),
        (
            "withdrawCourse",
            WITHDRAW_COURSE,
            json!({ "id": w.draft_b, "reason": "理由" }),
        ),
    ];
    for (field, doc, vars) in calls {
        let outcome = check_refused(&app, Some(&society), field, doc, vars, "NOT_FOUND").await;
        assert_eq!(outcome, Ok(()), "{field}");
    }
}

// --- coverage of the schema ---------------------------------------------------------------

/// The fields of the SDL block opened by `opening` (e.g. `type Query {`), as
/// (name, type), descriptions skipped. A field whose arguments carry
/// descriptions spans lines, from `name(` to `): Type`.
fn fields_of(sdl: &str, opening: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut in_description = false;
    let mut in_arguments: Option<String> = None;
    for line in sdl.lines().skip_while(|l| l.trim() != opening).skip(1) {
        let line = line.trim();
        if let Some(name) = &in_arguments {
            if let Some(ty) = line.strip_prefix(')') {
                let ty = ty.trim_start_matches(':').trim().to_owned();
                fields.push((name.clone(), ty));
                in_arguments = None;
            }
            continue;
        }
        if line == "}" {
            break;
        }
        if line.starts_with("\"\"\"") {
            let one_line = line.len() >= 6 && line.ends_with("\"\"\"");
            if !one_line {
                in_description = !in_description;
            }
            continue;
        }
        if in_description || line.is_empty() || line.starts_with('"') {
            continue;
        }
        if let Some(name) = line.strip_suffix('(') {
            in_arguments = Some(name.to_owned());
            continue;
        }
        let name_end = line.find(['(', ':']).unwrap_or(line.len());
        let ty = line.rsplit(':').next().unwrap_or_default();
        fields.push((line[..name_end].trim().to_owned(), ty.trim().to_owned()));
    }
    fields
}

fn names(fields: Vec<(String, String)>) -> BTreeSet<String> {
    fields.into_iter().map(|(name, _)| name).collect()
}

#[test]
fn the_tables_cover_every_root_field() {
    let sdl = csc::graphql::sdl();
    let queries = names(fields_of(&sdl, "type Query {"));
    let mutations = names(fields_of(&sdl, "type Mutation {"));
    assert!(queries.len() >= 10 && mutations.len() >= 25, "{sdl}");

    let query_rows: Vec<&str> = query_rows().iter().map(|r| r.field).collect();
    let mutation_rows: Vec<&str> = mutation_rows().iter().map(|r| r.field).collect();
    for (rows, served, what) in [
        (query_rows, queries, "Query"),
        (mutation_rows, mutations, "Mutation"),
    ] {
        let table: BTreeSet<String> = rows.iter().map(|f| f.to_string()).collect();
        assert_eq!(table.len(), rows.len(), "a {what} field has two rows");
        let without_row: Vec<&String> = served.difference(&table).collect();
        let without_field: Vec<&String> = table.difference(&served).collect();
        assert!(
            without_row.is_empty() && without_field.is_empty(),
            "{what}: fields without a row {without_row:?}; rows without a field {without_field:?}"
        );
    }
}

/// The snapshot holds every table but the audit trail, the idempotency keys
/// and the migration bookkeeping: a new table is either snapshot or excluded here.
#[tokio::test]
async fn the_snapshot_covers_every_table() {
    let app = TestApp::spawn().await;
    let backend = app.db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let tables: BTreeSet<String> = app
        .db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .filter(|t| !NOT_SNAPSHOT.contains(&t.as_str()))
        .collect();
    let covered: BTreeSet<String> = snapshot(&app).await.keys().map(|t| t.to_string()).collect();
    assert_eq!(covered, tables);
}

// --- mass assignment -------------------------------------------------------------------------

/// Input fields that look like state, scope or identity but are not a way to
/// forge them, each with the reason.
const ALLOWED_INPUT_FIELDS: [(&str, &str, &str); 7] = [
    (
        "CreateInstitutionInput",
        "certifiedFields",
        "facts the board (ADMIN only) records about a hospital it registers: the fields of \
         its certification as a training facility, not the caller's scope",
    ),
    (
        "ApplicationFilter",
        "status",
        "a read filter: narrows a list inside the viewer's visibility, never stored",
    ),
    ("ApplicationFilter", "field", "a read filter, as above"),
    ("CourseFilter", "status", "a read filter, as above"),
    ("CourseFilter", "field", "a read filter, as above"),
    (
        "CreateCourseInput",
        "field",
        "the course's own field; require_field_scope refuses another society's field \
         (the createCourse row of the matrix)",
    ),
    (
        "GeneralApplicationInput",
        "field",
        "the field of the regular program applied to in parallel (併願): a fact of the \
         doctor's other application, open to any field, not the caller's scope",
    ),
];

/// Names that would let a caller set state, scope or identity.
const STATE_NAMES: [&str; 11] = [
    "status",
    "role",
    "phase",
    "outcome",
    "applicantId",
    "applicant",
    "subject",
    "society",
    "societyId",
    "field",
    "decision",
];

/// Types whose values are state or scope.
const STATE_TYPES: [&str; 11] = [
    "ApplicationStatus",
    "ApplicationOutcome",
    "CourseStatus",
    "CyclePhase",
    "ReportStatus",
    "DecisionStatus",
    "GeneralApplicationStatus",
    "TraineePhase",
    "AuditOutcome",
    "Role",
    "FieldCode",
];

fn input_types(sdl: &str) -> Vec<String> {
    sdl.lines()
        .filter_map(|l| l.strip_prefix("input "))
        .filter_map(|l| l.strip_suffix(" {"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_input_type_lets_a_caller_set_state_scope_or_identity() {
    let sdl = csc::graphql::sdl();
    let inputs = input_types(&sdl);
    assert!(inputs.len() >= 15, "{inputs:?}");
    let mut suspicious = Vec::new();
    let mut seen_exceptions = BTreeSet::new();
    for input in &inputs {
        let fields = fields_of(&sdl, &format!("input {input} {{"));
        assert!(!fields.is_empty(), "input {input} has no fields");
        for (name, ty) in fields {
            let base = ty.trim_matches(['[', ']', '!']);
            let looks_like_state = STATE_NAMES.contains(&name.as_str())
                || STATE_TYPES.contains(&base)
                || name.ends_with("At")
                || base == "DateTime";
            if !looks_like_state {
                continue;
            }
            let allowed = ALLOWED_INPUT_FIELDS
                .iter()
                .any(|(t, f, _)| *t == input && *f == name);
            if allowed {
                seen_exceptions.insert((input.clone(), name));
            } else {
                suspicious.push(format!("{input}.{name}: {ty}"));
            }
        }
    }
    assert!(
        suspicious.is_empty(),
        "input fields that could forge state: {suspicious:?}"
    );
    for (input, field, _) in ALLOWED_INPUT_FIELDS {
        assert!(
            seen_exceptions.contains(&(input.to_owned(), field.to_owned())),
            "the exception {input}.{field} no longer exists: remove it"
        );
    }
}

/// There is no applicant id in the input: the token's subject decides whose
/// application is submitted, and the schema refuses one that names another.
#[tokio::test]
async fn an_applicant_applies_as_itself_only() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    app.set_phase(YEAR, CyclePhase::EarlyCallOpen).await;
    let doctor_b = app.applicant(DOCTOR_B);

    // doctor-b withdraws its application to B's course, then applies to A's.
    app.data(
        Some(&doctor_b),
        WITHDRAW_APPLICATION,
        id_vars(&w.application_b),
    )
    .await;
    let before = snapshot(&app).await;
    let forged = app
        .gql(
            Some(&doctor_b),
            SUBMIT_APPLICATION,
            json!({ "input": { "courseId": w.course_a, "applicantId": w.doctor_a } }),
        )
        .await
        .1;
    assert!(
        forged["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("applicantId")),
        "an input naming an applicant is refused by the schema: {forged}"
    );
    assert!(forged["data"].is_null(), "{forged}");
    assert_eq!(changed(&before, &snapshot(&app).await), Vec::<&str>::new());

    let data = app
        .data(
            Some(&doctor_b),
            "mutation($input: SubmitApplicationInput!) {
                submitApplication(input: $input) { id applicant { id } course { id } } }",
            json!({ "input": { "courseId": w.course_a } }),
        )
        .await;
    let submitted = &data["submitApplication"];
    assert_eq!(submitted["applicant"]["id"], json!(w.doctor_b));
    assert_eq!(submitted["course"]["id"], json!(w.course_a));

    // As the board sees it, and as stored.
    let admin = app.admin();
    let data = app
        .data(
            Some(&admin),
            "query($id: ID!, $a: ID!) {
                node(id: $id) { ... on Application { applicant { id } } }
                doctorA: node(id: $a) { ... on Applicant { applications { id } } } }",
            json!({ "id": submitted["id"], "a": w.doctor_a }),
        )
        .await;
    assert_eq!(data["node"]["applicant"]["id"], json!(w.doctor_b));
    assert_eq!(
        data["doctorA"]["applications"],
        json!([{ "id": w.application_a }]),
        "doctor-a's applications are untouched"
    );
    let id = ids::decode_kind(submitted["id"].as_str().unwrap(), ids::APPLICATION).unwrap();
    let row = application::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        Some(row.applicant_id),
        ids::decode_kind(&w.doctor_b, ids::APPLICANT)
    );
}

// --- idempotency across scopes ----------------------------------------------------------------

/// `POST /graphql` with an `Idempotency-Key`.
async fn gql_with_key(app: &TestApp, token: &str, key: &str, doc: &str, vars: Value) -> Value {
    let body = json!({ "query": doc, "variables": vars });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (_, _, text) = app.send(request).await;
    serde_json::from_str(&text).unwrap()
}

/// Stored responses are keyed by `ROLE:subject` (src/handler.rs), not by the
/// token's scope: a PEDIATRICS society token with the subject of an
/// INTERNAL_MEDICINE one replays the latter's stored response — data of a
/// draft it may not see — instead of being refused.
#[tokio::test]
async fn a_stored_response_is_not_replayed_to_another_scope() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let doc = "mutation($id: ID!, $input: UpdateCourseInput!) {
        updateCourse(id: $id, input: $input) { id title status society { code } } }";
    let vars = json!({ "id": w.draft_a, "input": { "title": "改題したコース" } });
    let society_a = app.society(FieldCode::InternalMedicine);
    let first = gql_with_key(&app, &society_a, "retry-1", doc, vars.clone()).await;
    assert_eq!(
        first["data"]["updateCourse"]["id"],
        json!(w.draft_a),
        "{first}"
    );

    // The same staff subject, with a token of another field.
    let society_b = app.society(FieldCode::Pediatrics);
    let replayed = gql_with_key(&app, &society_b, "retry-1", doc, vars).await;
    assert_eq!(
        error_code(&replayed).as_deref(),
        Some("NOT_FOUND"),
        "B may not see A's draft: {replayed}"
    );
}
