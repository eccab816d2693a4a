//! The documented examples never go stale: every operation under
//! `docs/examples/` runs as the role its folder names, against a fresh
//! database holding the fixture world described in `docs/examples/README.md`,
//! and must answer without errors.
//!
//! A file the test does not know how to run fails it: a folder that names no
//! role, a file that is not `.graphql`, a nested folder, a placeholder the
//! world does not define, a variables line that is not a JSON object, or a
//! document with other than one operation.

use crate::helpers::TestApp;
use async_graphql::parser::parse_query;
use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use csc::entity::enums::FieldCode;
use csc::graphql::ids;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folders under `docs/examples/`, one per viewer.
const FOLDERS: [&str; 6] = [
    "anonymous",
    "applicant",
    "trainee",
    "society",
    "institution",
    "admin",
];

/// The society the `society/` examples run as.
const SOCIETY: FieldCode = FieldCode::InternalMedicine;
/// A registered doctor with a live application in the allocated cycle.
const APPLICANT_SUB: &str = "doctor-0001";
/// Another registered doctor, whose application the society decides.
const OTHER_APPLICANT_SUB: &str = "doctor-0002";
/// A doctor adopted in the finalized cycle, now a trainee.
const TRAINEE_SUB: &str = "trainee-0001";
/// The subject an example that calls `registerApplicant` runs as.
const NEW_APPLICANT_SUB: &str = "doctor-new";

/// One cycle in each phase. Today is 2026-11-25 in the tests, so the
/// trainee adopted in 2024 is in its research phase (year 3).
const FINALIZED_YEAR: i32 = 2024;
const ALLOCATED_YEAR: i32 = 2025;
const CLOSED_YEAR: i32 = 2026;
const OPEN_YEAR: i32 = 2027;
const PLANNING_YEAR: i32 = 2028;

const VARIABLES_PREFIX: &str = "# variables:";

struct Example {
    /// `admin/allocate-quotas.graphql`
    name: String,
    folder: String,
    document: String,
    variables: Value,
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples")
}

/// Every example, sorted; panics on anything the test cannot run.
fn load_examples() -> Vec<Example> {
    let dir = examples_dir();
    let mut examples = Vec::new();
    for entry in sorted_entries(&dir) {
        let file_name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if entry.is_file() {
            assert_eq!(
                file_name, "README.md",
                "docs/examples/{file_name}: only README.md and the role folders {FOLDERS:?} belong here"
            );
            continue;
        }
        assert!(
            FOLDERS.contains(&file_name.as_str()),
            "docs/examples/{file_name}/ names no role the test knows ({FOLDERS:?}); add it to tests/api/examples.rs"
        );
        for file in sorted_entries(&entry) {
            let name = format!(
                "{file_name}/{}",
                file.file_name().unwrap().to_string_lossy()
            );
            assert!(
                file.is_file() && name.ends_with(".graphql"),
                "docs/examples/{name}: a role folder holds .graphql files only"
            );
            let document = std::fs::read_to_string(&file).unwrap();
            examples.push(Example {
                variables: variables_line(&name, &document),
                name,
                folder: file_name.clone(),
                document,
            });
        }
    }
    examples
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

/// The JSON object of a first line `# variables: {...}`, or `{}` without one.
fn variables_line(name: &str, document: &str) -> Value {
    let first = document.lines().next().unwrap_or_default();
    let Some(json) = first.strip_prefix(VARIABLES_PREFIX) else {
        assert!(
            !document.contains(VARIABLES_PREFIX),
            "{name}: `{VARIABLES_PREFIX}` must be the first line"
        );
        return json!({});
    };
    let value: Value = serde_json::from_str(json.trim())
        .unwrap_or_else(|e| panic!("{name}: the variables line is not JSON: {e}"));
    assert!(
        value.is_object(),
        "{name}: the variables must be a JSON object"
    );
    value
}

/// The type and root fields of the document's one operation.
fn operation(example: &Example) -> (OperationType, Vec<String>) {
    let document = parse_query(&example.document)
        .unwrap_or_else(|e| panic!("{}: does not parse: {e}", example.name));
    // A named operation is parsed into `Multiple`, even when alone.
    let op = match &document.operations {
        DocumentOperations::Single(op) => op,
        DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.values().next().unwrap(),
        DocumentOperations::Multiple(ops) => panic!(
            "{}: {} operations; a file holds one",
            example.name,
            ops.len()
        ),
    };
    let fields = op
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|item| match &item.node {
            Selection::Field(f) => Some(f.node.name.node.to_string()),
            _ => None,
        })
        .collect();
    (op.node.ty, fields)
}

