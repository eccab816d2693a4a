//! Checks shared by the mutations: IDs, scopes and cycle phases.
//!
//! Each returns the contract error a client can branch on; mutations call
//! them inside their transaction, before changing anything.

use super::ids;
use crate::auth::Viewer;
use crate::entity::enums::{CyclePhase, FieldCode, Role};
use crate::entity::{course, recruitment_cycle, society};
use crate::error::{AppError, AppResult};
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
        let wanted: Vec<&str> = phases.iter().map(|p| phase_name(*p)).collect();
        Err(AppError::WrongPhase(format!(
            "the {} cycle is {}; this needs {}",
            cycle.year,
            phase_name(cycle.phase),
            wanted.join(" or ")
        )))
    }
}

pub fn phase_name(phase: CyclePhase) -> &'static str {
    match phase {
        CyclePhase::Planning => "PLANNING",
        CyclePhase::EarlyCallOpen => "EARLY_CALL_OPEN",
        CyclePhase::EarlyCallClosed => "EARLY_CALL_CLOSED",
        CyclePhase::QuotasAllocated => "QUOTAS_ALLOCATED",
        CyclePhase::SelectionFinalized => "SELECTION_FINALIZED",
    }
}

/// The course, locked for the transaction; NOT_FOUND when missing.
pub async fn course_for_update(conn: &impl ConnectionTrait, id: i64) -> AppResult<course::Model> {
    course::Entity::find_by_id(id)
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
