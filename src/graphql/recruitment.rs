//! The board's recruitment cycle: creating it, the early call, field quotas
//! and the final selection with its fallback to the regular programs.

use super::cycle::RecruitmentCycle;
use super::run::run;
use super::scalars::Date;
use super::society::FieldQuota;
use crate::entity::enums::FieldCode;
use crate::ops::recruitment::{
    AdjustFieldQuota, AllocateFieldQuotas, CloseEarlyCall, CreateRecruitmentCycle,
    FinalizeSelection, OpenEarlyCall,
};
use async_graphql::{Context, InputObject, Object, Result};

/// A new year's recruitment cycle; it starts PLANNING.
#[derive(InputObject)]
pub struct CreateRecruitmentCycleInput {
    /// The intake year, 2000 to 2200: trainees start on 1 April of it. One
    /// cycle a year (a second is CONFLICT).
    pub year: i32,
    /// Seats for the whole country, 1 to 10,000 (40 in 2021, II.2(2)).
    pub total_capacity: i32,
    /// The early call's announced first day (September, II.2(3)): in the two
    /// years before the course starts, and before 1 April of the intake year.
    pub early_call_opens_on: Date,
    /// The early call's announced last day: after its first.
    pub early_call_closes_on: Date,
    /// The general call's first day: at least 28 days after the early call
    /// opens (「1か月早い」, II.2(3)).
    pub general_call_opens_on: Date,
    /// default 1: the course-setting years an institution loses when its
    /// course is withdrawn or handed over after the call opened (II.3(2));
    /// 0 to 20, 0 for none.
    pub sanction_years: Option<i32>,
    /// Course length for this intake; default 7 (the 2020 guideline). 2024 onwards: 5.
    pub course_years: Option<i32>,
    /// Clinical years for this intake; default 2 (the 2020 guideline). 2024 onwards: 1.
    pub clinical_years: Option<i32>,
    /// Whether one of the two papers may be an English case report or a Japanese clinical paper; default false.
    pub flexible_second_paper: Option<bool>,
}

#[derive(Default)]
pub struct RecruitmentMutation;

#[Object]
impl RecruitmentMutation {
    /// One cycle per year (ADMIN). Past years are accepted, to import earlier cohorts.
    async fn create_recruitment_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The year, its seats and its calendar; BAD_USER_INPUT names the first field that fails."
        )]
        input: CreateRecruitmentCycleInput,
    ) -> Result<RecruitmentCycle> {
        run(ctx, CreateRecruitmentCycle::from(input))
            .await
            .map(RecruitmentCycle)
    }

    /// PLANNING -> EARLY_CALL_OPEN
    /// (ADMIN): doctors may now apply to the cycle's PUBLISHED courses, and
    /// the societies' participation is fixed. Subscribers of
    /// cyclePhaseChanged are told.
    async fn open_early_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intake year of the cycle (trainees start on 1 April of it).")]
        year: i32,
    ) -> Result<RecruitmentCycle> {
        run(ctx, OpenEarlyCall { year }).await.map(RecruitmentCycle)
    }

    /// EARLY_CALL_OPEN -> EARLY_CALL_CLOSED
    /// (ADMIN): no more applications; the quotas can be allocated.
    async fn close_early_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intake year of the cycle (trainees start on 1 April of it).")]
        year: i32,
    ) -> Result<RecruitmentCycle> {
        run(ctx, CloseEarlyCall { year })
            .await
            .map(RecruitmentCycle)
    }

    /// EARLY_CALL_CLOSED -> QUOTAS_ALLOCATED: computes every field's quota from the applications
    /// (ADMIN) by the quota rule of II.2(2), and returns all 19 in the
    /// official order. BAD_USER_INPUT when totalCapacity is below the number
    /// of participating fields.
    async fn allocate_field_quotas(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intake year of the cycle (trainees start on 1 April of it).")]
        year: i32,
    ) -> Result<Vec<FieldQuota>> {
        let quotas = run(ctx, AllocateFieldQuotas { year }).await?;
        Ok(quotas.into_iter().map(FieldQuota).collect())
    }

    /// change one field's quota after allocation when applications shifted greatly
    /// (ADMIN, II.3(3)), while QUOTAS_ALLOCATED. The other fields keep
    /// theirs, so the total may differ from totalCapacity.
    async fn adjust_field_quota(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intake year of the cycle (trainees start on 1 April of it).")]
        year: i32,
        #[graphql(desc = "The basic field whose quota changes.")] field: FieldCode,
        #[graphql(
            desc = "The new quota: 0 to 10,000, and not below the field's adoptions so far."
        )]
        quota: i32,
        #[graphql(desc = "Why, 1 to 2000 characters; shown as adjustmentReason.")] reason: String,
    ) -> Result<FieldQuota> {
        let command = AdjustFieldQuota {
            year,
            field,
            quota,
            reason,
        };
        run(ctx, command).await.map(FieldQuota)
    }

    /// QUOTAS_ALLOCATED -> SELECTION_FINALIZED: every undecided application becomes
    /// NOT_ADOPTED; each not-adopted applicant's parallel general application becomes
    /// ACTIVE (fallback to the regular program); each adopted applicant's is WITHDRAWN
    /// and a Trainee is created. Run again, it changes nothing.
    /// The board only (ADMIN); CONFLICT while a society's proposal waits
    /// for it. An adoption into a course withdrawn since does not stand
    /// (II.3(1)).
    async fn finalize_selection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intake year of the cycle (trainees start on 1 April of it).")]
        year: i32,
    ) -> Result<RecruitmentCycle> {
        run(ctx, FinalizeSelection { year })
            .await
            .map(RecruitmentCycle)
    }
}

impl From<CreateRecruitmentCycleInput> for CreateRecruitmentCycle {
    fn from(input: CreateRecruitmentCycleInput) -> Self {
        Self {
            year: input.year,
            total_capacity: input.total_capacity,
            early_call_opens_on: input.early_call_opens_on.0,
            early_call_closes_on: input.early_call_closes_on.0,
            general_call_opens_on: input.general_call_opens_on.0,
            sanction_years: input.sanction_years,
            course_years: input.course_years,
            clinical_years: input.clinical_years,
            flexible_second_paper: input.flexible_second_paper,
        }
    }
}
