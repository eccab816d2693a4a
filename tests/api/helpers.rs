//! The test harness: a fresh database and router per test, typed GraphQL
//! calls, tokens for each role, and fixtures inserted with the SeaORM models.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use csc::auth::{Grant, TokenKeys};
use csc::catalog::SocietyCatalog;
use csc::clock::Clock;
use csc::config::DatabaseConfig;
use csc::entity::enums::{
    ApplicationOutcome, ApplicationStatus, AuditOutcome, CourseStatus, CyclePhase, DegreeStatus,
    FieldCode, GeneralApplicationStatus, InstitutionKind, ReportStatus, ResearchHostKind, Role,
};
use csc::entity::{
    annual_report, applicant, application, audit_event, course, field_quota, general_application,
    institution, institution_certification, participation, recruitment_cycle, society, trainee,
};
use csc::ids;
use csc::startup::build_router;
use csc::state::AppState;
use http_body_util::BodyExt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};
use std::path::PathBuf;
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-test-secret-test-secret!!";
pub const ISSUER: &str = "csc";
pub const AUDIENCE: &str = "csc-api";
/// The year of the recruitment cycle the fixtures use (trainees start April 2027).
pub const YEAR: i32 = 2027;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub struct TestApp {
    pub router: Router,
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    pub societies: SocietyCatalog,
    sqlite_file: Option<PathBuf>,
}

impl TestApp {
    /// A migrated database of its own (an SQLite file, or a PostgreSQL schema
    /// when `TEST_DATABASE_URL` is set) behind the real router.
    pub async fn spawn() -> Self {
        let (db, sqlite_file) = fresh_database().await;
        Self::over(db, sqlite_file, Some(today())).await
    }

    /// A fresh database holding the default demo (`csc seed-demo`), behind
    /// the real router with today at the demo's day, as `serve --dev` has it.
    pub async fn spawn_demo() -> Self {
        let (db, sqlite_file) = fresh_database().await;
        csc::seed::seed_demo(&db, csc::seed::DEFAULT_SCALE, csc::seed::DEFAULT_SEED)
            .await
            .expect("seed the demo");
        let day = csc::demo::recorded_day(&db)
            .await
            .unwrap()
            .expect("seed-demo records its day");
        Self::over(db, sqlite_file, Some(day)).await
    }

    /// The real router over `db`, with today fixed at `fixed_today`.
    async fn over(
        db: DatabaseConnection,
        sqlite_file: Option<PathBuf>,
        fixed_today: Option<NaiveDate>,
    ) -> Self {
        let keys = TokenKeys::new(SECRET, ISSUER, AUDIENCE).expect("test keys");
        let state = AppState::new(db.clone(), keys.clone(), Clock { fixed_today })
            .await
            .expect("build the app state");
        let societies = state.societies.clone();
        Self {
            router: build_router(state),
            db,
            keys,
            societies,
            sqlite_file,
        }
    }

    // --- HTTP ---------------------------------------------------------------

