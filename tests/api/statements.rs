//! SQL statements per request: the benchmark queries issue a small, fixed
//! number of statements whatever the page size, because relation fields go
//! through per-request DataLoaders, nested connections are cut per parent by
//! `ROW_NUMBER()` in SQL, and COUNTs run only for `totalCount`.
//!
//! The statements are counted with sea-orm's metric callback on a clone of
//! the test database's connection; the router is rebuilt on that clone, so
//! everything a request runs is counted: the token's lookup, the resolvers'
//! reads and the personal-data audit insert. Fixtures go through the
//! uninstrumented `app.db` and are not counted.

use crate::helpers::{TestApp, YEAR, date, today};
use chrono::{TimeZone, Utc};
use csc::clock::Clock;
use csc::entity::enums::{
    ApplicationOutcome, ApplicationStatus, CourseStatus, CyclePhase, FieldCode,
    GeneralApplicationStatus, ResearchHostKind,
};
use csc::entity::{
    applicant, application, course, course_partner_site, general_application, paper, society,
};
use csc::startup::build_router;
use csc::state::AppState;
use sea_orm::{DbBackend, EntityTrait, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// At most this many statements per benchmark query (see each test).
const COURSES_MAX: usize = 3;
const APPLICATIONS_MAX: usize = 2;
const STATISTICS_MAX: usize = 2;
const APPLICANT_MAX: usize = 6;
const NESTED_MAX: usize = 3;

/// The test app, its router rebuilt on a connection that logs every statement.
struct Counted {
    app: TestApp,
    log: Arc<Mutex<Vec<String>>>,
}

impl Counted {
    async fn spawn() -> Self {
        let mut app = TestApp::spawn().await;
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut db = app.db.clone();
        let sink = Arc::clone(&log);
        db.set_metric_callback(move |info| {
            sink.lock().unwrap().push(info.statement.sql.clone());
        });
        let clock = Clock {
            fixed_today: Some(today()),
        };
        let state = AppState::new(db, app.keys.clone(), clock)
            .await
            .expect("build the counted app state");
        app.router = build_router(state);
        Self { app, log }
    }

    /// Runs one query (expecting no errors) and returns its data and the
    /// statements it ran.
    async fn run(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (Value, Vec<String>) {
        self.log.lock().unwrap().clear();
        let data = self.app.data(token, query, variables).await;
        let statements = std::mem::take(&mut *self.log.lock().unwrap());
        (data, statements)
    }

    /// Asserts that each of `nodes`, read alone with `node_query` (`$id`,
    /// through the loaders), answers the same.
    async fn assert_nodes_read_alone(&self, token: &str, node_query: &str, nodes: &[&Value]) {
        for &node in nodes {
            let (alone, _) = self
                .run(Some(token), node_query, json!({ "id": node["id"] }))
                .await;
            assert_eq!(&alone["node"], node, "{node_query}");
        }
    }

    /// The statements of `query` with `$first` = 10 and = 100, checked equal
    /// in number and at most `max`; returns the data of both.
    async fn constant_in_page_size(
        &self,
        name: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
        max: usize,
    ) -> (Value, Value) {
        self.constant_between(name, token, query, variables, (10, 100), max)
            .await
    }

    /// The same for `$first` = `small` and = `large`.
    async fn constant_between(
        &self,
        name: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
        (small_first, large_first): (i64, i64),
        max: usize,
    ) -> (Value, Value) {
        let with_first = |n: i64| {
            let mut v = variables.clone();
            v["first"] = json!(n);
            v
        };
        let (small, small_log) = self.run(token, query, with_first(small_first)).await;
        let (large, large_log) = self.run(token, query, with_first(large_first)).await;
        eprintln!(
            "{name}: {} statements for first: {small_first}, {} for first: {large_first}",
            small_log.len(),
            large_log.len()
        );
        assert_eq!(
            small_log.len(),
            large_log.len(),
            "{name}: the statement count grows with the page size\nsmall: {small_log:#?}\nlarge: {large_log:#?}"
        );
        assert!(
            large_log.len() <= max,
            "{name}: {} statements, expected at most {max}: {large_log:#?}",
            large_log.len()
        );
        (small, large)
    }
}

fn counts(statements: &[String]) -> usize {
    statements
        .iter()
        .filter(|s| s.to_uppercase().contains("COUNT("))
        .count()
}

fn len(list: &Value) -> usize {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .len()
}

// --- fixtures ----------------------------------------------------------------------

const INSTITUTIONS: usize = 30;
/// Published courses; the first `FIELD_COURSES` in internal medicine, the
/// others spread over the other fields; plus a few drafts.
const COURSES: usize = 120;
const FIELD_COURSES: usize = 24;
const DRAFTS: usize = 10;
/// Applications to internal medicine, and to the other fields.
const FIELD_APPLICATIONS: usize = 120;
const OTHER_APPLICATIONS: usize = 30;

struct Seeded {
    institutions: Vec<i64>,
    courses: Vec<i64>,
}

fn course_row(
    title: String,
    society_id: i64,
    responsible: i64,
    research_host: Option<i64>,
    status: CourseStatus,
) -> course::ActiveModel {
    let now = Utc::now();
    let published = status == CourseStatus::Published;
    course::ActiveModel {
        year: sea_orm::Set(YEAR),
        society_id: sea_orm::Set(society_id),
        title: sea_orm::Set(title),
        responsible_institution_id: sea_orm::Set(responsible),
        director: sea_orm::Set("統括 責任者".to_owned()),
        requested_capacity: sea_orm::Set(2),
        status: sea_orm::Set(status),
        curriculum: sea_orm::Set("カリキュラム制".to_owned()),
        research_host_kind: sea_orm::Set(ResearchHostKind::GraduateSchool),
        research_host_name: sea_orm::Set("大学院医学系研究科".to_owned()),
        research_host_institution_id: sea_orm::Set(research_host),
        research_host_paper_count: sea_orm::Set(120),
        research_host_paper_record: sea_orm::Set(None),
        guarantee_clinical_phase: sea_orm::Set("常勤医師として給与".to_owned()),
        guarantee_research_phase: sea_orm::Set("社会人大学院生として給与".to_owned()),
        guarantee_social_insurance: sea_orm::Set(true),
        guarantee_working_graduate_student: sea_orm::Set(true),
        created_at: sea_orm::Set(now),
        updated_at: sea_orm::Set(now),
        submitted_at: sea_orm::Set(None),
        approved_at: sea_orm::Set(None),
        published_at: sea_orm::Set(published.then_some(now)),
        withdrawn_at: sea_orm::Set(None),
        withdrawal_reason: sea_orm::Set(None),
        ..Default::default()
    }
}

fn applicant_row(sub: String, license: String) -> applicant::ActiveModel {
    applicant::ActiveModel {
        full_name: sea_orm::Set(format!("医師 {sub}")),
        full_name_kana: sea_orm::Set(None),
        email: sea_orm::Set(format!("{sub}@example.jp")),
        subject: sea_orm::Set(sub),
        medical_license_number: sea_orm::Set(license),
        university: sea_orm::Set("東京大学".to_owned()),
        graduation_year: sea_orm::Set(2023),
        initial_training_completed_on: sea_orm::Set(date(2025, 3, 31)),
        obligated_service_graduate: sea_orm::Set(false),
        regional_quota_obligation: sea_orm::Set(false),
        created_at: sea_orm::Set(Utc::now()),
        ..Default::default()
    }
}

fn application_row(
    applicant_id: i64,
    course_id: i64,
    status: ApplicationStatus,
) -> application::ActiveModel {
    application::ActiveModel {
        applicant_id: sea_orm::Set(applicant_id),
        course_id: sea_orm::Set(course_id),
        year: sea_orm::Set(YEAR),
        status: sea_orm::Set(status),
        outcome: sea_orm::Set(match status {
            ApplicationStatus::Adopted => ApplicationOutcome::Course,
            _ => ApplicationOutcome::Undecided,
        }),
        submitted_at: sea_orm::Set(Utc.with_ymd_and_hms(2026, 9, 10, 1, 0, 0).unwrap()),
        decided_at: sea_orm::Set(None),
        withdrawn_at: sea_orm::Set(None),
        ..Default::default()
    }
}

fn general_row(
    application_id: i64,
    society_id: i64,
    institution_id: i64,
) -> general_application::ActiveModel {
    general_application::ActiveModel {
        application_id: sea_orm::Set(application_id),
        program_name: sea_orm::Set("内科専門研修プログラム".to_owned()),
        society_id: sea_orm::Set(society_id),
        institution_id: sea_orm::Set(institution_id),
        status: sea_orm::Set(GeneralApplicationStatus::Pending),
        created_at: sea_orm::Set(Utc::now()),
        activated_at: sea_orm::Set(None),
        ..Default::default()
    }
}

/// Ids of all rows of `E`, in order.
async fn all_ids<E: EntityTrait>(app: &TestApp, id: E::Column) -> Vec<i64> {
    E::find()
        .select_only()
        .column(id)
        .order_by_asc(id)
        .into_tuple()
        .all(&app.db)
        .await
        .unwrap()
}

/// 30 institutions; 120 published courses (2 partner sites each, every other
/// one with a research host institution) and 10 drafts; 150 applicants with
/// one application and one general application each, 120 of them to
/// internal medicine.
async fn seed(app: &TestApp) -> Seeded {
    app.insert_cycle(YEAR).await;
    let societies = society::Entity::find()
        .order_by_asc(society::Column::Position)
        .all(&app.db)
        .await
        .unwrap();
    let internal_medicine = app.society_id(FieldCode::InternalMedicine).await;
    let others: Vec<i64> = societies
        .iter()
        .map(|s| s.id)
        .filter(|&id| id != internal_medicine)
        .collect();

    let mut institutions = Vec::with_capacity(INSTITUTIONS);
    for i in 0..INSTITUTIONS {
        institutions.push(app.insert_institution(&format!("病院 {i}")).await);
    }

    let rows = (0..COURSES + DRAFTS).map(|i| {
        let society_id = if i < FIELD_COURSES {
            internal_medicine
        } else {
            others[i % others.len()]
        };
        let status = if i < COURSES {
            CourseStatus::Published
        } else {
            CourseStatus::Draft
        };
        let host = (i % 2 == 0).then(|| institutions[(i + 7) % INSTITUTIONS]);
        course_row(
            format!("コース {i}"),
            society_id,
            institutions[i % INSTITUTIONS],
            host,
            status,
        )
    });
    course::Entity::insert_many(rows)
        .exec(&app.db)
        .await
        .unwrap();
    let courses = all_ids::<course::Entity>(app, course::Column::Id).await;
    assert_eq!(courses.len(), COURSES + DRAFTS);

    let partners = courses.iter().enumerate().flat_map(|(i, &course_id)| {
        [1, 2].map(|k| course_partner_site::ActiveModel {
            course_id: sea_orm::Set(course_id),
            institution_id: sea_orm::Set(institutions[(i + k) % INSTITUTIONS]),
        })
    });
    course_partner_site::Entity::insert_many(partners)
        .exec(&app.db)
        .await
        .unwrap();

    let total = FIELD_APPLICATIONS + OTHER_APPLICATIONS;
    let applicants =
        (0..total).map(|k| applicant_row(format!("doctor-{k}"), format!("{:06}", 100_000 + k)));
    applicant::Entity::insert_many(applicants)
        .exec(&app.db)
        .await
        .unwrap();
    let applicant_ids = all_ids::<applicant::Entity>(app, applicant::Column::Id).await;
    let applications = applicant_ids.iter().enumerate().map(|(k, &applicant_id)| {
        let course_index = if k < FIELD_APPLICATIONS {
            k % FIELD_COURSES
        } else {
            FIELD_COURSES + k % (COURSES - FIELD_COURSES)
        };
        let status = if k % 10 == 0 {
            ApplicationStatus::Withdrawn
        } else {
            ApplicationStatus::Submitted
        };
        application_row(applicant_id, courses[course_index], status)
    });
    application::Entity::insert_many(applications)
        .exec(&app.db)
        .await
        .unwrap();
    let application_ids = all_ids::<application::Entity>(app, application::Column::Id).await;
    // Every seventh application comes without a general application.
    let generals = application_ids
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 7 != 6)
        .map(|(k, &id)| general_row(id, internal_medicine, institutions[(k + 3) % INSTITUTIONS]));
    general_application::Entity::insert_many(generals)
        .exec(&app.db)
        .await
        .unwrap();

    Seeded {
        institutions,
        courses,
    }
}

/// A doctor adopted to a course, with `withdrawn` earlier applications
/// withdrawn, a trainee record and `papers` papers.
async fn doctor_with_record(
    app: &TestApp,
    seeded: &Seeded,
    sub: &str,
    license: &str,
    withdrawn: usize,
    papers: usize,
) {
    let applicant_id = app.insert_applicant(sub, license).await;
    for k in 0..withdrawn {
        let course = seeded.courses[FIELD_COURSES + k];
        let id = app
            .insert_application(applicant_id, course, ApplicationStatus::Withdrawn)
            .await;
        app.insert_general_application(id, FieldCode::Surgery, seeded.institutions[k])
            .await;
    }
    let course = seeded.courses[FIELD_COURSES + withdrawn];
    let adopted = app
        .insert_application(applicant_id, course, ApplicationStatus::Adopted)
        .await;
    app.insert_general_application(adopted, FieldCode::Surgery, seeded.institutions[0])
        .await;
    let trainee_id = app.insert_trainee(applicant_id, course, adopted).await;
    let rows = (0..papers).map(|k| paper::ActiveModel {
        trainee_id: sea_orm::Set(trainee_id),
        title: sea_orm::Set(format!("Paper {k}")),
        journal: sea_orm::Set("Journal".to_owned()),
        doi: sea_orm::Set(Some(format!("10.1000/{sub}.{k}"))),
        published_on: sea_orm::Set(date(2028, 1, 1)),
        sci_indexed: sea_orm::Set(true),
        first_author: sea_orm::Set(k % 2 == 0),
        english: sea_orm::Set(true),
        case_report: sea_orm::Set(false),
        created_at: sea_orm::Set(Utc::now()),
        ..Default::default()
    });
    paper::Entity::insert_many(rows)
        .exec(&app.db)
        .await
        .unwrap();
}

// --- the benchmark queries ----------------------------------------------------------

const COURSES_QUERY: &str = "query($first: Int) {
    courses(first: $first) { nodes {
        id title
        society { code nameJa }
        responsibleInstitution { name prefecture }
        clinicalSites { role institution { name } }
        researchHost { kind name institution { name } }
    } }
}";

