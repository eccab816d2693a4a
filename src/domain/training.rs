//! A trainee's course years and completion requirements (domain.md "The
//! course", "After adoption"). The rules changed in 2024, so every
//! computation takes the [`CourseRules`] of the trainee's intake year.

use chrono::{Months, NaiveDate};

/// The rules of one intake year, kept per recruitment cycle because the 2024
/// revision applies only to later intakes. Default: the 2020 guideline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseRules {
    /// Minimum length of the course after initial training.
    pub course_years: u32,
    /// Length of the clinical phase; the research phase follows it.
    pub clinical_years: u32,
    /// Whether one of the two papers may be an English case report or a
    /// Japanese clinical paper (the 2024 relaxation).
    pub flexible_second_paper: bool,
}

impl CourseRules {
    /// 「臨床研究医コース整備指針」 (2020): seven years, two of them clinical,
    /// two strict papers.
    pub const GUIDELINE_2020: Self = Self {
        course_years: 7,
        clinical_years: 2,
        flexible_second_paper: false,
    };
    /// The 2024 revision: at least five years (one clinical, four research),
    /// and a relaxed second paper.
    pub const REVISED_2024: Self = Self {
        course_years: 5,
        clinical_years: 1,
        flexible_second_paper: true,
    };
}

impl Default for CourseRules {
    fn default() -> Self {
        Self::GUIDELINE_2020
    }
}

/// Where a trainee stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Clinical,
    Research,
    Completed,
    Departed,
}

/// A completion requirement. The derived order is the order in which unmet
/// requirements are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Requirement {
    BoardCertification,
    Degree,
    TwoQualifyingPapers,
    /// At least 50% of effort on research during the research phase.
    ResearchEffort,
}

/// The doctoral degree; the guideline accepts one that is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Degree {
    None,
    Expected,
    Obtained,
}

/// What the paper rules need to know about one published paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaperFacts {
    pub sci_indexed: bool,
    pub first_author: bool,
    pub english: bool,
    pub case_report: bool,
}

/// What the course rules need to know about one trainee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraineeFacts<'a> {
    pub started_on: NaiveDate,
    pub rules: CourseRules,
    /// Extensions agreed with the society and the board (III).
    pub approved_extension_months: u32,
    /// Latest reported share of effort on research, in percent.
    pub research_effort_percent: Option<u8>,
    pub board_certified_on: Option<NaiveDate>,
    pub degree: Degree,
    pub papers: &'a [PaperFacts],
    pub departed_on: Option<NaiveDate>,
    pub completion_confirmed_on: Option<NaiveDate>,
}

/// The share of effort the research phase demands (I.2, research phase).
const MIN_RESEARCH_EFFORT_PERCENT: u8 = 50;

/// `start` plus whole months, clamped to the month's end (Feb 29 + 1 year is
/// Feb 28). Saturates at `NaiveDate::MAX` instead of panicking, so absurd
/// stored values cannot crash a request; the result stays monotonic.
fn add_months_saturating(start: NaiveDate, months: Option<u32>) -> NaiveDate {
    months
        .and_then(|m| start.checked_add_months(Months::new(m)))
        .unwrap_or(NaiveDate::MAX)
}

/// The first day of the research phase; the clinical phase is
/// `[started_on, clinical_phase_ends_on)`.
pub fn clinical_phase_ends_on(started_on: NaiveDate, rules: CourseRules) -> NaiveDate {
    add_months_saturating(started_on, rules.clinical_years.checked_mul(12))
}

/// The planned completion day: the course length plus agreed extensions.
/// Added in one step so month-end clamping happens once.
pub fn planned_completion_on(
    started_on: NaiveDate,
    rules: CourseRules,
    approved_extension_months: u32,
) -> NaiveDate {
    let months = rules
        .course_years
        .checked_mul(12)
        .and_then(|m| m.checked_add(approved_extension_months));
    add_months_saturating(started_on, months)
}

