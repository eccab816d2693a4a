//! Applicants and applications: by id, an applicant's applications, the
//! parallel general application, and the nested `Course.applications`.

use super::part::RowKey;
use super::{Db, by_shape, group, index};
use crate::entity::enums::ApplicationStatus;
use crate::entity::{applicant, application, general_application};
use crate::graphql::joined::blank;
use crate::graphql::pagination::{Page, PageArgs, count_by_parent, fetch_pages_by_parent};
use crate::graphql::visibility;
use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Select};
use std::collections::HashMap;

keys! {
    /// An applicant the viewer may see.
    ApplicantId(i64);
    /// An application the viewer may see.
    ApplicationId(i64);
    /// The applications of an applicant that the viewer may see.
    ApplicationsOfApplicant(i64);
    /// The general application (併願) of an application.
    GeneralApplicationOf(i64);
}

/// `Course.applications`: a page of the course's applications the viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CourseApplications {
    pub course_id: i64,
    pub status: Option<ApplicationStatus>,
    pub page: PageArgs,
}

/// `Course.applications.totalCount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CourseApplicationCount {
    pub course_id: i64,
    pub status: Option<ApplicationStatus>,
}

impl Db {
    fn applications(&self, status: Option<ApplicationStatus>) -> Select<application::Entity> {
        let mut select = application::Entity::find().filter(visibility::applications(&self.viewer));
        if let Some(status) = status {
            select = select.filter(application::Column::Status.eq(status));
        }
        select
    }
}

impl RowKey for ApplicantId {
    type Entity = applicant::Entity;
    fn column() -> applicant::Column {
        applicant::Column::Id
    }
    fn value(self) -> i64 {
        self.0
    }
    fn of(model: &applicant::Model) -> Self {
        Self(model.id)
    }
    fn blank() -> applicant::Model {
        blank::applicant()
    }
    fn visible(db: &Db, ids: &[i64]) -> Select<applicant::Entity> {
        applicant::Entity::find().filter(visibility::applicants_among(&db.viewer, ids))
    }
}

impl Loader<ApplicantId> for Db {
    type Value = applicant::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[ApplicantId]) -> Result<HashMap<ApplicantId, Self::Value>, DbErr> {
        self.rows_by(keys).await
    }
}

impl Loader<ApplicationId> for Db {
    type Value = application::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[ApplicationId],
    ) -> Result<HashMap<ApplicationId, Self::Value>, DbErr> {
        let select = application::Entity::find().filter(visibility::applications(&self.viewer));
        let rows = self
            .rows_in(select, application::Column::Id, keys.iter().map(|k| k.0))
            .await?;
        Ok(index(rows, |m| ApplicationId(m.id)))
    }
}

impl Loader<ApplicationsOfApplicant> for Db {
    type Value = Vec<application::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[ApplicationsOfApplicant],
    ) -> Result<HashMap<ApplicationsOfApplicant, Self::Value>, DbErr> {
        let select = self
            .applications(None)
            .order_by_asc(application::Column::Id);
        let rows = self
            .rows_in(
                select,
                application::Column::ApplicantId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| ApplicationsOfApplicant(m.applicant_id)))
    }
}

/// Seen by whoever sees its application.
impl RowKey for GeneralApplicationOf {
    type Entity = general_application::Entity;
    fn column() -> general_application::Column {
        general_application::Column::ApplicationId
    }
    fn value(self) -> i64 {
        self.0
    }
    fn of(model: &general_application::Model) -> Self {
        Self(model.application_id)
    }
    fn blank() -> general_application::Model {
        blank::general_application()
    }
    fn visible(_: &Db, _: &[i64]) -> Select<general_application::Entity> {
        general_application::Entity::find()
    }
}

/// `None` for an application without one: an answer too, which a query's
/// cache keeps (a joined page hands both kinds over).
impl Loader<GeneralApplicationOf> for Db {
    type Value = Option<general_application::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[GeneralApplicationOf],
    ) -> Result<HashMap<GeneralApplicationOf, Self::Value>, DbErr> {
        let mut found = self.rows_by(keys).await?;
        Ok(keys.iter().map(|&k| (k, found.remove(&k))).collect())
    }
}

impl Loader<CourseApplications> for Db {
    type Value = Page<application::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[CourseApplications],
    ) -> Result<HashMap<CourseApplications, Self::Value>, DbErr> {
        let mut out = HashMap::new();
        for ((status, page), parents) in by_shape(keys, |k| ((k.status, k.page), k.course_id)) {
            let pages = fetch_pages_by_parent(
                &self.db,
                self.applications(status),
                (application::Column::CourseId, application::Column::Id),
                &parents,
                page,
                |m| m.course_id,
            )
            .await?;
            out.extend(pages.into_iter().map(|(course_id, p)| {
                let key = CourseApplications {
                    course_id,
                    status,
                    page,
                };
                (key, p)
            }));
        }
        Ok(out)
    }
}

impl Loader<CourseApplicationCount> for Db {
    type Value = u64;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[CourseApplicationCount],
    ) -> Result<HashMap<CourseApplicationCount, u64>, DbErr> {
        let mut out = HashMap::new();
        for (status, parents) in by_shape(keys, |k| (k.status, k.course_id)) {
            let counts = count_by_parent(
                &self.db,
                self.applications(status),
                application::Column::CourseId,
                &parents,
            )
            .await?;
            out.extend(
                counts
                    .into_iter()
                    .map(|(course_id, n)| (CourseApplicationCount { course_id, status }, n)),
            );
        }
        Ok(out)
    }
}
