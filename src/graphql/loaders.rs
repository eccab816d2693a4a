//! Batched reads for relation fields.
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

use super::application::join_course;
use super::pagination::{Page, PageArgs, TotalCount, count_by_parent, fetch_pages_by_parent};
use super::visibility;
use crate::auth::Viewer;
use crate::domain::eligibility::course_start;
use crate::domain::training::CourseRules;
use crate::entity::enums::{ApplicationOutcome, ApplicationStatus};
use crate::entity::{
    annual_report, annual_report_entry, annual_report_version, applicant, application, course,
    course_partner_site, departure, extension, field_quota, general_application, guidance,
    institution, institution_certification, paper, participation, quota_reduction,
    recruitment_cycle, research_effort_report, sanction, study_abroad, trainee,
};
use async_graphql::Response;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::futures_util::future::BoxFuture;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
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

/// Where the request's execution stands, for loads waiting to run.
#[derive(Debug, Clone, Copy, Default)]
struct Pace {
    /// The execution is resolving: keys may still come.
    busy: bool,
    /// How many times it has settled (waited for nothing but loads).
    settled: u64,
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
        let (pace, _) = watch::channel(Pace::default());
        let pace = Arc::new(pace);
        let watcher = pace.subscribe();
        // Spawned on tokio like `DataLoader::new(loader, tokio::spawn)`, once
        // the execution that asked for the first key has settled.
        let spawn_when_settled = move |load: BoxFuture<'static, ()>| {
            let mut watcher = watcher.clone();
            let seen = watcher.borrow_and_update().settled;
            tokio::spawn(async move {
                // A closed channel means the request is gone: load anyway,
                // nobody waits for the result.
                let _ = watcher.wait_for(|p| !p.busy || p.settled > seen).await;
                load.await;
            })
        };
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

    /// Runs the request's execution, telling waiting loads each time it
    /// settles: see the module documentation.
    pub async fn paced<F: Future<Output = Response>>(&self, execution: F) -> Response {
        Paced {
            execution: std::pin::pin!(execution),
            pace: Arc::clone(&self.pace),
        }
        .await
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

// --- when batches run ------------------------------------------------------------

/// The schema extension that paces the `Loaders` of a WebSocket connection
/// (if it has any) by each event's execution. Only the WebSocket schema has
/// it: an extension slows every field's resolution (`graphql::Served`).
pub struct Batching;

impl ExtensionFactory for Batching {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Batching)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Batching {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match ctx.data_opt::<Loaders>() {
            Some(loaders) => loaders.paced(next.run(ctx, operation_name)).await,
            None => next.run(ctx, operation_name).await,
        }
    }
}

/// An execution that reports to its loads when it has settled.
struct Paced<'a, F> {
    execution: Pin<&'a mut F>,
    pace: Arc<watch::Sender<Pace>>,
}

impl<F> Paced<'_, F> {
    fn settle(&self) {
        self.pace.send_modify(|p| {
            p.busy = false;
            p.settled += 1;
        });
    }
}

impl<F: Future<Output = Response>> Future for Paced<'_, F> {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        // Busy: loads spawned from here on wait (no one needs waking for it).
        self.pace.send_if_modified(|p| {
            p.busy = true;
            false
        });
        let flag = Arc::new(WakeFlag {
            woken: AtomicBool::new(false),
            waker: cx.waker().clone(),
        });
        let waker = Waker::from(Arc::clone(&flag));
        let polled = self
            .execution
            .as_mut()
            .poll(&mut Context::from_waker(&waker));
        // Woken while polled: it yielded (a list walks its items a few at a
        // time) and goes on at once, asking for more keys.
        if polled.is_ready() || !flag.woken.load(Ordering::Acquire) {
            self.settle();
        }
        polled
    }
}

impl<F> Drop for Paced<'_, F> {
    /// A dropped execution (the client went away) never leaves loads waiting.
    fn drop(&mut self) {
        self.settle();
    }
}

/// The task's waker, noting whether it was woken.
struct WakeFlag {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.waker.wake_by_ref();
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
}

