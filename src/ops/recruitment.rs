//! The board's recruitment cycle (ADMIN): creating it, the early call,
//! field quotas (`domain::quota`) and the final selection with its fallback
//! to the regular programs (`domain::selection`).

use super::guards::{cycle_for_update, require_phase, society_by_code};
use super::{Caller, Operation};
use crate::audit;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::eligibility::course_start;
use crate::domain::quota::{self, FieldDemand, QuotaError};
use crate::domain::selection::{self, Candidate, Fate};
use crate::domain::training::CourseRules;
use crate::entity::enums::{
    ApplicationOutcome, ApplicationStatus, AuditOutcome, CourseStatus, CyclePhase, FieldCode,
    GeneralApplicationStatus, Role,
};
use crate::entity::joins::{join_applicant, join_course};
use crate::entity::{
    applicant, application, course, field_quota, general_application, participation,
    recruitment_cycle, society, trainee,
};
use crate::error::{AppError, AppResult};
use crate::ids;
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, FromQueryResult,
    IntoActiveModel, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// `createRecruitmentCycle`: one cycle per year; past years are accepted,
/// to import earlier cohorts.
pub struct CreateRecruitmentCycle {
    pub year: i32,
    pub total_capacity: i32,
    pub early_call_opens_on: NaiveDate,
    pub early_call_closes_on: NaiveDate,
    pub general_call_opens_on: NaiveDate,
    pub sanction_years: Option<i32>,
    pub course_years: Option<i32>,
    pub clinical_years: Option<i32>,
    pub flexible_second_paper: Option<bool>,
}

/// `openEarlyCall`: PLANNING -> EARLY_CALL_OPEN.
pub struct OpenEarlyCall {
    pub year: i32,
}

/// `closeEarlyCall`: EARLY_CALL_OPEN -> EARLY_CALL_CLOSED.
pub struct CloseEarlyCall {
    pub year: i32,
}

/// `allocateFieldQuotas`: EARLY_CALL_CLOSED -> QUOTAS_ALLOCATED.
pub struct AllocateFieldQuotas {
    pub year: i32,
}

/// `adjustFieldQuota`: one field's quota after allocation.
pub struct AdjustFieldQuota {
    pub year: i32,
    pub field: FieldCode,
    pub quota: i32,
    pub reason: String,
}

/// `finalizeSelection`: QUOTAS_ALLOCATED -> SELECTION_FINALIZED.
pub struct FinalizeSelection {
    pub year: i32,
}

impl Operation for CreateRecruitmentCycle {
    const NAME: &'static str = "createRecruitmentCycle";
    type Output = recruitment_cycle::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<recruitment_cycle::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let bad = AppError::bad_input;
        if !(2000..=2200).contains(&self.year) {
            return Err(bad("input.year", "must be between 2000 and 2200"));
        }
        if !(1..=10_000).contains(&self.total_capacity) {
            return Err(bad("input.totalCapacity", "must be at least 1"));
        }
        let (opens, closes, general) = (
            self.early_call_opens_on,
            self.early_call_closes_on,
            self.general_call_opens_on,
        );
        // The calls run in the months before the April start: dates years away
        // are typos (and far ones would overflow date arithmetic).
        for (field, date) in [
            ("input.earlyCallOpensOn", opens),
            ("input.earlyCallClosesOn", closes),
            ("input.generalCallOpensOn", general),
        ] {
            let year = chrono::Datelike::year(&date);
            if !(self.year - 2..=self.year).contains(&year) {
                return Err(bad(
                    field,
                    "must fall in the two years before the course starts",
                ));
            }
        }
        if closes <= opens {
            return Err(bad(
                "input.earlyCallClosesOn",
                "the early call must open before it closes",
            ));
        }
        if general < opens + Duration::days(28) {
            return Err(bad(
                "input.generalCallOpensOn",
                "the general call opens at least 28 days after the early call opens",
            ));
        }
        if opens >= course_start(self.year) {
            return Err(bad(
                "input.earlyCallOpensOn",
                "the early call must open before the course starts",
            ));
        }
        let sanction_years = self.sanction_years.unwrap_or(1);
        if !(0..=20).contains(&sanction_years) {
            return Err(bad("input.sanctionYears", "must be between 0 and 20"));
        }
        let defaults = CourseRules::GUIDELINE_2020;
        let course_years = self.course_years.unwrap_or(defaults.course_years as i32);
        let clinical_years = self
            .clinical_years
            .unwrap_or(defaults.clinical_years as i32);
        if !(2..=15).contains(&course_years) {
            return Err(bad("input.courseYears", "must be between 2 and 15"));
        }
        if clinical_years < 1 || clinical_years >= course_years {
            return Err(bad(
                "input.clinicalYears",
                "must be at least 1 and shorter than the course",
            ));
        }

