//! Societies (基本領域学会), their yearly participation and field quotas.

use super::context::{loaders, societies};
use super::course::CourseConnection;
use super::ids;
use super::loaders::{FieldQuotaOf, ParticipationOf, SocietyCourseCount, SocietyCourses};
use super::pagination::PageArgs;
use super::scalars::DateTime;
use crate::entity::enums::FieldCode;
use crate::entity::{field_quota, participation, society};
use async_graphql::{Context, ID, Object, Result};

/// A basic-field society. For GENERAL_PRACTICE the board itself acts as the society.
#[derive(Clone)]
pub struct Society(pub society::Model);

#[Object]
impl Society {
    pub async fn id(&self) -> ID {
        ids::encode(ids::SOCIETY, self.0.id)
    }
    async fn code(&self) -> FieldCode {
        self.0.code
    }
    async fn field_name_ja(&self) -> &str {
        &self.0.field_name_ja
    }
    async fn field_name_en(&self) -> &str {
        &self.0.field_name_en
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    async fn operated_by_board(&self) -> bool {
        self.0.operated_by_board
    }

    /// null while the society has not decided for that year
    async fn participation(&self, ctx: &Context<'_>, year: i32) -> Result<Option<Participation>> {
        let key = ParticipationOf {
            society_id: self.0.id,
            year,
        };
        Ok(loaders(ctx)?.one(key).await?.map(Participation))
    }

    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn courses(
        &self,
        ctx: &Context<'_>,
        year: Option<i32>,
        first: Option<i32>,
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

    async fn field_quota(&self, ctx: &Context<'_>, year: i32) -> Result<Option<FieldQuota>> {
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
        .ok_or_else(|| "society missing from the catalog".into())
}

pub struct Participation(pub participation::Model);

#[Object]
impl Participation {
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn participating(&self) -> bool {
        self.0.participating
    }
    async fn decided_at(&self) -> DateTime {
        self.0.decided_at.into()
    }
}

/// A field's seats in one cycle. Every participating field gets minimumSeats (1);
/// the remaining seats, including those of fields that do not take part, are
/// shared in proportion to each field's share of all applicants.
pub struct FieldQuota(pub field_quota::Model);

#[Object]
impl FieldQuota {
    async fn society(&self, ctx: &Context<'_>) -> Result<Society> {
        society_of(ctx, self.0.society_id)
    }
    async fn participating(&self) -> bool {
        self.0.participating
    }
    async fn applicants(&self) -> i32 {
        self.0.applicants
    }
    async fn minimum_seats(&self) -> i32 {
        self.0.minimum_seats
    }
    /// the exact proportional share of the remaining seats, before rounding
    async fn proportional_share(&self) -> f64 {
        self.0.share_numerator as f64 / self.0.share_denominator as f64
    }
    /// seats from the rounding step
    async fn remainder_seats(&self) -> i32 {
        self.0.remainder_seats
    }
    async fn quota(&self) -> i32 {
        self.0.quota
    }
    /// set when the board changed the computed quota
    async fn adjustment_reason(&self) -> Option<&str> {
        self.0.adjustment_reason.as_deref()
    }
}
