//! Setting up a course (guideline II.1, I.3(3)) and its life cycle:
//! DRAFT → SUBMITTED → APPROVED → PUBLISHED, or WITHDRAWN, and back to the
//! status it had when the board hands a withdrawn course to another
//! responsible institution (II.3(1)).

use super::cycle::Phase;

/// Where a course stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Published,
    Withdrawn,
}

/// A step of the life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The society hands the course to the board for consultation (II.1).
    Submit,
    /// The board agrees to it (II.1, I.2(2)②).
    Approve,
    /// The board and the society announce it (公示, I.2(2)②).
    Publish,
}

/// Why a step or an edit is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The course is not in the status the step starts from (CONFLICT).
    Status(&'static str),
    /// The cycle is not in a phase that allows it (WRONG_PHASE).
    Phase(&'static [Phase]),
}

const PLANNING: &[Phase] = &[Phase::Planning];
const PLANNING_OR_CALL_OPEN: &[Phase] = &[Phase::Planning, Phase::EarlyCallOpen];
/// Every phase in which a course may still be withdrawn or handed over.
const BEFORE_FINALIZED: &[Phase] = &[
    Phase::Planning,
    Phase::EarlyCallOpen,
    Phase::EarlyCallClosed,
    Phase::QuotasAllocated,
];

fn in_phase(phase: Phase, allowed: &'static [Phase]) -> Result<(), Refusal> {
    if allowed.contains(&phase) {
        Ok(())
    } else {
        Err(Refusal::Phase(allowed))
    }
}

impl Step {
    /// The status the step starts from and the one it leads to.
    fn statuses(self) -> (Status, Status) {
        match self {
            Self::Submit => (Status::Draft, Status::Submitted),
            Self::Approve => (Status::Submitted, Status::Approved),
            Self::Publish => (Status::Approved, Status::Published),
        }
    }

    /// A society submits its course; the board approves and publishes.
    pub fn board_only(self) -> bool {
        self != Self::Submit
    }

    /// Courses are submitted while the cycle is planned; the board may
    /// still approve and announce one during the early call.
    fn phases(self) -> &'static [Phase] {
        match self {
            Self::Submit => PLANNING,
            Self::Approve | Self::Publish => PLANNING_OR_CALL_OPEN,
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Self::Submit => "only a DRAFT course can be submitted",
            Self::Approve => "only a SUBMITTED course can be approved",
            Self::Publish => "only an APPROVED course can be published",
        }
    }
}

/// The status after `step`, or why it is refused. The status is checked
/// before the phase, so a repeated step reads as a conflict.
pub fn step(status: Status, step: Step, phase: Phase) -> Result<Status, Refusal> {
    let (from, to) = step.statuses();
    if status != from {
        return Err(Refusal::Status(step.refusal()));
    }
    in_phase(phase, step.phases())?;
    Ok(to)
}

/// Only a DRAFT course is edited, while its cycle is planned.
pub fn may_edit(status: Status, phase: Phase) -> Result<(), Refusal> {
    if status != Status::Draft {
        return Err(Refusal::Status("only a DRAFT course can be edited"));
    }
    in_phase(phase, PLANNING)
}

/// What withdrawing a course entails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    /// After the call opened the responsible institution loses the right
    /// to set courses (II.3(2)).
    pub sanctions_institution: bool,
}

/// A course may be withdrawn until the selection is final.
pub fn withdraw(status: Status, phase: Phase) -> Result<Withdrawal, Refusal> {
    if status == Status::Withdrawn {
        return Err(Refusal::Status("the course is already withdrawn"));
    }
    in_phase(phase, BEFORE_FINALIZED)?;
    Ok(Withdrawal {
        sanctions_institution: phase.call_opened(),
    })
}

/// What the life cycle knows of a course's past: which steps it went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct History {
    pub submitted: bool,
    pub approved: bool,
    pub published: bool,
}

/// What handing a course to another responsible institution entails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reassignment {
    /// The status the course has afterwards: unchanged, or for a withdrawn
    /// course the furthest status it had reached, so a course announced
    /// before its withdrawal is announced again with its applications.
    pub status: Status,
    /// A change after the call opened costs the former institution the
    /// right to set courses (II.3(2)); a withdrawal already did.
    pub sanctions_former_institution: bool,
}

