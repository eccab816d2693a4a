//! Recruitment cycles by year, and the societies' yearly participation and
//! field quotas.

use super::{Db, group, index};
use crate::entity::{field_quota, participation, recruitment_cycle};
use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;

keys! {
    /// The recruitment cycle of a year.
    CycleYear(i32);
    /// The field quotas of a year.
    FieldQuotasOf(i32);
}

/// A society's decision for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParticipationOf {
    pub society_id: i64,
    pub year: i32,
}

/// A society's field quota of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldQuotaOf {
    pub society_id: i64,
    pub year: i32,
}

impl Loader<CycleYear> for Db {
    type Value = recruitment_cycle::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[CycleYear]) -> Result<HashMap<CycleYear, Self::Value>, DbErr> {
        let rows = recruitment_cycle::Entity::find()
            .filter(recruitment_cycle::Column::Year.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(index(rows, |m| CycleYear(m.year)))
    }
}

impl Loader<ParticipationOf> for Db {
    type Value = participation::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[ParticipationOf],
    ) -> Result<HashMap<ParticipationOf, Self::Value>, DbErr> {
        let rows = participation::Entity::find()
            .filter(participation::Column::SocietyId.is_in(keys.iter().map(|k| k.society_id)))
            .filter(participation::Column::Year.is_in(keys.iter().map(|k| k.year)))
            .all(&self.db)
            .await?;
        Ok(index(rows, |m| ParticipationOf {
            society_id: m.society_id,
            year: m.year,
        }))
    }
}

impl Loader<FieldQuotaOf> for Db {
    type Value = field_quota::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[FieldQuotaOf],
    ) -> Result<HashMap<FieldQuotaOf, Self::Value>, DbErr> {
        let rows = field_quota::Entity::find()
            .filter(field_quota::Column::SocietyId.is_in(keys.iter().map(|k| k.society_id)))
            .filter(field_quota::Column::Year.is_in(keys.iter().map(|k| k.year)))
            .all(&self.db)
            .await?;
        Ok(index(rows, |m| FieldQuotaOf {
            society_id: m.society_id,
            year: m.year,
        }))
    }
}

impl Loader<FieldQuotasOf> for Db {
    type Value = Vec<field_quota::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[FieldQuotasOf],
    ) -> Result<HashMap<FieldQuotasOf, Self::Value>, DbErr> {
        let rows = field_quota::Entity::find()
            .filter(field_quota::Column::Year.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(group(rows, |m| FieldQuotasOf(m.year)))
    }
}