/// Declares key types: newtypes over an id, one per kind of read.
macro_rules! keys {
    ($($(#[$doc:meta])* $name:ident($ty:ty);)+) => {
        $($(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub $ty);)+
    };
}

keys! {
    /// An institution (public).
    InstitutionId(i64);
    /// A course the viewer may see.
    CourseId(i64);
    /// An applicant the viewer may see.
    ApplicantId(i64);
    /// An application the viewer may see.
    ApplicationId(i64);
    /// A trainee the viewer may see.
    TraineeId(i64);
    /// An annual report the viewer may see.
    ReportId(i64);
    /// The recruitment cycle of a year.
    CycleYear(i32);
    /// The partner institutions of a course, by institution id.
    PartnersOf(i64);
    /// The general application (併願) of an application.
    GeneralApplicationOf(i64);
    /// The course-year rules of a course, from its cycle.
    RulesOf(i64);
    /// A trainee's papers.
    PapersOf(i64);
    /// A trainee's extensions.
    ExtensionsOf(i64);
    /// A trainee's research periods elsewhere, by start.
    StudyAbroadOf(i64);
    /// A trainee's departure.
    DepartureOf(i64);
    /// A trainee's research effort per training year, by year.
    EffortReportsOf(i64);
    /// The fields in which an institution is a certified training facility.
    CertificationsOf(i64);
    /// The applications of an applicant that the viewer may see.
    ApplicationsOfApplicant(i64);
    /// The trainee record of an applicant, if the viewer may see it.
    TraineeOfApplicant(i64);
    /// The trainees of a course that the viewer may see.
    TraineesOfCourse(i64);
    /// The field quotas of a year.
    FieldQuotasOf(i32);
    /// An institution's sanctions.
    SanctionsOf(i64);
    /// An institution's quota reductions.
    QuotaReductionsOf(i64);
    /// A quota reduction.
    QuotaReductionId(i64);
    /// Application counts of a course.
    ApplicationCountsOf(i64);
    /// The statistics of a cycle's year.
    StatisticsOf(i32);
    /// The submitted versions of a report, oldest first.
    VersionsOf(i64);
    /// The trainee entries of a report version.
    EntriesOf(i64);
    /// The guidance issued on a report.
    GuidanceOf(i64);
}

/// A society's decision for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParticipationOf {
    pub society_id: i64,
    pub year: i32,
}

/// A society's field quota of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldQuotaOf {
    pub society_id: i64,
    pub year: i32,
}

/// The last year of an institution's sanctions running in `from_year` or later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuspendedUntil {
    pub institution_id: i64,
    pub from_year: i32,
}

// --- objects by id -------------------------------------------------------------

impl Loader<InstitutionId> for Db {
    type Value = institution::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[InstitutionId],
    ) -> Result<HashMap<InstitutionId, Self::Value>, DbErr> {
        let rows = self
            .rows_in(
                institution::Entity::find(),
                institution::Column::Id,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(index(rows, |m| InstitutionId(m.id)))
    }
}

impl Loader<CourseId> for Db {
    type Value = course::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[CourseId]) -> Result<HashMap<CourseId, Self::Value>, DbErr> {
        let select = course::Entity::find().filter(visibility::courses(&self.viewer));
        let rows = self
            .rows_in(select, course::Column::Id, keys.iter().map(|k| k.0))
            .await?;
        Ok(index(rows, |m| CourseId(m.id)))
    }
}

impl Loader<ApplicantId> for Db {
    type Value = applicant::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[ApplicantId]) -> Result<HashMap<ApplicantId, Self::Value>, DbErr> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let select =
            applicant::Entity::find().filter(visibility::applicants_among(&self.viewer, &ids));
        let rows = self.rows_in(select, applicant::Column::Id, ids).await?;
        Ok(index(rows, |m| ApplicantId(m.id)))
    }
}

impl Loader<ApplicationId> for Db {
    type Value = application::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[ApplicationId],
    ) -> Result<HashMap<ApplicationId, Self::Value>, DbErr> {
        let select = application::Entity::find().filter(visibility::applications(&self.viewer));
        let rows = self
            .rows_in(select, application::Column::Id, keys.iter().map(|k| k.0))
            .await?;
        Ok(index(rows, |m| ApplicationId(m.id)))
    }
}