        let txn = begin_write(caller.db).await?;
        let exists = recruitment_cycle::Entity::find()
            .filter(recruitment_cycle::Column::Year.eq(self.year))
            .one(&txn)
            .await?;
        if exists.is_some() {
            return Err(AppError::Conflict(format!(
                "a cycle for {} already exists",
                self.year
            )));
        }
        let row = recruitment_cycle::ActiveModel {
            year: Set(self.year),
            total_capacity: Set(self.total_capacity),
            early_call_opens_on: Set(opens),
            early_call_closes_on: Set(closes),
            general_call_opens_on: Set(general),
            sanction_years: Set(sanction_years),
            phase: Set(CyclePhase::Planning),
            course_years: Set(course_years),
            clinical_years: Set(clinical_years),
            flexible_second_paper: Set(self
                .flexible_second_paper
                .unwrap_or(defaults.flexible_second_paper)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let summary = format!(
            "created the {} cycle, {} seats",
            row.year, row.total_capacity
        );
        audit_ok(&txn, viewer, Self::NAME, &row, summary).await?;
        txn.commit().await?;
        Ok(row)
    }
}

impl Operation for OpenEarlyCall {
    const NAME: &'static str = "openEarlyCall";
    type Output = recruitment_cycle::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<recruitment_cycle::Model> {
        let (from, to) = (CyclePhase::Planning, CyclePhase::EarlyCallOpen);
        move_phase(caller, Self::NAME, self.year, from, to).await
    }
}

impl Operation for CloseEarlyCall {
    const NAME: &'static str = "closeEarlyCall";
    type Output = recruitment_cycle::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<recruitment_cycle::Model> {
        let (from, to) = (CyclePhase::EarlyCallOpen, CyclePhase::EarlyCallClosed);
        move_phase(caller, Self::NAME, self.year, from, to).await
    }
}

impl Operation for AllocateFieldQuotas {
    const NAME: &'static str = "allocateFieldQuotas";
    type Output = Vec<field_quota::Model>;

    async fn run(self, caller: Caller<'_>) -> AppResult<Vec<field_quota::Model>> {
        let (viewer, year) = (caller.viewer, self.year);
        viewer.require(&[Role::Admin])?;
        let txn = begin_write(caller.db).await?;
        let cycle = cycle_for_update(&txn, year).await?;
        require_phase(&cycle, &[CyclePhase::EarlyCallClosed])?;

        let societies = society::Entity::find()
            .order_by_asc(society::Column::Position)
            .all(&txn)
            .await?;
        // II.2(1): a society takes part unless it decided not to.
        let decisions: HashMap<i64, bool> = participation::Entity::find()
            .filter(participation::Column::Year.eq(year))
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| (p.society_id, p.participating))
            .collect();
        let participating: HashSet<i64> = societies
            .iter()
            .map(|s| s.id)
            .filter(|id| quota::takes_part(decisions.get(id).copied()))
            .collect();
        let counts = counted_applications(&txn, year).await?;
        let demands: Vec<FieldDemand> = societies
            .iter()
            .enumerate()
            .map(|(order, s)| FieldDemand {
                order,
                participating: participating.contains(&s.id),
                applicants: counts.get(&s.id).copied().unwrap_or(0),
            })
            .collect();
        let allocations = quota::allocate(cycle.total_capacity.max(0) as u32, &demands).map_err(|e| match e {
            QuotaError::CapacityBelowParticipants { total, participating } => AppError::bad_input(
                "year",
                format!("{total} seats cannot give each of the {participating} participating fields one seat"),
            ),
        })?;

