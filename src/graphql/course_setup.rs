//! Setting up courses (guideline II.1, II.3): a society's yearly decision to
//! take part, the course life cycle DRAFT → SUBMITTED → APPROVED → PUBLISHED
//! (or WITHDRAWN), handing a course to another responsible institution, and
//! the loss of the right to set courses (sanctions). The rules themselves
//! are in `domain::course`, `domain::sanction` and `domain::departure`.
//!
//! The writes themselves are in `ops::course_setup`.

use super::course::Course;
use super::institution::Sanction;
use super::run::run;
use super::society::Participation;
use crate::entity::enums::{FieldCode, ResearchHostKind, SanctionReason};
use crate::ops::course_setup::{
    ApproveCourse, CourseChanges, CreateCourse, PublishCourse, ReassignCourse, ResearchHost,
    SanctionInstitution, SetParticipation, StatusGuarantee, SubmitCourse, UpdateCourse,
    WithdrawCourse,
};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// A new course application (新規申請). The responsible institution must be a
/// university hospital or a national centre, not suspended for that year; partner
/// sites must be certified training facilities.
/// Partner sites are certified in the course's own field (I.3(3)); the input
/// carries every item of guideline II.1.
#[derive(InputObject)]
pub struct CreateCourseInput {
    /// The intake year; its cycle must exist (else BAD_USER_INPUT) and be
    /// PLANNING, and the field must take part in it.
    pub year: i32,
    /// The course's basic field: a SOCIETY token's own (never
    /// GENERAL_PRACTICE, which is the board's).
    pub field: FieldCode,
    /// The course's name, 1 to 200 characters.
    pub title: String,
    /// The responsible institution (責任医療機関, an Institution ID): a
    /// university hospital or a national centre not suspended for the year
    /// (INSTITUTION_SUSPENDED), whose courses of the year keep a seat
    /// beyond those its departures cost (III.3).
    pub responsible_institution_id: ID,
    /// 統括責任者: the course's director, by name, 1 to 200 characters.
    pub director: String,
    /// 希望する定員: the seats asked for, 1 to 100.
    pub requested_capacity: i32,
    /// The specialty training curriculum the clinical phase follows
    /// (準拠する専門研修カリキュラム), 1 to 2000 characters.
    pub curriculum: String,
    /// The partner sites (連携施設), up to 100 Institution IDs, each certified
    /// in the course's field and not the responsible institution; empty:
    /// the responsible institution trains alone (I.3(1)).
    pub partner_institution_ids: Vec<ID>,
    /// Where the research phase is done (II.1).
    pub research_host: ResearchHostInput,
    /// The pay and insurance promised (身分保障).
    pub status_guarantee: StatusGuaranteeInput,
}

/// Changes to a DRAFT course; what is omitted stays as it is, and each
/// value given is checked as in CreateCourseInput.
#[derive(InputObject)]
pub struct UpdateCourseInput {
    /// A new name, 1 to 200 characters.
    pub title: Option<String>,
    /// A new director (統括責任者), 1 to 200 characters.
    pub director: Option<String>,
    /// New seats asked for (希望する定員), 1 to 100.
    pub requested_capacity: Option<i32>,
    /// A new curriculum text, 1 to 2000 characters.
    pub curriculum: Option<String>,
    /// The whole new set of partner sites (連携施設); it replaces the old
    /// one, and an empty list removes them all.
    pub partner_institution_ids: Option<Vec<ID>>,
    /// A new research host, replacing the old one whole.
    pub research_host: Option<ResearchHostInput>,
    /// A new status guarantee, replacing the old one whole.
    pub status_guarantee: Option<StatusGuaranteeInput>,
}

/// The research phase's host (II.1): a graduate school or a national
/// centre, with its paper record.
#[derive(InputObject)]
pub struct ResearchHostInput {
    /// A graduate school or a national centre.
    pub kind: ResearchHostKind,
    /// Its name, 1 to 200 characters.
    pub name: String,
    /// The hospital it belongs to (an Institution ID), when there is one:
    /// a university hospital for a graduate school, a national centre for a
    /// centre.
    pub institution_id: Option<ID>,
    /// English-language SCI papers of the host in the last five years; 0 or
    /// more.
    pub paper_count_five_years: i32,
    /// Its paper record (論文実績) in words, up to 2000 characters; blank or
    /// omitted: none.
    pub paper_record: Option<String>,
}

