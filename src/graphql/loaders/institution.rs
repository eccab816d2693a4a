//! Institutions: the row, its certified fields, sanctions and quota reductions.

use super::part::RowKey;
use super::{Db, by_shape, group, index};
use crate::entity::{institution, institution_certification, quota_reduction, sanction};
use crate::graphql::joined::blank;
use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use std::collections::HashMap;

keys! {
    /// An institution (public).
    InstitutionId(i64);
    /// The fields in which an institution is a certified training facility.
    CertificationsOf(i64);
    /// An institution's sanctions.
    SanctionsOf(i64);
    /// An institution's quota reductions.
    QuotaReductionsOf(i64);
    /// A quota reduction.
    QuotaReductionId(i64);
}

/// The last year of an institution's sanctions running in `from_year` or later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuspendedUntil {
    pub institution_id: i64,
    pub from_year: i32,
}

/// Public.
impl RowKey for InstitutionId {
    type Entity = institution::Entity;
    fn column() -> institution::Column {
        institution::Column::Id
    }
    fn value(self) -> i64 {
        self.0
    }
    fn of(model: &institution::Model) -> Self {
        Self(model.id)
    }
    fn blank() -> institution::Model {
        blank::institution()
    }
    fn visible(_: &Db, _: &[i64]) -> Select<institution::Entity> {
        institution::Entity::find()
    }
}

impl Loader<InstitutionId> for Db {
    type Value = institution::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[InstitutionId],
    ) -> Result<HashMap<InstitutionId, Self::Value>, DbErr> {
        self.rows_by(keys).await
    }
}

impl Loader<CertificationsOf> for Db {
    type Value = Vec<institution_certification::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[CertificationsOf],
    ) -> Result<HashMap<CertificationsOf, Self::Value>, DbErr> {
        let select = institution_certification::Entity::find()
            .order_by_asc(institution_certification::Column::SocietyId);
        let rows = self
            .rows_in(
                select,
                institution_certification::Column::InstitutionId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| CertificationsOf(m.institution_id)))
    }
}

impl Loader<SanctionsOf> for Db {
    type Value = Vec<sanction::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[SanctionsOf]) -> Result<HashMap<SanctionsOf, Self::Value>, DbErr> {
        let select = sanction::Entity::find().order_by_asc(sanction::Column::Id);
        let rows = self
            .rows_in(
                select,
                sanction::Column::InstitutionId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| SanctionsOf(m.institution_id)))
    }
}

impl Loader<SuspendedUntil> for Db {
    type Value = i32;
    type Error = DbErr;

    /// `MAX(until_year)` per institution, over sanctions still running.
    async fn load(&self, keys: &[SuspendedUntil]) -> Result<HashMap<SuspendedUntil, i32>, DbErr> {
        let mut out = HashMap::new();
        for (from_year, institutions) in by_shape(keys, |k| (k.from_year, k.institution_id)) {
            let rows: Vec<(i64, i32)> = sanction::Entity::find()
                .select_only()
                .column(sanction::Column::InstitutionId)
                .column_as(sanction::Column::UntilYear.max(), "until_year")
                .filter(sanction::Column::InstitutionId.is_in(institutions))
                .filter(sanction::Column::UntilYear.gte(from_year))
                .group_by(sanction::Column::InstitutionId)
                .into_tuple()
                .all(&self.db)
                .await?;
            out.extend(rows.into_iter().map(|(institution_id, until)| {
                let key = SuspendedUntil {
                    institution_id,
                    from_year,
                };
                (key, until)
            }));
        }
        Ok(out)
    }
}

impl Loader<QuotaReductionsOf> for Db {
    type Value = Vec<quota_reduction::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[QuotaReductionsOf],
    ) -> Result<HashMap<QuotaReductionsOf, Self::Value>, DbErr> {
        let select = quota_reduction::Entity::find().order_by_asc(quota_reduction::Column::Id);
        let rows = self
            .rows_in(
                select,
                quota_reduction::Column::InstitutionId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| QuotaReductionsOf(m.institution_id)))
    }
}

impl Loader<QuotaReductionId> for Db {
    type Value = quota_reduction::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[QuotaReductionId],
    ) -> Result<HashMap<QuotaReductionId, Self::Value>, DbErr> {
        let select = quota_reduction::Entity::find();
        let rows = self
            .rows_in(
                select,
                quota_reduction::Column::Id,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(index(rows, |m| QuotaReductionId(m.id)))
    }
}
