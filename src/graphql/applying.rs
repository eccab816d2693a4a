//! Applications in the early call: submitting with the parallel general
//! application (併願), withdrawing, and the adoption decisions: a society
//! proposes, the board decides or confirms (I.2(2)④, `domain::selection`).

use super::applicant::facts;
use super::application::Application;
use super::audit;
use super::context::{db, viewer};
use super::guards::{
    cycle_for_share, parse_id, require_field_scope, require_phase, society_by_code,
};
use super::ids;
use super::seats;
use super::subscription::bus;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::eligibility::{Ineligibility, ineligibility};
use crate::domain::selection::{self, Decider, Effect, Room};
use crate::domain::validate;
use crate::entity::enums::{
    ApplicationOutcome, ApplicationStatus, AuditOutcome, CourseStatus, CyclePhase, Decision,
    DecisionBasis, FieldCode, GeneralApplicationStatus, Role,
};
use crate::entity::{
    applicant, application, course, field_quota, general_application, institution,
    recruitment_cycle,
};
use crate::error::{AppError, AppResult};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, Set,
};

/// A parallel application (併願) to a regular specialty training program
/// (II.2(3)): the doctor's fallback if not adopted.
#[derive(InputObject)]
pub struct GeneralApplicationInput {
    /// The regular program's name, 1 to 200 characters.
    pub program_name: String,
    /// The program's basic field; it need not be the course's.
    pub field: FieldCode,
    /// The hospital running the program (an Institution ID).
    pub institution_id: ID,
}

/// An application to a course in the early call.
#[derive(InputObject)]
pub struct SubmitApplicationInput {
    /// The course applied to (a Course ID): a PUBLISHED one, else NOT_FOUND.
    pub course_id: ID,
    /// the parallel general application, if already made; it can be added later
    pub general_application: Option<GeneralApplicationInput>,
}

#[derive(Default)]
pub struct ApplyingMutation;

#[Object]
impl ApplyingMutation {
    /// while EARLY_CALL_OPEN; one live application per applicant and cycle.
    /// An application to a course that was withdrawn (and not handed to
    /// another institution) does not hold the applicant back: it is
    /// withdrawn in the same step, and its parallel general application
    /// moves to the new one unless the input gives another (II.3(1)).
    /// APPLICANT only, for itself once registered (before: FORBIDDEN);
    /// INELIGIBLE lists every reason that bars the doctor (I.2(1)).
    async fn submit_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The course, and the parallel application if already made.")]
        input: SubmitApplicationInput,
    ) -> Result<Application> {
        let result = submit_application(db(ctx), viewer(ctx), input).await;
        audit::record_refusal(ctx, "submitApplication", None, &result).await;
        let (row, replaced) = result?;
        let mut changed = vec![row.clone()];
        changed.extend(replaced);
        bus(ctx).publish_applications(db(ctx), &changed).await;
        Ok(Application(row))
    }

    /// the parallel general application, added or replaced until selection is final:
    /// by the doctor (APPLICANT) on its own live application, from
    /// EARLY_CALL_OPEN to QUOTAS_ALLOCATED.
    async fn set_general_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The doctor's own live application (an Application ID); another's is FORBIDDEN."
        )]
        application_id: ID,
        #[graphql(desc = "The parallel application; it replaces the one on record, if any.")]
        input: GeneralApplicationInput,
    ) -> Result<Application> {
        let result = set_general_application(db(ctx), viewer(ctx), &application_id, input).await;
        audit::record_refusal(ctx, "setGeneralApplication", Some(&application_id), &result).await;
        Ok(Application(result?))
    }

    /// The applicant, or the board, withdraws a live application until the selection is final
    /// (EARLY_CALL_OPEN to QUOTAS_ALLOCATED; one no longer live is
    /// CONFLICT). Its parallel application stays: the doctor falls back to
    /// it like any doctor not adopted.
    async fn withdraw_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application to withdraw (an Application ID); a doctor's own only.")]
        id: ID,
    ) -> Result<Application> {
        let result = withdraw_application(db(ctx), viewer(ctx), &id).await;
        audit::record_refusal(ctx, "withdrawApplication", Some(&id), &result).await;
        let row = result?;
        bus(ctx)
            .publish_applications(db(ctx), std::slice::from_ref(&row))
            .await;
        Ok(Application(row))
    }

    /// while QUOTAS_ALLOCATED; ADOPT fails with QUOTA_EXCEEDED past the field quota or the course capacity,
    /// or the seats the institution has left after departures (III.3); a
    /// society's proposals count against them too. The board (ADMIN)
    /// decides; the society of the course's field proposes, and its proposal
    /// is final once the board confirms it (confirmDecision) (I.2(2)④).
    async fn decide_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The application decided on (an Application ID); a withdrawn one is CONFLICT."
        )]
        id: ID,
        #[graphql(desc = "Adopt or not; it may change until the selection is final.")]
        decision: Decision,
    ) -> Result<Application> {
        let result = decide_application(db(ctx), viewer(ctx), &id, decision).await;
        audit::record_refusal(ctx, "decideApplication", Some(&id), &result).await;
        let row = result?;
        // A proposal changes no status: only a decision is announced.
        if row.proposed_decision.is_none() {
            bus(ctx)
                .publish_applications(db(ctx), std::slice::from_ref(&row))
                .await;
        }
        Ok(Application(row))
    }

    /// The board (ADMIN) confirms the decision the society proposed: it
    /// becomes the application's status, decided on the society's proposal.
    /// While QUOTAS_ALLOCATED; CONFLICT when nothing is proposed.
    async fn confirm_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The application with the society's pending proposal (an Application ID)."
        )]
        id: ID,
    ) -> Result<Application> {
        let result = confirm_decision(db(ctx), viewer(ctx), &id).await;
        audit::record_refusal(ctx, "confirmDecision", Some(&id), &result).await;
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
) -> AppResult<(application::Model, Option<application::Model>)> {
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
        .lock_exclusive()
        .one(&txn)
        .await?;
    let replaced = match live {
        Some(old) => Some(release_withdrawn_course(&txn, old).await?),
        None => None,
    };
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
    let carried = match (general, &replaced) {
        (Some(mut g), _) => {
            g.application_id = Set(row.id);
            g.insert(&txn).await?;
            false
        }
        (None, Some(old)) => {
            // The parallel application was made for the cycle, not the
            // course: it follows the applicant to the new course.
            general_application::Entity::update_many()
                .col_expr(
                    general_application::Column::ApplicationId,
                    sea_orm::sea_query::Expr::value(row.id),
                )
                .filter(general_application::Column::ApplicationId.eq(old.id))
                .exec(&txn)
                .await?
                .rows_affected
                > 0
        }
        (None, None) => false,
    };
    let mut summary = format!(
        "applied to course {}",
        ids::encode(ids::COURSE, course.id).0
    );
    if let Some(old) = &replaced {
        summary.push_str(&format!(
            "; withdrew application {} to the withdrawn course {}{}",
            audit_target(old).0,
            ids::encode(ids::COURSE, old.course_id).0,
            if carried {
                ", its general application carried over"
            } else {
                ""
            }
        ));
    }
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
    Ok((row, replaced))
}

