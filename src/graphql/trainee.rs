//! Trainees (専攻医) through their course years.

use super::applicant::{Applicant, applicant_for_field};
use super::context::{db, loaders, today, viewer};
use super::course::{Course, course_for_field};
use super::institution::QuotaReduction;
use super::loaders::{QuotaReductionId, TraineeId};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::scalars::{Date, DateTime};
use super::visibility;
use crate::domain::training::{self, PaperFacts, Requirement, TraineeFacts};
use crate::entity::enums::{
    DecisionStatus, DegreeStatus, EffortSource, ExtensionReason, TraineePhase,
};
use crate::entity::facts::TraineeRecord;
use crate::entity::record::RecordKey;
use crate::entity::{departure, extension, paper, research_effort_report, study_abroad, trainee};
use crate::error::AppError;
use crate::ids;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use std::sync::Arc;
use tokio::sync::OnceCell;

#[derive(Clone)]
pub struct Trainee {
    row: trainee::Model,
    /// Loaded on first use by any computed field, then shared by the others.
    record: Arc<OnceCell<TraineeRecord>>,
}

impl From<trainee::Model> for Trainee {
    fn from(row: trainee::Model) -> Self {
        Self {
            row,
            record: Arc::new(OnceCell::new()),
        }
    }
}

connection!(TraineeConnection, TraineeEdge, Trainee, trainee::Model);

/// Pages of it go through the executor (no one-pass writer, `graphql::direct`).
impl super::direct::Direct for Trainee {}

impl Trainee {
    async fn record(&self, ctx: &Context<'_>) -> Result<&TraineeRecord> {
        let loaders = loaders(ctx)?;
        Ok(self
            .record
            .get_or_try_init(|| async {
                let key = RecordKey {
                    trainee: self.row.id,
                    course: self.row.course_id,
                };
                let record = loaders.one(key).await?;
                // `read_many` answers every key it is asked.
                record.ok_or_else(|| DbErr::RecordNotFound(format!("record of {key:?}")))
            })
            .await?)
    }

    /// Runs `f` on the rule facts of this trainee.
    async fn with_facts<T>(
        &self,
        ctx: &Context<'_>,
        f: impl FnOnce(&TraineeFacts, NaiveDate) -> T,
    ) -> Result<T> {
        let record = self.record(ctx).await?;
        let converted = record.converted();
        let facts = record.facts(&self.row, &converted);
        Ok(f(&facts, today(ctx)))
    }
}

/// A condition of completing the course (I.2(1), I.3), in the order they
/// are reported.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum CompletionRequirement {
    /// certified as a specialist of the field (専門医資格) on or before the
    /// day judged
    BoardCertification,
    /// a doctoral degree (学位), obtained or expected (学位取得見込み)
    Degree,
    /// two papers that count under the intake's rules, at least one of them
    /// SCI-indexed, English, first-author and not a case report, published
    /// in the research phase
    TwoQualifyingPapers,
    /// at least 50% effort on research in every research year that is over,
    /// at least one of them over (a short year is excused for each 12
    /// approved months of extension)
    ResearchEffort,
}

impl From<Requirement> for CompletionRequirement {
    fn from(r: Requirement) -> Self {
        match r {
            Requirement::BoardCertification => Self::BoardCertification,
            Requirement::Degree => Self::Degree,
            Requirement::TwoQualifyingPapers => Self::TwoQualifyingPapers,
            Requirement::ResearchEffort => Self::ResearchEffort,
        }
    }
}

/// What completing the course still needs (I.2(1), I.3).
#[derive(SimpleObject)]
pub struct CompletionCheck {
    /// True when nothing is unmet: the course may then confirm completion
    /// (confirmCompletion).
    pub complete: bool,
    /// Every requirement not met, in the enum's order; empty when complete.
    pub unmet: Vec<CompletionRequirement>,
}