/// The guideline's strict rule (I.3): first author, English, SCI-indexed,
/// not a case report.
pub fn paper_qualifies(paper: &PaperFacts) -> bool {
    paper.sci_indexed && paper.first_author && paper.english && !paper.case_report
}

/// A paper accepted only under the 2024 relaxation: first author, and either
/// an SCI-indexed English case report or a non-English clinical paper (which
/// need not be SCI-indexed but must not be a case report).
fn paper_qualifies_flexibly(paper: &PaperFacts) -> bool {
    let english_case_report = paper.english && paper.case_report && paper.sci_indexed;
    let japanese_clinical = !paper.english && !paper.case_report;
    !paper_qualifies(paper) && paper.first_author && (english_case_report || japanese_clinical)
}

/// Papers counting toward the two: the strictly qualifying ones, plus, under
/// `flexible_second_paper`, at most one flexible-only paper (the relaxation
/// covers only one of the two). Pair with "at least one strict" — see
/// [`unmet`] — since two flexible papers never suffice.
pub fn qualifying_paper_count(papers: &[PaperFacts], rules: CourseRules) -> u32 {
    let strict = count(papers, paper_qualifies);
    if rules.flexible_second_paper {
        strict.saturating_add(count(papers, paper_qualifies_flexibly).min(1))
    } else {
        strict
    }
}

fn count(papers: &[PaperFacts], pred: fn(&PaperFacts) -> bool) -> u32 {
    papers
        .iter()
        .filter(|p| pred(p))
        .fold(0, |n: u32, _| n.saturating_add(1))
}

/// Every completion requirement not yet met on `today`, in the enum's order,
/// so the trainee sees everything left to do. TwoQualifyingPapers is met iff
/// there is a strict paper and [`qualifying_paper_count`] is at least 2.
/// ResearchEffort is judged only once the research phase has begun.
pub fn unmet(facts: &TraineeFacts, today: NaiveDate) -> Vec<Requirement> {
    let mut missing = Vec::new();
    if facts.board_certified_on.is_none() {
        missing.push(Requirement::BoardCertification);
    }
    if facts.degree == Degree::None {
        missing.push(Requirement::Degree);
    }
    let strict = count(facts.papers, paper_qualifies);
    if strict < 1 || qualifying_paper_count(facts.papers, facts.rules) < 2 {
        missing.push(Requirement::TwoQualifyingPapers);
    }
    let in_research = today >= clinical_phase_ends_on(facts.started_on, facts.rules);
    if in_research
        && facts
            .research_effort_percent
            .is_none_or(|p| p < MIN_RESEARCH_EFFORT_PERCENT)
    {
        missing.push(Requirement::ResearchEffort);
    }
    missing
}

