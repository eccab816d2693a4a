//! Today's date, as every rule that reads it sees it.

use chrono::NaiveDate;

/// Today's date in Japan, or the fixed date of `CSC_TODAY` (tests and demos).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub fixed_today: Option<NaiveDate>,
}

impl Clock {
    pub fn today(&self) -> NaiveDate {
        self.fixed_today.unwrap_or_else(|| {
            let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
            chrono::Utc::now().with_timezone(&jst).date_naive()
        })
    }
}
