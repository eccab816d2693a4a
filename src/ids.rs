//! Opaque global IDs (`Node.id`): base64url of `Type:number`.
//!
//! Clients must treat them as opaque; the type prefix lets `node(id:)` find
//! the table, and keeps an ID of one type from being used as another.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const SOCIETY: &str = "Society";
pub const INSTITUTION: &str = "Institution";
pub const COURSE: &str = "Course";
pub const CYCLE: &str = "RecruitmentCycle";
pub const APPLICANT: &str = "Applicant";
pub const APPLICATION: &str = "Application";
pub const GENERAL_APPLICATION: &str = "GeneralApplication";
pub const TRAINEE: &str = "Trainee";
pub const PAPER: &str = "Paper";
pub const EXTENSION: &str = "Extension";
pub const STUDY_ABROAD: &str = "StudyAbroad";
pub const SANCTION: &str = "Sanction";
pub const QUOTA_REDUCTION: &str = "QuotaReduction";
pub const ANNUAL_REPORT: &str = "AnnualReport";
pub const GUIDANCE: &str = "Guidance";
pub const AUDIT_EVENT: &str = "AuditEvent";

pub fn encode(kind: &str, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{id}")))
}

/// The type and number inside a global ID, or `None` when it is not one of ours.
pub fn decode(raw: &str) -> Option<(String, i64)> {
    if raw.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, number) = text.split_once(':')?;
    let id = number.parse::<i64>().ok().filter(|n| *n > 0)?;
    Some((kind.to_owned(), id))
}

/// The number inside a global ID that must be of type `kind`.
pub fn decode_kind(raw: &str, kind: &str) -> Option<i64> {
    match decode(raw) {
        Some((found, id)) if found == kind => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_types() {
        let id = encode(COURSE, 42);
        assert_eq!(decode(&id), Some((COURSE.to_owned(), 42)));
        assert_eq!(decode_kind(&id, COURSE), Some(42));
        assert!(decode_kind(&id, APPLICANT).is_none());
        assert!(decode("not base64!").is_none());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Course:-1")).is_none());
    }
}
