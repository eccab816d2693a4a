//! Applications in the early call: submitting with the parallel general
//! application (併願), withdrawing, and the adoption decisions: a society
//! proposes, the board decides or confirms (I.2(2)④, `domain::selection`).
//! Every change of an application's status is announced once committed.

use super::guards::{
    cycle_for_share, parse_id, require_field_scope, require_phase, society_by_code, society_by_id,
};
use super::seats;
use super::{Caller, Operation};
use crate::audit;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::eligibility::{ApplicantFacts, Ineligibility, ineligibility};
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
use crate::ids;
use async_graphql::ID;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};

/// The parallel general application (併願) to a regular program.
pub struct GeneralApplication {
    pub program_name: String,
    pub field: FieldCode,
    pub institution_id: ID,
}

/// `submitApplication`: while EARLY_CALL_OPEN, one live application per
/// applicant and cycle.
pub struct SubmitApplication {
    pub course_id: ID,
    pub general_application: Option<GeneralApplication>,
}

/// `setGeneralApplication`: added or replaced until selection is final.
pub struct SetGeneralApplication {
    pub application_id: ID,
    pub general_application: GeneralApplication,
}

/// `withdrawApplication`: by the applicant, or the board.
pub struct WithdrawApplication {
    pub id: ID,
}

/// `decideApplication`: the board decides, a society proposes.
pub struct DecideApplication {
    pub id: ID,
    pub decision: Decision,
}

/// `confirmDecision`: the board confirms the society's proposal.
pub struct ConfirmDecision {
    pub id: ID,
}

impl Operation for SubmitApplication {
    const NAME: &'static str = "submitApplication";
    type Output = application::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<application::Model> {
        let viewer = caller.viewer;
        let applicant_id = applicant_id(viewer)?;
        let course_id = parse_id(&self.course_id, ids::COURSE, "input.courseId")?;
        // Checked now, told where its rows are read (after eligibility and the
        // live application), as before the split.
        let general = self
            .general_application
            .map(|g| g.parse("input.generalApplication"));
        let txn = begin_write(caller.db).await?;
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
        let reasons = ineligibility(&ApplicantFacts::from(&applicant), course.year);
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
        let general = match general {
            Some(g) => Some(general_row(&txn, g?).await?),
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
            Self::NAME,
            Some(&audit_target(&row)),
            AuditOutcome::Ok,
            summary,
        )
        .await?;
        txn.commit().await?;
        let mut changed = vec![row.clone()];
        changed.extend(replaced);
        caller
            .events
            .publish_applications(caller.db, &changed)
            .await;
        Ok(row)
    }
}

impl Operation for SetGeneralApplication {
    const NAME: &'static str = "setGeneralApplication";
    type Output = application::Model;

    fn target(&self) -> Option<ID> {
        Some(self.application_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<application::Model> {
        let viewer = caller.viewer;
        let applicant_id = applicant_id(viewer)?;
        let id = parse_id(&self.application_id, ids::APPLICATION, "applicationId")?;
        // Checked now, told once the application is found live, as before.
        let general = self.general_application.parse("input");
        let txn = begin_write(caller.db).await?;
        let found = find_application(&txn, id).await?;
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
        let mut general = general_row(&txn, general?).await?;
        general_application::Entity::delete_many()
            .filter(general_application::Column::ApplicationId.eq(row.id))
            .exec(&txn)
            .await?;
        general.application_id = Set(row.id);
        general.insert(&txn).await?;
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&audit_target(&row)),
            AuditOutcome::Ok,
            "set the parallel general application".into(),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}

impl Operation for WithdrawApplication {
    const NAME: &'static str = "withdrawApplication";
    type Output = application::Model;

    fn target(&self) -> Option<ID> {
        Some(self.id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<application::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Applicant, Role::Admin])?;
        let id = parse_id(&self.id, ids::APPLICATION, "id")?;
        let txn = begin_write(caller.db).await?;
        let found = find_application(&txn, id).await?;
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
            Self::NAME,
            Some(&audit_target(&row)),
            AuditOutcome::Ok,
            "withdrawn".into(),
        )
        .await?;
        txn.commit().await?;
        caller
            .events
            .publish_applications(caller.db, std::slice::from_ref(&row))
            .await;
        Ok(row)
    }
}

impl Operation for DecideApplication {
    const NAME: &'static str = "decideApplication";
    type Output = application::Model;

