//! Applications to courses in the early call, with the parallel general application (併願).

use super::applicant::{Applicant, visible_applicant};
use super::context::{db, loaders, societies, viewer};
use super::course::{Course, visible_course};
use super::cycle::{RecruitmentCycle, cycle_by_year};
use super::ids;
use super::institution::{Institution, institution_by_id};
use super::loaders::{ApplicationId, GeneralApplicationOf};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::scalars::DateTime;
use super::society::{Society, society_of};
use super::visibility;
use crate::entity::enums::{
    ApplicationOutcome, ApplicationStatus, FieldCode, GeneralApplicationStatus,
};
use crate::entity::{application, course, general_application};
use crate::error::AppError;
use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

/// An application to a course in the early call.
#[derive(Clone)]
pub struct Application(pub application::Model);

impl From<application::Model> for Application {
    fn from(m: application::Model) -> Self {
        Self(m)
    }
}

connection!(
    ApplicationConnection,
    ApplicationEdge,
    Application,
    application::Model
);

#[derive(InputObject, Default)]
pub struct ApplicationFilter {
    pub year: Option<i32>,
    pub field: Option<FieldCode>,
    pub course_id: Option<ID>,
    pub status: Option<ApplicationStatus>,
}

impl ApplicationFilter {
    pub fn condition(&self, ctx: &Context<'_>) -> Condition {
        let mut cond = Condition::all();
        if let Some(year) = self.year {
            cond = cond.add(application::Column::Year.eq(year));
        }
        if let Some(field) = self.field {
            let society_id = societies(ctx).by_code(field).map_or(0, |s| s.id);
            cond = cond.add(
                application::Column::CourseId.in_subquery(
                    Query::select()
                        .column(course::Column::Id)
                        .from(course::Entity)
                        .and_where(course::Column::SocietyId.eq(society_id))
                        .to_owned(),
                ),
            );
        }
        if let Some(raw) = &self.course_id {
            let id = ids::decode_kind(raw, ids::COURSE).unwrap_or(0);
            cond = cond.add(application::Column::CourseId.eq(id));
        }
        if let Some(status) = self.status {
            cond = cond.add(application::Column::Status.eq(status));
        }
        cond
    }
}

pub async fn list_applications(
    ctx: &Context<'_>,
    filter: Condition,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<ApplicationConnection> {
    let args = PageArgs::parse(first, after)?;
    let select = application::Entity::find()
        .filter(visibility::applications(viewer(ctx)))
        .filter(filter);
    let page = fetch_page(db(ctx), select.clone(), application::Column::Id, args).await?;
    Ok(ApplicationConnection::new(
        page,
        TotalCount::of(db(ctx), select),
    ))
}

/// The application, if the viewer may see it (batched).
pub async fn visible_application(ctx: &Context<'_>, id: i64) -> Result<Option<Application>> {
    Ok(loaders(ctx)?.one(ApplicationId(id)).await?.map(Application))
}

/// Whoever sees an application sees its applicant and course: the
/// visibility rules are built so; a miss here is a broken invariant.
fn missing(what: &str, id: i64) -> async_graphql::Error {
    AppError::Internal(format!("{what} of application {id} is not visible")).into()
}

#[Object]
impl Application {
    pub async fn id(&self) -> ID {
        ids::encode(ids::APPLICATION, self.0.id)
    }
    async fn applicant(&self, ctx: &Context<'_>) -> Result<Applicant> {
        visible_applicant(ctx, self.0.applicant_id)
            .await?
            .ok_or_else(|| missing("applicant", self.0.id))
    }
    async fn cycle(&self, ctx: &Context<'_>) -> Result<RecruitmentCycle> {
        cycle_by_year(ctx, self.0.year)
            .await?
            .ok_or_else(|| missing("cycle", self.0.id))
    }
    async fn course(&self, ctx: &Context<'_>) -> Result<Course> {
        visible_course(ctx, self.0.course_id)
            .await?
            .ok_or_else(|| missing("course", self.0.id))
    }
    async fn status(&self) -> ApplicationStatus {
        self.0.status
    }
    async fn submitted_at(&self) -> DateTime {
        self.0.submitted_at.into()
    }
    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(DateTime)
    }
    async fn general_application(&self, ctx: &Context<'_>) -> Result<Option<GeneralApplication>> {
        let row = loaders(ctx)?.one(GeneralApplicationOf(self.0.id)).await?;
        Ok(row.map(GeneralApplication))
    }
    async fn outcome(&self) -> ApplicationOutcome {
        self.0.outcome
    }
}

/// The parallel application (併願) to a regular specialty training program.
pub struct GeneralApplication(pub general_application::Model);

#[Object]
impl GeneralApplication {
    pub async fn id(&self) -> ID {
        ids::encode(ids::GENERAL_APPLICATION, self.0.id)
    }
    async fn program_name(&self) -> &str {
        &self.0.program_name
    }
    async fn society(&self, ctx: &Context<'_>) -> Result<Society> {
        society_of(ctx, self.0.society_id)
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_by_id(ctx, self.0.institution_id).await
    }
    async fn status(&self) -> GeneralApplicationStatus {
        self.0.status
    }
    async fn activated_at(&self) -> Option<DateTime> {
        self.0.activated_at.map(DateTime)
    }
}

/// applications.course_id → courses.id, for joins.
pub fn join_course() -> sea_orm::RelationDef {
    use sea_orm::EntityTrait;
    application::Entity::belongs_to(course::Entity)
        .from(application::Column::CourseId)
        .to(course::Column::Id)
        .into()
}

/// applications.applicant_id → applicants.id, for joins.
pub fn join_applicant() -> sea_orm::RelationDef {
    use sea_orm::EntityTrait;
    application::Entity::belongs_to(crate::entity::applicant::Entity)
        .from(application::Column::ApplicantId)
        .to(crate::entity::applicant::Column::Id)
        .into()
}
