//! A trainee's years after adoption: progress, papers, extensions, research
//! abroad and departure, under the 2020 and the 2024 rules, with the role
//! rules and what a refused call leaves behind. The clock is 2026-11-25.

use crate::helpers::{TestApp, assert_error, error_code, gid};
use chrono::NaiveDate;
use csc::entity::enums::{CourseStatus, CyclePhase, DegreeStatus, FieldCode};
use csc::entity::{
    departure, extension, paper, quota_reduction, recruitment_cycle, study_abroad, trainee,
};
use csc::ids;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const TRAINEE_FIELDS: &str = "id phase startedOn clinicalPhaseEndsOn plannedCompletionOn
    researchEffortPercent graduateSchool boardCertifiedOn degree qualifyingPaperCount
    papers { id title doi qualifies caseReport }
    extensions { id reason months status note decidedAt }
    studyAbroad { id host country startsOn endsOn }
    departure { on reason specialCircumstances
        quotaReduction { id year regularProgramSeats courseSeats institution { id } } }
    completion { complete unmet }";

fn trainee_query() -> String {
    format!("query($id: ID!) {{ node(id: $id) {{ ... on Trainee {{ {TRAINEE_FIELDS} }} }} }}")
}

fn progress_doc() -> String {
    format!(
        "mutation($id: ID!, $input: TraineeProgressInput!) {{
            updateTraineeProgress(traineeId: $id, input: $input) {{ {TRAINEE_FIELDS} }} }}"
    )
}

fn departure_doc() -> String {
    format!(
        "mutation($id: ID!, $input: RecordDepartureInput!) {{
            recordDeparture(traineeId: $id, input: $input) {{ {TRAINEE_FIELDS} }} }}"
    )
}

const RECORD_PAPER: &str = "mutation($id: ID!, $input: RecordPaperInput!) {
    recordPaper(traineeId: $id, input: $input) {
        id title journal doi publishedOn sciIndexed firstAuthor english caseReport qualifies
    }
}";
const REQUEST_EXTENSION: &str = "mutation($id: ID!, $input: RequestExtensionInput!) {
    requestExtension(traineeId: $id, input: $input) { id reason months status note requestedAt decidedAt }
}";
const DECIDE_EXTENSION: &str = "mutation($id: ID!, $approve: Boolean!, $note: String) {
    decideExtension(id: $id, approve: $approve, note: $note) { id months status note decidedAt }
}";
const AGREE_EXTENSION: &str = "mutation($id: ID!, $agree: Boolean!, $note: String) {
    agreeExtension(id: $id, agree: $agree, note: $note) { id status societyAgreed note }
}";
const RECORD_STUDY_ABROAD: &str = "mutation($id: ID!, $input: StudyAbroadInput!) {
    recordStudyAbroad(traineeId: $id, input: $input) { id host country startsOn endsOn }
}";
const INSTITUTION_REDUCTIONS: &str = "query($id: ID!) { node(id: $id) { ... on Institution {
    quotaReductions { id year regularProgramSeats courseSeats institution { id } }
} } }";
// --- fixtures -------------------------------------------------------------------

/// The intake rules of a cycle: course years, clinical years, flexible second paper.
type Rules = (i32, i32, bool);
const RULES_2020: Rules = (7, 2, false);
const RULES_2024: Rules = (5, 1, true);

/// One trainee of a course of `year`, with the bodies around it.
struct Setup {
    institution: i64,
    other_institution: i64,
    course: i64,
    trainee: i64,
    /// The trainee's global ID.
    id: String,
    /// The subject of the trainee's APPLICANT token.
    sub: String,
}

impl Setup {
    fn trainee_token(&self, app: &TestApp) -> String {
        app.applicant(&self.sub)
    }
}

/// A published internal-medicine course of `year` (the helpers' default is 2027).
async fn insert_course(app: &TestApp, year: i32, institution_id: i64) -> i64 {
    app.course(institution_id)
        .title(&format!("内科 臨床研究医コース {year}"))
        .year(year)
        .status(CourseStatus::Published)
        .reviewed()
        .insert()
        .await
}

/// An adopted trainee of `course_id` who started on April 1st of `year`.
async fn insert_trainee(app: &TestApp, year: i32, course_id: i64, sub: &str, license: &str) -> i64 {
    app.trainee_of(course_id, sub, license)
        .intake(year)
        .insert()
        .await
        .trainee
}

async fn setup(app: &TestApp, year: i32, rules: Rules) -> Setup {
    let (course_years, clinical_years, flexible) = rules;
    app.cycle(year)
        .rules(course_years, clinical_years, flexible)
        .insert()
        .await;
    let institution = app.insert_institution("東京大学医学部附属病院").await;
    let other_institution = app.insert_institution("京都大学医学部附属病院").await;
    let course = insert_course(app, year, institution).await;
    let sub = "trainee-1".to_owned();
    let trainee = insert_trainee(app, year, course, &sub, "123456").await;
    Setup {
        institution,
        other_institution,
        course,
        trainee,
        id: gid(ids::TRAINEE, trainee),
        sub,
    }
}

// --- calls ----------------------------------------------------------------------

async fn trainee_of(app: &TestApp, s: &Setup) -> Value {
    app.data(Some(&app.admin()), &trainee_query(), json!({ "id": s.id }))
        .await["node"]
        .clone()
}

async fn progress(app: &TestApp, token: &str, s: &Setup, input: Value) -> Value {
    app.data(
        Some(token),
        &progress_doc(),
        json!({ "id": s.id, "input": input }),
    )
    .await["updateTraineeProgress"]
        .clone()
}

fn paper_input(title: &str, doi: Option<&str>, case_report: bool) -> Value {
    json!({
        "title": title,
        "journal": "Journal of Clinical Investigation",
        "doi": doi,
        "publishedOn": "2026-06-01",
        "sciIndexed": true,
        "firstAuthor": true,
        "english": true,
        "caseReport": case_report,
    })
}

async fn record_paper(app: &TestApp, token: &str, s: &Setup, input: Value) -> Value {
    app.data(
        Some(token),
        RECORD_PAPER,
        json!({ "id": s.id, "input": input }),
    )
    .await["recordPaper"]
        .clone()
}