const APPLICATIONS_QUERY: &str = "query($first: Int, $field: FieldCode) {
    applications(first: $first, filter: { field: $field }) { nodes {
        id status
        applicant { fullName email university }
        generalApplication { programName status institution { name } society { code } }
        course { title }
    } }
}";

const STATISTICS_QUERY: &str = "query($year: Int!) {
    recruitmentCycle(year: $year) { statistics {
        applicants adopted
        byField { society { code } applicants adopted }
    } }
}";

const APPLICANT_QUERY: &str = "{
    viewer { applicant {
        applications { status outcome course { title } generalApplication { status } }
        trainee { phase papers { title qualifies } completion { complete unmet } }
    } }
}";

const NESTED_QUERY: &str = "query($first: Int) {
    societies { code courses(first: $first) {
        totalCount
        nodes { id applications(first: 5) { nodes { id } } }
    } }
}";

#[tokio::test]
async fn courses_page_runs_a_fixed_number_of_statements() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;

    // 1 page of courses, 1 of institutions (responsible, research hosts),
    // 1 join of partner sites with their institutions; no token, no audit.
    let (small, large) = counted
        .constant_in_page_size("courses", None, COURSES_QUERY, json!({}), COURSES_MAX)
        .await;
    assert_eq!(len(&small["courses"]["nodes"]), 10);
    assert_eq!(len(&large["courses"]["nodes"]), 100);
    let course = &large["courses"]["nodes"][99];
    assert_eq!(len(&course["clinicalSites"]), 3);
    assert_eq!(course["clinicalSites"][0]["role"], "RESPONSIBLE");
    assert!(large["courses"]["nodes"][0]["researchHost"]["institution"]["name"].is_string());
    assert!(large["courses"]["nodes"][1]["researchHost"]["institution"].is_null());

    let (_, statements) = counted
        .run(None, COURSES_QUERY, json!({ "first": 100 }))
        .await;
    assert_eq!(
        counts(&statements),
        0,
        "no COUNT without totalCount: {statements:#?}"
    );
}

