//! The `Query` root: every read goes through the area modules' scoped lists.

use super::applicant::{ApplicantConnection, list_applicants};
use super::application::{ApplicationConnection, ApplicationFilter, list_applications};
use super::audit::{AuditEventConnection, list_audit_events};
use super::context::{db, societies};
use super::course::{CourseConnection, CourseFilter, list_courses};
use super::cycle::{RecruitmentCycle, cycle_by_year};
use super::ids;
use super::institution::{InstitutionConnection, list_institutions};
use super::node::{Node, find_node};
use super::report::{AnnualReportConnection, list_annual_reports};
use super::society::Society;
use super::trainee::{TraineeConnection, list_trainees};
use super::viewer::ViewerObject;
use crate::entity::enums::FieldCode;
use crate::entity::recruitment_cycle;
use async_graphql::{Context, ID, Object, Result};
use sea_orm::{EntityTrait, QueryOrder};

#[derive(Default)]
pub struct Query;

#[Object]
impl Query {
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        find_node(ctx, &id).await
    }

    async fn viewer(&self) -> ViewerObject {
        ViewerObject
    }

    /// All 19 societies in the board's official order.
    async fn societies(&self, ctx: &Context<'_>) -> Vec<Society> {
        societies(ctx).all().iter().cloned().map(Society).collect()
    }

    async fn society(&self, ctx: &Context<'_>, code: FieldCode) -> Option<Society> {
        societies(ctx).by_code(code).cloned().map(Society)
    }

    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn institutions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<InstitutionConnection> {
        list_institutions(ctx, first, after.as_deref()).await
    }

    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn courses(
        &self,
        ctx: &Context<'_>,
        filter: Option<CourseFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CourseConnection> {
        let condition = filter.unwrap_or_default().condition(ctx);
        list_courses(ctx, condition, first, after.as_deref()).await
    }

    /// Newest year first.
    #[graphql(complexity = "1 + super::pagination::LIST_FANOUT * child_complexity")]
    async fn recruitment_cycles(&self, ctx: &Context<'_>) -> Result<Vec<RecruitmentCycle>> {
        let rows = recruitment_cycle::Entity::find()
            .order_by_desc(recruitment_cycle::Column::Year)
            .all(db(ctx))
            .await?;
        Ok(rows.into_iter().map(RecruitmentCycle).collect())
    }

    async fn recruitment_cycle(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> Result<Option<RecruitmentCycle>> {
        cycle_by_year(ctx, year).await
    }

    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn applicants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ApplicantConnection> {
        list_applicants(ctx, first, after.as_deref()).await
    }

    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn applications(
        &self,
        ctx: &Context<'_>,
        filter: Option<ApplicationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ApplicationConnection> {
        let condition = filter.unwrap_or_default().condition(ctx);
        list_applications(ctx, condition, first, after.as_deref()).await
    }

    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn trainees(
        &self,
        ctx: &Context<'_>,
        course_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TraineeConnection> {
        // An ID of another type matches no course, so the list is empty.
        let course_id = course_id.map(|raw| ids::decode_kind(&raw, ids::COURSE).unwrap_or(0));
        list_trainees(ctx, course_id, first, after.as_deref()).await
    }

    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn annual_reports(
        &self,
        ctx: &Context<'_>,
        year: Option<i32>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AnnualReportConnection> {
        list_annual_reports(ctx, year, first, after.as_deref()).await
    }

    /// the board only
    #[graphql(complexity = "super::pagination::page_cost(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        list_audit_events(ctx, first, after.as_deref()).await
    }
}