        field_quota::Entity::delete_many()
            .filter(field_quota::Column::Year.eq(year))
            .exec(&txn)
            .await?;
        let mut rows = Vec::with_capacity(allocations.len());
        for (society, a) in societies.iter().zip(&allocations) {
            let row = field_quota::ActiveModel {
                year: Set(year),
                society_id: Set(society.id),
                participating: Set(a.participating),
                applicants: Set(a.applicants as i32),
                minimum_seats: Set(a.minimum_seats as i32),
                share_numerator: Set(a.share_numerator as i64),
                share_denominator: Set(a.share_denominator as i64),
                remainder_seats: Set(a.remainder_seats as i32),
                computed_quota: Set(a.quota as i32),
                quota: Set(a.quota as i32),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            rows.push(row);
        }
        let cycle = set_phase(&txn, cycle, CyclePhase::QuotasAllocated).await?;
        let summary = format!(
            "allocated {} seats over {} participating fields",
            cycle.total_capacity,
            participating.len()
        );
        audit_ok(&txn, viewer, Self::NAME, &cycle, summary).await?;
        txn.commit().await?;
        caller
            .events
            .publish_phase(caller.db, year, CyclePhase::QuotasAllocated)
            .await;
        Ok(rows)
    }
}

impl Operation for AdjustFieldQuota {
    const NAME: &'static str = "adjustFieldQuota";
    type Output = field_quota::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<field_quota::Model> {
        let viewer = caller.viewer;
        let Self {
            year,
            field,
            quota,
            reason,
        } = self;
        viewer.require(&[Role::Admin])?;
        let reason = crate::domain::validate::name(&reason, 2000)
            .map_err(|m| AppError::bad_input("reason", m))?;
        if !(0..=10_000).contains(&quota) {
            return Err(AppError::bad_input("quota", "must not be negative"));
        }
        let txn = begin_write(caller.db).await?;
        let cycle = cycle_for_update(&txn, year).await?;
        require_phase(&cycle, &[CyclePhase::QuotasAllocated])?;
        let society = society_by_code(&txn, field).await?;
        let row = field_quota::Entity::find()
            .filter(field_quota::Column::Year.eq(year))
            .filter(field_quota::Column::SocietyId.eq(society.id))
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let adopted = adopted_in_field(&txn, year, society.id).await?;
        if (quota as u64) < adopted {
            return Err(AppError::bad_input(
                "quota",
                format!("the field has already adopted {adopted}; the quota cannot go below that"),
            ));
        }
        let before = row.quota;
        let mut active = row.into_active_model();
        active.quota = Set(quota);
        active.adjustment_reason = Set(Some(reason.clone()));
        active.adjusted_at = Set(Some(Utc::now()));
        let row = active.update(&txn).await?;
        let summary = format!("{:?} quota {before} -> {quota}: {reason}", field);
        audit_ok(&txn, viewer, Self::NAME, &cycle, summary).await?;
        txn.commit().await?;
        Ok(row)
    }
}

impl Operation for FinalizeSelection {
    const NAME: &'static str = "finalizeSelection";
    type Output = recruitment_cycle::Model;