/// On a multi-threaded runtime (as in production) loads run on other
/// threads while the request resolves: batches still hold a whole level,
/// because they wait for the request to settle, not for a timer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batches_do_not_depend_on_timing() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let token = counted.app.society(FieldCode::InternalMedicine);
    let variables = json!({ "first": 100, "field": "INTERNAL_MEDICINE" });
    for _ in 0..5 {
        let (_, statements) = counted
            .run(None, COURSES_QUERY, json!({ "first": 100 }))
            .await;
        assert_eq!(statements.len(), COURSES_MAX, "{statements:#?}");
        let (_, statements) = counted
            .run(Some(&token), APPLICATIONS_QUERY, variables.clone())
            .await;
        assert_eq!(statements.len(), APPLICATIONS_MAX, "{statements:#?}");
    }
}

#[tokio::test]
async fn society_applications_run_a_fixed_number_of_statements() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let token = counted.app.society(FieldCode::InternalMedicine);

    // 1 page of applications with their courses, applicants, general
    // applications and those's institutions joined in (`graphql::joined`),
    // 1 insert of the personal-data audit events. The token's society comes
    // from the catalog loaded at start.
    let variables = json!({ "field": "INTERNAL_MEDICINE" });
    let (small, large) = counted
        .constant_in_page_size(
            "applications",
            Some(&token),
            APPLICATIONS_QUERY,
            variables,
            APPLICATIONS_MAX,
        )
        .await;
    assert_eq!(len(&small["applications"]["nodes"]), 10);
    assert_eq!(len(&large["applications"]["nodes"]), 100);
    let node = &large["applications"]["nodes"][42];
    assert!(node["applicant"]["fullName"].is_string());
    assert!(node["generalApplication"]["institution"]["name"].is_string());
    assert_eq!(
        node["generalApplication"]["society"]["code"],
        "INTERNAL_MEDICINE"
    );
    assert!(node["course"]["title"].is_string());
}

