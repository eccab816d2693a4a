//! `Query.viewer`: who the request's token says the caller is.

use super::applicant::{Applicant, visible_applicant};
use super::context::{loaders, viewer};
use super::institution::Institution;
use super::loaders::InstitutionId;
use super::society::Society;
use crate::entity::enums::Role;
use async_graphql::{Context, Object, Result};

/// Who the request's token says the caller is; role is null for an anonymous caller.
pub struct ViewerObject;

#[Object(name = "Viewer")]
impl ViewerObject {
    async fn role(&self, ctx: &Context<'_>) -> Option<Role> {
        viewer(ctx).role
    }
    async fn subject<'a>(&self, ctx: &Context<'a>) -> Option<&'a str> {
        viewer(ctx).subject.as_deref()
    }
    async fn society(&self, ctx: &Context<'_>) -> Result<Option<Society>> {
        match viewer(ctx).society_id {
            Some(id) => Ok(Some(super::society::society_of(ctx, id)?)),
            None => Ok(None),
        }
    }
    async fn institution(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        let Some(id) = viewer(ctx).institution_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.one(InstitutionId(id)).await?.map(Institution))
    }
    /// The applicant registered under this token's subject, once registered.
    async fn applicant(&self, ctx: &Context<'_>) -> Result<Option<Applicant>> {
        match viewer(ctx).applicant_id {
            Some(id) => visible_applicant(ctx, id).await,
            None => Ok(None),
        }
    }
}
