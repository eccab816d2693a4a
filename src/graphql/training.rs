//! A trainee's years after adoption (domain.md "After adoption", guideline
//! III): progress, research effort, papers, extensions (agreed with the
//! society and the board), research abroad, departure (with special
//! circumstances granted by the board) and completion. The rules are in
//! `domain::training` and `domain::departure`.
//!
//! Every mutation locks the trainee row first (PostgreSQL; SQLite write
//! transactions are exclusive anyway), so two changes to one trainee are
//! decided one after the other. Lock order: the trainee, then its rows.
//!
//! Once a trainee has left (a departure whose day has come, i.e. phase
//! DEPARTED) the record is closed and every mutation here fails CONFLICT.
//! A departure may be recorded ahead of its day; until then the trainee is
//! still in the course and the record stays open, but a second departure
//! is refused.

use super::audit;
use super::context::{db, today, viewer};
use super::guards::{calendar, parse_id, require_field_scope, society_by_id};
use super::ids;
use super::scalars::Date;
use super::trainee::{Extension, Paper, StudyAbroad, Trainee};
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::cycle::training_year;
use crate::domain::departure::{self as leaving, Recorder, SEATS_PER_DEPARTURE};
use crate::domain::training::{self, CourseRules};
use crate::domain::validate;
use crate::entity::enums::{
    AuditOutcome, DecisionStatus, DegreeStatus, EffortSource, ExtensionReason, Role,
};
use crate::entity::{
    course, departure, extension, paper, quota_reduction, recruitment_cycle,
    research_effort_report, study_abroad, trainee,
};
use crate::error::{AppError, AppResult};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// Free-text notes and departure reasons.
const NOTE_MAX: usize = 2000;

/// What a responsible institution reports between annual reports; an
/// omitted field stays as it is.
#[derive(InputObject)]
pub struct TraineeProgressInput {
    /// 0 to 100; null clears it. The share of effort on research in the
    /// current training year (April to March), recorded as a progress update.
    pub research_effort_percent: MaybeUndefined<i32>,
    /// blank or null clears it
    pub graduate_school: MaybeUndefined<String>,
    /// not before the start of the course nor after today; null clears it
    pub board_certified_on: MaybeUndefined<Date>,
    /// The doctoral degree's status; omitted or null leaves it.
    pub degree: Option<DegreeStatus>,
}

/// A published paper of a trainee.
#[derive(InputObject)]
pub struct RecordPaperInput {
    /// The title, 1 to 500 characters.
    pub title: String,
    /// The journal's name, 1 to 300 characters.
    pub journal: String,
    /// e.g. 10.1000/xyz123; stored lowercased, unique per trainee
    pub doi: Option<String>,
    /// The publication date: from 1900 up to today.
    pub published_on: Date,
    /// In a journal indexed by the Science Citation Index (S.C.I).
    pub sci_indexed: bool,
    /// The trainee is its first author.
    pub first_author: bool,
    /// Written in English.
    pub english: bool,
    /// It reports a single case: excluded by the 2020 rule; under the 2024
    /// rule an English, SCI-indexed one may be the second paper.
    pub case_report: bool,
}

/// A request to lengthen the course (III.1).
#[derive(InputObject)]
pub struct RequestExtensionInput {
    /// Why the training cannot go on as planned.
    pub reason: ExtensionReason,
    /// 1 to 36: months asked for; a longer leave is asked for again.
    pub months: i32,
    /// Details, up to 2000 characters; blank or omitted: none.
    pub note: Option<String>,
}

/// A research period at another institution, at home or abroad (留学, III.2).
#[derive(InputObject)]
pub struct StudyAbroadInput {
    /// The host institution, 1 to 200 characters.
    pub host: String,
    /// Its country, 1 to 100 characters.
    pub country: String,
    /// on or after the end of the clinical phase
    pub starts_on: Date,
    /// before the planned completion; not before startsOn, and the periods
    /// of one trainee may not overlap
    pub ends_on: Date,
}

/// A trainee leaving the course (III.3).
#[derive(InputObject)]
pub struct RecordDepartureInput {
    /// The day the trainee leaves: not before the course started; it may be
    /// ahead.
    pub on: Date,
    /// Why, 1 to 2000 characters.
    pub reason: String,
    /// 特段の理由: when true, no quota is reduced
    /// — as the board records it. From an institution it is a claim: the
    /// seats are taken until the board grants it (decideSpecialCircumstances).
    pub special_circumstances: bool,
}