/// The same fields, for `node(id:)` and for a page's `edges { node }`.
const APPLICATION_FIELDS: &str = "fragment A on Application {
    id status
    course { id title }
    applicant { id fullName university }
    generalApplication { programName status institution { id name } }
}";

/// A page that joins its nodes' relations into its own statement answers as
/// the loaders do: each application read alone through `node(id:)` (loaders
/// only) gives the same values, also where there is no general application;
/// `edges { node }` and fragments are seen through.
#[tokio::test]
async fn joined_page_answers_as_the_loaders_do() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let token = counted.app.society(FieldCode::InternalMedicine);

    let page_query = format!(
        "query {{ applications(first: 20, filter: {{ field: INTERNAL_MEDICINE }}) {{
            edges {{ node {{ ...A }} }}
        }} }} {APPLICATION_FIELDS}"
    );
    let (page, statements) = counted.run(Some(&token), &page_query, json!({})).await;
    assert_eq!(
        statements.len(),
        2,
        "the page and the audit: {statements:#?}"
    );
    let nodes: Vec<&Value> = page["applications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| &edge["node"])
        .collect();
    assert_eq!(nodes.len(), 20);
    // The ids of the course, applicant and institution read in part are
    // the foreign keys that joined them (`JoinPlan::join`), read once.
    for id in ["\"c_id\"", "\"p_id\"", "\"i_id\""] {
        assert!(!statements[0].contains(id), "{id}: {}", statements[0]);
    }
    // On PostgreSQL the page is flat, and the society's rule and the field
    // filter are tested on the joined course, not by looking the course up
    // again in a subquery.
    if counted.app.db.get_database_backend() == DbBackend::Postgres {
        assert!(!statements[0].contains("IN (SELECT"), "{}", statements[0]);
    }
    assert!(nodes.iter().any(|n| n["generalApplication"].is_null()));
    assert!(
        nodes
            .iter()
            .any(|n| n["generalApplication"]["institution"]["name"].is_string())
    );

    let node_query = format!("query($id: ID!) {{ node(id: $id) {{ ...A }} }} {APPLICATION_FIELDS}");
    for node in nodes {
        let (alone, statements) = counted
            .run(Some(&token), &node_query, json!({ "id": node["id"] }))
            .await;
        assert!(
            statements.len() > 2,
            "read through the loaders: {statements:#?}"
        );
        assert_eq!(&alone["node"], node);
    }
}

/// A joined page's rows are chosen before the joins (on SQLite, by keys
/// in a subquery: `joined::joined_page_statement`): walked by cursor, the
/// joined pages give the society's applications in id order, each once,
/// as unjoined pages of 100 do.
#[tokio::test]
async fn joined_pages_follow_the_cursors() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let token = counted.app.society(FieldCode::InternalMedicine);
    let (plain, plain_pages) = walk_applications(&counted, &token, 100, "id").await;
    assert_eq!(plain.len(), FIELD_APPLICATIONS);
    assert_eq!(plain_pages, 2);
    let (joined, joined_pages) = walk_applications(
        &counted,
        &token,
        7,
        "id course { title } applicant { fullName }",
    )
    .await;
    assert_eq!(joined_pages, FIELD_APPLICATIONS.div_ceil(7));
    assert_eq!(joined, plain);
}

/// The ids of every application `token` sees, walked by cursor `first` at
/// a time with `selection` for the nodes, and the number of pages.
async fn walk_applications(
    counted: &Counted,
    token: &str,
    first: usize,
    selection: &str,
) -> (Vec<Value>, usize) {
    let page_query = format!(
        "query($after: String) {{
            applications(first: {first}, after: $after) {{
                nodes {{ {selection} }}
                pageInfo {{ hasNextPage endCursor }}
            }}
        }}"
    );
    let (mut ids, mut after, mut pages) = (Vec::new(), Value::Null, 0);
    loop {
        let (page, statements) = counted
            .run(Some(token), &page_query, json!({ "after": after }))
            .await;
        let joined = selection.contains("course");
        assert_eq!(
            statements[0].contains("c_title"),
            joined,
            "{}",
            statements[0]
        );
        let connection = &page["applications"];
        let nodes = connection["nodes"].as_array().expect("nodes");
        if joined {
            assert!(nodes.iter().all(|n| n["course"]["title"].is_string()));
        }
        ids.extend(nodes.iter().map(|node| node["id"].clone()));
        pages += 1;
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            return (ids, pages);
        }
        assert_eq!(nodes.len(), first);
        assert!(pages < 100, "the cursor does not move: {after}");
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

