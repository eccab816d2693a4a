//! The `trainees` table.

use super::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trainees")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub applicant_id: i64,
    pub course_id: i64,
    pub application_id: i64,
    pub started_on: Date,
    pub research_effort_percent: Option<i32>,
    pub graduate_school: Option<String>,
    pub board_certified_on: Option<Date>,
    pub degree: DegreeStatus,
    /// Set when the course confirms completion.
    pub completion_confirmed_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
