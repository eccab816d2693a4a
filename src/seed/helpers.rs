//! Dates, moments in Japan time, and draws from the generator.

use super::*;

pub(super) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

pub(super) fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months))
        .expect("dates stay in range")
}

pub(super) fn add_days(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days))
        .expect("dates stay in range")
}

pub(super) fn sub_days(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(days))
        .expect("dates stay in range")
}

/// A moment on `date`, Japan time.
pub(super) fn jst(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let local = date
        .and_hms_opt(hour, minute, 0)
        .expect("a valid time of day");
    Utc.from_utc_datetime(&(local - chrono::Duration::hours(9)))
}

pub(super) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An index drawn with probability proportional to its weight; `None` when
/// every weight is zero.
pub(super) fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    if total <= 0.0 {
        return None;
    }
    let mut x = rng.random::<f64>() * total;
    let mut last = None;
    for (i, w) in weights.iter().enumerate() {
        if *w <= 0.0 {
            continue;
        }
        if x < *w {
            return Some(i);
        }
        x -= w;
        last = Some(i);
    }
    last
}

/// A day between `from` and `to`, both included (`from` when `to` is earlier).
pub(super) fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 {
        return from;
    }
    add_days(from, rng.random_range(0..=span) as u64)
}

/// A moment during office hours on a day between `from` and `to`.
pub(super) fn moment_between(
    rng: &mut ChaCha8Rng,
    from: NaiveDate,
    to: NaiveDate,
) -> DateTime<Utc> {
    let day = day_between(rng, from, to);
    jst(day, rng.random_range(8..20), rng.random_range(0..60))
}

/// 東京都 → 東京, 京都府 → 京都, 北海道 stays.
pub(super) fn stem(prefecture: &str) -> &str {
    prefecture
        .strip_suffix(['県', '府', '都'])
        .unwrap_or(prefecture)
}

pub(super) fn person(rng: &mut ChaCha8Rng) -> (usize, usize) {
    (
        rng.random_range(0..FAMILY_NAMES.len()),
        rng.random_range(0..GIVEN_NAMES.len()),
    )
}

pub(super) fn person_name((family, given): (usize, usize)) -> String {
    format!("{} {}", FAMILY_NAMES[family].0, GIVEN_NAMES[given].0)
}