/// The object fields of the `columns_of` tables, with what each test asks
/// of them; a new object field in a table must be added here.
fn sub_selection(field: &str) -> &'static str {
    match field {
        "society" => "{ code }",
        "course" => "{ id title }",
        "applicant" => "{ id fullName }",
        "generalApplication" => "{ id programName }",
        "cycle" => "{ year phase }",
        "responsibleInstitution" | "institution" => "{ id name }",
        "clinicalSites" => "{ role institution { id name } }",
        "researchHost" => "{ kind name paperCountFiveYears paperRecord institution { id name } }",
        _ => "",
    }
}

/// The fields of `type_name` (by introspection) that `columns_of` lists.
async fn listed_fields(
    counted: &Counted,
    token: &str,
    type_name: &str,
    listed: fn(&str) -> bool,
) -> Vec<String> {
    let (data, _) = counted
        .run(
            Some(token),
            "query($name: String!) { __type(name: $name) { fields { name } } }",
            json!({ "name": type_name }),
        )
        .await;
    let fields: Vec<String> = data["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .filter(|name| listed(name))
        .collect();
    assert!(fields.len() > 3, "{type_name}: {fields:?}");
    fields
}

/// Read only what is asked (#16): a page whose nodes select only fields
/// listed in the related types' `columns_of` reads only those columns, and
/// so do the loaders behind `node(id:)`; each such field, asked alone,
/// answers as it does from whole rows. A column missing from a table would
/// show here as a blank value.
#[tokio::test]
async fn each_field_read_in_part_answers_as_from_whole_rows() {
    use csc::graphql::{
        applicant::Applicant,
        application::{Application, GeneralApplication},
        course::Course,
        institution::Institution,
    };
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    decide_some_applications(&counted.app).await;
    let admin = counted.app.admin();

    /// One type read in part under a page of applications.
    struct Case {
        type_name: &'static str,
        /// How a page's node reaches it, `#` for the field.
        path: &'static str,
        /// A column its page must not read, unless the field is `read_by`.
        unread: &'static str,
        /// The same column as the loaders' statements name it; `None` for
        /// the application itself, which `node(id:)` reads whole.
        unread_by_loaders: Option<&'static str>,
        read_by: &'static str,
        /// A field the type's table does not list, asked beside the field
        /// to have its rows read whole; `None` where `node(id:)` does.
        whole: Option<&'static str>,
        listed: fn(&str) -> bool,
    }
    let types = [
        Case {
            type_name: "Application",
            path: "#",
            unread: "withdrawn_at",
            unread_by_loaders: None,
            read_by: "",
            whole: None,
            listed: |f| Application::columns_of(f).is_some(),
        },
        Case {
            type_name: "Course",
            path: "course { # }",
            unread: "c_curriculum",
            unread_by_loaders: Some(r#""courses"."curriculum""#),
            read_by: "curriculum",
            whole: Some("applicantCount"),
            listed: |f| Course::columns_of(f).is_some(),
        },
        Case {
            type_name: "Applicant",
            path: "applicant { # }",
            unread: "p_email",
            unread_by_loaders: Some(r#""applicants"."email""#),
            read_by: "email",
            whole: Some("trainee { id }"),
            listed: |f| Applicant::columns_of(f).is_some(),
        },
        Case {
            type_name: "GeneralApplication",
            path: "generalApplication { # }",
            unread: "g_created_at",
            unread_by_loaders: Some(r#""general_applications"."created_at""#),
            read_by: "",
            // A whole institution has its page read the general
            // applications whole too (`JoinPlan::of`).
            whole: Some("institution { certifiedFields }"),
            listed: |f| GeneralApplication::columns_of(f).is_some(),
        },
        Case {
            type_name: "Institution",
            path: "generalApplication { institution { # } }",
            unread: "i_created_at",
            unread_by_loaders: Some(r#""institutions"."created_at""#),
            read_by: "",
            whole: Some("certifiedFields"),
            listed: |f| Institution::columns_of(f).is_some(),
        },
    ];
    for case in types {
        let type_name = case.type_name;
        for field in listed_fields(&counted, &admin, type_name, case.listed).await {
            let asked = format!("{field} {}", sub_selection(&field));
            let page_of = |selection: &str| {
                format!(
                    "{{ applications(first: 8, filter: {{ field: INTERNAL_MEDICINE }}) {{
                        nodes {{ id {} }}
                    }} }}",
                    case.path.replace('#', selection)
                )
            };
            let (page, statements) = counted.run(Some(&admin), &page_of(&asked), json!({})).await;
            let page_sql = &statements[0];
            assert!(
                !page_sql.contains(case.unread) || field == case.read_by,
                "{type_name}.{field} reads only its columns: {page_sql}"
            );
            let nodes = page["applications"]["nodes"].as_array().expect("nodes");
            assert_eq!(nodes.len(), 8, "{type_name}.{field}");

            if let Some(whole) = case.whole {
                let query = page_of(&format!("{asked} wholeRow: {whole}"));
                let (whole_page, _) = counted.run(Some(&admin), &query, json!({})).await;
                assert_eq!(
                    without_key(&whole_page, "wholeRow"),
                    page,
                    "{type_name}.{field} read in part by the page answers as from whole rows"
                );
            }
            let node_query = format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on Application {{ id {} }} }} }}",
                case.path.replace('#', &asked)
            );
            for node in nodes {
                let (alone, statements) = counted
                    .run(Some(&admin), &node_query, json!({ "id": node["id"] }))
                    .await;
                assert_eq!(&alone["node"], node, "{node_query}");
                if let Some(unread) = case.unread_by_loaders
                    && field != case.read_by
                {
                    assert!(
                        statements.iter().all(|sql| !sql.contains(unread)),
                        "{type_name}.{field} is read in part by the loaders: {statements:#?}"
                    );
                }
            }
        }
    }
}

