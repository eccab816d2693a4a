//! Courses: by id, their partner sites and application counts, and the nested
//! `Society.courses` and `Institution.courses` connections.

use super::part::RowKey;
use super::{Db, by_shape};
use crate::entity::enums::ApplicationStatus;
use crate::entity::{application, course, course_partner_site, institution};
use crate::graphql::joined::blank;
use crate::graphql::pagination::{Page, PageArgs, count_by_parent, fetch_pages_by_parent};
use crate::graphql::visibility;
use async_graphql::dataloader::Loader;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;

keys! {
    /// A course the viewer may see.
    CourseId(i64);
    /// The partner institutions of a course, by institution id.
    PartnersOf(i64);
    /// Application counts of a course.
    ApplicationCountsOf(i64);
}

/// `Society.courses`: a page of the society's courses the viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocietyCourses {
    pub society_id: i64,
    pub year: Option<i32>,
    pub page: PageArgs,
}

/// `Society.courses.totalCount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocietyCourseCount {
    pub society_id: i64,
    pub year: Option<i32>,
}

/// `Institution.courses`: a page of the courses it is responsible for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstitutionCourses {
    pub institution_id: i64,
    pub year: Option<i32>,
    pub page: PageArgs,
}

/// `Institution.courses.totalCount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstitutionCourseCount {
    pub institution_id: i64,
    pub year: Option<i32>,
}

/// Applications of a course, as `Course.applicantCount` and `adoptedCount` count them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplicationCounts {
    /// not withdrawn
    pub applicants: i64,
    pub adopted: i64,
}

impl Db {
    fn courses(&self, year: Option<i32>) -> Select<course::Entity> {
        let mut select = course::Entity::find().filter(visibility::courses(&self.viewer));
        if let Some(year) = year {
            select = select.filter(course::Column::Year.eq(year));
        }
        select
    }
}

impl RowKey for CourseId {
    type Entity = course::Entity;
    fn column() -> course::Column {
        course::Column::Id
    }
    fn value(self) -> i64 {
        self.0
    }
    fn of(model: &course::Model) -> Self {
        Self(model.id)
    }
    fn blank() -> course::Model {
        blank::course()
    }
    fn visible(db: &Db, _: &[i64]) -> Select<course::Entity> {
        course::Entity::find().filter(visibility::courses(&db.viewer))
    }
}

impl Loader<CourseId> for Db {
    type Value = course::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[CourseId]) -> Result<HashMap<CourseId, Self::Value>, DbErr> {
        self.rows_by(keys).await
    }
}

impl Loader<PartnersOf> for Db {
    type Value = Vec<institution::Model>;
    type Error = DbErr;

    /// One join: the partners' institution rows with the course they serve.
    async fn load(&self, keys: &[PartnersOf]) -> Result<HashMap<PartnersOf, Self::Value>, DbErr> {
        let partner_site = institution::Entity::belongs_to(course_partner_site::Entity)
            .from(institution::Column::Id)
            .to(course_partner_site::Column::InstitutionId)
            .into();
        let query = institution::Entity::find()
            .column_as(course_partner_site::Column::CourseId, "partner_course_id")
            .join(JoinType::InnerJoin, partner_site)
            .filter(course_partner_site::Column::CourseId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(institution::Column::Id);
        let rows = self
            .db
            .query_all_raw(self.db.get_database_backend().build(&query.into_query()))
            .await?;
        let mut out: HashMap<PartnersOf, Self::Value> = HashMap::new();
        for row in rows {
            let course_id: i64 = row.try_get("", "partner_course_id")?;
            let institution = institution::Model::from_query_result(&row, "")?;
            out.entry(PartnersOf(course_id))
                .or_default()
                .push(institution);
        }
        Ok(out)
    }
}

impl Loader<ApplicationCountsOf> for Db {
    type Value = ApplicationCounts;
    type Error = DbErr;

