//! A longer course (III.1): asked for by the institution or the trainee,
//! agreed with the society of the field, decided by the board.

use super::{Locked, note, open_trainee};
use crate::audit;
use crate::db::begin_write;
use crate::domain::training;
use crate::entity::enums::{AuditOutcome, DecisionStatus, ExtensionReason, Role};
use crate::entity::extension;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::ops::guards::{parse_id, require_field_scope, society_by_id};
use crate::ops::{Caller, Operation};
use async_graphql::ID;
use chrono::Utc;
use sea_orm::{ActiveEnum, ActiveModelTrait, EntityTrait, IntoActiveModel, QuerySelect, Set};

/// A longer course, as asked for.
pub struct ExtensionRequest {
    pub reason: ExtensionReason,
    pub months: i32,
    pub note: Option<String>,
}

/// `requestExtension`: by the responsible institution or the trainee.
pub struct RequestExtension {
    pub trainee_id: ID,
    pub extension: ExtensionRequest,
}

/// `agreeExtension`: the society of the trainee's field answers.
pub struct AgreeExtension {
    pub id: ID,
    pub agree: bool,
    pub note: Option<String>,
}

/// `decideExtension`: the board approves or rejects.
pub struct DecideExtension {
    pub id: ID,
    pub approve: bool,
    pub note: Option<String>,
}

impl Operation for RequestExtension {
    const NAME: &'static str = "requestExtension";
    type Output = extension::Model;

    fn target(&self) -> Option<ID> {
        Some(self.trainee_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<extension::Model> {
        let viewer = caller.viewer;
        let today = caller.today();
        // Checked now, told after the trainee's scope, as ever.
        let request = self.extension.parse();
        let (txn, locked) = open_trainee(
            caller,
            today,
            &self.trainee_id,
            &[Role::Institution, Role::Applicant],
        )
        .await?;
        let CheckedExtension {
            reason,
            months,
            note,
        } = request?;
        let row = extension::ActiveModel {
            trainee_id: Set(locked.trainee.id),
            reason: Set(reason),
            months: Set(months),
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
            Self::NAME,
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
}

impl Operation for AgreeExtension {
    const NAME: &'static str = "agreeExtension";
    type Output = extension::Model;

    fn target(&self) -> Option<ID> {
        Some(self.id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<extension::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Society])?;
        let today = caller.today();
        let agree = self.agree;
        let extension_id = parse_id(&self.id, ids::EXTENSION, "id")?;
        let society_note = note("note", self.note.as_deref())?;
        let txn = begin_write(caller.db).await?;
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
            Self::NAME,
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
}

impl Operation for DecideExtension {
    const NAME: &'static str = "decideExtension";
    type Output = extension::Model;

    fn target(&self) -> Option<ID> {
        Some(self.id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<extension::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let today = caller.today();
        let approve = self.approve;
        let extension_id = parse_id(&self.id, ids::EXTENSION, "id")?;
        let decision_note = note("note", self.note.as_deref())?;
        let txn = begin_write(caller.db).await?;
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
            Self::NAME,
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
}

struct CheckedExtension {
    reason: ExtensionReason,
    months: i32,
    note: Option<String>,
}

impl ExtensionRequest {
    fn parse(self) -> AppResult<CheckedExtension> {
        training::check_extension_months(self.months)
            .map_err(|m| AppError::bad_input("input.months", m))?;
        let note = note("input.note", self.note.as_deref())?;
        Ok(CheckedExtension {
            reason: self.reason,
            months: self.months,
            note,
        })
    }
}
