//! A trainee's course years and completion requirements (domain.md "The
//! course", "After adoption"). The rules changed in 2024, so every
//! computation takes the [`CourseRules`] of the trainee's intake year.

use super::cycle::training_year;
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
    pub published_on: NaiveDate,
}

/// The share of effort on research reported for one training year (April
/// to March, named by the year it starts in), by the annual report or a
/// progress update (I.3(3) 年次報告).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffortReport {
    pub year: i32,
    pub percent: u8,
}

/// What the course rules need to know about one trainee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraineeFacts<'a> {
    pub started_on: NaiveDate,
    pub rules: CourseRules,
    /// Extensions agreed with the society and the board (III.1).
    pub approved_extension_months: u32,
    /// Research effort per training year, in any order, one per year.
    pub research_effort: &'a [EffortReport],
    pub board_certified_on: Option<NaiveDate>,
    pub degree: Degree,
    pub papers: &'a [PaperFacts],
    pub departed_on: Option<NaiveDate>,
    pub completion_confirmed_on: Option<NaiveDate>,
}

/// The share of effort the research phase demands (I.2(1), I.3(2):
/// 「研究へのエフォートを 50%以上とし」).
pub const MIN_RESEARCH_EFFORT_PERCENT: u8 = 50;

/// Longest extension one request may ask for, in months. The guideline
/// names the reasons (III.1) but no length; a longer leave is asked for
/// again, so that the society and the board look at it again.
pub const EXTENSION_MONTHS_MAX: i32 = 36;

/// The months of one extension request.
pub fn check_extension_months(months: i32) -> Result<u32, String> {
    if (1..=EXTENSION_MONTHS_MAX).contains(&months) {
        Ok(months as u32)
    } else {
        Err(format!("must be between 1 and {EXTENSION_MONTHS_MAX}"))
    }
}

/// The months of the approved extensions among `(approved, months)`.
pub fn approved_extension_months(extensions: impl IntoIterator<Item = (bool, i32)>) -> u32 {
    extensions
        .into_iter()
        .filter(|(approved, _)| *approved)
        .fold(0u32, |sum, (_, months)| {
            sum.saturating_add(months.max(0) as u32)
        })
}

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

/// The papers that count for completion on `day`: published from the first
/// day of the research phase up to `day`. I.3(2): research begins in year
/// three, 「その後」 two papers follow; a paper from before the course, or
/// from its clinical phase, is not research done in it.
pub fn papers_in_research_phase(facts: &TraineeFacts, day: NaiveDate) -> Vec<PaperFacts> {
    let research_from = clinical_phase_ends_on(facts.started_on, facts.rules);
    facts
        .papers
        .iter()
        .filter(|p| p.published_on >= research_from && p.published_on <= day)
        .copied()
        .collect()
}

/// [`qualifying_paper_count`] over [`papers_in_research_phase`].
pub fn counted_paper_count(facts: &TraineeFacts, day: NaiveDate) -> u32 {
    qualifying_paper_count(&papers_in_research_phase(facts, day), facts.rules)
}

/// I.3(2): the research phase has run with at least 50% of effort on
/// research. On `day`:
/// - at least one research year is over (a trainee still in the clinical
///   phase, or in the first research year, has not done the research phase);
/// - every research year that is over has a reported value of at least 50%,
///   and a year under way has none below it;
/// - except that a year may fall short (or be unreported) for each whole
///   twelve months of extension the society and the board agreed (III.1),
///   time the course was extended by because research could not go on.
///
/// Research year `k` runs from the research phase's start plus `k` years;
/// its value is the one reported for the training year it starts in.
pub fn research_effort_met(facts: &TraineeFacts, day: NaiveDate) -> bool {
    let research_from = clinical_phase_ends_on(facts.started_on, facts.rules);
    let value = |year| {
        facts
            .research_effort
            .iter()
            .find(|r| r.year == year)
            .map(|r| r.percent)
    };
    let mut completed = 0u32;
    let mut short = 0u32;
    let mut met = 0u32;
    for k in 0u32.. {
        let begins = add_months_saturating(research_from, k.checked_mul(12));
        if begins > day || begins == NaiveDate::MAX {
            break;
        }
        let ends = add_months_saturating(research_from, (k + 1).checked_mul(12));
        let reported = value(training_year(begins));
        if ends <= day {
            completed += 1;
            match reported {
                Some(p) if p >= MIN_RESEARCH_EFFORT_PERCENT => met += 1,
                _ => short += 1,
            }
        } else if reported.is_some_and(|p| p < MIN_RESEARCH_EFFORT_PERCENT) {
            short += 1;
        }
    }
    let allowed_short = facts.approved_extension_months / 12;
    completed >= 1 && met >= 1 && short <= allowed_short
}

