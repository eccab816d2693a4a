//! The course life cycle (`domain::course`): submitted, approved and
//! published, or withdrawn, or handed to another responsible institution
//! (II.3(1)); a course lost after the call opened suspends its former
//! institution (II.3(2)), and its applicants are told.

use super::{
    NAME_MAX, TEXT_MAX, course_and_cycle_for_update, course_target, require_course_scope,
    require_not_suspended, require_seats_after_cut, responsible_institution, text,
};
use crate::audit;
use crate::db::begin_write;
use crate::domain::course::{self as rules, Step};
use crate::domain::sanction::{self as suspension, Suspension};
use crate::entity::enums::{ApplicationStatus, AuditOutcome, CourseStatus, Role, SanctionReason};
use crate::entity::{
    application, course, course_partner_site, institution, recruitment_cycle, sanction,
};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::ops::guards::{calendar, course_refusal, parse_id, phase_name, society_by_id};
use crate::ops::{Caller, Operation};
use async_graphql::ID;
use chrono::Utc;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

/// `submitCourse`: DRAFT -> SUBMITTED.
pub struct SubmitCourse {
    pub id: ID,
}

/// `approveCourse`: SUBMITTED -> APPROVED (the board).
pub struct ApproveCourse {
    pub id: ID,
}

/// `publishCourse`: APPROVED -> PUBLISHED (the board).
pub struct PublishCourse {
    pub id: ID,
}

/// `withdrawCourse`: by its society or the board, until selection is final.
pub struct WithdrawCourse {
    pub id: ID,
    pub reason: String,
}

/// `reassignCourse`: to another responsible institution (the board).
pub struct ReassignCourse {
    pub id: ID,
    pub institution_id: ID,
    pub director: String,
}

impl Operation for SubmitCourse {
    const NAME: &'static str = "submitCourse";
    type Output = course::Model;

    fn target(&self) -> Option<ID> {
        course_target(&self.id)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<course::Model> {
        step_course(caller, Self::NAME, &self.id, Step::Submit).await
    }
}

impl Operation for ApproveCourse {
    const NAME: &'static str = "approveCourse";
    type Output = course::Model;

    fn target(&self) -> Option<ID> {
        course_target(&self.id)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<course::Model> {
        step_course(caller, Self::NAME, &self.id, Step::Approve).await
    }
}

impl Operation for PublishCourse {
    const NAME: &'static str = "publishCourse";
    type Output = course::Model;

    fn target(&self) -> Option<ID> {
        course_target(&self.id)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<course::Model> {
        step_course(caller, Self::NAME, &self.id, Step::Publish).await
    }
}

impl Operation for WithdrawCourse {
    const NAME: &'static str = "withdrawCourse";
    type Output = course::Model;

    fn target(&self) -> Option<ID> {
        course_target(&self.id)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<course::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin, Role::Society])?;
        let course_id = parse_id(&self.id, ids::COURSE, "id")?;
        let reason = text("reason", &self.reason, TEXT_MAX)?;

        let txn = begin_write(caller.db).await?;
        let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
        let society = society_by_id(&txn, course.society_id).await?;
        require_course_scope(viewer, &course, &society)?;
        let withdrawal = rules::withdraw(course.status.into(), cycle.phase.into())
            .map_err(|r| course_refusal(&cycle, r))?;

        let now = Utc::now();
        let institution_id = course.responsible_institution_id;
        let mut row: course::ActiveModel = course.into();
        row.status = Set(CourseStatus::Withdrawn);
        row.withdrawn_at = Set(Some(now));
        row.withdrawal_reason = Set(Some(reason.clone()));
        row.updated_at = Set(now);
        let row = row.update(&txn).await?;
        let suspension = if withdrawal.sanctions_institution {
            suspension_after_loss(&txn, &cycle).await?
        } else {
            None
        };
        let sanction = record_sanction(
            &txn,
            suspension,
            institution_id,
            row.id,
            SanctionReason::CourseWithdrawn,
        )
        .await?;
        let applications = live_applications(&txn, row.id).await?;

        let target = ids::encode(ids::COURSE, row.id);
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&target),
            AuditOutcome::Ok,
            format!(
                "withdrew course {} while {} ({reason}), {} live application(s){}",
                row.title,
                phase_name(cycle.phase),
                applications.len(),
                sanction_note(&sanction)
            ),
        )
        .await?;
        txn.commit().await?;
        caller
            .events
            .publish_applications(caller.db, &applications)
            .await;
        Ok(row)
    }
}

impl Operation for ReassignCourse {
    const NAME: &'static str = "reassignCourse";
    type Output = course::Model;