/// A doctor enrolled in a course.
/// A trainee (専攻医) of the course, created for each adopted doctor when the
/// selection is final; its course years follow the rules of its intake
/// (RecruitmentCycle.courseYears, clinicalYears). Seen by the board, the
/// doctor, and its course's society and responsible institution.
#[Object]
impl Trainee {
    /// The trainee's global ID (Node).
    pub async fn id(&self) -> ID {
        ids::encode(ids::TRAINEE, self.row.id)
    }
    /// The doctor's own record (Applicant), with the personal data this
    /// viewer may see.
    async fn applicant(&self, ctx: &Context<'_>) -> Result<Applicant> {
        applicant_for_field(ctx, self.row.applicant_id)
            .await?
            .ok_or_else(|| {
                AppError::Internal(format!("applicant of trainee {} not visible", self.row.id))
                    .into()
            })
    }
    /// The course the doctor was adopted into.
    async fn course(&self, ctx: &Context<'_>) -> Result<Course> {
        course_for_field(ctx, self.row.course_id)
            .await?
            .ok_or_else(|| {
                AppError::Internal(format!("course of trainee {} not visible", self.row.id)).into()
            })
    }
    /// The day the course started: 1 April of the intake year.
    async fn started_on(&self) -> Date {
        self.row.started_on.into()
    }
    /// Where the trainee stands today: DEPARTED from a recorded departure's
    /// day; COMPLETED once completion was confirmed; otherwise CLINICAL
    /// before clinicalPhaseEndsOn and RESEARCH from it.
    async fn phase(&self, ctx: &Context<'_>) -> Result<TraineePhase> {
        self.with_facts(ctx, |f, today| {
            TraineePhase::from(training::phase(f, today))
        })
        .await
    }
    /// The first day of the research phase: startedOn plus the intake's
    /// clinicalYears (two years under the 2020 guideline, one from 2024).
    async fn clinical_phase_ends_on(&self, ctx: &Context<'_>) -> Result<Date> {
        let rules = self.record(ctx).await?.rules;
        Ok(training::clinical_phase_ends_on(self.row.started_on, rules).into())
    }
    /// start plus seven years plus approved extensions: seven under the 2020
    /// guideline, the intake's courseYears in general (five from 2024), plus
    /// the months of the extensions the board approved.
    async fn planned_completion_on(&self, ctx: &Context<'_>) -> Result<Date> {
        let record = self.record(ctx).await?;
        Ok(training::planned_completion_on(
            self.row.started_on,
            record.rules,
            record.approved_months(),
        )
        .into())
    }
    /// latest reported share of time spent on research in the research phase,
    /// in percent: the value of the latest training year reported, by annual
    /// report or progress update; null when none was reported.
    async fn research_effort_percent(&self) -> Option<i32> {
        self.row.research_effort_percent
    }
    /// The share of effort on research reported for each training year
    /// (April to March), oldest first. Completion needs at least 50% in
    /// every research year (I.3(2)).
    async fn research_effort(&self, ctx: &Context<'_>) -> Result<Vec<ResearchEffort>> {
        Ok(self
            .record(ctx)
            .await?
            .efforts
            .iter()
            .cloned()
            .map(ResearchEffort)
            .collect())
    }
    /// The graduate school (大学院) the trainee is enrolled in for the
    /// research phase; null until reported.
    async fn graduate_school(&self) -> Option<&str> {
        self.row.graduate_school.as_deref()
    }
    /// When the trainee was certified as a specialist of the field
    /// (専門医資格); null until reported.
    async fn board_certified_on(&self) -> Option<Date> {
        self.row.board_certified_on.map(Date)
    }
    /// The doctoral degree (学位): none, expected, or obtained; expected is
    /// enough to complete.
    async fn degree(&self) -> DegreeStatus {
        self.row.degree
    }
    /// Every paper recorded for the trainee, in the order recorded, whether
    /// or not it counts.
    async fn papers(&self, ctx: &Context<'_>) -> Result<Vec<Paper>> {
        let record = self.record(ctx).await?;
        Ok(record.papers.iter().cloned().map(Paper).collect())
    }
    /// Papers that count toward the two the course requires: qualifying
    /// under the intake's rules and published in the research phase (I.3(2)).
    async fn qualifying_paper_count(&self, ctx: &Context<'_>) -> Result<i32> {
        self.with_facts(ctx, |f, today| {
            let day = training::completion_day(f, today);
            training::counted_paper_count(f, day) as i32
        })
        .await
    }
    /// Every extension requested (III.1), oldest first, whatever became of
    /// it.
    async fn extensions(&self, ctx: &Context<'_>) -> Result<Vec<Extension>> {
        Ok(self
            .record(ctx)
            .await?
            .extensions
            .iter()
            .cloned()
            .map(Extension)
            .collect())
    }
    /// Research periods at other institutions (留学, III.2), by start date.
    async fn study_abroad(&self, ctx: &Context<'_>) -> Result<Vec<StudyAbroad>> {
        Ok(self
            .record(ctx)
            .await?
            .study_abroad
            .iter()
            .cloned()
            .map(StudyAbroad)
            .collect())
    }
    /// The trainee's departure from the course (離脱, III.3); null while
    /// none is recorded.
    async fn departure(&self, ctx: &Context<'_>) -> Result<Option<Departure>> {
        Ok(self.record(ctx).await?.departure.clone().map(Departure))
    }
    /// What completion still needs, judged today (or on the day completion
    /// was confirmed).
    async fn completion(&self, ctx: &Context<'_>) -> Result<CompletionCheck> {
        self.with_facts(ctx, |f, today| {
            let day = training::completion_day(f, today);
            let unmet: Vec<CompletionRequirement> = training::unmet(f, day)
                .into_iter()
                .map(Into::into)
                .collect();
            CompletionCheck {
                complete: unmet.is_empty(),
                unmet,
            }
        })
        .await
    }
}

