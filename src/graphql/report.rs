//! Annual reports (年次報告) of responsible institutions, and the board's guidance.

use super::context::{db, loaders, viewer};
use super::course::{Course, course_for_field};
use super::institution::{Institution, institution_for_field};
use super::loaders::{EntriesOf, GuidanceOf, ReportId, VersionsOf};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::scalars::DateTime;
use super::trainee::{Trainee, visible_trainee};
use super::visibility;
use crate::entity::enums::{ReportStatus, TraineePhase};
use crate::entity::{annual_report, annual_report_entry, annual_report_version, guidance};
use crate::error::AppError;
use crate::ids;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::sync::Arc;
use tokio::sync::OnceCell;

#[derive(Clone)]
pub struct AnnualReport {
    row: annual_report::Model,
    /// Every submitted version, oldest first: read once, shared by the fields.
    versions: Arc<OnceCell<Vec<annual_report_version::Model>>>,
}

impl From<annual_report::Model> for AnnualReport {
    fn from(row: annual_report::Model) -> Self {
        Self {
            row,
            versions: Arc::new(OnceCell::new()),
        }
    }
}

connection!(
    AnnualReportConnection,
    AnnualReportEdge,
    AnnualReport,
    annual_report::Model
);

/// Pages of it go through the executor (no one-pass writer, `graphql::direct`).
impl super::direct::Direct for AnnualReport {}

impl AnnualReport {
    async fn all_versions(&self, ctx: &Context<'_>) -> Result<&[annual_report_version::Model]> {
        let loaders = loaders(ctx)?;
        let versions = self
            .versions
            .get_or_try_init(|| loaders.list(VersionsOf(self.row.id)))
            .await?;
        Ok(versions)
    }

    /// The latest submitted version: earlier ones are kept but not shown here.
    async fn latest(&self, ctx: &Context<'_>) -> Result<Option<&annual_report_version::Model>> {
        Ok(self.all_versions(ctx).await?.last())
    }
}

/// The responsible institution's annual report to the board (年次報告).
/// One per course and year (I.3(3)): each trainee's training and the pay
/// and insurance provided. Seen by the board, the reporting institution and
/// the course's society.
#[Object]
impl AnnualReport {
    /// The report's global ID (Node).
    pub async fn id(&self) -> ID {
        ids::encode(ids::ANNUAL_REPORT, self.row.id)
    }
    /// The training year reported on: April of it to March of the next.
    async fn year(&self) -> i32 {
        self.row.year
    }
    /// The course reported on.
    async fn course(&self, ctx: &Context<'_>) -> Result<Course> {
        course_for_field(ctx, self.row.course_id)
            .await?
            .ok_or_else(|| {
                AppError::Internal(format!("course of report {} not visible", self.row.id)).into()
            })
    }
    /// The reporting institution: the course's responsible institution when
    /// the report was last submitted.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_for_field(ctx, self.row.institution_id).await
    }
    /// Where the report stands with the board.
    async fn status(&self) -> ReportStatus {
        self.row.status
    }
    /// When the latest version was submitted; null before the first.
    async fn submitted_at(&self) -> Option<DateTime> {
        self.row.submitted_at.map(DateTime)
    }
    /// The latest version's entries, one per trainee reported on.
    async fn entries(&self, ctx: &Context<'_>) -> Result<Vec<TraineeReportEntry>> {
        let Some(version) = self.latest(ctx).await? else {
            return Ok(Vec::new());
        };
        let rows = loaders(ctx)?.list(EntriesOf(version.id)).await?;
        Ok(rows.into_iter().map(TraineeReportEntry).collect())
    }
    /// The pay and insurance of the latest version (身分保障, I.3(3)).
    async fn status_guarantee(&self, ctx: &Context<'_>) -> Result<StatusGuaranteeReport> {
        Ok(match self.latest(ctx).await? {
            Some(v) => status_guarantee_of(v),
            None => StatusGuaranteeReport {
                salary_provided: false,
                social_insurance_provided: false,
                working_graduate_student: false,
                note: None,
            },
        })
    }
    /// every submitted version, oldest first; entries and statusGuarantee show the latest
    async fn versions(&self, ctx: &Context<'_>) -> Result<Vec<AnnualReportVersion>> {
        let rows = self.all_versions(ctx).await?;
        Ok(rows.iter().cloned().map(AnnualReportVersion).collect())
    }
    /// The board's guidance (指導) on the report, oldest first.
    async fn guidance(&self, ctx: &Context<'_>) -> Result<Vec<Guidance>> {
        let rows = loaders(ctx)?.list(GuidanceOf(self.row.id)).await?;
        Ok(rows.into_iter().map(Guidance).collect())
    }
}