/// Pay and social insurance promised to the trainee (身分保障, I.3(1)(2)).
#[derive(InputObject)]
pub struct StatusGuaranteeInput {
    /// The clinical phase's pay and insurance, 1 to 2000 characters.
    pub clinical_phase: String,
    /// The research phase's pay and insurance, 1 to 2000 characters.
    pub research_phase: String,
    /// Must be true: the clinical phase has the social insurance of the
    /// regular programs (I.3(1)); false is BAD_USER_INPUT.
    pub social_insurance: bool,
    /// Whether the research phase runs under the working graduate student
    /// scheme (社会人大学院制度).
    pub working_graduate_student: bool,
}

#[derive(Default)]
pub struct CourseSetupMutation;

#[Object]
impl CourseSetupMutation {
    /// A society decides whether its field takes part in a year's early call
    /// (SOCIETY for its field; ADMIN for any, and alone for GENERAL_PRACTICE).
    /// The decision can change until the early call opens.
    async fn set_participation(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The intake year, 2000 to 2200; its cycle, if created, must be PLANNING."
        )]
        year: i32,
        #[graphql(
            desc = "The basic field deciding: a SOCIETY token's own; the board's for GENERAL_PRACTICE."
        )]
        field: FieldCode,
        #[graphql(
            desc = "True to take part in the year's early call, false to stay out (allowed, II.2(1))."
        )]
        participating: bool,
    ) -> Result<Participation> {
        let command = SetParticipation {
            year,
            field,
            participating,
        };
        run(ctx, command).await.map(Participation)
    }

    /// A society drafts a new course for a PLANNING cycle in which its field
    /// takes part, with every item of guideline II.1. The course starts as DRAFT.
    async fn create_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The course; BAD_USER_INPUT names the first field that fails (e.g. input.partnerInstitutionIds)."
        )]
        input: CreateCourseInput,
    ) -> Result<Course> {
        run(ctx, CreateCourse::from(input)).await.map(Course)
    }

    /// Edits a DRAFT course while its cycle is PLANNING; given fields replace
    /// the stored ones (partnerInstitutionIds replaces the whole partner set).
    async fn update_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DRAFT course to edit (a Course ID).")] id: ID,
        #[graphql(desc = "The changes; omitted fields stay.")] input: UpdateCourseInput,
    ) -> Result<Course> {
        let changes = input.into();
        run(ctx, UpdateCourse { id, changes }).await.map(Course)
    }

    /// DRAFT -> SUBMITTED: the society hands the course to the board for
    /// consultation, while the cycle is PLANNING.
    async fn submit_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DRAFT course to submit (a Course ID).")] id: ID,
    ) -> Result<Course> {
        run(ctx, SubmitCourse { id }).await.map(Course)
    }

    /// SUBMITTED -> APPROVED: the board agrees to the course (ADMIN), while
    /// the cycle is PLANNING or EARLY_CALL_OPEN.
    async fn approve_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SUBMITTED course to approve (a Course ID).")] id: ID,
    ) -> Result<Course> {
        run(ctx, ApproveCourse { id }).await.map(Course)
    }

    /// APPROVED -> PUBLISHED: the course is announced to applicants (公示,
    /// ADMIN), while the cycle is PLANNING or EARLY_CALL_OPEN.
    async fn publish_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The APPROVED course to announce (a Course ID).")] id: ID,
    ) -> Result<Course> {
        run(ctx, PublishCourse { id }).await.map(Course)
    }

    /// Withdraws a course (its SOCIETY or ADMIN) until selection is final.
    /// After the early call opened this sanctions the responsible institution
    /// (COURSE_WITHDRAWN, II.3(2)) from the cycle's year through its next
    /// sanctionYears course-setting years, and tells the course's applicants
    /// (applicationStatusChanged), who may then apply to another course.
    async fn withdraw_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The course to withdraw (a Course ID); one already WITHDRAWN is CONFLICT."
        )]
        id: ID,
        #[graphql(desc = "Why (辞退の理由), 1 to 2000 characters; kept with the course.")]
        reason: String,
    ) -> Result<Course> {
        run(ctx, WithdrawCourse { id, reason }).await.map(Course)
    }

    /// hand a course to another responsible institution; sanctions the previous one
    /// once the early call opened (COURSE_CHANGED, II.3(2); a withdrawn
    /// course's institution was sanctioned by the withdrawal). The board
    /// (ADMIN) hands it to a university hospital or national centre with a
    /// new director, until selection is final (II.3(1)). A withdrawn course
    /// handed over returns to the status it had reached (a published one is
    /// published again) with its applications, which stay adoptable; its
    /// applicants are told.
    async fn reassign_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The course to hand over (a Course ID), in any status.")] id: ID,
        #[graphql(
            desc = "The new responsible institution (an Institution ID): a university hospital or national centre, not the current one, not suspended for the year; it leaves the partner sites if it was one."
        )]
        institution_id: ID,
        #[graphql(desc = "The new director (統括責任者), by name, 1 to 200 characters.")]
        director: String,
    ) -> Result<Course> {
        let command = ReassignCourse {
            id,
            institution_id,
            director,
        };
        run(ctx, command).await.map(Course)
    }

    /// The board withdraws an institution's right to set courses (ADMIN).
    /// With `fromYear`: the `years` years from it. Without: from the course's
    /// year (else the newest cycle's) through its next `years`
    /// course-setting years, as a withdrawal does (II.3(2)). `years`
    /// defaults to that cycle's sanctionYears (at least 1).
    async fn sanction_institution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hospital that loses the right (an Institution ID).")]
        institution_id: ID,
        #[graphql(desc = "Why it loses the right.")] reason: SanctionReason,
        #[graphql(
            desc = "The course that led to it (a Course ID), which must be the institution's."
        )]
        course_id: Option<ID>,
        #[graphql(desc = "The first intake year covered, 2000 to 2200; see above when omitted.")]
        from_year: Option<i32>,
        #[graphql(desc = "How many years, 1 to 20; default the cycle's sanctionYears.")]
        years: Option<i32>,
    ) -> Result<Sanction> {
        let command = SanctionInstitution {
            institution_id,
            reason,
            course_id,
            from_year,
            years,
        };
        run(ctx, command).await.map(Sanction)
    }
}

