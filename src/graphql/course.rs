//! Courses (臨床研究医コース) with their sites, research host and status guarantee.

use super::application::{Application, ApplicationConnection};
use super::context::{db, loaders, viewer};
use super::institution::{Institution, institution_by_id, institution_for_field};
use super::joined::{Join, NodeSelection, blank, fetch_page_in_part};
use super::loaders::{
    ApplicationCountsOf, CourseApplicationCount, CourseApplications, CourseId, PartnersOf,
    TraineesOfCourse,
};
use super::pagination::{PageArgs, TotalCount, connection};
use super::scalars::DateTime;
use super::society::{Society, society_of};
use super::trainee::Trainee;
use super::visibility;
use crate::entity::course;
use crate::entity::enums::{ApplicationStatus, CourseStatus, FieldCode, ResearchHostKind};
use crate::ids;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

#[derive(Clone)]
pub struct Course(pub course::Model);

impl From<course::Model> for Course {
    fn from(m: course::Model) -> Self {
        Self(m)
    }
}

impl Course {
    /// The columns each field of Course reads beside `id`, for a page that
    /// joins its courses in (`graphql::joined`); a field not listed reads
    /// the whole row. A resolver that starts reading another column must
    /// say so here.
    pub fn columns_of(field: &str) -> Option<&'static [course::Column]> {
        use course::Column as C;
        Some(match field {
            "id" => &[],
            "year" => &[C::Year],
            "title" => &[C::Title],
            "society" => &[C::SocietyId],
            "responsibleInstitution" => &[C::ResponsibleInstitutionId],
            "director" => &[C::Director],
            "requestedCapacity" => &[C::RequestedCapacity],
            "status" => &[C::Status],
            "curriculum" => &[C::Curriculum],
            "submittedAt" => &[C::SubmittedAt],
            "publishedAt" => &[C::PublishedAt],
            "clinicalSites" => &[C::ResponsibleInstitutionId],
            "researchHost" => &[
                C::ResearchHostKind,
                C::ResearchHostName,
                C::ResearchHostInstitutionId,
                C::ResearchHostPaperCount,
                C::ResearchHostPaperRecord,
            ],
            _ => return None,
        })
    }
}

connection!(CourseConnection, CourseEdge, Course, course::Model);

/// Conditions on Query.courses; those given must all hold. The list still
/// holds only the courses the viewer may see.
#[derive(InputObject, Default)]
pub struct CourseFilter {
    /// Only the courses of this intake year.
    pub year: Option<i32>,
    /// Only the courses of this basic field.
    pub field: Option<FieldCode>,
    /// Only the courses whose responsible institution is this one (an
    /// Institution ID; an ID of another type matches nothing).
    pub institution_id: Option<ID>,
    /// Only the courses in this status.
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
    // Only the columns the nodes' fields read (`graphql::joined`): a course
    // list does not carry every curriculum it does not show.
    let plan = Join::plan(
        course::Column::Id,
        NodeSelection::of(ctx).under(&[]),
        Course::columns_of,
    );
    let page = fetch_page_in_part(
        db(ctx),
        select.clone(),
        course::Column::Id,
        args,
        &plan,
        blank::course,
    )
    .await?;
    Ok(CourseConnection::new(page, TotalCount::of(db(ctx), select)))
}

/// The course, if the viewer may see it (batched).
pub async fn visible_course(ctx: &Context<'_>, id: i64) -> Result<Option<Course>> {
    Ok(loaders(ctx)?.one(CourseId(id)).await?.map(Course))
}

/// [`visible_course`] as the value of the field being resolved: only the
/// columns its selection reads (`Columns::asked`).
pub async fn course_for_field(ctx: &Context<'_>, id: i64) -> Result<Option<Course>> {
    let row = loaders(ctx)?
        .row_for(ctx.field(), CourseId(id), Course::columns_of)
        .await?;
    Ok(row.map(Course))
}

/// A hospital's part in a course's clinical phase (I.3(1), I.3(3)).
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum SiteRole {
    /// the responsible institution (責任医療機関): trains and supervises the
    /// trainees and reports every year
    Responsible,
    /// a partner site (連携施設): a certified training facility of the
    /// field's regular programs
    Partner,
}

/// A hospital where the course's clinical phase is trained.
#[derive(SimpleObject)]
pub struct ClinicalSite {
    /// The hospital where the clinical phase is trained.
    pub institution: Institution,
    /// Responsible institution or partner site.
    pub role: SiteRole,
}

pub struct ResearchHost(course::Model);

/// Where the research phase is done, and its publication record.
/// From year 3 (I.3(2)) trainees do research at a graduate school (大学院)
/// or a national centre (ナショナルセンター) named with the course (II.1).
#[Object]
impl ResearchHost {
    /// A graduate school or a national centre.
    async fn kind(&self) -> ResearchHostKind {
        self.0.research_host_kind
    }
    /// The graduate school's or the centre's name, e.g.
    /// 京都大学大学院医学研究科.
    async fn name(&self) -> &str {
        &self.0.research_host_name
    }
    /// The hospital it belongs to, when the society named one: a
    /// university hospital for a graduate school, a national centre for a
    /// centre; null otherwise.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        match self.0.research_host_institution_id {
            Some(id) => Ok(Some(institution_for_field(ctx, id).await?)),
            None => Ok(None),
        }
    }
    /// English-language SCI papers of the host in the last five years
    async fn paper_count_five_years(&self) -> i32 {
        self.0.research_host_paper_count
    }
    /// Its paper record (論文実績, II.1), in the society's words; null when
    /// none was given.
    async fn paper_record(&self) -> Option<&str> {
        self.0.research_host_paper_record.as_deref()
    }
}

