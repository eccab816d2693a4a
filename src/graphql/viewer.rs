//! `Query.viewer`: who the request's token says the caller is.

use super::applicant::{Applicant, visible_applicant};
use super::context::{loaders, viewer};
use super::institution::Institution;
use super::loaders::InstitutionId;
use super::society::Society;
use crate::entity::enums::Role;
use async_graphql::{Context, Object, Result};

pub struct ViewerObject;

/// Who the request's token says the caller is; role is null for an anonymous caller.
/// The scope fields say which society, institution or doctor the token
/// acts for; each is null for the other roles.
#[Object(name = "Viewer")]
impl ViewerObject {
    /// The token's role; null without a token (anonymous).
    async fn role(&self, ctx: &Context<'_>) -> Option<Role> {
        viewer(ctx).role
    }
    /// The token's `sub` claim: who signed in, as the token issuer names
    /// them (for a doctor, the key its record is registered under); null
    /// without a token.
    async fn subject<'a>(&self, ctx: &Context<'a>) -> Option<&'a str> {
        viewer(ctx).subject.as_deref()
    }
    /// A SOCIETY token's society (its `society` claim); null for other roles.
    async fn society(&self, ctx: &Context<'_>) -> Result<Option<Society>> {
        match viewer(ctx).society_id {
            Some(id) => Ok(Some(super::society::society_of(ctx, id)?)),
            None => Ok(None),
        }
    }
    /// An INSTITUTION token's hospital (its `institution` claim); null for
    /// other roles.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        let Some(id) = viewer(ctx).institution_id else {
            return Ok(None);
        };
        let row = loaders(ctx)?
            .row_for(ctx.field(), InstitutionId(id), Institution::columns_of)
            .await?;
        Ok(row.map(Institution))
    }
    /// The applicant registered under this token's subject, once registered.
    /// Null for an APPLICANT token before registerApplicant, and for other roles.
    async fn applicant(&self, ctx: &Context<'_>) -> Result<Option<Applicant>> {
        match viewer(ctx).applicant_id {
            // Whole: the token's lookup read the row (`auth::Caller`).
            Some(id) => visible_applicant(ctx, id).await,
            None => Ok(None),
        }
    }
}