/// The trainee's phase on `today`. Departure wins over everything; completion
/// needs both the confirmation and no unmet requirement; a day before the
/// start counts as clinical.
pub fn phase(facts: &TraineeFacts, today: NaiveDate) -> Phase {
    if facts.departed_on.is_some_and(|d| d <= today) {
        Phase::Departed
    } else if facts.completion_confirmed_on.is_some() && unmet(facts, today).is_empty() {
        Phase::Completed
    } else if today < clinical_phase_ends_on(facts.started_on, facts.rules) {
        Phase::Clinical
    } else {
        Phase::Research
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Requirement::{BoardCertification, ResearchEffort, TwoQualifyingPapers};
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const STRICT: PaperFacts = PaperFacts {
        sci_indexed: true,
        first_author: true,
        english: true,
        case_report: false,
    };
    const CASE_REPORT: PaperFacts = PaperFacts {
        case_report: true,
        ..STRICT
    };
    const JAPANESE_CLINICAL: PaperFacts = PaperFacts {
        sci_indexed: false,
        english: false,
        ..STRICT
    };

    /// A 2022 intake under the 2020 rules with nothing done yet.
    fn trainee(papers: &[PaperFacts]) -> TraineeFacts<'_> {
        TraineeFacts {
            started_on: date(2022, 4, 1),
            rules: CourseRules::GUIDELINE_2020,
            approved_extension_months: 0,
            research_effort_percent: None,
            board_certified_on: None,
            degree: Degree::None,
            papers,
            departed_on: None,
            completion_confirmed_on: None,
        }
    }

    /// The 2022 intake with every requirement met.
    fn finished(papers: &[PaperFacts]) -> TraineeFacts<'_> {
        TraineeFacts {
            research_effort_percent: Some(60),
            board_certified_on: Some(date(2026, 3, 1)),
            degree: Degree::Obtained,
            ..trainee(papers)
        }
    }

    #[test]
    fn default_is_the_2020_guideline() {
        assert_eq!(CourseRules::default(), CourseRules::GUIDELINE_2020);
    }

    #[test]
    fn dates_under_2020_rules() {
        let start = date(2022, 4, 1);
        let rules = CourseRules::GUIDELINE_2020;
        assert_eq!(clinical_phase_ends_on(start, rules), date(2024, 4, 1));
        assert_eq!(planned_completion_on(start, rules, 0), date(2029, 4, 1));
        assert_eq!(planned_completion_on(start, rules, 6), date(2029, 10, 1));
        assert_eq!(
            clinical_phase_ends_on(date(2027, 4, 1), rules),
            date(2029, 4, 1)
        );
    }

    #[test]
    fn dates_under_2024_rules() {
        let start = date(2024, 4, 1);
        let rules = CourseRules::REVISED_2024;
        assert_eq!(clinical_phase_ends_on(start, rules), date(2025, 4, 1));
        assert_eq!(planned_completion_on(start, rules, 0), date(2029, 4, 1));
    }

    #[test]
    fn month_end_is_clamped_once() {
        let rules = CourseRules::GUIDELINE_2020;
        // 2024-02-29 + 7 years = 2031-02-28; + 1 month from the start is 03-29.
        assert_eq!(
            planned_completion_on(date(2024, 2, 29), rules, 0),
            date(2031, 2, 28)
        );
        assert_eq!(
            planned_completion_on(date(2024, 2, 29), rules, 1),
            date(2031, 3, 29)
        );
        assert_eq!(
            planned_completion_on(date(2022, 8, 31), rules, 1),
            date(2029, 9, 30)
        );
    }

    #[test]
    fn absurd_lengths_saturate() {
        let start = date(2022, 4, 1);
        assert_eq!(
            planned_completion_on(start, CourseRules::GUIDELINE_2020, u32::MAX),
            NaiveDate::MAX
        );
        let huge = CourseRules {
            course_years: u32::MAX,
            clinical_years: u32::MAX,
            flexible_second_paper: false,
        };
        assert_eq!(clinical_phase_ends_on(start, huge), NaiveDate::MAX);
        assert_eq!(planned_completion_on(start, huge, 0), NaiveDate::MAX);
    }

    #[test]
    fn phase_of_a_2022_intake() {
        let t = trainee(&[]);
        assert_eq!(phase(&t, date(2023, 6, 1)), Phase::Clinical);
        assert_eq!(phase(&t, date(2026, 11, 25)), Phase::Research);
        assert_eq!(phase(&t, date(2024, 3, 31)), Phase::Clinical);
        assert_eq!(phase(&t, date(2024, 4, 1)), Phase::Research);
        // Adopted but not yet started.
        assert_eq!(phase(&t, date(2021, 10, 1)), Phase::Clinical);
    }

    #[test]
    fn unmet_lists_everything_in_order() {
        let t = trainee(&[]);
        assert_eq!(
            unmet(&t, date(2026, 11, 25)),
            vec![
                BoardCertification,
                Requirement::Degree,
                TwoQualifyingPapers,
                ResearchEffort
            ]
        );
        assert_eq!(
            unmet(&t, date(2023, 6, 1)),
            vec![BoardCertification, Requirement::Degree, TwoQualifyingPapers]
        );
        let papers = [STRICT, STRICT];
        let some = TraineeFacts {
            degree: Degree::Expected,
            ..trainee(&papers)
        };
        assert_eq!(
            unmet(&some, date(2026, 11, 25)),
            vec![BoardCertification, ResearchEffort]
        );
        assert!(unmet(&finished(&papers), date(2026, 11, 25)).is_empty());
    }

    #[test]
    fn research_effort_threshold() {
        let papers = [STRICT, STRICT];
        let at = |percent| TraineeFacts {
            research_effort_percent: Some(percent),
            ..finished(&papers)
        };
        let research_day = date(2026, 11, 25);
        assert_eq!(unmet(&at(49), research_day), vec![ResearchEffort]);
        assert!(unmet(&at(50), research_day).is_empty());
        assert!(unmet(&at(100), research_day).is_empty());
        // Not judged in the clinical phase, even if unreported.
        assert!(unmet(&at(0), date(2023, 6, 1)).is_empty());
        let unreported = TraineeFacts {
            research_effort_percent: None,
            ..finished(&papers)
        };
        assert!(unmet(&unreported, date(2023, 6, 1)).is_empty());
        assert_eq!(unmet(&unreported, research_day), vec![ResearchEffort]);
    }

    #[test]
    fn strict_paper_rule() {
        assert!(paper_qualifies(&STRICT));
        assert!(!paper_qualifies(&CASE_REPORT));
        assert!(!paper_qualifies(&JAPANESE_CLINICAL));
        assert!(!paper_qualifies(&PaperFacts {
            first_author: false,
            ..STRICT
        }));
        assert!(!paper_qualifies(&PaperFacts {
            sci_indexed: false,
            ..STRICT
        }));
    }

    #[test]
    fn case_report_does_not_count_under_2020_rules() {
        let rules = CourseRules::GUIDELINE_2020;
        let papers = [STRICT, CASE_REPORT];
        assert_eq!(qualifying_paper_count(&papers, rules), 1);
        assert_eq!(
            unmet(&finished(&papers), date(2026, 11, 25)),
            vec![TwoQualifyingPapers]
        );
        assert_eq!(
            qualifying_paper_count(&[STRICT, JAPANESE_CLINICAL], rules),
            1
        );
    }

    #[test]
    fn flexible_second_paper_under_2024_rules() {
        let rules = CourseRules::REVISED_2024;
        let under_2024 = |papers| TraineeFacts {
            started_on: date(2024, 4, 1),
            rules,
            ..finished(papers)
        };
        let day = date(2026, 11, 25);

        let met = [STRICT, CASE_REPORT];
        assert_eq!(qualifying_paper_count(&met, rules), 2);
        assert!(unmet(&under_2024(&met), day).is_empty());

        let japanese = [JAPANESE_CLINICAL, STRICT];
        assert_eq!(qualifying_paper_count(&japanese, rules), 2);
        assert!(unmet(&under_2024(&japanese), day).is_empty());

        // The relaxation covers only one of the two papers.
        let two_case_reports = [CASE_REPORT, CASE_REPORT];
        assert_eq!(qualifying_paper_count(&two_case_reports, rules), 1);
        assert_eq!(
            unmet(&under_2024(&two_case_reports), day),
            vec![TwoQualifyingPapers]
        );
        let both_flexible = [CASE_REPORT, JAPANESE_CLINICAL];
        assert_eq!(qualifying_paper_count(&both_flexible, rules), 1);
        assert_eq!(
            qualifying_paper_count(&[STRICT, STRICT, CASE_REPORT], rules),
            3
        );
    }

    #[test]
    fn flexible_paper_conditions() {
        let rules = CourseRules::REVISED_2024;
        let with = |second| qualifying_paper_count(&[STRICT, second], rules);
        // A case report must be SCI-indexed and first-authored.
        let unindexed_case = PaperFacts {
            sci_indexed: false,
            ..CASE_REPORT
        };
        assert_eq!(with(unindexed_case), 1);
        let co_authored_case = PaperFacts {
            first_author: false,
            ..CASE_REPORT
        };
        assert_eq!(with(co_authored_case), 1);
        // A Japanese paper needs no SCI index but must not be a case report.
        let indexed_japanese = PaperFacts {
            sci_indexed: true,
            ..JAPANESE_CLINICAL
        };
        assert_eq!(with(indexed_japanese), 2);
        let japanese_case = PaperFacts {
            case_report: true,
            ..JAPANESE_CLINICAL
        };
        assert_eq!(with(japanese_case), 1);
        let co_authored_japanese = PaperFacts {
            first_author: false,
            ..JAPANESE_CLINICAL
        };
        assert_eq!(with(co_authored_japanese), 1);
        // An unindexed English original article is neither strict nor flexible.
        let unindexed_english = PaperFacts {
            sci_indexed: false,
            ..STRICT
        };
        assert_eq!(with(unindexed_english), 1);
    }

    #[test]
    fn departure_wins_over_everything() {
        let papers = [STRICT, STRICT];
        let left = TraineeFacts {
            departed_on: Some(date(2025, 9, 30)),
            completion_confirmed_on: Some(date(2025, 9, 1)),
            ..finished(&papers)
        };
        assert_eq!(phase(&left, date(2025, 9, 30)), Phase::Departed);
        assert_eq!(phase(&left, date(2030, 1, 1)), Phase::Departed);
        // Before the departure day the trainee is still in the course.
        assert_eq!(phase(&left, date(2025, 9, 29)), Phase::Completed);
        let leaving = TraineeFacts {
            departed_on: Some(date(2023, 9, 30)),
            ..trainee(&papers)
        };
        assert_eq!(phase(&leaving, date(2023, 6, 1)), Phase::Clinical);
        assert_eq!(phase(&leaving, date(2023, 10, 1)), Phase::Departed);
    }

    #[test]
    fn completion_needs_confirmation_and_nothing_unmet() {
        let papers = [STRICT, STRICT];
        let day = date(2029, 4, 1);
        assert_eq!(phase(&finished(&papers), day), Phase::Research);
        let confirmed = TraineeFacts {
            completion_confirmed_on: Some(day),
            ..finished(&papers)
        };
        assert_eq!(phase(&confirmed, day), Phase::Completed);
        let one_paper = [STRICT];
        let short = TraineeFacts {
            completion_confirmed_on: Some(day),
            ..finished(&one_paper)
        };
        assert_eq!(phase(&short, day), Phase::Research);
        let uncertified = TraineeFacts {
            board_certified_on: None,
            ..confirmed
        };
        assert_eq!(phase(&uncertified, day), Phase::Research);
    }

    fn any_rules() -> impl Strategy<Value = CourseRules> {
        (0u32..=20, 0u32..=20, any::<bool>()).prop_map(|(a, b, flexible)| CourseRules {
            course_years: a.max(b),
            clinical_years: a.min(b),
            flexible_second_paper: flexible,
        })
    }

    proptest! {
        #[test]
        fn planned_completion_is_monotonic_and_after_clinical_phase(
            days in 0i64..200_000,
            rules in prop_oneof![
                Just(CourseRules::GUIDELINE_2020),
                Just(CourseRules::REVISED_2024),
                any_rules(),
            ],
            a in any::<u32>(),
            b in any::<u32>(),
        ) {
            let start = date(1900, 1, 1) + chrono::Duration::days(days);
            let (lo, hi) = (a.min(b), a.max(b));
            let early = planned_completion_on(start, rules, lo);
            prop_assert!(early <= planned_completion_on(start, rules, hi));
            prop_assert!(early >= clinical_phase_ends_on(start, rules));
            prop_assert!(early >= start);
        }

        #[test]
        fn small_extensions_are_strictly_monotonic(
            days in 0i64..200_000,
            months in 0u32..600,
        ) {
            let start = date(1900, 1, 1) + chrono::Duration::days(days);
            let rules = CourseRules::GUIDELINE_2020;
            prop_assert!(
                planned_completion_on(start, rules, months)
                    < planned_completion_on(start, rules, months + 1)
            );
        }
    }
}