/// Pay and social insurance promised to the trainee (身分保障).
/// The clinical phase as for the regular programs' trainees (I.3(1)); the
/// research phase under the working graduate student scheme or the
/// institution's equivalent (I.3(2)).
#[derive(SimpleObject)]
pub struct StatusGuarantee {
    /// The pay and insurance of the clinical phase, in the course's words.
    pub clinical_phase: String,
    /// The pay and insurance of the research phase, in the course's words.
    pub research_phase: String,
    /// Whether social insurance (社会保険) is provided: always true, as a
    /// course without it is refused (I.3(1)).
    pub social_insurance: bool,
    /// research phase under the working graduate student scheme (社会人大学院制度)
    pub working_graduate_student: bool,
}

/// A clinician scientist course (臨床研究医コース) of one field and year.
/// Set up by the field's society with the board (II.1) and announced when
/// PUBLISHED (公示). Everyone sees PUBLISHED courses; a course in another
/// status only the board, its field's society, its responsible
/// institution and the doctors who applied to it.
#[Object]
impl Course {
    /// The course's global ID (Node).
    pub async fn id(&self) -> ID {
        ids::encode(ids::COURSE, self.0.id)
    }
    /// The intake year: its trainees start on 1 April of it, and its
    /// applications belong to that year's recruitment cycle.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// The course's name as announced.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The society of the course's basic field (the board for
    /// GENERAL_PRACTICE).
    async fn society(&self, ctx: &Context<'_>) -> Result<Society> {
        society_of(ctx, self.0.society_id)
    }
    /// The responsible institution (責任医療機関): a university hospital or a
    /// national centre that trains and supervises the trainees and reports
    /// to the board every year (I.2(2)①, I.3(3)).
    async fn responsible_institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_for_field(ctx, self.0.responsible_institution_id).await
    }
    /// 統括責任者: the course's director at the responsible institution, by
    /// name (II.1).
    async fn director(&self) -> &str {
        &self.0.director
    }
    /// The seats the society asks for (希望する定員, II.1), 1 to 100:
    /// adoptions into the course may not pass it, nor the field's quota.
    async fn requested_capacity(&self) -> i32 {
        self.0.requested_capacity
    }
    /// Where the course is in its life cycle.
    async fn status(&self) -> CourseStatus {
        self.0.status
    }
    /// the specialty training curriculum the clinical phase follows
    /// (準拠する専門研修カリキュラム, II.1), in the course's words; the clinical
    /// phase is trained in the curriculum system (カリキュラム制, I.3(1)).
    async fn curriculum(&self) -> &str {
        &self.0.curriculum
    }

    /// The responsible institution first, then the partners.
    /// Where the clinical phase is trained (I.3(1)); the partner sites
    /// (連携施設) are certified training facilities of the field (I.3(3)).
    /// With no partner, the responsible institution trains alone (I.3(1)).
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

    /// The graduate school or national centre of the research phase, with
    /// its paper record (II.1).
    async fn research_host(&self) -> ResearchHost {
        ResearchHost(self.0.clone())
    }

    /// The pay and insurance promised (身分保障, I.3(1), I.3(2)).
    async fn status_guarantee(&self) -> StatusGuarantee {
        StatusGuarantee {
            clinical_phase: self.0.guarantee_clinical_phase.clone(),
            research_phase: self.0.guarantee_research_phase.clone(),
            social_insurance: self.0.guarantee_social_insurance,
            working_graduate_student: self.0.guarantee_working_graduate_student,
        }
    }

    /// visible to the board, the course's society and its institution;
    /// a doctor sees only its own, anyone else an empty page. Oldest first.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the applications in this status.")] status: Option<
            ApplicationStatus,
        >,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
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
            loaders.page(key, page).await?.map(Application::from),
            total,
        ))
    }

    /// Applications not withdrawn.
    /// Those SUBMITTED, ADOPTED or NOT_ADOPTED, counted for anyone who sees
    /// the course: it names nobody.
    async fn applicant_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let counts = loaders(ctx)?.one(ApplicationCountsOf(self.0.id)).await?;
        Ok(counts.map_or(0, |c| c.applicants as i32))
    }

    /// Applications ADOPTED by the board's decision (a society's pending
    /// proposal is not counted); public like applicantCount.
    async fn adopted_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let counts = loaders(ctx)?.one(ApplicationCountsOf(self.0.id)).await?;
        Ok(counts.map_or(0, |c| c.adopted as i32))
    }

    /// The course's trainees (専攻医) that this viewer may see: all for the
    /// board, the course's society and its institution; itself for a
    /// trainee; none for others.
    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn trainees(&self, ctx: &Context<'_>) -> Result<Vec<Trainee>> {
        let rows = loaders(ctx)?.list(TraineesOfCourse(self.0.id)).await?;
        Ok(rows.into_iter().map(Trainee::from).collect())
    }

    /// When the society submitted it to the board (submitCourse); null
    /// while DRAFT.
    async fn submitted_at(&self) -> Option<DateTime> {
        self.0.submitted_at.map(DateTime)
    }
    /// When the board announced it (公示, publishCourse); null until then.
    /// A course withdrawn after it was announced keeps it.
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }
}
