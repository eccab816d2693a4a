//! The `applications` table.

use super::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub applicant_id: i64,
    pub course_id: i64,
    pub year: i32,
    pub status: ApplicationStatus,
    pub outcome: ApplicationOutcome,
    pub submitted_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
    /// A society's decision, awaiting the board's confirmation (I.2(2)④).
    pub proposed_decision: Option<Decision>,
    pub proposed_at: Option<DateTimeUtc>,
    /// How the final decision was taken; `None` while undecided.
    pub decision_basis: Option<DecisionBasis>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
