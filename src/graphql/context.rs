//! Per-request and per-schema data the resolvers read.

use super::loaders::Loaders;
use crate::auth::Viewer;
use crate::catalog::SocietyCatalog;
use crate::clock::Clock;
use crate::error::AppError;
use async_graphql::context::ContextBase;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

pub fn db<'a, T>(ctx: &ContextBase<'a, T>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

pub fn viewer<'a, T>(ctx: &ContextBase<'a, T>) -> &'a Viewer {
    ctx.data_unchecked::<Viewer>()
}

/// The request's loaders, attached by the HTTP handler for each request.
pub fn loaders<'a, T>(ctx: &ContextBase<'a, T>) -> async_graphql::Result<&'a Loaders> {
    ctx.data_opt::<Loaders>()
        .ok_or_else(|| AppError::Internal("no loaders attached to the request".into()).into())
}

pub fn societies<'a, T>(ctx: &ContextBase<'a, T>) -> &'a SocietyCatalog {
    ctx.data_unchecked::<SocietyCatalog>()
}

pub fn today<T>(ctx: &ContextBase<'_, T>) -> NaiveDate {
    ctx.data_unchecked::<Clock>().today()
}
