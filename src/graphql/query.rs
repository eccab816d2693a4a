//! The `Query` root: every read goes through the area modules' scoped lists.

use super::applicant::{ApplicantConnection, list_applicants};
use super::application::{ApplicationConnection, ApplicationFilter, list_applications};
use super::audit::{AuditEventConnection, list_audit_events};
use super::context::{db, societies};
use super::course::{CourseConnection, CourseFilter, list_courses};
use super::cycle::{RecruitmentCycle, cycle_by_year};
use super::institution::{InstitutionConnection, list_institutions};
use super::node::{Node, find_node};
use super::report::{AnnualReportConnection, list_annual_reports};
use super::society::Society;
use super::trainee::{TraineeConnection, list_trainees};
use super::viewer::ViewerObject;
use crate::entity::enums::FieldCode;
use crate::entity::recruitment_cycle;
use crate::ids;
use async_graphql::{Context, ID, Object, Result};
use sea_orm::{EntityTrait, QueryOrder};

#[derive(Default)]
pub struct Query;

/// Every read. A query never fails for lack of rights: what this viewer may
/// not see is left out of lists and their totalCount, or is null, never an
/// error that would reveal it exists (docs/roles.md).
#[Object]
impl Query {
    /// The object behind a global ID, if this viewer may read it; null when
    /// the ID is unknown or malformed, or names an object hidden from this
    /// viewer (the cases look the same).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID from any `id` field of a Node type.")] id: ID,
    ) -> Result<Option<Node>> {
        find_node(ctx, &id).await
    }

    /// Who the request's token says the caller is; never null (an anonymous
    /// caller gets a Viewer whose role is null).
    async fn viewer(&self) -> ViewerObject {
        ViewerObject
    }

    /// All 19 societies in the board's official order (FieldCode's order),
    /// the board itself for GENERAL_PRACTICE. Public.
    async fn societies(&self, ctx: &Context<'_>) -> Vec<Society> {
        societies(ctx).all().iter().cloned().map(Society).collect()
    }

    /// The society of one basic field (基本領域学会; the board for
    /// GENERAL_PRACTICE). Public; every field has one.
    async fn society(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The basic field (基本領域) whose society to return.")] code: FieldCode,
    ) -> Option<Society> {
        societies(ctx).by_code(code).cloned().map(Society)
    }

    /// Every registered hospital, in the order the board registered them,
    /// a page at a time. Public.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn institutions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<InstitutionConnection> {
        list_institutions(ctx, first, after.as_deref()).await
    }

    /// The courses this viewer may see that match the filter, oldest
    /// first: PUBLISHED ones for everyone; also a society's own field's
    /// courses in any status, an institution's own courses, the courses an
    /// applicant applied to; every course for the board.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn courses(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Conditions that narrow the list; omitted: every course this viewer may see."
        )]
        filter: Option<CourseFilter>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<CourseConnection> {
        let condition = filter.unwrap_or_default().condition(ctx);
        list_courses(ctx, condition, first, after.as_deref()).await
    }

    /// Newest year first: every recruitment cycle, one per intake year.
    /// Public, with quotas and statistics.
    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn recruitment_cycles(&self, ctx: &Context<'_>) -> Result<Vec<RecruitmentCycle>> {
        let rows = recruitment_cycle::Entity::find()
            .order_by_desc(recruitment_cycle::Column::Year)
            .all(db(ctx))
            .await?;
        Ok(rows.into_iter().map(RecruitmentCycle).collect())
    }

    /// The recruitment cycle of one intake year; null when the board has not
    /// created it (createRecruitmentCycle). Public.
    async fn recruitment_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The intake year: trainees start on 1 April of it (2027 for the early call of September 2026)."
        )]
        year: i32,
    ) -> Result<Option<RecruitmentCycle>> {
        cycle_by_year(ctx, year).await
    }

    /// The doctors this viewer may see, in registration order: all for the
    /// board; those who applied to its field's courses for a society, to its
    /// courses for an institution; itself for a doctor; none for anonymous.
    /// Personal data: reading it is audited (readPersonalData).
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn applicants(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<ApplicantConnection> {
        list_applicants(ctx, first, after.as_deref()).await
    }

    /// The applications this viewer may see that match the filter, oldest
    /// first: all for the board; those to its field's courses for a society,
    /// to its courses for an institution; its own for a doctor; none for
    /// anonymous.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Conditions that narrow the list; omitted: every application this viewer may see."
        )]
        filter: Option<ApplicationFilter>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<ApplicationConnection> {
        let filter = filter.unwrap_or_default();
        list_applications(ctx, &filter, first, after.as_deref()).await
    }

    /// The trainees (専攻医) this viewer may see, oldest first: all for the
    /// board; those of its field's courses for a society, of its courses for
    /// an institution; itself, once adopted, for a doctor; none for anonymous.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn trainees(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only the trainees of this course (a Course ID); an ID of another type matches nothing."
        )]
        course_id: Option<ID>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<TraineeConnection> {
        // An ID of another type matches no course, so the list is empty.
        let course_id = course_id.map(|raw| ids::decode_kind(&raw, ids::COURSE).unwrap_or(0));
        list_trainees(ctx, course_id, first, after.as_deref()).await
    }

    /// The annual reports (年次報告, I.3(3)) this viewer may see, oldest
    /// first: all for the board; its own for an institution; those on its
    /// field's courses for a society; none for a doctor or anonymous.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn annual_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only the reports on this training year (April of it to March of the next)."
        )]
        year: Option<i32>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<AnnualReportConnection> {
        list_annual_reports(ctx, year, first, after.as_deref()).await
    }

    /// the board only: the audit trail, oldest first. Every mutation that
    /// took effect or was refused, and every reading of a doctor's personal
    /// data by someone other than the doctor (readPersonalData). Empty for
    /// every other viewer.
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size: default 20, at most 100 (more is cut to 100); negative is BAD_USER_INPUT."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after this cursor (the previous page's endCursor); omit for the first page. A string that is not a cursor is BAD_USER_INPUT."
        )]
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        list_audit_events(ctx, first, after.as_deref()).await
    }
}