/// Every completion requirement not met on `day`, in the enum's order, so
/// the trainee sees everything left to do (I.2(1), I.3):
/// - BoardCertification: certified in the field on or before `day`;
/// - Degree: a doctoral degree, obtained or expected (「学位取得見込みを含む」);
/// - TwoQualifyingPapers: at least two papers counting under the intake's
///   rules, one of them strict, published in the research phase;
/// - ResearchEffort: [`research_effort_met`].
pub fn unmet(facts: &TraineeFacts, day: NaiveDate) -> Vec<Requirement> {
    let mut missing = Vec::new();
    if facts.board_certified_on.is_none_or(|on| on > day) {
        missing.push(Requirement::BoardCertification);
    }
    if facts.degree == Degree::None {
        missing.push(Requirement::Degree);
    }
    let papers = papers_in_research_phase(facts, day);
    let strict = count(&papers, paper_qualifies);
    if strict < 1 || qualifying_paper_count(&papers, facts.rules) < 2 {
        missing.push(Requirement::TwoQualifyingPapers);
    }
    if !research_effort_met(facts, day) {
        missing.push(Requirement::ResearchEffort);
    }
    missing
}

/// The day completion is judged on: the confirmation day once completion
/// was confirmed (later years need no more reports), else `today`.
pub fn completion_day(facts: &TraineeFacts, today: NaiveDate) -> NaiveDate {
    facts
        .completion_confirmed_on
        .filter(|on| *on <= today)
        .unwrap_or(today)
}

