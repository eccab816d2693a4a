//! A trainee's record (`entity::facts::TraineeRecord`) read inside a
//! write's transaction, and what the rules make of it.

use crate::domain::training::{self, CourseRules, Requirement};
use crate::entity::enums::TraineePhase;
use crate::entity::facts::TraineeRecord;
use crate::entity::{
    course, departure, extension, paper, recruitment_cycle, research_effort_report, study_abroad,
    trainee,
};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// The record of `row`, read through `db` (e.g. a write's transaction).
pub async fn load(db: &impl ConnectionTrait, row: &trainee::Model) -> Result<TraineeRecord, DbErr> {
    let course = course::Entity::find_by_id(row.course_id).one(db).await?;
    let cycle = match course {
        Some(c) => {
            recruitment_cycle::Entity::find()
                .filter(recruitment_cycle::Column::Year.eq(c.year))
                .one(db)
                .await?
        }
        None => None,
    };
    let rules = cycle.map_or(CourseRules::GUIDELINE_2020, |c| CourseRules::from(&c));
    Ok(TraineeRecord {
        rules,
        papers: paper::Entity::find()
            .filter(paper::Column::TraineeId.eq(row.id))
            .order_by_asc(paper::Column::Id)
            .all(db)
            .await?,
        extensions: extension::Entity::find()
            .filter(extension::Column::TraineeId.eq(row.id))
            .order_by_asc(extension::Column::Id)
            .all(db)
            .await?,
        study_abroad: study_abroad::Entity::find()
            .filter(study_abroad::Column::TraineeId.eq(row.id))
            .order_by_asc(study_abroad::Column::StartsOn)
            .all(db)
            .await?,
        departure: departure::Entity::find()
            .filter(departure::Column::TraineeId.eq(row.id))
            .one(db)
            .await?,
        efforts: research_effort_report::Entity::find()
            .filter(research_effort_report::Column::TraineeId.eq(row.id))
            .order_by_asc(research_effort_report::Column::Year)
            .all(db)
            .await?,
    })
}

/// The phase of `row` on `today`, read through `conn` (e.g. a mutation's
/// transaction), exactly as `Trainee.phase` computes it.
pub async fn phase_on(
    conn: &impl ConnectionTrait,
    row: &trainee::Model,
    today: NaiveDate,
) -> Result<TraineePhase, DbErr> {
    let record = load(conn, row).await?;
    let converted = record.converted();
    Ok(training::phase(&record.facts(row, &converted), today).into())
}

/// The completion requirements `row` does not meet on `today`.
pub async fn unmet_on(
    conn: &impl ConnectionTrait,
    row: &trainee::Model,
    today: NaiveDate,
) -> Result<Vec<Requirement>, DbErr> {
    let record = load(conn, row).await?;
    let converted = record.converted();
    Ok(training::unmet(&record.facts(row, &converted), today))
}