#[derive(Default)]
pub struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// The responsible institution (or the board) reports research effort,
    /// graduate school, board certification and degree; only given fields change.
    async fn update_trainee_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The trainee (a Trainee ID); for an INSTITUTION, one of its courses'.")]
        trainee_id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay.")] input: TraineeProgressInput,
    ) -> Result<Trainee> {
        let result =
            update_trainee_progress(db(ctx), viewer(ctx), today(ctx), &trainee_id, input).await;
        audit::record_refusal(ctx, "updateTraineeProgress", Some(&trainee_id), &result).await;
        Ok(Trainee::from(result?))
    }

    /// Records a published paper: by the responsible institution, the board,
    /// or the trainee. A DOI is unique per trainee.
    async fn record_paper(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The trainee (a Trainee ID): one of its courses' for an INSTITUTION, itself for a trainee."
        )]
        trainee_id: ID,
        #[graphql(desc = "The paper; a DOI already recorded for the trainee is CONFLICT.")]
        input: RecordPaperInput,
    ) -> Result<Paper> {
        let result = record_paper(db(ctx), viewer(ctx), today(ctx), &trainee_id, input).await;
        audit::record_refusal(ctx, "recordPaper", Some(&trainee_id), &result).await;
        Ok(Paper(result?))
    }

    /// The responsible institution or the trainee asks for a longer course
    /// (guideline III.1); the board decides with the society.
    async fn request_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The trainee (a Trainee ID): one of its courses' for an INSTITUTION, itself for a trainee."
        )]
        trainee_id: ID,
        #[graphql(desc = "The reason and the months asked for.")] input: RequestExtensionInput,
    ) -> Result<Extension> {
        let result = request_extension(db(ctx), viewer(ctx), today(ctx), &trainee_id, input).await;
        audit::record_refusal(ctx, "requestExtension", Some(&trainee_id), &result).await;
        Ok(Extension(result?))
    }

    /// The society of the trainee's field answers a requested extension
    /// (SOCIETY): the extension is agreed with the society and the board
    /// (III.1). Agreeing lets the board approve it; refusing rejects it. A
    /// non-blank note is added on a line of its own. For 総合診療 the board is
    /// the society and decides alone.
    async fn agree_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The REQUESTED extension (an Extension ID) of a trainee of the society's field; another field's is NOT_FOUND."
        )]
        id: ID,
        #[graphql(
            desc = "True agrees, so the board may approve; false refuses, which rejects the request."
        )]
        agree: bool,
        #[graphql(desc = "The society's note, up to 2000 characters, added as \"society: …\".")]
        note: Option<String>,
    ) -> Result<Extension> {
        let result = agree_extension(
            db(ctx),
            viewer(ctx),
            today(ctx),
            &id,
            agree,
            note.as_deref(),
        )
        .await;
        audit::record_refusal(ctx, "agreeExtension", Some(&id), &result).await;
        Ok(Extension(result?))
    }

    /// The board approves or rejects a requested extension (ADMIN); it may
    /// approve only what the society agreed to (agreeExtension), except for
    /// 総合診療 where it is the society (III.1). Only approved months move
    /// plannedCompletionOn. A non-blank note is added to the request's note
    /// on a line of its own.
    async fn decide_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The REQUESTED extension (an Extension ID); one already decided is CONFLICT."
        )]
        id: ID,
        #[graphql(
            desc = "True approves (CONFLICT unless the society agreed, except for 総合診療); false rejects."
        )]
        approve: bool,
        #[graphql(desc = "The board's note, up to 2000 characters, added as \"decision: …\".")]
        note: Option<String>,
    ) -> Result<Extension> {
        let result = decide_extension(
            db(ctx),
            viewer(ctx),
            today(ctx),
            &id,
            approve,
            note.as_deref(),
        )
        .await;
        audit::record_refusal(ctx, "decideExtension", Some(&id), &result).await;
        Ok(Extension(result?))
    }

    /// Research at another institution, at home or abroad, inside the
    /// research phase; it counts as research time and does not extend the course.
    /// Recorded by the course's institution (INSTITUTION) or the board (III.2).
    async fn record_study_abroad(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The trainee (a Trainee ID); for an INSTITUTION, one of its courses'.")]
        trainee_id: ID,
        #[graphql(desc = "The host and the period.")] input: StudyAbroadInput,
    ) -> Result<StudyAbroad> {
        let result =
            record_study_abroad(db(ctx), viewer(ctx), today(ctx), &trainee_id, input).await;
        audit::record_refusal(ctx, "recordStudyAbroad", Some(&trainee_id), &result).await;
        Ok(StudyAbroad(result?))
    }

    /// The course confirms that the trainee has completed it (INSTITUTION of
    /// the course, ADMIN): only when no completion requirement is unmet. The
    /// trainee's phase becomes COMPLETED.
    async fn confirm_completion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The trainee (a Trainee ID); for an INSTITUTION, one of its courses'.")]
        trainee_id: ID,
        #[graphql(
            desc = "The day of completion, from the course start to today; default today. The requirements are judged on it; a second confirmation is CONFLICT."
        )]
        on: Option<Date>,
    ) -> Result<Trainee> {
        let on = on.map_or_else(|| today(ctx), |d| d.0);
        let result = confirm_completion(db(ctx), viewer(ctx), today(ctx), &trainee_id, on).await;
        audit::record_refusal(ctx, "confirmCompletion", Some(&trainee_id), &result).await;
        Ok(Trainee::from(result?))
    }

    /// The trainee leaves the course (INSTITUTION of the course, ADMIN).
    /// Unless there were special circumstances (特段の理由) the responsible
    /// institution loses one regular-program seat and one course seat in the
    /// next cycle whose recruitment has not closed (III.3). Special
    /// circumstances are the board's to grant: an institution's
    /// `specialCircumstances: true` is recorded as a claim, the seats are
    /// taken, and the board decides the claim (decideSpecialCircumstances).
    async fn record_departure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The trainee (a Trainee ID); for an INSTITUTION, one of its courses'.")]
        trainee_id: ID,
        #[graphql(
            desc = "The day, the reason and whether special circumstances are claimed; a second departure is CONFLICT."
        )]
        input: RecordDepartureInput,
    ) -> Result<Trainee> {
        let result = record_departure(db(ctx), viewer(ctx), today(ctx), &trainee_id, input).await;
        audit::record_refusal(ctx, "recordDeparture", Some(&trainee_id), &result).await;
        Ok(Trainee::from(result?))
    }

    /// The board (ADMIN) grants or refuses special circumstances for a
    /// recorded departure (III.3), claimed or not. Granting lifts the seat
    /// reduction (kept, with cancelledAt, for the societies' systems).
    async fn decide_special_circumstances(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The trainee whose departure is decided (a Trainee ID); CONFLICT without a departure or once granted."
        )]
        trainee_id: ID,
        #[graphql(
            desc = "True grants them, cancelling the seat reduction; false refuses, and the seats stay taken."
        )]
        grant: bool,
    ) -> Result<Trainee> {
        let result = decide_special_circumstances(db(ctx), viewer(ctx), &trainee_id, grant).await;
        audit::record_refusal(
            ctx,
            "decideSpecialCircumstances",
            Some(&trainee_id),
            &result,
        )
        .await;
        Ok(Trainee::from(result?))
    }
}

