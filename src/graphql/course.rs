//! Courses (臨床研究医コース) with their sites, research host and status guarantee.

use super::application::ApplicationConnection;
use super::context::{db, loaders, viewer};
use super::ids;
use super::institution::{Institution, institution_by_id};
use super::loaders::{
    ApplicationCountsOf, CourseApplicationCount, CourseApplications, CourseId, PartnersOf,
    TraineesOfCourse,
};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::scalars::DateTime;
use super::society::{Society, society_of};
use super::trainee::Trainee;
use super::visibility;
use crate::entity::course;
use crate::entity::enums::{ApplicationStatus, CourseStatus, FieldCode, ResearchHostKind};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

/// A clinician scientist course (臨床研究医コース) of one field and year.
#[derive(Clone)]
pub struct Course(pub course::Model);

impl From<course::Model> for Course {
    fn from(m: course::Model) -> Self {
        Self(m)
    }
}

connection!(CourseConnection, CourseEdge, Course, course::Model);

#[derive(InputObject, Default)]
pub struct CourseFilter {
    pub year: Option<i32>,
    pub field: Option<FieldCode>,
    pub institution_id: Option<ID>,
    pub status: Option<CourseStatus>,
}

impl CourseFilter {
    /// The filter as SQL; an ID of another type matches nothing.
    pub fn condition(&self, ctx: &Context<'_>) -> Condition {
        let mut cond = Condition::all();
        if let Some(year) = self.year {
            cond = cond.add(course::Column::Year.eq(year));
        }
        if let Some(field) = self.field {
            let id = super::context::societies(ctx)
                .by_code(field)
                .map_or(0, |s| s.id);
            cond = cond.add(course::Column::SocietyId.eq(id));
        }
        if let Some(raw) = &self.institution_id {
            let id = ids::decode_kind(raw, ids::INSTITUTION).unwrap_or(0);
            cond = cond.add(course::Column::ResponsibleInstitutionId.eq(id));
        }
        if let Some(status) = self.status {
            cond = cond.add(course::Column::Status.eq(status));
        }
        cond
    }
}

/// The courses matching `filter` that the viewer may see, one page of them.
pub async fn list_courses(
    ctx: &Context<'_>,
    filter: Condition,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<CourseConnection> {
    let args = PageArgs::parse(first, after)?;
    let select = course::Entity::find()
        .filter(visibility::courses(viewer(ctx)))
        .filter(filter);
    let page = fetch_page(db(ctx), select.clone(), course::Column::Id, args).await?;
    Ok(CourseConnection::new(page, TotalCount::of(db(ctx), select)))
}

/// The course, if the viewer may see it (batched).
pub async fn visible_course(ctx: &Context<'_>, id: i64) -> Result<Option<Course>> {
    Ok(loaders(ctx)?.one(CourseId(id)).await?.map(Course))
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum SiteRole {
    Responsible,
    Partner,
}

#[derive(SimpleObject)]
pub struct ClinicalSite {
    pub institution: Institution,
    pub role: SiteRole,
}

/// Where the research phase is done, and its publication record.
pub struct ResearchHost(course::Model);

#[Object]
impl ResearchHost {
    async fn kind(&self) -> ResearchHostKind {
        self.0.research_host_kind
    }
    async fn name(&self) -> &str {
        &self.0.research_host_name
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        match self.0.research_host_institution_id {
            Some(id) => Ok(Some(institution_by_id(ctx, id).await?)),
            None => Ok(None),
        }
    }
    /// English-language SCI papers of the host in the last five years
    async fn paper_count_five_years(&self) -> i32 {
        self.0.research_host_paper_count
    }
    async fn paper_record(&self) -> Option<&str> {
        self.0.research_host_paper_record.as_deref()
    }
}

/// Pay and social insurance promised to the trainee (身分保障).
#[derive(SimpleObject)]
pub struct StatusGuarantee {
    pub clinical_phase: String,
    pub research_phase: String,
    pub social_insurance: bool,
    /// research phase under the working graduate student scheme (社会人大学院制度)
    pub working_graduate_student: bool,
}

#[Object]
impl Course {
    pub async fn id(&self) -> ID {
        ids::encode(ids::COURSE, self.0.id)
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn society(&self, ctx: &Context<'_>) -> Result<Society> {
        society_of(ctx, self.0.society_id)
    }
    async fn responsible_institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_by_id(ctx, self.0.responsible_institution_id).await
    }
    /// 統括責任者
    async fn director(&self) -> &str {
        &self.0.director
    }
    async fn requested_capacity(&self) -> i32 {
        self.0.requested_capacity
    }
    async fn status(&self) -> CourseStatus {
        self.0.status
    }
    /// the specialty training curriculum the clinical phase follows
    async fn curriculum(&self) -> &str {
        &self.0.curriculum
    }

    /// The responsible institution first, then the partners.
    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn clinical_sites(&self, ctx: &Context<'_>) -> Result<Vec<ClinicalSite>> {
        let (responsible, partners) = tokio::join!(
            institution_by_id(ctx, self.0.responsible_institution_id),
            loaders(ctx)?.list(PartnersOf(self.0.id)),
        );
        let mut sites = vec![ClinicalSite {
            institution: responsible?,
            role: SiteRole::Responsible,
        }];
        sites.extend(partners?.into_iter().map(|m| ClinicalSite {
            institution: Institution(m),
            role: SiteRole::Partner,
        }));
        Ok(sites)
    }

    async fn research_host(&self) -> ResearchHost {
        ResearchHost(self.0.clone())
    }

    async fn status_guarantee(&self) -> StatusGuarantee {
        StatusGuarantee {
            clinical_phase: self.0.guarantee_clinical_phase.clone(),
            research_phase: self.0.guarantee_research_phase.clone(),
            social_insurance: self.0.guarantee_social_insurance,
            working_graduate_student: self.0.guarantee_working_graduate_student,
        }
    }

    /// visible to the board, the course's society and its institution
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn applications(
        &self,
        ctx: &Context<'_>,
        status: Option<ApplicationStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ApplicationConnection> {
        let page = PageArgs::parse(first, after.as_deref())?;
        let loaders = loaders(ctx)?;
        let key = CourseApplications {
            course_id: self.0.id,
            status,
            page,
        };
        let total = loaders.total_count(CourseApplicationCount {
            course_id: self.0.id,
            status,
        });
        Ok(ApplicationConnection::new(
            loaders.page(key, page).await?,
            total,
        ))
    }

    /// Applications not withdrawn.
    async fn applicant_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let counts = loaders(ctx)?.one(ApplicationCountsOf(self.0.id)).await?;
        Ok(counts.map_or(0, |c| c.applicants as i32))
    }

    async fn adopted_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let counts = loaders(ctx)?.one(ApplicationCountsOf(self.0.id)).await?;
        Ok(counts.map_or(0, |c| c.adopted as i32))
    }

    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn trainees(&self, ctx: &Context<'_>) -> Result<Vec<Trainee>> {
        let rows = loaders(ctx)?.list(TraineesOfCourse(self.0.id)).await?;
        Ok(rows.into_iter().map(Trainee::from).collect())
    }

    async fn submitted_at(&self) -> Option<DateTime> {
        self.0.submitted_at.map(DateTime)
    }
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }
}