/// The applicant's live application `old` stands in the way of a new one,
/// unless its course was withdrawn (II.3(1)): then it is withdrawn here.
async fn release_withdrawn_course(
    txn: &DatabaseTransaction,
    old: application::Model,
) -> AppResult<application::Model> {
    let course_withdrawn = course::Entity::find_by_id(old.course_id)
        .one(txn)
        .await?
        .is_some_and(|c| c.status == CourseStatus::Withdrawn);
    if !course_withdrawn || old.status != ApplicationStatus::Submitted {
        return Err(AppError::Conflict(
            "the applicant already has a live application in this cycle".into(),
        ));
    }
    let mut active = old.into_active_model();
    active.status = Set(ApplicationStatus::Withdrawn);
    active.withdrawn_at = Set(Some(Utc::now()));
    Ok(active.update(txn).await?)
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

/// The application, its course and cycle, and the field's quota row, locked
/// in the order every decision takes them: the cycle (shared), the field's
/// quota row, then the application. Holding the field's row while counting
/// decides concurrent adoptions in one field one after the other, so no
/// limit can be passed.
struct Deciding {
    row: application::Model,
    course: course::Model,
    quota: field_quota::Model,
}

async fn lock_for_decision(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    raw: &ID,
) -> AppResult<Deciding> {
    let found = find_application(txn, raw, "id").await?;
    let course = course::Entity::find_by_id(found.course_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("application without its course".into()))?;
    let society = super::guards::society_by_id(txn, course.society_id).await?;
    require_field_scope(viewer, &society)?;
    let cycle: recruitment_cycle::Model = cycle_for_share(txn, course.year).await?;
    require_phase(&cycle, &[CyclePhase::QuotasAllocated])?;
    let quota = field_quota::Entity::find()
        .filter(field_quota::Column::Year.eq(course.year))
        .filter(field_quota::Column::SocietyId.eq(course.society_id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| {
            AppError::Internal("quotas allocated but the field has no quota row".into())
        })?;
    // Read the application only now, under the field lock, so a concurrent
    // decision on it has committed and is seen.
    let row = lock_application(txn, found.id).await?;
    if row.status == ApplicationStatus::Withdrawn {
        return Err(AppError::Conflict("the application was withdrawn".into()));
    }
    Ok(Deciding { row, course, quota })
}

/// QUOTA_EXCEEDED unless one more adoption to `course` fits the field's
/// quota, the course's capacity and the institution's seats after its
/// departure cuts. A proposal also counts the other pending proposals.
async fn require_room(
    txn: &DatabaseTransaction,
    course: &course::Model,
    quota: &field_quota::Model,
    with_proposals: bool,
) -> AppResult<()> {
    if course.status == CourseStatus::Withdrawn {
        return Err(AppError::Conflict("the course was withdrawn".into()));
    }
    let taken = seats::taken_condition(with_proposals);
    let in_field = application::Entity::find()
        .filter(application::Column::Year.eq(course.year))
        .filter(
            application::Column::CourseId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(course::Column::Id)
                    .from(course::Entity)
                    .and_where(course::Column::SocietyId.eq(course.society_id))
                    .and_where(course::Column::Year.eq(course.year))
                    .to_owned(),
            ),
        )
        .filter(taken.clone());
    let in_course = application::Entity::find()
        .filter(application::Column::CourseId.eq(course.id))
        .filter(taken);
    let institution = course.responsible_institution_id;
    let room = Room {
        field_quota: quota.quota.max(0) as u32,
        field_taken: seats::count(txn, in_field).await?,
        course_capacity: course.requested_capacity.max(0) as u32,
        course_taken: seats::count(txn, in_course).await?,
        institution_seats: seats::offered(txn, institution, course.year, None).await?,
        institution_cut: seats::cut(txn, institution, course.year).await?,
        institution_taken: seats::taken(txn, institution, course.year, with_proposals).await?,
    };
    selection::room_for_one_more(&room).map_err(|full| AppError::QuotaExceeded(full.to_string()))
}

fn decided_status(decision: Decision) -> ApplicationStatus {
    match decision {
        Decision::Adopt => ApplicationStatus::Adopted,
        Decision::NotAdopt => ApplicationStatus::NotAdopted,
    }
}

async fn decide_application(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw: &ID,
    decision: Decision,
) -> AppResult<application::Model> {
    viewer.require(&[Role::Society, Role::Admin])?;
    let decider = if viewer.is_admin() {
        Decider::Board
    } else {
        Decider::Society
    };
    let effect = selection::effect_of(decider);
    let txn = begin_write(db).await?;
    let Deciding { row, course, quota } = lock_for_decision(&txn, viewer, raw).await?;
    if decision == Decision::Adopt {
        let counted = match effect {
            Effect::Decide => row.status == ApplicationStatus::Adopted,
            Effect::Propose => {
                row.status == ApplicationStatus::Adopted
                    || (row.status == ApplicationStatus::Submitted
                        && row.proposed_decision == Some(Decision::Adopt))
            }
        };
        if !counted {
            require_room(&txn, &course, &quota, effect == Effect::Propose).await?;
        }
    }
    let now = Utc::now();
    let mut active = row.into_active_model();
    let summary = match effect {
        Effect::Propose => {
            active.proposed_decision = Set(Some(decision));
            active.proposed_at = Set(Some(now));
            format!("proposed {decision:?}; awaiting the board's confirmation")
        }
        Effect::Decide => {
            active.status = Set(decided_status(decision));
            active.decided_at = Set(Some(now));
            active.decision_basis = Set(Some(DecisionBasis::Board));
            active.proposed_decision = Set(None);
            active.proposed_at = Set(None);
            format!("decided {decision:?} (the board's own decision)")
        }
    };
    let row = active.update(&txn).await?;
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

async fn confirm_decision(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw: &ID,
) -> AppResult<application::Model> {
    viewer.require(&[Role::Admin])?;
    let txn = begin_write(db).await?;
    let Deciding { row, course, quota } = lock_for_decision(&txn, viewer, raw).await?;
    let Some(decision) = row.proposed_decision else {
        return Err(AppError::Conflict(
            "the society has proposed no decision on this application".into(),
        ));
    };
    if decision == Decision::Adopt && row.status != ApplicationStatus::Adopted {
        require_room(&txn, &course, &quota, false).await?;
    }
    let mut active = row.into_active_model();
    active.status = Set(decided_status(decision));
    active.decided_at = Set(Some(Utc::now()));
    active.decision_basis = Set(Some(DecisionBasis::SocietyProposal));
    active.proposed_decision = Set(None);
    active.proposed_at = Set(None);
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "confirmDecision",
        Some(&audit_target(&row)),
        AuditOutcome::Ok,
        format!("confirmed the society's proposal: {decision:?}"),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