/// Replaces every string `"$NAME"` with the world's value of `NAME`.
fn substitute(name: &str, value: &Value, world: &BTreeMap<String, Value>) -> Value {
    match value {
        Value::String(s) if s.starts_with('$') => world.get(&s[1..]).cloned().unwrap_or_else(|| {
            panic!(
                "{name}: unknown placeholder {s}; the fixture world defines {:?} (tests/api/examples.rs)",
                world.keys().collect::<Vec<_>>()
            )
        }),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(name, v, world))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(name, v, world)))
                .collect(),
        ),
        other => other.clone(),
    }
}

// --- the fixture world ----------------------------------------------------------

fn code(field: FieldCode) -> String {
    use sea_orm::ActiveEnum;
    field.to_value()
}

fn id_of(data: &Value, root: &str) -> String {
    data[root]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{root} returned no id: {data}"))
        .to_owned()
}

async fn create_institution(app: &TestApp, name: &str, kind: &str, prefecture: &str) -> String {
    let data = app
        .data(
            Some(&app.admin()),
            "mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id } }",
            json!({ "i": { "name": name, "kind": kind, "prefecture": prefecture, "certifiedTrainingFacility": true } }),
        )
        .await;
    id_of(&data, "createInstitution")
}

/// A PLANNING cycle in which the society's field takes part.
async fn create_cycle(app: &TestApp, year: i32) {
    app.data(
        Some(&app.admin()),
        "mutation($i: CreateRecruitmentCycleInput!) { createRecruitmentCycle(input: $i) { id } }",
        json!({ "i": {
            "year": year, "totalCapacity": 40,
            "earlyCallOpensOn": format!("{}-09-01", year - 1),
            "earlyCallClosesOn": format!("{}-09-30", year - 1),
            "generalCallOpensOn": format!("{}-11-04", year - 1)
        } }),
    )
    .await;
    app.data(
        Some(&app.society(SOCIETY)),
        "mutation($y: Int!, $f: FieldCode!) { setParticipation(year: $y, field: $f, participating: true) { participating } }",
        json!({ "y": year, "f": code(SOCIETY) }),
    )
    .await;
}

/// A course of the society's field, taken as far as `status`.
async fn course(app: &TestApp, year: i32, status: &str, hospital: &str, partner: &str) -> String {
    let society = app.society(SOCIETY);
    let data = app
        .data(
            Some(&society),
            "mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }",
            json!({ "i": {
                "year": year, "field": code(SOCIETY), "title": format!("内科 臨床研究医コース {year} ({status})"),
                "responsibleInstitutionId": hospital, "director": "研究 太郎", "requestedCapacity": 2,
                "curriculum": "内科専門研修カリキュラム", "partnerInstitutionIds": [partner],
                "researchHost": { "kind": "GRADUATE_SCHOOL", "name": "京都大学大学院医学研究科", "paperCountFiveYears": 120 },
                "statusGuarantee": { "clinicalPhase": "専攻医と同等の給与・社会保険", "researchPhase": "社会人大学院生として給与",
                                      "socialInsurance": true, "workingGraduateStudent": true }
            } }),
        )
        .await;
    let id = id_of(&data, "createCourse");
    let steps: &[(&str, &str)] = match status {
        "DRAFT" => &[],
        "SUBMITTED" => &[("submitCourse", "society")],
        "APPROVED" => &[("submitCourse", "society"), ("approveCourse", "admin")],
        "PUBLISHED" => &[
            ("submitCourse", "society"),
            ("approveCourse", "admin"),
            ("publishCourse", "admin"),
        ],
        other => panic!("no course status {other}"),
    };
    for (mutation, by) in steps {
        let token = if *by == "admin" {
            app.admin()
        } else {
            society.clone()
        };
        app.data(
            Some(&token),
            &format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ status }} }}"),
            json!({ "id": id }),
        )
        .await;
    }
    id
}

