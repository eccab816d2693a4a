//! The `societies` table.

use super::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "societies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: FieldCode,
    pub position: i32,
    pub field_name_ja: String,
    pub field_name_en: String,
    pub name_ja: String,
    pub name_en: String,
    pub operated_by_board: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
