//! Checks shared by the mutations: IDs, scopes and cycle phases.
//!
//! Each returns the contract error a client can branch on; mutations call
//! them inside their transaction, before changing anything.

use crate::auth::Viewer;
use crate::domain::course;
use crate::domain::cycle::{Calendar, Phase};
use crate::entity::enums::{CyclePhase, FieldCode, Role};
use crate::entity::{recruitment_cycle, society};
use crate::error::{AppError, AppResult};
use crate::ids;
use async_graphql::ID;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// The number inside a global ID of type `kind`; anything else is bad input
/// naming `field`.
pub fn parse_id(raw: &ID, kind: &str, field: &str) -> AppResult<i64> {
    ids::decode_kind(raw, kind)
        .ok_or_else(|| AppError::bad_input(field, format!("not a {kind} ID")))
}

/// The society may act for its own field; the board for every field, and it
/// alone for GENERAL_PRACTICE, where it is the society (guideline II.1).
pub fn require_field_scope(viewer: &Viewer, society: &society::Model) -> AppResult<()> {
    match viewer.role {
        Some(Role::Admin) => Ok(()),
        Some(Role::Society)
            if society.code != FieldCode::GeneralPractice
                && viewer.society_id == Some(society.id) =>
        {
            Ok(())
        }
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::Unauthenticated),
    }
}

/// The cycle of `year`, locked for the rest of the transaction on PostgreSQL
/// (SQLite write transactions are already exclusive).
pub async fn cycle_for_update(
    conn: &impl ConnectionTrait,
    year: i32,
) -> AppResult<recruitment_cycle::Model> {
    recruitment_cycle::Entity::find()
        .filter(recruitment_cycle::Column::Year.eq(year))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The cycle of `year` under a shared lock (PostgreSQL): many applications
/// and decisions proceed at once, but the phase cannot change under them.
/// Lock order everywhere: the cycle first, then the rows inside it.
pub async fn cycle_for_share(
    conn: &impl ConnectionTrait,
    year: i32,
) -> AppResult<recruitment_cycle::Model> {
    recruitment_cycle::Entity::find()
        .filter(recruitment_cycle::Column::Year.eq(year))
        .lock_shared()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Fails WRONG_PHASE unless the cycle is in one of `phases`.
pub fn require_phase(cycle: &recruitment_cycle::Model, phases: &[CyclePhase]) -> AppResult<()> {
    if phases.contains(&cycle.phase) {
        Ok(())
    } else {
        let phases: Vec<Phase> = phases.iter().map(|p| Phase::from(*p)).collect();
        Err(wrong_phase(cycle, &phases))
    }
}

/// WRONG_PHASE naming the cycle's phase and the ones wanted.
pub fn wrong_phase(cycle: &recruitment_cycle::Model, wanted: &[Phase]) -> AppError {
    let wanted: Vec<&str> = wanted.iter().map(|p| p.name()).collect();
    AppError::WrongPhase(format!(
        "the {} cycle is {}; this needs {}",
        cycle.year,
        phase_name(cycle.phase),
        wanted.join(" or ")
    ))
}

/// A refusal of the course life cycle (`domain::course`) as the wire error.
pub fn course_refusal(cycle: &recruitment_cycle::Model, refusal: course::Refusal) -> AppError {
    match refusal {
        course::Refusal::Status(message) => AppError::Conflict(message.into()),
        course::Refusal::Phase(wanted) => wrong_phase(cycle, wanted),
    }
}

pub fn phase_name(phase: CyclePhase) -> &'static str {
    Phase::from(phase).name()
}

/// Every cycle's year and phase: what the calendar rules read (a row a
/// year, a few dozen at most).
pub async fn calendar(conn: &impl ConnectionTrait) -> AppResult<Calendar> {
    let rows: Vec<(i32, CyclePhase)> = recruitment_cycle::Entity::find()
        .select_only()
        .column(recruitment_cycle::Column::Year)
        .column(recruitment_cycle::Column::Phase)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Calendar::new(
        rows.into_iter().map(|(y, p)| (y, p.into())).collect(),
    ))
}

/// The course, locked for the transaction; NOT_FOUND when missing.
pub async fn course_for_update(
    conn: &impl ConnectionTrait,
    id: i64,
) -> AppResult<crate::entity::course::Model> {
    crate::entity::course::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The society row of a course or field quota.
pub async fn society_by_id(conn: &impl ConnectionTrait, id: i64) -> AppResult<society::Model> {
    society::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::Internal(format!("society {id} missing")))
}

pub async fn society_by_code(
    conn: &impl ConnectionTrait,
    code: FieldCode,
) -> AppResult<society::Model> {
    society::Entity::find()
        .filter(society::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::Internal(format!("society {code:?} missing")))
}
