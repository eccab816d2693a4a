//! A trainee's record (`entity::facts::TraineeRecord`) read inside a
//! write's transaction, and what the rules make of it.

use crate::domain::training::{self, Requirement};
use crate::entity::enums::TraineePhase;
use crate::entity::facts::TraineeRecord;
use crate::entity::record::{self, RecordKey};
use crate::entity::trainee;
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr};

/// The record of `row`, read through `db` (e.g. a write's transaction) in
/// one statement (`entity::record`).
pub async fn load(db: &impl ConnectionTrait, row: &trainee::Model) -> Result<TraineeRecord, DbErr> {
    let key = RecordKey {
        trainee: row.id,
        course: row.course_id,
    };
    record::read_one(db, key).await
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
