//! The `research_effort_reports` table: a trainee's share of effort on
//! research, one value per training year (April to March).

use super::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "research_effort_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub trainee_id: i64,
    /// The training year: April of `year` to March of the next.
    pub year: i32,
    pub percent: i32,
    pub source: EffortSource,
    pub reported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
