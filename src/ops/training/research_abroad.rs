//! Research at another institution, at home or abroad (III.2), inside the
//! research phase and before the planned completion.

use super::{open_trainee, text};
use crate::audit;
use crate::domain::training;
use crate::entity::enums::{AuditOutcome, DecisionStatus, Role};
use crate::entity::{extension, study_abroad};
use crate::error::{AppError, AppResult};
use crate::ops::{Caller, Operation};
use async_graphql::ID;
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

/// Research at another institution, at home or abroad.
pub struct StudyAbroadPeriod {
    pub host: String,
    pub country: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// `recordStudyAbroad`: by the responsible institution or the board.
pub struct RecordStudyAbroad {
    pub trainee_id: ID,
    pub period: StudyAbroadPeriod,
}

impl Operation for RecordStudyAbroad {
    const NAME: &'static str = "recordStudyAbroad";
    type Output = study_abroad::Model;

    fn target(&self) -> Option<ID> {
        Some(self.trainee_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<study_abroad::Model> {
        let viewer = caller.viewer;
        let today = caller.today();
        // Checked now, told after the trainee's scope, as ever.
        let period = self.period.parse();
        let (txn, locked) = open_trainee(
            caller,
            today,
            &self.trainee_id,
            &[Role::Institution, Role::Admin],
        )
        .await?;
        let CheckedPeriod {
            host,
            country,
            starts_on,
            ends_on,
        } = period?;
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
            Self::NAME,
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
}

struct CheckedPeriod {
    host: String,
    country: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

impl StudyAbroadPeriod {
    fn parse(self) -> AppResult<CheckedPeriod> {
        let host = text("input.host", &self.host, 200)?;
        let country = text("input.country", &self.country, 100)?;
        if self.ends_on < self.starts_on {
            return Err(AppError::bad_input(
                "input.endsOn",
                "must not be before startsOn",
            ));
        }
        Ok(CheckedPeriod {
            host,
            country,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
        })
    }
}
