//! Batched reads for relation fields: `Loaders` and its helpers here, the
//! loaders next to the types they load (`course.rs` for `Course`, …), the
//! statistics aggregation in `statistics.rs`, when batches run in
//! `pacing.rs`, rows by id read in part (only the columns a field's
//! selection reads) in `part.rs`.
//!
//! The HTTP handler builds one `Loaders` per request, for that request's
//! viewer (never one in the schema data, shared by every request: batches
//! would mix viewers). Each relation field asks it for its key; the keys of
//! one type asked for while the request resolves one level become one SQL
//! statement. Loaders of scoped objects (courses, applicants, applications,
//! trainees, reports) apply `visibility::*` for the viewer, so an object the
//! viewer may not see is absent, as in the lists.
//!
//! Nested connections (Society.courses, Institution.courses,
//! Course.applications) are cut per parent in SQL with `ROW_NUMBER()`, and
//! their `totalCount` is one grouped COUNT, run only when asked for.
//!
//! No cache: a key asked for again later in the request is read again, so a
//! mutation's result never shows rows read before it changed them.
//!
//! When a batch runs: async-graphql's `DataLoader` waits a fixed delay (1 ms)
//! after the first key, and a page of 100 objects takes longer than that to
//! walk (its `FuturesUnordered` yields after every couple of objects), so a
//! level's keys would be split over several statements, more of them the
//! larger the page. Here the delay is zero and each load waits instead for
//! the request to settle: to return `Pending` without having woken itself,
//! that is, to be waiting for nothing but loads. `Loaders::paced` watches
//! the request's execution for that (the HTTP handler wraps each execution
//! in it; over WebSocket, the `Batching` extension wraps each event's);
//! outside an execution loads run at once.

use super::pagination::{Page, PageArgs, TotalCount};
use crate::auth::Viewer;
use async_graphql::context::SelectionField;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use pacing::Pace;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Select};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The request's loaders: attach with `Request::data`, one per request. A
/// clone shares the batches (the handler keeps one to pace the execution).
#[derive(Clone)]
pub struct Loaders {
    loader: Arc<DataLoader<Db, HashMapCache>>,
    pace: Arc<watch::Sender<Pace>>,
    caching: bool,
}

/// What every batch reads with: the pool and the request's viewer.
pub struct Db {
    db: DatabaseConnection,
    viewer: Viewer,
}

impl Loaders {
    /// Loaders without a cache: every read sees the writes before it (a
    /// mutation's result, each event of a subscription).
    pub fn new(db: &DatabaseConnection, viewer: &Viewer) -> Self {
        Self::build(db, viewer, false)
    }

    /// Loaders for a query: each key is read at most once per request, and
    /// a page may hand over the related rows it read in its own statement
    /// (`feed`, `graphql::joined`).
    pub fn for_query(db: &DatabaseConnection, viewer: &Viewer) -> Self {
        Self::build(db, viewer, true)
    }

    /// Whether these loaders keep what they read (and so take `feed`).
    pub fn caches(&self) -> bool {
        self.caching
    }

    /// Rows read elsewhere, served to later loads of their keys.
    pub async fn feed<K>(&self, values: impl IntoIterator<Item = (K, <Db as Loader<K>>::Value)>)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Db: Loader<K, Error = DbErr>,
    {
        if self.caching {
            self.loader.feed_many(values).await;
        }
    }

    fn build(db: &DatabaseConnection, viewer: &Viewer, caching: bool) -> Self {
        let db = Db {
            db: db.clone(),
            viewer: viewer.clone(),
        };
        let (pace, spawn_when_settled) = pacing::pace();
        let loader = DataLoader::with_cache(db, spawn_when_settled, HashMapCache::default());
        loader.enable_all_cache(caching);
        Self {
            loader: Arc::new(loader.delay(Duration::ZERO)),
            pace,
            caching,
        }
    }

    /// The value of one key, batched with every other key of its type.
    pub async fn one<K>(&self, key: K) -> Result<Option<<Db as Loader<K>>::Value>, DbErr>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Db: Loader<K, Error = DbErr>,
    {
        self.loader.load_one(key).await
    }

    /// The row of `key` as the value of `field`: only the columns its
    /// selection reads by the type's `columns_of` table
    /// (`Columns::asked`), else the whole row.
    pub async fn row_for<K>(
        &self,
        field: SelectionField<'_>,
        key: K,
        columns_of: ColumnsOf<K::Entity>,
    ) -> Result<Option<<K::Entity as EntityTrait>::Model>, DbErr>
    where
        K: RowKey,
        Db: Loader<K, Value = <K::Entity as EntityTrait>::Model, Error = DbErr>,
    {
        match Columns::asked::<K::Entity>(field, columns_of) {
            Some(columns) => self.one::<InPart<K>>(InPart { key, columns }).await,
            None => self.one(key).await,
        }
    }

