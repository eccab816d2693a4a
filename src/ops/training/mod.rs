//! A trainee's years after adoption (domain.md "After adoption", guideline
//! III): progress, research effort, papers, extensions (agreed with the
//! society and the board), research abroad, departure (with special
//! circumstances granted by the board) and completion. The rules are in
//! `domain::training` and `domain::departure`.
//!
//! Every operation locks the trainee row first (PostgreSQL; SQLite write
//! transactions are exclusive anyway), so two changes to one trainee are
//! decided one after the other. Lock order: the trainee, then its rows.
//! Input is parsed before the transaction, and a fault in it is told after
//! the trainee's scope checks.
//!
//! Once a trainee has left (a departure whose day has come, i.e. phase
//! DEPARTED) the record is closed and every operation here fails CONFLICT.
//! A departure may be recorded ahead of its day; until then the trainee is
//! still in the course and the record stays open, but a second departure
//! is refused.

mod completion;
mod departures;
mod extensions;
mod papers;
mod progress;
mod research_abroad;

pub use completion::ConfirmCompletion;
pub use departures::{DecideSpecialCircumstances, Departure, RecordDeparture};
pub use extensions::{AgreeExtension, DecideExtension, ExtensionRequest, RequestExtension};
pub use papers::{NewPaper, PaperFlags, RecordPaper};
pub(crate) use progress::report_research_effort;
pub use progress::{Progress, UpdateTraineeProgress};
pub use research_abroad::{RecordStudyAbroad, StudyAbroadPeriod};

use super::Caller;
use super::guards::parse_id;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::training::CourseRules;
use crate::domain::validate;
use crate::entity::enums::Role;
use crate::entity::{course, departure, recruitment_cycle, trainee};
use crate::error::{AppError, AppResult};
use crate::ids;
use async_graphql::ID;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};

/// Free-text notes and departure reasons.
const NOTE_MAX: usize = 2000;

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
    caller: Caller<'_>,
    today: NaiveDate,
    raw: &ID,
    roles: &[Role],
) -> AppResult<(DatabaseTransaction, Locked)> {
    let viewer = caller.viewer;
    viewer.require(roles)?;
    let trainee_id = parse_id(raw, ids::TRAINEE, "traineeId")?;
    let txn = begin_write(caller.db).await?;
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
