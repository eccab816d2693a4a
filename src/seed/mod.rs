//! `csc seed-demo`: fills an empty database with a realistic, deterministic
//! data set; the national scale at `--scale 1`, a small demo below it.
//!
//! The data describes one day, [`as_of`] (2026-10-22), and a real calendar:
//! one recruitment cycle per intake year, in sequence. The intakes
//! 2021-2026 are finalized; the 2027 early call closed on 2026-10-19 and its
//! selection is under way (QUOTAS_ALLOCATED: quotas by the board's rule, the
//! societies proposing, the board confirming, one proposal of internal
//! medicine waiting for the board); the 2028 cycle is PLANNING (some
//! societies have decided whether they take part, courses at every step
//! from DRAFT to PUBLISHED, a few doctors registered for its call).
//! Operations of other phases are tried by moving the 2028 cycle on
//! (docs/examples: `# after:` lines). The day is recorded in `demo_facts`,
//! and `csc serve --dev` takes it as today (src/demo.rs).
//!
//! At scale 1: about 1,500 institutions (80 university hospitals, the 6
//! national centres, the rest public and other hospitals, named from their
//! prefecture and kind), about 60 courses a year with partner sites,
//! research hosts and status guarantees, about 10,000 doctors with their
//! applications and parallel general applications, and the adopted ones as
//! trainees with papers, extensions, study abroad, departures and annual
//! reports. Field quotas are computed with the board's rule
//! ([`crate::domain::quota`]) and the selection follows `finalizeSelection`,
//! so every figure the API derives is consistent.
//!
//! Deterministic: the same seed and scale give the same rows and ids (a
//! ChaCha8 generator, fixed dates, no hash-map iteration), so the examples
//! in docs/examples can name them. Rows are built in memory with their ids
//! (after the largest id already in each table), then inserted table by
//! table in multi-row INSERTs, one transaction per chunk.

mod courses;
mod helpers;
mod insert;
mod institutions;
mod recruitment;
mod reference;
mod summary;
mod training;

pub use summary::Summary;

use helpers::*;
use reference::*;

