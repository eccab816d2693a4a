//! The `Node` interface and `node(id:)`, scoped like every other read.

use super::applicant::{Applicant, visible_applicant};
use super::application::{Application, visible_application};
use super::context::{db, loaders, societies};
use super::course::{Course, visible_course};
use super::cycle::RecruitmentCycle;
use super::institution::Institution;
use super::loaders::InstitutionId;
use super::report::{AnnualReport, visible_report};
use super::society::Society;
use super::trainee::{Trainee, visible_trainee};
use crate::entity::recruitment_cycle;
use crate::ids;
use async_graphql::{Context, ID, Interface, Result};
use sea_orm::EntityTrait;

/// An object with a global ID, which `node(id:)` fetches again. Read like
/// any other object: `node` answers null for what this viewer may not see.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The global ID: an opaque string, unique across all types and stable; pass it to \
            node(id:) or to a mutation's ID argument. An ID of one type is never accepted \
            where another type's goes."
))]
pub enum Node {
    Society(Society),
    Institution(Institution),
    Course(Course),
    RecruitmentCycle(RecruitmentCycle),
    Applicant(Applicant),
    Application(Application),
    Trainee(Trainee),
    AnnualReport(AnnualReport),
}

/// The object behind a global ID, or `None` when it does not exist, is not
/// ours, or this viewer may not see it: the three look the same.
pub async fn find_node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    let Some((kind, n)) = ids::decode(id) else {
        return Ok(None);
    };
    let node = match kind.as_str() {
        ids::SOCIETY => societies(ctx)
            .by_id(n)
            .cloned()
            .map(|m| Node::Society(Society(m))),
        ids::INSTITUTION => loaders(ctx)?
            .one(InstitutionId(n))
            .await?
            .map(|m| Node::Institution(Institution(m))),
        ids::COURSE => visible_course(ctx, n).await?.map(Node::Course),
        ids::CYCLE => recruitment_cycle::Entity::find_by_id(n)
            .one(db(ctx))
            .await?
            .map(|m| Node::RecruitmentCycle(RecruitmentCycle(m))),
        ids::APPLICANT => visible_applicant(ctx, n).await?.map(Node::Applicant),
        ids::APPLICATION => visible_application(ctx, n).await?.map(Node::Application),
        ids::TRAINEE => visible_trainee(ctx, n).await?.map(Node::Trainee),
        ids::ANNUAL_REPORT => visible_report(ctx, n).await?.map(Node::AnnualReport),
        _ => None,
    };
    Ok(node)
}