/// The trainee's phase on `today`. Departure wins over everything; completion
/// needs the confirmation and nothing unmet on the day it was confirmed; a
/// day before the start counts as clinical.
pub fn phase(facts: &TraineeFacts, today: NaiveDate) -> Phase {
    if facts.departed_on.is_some_and(|d| d <= today) {
        Phase::Departed
    } else if facts
        .completion_confirmed_on
        .is_some_and(|on| on <= today && unmet(facts, on).is_empty())
    {
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

    /// Published in the research phase of every intake used below.
    const STRICT: PaperFacts = PaperFacts {
        sci_indexed: true,
        first_author: true,
        english: true,
        case_report: false,
        published_on: match NaiveDate::from_ymd_opt(2026, 1, 1) {
            Some(d) => d,
            None => panic!(),
        },
    };
    /// 60% in every training year from 2024 to 2030.
    const EFFORT: [EffortReport; 7] = {
        let mut out = [EffortReport {
            year: 2024,
            percent: 60,
        }; 7];
        let mut i = 0;
        while i < 7 {
            out[i].year = 2024 + i as i32;
            i += 1;
        }
        out
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
            research_effort: &[],
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
            research_effort: &EFFORT,
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
            vec![
                BoardCertification,
                Requirement::Degree,
                TwoQualifyingPapers,
                ResearchEffort
            ]
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
    fn research_effort_threshold_i_3_2() {
        let papers = [STRICT, STRICT];
        let reports = |percent| [2024, 2025, 2026].map(|year| EffortReport { year, percent });
        let (low, half, full) = (reports(49), reports(50), reports(100));
        let at = |effort| TraineeFacts {
            research_effort: effort,
            ..finished(&papers)
        };
        let research_day = date(2026, 11, 25);
        assert_eq!(unmet(&at(&low), research_day), vec![ResearchEffort]);
        assert!(unmet(&at(&half), research_day).is_empty());
        assert!(unmet(&at(&full), research_day).is_empty());
        assert_eq!(unmet(&at(&[]), research_day), vec![ResearchEffort]);
    }

    /// The case: clinical year 1, two qualifying papers, degree
    /// expected and a board certification is not complete (I.3: two clinical
    /// years, research from year 3, papers 「その後」).
    #[test]
    fn clinical_year_one_is_not_complete_i_3() {
        let early = PaperFacts {
            published_on: date(2022, 10, 1),
            ..STRICT
        };
        let papers = [early, early];
        let facts = TraineeFacts {
            research_effort: &EFFORT,
            board_certified_on: Some(date(2022, 12, 1)),
            degree: Degree::Expected,
            ..trainee(&papers)
        };
        let day = date(2023, 1, 10);
        assert_eq!(
            unmet(&facts, day),
            vec![TwoQualifyingPapers, ResearchEffort]
        );
        assert_eq!(counted_paper_count(&facts, day), 0);
        assert_eq!(qualifying_paper_count(facts.papers, facts.rules), 2);
    }

    #[test]
    fn only_papers_of_the_research_phase_count_i_3_2() {
        let before = PaperFacts {
            published_on: date(2024, 3, 31),
            ..STRICT
        };
        let first_day = PaperFacts {
            published_on: date(2024, 4, 1),
            ..STRICT
        };
        let mixed = [before, first_day];
        let facts = finished(&mixed);
        let day = date(2026, 11, 25);
        assert_eq!(counted_paper_count(&facts, day), 1);
        assert_eq!(unmet(&facts, day), vec![TwoQualifyingPapers]);
        let both = [first_day, STRICT];
        assert!(unmet(&finished(&both), day).is_empty());
        // A paper dated after the day judged does not count yet.
        assert_eq!(counted_paper_count(&finished(&both), date(2025, 1, 1)), 1);
    }

    #[test]
    fn every_research_year_needs_half_the_effort_i_3_2() {
        let papers = [STRICT, STRICT];
        let with = |effort| TraineeFacts {
            research_effort: effort,
            ..finished(&papers)
        };
        let day = date(2026, 11, 25);
        // Research years 2024 and 2025 are over; 2026 is under way.
        let gap = [EffortReport {
            year: 2025,
            percent: 80,
        }];
        assert!(!research_effort_met(&with(&gap), day), "2024 unreported");
        let two = [
            EffortReport {
                year: 2024,
                percent: 50,
            },
            EffortReport {
                year: 2025,
                percent: 70,
            },
        ];
        assert!(research_effort_met(&with(&two), day));
        // A value below half for the year under way already fails.
        let current_low = [
            two[0],
            two[1],
            EffortReport {
                year: 2026,
                percent: 30,
            },
        ];
        assert!(!research_effort_met(&with(&current_low), day));
        // One whole year of agreed extension allows one short year (III.1).
        let extended = TraineeFacts {
            approved_extension_months: 12,
            ..with(&gap)
        };
        assert!(research_effort_met(&extended, day));
        // ... but not a research phase with no year at half effort.
        let none = TraineeFacts {
            approved_extension_months: 36,
            ..with(&[])
        };
        assert!(!research_effort_met(&none, day));
        // The first research year not yet over: the phase has not run.
        assert!(!research_effort_met(&with(&EFFORT), date(2025, 3, 31)));
        assert!(research_effort_met(&with(&EFFORT), date(2025, 4, 1)));
    }

    #[test]
    fn extension_months() {
        assert_eq!(check_extension_months(1), Ok(1));
        assert_eq!(check_extension_months(36), Ok(36));
        assert!(check_extension_months(0).is_err());
        assert!(check_extension_months(37).is_err());
        let months = approved_extension_months([(true, 6), (false, 12), (true, 12), (true, -3)]);
        assert_eq!(months, 18);
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
            departed_on: Some(date(2026, 9, 30)),
            completion_confirmed_on: Some(date(2026, 9, 1)),
            ..finished(&papers)
        };
        assert_eq!(phase(&left, date(2026, 9, 30)), Phase::Departed);
        assert_eq!(phase(&left, date(2030, 1, 1)), Phase::Departed);
        // Before the departure day the trainee is still in the course.
        assert_eq!(phase(&left, date(2026, 9, 29)), Phase::Completed);
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

    #[test]
    fn completion_is_judged_on_the_confirmation_day() {
        let papers = [STRICT, STRICT];
        let on = date(2026, 5, 1);
        // Only 2024 and 2025 were reported; later years need nothing more.
        let reported = [
            EffortReport {
                year: 2024,
                percent: 60,
            },
            EffortReport {
                year: 2025,
                percent: 60,
            },
        ];
        let confirmed = TraineeFacts {
            research_effort: &reported,
            completion_confirmed_on: Some(on),
            ..finished(&papers)
        };
        let later = date(2029, 1, 1);
        assert_eq!(completion_day(&confirmed, later), on);
        assert!(unmet(&confirmed, completion_day(&confirmed, later)).is_empty());
        assert_eq!(phase(&confirmed, later), Phase::Completed);
        // A confirmation dated ahead does not count before its day.
        assert_eq!(
            completion_day(&confirmed, date(2026, 4, 30)),
            date(2026, 4, 30)
        );
        assert_eq!(phase(&confirmed, date(2026, 4, 30)), Phase::Research);
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