use crate::db::begin_write;
use crate::demo::DemoFacts;
use crate::domain::course::{self as course_rules, HostKind, Site};
use crate::domain::cycle::{Calendar, Phase, training_year};
use crate::domain::departure::{self as leaving, Recorder};
use crate::domain::eligibility::{ApplicantFacts, course_start, ineligibility};
use crate::domain::quota::{self, FieldDemand};
use crate::domain::sanction as suspension;
use crate::domain::selection::{self, Candidate, Fate, Room};
use crate::domain::training::{self as training_rules, EffortReport, PaperFacts, TraineeFacts};
use crate::domain::validate::PREFECTURES;
use crate::entity::enums::{
    ApplicationOutcome, ApplicationStatus, CourseStatus, CyclePhase, Decision, DecisionBasis,
    DecisionStatus, DegreeStatus, EffortSource, ExtensionReason, FieldCode,
    GeneralApplicationStatus, InstitutionKind, ReportStatus, ResearchHostKind, SanctionReason,
    TraineePhase,
};
use crate::entity::{
    annual_report, annual_report_entry, annual_report_version, applicant, application, course,
    course_partner_site, demo_fact, departure, extension, field_quota, general_application,
    guidance, institution, institution_certification, paper, participation, quota_reduction,
    recruitment_cycle, research_effort_report, sanction, society, study_abroad, trainee,
};
use crate::ids;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, Iterable, PaginatorTrait, QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The first intake year seeded (the course's first recruitment, 2020-09).
pub const FIRST_YEAR: i32 = 2021;
/// The intake whose selection is under way on the demo's day (QUOTAS_ALLOCATED).
pub const SELECTION_YEAR: i32 = 2027;
/// The next intake, whose courses are being set (PLANNING).
pub const PLANNING_YEAR: i32 = 2028;
/// `seed-demo`'s default `--scale`: the small demo the examples are written for.
pub const DEFAULT_SCALE: f64 = 0.01;
/// `seed-demo`'s default `--seed`.
pub const DEFAULT_SEED: u64 = 2026;
/// Largest `--scale`: licence numbers (7 digits) and names stay unique below it.
pub const MAX_SCALE: f64 = 20.0;
/// Bind parameters per INSERT, below SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

/// The day the data describes: three days after the 2027 early call closed,
/// the quotas allocated, the decisions being made; the 2028 courses being set.
pub fn as_of() -> NaiveDate {
    ymd(2026, 10, 22)
}

/// Seeds `db` (migrated) at `scale` (1 = national scale; 0.01 a small demo)
/// from `seed`. Refuses a database that already holds courses, recruitment
/// cycles or applicants, so it never mixes with real data.
pub async fn seed_demo(db: &DatabaseConnection, scale: f64, seed: u64) -> Result<Summary, DbErr> {
    if !(scale.is_finite() && scale > 0.0 && scale <= MAX_SCALE) {
        return Err(DbErr::Custom(format!(
            "--scale must be above 0 and at most {MAX_SCALE} (1 = national scale)"
        )));
    }
    let existing = course::Entity::find().count(db).await?
        + recruitment_cycle::Entity::find().count(db).await?
        + applicant::Entity::find().count(db).await?
        + demo_fact::Entity::find().count(db).await?;
    if existing > 0 {
        return Err(DbErr::Custom(
            "the database already holds courses, cycles, applicants or demo data; \
             seed-demo fills a freshly migrated database only"
                .into(),
        ));
    }
    let societies = society::Entity::find()
        .order_by_asc(society::Column::Position)
        .all(db)
        .await?;
    if societies.len() != FIELDS.len()
        || societies.iter().zip(FIELDS).any(|(s, f)| s.code != f.code)
    {
        return Err(DbErr::Custom(
            "the 19 societies are not as the migration seeds them".into(),
        ));
    }
    let bases = Bases::read(db).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let plan = Generator::new(&mut rng, Sizes::new(scale), &societies, bases).run()?;
    let summary = plan.summary();
    plan.insert(db).await?;
    let facts = DemoFacts {
        today: as_of(),
        scale,
        seed,
    };
    crate::demo::record(db, &facts).await?;
    Ok(summary)
}

// --- sizes and ids -----------------------------------------------------------

struct Sizes {
    university_hospitals: usize,
    other_hospitals: usize,
    courses_per_year: usize,
    applicants: usize,
}

impl Sizes {
    fn new(scale: f64) -> Self {
        let n = |national: f64, min: usize| ((national * scale).round() as usize).max(min);
        Self {
            university_hospitals: n(80.0, 12),
            other_hospitals: n(1_414.0, 30),
            // At least 20, so that the small demo's fields have courses to
            // choose from (internal medicine several).
            courses_per_year: n(60.0, 20),
            applicants: n(10_000.0, 20),
        }
    }
}

/// The largest id already in each table: new rows are numbered after it.
#[derive(Default)]
struct Bases {
    institution: i64,
    cycle: i64,
    participation: i64,
    course: i64,
    field_quota: i64,
    sanction: i64,
    applicant: i64,
    application: i64,
    general_application: i64,
    trainee: i64,
    effort_report: i64,
    paper: i64,
    extension: i64,
    study_abroad: i64,
    departure: i64,
    quota_reduction: i64,
    report: i64,
    version: i64,
    entry: i64,
    guidance: i64,
}

async fn max_id<E: EntityTrait>(db: &DatabaseConnection, column: E::Column) -> Result<i64, DbErr> {
    let max: Option<Option<i64>> = E::find()
        .select_only()
        .expr(sea_orm::sea_query::Func::max(Expr::col(column)))
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

impl Bases {
    async fn read(db: &DatabaseConnection) -> Result<Self, DbErr> {
        Ok(Self {
            institution: max_id::<institution::Entity>(db, institution::Column::Id).await?,
            cycle: max_id::<recruitment_cycle::Entity>(db, recruitment_cycle::Column::Id).await?,
            participation: max_id::<participation::Entity>(db, participation::Column::Id).await?,
            course: max_id::<course::Entity>(db, course::Column::Id).await?,
            field_quota: max_id::<field_quota::Entity>(db, field_quota::Column::Id).await?,
            sanction: max_id::<sanction::Entity>(db, sanction::Column::Id).await?,
            applicant: max_id::<applicant::Entity>(db, applicant::Column::Id).await?,
            application: max_id::<application::Entity>(db, application::Column::Id).await?,
            general_application: max_id::<general_application::Entity>(
                db,
                general_application::Column::Id,
            )
            .await?,
            trainee: max_id::<trainee::Entity>(db, trainee::Column::Id).await?,
            effort_report: max_id::<research_effort_report::Entity>(
                db,
                research_effort_report::Column::Id,
            )
            .await?,
            paper: max_id::<paper::Entity>(db, paper::Column::Id).await?,
            extension: max_id::<extension::Entity>(db, extension::Column::Id).await?,
            study_abroad: max_id::<study_abroad::Entity>(db, study_abroad::Column::Id).await?,
            departure: max_id::<departure::Entity>(db, departure::Column::Id).await?,
            quota_reduction: max_id::<quota_reduction::Entity>(db, quota_reduction::Column::Id)
                .await?,
            report: max_id::<annual_report::Entity>(db, annual_report::Column::Id).await?,
            version: max_id::<annual_report_version::Entity>(db, annual_report_version::Column::Id)
                .await?,
            entry: max_id::<annual_report_entry::Entity>(db, annual_report_entry::Column::Id)
                .await?,
            guidance: max_id::<guidance::Entity>(db, guidance::Column::Id).await?,
        })
    }
}

fn next(counter: &mut i64) -> i64 {
    *counter += 1;
    *counter
}
// --- the generator -----------------------------------------------------------

/// An institution while generating, with what the ORM row does not keep.
struct Inst {
    row: institution::Model,
    prefecture: usize,
    /// The university of a university hospital; its graduate school hosts research.
    university: Option<String>,
    /// The national centre's index in [`NATIONAL_CENTERS`].
    center: Option<usize>,
    /// The fields (indices into [`FIELDS`]) in which it is a certified
    /// training facility of the regular programs (I.3(3)).
    fields: BTreeSet<usize>,
}

struct CourseInfo {
    field: usize,
    institution: usize,
    withdrawn_on: Option<NaiveDate>,
}

struct Person {
    facts: ApplicantFacts,
    seq: usize,
}

struct AppInfo {
    applicant: usize,
    course: usize,
    general: Option<usize>,
}

#[derive(Clone, Copy)]
struct Rules {
    course_years: u32,
    clinical_years: u32,
}

struct TraineeInfo {
    course: usize,
    started_on: NaiveDate,
    research_from: NaiveDate,
    departed_on: Option<NaiveDate>,
    /// The seats the departure cost (III.3), when no special circumstances
    /// were granted on recording: the quota reduction's id.
    reduction: Option<i64>,
    /// Claimed special circumstances, and whether the board granted them.
    claimed: bool,
    granted: bool,
    /// Research effort per training year of the research phase.
    efforts: BTreeMap<i32, i32>,
}

#[derive(Default)]
struct Plan {
    institutions: Vec<institution::Model>,
    certifications: Vec<institution_certification::Model>,
    cycles: Vec<recruitment_cycle::Model>,
    participations: Vec<participation::Model>,
    courses: Vec<course::Model>,
    partner_sites: Vec<course_partner_site::Model>,
    field_quotas: Vec<field_quota::Model>,
    sanctions: Vec<sanction::Model>,
    applicants: Vec<applicant::Model>,
    applications: Vec<application::Model>,
    general_applications: Vec<general_application::Model>,
    trainees: Vec<trainee::Model>,
    effort_reports: Vec<research_effort_report::Model>,
    papers: Vec<paper::Model>,
    extensions: Vec<extension::Model>,
    study_abroad: Vec<study_abroad::Model>,
    quota_reductions: Vec<quota_reduction::Model>,
    departures: Vec<departure::Model>,
    reports: Vec<annual_report::Model>,
    versions: Vec<annual_report_version::Model>,
    entries: Vec<annual_report_entry::Model>,
    guidance: Vec<guidance::Model>,
    idle_subjects: Vec<String>,
    showcase: summary::Showcase,
}

struct Generator<'a> {
    rng: &'a mut ChaCha8Rng,
    sizes: Sizes,
    societies: &'a [society::Model],
    ids: Bases,
    plan: Plan,
    insts: Vec<Inst>,
    course_info: Vec<CourseInfo>,
    people: Vec<Person>,
    apps: Vec<AppInfo>,
    trainee_info: Vec<TraineeInfo>,
    /// Medical schools applicants graduated from.
    schools: Vec<String>,
    /// Institutions (indices) that lost the right to set courses (II.3(2)).
    suspensions: Vec<(usize, suspension::Suspension)>,
    /// Course seats lost after departures (III.3), by institution id and year.
    cuts: BTreeMap<(i64, i32), u32>,
}

impl<'a> Generator<'a> {
    fn new(
        rng: &'a mut ChaCha8Rng,
        sizes: Sizes,
        societies: &'a [society::Model],
        ids: Bases,
    ) -> Self {
        let mut schools: Vec<String> = PREFECTURES
            .iter()
            .map(|p| format!("{}大学", stem(p)))
            .collect();
        let mut by_population: Vec<usize> = (0..PREFECTURES.len()).collect();
        by_population.sort_by_key(|&i| std::cmp::Reverse(PREFECTURE_FACTS[i].1));
        schools.extend(
            by_population
                .iter()
                .take(12)
                .map(|&i| format!("{}医科大学", stem(PREFECTURES[i]))),
        );
        Self {
            rng,
            sizes,
            societies,
            ids,
            plan: Plan::default(),
            insts: Vec::new(),
            course_info: Vec::new(),
            people: Vec::new(),
            apps: Vec::new(),
            trainee_info: Vec::new(),
            schools,
            suspensions: Vec::new(),
            cuts: BTreeMap::new(),
        }
    }

    fn run(mut self) -> Result<Plan, DbErr> {
        self.institutions();
        for year in FIRST_YEAR..=PLANNING_YEAR {
            self.cycle(year);
        }
        // Doctors apply up to the intake in selection; a few registered
        // since for the next one.
        let years: Vec<i32> = (FIRST_YEAR..=SELECTION_YEAR).collect();
        let cohorts = self.cohorts(years.len());
        let mut previous_not_adopted: Vec<usize> = Vec::new();
        for (k, &year) in years.iter().enumerate() {
            let participating = self.participations(year);
            let courses = self.courses(year, &participating);
            let apps = self.recruit(year, cohorts[k], &courses, &previous_not_adopted);
            previous_not_adopted = if year < SELECTION_YEAR {
                self.select(year, &participating, &apps)?
            } else {
                self.select_so_far(year, &participating, &apps)?;
                Vec::new()
            };
        }
        let participating = self.participations(PLANNING_YEAR);
        self.courses(PLANNING_YEAR, &participating);
        self.training();
        self.reports();
        self.research_effort();
        self.completions();
        self.plan.showcase = self.showcase();
        Ok(self.plan)
    }

    fn weight(&self, field: usize) -> f64 {
        FIELDS[field].weight
    }

    fn cycle_of(&self, year: i32) -> &recruitment_cycle::Model {
        self.plan
            .cycles
            .iter()
            .find(|c| c.year == year)
            .expect("every seeded year has its cycle")
    }

    fn rules(&self, year: i32) -> Rules {
        let c = self.cycle_of(year);
        Rules {
            course_years: c.course_years as u32,
            clinical_years: c.clinical_years as u32,
        }
    }

    /// What the course-setting rules see of institution `i` for field `f`.
    fn site(&self, i: usize, f: usize) -> Site {
        let kind = self.insts[i].row.kind;
        Site {
            university_hospital: kind == InstitutionKind::UniversityHospital,
            national_center: kind == InstitutionKind::NationalCenter,
            certified_in_field: self.insts[i].fields.contains(&f),
        }
    }

    /// Whether institution `i` lost the right to set courses for `year`.
    fn suspended(&self, i: usize, year: i32) -> bool {
        let own: Vec<suspension::Suspension> = self
            .suspensions
            .iter()
            .filter(|(inst, _)| *inst == i)
            .map(|(_, s)| *s)
            .collect();
        suspension::suspended_until(&own, year).is_some()
    }

    /// The cycles as they stood on `day` (at most [`as_of`]): those created
    /// by then, each in the phase its dates give (a cycle's selection is
    /// finalized ten days after its early call closes).
    fn calendar_on(&self, day: NaiveDate) -> Calendar {
        let cycles = self
            .plan
            .cycles
            .iter()
            .filter(|c| c.created_at.date_naive() <= day)
            .map(|c| {
                let phase = if day < c.early_call_opens_on {
                    Phase::Planning
                } else if day < c.early_call_closes_on {
                    Phase::EarlyCallOpen
                } else if day < add_days(c.early_call_closes_on, 10) {
                    Phase::QuotasAllocated
                } else {
                    Phase::SelectionFinalized
                };
                (c.year, phase)
            })
            .collect();
        Calendar::new(cycles)
    }
}