impl Loader<TraineeId> for Db {
    type Value = trainee::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[TraineeId]) -> Result<HashMap<TraineeId, Self::Value>, DbErr> {
        let select = trainee::Entity::find().filter(visibility::trainees(&self.viewer));
        let rows = self
            .rows_in(select, trainee::Column::Id, keys.iter().map(|k| k.0))
            .await?;
        Ok(index(rows, |m| TraineeId(m.id)))
    }
}

impl Loader<ReportId> for Db {
    type Value = annual_report::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[ReportId]) -> Result<HashMap<ReportId, Self::Value>, DbErr> {
        let select = annual_report::Entity::find().filter(visibility::annual_reports(&self.viewer));
        let rows = self
            .rows_in(select, annual_report::Column::Id, keys.iter().map(|k| k.0))
            .await?;
        Ok(index(rows, |m| ReportId(m.id)))
    }
}

impl Loader<CycleYear> for Db {
    type Value = recruitment_cycle::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[CycleYear]) -> Result<HashMap<CycleYear, Self::Value>, DbErr> {
        let rows = recruitment_cycle::Entity::find()
            .filter(recruitment_cycle::Column::Year.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(index(rows, |m| CycleYear(m.year)))
    }
}

impl Loader<QuotaReductionId> for Db {
    type Value = quota_reduction::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[QuotaReductionId],
    ) -> Result<HashMap<QuotaReductionId, Self::Value>, DbErr> {
        let select = quota_reduction::Entity::find();
        let rows = self
            .rows_in(
                select,
                quota_reduction::Column::Id,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(index(rows, |m| QuotaReductionId(m.id)))
    }
}

// --- courses -------------------------------------------------------------------

impl Loader<PartnersOf> for Db {
    type Value = Vec<institution::Model>;
    type Error = DbErr;

    /// One join: the partners' institution rows with the course they serve.
    async fn load(&self, keys: &[PartnersOf]) -> Result<HashMap<PartnersOf, Self::Value>, DbErr> {
        let partner_site = institution::Entity::belongs_to(course_partner_site::Entity)
            .from(institution::Column::Id)
            .to(course_partner_site::Column::InstitutionId)
            .into();
        let query = institution::Entity::find()
            .column_as(course_partner_site::Column::CourseId, "partner_course_id")
            .join(JoinType::InnerJoin, partner_site)
            .filter(course_partner_site::Column::CourseId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(institution::Column::Id);
        let rows = self
            .db
            .query_all_raw(self.db.get_database_backend().build(&query.into_query()))
            .await?;
        let mut out: HashMap<PartnersOf, Self::Value> = HashMap::new();
        for row in rows {
            let course_id: i64 = row.try_get("", "partner_course_id")?;
            let institution = institution::Model::from_query_result(&row, "")?;
            out.entry(PartnersOf(course_id))
                .or_default()
                .push(institution);
        }
        Ok(out)
    }
}

/// Applications of a course, as `Course.applicantCount` and `adoptedCount` count them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplicationCounts {
    /// not withdrawn
    pub applicants: i64,
    pub adopted: i64,
}

impl Loader<ApplicationCountsOf> for Db {
    type Value = ApplicationCounts;
    type Error = DbErr;

    /// `SELECT course_id, status, COUNT(*) … GROUP BY course_id, status`.
    async fn load(
        &self,
        keys: &[ApplicationCountsOf],
    ) -> Result<HashMap<ApplicationCountsOf, Self::Value>, DbErr> {
        let rows: Vec<(i64, ApplicationStatus, i64)> = application::Entity::find()
            .select_only()
            .column(application::Column::CourseId)
            .column(application::Column::Status)
            .column_as(application::Column::Id.count(), "n")
            .filter(application::Column::CourseId.is_in(keys.iter().map(|k| k.0)))
            .group_by(application::Column::CourseId)
            .group_by(application::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut out: HashMap<ApplicationCountsOf, ApplicationCounts> = HashMap::new();
        for (course_id, status, n) in rows {
            let counts = out.entry(ApplicationCountsOf(course_id)).or_default();
            if status != ApplicationStatus::Withdrawn {
                counts.applicants += n;
            }
            if status == ApplicationStatus::Adopted {
                counts.adopted += n;
            }
        }
        Ok(out)
    }
}

impl Loader<TraineesOfCourse> for Db {
    type Value = Vec<trainee::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[TraineesOfCourse],
    ) -> Result<HashMap<TraineesOfCourse, Self::Value>, DbErr> {
        let select = trainee::Entity::find()
            .filter(visibility::trainees(&self.viewer))
            .order_by_asc(trainee::Column::Id);
        let rows = self
            .rows_in(select, trainee::Column::CourseId, keys.iter().map(|k| k.0))
            .await?;
        Ok(group(rows, |m| TraineesOfCourse(m.course_id)))
    }
}

