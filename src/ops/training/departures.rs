//! A trainee leaves the course (III.3): the seats it costs its institution,
//! and the special circumstances the board grants.

use super::{Locked, note, open_trainee};
use crate::audit;
use crate::db::begin_write;
use crate::domain::departure::{self as leaving, Recorder, SEATS_PER_DEPARTURE};
use crate::entity::enums::{AuditOutcome, Role};
use crate::entity::{departure, quota_reduction, trainee};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::ops::guards::{calendar, parse_id};
use crate::ops::{Caller, Operation};
use async_graphql::ID;
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};

/// A departure, as reported.
pub struct Departure {
    pub on: NaiveDate,
    pub reason: String,
    /// 特段の理由: claimed by an institution, granted by the board.
    pub special_circumstances: bool,
}

/// `recordDeparture`: by the responsible institution or the board.
pub struct RecordDeparture {
    pub trainee_id: ID,
    pub departure: Departure,
}

/// `decideSpecialCircumstances`: the board grants or refuses.
pub struct DecideSpecialCircumstances {
    pub trainee_id: ID,
    pub grant: bool,
}

impl Operation for RecordDeparture {
    const NAME: &'static str = "recordDeparture";
    type Output = trainee::Model;

    fn target(&self) -> Option<ID> {
        Some(self.trainee_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<trainee::Model> {
        let viewer = caller.viewer;
        let today = caller.today();
        // Checked now, told where it was always told: after the trainee's scope
        // and a departure already recorded.
        let reason = departure_reason(&self.departure.reason);
        let (txn, locked) = open_trainee(
            caller,
            today,
            &self.trainee_id,
            &[Role::Institution, Role::Admin],
        )
        .await?;
        if let Some(d) = &locked.departure {
            return Err(AppError::Conflict(format!(
                "a departure on {} is already recorded",
                d.departed_on
            )));
        }
        let reason = reason?;
        let on = self.departure.on;
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
        let claimed = self.departure.special_circumstances;
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
            Self::NAME,
            Some(&locked.target()),
            AuditOutcome::Ok,
            format!("departure on {on}; {consequence}"),
        )
        .await?;
        txn.commit().await?;
        Ok(locked.trainee)
    }
}

impl Operation for DecideSpecialCircumstances {
    const NAME: &'static str = "decideSpecialCircumstances";
    type Output = trainee::Model;

    fn target(&self) -> Option<ID> {
        Some(self.trainee_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<trainee::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let grant = self.grant;
        let trainee_id = parse_id(&self.trainee_id, ids::TRAINEE, "traineeId")?;
        let txn = begin_write(caller.db).await?;
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
            Self::NAME,
            Some(&locked.target()),
            AuditOutcome::Ok,
            summary,
        )
        .await?;
        txn.commit().await?;
        Ok(locked.trainee)
    }
}

/// A departure's reason: required free text.
fn departure_reason(reason: &str) -> AppResult<String> {
    note("input.reason", Some(reason))?
        .ok_or_else(|| AppError::bad_input("input.reason", "must not be empty"))
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
