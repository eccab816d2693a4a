//! A published paper of a trainee; whether it qualifies is the rule's
//! (`domain::training::paper_qualifies`).

use super::{open_trainee, text};
use crate::audit;
use crate::domain::training;
use crate::domain::validate;
use crate::entity::enums::{AuditOutcome, Role};
use crate::entity::paper;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::ops::{Caller, Operation};
use async_graphql::ID;
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// A published paper, as reported.
pub struct NewPaper {
    pub title: String,
    pub journal: String,
    pub doi: Option<String>,
    pub published_on: NaiveDate,
    pub flags: PaperFlags,
}

/// What decides whether a paper qualifies (`domain::training`).
#[derive(Clone, Copy)]
pub struct PaperFlags {
    pub sci_indexed: bool,
    pub first_author: bool,
    pub english: bool,
    pub case_report: bool,
}

/// `recordPaper`: by the responsible institution, the board or the trainee.
pub struct RecordPaper {
    pub trainee_id: ID,
    pub paper: NewPaper,
}

impl Operation for RecordPaper {
    const NAME: &'static str = "recordPaper";
    type Output = paper::Model;

    fn target(&self) -> Option<ID> {
        Some(self.trainee_id.clone())
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<paper::Model> {
        let viewer = caller.viewer;
        let today = caller.today();
        // Checked now, told after the trainee's scope, as ever.
        let paper = self.paper.parse(today);
        let (txn, locked) = open_trainee(
            caller,
            today,
            &self.trainee_id,
            &[Role::Institution, Role::Admin, Role::Applicant],
        )
        .await?;
        let CheckedPaper {
            title,
            journal,
            doi,
            published_on,
            flags,
        } = paper?;
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
            sci_indexed: Set(flags.sci_indexed),
            first_author: Set(flags.first_author),
            english: Set(flags.english),
            case_report: Set(flags.case_report),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let qualifies = training::paper_qualifies(&training::PaperFacts::from(&row));
        audit::record(
            &txn,
            viewer,
            Self::NAME,
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
}

struct CheckedPaper {
    title: String,
    journal: String,
    doi: Option<String>,
    published_on: NaiveDate,
    flags: PaperFlags,
}

impl NewPaper {
    fn parse(self, today: NaiveDate) -> AppResult<CheckedPaper> {
        let title = text("input.title", &self.title, 500)?;
        let journal = text("input.journal", &self.journal, 300)?;
        let doi = doi(self.doi.as_deref())?;
        let published_on = self.published_on;
        if published_on > today || chrono::Datelike::year(&published_on) < 1900 {
            return Err(AppError::bad_input(
                "input.publishedOn",
                "must be a date from 1900 up to today",
            ));
        }
        Ok(CheckedPaper {
            title,
            journal,
            doi,
            published_on,
            flags: self.flags,
        })
    }
}

/// A DOI as stored (`validate::doi`).
fn doi(value: Option<&str>) -> AppResult<Option<String>> {
    match value {
        Some(s) => validate::doi(s).map_err(|m| AppError::bad_input("input.doi", m)),
        None => Ok(None),
    }
}
