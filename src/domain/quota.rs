//! The board's field quota rule (domain.md, "The quota rule, exactly").
//!
//! Pure and deterministic, in exact integer arithmetic: the quotas are
//! published and must be reproducible to the seat, so no floating point is
//! used to compute them.

use std::fmt;

/// One field's input: its position in the board's official order (0..19,
/// lower = earlier), whether it participates, and `a_f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDemand {
    pub order: usize,
    pub participating: bool,
    pub applicants: u32,
}

/// One field's result, with every intermediate figure kept so the board can
/// show how the quota was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldAllocation {
    pub order: usize,
    pub participating: bool,
    pub applicants: u32,
    /// 1 if participating, else 0.
    pub minimum_seats: u32,
    /// `R * a_f` (0 when `A = 0` or not participating).
    pub share_numerator: u64,
    /// `A` (1 when `A = 0`, so the share reads as 0).
    pub share_denominator: u64,
    /// 0 or 1: whether the field won one of the largest-remainder seats.
    pub remainder_seats: u32,
    pub quota: u32,
}

impl FieldAllocation {
    /// The exact share `R * a_f / A` as a float, for display only; the quota
    /// itself never depends on it.
    pub fn proportional_share(&self) -> f64 {
        self.share_numerator as f64 / self.share_denominator as f64
    }
}

/// Why an allocation cannot be made.
#[derive(Debug, PartialEq, Eq)]
pub enum QuotaError {
    /// Fewer seats than participating fields: the one-seat minimum is impossible.
    CapacityBelowParticipants { total: u32, participating: usize },
}

impl fmt::Display for QuotaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CapacityBelowParticipants {
                total,
                participating,
            } => write!(
                f,
                "total capacity {total} is below the {participating} participating fields, \
                 each of which needs at least one seat"
            ),
        }
    }
}

impl std::error::Error for QuotaError {}

/// II.2(1): a field takes part unless its society decided not to for the
/// year (「不参加でもかまわない」: taking part is the rule, staying out the
/// choice). An undecided society takes part and gets its seat.
pub fn takes_part(decision: Option<bool>) -> bool {
    decision.unwrap_or(true)
}