pub async fn list_trainees(
    ctx: &Context<'_>,
    course_id: Option<i64>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<TraineeConnection> {
    let args = PageArgs::parse(first, after)?;
    let mut select = trainee::Entity::find().filter(visibility::trainees(viewer(ctx)));
    if let Some(course_id) = course_id {
        select = select.filter(trainee::Column::CourseId.eq(course_id));
    }
    let page = fetch_page(db(ctx), select.clone(), trainee::Column::Id, args).await?;
    Ok(TraineeConnection::new(
        page,
        TotalCount::of(db(ctx), select),
    ))
}

/// The trainee, if the viewer may see it (batched).
pub async fn visible_trainee(ctx: &Context<'_>, id: i64) -> Result<Option<Trainee>> {
    Ok(loaders(ctx)?.one(TraineeId(id)).await?.map(Trainee::from))
}

pub struct Paper(pub paper::Model);

/// A published paper of a trainee, as recorded (recordPaper). Seen with
/// its trainee.
#[Object]
impl Paper {
    /// A global ID (not a Node: reach it through its trainee).
    pub async fn id(&self) -> ID {
        ids::encode(ids::PAPER, self.0.id)
    }
    /// The paper's title as published.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The journal it appeared in.
    async fn journal(&self) -> &str {
        &self.0.journal
    }
    /// Its DOI, lowercased, e.g. 10.1000/xyz123; null when none was given.
    async fn doi(&self) -> Option<&str> {
        self.0.doi.as_deref()
    }
    /// When it was published; only papers of the research phase count
    /// (I.3(2)).
    async fn published_on(&self) -> Date {
        self.0.published_on.into()
    }
    /// In a journal indexed by the Science Citation Index (S.C.I).
    async fn sci_indexed(&self) -> bool {
        self.0.sci_indexed
    }
    /// The trainee is its first author.
    async fn first_author(&self) -> bool {
        self.0.first_author
    }
    /// Written in English.
    async fn english(&self) -> bool {
        self.0.english
    }
    /// A case report: excluded by the 2020 guideline; under the 2024 rule
    /// an English, SCI-indexed one may be the second paper.
    async fn case_report(&self) -> bool {
        self.0.case_report
    }
    /// counts toward the two required papers: SCI-indexed, English, first author, not a case report
    /// (the guideline's strict rule, I.3(2)). Under the 2024 rule
    /// (flexibleSecondPaper) one paper that fails it may still count as the
    /// second; and only papers of the research phase count:
    /// Trainee.qualifyingPaperCount says how many do.
    async fn qualifies(&self) -> bool {
        training::paper_qualifies(&PaperFacts::from(&self.0))
    }
}

pub struct ResearchEffort(pub research_effort_report::Model);

/// The share of effort on research reported for one training year.
/// One value a year, from the annual report (年次報告) or a progress update;
/// completion reads it (I.3(2)).
#[Object]
impl ResearchEffort {
    /// The training year: April of this year to March of the next.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// The share of effort on research, 0 to 100; every research year needs
    /// at least 50 (I.3(2)).
    async fn percent(&self) -> i32 {
        self.0.percent
    }
    /// Where the value came from; a later report for the year replaces it.
    async fn source(&self) -> EffortSource {
        self.0.source
    }
    /// When the value was reported.
    async fn reported_at(&self) -> DateTime {
        self.0.reported_at.into()
    }
}

pub struct Extension(pub extension::Model);

/// A request to lengthen a trainee's course (期間延長, III.1), agreed with
/// the society of the field and the board. Seen with its trainee.
#[Object]
impl Extension {
    /// A global ID (not a Node: reach it through its trainee); the
    /// agreeExtension and decideExtension mutations take it.
    pub async fn id(&self) -> ID {
        ids::encode(ids::EXTENSION, self.0.id)
    }
    /// Why the training cannot go on as planned.
    async fn reason(&self) -> ExtensionReason {
        self.0.reason
    }
    /// Months asked for, 1 to 36; once approved they move
    /// plannedCompletionOn.
    async fn months(&self) -> i32 {
        self.0.months
    }
    /// Requested, approved by the board, or rejected (by the society's
    /// refusal or the board).
    async fn status(&self) -> DecisionStatus {
        self.0.status
    }
    /// The request's note, with the society's and the board's notes added
    /// each on a line of its own ("society: …", "decision: …"); null when
    /// nobody wrote one.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was requested.
    async fn requested_at(&self) -> DateTime {
        self.0.requested_at.into()
    }
    /// When it was approved or rejected; null while REQUESTED.
    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(DateTime)
    }
    /// The society's answer (III.1: agreed with the society and the board);
    /// null until it answers. For 総合診療 the board is the society.
    async fn society_agreed(&self) -> Option<bool> {
        self.0.society_agreed
    }
    /// When the society answered (agreeExtension); null until it does.
    async fn society_answered_at(&self) -> Option<DateTime> {
        self.0.society_answered_at.map(DateTime)
    }
}

