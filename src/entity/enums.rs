//! Enumerations shared by the database and the GraphQL schema.
//!
//! Each is stored as its GraphQL name (e.g. `INTERNAL_MEDICINE`) in a TEXT
//! column whose CHECK constraint lists the same values.

use sea_orm::entity::prelude::*;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum)]
        #[sea_orm(rs_type = "String", db_type = "Text", rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }
    };
}

text_enum!(
    /// The 19 basic fields (基本領域).
    /// In the board's official order, which lists and ties follow; each
    /// has one society (Society.code).
    FieldCode {
        /// 内科, internal medicine (日本内科学会)
        InternalMedicine,
        /// 小児科, pediatrics (日本小児科学会)
        Pediatrics,
        /// 皮膚科, dermatology (日本皮膚科学会)
        Dermatology,
        /// 精神科, psychiatry (日本精神神経学会)
        Psychiatry,
        /// 外科, surgery (日本外科学会)
        Surgery,
        /// 整形外科, orthopaedic surgery (日本整形外科学会)
        Orthopedics,
        /// 産婦人科, obstetrics and gynecology (日本産科婦人科学会)
        ObstetricsGynecology,
        /// 眼科, ophthalmology (日本眼科学会)
        Ophthalmology,
        /// 耳鼻咽喉科, otorhinolaryngology (日本耳鼻咽喉科頭頸部外科学会)
        Otolaryngology,
        /// 泌尿器科, urology (日本泌尿器科学会)
        Urology,
        /// 脳神経外科, neurosurgery (日本脳神経外科学会)
        Neurosurgery,
        /// 放射線科, radiology (日本医学放射線学会)
        Radiology,
        /// 麻酔科, anesthesiology (日本麻酔科学会)
        Anesthesiology,
        /// 病理, pathology (日本病理学会)
        Pathology,
        /// 臨床検査, laboratory medicine (日本臨床検査医学会)
        LaboratoryMedicine,
        /// 救急科, emergency medicine (日本救急医学会)
        EmergencyMedicine,
        /// 形成外科, plastic surgery (日本形成外科学会)
        PlasticSurgery,
        /// リハビリテーション科, rehabilitation medicine (日本リハビリテーション医学会)
        RehabilitationMedicine,
        /// 総合診療, general practice: no society, the board (日本専門医機構)
        /// acts as one (II.1)
        GeneralPractice,
    }
);

text_enum!(
    /// What kind of hospital an institution is.
    InstitutionKind {
        /// a university hospital (大学病院): may be a course's responsible
        /// institution, and hosts the graduate school of the research phase
        UniversityHospital,
        /// a national centre (ナショナルセンター): may be a course's
        /// responsible institution and its research host
        NationalCenter,
        /// a public hospital (公立病院): a partner site when certified in the
        /// course's field
        PublicHospital,
        /// any other hospital: a partner site when certified in the course's
        /// field
        OtherHospital,
    }
);

text_enum!(
    /// Where a course is in its life cycle (II.1, I.2(2)②): DRAFT →
    /// SUBMITTED → APPROVED → PUBLISHED, or WITHDRAWN from any of them.
    CourseStatus {
    /// being written by the society
    Draft,
    /// submitted to the board for consultation
    Submitted,
    /// agreed with the board, not yet announced
    Approved,
    /// announced to applicants (公示); applications are accepted while the early call is open
    Published,
    /// withdrawn by the society or the board
    Withdrawn,
});

text_enum!(
    /// Where the research phase is done (I.3(2), II.1).
    ResearchHostKind {
        /// a university's graduate school (大学院), under the working
        /// graduate student scheme (社会人大学院制度) or its equivalent
        GraduateSchool,
        /// one of the national centres (ナショナルセンター), which do research
        /// as well as care
        NationalCenter,
    }
);

text_enum!(
    /// Where a recruitment cycle stands; the board moves it forward, and
    /// each mutation runs in given phases only (WRONG_PHASE otherwise;
    /// docs/calendar.md).
    CyclePhase {
    /// set up; courses are being prepared
    Planning,
    /// the September early call is open: applicants apply
    EarlyCallOpen,
    /// the early call is closed; quotas can be allocated
    EarlyCallClosed,
    /// field quotas are fixed; adoption decisions are being made
    QuotasAllocated,
    /// decisions are final; not-adopted applicants fell back to the regular program
    SelectionFinalized,
});

text_enum!(
    /// Where an application stands.
    ApplicationStatus {
        /// waiting for the board's decision (live)
        Submitted,
        /// adopted (合格者, I.2(2)④) by the board's decision (live): the
        /// doctor trains in the course once the selection is final
        Adopted,
        /// not adopted, by the board's decision or by finalizeSelection
        NotAdopted,
        /// withdrawn by the doctor or the board, or when the doctor applied
        /// elsewhere after its course was withdrawn; no longer live, it
        /// takes no seat and the quota rule leaves it out
        Withdrawn,
    }
);

text_enum!(
    /// Where a parallel application (併願) to a regular program stands.
    GeneralApplicationStatus {
    /// held while the early-call decision is open
    Pending,
    /// the applicant trains in the regular program (fallback, or no adoption)
    Active,
    /// released because the applicant was adopted, or withdrew it
    Withdrawn,
});

