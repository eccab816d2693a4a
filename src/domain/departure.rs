//! A trainee leaving the course (離脱, guideline III.3): unless there was a
//! special reason (特段の理由), the responsible institution loses seats both
//! in its regular specialty program and in its course.
//!
//! - One seat of each per departure, in the next cycle whose recruitment has
//!   not closed: the cut must be able to bite.
//! - A seat, not a ban: the institution keeps its other seats, and one with
//!   no course the year before may still offer a course of more seats than
//!   it lost.
//! - The special reason is the board's to grant: an institution, which
//!   would be the one cut, can only claim it.
//! - The regular program's seats belong to the societies' systems: the cut
//!   is recorded for them to read (QuotaReduction), not applied here.

use super::cycle::{Calendar, Phase, training_year};
use chrono::NaiveDate;

/// Seats a departure costs, in the course and in the regular program.
pub const SEATS_PER_DEPARTURE: u32 = 1;

/// Who records a departure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorder {
    Board,
    Institution,
}

/// Whether special circumstances stand when `recorder` records a departure
/// claiming them (`claimed`): only the board grants them.
pub fn special_circumstances_granted(recorder: Recorder, claimed: bool) -> bool {
    claimed && recorder == Recorder::Board
}

/// The year whose seats a departure on `departed_on` costs: the first
/// intake after the departure whose cycle is still recruiting (or not yet
/// created), as the calendar stands when the departure is recorded.
pub fn cut_year(calendar: &Calendar, departed_on: NaiveDate) -> i32 {
    let next_intake = training_year(departed_on).saturating_add(1);
    calendar.first_year_from(next_intake, Phase::recruiting)
}

/// At course setting: the seats the institution requests for a year, all
/// its courses together, must leave at least one after the cut.
pub fn check_seats_after_cut(requested: u32, cut: u32) -> Result<u32, String> {
    match requested.checked_sub(cut) {
        Some(left) if left > 0 => Ok(left),
        _ => Err(format!(
            "{requested} seat(s) requested, {cut} lost after departures (III.3): \
             request more than {cut} or leave the year out"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Phase::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn only_the_board_grants_special_circumstances_iii_3() {
        assert!(special_circumstances_granted(Recorder::Board, true));
        assert!(!special_circumstances_granted(Recorder::Institution, true));
        assert!(!special_circumstances_granted(Recorder::Board, false));
    }

    #[test]
    fn the_cut_lands_on_the_next_cycle_still_recruiting_iii_3() {
        let calendar = Calendar::new(vec![(2026, SelectionFinalized), (2027, EarlyCallOpen)]);
        // Left in September 2026: the 2027 call is still open.
        assert_eq!(cut_year(&calendar, date(2026, 9, 30)), 2027);
        // Left in March 2026, recorded late: 2026 is closed, 2027 is not.
        assert_eq!(cut_year(&calendar, date(2026, 3, 31)), 2027);
        let closed = Calendar::new(vec![(2027, QuotasAllocated)]);
        assert_eq!(cut_year(&closed, date(2026, 9, 30)), 2028);
        assert_eq!(cut_year(&Calendar::default(), date(2030, 5, 1)), 2031);
    }

    #[test]
    fn a_seat_not_a_ban_iii_3() {
        assert_eq!(check_seats_after_cut(3, 1), Ok(2));
        assert_eq!(check_seats_after_cut(2, 0), Ok(2));
        assert!(check_seats_after_cut(1, 1).is_err());
        assert!(check_seats_after_cut(1, 2).is_err());
    }
}
