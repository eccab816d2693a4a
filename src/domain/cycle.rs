//! The recruitment cycle and the calendar it runs on (guideline II.2,
//! domain.md "Recruitment"). A cycle is named by the year its trainees start
//! (April); its courses are set while it is PLANNING, the early call opens
//! in September of the year before, and the selection is final by spring.

use chrono::{Datelike, NaiveDate};

/// Where a cycle stands. The order is the order of the phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Planning,
    EarlyCallOpen,
    EarlyCallClosed,
    QuotasAllocated,
    SelectionFinalized,
}

impl Phase {
    /// The contract's name of the phase, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Planning => "PLANNING",
            Self::EarlyCallOpen => "EARLY_CALL_OPEN",
            Self::EarlyCallClosed => "EARLY_CALL_CLOSED",
            Self::QuotasAllocated => "QUOTAS_ALLOCATED",
            Self::SelectionFinalized => "SELECTION_FINALIZED",
        }
    }

    /// The cycle's courses are still being set (II.1): only before the
    /// early call opens.
    pub fn courses_being_set(self) -> bool {
        self == Self::Planning
    }

    /// The early call has opened (II.3(1) 「募集開始後」): from here on a
    /// withdrawn or changed course costs its institution the right to set
    /// courses.
    pub fn call_opened(self) -> bool {
        self != Self::Planning
    }

    /// Recruitment has not closed (III.3): seats can still be taken from
    /// this cycle's offer.
    pub fn recruiting(self) -> bool {
        matches!(self, Self::Planning | Self::EarlyCallOpen)
    }

    /// Decisions are final.
    pub fn finalized(self) -> bool {
        self == Self::SelectionFinalized
    }
}

/// The cycles that exist, by year. A year with no cycle yet is one whose
/// courses are not set and whose recruitment has not begun.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    cycles: Vec<(i32, Phase)>,
}

impl Calendar {
    pub fn new(mut cycles: Vec<(i32, Phase)>) -> Self {
        cycles.sort_unstable();
        Self { cycles }
    }

    /// The phase of `year`'s cycle, `None` when it does not exist yet.
    pub fn phase(&self, year: i32) -> Option<Phase> {
        self.cycles
            .binary_search_by_key(&year, |&(y, _)| y)
            .ok()
            .map(|i| self.cycles[i].1)
    }

    /// The first year from `from` on whose cycle satisfies `open` or does
    /// not exist yet. Always found: past the last cycle every year is free.
    pub fn first_year_from(&self, from: i32, open: impl Fn(Phase) -> bool) -> i32 {
        let mut year = from;
        while let Some(phase) = self.phase(year) {
            if open(phase) {
                break;
            }
            year += 1;
        }
        year
    }

    /// The next course-setting year after `year`: the first later cycle
    /// whose courses are not yet set (II.3(2)).
    pub fn next_course_setting_year(&self, year: i32) -> i32 {
        self.first_year_from(year.saturating_add(1), Phase::courses_being_set)
    }
}

/// The training year of a day: Japan's training and fiscal year runs from
/// April 1 to March 31 and is named by the year it starts in.
pub fn training_year(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::Phase::*;
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn phases_in_order_with_their_meaning() {
        assert!(Planning < EarlyCallOpen && QuotasAllocated < SelectionFinalized);
        assert!(Planning.courses_being_set() && !EarlyCallOpen.courses_being_set());
        assert!(!Planning.call_opened() && EarlyCallOpen.call_opened());
        assert!(Planning.recruiting() && EarlyCallOpen.recruiting());
        assert!(!EarlyCallClosed.recruiting() && !SelectionFinalized.recruiting());
        assert_eq!(QuotasAllocated.name(), "QUOTAS_ALLOCATED");
    }

    #[test]
    fn next_course_setting_year_skips_cycles_already_set() {
        let calendar = Calendar::new(vec![
            (2027, EarlyCallOpen),
            (2026, SelectionFinalized),
            (2028, Planning),
        ]);
        assert_eq!(calendar.phase(2027), Some(EarlyCallOpen));
        assert_eq!(calendar.phase(2029), None);
        // 2028 exists and is still PLANNING: its courses are not set.
        assert_eq!(calendar.next_course_setting_year(2027), 2028);
        // No 2029 cycle yet: that is the next year of courses after 2028.
        assert_eq!(calendar.next_course_setting_year(2028), 2029);
        let opened = Calendar::new(vec![(2027, SelectionFinalized), (2028, EarlyCallOpen)]);
        assert_eq!(opened.next_course_setting_year(2027), 2029);
        assert_eq!(Calendar::default().next_course_setting_year(2030), 2031);
    }

    #[test]
    fn first_recruiting_year() {
        let calendar = Calendar::new(vec![(2026, SelectionFinalized), (2027, EarlyCallClosed)]);
        assert_eq!(calendar.first_year_from(2026, Phase::recruiting), 2028);
        assert_eq!(calendar.first_year_from(2025, Phase::recruiting), 2025);
    }

    #[test]
    fn training_year_runs_april_to_march() {
        assert_eq!(training_year(date(2027, 4, 1)), 2027);
        assert_eq!(training_year(date(2028, 3, 31)), 2027);
        assert_eq!(training_year(date(2027, 12, 31)), 2027);
        assert_eq!(training_year(date(2027, 1, 1)), 2026);
    }
}