text_enum!(
    /// Where a doctor trains after the early call (II.2(3)).
    ApplicationOutcome {
    /// decision not final yet
    Undecided,
    /// trains in the clinician scientist course
    Course,
    /// not adopted; trains in the regular program of the parallel application
    RegularProgram,
    /// not adopted and no parallel application on record
    None,
});

text_enum!(
    /// Who a token says the caller is (docs/roles.md).
    Role {
    /// the board's secretariat (日本専門医機構)
    Admin,
    /// a basic-field society (基本領域学会); scoped to one field
    Society,
    /// a responsible institution (責任医療機関); scoped to one institution
    Institution,
    /// a doctor applying to or enrolled in a course; scoped to one applicant
    Applicant,
});

text_enum!(
    /// Where a trainee stands on a day.
    TraineePhase {
        /// years 1-2: clinical training at the responsible institution and partners
        /// (the intake's clinicalYears: two under the 2020 guideline, one from
        /// 2024; I.3(1))
        Clinical,
        /// from year 3: research at least half the time, clinical work the rest
        /// (from clinicalPhaseEndsOn; I.3(2))
        Research,
        /// the course confirmed completion, every requirement met
        /// (confirmCompletion)
        Completed,
        /// left the course (離脱, III.3) from the departure's day; the record
        /// is closed
        Departed,
    }
);

text_enum!(
    /// Where a trainee stands with the doctoral degree (学位) that completion
    /// needs (I.2(1)).
    DegreeStatus {
        /// no degree yet
        None,
        /// a degree is expected (学位取得見込み): enough to complete
        Expected,
        /// the degree was awarded
        Obtained,
    }
);

text_enum!(
    /// Why a course is extended (III.1).
    ExtensionReason {
        /// study abroad (海外への留学)
        StudyAbroad,
        /// work abroad (海外での勤務)
        OverseasWork,
        /// pregnancy, childbirth or childcare (妊娠・出産・育児)
        PregnancyChildbirthChildcare,
        /// medical treatment of an illness (病気療養)
        Illness,
        /// caring for a family member (介護)
        Caregiving,
        /// a managerial post (管理職)
        ManagerialPost,
        /// being hit by a disaster (災害被災)
        Disaster,
        /// another reason, given in the note
        Other,
    }
);

text_enum!(
    /// Where a request that the board decides stands.
    DecisionStatus {
        /// waiting: for the society's answer, then the board's decision
        Requested,
        /// approved by the board, with the society's agreement: its months
        /// count
        Approved,
        /// refused by the society or the board
        Rejected,
    }
);

text_enum!(
    /// An adoption decision (合否).
    Decision {
        /// adopt (合格): the doctor is to train in the course
        Adopt,
        /// do not adopt: the doctor falls back to its parallel application,
        /// if any
        NotAdopt,
    }
);

text_enum!(
    /// How an application's final decision was taken (I.2(2)④).
    DecisionBasis {
        /// the board decided on its own
        Board,
        /// the board confirmed its society's proposal
        SocietyProposal,
    }
);

text_enum!(
    /// Where a research-effort figure came from.
    EffortSource {
        /// the institution's annual report (年次報告)
        AnnualReport,
        /// a progress update during the year
        ProgressUpdate,
    }
);

text_enum!(
    /// Why an institution lost the right to set courses (II.3(1), II.3(2)).
    SanctionReason {
        /// its course was handed to another institution after the early
        /// call opened (reassignCourse)
        CourseChanged,
        /// its course was withdrawn after the early call opened
        /// (withdrawCourse)
        CourseWithdrawn,
        /// its course could not fill its seats (定員を満たせなかった); set by
        /// the board (sanctionInstitution)
        QuotaUnfilled,
    }
);

text_enum!(
    /// Where an annual report (年次報告) stands with the board.
    ReportStatus {
        /// not submitted yet
        Draft,
        /// submitted, waiting for the board
        Submitted,
        /// accepted by the board (which may still issue guidance on it)
        Accepted,
        /// the board issued guidance (指導); the institution resubmits, as a
        /// new version
        GuidanceIssued,
    }
);

text_enum!(
    /// Whether an audited operation took effect or was refused.
    AuditOutcome {
        /// it took effect (or the data was read)
        Ok,
        /// it was refused with an error and changed nothing; the summary
        /// names the error code
        Refused,
    }
);

// --- the domain's own enums (src/domain imports nothing of the service) ------

macro_rules! same_variants {
    ($ours:ty, $domain:ty { $($variant:ident),+ $(,)? }) => {
        impl From<$ours> for $domain {
            fn from(value: $ours) -> Self {
                match value { $(<$ours>::$variant => Self::$variant),+ }
            }
        }
        impl From<$domain> for $ours {
            fn from(value: $domain) -> Self {
                match value { $(<$domain>::$variant => Self::$variant),+ }
            }
        }
    };
}

same_variants!(
    CyclePhase,
    crate::domain::cycle::Phase {
        Planning,
        EarlyCallOpen,
        EarlyCallClosed,
        QuotasAllocated,
        SelectionFinalized,
    }
);
same_variants!(
    CourseStatus,
    crate::domain::course::Status {
        Draft,
        Submitted,
        Approved,
        Published,
        Withdrawn,
    }
);
same_variants!(
    ResearchHostKind,
    crate::domain::course::HostKind {
        GraduateSchool,
        NationalCenter,
    }
);
same_variants!(
    Decision,
    crate::domain::selection::Decision { Adopt, NotAdopt }
);
