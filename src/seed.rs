//! `csc seed-demo`: fills an empty database with a realistic, deterministic
//! data set; the national scale at `--scale 1`, a small demo below it.
//!
//! At scale 1: about 1,500 institutions (80 university hospitals, the 6
//! national centres, the rest public and other hospitals, named from their
//! prefecture and kind), the recruitment cycles 2021-2027 (2021-2026 with
//! the selection finalized, 2027 with the early call open), about 60 courses
//! a year with partner sites, research hosts and status guarantees, about
//! 10,000 doctors with their applications and parallel general applications,
//! and the adopted ones as trainees with papers, extensions, study abroad,
//! departures and annual reports. Field quotas are computed with the board's
//! rule ([`crate::domain::quota`]) and the selection follows
//! `finalizeSelection`, so every figure the API derives is consistent.
//!
//! Deterministic: the same seed and scale give the same rows (a ChaCha8
//! generator, fixed dates, no hash-map iteration). The data describes the
//! world as of [`AS_OF`]. Rows are built in memory with their ids (after the
//! largest id already in each table), then inserted table by table in
//! multi-row INSERTs, one transaction per chunk.

use crate::db::begin_write;
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
    ApplicationOutcome, ApplicationStatus, CourseStatus, CyclePhase, DecisionBasis, DecisionStatus,
    DegreeStatus, EffortSource, ExtensionReason, FieldCode, GeneralApplicationStatus,
    InstitutionKind, ReportStatus, ResearchHostKind, SanctionReason, TraineePhase,
};
use crate::entity::{
    annual_report, annual_report_entry, annual_report_version, applicant, application, course,
    course_partner_site, departure, extension, field_quota, general_application, guidance,
    institution, institution_certification, paper, participation, quota_reduction,
    recruitment_cycle, research_effort_report, sanction, society, study_abroad, trainee,
};
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
/// The intake whose early call is open in the demo.
pub const OPEN_YEAR: i32 = 2027;
/// Largest `--scale`: licence numbers (7 digits) and names stay unique below it.
pub const MAX_SCALE: f64 = 20.0;
/// Bind parameters per INSERT, below SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

/// The day the data describes: the 2027 early call is open.
pub fn as_of() -> NaiveDate {
    ymd(2026, 10, 1)
}

/// What was inserted, table by table, and where to start exploring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub institutions: usize,
    pub institution_certifications: usize,
    pub recruitment_cycles: usize,
    pub participations: usize,
    pub courses: usize,
    pub course_partner_sites: usize,
    pub field_quotas: usize,
    pub sanctions: usize,
    pub applicants: usize,
    pub applications: usize,
    pub general_applications: usize,
    pub trainees: usize,
    pub research_effort_reports: usize,
    pub papers: usize,
    pub extensions: usize,
    pub study_abroad_periods: usize,
    pub departures: usize,
    pub quota_reductions: usize,
    pub annual_reports: usize,
    pub annual_report_versions: usize,
    pub annual_report_entries: usize,
    pub guidance: usize,
    /// `doctor-0001`, a 2021 trainee with papers: a good APPLICANT token subject.
    pub first_subject: String,
    pub first_applicant_name: String,
    /// Doctors registered for the open cycle without an application yet, in
    /// subject order: they can `submitApplication` right away.
    pub idle_subjects: Vec<String>,
}