async fn admin_year(app: &TestApp, mutation: &str, year: i32) {
    let selection = if mutation == "allocateFieldQuotas" {
        "quota"
    } else {
        "phase"
    };
    app.data(
        Some(&app.admin()),
        &format!("mutation($y: Int!) {{ {mutation}(year: $y) {{ {selection} }} }}"),
        json!({ "y": year }),
    )
    .await;
}

/// Registers a doctor who graduated in `graduated` and finished the
/// two-year initial training on March 31 two years later.
async fn register(app: &TestApp, sub: &str, license: &str, graduated: i32) {
    app.data(
        Some(&app.applicant(sub)),
        "mutation($i: RegisterApplicantInput!) { registerApplicant(input: $i) { id } }",
        json!({ "i": {
            "fullName": format!("医師 {sub}"), "fullNameKana": "イシ タロウ", "email": format!("{sub}@example.jp"),
            "medicalLicenseNumber": license, "university": "京都大学", "graduationYear": graduated,
            "initialTrainingCompletedOn": format!("{}-03-31", graduated + 2),
            "obligatedServiceGraduate": false, "regionalQuotaObligation": false
        } }),
    )
    .await;
}

async fn apply(app: &TestApp, sub: &str, course: &str, regular: Option<&str>) -> String {
    let general = regular.map(|institution| {
        json!({ "programName": "京都市立病院 内科専門研修プログラム", "field": "INTERNAL_MEDICINE", "institutionId": institution })
    });
    let data = app
        .data(
            Some(&app.applicant(sub)),
            "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { id } }",
            json!({ "i": { "courseId": course, "generalApplication": general } }),
        )
        .await;
    id_of(&data, "submitApplication")
}