pub struct StudyAbroad(pub study_abroad::Model);

/// Research done at another institution, at home or abroad; it counts toward the research period.
/// Such a period (留学, III.2) does not extend the course. Seen with its
/// trainee.
#[Object]
impl StudyAbroad {
    /// A global ID (not a Node: reach it through its trainee).
    pub async fn id(&self) -> ID {
        ids::encode(ids::STUDY_ABROAD, self.0.id)
    }
    /// The institution the research is done at.
    async fn host(&self) -> &str {
        &self.0.host
    }
    /// Its country (Japan for research at home).
    async fn country(&self) -> &str {
        &self.0.country
    }
    /// The first day, in the research phase.
    async fn starts_on(&self) -> Date {
        self.0.starts_on.into()
    }
    /// The last day, before the planned completion.
    async fn ends_on(&self) -> Date {
        self.0.ends_on.into()
    }
}

pub struct Departure(pub departure::Model);

/// A trainee leaving the course (離脱, III.3). Seen with its trainee.
#[Object]
impl Departure {
    /// The day the trainee leaves: from that day the phase is DEPARTED and
    /// the record is closed. It may be recorded ahead of time.
    async fn on(&self) -> Date {
        self.0.departed_on.into()
    }
    /// Why the trainee leaves, in words.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// 特段の理由: when true, no quota is reduced. Granted by the board only;
    /// an institution's claim is specialCircumstancesClaimed.
    async fn special_circumstances(&self) -> bool {
        self.0.special_circumstances
    }
    /// Whether special circumstances were claimed when the departure was
    /// recorded; only the board grants them (decideSpecialCircumstances).
    async fn special_circumstances_claimed(&self) -> bool {
        self.0.special_circumstances_claimed
    }
    /// When the board decided on special circumstances; null while a claim
    /// waits for it.
    async fn special_circumstances_decided_at(&self) -> Option<DateTime> {
        self.0.special_circumstances_decided_at.map(DateTime)
    }
    /// The seats the departure costs the responsible institution (III.3);
    /// null when special circumstances stood when it was recorded. Granted
    /// later, the reduction stays here with its cancelledAt set.
    async fn quota_reduction(&self, ctx: &Context<'_>) -> Result<Option<QuotaReduction>> {
        let Some(id) = self.0.quota_reduction_id else {
            return Ok(None);
        };
        let row = loaders(ctx)?.one(QuotaReductionId(id)).await?;
        Ok(row.map(QuotaReduction))
    }
}