    /// The values of many keys in one batch per type; a key without a
    /// value is absent.
    pub async fn many<K>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, <Db as Loader<K>>::Value>, DbErr>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Db: Loader<K, Error = DbErr>,
    {
        self.loader.load_many(keys).await
    }

    /// The rows under one key, empty when there are none.
    pub async fn list<K, T>(&self, key: K) -> Result<Vec<T>, DbErr>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Db: Loader<K, Value = Vec<T>, Error = DbErr>,
    {
        Ok(self.loader.load_one(key).await?.unwrap_or_default())
    }

    /// One page of a nested connection.
    pub async fn page<K, M>(&self, key: K, args: PageArgs) -> Result<Page<M>, DbErr>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Db: Loader<K, Value = Page<M>, Error = DbErr>,
    {
        Ok(self
            .loader
            .load_one(key)
            .await?
            .unwrap_or_else(|| Page::cut(Vec::new(), args)))
    }

    /// `totalCount` through a count loader: nothing runs unless it is asked for.
    pub fn total_count<K>(&self, key: K) -> TotalCount
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Db: Loader<K, Value = u64, Error = DbErr>,
    {
        let loader = Arc::clone(&self.loader);
        TotalCount::deferred(move || {
            let loader = Arc::clone(&loader);
            let key = key.clone();
            async move { Ok(loader.load_one(key).await?.unwrap_or(0)) }
        })
    }
}

// --- helpers -------------------------------------------------------------------

/// One row per key.
fn index<K: Hash + Eq, M>(rows: Vec<M>, key: impl Fn(&M) -> K) -> HashMap<K, M> {
    rows.into_iter().map(|m| (key(&m), m)).collect()
}

/// The rows under each key, in the order read.
fn group<K: Hash + Eq, M>(rows: Vec<M>, key: impl Fn(&M) -> K) -> HashMap<K, Vec<M>> {
    let mut out: HashMap<K, Vec<M>> = HashMap::new();
    for row in rows {
        out.entry(key(&row)).or_default().push(row);
    }
    out
}

/// Keys sorted into batches that share everything but the parent id (the
/// filters and page of a nested field), each with its parent ids.
fn by_shape<K, S: Hash + Eq>(keys: &[K], split: impl Fn(&K) -> (S, i64)) -> HashMap<S, Vec<i64>> {
    let mut out: HashMap<S, Vec<i64>> = HashMap::new();
    for key in keys {
        let (shape, parent) = split(key);
        out.entry(shape).or_default().push(parent);
    }
    out
}

impl Db {
    /// The rows of `select` whose `column` is one of `ids`.
    async fn rows_in<E: EntityTrait>(
        &self,
        select: Select<E>,
        column: E::Column,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<Vec<E::Model>, DbErr> {
        select.filter(column.is_in(ids)).all(&self.db).await
    }

    /// The whole rows of `keys` that the viewer may see, by key.
    async fn rows_by<K: RowKey>(
        &self,
        keys: &[K],
    ) -> Result<HashMap<K, <K::Entity as EntityTrait>::Model>, DbErr> {
        let values: Vec<i64> = keys.iter().map(|k| k.value()).collect();
        let select = K::visible(self, &values);
        let rows = self.rows_in(select, K::column(), values).await?;
        Ok(index(rows, K::of))
    }
}

/// Declares key types: newtypes over an id, one per kind of read.
macro_rules! keys {
    ($($(#[$doc:meta])* $name:ident($ty:ty);)+) => {
        $($(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub $ty);)+
    };
}

mod application;
mod course;
mod cycle;
mod institution;
mod pacing;
mod part;
mod report;
mod statistics;
mod trainee;

pub use application::{
    ApplicantId, ApplicationId, ApplicationsOfApplicant, CourseApplicationCount,
    CourseApplications, GeneralApplicationOf,
};
pub use course::{
    ApplicationCounts, ApplicationCountsOf, CourseId, InstitutionCourseCount, InstitutionCourses,
    PartnersOf, SocietyCourseCount, SocietyCourses,
};
pub use cycle::{CycleYear, FieldQuotaOf, FieldQuotasOf, ParticipationOf};
pub use institution::{
    CertificationsOf, InstitutionId, QuotaReductionId, QuotaReductionsOf, SanctionsOf,
    SuspendedUntil,
};
pub use pacing::Batching;
pub use part::{Columns, ColumnsOf, InPart, RowKey};
pub use report::{EntriesOf, GuidanceOf, ReportId, VersionsOf};
pub use statistics::{CycleCounts, SettledStatistics, StatisticsOf};
pub use trainee::{TraineeId, TraineeOfApplicant, TraineesOfCourse};
