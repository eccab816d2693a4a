//! The course confirms a trainee's completion once no requirement is unmet.

use super::open_trainee;
use crate::audit;
use crate::entity::enums::{AuditOutcome, Role};
use crate::entity::trainee;
use crate::error::{AppError, AppResult};
use crate::ops::trainee_record;
use crate::ops::{Caller, Operation};
use async_graphql::ID;
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};

/// `confirmCompletion`: on `on`, today when not given.
pub struct ConfirmCompletion {
    pub trainee_id: ID,
    pub on: Option<NaiveDate>,
}

impl Operation for ConfirmCompletion {
    const NAME: &'static str = "confirmCompletion";
    type Output = trainee::Model;

    fn target(&self) -> Option<ID> {
        Some(self.trainee_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<trainee::Model> {
        let viewer = caller.viewer;
        let today = caller.today();
        let on = self.on.unwrap_or(today);
        let (txn, locked) = open_trainee(
            caller,
            today,
            &self.trainee_id,
            &[Role::Institution, Role::Admin],
        )
        .await?;
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
        let unmet = trainee_record::unmet_on(&txn, &locked.trainee, on).await?;
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
            Self::NAME,
            Some(&target),
            AuditOutcome::Ok,
            format!("completion confirmed on {on}"),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}