    /// Every undecided application becomes NOT_ADOPTED; each applicant's
    /// fate follows `selection::fate`. The cycle's applications are
    /// announced with their outcome; a second run changes nothing.
    async fn run(self, caller: Caller<'_>) -> AppResult<recruitment_cycle::Model> {
        let (viewer, year) = (caller.viewer, self.year);
        viewer.require(&[Role::Admin])?;
        let txn = begin_write(caller.db).await?;
        let cycle = cycle_for_update(&txn, year).await?;
        if cycle.phase == CyclePhase::SelectionFinalized {
            // Idempotent: a second run finds everything already final.
            return Ok(cycle);
        }
        require_phase(&cycle, &[CyclePhase::QuotasAllocated])?;
        // I.2(2)④: the board decides. A society's proposal left unconfirmed
        // would otherwise be decided by default.
        let pending = application::Entity::find()
            .filter(application::Column::Year.eq(year))
            .filter(application::Column::ProposedDecision.is_not_null())
            .filter(application::Column::Status.ne(ApplicationStatus::Withdrawn))
            .count(&txn)
            .await?;
        if pending > 0 {
            return Err(AppError::Conflict(format!(
                "{pending} decision(s) proposed by the societies await the board: \
                 confirm them (confirmDecision) or decide (decideApplication) first"
            )));
        }
        let now = Utc::now();

        let withdrawn_courses: HashSet<i64> = course::Entity::find()
            .select_only()
            .column(course::Column::Id)
            .filter(course::Column::Year.eq(year))
            .filter(course::Column::Status.eq(CourseStatus::Withdrawn))
            .into_tuple()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        let applications = application::Entity::find()
            .filter(application::Column::Year.eq(year))
            .order_by_asc(application::Column::Id)
            .all(&txn)
            .await?;
        let general: HashMap<i64, general_application::Model> = general_application::Entity::find()
            .filter(
                general_application::Column::ApplicationId.in_subquery(
                    Query::select()
                        .column(application::Column::Id)
                        .from(application::Entity)
                        .and_where(application::Column::Year.eq(year))
                        .to_owned(),
                ),
            )
            .all(&txn)
            .await?
            .into_iter()
            .map(|g| (g.application_id, g))
            .collect();

        // Per applicant, in application order: `selection::fate` (II.2(3)).
        let mut by_applicant: BTreeMap<i64, Vec<&application::Model>> = BTreeMap::new();
        for a in &applications {
            by_applicant.entry(a.applicant_id).or_default().push(a);
        }
        let mut outcome_ids: HashMap<ApplicationOutcome, Vec<i64>> = HashMap::new();
        let mut not_adopted: Vec<i64> = Vec::new();
        let mut activate: Vec<i64> = Vec::new();
        let mut release: Vec<i64> = Vec::new();
        let mut trainees = Vec::new();
        for apps in by_applicant.values() {
            let candidates: Vec<Candidate> = apps
                .iter()
                .map(|a| Candidate {
                    application: a.id,
                    adopted: a.status == ApplicationStatus::Adopted,
                    course_withdrawn: withdrawn_courses.contains(&a.course_id),
                    general_application: general.get(&a.id).map(|g| g.id),
                })
                .collect();
            let fate = selection::fate(&candidates);
            let outcome = match fate {
                Fate::Course { .. } => ApplicationOutcome::Course,
                Fate::RegularProgram { .. } => ApplicationOutcome::RegularProgram,
                Fate::Nothing => ApplicationOutcome::None,
            };
            outcome_ids
                .entry(outcome)
                .or_default()
                .extend(apps.iter().map(|a| a.id));
            for a in apps {
                let adopted_here = fate == Fate::Course { application: a.id };
                // Undecided ones, and adoptions that do not stand, are not adopted.
                if !adopted_here
                    && matches!(
                        a.status,
                        ApplicationStatus::Submitted | ApplicationStatus::Adopted
                    )
                {
                    not_adopted.push(a.id);
                }
                if adopted_here {
                    trainees.push(trainee::ActiveModel {
                        applicant_id: Set(a.applicant_id),
                        course_id: Set(a.course_id),
                        application_id: Set(a.id),
                        started_on: Set(course_start(year)),
                        degree: Set(crate::entity::enums::DegreeStatus::None),
                        created_at: Set(now),
                        ..Default::default()
                    });
                }
                if let Some(g) = general.get(&a.id) {
                    let kept = fate
                        == Fate::RegularProgram {
                            general_application: g.id,
                        };
                    if kept {
                        activate.push(g.id)
                    } else {
                        release.push(g.id)
                    }
                }
            }
        }

        for chunk in not_adopted.chunks(500) {
            application::Entity::update_many()
                .col_expr(
                    application::Column::Status,
                    Expr::value(ApplicationStatus::NotAdopted),
                )
                .col_expr(application::Column::DecidedAt, Expr::value(now))
                .filter(application::Column::Id.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
        }
        for (outcome, ids) in &outcome_ids {
            for chunk in ids.chunks(500) {
                application::Entity::update_many()
                    .col_expr(application::Column::Outcome, Expr::value(*outcome))
                    .filter(application::Column::Id.is_in(chunk.to_vec()))
                    .exec(&txn)
                    .await?;
            }
        }
        for chunk in activate.chunks(500) {
            general_application::Entity::update_many()
                .col_expr(
                    general_application::Column::Status,
                    Expr::value(GeneralApplicationStatus::Active),
                )
                .col_expr(general_application::Column::ActivatedAt, Expr::value(now))
                .filter(general_application::Column::Id.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
        }
        for chunk in release.chunks(500) {
            general_application::Entity::update_many()
                .col_expr(
                    general_application::Column::Status,
                    Expr::value(GeneralApplicationStatus::Withdrawn),
                )
                .filter(general_application::Column::Id.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
        }
        let trainee_count = trainees.len();
        for chunk in trainees.chunks(200) {
            trainee::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }

        let applications = application::Entity::find()
            .filter(application::Column::Year.eq(year))
            .order_by_asc(application::Column::Id)
            .all(&txn)
            .await?;
        let cycle = set_phase(&txn, cycle, CyclePhase::SelectionFinalized).await?;
        let summary = format!(
            "finalized the {year} selection: {trainee_count} trainees, {} applicants fell back to the regular program",
            activate.len()
        );
        audit_ok(&txn, viewer, Self::NAME, &cycle, summary).await?;
        txn.commit().await?;
        caller
            .events
            .publish_phase(caller.db, cycle.year, cycle.phase)
            .await;
        caller
            .events
            .publish_applications(caller.db, &applications)
            .await;
        Ok(cycle)
    }
}

async fn audit_ok(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    operation: &str,
    cycle: &recruitment_cycle::Model,
    summary: String,
) -> AppResult<()> {
    let id = ids::encode(ids::CYCLE, cycle.id);
    audit::record(txn, viewer, operation, Some(&id), AuditOutcome::Ok, summary).await?;
    Ok(())
}

/// Moves the cycle from `from` to `to`, refusing any other starting phase.
async fn move_phase(
    caller: Caller<'_>,
    operation: &str,
    year: i32,
    from: CyclePhase,
    to: CyclePhase,
) -> AppResult<recruitment_cycle::Model> {
    let viewer = caller.viewer;
    viewer.require(&[Role::Admin])?;
    let txn = begin_write(caller.db).await?;
    let cycle = cycle_for_update(&txn, year).await?;
    require_phase(&cycle, &[from])?;
    let row = set_phase(&txn, cycle, to).await?;
    audit_ok(
        &txn,
        viewer,
        operation,
        &row,
        format!("{} cycle: {:?}", row.year, to),
    )
    .await?;
    txn.commit().await?;
    caller
        .events
        .publish_phase(caller.db, row.year, row.phase)
        .await;
    Ok(row)
}

async fn set_phase(
    txn: &DatabaseTransaction,
    cycle: recruitment_cycle::Model,
    phase: CyclePhase,
) -> AppResult<recruitment_cycle::Model> {
    let mut active = cycle.into_active_model();
    active.phase = Set(phase);
    Ok(active.update(txn).await?)
}

#[derive(FromQueryResult)]
struct SocietyCount {
    society_id: i64,
    n: i64,
}

/// Applications per field that count for the quota rule
/// (`selection::counts_for_quota`): to courses of the cycle that were
/// announced, even if withdrawn since (their applicants applied to the field
/// and the board hands the course on, II.3(1)), not withdrawn, from eligible
/// applicants.
async fn counted_applications(
    txn: &DatabaseTransaction,
    year: i32,
) -> AppResult<HashMap<i64, u32>> {
    let rows: Vec<SocietyCount> = application::Entity::find()
        .select_only()
        .column_as(course::Column::SocietyId, "society_id")
        .column_as(application::Column::Id.count(), "n")
        .join(JoinType::InnerJoin, join_course())
        .join(JoinType::InnerJoin, join_applicant())
        .filter(application::Column::Year.eq(year))
        .filter(application::Column::Status.ne(ApplicationStatus::Withdrawn))
        .filter(course::Column::PublishedAt.is_not_null())
        .filter(eligible_condition(year))
        .group_by(course::Column::SocietyId)
        .into_model()
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.society_id, r.n.max(0) as u32))
        .collect())
}

/// Adopted applications of one field in one cycle.
pub async fn adopted_in_field(
    txn: &DatabaseTransaction,
    year: i32,
    society_id: i64,
) -> AppResult<u64> {
    Ok(application::Entity::find()
        .join(JoinType::InnerJoin, join_course())
        .filter(application::Column::Year.eq(year))
        .filter(application::Column::Status.eq(ApplicationStatus::Adopted))
        .filter(course::Column::SocietyId.eq(society_id))
        .count(txn)
        .await?)
}

/// Applicants eligible for the course starting in `year`, as SQL: the same
/// rule as `domain::eligibility`, for counting in the database.
pub fn eligible_condition(year: i32) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(applicant::Column::ObligatedServiceGraduate.eq(false))
        .add(applicant::Column::RegionalQuotaObligation.eq(false))
        .add(applicant::Column::InitialTrainingCompletedOn.lte(course_start(year)))
}
