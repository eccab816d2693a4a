//! The `extensions` table.

use super::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "extensions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub trainee_id: i64,
    pub reason: ExtensionReason,
    pub months: i32,
    pub status: DecisionStatus,
    pub note: Option<String>,
    pub requested_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    /// The society's answer (III.1); `None` until it answers.
    pub society_agreed: Option<bool>,
    pub society_answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
