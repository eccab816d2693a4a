//! `csc seed-demo`: the same seed gives the same data, and it lands whole.
//! SQLite files by default; PostgreSQL schemas when `TEST_DATABASE_URL` is set.

use csc::config::DatabaseConfig;
use csc::entity::enums::CyclePhase;
use csc::entity::{applicant, application, course, institution, recruitment_cycle, trainee};
use csc::seed::{OPEN_YEAR, Summary, seed_demo};
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
                database_max_connections: 2,
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
                database_max_connections: 2,
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

    // The open cycle takes applications; doctor-0001 is a trainee.
    let open = recruitment_cycle::Entity::find()
        .filter(recruitment_cycle::Column::Year.eq(OPEN_YEAR))
        .one(&one)
        .await
        .unwrap()
        .expect("the open cycle");
    assert_eq!(open.phase, CyclePhase::EarlyCallOpen);
    let first_trainee = trainee::Entity::find()
        .filter(trainee::Column::ApplicantId.eq(first_a.id))
        .one(&one)
        .await
        .unwrap();
    assert!(first_trainee.is_some(), "doctor-0001 is a trainee");

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
