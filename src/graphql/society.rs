//! Societies (基本領域学会), their yearly participation and field quotas.

use super::context::{loaders, societies};
use super::course::CourseConnection;
use super::loaders::{FieldQuotaOf, ParticipationOf, SocietyCourseCount, SocietyCourses};
use super::pagination::PageArgs;
use super::scalars::DateTime;
use crate::entity::enums::FieldCode;
use crate::entity::{field_quota, participation, society};
use crate::ids;
use async_graphql::{Context, ID, Object, Result};

#[derive(Clone)]
pub struct Society(pub society::Model);

/// A basic-field society. For GENERAL_PRACTICE the board itself acts as the society.
/// One per basic field (基本領域学会, guideline II.1): it decides each year
/// whether its field takes part, sets up the field's courses and proposes
/// adoptions. All 19 exist from the start; public.
#[Object]
impl Society {
    /// The society's global ID (Node).
    pub async fn id(&self) -> ID {
        ids::encode(ids::SOCIETY, self.0.id)
    }
    /// The basic field (基本領域) the society stands for; arguments that take
    /// a field take this code.
    async fn code(&self) -> FieldCode {
        self.0.code
    }
    /// The field's name in Japanese, e.g. 内科.
    async fn field_name_ja(&self) -> &str {
        &self.0.field_name_ja
    }
    /// The field's name in English, e.g. Internal Medicine.
    async fn field_name_en(&self) -> &str {
        &self.0.field_name_en
    }
    /// The society's name in Japanese, e.g. 日本内科学会 (日本専門医機構 for
    /// GENERAL_PRACTICE).
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    /// The society's name in English, e.g. The Japanese Society of Internal
    /// Medicine.
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    /// True for GENERAL_PRACTICE alone: the board (日本専門医機構) is its
    /// society (II.1), so every write for the field is the board's (ADMIN)
    /// and a SOCIETY token of the field may only read.
    async fn operated_by_board(&self) -> bool {
        self.0.operated_by_board
    }

    /// null while the society has not decided for that year. Its decision
    /// whether the field takes part in that year's early call (II.2(1)); a
    /// field whose society never decides takes part.
    async fn participation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intake year of the recruitment cycle.")] year: i32,
    ) -> Result<Option<Participation>> {
        let key = ParticipationOf {
            society_id: self.0.id,
            year,
        };
        Ok(loaders(ctx)?.one(key).await?.map(Participation))
    }

    /// The field's courses that this viewer may see (as in Query.courses),
    /// oldest first.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn courses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the courses of this intake year.")] year: Option<i32>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<CourseConnection> {
        let page = PageArgs::parse(first, after.as_deref())?;
        let loaders = loaders(ctx)?;
        let key = SocietyCourses {
            society_id: self.0.id,
            year,
            page,
        };
        let total = loaders.total_count(SocietyCourseCount {
            society_id: self.0.id,
            year,
        });
        Ok(CourseConnection::new(loaders.page(key, page).await?, total))
    }

    /// The field's quota (定員) in that year's cycle; null until the board
    /// allocates the quotas (allocateFieldQuotas). Public.
    async fn field_quota(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intake year of the recruitment cycle.")] year: i32,
    ) -> Result<Option<FieldQuota>> {
        let key = FieldQuotaOf {
            society_id: self.0.id,
            year,
        };
        Ok(loaders(ctx)?.one(key).await?.map(FieldQuota))
    }
}

/// The society of a row's `society_id`; the catalog holds all 19.
pub fn society_of(ctx: &Context<'_>, society_id: i64) -> Result<Society> {
    societies(ctx)
        .by_id(society_id)
        .cloned()
        .map(Society)
        .ok_or_else(missing_society)
}

/// A society id that the catalog, loaded at start, does not hold.
pub fn missing_society() -> async_graphql::Error {
    "society missing from the catalog".into()
}

pub struct Participation(pub participation::Model);

/// A society's decision whether its field takes part in one year's early
/// call (参加・不参加, II.2(1): staying out is allowed). Public.
#[Object]
impl Participation {
    /// The intake year decided for.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Whether the field takes part: false leaves it out of the quota rule
    /// (no seat, and no course can be created for the year).
    async fn participating(&self) -> bool {
        self.0.participating
    }
    /// When the decision was last set (setParticipation); it can change
    /// until the early call opens.
    async fn decided_at(&self) -> DateTime {
        self.0.decided_at.into()
    }
}

pub struct FieldQuota(pub field_quota::Model);

/// A field's seats in one cycle. Every participating field gets minimumSeats (1);
/// the remaining seats, including those of fields that do not take part, are
/// shared in proportion to each field's share of all applicants.
/// The board's quota (定員) of one field (II.2(2)), computed by
/// allocateFieldQuotas when the early call has closed and kept as computed:
/// only adjustFieldQuota changes it. Public.
#[Object]
impl FieldQuota {
    /// The society of the field (the board for GENERAL_PRACTICE).
    async fn society(&self, ctx: &Context<'_>) -> Result<Society> {
        society_of(ctx, self.0.society_id)
    }
    /// Whether the field took part in the cycle (II.2(1)); one that did not
    /// has minimumSeats and quota 0.
    async fn participating(&self) -> bool {
        self.0.participating
    }
    /// The applications the quota rule counted for the field (a_f of
    /// II.2(2)), frozen when the quotas were allocated: the cycle's
    /// applications to the field's courses that had been announced
    /// (PUBLISHED, even if withdrawn since), not withdrawn by then, from
    /// doctors eligible for the year. Shown for a field not taking part
    /// too, where it earns no seat. Not CycleStatistics.byField.applicants,
    /// which counts every application to the field's courses as it stands
    /// now: withdrawn ones, those of ineligible doctors and those to courses
    /// never announced included (docs/calendar.md, "Counting applicants").
    async fn applicants(&self) -> i32 {
        self.0.applicants
    }
    /// The seat every participating field gets first: 1, or 0 for a field
    /// not taking part.
    async fn minimum_seats(&self) -> i32 {
        self.0.minimum_seats
    }
    /// the exact proportional share of the remaining seats, before rounding:
    /// R × applicants ÷ A, where R is totalCapacity minus the number of
    /// participating fields and A the applicants of all participating
    /// fields; 0 when A is 0 or the field does not take part. For display:
    /// the quota is computed in exact integers.
    async fn proportional_share(&self) -> f64 {
        self.0.share_numerator as f64 / self.0.share_denominator as f64
    }
    /// seats from the rounding step: 1 when the field won one of the seats
    /// left after every field's whole share (largest remainders first; ties
    /// to more applicants, then the official order), else 0.
    async fn remainder_seats(&self) -> i32 {
        self.0.remainder_seats
    }
    /// The field's seats: minimumSeats + the whole part of
    /// proportionalShare + remainderSeats, or the board's figure after
    /// adjustFieldQuota. Adoptions in the field, proposals included, may
    /// not pass it (QUOTA_EXCEEDED).
    async fn quota(&self) -> i32 {
        self.0.quota
    }
    /// set when the board changed the computed quota (adjustFieldQuota,
    /// II.3(3)): the reason it gave; null while the quota is as computed.
    async fn adjustment_reason(&self) -> Option<&str> {
        self.0.adjustment_reason.as_deref()
    }
}