// --- shared checks --------------------------------------------------------------

/// A trainee locked for the transaction, with what the checks read about it.
struct Locked {
    trainee: trainee::Model,
    course: course::Model,
    departure: Option<departure::Model>,
}

impl Locked {
    /// Locks the trainee row and reads its course and departure.
    async fn load(txn: &DatabaseTransaction, trainee_id: i64) -> AppResult<Self> {
        let trainee = trainee::Entity::find_by_id(trainee_id)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let course = course::Entity::find_by_id(trainee.course_id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal(format!("course of trainee {trainee_id} missing")))?;
        let departure = departure::Entity::find()
            .filter(departure::Column::TraineeId.eq(trainee_id))
            .one(txn)
            .await?;
        Ok(Self {
            trainee,
            course,
            departure,
        })
    }

    /// FORBIDDEN unless the viewer may act for this trainee: the board, the
    /// course's responsible institution, or (when `trainee_may` is set) the
    /// trainee itself. The role itself was checked before.
    fn require_scope(&self, viewer: &Viewer, trainee_may: bool) -> AppResult<()> {
        let allowed = match viewer.role {
            Some(Role::Admin) => true,
            Some(Role::Institution) => {
                viewer.institution_id == Some(self.course.responsible_institution_id)
            }
            Some(Role::Applicant) => {
                trainee_may && viewer.applicant_id == Some(self.trainee.applicant_id)
            }
            Some(Role::Society) => false,
            None => return Err(AppError::Unauthenticated),
        };
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// CONFLICT once the trainee has left: the record is closed.
    fn require_open(&self, today: NaiveDate) -> AppResult<()> {
        match &self.departure {
            Some(d) if d.departed_on <= today => Err(AppError::Conflict(format!(
                "the trainee left the course on {}; the record is closed",
                d.departed_on
            ))),
            _ => Ok(()),
        }
    }

    /// The course-year rules of the trainee's intake (the 2020 guideline
    /// when the cycle is missing, as the Trainee type reads them).
    async fn rules(&self, txn: &DatabaseTransaction) -> AppResult<CourseRules> {
        let cycle = recruitment_cycle::Entity::find()
            .filter(recruitment_cycle::Column::Year.eq(self.course.year))
            .one(txn)
            .await?;
        Ok(cycle.map_or(CourseRules::GUIDELINE_2020, |c| CourseRules::from(&c)))
    }

    fn target(&self) -> ID {
        ids::encode(ids::TRAINEE, self.trainee.id)
    }
}

/// Role check, ID, transaction, lock, scope and the closed-record check,
/// in the order every trainee mutation needs them.
async fn open_trainee(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    roles: &[Role],
) -> AppResult<(DatabaseTransaction, Locked)> {
    viewer.require(roles)?;
    let trainee_id = parse_id(raw, ids::TRAINEE, "traineeId")?;
    let txn = begin_write(db).await?;
    let locked = Locked::load(&txn, trainee_id).await?;
    locked.require_scope(viewer, roles.contains(&Role::Applicant))?;
    locked.require_open(today)?;
    Ok((txn, locked))
}

fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    validate::name(value, max).map_err(|m| AppError::bad_input(field, m))
}

