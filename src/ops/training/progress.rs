//! The responsible institution's report of a trainee's progress: research
//! effort per training year, graduate school, board certification, degree.

use super::open_trainee;
use crate::audit;
use crate::domain::cycle::training_year;
use crate::domain::validate;
use crate::entity::enums::{AuditOutcome, DegreeStatus, EffortSource, Role};
use crate::entity::{research_effort_report, trainee};
use crate::error::{AppError, AppResult};
use crate::ops::{Caller, Operation, Patch};
use async_graphql::ID;
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};

/// What `updateTraineeProgress` changes; `Keep` leaves a field as it is.
pub struct Progress {
    pub research_effort_percent: Patch<i32>,
    pub graduate_school: Patch<String>,
    pub board_certified_on: Patch<NaiveDate>,
    pub degree: Option<DegreeStatus>,
}

/// `updateTraineeProgress`: by the responsible institution or the board.
pub struct UpdateTraineeProgress {
    pub trainee_id: ID,
    pub progress: Progress,
}

impl Operation for UpdateTraineeProgress {
    const NAME: &'static str = "updateTraineeProgress";
    type Output = trainee::Model;

    fn target(&self) -> Option<ID> {
        Some(self.trainee_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<trainee::Model> {
        let viewer = caller.viewer;
        let today = caller.today();
        // Checked now, told after the trainee's scope, as ever: a caller who
        // may not act on the trainee learns nothing from its input.
        let progress = self.progress.parse();
        let (txn, locked) = open_trainee(
            caller,
            today,
            &self.trainee_id,
            &[Role::Institution, Role::Admin],
        )
        .await?;
        let progress = progress?;
        let started_on = locked.trainee.started_on;
        let target = locked.target();
        let mut row = locked.trainee.clone().into_active_model();
        let mut changed = Vec::new();

        // The value is the current training year's; null clears that year's.
        let effort_year = training_year(today);
        let effort = match progress.research_effort_percent {
            Patch::Keep => None,
            Patch::Clear => {
                changed.push(format!("researchEffortPercent for {effort_year} cleared"));
                Some(None)
            }
            Patch::Set(p) => {
                changed.push(format!("researchEffortPercent {p} for {effort_year}"));
                Some(Some((p, EffortSource::ProgressUpdate)))
            }
        };
        match progress.graduate_school {
            Patch::Keep => {}
            Patch::Clear => {
                row.graduate_school = Set(None);
                changed.push("graduateSchool cleared".to_owned());
            }
            Patch::Set(school) => {
                changed.push(match &school {
                    Some(_) => "graduateSchool".to_owned(),
                    None => "graduateSchool cleared".to_owned(),
                });
                row.graduate_school = Set(school);
            }
        }
        match progress.board_certified_on {
            Patch::Keep => {}
            Patch::Clear => {
                row.board_certified_on = Set(None);
                changed.push("boardCertifiedOn cleared".to_owned());
            }
            Patch::Set(on) => {
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
        if let Some(degree) = progress.degree {
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
            Self::NAME,
            Some(&target),
            AuditOutcome::Ok,
            format!("updated progress: {what}"),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}

/// `Progress` with its text and range checked.
struct CheckedProgress {
    research_effort_percent: Patch<i32>,
    /// `Set(None)`: a blank name, which clears it.
    graduate_school: Patch<Option<String>>,
    board_certified_on: Patch<NaiveDate>,
    degree: Option<DegreeStatus>,
}

impl Progress {
    fn parse(self) -> AppResult<CheckedProgress> {
        if let Patch::Set(p) = self.research_effort_percent
            && !(0..=100).contains(&p)
        {
            return Err(AppError::bad_input(
                "input.researchEffortPercent",
                "must be between 0 and 100",
            ));
        }
        let graduate_school = match self.graduate_school {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(s) => Patch::Set(
                validate::optional_name(Some(&s), 200)
                    .map_err(|m| AppError::bad_input("input.graduateSchool", m))?,
            ),
        };
        Ok(CheckedProgress {
            research_effort_percent: self.research_effort_percent,
            graduate_school,
            board_certified_on: self.board_certified_on,
            degree: self.degree,
        })
    }
}

/// Records `percent` (from `source`) as the trainee's research effort for
/// the training `year`, one value a year: a later report replaces it; `None`
/// removes the year's value. Keeps `trainees.research_effort_percent` the
/// value of the latest year reported.
pub(crate) async fn report_research_effort(
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