pub struct AnnualReportVersion(annual_report_version::Model);

/// One submission of an annual report; a resubmission after guidance adds one.
#[Object]
impl AnnualReportVersion {
    /// 1 for the first submission, one more for each resubmission
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When this version was submitted.
    async fn submitted_at(&self) -> DateTime {
        self.0.submitted_at.into()
    }
    /// The pay and insurance this version reported.
    async fn status_guarantee(&self) -> StatusGuaranteeReport {
        status_guarantee_of(&self.0)
    }
}

fn status_guarantee_of(v: &annual_report_version::Model) -> StatusGuaranteeReport {
    StatusGuaranteeReport {
        salary_provided: v.salary_provided,
        social_insurance_provided: v.social_insurance_provided,
        working_graduate_student: v.working_graduate_student,
        note: v.note.clone(),
    }
}

pub struct TraineeReportEntry(annual_report_entry::Model);

/// One trainee's part of an annual report.
#[Object]
impl TraineeReportEntry {
    /// The trainee reported on.
    async fn trainee(&self, ctx: &Context<'_>) -> Result<Trainee> {
        visible_trainee(ctx, self.0.trainee_id)
            .await?
            .ok_or_else(|| {
                AppError::Internal(format!("trainee of report entry {} not visible", self.0.id))
                    .into()
            })
    }
    /// The trainee's phase on the day the version was submitted.
    async fn phase(&self) -> TraineePhase {
        self.0.phase
    }
    /// The share of effort on research reported for the year, 0 to 100
    /// (it becomes the trainee's researchEffort for the year); null when
    /// not given.
    async fn research_effort_percent(&self) -> Option<i32> {
        self.0.research_effort_percent
    }
    /// The trainee's clinical training, in the institution's words.
    async fn clinical_progress(&self) -> &str {
        &self.0.clinical_progress
    }
    /// Problems to report, in words; null when none.
    async fn issues(&self) -> Option<&str> {
        self.0.issues.as_deref()
    }
}

/// Pay and insurance actually provided in the reported year.
#[derive(SimpleObject)]
pub struct StatusGuaranteeReport {
    /// Whether pay was provided as promised.
    pub salary_provided: bool,
    /// Whether social insurance (社会保険) was provided.
    pub social_insurance_provided: bool,
    /// Whether the research phase ran under the working graduate student
    /// scheme (社会人大学院制度).
    pub working_graduate_student: bool,
    /// Remarks, in words; null when none.
    pub note: Option<String>,
}

pub struct Guidance(guidance::Model);

/// The board's guidance (指導) on an annual report, when it finds a course
/// badly run (I.3(3)); the institution then resubmits.
#[Object]
impl Guidance {
    /// A global ID (not a Node: reach it through its report).
    pub async fn id(&self) -> ID {
        ids::encode(ids::GUIDANCE, self.0.id)
    }
    /// When the board issued it.
    async fn issued_at(&self) -> DateTime {
        self.0.issued_at.into()
    }
    /// What the board asks of the institution, in words.
    async fn text(&self) -> &str {
        &self.0.text
    }
}

pub async fn list_annual_reports(
    ctx: &Context<'_>,
    year: Option<i32>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<AnnualReportConnection> {
    let args = PageArgs::parse(first, after)?;
    let mut select = annual_report::Entity::find().filter(visibility::annual_reports(viewer(ctx)));
    if let Some(year) = year {
        select = select.filter(annual_report::Column::Year.eq(year));
    }
    let page = fetch_page(db(ctx), select.clone(), annual_report::Column::Id, args).await?;
    Ok(AnnualReportConnection::new(
        page,
        TotalCount::of(db(ctx), select),
    ))
}

/// The report, if the viewer may see it (batched).
pub async fn visible_report(ctx: &Context<'_>, id: i64) -> Result<Option<AnnualReport>> {
    Ok(loaders(ctx)?
        .one(ReportId(id))
        .await?
        .map(AnnualReport::from))
}
