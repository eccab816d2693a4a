//! The `institution_certifications` table: the fields in which an
//! institution is a certified training facility of the regular programs.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "institution_certifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub society_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
