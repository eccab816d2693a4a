//! `csc seed-demo`: the same seed gives the same data, and it lands whole.
//! SQLite files by default; PostgreSQL schemas when `TEST_DATABASE_URL` is set.

use csc::config::DatabaseConfig;
use csc::entity::enums::CyclePhase;
use csc::entity::{applicant, application, course, institution, recruitment_cycle, trainee};
use csc::seed::{PLANNING_YEAR, SELECTION_YEAR, Summary, as_of, seed_demo};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};

const SCALE: f64 = 0.005;
const SEED: u64 = 7;

/// Removes a test's SQLite file (and its WAL) when the test ends.
struct Cleanup(Vec<std::path::PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for file in &self.0 {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

/// A migrated, empty database of its own; SQLite files go on `cleanup`.
async fn fresh(cleanup: &mut Cleanup) -> DatabaseConnection {
    let db = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("seed_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                .await
                .expect("create the test schema");
            admin.close().await.expect("close the setup connection");
            let config = DatabaseConfig {
                database_url: url,
                database_max_connections: Some(2),
            };
            let mut options = csc::db::options(&config);
            options.set_schema_search_path(schema);
            Database::connect(options)
                .await
                .expect("connect to the schema")
        }
        _ => {
            let file = std::env::temp_dir().join(format!("csc-seed-{}.db", uuid::Uuid::new_v4()));
            cleanup.0.push(file.clone());
            let config = DatabaseConfig {
                database_url: format!("sqlite://{}?mode=rwc", file.display()),
                database_max_connections: Some(2),
            };
            csc::db::connect(&config)
                .await
                .expect("open the SQLite file")
        }
    };
    csc::db::migrate(&db).await.expect("migrate");
    db
}

async fn first_applicant(db: &DatabaseConnection) -> applicant::Model {
    applicant::Entity::find()
        .order_by_asc(applicant::Column::Id)
        .one(db)
        .await
        .unwrap()
        .expect("applicants were seeded")
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data() {
    let mut cleanup = Cleanup(Vec::new());
    let (one, two) = (fresh(&mut cleanup).await, fresh(&mut cleanup).await);
    let a: Summary = seed_demo(&one, SCALE, SEED)
        .await
        .expect("seed the first database");
    let b: Summary = seed_demo(&two, SCALE, SEED)
        .await
        .expect("seed the second database");
    assert_eq!(a, b);
    let (first_a, first_b) = (first_applicant(&one).await, first_applicant(&two).await);
    assert_eq!(first_a.full_name, first_b.full_name);
    assert_eq!(first_a.full_name, a.first_applicant_name);
    assert_eq!(first_a.subject, "doctor-0001");

    // What the summary reports is what the database holds.
    assert_eq!(
        institution::Entity::find().count(&one).await.unwrap() as usize,
        a.institutions
    );
    assert_eq!(
        course::Entity::find().count(&one).await.unwrap() as usize,
        a.courses
    );
    assert_eq!(
        applicant::Entity::find().count(&one).await.unwrap() as usize,
        a.applicants
    );
    assert_eq!(
        application::Entity::find().count(&one).await.unwrap() as usize,
        a.applications
    );
    assert_eq!(
        trainee::Entity::find().count(&one).await.unwrap() as usize,
        a.trainees
    );
    assert!(a.trainees > 0 && a.annual_reports > 0 && !a.idle_subjects.is_empty());

    // One cycle per year in sequence: finalized, then the one in its
    // selection, then the one being planned; the day is recorded.
    let phases: Vec<(i32, CyclePhase)> = recruitment_cycle::Entity::find()
        .order_by_asc(recruitment_cycle::Column::Year)
        .all(&one)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.year, c.phase))
        .collect();
    let expected: Vec<(i32, CyclePhase)> = (csc::seed::FIRST_YEAR..=PLANNING_YEAR)
        .map(|year| {
            let phase = match year {
                SELECTION_YEAR => CyclePhase::QuotasAllocated,
                PLANNING_YEAR => CyclePhase::Planning,
                _ => CyclePhase::SelectionFinalized,
            };
            (year, phase)
        })
        .collect();
    assert_eq!(phases, expected);
    assert_eq!(csc::demo::recorded_day(&one).await.unwrap(), Some(as_of()));
    assert_eq!(a.today, as_of());

    // doctor-0001 is a trainee; the summary's hospital is where it trains.
    let first_trainee = trainee::Entity::find()
        .filter(trainee::Column::ApplicantId.eq(first_a.id))
        .one(&one)
        .await
        .unwrap()
        .expect("doctor-0001 is a trainee");
    let its_course = course::Entity::find_by_id(first_trainee.course_id)
        .one(&one)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        a.first_trainee_institution.as_ref().map(|(id, _)| *id),
        Some(its_course.responsible_institution_id)
    );
    // A second run refuses to mix with what is there.
    assert!(seed_demo(&one, SCALE, SEED).await.is_err());
}