/// Builds the world of `docs/examples/README.md` through the API, as each
/// role would, and returns its placeholders.
async fn build_world(app: &TestApp) -> BTreeMap<String, Value> {
    let hospital = create_institution(
        app,
        "京都大学医学部附属病院",
        "UNIVERSITY_HOSPITAL",
        "京都府",
    )
    .await;
    let partner = create_institution(app, "京都市立病院", "PUBLIC_HOSPITAL", "京都府").await;
    let center = create_institution(
        app,
        "国立がん研究センター中央病院",
        "NATIONAL_CENTER",
        "東京都",
    )
    .await;
    for year in FINALIZED_YEAR..=PLANNING_YEAR {
        create_cycle(app, year).await;
    }
    let training_course = course(app, FINALIZED_YEAR, "PUBLISHED", &hospital, &partner).await;
    let allocated_course = course(app, ALLOCATED_YEAR, "PUBLISHED", &hospital, &partner).await;
    course(app, CLOSED_YEAR, "PUBLISHED", &hospital, &partner).await;
    let open_course = course(app, OPEN_YEAR, "PUBLISHED", &hospital, &partner).await;
    let draft_course = course(app, PLANNING_YEAR, "DRAFT", &hospital, &partner).await;
    let submitted_course = course(app, PLANNING_YEAR, "SUBMITTED", &hospital, &partner).await;
    let approved_course = course(app, PLANNING_YEAR, "APPROVED", &hospital, &partner).await;

    register(app, TRAINEE_SUB, "500001", 2020).await;
    register(app, APPLICANT_SUB, "500002", 2023).await;
    register(app, OTHER_APPLICANT_SUB, "500003", 2023).await;

    // The finalized cycle: one doctor adopted, now a trainee.
    admin_year(app, "openEarlyCall", FINALIZED_YEAR).await;
    let adopted = apply(app, TRAINEE_SUB, &training_course, Some(&partner)).await;
    admin_year(app, "closeEarlyCall", FINALIZED_YEAR).await;
    admin_year(app, "allocateFieldQuotas", FINALIZED_YEAR).await;
    // The society proposes, the board confirms (I.2(2)④).
    app.data(
        Some(&app.society(SOCIETY)),
        "mutation($id: ID!) { decideApplication(id: $id, decision: ADOPT) { status } }",
        json!({ "id": adopted }),
    )
    .await;
    app.data(
        Some(&app.admin()),
        "mutation($id: ID!) { confirmDecision(id: $id) { status } }",
        json!({ "id": adopted }),
    )
    .await;
    admin_year(app, "finalizeSelection", FINALIZED_YEAR).await;
    let me = app
        .data(
            Some(&app.applicant(TRAINEE_SUB)),
            "{ viewer { applicant { trainee { id } } } }",
            json!({}),
        )
        .await;
    let trainee = me["viewer"]["applicant"]["trainee"]["id"]
        .as_str()
        .expect("the adopted doctor is a trainee")
        .to_owned();

    // The allocated cycle: two undecided applications.
    admin_year(app, "openEarlyCall", ALLOCATED_YEAR).await;
    let my_application = apply(app, APPLICANT_SUB, &allocated_course, None).await;
    let application = apply(app, OTHER_APPLICANT_SUB, &allocated_course, Some(&partner)).await;
    admin_year(app, "closeEarlyCall", ALLOCATED_YEAR).await;
    admin_year(app, "allocateFieldQuotas", ALLOCATED_YEAR).await;

    // The closed cycle, and the open one.
    admin_year(app, "openEarlyCall", CLOSED_YEAR).await;
    admin_year(app, "closeEarlyCall", CLOSED_YEAR).await;
    admin_year(app, "openEarlyCall", OPEN_YEAR).await;

    // The trainee's record: an extension the society agreed to, waiting
    // for the board (III.1), and this year's annual report waiting for
    // acceptance.
    let institution = app.institution(ids::decode_kind(&hospital, ids::INSTITUTION).unwrap());
    let extension = app
        .data(
            Some(&institution),
            "mutation($t: ID!) { requestExtension(traineeId: $t, input: { reason: ILLNESS, months: 6, note: \"療養のため\" }) { id } }",
            json!({ "t": trainee }),
        )
        .await;
    app.data(
        Some(&app.society(SOCIETY)),
        "mutation($id: ID!) { agreeExtension(id: $id, agree: true) { societyAgreed } }",
        json!({ "id": extension["requestExtension"]["id"] }),
    )
    .await;
    let report = app
        .data(
            Some(&institution),
            "mutation($i: SubmitAnnualReportInput!) { submitAnnualReport(input: $i) { id } }",
            json!({ "i": {
                "courseId": training_course, "year": 2026,
                "entries": [{ "traineeId": trainee, "researchEffortPercent": 60, "clinicalProgress": "内科専門研修カリキュラムに沿って症例経験を積んでいる" }],
                "statusGuarantee": { "salaryProvided": true, "socialInsuranceProvided": true, "workingGraduateStudent": true }
            } }),
        )
        .await;

    let mut world = BTreeMap::new();
    let mut put = |key: &str, value: Value| {
        world.insert(key.to_owned(), value);
    };
    put("UNIVERSITY_HOSPITAL_ID", json!(hospital));
    put("PARTNER_HOSPITAL_ID", json!(partner));
    put("NATIONAL_CENTER_ID", json!(center));
    put("FINALIZED_YEAR", json!(FINALIZED_YEAR));
    put("ALLOCATED_YEAR", json!(ALLOCATED_YEAR));
    put("CLOSED_YEAR", json!(CLOSED_YEAR));
    put("OPEN_YEAR", json!(OPEN_YEAR));
    put("PLANNING_YEAR", json!(PLANNING_YEAR));
    put("TRAINING_COURSE_ID", json!(training_course));
    put("ALLOCATED_COURSE_ID", json!(allocated_course));
    put("OPEN_COURSE_ID", json!(open_course));
    put("DRAFT_COURSE_ID", json!(draft_course));
    put("SUBMITTED_COURSE_ID", json!(submitted_course));
    put("APPROVED_COURSE_ID", json!(approved_course));
    put("APPLICATION_ID", json!(application));
    put("MY_APPLICATION_ID", json!(my_application));
    put("TRAINEE_ID", json!(trainee));
    put("EXTENSION_ID", extension["requestExtension"]["id"].clone());
    put("REPORT_ID", report["submitAnnualReport"]["id"].clone());
    world
}