async fn request_extension(
    app: &TestApp,
    token: &str,
    s: &Setup,
    reason: &str,
    months: i32,
    note: Option<&str>,
) -> Value {
    let input = json!({ "reason": reason, "months": months, "note": note });
    app.data(
        Some(token),
        REQUEST_EXTENSION,
        json!({ "id": s.id, "input": input }),
    )
    .await["requestExtension"]
        .clone()
}

/// The society of the trainee's field agrees to an extension (III.1).
async fn agree(app: &TestApp, id: &Value) -> Value {
    app.data(
        Some(&app.society(FieldCode::InternalMedicine)),
        AGREE_EXTENSION,
        json!({ "id": id, "agree": true, "note": null }),
    )
    .await["agreeExtension"]
        .clone()
}

/// The course's annual report of `year`, with the trainee's research effort.
async fn report_effort(app: &TestApp, s: &Setup, year: i32, percent: i32) {
    app.data(
        Some(&app.institution(s.institution)),
        "mutation($input: SubmitAnnualReportInput!) { submitAnnualReport(input: $input) { id } }",
        json!({ "input": {
            "courseId": gid(ids::COURSE, s.course), "year": year,
            "entries": [{ "traineeId": s.id, "researchEffortPercent": percent,
                          "clinicalProgress": "研究と外来診療を継続" }],
            "statusGuarantee": { "salaryProvided": true, "socialInsuranceProvided": true,
                                 "workingGraduateStudent": true } } }),
    )
    .await;
}

async fn decide(app: &TestApp, id: &Value, approve: bool, note: Option<&str>) -> Value {
    app.data(
        Some(&app.admin()),
        DECIDE_EXTENSION,
        json!({ "id": id, "approve": approve, "note": note }),
    )
    .await["decideExtension"]
        .clone()
}

fn abroad_input(starts_on: &str, ends_on: &str) -> Value {
    json!({
        "host": "Karolinska Institutet",
        "country": "Sweden",
        "startsOn": starts_on,
        "endsOn": ends_on,
    })
}

fn departure_input(on: &str, special: bool) -> Value {
    json!({ "on": on, "reason": "研究継続を断念", "specialCircumstances": special })
}

