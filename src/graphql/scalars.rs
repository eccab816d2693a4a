//! The contract's `Date` and `DateTime` scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{FixedOffset, NaiveDate, Utc};

/// ISO 8601 calendar date, e.g. 2027-04-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// ISO 8601 calendar date, e.g. 2027-04-01: a string `YYYY-MM-DD`, with no
/// time and no offset (a day of the Japanese calendar). Anything else is
/// BAD_USER_INPUT.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("expected a date as YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// RFC 3339 timestamp, always with an offset. Shown in Japan time (+09:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// RFC 3339 timestamp, always with an offset, e.g. 2026-09-01T09:00:00+09:00.
/// The service answers in Japan time with milliseconds
/// (2026-09-01T09:00:00.000+09:00) and accepts any offset; a timestamp
/// without one is BAD_USER_INPUT.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| DateTime(t.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom("expected an RFC 3339 timestamp with an offset")
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        let jst = FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
        Value::String(
            self.0
                .with_timezone(&jst)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        )
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(t: chrono::DateTime<Utc>) -> Self {
        DateTime(t)
    }
}
