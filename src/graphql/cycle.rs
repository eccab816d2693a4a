//! Recruitment cycles: the early call, its schedule, quotas and statistics.

use super::context::{loaders, societies};
use super::loaders::{CycleYear, FieldQuotasOf, SettledStatistics, StatisticsOf};
use super::scalars::Date;
use super::society::{FieldQuota, Society, society_of};
use crate::domain::cycle::Phase;
use crate::entity::enums::{ApplicationStatus, CyclePhase};
use crate::entity::{recruitment_cycle, society};
use crate::ids;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use std::sync::Arc;

#[derive(Clone)]
pub struct RecruitmentCycle(pub recruitment_cycle::Model);

/// One year's recruitment: the early call and its link to the general call.
/// Named by its intake year, it moves PLANNING → EARLY_CALL_OPEN →
/// EARLY_CALL_CLOSED → QUOTAS_ALLOCATED → SELECTION_FINALIZED as the board
/// runs it (docs/calendar.md). Public.
#[Object]
impl RecruitmentCycle {
    /// The cycle's global ID (Node).
    pub async fn id(&self) -> ID {
        ids::encode(ids::CYCLE, self.0.id)
    }
    /// the year the adopted trainees start (April)
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// seats for the whole country, apart from the regular programs' ceilings
    /// (シーリング): the seats the quota rule shares among the fields (II.2(2);
    /// 40 in 2021).
    async fn total_capacity(&self) -> i32 {
        self.0.total_capacity
    }
    /// The announced first day of the early call (September, II.2(3)). The
    /// call opens when the board runs openEarlyCall: the date does not
    /// open it.
    async fn early_call_opens_on(&self) -> Date {
        self.0.early_call_opens_on.into()
    }
    /// The announced last day of the early call; the board closes it with
    /// closeEarlyCall.
    async fn early_call_closes_on(&self) -> Date {
        self.0.early_call_closes_on.into()
    }
    /// the general call of the regular programs, about a month after the early call:
    /// at least 28 days after it opens. Doctors not adopted fall back to their
    /// parallel applications (併願) in it.
    async fn general_call_opens_on(&self) -> Date {
        self.0.general_call_opens_on.into()
    }
    /// years an institution loses the right to set courses after withdrawing a course
    /// once the early call opened, or after the board handed its course to
    /// another institution (II.3(2)): counted in course-setting years after
    /// this cycle's; 0 means no such sanction.
    async fn sanction_years(&self) -> i32 {
        self.0.sanction_years
    }
    /// Where the cycle stands; most mutations need a given phase
    /// (WRONG_PHASE otherwise).
    async fn phase(&self) -> CyclePhase {
        self.0.phase
    }
    /// Course length in years for this intake (7 under the 2020 guideline, 5 from 2024).
    async fn course_years(&self) -> i32 {
        self.0.course_years
    }
    /// Years of the clinical phase for this intake (2 under the 2020 guideline, 1 from 2024).
    async fn clinical_years(&self) -> i32 {
        self.0.clinical_years
    }
    /// Whether one of the two papers may be an English case report or a Japanese clinical paper (2024 rule).
    async fn flexible_second_paper(&self) -> bool {
        self.0.flexible_second_paper
    }

    /// Every field in the official order, once quotas are allocated; empty before.
    async fn field_quotas(&self, ctx: &Context<'_>) -> Result<Vec<FieldQuota>> {
        let mut rows = loaders(ctx)?.list(FieldQuotasOf(self.0.year)).await?;
        let catalog = societies(ctx);
        rows.sort_by_key(|q| catalog.by_id(q.society_id).map_or(i32::MAX, |s| s.position));
        Ok(rows.into_iter().map(FieldQuota).collect())
    }

    /// Counts of the cycle's applications as they stand now. Public: they
    /// name nobody.
    async fn statistics(&self, ctx: &Context<'_>) -> Result<CycleStatistics> {
        cycle_statistics(ctx, &self.0).await
    }
}