impl Summary {
    pub fn rows(&self) -> usize {
        self.institutions
            + self.institution_certifications
            + self.recruitment_cycles
            + self.participations
            + self.courses
            + self.course_partner_sites
            + self.field_quotas
            + self.sanctions
            + self.applicants
            + self.applications
            + self.general_applications
            + self.trainees
            + self.research_effort_reports
            + self.papers
            + self.extensions
            + self.study_abroad_periods
            + self.departures
            + self.quota_reductions
            + self.annual_reports
            + self.annual_report_versions
            + self.annual_report_entries
            + self.guidance
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = [
            ("institutions", self.institutions),
            (
                "institution_certifications",
                self.institution_certifications,
            ),
            ("recruitment_cycles", self.recruitment_cycles),
            ("participations", self.participations),
            ("courses", self.courses),
            ("course_partner_sites", self.course_partner_sites),
            ("field_quotas", self.field_quotas),
            ("sanctions", self.sanctions),
            ("applicants", self.applicants),
            ("applications", self.applications),
            ("general_applications", self.general_applications),
            ("trainees", self.trainees),
            ("research_effort_reports", self.research_effort_reports),
            ("papers", self.papers),
            ("extensions", self.extensions),
            ("study_abroad_periods", self.study_abroad_periods),
            ("departures", self.departures),
            ("quota_reductions", self.quota_reductions),
            ("annual_reports", self.annual_reports),
            ("annual_report_versions", self.annual_report_versions),
            ("annual_report_entries", self.annual_report_entries),
            ("guidance", self.guidance),
        ];
        for (table, n) in counts {
            writeln!(f, "{table}: {n}")?;
        }
        writeln!(f, "rows: {}", self.rows())?;
        writeln!(
            f,
            "first_applicant: {} ({}, a {FIRST_YEAR} trainee)",
            self.first_subject, self.first_applicant_name
        )?;
        match (self.idle_subjects.first(), self.idle_subjects.last()) {
            (Some(first), Some(last)) => write!(
                f,
                "idle_subjects: {first}..{last} ({} registered for {OPEN_YEAR}, no application yet)",
                self.idle_subjects.len()
            ),
            _ => write!(f, "idle_subjects: none"),
        }
    }
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
        + applicant::Entity::find().count(db).await?;
    if existing > 0 {
        return Err(DbErr::Custom(
            "the database already holds courses, cycles or applicants; \
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
            courses_per_year: n(60.0, 10),
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

// --- reference data ----------------------------------------------------------

struct Field {
    code: FieldCode,
    /// Relative size: roughly the field's share of new regular-program trainees.
    weight: f64,
    /// How likely the society takes part in a year's early call.
    participation: f64,
}

const fn field(code: FieldCode, weight: f64, participation: f64) -> Field {
    Field {
        code,
        weight,
        participation,
    }
}

/// The 19 fields in the board's official order.
const FIELDS: [Field; 19] = [
    field(FieldCode::InternalMedicine, 29.0, 1.0),
    field(FieldCode::Pediatrics, 5.5, 0.95),
    field(FieldCode::Dermatology, 3.5, 0.95),
    field(FieldCode::Psychiatry, 5.0, 0.9),
    field(FieldCode::Surgery, 8.5, 0.9),
    field(FieldCode::Orthopedics, 6.5, 0.85),
    field(FieldCode::ObstetricsGynecology, 5.0, 0.85),
    field(FieldCode::Ophthalmology, 3.3, 0.9),
    field(FieldCode::Otolaryngology, 2.5, 0.8),
    field(FieldCode::Urology, 3.0, 0.9),
    field(FieldCode::Neurosurgery, 2.3, 0.5),
    field(FieldCode::Radiology, 3.0, 0.5),
    field(FieldCode::Anesthesiology, 5.0, 0.7),
    field(FieldCode::Pathology, 1.0, 0.5),
    field(FieldCode::LaboratoryMedicine, 0.3, 0.6),
    field(FieldCode::EmergencyMedicine, 3.0, 0.5),
    field(FieldCode::PlasticSurgery, 2.3, 0.8),
    field(FieldCode::RehabilitationMedicine, 1.0, 0.7),
    field(FieldCode::GeneralPractice, 2.5, 0.85),
];

/// Prefectures in the order of [`PREFECTURES`]: romanized name and population
/// (2020 census, tens of thousands), which weighs where hospitals are.
const PREFECTURE_FACTS: [(&str, u32); 47] = [
    ("Hokkaido", 522),
    ("Aomori", 124),
    ("Iwate", 121),
    ("Miyagi", 230),
    ("Akita", 96),
    ("Yamagata", 107),
    ("Fukushima", 183),
    ("Ibaraki", 287),
    ("Tochigi", 193),
    ("Gunma", 194),
    ("Saitama", 734),
    ("Chiba", 628),
    ("Tokyo", 1405),
    ("Kanagawa", 924),
    ("Niigata", 220),
    ("Toyama", 103),
    ("Ishikawa", 113),
    ("Fukui", 77),
    ("Yamanashi", 81),
    ("Nagano", 205),
    ("Gifu", 198),
    ("Shizuoka", 363),
    ("Aichi", 754),
    ("Mie", 177),
    ("Shiga", 141),
    ("Kyoto", 258),
    ("Osaka", 884),
    ("Hyogo", 547),
    ("Nara", 132),
    ("Wakayama", 92),
    ("Tottori", 55),
    ("Shimane", 67),
    ("Okayama", 189),
    ("Hiroshima", 280),
    ("Yamaguchi", 134),
    ("Tokushima", 72),
    ("Kagawa", 95),
    ("Ehime", 133),
    ("Kochi", 69),
    ("Fukuoka", 514),
    ("Saga", 81),
    ("Nagasaki", 131),
    ("Kumamoto", 174),
    ("Oita", 112),
    ("Miyazaki", 107),
    ("Kagoshima", 159),
    ("Okinawa", 147),
];

/// Words that make hospital names look like the districts they serve.
const AREAS: [&str; 40] = [
    "中央",
    "東",
    "西",
    "南",
    "北",
    "城東",
    "城西",
    "城南",
    "城北",
    "港",
    "青葉",
    "若葉",
    "桜ヶ丘",
    "緑ヶ丘",
    "旭",
    "朝日",
    "昭和",
    "大和",
    "平和",
    "協和",
    "明和",
    "松原",
    "高田",
    "本町",
    "新町",
    "栄",
    "泉",
    "山手",
    "浜",
    "川辺",
    "湖南",
    "湖北",
    "北部",
    "南部",
    "東部",
    "西部",
    "八幡",
    "宮前",
    "千代田",
    "日吉",
];

struct NationalCenter {
    name: &'static str,
    name_en: &'static str,
    prefecture: &'static str,
    research: &'static str,
    fields: &'static [FieldCode],
}

/// The six national centres (ナショナルセンター).
const NATIONAL_CENTERS: [NationalCenter; 6] = {
    use FieldCode::*;
    [
        NationalCenter {
            name: "国立がん研究センター中央病院",
            name_en: "National Cancer Center Hospital",
            prefecture: "東京都",
            research: "国立がん研究センター研究所",
            fields: &[
                InternalMedicine,
                Surgery,
                Dermatology,
                Urology,
                ObstetricsGynecology,
                Otolaryngology,
                Radiology,
                Pathology,
            ],
        },
        NationalCenter {
            name: "国立循環器病研究センター",
            name_en: "National Cerebral and Cardiovascular Center",
            prefecture: "大阪府",
            research: "国立循環器病研究センター研究所",
            fields: &[
                InternalMedicine,
                Surgery,
                Neurosurgery,
                Radiology,
                LaboratoryMedicine,
            ],
        },
        NationalCenter {
            name: "国立精神・神経医療研究センター病院",
            name_en: "National Center of Neurology and Psychiatry Hospital",
            prefecture: "東京都",
            research: "国立精神・神経医療研究センター神経研究所",
            fields: &[
                Psychiatry,
                InternalMedicine,
                RehabilitationMedicine,
                Pediatrics,
            ],
        },
        NationalCenter {
            name: "国立国際医療研究センター病院",
            name_en: "National Center for Global Health and Medicine Hospital",
            prefecture: "東京都",
            research: "国立国際医療研究センター研究所",
            fields: &[
                InternalMedicine,
                GeneralPractice,
                EmergencyMedicine,
                Dermatology,
                Surgery,
            ],
        },
        NationalCenter {
            name: "国立成育医療研究センター",
            name_en: "National Center for Child Health and Development",
            prefecture: "東京都",
            research: "国立成育医療研究センター研究所",
            fields: &[Pediatrics, ObstetricsGynecology, Anesthesiology],
        },
        NationalCenter {
            name: "国立長寿医療研究センター",
            name_en: "National Center for Geriatrics and Gerontology",
            prefecture: "愛知県",
            research: "国立長寿医療研究センター研究所",
            fields: &[
                InternalMedicine,
                RehabilitationMedicine,
                Orthopedics,
                GeneralPractice,
            ],
        },
    ]
};

/// (kanji, katakana, romaji)
const FAMILY_NAMES: [(&str, &str, &str); 40] = [
    ("佐藤", "サトウ", "sato"),
    ("鈴木", "スズキ", "suzuki"),
    ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"),
    ("伊藤", "イトウ", "ito"),
    ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"),
    ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"),
    ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"),
    ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"),
    ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"),
    ("斎藤", "サイトウ", "saito"),
    ("清水", "シミズ", "shimizu"),
    ("山崎", "ヤマザキ", "yamazaki"),
    ("森", "モリ", "mori"),
    ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"),
    ("阿部", "アベ", "abe"),
    ("石川", "イシカワ", "ishikawa"),
    ("山下", "ヤマシタ", "yamashita"),
    ("中島", "ナカジマ", "nakajima"),
    ("石井", "イシイ", "ishii"),
    ("小川", "オガワ", "ogawa"),
    ("前田", "マエダ", "maeda"),
    ("岡田", "オカダ", "okada"),
    ("長谷川", "ハセガワ", "hasegawa"),
    ("藤田", "フジタ", "fujita"),
    ("後藤", "ゴトウ", "goto"),
    ("近藤", "コンドウ", "kondo"),
    ("村上", "ムラカミ", "murakami"),
    ("遠藤", "エンドウ", "endo"),
    ("青木", "アオキ", "aoki"),
    ("坂本", "サカモト", "sakamoto"),
];

/// (kanji, katakana, romaji)
const GIVEN_NAMES: [(&str, &str, &str); 40] = [
    ("翔太", "ショウタ", "shota"),
    ("大輔", "ダイスケ", "daisuke"),
    ("健太", "ケンタ", "kenta"),
    ("拓也", "タクヤ", "takuya"),
    ("直樹", "ナオキ", "naoki"),
    ("亮", "リョウ", "ryo"),
    ("悠斗", "ユウト", "yuto"),
    ("大樹", "ダイキ", "daiki"),
    ("和也", "カズヤ", "kazuya"),
    ("隆之", "タカユキ", "takayuki"),
    ("誠", "マコト", "makoto"),
    ("陽介", "ヨウスケ", "yosuke"),
    ("浩二", "コウジ", "koji"),
    ("俊介", "シュンスケ", "shunsuke"),
    ("翼", "ツバサ", "tsubasa"),
    ("健一", "ケンイチ", "kenichi"),
    ("雄太", "ユウタ", "yuta"),
    ("智也", "トモヤ", "tomoya"),
    ("康平", "コウヘイ", "kohei"),
    ("慎也", "シンヤ", "shinya"),
    ("美咲", "ミサキ", "misaki"),
    ("彩", "アヤ", "aya"),
    ("愛", "アイ", "ai"),
    ("優子", "ユウコ", "yuko"),
    ("真由美", "マユミ", "mayumi"),
    ("由佳", "ユカ", "yuka"),
    ("恵", "メグミ", "megumi"),
    ("麻衣", "マイ", "mai"),
    ("沙織", "サオリ", "saori"),
    ("奈々", "ナナ", "nana"),
    ("千尋", "チヒロ", "chihiro"),
    ("明日香", "アスカ", "asuka"),
    ("遥", "ハルカ", "haruka"),
    ("理恵", "リエ", "rie"),
    ("舞", "マイ", "mai"),
    ("友美", "トモミ", "tomomi"),
    ("香織", "カオリ", "kaori"),
    ("裕子", "ユウコ", "yuko"),
    ("綾香", "アヤカ", "ayaka"),
    ("早紀", "サキ", "saki"),
];

/// Medical schools whose graduates owe years of service (義務年限): not eligible.
const OBLIGATED_SCHOOLS: [&str; 3] = ["自治医科大学", "産業医科大学", "防衛医科大学校"];

/// (journal, SCI-indexed, English)
const JOURNALS: [(&str, bool, bool); 16] = [
    ("Circulation Journal", true, true),
    ("Journal of Gastroenterology", true, true),
    ("Cancer Science", true, true),
    ("Internal Medicine", true, true),
    ("Pediatrics International", true, true),
    ("The Journal of Dermatology", true, true),
    ("Psychiatry and Clinical Neurosciences", true, true),
    ("International Journal of Urology", true, true),
    ("Japanese Journal of Ophthalmology", true, true),
    ("Journal of Orthopaedic Science", true, true),
    ("Surgery Today", true, true),
    ("Scientific Reports", true, true),
    ("PLOS ONE", true, true),
    ("JAMA Network Open", true, true),
    ("日本内科学会雑誌", false, false),
    ("臨床眼科", false, false),
];

const PAPER_TOPICS: [&str; 12] = [
    "Long-term outcomes",
    "Risk factors for readmission",
    "Genomic profiling",
    "Prognostic value of inflammatory markers",
    "Real-world effectiveness of biologic therapy",
    "Machine-learning prediction of complications",
    "Sex differences in treatment response",
    "Frailty and survival",
    "Single-cell transcriptomic landscape",
    "Regional variation in care",
    "Quality of life after treatment",
    "Cost-effectiveness of early intervention",
];

const PAPER_POPULATIONS: [&str; 10] = [
    "Japanese adults with type 2 diabetes",
    "patients with heart failure",
    "children with atopic dermatitis",
    "older adults after hip fracture",
    "patients with early-stage lung cancer",
    "patients with treatment-resistant depression",
    "patients undergoing radical prostatectomy",
    "patients with diabetic retinopathy",
    "pregnant women with gestational hypertension",
    "patients admitted to intensive care",
];

const PAPER_DESIGNS: [&str; 6] = [
    "a nationwide cohort study",
    "a multicentre retrospective study",
    "a randomized controlled trial",
    "a prospective registry study",
    "a propensity-matched analysis",
    "a case report",
];

const ABROAD: [(&str, &str); 8] = [
    ("Harvard Medical School", "United States"),
    ("Stanford University School of Medicine", "United States"),
    ("National Institutes of Health", "United States"),
    ("Karolinska Institutet", "Sweden"),
    ("University of Cambridge", "United Kingdom"),
    ("Institut Pasteur", "France"),
    ("University of Toronto", "Canada"),
    ("Charité – Universitätsmedizin Berlin", "Germany"),
];

const WITHDRAWAL_REASONS: [&str; 3] = [
    "統括責任者の異動により研修体制を維持できなくなったため",
    "研究指導体制の見直しのため",
    "連携施設との調整が整わなかったため",
];

const DEPARTURE_REASONS: [&str; 4] = [
    "家庭の事情により退職",
    "一般の専門研修プログラムへ移行",
    "健康上の理由により研修の継続が困難となったため",
    "他施設への転職",
];

const GUIDANCE_TEXTS: [&str; 3] = [
    "研究期間中の臨床従事割合が指針の要件を満たしていない。研究時間の確保について改善計画を提出すること。",
    "社会保険の適用状況の記載が不十分である。雇用契約の内容を添えて再提出すること。",
    "指導医による評価の記録が欠けている。評価票を整備のうえ再提出すること。",
];

// --- small helpers ----------------------------------------------------------

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months))
        .expect("dates stay in range")
}

fn add_days(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days))
        .expect("dates stay in range")
}

fn sub_days(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(days))
        .expect("dates stay in range")
}

/// A moment on `date`, Japan time.
fn jst(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let local = date
        .and_hms_opt(hour, minute, 0)
        .expect("a valid time of day");
    Utc.from_utc_datetime(&(local - chrono::Duration::hours(9)))
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An index drawn with probability proportional to its weight; `None` when
/// every weight is zero.
fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    if total <= 0.0 {
        return None;
    }
    let mut x = rng.random::<f64>() * total;
    let mut last = None;
    for (i, w) in weights.iter().enumerate() {
        if *w <= 0.0 {
            continue;
        }
        if x < *w {
            return Some(i);
        }
        x -= w;
        last = Some(i);
    }
    last
}

/// A day between `from` and `to`, both included (`from` when `to` is earlier).
fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 {
        return from;
    }
    add_days(from, rng.random_range(0..=span) as u64)
}

/// A moment during office hours on a day between `from` and `to`.
fn moment_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> DateTime<Utc> {
    let day = day_between(rng, from, to);
    jst(day, rng.random_range(8..20), rng.random_range(0..60))
}

