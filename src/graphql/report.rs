//! Annual reports (年次報告) of responsible institutions, and the board's guidance.

use super::context::{db, loaders, viewer};
use super::course::{Course, visible_course};
use super::ids;
use super::institution::{Institution, institution_by_id};
use super::loaders::{EntriesOf, GuidanceOf, ReportId, VersionsOf};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::scalars::DateTime;
use super::trainee::{Trainee, visible_trainee};
use super::visibility;
use crate::entity::enums::{ReportStatus, TraineePhase};
use crate::entity::{annual_report, annual_report_entry, annual_report_version, guidance};
use crate::error::AppError;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The responsible institution's annual report to the board (年次報告).
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

#[Object]
impl AnnualReport {
    pub async fn id(&self) -> ID {
        ids::encode(ids::ANNUAL_REPORT, self.row.id)
    }
    async fn year(&self) -> i32 {
        self.row.year
    }
    async fn course(&self, ctx: &Context<'_>) -> Result<Course> {
        visible_course(ctx, self.row.course_id)
            .await?
            .ok_or_else(|| {
                AppError::Internal(format!("course of report {} not visible", self.row.id)).into()
            })
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        institution_by_id(ctx, self.row.institution_id).await
    }
    async fn status(&self) -> ReportStatus {
        self.row.status
    }
    async fn submitted_at(&self) -> Option<DateTime> {
        self.row.submitted_at.map(DateTime)
    }
    async fn entries(&self, ctx: &Context<'_>) -> Result<Vec<TraineeReportEntry>> {
        let Some(version) = self.latest(ctx).await? else {
            return Ok(Vec::new());
        };
        let rows = loaders(ctx)?.list(EntriesOf(version.id)).await?;
        Ok(rows.into_iter().map(TraineeReportEntry).collect())
    }
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
    async fn guidance(&self, ctx: &Context<'_>) -> Result<Vec<Guidance>> {
        let rows = loaders(ctx)?.list(GuidanceOf(self.row.id)).await?;
        Ok(rows.into_iter().map(Guidance).collect())
    }
}

/// One submission of an annual report; a resubmission after guidance adds one.
pub struct AnnualReportVersion(annual_report_version::Model);

#[Object]
impl AnnualReportVersion {
    /// 1 for the first submission
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn submitted_at(&self) -> DateTime {
        self.0.submitted_at.into()
    }
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

#[Object]
impl TraineeReportEntry {
    async fn trainee(&self, ctx: &Context<'_>) -> Result<Trainee> {
        visible_trainee(ctx, self.0.trainee_id)
            .await?
            .ok_or_else(|| {
                AppError::Internal(format!("trainee of report entry {} not visible", self.0.id))
                    .into()
            })
    }
    async fn phase(&self) -> TraineePhase {
        self.0.phase
    }
    async fn research_effort_percent(&self) -> Option<i32> {
        self.0.research_effort_percent
    }
    async fn clinical_progress(&self) -> &str {
        &self.0.clinical_progress
    }
    async fn issues(&self) -> Option<&str> {
        self.0.issues.as_deref()
    }
}

/// Pay and insurance actually provided in the reported year.
#[derive(SimpleObject)]
pub struct StatusGuaranteeReport {
    pub salary_provided: bool,
    pub social_insurance_provided: bool,
    pub working_graduate_student: bool,
    pub note: Option<String>,
}

pub struct Guidance(guidance::Model);

#[Object]
impl Guidance {
    pub async fn id(&self) -> ID {
        ids::encode(ids::GUIDANCE, self.0.id)
    }
    async fn issued_at(&self) -> DateTime {
        self.0.issued_at.into()
    }
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
