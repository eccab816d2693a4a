//! The `departures` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "departures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub trainee_id: i64,
    pub departed_on: Date,
    pub reason: String,
    /// Granted by the board (III.3): no seat is lost.
    pub special_circumstances: bool,
    /// Claimed by whoever recorded the departure; only the board grants it.
    pub special_circumstances_claimed: bool,
    pub special_circumstances_decided_at: Option<DateTimeUtc>,
    pub quota_reduction_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
