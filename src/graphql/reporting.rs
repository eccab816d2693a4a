//! The annual report (年次報告, domain.md "After adoption"): every year the
//! responsible institution reports each trainee's training, and the pay and
//! insurance it actually provided, to the board; the board accepts the report
//! or issues guidance (指導), after which the institution resubmits.
//!
//! One report per course and year. Each submission is kept as a version:
//! the first creates the report with version 1, a resubmission after
//! guidance adds version N+1 and shows it as the report's content.
//!
//! Status: SUBMITTED -> ACCEPTED by the board; SUBMITTED or ACCEPTED ->
//! GUIDANCE_ISSUED by guidance (which may be repeated); GUIDANCE_ISSUED (or
//! an unsubmitted DRAFT) -> SUBMITTED by a resubmission.
//!
//! The writes themselves, and their locks, are in `ops::reporting`.

use super::report::AnnualReport;
use super::run::run;
use crate::ops::reporting::{
    AcceptAnnualReport, GuaranteeProvided, IssueGuidance, ReportEntry, SubmitAnnualReport,
};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// One trainee's entry in an annual report.
#[derive(InputObject)]
pub struct TraineeReportEntryInput {
    /// A trainee of the course (a Trainee ID), at most once per report.
    pub trainee_id: ID,
    /// 0 to 100: the share of effort on research in the reported year; it
    /// becomes the trainee's value for that year. Omitted: not reported.
    pub research_effort_percent: Option<i32>,
    /// The trainee's clinical training, 1 to 4000 characters.
    pub clinical_progress: String,
    /// Problems to report, up to 4000 characters; blank or omitted: none.
    pub issues: Option<String>,
}

/// Pay and insurance actually provided in the reported year (身分保障).
#[derive(InputObject)]
pub struct StatusGuaranteeReportInput {
    /// Whether pay was provided as promised.
    pub salary_provided: bool,
    /// Whether social insurance (社会保険) was provided.
    pub social_insurance_provided: bool,
    /// Whether the research phase ran under the working graduate student
    /// scheme (社会人大学院制度).
    pub working_graduate_student: bool,
    /// Remarks, up to 2000 characters; blank or omitted: none.
    pub note: Option<String>,
}

/// An annual report (年次報告) on one course and year.
#[derive(InputObject)]
pub struct SubmitAnnualReportInput {
    /// The course reported on (a Course ID): a PUBLISHED course of the
    /// token's institution (another's is FORBIDDEN, one not published
    /// CONFLICT).
    pub course_id: ID,
    /// from the course's first year up to the current year
    pub year: i32,
    /// one per trainee of the course, each trainee at most once
    pub entries: Vec<TraineeReportEntryInput>,
    /// The pay and insurance actually provided in the year.
    pub status_guarantee: StatusGuaranteeReportInput,
}

#[derive(Default)]
pub struct ReportingMutation;

#[Object]
impl ReportingMutation {
    /// The course's responsible institution (INSTITUTION) reports a year: the
    /// first submission creates the report, a resubmission after guidance
    /// adds a version. Each entry records the trainee's phase as of today.
    async fn submit_annual_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The report; a second submission of a SUBMITTED or ACCEPTED report is CONFLICT."
        )]
        input: SubmitAnnualReportInput,
    ) -> Result<AnnualReport> {
        run(ctx, SubmitAnnualReport::from(input))
            .await
            .map(AnnualReport::from)
    }

    /// The board (ADMIN) accepts a SUBMITTED report.
    async fn accept_annual_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SUBMITTED report to accept (an AnnualReport ID).")] id: ID,
    ) -> Result<AnnualReport> {
        run(ctx, AcceptAnnualReport { id })
            .await
            .map(AnnualReport::from)
    }

    /// The board (ADMIN) issues guidance (指導) on a SUBMITTED or ACCEPTED
    /// report, or adds more to one already under guidance; the institution
    /// then resubmits.
    async fn issue_guidance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The submitted report the guidance is on (an AnnualReport ID).")]
        report_id: ID,
        #[graphql(desc = "What the board asks of the institution, 1 to 4000 characters.")]
        text: String,
    ) -> Result<AnnualReport> {
        run(ctx, IssueGuidance { report_id, text })
            .await
            .map(AnnualReport::from)
    }
}

impl From<SubmitAnnualReportInput> for SubmitAnnualReport {
    fn from(input: SubmitAnnualReportInput) -> Self {
        let guarantee = input.status_guarantee;
        Self {
            course_id: input.course_id,
            year: input.year,
            entries: input
                .entries
                .into_iter()
                .map(|e| ReportEntry {
                    trainee_id: e.trainee_id,
                    research_effort_percent: e.research_effort_percent,
                    clinical_progress: e.clinical_progress,
                    issues: e.issues,
                })
                .collect(),
            status_guarantee: GuaranteeProvided {
                salary_provided: guarantee.salary_provided,
                social_insurance_provided: guarantee.social_insurance_provided,
                working_graduate_student: guarantee.working_graduate_student,
                note: guarantee.note,
            },
        }
    }
}