/// 東京都 → 東京, 京都府 → 京都, 北海道 stays.
fn stem(prefecture: &str) -> &str {
    prefecture
        .strip_suffix(['県', '府', '都'])
        .unwrap_or(prefecture)
}

fn person(rng: &mut ChaCha8Rng) -> (usize, usize) {
    (
        rng.random_range(0..FAMILY_NAMES.len()),
        rng.random_range(0..GIVEN_NAMES.len()),
    )
}

fn person_name((family, given): (usize, usize)) -> String {
    format!("{} {}", FAMILY_NAMES[family].0, GIVEN_NAMES[given].0)
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
        let years: Vec<i32> = (FIRST_YEAR..=OPEN_YEAR).collect();
        for &year in &years {
            self.cycle(year);
        }
        let cohorts = self.cohorts(years.len());
        let mut previous_not_adopted: Vec<usize> = Vec::new();
        for (k, &year) in years.iter().enumerate() {
            let participating = self.participations(year);
            let courses = self.courses(year, &participating);
            let apps = self.recruit(year, cohorts[k], &courses, &previous_not_adopted);
            previous_not_adopted = if year < OPEN_YEAR {
                self.select(year, &participating, &apps)?
            } else {
                Vec::new()
            };
        }
        self.training();
        self.reports();
        self.research_effort();
        self.completions();
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

    // --- institutions ---

    fn institutions(&mut self) {
        let mut names = BTreeSet::new();
        let mut insts = Vec::new();
        let population: Vec<f64> = PREFECTURE_FACTS.iter().map(|p| p.1 as f64).collect();

        // University hospitals: one per prefecture (the most populous first
        // when there are fewer than 47), then more where people are.
        let n = self.sizes.university_hospitals;
        let mut prefectures: Vec<usize> = Vec::new();
        let mut left = population.clone();
        while prefectures.len() < n.min(PREFECTURES.len()) {
            let p = weighted(self.rng, &left).expect("prefectures remain");
            left[p] = 0.0;
            prefectures.push(p);
        }
        prefectures.sort_unstable();
        for &p in &prefectures {
            let s = stem(PREFECTURES[p]);
            let name = format!("{s}大学病院");
            names.insert(name.clone());
            insts.push(self.inst(
                name,
                Some(format!("{} University Hospital", PREFECTURE_FACTS[p].0)),
                InstitutionKind::UniversityHospital,
                p,
                true,
                Some(format!("{s}大学")),
                None,
            ));
        }
        for _ in prefectures.len()..n {
            let p = weighted(self.rng, &population).expect("populated prefectures");
            let (full, s, en) = (PREFECTURES[p], stem(PREFECTURES[p]), PREFECTURE_FACTS[p].0);
            let mut made = None;
            for _ in 0..30 {
                let area = *pick(self.rng, &AREAS);
                let (university, hospital, name_en) = match self.rng.random_range(0..5) {
                    0 => (
                        format!("{s}医科大学"),
                        format!("{s}医科大学附属病院"),
                        Some(format!("{en} Medical University Hospital")),
                    ),
                    1 => (
                        format!("{full}立医科大学"),
                        format!("{full}立医科大学附属病院"),
                        None,
                    ),
                    2 => (
                        format!("{s}{area}大学"),
                        format!("{s}{area}大学医学部附属病院"),
                        None,
                    ),
                    3 => (format!("{s}医療大学"), format!("{s}医療大学病院"), None),
                    _ => (
                        format!("{area}医科大学"),
                        format!("{area}医科大学{s}病院"),
                        None,
                    ),
                };
                if names.insert(hospital.clone()) {
                    made = Some((university, hospital, name_en));
                    break;
                }
            }
            let (university, hospital, name_en) = made.unwrap_or_else(|| {
                let k = names.len();
                let hospital = format!("{s}大学医学部附属第{k}病院");
                names.insert(hospital.clone());
                (format!("{s}大学"), hospital, None)
            });
            insts.push(self.inst(
                hospital,
                name_en,
                InstitutionKind::UniversityHospital,
                p,
                true,
                Some(university),
                None,
            ));
        }

        for (i, c) in NATIONAL_CENTERS.iter().enumerate() {
            let p = PREFECTURES
                .iter()
                .position(|x| *x == c.prefecture)
                .expect("a prefecture of the list");
            names.insert(c.name.to_owned());
            insts.push(self.inst(
                c.name.to_owned(),
                Some(c.name_en.to_owned()),
                InstitutionKind::NationalCenter,
                p,
                true,
                None,
                Some(i),
            ));
        }

        for _ in 0..self.sizes.other_hospitals {
            let p = weighted(self.rng, &population).expect("populated prefectures");
            let public = chance(self.rng, 0.45);
            let (full, s) = (PREFECTURES[p], stem(PREFECTURES[p]));
            let mut made = None;
            for _ in 0..30 {
                let a = *pick(self.rng, &AREAS);
                let name = if public {
                    match self.rng.random_range(0..8) {
                        0 => format!("{full}立{a}病院"),
                        1 => format!("{s}{a}市民病院"),
                        2 => format!("国立病院機構{s}{a}医療センター"),
                        3 => format!("{s}{a}赤十字病院"),
                        4 => format!("公立{s}{a}総合病院"),
                        5 => format!("{s}{a}労災病院"),
                        6 => format!("{full}立{a}医療センター"),
                        _ => format!("{s}市立{a}病院"),
                    }
                } else {
                    match self.rng.random_range(0..8) {
                        0 => format!("{s}{a}記念病院"),
                        1 => format!("済生会{s}{a}病院"),
                        2 => format!("{s}{a}総合病院"),
                        3 => format!("{s}{a}中央病院"),
                        4 => format!("{a}会{s}病院"),
                        5 => format!("{s}{a}協立病院"),
                        6 => format!("{s}{a}循環器病院"),
                        _ => format!("{s}{a}徳洲会病院"),
                    }
                };
                if names.insert(name.clone()) {
                    made = Some(name);
                    break;
                }
            }
            let name = made.unwrap_or_else(|| {
                let name = format!("{s}第{}病院", names.len());
                names.insert(name.clone());
                name
            });
            let (kind, certified) = if public {
                (InstitutionKind::PublicHospital, chance(self.rng, 0.8))
            } else {
                (InstitutionKind::OtherHospital, chance(self.rng, 0.6))
            };
            insts.push(self.inst(name, None, kind, p, certified, None, None));
        }

        // Numbered like a registry: by prefecture (JIS order), then kind.
        let rank = |k: InstitutionKind| match k {
            InstitutionKind::UniversityHospital => 0,
            InstitutionKind::NationalCenter => 1,
            InstitutionKind::PublicHospital => 2,
            InstitutionKind::OtherHospital => 3,
        };
        insts.sort_by_key(|i| (i.prefecture, rank(i.row.kind)));
        let registered = jst(ymd(2020, 4, 1), 9, 0);
        for (n, inst) in insts.iter_mut().enumerate() {
            inst.row.id = next(&mut self.ids.institution);
            inst.row.created_at = registered + chrono::Duration::minutes(n as i64);
            inst.fields = self.certified_fields(inst);
            inst.row.certified_training_facility = !inst.fields.is_empty();
            for &f in &inst.fields {
                self.plan
                    .certifications
                    .push(institution_certification::Model {
                        institution_id: inst.row.id,
                        society_id: self.societies[f].id,
                    });
            }
        }
        self.plan.institutions = insts.iter().map(|i| i.row.clone()).collect();
        self.insts = insts;
    }

    /// The fields an institution is certified in (I.3(3)): a university
    /// hospital in every field, a national centre in its own, a certified
    /// hospital in internal medicine mostly and in the larger fields more
    /// often than the small ones.
    fn certified_fields(&mut self, inst: &Inst) -> BTreeSet<usize> {
        if inst.row.kind == InstitutionKind::UniversityHospital {
            return (0..FIELDS.len()).collect();
        }
        if let Some(c) = inst.center {
            return (0..FIELDS.len())
                .filter(|&f| NATIONAL_CENTERS[c].fields.contains(&FIELDS[f].code))
                .collect();
        }
        if !inst.row.certified_training_facility {
            return BTreeSet::new();
        }
        let mut fields: BTreeSet<usize> = (0..FIELDS.len())
            .filter(|&f| chance(self.rng, (0.1 + FIELDS[f].weight / 12.0).min(0.9)))
            .collect();
        if fields.is_empty() {
            fields.insert(0);
        }
        fields
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

    /// The cycles as they stood on `day`: those created by then, each in
    /// the phase its dates give (the seeded cycles finalize ten days after
    /// the early call closes; the open one is in its call on [`as_of`]).
    fn calendar_on(&self, day: NaiveDate) -> Calendar {
        let cycles = self
            .plan
            .cycles
            .iter()
            .filter(|c| c.created_at.date_naive() <= day)
            .map(|c| {
                let phase = if day < c.early_call_opens_on {
                    Phase::Planning
                } else if day < c.early_call_closes_on || c.year == OPEN_YEAR {
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

    #[allow(clippy::too_many_arguments)]
    fn inst(
        &self,
        name: String,
        name_en: Option<String>,
        kind: InstitutionKind,
        prefecture: usize,
        certified: bool,
        university: Option<String>,
        center: Option<usize>,
    ) -> Inst {
        Inst {
            row: institution::Model {
                id: 0,
                name,
                name_en,
                kind,
                prefecture: PREFECTURES[prefecture].to_owned(),
                certified_training_facility: certified,
                created_at: jst(ymd(2020, 4, 1), 9, 0),
            },
            prefecture,
            university,
            center,
            fields: BTreeSet::new(),
        }
    }

    // --- cycles, participation, courses ---

    fn cycle(&mut self, year: i32) {
        let k = (year - FIRST_YEAR) as usize;
        let capacity = [40, 40, 40, 45, 50, 55, 60][k.min(6)];
        let (opens, closes, general) = if year == FIRST_YEAR {
            // The first early call as it happened.
            (ymd(2020, 9, 23), ymd(2020, 10, 19), ymd(2020, 11, 4))
        } else {
            (
                ymd(year - 1, 9, 20),
                ymd(year - 1, 10, 19),
                ymd(year - 1, 11, 4),
            )
        };
        let revised = year >= 2024;
        self.plan.cycles.push(recruitment_cycle::Model {
            id: next(&mut self.ids.cycle),
            year,
            total_capacity: capacity,
            early_call_opens_on: opens,
            early_call_closes_on: closes,
            general_call_opens_on: general,
            sanction_years: 1,
            phase: if year < OPEN_YEAR {
                CyclePhase::SelectionFinalized
            } else {
                CyclePhase::EarlyCallOpen
            },
            course_years: if revised { 5 } else { 7 },
            clinical_years: if revised { 1 } else { 2 },
            flexible_second_paper: revised,
            created_at: jst(ymd(year - 1, 4, 1), 10, 0),
        });
    }

    /// Each society decides whether it takes part (internal medicine always
    /// does); some that take part never say so, which counts as taking part
    /// (II.2(1), `quota::takes_part`).
    fn participations(&mut self, year: i32) -> Vec<bool> {
        let mut out = Vec::with_capacity(FIELDS.len());
        for (i, f) in FIELDS.iter().enumerate() {
            let yes = i == 0 || chance(self.rng, f.participation);
            let decision = (!yes || !chance(self.rng, 0.15)).then_some(yes);
            if let Some(participating) = decision {
                let decided_at =
                    moment_between(self.rng, ymd(year - 1, 6, 1), ymd(year - 1, 7, 31));
                self.plan.participations.push(participation::Model {
                    id: next(&mut self.ids.participation),
                    society_id: self.societies[i].id,
                    year,
                    participating,
                    decided_at,
                });
            }
            out.push(quota::takes_part(decision));
        }
        out
    }

    /// The year's courses; returns their indices.
    fn courses(&mut self, year: i32, participating: &[bool]) -> Vec<usize> {
        let fields: Vec<usize> = (0..FIELDS.len()).filter(|&f| participating[f]).collect();
        let n = self.sizes.courses_per_year;
        let mut per_field = vec![0usize; FIELDS.len()];
        let weights: Vec<f64> = (0..FIELDS.len())
            .map(|f| {
                if participating[f] {
                    self.weight(f)
                } else {
                    0.0
                }
            })
            .collect();
        if n >= fields.len() {
            for &f in &fields {
                per_field[f] = 1;
            }
            for _ in fields.len()..n {
                if let Some(f) = weighted(self.rng, &weights) {
                    per_field[f] += 1;
                }
            }
        } else {
            let mut left = weights.clone();
            for _ in 0..n {
                if let Some(f) = weighted(self.rng, &left) {
                    per_field[f] = 1;
                    left[f] = 0.0;
                }
            }
        }

        let cycle = self.cycle_of(year).clone();
        // I.2(2)①, II.3(2): universities and national centres that have
        // not lost the right to set courses for the year.
        let responsible: Vec<usize> = (0..self.insts.len())
            .filter(|&i| course_rules::check_responsible(&self.site(i, 0)).is_ok())
            .filter(|&i| !self.suspended(i, year))
            .collect();
        // Institutions that offered a field before tend to offer it again.
        let mut offered: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (c, info) in self.course_info.iter().enumerate() {
            if self.plan.courses[c].year < year {
                offered.insert((info.field, info.institution));
            }
        }

        let mut made = Vec::new();
        for (f, &count) in per_field.iter().enumerate() {
            let field_code = FIELDS[f].code;
            // I.3(3): partners are certified training facilities of the field.
            let mut certified_by_pref: Vec<Vec<usize>> = vec![Vec::new(); PREFECTURES.len()];
            let mut certified = Vec::new();
            for (i, inst) in self.insts.iter().enumerate() {
                if inst.row.kind != InstitutionKind::NationalCenter
                    && course_rules::check_partner(&self.site(i, f)).is_ok()
                {
                    certified_by_pref[inst.prefecture].push(i);
                    certified.push(i);
                }
            }
            let mut used = BTreeSet::new();
            for _ in 0..count {
                let weights: Vec<f64> = responsible
                    .iter()
                    .map(|&i| {
                        if used.contains(&i) {
                            return 0.0;
                        }
                        let base = match self.insts[i].center {
                            Some(c) if NATIONAL_CENTERS[c].fields.contains(&field_code) => 1.5,
                            Some(_) => 0.0,
                            None => 1.0,
                        };
                        if base > 0.0 && offered.contains(&(f, i)) {
                            base + 6.0
                        } else {
                            base
                        }
                    })
                    .collect();
                let Some(pick_at) = weighted(self.rng, &weights) else {
                    break;
                };
                let inst = responsible[pick_at];
                used.insert(inst);
                let c = self.course(year, &cycle, f, inst);
                // Partner sites: none for a course run at the institution alone.
                let partners = if chance(self.rng, 0.1) {
                    0
                } else {
                    self.rng.random_range(2..=6)
                };
                let mut chosen = BTreeSet::new();
                for _ in 0..partners * 4 {
                    if chosen.len() == partners {
                        break;
                    }
                    let local = &certified_by_pref[self.insts[inst].prefecture];
                    let pool = if !local.is_empty() && chance(self.rng, 0.7) {
                        local
                    } else {
                        &certified
                    };
                    if pool.is_empty() {
                        break;
                    }
                    let p = *pick(self.rng, pool);
                    if p != inst {
                        chosen.insert(p);
                    }
                }
                let course_id = self.plan.courses[c].id;
                for p in chosen {
                    self.plan.partner_sites.push(course_partner_site::Model {
                        course_id,
                        institution_id: self.insts[p].row.id,
                    });
                }
                made.push(c);
            }
        }
        made
    }

    fn course(
        &mut self,
        year: i32,
        cycle: &recruitment_cycle::Model,
        field: usize,
        inst: usize,
    ) -> usize {
        let field_ja = self.societies[field].field_name_ja.clone();
        let institution = &self.insts[inst];
        let (host_kind, host_name, host_institution) =
            match (institution.center, &institution.university) {
                (Some(c), _) => (
                    ResearchHostKind::NationalCenter,
                    NATIONAL_CENTERS[c].research.to_owned(),
                    institution.row.id,
                ),
                (None, Some(university)) if !chance(self.rng, 0.15) => (
                    ResearchHostKind::GraduateSchool,
                    format!("{university}大学院医学研究科"),
                    institution.row.id,
                ),
                _ => {
                    let centers: Vec<usize> = (0..self.insts.len())
                        .filter(|&i| {
                            self.insts[i].center.is_some_and(|c| {
                                NATIONAL_CENTERS[c].fields.contains(&FIELDS[field].code)
                            })
                        })
                        .collect();
                    match centers.first() {
                        Some(_) => {
                            let i = *pick(self.rng, &centers);
                            let c = self.insts[i].center.expect("a national centre");
                            (
                                ResearchHostKind::NationalCenter,
                                NATIONAL_CENTERS[c].research.to_owned(),
                                self.insts[i].row.id,
                            )
                        }
                        None => (
                            ResearchHostKind::GraduateSchool,
                            format!(
                                "{}大学院医学研究科",
                                institution.university.clone().unwrap_or_default()
                            ),
                            institution.row.id,
                        ),
                    }
                }
            };
        let paper_count = match host_kind {
            ResearchHostKind::GraduateSchool => self.rng.random_range(300..=2_500),
            ResearchHostKind::NationalCenter => self.rng.random_range(400..=1_800),
        };
        let paper_record = chance(self.rng, 0.7).then(|| {
            let in_field = paper_count * self.rng.random_range(5..=20) / 100;
            format!("過去5年間の英文SCI論文 {paper_count} 編（うち{field_ja}領域 {in_field} 編）")
        });
        let graduate_school = host_kind == ResearchHostKind::GraduateSchool;
        let research_phase = if graduate_school {
            *pick(
                self.rng,
                &[
                    "社会人大学院生として常勤医師の雇用を継続し、給与を支給",
                    "大学院在籍中も医員として雇用し、臨床業務に応じた給与を支給",
                ],
            )
        } else {
            "ナショナルセンターの研究員として雇用し、給与を支給"
        };
        debug_assert!(
            course_rules::check_research_host(
                HostKind::from(host_kind),
                self.insts
                    .iter()
                    .position(|i| i.row.id == host_institution)
                    .map(|i| self.site(i, field))
                    .as_ref(),
            )
            .is_ok()
        );
        let capacity = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3][self.rng.random_range(0..10)];
        // III.3: after departures the institution's courses keep more seats
        // than it lost (`departure::check_seats_after_cut`).
        let cut = self
            .cuts
            .get(&(institution.row.id, year))
            .copied()
            .unwrap_or(0);
        let capacity = capacity.max(cut as i32 + 1);
        let created = moment_between(self.rng, ymd(year - 1, 5, 7), ymd(year - 1, 6, 10));
        let submitted = created + chrono::Duration::days(self.rng.random_range(7..30));
        let approved = submitted + chrono::Duration::days(self.rng.random_range(10..25));
        let published = approved + chrono::Duration::days(self.rng.random_range(3..14));
        let status = if year < OPEN_YEAR {
            if chance(self.rng, 0.04) {
                CourseStatus::Withdrawn
            } else {
                CourseStatus::Published
            }
        } else {
            match self.rng.random_range(0..20) {
                0 => CourseStatus::Submitted,
                1 => CourseStatus::Approved,
                _ => CourseStatus::Published,
            }
        };
        let withdrawn_on = (status == CourseStatus::Withdrawn).then(|| {
            day_between(
                self.rng,
                add_days(cycle.early_call_opens_on, 5),
                sub_days(cycle.early_call_closes_on, 3),
            )
        });
        let withdrawn_at = withdrawn_on.map(|d| jst(d, 15, 0));
        let (submitted_at, approved_at, published_at) = match status {
            CourseStatus::Submitted => (Some(submitted), None, None),
            CourseStatus::Approved => (Some(submitted), Some(approved), None),
            _ => (Some(submitted), Some(approved), Some(published)),
        };
        let updated_at = withdrawn_at
            .or(published_at)
            .or(approved_at)
            .or(submitted_at)
            .unwrap_or(created);
        let director = person(self.rng);
        let row = course::Model {
            id: next(&mut self.ids.course),
            year,
            society_id: self.societies[field].id,
            title: format!("{} {field_ja}臨床研究医コース", institution.row.name),
            responsible_institution_id: institution.row.id,
            director: person_name(director),
            requested_capacity: capacity,
            status,
            curriculum: format!("{field_ja}領域専門研修カリキュラム（カリキュラム制）"),
            research_host_kind: host_kind,
            research_host_name: host_name,
            research_host_institution_id: Some(host_institution),
            research_host_paper_count: paper_count,
            research_host_paper_record: paper_record,
            guarantee_clinical_phase: "基本領域の専攻医と同等の給与・社会保険を保障".to_owned(),
            guarantee_research_phase: research_phase.to_owned(),
            // I.3(1): insured as in the regular programs (a course must promise it).
            guarantee_social_insurance: course_rules::check_status_guarantee(true).is_ok(),
            guarantee_working_graduate_student: graduate_school && chance(self.rng, 0.9),
            created_at: created,
            updated_at,
            submitted_at,
            approved_at,
            published_at,
            withdrawn_at,
            withdrawal_reason: withdrawn_on
                .map(|_| (*pick(self.rng, &WITHDRAWAL_REASONS)).to_owned()),
        };
        if let Some(on) = withdrawn_on {
            // Withdrawn after the call opened: the institution loses the
            // right to set its next courses (II.3(2)).
            let calendar = self.calendar_on(on);
            let years = cycle.sanction_years.max(0) as u32;
            let phase = calendar.phase(year).unwrap_or(Phase::EarlyCallOpen);
            if let Some(span) = suspension::after_course_lost(&calendar, year, phase, years) {
                self.plan.sanctions.push(sanction::Model {
                    id: next(&mut self.ids.sanction),
                    institution_id: row.responsible_institution_id,
                    course_id: Some(row.id),
                    reason: SanctionReason::CourseWithdrawn,
                    from_year: span.from_year,
                    until_year: span.until_year,
                    created_at: jst(on, 16, 0),
                });
                self.suspensions.push((inst, span));
            }
        }
        self.plan.courses.push(row);
        self.course_info.push(CourseInfo {
            field,
            institution: inst,
            withdrawn_on,
        });
        self.plan.courses.len() - 1
    }

    // --- doctors and applications ---

    /// New doctors per intake year, growing a little each year.
    fn cohorts(&self, years: usize) -> Vec<usize> {
        let weights = [12, 13, 14, 14, 15, 16, 16];
        let total: usize = weights.iter().take(years).sum();
        let mut out: Vec<usize> = weights
            .iter()
            .take(years)
            .map(|w| self.sizes.applicants * w / total)
            .collect();
        let given: usize = out.iter().sum();
        if let Some(last) = out.last_mut() {
            *last += self.sizes.applicants - given;
        }
        out
    }

    /// A new doctor registered for the intake `year`.
    fn applicant(&mut self, year: i32, eligible: bool) -> usize {
        let seq = self.people.len() + 1;
        let (family, given) = person(self.rng);
        // The ineligible: graduates with obligated service years, or doctors
        // with a regional quota obligation (guideline I.2.(1)).
        let (obligated, regional) = if eligible || seq == 1 {
            (false, false)
        } else if chance(self.rng, 0.5) {
            (true, false)
        } else {
            (false, true)
        };
        let school = if obligated {
            (*pick(self.rng, &OBLIGATED_SCHOOLS)).to_owned()
        } else {
            pick(self.rng, &self.schools).clone()
        };
        let graduation_year = year
            - match self.rng.random_range(0..100) {
                0..70 => 2,
                70..85 => 3,
                85..93 => 4,
                _ => self.rng.random_range(5..=8),
            };
        // A few apply before their initial training is over: not eligible.
        let completed = if seq != 1 && chance(self.rng, 0.01) {
            ymd(year, 9, 30)
        } else {
            ymd(graduation_year + 2, 3, 31)
        };
        let cycle = self.cycle_of(year);
        let (opens, closes) = (cycle.early_call_opens_on, cycle.early_call_closes_on);
        let registered = moment_between(
            self.rng,
            ymd(year - 1, 8, 1),
            closes.min(as_of()).max(opens),
        );
        let row = applicant::Model {
            id: next(&mut self.ids.applicant),
            subject: format!("doctor-{seq:04}"),
            full_name: format!("{} {}", FAMILY_NAMES[family].0, GIVEN_NAMES[given].0),
            full_name_kana: Some(format!(
                "{} {}",
                FAMILY_NAMES[family].1, GIVEN_NAMES[given].1
            )),
            email: format!(
                "{}.{}.{seq}@example.com",
                GIVEN_NAMES[given].2, FAMILY_NAMES[family].2
            ),
            // Seven digits, unique: a bijection of the sequence number.
            medical_license_number: format!("{:07}", 1_000_000 + (seq as u64 * 7_919) % 9_000_000),
            university: school,
            graduation_year,
            initial_training_completed_on: completed,
            obligated_service_graduate: obligated,
            regional_quota_obligation: regional,
            created_at: registered,
        };
        self.people.push(Person {
            facts: ApplicantFacts {
                obligated_service_graduate: row.obligated_service_graduate,
                regional_quota_obligation: row.regional_quota_obligation,
                initial_training_completed_on: row.initial_training_completed_on,
            },
            seq,
        });
        self.plan.applicants.push(row);
        self.people.len() - 1
    }

    /// The year's applications: the new cohort, a few who were not adopted
    /// last year and try again, and in the open year doctors registered
    /// without an application yet. Returns the application indices.
    fn recruit(
        &mut self,
        year: i32,
        cohort: usize,
        courses: &[usize],
        not_adopted_last_year: &[usize],
    ) -> Vec<usize> {
        let open = year == OPEN_YEAR;
        let idle = if open {
            ((cohort as f64 * 0.15).round() as usize).clamp(1, cohort)
        } else {
            0
        };
        // Courses that took applications: published, or withdrawn during the call.
        let mut by_field: Vec<Vec<usize>> = vec![Vec::new(); FIELDS.len()];
        for &c in courses {
            let status = self.plan.courses[c].status;
            if status == CourseStatus::Published || status == CourseStatus::Withdrawn {
                by_field[self.course_info[c].field].push(c);
            }
        }
        let field_weights: Vec<f64> = (0..FIELDS.len())
            .map(|f| {
                if by_field[f].is_empty() {
                    0.0
                } else {
                    self.weight(f)
                }
            })
            .collect();
        let mut doctors: Vec<usize> = Vec::new();
        for &a in not_adopted_last_year {
            if chance(self.rng, 0.04) {
                doctors.push(a);
            }
        }
        for _ in 0..cohort - idle {
            let eligible = !chance(self.rng, 0.03);
            doctors.push(self.applicant(year, eligible));
        }
        let mut made = Vec::new();
        for a in doctors {
            let first = self.people[a].seq == 1;
            let Some(field) = weighted(self.rng, &field_weights) else {
                break;
            };
            let choices: Vec<usize> = by_field[field]
                .iter()
                .copied()
                .filter(|&c| !first || self.plan.courses[c].status == CourseStatus::Published)
                .collect();
            let weights: Vec<f64> = choices
                .iter()
                .map(|&c| self.plan.courses[c].requested_capacity as f64 + 1.0)
                .collect();
            let Some(at) = weighted(self.rng, &weights) else {
                continue;
            };
            made.push(self.apply(year, a, choices[at], first));
        }
        for _ in 0..idle {
            let a = self.applicant(year, true);
            self.plan
                .idle_subjects
                .push(self.plan.applicants[a].subject.clone());
        }
        made
    }

    fn apply(&mut self, year: i32, a: usize, c: usize, first: bool) -> usize {
        let cycle = self.cycle_of(year).clone();
        let last_day = if year == OPEN_YEAR {
            as_of()
        } else {
            sub_days(cycle.early_call_closes_on, 1)
        };
        let last_day = match self.course_info[c].withdrawn_on {
            Some(w) => sub_days(w, 1),
            None => last_day,
        };
        let submitted_at = moment_between(self.rng, cycle.early_call_opens_on, last_day);
        let withdrawn_at = (!first && chance(self.rng, 0.03)).then(|| {
            let day = day_between(self.rng, submitted_at.date_naive(), last_day);
            jst(day, 18, 30).max(submitted_at + chrono::Duration::hours(1))
        });
        let general =
            (first || chance(self.rng, 0.85)).then(|| self.general(year, c, submitted_at));
        self.plan.applications.push(application::Model {
            id: next(&mut self.ids.application),
            applicant_id: self.plan.applicants[a].id,
            course_id: self.plan.courses[c].id,
            year,
            status: if withdrawn_at.is_some() {
                ApplicationStatus::Withdrawn
            } else {
                ApplicationStatus::Submitted
            },
            outcome: ApplicationOutcome::Undecided,
            submitted_at,
            decided_at: None,
            withdrawn_at,
            proposed_decision: None,
            proposed_at: None,
            decision_basis: None,
        });
        let index = self.plan.applications.len() - 1;
        if let Some(g) = general {
            self.plan.general_applications[g].application_id = self.plan.applications[index].id;
        }
        self.apps.push(AppInfo {
            applicant: a,
            course: c,
            general,
        });
        index
    }

    /// The parallel application to a regular program (併願), mostly in the
    /// same field and near the course.
    fn general(&mut self, year: i32, c: usize, submitted_at: DateTime<Utc>) -> usize {
        let course_field = self.course_info[c].field;
        let field = if chance(self.rng, 0.9) {
            course_field
        } else {
            self.rng.random_range(0..FIELDS.len())
        };
        let home = self.insts[self.course_info[c].institution].prefecture;
        let local: Vec<usize> = (0..self.insts.len())
            .filter(|&i| {
                let inst = &self.insts[i];
                inst.row.certified_training_facility
                    && inst.row.kind != InstitutionKind::NationalCenter
                    && (inst.prefecture == home)
            })
            .collect();
        let inst = if !local.is_empty() && chance(self.rng, 0.6) {
            *pick(self.rng, &local)
        } else {
            self.course_info[c].institution
        };
        let latest = if year == OPEN_YEAR {
            as_of()
        } else {
            self.cycle_of(year).general_call_opens_on
        };
        let created_at =
            moment_between(self.rng, submitted_at.date_naive(), latest).max(submitted_at);
        self.plan
            .general_applications
            .push(general_application::Model {
                id: next(&mut self.ids.general_application),
                application_id: 0,
                program_name: format!(
                    "{} {}専門研修プログラム",
                    self.insts[inst].row.name, self.societies[field].field_name_ja
                ),
                society_id: self.societies[field].id,
                institution_id: self.insts[inst].row.id,
                status: GeneralApplicationStatus::Pending,
                created_at,
                activated_at: None,
            });
        self.plan.general_applications.len() - 1
    }

    fn eligible(&self, a: usize, year: i32) -> bool {
        ineligibility(&self.people[a].facts, year).is_empty()
    }

    /// Quotas by the board's rule, adoptions within them (proposed by the
    /// society, confirmed by the board), then what `finalizeSelection` does.
    /// Returns the doctors not adopted.
    fn select(
        &mut self,
        year: i32,
        participating: &[bool],
        apps: &[usize],
    ) -> Result<Vec<usize>, DbErr> {
        let cycle = self.cycle_of(year).clone();
        let counted: Vec<usize> = apps
            .iter()
            .copied()
            .filter(|&i| {
                let info = &self.apps[i];
                selection::counts_for_quota(
                    self.plan.courses[info.course].published_at.is_some(),
                    self.plan.applications[i].status == ApplicationStatus::Withdrawn,
                    self.eligible(info.applicant, year),
                )
            })
            .collect();
        let mut demand = vec![0u32; FIELDS.len()];
        for &i in &counted {
            demand[self.course_info[self.apps[i].course].field] += 1;
        }
        let demands: Vec<FieldDemand> = (0..FIELDS.len())
            .map(|f| FieldDemand {
                order: f,
                participating: participating[f],
                applicants: demand[f],
            })
            .collect();
        let allocation = quota::allocate(cycle.total_capacity as u32, &demands)
            .map_err(|e| DbErr::Custom(format!("{year}: {e}")))?;
        for (f, a) in allocation.iter().enumerate() {
            self.plan.field_quotas.push(field_quota::Model {
                id: next(&mut self.ids.field_quota),
                year,
                society_id: self.societies[f].id,
                participating: a.participating,
                applicants: a.applicants as i32,
                minimum_seats: a.minimum_seats as i32,
                share_numerator: a.share_numerator as i64,
                share_denominator: a.share_denominator as i64,
                remainder_seats: a.remainder_seats as i32,
                computed_quota: a.quota as i32,
                quota: a.quota as i32,
                adjustment_reason: None,
                adjusted_at: None,
            });
        }

        // The societies' proposals, in a random order, doctor-0001 first,
        // each within the room `selection::room_for_one_more` leaves.
        let mut order: Vec<usize> = counted
            .iter()
            .copied()
            .filter(|&i| self.plan.courses[self.apps[i].course].status != CourseStatus::Withdrawn)
            .collect();
        for i in (1..order.len()).rev() {
            let j = self.rng.random_range(0..=i);
            order.swap(i, j);
        }
        order.sort_by_key(|&i| self.people[self.apps[i].applicant].seq != 1);
        let mut seats: BTreeMap<i64, u32> = BTreeMap::new();
        for row in self
            .plan
            .courses
            .iter()
            .filter(|r| r.year == year && r.status != CourseStatus::Withdrawn)
        {
            *seats.entry(row.responsible_institution_id).or_default() +=
                row.requested_capacity as u32;
        }
        let mut in_field = vec![0u32; FIELDS.len()];
        let mut in_course: BTreeMap<usize, u32> = BTreeMap::new();
        let mut at_institution: BTreeMap<i64, u32> = BTreeMap::new();
        let mut adopted = BTreeSet::new();
        for i in order {
            let c = self.apps[i].course;
            let f = self.course_info[c].field;
            let institution = self.plan.courses[c].responsible_institution_id;
            let room = Room {
                field_quota: allocation[f].quota,
                field_taken: in_field[f],
                course_capacity: self.plan.courses[c].requested_capacity as u32,
                course_taken: in_course.get(&c).copied().unwrap_or(0),
                institution_seats: seats.get(&institution).copied().unwrap_or(0),
                institution_cut: self.cuts.get(&(institution, year)).copied().unwrap_or(0),
                institution_taken: at_institution.get(&institution).copied().unwrap_or(0),
            };
            if selection::room_for_one_more(&room).is_ok() {
                in_field[f] += 1;
                *in_course.entry(c).or_default() += 1;
                *at_institution.entry(institution).or_default() += 1;
                adopted.insert(i);
            }
        }

        let decided_at = jst(add_days(cycle.early_call_closes_on, 7), 17, 0);
        let finalized_at = jst(add_days(cycle.early_call_closes_on, 10), 10, 0);
        let mut not_adopted = Vec::new();
        for &i in apps {
            let info_applicant = self.apps[i].applicant;
            let general = self.apps[i].general;
            let c = self.apps[i].course;
            let adopted_here = adopted.contains(&i);
            // I.2(2)④: the society proposes, the board confirms; for
            // 総合診療 the board decides alone.
            let basis = if self.societies[self.course_info[c].field].operated_by_board {
                DecisionBasis::Board
            } else {
                DecisionBasis::SocietyProposal
            };
            // One application per doctor and cycle: the doctor's fate is this one's.
            let candidate = Candidate {
                application: self.plan.applications[i].id,
                adopted: adopted_here,
                course_withdrawn: self.plan.courses[c].status == CourseStatus::Withdrawn,
                general_application: general.map(|g| self.plan.general_applications[g].id),
            };
            let fate = selection::fate(&[candidate]);
            let row = &mut self.plan.applications[i];
            if row.status != ApplicationStatus::Withdrawn {
                if adopted_here {
                    row.status = ApplicationStatus::Adopted;
                    row.decided_at = Some(decided_at);
                    row.decision_basis = Some(basis);
                } else {
                    // Left undecided: finalizeSelection makes it NOT_ADOPTED.
                    row.status = ApplicationStatus::NotAdopted;
                    row.decided_at = Some(finalized_at);
                }
            }
            row.outcome = match fate {
                Fate::Course { .. } => ApplicationOutcome::Course,
                Fate::RegularProgram { .. } => ApplicationOutcome::RegularProgram,
                Fate::Nothing => ApplicationOutcome::None,
            };
            if let Some(g) = general {
                let g = &mut self.plan.general_applications[g];
                if matches!(fate, Fate::RegularProgram { .. }) {
                    g.status = GeneralApplicationStatus::Active;
                    g.activated_at = Some(finalized_at);
                } else {
                    g.status = GeneralApplicationStatus::Withdrawn;
                }
            }
            if adopted_here {
                self.trainee(year, i, finalized_at);
            } else if row.status == ApplicationStatus::NotAdopted {
                not_adopted.push(info_applicant);
            }
        }
        Ok(not_adopted
            .into_iter()
            .filter(|&a| self.eligible(a, year + 1))
            .collect())
    }

    fn trainee(&mut self, year: i32, app: usize, created_at: DateTime<Utc>) {
        let rules = self.rules(year);
        let started_on = course_start(year);
        let research_from = add_months(started_on, 12 * rules.clinical_years);
        let course = self.apps[app].course;
        let first = self.people[self.apps[app].applicant].seq == 1;
        let row = trainee::Model {
            id: next(&mut self.ids.trainee),
            applicant_id: self.plan.applications[app].applicant_id,
            course_id: self.plan.courses[course].id,
            application_id: self.plan.applications[app].id,
            started_on,
            research_effort_percent: None,
            graduate_school: None,
            board_certified_on: None,
            degree: DegreeStatus::None,
            completion_confirmed_on: None,
            created_at,
        };
        self.plan.trainees.push(row);
        let departed_on = (!first && year <= 2025 && chance(self.rng, 0.025))
            .then(|| day_between(self.rng, add_months(started_on, 6), sub_days(as_of(), 30)));
        let mut info = TraineeInfo {
            course,
            started_on,
            research_from,
            departed_on,
            reduction: None,
            claimed: false,
            granted: false,
            efforts: BTreeMap::new(),
        };
        if let Some(on) = departed_on {
            self.departure_cut(&mut info, on);
        }
        self.trainee_info.push(info);
    }

    /// III.3: the departure is recorded the day after, mostly by the
    /// institution; claimed special circumstances are the board's to grant.
    /// Without them the institution loses a seat of its course and of its
    /// regular program in the next cycle still recruiting, which later
    /// years' courses and adoptions then respect (`cuts`).
    fn departure_cut(&mut self, info: &mut TraineeInfo, on: NaiveDate) {
        let recorder = if chance(self.rng, 0.1) {
            Recorder::Board
        } else {
            Recorder::Institution
        };
        info.claimed = chance(self.rng, 0.4);
        let granted_on_record = leaving::special_circumstances_granted(recorder, info.claimed);
        let granted_later = !granted_on_record && info.claimed && chance(self.rng, 0.7);
        info.granted = granted_on_record || granted_later;
        if granted_on_record {
            return;
        }
        let institution_id = self.plan.courses[info.course].responsible_institution_id;
        let year = leaving::cut_year(&self.calendar_on(add_days(on, 1)), on);
        let seats = leaving::SEATS_PER_DEPARTURE as i32;
        let row = quota_reduction::Model {
            id: next(&mut self.ids.quota_reduction),
            institution_id,
            year,
            regular_program_seats: seats,
            course_seats: seats,
            created_at: jst(add_days(on, 1), 10, 0),
            cancelled_at: granted_later.then(|| jst(add_days(on, 21), 10, 0)),
        };
        info.reduction = Some(row.id);
        self.plan.quota_reductions.push(row);
        if !granted_later {
            *self.cuts.entry((institution_id, year)).or_default() += leaving::SEATS_PER_DEPARTURE;
        }
    }

    // --- course years ---

    /// Progress, papers, extensions, study abroad and departures as of [`as_of`].
    fn training(&mut self) {
        for t in 0..self.plan.trainees.len() {
            let year = self.plan.trainees[t].started_on.year();
            let rules = self.rules(year);
            let info = &self.trainee_info[t];
            let (started_on, research_from, departed_on, course) = (
                info.started_on,
                info.research_from,
                info.departed_on,
                info.course,
            );
            let first = self.plan.trainees[t].id == self.first_trainee_id();
            let until = departed_on.unwrap_or(as_of());
            let in_research = until >= research_from;
            let host = self.plan.courses[course].research_host_name.clone();
            let trainee_id = self.plan.trainees[t].id;

            // Research effort for each training year of the research phase
            // so far: at least half in almost every year (I.3(2)).
            let mut efforts = BTreeMap::new();
            if in_research {
                for y in training_year(research_from)..=training_year(until) {
                    let percent = if chance(self.rng, 0.03) {
                        40
                    } else {
                        50 + 5 * self.rng.random_range(0..=6)
                    };
                    efforts.insert(y, percent);
                }
            }
            let graduate_school = (in_research || chance(self.rng, 0.4)).then_some(host);
            let certified_from = add_months(started_on, 36);
            let board_certified_on =
                (certified_from <= until && chance(self.rng, 0.65)).then(|| {
                    day_between(
                        self.rng,
                        certified_from,
                        until.min(add_months(started_on, 48)),
                    )
                });
            let research_years = (until - research_from).num_days() as f64 / 365.25;
            let degree = if research_years >= 3.0 {
                if chance(self.rng, 0.3) {
                    DegreeStatus::Obtained
                } else {
                    DegreeStatus::Expected
                }
            } else if research_years >= 1.0 && chance(self.rng, 0.5) {
                DegreeStatus::Expected
            } else {
                DegreeStatus::None
            };
            {
                let row = &mut self.plan.trainees[t];
                row.graduate_school = graduate_school;
                row.board_certified_on = board_certified_on;
                row.degree = degree;
            }
            self.trainee_info[t].efforts = efforts;

            // Papers: about one every two research years, some earlier.
            if in_research {
                let trials = (research_years * 2.0).ceil().max(1.0) as usize;
                let mut n = (0..trials).filter(|_| chance(self.rng, 0.3)).count();
                if first {
                    n = n.max(2);
                }
                for k in 0..n {
                    let strict = first && k < 2;
                    let (journal, sci, english) =
                        if let Some(fixed) = JOURNALS.get(k).filter(|_| strict) {
                            *fixed
                        } else {
                            *pick(self.rng, &JOURNALS)
                        };
                    let design = if strict {
                        PAPER_DESIGNS[0]
                    } else {
                        *pick(self.rng, &PAPER_DESIGNS)
                    };
                    let case_report = design == "a case report";
                    let title = format!(
                        "{} in {}: {}",
                        pick(self.rng, &PAPER_TOPICS),
                        pick(self.rng, &PAPER_POPULATIONS),
                        design
                    );
                    // Research papers follow the start of research (I.3(2) 「その後」).
                    let published_on = day_between(self.rng, research_from, until);
                    let doi = (strict || chance(self.rng, 0.92))
                        .then(|| format!("10.5555/csc-demo.{trainee_id}.{}", k + 1));
                    self.plan.papers.push(paper::Model {
                        id: next(&mut self.ids.paper),
                        trainee_id,
                        title,
                        journal: journal.to_owned(),
                        doi,
                        published_on,
                        sci_indexed: sci,
                        first_author: strict || chance(self.rng, 0.8),
                        english,
                        case_report,
                        created_at: jst(add_days(published_on, 14), 11, 0),
                    });
                }
            }

            if chance(self.rng, 0.07) {
                let reasons = [
                    (ExtensionReason::PregnancyChildbirthChildcare, 40.0),
                    (ExtensionReason::Illness, 15.0),
                    (ExtensionReason::StudyAbroad, 15.0),
                    (ExtensionReason::Caregiving, 10.0),
                    (ExtensionReason::OverseasWork, 5.0),
                    (ExtensionReason::ManagerialPost, 5.0),
                    (ExtensionReason::Disaster, 3.0),
                    (ExtensionReason::Other, 7.0),
                ];
                let weights: Vec<f64> = reasons.iter().map(|r| r.1).collect();
                let reason = reasons[weighted(self.rng, &weights).unwrap_or(0)].0;
                let status = match self.rng.random_range(0..100) {
                    0..80 => DecisionStatus::Approved,
                    80..92 => DecisionStatus::Requested,
                    _ => DecisionStatus::Rejected,
                };
                let requested_at =
                    moment_between(self.rng, add_months(started_on, 3), sub_days(until, 7));
                let decided_at = (status != DecisionStatus::Requested).then(|| {
                    (requested_at + chrono::Duration::days(self.rng.random_range(14..45)))
                        .min(jst(as_of(), 9, 0))
                        .max(requested_at)
                });
                // III.1: agreed with the society and the board; the board is
                // the society of 総合診療.
                let by_board = self.societies[self.course_info[course].field].operated_by_board;
                let society_agreed = match status {
                    _ if by_board => None,
                    DecisionStatus::Approved => Some(true),
                    DecisionStatus::Rejected => Some(chance(self.rng, 0.5)),
                    DecisionStatus::Requested => chance(self.rng, 0.5).then_some(true),
                };
                let society_answered_at = society_agreed.map(|agreed| match (agreed, decided_at) {
                    (false, Some(at)) => at,
                    (_, Some(at)) => (at - chrono::Duration::days(7)).max(requested_at),
                    (_, None) => (requested_at + chrono::Duration::days(10))
                        .min(jst(as_of(), 9, 0))
                        .max(requested_at),
                });
                let note = match reason {
                    ExtensionReason::PregnancyChildbirthChildcare => {
                        "産前産後休業および育児休業のため"
                    }
                    ExtensionReason::Illness => "療養のため",
                    ExtensionReason::StudyAbroad => "海外の研究機関への留学のため",
                    ExtensionReason::Caregiving => "家族の介護のため",
                    ExtensionReason::OverseasWork => "海外での臨床業務のため",
                    ExtensionReason::ManagerialPost => "管理職への就任のため",
                    ExtensionReason::Disaster => "災害対応のため",
                    ExtensionReason::Other => "その他の事情のため",
                };
                self.plan.extensions.push(extension::Model {
                    id: next(&mut self.ids.extension),
                    trainee_id,
                    reason,
                    months: [6, 6, 12, 12, 12, 18, 24][self.rng.random_range(0..7)],
                    status,
                    note: Some(note.to_owned()),
                    requested_at,
                    decided_at,
                    society_agreed,
                    society_answered_at,
                });
            }

            if in_research && departed_on.is_none() && chance(self.rng, 0.1) {
                let (host, country) = *pick(self.rng, &ABROAD);
                let starts_on = day_between(self.rng, research_from, as_of());
                let planned_end = sub_days(add_months(started_on, 12 * rules.course_years), 1);
                let ends_on = add_months(starts_on, self.rng.random_range(6..=24)).min(planned_end);
                self.plan.study_abroad.push(study_abroad::Model {
                    id: next(&mut self.ids.study_abroad),
                    trainee_id,
                    host: host.to_owned(),
                    country: country.to_owned(),
                    starts_on,
                    ends_on: ends_on.max(starts_on),
                });
            }

            if let Some(on) = departed_on {
                let info = &self.trainee_info[t];
                let (claimed, granted, reduction) = (info.claimed, info.granted, info.reduction);
                // The board decided on recording, or on a claim three weeks later.
                let decided_at = if reduction.is_none() {
                    Some(jst(add_days(on, 1), 10, 0))
                } else {
                    claimed.then(|| jst(add_days(on, 21), 10, 0))
                };
                self.plan.departures.push(departure::Model {
                    id: next(&mut self.ids.departure),
                    trainee_id,
                    departed_on: on,
                    reason: (*pick(self.rng, &DEPARTURE_REASONS)).to_owned(),
                    special_circumstances: granted,
                    special_circumstances_claimed: claimed,
                    special_circumstances_decided_at: decided_at,
                    quota_reduction_id: reduction,
                    created_at: jst(add_days(on, 1), 10, 0),
                });
            }
        }
    }

    fn first_trainee_id(&self) -> i64 {
        let Some(first) = self.plan.applicants.first() else {
            return 0;
        };
        self.plan
            .trainees
            .iter()
            .find(|t| t.applicant_id == first.id)
            .map_or(0, |t| t.id)
    }

    /// Each course with trainees reports every year from its first; the
    /// latest year is partly still under review, a few had guidance.
    fn reports(&mut self) {
        let mut by_course: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (t, info) in self.trainee_info.iter().enumerate() {
            by_course.entry(info.course).or_default().push(t);
        }
        let this_year = as_of().year();
        for (course, trainees) in by_course {
            let c = self.plan.courses[course].clone();
            let field_ja = self.societies[self.course_info[course].field]
                .field_name_ja
                .clone();
            for year in c.year..=this_year {
                let current = year == this_year;
                if current && !chance(self.rng, 0.4) {
                    continue;
                }
                let reported_on = if current {
                    day_between(self.rng, ymd(year, 9, 1), as_of())
                } else {
                    day_between(self.rng, ymd(year + 1, 4, 10), ymd(year + 1, 4, 28))
                };
                let members: Vec<usize> = trainees
                    .iter()
                    .copied()
                    .filter(|&t| {
                        self.trainee_info[t]
                            .departed_on
                            .is_none_or(|d| d >= ymd(year, 4, 1))
                    })
                    .collect();
                if members.is_empty() {
                    continue;
                }
                let latest = year >= this_year - 1;
                let guidance = chance(self.rng, 0.06);
                let resubmitted = guidance && chance(self.rng, 0.5);
                let status = match (guidance, resubmitted) {
                    (true, false) => ReportStatus::GuidanceIssued,
                    _ if latest && (current || chance(self.rng, 0.2)) => ReportStatus::Submitted,
                    _ => ReportStatus::Accepted,
                };
                let v1_at = jst(reported_on, 14, 0);
                let v2_at = jst(add_days(reported_on, 60), 14, 0).min(jst(as_of(), 9, 0));
                let report_id = next(&mut self.ids.report);
                let versions = if resubmitted { 2 } else { 1 };
                for v in 1..=versions {
                    let at = if v == 1 { v1_at } else { v2_at };
                    let version_id = next(&mut self.ids.version);
                    let any_research = members
                        .iter()
                        .any(|&t| at.date_naive() >= self.trainee_info[t].research_from);
                    self.plan.versions.push(annual_report_version::Model {
                        id: version_id,
                        report_id,
                        version: v,
                        submitted_at: at,
                        salary_provided: chance(self.rng, 0.97),
                        social_insurance_provided: c.guarantee_social_insurance
                            && chance(self.rng, 0.98),
                        working_graduate_student: c.guarantee_working_graduate_student
                            && any_research,
                        note: (v == 2).then(|| "指導を受けて記載を補足しました".to_owned()),
                    });
                    for &t in &members {
                        let info = &self.trainee_info[t];
                        let day = at.date_naive();
                        let phase = match info.departed_on {
                            Some(d) if d <= day => TraineePhase::Departed,
                            _ if day < info.research_from => TraineePhase::Clinical,
                            _ => TraineePhase::Research,
                        };
                        // The effort of the reported year, when it was a
                        // research year (I.3(2)); the phase is as of the day
                        // of the report, as submitAnnualReport records it.
                        let (effort, progress) = match (info.efforts.get(&year), phase) {
                            (Some(&effort), _) => (
                                Some(effort),
                                format!(
                                    "研究計画に沿って研究を実施（エフォート{effort}%）、残りを{field_ja}の臨床に従事"
                                ),
                            ),
                            (None, TraineePhase::Departed) => (
                                None,
                                format!("{}付で本コースを離脱", info.departed_on.unwrap_or(day)),
                            ),
                            _ => (
                                None,
                                format!(
                                    "カリキュラムに沿って{field_ja}領域の症例を{}例経験",
                                    self.rng.random_range(40..160)
                                ),
                            ),
                        };
                        let issues = chance(self.rng, 0.1)
                            .then(|| "研究と臨床の時間配分について指導医と調整中".to_owned());
                        let trainee_id = self.plan.trainees[t].id;
                        self.plan.entries.push(annual_report_entry::Model {
                            id: next(&mut self.ids.entry),
                            version_id,
                            trainee_id,
                            phase,
                            research_effort_percent: effort,
                            clinical_progress: progress,
                            issues,
                        });
                        if let (Some(percent), true) = (effort, v == versions) {
                            self.plan
                                .effort_reports
                                .push(research_effort_report::Model {
                                    id: next(&mut self.ids.effort_report),
                                    trainee_id,
                                    year,
                                    percent,
                                    source: EffortSource::AnnualReport,
                                    reported_at: at,
                                });
                        }
                    }
                }
                if guidance {
                    self.plan.guidance.push(guidance::Model {
                        id: next(&mut self.ids.guidance),
                        report_id,
                        issued_at: (v1_at + chrono::Duration::days(30)).min(v2_at.max(v1_at)),
                        text: (*pick(self.rng, &GUIDANCE_TEXTS)).to_owned(),
                    });
                }
                self.plan.reports.push(annual_report::Model {
                    id: report_id,
                    course_id: c.id,
                    institution_id: c.responsible_institution_id,
                    year,
                    status,
                    submitted_at: Some(if resubmitted { v2_at } else { v1_at }),
                    created_at: v1_at,
                });
            }
        }
    }
}

impl Generator<'_> {
    /// The current year's research effort, for some trainees reported as a
    /// progress update before the annual report; then each trainee's latest
    /// reported value, as `Trainee.researchEffortPercent` shows it.
    fn research_effort(&mut self) {
        let this_year = training_year(as_of());
        let reported: BTreeSet<(i64, i32)> = self
            .plan
            .effort_reports
            .iter()
            .map(|r| (r.trainee_id, r.year))
            .collect();
        for t in 0..self.plan.trainees.len() {
            let trainee_id = self.plan.trainees[t].id;
            let info = &self.trainee_info[t];
            let current = info.efforts.get(&this_year).copied();
            if let Some(percent) = current
                && info.departed_on.is_none()
                && !reported.contains(&(trainee_id, this_year))
                && chance(self.rng, 0.5)
            {
                let on = day_between(self.rng, ymd(this_year, 6, 1), sub_days(as_of(), 1));
                self.plan
                    .effort_reports
                    .push(research_effort_report::Model {
                        id: next(&mut self.ids.effort_report),
                        trainee_id,
                        year: this_year,
                        percent,
                        source: EffortSource::ProgressUpdate,
                        reported_at: jst(on, 11, 0),
                    });
            }
        }
        let mut latest: BTreeMap<i64, (i32, i32)> = BTreeMap::new();
        for r in &self.plan.effort_reports {
            let entry = latest.entry(r.trainee_id).or_insert((r.year, r.percent));
            if r.year >= entry.0 {
                *entry = (r.year, r.percent);
            }
        }
        for row in &mut self.plan.trainees {
            row.research_effort_percent = latest.get(&row.id).map(|&(_, p)| p);
        }
    }

    /// The course confirms completion for about half of those who meet
    /// every requirement (`training::unmet`) two weeks before [`as_of`].
    fn completions(&mut self) {
        let day = sub_days(as_of(), 14);
        for t in 0..self.plan.trainees.len() {
            if self.trainee_info[t].departed_on.is_some() {
                continue;
            }
            let row = &self.plan.trainees[t];
            let papers: Vec<PaperFacts> = self
                .plan
                .papers
                .iter()
                .filter(|p| p.trainee_id == row.id)
                .map(PaperFacts::from)
                .collect();
            let efforts: Vec<EffortReport> = self
                .plan
                .effort_reports
                .iter()
                .filter(|r| r.trainee_id == row.id)
                .map(EffortReport::from)
                .collect();
            let approved = training_rules::approved_extension_months(
                self.plan
                    .extensions
                    .iter()
                    .filter(|e| e.trainee_id == row.id)
                    .map(|e| (e.status == DecisionStatus::Approved, e.months)),
            );
            let facts = TraineeFacts {
                started_on: row.started_on,
                rules: self.cycle_of(row.started_on.year()).into(),
                approved_extension_months: approved,
                research_effort: &efforts,
                board_certified_on: row.board_certified_on,
                degree: row.degree.into(),
                papers: &papers,
                departed_on: None,
                completion_confirmed_on: None,
            };
            if training_rules::unmet(&facts, day).is_empty() && chance(self.rng, 0.5) {
                self.plan.trainees[t].completion_confirmed_on = Some(day);
            }
        }
    }
}

// --- inserting ---------------------------------------------------------------

impl Plan {
    fn summary(&self) -> Summary {
        let first = self.applicants.first();
        Summary {
            institutions: self.institutions.len(),
            institution_certifications: self.certifications.len(),
            recruitment_cycles: self.cycles.len(),
            participations: self.participations.len(),
            courses: self.courses.len(),
            course_partner_sites: self.partner_sites.len(),
            field_quotas: self.field_quotas.len(),
            sanctions: self.sanctions.len(),
            applicants: self.applicants.len(),
            applications: self.applications.len(),
            general_applications: self.general_applications.len(),
            trainees: self.trainees.len(),
            research_effort_reports: self.effort_reports.len(),
            papers: self.papers.len(),
            extensions: self.extensions.len(),
            study_abroad_periods: self.study_abroad.len(),
            departures: self.departures.len(),
            quota_reductions: self.quota_reductions.len(),
            annual_reports: self.reports.len(),
            annual_report_versions: self.versions.len(),
            annual_report_entries: self.entries.len(),
            guidance: self.guidance.len(),
            first_subject: first.map(|a| a.subject.clone()).unwrap_or_default(),
            first_applicant_name: first.map(|a| a.full_name.clone()).unwrap_or_default(),
            idle_subjects: self.idle_subjects.clone(),
        }
    }

    /// Table by table in foreign-key order, then the PostgreSQL sequences
    /// (explicit ids do not advance them) and fresh planner statistics.
    async fn insert(self, db: &DatabaseConnection) -> Result<(), DbErr> {
        insert_all(db, self.institutions).await?;
        insert_all(db, self.certifications).await?;
        insert_all(db, self.cycles).await?;
        insert_all(db, self.participations).await?;
        insert_all(db, self.courses).await?;
        insert_all(db, self.partner_sites).await?;
        insert_all(db, self.field_quotas).await?;
        insert_all(db, self.sanctions).await?;
        insert_all(db, self.applicants).await?;
        insert_all(db, self.applications).await?;
        insert_all(db, self.general_applications).await?;
        insert_all(db, self.trainees).await?;
        insert_all(db, self.effort_reports).await?;
        insert_all(db, self.papers).await?;
        insert_all(db, self.extensions).await?;
        insert_all(db, self.study_abroad).await?;
        insert_all(db, self.quota_reductions).await?;
        insert_all(db, self.departures).await?;
        insert_all(db, self.reports).await?;
        insert_all(db, self.versions).await?;
        insert_all(db, self.entries).await?;
        insert_all(db, self.guidance).await?;
        if db.get_database_backend() == DbBackend::Postgres {
            for table in SEQUENCED_TABLES {
                db.execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     GREATEST((SELECT MAX(id) FROM {table}), 1))"
                ))
                .await?;
            }
        }
        // Fresh planner statistics for what was just written. On PostgreSQL
        // a bare ANALYZE visits every schema of the database, which takes
        // longer than the statement timeout where many schemas share one
        // (the tests' do), so only the seeded tables are named.
        let analyze = match db.get_database_backend() {
            DbBackend::Postgres => format!(
                "ANALYZE course_partner_sites, institution_certifications, {}",
                SEQUENCED_TABLES.join(", ")
            ),
            _ => "ANALYZE".to_owned(),
        };
        db.execute_unprepared(&analyze).await?;
        Ok(())
    }
}

/// The tables whose ids the seeder chose.
const SEQUENCED_TABLES: [&str; 20] = [
    "institutions",
    "recruitment_cycles",
    "participations",
    "courses",
    "field_quotas",
    "sanctions",
    "applicants",
    "applications",
    "general_applications",
    "trainees",
    "research_effort_reports",
    "papers",
    "extensions",
    "study_abroad_periods",
    "departures",
    "quota_reductions",
    "annual_reports",
    "annual_report_versions",
    "annual_report_entries",
    "guidance",
];

/// Multi-row INSERTs of as many rows as the bind-parameter limit allows,
/// each chunk in a write transaction of its own.
async fn insert_all<M, A>(db: &DatabaseConnection, rows: Vec<M>) -> Result<(), DbErr>
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait + Send,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_chunk = (MAX_PARAMS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows
            .by_ref()
            .take(per_chunk)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        let txn = begin_write(db).await?;
        // A batch job: the service's statement timeout is for requests.
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            txn.execute_unprepared("SET LOCAL statement_timeout = 0")
                .await?;
        }
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(())
}
