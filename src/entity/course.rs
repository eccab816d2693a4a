//! The `courses` table.

use super::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub year: i32,
    pub society_id: i64,
    pub title: String,
    pub responsible_institution_id: i64,
    pub director: String,
    pub requested_capacity: i32,
    pub status: CourseStatus,
    pub curriculum: String,
    pub research_host_kind: ResearchHostKind,
    pub research_host_name: String,
    pub research_host_institution_id: Option<i64>,
    pub research_host_paper_count: i32,
    pub research_host_paper_record: Option<String>,
    pub guarantee_clinical_phase: String,
    pub guarantee_research_phase: String,
    pub guarantee_social_insurance: bool,
    pub guarantee_working_graduate_student: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub approved_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawal_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
