//! The board withdraws an institution's right to set courses (II.3(2)).

use super::YEARS;
use crate::audit;
use crate::db::begin_write;
use crate::domain::sanction::{self as suspension, Suspension};
use crate::entity::enums::{AuditOutcome, Role, SanctionReason};
use crate::entity::{course, institution, recruitment_cycle, sanction};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::ops::guards::{calendar, parse_id};
use crate::ops::{Caller, Operation};
use async_graphql::ID;
use chrono::Utc;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// `sanctionInstitution`: the board withdraws the right to set courses.
pub struct SanctionInstitution {
    pub institution_id: ID,
    pub reason: SanctionReason,
    pub course_id: Option<ID>,
    pub from_year: Option<i32>,
    pub years: Option<i32>,
}

impl Operation for SanctionInstitution {
    const NAME: &'static str = "sanctionInstitution";
    type Output = sanction::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<sanction::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let args = self;
        let institution_id = parse_id(&args.institution_id, ids::INSTITUTION, "institutionId")?;
        let course_id = args
            .course_id
            .as_ref()
            .map(|raw| parse_id(raw, ids::COURSE, "courseId"))
            .transpose()?;
        if let Some(years) = args.years
            && !(1..=20).contains(&years)
        {
            return Err(AppError::bad_input("years", "must be between 1 and 20"));
        }
        if let Some(year) = args.from_year
            && !YEARS.contains(&year)
        {
            return Err(AppError::bad_input(
                "fromYear",
                "must be between 2000 and 2200",
            ));
        }

        let txn = begin_write(caller.db).await?;
        let institution = institution::Entity::find_by_id(institution_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::bad_input("institutionId", "no such institution"))?;
        let course = match course_id {
            Some(id) => {
                let course = course::Entity::find_by_id(id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| AppError::bad_input("courseId", "no such course"))?;
                if course.responsible_institution_id != institution.id {
                    return Err(AppError::bad_input(
                        "courseId",
                        "is not a course of this institution",
                    ));
                }
                Some(course)
            }
            None => None,
        };
        let base_year = match (args.from_year, &course) {
            (Some(year), _) => year,
            (None, Some(course)) => course.year,
            (None, None) => {
                recruitment_cycle::Entity::find()
                    .order_by_desc(recruitment_cycle::Column::Year)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| {
                        AppError::bad_input(
                            "fromYear",
                            "there is no recruitment cycle yet; give fromYear",
                        )
                    })?
                    .year
            }
        };
        let years = match args.years {
            Some(years) => years,
            None => recruitment_cycle::Entity::find()
                .filter(recruitment_cycle::Column::Year.eq(base_year))
                .one(&txn)
                .await?
                .map_or(1, |c| c.sanction_years.max(1)),
        };
        let span = match args.from_year {
            Some(from_year) => Suspension {
                from_year,
                until_year: from_year + years - 1,
            },
            None => suspension::suspension_from(&calendar(&txn).await?, base_year, years as u32),
        };
        let row = sanction::ActiveModel {
            institution_id: Set(institution.id),
            course_id: Set(course.as_ref().map(|c| c.id)),
            reason: Set(args.reason),
            from_year: Set(span.from_year),
            until_year: Set(span.until_year),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;

        let target = ids::encode(ids::SANCTION, row.id);
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&target),
            AuditOutcome::Ok,
            format!(
                "{} loses the right to set courses {}-{} ({})",
                institution.name,
                row.from_year,
                row.until_year,
                row.reason.to_value()
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}
