//! The demo's day. `csc seed-demo` builds the world as it stands on one day
//! (`seed::as_of`: the selection of one intake under way, the next one's
//! courses being set) and records that day in `demo_facts`. `csc serve
//! --dev` on such a database takes it as today, so the phases, the
//! trainees' years and the dates the mutations check fit the data.
//! `CSC_TODAY` overrides it; without `--dev` the real date is used, and
//! `--production` refuses both `--dev` and `CSC_TODAY`.

use crate::clock::Clock;
use crate::entity::demo_fact;
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};

/// What `seed-demo` records.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoFacts {
    pub today: NaiveDate,
    pub scale: f64,
    pub seed: u64,
}

/// Writes the facts (the one row of `demo_facts`) through `conn`.
pub async fn record(conn: &impl ConnectionTrait, facts: &DemoFacts) -> Result<(), DbErr> {
    demo_fact::Model {
        id: 1,
        today: facts.today,
        scale: facts.scale,
        seed: facts.seed.to_string(),
    }
    .into_active_model()
    .reset_all()
    .insert(conn)
    .await?;
    Ok(())
}

/// The day the demo data describes, if the database holds demo data.
pub async fn recorded_day(conn: &impl ConnectionTrait) -> Result<Option<NaiveDate>, DbErr> {
    Ok(demo_fact::Entity::find_by_id(1)
        .one(conn)
        .await?
        .map(|row| row.today))
}

/// Where `csc serve` takes today from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Today {
    /// The real date in Japan.
    Real,
    /// `CSC_TODAY` (`--today`): tests and demos.
    Fixed(NaiveDate),
    /// `--dev` on demo data: the day `seed-demo` recorded.
    Demo(NaiveDate),
}

impl Today {
    /// `CSC_TODAY` first; then, under `--dev`, the demo's day; else the real date.
    pub fn choose(csc_today: Option<NaiveDate>, dev: bool, demo_day: Option<NaiveDate>) -> Self {
        match (csc_today, dev, demo_day) {
            (Some(day), _, _) => Self::Fixed(day),
            (None, true, Some(day)) => Self::Demo(day),
            _ => Self::Real,
        }
    }

    pub fn clock(self) -> Clock {
        Clock {
            fixed_today: match self {
                Self::Real => None,
                Self::Fixed(day) | Self::Demo(day) => Some(day),
            },
        }
    }

    /// The demo's day when it is today.
    pub fn demo_day(self) -> Option<NaiveDate> {
        match self {
            Self::Demo(day) => Some(day),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Today;
    use chrono::NaiveDate;

    #[test]
    fn csc_today_first_then_the_demo_day_under_dev_only() {
        let demo = NaiveDate::from_ymd_opt(2026, 10, 22);
        let fixed = NaiveDate::from_ymd_opt(2027, 1, 5);
        assert_eq!(
            Today::choose(fixed, true, demo),
            Today::Fixed(fixed.unwrap())
        );
        assert_eq!(Today::choose(None, true, demo), Today::Demo(demo.unwrap()));
        assert_eq!(Today::choose(None, false, demo), Today::Real);
        assert_eq!(Today::choose(None, true, None), Today::Real);
        assert_eq!(Today::choose(None, true, demo).clock().fixed_today, demo);
        assert_eq!(Today::Real.clock().fixed_today, None);
        assert_eq!(Today::Fixed(fixed.unwrap()).demo_day(), None);
    }
}