/// II.3(1): when a course is changed or withdrawn after the call opened,
/// the board and the society choose another responsible institution.
pub fn reassign(status: Status, history: History, phase: Phase) -> Result<Reassignment, Refusal> {
    in_phase(phase, BEFORE_FINALIZED)?;
    if status != Status::Withdrawn {
        return Ok(Reassignment {
            status,
            sanctions_former_institution: phase.call_opened(),
        });
    }
    let status = if history.published {
        Status::Published
    } else if history.approved {
        Status::Approved
    } else if history.submitted {
        Status::Submitted
    } else {
        Status::Draft
    };
    Ok(Reassignment {
        status,
        sanctions_former_institution: false,
    })
}

/// What the course-setting rules need to know about an institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    pub university_hospital: bool,
    pub national_center: bool,
    /// A certified training facility of the course's field (I.3(3)).
    pub certified_in_field: bool,
}

/// I.2(2)①: the responsible institution (責任医療機関) is a university
/// (hospital) or a national centre.
pub fn check_responsible(site: &Site) -> Result<(), &'static str> {
    if site.university_hospital || site.national_center {
        Ok(())
    } else {
        Err("must be a university hospital or a national centre")
    }
}

/// I.3(3): partner sites (連携施設) are the certified training facilities
/// of that field's regular programs.
pub fn check_partner(site: &Site) -> Result<(), &'static str> {
    if site.certified_in_field {
        Ok(())
    } else {
        Err("is not a certified training facility of the course's field")
    }
}

/// The research host's kind (II.1): a graduate school or a national centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    GraduateSchool,
    NationalCenter,
}

/// I.3(2), II.1: research is done at a graduate school (of a university,
/// so its institution, when named, is a university hospital) or at a
/// national centre (whose institution, when named, is one).
pub fn check_research_host(kind: HostKind, institution: Option<&Site>) -> Result<(), &'static str> {
    match (kind, institution) {
        (_, None) => Ok(()),
        (HostKind::GraduateSchool, Some(site)) if site.university_hospital => Ok(()),
        (HostKind::NationalCenter, Some(site)) if site.national_center => Ok(()),
        (HostKind::GraduateSchool, Some(_)) => {
            Err("a graduate school's institution must be a university hospital")
        }
        (HostKind::NationalCenter, Some(_)) => {
            Err("a national centre's institution must be a national centre")
        }
    }
}

/// I.3(1), I.3(3): the clinical phase comes with the pay and social
/// insurance of the regular programs, so a course must promise insurance.
pub fn check_status_guarantee(social_insurance: bool) -> Result<(), &'static str> {
    if social_insurance {
        Ok(())
    } else {
        Err("must be true: the clinical phase has the social insurance of the regular programs")
    }
}

/// Most seats one course may request; more is a typo (the whole country
/// had 40 in 2021).
pub const CAPACITY_MAX: i32 = 100;

