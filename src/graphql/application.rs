//! Applications to courses in the early call, with the parallel general application (併願).

use super::applicant::{Applicant, applicant_for_field, visible_applicant};
use super::context::{db, loaders, societies, viewer};
use super::course::{Course, course_for_field, visible_course};
use super::cycle::{RecruitmentCycle, cycle_by_year};
use super::institution::{Institution, institution_by_id, institution_for_field};
use super::joined::{
    Join, NodeSelection, PartialRead, Related, blank, fetch_page_in_part, joined_page_statement,
    optional, read_own,
};
use super::loaders::{
    ApplicantId, ApplicationId, Columns, CourseId, GeneralApplicationOf, InPart, InstitutionId,
};
use super::pagination::{Keyed, Page, PageArgs, TotalCount, connection};
use super::scalars::DateTime;
use super::society::{Society, society_of};
use super::visibility;
use crate::entity::enums::{
    ApplicationOutcome, ApplicationStatus, Decision, DecisionBasis, FieldCode,
    GeneralApplicationStatus,
};
use crate::entity::joins::{join_applicant, join_course};
use crate::entity::{applicant, application, course, general_application, institution};
use crate::error::AppError;
use crate::ids;
use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::sea_query::{JoinType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryResult, Select,
};
use std::sync::Arc;

/// An application, with the related rows its page read in part for it.
#[derive(Clone)]
pub struct Application(pub application::Model, Joined);

impl From<application::Model> for Application {
    fn from(m: application::Model) -> Self {
        Self(m, Joined::default())
    }
}

impl Application {
    /// The columns each field of Application reads beside `id`, for its
    /// pages (`graphql::joined`); a field not listed reads the whole row. A
    /// resolver that starts reading another column must say so here.
    /// `applicant` and `course` read their ids even where the page joined
    /// them in part (two integers, and one rule for both paths).
    pub fn columns_of(field: &str) -> Option<&'static [application::Column]> {
        use application::Column as C;
        Some(match field {
            "id" | "generalApplication" => &[],
            "applicant" => &[C::ApplicantId],
            "cycle" => &[C::Year],
            "course" => &[C::CourseId],
            "status" => &[C::Status],
            "submittedAt" => &[C::SubmittedAt],
            "decidedAt" => &[C::DecidedAt],
            "outcome" => &[C::Outcome],
            "proposedDecision" => &[C::ProposedDecision],
            "proposedAt" => &[C::ProposedAt],
            "decisionBasis" => &[C::DecisionBasis],
            _ => return None,
        })
    }
}

impl Keyed for Application {
    fn key(&self) -> i64 {
        self.0.id
    }
}

connection!(
    ApplicationConnection,
    ApplicationEdge,
    Application,
    Application
);

/// The course, applicant and general application that a joined page read
/// in part for this node alone (`graphql::joined`): never in the shared
/// cache, as they lack the columns this node did not select. `None` for a
/// node that did not come from a joined page; a relation absent from the
/// parts of one that did was read whole (or not at all), and its whole row
/// went to the loaders.
#[derive(Clone, Default)]
struct Joined(Option<Arc<Parts>>);

#[derive(Default)]
struct Parts {
    course: Option<course::Model>,
    applicant: Option<applicant::Model>,
    /// `Some(None)`: read, and the application has none.
    general: Option<Option<GeneralApplication>>,
}

impl Joined {
    fn parts(&self) -> Option<&Parts> {
        self.0.as_deref()
    }

    /// Where this node's `pick` relation is: carried in part, fed whole to
    /// the loaders by its page, or to be read for the field.
    fn related<'a, M>(&'a self, pick: impl Fn(&'a Parts) -> &'a Option<M>) -> Related<&'a M> {
        match self.parts() {
            Some(parts) => match pick(parts) {
                Some(model) => Related::Carried(model),
                None => Related::Fed,
            },
            None => Related::Ask,
        }
    }
}

/// Conditions on Query.applications; those given must all hold. The list
/// still holds only the applications the viewer may see.
#[derive(InputObject, Default)]
pub struct ApplicationFilter {
    /// Only the applications of this cycle (intake year).
    pub year: Option<i32>,
    /// Only the applications to courses of this basic field.
    pub field: Option<FieldCode>,
    /// Only the applications to this course (a Course ID; an ID of another
    /// type matches nothing).
    pub course_id: Option<ID>,
    /// Only the applications in this status.
    pub status: Option<ApplicationStatus>,
}

