//! A society's yearly decision to take part in the early call (II.2(1)).

use super::YEARS;
use crate::audit;
use crate::db::begin_write;
use crate::entity::enums::{AuditOutcome, CyclePhase, FieldCode, Role};
use crate::entity::{participation, recruitment_cycle};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::ops::guards::{require_field_scope, require_phase, society_by_code};
use crate::ops::{Caller, Operation};
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};

/// `setParticipation`: whether a field takes part in a year's early call.
pub struct SetParticipation {
    pub year: i32,
    pub field: FieldCode,
    pub participating: bool,
}

impl Operation for SetParticipation {
    const NAME: &'static str = "setParticipation";
    type Output = participation::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<participation::Model> {
        let viewer = caller.viewer;
        let Self {
            year,
            field,
            participating,
        } = self;
        viewer.require(&[Role::Admin, Role::Society])?;
        let society = society_by_code(caller.db, field).await?;
        require_field_scope(viewer, &society)?;
        if !YEARS.contains(&year) {
            return Err(AppError::bad_input("year", "must be between 2000 and 2200"));
        }

        let txn = begin_write(caller.db).await?;
        let cycle = recruitment_cycle::Entity::find()
            .filter(recruitment_cycle::Column::Year.eq(year))
            .lock_exclusive()
            .one(&txn)
            .await?;
        if let Some(cycle) = &cycle {
            require_phase(cycle, &[CyclePhase::Planning])?;
        }
        participation::Entity::insert(participation::ActiveModel {
            society_id: Set(society.id),
            year: Set(year),
            participating: Set(participating),
            decided_at: Set(Utc::now()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                participation::Column::SocietyId,
                participation::Column::Year,
            ])
            .update_columns([
                participation::Column::Participating,
                participation::Column::DecidedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        let row = participation::Entity::find()
            .filter(participation::Column::SocietyId.eq(society.id))
            .filter(participation::Column::Year.eq(year))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                AppError::Internal("the participation just written is missing".into())
            })?;
        let target = ids::encode(ids::SOCIETY, society.id);
        let decision = if participating {
            "takes part"
        } else {
            "does not take part"
        };
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&target),
            AuditOutcome::Ok,
            format!("{} {decision} in {year}", society.field_name_en),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}
