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
    FieldCode {
        InternalMedicine, Pediatrics, Dermatology, Psychiatry, Surgery, Orthopedics,
        ObstetricsGynecology, Ophthalmology, Otolaryngology, Urology, Neurosurgery,
        Radiology, Anesthesiology, Pathology, LaboratoryMedicine, EmergencyMedicine,
        PlasticSurgery, RehabilitationMedicine, GeneralPractice,
    }
);

text_enum!(InstitutionKind {
    UniversityHospital,
    NationalCenter,
    PublicHospital,
    OtherHospital
});

text_enum!(CourseStatus {
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

text_enum!(ResearchHostKind {
    GraduateSchool,
    NationalCenter
});

text_enum!(CyclePhase {
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

text_enum!(ApplicationStatus {
    Submitted,
    Adopted,
    NotAdopted,
    Withdrawn
});

text_enum!(GeneralApplicationStatus {
    /// held while the early-call decision is open
    Pending,
    /// the applicant trains in the regular program (fallback, or no adoption)
    Active,
    /// released because the applicant was adopted, or withdrew it
    Withdrawn,
});

text_enum!(ApplicationOutcome {
    /// decision not final yet
    Undecided,
    /// trains in the clinician scientist course
    Course,
    /// not adopted; trains in the regular program of the parallel application
    RegularProgram,
    /// not adopted and no parallel application on record
    None,
});

text_enum!(Role {
    /// the board's secretariat (日本専門医機構)
    Admin,
    /// a basic-field society (基本領域学会); scoped to one field
    Society,
    /// a responsible institution (責任医療機関); scoped to one institution
    Institution,
    /// a doctor applying to or enrolled in a course; scoped to one applicant
    Applicant,
});

text_enum!(TraineePhase {
    /// years 1-2: clinical training at the responsible institution and partners
    Clinical,
    /// from year 3: research at least half the time, clinical work the rest
    Research,
    Completed,
    Departed,
});

text_enum!(DegreeStatus {
    None,
    Expected,
    Obtained
});

text_enum!(ExtensionReason {
    StudyAbroad,
    OverseasWork,
    PregnancyChildbirthChildcare,
    Illness,
    Caregiving,
    ManagerialPost,
    Disaster,
    Other,
});

text_enum!(DecisionStatus {
    Requested,
    Approved,
    Rejected
});

text_enum!(
    /// An adoption decision (合否).
    Decision { Adopt, NotAdopt }
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

text_enum!(SanctionReason {
    CourseChanged,
    CourseWithdrawn,
    QuotaUnfilled
});

text_enum!(ReportStatus {
    Draft,
    Submitted,
    Accepted,
    GuidanceIssued
});

text_enum!(
    /// Whether an audited operation took effect or was refused.
    AuditOutcome { Ok, Refused }
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