impl From<ResearchHostInput> for ResearchHost {
    fn from(input: ResearchHostInput) -> Self {
        Self {
            kind: input.kind,
            name: input.name,
            institution_id: input.institution_id,
            paper_count_five_years: input.paper_count_five_years,
            paper_record: input.paper_record,
        }
    }
}

impl From<StatusGuaranteeInput> for StatusGuarantee {
    fn from(input: StatusGuaranteeInput) -> Self {
        Self {
            clinical_phase: input.clinical_phase,
            research_phase: input.research_phase,
            social_insurance: input.social_insurance,
            working_graduate_student: input.working_graduate_student,
        }
    }
}

impl From<CreateCourseInput> for CreateCourse {
    fn from(input: CreateCourseInput) -> Self {
        Self {
            year: input.year,
            field: input.field,
            title: input.title,
            responsible_institution_id: input.responsible_institution_id,
            director: input.director,
            requested_capacity: input.requested_capacity,
            curriculum: input.curriculum,
            partner_institution_ids: input.partner_institution_ids,
            research_host: input.research_host.into(),
            status_guarantee: input.status_guarantee.into(),
        }
    }
}

impl From<UpdateCourseInput> for CourseChanges {
    fn from(input: UpdateCourseInput) -> Self {
        Self {
            title: input.title,
            director: input.director,
            requested_capacity: input.requested_capacity,
            curriculum: input.curriculum,
            partner_institution_ids: input.partner_institution_ids,
            research_host: input.research_host.map(Into::into),
            status_guarantee: input.status_guarantee.map(Into::into),
        }
    }
}