/// `value` with every member named `key` taken out, at any depth.
fn without_key(value: &Value, key: &str) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(name, _)| *name != key)
                .map(|(name, v)| (name.clone(), without_key(v, key)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| without_key(v, key)).collect()),
        other => other.clone(),
    }
}

/// The loaders read a row once per level for every set of fields asked of
/// it: two selections of one course are one statement of the columns of
/// both, and each answers as from the whole row.
#[tokio::test]
async fn one_statement_reads_the_columns_of_every_selection() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();
    let (page, _) = counted
        .run(
            Some(&admin),
            "{ applications(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let id = &page["applications"]["nodes"][0]["id"];
    let query = r#"query($id: ID!) { node(id: $id) { ... on Application {
        a: course { title } b: course { director } whole: course { title director applicantCount }
    } } }"#;
    let (data, statements) = counted.run(Some(&admin), query, json!({ "id": id })).await;
    let node = &data["node"];
    assert_eq!(node["a"]["title"], node["whole"]["title"]);
    assert_eq!(node["b"]["director"], node["whole"]["director"]);
    let in_part: Vec<&String> = statements
        .iter()
        .filter(|sql| {
            sql.contains(r#""courses"."director""#) && !sql.contains(r#""courses"."curriculum""#)
        })
        .collect();
    assert_eq!(in_part.len(), 1, "{statements:#?}");
    assert!(
        in_part[0].contains(r#""courses"."title""#),
        "{}",
        in_part[0]
    );
}

/// Gives every decision column a value on some of the first applications
/// of the field, so that a column left blank by a partial read shows.
async fn decide_some_applications(app: &TestApp) {
    use csc::entity::enums::{Decision, DecisionBasis};
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let at = Utc.with_ymd_and_hms(2026, 10, 20, 3, 0, 0).unwrap();
    let ids = all_ids::<application::Entity>(app, application::Column::Id).await;
    let decided = [ids[1], ids[3], ids[5]];
    application::Entity::update_many()
        .col_expr(application::Column::DecidedAt, Expr::value(at))
        .col_expr(
            application::Column::ProposedDecision,
            Expr::value(Decision::Adopt),
        )
        .col_expr(application::Column::ProposedAt, Expr::value(at))
        .col_expr(
            application::Column::DecisionBasis,
            Expr::value(DecisionBasis::SocietyProposal),
        )
        .col_expr(
            application::Column::Outcome,
            Expr::value(ApplicationOutcome::RegularProgram),
        )
        .filter(application::Column::Id.is_in(decided))
        .exec(&app.db)
        .await
        .unwrap();
}

/// The same for a page of courses (#16 point 2): each field listed in
/// `Course::columns_of`, asked alone, answers as `node(id:)` does, and the
/// page reads no curriculum it does not show.
#[tokio::test]
async fn a_course_page_reads_only_the_fields_asked() {
    use csc::graphql::course::Course;
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();
    let fields = listed_fields(&counted, &admin, "Course", |f| {
        Course::columns_of(f).is_some()
    })
    .await;
    for field in fields {
        let selection = format!("{field} {}", sub_selection(&field));
        let page_query =
            format!("{{ courses(first: 8) {{ edges {{ node {{ id {selection} }} }} }} }}");
        let (page, statements) = counted.run(Some(&admin), &page_query, json!({})).await;
        let page_sql = &statements[0];
        assert!(
            !page_sql.contains("curriculum") || field == "curriculum",
            "Course.{field} reads only its columns: {page_sql}"
        );
        let edges = page["courses"]["edges"].as_array().expect("edges");
        assert!(edges.len() >= 2, "Course.{field}");
        let node_query =
            format!("query($id: ID!) {{ node(id: $id) {{ ... on Course {{ id {selection} }} }} }}");
        let nodes: Vec<&Value> = edges.iter().map(|edge| &edge["node"]).collect();
        counted
            .assert_nodes_read_alone(&admin, &node_query, &nodes)
            .await;
    }
}

/// The review screen's page reads no personal data it does not show: no
/// mail address or licence number leaves the database for it (APPI's data
/// minimisation), and no column of a course but its title.
#[tokio::test]
async fn the_review_page_reads_no_unasked_personal_data() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let token = counted.app.society(FieldCode::InternalMedicine);
    let query = "{ applications(first: 20, filter: { field: INTERNAL_MEDICINE }) { nodes {
        id status submittedAt
        course { id title }
        applicant { id fullName university graduationYear }
        generalApplication { programName status institution { name } }
    } } }";
    let (data, statements) = counted.run(Some(&token), query, json!({})).await;
    assert_eq!(len(&data["applications"]["nodes"]), 20);
    let page = &statements[0];
    for unasked in [
        "p_email",
        "p_medical_license_number",
        "p_full_name_kana",
        "c_curriculum",
        "c_director",
    ] {
        assert!(!page.contains(unasked), "{unasked} read: {page}");
    }
    assert!(page.contains("p_full_name"), "{page}");
}