// --- nested connections --------------------------------------------------------

/// `Society.courses`: a page of the society's courses the viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocietyCourses {
    pub society_id: i64,
    pub year: Option<i32>,
    pub page: PageArgs,
}

/// `Society.courses.totalCount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocietyCourseCount {
    pub society_id: i64,
    pub year: Option<i32>,
}

/// `Institution.courses`: a page of the courses it is responsible for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstitutionCourses {
    pub institution_id: i64,
    pub year: Option<i32>,
    pub page: PageArgs,
}

/// `Institution.courses.totalCount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstitutionCourseCount {
    pub institution_id: i64,
    pub year: Option<i32>,
}

/// `Course.applications`: a page of the course's applications the viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CourseApplications {
    pub course_id: i64,
    pub status: Option<ApplicationStatus>,
    pub page: PageArgs,
}

/// `Course.applications.totalCount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CourseApplicationCount {
    pub course_id: i64,
    pub status: Option<ApplicationStatus>,
}

impl Db {
    fn courses(&self, year: Option<i32>) -> Select<course::Entity> {
        let mut select = course::Entity::find().filter(visibility::courses(&self.viewer));
        if let Some(year) = year {
            select = select.filter(course::Column::Year.eq(year));
        }
        select
    }

    fn applications(&self, status: Option<ApplicationStatus>) -> Select<application::Entity> {
        let mut select = application::Entity::find().filter(visibility::applications(&self.viewer));
        if let Some(status) = status {
            select = select.filter(application::Column::Status.eq(status));
        }
        select
    }
}

impl Loader<SocietyCourses> for Db {
    type Value = Page<course::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[SocietyCourses],
    ) -> Result<HashMap<SocietyCourses, Self::Value>, DbErr> {
        let mut out = HashMap::new();
        for ((year, page), parents) in by_shape(keys, |k| ((k.year, k.page), k.society_id)) {
            let pages = fetch_pages_by_parent(
                &self.db,
                self.courses(year),
                (course::Column::SocietyId, course::Column::Id),
                &parents,
                page,
                |m| m.society_id,
            )
            .await?;
            out.extend(pages.into_iter().map(|(society_id, p)| {
                let key = SocietyCourses {
                    society_id,
                    year,
                    page,
                };
                (key, p)
            }));
        }
        Ok(out)
    }
}

impl Loader<SocietyCourseCount> for Db {
    type Value = u64;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[SocietyCourseCount],
    ) -> Result<HashMap<SocietyCourseCount, u64>, DbErr> {
        let mut out = HashMap::new();
        for (year, parents) in by_shape(keys, |k| (k.year, k.society_id)) {
            let counts = count_by_parent(
                &self.db,
                self.courses(year),
                course::Column::SocietyId,
                &parents,
            )
            .await?;
            out.extend(
                counts
                    .into_iter()
                    .map(|(society_id, n)| (SocietyCourseCount { society_id, year }, n)),
            );
        }
        Ok(out)
    }
}

impl Loader<InstitutionCourses> for Db {
    type Value = Page<course::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[InstitutionCourses],
    ) -> Result<HashMap<InstitutionCourses, Self::Value>, DbErr> {
        let mut out = HashMap::new();
        for ((year, page), parents) in by_shape(keys, |k| ((k.year, k.page), k.institution_id)) {
            let pages = fetch_pages_by_parent(
                &self.db,
                self.courses(year),
                (course::Column::ResponsibleInstitutionId, course::Column::Id),
                &parents,
                page,
                |m| m.responsible_institution_id,
            )
            .await?;
            out.extend(pages.into_iter().map(|(institution_id, p)| {
                let key = InstitutionCourses {
                    institution_id,
                    year,
                    page,
                };
                (key, p)
            }));
        }
        Ok(out)
    }
}

