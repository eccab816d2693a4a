//! Applications in the early call: submitting with the parallel general
//! application (併願), withdrawing, and the adoption decisions.

use super::applicant::facts;
use super::application::Application;
use super::audit;
use super::context::{db, viewer};
use super::guards::{
    cycle_for_share, parse_id, require_field_scope, require_phase, society_by_code,
};
use super::ids;
use super::recruitment::adopted_in_field;
use super::subscription::bus;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::eligibility::{Ineligibility, ineligibility};
use crate::domain::validate;
use crate::entity::enums::{
    ApplicationOutcome, ApplicationStatus, AuditOutcome, CourseStatus, CyclePhase, FieldCode,
    GeneralApplicationStatus, Role,
};
use crate::entity::{
    applicant, application, course, field_quota, general_application, institution,
};
use crate::error::{AppError, AppResult};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Set,
};

#[derive(InputObject)]
pub struct GeneralApplicationInput {
    pub program_name: String,
    pub field: FieldCode,
    pub institution_id: ID,
}

#[derive(InputObject)]
pub struct SubmitApplicationInput {
    pub course_id: ID,
    /// the parallel general application, if already made; it can be added later
    pub general_application: Option<GeneralApplicationInput>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Adopt,
    NotAdopt,
}

#[derive(Default)]
pub struct ApplyingMutation;

#[Object]
impl ApplyingMutation {
    /// while EARLY_CALL_OPEN; one live application per applicant and cycle
    async fn submit_application(
        &self,
        ctx: &Context<'_>,
        input: SubmitApplicationInput,
    ) -> Result<Application> {
        let result = submit_application(db(ctx), viewer(ctx), input).await;
        audit::record_refusal(ctx, "submitApplication", None, &result).await;
        let row = result?;
        bus(ctx)
            .publish_applications(db(ctx), std::slice::from_ref(&row))
            .await;
        Ok(Application(row))
    }

    /// the parallel general application, added or replaced until selection is final
    async fn set_general_application(
        &self,
        ctx: &Context<'_>,
        application_id: ID,
        input: GeneralApplicationInput,
    ) -> Result<Application> {
        let result = set_general_application(db(ctx), viewer(ctx), &application_id, input).await;
        audit::record_refusal(ctx, "setGeneralApplication", Some(&application_id), &result).await;
        Ok(Application(result?))
    }

    /// The applicant, or the board, withdraws a live application until the selection is final.
    async fn withdraw_application(&self, ctx: &Context<'_>, id: ID) -> Result<Application> {
        let result = withdraw_application(db(ctx), viewer(ctx), &id).await;
        audit::record_refusal(ctx, "withdrawApplication", Some(&id), &result).await;
        let row = result?;
        bus(ctx)
            .publish_applications(db(ctx), std::slice::from_ref(&row))
            .await;
        Ok(Application(row))
    }

    /// while QUOTAS_ALLOCATED; ADOPT fails with QUOTA_EXCEEDED past the field quota or the course capacity
    async fn decide_application(
        &self,
        ctx: &Context<'_>,
        id: ID,
        decision: Decision,
    ) -> Result<Application> {
        let result = decide_application(db(ctx), viewer(ctx), &id, decision).await;
        audit::record_refusal(ctx, "decideApplication", Some(&id), &result).await;
        let row = result?;
        bus(ctx)
            .publish_applications(db(ctx), std::slice::from_ref(&row))
            .await;
        Ok(Application(row))
    }
}

/// The registered applicant behind an APPLICANT token.
fn applicant_id(viewer: &Viewer) -> AppResult<i64> {
    viewer.require(&[Role::Applicant])?;
    viewer.applicant_id.ok_or(AppError::Forbidden)
}

/// Checks a general application's fields and turns them into a row.
async fn general_row(
    txn: &DatabaseTransaction,
    input: GeneralApplicationInput,
    field_prefix: &str,
) -> AppResult<general_application::ActiveModel> {
    let program_name = validate::name(&input.program_name, 200)
        .map_err(|m| AppError::bad_input(format!("{field_prefix}.programName"), m))?;
    let institution_field = format!("{field_prefix}.institutionId");
    let institution_id = parse_id(&input.institution_id, ids::INSTITUTION, &institution_field)?;
    if institution::Entity::find_by_id(institution_id)
        .one(txn)
        .await?
        .is_none()
    {
        return Err(AppError::bad_input(
            institution_field,
            "no such institution",
        ));
    }
    let society = society_by_code(txn, input.field).await?;
    Ok(general_application::ActiveModel {
        program_name: Set(program_name),
        society_id: Set(society.id),
        institution_id: Set(institution_id),
        status: Set(GeneralApplicationStatus::Pending),
        created_at: Set(Utc::now()),
        activated_at: Set(None),
        ..Default::default()
    })
}