/// A page with no rows, read in part, is an empty page (no column to
/// locate is not an error).
#[tokio::test]
async fn an_empty_page_read_in_part_is_empty() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();
    let query = "{
        applications(first: 5, filter: { year: 1999 }) { nodes { id course { title } } }
        courses(first: 5, filter: { year: 1999 }) { nodes { id title } }
    }";
    let (data, _) = counted.run(Some(&admin), query, json!({})).await;
    assert_eq!(len(&data["applications"]["nodes"]), 0);
    assert_eq!(len(&data["courses"]["nodes"]), 0);
}

/// A field that no `columns_of` table lists reads its object's whole row,
/// which goes to the loaders: the page still answers as they do.
#[tokio::test]
async fn an_unlisted_field_reads_whole_rows() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();
    let fields = "fragment A on Application {
        id
        course { title researchHost { name kind } statusGuarantee { socialInsurance } }
        applicant { fullName eligibility(year: 2027) { eligible } }
        generalApplication { programName institution { name certifiedFields } }
    }";
    let page_query = format!(
        "{{ applications(first: 12, filter: {{ field: INTERNAL_MEDICINE }}) {{
            nodes {{ ...A }}
        }} }} {fields}"
    );
    let (page, statements) = counted.run(Some(&admin), &page_query, json!({})).await;
    assert!(statements[0].contains("c_curriculum"), "{}", statements[0]);
    assert!(statements[0].contains("p_email"), "{}", statements[0]);
    assert!(statements[0].contains("i_created_at"), "{}", statements[0]);
    let node_query = format!("query($id: ID!) {{ node(id: $id) {{ ...A }} }} {fields}");
    let nodes = page["applications"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 12);
    let nodes: Vec<&Value> = nodes.iter().collect();
    counted
        .assert_nodes_read_alone(&admin, &node_query, &nodes)
        .await;
}

#[tokio::test]
async fn cycle_statistics_are_aggregates() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();

    // The cycle, then one statement: the counts by field and status UNION
    // ALL the distinct applicants.
    counted
        .app
        .set_phase(YEAR, CyclePhase::QuotasAllocated)
        .await;
    let (data, statements) = counted
        .run(Some(&admin), STATISTICS_QUERY, json!({ "year": YEAR }))
        .await;
    eprintln!("statistics: {} statements", statements.len());
    assert!(
        statements.len() <= STATISTICS_MAX,
        "{} statements: {statements:#?}",
        statements.len()
    );
    let statistics = &data["recruitmentCycle"]["statistics"];
    assert_eq!(
        statistics["applicants"],
        (FIELD_APPLICATIONS + OTHER_APPLICATIONS) as i64
    );
    assert_eq!(len(&statistics["byField"]), 19);
    assert_eq!(
        statistics["byField"][0]["society"]["code"],
        "INTERNAL_MEDICINE"
    );
    assert_eq!(
        statistics["byField"][0]["applicants"],
        FIELD_APPLICATIONS as i64
    );
    // No statement reads application rows one by one: every read aggregates.
    assert!(
        statements
            .iter()
            .skip(1)
            .all(|s| s.to_uppercase().contains("COUNT("))
    );

    // Two cycles' statistics still take one aggregate statement.
    counted.app.insert_cycle(YEAR + 1).await;
    counted
        .app
        .set_phase(YEAR + 1, CyclePhase::EarlyCallOpen)
        .await;
    let (data, statements) = counted
        .run(
            Some(&admin),
            "{ recruitmentCycles { year statistics { applicants byField { adopted } } } }",
            json!({}),
        )
        .await;
    assert_eq!(len(&data["recruitmentCycles"]), 2);
    assert!(
        statements.len() <= STATISTICS_MAX,
        "{} statements: {statements:#?}",
        statements.len()
    );
}

/// Once a cycle is SELECTION_FINALIZED its counts no longer change: the
/// first request reads them, later ones only read the cycle. An open
/// cycle's counts are read on every request.
#[tokio::test]
async fn a_final_cycles_statistics_are_read_once() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();
    let vars = json!({ "year": YEAR });

    counted
        .app
        .set_phase(YEAR, CyclePhase::QuotasAllocated)
        .await;
    let (open, first) = counted
        .run(Some(&admin), STATISTICS_QUERY, vars.clone())
        .await;
    let (_, again) = counted
        .run(Some(&admin), STATISTICS_QUERY, vars.clone())
        .await;
    assert_eq!((first.len(), again.len()), (2, 2), "{again:#?}");

    counted
        .app
        .set_phase(YEAR, CyclePhase::SelectionFinalized)
        .await;
    let (final_first, first) = counted
        .run(Some(&admin), STATISTICS_QUERY, vars.clone())
        .await;
    let (final_again, again) = counted.run(Some(&admin), STATISTICS_QUERY, vars).await;
    assert_eq!(first.len(), 2, "{first:#?}");
    assert_eq!(again.len(), 1, "only the cycle: {again:#?}");
    assert_eq!(final_first, open);
    assert_eq!(final_again, open);
}