impl Loader<InstitutionCourseCount> for Db {
    type Value = u64;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[InstitutionCourseCount],
    ) -> Result<HashMap<InstitutionCourseCount, u64>, DbErr> {
        let mut out = HashMap::new();
        for (year, parents) in by_shape(keys, |k| (k.year, k.institution_id)) {
            let counts = count_by_parent(
                &self.db,
                self.courses(year),
                course::Column::ResponsibleInstitutionId,
                &parents,
            )
            .await?;
            out.extend(counts.into_iter().map(|(institution_id, n)| {
                (
                    InstitutionCourseCount {
                        institution_id,
                        year,
                    },
                    n,
                )
            }));
        }
        Ok(out)
    }
}

impl Loader<CourseApplications> for Db {
    type Value = Page<application::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[CourseApplications],
    ) -> Result<HashMap<CourseApplications, Self::Value>, DbErr> {
        let mut out = HashMap::new();
        for ((status, page), parents) in by_shape(keys, |k| ((k.status, k.page), k.course_id)) {
            let pages = fetch_pages_by_parent(
                &self.db,
                self.applications(status),
                (application::Column::CourseId, application::Column::Id),
                &parents,
                page,
                |m| m.course_id,
            )
            .await?;
            out.extend(pages.into_iter().map(|(course_id, p)| {
                let key = CourseApplications {
                    course_id,
                    status,
                    page,
                };
                (key, p)
            }));
        }
        Ok(out)
    }
}

impl Loader<CourseApplicationCount> for Db {
    type Value = u64;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[CourseApplicationCount],
    ) -> Result<HashMap<CourseApplicationCount, u64>, DbErr> {
        let mut out = HashMap::new();
        for (status, parents) in by_shape(keys, |k| (k.status, k.course_id)) {
            let counts = count_by_parent(
                &self.db,
                self.applications(status),
                application::Column::CourseId,
                &parents,
            )
            .await?;
            out.extend(
                counts
                    .into_iter()
                    .map(|(course_id, n)| (CourseApplicationCount { course_id, status }, n)),
            );
        }
        Ok(out)
    }
}

// --- applicants and applications ----------------------------------------------

impl Loader<ApplicationsOfApplicant> for Db {
    type Value = Vec<application::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[ApplicationsOfApplicant],
    ) -> Result<HashMap<ApplicationsOfApplicant, Self::Value>, DbErr> {
        let select = self
            .applications(None)
            .order_by_asc(application::Column::Id);
        let rows = self
            .rows_in(
                select,
                application::Column::ApplicantId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| ApplicationsOfApplicant(m.applicant_id)))
    }
}

impl Loader<TraineeOfApplicant> for Db {
    type Value = trainee::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[TraineeOfApplicant],
    ) -> Result<HashMap<TraineeOfApplicant, Self::Value>, DbErr> {
        let select = trainee::Entity::find().filter(visibility::trainees(&self.viewer));
        let rows = self
            .rows_in(
                select,
                trainee::Column::ApplicantId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(index(rows, |m| TraineeOfApplicant(m.applicant_id)))
    }
}

/// `None` for an application without one: an answer too, which a query's
/// cache keeps (a joined page hands both kinds over).
impl Loader<GeneralApplicationOf> for Db {
    type Value = Option<general_application::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[GeneralApplicationOf],
    ) -> Result<HashMap<GeneralApplicationOf, Self::Value>, DbErr> {
        let rows = self
            .rows_in(
                general_application::Entity::find(),
                general_application::Column::ApplicationId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        let mut found = index(rows, |m| m.application_id);
        Ok(keys.iter().map(|&k| (k, found.remove(&k.0))).collect())
    }
}

// --- trainee records -------------------------------------------------------------

impl Loader<RulesOf> for Db {
    type Value = CourseRules;
    type Error = DbErr;

