//! The `demo_facts` table: the one row `csc seed-demo` writes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "demo_facts")]
pub struct Model {
    /// Always 1: there is one demo per database.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The day the demo data describes.
    pub today: Date,
    pub scale: f64,
    /// The generator's seed (a u64), as text.
    pub seed: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
