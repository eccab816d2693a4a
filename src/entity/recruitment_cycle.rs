//! The `recruitment_cycles` table.

use super::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recruitment_cycles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub year: i32,
    pub total_capacity: i32,
    pub early_call_opens_on: Date,
    pub early_call_closes_on: Date,
    pub general_call_opens_on: Date,
    pub sanction_years: i32,
    pub phase: CyclePhase,
    /// Course length in years for this intake (7 under the 2020 guideline).
    pub course_years: i32,
    /// Years of the clinical phase for this intake (2 under the 2020 guideline).
    pub clinical_years: i32,
    /// From 2024 one of the two papers may be an English case report or a Japanese clinical paper.
    pub flexible_second_paper: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
