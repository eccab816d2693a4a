//! `RecruitmentCycle.statistics`: a cycle's application counts, all from SQL
//! aggregates.

use super::Db;
use crate::domain::eligibility::course_start;
use crate::entity::enums::{ApplicationOutcome, ApplicationStatus};
use crate::entity::joins::join_course;
use crate::entity::{applicant, application, course};
use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, ExprTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect,
};
use std::collections::HashMap;

keys! {
    /// The statistics of a cycle's year.
    StatisticsOf(i32);
}

/// A cycle's application counts, all from SQL aggregates.
#[derive(Debug, Clone, Default)]
pub struct CycleCounts {
    /// (society id, status, applications)
    pub by_field_and_status: Vec<(i64, ApplicationStatus, i64)>,
    /// distinct applicants
    pub applicants: i64,
    /// distinct applicants eligible for the course starting that year
    pub eligible: i64,
    /// distinct applicants whose cycle ended in the regular program
    pub fell_back: i64,
}

#[derive(FromQueryResult)]
struct YearFieldStatusCount {
    year: i32,
    society_id: i64,
    status: ApplicationStatus,
    n: i64,
}

#[derive(FromQueryResult)]
struct YearTotals {
    year: i32,
    applicants: i64,
    eligible: i64,
    fell_back: i64,
}

impl Loader<StatisticsOf> for Db {
    type Value = CycleCounts;
    type Error = DbErr;

    /// Two grouped queries for all years asked: applications by year, field
    /// and status; distinct applicants by year.
    async fn load(
        &self,
        keys: &[StatisticsOf],
    ) -> Result<HashMap<StatisticsOf, CycleCounts>, DbErr> {
        let years: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let by_status: Vec<YearFieldStatusCount> = application::Entity::find()
            .select_only()
            .column(application::Column::Year)
            .column_as(course::Column::SocietyId, "society_id")
            .column(application::Column::Status)
            .column_as(application::Column::Id.count(), "n")
            .join(JoinType::InnerJoin, join_course())
            .filter(application::Column::Year.is_in(years.iter().copied()))
            .group_by(application::Column::Year)
            .group_by(course::Column::SocietyId)
            .group_by(application::Column::Status)
            .into_model()
            .all(&self.db)
            .await?;

        let year_col = || Expr::col((application::Entity, application::Column::Year));
        let applicant_id = || Expr::col((application::Entity, application::Column::ApplicantId));
        // Eligibility depends on the year's course start (April 1).
        let trained_in_time = years.iter().fold(Condition::any(), |any, &year| {
            any.add(
                year_col().eq(year).and(
                    Expr::col((
                        applicant::Entity,
                        applicant::Column::InitialTrainingCompletedOn,
                    ))
                    .lte(course_start(year)),
                ),
            )
        });
        let eligible = Condition::all()
            .add(
                Expr::col((
                    applicant::Entity,
                    applicant::Column::ObligatedServiceGraduate,
                ))
                .eq(false),
            )
            .add(
                Expr::col((
                    applicant::Entity,
                    applicant::Column::RegionalQuotaObligation,
                ))
                .eq(false),
            )
            .add(trained_in_time);
        let fell_back = Expr::col((application::Entity, application::Column::Outcome))
            .eq(ApplicationOutcome::RegularProgram);
        let totals_query = Query::select()
            .expr_as(year_col(), "year")
            .expr_as(Func::count_distinct(applicant_id()), "applicants")
            .expr_as(
                Func::count_distinct(Expr::case(eligible, applicant_id())),
                "eligible",
            )
            .expr_as(
                Func::count_distinct(Expr::case(fell_back, applicant_id())),
                "fell_back",
            )
            .from(application::Entity)
            .inner_join(
                applicant::Entity,
                Expr::col((applicant::Entity, applicant::Column::Id))
                    .equals((application::Entity, application::Column::ApplicantId)),
            )
            .and_where(year_col().is_in(years.iter().copied()))
            .group_by_col((application::Entity, application::Column::Year))
            .to_owned();
        let totals =
            YearTotals::find_by_statement(self.db.get_database_backend().build(&totals_query))
                .all(&self.db)
                .await?;

        let mut out: HashMap<StatisticsOf, CycleCounts> = years
            .iter()
            .map(|&y| (StatisticsOf(y), CycleCounts::default()))
            .collect();
        for r in by_status {
            if let Some(c) = out.get_mut(&StatisticsOf(r.year)) {
                c.by_field_and_status.push((r.society_id, r.status, r.n));
            }
        }
        for t in totals {
            if let Some(c) = out.get_mut(&StatisticsOf(t.year)) {
                c.applicants = t.applicants;
                c.eligible = t.eligible;
                c.fell_back = t.fell_back;
            }
        }
        Ok(out)
    }
}