/// Where a statement of applications tests a condition on their course.
#[derive(Clone, Copy)]
enum CourseTest {
    /// In a subquery on `courses`: any statement of applications.
    Subquery,
    /// On the row of `courses` the statement inner-joins (a joined page),
    /// rather than looking each course up a second time.
    Joined,
}

impl ApplicationFilter {
    fn condition(&self, ctx: &Context<'_>, course_test: CourseTest) -> Condition {
        let mut cond = Condition::all();
        if let Some(year) = self.year {
            cond = cond.add(application::Column::Year.eq(year));
        }
        if let Some(field) = self.field {
            let society_id = societies(ctx).by_code(field).map_or(0, |s| s.id);
            let of_field = course::Column::SocietyId.eq(society_id);
            cond = cond.add(match course_test {
                CourseTest::Joined => of_field,
                CourseTest::Subquery => application::Column::CourseId.in_subquery(
                    Query::select()
                        .column(course::Column::Id)
                        .from(course::Entity)
                        .and_where(of_field)
                        .to_owned(),
                ),
            });
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
    filter: &ApplicationFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<ApplicationConnection> {
    let args = PageArgs::parse(first, after)?;
    let page = fetch_joined_page(ctx, filter, args).await?;
    Ok(ApplicationConnection::new(
        page,
        TotalCount::of(db(ctx), visible(ctx, filter, CourseTest::Subquery)),
    ))
}

/// The applications of `filter` the viewer may see, the conditions on
/// their course tested where `course_test` says.
fn visible(
    ctx: &Context<'_>,
    filter: &ApplicationFilter,
    course_test: CourseTest,
) -> Select<application::Entity> {
    let rule = match course_test {
        CourseTest::Subquery => visibility::applications(viewer(ctx)),
        CourseTest::Joined => visibility::applications_on_joined_course(viewer(ctx)),
    };
    application::Entity::find()
        .filter(rule)
        .filter(filter.condition(ctx, course_test))
}

/// A page of applications with the course, applicant and general
/// application (and its institution) that its nodes select read in the same
/// statement (`graphql::joined`): a society's review screen is one
/// statement rather than five. Where the nodes select only fields listed in
/// the related types' `columns_of`, only those columns are read and the
/// partial rows travel with each node; otherwise whole rows go to the
/// loaders. Whoever sees an application sees its course and applicant
/// (`missing`), so the joins reveal nothing the loaders would not. The
/// applications are those of `filter` the viewer may see.
async fn fetch_joined_page(
    ctx: &Context<'_>,
    filter: &ApplicationFilter,
    args: PageArgs,
) -> Result<Page<Application>> {
    let loaders = loaders(ctx)?;
    let plan = JoinPlan::of(&NodeSelection::of(ctx));
    let key = application::Column::Id;
    let backend = db(ctx).get_database_backend();
    let joins = loaders.caches() && plan.any();
    // Where the page joins its courses flat (not on SQLite, which chooses
    // its rows in a subquery first: `joined_page_statement`), the viewer's
    // rule and the field filter are tested on the joined course.
    let course_test = if joins && plan.course.joined() && backend != DbBackend::Sqlite {
        CourseTest::Joined
    } else {
        CourseTest::Subquery
    };
    let select = visible(ctx, filter, course_test);
    if !joins {
        let page = fetch_page_in_part(
            db(ctx),
            select,
            key,
            args,
            &plan.application,
            blank::application,
        )
        .await?;
        return Ok(page.map(Application::from));
    }
    let mut query = joined_page_statement(backend, select, key, args);
    plan.application.select_own(&mut query, key);
    plan.join(&mut query);
    let rows = db(ctx).query_all(&query).await?;
    let Some(first) = rows.first() else {
        return Ok(Page::cut(Vec::new(), args));
    };
    let names = first.column_names();
    let application_read = plan.application.locate_own(key, &names)?;
    let course_read = plan.course.locate_keyed("c_", COURSE_KEY, &names)?;
    let applicant_read = plan.applicant.locate_keyed("p_", APPLICANT_KEY, &names)?;
    let general_read = plan.general.locate("g_", &names)?;
    let institution_read = plan
        .institution
        .locate_keyed("i_", INSTITUTION_KEY, &names)?;

    let mut applications = Vec::with_capacity(rows.len());
    let whole = Joined(Some(Arc::default()));
    let (mut courses, mut applicants, mut generals, mut institutions) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for row in &rows {
        let application = read_own(application_read.as_ref(), row, blank::application)?;
        let mut parts = Parts::default();
        if let Some(read) = &course_read {
            parts.course = Some(read.read(row, blank::course())?);
        } else if plan.course.joined() {
            let model = course::Model::from_query_result(row, "c_")?;
            courses.push((CourseId(model.id), model));
        }
        if let Some(read) = &applicant_read {
            parts.applicant = Some(read.read(row, blank::applicant())?);
        } else if plan.applicant.joined() {
            let model = applicant::Model::from_query_result(row, "p_")?;
            applicants.push((ApplicantId(model.id), model));
        }
        if let Some(read) = &general_read {
            parts.general = Some(partial_general(row, read, institution_read.as_ref())?);
        } else if plan.general.joined() {
            let model = optional::<general_application::Model>(row, "g_")?;
            generals.push((GeneralApplicationOf(application.id), model));
            if plan.institution.joined()
                && let Some(model) = optional::<institution::Model>(row, "i_")?
            {
                institutions.push((InstitutionId(model.id), model));
            }
        }
        let joined =
            if parts.course.is_none() && parts.applicant.is_none() && parts.general.is_none() {
                whole.clone()
            } else {
                Joined(Some(Arc::new(parts)))
            };
        applications.push(Application(application, joined));
    }
    loaders.feed(courses).await;
    loaders.feed(applicants).await;
    loaders.feed(generals).await;
    loaders.feed(institutions).await;
    Ok(Page::cut(applications, args))
}

/// The columns of a joined page that hold the id of a related row read in
/// part (`JoinPlan::join`).
const COURSE_KEY: &str = "course_id";
const APPLICANT_KEY: &str = "applicant_id";
const INSTITUTION_KEY: &str = "g_institution_id";

/// What a page of applications reads of its own rows and joins in, from
/// what its nodes select.
struct JoinPlan {
    application: Join<application::Entity>,
    course: Join<course::Entity>,
    applicant: Join<applicant::Entity>,
    general: Join<general_application::Entity>,
    institution: Join<institution::Entity>,
}

impl JoinPlan {
    fn of(nodes: &NodeSelection<'_>) -> Self {
        let application = Join::plan(
            application::Column::Id,
            nodes.under(&[]),
            Application::columns_of,
        );
        let course = Join::plan(
            course::Column::Id,
            nodes.under(&["course"]),
            Course::columns_of,
        );
        let applicant = Join::plan(
            applicant::Column::Id,
            nodes.under(&["applicant"]),
            Applicant::columns_of,
        );
        let mut general = Join::plan(
            general_application::Column::Id,
            nodes.under(&["generalApplication"]),
            GeneralApplication::columns_of,
        );
        let mut institution = Join::plan(
            institution::Column::Id,
            nodes.under(&["generalApplication", "institution"]),
            Institution::columns_of,
        );
        // A partial institution travels inside a partial general
        // application; whole rows of either go to the loaders together.
        if matches!(general, Join::Whole) || matches!(institution, Join::Whole) {
            if general.joined() {
                general = Join::Whole;
            }
            if institution.joined() {
                institution = Join::Whole;
            }
        }
        Self {
            application,
            course,
            applicant,
            general,
            institution,
        }
    }

    fn any(&self) -> bool {
        self.course.joined() || self.applicant.joined() || self.general.joined()
    }

    /// The course, applicant and institution read in part leave their ids
    /// out: the page's rows hold them already, as the foreign keys that join
    /// them (`COURSE_KEY`, …), which `course`, `applicant` and `institution`
    /// select. The general application keeps its id, by which the LEFT
    /// JOIN tells an application without one.
    fn join(&self, query: &mut SelectStatement) {
        self.course
            .join_keyed(query, JoinType::InnerJoin, join_course(), "c_");
        self.applicant
            .join_keyed(query, JoinType::InnerJoin, join_applicant(), "p_");
        self.general
            .join(query, JoinType::LeftJoin, join_general_application(), "g_");
        self.institution
            .join_keyed(query, JoinType::LeftJoin, join_general_institution(), "i_");
    }
}

/// The general application of a joined row read in part (none when the
/// LEFT JOIN found none), with its institution read in part when selected.
fn partial_general(
    row: &QueryResult,
    read: &PartialRead<general_application::Entity>,
    institution: Option<&PartialRead<institution::Entity>>,
) -> Result<Option<GeneralApplication>, DbErr> {
    let Some(model) = read.read_optional(row, blank::general_application())? else {
        return Ok(None);
    };
    let institution = match institution {
        Some(read) => Related::Carried(read.read(row, blank::institution())?),
        None => Related::Ask,
    };
    Ok(Some(GeneralApplication(model, institution)))
}

/// The application, if the viewer may see it (batched).
pub async fn visible_application(ctx: &Context<'_>, id: i64) -> Result<Option<Application>> {
    Ok(loaders(ctx)?
        .one(ApplicationId(id))
        .await?
        .map(Application::from))
}

/// Whoever sees an application sees its applicant and course: the
/// visibility rules are built so; a miss here is a broken invariant.
fn missing(what: &str, id: i64) -> async_graphql::Error {
    AppError::Internal(format!("{what} of application {id} is not visible")).into()
}

/// An application to a course in the early call.
/// A doctor has at most one live application (SUBMITTED or ADOPTED) per
/// cycle. Seen by the board, the doctor, and the course's society and
/// responsible institution.
#[Object]
impl Application {
    /// The application's global ID (Node).
    pub async fn id(&self) -> ID {
        ids::encode(ids::APPLICATION, self.0.id)
    }
    /// The doctor who applied.
    async fn applicant(&self, ctx: &Context<'_>) -> Result<Applicant> {
        let id = self.0.applicant_id;
        let row = match self.1.related(|p| &p.applicant) {
            Related::Carried(model) => return Ok(Applicant(model.clone())),
            Related::Fed => visible_applicant(ctx, id).await?,
            Related::Ask => applicant_for_field(ctx, id).await?,
        };
        row.ok_or_else(|| missing("applicant", self.0.id))
    }
    /// The recruitment cycle of the course's intake year.
    async fn cycle(&self, ctx: &Context<'_>) -> Result<RecruitmentCycle> {
        cycle_by_year(ctx, self.0.year)
            .await?
            .ok_or_else(|| missing("cycle", self.0.id))
    }
    /// The course applied to.
    async fn course(&self, ctx: &Context<'_>) -> Result<Course> {
        let id = self.0.course_id;
        let row = match self.1.related(|p| &p.course) {
            Related::Carried(model) => return Ok(Course(model.clone())),
            Related::Fed => visible_course(ctx, id).await?,
            Related::Ask => course_for_field(ctx, id).await?,
        };
        row.ok_or_else(|| missing("course", self.0.id))
    }
    /// Where it stands: a decision shows only once the board made it (a
    /// society's proposal is in proposedDecision).
    async fn status(&self) -> ApplicationStatus {
        self.0.status
    }
    /// When the doctor submitted it.
    async fn submitted_at(&self) -> DateTime {
        self.0.submitted_at.into()
    }
    /// When it was last decided: by the board (decideApplication,
    /// confirmDecision) or by finalizeSelection (NOT_ADOPTED); null while
    /// undecided. A withdrawal keeps the time of a decision before it.
    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(DateTime)
    }
    /// The parallel application (併願) to a regular program, when the
    /// doctor gave one; null otherwise.
    async fn general_application(&self, ctx: &Context<'_>) -> Result<Option<GeneralApplication>> {
        let key = GeneralApplicationOf(self.0.id);
        match self.1.related(|p| &p.general) {
            Related::Carried(general) => Ok(general.clone()),
            // Its institution was fed whole with it (`JoinPlan::of`).
            Related::Fed => {
                let row = loaders(ctx)?.one(key).await?.flatten();
                Ok(row.map(|m| GeneralApplication(m, Related::Fed)))
            }
            Related::Ask => {
                let columns = Columns::asked::<general_application::Entity>(
                    ctx.field(),
                    GeneralApplication::columns_of,
                );
                let row = match columns {
                    Some(columns) => loaders(ctx)?.one(InPart { key, columns }).await?,
                    None => loaders(ctx)?.one(key).await?.flatten(),
                };
                Ok(row.map(|m| GeneralApplication(m, Related::Ask)))
            }
        }
    }
    /// Where the doctor trains after the selection (II.2(3)); UNDECIDED
    /// until finalizeSelection. The same on each of the doctor's
    /// applications of the cycle.
    async fn outcome(&self) -> ApplicationOutcome {
        self.0.outcome
    }
    /// The decision the society proposed, awaiting the board's confirmation
    /// (I.2(2)④); null when none is pending. Not shown to the applicant: it
    /// is not a decision yet.
    async fn proposed_decision(&self, ctx: &Context<'_>) -> Option<Decision> {
        self.proposal_visible(ctx)
            .then_some(self.0.proposed_decision)
            .flatten()
    }
    /// When the society proposed the pending decision; null when none is
    /// pending, and for the applicant.
    async fn proposed_at(&self, ctx: &Context<'_>) -> Option<DateTime> {
        self.proposal_visible(ctx)
            .then_some(self.0.proposed_at.map(DateTime))
            .flatten()
    }
    /// How the decision was taken: by the board alone, or by the board on
    /// the society's proposal; null while undecided.
    async fn decision_basis(&self) -> Option<DecisionBasis> {
        self.0.decision_basis
    }
}

impl Application {
    /// The course its joined page read in part for it (`graphql::direct`).
    pub(crate) fn carried_course(&self) -> Option<&course::Model> {
        self.1.parts()?.course.as_ref()
    }

    /// The applicant its joined page read in part for it.
    pub(crate) fn carried_applicant(&self) -> Option<&applicant::Model> {
        self.1.parts()?.applicant.as_ref()
    }

    /// The general application its joined page read in part for it:
    /// `Some(None)` when it has none.
    pub(crate) fn carried_general(&self) -> Option<Option<&GeneralApplication>> {
        self.1.parts()?.general.as_ref().map(Option::as_ref)
    }

    /// Proposals are between the society and the board (and the course's
    /// institution, which sees its applications); the applicant sees
    /// decisions only.
    fn proposal_visible(&self, ctx: &Context<'_>) -> bool {
        viewer(ctx).role != Some(crate::entity::enums::Role::Applicant)
    }
}

/// A general application, and where its institution is (`graphql::joined`).
#[derive(Clone)]
pub struct GeneralApplication(pub general_application::Model, Related<institution::Model>);

impl GeneralApplication {
    /// The columns each field of GeneralApplication reads beside `id`, for
    /// a page that joins them in (`graphql::joined`); a field not listed
    /// reads the whole row.
    pub fn columns_of(field: &str) -> Option<&'static [general_application::Column]> {
        use general_application::Column as C;
        Some(match field {
            "id" => &[],
            "programName" => &[C::ProgramName],
            "society" => &[C::SocietyId],
            "institution" => &[C::InstitutionId],
            "status" => &[C::Status],
            "activatedAt" => &[C::ActivatedAt],
            _ => return None,
        })
    }

    /// The institution its joined page read in part with it.
    pub(crate) fn carried_institution(&self) -> Option<&institution::Model> {
        match &self.1 {
            Related::Carried(model) => Some(model),
            Related::Fed | Related::Ask => None,
        }
    }
}

/// The parallel application (併願) to a regular specialty training program.
/// Made for the general call that follows the early call (II.2(3)): a
/// doctor not adopted trains in this program (the fallback). Seen with its
/// application.
#[Object]
impl GeneralApplication {
    /// A global ID (not a Node: reach it through its application).
    pub async fn id(&self) -> ID {
        ids::encode(ids::GENERAL_APPLICATION, self.0.id)
    }
    /// The regular program's name, as the doctor gave it.
    async fn program_name(&self) -> &str {
        &self.0.program_name
    }
    /// The program's basic field (its society); it may differ from the
    /// course's.
    async fn society(&self, ctx: &Context<'_>) -> Result<Society> {
        society_of(ctx, self.0.society_id)
    }
    /// The hospital running the program.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        let id = self.0.institution_id;
        match &self.1 {
            Related::Carried(model) => Ok(Institution(model.clone())),
            Related::Fed => institution_by_id(ctx, id).await,
            Related::Ask => institution_for_field(ctx, id).await,
        }
    }
    /// Held, active (the doctor trains there) or released.
    async fn status(&self) -> GeneralApplicationStatus {
        self.0.status
    }
    /// When it became ACTIVE, at finalizeSelection; null otherwise.
    async fn activated_at(&self) -> Option<DateTime> {
        self.0.activated_at.map(DateTime)
    }
}

/// applications.id → general_applications.application_id, for joins.
fn join_general_application() -> sea_orm::RelationDef {
    let general_to_application: sea_orm::RelationDef =
        general_application::Entity::belongs_to(application::Entity)
            .from(general_application::Column::ApplicationId)
            .to(application::Column::Id)
            .into();
    general_to_application.rev()
}

/// general_applications.institution_id → institutions.id, for joins.
fn join_general_institution() -> sea_orm::RelationDef {
    general_application::Entity::belongs_to(institution::Entity)
        .from(general_application::Column::InstitutionId)
        .to(institution::Column::Id)
        .into()
}