    fn target(&self) -> Option<ID> {
        Some(self.id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<application::Model> {
        let viewer = caller.viewer;
        let decision = self.decision;
        viewer.require(&[Role::Society, Role::Admin])?;
        let decider = if viewer.is_admin() {
            Decider::Board
        } else {
            Decider::Society
        };
        let effect = selection::effect_of(decider);
        let id = parse_id(&self.id, ids::APPLICATION, "id")?;
        let txn = begin_write(caller.db).await?;
        let Deciding { row, course, quota } = lock_for_decision(&txn, viewer, id).await?;
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
            Self::NAME,
            Some(&audit_target(&row)),
            AuditOutcome::Ok,
            summary,
        )
        .await?;
        txn.commit().await?;
        // A proposal changes no status: only a decision is announced.
        if row.proposed_decision.is_none() {
            caller
                .events
                .publish_applications(caller.db, std::slice::from_ref(&row))
                .await;
        }
        Ok(row)
    }
}

impl Operation for ConfirmDecision {
    const NAME: &'static str = "confirmDecision";
    type Output = application::Model;

    fn target(&self) -> Option<ID> {
        Some(self.id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<application::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let id = parse_id(&self.id, ids::APPLICATION, "id")?;
        let txn = begin_write(caller.db).await?;
        let Deciding { row, course, quota } = lock_for_decision(&txn, viewer, id).await?;
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
            Self::NAME,
            Some(&audit_target(&row)),
            AuditOutcome::Ok,
            format!("confirmed the society's proposal: {decision:?}"),
        )
        .await?;
        txn.commit().await?;
        caller
            .events
            .publish_applications(caller.db, std::slice::from_ref(&row))
            .await;
        Ok(row)
    }
}

/// The registered applicant behind an APPLICANT token.
fn applicant_id(viewer: &Viewer) -> AppResult<i64> {
    viewer.require(&[Role::Applicant])?;
    viewer.applicant_id.ok_or(AppError::Forbidden)
}

/// A general application's fields, checked; its institution is not yet
/// looked up.
struct CheckedGeneral {
    program_name: String,
    field: FieldCode,
    institution_id: i64,
    /// The input field naming the institution, for a missing one.
    institution_field: String,
}

impl GeneralApplication {
    /// Checks the fields that need no database; errors name `field_prefix`.
    fn parse(self, field_prefix: &str) -> AppResult<CheckedGeneral> {
        let program_name = validate::name(&self.program_name, 200)
            .map_err(|m| AppError::bad_input(format!("{field_prefix}.programName"), m))?;
        let institution_field = format!("{field_prefix}.institutionId");
        let institution_id = parse_id(&self.institution_id, ids::INSTITUTION, &institution_field)?;
        Ok(CheckedGeneral {
            program_name,
            field: self.field,
            institution_id,
            institution_field,
        })
    }
}

/// A checked general application as a row, once its institution exists.
async fn general_row(
    txn: &DatabaseTransaction,
    general: CheckedGeneral,
) -> AppResult<general_application::ActiveModel> {
    if institution::Entity::find_by_id(general.institution_id)
        .one(txn)
        .await?
        .is_none()
    {
        return Err(AppError::bad_input(
            general.institution_field,
            "no such institution",
        ));
    }
    let society = society_by_code(txn, general.field).await?;
    Ok(general_application::ActiveModel {
        program_name: Set(general.program_name),
        society_id: Set(society.id),
        institution_id: Set(general.institution_id),
        status: Set(GeneralApplicationStatus::Pending),
        created_at: Set(Utc::now()),
        activated_at: Set(None),
        ..Default::default()
    })
}

fn audit_target(row: &application::Model) -> ID {
    ids::encode(ids::APPLICATION, row.id)
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

fn reason_name(r: Ineligibility) -> &'static str {
    match r {
        Ineligibility::ObligatedServiceGraduate => "OBLIGATED_SERVICE_GRADUATE",
        Ineligibility::RegionalQuotaObligation => "REGIONAL_QUOTA_OBLIGATION",
        Ineligibility::InitialTrainingIncomplete => "INITIAL_TRAINING_INCOMPLETE",
    }
}

/// The application, read without a lock (to find its cycle).
async fn find_application(txn: &DatabaseTransaction, id: i64) -> AppResult<application::Model> {
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
    id: i64,
) -> AppResult<Deciding> {
    let found = find_application(txn, id).await?;
    let course = course::Entity::find_by_id(found.course_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("application without its course".into()))?;
    let society = society_by_id(txn, course.society_id).await?;
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
