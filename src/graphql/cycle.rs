//! Recruitment cycles: the early call, its schedule, quotas and statistics.

use super::context::{loaders, societies};
use super::ids;
use super::loaders::{CycleYear, FieldQuotasOf, StatisticsOf};
use super::scalars::Date;
use super::society::{FieldQuota, Society, society_of};
use crate::entity::enums::{ApplicationStatus, CyclePhase};
use crate::entity::{recruitment_cycle, society};
use async_graphql::{Context, ID, Object, Result, SimpleObject};

/// One year's recruitment: the early call and its link to the general call.
#[derive(Clone)]
pub struct RecruitmentCycle(pub recruitment_cycle::Model);

#[Object]
impl RecruitmentCycle {
    pub async fn id(&self) -> ID {
        ids::encode(ids::CYCLE, self.0.id)
    }
    /// the year the adopted trainees start (April)
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// seats for the whole country, apart from the regular programs' ceilings
    async fn total_capacity(&self) -> i32 {
        self.0.total_capacity
    }
    async fn early_call_opens_on(&self) -> Date {
        self.0.early_call_opens_on.into()
    }
    async fn early_call_closes_on(&self) -> Date {
        self.0.early_call_closes_on.into()
    }
    /// the general call of the regular programs, about a month after the early call
    async fn general_call_opens_on(&self) -> Date {
        self.0.general_call_opens_on.into()
    }
    /// years an institution loses the right to set courses after withdrawing a course
    async fn sanction_years(&self) -> i32 {
        self.0.sanction_years
    }
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

    async fn statistics(&self, ctx: &Context<'_>) -> Result<CycleStatistics> {
        cycle_statistics(ctx, self.0.year).await
    }
}

#[derive(SimpleObject)]
pub struct FieldStatistics {
    pub society: Society,
    pub applicants: i32,
    pub adopted: i32,
    pub not_adopted: i32,
    pub withdrawn: i32,
}

#[derive(SimpleObject)]
pub struct CycleStatistics {
    /// distinct doctors who applied in the cycle
    pub applicants: i32,
    pub eligible_applicants: i32,
    pub adopted: i32,
    pub not_adopted: i32,
    pub withdrawn: i32,
    pub fell_back_to_regular_program: i32,
    /// all 19 fields in the official order
    pub by_field: Vec<FieldStatistics>,
}

/// Counts in SQL, batched over the cycles asked for: one grouped query by
/// year, field and status, one for the distinct-applicant totals.
async fn cycle_statistics(ctx: &Context<'_>, year: i32) -> Result<CycleStatistics> {
    let counts = loaders(ctx)?
        .one(StatisticsOf(year))
        .await?
        .unwrap_or_default();
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
