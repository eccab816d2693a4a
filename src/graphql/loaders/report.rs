//! Annual reports: by id, their versions, entries and guidance.

use super::{Db, group, index};
use crate::entity::{annual_report, annual_report_entry, annual_report_version, guidance};
use crate::graphql::visibility;
use async_graphql::dataloader::Loader;
use sea_orm::{DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

keys! {
    /// An annual report the viewer may see.
    ReportId(i64);
    /// The submitted versions of a report, oldest first.
    VersionsOf(i64);
    /// The trainee entries of a report version.
    EntriesOf(i64);
    /// The guidance issued on a report.
    GuidanceOf(i64);
}

impl Loader<ReportId> for Db {
    type Value = annual_report::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[ReportId]) -> Result<HashMap<ReportId, Self::Value>, DbErr> {
        let select = annual_report::Entity::find().filter(visibility::annual_reports(&self.viewer));
        let rows = self
            .rows_in(select, annual_report::Column::Id, keys.iter().map(|k| k.0))
            .await?;
        Ok(index(rows, |m| ReportId(m.id)))
    }
}

impl Loader<VersionsOf> for Db {
    type Value = Vec<annual_report_version::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[VersionsOf]) -> Result<HashMap<VersionsOf, Self::Value>, DbErr> {
        let select = annual_report_version::Entity::find()
            .order_by_asc(annual_report_version::Column::Version);
        let rows = self
            .rows_in(
                select,
                annual_report_version::Column::ReportId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| VersionsOf(m.report_id)))
    }
}

impl Loader<EntriesOf> for Db {
    type Value = Vec<annual_report_entry::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[EntriesOf]) -> Result<HashMap<EntriesOf, Self::Value>, DbErr> {
        let select =
            annual_report_entry::Entity::find().order_by_asc(annual_report_entry::Column::Id);
        let rows = self
            .rows_in(
                select,
                annual_report_entry::Column::VersionId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| EntriesOf(m.version_id)))
    }
}

impl Loader<GuidanceOf> for Db {
    type Value = Vec<guidance::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[GuidanceOf]) -> Result<HashMap<GuidanceOf, Self::Value>, DbErr> {
        let select = guidance::Entity::find().order_by_asc(guidance::Column::Id);
        let rows = self
            .rows_in(select, guidance::Column::ReportId, keys.iter().map(|k| k.0))
            .await?;
        Ok(group(rows, |m| GuidanceOf(m.report_id)))
    }
}
