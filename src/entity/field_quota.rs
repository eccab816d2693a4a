//! The `field_quotas` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "field_quotas")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub year: i32,
    pub society_id: i64,
    pub participating: bool,
    pub applicants: i32,
    pub minimum_seats: i32,
    /// R * a_f: with `share_denominator` (A) the exact proportional share.
    pub share_numerator: i64,
    pub share_denominator: i64,
    pub remainder_seats: i32,
    /// The quota the rule computed, kept when the board adjusts `quota`.
    pub computed_quota: i32,
    pub quota: i32,
    pub adjustment_reason: Option<String>,
    pub adjusted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
