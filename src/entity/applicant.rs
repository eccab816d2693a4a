//! The `applicants` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applicants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The `sub` of the token the doctor registered with.
    pub subject: String,
    pub full_name: String,
    pub full_name_kana: Option<String>,
    pub email: String,
    pub medical_license_number: String,
    pub university: String,
    pub graduation_year: i32,
    pub initial_training_completed_on: Date,
    pub obligated_service_graduate: bool,
    pub regional_quota_obligation: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