    /// One join: each course with the cycle of its year.
    async fn load(&self, keys: &[RulesOf]) -> Result<HashMap<RulesOf, CourseRules>, DbErr> {
        let course_of_cycle = recruitment_cycle::Entity::belongs_to(course::Entity)
            .from(recruitment_cycle::Column::Year)
            .to(course::Column::Year)
            .into();
        let query = recruitment_cycle::Entity::find()
            .column_as(course::Column::Id, "rules_course_id")
            .join(JoinType::InnerJoin, course_of_cycle)
            .filter(course::Column::Id.is_in(keys.iter().map(|k| k.0)));
        let rows = self
            .db
            .query_all_raw(self.db.get_database_backend().build(&query.into_query()))
            .await?;
        let mut out = HashMap::new();
        for row in rows {
            let course_id: i64 = row.try_get("", "rules_course_id")?;
            let cycle = recruitment_cycle::Model::from_query_result(&row, "")?;
            out.insert(RulesOf(course_id), CourseRules::from(&cycle));
        }
        Ok(out)
    }
}

impl Loader<PapersOf> for Db {
    type Value = Vec<paper::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[PapersOf]) -> Result<HashMap<PapersOf, Self::Value>, DbErr> {
        let select = paper::Entity::find().order_by_asc(paper::Column::Id);
        let rows = self
            .rows_in(select, paper::Column::TraineeId, keys.iter().map(|k| k.0))
            .await?;
        Ok(group(rows, |m| PapersOf(m.trainee_id)))
    }
}

impl Loader<EffortReportsOf> for Db {
    type Value = Vec<research_effort_report::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[EffortReportsOf],
    ) -> Result<HashMap<EffortReportsOf, Self::Value>, DbErr> {
        let select = research_effort_report::Entity::find()
            .order_by_asc(research_effort_report::Column::Year);
        let rows = self
            .rows_in(
                select,
                research_effort_report::Column::TraineeId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| EffortReportsOf(m.trainee_id)))
    }
}

impl Loader<CertificationsOf> for Db {
    type Value = Vec<institution_certification::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[CertificationsOf],
    ) -> Result<HashMap<CertificationsOf, Self::Value>, DbErr> {
        let select = institution_certification::Entity::find()
            .order_by_asc(institution_certification::Column::SocietyId);
        let rows = self
            .rows_in(
                select,
                institution_certification::Column::InstitutionId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| CertificationsOf(m.institution_id)))
    }
}

impl Loader<ExtensionsOf> for Db {
    type Value = Vec<extension::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[ExtensionsOf],
    ) -> Result<HashMap<ExtensionsOf, Self::Value>, DbErr> {
        let select = extension::Entity::find().order_by_asc(extension::Column::Id);
        let rows = self
            .rows_in(
                select,
                extension::Column::TraineeId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| ExtensionsOf(m.trainee_id)))
    }
}

impl Loader<StudyAbroadOf> for Db {
    type Value = Vec<study_abroad::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[StudyAbroadOf],
    ) -> Result<HashMap<StudyAbroadOf, Self::Value>, DbErr> {
        let select = study_abroad::Entity::find()
            .order_by_asc(study_abroad::Column::StartsOn)
            .order_by_asc(study_abroad::Column::Id);
        let rows = self
            .rows_in(
                select,
                study_abroad::Column::TraineeId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| StudyAbroadOf(m.trainee_id)))
    }
}

impl Loader<DepartureOf> for Db {
    type Value = departure::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[DepartureOf]) -> Result<HashMap<DepartureOf, Self::Value>, DbErr> {
        let rows = self
            .rows_in(
                departure::Entity::find(),
                departure::Column::TraineeId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(index(rows, |m| DepartureOf(m.trainee_id)))
    }
}

// --- societies, cycles and institutions ----------------------------------------

impl Loader<ParticipationOf> for Db {
    type Value = participation::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[ParticipationOf],
    ) -> Result<HashMap<ParticipationOf, Self::Value>, DbErr> {
        let rows = participation::Entity::find()
            .filter(participation::Column::SocietyId.is_in(keys.iter().map(|k| k.society_id)))
            .filter(participation::Column::Year.is_in(keys.iter().map(|k| k.year)))
            .all(&self.db)
            .await?;
        Ok(index(rows, |m| ParticipationOf {
            society_id: m.society_id,
            year: m.year,
        }))
    }
}

impl Loader<FieldQuotaOf> for Db {
    type Value = field_quota::Model;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[FieldQuotaOf],
    ) -> Result<HashMap<FieldQuotaOf, Self::Value>, DbErr> {
        let rows = field_quota::Entity::find()
            .filter(field_quota::Column::SocietyId.is_in(keys.iter().map(|k| k.society_id)))
            .filter(field_quota::Column::Year.is_in(keys.iter().map(|k| k.year)))
            .all(&self.db)
            .await?;
        Ok(index(rows, |m| FieldQuotaOf {
            society_id: m.society_id,
            year: m.year,
        }))
    }
}