    /// Sends one request through the router; returns status, headers and body text.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = self
            .router
            .clone()
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
        let text = String::from_utf8(bytes.to_vec()).expect("a UTF-8 body");
        (status, headers, text)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let request = Request::builder()
            .method(Method::GET)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// `POST /graphql` with a raw `Authorization` header value, or none.
    pub async fn gql_with_authorization(
        &self,
        authorization: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let body = json!({ "query": query, "variables": variables });
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let request = request.body(Body::from(body.to_string())).unwrap();
        let (status, _, text) = self.send(request).await;
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("response is not JSON ({e}): {text}"));
        (status, json)
    }

    /// `POST /graphql` as the bearer of `token`, or anonymously.
    pub async fn gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let authorization = token.map(|t| format!("Bearer {t}"));
        self.gql_with_authorization(authorization.as_deref(), query, variables)
            .await
    }

    /// Like `gql`, but expects HTTP 200 and no errors, and returns `data`.
    pub async fn data(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, json) = self.gql(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        assert!(json.get("errors").is_none(), "unexpected errors: {json}");
        json["data"].clone()
    }

    // --- tokens -------------------------------------------------------------

    pub fn token(
        &self,
        role: Role,
        society: Option<FieldCode>,
        institution_id: Option<i64>,
        sub: &str,
    ) -> String {
        let grant = Grant {
            subject: sub.to_owned(),
            role,
            society,
            institution_id,
        };
        self.keys.issue(&grant, 3600)
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, None, None, "board-staff-1")
    }

    pub fn society(&self, field: FieldCode) -> String {
        self.token(Role::Society, Some(field), None, "society-staff-1")
    }

    pub fn institution(&self, id: i64) -> String {
        self.token(Role::Institution, None, Some(id), "director-1")
    }

    pub fn applicant(&self, sub: &str) -> String {
        self.token(Role::Applicant, None, None, sub)
    }

    // --- fixtures -----------------------------------------------------------

    pub async fn society_id(&self, field: FieldCode) -> i64 {
        society::Entity::find()
            .filter(society::Column::Code.eq(field))
            .one(&self.db)
            .await
            .unwrap()
            .expect("the 19 societies are seeded")
            .id
    }

    /// A university hospital, certified in every field.
    pub async fn insert_institution(&self, name: &str) -> i64 {
        let id = institution::ActiveModel {
            name: Set(name.to_owned()),
            name_en: Set(None),
            kind: Set(InstitutionKind::UniversityHospital),
            prefecture: Set("東京都".to_owned()),
            certified_training_facility: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id;
        self.certify(id, &[]).await;
        id
    }

    /// Certifies institution `id` as a training facility of `fields`, or of
    /// every field when `fields` is empty (I.3(3), per field).
    pub async fn certify(&self, id: i64, fields: &[FieldCode]) {
        use sea_orm::Iterable;
        let fields: Vec<FieldCode> = if fields.is_empty() {
            FieldCode::iter().collect()
        } else {
            fields.to_vec()
        };
        for field in fields {
            institution_certification::ActiveModel {
                institution_id: Set(id),
                society_id: Set(self.society_id(field).await),
            }
            .insert(&self.db)
            .await
            .unwrap();
        }
    }

    /// The fixture cycle of `year` (see `CycleBuilder`).
    pub async fn insert_cycle(&self, year: i32) -> i64 {
        self.cycle(year).insert().await
    }

    /// A recruitment cycle for `year`, to adjust before `insert`.
    pub fn cycle(&self, year: i32) -> CycleBuilder<'_> {
        CycleBuilder {
            app: self,
            row: recruitment_cycle::ActiveModel {
                year: Set(year),
                total_capacity: Set(40),
                early_call_opens_on: Set(date(year - 1, 9, 1)),
                early_call_closes_on: Set(date(year - 1, 10, 1)),
                general_call_opens_on: Set(date(year - 1, 11, 4)),
                sanction_years: Set(1),
                phase: Set(CyclePhase::SelectionFinalized),
                course_years: Set(7),
                clinical_years: Set(2),
                flexible_second_paper: Set(false),
                created_at: Set(Utc::now()),
                ..Default::default()
            },
        }
    }

    /// Moves the cycle of `year` to `phase`, as the cycle mutations would.
    pub async fn set_phase(&self, year: i32, phase: CyclePhase) {
        let mut row: recruitment_cycle::ActiveModel = recruitment_cycle::Entity::find()
            .filter(recruitment_cycle::Column::Year.eq(year))
            .one(&self.db)
            .await
            .unwrap()
            .expect("the cycle exists")
            .into();
        row.phase = Set(phase);
        row.update(&self.db).await.unwrap();
    }

    /// A society's decision whether its field takes part in `year`.
    pub async fn insert_participation(&self, field: FieldCode, year: i32, participating: bool) {
        participation::ActiveModel {
            society_id: Set(self.society_id(field).await),
            year: Set(year),
            participating: Set(participating),
            decided_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap();
    }

    /// The allocated quota of a participating `field` for `YEAR`, to adjust
    /// before `insert`.
    pub fn field_quota(&self, field: FieldCode, quota: i32) -> FieldQuotaBuilder<'_> {
        FieldQuotaBuilder {
            app: self,
            field,
            row: field_quota::ActiveModel {
                year: Set(YEAR),
                participating: Set(true),
                applicants: Set(0),
                minimum_seats: Set(1),
                share_numerator: Set(0),
                share_denominator: Set(1),
                remainder_seats: Set(0),
                computed_quota: Set(quota),
                quota: Set(quota),
                adjustment_reason: Set(None),
                adjusted_at: Set(None),
                ..Default::default()
            },
        }
    }

    /// A course of `YEAR` (see `CourseBuilder`).
    pub async fn insert_course(
        &self,
        title: &str,
        field: FieldCode,
        institution_id: i64,
        status: CourseStatus,
    ) -> i64 {
        self.course(institution_id)
            .title(title)
            .field(field)
            .status(status)
            .insert()
            .await
    }

    /// A course of `institution_id`, to adjust before `insert`.
    pub fn course(&self, institution_id: i64) -> CourseBuilder<'_> {
        let now = Utc::now();
        CourseBuilder {
            app: self,
            field: FieldCode::InternalMedicine,
            now,
            row: course::ActiveModel {
                year: Set(YEAR),
                title: Set("内科 臨床研究医コース".to_owned()),
                responsible_institution_id: Set(institution_id),
                director: Set("統括 責任者".to_owned()),
                requested_capacity: Set(2),
                status: Set(CourseStatus::Draft),
                curriculum: Set("カリキュラム制".to_owned()),
                research_host_kind: Set(ResearchHostKind::GraduateSchool),
                research_host_name: Set("大学院医学系研究科".to_owned()),
                research_host_institution_id: Set(None),
                research_host_paper_count: Set(120),
                research_host_paper_record: Set(None),
                guarantee_clinical_phase: Set("常勤医師として給与".to_owned()),
                guarantee_research_phase: Set("社会人大学院生として給与".to_owned()),
                guarantee_social_insurance: Set(true),
                guarantee_working_graduate_student: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                submitted_at: Set(None),
                approved_at: Set(None),
                published_at: Set(None),
                withdrawn_at: Set(None),
                withdrawal_reason: Set(None),
                ..Default::default()
            },
        }
    }

    /// A doctor adopted to `course_id` and in training (see `TraineeBuilder`).
    pub fn trainee_of(&self, course_id: i64, sub: &str, license: &str) -> TraineeBuilder<'_> {
        TraineeBuilder {
            app: self,
            course_id,
            sub: sub.to_owned(),
            license: license.to_owned(),
            intake: YEAR,
        }
    }

    pub async fn insert_applicant(&self, sub: &str, license: &str) -> i64 {
        applicant::ActiveModel {
            subject: Set(sub.to_owned()),
            full_name: Set(format!("医師 {sub}")),
            full_name_kana: Set(None),
            email: Set(format!("{sub}@example.jp")),
            medical_license_number: Set(license.to_owned()),
            university: Set("東京大学".to_owned()),
            graduation_year: Set(2023),
            initial_training_completed_on: Set(date(2025, 3, 31)),
            obligated_service_graduate: Set(false),
            regional_quota_obligation: Set(false),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    pub async fn insert_application(
        &self,
        applicant_id: i64,
        course_id: i64,
        status: ApplicationStatus,
    ) -> i64 {
        let decided = status != ApplicationStatus::Submitted;
        let outcome = match status {
            ApplicationStatus::Adopted => ApplicationOutcome::Course,
            _ => ApplicationOutcome::Undecided,
        };
        application::ActiveModel {
            applicant_id: Set(applicant_id),
            course_id: Set(course_id),
            year: Set(YEAR),
            status: Set(status),
            outcome: Set(outcome),
            submitted_at: Set(Utc.with_ymd_and_hms(2026, 9, 10, 1, 0, 0).unwrap()),
            decided_at: Set(decided.then(|| Utc.with_ymd_and_hms(2026, 10, 19, 1, 0, 0).unwrap())),
            withdrawn_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    /// The parallel application (併願) to a regular program of `field`.
    pub async fn insert_general_application(
        &self,
        application_id: i64,
        field: FieldCode,
        institution_id: i64,
    ) -> i64 {
        general_application::ActiveModel {
            application_id: Set(application_id),
            program_name: Set("内科専門研修プログラム".to_owned()),
            society_id: Set(self.society_id(field).await),
            institution_id: Set(institution_id),
            status: Set(GeneralApplicationStatus::Pending),
            created_at: Set(Utc::now()),
            activated_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    pub async fn insert_trainee(
        &self,
        applicant_id: i64,
        course_id: i64,
        application_id: i64,
    ) -> i64 {
        self.insert_trainee_from(applicant_id, course_id, application_id, date(YEAR, 4, 1))
            .await
    }

    /// A trainee who started on `started_on` (another intake than YEAR's).
    pub async fn insert_trainee_from(
        &self,
        applicant_id: i64,
        course_id: i64,
        application_id: i64,
        started_on: NaiveDate,
    ) -> i64 {
        trainee::ActiveModel {
            applicant_id: Set(applicant_id),
            course_id: Set(course_id),
            application_id: Set(application_id),
            started_on: Set(started_on),
            research_effort_percent: Set(None),
            graduate_school: Set(None),
            board_certified_on: Set(None),
            degree: Set(DegreeStatus::None),
            completion_confirmed_on: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    pub async fn insert_annual_report(&self, course_id: i64, institution_id: i64) -> i64 {
        annual_report::ActiveModel {
            course_id: Set(course_id),
            institution_id: Set(institution_id),
            year: Set(YEAR),
            status: Set(ReportStatus::Draft),
            submitted_at: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    pub async fn insert_audit_event(&self, operation: &str) -> i64 {
        audit_event::ActiveModel {
            at: Set(Utc::now()),
            role: Set(Some(Role::Admin)),
            subject: Set(Some("board-staff-1".to_owned())),
            operation: Set(operation.to_owned()),
            target_id: Set(None),
            outcome: Set(AuditOutcome::Ok),
            summary: Set("fixture".to_owned()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    // --- direct reads, to check what a refused call left behind -------------

    /// The audit trail as the board reads it, oldest first (100 at most).
    pub async fn audit_events(&self) -> Vec<Value> {
        const AUDIT: &str = "{ auditEvents(first: 100) { nodes { operation outcome role subject targetId summary } } }";
        let data = self.data(Some(&self.admin()), AUDIT, json!({})).await;
        data["auditEvents"]["nodes"].as_array().unwrap().clone()
    }

    pub async fn institution_rows(&self) -> u64 {
        institution::Entity::find().count(&self.db).await.unwrap()
    }

    pub async fn applicant_rows(&self) -> u64 {
        applicant::Entity::find().count(&self.db).await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let mut path = file.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// A migrated database of its own: an SQLite file (removed on drop), or a
/// PostgreSQL schema when `TEST_DATABASE_URL` is set.
async fn fresh_database() -> (DatabaseConnection, Option<PathBuf>) {
    let (db, sqlite_file) = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => (postgres_schema(&url).await, None),
        _ => {
            let file = std::env::temp_dir().join(format!("csc-test-{}.db", uuid::Uuid::new_v4()));
            let config = DatabaseConfig {
                database_url: format!("sqlite://{}?mode=rwc", file.display()),
                database_max_connections: Some(5),
            };
            let db = csc::db::connect(&config)
                .await
                .expect("open the SQLite test database");
            (db, Some(file))
        }
    };
    csc::db::migrate(&db)
        .await
        .expect("migrate the test database");
    (db, sqlite_file)
}

// --- fixture builders ----------------------------------------------------------

/// A recruitment cycle: by default 40 seats, the early call from 1 September
/// to 1 October of the year before, the general call from 4 November,
/// finalized, one sanction year, the 2020 rules (seven years, two clinical).
pub struct CycleBuilder<'a> {
    app: &'a TestApp,
    row: recruitment_cycle::ActiveModel,
}

impl CycleBuilder<'_> {
    pub fn phase(mut self, phase: CyclePhase) -> Self {
        self.row.phase = Set(phase);
        self
    }

    pub fn sanction_years(mut self, years: i32) -> Self {
        self.row.sanction_years = Set(years);
        self
    }

    /// The intake's course rules: its length, clinical years, and whether
    /// the second paper may be a case report or a Japanese one.
    pub fn rules(mut self, course_years: i32, clinical_years: i32, flexible: bool) -> Self {
        self.row.course_years = Set(course_years);
        self.row.clinical_years = Set(clinical_years);
        self.row.flexible_second_paper = Set(flexible);
        self
    }

    /// The cycle's row id.
    pub async fn insert(self) -> i64 {
        self.row.insert(&self.app.db).await.unwrap().id
    }
}

/// A field's allocated quota: by default for `YEAR`, no applicants counted,
/// the computed quota equal to the quota.
pub struct FieldQuotaBuilder<'a> {
    app: &'a TestApp,
    field: FieldCode,
    row: field_quota::ActiveModel,
}

impl FieldQuotaBuilder<'_> {
    /// The applications the allocation counted for the field.
    pub fn applicants(mut self, applicants: i32) -> Self {
        self.row.applicants = Set(applicants);
        self
    }

    pub async fn insert(mut self) {
        self.row.society_id = Set(self.app.society_id(self.field).await);
        self.row.insert(&self.app.db).await.unwrap();
    }
}

/// A course: by default an internal-medicine DRAFT of `YEAR` for two
/// trainees, at a graduate school, with pay and insurance in both phases.
pub struct CourseBuilder<'a> {
    app: &'a TestApp,
    field: FieldCode,
    /// When it was created, and stamped at each step it went through.
    now: DateTime<Utc>,
    row: course::ActiveModel,
}

impl CourseBuilder<'_> {
    pub fn title(mut self, title: &str) -> Self {
        self.row.title = Set(title.to_owned());
        self
    }

    pub fn field(mut self, field: FieldCode) -> Self {
        self.field = field;
        self
    }

    pub fn year(mut self, year: i32) -> Self {
        self.row.year = Set(year);
        self
    }

    /// A PUBLISHED course is stamped published now.
    pub fn status(mut self, status: CourseStatus) -> Self {
        self.row.status = Set(status);
        let published = status == CourseStatus::Published;
        self.row.published_at = Set(published.then_some(self.now));
        self
    }

    /// Submitted and approved now, on its way to publication.
    pub fn reviewed(mut self) -> Self {
        self.row.submitted_at = Set(Some(self.now));
        self.row.approved_at = Set(Some(self.now));
        self
    }

    /// The course's row id.
    pub async fn insert(mut self) -> i64 {
        self.row.society_id = Set(self.app.society_id(self.field).await);
        self.row.insert(&self.app.db).await.unwrap().id
    }
}

/// A doctor adopted to a course in the September call of the year before
/// its intake (by default `YEAR`), in training since April 1st of it.
pub struct TraineeBuilder<'a> {
    app: &'a TestApp,
    course_id: i64,
    sub: String,
    license: String,
    intake: i32,
}

/// The rows `TraineeBuilder` makes.
pub struct Enrolled {
    pub applicant: i64,
    pub application: i64,
    pub trainee: i64,
}

impl TraineeBuilder<'_> {
    pub fn intake(mut self, year: i32) -> Self {
        self.intake = year;
        self
    }

    pub async fn insert(self) -> Enrolled {
        let app = self.app;
        let applicant = app.insert_applicant(&self.sub, &self.license).await;
        let called = |month, day| {
            Utc.with_ymd_and_hms(self.intake - 1, month, day, 1, 0, 0)
                .unwrap()
        };
        let application = application::ActiveModel {
            applicant_id: Set(applicant),
            course_id: Set(self.course_id),
            year: Set(self.intake),
            status: Set(ApplicationStatus::Adopted),
            outcome: Set(ApplicationOutcome::Course),
            submitted_at: Set(called(9, 10)),
            decided_at: Set(Some(called(10, 19))),
            withdrawn_at: Set(None),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap()
        .id;
        let trainee = app
            .insert_trainee_from(
                applicant,
                self.course_id,
                application,
                date(self.intake, 4, 1),
            )
            .await;
        Enrolled {
            applicant,
            application,
            trainee,
        }
    }
}

/// A fresh schema in the PostgreSQL database at `url`, and a pool pinned to it.
async fn postgres_schema(url: &str) -> DatabaseConnection {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("create the test schema");
    admin.close().await.expect("close the setup connection");
    let config = DatabaseConfig {
        database_url: url.to_owned(),
        database_max_connections: Some(5),
    };
    let mut options = csc::db::options(&config);
    options.set_schema_search_path(schema);
    Database::connect(options)
        .await
        .expect("connect to the test schema")
}

// --- reading responses -------------------------------------------------------

/// `errors[0].extensions.code`, if any.
pub fn error_code(json: &Value) -> Option<String> {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

/// `errors[0].extensions.field`, if any.
pub fn error_field(json: &Value) -> Option<String> {
    json["errors"][0]["extensions"]["field"]
        .as_str()
        .map(str::to_owned)
}

/// The error of a refused mutation: its code and, for bad input, its field.
pub fn assert_error(json: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(json).as_deref(), Some(code), "{json}");
    assert_eq!(error_field(json).as_deref(), field, "{json}");
    assert!(
        json["data"].is_null(),
        "a refused mutation returns no data: {json}"
    );
}

/// The successful (OK) events of `operation`.
pub fn ok_events<'a>(events: &'a [Value], operation: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["operation"] == operation && e["outcome"] == "OK")
        .collect()
}

/// The `id` of each element of a JSON list of objects.
pub fn ids_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|n| n["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// Sorted, for comparing sets of ids.
pub fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

pub fn gid(kind: &str, id: i64) -> String {
    ids::encode(kind, id).to_string()
}