    /// `SELECT course_id, status, COUNT(*) … GROUP BY course_id, status`.
    async fn load(
        &self,
        keys: &[ApplicationCountsOf],
    ) -> Result<HashMap<ApplicationCountsOf, Self::Value>, DbErr> {
        let rows: Vec<(i64, ApplicationStatus, i64)> = application::Entity::find()
            .select_only()
            .column(application::Column::CourseId)
            .column(application::Column::Status)
            .column_as(application::Column::Id.count(), "n")
            .filter(application::Column::CourseId.is_in(keys.iter().map(|k| k.0)))
            .group_by(application::Column::CourseId)
            .group_by(application::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut out: HashMap<ApplicationCountsOf, ApplicationCounts> = HashMap::new();
        for (course_id, status, n) in rows {
            let counts = out.entry(ApplicationCountsOf(course_id)).or_default();
            if status != ApplicationStatus::Withdrawn {
                counts.applicants += n;
            }
            if status == ApplicationStatus::Adopted {
                counts.adopted += n;
            }
        }
        Ok(out)
    }
}

impl Loader<SocietyCourses> for Db {
    type Value = Page<course::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[SocietyCourses],
    ) -> Result<HashMap<SocietyCourses, Self::Value>, DbErr> {
        let mut out = HashMap::new();
        for ((year, page), parents) in by_shape(keys, |k| ((k.year, k.page), k.society_id)) {
            let pages = fetch_pages_by_parent(
                &self.db,
                self.courses(year),
                (course::Column::SocietyId, course::Column::Id),
                &parents,
                page,
                |m| m.society_id,
            )
            .await?;
            out.extend(pages.into_iter().map(|(society_id, p)| {
                let key = SocietyCourses {
                    society_id,
                    year,
                    page,
                };
                (key, p)
            }));
        }
        Ok(out)
    }
}

impl Loader<SocietyCourseCount> for Db {
    type Value = u64;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[SocietyCourseCount],
    ) -> Result<HashMap<SocietyCourseCount, u64>, DbErr> {
        let mut out = HashMap::new();
        for (year, parents) in by_shape(keys, |k| (k.year, k.society_id)) {
            let counts = count_by_parent(
                &self.db,
                self.courses(year),
                course::Column::SocietyId,
                &parents,
            )
            .await?;
            out.extend(
                counts
                    .into_iter()
                    .map(|(society_id, n)| (SocietyCourseCount { society_id, year }, n)),
            );
        }
        Ok(out)
    }
}

impl Loader<InstitutionCourses> for Db {
    type Value = Page<course::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[InstitutionCourses],
    ) -> Result<HashMap<InstitutionCourses, Self::Value>, DbErr> {
        let mut out = HashMap::new();
        for ((year, page), parents) in by_shape(keys, |k| ((k.year, k.page), k.institution_id)) {
            let pages = fetch_pages_by_parent(
                &self.db,
                self.courses(year),
                (course::Column::ResponsibleInstitutionId, course::Column::Id),
                &parents,
                page,
                |m| m.responsible_institution_id,
            )
            .await?;
            out.extend(pages.into_iter().map(|(institution_id, p)| {
                let key = InstitutionCourses {
                    institution_id,
                    year,
                    page,
                };
                (key, p)
            }));
        }
        Ok(out)
    }
}

impl Loader<InstitutionCourseCount> for Db {
    type Value = u64;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[InstitutionCourseCount],
    ) -> Result<HashMap<InstitutionCourseCount, u64>, DbErr> {
        let mut out = HashMap::new();
        for (year, parents) in by_shape(keys, |k| (k.year, k.institution_id)) {
            let counts = count_by_parent(
                &self.db,
                self.courses(year),
                course::Column::ResponsibleInstitutionId,
                &parents,
            )
            .await?;
            out.extend(counts.into_iter().map(|(institution_id, n)| {
                (
                    InstitutionCourseCount {
                        institution_id,
                        year,
                    },
                    n,
                )
            }));
        }
        Ok(out)
    }
}
