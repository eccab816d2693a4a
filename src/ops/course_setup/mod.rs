//! Setting up courses (guideline II.1, II.3): a society's yearly decision to
//! take part, the course life cycle DRAFT → SUBMITTED → APPROVED → PUBLISHED
//! (or WITHDRAWN), handing a course to another responsible institution, and
//! the loss of the right to set courses (sanctions). The rules themselves
//! are in `domain::course`, `domain::sanction` and `domain::departure`.
//!
//! Every operation runs in one write transaction that locks the cycle first
//! and then the course (the order the other cycle operations use), and
//! records its audit event inside that transaction.

mod courses;
mod life_cycle;
mod sanctions;
mod taking_part;

pub use courses::{CourseChanges, CreateCourse, ResearchHost, StatusGuarantee, UpdateCourse};
pub use life_cycle::{ApproveCourse, PublishCourse, ReassignCourse, SubmitCourse, WithdrawCourse};
pub use sanctions::SanctionInstitution;
pub use taking_part::SetParticipation;

use super::guards::{course_for_update, cycle_for_update, require_field_scope};
use super::seats;
use crate::auth::Viewer;
use crate::domain::course::{self as rules, Site};
use crate::domain::sanction::{self as suspension, Suspension};
use crate::domain::{departure, validate};
use crate::entity::enums::{CourseStatus, InstitutionKind, Role};
use crate::entity::{course, institution, recruitment_cycle, sanction, society};
use crate::error::{AppError, AppResult};
use crate::ids;
use async_graphql::ID;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Short free text: titles, names, directors.
const NAME_MAX: usize = 200;

/// Longer free text: curriculum, status guarantee, paper record, reasons.
const TEXT_MAX: usize = 2000;

const PARTNERS_MAX: usize = 100;

const YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;

/// A trimmed, validated text, or BAD_USER_INPUT naming `field`.
fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    validate::name(value, max).map_err(|m| AppError::bad_input(field, m))
}

/// What the course-setting rules read about an institution, for `field`.
fn site(row: &institution::Model, certified_in_field: bool) -> Site {
    Site {
        university_hospital: row.kind == InstitutionKind::UniversityHospital,
        national_center: row.kind == InstitutionKind::NationalCenter,
        certified_in_field,
    }
}

/// An institution that may be responsible for a course of `year`: a
/// university hospital or a national centre that has not lost the right.
async fn responsible_institution(
    conn: &impl ConnectionTrait,
    id: i64,
    year: i32,
    field: &str,
) -> AppResult<institution::Model> {
    let row = institution::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input(field, "no such institution"))?;
    rules::check_responsible(&site(&row, false)).map_err(|m| AppError::bad_input(field, m))?;
    require_not_suspended(conn, &row, year).await?;
    Ok(row)
}

/// INSTITUTION_SUSPENDED when a sanction of the institution covers `year`
/// (II.3(2)).
async fn require_not_suspended(
    conn: &impl ConnectionTrait,
    institution: &institution::Model,
    year: i32,
) -> AppResult<()> {
    let running: Vec<Suspension> = sanction::Entity::find()
        .filter(sanction::Column::InstitutionId.eq(institution.id))
        .filter(sanction::Column::UntilYear.gte(year))
        .all(conn)
        .await?
        .iter()
        .map(|s| Suspension {
            from_year: s.from_year,
            until_year: s.until_year,
        })
        .collect();
    match suspension::suspended_until(&running, year) {
        Some(until) => Err(AppError::InstitutionSuspended(format!(
            "{} has lost the right to set courses for {year} (until {until})",
            institution.name
        ))),
        None => Ok(()),
    }
}

/// III.3: after departures without special circumstances the institution's
/// courses of `year`, all together, must leave at least one seat beyond
/// those it lost (QUOTA_EXCEEDED). A seat, not a ban.
async fn require_seats_after_cut(
    conn: &impl ConnectionTrait,
    institution: &institution::Model,
    year: i32,
    course_id: Option<i64>,
    capacity: i32,
) -> AppResult<()> {
    let cut = seats::cut(conn, institution.id, year).await?;
    if cut == 0 {
        return Ok(());
    }
    let others = seats::offered(conn, institution.id, year, course_id).await?;
    let requested = others.saturating_add(capacity.max(0) as u32);
    departure::check_seats_after_cut(requested, cut)
        .map(|_| ())
        .map_err(|m| AppError::QuotaExceeded(format!("{} for {year}: {m}", institution.name)))
}

/// The canonical global ID of a course, for the audit of a refusal; `None`
/// when the client's ID is not a course ID.
fn course_target(raw: &ID) -> Option<ID> {
    ids::decode_kind(raw, ids::COURSE).map(|n| ids::encode(ids::COURSE, n))
}

/// Locks the course's cycle, then the course: the cycle is the coarser lock
/// and the one every phase change takes, so taking it first avoids deadlocks.
async fn course_and_cycle_for_update(
    conn: &impl ConnectionTrait,
    course_id: i64,
) -> AppResult<(course::Model, recruitment_cycle::Model)> {
    let year = course::Entity::find_by_id(course_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?
        .year;
    let cycle = cycle_for_update(conn, year).await.map_err(|e| match e {
        AppError::NotFound => {
            AppError::Internal(format!("the cycle of course {course_id} is missing"))
        }
        e => e,
    })?;
    let course = course_for_update(conn, course_id).await?;
    Ok((course, cycle))
}

/// The board may act on any course; a society on the courses of its field.
/// A society asking about another field's course that it may not see gets
/// NOT_FOUND, so the answer does not reveal that the course exists.
fn require_course_scope(
    viewer: &Viewer,
    course: &course::Model,
    society: &society::Model,
) -> AppResult<()> {
    if viewer.role == Some(Role::Society)
        && viewer.society_id != Some(course.society_id)
        && course.status != CourseStatus::Published
    {
        return Err(AppError::NotFound);
    }
    require_field_scope(viewer, society)
}