#[tokio::test]
async fn another_seed_gives_other_data() {
    let mut cleanup = Cleanup(Vec::new());
    let (one, two) = (fresh(&mut cleanup).await, fresh(&mut cleanup).await);
    seed_demo(&one, SCALE, 1).await.unwrap();
    seed_demo(&two, SCALE, 2).await.unwrap();
    let names = |db: DatabaseConnection| async move {
        applicant::Entity::find()
            .order_by_asc(applicant::Column::Id)
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.full_name)
            .collect::<Vec<_>>()
    };
    assert_ne!(names(one).await, names(two).await);
}

#[tokio::test]
async fn refuses_a_scale_out_of_range() {
    let mut cleanup = Cleanup(Vec::new());
    let db = fresh(&mut cleanup).await;
    assert!(seed_demo(&db, 0.0, SEED).await.is_err());
    assert!(seed_demo(&db, f64::NAN, SEED).await.is_err());
    assert!(seed_demo(&db, 1_000.0, SEED).await.is_err());
}

/// `seed-demo` obeys the rules the API enforces (docs/guideline.md): what
/// the board sees in the demo could have been made through the mutations.
#[tokio::test]
async fn the_demo_data_obeys_the_guideline() {
    use chrono::NaiveDate;
    use csc::domain::training::{self, CourseRules, EffortReport, PaperFacts, TraineeFacts};
    use csc::entity::enums::{ApplicationStatus, CourseStatus, DecisionStatus};
    use csc::entity::{
        course_partner_site, departure, extension, institution_certification, paper,
        quota_reduction, research_effort_report, sanction, society,
    };
    use std::collections::{BTreeMap, BTreeSet};

    let mut cleanup = Cleanup(Vec::new());
    let db = fresh(&mut cleanup).await;
    seed_demo(&db, 0.01, SEED).await.expect("seed");
    let courses = course::Entity::find().all(&db).await.unwrap();
    let by_id: BTreeMap<i64, &course::Model> = courses.iter().map(|c| (c.id, c)).collect();
    let societies: BTreeMap<i64, society::Model> = society::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s))
        .collect();

    // I.3(3): partners are certified in the course's field; I.3(1): insured.
    let certified: BTreeSet<(i64, i64)> = institution_certification::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.institution_id, c.society_id))
        .collect();
    for site in course_partner_site::Entity::find().all(&db).await.unwrap() {
        let course = by_id[&site.course_id];
        assert!(
            certified.contains(&(site.institution_id, course.society_id)),
            "partner {} of course {} is not certified in its field",
            site.institution_id,
            course.id
        );
    }
    assert!(courses.iter().all(|c| c.guarantee_social_insurance));

    // II.3(2): no course in a year the institution lost.
    for s in sanction::Entity::find().all(&db).await.unwrap() {
        let later = courses.iter().filter(|c| {
            c.responsible_institution_id == s.institution_id
                && c.year > s.from_year
                && c.year <= s.until_year
        });
        assert_eq!(later.count(), 0, "a course set while suspended: {s:?}");
    }

    // III.3 and I.2(2)④: adoptions within the seats left after cuts, each
    // with the basis of its decision.
    let reductions = quota_reduction::Entity::find().all(&db).await.unwrap();
    let applications = application::Entity::find().all(&db).await.unwrap();
    let mut seats: BTreeMap<(i64, i32), i64> = BTreeMap::new();
    for c in courses
        .iter()
        .filter(|c| c.status != CourseStatus::Withdrawn)
    {
        *seats
            .entry((c.responsible_institution_id, c.year))
            .or_default() += i64::from(c.requested_capacity);
    }
    for r in reductions.iter().filter(|r| r.cancelled_at.is_none()) {
        *seats.entry((r.institution_id, r.year)).or_default() -= i64::from(r.course_seats);
    }
    // A proposal to adopt takes its seat as the society makes it (I.2(2)④).
    let mut adopted: BTreeMap<(i64, i32), i64> = BTreeMap::new();
    for a in applications.iter().filter(|a| {
        a.status == ApplicationStatus::Adopted
            || (a.status == ApplicationStatus::Submitted
                && a.proposed_decision == Some(csc::entity::enums::Decision::Adopt))
    }) {
        assert!(
            a.status != ApplicationStatus::Adopted || a.decision_basis.is_some(),
            "{a:?}"
        );
        let c = by_id[&a.course_id];
        *adopted
            .entry((c.responsible_institution_id, c.year))
            .or_default() += 1;
    }
    for (key, n) in &adopted {
        assert!(
            *n <= seats[key],
            "{key:?}: {n} adopted, {} seats",
            seats[key]
        );
    }

    // III.1: approved extensions were agreed by the society (the board is
    // the society of 総合診療).
    let trainees = trainee::Entity::find().all(&db).await.unwrap();
    let trainee_course: BTreeMap<i64, i64> = trainees.iter().map(|t| (t.id, t.course_id)).collect();
    let extensions = extension::Entity::find().all(&db).await.unwrap();
    for e in extensions
        .iter()
        .filter(|e| e.status == DecisionStatus::Approved)
    {
        let society = &societies[&by_id[&trainee_course[&e.trainee_id]].society_id];
        assert!(
            society.operated_by_board || e.society_agreed == Some(true),
            "{e:?}"
        );
    }

    // III.3: a departure with special circumstances costs no seat.
    for d in departure::Entity::find().all(&db).await.unwrap() {
        if d.special_circumstances {
            let lifted = d.quota_reduction_id.is_none_or(|id| {
                reductions
                    .iter()
                    .any(|r| r.id == id && r.cancelled_at.is_some())
            });
            assert!(lifted, "{d:?}");
        }
    }

    // I.3: a confirmed completion meets every requirement on its day.
    let cycles: BTreeMap<i32, recruitment_cycle::Model> = recruitment_cycle::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.year, c))
        .collect();
    let papers = paper::Entity::find().all(&db).await.unwrap();
    let efforts = research_effort_report::Entity::find()
        .all(&db)
        .await
        .unwrap();
    let mut confirmed = 0;
    for t in trainees
        .iter()
        .filter(|t| t.completion_confirmed_on.is_some())
    {
        confirmed += 1;
        let cycle = &cycles[&by_id[&t.course_id].year];
        let own_papers: Vec<PaperFacts> = papers
            .iter()
            .filter(|p| p.trainee_id == t.id)
            .map(PaperFacts::from)
            .collect();
        let own_efforts: Vec<EffortReport> = efforts
            .iter()
            .filter(|r| r.trainee_id == t.id)
            .map(EffortReport::from)
            .collect();
        let facts = TraineeFacts {
            started_on: t.started_on,
            rules: CourseRules::from(cycle),
            approved_extension_months: training::approved_extension_months(
                extensions
                    .iter()
                    .filter(|e| e.trainee_id == t.id)
                    .map(|e| (e.status == DecisionStatus::Approved, e.months)),
            ),
            research_effort: &own_efforts,
            board_certified_on: t.board_certified_on,
            degree: t.degree.into(),
            papers: &own_papers,
            departed_on: None,
            completion_confirmed_on: t.completion_confirmed_on,
        };
        let on: NaiveDate = t.completion_confirmed_on.unwrap();
        assert!(training::unmet(&facts, on).is_empty(), "{t:?}");
    }
    eprintln!("{confirmed} confirmed completions checked");
}

