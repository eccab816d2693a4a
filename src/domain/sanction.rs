//! Loss of the right to set courses (コース設定の権利, guideline II.3(2)).
//!
//! The guideline leaves the length to the board's rules (別途定めた規定);
//! each cycle carries it as `sanctionYears`. What the guideline does fix is
//! that the institution *loses* a right it would otherwise use: so the
//! suspension runs from the cycle in which the course was withdrawn or
//! changed through the next `years` course-setting years, the cycles whose
//! courses were not yet set when it happened. A suspension that covered
//! only a cycle whose courses were already set would cost nothing.

use super::cycle::{Calendar, Phase};

/// Years, inclusive, in which an institution may not set courses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suspension {
    pub from_year: i32,
    pub until_year: i32,
}

impl Suspension {
    pub fn covers(&self, year: i32) -> bool {
        (self.from_year..=self.until_year).contains(&year)
    }
}

/// The suspension for a course of `year` withdrawn or changed while its
/// cycle was in `phase`: none before the call opened, or when the board's
/// rules give 0 years.
pub fn after_course_lost(
    calendar: &Calendar,
    year: i32,
    phase: Phase,
    years: u32,
) -> Option<Suspension> {
    if !phase.call_opened() || years == 0 {
        return None;
    }
    Some(suspension_from(calendar, year, years))
}

/// A suspension the board imposes from `year` for `years` course-setting
/// years after it (at least one).
pub fn suspension_from(calendar: &Calendar, year: i32, years: u32) -> Suspension {
    let first = calendar.next_course_setting_year(year);
    let extra = i32::try_from(years.max(1) - 1).unwrap_or(i32::MAX);
    Suspension {
        from_year: year,
        until_year: first.saturating_add(extra),
    }
}

/// The last year of the suspensions covering `year`, if any.
pub fn suspended_until(suspensions: &[Suspension], year: i32) -> Option<i32> {
    suspensions
        .iter()
        .filter(|s| s.covers(year))
        .map(|s| s.until_year)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Phase::*;

    #[test]
    fn default_sanction_reaches_the_next_courses_ii_3_2() {
        // 2027's course withdrawn during the early call; 2028 not created yet.
        let calendar = Calendar::new(vec![(2026, SelectionFinalized), (2027, EarlyCallOpen)]);
        let s = after_course_lost(&calendar, 2027, EarlyCallOpen, 1).unwrap();
        assert_eq!(
            s,
            Suspension {
                from_year: 2027,
                until_year: 2028
            }
        );
        assert!(s.covers(2028), "the next year's courses are lost");
        assert!(!s.covers(2029));
        let two = after_course_lost(&calendar, 2027, QuotasAllocated, 2).unwrap();
        assert_eq!(two.until_year, 2029);
    }

    #[test]
    fn a_cycle_already_past_planning_is_skipped() {
        let calendar = Calendar::new(vec![(2027, QuotasAllocated), (2028, EarlyCallOpen)]);
        let s = after_course_lost(&calendar, 2027, QuotasAllocated, 1).unwrap();
        assert_eq!(s.until_year, 2029);
    }

    #[test]
    fn no_sanction_before_the_call_or_with_zero_years() {
        let calendar = Calendar::default();
        assert_eq!(after_course_lost(&calendar, 2027, Planning, 3), None);
        assert_eq!(after_course_lost(&calendar, 2027, EarlyCallOpen, 0), None);
    }

    #[test]
    fn suspended_until_takes_the_latest_covering() {
        let list = [
            Suspension {
                from_year: 2026,
                until_year: 2027,
            },
            Suspension {
                from_year: 2027,
                until_year: 2029,
            },
            Suspension {
                from_year: 2031,
                until_year: 2031,
            },
        ];
        assert_eq!(suspended_until(&list, 2027), Some(2029));
        assert_eq!(suspended_until(&list, 2026), Some(2027));
        assert_eq!(suspended_until(&list, 2030), None);
        let board = suspension_from(&Calendar::default(), 2027, 0);
        assert_eq!(
            board,
            Suspension {
                from_year: 2027,
                until_year: 2028
            }
        );
    }
}