impl Loader<FieldQuotasOf> for Db {
    type Value = Vec<field_quota::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[FieldQuotasOf],
    ) -> Result<HashMap<FieldQuotasOf, Self::Value>, DbErr> {
        let rows = field_quota::Entity::find()
            .filter(field_quota::Column::Year.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(group(rows, |m| FieldQuotasOf(m.year)))
    }
}

impl Loader<SanctionsOf> for Db {
    type Value = Vec<sanction::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[SanctionsOf]) -> Result<HashMap<SanctionsOf, Self::Value>, DbErr> {
        let select = sanction::Entity::find().order_by_asc(sanction::Column::Id);
        let rows = self
            .rows_in(
                select,
                sanction::Column::InstitutionId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| SanctionsOf(m.institution_id)))
    }
}

impl Loader<SuspendedUntil> for Db {
    type Value = i32;
    type Error = DbErr;

    /// `MAX(until_year)` per institution, over sanctions still running.
    async fn load(&self, keys: &[SuspendedUntil]) -> Result<HashMap<SuspendedUntil, i32>, DbErr> {
        let mut out = HashMap::new();
        for (from_year, institutions) in by_shape(keys, |k| (k.from_year, k.institution_id)) {
            let rows: Vec<(i64, i32)> = sanction::Entity::find()
                .select_only()
                .column(sanction::Column::InstitutionId)
                .column_as(sanction::Column::UntilYear.max(), "until_year")
                .filter(sanction::Column::InstitutionId.is_in(institutions))
                .filter(sanction::Column::UntilYear.gte(from_year))
                .group_by(sanction::Column::InstitutionId)
                .into_tuple()
                .all(&self.db)
                .await?;
            out.extend(rows.into_iter().map(|(institution_id, until)| {
                let key = SuspendedUntil {
                    institution_id,
                    from_year,
                };
                (key, until)
            }));
        }
        Ok(out)
    }
}

impl Loader<QuotaReductionsOf> for Db {
    type Value = Vec<quota_reduction::Model>;
    type Error = DbErr;

    async fn load(
        &self,
        keys: &[QuotaReductionsOf],
    ) -> Result<HashMap<QuotaReductionsOf, Self::Value>, DbErr> {
        let select = quota_reduction::Entity::find().order_by_asc(quota_reduction::Column::Id);
        let rows = self
            .rows_in(
                select,
                quota_reduction::Column::InstitutionId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| QuotaReductionsOf(m.institution_id)))
    }
}

/// A cycle's application counts, all from SQL aggregates.
#[derive(Debug, Clone, Default)]
pub struct CycleCounts {
    /// (society id, status, applications)
    pub by_field_and_status: Vec<(i64, ApplicationStatus, i64)>,
    /// distinct applicants
    pub applicants: i64,
    /// distinct applicants eligible for the course starting that year
    pub eligible: i64,
    /// distinct applicants whose cycle ended in the regular program
    pub fell_back: i64,
}

#[derive(FromQueryResult)]
struct YearFieldStatusCount {
    year: i32,
    society_id: i64,
    status: ApplicationStatus,
    n: i64,
}

#[derive(FromQueryResult)]
struct YearTotals {
    year: i32,
    applicants: i64,
    eligible: i64,
    fell_back: i64,
}

impl Loader<StatisticsOf> for Db {
    type Value = CycleCounts;
    type Error = DbErr;