    fn target(&self) -> Option<ID> {
        course_target(&self.id)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<course::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let course_id = parse_id(&self.id, ids::COURSE, "id")?;
        let new_id = parse_id(&self.institution_id, ids::INSTITUTION, "institutionId")?;
        let director = text("director", &self.director, NAME_MAX)?;

        let txn = begin_write(caller.db).await?;
        let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
        let history = rules::History {
            submitted: course.submitted_at.is_some(),
            approved: course.approved_at.is_some(),
            published: course.published_at.is_some(),
        };
        let handover = rules::reassign(course.status.into(), history, cycle.phase.into())
            .map_err(|r| course_refusal(&cycle, r))?;
        let former_id = course.responsible_institution_id;
        if new_id == former_id {
            return Err(AppError::bad_input(
                "institutionId",
                "is already the responsible institution",
            ));
        }
        let new_institution =
            responsible_institution(&txn, new_id, course.year, "institutionId").await?;
        require_seats_after_cut(
            &txn,
            &new_institution,
            course.year,
            Some(course.id),
            course.requested_capacity,
        )
        .await?;

        course_partner_site::Entity::delete_many()
            .filter(course_partner_site::Column::CourseId.eq(course.id))
            .filter(course_partner_site::Column::InstitutionId.eq(new_institution.id))
            .exec(&txn)
            .await?;
        let reinstated = course.status == CourseStatus::Withdrawn;
        let mut row: course::ActiveModel = course.into();
        row.responsible_institution_id = Set(new_institution.id);
        row.director = Set(director);
        row.status = Set(handover.status.into());
        if reinstated {
            row.withdrawn_at = Set(None);
            row.withdrawal_reason = Set(None);
        }
        row.updated_at = Set(Utc::now());
        let row = row.update(&txn).await?;
        let suspension = if handover.sanctions_former_institution {
            suspension_after_loss(&txn, &cycle).await?
        } else {
            None
        };
        let sanction = record_sanction(
            &txn,
            suspension,
            former_id,
            row.id,
            SanctionReason::CourseChanged,
        )
        .await?;
        let applications = live_applications(&txn, row.id).await?;

        let target = ids::encode(ids::COURSE, row.id);
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&target),
            AuditOutcome::Ok,
            format!(
                "handed course {} from institution {former_id} to {} while {}{}, {} live application(s){}",
                row.title,
                new_institution.name,
                phase_name(cycle.phase),
                if reinstated {
                    format!(" (withdrawn; now {} again)", row.status.to_value())
                } else {
                    String::new()
                },
                applications.len(),
                sanction_note(&sanction)
            ),
        )
        .await?;
        txn.commit().await?;
        caller
            .events
            .publish_applications(caller.db, &applications)
            .await;
        Ok(row)
    }
}

async fn step_course(
    caller: Caller<'_>,
    operation: &str,
    raw_id: &ID,
    step: Step,
) -> AppResult<course::Model> {
    let viewer = caller.viewer;
    if step.board_only() {
        viewer.require(&[Role::Admin])?;
    } else {
        viewer.require(&[Role::Admin, Role::Society])?;
    }
    let course_id = parse_id(raw_id, ids::COURSE, "id")?;
    let txn = begin_write(caller.db).await?;
    let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
    if !step.board_only() {
        let society = society_by_id(&txn, course.society_id).await?;
        require_course_scope(viewer, &course, &society)?;
    }
    let to = rules::step(course.status.into(), step, cycle.phase.into())
        .map_err(|r| course_refusal(&cycle, r))?;
    // II.3(2): a course of a year the institution lost goes no further.
    let responsible = institution::Entity::find_by_id(course.responsible_institution_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal(format!("institution of course {course_id} missing")))?;
    require_not_suspended(&txn, &responsible, course.year).await?;

    let now = Utc::now();
    let mut row: course::ActiveModel = course.into();
    row.status = Set(to.into());
    row.updated_at = Set(now);
    match step {
        Step::Submit => row.submitted_at = Set(Some(now)),
        Step::Approve => row.approved_at = Set(Some(now)),
        Step::Publish => row.published_at = Set(Some(now)),
    }
    let row = row.update(&txn).await?;
    let target = ids::encode(ids::COURSE, row.id);
    audit::record(
        &txn,
        viewer,
        operation,
        Some(&target),
        AuditOutcome::Ok,
        format!("course {} is now {}", row.title, row.status.to_value()),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Records the sanction `suspension` of `institution_id` over `course_id`.
async fn record_sanction(
    conn: &impl ConnectionTrait,
    suspension: Option<Suspension>,
    institution_id: i64,
    course_id: i64,
    reason: SanctionReason,
) -> AppResult<Option<sanction::Model>> {
    let Some(s) = suspension else {
        return Ok(None);
    };
    let row = sanction::ActiveModel {
        institution_id: Set(institution_id),
        course_id: Set(Some(course_id)),
        reason: Set(reason),
        from_year: Set(s.from_year),
        until_year: Set(s.until_year),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Some(row))
}

/// II.3(2): the former institution's suspension after its course of
/// `cycle`'s year was lost while the cycle was in its current phase.
async fn suspension_after_loss(
    conn: &impl ConnectionTrait,
    cycle: &recruitment_cycle::Model,
) -> AppResult<Option<Suspension>> {
    let calendar = calendar(conn).await?;
    let years = u32::try_from(cycle.sanction_years).unwrap_or(0);
    Ok(suspension::after_course_lost(
        &calendar,
        cycle.year,
        cycle.phase.into(),
        years,
    ))
}

fn sanction_note(row: &Option<sanction::Model>) -> String {
    match row {
        Some(s) => format!(
            "; institution {} loses the right to set courses {}-{}",
            s.institution_id, s.from_year, s.until_year
        ),
        None => String::new(),
    }
}

/// The course's applications still waiting for a decision or adopted:
/// their applicants are told when the course is withdrawn or handed over.
async fn live_applications(
    conn: &impl ConnectionTrait,
    course_id: i64,
) -> AppResult<Vec<application::Model>> {
    Ok(application::Entity::find()
        .filter(application::Column::CourseId.eq(course_id))
        .filter(
            application::Column::Status
                .is_in([ApplicationStatus::Submitted, ApplicationStatus::Adopted]),
        )
        .order_by_asc(application::Column::Id)
        .all(conn)
        .await?)
}