fn unmet(trainee: &Value) -> Vec<String> {
    trainee["completion"]["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

async fn papers(app: &TestApp, trainee_id: i64) -> u64 {
    paper::Entity::find()
        .filter(paper::Column::TraineeId.eq(trainee_id))
        .count(&app.db)
        .await
        .unwrap()
}

async fn extensions(app: &TestApp, trainee_id: i64) -> u64 {
    extension::Entity::find()
        .filter(extension::Column::TraineeId.eq(trainee_id))
        .count(&app.db)
        .await
        .unwrap()
}

async fn abroad_periods(app: &TestApp, trainee_id: i64) -> u64 {
    study_abroad::Entity::find()
        .filter(study_abroad::Column::TraineeId.eq(trainee_id))
        .count(&app.db)
        .await
        .unwrap()
}

async fn trainee_row(app: &TestApp, trainee_id: i64) -> trainee::Model {
    trainee::Entity::find_by_id(trainee_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

fn ymd(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

// --- the course years ------------------------------------------------------------

#[tokio::test]
async fn a_trainee_through_seven_years_under_the_2020_rules() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let inst = app.institution(s.institution);

    let t = trainee_of(&app, &s).await;
    assert_eq!(t["phase"], "RESEARCH");
    assert_eq!(t["startedOn"], "2022-04-01");
    assert_eq!(t["clinicalPhaseEndsOn"], "2024-04-01");
    assert_eq!(t["plannedCompletionOn"], "2029-04-01");
    assert_eq!(
        unmet(&t),
        [
            "BOARD_CERTIFICATION",
            "DEGREE",
            "TWO_QUALIFYING_PAPERS",
            "RESEARCH_EFFORT"
        ]
    );

    // Under half the time on research is stored, and shows as unmet.
    let t = progress(&app, &inst, &s, json!({ "researchEffortPercent": 40 })).await;
    assert_eq!(t["researchEffortPercent"], 40);
    assert!(unmet(&t).contains(&"RESEARCH_EFFORT".to_owned()), "{t}");
    let t = progress(
        &app,
        &inst,
        &s,
        json!({ "researchEffortPercent": 60, "graduateSchool": " 東京大学大学院医学系研究科 " }),
    )
    .await;
    assert_eq!(t["researchEffortPercent"], 60);
    assert_eq!(t["graduateSchool"], "東京大学大学院医学系研究科");
    // I.3(2): every research year counts; 2024 and 2025 are not reported yet.
    assert!(unmet(&t).contains(&"RESEARCH_EFFORT".to_owned()), "{t}");
    report_effort(&app, &s, 2024, 55).await;
    report_effort(&app, &s, 2025, 70).await;
    let t = trainee_of(&app, &s).await;
    assert!(!unmet(&t).contains(&"RESEARCH_EFFORT".to_owned()), "{t}");
    assert_eq!(t["researchEffortPercent"], 60, "the latest year's value");

    // Research abroad inside the research phase; it does not extend the course.
    let abroad = app
        .data(
            Some(&inst),
            RECORD_STUDY_ABROAD,
            json!({ "id": s.id, "input": abroad_input("2025-04-01", "2026-03-31") }),
        )
        .await["recordStudyAbroad"]
        .clone();
    assert_eq!(abroad["host"], "Karolinska Institutet");
    assert_eq!(abroad["country"], "Sweden");
    assert_eq!(abroad["startsOn"], "2025-04-01");
    assert_eq!(abroad["endsOn"], "2026-03-31");
    let t = trainee_of(&app, &s).await;
    assert_eq!(t["studyAbroad"].as_array().unwrap().len(), 1);
    assert_eq!(t["plannedCompletionOn"], "2029-04-01");

    // A childcare extension requested by the trainee, approved by the board.
    let childcare = request_extension(
        &app,
        &s.trainee_token(&app),
        &s,
        "PREGNANCY_CHILDBIRTH_CHILDCARE",
        6,
        Some("育児休業 2027-04 から 6 か月"),
    )
    .await;
    assert_eq!(childcare["status"], "REQUESTED");
    assert_eq!(childcare["months"], 6);
    assert!(childcare["decidedAt"].is_null());
    assert_eq!(
        trainee_of(&app, &s).await["plannedCompletionOn"],
        "2029-04-01",
        "a requested extension does not move the completion"
    );
    // III.1: the board approves only what the society agreed to.
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            DECIDE_EXTENSION,
            json!({ "id": childcare["id"], "approve": true }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    assert_eq!(agree(&app, &childcare["id"]).await["societyAgreed"], true);
    let approved = decide(&app, &childcare["id"], true, Some("学会と協議のうえ承認")).await;
    assert_eq!(approved["status"], "APPROVED");
    assert!(approved["decidedAt"].is_string());
    assert_eq!(
        approved["note"],
        "育児休業 2027-04 から 6 か月\ndecision: 学会と協議のうえ承認"
    );
    assert_eq!(
        trainee_of(&app, &s).await["plannedCompletionOn"],
        "2029-10-01"
    );

    // A rejected extension (requested by the institution) changes nothing.
    let illness = request_extension(&app, &inst, &s, "ILLNESS", 3, None).await;
    let rejected = decide(&app, &illness["id"], false, None).await;
    assert_eq!(rejected["status"], "REJECTED");
    assert!(rejected["note"].is_null());
    // A decided extension is not decided again.
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            DECIDE_EXTENSION,
            json!({ "id": illness["id"], "approve": true }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    let t = trainee_of(&app, &s).await;
    assert_eq!(t["plannedCompletionOn"], "2029-10-01");
    let statuses: Vec<&Value> = t["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["status"])
        .collect();
    assert_eq!(statuses, [&json!("APPROVED"), &json!("REJECTED")]);

    // Two qualifying papers and a case report, which does not count.
    let first = record_paper(
        &app,
        &inst,
        &s,
        paper_input("A cohort study", Some(" 10.1000/JCI.2026.1 "), false),
    )
    .await;
    assert_eq!(first["doi"], "10.1000/jci.2026.1");
    assert_eq!(first["qualifies"], true);
    record_paper(
        &app,
        &s.trainee_token(&app),
        &s,
        paper_input("A randomised trial", None, false),
    )
    .await;
    let case = record_paper(
        &app,
        &app.admin(),
        &s,
        paper_input("A rare case", Some("10.1000/case.7"), true),
    )
    .await;
    assert_eq!(case["qualifies"], false);
    assert_eq!(case["caseReport"], true);
    let t = trainee_of(&app, &s).await;
    assert_eq!(t["qualifyingPaperCount"], 2);
    assert_eq!(t["papers"].as_array().unwrap().len(), 3);
    assert_eq!(unmet(&t), ["BOARD_CERTIFICATION", "DEGREE"]);

    // Certification and degree: only the given fields change.
    let t = progress(
        &app,
        &inst,
        &s,
        json!({ "boardCertifiedOn": "2026-03-01", "degree": "OBTAINED" }),
    )
    .await;
    assert_eq!(t["boardCertifiedOn"], "2026-03-01");
    assert_eq!(t["degree"], "OBTAINED");
    assert_eq!(t["researchEffortPercent"], 60);
    assert_eq!(t["graduateSchool"], "東京大学大学院医学系研究科");
    assert_eq!(t["completion"], json!({ "complete": true, "unmet": [] }));
    // Completion is confirmed separately: the trainee is still in research.
    assert_eq!(t["phase"], "RESEARCH");

    let events = app.audit_events().await;
    let ops: Vec<&str> = events
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        [
            "updateTraineeProgress",
            "updateTraineeProgress",
            "submitAnnualReport",
            "submitAnnualReport",
            "recordStudyAbroad",
            "requestExtension",
            "decideExtension",
            "agreeExtension",
            "decideExtension",
            "requestExtension",
            "decideExtension",
            "decideExtension",
            "recordPaper",
            "recordPaper",
            "recordPaper",
            "updateTraineeProgress",
        ]
    );
    assert!(events[6]["outcome"] == "REFUSED", "{:?}", events[6]);
    assert!(events[11]["outcome"] == "REFUSED", "{:?}", events[11]);
    assert_eq!(events[0]["targetId"], s.id.as_str());
    assert_eq!(events[8]["targetId"], childcare["id"]);
}

#[tokio::test]
async fn progress_is_validated_and_a_refusal_changes_nothing() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let inst = app.institution(s.institution);
    progress(&app, &inst, &s, json!({ "researchEffortPercent": 55 })).await;

    for (input, field) in [
        (
            json!({ "researchEffortPercent": 101 }),
            "input.researchEffortPercent",
        ),
        (
            json!({ "researchEffortPercent": -1 }),
            "input.researchEffortPercent",
        ),
        (
            json!({ "boardCertifiedOn": "2022-03-31" }),
            "input.boardCertifiedOn",
        ),
        (
            json!({ "boardCertifiedOn": "2026-11-26" }),
            "input.boardCertifiedOn",
        ),
        (
            json!({ "graduateSchool": "x".repeat(201) }),
            "input.graduateSchool",
        ),
        // A valid change next to an invalid one is not applied either.
        (
            json!({ "degree": "OBTAINED", "researchEffortPercent": 150 }),
            "input.researchEffortPercent",
        ),
    ] {
        let (_, json) = app
            .gql(
                Some(&inst),
                &progress_doc(),
                json!({ "id": s.id, "input": input }),
            )
            .await;
        assert_error(&json, "BAD_USER_INPUT", Some(field));
    }
    let row = trainee_row(&app, s.trainee).await;
    assert_eq!(row.research_effort_percent, Some(55));
    assert_eq!(row.degree, DegreeStatus::None);
    assert_eq!(row.board_certified_on, None);

    // The bounds themselves are accepted; null clears a value.
    let t = progress(
        &app,
        &inst,
        &s,
        json!({ "researchEffortPercent": 100, "boardCertifiedOn": "2026-11-25" }),
    )
    .await;
    assert_eq!(t["researchEffortPercent"], 100);
    assert_eq!(t["boardCertifiedOn"], "2026-11-25");
    let t = progress(&app, &inst, &s, json!({ "boardCertifiedOn": null })).await;
    assert!(t["boardCertifiedOn"].is_null());
    assert_eq!(t["researchEffortPercent"], 100);

    let (_, json) = app
        .gql(
            Some(&inst),
            &progress_doc(),
            json!({ "id": "not-an-id", "input": {} }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("traineeId"));
    let (_, json) = app
        .gql(
            Some(&inst),
            &progress_doc(),
            json!({ "id": gid(ids::COURSE, s.course), "input": {} }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("traineeId"));
    let (_, json) = app
        .gql(
            Some(&inst),
            &progress_doc(),
            json!({ "id": gid(ids::TRAINEE, s.trainee + 100), "input": {} }),
        )
        .await;
    assert_error(&json, "NOT_FOUND", None);
}

#[tokio::test]
async fn five_years_under_the_2024_rules() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2024, RULES_2024).await;
    let inst = app.institution(s.institution);

    let t = trainee_of(&app, &s).await;
    assert_eq!(t["phase"], "RESEARCH");
    assert_eq!(t["clinicalPhaseEndsOn"], "2025-04-01");
    assert_eq!(t["plannedCompletionOn"], "2029-04-01");

    // One strict paper and an English SCI first-author case report suffice.
    record_paper(&app, &inst, &s, paper_input("A cohort study", None, false)).await;
    let t = trainee_of(&app, &s).await;
    assert!(
        unmet(&t).contains(&"TWO_QUALIFYING_PAPERS".to_owned()),
        "{t}"
    );
    let case = record_paper(&app, &inst, &s, paper_input("A rare case", None, true)).await;
    // `qualifies` is the strict rule; the case report counts as the flexible second paper.
    assert_eq!(case["qualifies"], false);
    let t = trainee_of(&app, &s).await;
    assert_eq!(t["qualifyingPaperCount"], 2);
    assert!(
        !unmet(&t).contains(&"TWO_QUALIFYING_PAPERS".to_owned()),
        "{t}"
    );

    // The research phase begins after one clinical year.
    let (_, json) = app
        .gql(
            Some(&inst),
            RECORD_STUDY_ABROAD,
            json!({ "id": s.id, "input": abroad_input("2025-03-31", "2025-09-30") }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("input.startsOn"));
    let abroad = app
        .data(
            Some(&inst),
            RECORD_STUDY_ABROAD,
            json!({ "id": s.id, "input": abroad_input("2025-04-01", "2025-09-30") }),
        )
        .await;
    assert_eq!(abroad["recordStudyAbroad"]["startsOn"], "2025-04-01");
    // And ends with the five years.
    let (_, json) = app
        .gql(
            Some(&inst),
            RECORD_STUDY_ABROAD,
            json!({ "id": s.id, "input": abroad_input("2028-04-01", "2029-04-01") }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("input.endsOn"));
    assert_eq!(abroad_periods(&app, s.trainee).await, 1);
}

#[tokio::test]
async fn study_abroad_periods_are_checked() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let admin = app.admin();
    let record = |input: Value| {
        let (app, admin, id) = (&app, &admin, s.id.clone());
        async move {
            app.gql(
                Some(admin),
                RECORD_STUDY_ABROAD,
                json!({ "id": id, "input": input }),
            )
            .await
            .1
        }
    };

    let json = record(abroad_input("2025-04-01", "2026-03-31")).await;
    assert!(json.get("errors").is_none(), "{json}");
    for (input, field) in [
        // Overlaps the first period, at either end or inside it.
        (abroad_input("2026-03-31", "2026-09-30"), "input.startsOn"),
        (abroad_input("2024-10-01", "2025-04-01"), "input.startsOn"),
        (abroad_input("2025-06-01", "2025-07-01"), "input.startsOn"),
        (abroad_input("2024-04-01", "2027-04-01"), "input.startsOn"),
        // Ends before it starts.
        (abroad_input("2027-04-01", "2027-03-31"), "input.endsOn"),
        // In the clinical phase (2022-04-01 .. 2024-03-31).
        (abroad_input("2024-03-31", "2024-09-30"), "input.startsOn"),
        // Not before the planned completion (2029-04-01).
        (abroad_input("2028-10-01", "2029-04-01"), "input.endsOn"),
        (
            json!({ "host": " ", "country": "Sweden", "startsOn": "2027-04-01", "endsOn": "2027-09-30" }),
            "input.host",
        ),
        (
            json!({ "host": "MIT", "country": "", "startsOn": "2027-04-01", "endsOn": "2027-09-30" }),
            "input.country",
        ),
    ] {
        let json = record(input).await;
        assert_error(&json, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(abroad_periods(&app, s.trainee).await, 1);

    // The day after the first period, and up to the day before completion.
    let json = record(abroad_input("2026-04-01", "2026-09-30")).await;
    assert!(json.get("errors").is_none(), "{json}");
    let json = record(abroad_input("2028-10-01", "2029-03-31")).await;
    assert!(json.get("errors").is_none(), "{json}");
    let t = trainee_of(&app, &s).await;
    let starts: Vec<&str> = t["studyAbroad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["startsOn"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["2025-04-01", "2026-04-01", "2028-10-01"]);
    assert_eq!(t["plannedCompletionOn"], "2029-04-01");
}

#[tokio::test]
async fn papers_and_extensions_are_validated() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let me = s.trainee_token(&app);
    record_paper(
        &app,
        &me,
        &s,
        paper_input("First", Some("10.1038/ABC.1"), false),
    )
    .await;

    // The same DOI, written differently, is the same paper.
    let (_, json) = app
        .gql(
            Some(&me),
            RECORD_PAPER,
            json!({ "id": s.id, "input": paper_input("Again", Some(" 10.1038/abc.1"), false) }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);

    let future = {
        let mut p = paper_input("Future", None, false);
        p["publishedOn"] = json!("2026-11-26");
        p
    };
    for (input, field) in [
        (
            paper_input("Bad DOI", Some("doi:10.1038/x"), false),
            "input.doi",
        ),
        (paper_input("Bad DOI", Some("10.1038"), false), "input.doi"),
        (
            paper_input("Bad DOI", Some("11.1038/x"), false),
            "input.doi",
        ),
        (
            paper_input("Bad DOI", Some("10.1038/a b"), false),
            "input.doi",
        ),
        (paper_input("  ", None, false), "input.title"),
        (future, "input.publishedOn"),
    ] {
        let (_, json) = app
            .gql(
                Some(&me),
                RECORD_PAPER,
                json!({ "id": s.id, "input": input }),
            )
            .await;
        assert_error(&json, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(papers(&app, s.trainee).await, 1);
    // Another trainee may record the same DOI (a shared paper).
    let other_course = insert_course(&app, 2022, s.institution).await;
    let other = insert_trainee(&app, 2022, other_course, "trainee-2", "654321").await;
    let json = app
        .gql(
            Some(&app.institution(s.institution)),
            RECORD_PAPER,
            json!({ "id": gid(ids::TRAINEE, other), "input": paper_input("Shared", Some("10.1038/abc.1"), false) }),
        )
        .await
        .1;
    assert!(json.get("errors").is_none(), "{json}");

    for months in [0, 37, -6] {
        let (_, json) = app
            .gql(
                Some(&me),
                REQUEST_EXTENSION,
                json!({ "id": s.id, "input": { "reason": "ILLNESS", "months": months } }),
            )
            .await;
        assert_error(&json, "BAD_USER_INPUT", Some("input.months"));
    }
    assert_eq!(extensions(&app, s.trainee).await, 0);
    for months in [1, 36] {
        let e = request_extension(&app, &me, &s, "DISASTER", months, Some("  ")).await;
        assert_eq!(e["months"], months);
        assert!(e["note"].is_null());
    }
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            DECIDE_EXTENSION,
            json!({ "id": s.id, "approve": true }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("id"));
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            DECIDE_EXTENSION,
            json!({ "id": gid(ids::EXTENSION, 999), "approve": true }),
        )
        .await;
    assert_error(&json, "NOT_FOUND", None);
}

// --- departures -------------------------------------------------------------------

#[tokio::test]
async fn a_departure_without_special_circumstances_costs_seats_and_closes_the_record() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let inst = app.institution(s.institution);
    progress(&app, &inst, &s, json!({ "researchEffortPercent": 70 })).await;
    let pending = request_extension(&app, &inst, &s, "CAREGIVING", 12, None).await;

    for (input, field) in [
        (departure_input("2022-03-31", false), "input.on"),
        (
            json!({ "on": "2026-09-30", "reason": " ", "specialCircumstances": false }),
            "input.reason",
        ),
    ] {
        let (_, json) = app
            .gql(
                Some(&inst),
                &departure_doc(),
                json!({ "id": s.id, "input": input }),
            )
            .await;
        assert_error(&json, "BAD_USER_INPUT", Some(field));
    }

    let t = app
        .data(
            Some(&inst),
            &departure_doc(),
            json!({ "id": s.id, "input": departure_input("2026-09-30", false) }),
        )
        .await["recordDeparture"]
        .clone();
    assert_eq!(t["phase"], "DEPARTED");
    let d = &t["departure"];
    assert_eq!(d["on"], "2026-09-30");
    assert_eq!(d["reason"], "研究継続を断念");
    assert_eq!(d["specialCircumstances"], false);
    let reduction = &d["quotaReduction"];
    assert_eq!(reduction["year"], 2027);
    assert_eq!(reduction["regularProgramSeats"], 1);
    assert_eq!(reduction["courseSeats"], 1);
    assert_eq!(
        reduction["institution"]["id"],
        gid(ids::INSTITUTION, s.institution)
    );
    let on_institution = app
        .data(
            None,
            INSTITUTION_REDUCTIONS,
            json!({ "id": gid(ids::INSTITUTION, s.institution) }),
        )
        .await;
    assert_eq!(
        on_institution["node"]["quotaReductions"],
        json!([reduction.clone()])
    );

    // The record is closed: every change is refused and leaves nothing behind.
    let admin = app.admin();
    let refused = [
        (
            inst.clone(),
            progress_doc(),
            json!({ "id": s.id, "input": { "researchEffortPercent": 20 } }),
        ),
        (
            s.trainee_token(&app),
            RECORD_PAPER.to_owned(),
            json!({ "id": s.id, "input": paper_input("Late", None, false) }),
        ),
        (
            inst.clone(),
            REQUEST_EXTENSION.to_owned(),
            json!({ "id": s.id, "input": { "reason": "ILLNESS", "months": 3 } }),
        ),
        (
            admin.clone(),
            DECIDE_EXTENSION.to_owned(),
            json!({ "id": pending["id"], "approve": true }),
        ),
        (
            admin.clone(),
            RECORD_STUDY_ABROAD.to_owned(),
            json!({ "id": s.id, "input": abroad_input("2027-04-01", "2027-09-30") }),
        ),
        (
            admin.clone(),
            departure_doc(),
            json!({ "id": s.id, "input": departure_input("2026-10-31", true) }),
        ),
    ];
    for (token, doc, vars) in refused {
        let (_, json) = app.gql(Some(&token), &doc, vars).await;
        assert_error(&json, "CONFLICT", None);
    }
    let row = trainee_row(&app, s.trainee).await;
    assert_eq!(row.research_effort_percent, Some(70));
    assert_eq!(papers(&app, s.trainee).await, 0);
    assert_eq!(extensions(&app, s.trainee).await, 1);
    assert_eq!(abroad_periods(&app, s.trainee).await, 0);
    assert_eq!(
        quota_reduction::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(departure::Entity::find().count(&app.db).await.unwrap(), 1);
    let t = trainee_of(&app, &s).await;
    assert_eq!(t["extensions"][0]["status"], "REQUESTED");
    assert_eq!(t["departure"]["on"], "2026-09-30");

    let events = app.audit_events().await;
    let departures: Vec<&Value> = events
        .iter()
        .filter(|e| e["operation"] == "recordDeparture" && e["outcome"] == "OK")
        .collect();
    assert_eq!(departures.len(), 1);
    assert!(
        departures[0]["summary"]
            .as_str()
            .unwrap()
            .contains("quota reduction"),
        "{:?}",
        departures[0]
    );
    // The reason may be personal: it stays out of the audit trail.
    assert!(
        events
            .iter()
            .all(|e| !e["summary"].as_str().unwrap().contains("研究継続")),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_departure_with_special_circumstances_costs_nothing() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let t = app
        .data(
            Some(&app.admin()),
            &departure_doc(),
            json!({ "id": s.id, "input": departure_input("2026-11-25", true) }),
        )
        .await["recordDeparture"]
        .clone();
    assert_eq!(t["phase"], "DEPARTED");
    assert_eq!(t["departure"]["specialCircumstances"], true);
    assert!(t["departure"]["quotaReduction"].is_null(), "{t}");
    let on_institution = app
        .data(
            None,
            INSTITUTION_REDUCTIONS,
            json!({ "id": gid(ids::INSTITUTION, s.institution) }),
        )
        .await;
    assert_eq!(on_institution["node"]["quotaReductions"], json!([]));
    assert_eq!(
        quota_reduction::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    let (_, json) = app
        .gql(
            Some(&app.institution(s.institution)),
            RECORD_PAPER,
            json!({ "id": s.id, "input": paper_input("Late", None, false) }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
}

#[tokio::test]
async fn a_departure_ahead_of_its_day_keeps_the_record_open_until_then() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let inst = app.institution(s.institution);
    let t = app
        .data(
            Some(&inst),
            &departure_doc(),
            json!({ "id": s.id, "input": departure_input("2027-03-31", false) }),
        )
        .await["recordDeparture"]
        .clone();
    assert_eq!(t["phase"], "RESEARCH");
    // III.3: the next intake after the departure still recruiting; no 2027
    // cycle exists yet, so its recruitment has not closed.
    assert_eq!(t["departure"]["quotaReduction"]["year"], 2027);
    // Still in the course: the last paper can be recorded.
    record_paper(&app, &inst, &s, paper_input("Last", None, false)).await;
    // But one departure is all there is.
    let (_, json) = app
        .gql(
            Some(&inst),
            &departure_doc(),
            json!({ "id": s.id, "input": departure_input("2027-01-31", true) }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    let stored = departure::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.departed_on, ymd("2027-03-31"));
    assert_eq!(
        quota_reduction::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

// --- who may do what ----------------------------------------------------------------

/// An operation, its document, its variables (null: a fresh paper), and
/// who gets which answer ("OK" or an error code).
type RoleCase = (
    &'static str,
    String,
    Value,
    Vec<(&'static str, &'static str)>,
);

#[tokio::test]
async fn role_rules_of_each_mutation() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    // Another applicant, not this trainee.
    app.insert_applicant("someone-else", "777777").await;
    let own = app.institution(s.institution);
    let other = app.institution(s.other_institution);
    let society = app.society(FieldCode::InternalMedicine);
    let me = s.trainee_token(&app);
    let stranger = app.applicant("someone-else");
    let admin = app.admin();

    let progress_vars = json!({ "id": s.id, "input": { "researchEffortPercent": 60 } });
    let paper_vars = |doi: &str| json!({ "id": s.id, "input": paper_input("P", Some(doi), false) });
    let extension_vars = json!({ "id": s.id, "input": { "reason": "OTHER", "months": 2 } });
    let abroad_vars = json!({ "id": s.id, "input": abroad_input("2025-04-01", "2025-09-30") });
    let departure_vars = json!({ "id": s.id, "input": departure_input("2026-10-01", false) });

    let cases: Vec<RoleCase> = vec![
        (
            "updateTraineeProgress",
            progress_doc(),
            progress_vars,
            vec![
                ("other institution", "FORBIDDEN"),
                ("society", "FORBIDDEN"),
                ("trainee", "FORBIDDEN"),
                ("stranger", "FORBIDDEN"),
                ("anonymous", "UNAUTHENTICATED"),
                ("own institution", "OK"),
                ("admin", "OK"),
            ],
        ),
        (
            "recordPaper",
            RECORD_PAPER.to_owned(),
            Value::Null,
            vec![
                ("other institution", "FORBIDDEN"),
                ("society", "FORBIDDEN"),
                ("stranger", "FORBIDDEN"),
                ("anonymous", "UNAUTHENTICATED"),
                ("trainee", "OK"),
                ("own institution", "OK"),
                ("admin", "OK"),
            ],
        ),
        (
            "requestExtension",
            REQUEST_EXTENSION.to_owned(),
            extension_vars,
            vec![
                ("other institution", "FORBIDDEN"),
                ("society", "FORBIDDEN"),
                ("stranger", "FORBIDDEN"),
                ("admin", "FORBIDDEN"),
                ("anonymous", "UNAUTHENTICATED"),
                ("trainee", "OK"),
                ("own institution", "OK"),
            ],
        ),
        (
            "recordStudyAbroad",
            RECORD_STUDY_ABROAD.to_owned(),
            abroad_vars,
            vec![
                ("other institution", "FORBIDDEN"),
                ("society", "FORBIDDEN"),
                ("trainee", "FORBIDDEN"),
                ("anonymous", "UNAUTHENTICATED"),
                ("own institution", "OK"),
            ],
        ),
        (
            "recordDeparture",
            departure_doc(),
            departure_vars,
            vec![
                ("other institution", "FORBIDDEN"),
                ("society", "FORBIDDEN"),
                ("trainee", "FORBIDDEN"),
                ("stranger", "FORBIDDEN"),
                ("anonymous", "UNAUTHENTICATED"),
                ("own institution", "OK"),
            ],
        ),
    ];
    let token = |who: &str| -> Option<String> {
        match who {
            "other institution" => Some(other.clone()),
            "own institution" => Some(own.clone()),
            "society" => Some(society.clone()),
            "trainee" => Some(me.clone()),
            "stranger" => Some(stranger.clone()),
            "admin" => Some(admin.clone()),
            "anonymous" => None,
            _ => unreachable!(),
        }
    };
    let mut n = 0;
    for (operation, doc, vars, expectations) in cases {
        for (who, expected) in expectations {
            n += 1;
            let vars = if vars.is_null() {
                paper_vars(&format!("10.1000/{n}"))
            } else {
                vars.clone()
            };
            let (_, json) = app.gql(token(who).as_deref(), &doc, vars).await;
            if expected == "OK" {
                assert!(json.get("errors").is_none(), "{operation} by {who}: {json}");
            } else {
                assert_eq!(
                    error_code(&json).as_deref(),
                    Some(expected),
                    "{operation} by {who}: {json}"
                );
            }
        }
    }

    // decideExtension: the board alone (the record above is closed now, so
    // use a second trainee).
    let course = insert_course(&app, 2022, s.institution).await;
    let second = insert_trainee(&app, 2022, course, "trainee-3", "333333").await;
    let second = Setup {
        trainee: second,
        id: gid(ids::TRAINEE, second),
        sub: "trainee-3".to_owned(),
        ..s
    };
    let requested = request_extension(
        &app,
        &second.trainee_token(&app),
        &second,
        "MANAGERIAL_POST",
        4,
        None,
    )
    .await;
    for who in ["own institution", "other institution", "society", "trainee"] {
        let token = match who {
            "trainee" => second.trainee_token(&app),
            _ => token(who).unwrap(),
        };
        let (_, json) = app
            .gql(
                Some(&token),
                DECIDE_EXTENSION,
                json!({ "id": requested["id"], "approve": true }),
            )
            .await;
        assert_error(&json, "FORBIDDEN", None);
    }
    let (_, json) = app
        .gql(
            None,
            DECIDE_EXTENSION,
            json!({ "id": requested["id"], "approve": true }),
        )
        .await;
    assert_eq!(error_code(&json).as_deref(), Some("UNAUTHENTICATED"));
    let row = extension::Entity::find()
        .filter(extension::Column::TraineeId.eq(second.trainee))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, csc::entity::enums::DecisionStatus::Requested);
    assert_eq!(row.decided_at, None);

    // agreeExtension: the society of the trainee's field alone (III.1);
    // another field's society is not told the extension exists.
    for who in ["own institution", "other institution", "trainee", "admin"] {
        let token = match who {
            "trainee" => second.trainee_token(&app),
            _ => token(who).unwrap(),
        };
        let (_, json) = app
            .gql(
                Some(&token),
                AGREE_EXTENSION,
                json!({ "id": requested["id"], "agree": true }),
            )
            .await;
        assert_error(&json, "FORBIDDEN", None);
    }
    let (_, json) = app
        .gql(
            Some(&app.society(FieldCode::Pediatrics)),
            AGREE_EXTENSION,
            json!({ "id": requested["id"], "agree": true }),
        )
        .await;
    assert_error(&json, "NOT_FOUND", None);
    agree(&app, &requested["id"]).await;
    assert_eq!(
        decide(&app, &requested["id"], true, None).await["status"],
        "APPROVED"
    );

    // Refusals are audited; anonymous calls are not.
    let events = app.audit_events().await;
    let refused = events.iter().filter(|e| e["outcome"] == "REFUSED").count();
    assert_eq!(refused, 4 + 3 + 4 + 3 + 4 + 4 + 5, "{events:?}");
}

// --- concurrency ---------------------------------------------------------------------

/// The trainee row is locked by every mutation: of two overlapping periods
/// (no constraint in the database could refuse the second) or two
/// departures sent at once, exactly one is recorded.
#[tokio::test]
async fn concurrent_changes_to_one_trainee_are_decided_one_after_the_other() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let inst = app.institution(s.institution);

    for _ in 0..3 {
        let abroad = |start: &str, end: &str| {
            app.gql(
                Some(&inst),
                RECORD_STUDY_ABROAD,
                json!({ "id": s.id, "input": abroad_input(start, end) }),
            )
        };
        let ((_, a), (_, b)) = tokio::join!(
            abroad("2027-04-01", "2027-09-30"),
            abroad("2027-06-01", "2027-12-31")
        );
        let ok = [&a, &b]
            .iter()
            .filter(|j| j.get("errors").is_none())
            .count();
        assert!(ok <= 1, "{a} {b}");
    }
    assert_eq!(abroad_periods(&app, s.trainee).await, 1);

    let doc = departure_doc();
    let depart = |on: &str, special: bool| {
        app.gql(
            Some(&inst),
            &doc,
            json!({ "id": s.id, "input": departure_input(on, special) }),
        )
    };
    let ((_, a), (_, b)) = tokio::join!(depart("2026-10-31", false), depart("2026-11-01", false));
    let codes = [error_code(&a), error_code(&b)];
    assert!(codes.contains(&None), "{a} {b}");
    assert!(codes.contains(&Some("CONFLICT".to_owned())), "{a} {b}");
    assert_eq!(departure::Entity::find().count(&app.db).await.unwrap(), 1);
    assert_eq!(
        quota_reduction::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

const CONFIRM: &str = "mutation($id: ID!, $on: Date) { confirmCompletion(traineeId: $id, on: $on) { id phase completion { complete unmet } } }";

#[tokio::test]
async fn the_course_confirms_completion_once_every_requirement_is_met() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2019, RULES_2020).await;
    let inst = app.institution(s.institution);

    // Not yet: certification, degree and papers are missing.
    let (_, json) = app.gql(Some(&inst), CONFIRM, json!({ "id": s.id })).await;
    assert_error(&json, "CONFLICT", None);
    assert!(
        trainee_row(&app, s.trainee)
            .await
            .completion_confirmed_on
            .is_none()
    );

    progress(
        &app,
        &inst,
        &s,
        json!({ "researchEffortPercent": 70, "boardCertifiedOn": "2023-06-01", "degree": "OBTAINED" }),
    )
    .await;
    record_paper(
        &app,
        &inst,
        &s,
        paper_input("First study", Some("10.1000/one"), false),
    )
    .await;
    record_paper(
        &app,
        &inst,
        &s,
        paper_input("Second study", Some("10.1000/two"), false),
    )
    .await;
    // I.3(2): the research years 2021-2025 are over and not reported.
    let (_, json) = app.gql(Some(&inst), CONFIRM, json!({ "id": s.id })).await;
    assert_error(&json, "CONFLICT", None);
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ResearchEffort"),
        "{json}"
    );
    for year in 2021..=2025 {
        report_effort(&app, &s, year, 60).await;
    }
    assert_eq!(trainee_of(&app, &s).await["phase"], "RESEARCH");

    // Another institution and the society may not confirm.
    let (_, json) = app
        .gql(
            Some(&app.institution(s.other_institution)),
            CONFIRM,
            json!({ "id": s.id }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    let (_, json) = app
        .gql(
            Some(&inst),
            CONFIRM,
            json!({ "id": s.id, "on": "2030-01-01" }),
        )
        .await;
    assert_error(&json, "BAD_USER_INPUT", Some("on"));
    // Judged on the day given: before the papers were published, not met.
    let (_, json) = app
        .gql(
            Some(&inst),
            CONFIRM,
            json!({ "id": s.id, "on": "2026-04-01" }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);

    let done = app.data(Some(&inst), CONFIRM, json!({ "id": s.id })).await;
    assert_eq!(done["confirmCompletion"]["phase"], "COMPLETED");
    assert_eq!(done["confirmCompletion"]["completion"]["complete"], true);
    let (_, json) = app.gql(Some(&inst), CONFIRM, json!({ "id": s.id })).await;
    assert_error(&json, "CONFLICT", None);
}

/// I.3: two clinical years first, research from year three with at least
/// half the effort, and the two papers 「その後」. A trainee in clinical year
/// one with two qualifying papers, a degree expected and a certification is
/// not complete, and completion cannot be confirmed.
#[tokio::test]
async fn a_trainee_in_clinical_year_one_is_not_complete_i_3() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2026, RULES_2020).await;
    let inst = app.institution(s.institution);
    progress(
        &app,
        &inst,
        &s,
        json!({ "boardCertifiedOn": "2026-10-01", "degree": "EXPECTED" }),
    )
    .await;
    for doi in ["10.1000/a", "10.1000/b"] {
        let paper = record_paper(&app, &inst, &s, paper_input("A study", Some(doi), false)).await;
        assert_eq!(paper["qualifies"], true);
    }
    let t = trainee_of(&app, &s).await;
    assert_eq!(t["phase"], "CLINICAL");
    assert_eq!(t["qualifyingPaperCount"], 0, "none in the research phase");
    assert_eq!(t["completion"]["complete"], false);
    assert_eq!(unmet(&t), ["TWO_QUALIFYING_PAPERS", "RESEARCH_EFFORT"]);
    let (_, json) = app.gql(Some(&inst), CONFIRM, json!({ "id": s.id })).await;
    assert_error(&json, "CONFLICT", None);
    assert!(
        trainee_row(&app, s.trainee)
            .await
            .completion_confirmed_on
            .is_none()
    );
}

// --- special circumstances and society agreement (III.1, III.3) -------------------

const DECIDE_SPECIAL: &str = "mutation($id: ID!, $grant: Boolean!) {
    decideSpecialCircumstances(traineeId: $id, grant: $grant) {
        departure { specialCircumstances specialCircumstancesClaimed specialCircumstancesDecidedAt
            quotaReduction { year courseSeats cancelledAt } } } }";

/// III.3 「特段の理由の無い限り」: the institution that would lose the seats
/// can only claim special circumstances; the seats are taken, in the next
/// cycle still recruiting, until the board grants them.
#[tokio::test]
async fn special_circumstances_are_the_boards_to_grant_iii_3() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let open = app.insert_cycle(2027).await;
    recruitment_cycle::Entity::update_many()
        .col_expr(
            recruitment_cycle::Column::Phase,
            sea_orm::sea_query::Expr::value(CyclePhase::EarlyCallOpen),
        )
        .filter(recruitment_cycle::Column::Id.eq(open))
        .exec(&app.db)
        .await
        .unwrap();
    let inst = app.institution(s.institution);
    let t = app
        .data(
            Some(&inst),
            &departure_doc(),
            json!({ "id": s.id, "input": departure_input("2026-09-30", true) }),
        )
        .await["recordDeparture"]
        .clone();
    let d = &t["departure"];
    assert_eq!(
        d["specialCircumstances"], false,
        "claimed, not granted: {t}"
    );
    assert_eq!(
        d["quotaReduction"]["year"], 2027,
        "the 2027 call is still open"
    );
    assert_eq!(d["quotaReduction"]["courseSeats"], 1);

    // The institution cannot grant them to itself.
    let (_, json) = app
        .gql(
            Some(&inst),
            DECIDE_SPECIAL,
            json!({ "id": s.id, "grant": true }),
        )
        .await;
    assert_error(&json, "FORBIDDEN", None);
    let data = app
        .data(
            Some(&app.admin()),
            DECIDE_SPECIAL,
            json!({ "id": s.id, "grant": true }),
        )
        .await;
    let d = &data["decideSpecialCircumstances"]["departure"];
    assert_eq!(d["specialCircumstances"], true);
    assert_eq!(d["specialCircumstancesClaimed"], true);
    assert!(d["specialCircumstancesDecidedAt"].is_string(), "{data}");
    assert!(d["quotaReduction"]["cancelledAt"].is_string(), "{data}");
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            DECIDE_SPECIAL,
            json!({ "id": s.id, "grant": true }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
}

/// III.1: a society that refuses an extension ends it.
#[tokio::test]
async fn a_society_refusing_an_extension_rejects_it_iii_1() {
    let app = TestApp::spawn().await;
    let s = setup(&app, 2022, RULES_2020).await;
    let inst = app.institution(s.institution);
    let requested = request_extension(&app, &inst, &s, "OTHER", 6, Some("事情により")).await;
    let data = app
        .data(
            Some(&app.society(FieldCode::InternalMedicine)),
            AGREE_EXTENSION,
            json!({ "id": requested["id"], "agree": false, "note": "理由が不十分" }),
        )
        .await;
    let refused = &data["agreeExtension"];
    assert_eq!(refused["status"], "REJECTED");
    assert_eq!(refused["societyAgreed"], false);
    assert_eq!(refused["note"], "事情により\nsociety: 理由が不十分");
    let (_, json) = app
        .gql(
            Some(&app.admin()),
            DECIDE_EXTENSION,
            json!({ "id": requested["id"], "approve": true }),
        )
        .await;
    assert_error(&json, "CONFLICT", None);
    assert_eq!(
        trainee_of(&app, &s).await["plannedCompletionOn"],
        "2029-04-01"
    );
}