fn audit_target(row: &application::Model) -> ID {
    ids::encode(ids::APPLICATION, row.id)
}

async fn submit_application(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: SubmitApplicationInput,
) -> AppResult<application::Model> {
    let applicant_id = applicant_id(viewer)?;
    let course_id = parse_id(&input.course_id, ids::COURSE, "input.courseId")?;
    let txn = begin_write(db).await?;
    let course = course::Entity::find_by_id(course_id).one(&txn).await?;
    // A course not (or no longer) published is not there for applicants.
    let course = course
        .filter(|c| c.status == CourseStatus::Published)
        .ok_or(AppError::NotFound)?;
    let cycle = cycle_for_share(&txn, course.year).await?;
    require_phase(&cycle, &[CyclePhase::EarlyCallOpen])?;
    let applicant = applicant::Entity::find_by_id(applicant_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Forbidden)?;
    let reasons = ineligibility(&facts(&applicant), course.year);
    if !reasons.is_empty() {
        return Err(AppError::Ineligible(
            reasons.iter().map(|r| reason_name(*r).to_owned()).collect(),
        ));
    }
    let live = application::Entity::find()
        .filter(application::Column::ApplicantId.eq(applicant_id))
        .filter(application::Column::Year.eq(course.year))
        .filter(
            application::Column::Status
                .is_in([ApplicationStatus::Submitted, ApplicationStatus::Adopted]),
        )
        .count(&txn)
        .await?;
    if live > 0 {
        return Err(AppError::Conflict(
            "the applicant already has a live application in this cycle".into(),
        ));
    }
    let general = match input.general_application {
        Some(g) => Some(general_row(&txn, g, "input.generalApplication").await?),
        None => None,
    };
    // The partial unique index refuses a second live application that
    // slipped past the check above at the same moment (→ CONFLICT).
    let row = application::ActiveModel {
        applicant_id: Set(applicant_id),
        course_id: Set(course.id),
        year: Set(course.year),
        status: Set(ApplicationStatus::Submitted),
        outcome: Set(ApplicationOutcome::Undecided),
        submitted_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(mut g) = general {
        g.application_id = Set(row.id);
        g.insert(&txn).await?;
    }
    let summary = format!(
        "applied to course {}",
        ids::encode(ids::COURSE, course.id).0
    );
    audit::record(
        &txn,
        viewer,
        "submitApplication",
        Some(&audit_target(&row)),
        AuditOutcome::Ok,
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub fn reason_name(r: Ineligibility) -> &'static str {
    match r {
        Ineligibility::ObligatedServiceGraduate => "OBLIGATED_SERVICE_GRADUATE",
        Ineligibility::RegionalQuotaObligation => "REGIONAL_QUOTA_OBLIGATION",
        Ineligibility::InitialTrainingIncomplete => "INITIAL_TRAINING_INCOMPLETE",
    }
}

/// The application of a global ID, read without a lock (to find its cycle).
async fn find_application(
    txn: &DatabaseTransaction,
    raw: &ID,
    field: &str,
) -> AppResult<application::Model> {
    let id = parse_id(raw, ids::APPLICATION, field)?;
    application::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The application again, locked, once its cycle is locked.
async fn lock_application(txn: &DatabaseTransaction, id: i64) -> AppResult<application::Model> {
    application::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

fn is_live(row: &application::Model) -> bool {
    matches!(
        row.status,
        ApplicationStatus::Submitted | ApplicationStatus::Adopted
    )
}

async fn set_general_application(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw: &ID,
    input: GeneralApplicationInput,
) -> AppResult<application::Model> {
    let applicant_id = applicant_id(viewer)?;
    let txn = begin_write(db).await?;
    let found = find_application(&txn, raw, "applicationId").await?;
    if found.applicant_id != applicant_id {
        return Err(AppError::Forbidden);
    }
    let cycle = cycle_for_share(&txn, found.year).await?;
    let row = lock_application(&txn, found.id).await?;
    require_phase(
        &cycle,
        &[
            CyclePhase::EarlyCallOpen,
            CyclePhase::EarlyCallClosed,
            CyclePhase::QuotasAllocated,
        ],
    )?;
    if !is_live(&row) {
        return Err(AppError::Conflict(
            "the application is no longer live".into(),
        ));
    }
    let mut general = general_row(&txn, input, "input").await?;
    general_application::Entity::delete_many()
        .filter(general_application::Column::ApplicationId.eq(row.id))
        .exec(&txn)
        .await?;
    general.application_id = Set(row.id);
    general.insert(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "setGeneralApplication",
        Some(&audit_target(&row)),
        AuditOutcome::Ok,
        "set the parallel general application".into(),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn withdraw_application(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw: &ID,
) -> AppResult<application::Model> {
    viewer.require(&[Role::Applicant, Role::Admin])?;
    let txn = begin_write(db).await?;
    let found = find_application(&txn, raw, "id").await?;
    if !viewer.is_admin() && viewer.applicant_id != Some(found.applicant_id) {
        return Err(AppError::Forbidden);
    }
    let cycle = cycle_for_share(&txn, found.year).await?;
    let row = lock_application(&txn, found.id).await?;
    require_phase(
        &cycle,
        &[
            CyclePhase::EarlyCallOpen,
            CyclePhase::EarlyCallClosed,
            CyclePhase::QuotasAllocated,
        ],
    )?;
    if !is_live(&row) {
        return Err(AppError::Conflict(
            "the application is no longer live".into(),
        ));
    }
    let mut active = row.into_active_model();
    active.status = Set(ApplicationStatus::Withdrawn);
    active.withdrawn_at = Set(Some(Utc::now()));
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "withdrawApplication",
        Some(&audit_target(&row)),
        AuditOutcome::Ok,
        "withdrawn".into(),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// ADOPT holds the field's quota row locked while it counts, so concurrent
/// adoptions in one field are decided one after the other and the quota
/// and the course capacity can never be passed.
async fn decide_application(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw: &ID,
    decision: Decision,
) -> AppResult<application::Model> {
    viewer.require(&[Role::Society, Role::Admin])?;
    let txn = begin_write(db).await?;
    let found = find_application(&txn, raw, "id").await?;
    let course = course::Entity::find_by_id(found.course_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal("application without its course".into()))?;
    let society = super::guards::society_by_id(&txn, course.society_id).await?;
    require_field_scope(viewer, &society)?;
    let cycle = cycle_for_share(&txn, course.year).await?;
    require_phase(&cycle, &[CyclePhase::QuotasAllocated])?;
    let quota = field_quota::Entity::find()
        .filter(field_quota::Column::Year.eq(course.year))
        .filter(field_quota::Column::SocietyId.eq(course.society_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::Internal("quotas allocated but the field has no quota row".into())
        })?;
    // Read the application only now, under the field lock, so a concurrent
    // decision on it has committed and is seen.
    let row = lock_application(&txn, found.id).await?;
    if row.status == ApplicationStatus::Withdrawn {
        return Err(AppError::Conflict("the application was withdrawn".into()));
    }
    let status = match decision {
        Decision::NotAdopt => ApplicationStatus::NotAdopted,
        Decision::Adopt => {
            if course.status == CourseStatus::Withdrawn {
                return Err(AppError::Conflict("the course was withdrawn".into()));
            }
            if row.status != ApplicationStatus::Adopted {
                let in_field = adopted_in_field(&txn, course.year, course.society_id).await?;
                if in_field + 1 > quota.quota.max(0) as u64 {
                    return Err(AppError::QuotaExceeded(format!(
                        "the field's quota of {} is filled",
                        quota.quota
                    )));
                }
                let in_course = application::Entity::find()
                    .filter(application::Column::CourseId.eq(course.id))
                    .filter(application::Column::Status.eq(ApplicationStatus::Adopted))
                    .count(&txn)
                    .await?;
                if in_course + 1 > course.requested_capacity.max(0) as u64 {
                    return Err(AppError::QuotaExceeded(format!(
                        "the course's capacity of {} is filled",
                        course.requested_capacity
                    )));
                }
            }
            ApplicationStatus::Adopted
        }
    };
    let mut active = row.into_active_model();
    active.status = Set(status);
    active.decided_at = Set(Some(Utc::now()));
    let row = active.update(&txn).await?;
    let summary = format!("decided {:?}", status);
    audit::record(
        &txn,
        viewer,
        "decideApplication",
        Some(&audit_target(&row)),
        AuditOutcome::Ok,
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
