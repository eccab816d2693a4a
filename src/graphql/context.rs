//! Per-request and per-schema data the resolvers read.

use super::loaders::Loaders;
use crate::auth::Viewer;
use crate::catalog::SocietyCatalog;
use crate::clock::Clock;
use crate::error::AppError;
use async_graphql::Context;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_unchecked::<Viewer>()
}

/// The request's loaders, attached by the HTTP handler for each request.
pub fn loaders<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data_opt::<Loaders>()
        .ok_or_else(|| AppError::Internal("no loaders attached to the request".into()).into())
}

pub fn societies<'a>(ctx: &Context<'a>) -> &'a SocietyCatalog {
    ctx.data_unchecked::<SocietyCatalog>()
}

pub fn today(ctx: &Context<'_>) -> NaiveDate {
    ctx.data_unchecked::<Clock>().today()
}