/// A course's requested capacity (希望する定員, II.1).
pub fn check_capacity(capacity: i32) -> Result<u32, String> {
    if (1..=CAPACITY_MAX).contains(&capacity) {
        Ok(capacity as u32)
    } else {
        Err(format!("must be between 1 and {CAPACITY_MAX}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    const UNIVERSITY: Site = Site {
        university_hospital: true,
        national_center: false,
        certified_in_field: true,
    };
    const CENTER: Site = Site {
        university_hospital: false,
        national_center: true,
        certified_in_field: false,
    };
    const HOSPITAL: Site = Site {
        university_hospital: false,
        national_center: false,
        certified_in_field: true,
    };

    #[test]
    fn the_life_cycle_in_order_ii_1() {
        assert_eq!(step(Draft, Step::Submit, Phase::Planning), Ok(Submitted));
        assert_eq!(
            step(Submitted, Step::Approve, Phase::Planning),
            Ok(Approved)
        );
        assert_eq!(
            step(Approved, Step::Publish, Phase::EarlyCallOpen),
            Ok(Published)
        );
        assert!(!Step::Submit.board_only() && Step::Approve.board_only());
    }

    #[test]
    fn a_step_from_the_wrong_status_or_phase_is_refused() {
        assert_eq!(
            step(Submitted, Step::Submit, Phase::Planning),
            Err(Refusal::Status("only a DRAFT course can be submitted"))
        );
        assert_eq!(
            step(Draft, Step::Submit, Phase::EarlyCallOpen),
            Err(Refusal::Phase(&[Phase::Planning]))
        );
        assert!(matches!(
            step(Approved, Step::Publish, Phase::EarlyCallClosed),
            Err(Refusal::Phase(_))
        ));
        // The status is judged first: a repeated step is a conflict.
        assert!(matches!(
            step(Published, Step::Publish, Phase::SelectionFinalized),
            Err(Refusal::Status(_))
        ));
    }

    #[test]
    fn only_a_draft_is_edited_while_planning() {
        assert_eq!(may_edit(Draft, Phase::Planning), Ok(()));
        assert!(matches!(
            may_edit(Submitted, Phase::Planning),
            Err(Refusal::Status(_))
        ));
        assert!(matches!(
            may_edit(Draft, Phase::EarlyCallOpen),
            Err(Refusal::Phase(_))
        ));
    }

    #[test]
    fn withdrawal_after_the_call_opened_sanctions_ii_3_2() {
        let before = withdraw(Published, Phase::Planning).unwrap();
        assert!(!before.sanctions_institution);
        for phase in [
            Phase::EarlyCallOpen,
            Phase::EarlyCallClosed,
            Phase::QuotasAllocated,
        ] {
            assert!(withdraw(Published, phase).unwrap().sanctions_institution);
        }
        assert!(matches!(
            withdraw(Published, Phase::SelectionFinalized),
            Err(Refusal::Phase(_))
        ));
        assert!(matches!(
            withdraw(Withdrawn, Phase::Planning),
            Err(Refusal::Status(_))
        ));
    }

    #[test]
    fn a_withdrawn_course_handed_over_is_announced_again_ii_3_1() {
        let published = History {
            submitted: true,
            approved: true,
            published: true,
        };
        let handed = reassign(Withdrawn, published, Phase::EarlyCallClosed).unwrap();
        assert_eq!(handed.status, Published);
        assert!(
            !handed.sanctions_former_institution,
            "the withdrawal already did"
        );
        let approved_only = History {
            published: false,
            ..published
        };
        assert_eq!(
            reassign(Withdrawn, approved_only, Phase::Planning)
                .unwrap()
                .status,
            Approved
        );
        assert_eq!(
            reassign(Withdrawn, History::default(), Phase::Planning)
                .unwrap()
                .status,
            Draft
        );
    }

    #[test]
    fn a_course_changed_after_the_call_opened_sanctions_ii_3_2() {
        let changed = reassign(Published, History::default(), Phase::QuotasAllocated).unwrap();
        assert_eq!(changed.status, Published);
        assert!(changed.sanctions_former_institution);
        let early = reassign(Approved, History::default(), Phase::Planning).unwrap();
        assert!(!early.sanctions_former_institution);
        assert!(matches!(
            reassign(Published, History::default(), Phase::SelectionFinalized),
            Err(Refusal::Phase(_))
        ));
    }

    #[test]
    fn responsible_institution_is_a_university_or_national_centre_i_2_2() {
        assert!(check_responsible(&UNIVERSITY).is_ok());
        assert!(check_responsible(&CENTER).is_ok());
        assert!(check_responsible(&HOSPITAL).is_err());
    }

    #[test]
    fn partners_are_certified_in_the_course_field_i_3_3() {
        assert!(check_partner(&HOSPITAL).is_ok());
        assert!(check_partner(&CENTER).is_err());
    }

    #[test]
    fn research_host_is_a_graduate_school_or_national_centre_ii_1() {
        assert!(check_research_host(HostKind::GraduateSchool, None).is_ok());
        assert!(check_research_host(HostKind::GraduateSchool, Some(&UNIVERSITY)).is_ok());
        assert!(check_research_host(HostKind::NationalCenter, Some(&CENTER)).is_ok());
        assert!(check_research_host(HostKind::GraduateSchool, Some(&CENTER)).is_err());
        assert!(check_research_host(HostKind::NationalCenter, Some(&UNIVERSITY)).is_err());
        assert!(check_research_host(HostKind::NationalCenter, Some(&HOSPITAL)).is_err());
    }

    #[test]
    fn the_clinical_phase_is_insured_as_the_regular_programs_i_3_1() {
        assert!(check_status_guarantee(true).is_ok());
        assert!(check_status_guarantee(false).is_err());
    }

    #[test]
    fn capacity_bounds() {
        assert_eq!(check_capacity(1), Ok(1));
        assert_eq!(check_capacity(CAPACITY_MAX), Ok(100));
        assert!(check_capacity(0).is_err());
        assert!(check_capacity(101).is_err());
    }
}