/// Allocates `total` seats over `fields`; the output is in input order.
///
/// 1. Each participating field gets 1 seat (error if `total` is too small).
/// 2. `R = total - |P|`, `A` = applicants over participating fields; if
///    `A = 0` nothing more is given.
/// 3. Each participating field gets `floor(R * a_f / A)` more seats.
/// 4. The seats left go one each to the largest remainders `(R * a_f) mod A`;
///    ties go to more applicants, then to the lower `order`.
/// 5. Non-participating fields get 0 (their applicants are reported, not counted).
///
/// `order` values must be unique (they are the official order); should they
/// not be, the input position breaks the last tie so the result stays
/// deterministic.
pub fn allocate(total: u32, fields: &[FieldDemand]) -> Result<Vec<FieldAllocation>, QuotaError> {
    let participating = fields.iter().filter(|f| f.participating).count();
    // `participating` can exceed u32::MAX only in theory; then it is above any total.
    let minimum_total = u32::try_from(participating).ok().filter(|&p| p <= total);
    let Some(minimum_total) = minimum_total else {
        return Err(QuotaError::CapacityBelowParticipants {
            total,
            participating,
        });
    };

    let rest = u64::from(total - minimum_total);
    // At most one u32 per field: fits u64 for any slice that fits in memory.
    let all_applicants: u64 = fields
        .iter()
        .filter(|f| f.participating)
        .map(|f| u64::from(f.applicants))
        .sum();
    let denominator = all_applicants.max(1);

    // (allocation, remainder) per field; u32 * u32 cannot overflow u64.
    let mut allocations: Vec<(FieldAllocation, u64)> = fields
        .iter()
        .map(|f| {
            let numerator = if f.participating && all_applicants > 0 {
                rest * u64::from(f.applicants)
            } else {
                0
            };
            let floor = numerator / denominator;
            let minimum_seats = u32::from(f.participating);
            let allocation = FieldAllocation {
                order: f.order,
                participating: f.participating,
                applicants: f.applicants,
                minimum_seats,
                share_numerator: numerator,
                share_denominator: denominator,
                remainder_seats: 0,
                // a_f <= A, so floor <= R <= u32::MAX.
                quota: minimum_seats + u32::try_from(floor).expect("floor(R * a_f / A) <= R"),
            };
            (allocation, numerator % denominator)
        })
        .collect();

    let floors: u64 = allocations
        .iter()
        .map(|(a, _)| u64::from(a.quota - a.minimum_seats))
        .sum();
    // With A = 0 the R seats stay unallocated (step 2). Otherwise remainders
    // sum to A * left and each is below A, so more than `left` fields have a
    // positive remainder: no field with a zero remainder (and so no
    // non-participating one) can be reached below.
    let left = if all_applicants == 0 {
        0
    } else {
        usize::try_from(rest - floors).expect("left < |P| fits usize")
    };

    let mut ranking: Vec<usize> = (0..allocations.len()).collect();
    ranking.sort_by(|&i, &j| {
        let (a, a_rem) = &allocations[i];
        let (b, b_rem) = &allocations[j];
        b_rem
            .cmp(a_rem)
            .then(b.applicants.cmp(&a.applicants))
            .then(a.order.cmp(&b.order))
            .then(i.cmp(&j))
    });
    for &i in ranking.iter().take(left) {
        let (allocation, remainder) = &mut allocations[i];
        debug_assert!(allocation.participating && *remainder > 0);
        allocation.remainder_seats = 1;
        allocation.quota += 1;
    }

    debug_assert_eq!(
        allocations
            .iter()
            .map(|(a, _)| u64::from(a.quota))
            .sum::<u64>(),
        if all_applicants > 0 {
            u64::from(total)
        } else {
            u64::from(minimum_total)
        }
    );
    Ok(allocations.into_iter().map(|(a, _)| a).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    /// The ranking key of step 4, for tests: larger is served first.
    fn remainder_rank(a: &FieldAllocation, b: &FieldAllocation) -> Ordering {
        let rem = |x: &FieldAllocation| x.share_numerator % x.share_denominator;
        rem(a)
            .cmp(&rem(b))
            .then(a.applicants.cmp(&b.applicants))
            .then(b.order.cmp(&a.order))
    }

    fn field(order: usize, participating: bool, applicants: u32) -> FieldDemand {
        FieldDemand {
            order,
            participating,
            applicants,
        }
    }

    /// The 2022-like example of domain.md: 19 fields in official order,
    /// neurosurgery (10), radiology (11), pathology (13) and emergency (15) out.
    fn example_2022() -> Vec<FieldDemand> {
        let applicants = [
            (0, 5),
            (3, 4),
            (9, 4),
            (7, 3),
            (1, 2),
            (2, 2),
            (4, 1),
            (5, 1),
            (16, 1),
        ];
        (0..19)
            .map(|order| {
                let a = applicants
                    .iter()
                    .find(|(o, _)| *o == order)
                    .map_or(0, |(_, a)| *a);
                field(order, ![10, 11, 13, 15].contains(&order), a)
            })
            .collect()
    }

    #[test]
    fn example_2022_matches_domain_md() {
        let result = allocate(40, &example_2022()).unwrap();
        // (order, quota, remainder_seats, remainder) for the fields with applicants.
        let expected = [
            (0, 7, 1, 10), // 内科: 125/23 = 5 r 10
            (3, 6, 1, 8),  // 精神科: 100/23 = 4 r 8, wins the tie on order
            (9, 5, 0, 8),  // 泌尿器科: 100/23 = 4 r 8
            (7, 4, 0, 6),  // 眼科
            (1, 3, 0, 4),  // 小児科
            (2, 3, 0, 4),  // 皮膚科
            (4, 2, 0, 2),  // 外科
            (5, 2, 0, 2),  // 整形外科
            (16, 2, 0, 2), // 形成外科
        ];
        for a in &result {
            assert_eq!(a.share_denominator, 23, "A = 23");
            match expected.iter().find(|e| e.0 == a.order) {
                Some(&(_, quota, seats, remainder)) => {
                    assert_eq!(a.quota, quota, "quota of field {}", a.order);
                    assert_eq!(a.remainder_seats, seats, "remainder seats of {}", a.order);
                    assert_eq!(a.share_numerator, 25 * u64::from(a.applicants));
                    assert_eq!(a.share_numerator % 23, remainder);
                    assert_eq!(a.minimum_seats, 1);
                }
                None if a.participating => {
                    assert_eq!((a.quota, a.minimum_seats, a.remainder_seats), (1, 1, 0));
                    assert_eq!(a.share_numerator, 0);
                }
                None => {
                    assert!([10, 11, 13, 15].contains(&a.order));
                    assert_eq!((a.quota, a.minimum_seats, a.remainder_seats), (0, 0, 0));
                }
            }
        }
        assert_eq!(result.iter().filter(|a| a.participating).count(), 15);
        assert_eq!(result.iter().map(|a| a.quota).sum::<u32>(), 40);
        assert_eq!(
            result.iter().map(|a| a.order).collect::<Vec<_>>(),
            (0..19).collect::<Vec<_>>()
        );
        let internal = &result[0];
        assert!((internal.proportional_share() - 125.0 / 23.0).abs() < 1e-12);
    }

    #[test]
    fn an_undecided_society_takes_part_ii_2_1() {
        assert!(takes_part(None));
        assert!(takes_part(Some(true)));
        assert!(!takes_part(Some(false)));
    }

    #[test]
    fn capacity_below_participants_fails() {
        let fields: Vec<_> = (0..5).map(|o| field(o, o != 2, 3)).collect();
        assert_eq!(
            allocate(3, &fields).unwrap_err(),
            QuotaError::CapacityBelowParticipants {
                total: 3,
                participating: 4
            }
        );
        // Exactly |P| seats is enough: one each, nothing to share.
        let result = allocate(4, &fields).unwrap();
        let quotas: Vec<_> = result.iter().map(|a| a.quota).collect();
        assert_eq!(quotas, [1, 1, 0, 1, 1]);
    }

    #[test]
    fn no_applicants_gives_exactly_one_seat_each() {
        let fields: Vec<_> = (0..19).map(|o| field(o, o % 3 != 0, 0)).collect();
        let result = allocate(40, &fields).unwrap();
        for a in &result {
            assert_eq!(a.quota, u32::from(a.participating));
            assert_eq!((a.share_numerator, a.share_denominator), (0, 1));
            assert_eq!(a.remainder_seats, 0);
            assert_eq!(a.proportional_share(), 0.0);
        }
    }

    #[test]
    fn non_participating_applicants_are_ignored_but_reported() {
        let fields = [field(0, true, 1), field(1, false, 1000), field(2, true, 3)];
        let result = allocate(10, &fields).unwrap();
        assert_eq!(result[1].applicants, 1000);
        assert_eq!((result[1].quota, result[1].share_numerator), (0, 0));
        assert_eq!(result[0].share_denominator, 4);
        // R = 8, A = 4: 2 and 6 more, no remainder.
        assert_eq!((result[0].quota, result[2].quota), (3, 7));
    }

    #[test]
    fn no_fields_is_fine() {
        assert_eq!(allocate(0, &[]).unwrap(), []);
        assert_eq!(allocate(40, &[]).unwrap(), []);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let fields = [
            field(0, true, u32::MAX),
            field(1, true, u32::MAX),
            field(2, true, 1),
        ];
        let result = allocate(u32::MAX, &fields).unwrap();
        assert_eq!(
            result.iter().map(|a| u64::from(a.quota)).sum::<u64>(),
            u64::from(u32::MAX)
        );
    }

    /// Up to 19 fields with unique `order`s in random positions.
    fn fields_strategy() -> impl Strategy<Value = Vec<FieldDemand>> {
        let applicants = prop_oneof![4 => 0u32..20, 1 => any::<u32>()];
        (
            Just((0..19).collect::<Vec<usize>>()).prop_shuffle(),
            prop::collection::vec((any::<bool>(), applicants), 0..=19),
        )
            .prop_map(|(orders, demand)| {
                orders
                    .into_iter()
                    .zip(demand)
                    .map(|(order, (participating, applicants))| {
                        field(order, participating, applicants)
                    })
                    .collect()
            })
    }

    /// Fields plus a total that is at least |P|.
    fn feasible_strategy() -> impl Strategy<Value = (u32, Vec<FieldDemand>)> {
        let extra = prop_oneof![4 => 0u32..100, 1 => 0..=u32::MAX - 19];
        (fields_strategy(), extra).prop_map(|(fields, extra)| {
            let p = fields.iter().filter(|f| f.participating).count() as u32;
            (p + extra, fields)
        })
    }

    fn participants(fields: &[FieldDemand]) -> u64 {
        fields.iter().filter(|f| f.participating).count() as u64
    }

    fn applicants(fields: &[FieldDemand]) -> u64 {
        fields
            .iter()
            .filter(|f| f.participating)
            .map(|f| u64::from(f.applicants))
            .sum()
    }

    proptest! {
        #[test]
        fn quotas_sum_to_total_or_participants((total, fields) in feasible_strategy()) {
            let result = allocate(total, &fields).unwrap();
            let sum: u64 = result.iter().map(|a| u64::from(a.quota)).sum();
            let expected = if applicants(&fields) > 0 { u64::from(total) } else { participants(&fields) };
            prop_assert_eq!(sum, expected);
        }

        #[test]
        fn participating_fields_get_a_seat_others_none((total, fields) in feasible_strategy()) {
            for a in allocate(total, &fields).unwrap() {
                if a.participating {
                    prop_assert!(a.quota >= 1);
                    prop_assert_eq!(a.minimum_seats, 1);
                } else {
                    prop_assert_eq!(a.quota, 0);
                    prop_assert_eq!(a.minimum_seats, 0);
                    prop_assert_eq!(a.remainder_seats, 0);
                    prop_assert_eq!(a.share_numerator, 0);
                }
            }
        }

        #[test]
        fn quota_is_within_one_seat_of_exact_share((total, fields) in feasible_strategy()) {
            let rest = u64::from(total) - participants(&fields);
            let all = applicants(&fields);
            for a in allocate(total, &fields).unwrap().iter().filter(|a| a.participating) {
                let floor = (rest * u64::from(a.applicants)).checked_div(all).unwrap_or(0);
                let extra = u64::from(a.quota - 1);
                prop_assert!(extra == floor || extra == floor + 1, "extra {} floor {}", extra, floor);
                prop_assert_eq!(extra, floor + u64::from(a.remainder_seats));
                prop_assert!(a.remainder_seats <= 1);
                prop_assert_eq!(a.share_denominator, all.max(1));
            }
        }

        #[test]
        fn remainder_seats_fill_the_gap((total, fields) in feasible_strategy()) {
            let all = applicants(&fields);
            let rest = u64::from(total) - participants(&fields);
            let result = allocate(total, &fields).unwrap();
            let seats: u64 = result.iter().map(|a| u64::from(a.remainder_seats)).sum();
            if all == 0 {
                // Nothing beyond the minimum is given, so no remainder seats.
                prop_assert_eq!(seats, 0);
            } else {
                let floors: u64 = result
                    .iter()
                    .filter(|a| a.participating)
                    .map(|a| rest * u64::from(a.applicants) / all)
                    .sum();
                prop_assert_eq!(seats, rest - floors);
            }
        }

        #[test]
        fn remainder_seats_go_to_the_best_ranked((total, fields) in feasible_strategy()) {
            let result = allocate(total, &fields).unwrap();
            let (won, lost): (Vec<&FieldAllocation>, Vec<_>) =
                result.iter().filter(|a| a.participating).partition(|a| a.remainder_seats == 1);
            for w in &won {
                prop_assert!(w.share_numerator % w.share_denominator > 0);
                for l in &lost {
                    prop_assert_eq!(remainder_rank(w, l), Ordering::Greater);
                }
            }
        }

        #[test]
        fn invariant_under_reordering(
            (total, fields, shuffled) in feasible_strategy().prop_flat_map(|(total, fields)| {
                (Just(total), Just(fields.clone()), Just(fields).prop_shuffle())
            })
        ) {
            let mut a = allocate(total, &fields).unwrap();
            let mut b = allocate(total, &shuffled).unwrap();
            // Output follows input order.
            prop_assert!(b.iter().zip(&shuffled).all(|(x, f)| x.order == f.order));
            a.sort_by_key(|x| x.order);
            b.sort_by_key(|x| x.order);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn capacity_below_participants_is_an_error(
            fields in fields_strategy(),
            pick in any::<prop::sample::Index>(),
        ) {
            let p = participants(&fields) as usize;
            // With no participant every total is enough (checked elsewhere).
            if p > 0 {
                let total = pick.index(p) as u32; // any total in 0..|P|
                prop_assert_eq!(
                    allocate(total, &fields),
                    Err(QuotaError::CapacityBelowParticipants { total, participating: p })
                );
            }
        }
    }
}