// --- running --------------------------------------------------------------------

/// The token of the folder's role, as `docs/examples/README.md` describes.
fn token(app: &TestApp, example: &Example, world: &BTreeMap<String, Value>) -> Option<String> {
    let (kind, fields) = operation(example);
    match example.folder.as_str() {
        "anonymous" => None,
        "applicant" => {
            let registers =
                kind == OperationType::Mutation && fields.iter().any(|f| f == "registerApplicant");
            Some(app.applicant(if registers {
                NEW_APPLICANT_SUB
            } else {
                APPLICANT_SUB
            }))
        }
        "trainee" => Some(app.applicant(TRAINEE_SUB)),
        "society" => Some(app.society(SOCIETY)),
        "institution" => {
            let hospital = world["UNIVERSITY_HOSPITAL_ID"].as_str().unwrap();
            Some(app.institution(ids::decode_kind(hospital, ids::INSTITUTION).unwrap()))
        }
        "admin" => Some(app.admin()),
        other => unreachable!("folder {other} was checked when loading"),
    }
}

/// Runs one example in a world of its own; returns a failure message.
async fn run(example: Arc<Example>) -> Result<(), String> {
    let app = TestApp::spawn().await;
    let world = build_world(&app).await;
    let variables = substitute(&example.name, &example.variables, &world);
    let token = token(&app, &example, &world);
    let (status, body) = app
        .gql(token.as_deref(), &example.document, variables.clone())
        .await;
    let errors = body.get("errors").is_some();
    let data_missing =
        body["data"].is_null() || body["data"].as_object().is_none_or(|d| d.is_empty());
    if status != 200 || errors || data_missing {
        return Err(format!(
            "{} (as {}) with variables {variables}: HTTP {status}: {body}",
            example.name, example.folder
        ));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_example_runs_as_its_role() {
    let examples = load_examples();
    for folder in FOLDERS {
        assert!(
            examples.iter().any(|e| e.folder == folder),
            "docs/examples/{folder}/ has no example"
        );
    }
    // Each example gets a fresh world, so no example depends on another
    // having run; a few worlds are built at once.
    let mut failures = Vec::new();
    let examples: Vec<Arc<Example>> = examples.into_iter().map(Arc::new).collect();
    for chunk in examples.chunks(4) {
        let mut set = tokio::task::JoinSet::new();
        let mut names = std::collections::HashMap::new();
        for example in chunk {
            let handle = set.spawn(run(Arc::clone(example)));
            names.insert(handle.id(), example.name.clone());
        }
        while let Some(result) = set.join_next_with_id().await {
            match result {
                Ok((_, Ok(()))) => {}
                Ok((_, Err(message))) => failures.push(message),
                Err(e) => {
                    let name = &names[&e.id()];
                    let panic = e.into_panic();
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.push(format!("{name}: panicked: {message}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The README documents every placeholder the world defines, so a reader
/// knows what each one stands for.
#[tokio::test]
async fn the_readme_documents_every_placeholder() {
    let readme =
        std::fs::read_to_string(examples_dir().join("README.md")).expect("docs/examples/README.md");
    let app = TestApp::spawn().await;
    let world = build_world(&app).await;
    let missing: Vec<&String> = world
        .keys()
        .filter(|key| !readme.contains(&format!("`${key}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/examples/README.md does not document {missing:?}"
    );
}
