//! Who may apply to the course (guideline I.2.(1), domain.md "The course").

use chrono::NaiveDate;

/// A reason an applicant cannot enter the course. The derived order is the
/// order in which reasons are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ineligibility {
    /// Graduated from a medical school with obligated service years (義務年限).
    ObligatedServiceGraduate,
    /// Bound by a regional quota obligation (地域枠).
    RegionalQuotaObligation,
    /// The two-year initial training (臨床研修) is not over by the course start.
    InitialTrainingIncomplete,
}

/// What the rule needs to know about an applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplicantFacts {
    pub obligated_service_graduate: bool,
    pub regional_quota_obligation: bool,
    /// The (expected) completion date of the initial clinical training.
    pub initial_training_completed_on: NaiveDate,
}

/// April 1 of `year`: the course, like the Japanese training year, starts then.
///
/// # Panics
/// Only if `year` is outside chrono's date range (about ±262,000 years).
pub fn course_start(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 4, 1).expect("April 1 exists in every year chrono supports")
}

/// Every reason that bars the applicant from the course starting in
/// `course_year`, in the enum's order; empty means eligible. All reasons are
/// reported, not just the first, so the applicant sees everything to resolve.
pub fn ineligibility(facts: &ApplicantFacts, course_year: i32) -> Vec<Ineligibility> {
    let mut reasons = Vec::new();
    if facts.obligated_service_graduate {
        reasons.push(Ineligibility::ObligatedServiceGraduate);
    }
    if facts.regional_quota_obligation {
        reasons.push(Ineligibility::RegionalQuotaObligation);
    }
    // Training ending on the start day itself is in time.
    if facts.initial_training_completed_on > course_start(course_year) {
        reasons.push(Ineligibility::InitialTrainingIncomplete);
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ineligibility::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Eligible for 2022: training finished at the end of March 2022.
    fn eligible() -> ApplicantFacts {
        ApplicantFacts {
            obligated_service_graduate: false,
            regional_quota_obligation: false,
            initial_training_completed_on: date(2022, 3, 31),
        }
    }

    #[test]
    fn course_starts_on_april_first() {
        assert_eq!(course_start(2022), date(2022, 4, 1));
        assert_eq!(course_start(2024), date(2024, 4, 1));
    }

    #[test]
    fn clean_applicant_is_eligible() {
        assert!(ineligibility(&eligible(), 2022).is_empty());
    }

    #[test]
    fn obligated_service_graduate_alone() {
        let facts = ApplicantFacts {
            obligated_service_graduate: true,
            ..eligible()
        };
        assert_eq!(ineligibility(&facts, 2022), [ObligatedServiceGraduate]);
    }

    #[test]
    fn regional_quota_obligation_alone() {
        let facts = ApplicantFacts {
            regional_quota_obligation: true,
            ..eligible()
        };
        assert_eq!(ineligibility(&facts, 2022), [RegionalQuotaObligation]);
    }

    #[test]
    fn initial_training_incomplete_alone() {
        let facts = ApplicantFacts {
            initial_training_completed_on: date(2023, 3, 31),
            ..eligible()
        };
        assert_eq!(ineligibility(&facts, 2022), [InitialTrainingIncomplete]);
        // The same applicant is in time for the next year's course.
        assert!(ineligibility(&facts, 2023).is_empty());
    }

    #[test]
    fn all_three_in_enum_order() {
        let facts = ApplicantFacts {
            obligated_service_graduate: true,
            regional_quota_obligation: true,
            initial_training_completed_on: date(2022, 9, 30),
        };
        let reasons = ineligibility(&facts, 2022);
        assert_eq!(
            reasons,
            [
                ObligatedServiceGraduate,
                RegionalQuotaObligation,
                InitialTrainingIncomplete
            ]
        );
        assert!(reasons.is_sorted());
    }

    #[test]
    fn completion_on_april_first_is_in_time_april_second_is_not() {
        let on_start = ApplicantFacts {
            initial_training_completed_on: date(2022, 4, 1),
            ..eligible()
        };
        assert!(ineligibility(&on_start, 2022).is_empty());
        let day_late = ApplicantFacts {
            initial_training_completed_on: date(2022, 4, 2),
            ..eligible()
        };
        assert_eq!(ineligibility(&day_late, 2022), [InitialTrainingIncomplete]);
    }
}
