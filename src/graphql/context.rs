//! Per-request and per-schema data the resolvers read.

use super::loaders::Loaders;
use crate::auth::Viewer;
use crate::entity::enums::FieldCode;
use crate::entity::society;
use crate::error::AppError;
use async_graphql::Context;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// The 19 societies, loaded once at start: they are seeded by a migration
/// and never change, so no request needs to query them.
#[derive(Clone)]
pub struct SocietyCatalog(Arc<Vec<society::Model>>);

impl SocietyCatalog {
    pub fn new(mut rows: Vec<society::Model>) -> Self {
        rows.sort_by_key(|s| s.position);
        Self(Arc::new(rows))
    }

    pub fn all(&self) -> &[society::Model] {
        &self.0
    }

    pub fn by_id(&self, id: i64) -> Option<&society::Model> {
        self.0.iter().find(|s| s.id == id)
    }

    pub fn by_code(&self, code: FieldCode) -> Option<&society::Model> {
        self.0.iter().find(|s| s.code == code)
    }
}

/// Today's date in Japan, or the fixed date of `CSC_TODAY` (tests and demos).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub fixed_today: Option<NaiveDate>,
}

impl Clock {
    pub fn today(&self) -> NaiveDate {
        self.fixed_today.unwrap_or_else(|| {
            let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
            chrono::Utc::now().with_timezone(&jst).date_naive()
        })
    }
}

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
