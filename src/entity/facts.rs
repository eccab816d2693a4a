//! The rows as the rules in `crate::domain` read them: one conversion per
//! kind of fact, used alike by the GraphQL layer, `seed-demo` and the tests.

use super::enums::DegreeStatus;
use super::{paper, recruitment_cycle, research_effort_report};
use crate::domain::training::{CourseRules, Degree, EffortReport, PaperFacts};

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
        Self {
            course_years: cycle.course_years.max(1) as u32,
            clinical_years: cycle.clinical_years.max(1) as u32,
            flexible_second_paper: cycle.flexible_second_paper,
        }
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
