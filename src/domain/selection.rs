//! Who is adopted (合格者, guideline I.2(2)④, II.2(3)) and what happens to
//! those who are not.
//!
//! The board decides adoption with the society: a society's decision is a
//! proposal until the board confirms it, and the board may also decide on
//! its own (for 総合診療 it is the society). Adoption stays within the
//! field's quota, the course's capacity, and the seats the responsible
//! institution has left after departure cuts (III.3). At the end every
//! applicant not adopted trains in the regular program applied to in
//! parallel (併願), if any.

/// An adoption decision (合否).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Adopt,
    NotAdopt,
}

/// Who takes a decision on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decider {
    /// The board's secretariat.
    Board,
    /// The society of the course's field.
    Society,
}

/// What a decision by `decider` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A society's proposal, final only once the board confirms it.
    Propose,
    /// The final decision, the board's own.
    Decide,
}

/// I.2(2)④ 「基本領域と協議のうえ合格者を決定する」: the board decides;
/// a society proposes.
pub fn effect_of(decider: Decider) -> Effect {
    match decider {
        Decider::Board => Effect::Decide,
        Decider::Society => Effect::Propose,
    }
}

/// Seats taken and offered where one more adoption would land.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Room {
    /// The field's quota (FieldQuota.quota).
    pub field_quota: u32,
    /// Adopted (and, for a proposal, proposed) in the field.
    pub field_taken: u32,
    /// The course's requested capacity.
    pub course_capacity: u32,
    pub course_taken: u32,
    /// Seats of every course of the institution in the cycle.
    pub institution_seats: u32,
    /// Seats the institution lost after departures (III.3).
    pub institution_cut: u32,
    pub institution_taken: u32,
}

/// Which limit one more adoption would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    Field { quota: u32 },
    Course { capacity: u32 },
    Institution { seats: u32, cut: u32 },
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Field { quota } => write!(f, "the field's quota of {quota} is filled"),
            Self::Course { capacity } => write!(f, "the course's capacity of {capacity} is filled"),
            Self::Institution { seats, cut } => write!(
                f,
                "the institution lost {cut} of its {seats} course seat(s) after departures (III.3); \
                 the {} left are filled",
                seats.saturating_sub(*cut)
            ),
        }
    }
}

/// Whether one more adoption fits every limit; the field first, as the
/// board's allocation is the coarsest limit.
pub fn room_for_one_more(room: &Room) -> Result<(), Full> {
    if room.field_taken >= room.field_quota {
        return Err(Full::Field {
            quota: room.field_quota,
        });
    }
    if room.course_taken >= room.course_capacity {
        return Err(Full::Course {
            capacity: room.course_capacity,
        });
    }
    if room.institution_taken >= room.institution_seats.saturating_sub(room.institution_cut) {
        return Err(Full::Institution {
            seats: room.institution_seats,
            cut: room.institution_cut,
        });
    }
    Ok(())
}

/// One application of an applicant in a cycle, as the final selection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub application: i64,
    pub adopted: bool,
    /// The course was withdrawn and not handed to another institution: an
    /// adoption to it does not stand (II.3(1)).
    pub course_withdrawn: bool,
    /// The parallel general application (併願) made with this application.
    pub general_application: Option<i64>,
}

/// How an applicant's cycle ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Trains in the course of this application.
    Course { application: i64 },
    /// Not adopted; trains in the regular program of this general application.
    RegularProgram { general_application: i64 },
    /// Not adopted and no parallel application on record.
    Nothing,
}

/// II.2(3): an applicant adopted to a course that stands trains there;
/// otherwise in the regular program of the latest application that has a
/// parallel one. `candidates` are in the order they were made.
pub fn fate(candidates: &[Candidate]) -> Fate {
    if let Some(c) = candidates.iter().find(|c| c.adopted && !c.course_withdrawn) {
        return Fate::Course {
            application: c.application,
        };
    }
    match candidates.iter().rev().find_map(|c| c.general_application) {
        Some(general_application) => Fate::RegularProgram {
            general_application,
        },
        None => Fate::Nothing,
    }
}