/// A free-text note (`validate::free_text`): blank means none.
fn note(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    match value {
        Some(s) => validate::free_text(s, NOTE_MAX).map_err(|m| AppError::bad_input(field, m)),
        None => Ok(None),
    }
}

/// A DOI as stored (`validate::doi`).
fn doi(value: Option<&str>) -> AppResult<Option<String>> {
    match value {
        Some(s) => validate::doi(s).map_err(|m| AppError::bad_input("input.doi", m)),
        None => Ok(None),
    }
}

/// Records `percent` (from `source`) as the trainee's research effort for
/// the training `year`, one value a year: a later report replaces it; `None`
/// removes the year's value. Keeps `trainees.research_effort_percent` the
/// value of the latest year reported.
pub async fn report_research_effort(
    txn: &DatabaseTransaction,
    trainee_id: i64,
    year: i32,
    reported: Option<(i32, EffortSource)>,
) -> AppResult<()> {
    use sea_orm::sea_query::OnConflict;
    match reported {
        Some((percent, source)) => {
            research_effort_report::Entity::insert(research_effort_report::ActiveModel {
                trainee_id: Set(trainee_id),
                year: Set(year),
                percent: Set(percent),
                source: Set(source),
                reported_at: Set(Utc::now()),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([
                    research_effort_report::Column::TraineeId,
                    research_effort_report::Column::Year,
                ])
                .update_columns([
                    research_effort_report::Column::Percent,
                    research_effort_report::Column::Source,
                    research_effort_report::Column::ReportedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        }
        None => {
            research_effort_report::Entity::delete_many()
                .filter(research_effort_report::Column::TraineeId.eq(trainee_id))
                .filter(research_effort_report::Column::Year.eq(year))
                .exec(txn)
                .await?;
        }
    }
    let latest = research_effort_report::Entity::find()
        .filter(research_effort_report::Column::TraineeId.eq(trainee_id))
        .order_by_desc(research_effort_report::Column::Year)
        .one(txn)
        .await?;
    trainee::Entity::update_many()
        .col_expr(
            trainee::Column::ResearchEffortPercent,
            sea_orm::sea_query::Expr::value(latest.map(|r| r.percent)),
        )
        .filter(trainee::Column::Id.eq(trainee_id))
        .exec(txn)
        .await?;
    Ok(())
}

// --- the mutations --------------------------------------------------------------

async fn update_trainee_progress(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    input: TraineeProgressInput,
) -> AppResult<trainee::Model> {
    let (txn, locked) =
        open_trainee(db, viewer, today, raw, &[Role::Institution, Role::Admin]).await?;
    let started_on = locked.trainee.started_on;
    let target = locked.target();
    let mut row = locked.trainee.clone().into_active_model();
    let mut changed = Vec::new();

    // The value is the current training year's; null clears that year's.
    let effort_year = training_year(today);
    let effort = match input.research_effort_percent {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => {
            changed.push(format!("researchEffortPercent for {effort_year} cleared"));
            Some(None)
        }
        MaybeUndefined::Value(p) => {
            if !(0..=100).contains(&p) {
                return Err(AppError::bad_input(
                    "input.researchEffortPercent",
                    "must be between 0 and 100",
                ));
            }
            changed.push(format!("researchEffortPercent {p} for {effort_year}"));
            Some(Some((p, EffortSource::ProgressUpdate)))
        }
    };
    match input.graduate_school {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => {
            row.graduate_school = Set(None);
            changed.push("graduateSchool cleared".to_owned());
        }
        MaybeUndefined::Value(s) => {
            let school = validate::optional_name(Some(&s), 200)
                .map_err(|m| AppError::bad_input("input.graduateSchool", m))?;
            changed.push(match &school {
                Some(_) => "graduateSchool".to_owned(),
                None => "graduateSchool cleared".to_owned(),
            });
            row.graduate_school = Set(school);
        }
    }
    match input.board_certified_on {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => {
            row.board_certified_on = Set(None);
            changed.push("boardCertifiedOn cleared".to_owned());
        }
        MaybeUndefined::Value(Date(on)) => {
            if on < started_on {
                return Err(AppError::bad_input(
                    "input.boardCertifiedOn",
                    format!("must not be before the start of the course ({started_on})"),
                ));
            }
            if on > today {
                return Err(AppError::bad_input(
                    "input.boardCertifiedOn",
                    "must not be in the future",
                ));
            }
            row.board_certified_on = Set(Some(on));
            changed.push(format!("boardCertifiedOn {on}"));
        }
    }
    if let Some(degree) = input.degree {
        row.degree = Set(degree);
        changed.push(format!("degree {}", degree.to_value()));
    }

    let trainee_id = locked.trainee.id;
    let what = if changed.is_empty() {
        "nothing".to_owned()
    } else {
        row.update(&txn).await?;
        changed.join(", ")
    };
    if let Some(reported) = effort {
        report_research_effort(&txn, trainee_id, effort_year, reported).await?;
    }
    let row = trainee::Entity::find_by_id(trainee_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &txn,
        viewer,
        "updateTraineeProgress",
        Some(&target),
        AuditOutcome::Ok,
        format!("updated progress: {what}"),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn record_paper(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    input: RecordPaperInput,
) -> AppResult<paper::Model> {
    let (txn, locked) = open_trainee(
        db,
        viewer,
        today,
        raw,
        &[Role::Institution, Role::Admin, Role::Applicant],
    )
    .await?;
    let title = text("input.title", &input.title, 500)?;
    let journal = text("input.journal", &input.journal, 300)?;
    let doi = doi(input.doi.as_deref())?;
    let Date(published_on) = input.published_on;
    if published_on > today || chrono::Datelike::year(&published_on) < 1900 {
        return Err(AppError::bad_input(
            "input.publishedOn",
            "must be a date from 1900 up to today",
        ));
    }
    if let Some(doi) = &doi {
        let taken = paper::Entity::find()
            .filter(paper::Column::TraineeId.eq(locked.trainee.id))
            .filter(paper::Column::Doi.eq(doi.as_str()))
            .count(&txn)
            .await?;
        if taken > 0 {
            return Err(AppError::Conflict(format!(
                "a paper with DOI {doi} is already recorded for this trainee"
            )));
        }
    }
    // UNIQUE (trainee_id, doi) backs the check above (→ CONFLICT as well).
    let row = paper::ActiveModel {
        trainee_id: Set(locked.trainee.id),
        title: Set(title),
        journal: Set(journal),
        doi: Set(doi),
        published_on: Set(published_on),
        sci_indexed: Set(input.sci_indexed),
        first_author: Set(input.first_author),
        english: Set(input.english),
        case_report: Set(input.case_report),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let qualifies = training::paper_qualifies(&training::PaperFacts::from(&row));
    audit::record(
        &txn,
        viewer,
        "recordPaper",
        Some(&locked.target()),
        AuditOutcome::Ok,
        format!(
            "recorded paper {} ({}){}",
            ids::encode(ids::PAPER, row.id).0,
            row.journal,
            if qualifies { ", qualifying" } else { "" }
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn request_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    input: RequestExtensionInput,
) -> AppResult<extension::Model> {
    let (txn, locked) = open_trainee(
        db,
        viewer,
        today,
        raw,
        &[Role::Institution, Role::Applicant],
    )
    .await?;
    training::check_extension_months(input.months)
        .map_err(|m| AppError::bad_input("input.months", m))?;
    let note = note("input.note", input.note.as_deref())?;
    let row = extension::ActiveModel {
        trainee_id: Set(locked.trainee.id),
        reason: Set(input.reason),
        months: Set(input.months),
        status: Set(DecisionStatus::Requested),
        note: Set(note),
        requested_at: Set(Utc::now()),
        decided_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        "requestExtension",
        Some(&locked.target()),
        AuditOutcome::Ok,
        format!(
            "requested extension {} of {} months ({})",
            ids::encode(ids::EXTENSION, row.id).0,
            row.months,
            row.reason.to_value()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The decision note is kept apart from the request's: it is appended on a
/// line of its own, prefixed "decision: ", so neither side's words are lost.
async fn decide_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    approve: bool,
    decision_note: Option<&str>,
) -> AppResult<extension::Model> {
    viewer.require(&[Role::Admin])?;
    let extension_id = parse_id(raw, ids::EXTENSION, "id")?;
    let decision_note = note("note", decision_note)?;
    let txn = begin_write(db).await?;
    let found = extension::Entity::find_by_id(extension_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    // Lock order: the trainee first, then its extension.
    let locked = Locked::load(&txn, found.trainee_id).await?;
    locked.require_scope(viewer, false)?;
    locked.require_open(today)?;
    let row = extension::Entity::find_by_id(extension_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.status != DecisionStatus::Requested {
        return Err(AppError::Conflict(format!(
            "the extension was already {}",
            row.status.to_value()
        )));
    }
    let society = society_by_id(&txn, locked.course.society_id).await?;
    if approve && !society.operated_by_board && row.society_agreed != Some(true) {
        return Err(AppError::Conflict(format!(
            "{} has not agreed to the extension yet (agreeExtension): III.1 needs both",
            society.name_en
        )));
    }
    let status = if approve {
        DecisionStatus::Approved
    } else {
        DecisionStatus::Rejected
    };
    let note = match (row.note.clone(), decision_note) {
        (request, None) => request,
        (None, Some(d)) => Some(format!("decision: {d}")),
        (Some(r), Some(d)) => Some(format!("{r}\ndecision: {d}")),
    };
    let mut active = row.into_active_model();
    active.status = Set(status);
    active.decided_at = Set(Some(Utc::now()));
    active.note = Set(note);
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "decideExtension",
        Some(&ids::encode(ids::EXTENSION, row.id)),
        AuditOutcome::Ok,
        format!(
            "{} the extension of {} months for trainee {}",
            status.to_value(),
            row.months,
            locked.target().0
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn agree_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    agree: bool,
    society_note: Option<&str>,
) -> AppResult<extension::Model> {
    viewer.require(&[Role::Society])?;
    let extension_id = parse_id(raw, ids::EXTENSION, "id")?;
    let society_note = note("note", society_note)?;
    let txn = begin_write(db).await?;
    let found = extension::Entity::find_by_id(extension_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    // Lock order: the trainee first, then its extension.
    let locked = Locked::load(&txn, found.trainee_id).await?;
    let society = society_by_id(&txn, locked.course.society_id).await?;
    if viewer.society_id != Some(society.id) {
        // Another field's trainee: as if it did not exist.
        return Err(AppError::NotFound);
    }
    require_field_scope(viewer, &society)?;
    locked.require_open(today)?;
    let row = extension::Entity::find_by_id(extension_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.status != DecisionStatus::Requested {
        return Err(AppError::Conflict(format!(
            "the extension was already {}",
            row.status.to_value()
        )));
    }
    let now = Utc::now();
    let note = match (row.note.clone(), society_note) {
        (request, None) => request,
        (None, Some(s)) => Some(format!("society: {s}")),
        (Some(r), Some(s)) => Some(format!("{r}\nsociety: {s}")),
    };
    let mut active = row.into_active_model();
    active.society_agreed = Set(Some(agree));
    active.society_answered_at = Set(Some(now));
    active.note = Set(note);
    if !agree {
        active.status = Set(DecisionStatus::Rejected);
        active.decided_at = Set(Some(now));
    }
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "agreeExtension",
        Some(&ids::encode(ids::EXTENSION, row.id)),
        AuditOutcome::Ok,
        format!(
            "{} {} the extension of {} months for trainee {}",
            society.name_en,
            if agree { "agreed to" } else { "refused" },
            row.months,
            locked.target().0
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn record_study_abroad(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    input: StudyAbroadInput,
) -> AppResult<study_abroad::Model> {
    let (txn, locked) =
        open_trainee(db, viewer, today, raw, &[Role::Institution, Role::Admin]).await?;
    let host = text("input.host", &input.host, 200)?;
    let country = text("input.country", &input.country, 100)?;
    let (Date(starts_on), Date(ends_on)) = (input.starts_on, input.ends_on);
    if ends_on < starts_on {
        return Err(AppError::bad_input(
            "input.endsOn",
            "must not be before startsOn",
        ));
    }
    let rules = locked.rules(&txn).await?;
    let started_on = locked.trainee.started_on;
    let research_from = training::clinical_phase_ends_on(started_on, rules);
    if starts_on < research_from {
        return Err(AppError::bad_input(
            "input.startsOn",
            format!("must be in the research phase, which begins on {research_from}"),
        ));
    }
    let approved_months: u32 = extension::Entity::find()
        .filter(extension::Column::TraineeId.eq(locked.trainee.id))
        .filter(extension::Column::Status.eq(DecisionStatus::Approved))
        .all(&txn)
        .await?
        .iter()
        .map(|e| e.months.max(0) as u32)
        .sum();
    let completion = training::planned_completion_on(started_on, rules, approved_months);
    if ends_on >= completion {
        return Err(AppError::bad_input(
            "input.endsOn",
            format!("must be before the planned completion on {completion}"),
        ));
    }
    let overlapping = study_abroad::Entity::find()
        .filter(study_abroad::Column::TraineeId.eq(locked.trainee.id))
        .filter(study_abroad::Column::StartsOn.lte(ends_on))
        .filter(study_abroad::Column::EndsOn.gte(starts_on))
        .one(&txn)
        .await?;
    if let Some(other) = overlapping {
        return Err(AppError::bad_input(
            "input.startsOn",
            format!(
                "overlaps the period at {} from {} to {}",
                other.host, other.starts_on, other.ends_on
            ),
        ));
    }
    let row = study_abroad::ActiveModel {
        trainee_id: Set(locked.trainee.id),
        host: Set(host),
        country: Set(country),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        "recordStudyAbroad",
        Some(&locked.target()),
        AuditOutcome::Ok,
        format!(
            "recorded research at {} ({}) from {} to {}",
            row.host, row.country, row.starts_on, row.ends_on
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn record_departure(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    input: RecordDepartureInput,
) -> AppResult<trainee::Model> {
    let (txn, locked) =
        open_trainee(db, viewer, today, raw, &[Role::Institution, Role::Admin]).await?;
    if let Some(d) = &locked.departure {
        return Err(AppError::Conflict(format!(
            "a departure on {} is already recorded",
            d.departed_on
        )));
    }
    let reason = note("input.reason", Some(&input.reason))?
        .ok_or_else(|| AppError::bad_input("input.reason", "must not be empty"))?;
    let Date(on) = input.on;
    if on < locked.trainee.started_on {
        return Err(AppError::bad_input(
            "input.on",
            format!(
                "must not be before the start of the course ({})",
                locked.trainee.started_on
            ),
        ));
    }
    let now = Utc::now();
    let institution_id = locked.course.responsible_institution_id;
    let recorder = if viewer.is_admin() {
        Recorder::Board
    } else {
        Recorder::Institution
    };
    let claimed = input.special_circumstances;
    let granted = leaving::special_circumstances_granted(recorder, claimed);
    let reduction = if granted {
        None
    } else {
        let year = leaving::cut_year(&calendar(&txn).await?, on);
        Some(insert_reduction(&txn, institution_id, year).await?)
    };
    // UNIQUE (trainee_id) refuses a second departure racing this one.
    departure::ActiveModel {
        trainee_id: Set(locked.trainee.id),
        departed_on: Set(on),
        reason: Set(reason),
        special_circumstances: Set(granted),
        special_circumstances_claimed: Set(claimed),
        special_circumstances_decided_at: Set((recorder == Recorder::Board).then_some(now)),
        quota_reduction_id: Set(reduction.as_ref().map(|r| r.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let consequence = match &reduction {
        Some(r) => format!(
            "quota reduction {} for {}: {} regular-program and {} course seat(s) of institution {}{}",
            ids::encode(ids::QUOTA_REDUCTION, r.id).0,
            r.year,
            r.regular_program_seats,
            r.course_seats,
            ids::encode(ids::INSTITUTION, institution_id).0,
            if claimed {
                "; special circumstances claimed, for the board to decide"
            } else {
                ""
            }
        ),
        None => "special circumstances granted by the board, no quota reduction".to_owned(),
    };
    audit::record(
        &txn,
        viewer,
        "recordDeparture",
        Some(&locked.target()),
        AuditOutcome::Ok,
        format!("departure on {on}; {consequence}"),
    )
    .await?;
    txn.commit().await?;
    Ok(locked.trainee)
}

async fn confirm_completion(
    db: &DatabaseConnection,
    viewer: &Viewer,
    today: NaiveDate,
    raw: &ID,
    on: NaiveDate,
) -> AppResult<trainee::Model> {
    let (txn, locked) =
        open_trainee(db, viewer, today, raw, &[Role::Institution, Role::Admin]).await?;
    if on > today || on < locked.trainee.started_on {
        return Err(AppError::bad_input(
            "on",
            "must lie between the start of the course and today",
        ));
    }
    if locked.trainee.completion_confirmed_on.is_some() {
        return Err(AppError::Conflict(
            "completion was already confirmed".into(),
        ));
    }
    let unmet = crate::graphql::trainee::unmet_on(&txn, &locked.trainee, on).await?;
    if !unmet.is_empty() {
        let names: Vec<String> = unmet.iter().map(|r| format!("{r:?}")).collect();
        return Err(AppError::Conflict(format!(
            "completion requirements are unmet: {}",
            names.join(", ")
        )));
    }
    let target = locked.target();
    let mut row = locked.trainee.into_active_model();
    row.completion_confirmed_on = Set(Some(on));
    let row = row.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "confirmCompletion",
        Some(&target),
        AuditOutcome::Ok,
        format!("completion confirmed on {on}"),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// One departure's seats (III.3): one course seat and one regular-program
/// seat of `institution_id` in `year`.
async fn insert_reduction(
    txn: &DatabaseTransaction,
    institution_id: i64,
    year: i32,
) -> AppResult<quota_reduction::Model> {
    let seats = SEATS_PER_DEPARTURE as i32;
    Ok(quota_reduction::ActiveModel {
        institution_id: Set(institution_id),
        year: Set(year),
        regular_program_seats: Set(seats),
        course_seats: Set(seats),
        created_at: Set(Utc::now()),
        cancelled_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

async fn decide_special_circumstances(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw: &ID,
    grant: bool,
) -> AppResult<trainee::Model> {
    viewer.require(&[Role::Admin])?;
    let trainee_id = parse_id(raw, ids::TRAINEE, "traineeId")?;
    let txn = begin_write(db).await?;
    // The record may be closed (the trainee has left): this decides about
    // the departure itself, so no open-record check.
    let locked = Locked::load(&txn, trainee_id).await?;
    let Some(found) = locked.departure.clone() else {
        return Err(AppError::Conflict("no departure is recorded".into()));
    };
    if found.special_circumstances {
        return Err(AppError::Conflict(
            "special circumstances were already granted".into(),
        ));
    }
    let now = Utc::now();
    let mut summary = format!(
        "special circumstances {} for the departure on {}",
        if grant { "granted" } else { "refused" },
        found.departed_on
    );
    if grant && let Some(reduction_id) = found.quota_reduction_id {
        quota_reduction::Entity::update_many()
            .col_expr(
                quota_reduction::Column::CancelledAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(quota_reduction::Column::Id.eq(reduction_id))
            .exec(&txn)
            .await?;
        summary.push_str(&format!(
            "; quota reduction {} lifted",
            ids::encode(ids::QUOTA_REDUCTION, reduction_id).0
        ));
    }
    let mut active = found.into_active_model();
    active.special_circumstances = Set(grant);
    active.special_circumstances_decided_at = Set(Some(now));
    active.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "decideSpecialCircumstances",
        Some(&locked.target()),
        AuditOutcome::Ok,
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(locked.trainee)
}