#[tokio::test]
async fn an_applicants_own_record_runs_a_fixed_number_of_statements() {
    let counted = Counted::spawn().await;
    let seeded = seed(&counted.app).await;
    doctor_with_record(&counted.app, &seeded, "doctor-few", "200001", 0, 1).await;
    doctor_with_record(&counted.app, &seeded, "doctor-many", "200002", 9, 12).await;

    // 1 token lookup (which reads the applicant's row, `auth::Caller`), 1
    // of its applications, 1 trainee, 1 of courses, 1 of general
    // applications, and 1 for the trainee record (`entity::record`: rules,
    // papers, extensions, study abroad, departure and research effort, one
    // UNION ALL).
    let few = counted.app.applicant("doctor-few");
    let (few_data, few_log) = counted.run(Some(&few), APPLICANT_QUERY, json!({})).await;
    let many = counted.app.applicant("doctor-many");
    let (many_data, many_log) = counted.run(Some(&many), APPLICANT_QUERY, json!({})).await;
    eprintln!(
        "viewer.applicant: {} statements with 1 application and 1 paper, {} with 10 and 12",
        few_log.len(),
        many_log.len()
    );
    let applicant = &many_data["viewer"]["applicant"];
    assert_eq!(len(&applicant["applications"]), 10);
    assert_eq!(len(&applicant["trainee"]["papers"]), 12);
    assert_eq!(len(&few_data["viewer"]["applicant"]["applications"]), 1);
    assert_eq!(few_log.len(), many_log.len(), "{few_log:#?}\n{many_log:#?}");
    assert!(
        many_log.len() <= APPLICANT_MAX,
        "{} statements: {many_log:#?}",
        many_log.len()
    );
}

#[tokio::test]
async fn nested_connections_are_cut_per_parent_in_sql() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();

    // 1 window-numbered page of courses for all 19 societies, 1 grouped
    // COUNT for their totalCount, 1 window-numbered page of applications
    // for all those courses.
    // (Query complexity caps the page sizes of a nested query.)
    let (small, large) = counted
        .constant_between(
            "nested",
            Some(&admin),
            NESTED_QUERY,
            json!({}),
            (10, 50),
            NESTED_MAX,
        )
        .await;
    let societies = large["societies"].as_array().unwrap();
    assert_eq!(societies[0]["code"], "INTERNAL_MEDICINE");
    assert_eq!(societies[0]["courses"]["totalCount"], FIELD_COURSES as i64);
    assert_eq!(len(&small["societies"][0]["courses"]["nodes"]), 10);
    assert_eq!(len(&societies[0]["courses"]["nodes"]), FIELD_COURSES);
    // Internal medicine's 120 applications over 24 courses: 5 each.
    assert_eq!(
        len(&societies[0]["courses"]["nodes"][0]["applications"]["nodes"]),
        5
    );

    let (_, statements) = counted
        .run(Some(&admin), NESTED_QUERY, json!({ "first": 5 }))
        .await;
    assert_eq!(
        statements
            .iter()
            .filter(|s| s.to_uppercase().contains("ROW_NUMBER() OVER"))
            .count(),
        2,
        "{statements:#?}"
    );
    assert_eq!(counts(&statements), 1, "{statements:#?}");

    // Without totalCount no COUNT runs at all.
    let without_total = NESTED_QUERY.replace("totalCount", "");
    let (_, statements) = counted
        .run(Some(&admin), &without_total, json!({ "first": 5 }))
        .await;
    assert_eq!(counts(&statements), 0, "{statements:#?}");
}

#[tokio::test]
async fn nested_pages_match_the_root_lists() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();
    let nested = "query($first: Int, $after: String) {
        society(code: INTERNAL_MEDICINE) { courses(first: $first, after: $after) {
            totalCount
            nodes { id }
            pageInfo { hasNextPage hasPreviousPage endCursor }
        } }
    }";
    let root = "query($first: Int, $after: String) {
        courses(first: $first, after: $after, filter: { field: INTERNAL_MEDICINE }) {
            totalCount
            nodes { id }
            pageInfo { hasNextPage hasPreviousPage endCursor }
        }
    }";
    let mut after: Option<String> = None;
    loop {
        let variables = json!({ "first": 7, "after": after });
        let (nested_data, _) = counted.run(Some(&admin), nested, variables.clone()).await;
        let (root_data, _) = counted.run(Some(&admin), root, variables).await;
        let from_society = &nested_data["society"]["courses"];
        assert_eq!(from_society, &root_data["courses"]);
        if from_society["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = from_society["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }

    // Nested pages are scoped like the lists: a society sees the drafts of
    // its own field only (one of pediatrics, none of ophthalmology).
    let drafts =
        "{ institutions(first: 30) { nodes { courses(first: 100) { nodes { status } } } } }";
    for (field, own_drafts) in [(FieldCode::Pediatrics, 1), (FieldCode::Ophthalmology, 0)] {
        let token = counted.app.society(field);
        let (data, _) = counted.run(Some(&token), drafts, json!({})).await;
        let statuses: Vec<&Value> = data["institutions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["courses"]["nodes"].as_array().unwrap())
            .map(|c| &c["status"])
            .collect();
        assert_eq!(statuses.len(), COURSES + own_drafts, "{field:?}");
        let published = statuses.iter().filter(|s| **s == "PUBLISHED").count();
        assert_eq!(published, COURSES, "{field:?}");
    }
}

#[tokio::test]
async fn institution_lists_run_a_fixed_number_of_statements() {
    let counted = Counted::spawn().await;
    seed(&counted.app).await;
    let admin = counted.app.admin();
    let query = "query($first: Int) {
        institutions(first: $first) { nodes {
            name courseSettingSuspendedUntil
            sanctions { reason } quotaReductions { year }
            courses(first: 3) { nodes {
                title applicantCount adoptedCount
                clinicalSites { institution { name } }
                trainees { id }
            } }
        } }
    }";
    // 1 page of institutions, 1 suspension aggregate, 1 of sanctions, 1 of
    // quota reductions, 1 window-numbered page of courses, 1 grouped count
    // of applications by course and status, 1 of institutions, 1 partner
    // join, 1 of trainees.
    let (small, _) = counted
        .constant_between("institutions", Some(&admin), query, json!({}), (3, 30), 9)
        .await;
    let first = &small["institutions"]["nodes"][0]["courses"]["nodes"][0];
    assert_eq!(first["applicantCount"], 4);
    assert_eq!(first["adoptedCount"], 0);
}
