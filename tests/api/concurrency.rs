//! Nothing is oversold under concurrent requests: the last seat of a field
//! goes to exactly one ADOPT, and one applicant never holds two live
//! applications. Run on PostgreSQL (row locks) and on SQLite (one writer).

use crate::helpers::{TestApp, YEAR, error_code};
use csc::entity::application;
use csc::entity::enums::{ApplicationStatus, CourseStatus, CyclePhase, FieldCode};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use std::sync::Arc;

const CONTENDERS: usize = 50;
const RUNS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_adopts_for_the_last_seat_one_wins() {
    let app = Arc::new(TestApp::spawn().await);
    let hospital = app.insert_institution("東北大学病院").await;
    app.cycle(YEAR)
        .phase(CyclePhase::QuotasAllocated)
        .insert()
        .await;
    let field = FieldCode::InternalMedicine;
    let course = app
        .insert_course("内科コース", field, hospital, CourseStatus::Published)
        .await;
    // The course would hold everyone; the field has one seat.
    let mut course_row = csc::entity::course::Entity::find_by_id(course)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    course_row.requested_capacity = Set(100);
    course_row.update(&app.db).await.unwrap();
    app.field_quota(field, 1)
        .applicants(CONTENDERS as i32)
        .insert()
        .await;
    let mut ids = Vec::new();
    for i in 0..CONTENDERS {
        let applicant = app
            .insert_applicant(&format!("contender-{i}"), &format!("{}", 700_000 + i))
            .await;
        let id = app
            .insert_application(applicant, course, ApplicationStatus::Submitted)
            .await;
        ids.push(crate::helpers::gid("Application", id));
    }

    for run in 0..RUNS {
        application::Entity::update_many()
            .col_expr(
                application::Column::Status,
                Expr::value(ApplicationStatus::Submitted),
            )
            .filter(application::Column::CourseId.eq(course))
            .exec(&app.db)
            .await
            .unwrap();
        let admin = app.admin();
        let tasks: Vec<_> = ids
            .iter()
            .cloned()
            .map(|id| {
                let app = Arc::clone(&app);
                let admin = admin.clone();
                tokio::spawn(async move {
                    app.gql(
                        Some(&admin),
                        "mutation($id: ID!) { decideApplication(id: $id, decision: ADOPT) { status } }",
                        json!({ "id": id }),
                    )
                    .await
                    .1
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            let json = task.await.unwrap();
            match error_code(&json).as_deref() {
                None => won += 1,
                Some("QUOTA_EXCEEDED") => {}
                other => panic!("run {run}: unexpected {other:?}: {json}"),
            }
        }
        let adopted = application::Entity::find()
            .filter(application::Column::Status.eq(ApplicationStatus::Adopted))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!((won, adopted), (1, 1), "run {run}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_applications_of_one_applicant_leave_one_live() {
    let app = Arc::new(TestApp::spawn().await);
    let hospital = app.insert_institution("名古屋大学医学部附属病院").await;
    app.cycle(YEAR)
        .phase(CyclePhase::EarlyCallOpen)
        .insert()
        .await;
    let mut courses = Vec::new();
    for (i, field) in [
        FieldCode::InternalMedicine,
        FieldCode::Pediatrics,
        FieldCode::Surgery,
    ]
    .into_iter()
    .enumerate()
    {
        let id = app
            .insert_course(
                &format!("コース{i}"),
                field,
                hospital,
                CourseStatus::Published,
            )
            .await;
        courses.push(crate::helpers::gid("Course", id));
    }
    app.insert_applicant("eager", "800001").await;
    let token = app.applicant("eager");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let app = Arc::clone(&app);
            let token = token.clone();
            let course = courses[i % courses.len()].clone();
            tokio::spawn(async move {
                app.gql(
                    Some(&token),
                    "mutation($c: ID!) { submitApplication(input: { courseId: $c }) { id } }",
                    json!({ "c": course }),
                )
                .await
                .1
            })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        let json = task.await.unwrap();
        match error_code(&json).as_deref() {
            None => accepted += 1,
            Some("CONFLICT") => {}
            other => panic!("unexpected {other:?}: {json}"),
        }
    }
    let live = application::Entity::find()
        .filter(
            application::Column::Status
                .is_in([ApplicationStatus::Submitted, ApplicationStatus::Adopted]),
        )
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!((accepted, live), (1, 1));
}