    /// Two grouped queries for all years asked: applications by year, field
    /// and status; distinct applicants by year.
    async fn load(
        &self,
        keys: &[StatisticsOf],
    ) -> Result<HashMap<StatisticsOf, CycleCounts>, DbErr> {
        let years: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let by_status: Vec<YearFieldStatusCount> = application::Entity::find()
            .select_only()
            .column(application::Column::Year)
            .column_as(course::Column::SocietyId, "society_id")
            .column(application::Column::Status)
            .column_as(application::Column::Id.count(), "n")
            .join(JoinType::InnerJoin, join_course())
            .filter(application::Column::Year.is_in(years.iter().copied()))
            .group_by(application::Column::Year)
            .group_by(course::Column::SocietyId)
            .group_by(application::Column::Status)
            .into_model()
            .all(&self.db)
            .await?;

        let year_col = || Expr::col((application::Entity, application::Column::Year));
        let applicant_id = || Expr::col((application::Entity, application::Column::ApplicantId));
        // Eligibility depends on the year's course start (April 1).
        let trained_in_time = years.iter().fold(Condition::any(), |any, &year| {
            any.add(
                year_col().eq(year).and(
                    Expr::col((
                        applicant::Entity,
                        applicant::Column::InitialTrainingCompletedOn,
                    ))
                    .lte(course_start(year)),
                ),
            )
        });
        let eligible = Condition::all()
            .add(
                Expr::col((
                    applicant::Entity,
                    applicant::Column::ObligatedServiceGraduate,
                ))
                .eq(false),
            )
            .add(
                Expr::col((
                    applicant::Entity,
                    applicant::Column::RegionalQuotaObligation,
                ))
                .eq(false),
            )
            .add(trained_in_time);
        let fell_back = Expr::col((application::Entity, application::Column::Outcome))
            .eq(ApplicationOutcome::RegularProgram);
        let totals_query = Query::select()
            .expr_as(year_col(), "year")
            .expr_as(Func::count_distinct(applicant_id()), "applicants")
            .expr_as(
                Func::count_distinct(Expr::case(eligible, applicant_id())),
                "eligible",
            )
            .expr_as(
                Func::count_distinct(Expr::case(fell_back, applicant_id())),
                "fell_back",
            )
            .from(application::Entity)
            .inner_join(
                applicant::Entity,
                Expr::col((applicant::Entity, applicant::Column::Id))
                    .equals((application::Entity, application::Column::ApplicantId)),
            )
            .and_where(year_col().is_in(years.iter().copied()))
            .group_by_col((application::Entity, application::Column::Year))
            .to_owned();
        let totals =
            YearTotals::find_by_statement(self.db.get_database_backend().build(&totals_query))
                .all(&self.db)
                .await?;

        let mut out: HashMap<StatisticsOf, CycleCounts> = years
            .iter()
            .map(|&y| (StatisticsOf(y), CycleCounts::default()))
            .collect();
        for r in by_status {
            if let Some(c) = out.get_mut(&StatisticsOf(r.year)) {
                c.by_field_and_status.push((r.society_id, r.status, r.n));
            }
        }
        for t in totals {
            if let Some(c) = out.get_mut(&StatisticsOf(t.year)) {
                c.applicants = t.applicants;
                c.eligible = t.eligible;
                c.fell_back = t.fell_back;
            }
        }
        Ok(out)
    }
}

// --- annual reports ---------------------------------------------------------------

impl Loader<VersionsOf> for Db {
    type Value = Vec<annual_report_version::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[VersionsOf]) -> Result<HashMap<VersionsOf, Self::Value>, DbErr> {
        let select = annual_report_version::Entity::find()
            .order_by_asc(annual_report_version::Column::Version);
        let rows = self
            .rows_in(
                select,
                annual_report_version::Column::ReportId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| VersionsOf(m.report_id)))
    }
}

impl Loader<EntriesOf> for Db {
    type Value = Vec<annual_report_entry::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[EntriesOf]) -> Result<HashMap<EntriesOf, Self::Value>, DbErr> {
        let select =
            annual_report_entry::Entity::find().order_by_asc(annual_report_entry::Column::Id);
        let rows = self
            .rows_in(
                select,
                annual_report_entry::Column::VersionId,
                keys.iter().map(|k| k.0),
            )
            .await?;
        Ok(group(rows, |m| EntriesOf(m.version_id)))
    }
}

impl Loader<GuidanceOf> for Db {
    type Value = Vec<guidance::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[GuidanceOf]) -> Result<HashMap<GuidanceOf, Self::Value>, DbErr> {
        let select = guidance::Entity::find().order_by_asc(guidance::Column::Id);
        let rows = self
            .rows_in(select, guidance::Column::ReportId, keys.iter().map(|k| k.0))
            .await?;
        Ok(group(rows, |m| GuidanceOf(m.report_id)))
    }
}