/// The demo's day is in the selection window of one intake, with the next
/// intake's courses being set: what each role's first hour needs.
#[tokio::test]
async fn the_demo_day_is_in_a_selection_window() {
    use csc::entity::enums::Decision;
    use csc::entity::enums::{ApplicationOutcome, ApplicationStatus, CourseStatus};
    use csc::entity::{field_quota, society};

    let mut cleanup = Cleanup(Vec::new());
    let db = fresh(&mut cleanup).await;
    let summary = seed_demo(&db, csc::seed::DEFAULT_SCALE, csc::seed::DEFAULT_SEED)
        .await
        .expect("seed");
    let today = as_of();
    let internal_medicine = society::Entity::find()
        .filter(society::Column::Code.eq(csc::entity::enums::FieldCode::InternalMedicine))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let courses = course::Entity::find().all(&db).await.unwrap();
    let field_of = |id: i64| courses.iter().find(|c| c.id == id).unwrap().society_id;

    // The intake in selection: quotas allocated, nothing final yet, one
    // proposal (internal medicine's) waiting for the board.
    let selection = application::Entity::find()
        .filter(application::Column::Year.eq(SELECTION_YEAR))
        .all(&db)
        .await
        .unwrap();
    assert!(!selection.is_empty());
    assert!(
        selection
            .iter()
            .all(|a| a.outcome == ApplicationOutcome::Undecided
                && a.submitted_at.date_naive() < today)
    );
    let waiting: Vec<&application::Model> = selection
        .iter()
        .filter(|a| a.proposed_decision.is_some())
        .collect();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].proposed_decision, Some(Decision::Adopt));
    assert_eq!(field_of(waiting[0].course_id), internal_medicine);
    let quotas = field_quota::Entity::find()
        .filter(field_quota::Column::Year.eq(SELECTION_YEAR))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(quotas, 19);
    let trainees = trainee::Entity::find().all(&db).await.unwrap();
    assert!(trainees.iter().all(|t| t.started_on < today));

    // The doctor the summary names is still waiting, on internal medicine.
    let (subject, _) = summary.waiting_applicant.expect("a doctor waiting");
    let doctor = applicant::Entity::find()
        .filter(applicant::Column::Subject.eq(subject.as_str()))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let mine = selection
        .iter()
        .find(|a| a.applicant_id == doctor.id)
        .expect("its application");
    assert_eq!(mine.status, ApplicationStatus::Submitted);
    assert_eq!(mine.proposed_decision, None);
    assert_eq!(field_of(mine.course_id), internal_medicine);

    // The intake being planned: no applications, courses at several steps,
    // none of them dated after today.
    let planned: Vec<&course::Model> = courses.iter().filter(|c| c.year == PLANNING_YEAR).collect();
    let steps: std::collections::BTreeSet<String> =
        planned.iter().map(|c| format!("{:?}", c.status)).collect();
    assert!(steps.len() >= 3, "{steps:?}");
    assert!(planned.iter().all(|c| c.status != CourseStatus::Withdrawn));
    for c in &planned {
        for at in [
            Some(c.created_at),
            c.submitted_at,
            c.approved_at,
            c.published_at,
        ]
        .into_iter()
        .flatten()
        {
            assert!(at.date_naive() <= today, "{c:?}");
        }
    }
    let planned_applications = application::Entity::find()
        .filter(application::Column::Year.eq(PLANNING_YEAR))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(planned_applications, 0);
    assert!(!summary.idle_subjects.is_empty());
}
