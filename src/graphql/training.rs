//! A trainee's years after adoption (domain.md "After adoption", guideline
//! III): progress, research effort, papers, extensions (agreed with the
//! society and the board), research abroad, departure (with special
//! circumstances granted by the board) and completion. The rules are in
//! `domain::training` and `domain::departure`.
//!
//! The writes themselves, their locks and the closed record of a trainee
//! who left, are in `ops::training`.

use super::run::run;
use super::scalars::Date;
use super::trainee::{Extension, Paper, StudyAbroad, Trainee};
use crate::entity::enums::{DegreeStatus, ExtensionReason};
use crate::ops::Patch;
use crate::ops::training::{
    AgreeExtension, ConfirmCompletion, DecideExtension, DecideSpecialCircumstances, Departure,
    ExtensionRequest, NewPaper, PaperFlags, Progress, RecordDeparture, RecordPaper,
    RecordStudyAbroad, RequestExtension, StudyAbroadPeriod, UpdateTraineeProgress,
};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

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
        let progress = input.into();
        let command = UpdateTraineeProgress {
            trainee_id,
            progress,
        };
        run(ctx, command).await.map(Trainee::from)
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
        let paper = input.into();
        run(ctx, RecordPaper { trainee_id, paper }).await.map(Paper)
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
        let extension = input.into();
        let command = RequestExtension {
            trainee_id,
            extension,
        };
        run(ctx, command).await.map(Extension)
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
        let command = AgreeExtension { id, agree, note };
        run(ctx, command).await.map(Extension)
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
        let command = DecideExtension { id, approve, note };
        run(ctx, command).await.map(Extension)
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
        let period = input.into();
        let command = RecordStudyAbroad { trainee_id, period };
        run(ctx, command).await.map(StudyAbroad)
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
        let on = on.map(|d| d.0);
        let command = ConfirmCompletion { trainee_id, on };
        run(ctx, command).await.map(Trainee::from)
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
        let departure = input.into();
        let command = RecordDeparture {
            trainee_id,
            departure,
        };
        run(ctx, command).await.map(Trainee::from)
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
        let command = DecideSpecialCircumstances { trainee_id, grant };
        run(ctx, command).await.map(Trainee::from)
    }
}

impl<T> From<MaybeUndefined<T>> for Patch<T> {
    fn from(value: MaybeUndefined<T>) -> Self {
        match value {
            MaybeUndefined::Undefined => Self::Keep,
            MaybeUndefined::Null => Self::Clear,
            MaybeUndefined::Value(v) => Self::Set(v),
        }
    }
}

impl From<TraineeProgressInput> for Progress {
    fn from(input: TraineeProgressInput) -> Self {
        Self {
            research_effort_percent: input.research_effort_percent.into(),
            graduate_school: input.graduate_school.into(),
            board_certified_on: input.board_certified_on.map_value(|d| d.0).into(),
            degree: input.degree,
        }
    }
}

impl From<RecordPaperInput> for NewPaper {
    fn from(input: RecordPaperInput) -> Self {
        Self {
            title: input.title,
            journal: input.journal,
            doi: input.doi,
            published_on: input.published_on.0,
            flags: PaperFlags {
                sci_indexed: input.sci_indexed,
                first_author: input.first_author,
                english: input.english,
                case_report: input.case_report,
            },
        }
    }
}

impl From<RequestExtensionInput> for ExtensionRequest {
    fn from(input: RequestExtensionInput) -> Self {
        Self {
            reason: input.reason,
            months: input.months,
            note: input.note,
        }
    }
}

impl From<StudyAbroadInput> for StudyAbroadPeriod {
    fn from(input: StudyAbroadInput) -> Self {
        Self {
            host: input.host,
            country: input.country,
            starts_on: input.starts_on.0,
            ends_on: input.ends_on.0,
        }
    }
}

impl From<RecordDepartureInput> for Departure {
    fn from(input: RecordDepartureInput) -> Self {
        Self {
            on: input.on.0,
            reason: input.reason,
            special_circumstances: input.special_circumstances,
        }
    }
}