/// What the quota rule counts (domain.md "The quota rule"): applications
/// not withdrawn, from eligible applicants, to a course that was announced.
/// A course withdrawn after its announcement still counts: its applicants
/// applied to the field, and the board hands the course to another
/// institution (II.3(1)).
pub fn counts_for_quota(
    course_announced: bool,
    application_withdrawn: bool,
    eligible: bool,
) -> bool {
    course_announced && !application_withdrawn && eligible
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room() -> Room {
        Room {
            field_quota: 5,
            field_taken: 2,
            course_capacity: 3,
            course_taken: 1,
            institution_seats: 3,
            institution_cut: 0,
            institution_taken: 1,
        }
    }

    #[test]
    fn the_board_decides_and_a_society_proposes_i_2_2() {
        assert_eq!(effect_of(Decider::Board), Effect::Decide);
        assert_eq!(effect_of(Decider::Society), Effect::Propose);
    }

    #[test]
    fn room_within_every_limit() {
        assert_eq!(room_for_one_more(&room()), Ok(()));
        let field_full = Room {
            field_taken: 5,
            ..room()
        };
        assert_eq!(
            room_for_one_more(&field_full),
            Err(Full::Field { quota: 5 })
        );
        let course_full = Room {
            course_taken: 3,
            ..room()
        };
        assert_eq!(
            room_for_one_more(&course_full),
            Err(Full::Course { capacity: 3 })
        );
    }

    #[test]
    fn a_departure_costs_a_seat_not_the_course_iii_3() {
        // Three seats, one lost: two may be filled, the course stays.
        let cut = Room {
            institution_cut: 1,
            institution_taken: 1,
            ..room()
        };
        assert_eq!(room_for_one_more(&cut), Ok(()));
        let full = Room {
            institution_taken: 2,
            course_taken: 2,
            ..cut
        };
        let err = room_for_one_more(&full).unwrap_err();
        assert_eq!(err, Full::Institution { seats: 3, cut: 1 });
        assert!(err.to_string().contains("the 2 left are filled"));
        // More seats lost than offered: nothing can be filled.
        let gone = Room {
            institution_cut: 4,
            institution_taken: 0,
            ..room()
        };
        assert!(room_for_one_more(&gone).is_err());
    }

    fn candidate(application: i64, adopted: bool, general: Option<i64>) -> Candidate {
        Candidate {
            application,
            adopted,
            course_withdrawn: false,
            general_application: general,
        }
    }

    #[test]
    fn adopted_trains_in_the_course_ii_2_3() {
        let list = [candidate(1, false, Some(10)), candidate(2, true, Some(20))];
        assert_eq!(fate(&list), Fate::Course { application: 2 });
    }

    #[test]
    fn not_adopted_falls_back_to_the_latest_parallel_application_ii_2_3() {
        let list = [
            candidate(1, false, Some(10)),
            candidate(2, false, None),
            candidate(3, false, Some(30)),
        ];
        assert_eq!(
            fate(&list),
            Fate::RegularProgram {
                general_application: 30
            }
        );
        let earlier_only = [candidate(1, false, Some(10)), candidate(2, false, None)];
        assert_eq!(
            fate(&earlier_only),
            Fate::RegularProgram {
                general_application: 10
            }
        );
        assert_eq!(fate(&[candidate(1, false, None)]), Fate::Nothing);
        assert_eq!(fate(&[]), Fate::Nothing);
    }

    #[test]
    fn an_adoption_to_a_withdrawn_course_does_not_stand_ii_3_1() {
        let withdrawn = Candidate {
            course_withdrawn: true,
            ..candidate(1, true, Some(10))
        };
        assert_eq!(
            fate(&[withdrawn]),
            Fate::RegularProgram {
                general_application: 10
            }
        );
    }

    #[test]
    fn what_the_quota_rule_counts() {
        assert!(counts_for_quota(true, false, true));
        assert!(!counts_for_quota(false, false, true), "never announced");
        assert!(!counts_for_quota(true, true, true), "withdrawn application");
        assert!(
            !counts_for_quota(true, false, false),
            "ineligible applicant"
        );
    }
}