/// One field's applications in a cycle, by status, as they stand now:
/// every application to the field's courses, whatever the course's status
/// or the doctor's eligibility.
#[derive(SimpleObject)]
pub struct FieldStatistics {
    /// The society of the field (the board for GENERAL_PRACTICE).
    pub society: Society,
    /// Applications to the field's courses in the cycle, in any status
    /// (SUBMITTED, ADOPTED, NOT_ADOPTED, WITHDRAWN): what is left after
    /// adopted, notAdopted and withdrawn is still undecided. It counts
    /// applications, not doctors: one who withdrew and applied again in the
    /// field counts twice. Not the quota rule's FieldQuota.applicants, which
    /// leaves out withdrawn applications, ineligible doctors and courses
    /// never announced, and is frozen when the quotas are allocated
    /// (docs/calendar.md, "Counting applicants").
    pub applicants: i32,
    /// The field's applications ADOPTED by the board.
    pub adopted: i32,
    /// The field's applications NOT_ADOPTED, by the board or by
    /// finalizeSelection.
    pub not_adopted: i32,
    /// The field's applications WITHDRAWN, at any time.
    pub withdrawn: i32,
}

/// Counts of one cycle's applications as they stand now, over every
/// application whatever the course's status or the doctor's eligibility.
/// Not the quota rule's count (FieldQuota.applicants).
#[derive(SimpleObject)]
pub struct CycleStatistics {
    /// distinct doctors who applied in the cycle, whatever became of their
    /// applications (withdrawn ones included)
    pub applicants: i32,
    /// Of those, the doctors eligible for the intake year: no obligated
    /// service (義務年限), no regional quota (地域枠), initial training done
    /// by 1 April (I.2(1)).
    pub eligible_applicants: i32,
    /// Applications ADOPTED (one per adopted doctor).
    pub adopted: i32,
    /// Applications NOT_ADOPTED; after finalizeSelection every undecided one
    /// is.
    pub not_adopted: i32,
    /// Applications WITHDRAWN, by the doctor or the board, or when a doctor
    /// moved on from a withdrawn course.
    pub withdrawn: i32,
    /// Distinct doctors whose outcome is REGULAR_PROGRAM: not adopted, they
    /// train in the regular program of their parallel application (併願,
    /// II.2(3)); 0 until the selection is final.
    pub fell_back_to_regular_program: i32,
    /// all 19 fields in the official order, each with its applications'
    /// counts
    pub by_field: Vec<FieldStatistics>,
}

/// Counts in SQL, batched over the cycles asked for (one statement), or
/// kept once the cycle is final (`SettledStatistics`).
async fn cycle_statistics(
    ctx: &Context<'_>,
    cycle: &recruitment_cycle::Model,
) -> Result<CycleStatistics> {
    let settled = Phase::from(cycle.phase).finalized();
    let kept = ctx.data_unchecked::<SettledStatistics>();
    let counts = match kept.get(cycle.year).filter(|_| settled) {
        Some(counts) => counts,
        None => {
            let counts = Arc::new(
                loaders(ctx)?
                    .one(StatisticsOf(cycle.year))
                    .await?
                    .unwrap_or_default(),
            );
            if settled {
                kept.keep(cycle.year, counts.clone());
            }
            counts
        }
    };
    let count = |society: Option<i64>, status: Option<ApplicationStatus>| -> i32 {
        counts
            .by_field_and_status
            .iter()
            .filter(|(s_id, st, _)| {
                society.is_none_or(|s| *s_id == s) && status.is_none_or(|s| *st == s)
            })
            .map(|(_, _, n)| *n as i32)
            .sum()
    };
    let by_field = societies(ctx)
        .all()
        .iter()
        .map(|s: &society::Model| {
            Ok(FieldStatistics {
                society: society_of(ctx, s.id)?,
                applicants: count(Some(s.id), None),
                adopted: count(Some(s.id), Some(ApplicationStatus::Adopted)),
                not_adopted: count(Some(s.id), Some(ApplicationStatus::NotAdopted)),
                withdrawn: count(Some(s.id), Some(ApplicationStatus::Withdrawn)),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CycleStatistics {
        applicants: counts.applicants as i32,
        eligible_applicants: counts.eligible as i32,
        adopted: count(None, Some(ApplicationStatus::Adopted)),
        not_adopted: count(None, Some(ApplicationStatus::NotAdopted)),
        withdrawn: count(None, Some(ApplicationStatus::Withdrawn)),
        fell_back_to_regular_program: counts.fell_back as i32,
        by_field,
    })
}

/// The cycle of a year (batched).
pub async fn cycle_by_year(ctx: &Context<'_>, year: i32) -> Result<Option<RecruitmentCycle>> {
    Ok(loaders(ctx)?
        .one(CycleYear(year))
        .await?
        .map(RecruitmentCycle))
}
