//! The rows as the rules in `crate::domain` read them: one conversion per
//! kind of fact, used alike by the GraphQL layer, `seed-demo` and the tests.

use super::enums::{DecisionStatus, DegreeStatus, TraineePhase};
use super::{
    applicant, departure, extension, paper, recruitment_cycle, research_effort_report,
    study_abroad, trainee,
};
use crate::domain::eligibility::ApplicantFacts;
use crate::domain::training::{
    self, CourseRules, Degree, EffortReport, PaperFacts, Phase, TraineeFacts,
};

/// What the eligibility rule reads about a doctor.
impl From<&applicant::Model> for ApplicantFacts {
    fn from(m: &applicant::Model) -> Self {
        Self {
            obligated_service_graduate: m.obligated_service_graduate,
            regional_quota_obligation: m.regional_quota_obligation,
            initial_training_completed_on: m.initial_training_completed_on,
        }
    }
}

impl From<&paper::Model> for PaperFacts {
    fn from(p: &paper::Model) -> Self {
        Self {
            sci_indexed: p.sci_indexed,
            first_author: p.first_author,
            english: p.english,
            case_report: p.case_report,
            published_on: p.published_on,
        }
    }
}

impl From<&research_effort_report::Model> for EffortReport {
    fn from(r: &research_effort_report::Model) -> Self {
        Self {
            year: r.year,
            percent: r.percent.clamp(0, 100) as u8,
        }
    }
}

/// The rules of the intake year a cycle recruits for.
impl From<&recruitment_cycle::Model> for CourseRules {
    fn from(cycle: &recruitment_cycle::Model) -> Self {
        course_rules(
            cycle.course_years,
            cycle.clinical_years,
            cycle.flexible_second_paper,
        )
    }
}

/// The rules of a cycle's three columns (`entity::record` reads only these).
pub fn course_rules(
    course_years: i32,
    clinical_years: i32,
    flexible_second_paper: bool,
) -> CourseRules {
    CourseRules {
        course_years: course_years.max(1) as u32,
        clinical_years: clinical_years.max(1) as u32,
        flexible_second_paper,
    }
}

impl From<DegreeStatus> for Degree {
    fn from(degree: DegreeStatus) -> Self {
        match degree {
            DegreeStatus::None => Self::None,
            DegreeStatus::Expected => Self::Expected,
            DegreeStatus::Obtained => Self::Obtained,
        }
    }
}

impl From<Phase> for TraineePhase {
    fn from(p: Phase) -> Self {
        match p {
            Phase::Clinical => Self::Clinical,
            Phase::Research => Self::Research,
            Phase::Completed => Self::Completed,
            Phase::Departed => Self::Departed,
        }
    }
}

/// Everything the course-year rules read about one trainee besides its
/// row. Read in one transaction by `ops::trainee_record`, or through a
/// request's loaders by `graphql::trainee`.
#[derive(Clone)]
pub struct TraineeRecord {
    pub rules: CourseRules,
    pub papers: Vec<paper::Model>,
    pub extensions: Vec<extension::Model>,
    pub study_abroad: Vec<study_abroad::Model>,
    pub departure: Option<departure::Model>,
    pub efforts: Vec<research_effort_report::Model>,
}

impl TraineeRecord {
    pub fn approved_months(&self) -> u32 {
        training::approved_extension_months(
            self.extensions
                .iter()
                .map(|e| (e.status == DecisionStatus::Approved, e.months)),
        )
    }

    /// The papers and research effort as the rules read them.
    pub fn converted(&self) -> (Vec<PaperFacts>, Vec<EffortReport>) {
        (
            self.papers.iter().map(PaperFacts::from).collect(),
            self.efforts.iter().map(EffortReport::from).collect(),
        )
    }

    /// The rule facts of `row`, its papers and research effort converted
    /// into `papers` and `efforts` (see [`TraineeRecord::converted`]).
    pub fn facts<'a>(
        &self,
        row: &trainee::Model,
        (papers, efforts): &'a (Vec<PaperFacts>, Vec<EffortReport>),
    ) -> TraineeFacts<'a> {
        TraineeFacts {
            started_on: row.started_on,
            rules: self.rules,
            approved_extension_months: self.approved_months(),
            research_effort: efforts,
            board_certified_on: row.board_certified_on,
            degree: row.degree.into(),
            papers,
            departed_on: self.departure.as_ref().map(|d| d.departed_on),
            completion_confirmed_on: row.completion_confirmed_on,
        }
    }
}
