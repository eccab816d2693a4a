//! `RecruitmentCycle.statistics`: a cycle's application counts, from one SQL
//! statement of two aggregates.

use super::Db;
use crate::domain::eligibility::course_start;
use crate::entity::enums::{ApplicationOutcome, ApplicationStatus};
use crate::entity::{applicant, application, course};
use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{Expr, Func, Query, UnionType};
use sea_orm::{Condition, DbErr, ExprTrait, FromQueryResult};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

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

/// One row of the single statement: either a field's count of one status
/// (`society_id`, `status`, `n`) or the year's distinct-applicant totals.
#[derive(FromQueryResult)]
struct CountRow {
    year: i32,
    society_id: Option<i64>,
    status: Option<ApplicationStatus>,
    n: Option<i64>,
    applicants: Option<i64>,
    eligible: Option<i64>,
    fell_back: Option<i64>,
}

impl Loader<StatisticsOf> for Db {
    type Value = CycleCounts;
    type Error = DbErr;

    /// One statement for all years asked: applications by year, field and
    /// status, `UNION ALL` the distinct applicants by year.
    async fn load(
        &self,
        keys: &[StatisticsOf],
    ) -> Result<HashMap<StatisticsOf, CycleCounts>, DbErr> {
        let years: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let no_count = || Expr::value(Option::<i64>::None);
        let year_col = || Expr::col((application::Entity, application::Column::Year));
        let applicant_id = || Expr::col((application::Entity, application::Column::ApplicantId));

        let mut by_status = Query::select()
            .expr_as(year_col(), "year")
            .expr_as(
                Expr::col((course::Entity, course::Column::SocietyId)),
                "society_id",
            )
            .expr_as(
                Expr::col((application::Entity, application::Column::Status)),
                "status",
            )
            .expr_as(Func::count(applicant_id()), "n")
            .expr_as(no_count(), "applicants")
            .expr_as(no_count(), "eligible")
            .expr_as(no_count(), "fell_back")
            .from(application::Entity)
            .inner_join(
                course::Entity,
                Expr::col((course::Entity, course::Column::Id))
                    .equals((application::Entity, application::Column::CourseId)),
            )
            .and_where(year_col().is_in(years.iter().copied()))
            .group_by_col((application::Entity, application::Column::Year))
            .group_by_col((course::Entity, course::Column::SocietyId))
            .group_by_col((application::Entity, application::Column::Status))
            .to_owned();

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
        let totals = Query::select()
            .expr_as(year_col(), "year")
            .expr_as(Expr::value(Option::<i64>::None), "society_id")
            .expr_as(Expr::value(Option::<String>::None), "status")
            .expr_as(no_count(), "n")
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
        by_status.union(UnionType::All, totals);
        let rows = CountRow::find_by_statement(self.db.get_database_backend().build(&by_status))
            .all(&self.db)
            .await?;

        let mut out: HashMap<StatisticsOf, CycleCounts> = years
            .iter()
            .map(|&y| (StatisticsOf(y), CycleCounts::default()))
            .collect();
        for r in rows {
            let Some(c) = out.get_mut(&StatisticsOf(r.year)) else {
                continue;
            };
            match (r.society_id, r.status, r.n) {
                (Some(society_id), Some(status), Some(n)) => {
                    c.by_field_and_status.push((society_id, status, n))
                }
                _ => {
                    c.applicants = r.applicants.unwrap_or(0);
                    c.eligible = r.eligible.unwrap_or(0);
                    c.fell_back = r.fell_back.unwrap_or(0);
                }
            }
        }
        Ok(out)
    }
}

/// The counts of SELECTION_FINALIZED cycles, kept for the life of the
/// schema. Once a cycle is final nothing changes them: no mutation touches
/// its applications' status or outcome any more, a reassigned course keeps
/// its field, and a doctor's eligibility is fixed at registration. So every
/// instance computes a final cycle's answer once, and the statistics of
/// the cycles the board looks back on cost no statement (bench (c)).
#[derive(Clone, Default)]
pub struct SettledStatistics(Arc<RwLock<HashMap<i32, Arc<CycleCounts>>>>);

impl SettledStatistics {
    pub fn get(&self, year: i32) -> Option<Arc<CycleCounts>> {
        self.0.read().ok()?.get(&year).cloned()
    }

    /// Keeps the counts of `year`, read after its cycle was seen final.
    pub fn keep(&self, year: i32, counts: Arc<CycleCounts>) {
        if let Ok(mut kept) = self.0.write() {
            kept.insert(year, counts);
        }
    }
}
