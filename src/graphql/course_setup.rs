//! Setting up courses (guideline II.1, II.3): a society's yearly decision to
//! take part, the course life cycle DRAFT → SUBMITTED → APPROVED → PUBLISHED
//! (or WITHDRAWN), handing a course to another responsible institution, and
//! the loss of the right to set courses (sanctions). The rules themselves
//! are in `domain::course`, `domain::sanction` and `domain::departure`.
//!
//! Every mutation runs in one write transaction that locks the cycle first
//! and then the course (the order the other cycle mutations use), records its
//! audit event inside that transaction, and records a refusal on its own.

use super::audit;
use super::context::{db, viewer};
use super::course::Course;
use super::guards::{
    calendar, course_for_update, course_refusal, cycle_for_update, parse_id, phase_name,
    require_field_scope, require_phase, society_by_code, society_by_id,
};
use super::ids;
use super::institution::Sanction;
use super::seats;
use super::society::Participation;
use super::subscription::bus;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::course::{self as rules, HostKind, Site, Step};
use crate::domain::sanction::{self as suspension, Suspension};
use crate::domain::{departure, quota, validate};
use crate::entity::enums::{
    ApplicationStatus, AuditOutcome, CourseStatus, CyclePhase, FieldCode, InstitutionKind,
    ResearchHostKind, Role, SanctionReason,
};
use crate::entity::{
    application, course, course_partner_site, institution, institution_certification,
    participation, recruitment_cycle, sanction, society,
};
use crate::error::{AppError, AppResult};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashSet;

/// Short free text: titles, names, directors.
const NAME_MAX: usize = 200;
/// Longer free text: curriculum, status guarantee, paper record, reasons.
const TEXT_MAX: usize = 2000;
const PARTNERS_MAX: usize = 100;
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;

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
        let result = set_participation(db(ctx), viewer(ctx), year, field, participating).await;
        audit::record_refusal(ctx, "setParticipation", None, &result).await;
        Ok(Participation(result?))
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
        let result = create_course(db(ctx), viewer(ctx), input).await;
        audit::record_refusal(ctx, "createCourse", None, &result).await;
        Ok(Course(result?))
    }

    /// Edits a DRAFT course while its cycle is PLANNING; given fields replace
    /// the stored ones (partnerInstitutionIds replaces the whole partner set).
    async fn update_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DRAFT course to edit (a Course ID).")] id: ID,
        #[graphql(desc = "The changes; omitted fields stay.")] input: UpdateCourseInput,
    ) -> Result<Course> {
        let result = update_course(db(ctx), viewer(ctx), &id, input).await;
        audit::record_refusal(ctx, "updateCourse", course_target(&id).as_ref(), &result).await;
        Ok(Course(result?))
    }

    /// DRAFT -> SUBMITTED: the society hands the course to the board for
    /// consultation, while the cycle is PLANNING.
    async fn submit_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DRAFT course to submit (a Course ID).")] id: ID,
    ) -> Result<Course> {
        step_resolver(ctx, &id, Step::Submit).await
    }

    /// SUBMITTED -> APPROVED: the board agrees to the course (ADMIN), while
    /// the cycle is PLANNING or EARLY_CALL_OPEN.
    async fn approve_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The SUBMITTED course to approve (a Course ID).")] id: ID,
    ) -> Result<Course> {
        step_resolver(ctx, &id, Step::Approve).await
    }

    /// APPROVED -> PUBLISHED: the course is announced to applicants (公示,
    /// ADMIN), while the cycle is PLANNING or EARLY_CALL_OPEN.
    async fn publish_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The APPROVED course to announce (a Course ID).")] id: ID,
    ) -> Result<Course> {
        step_resolver(ctx, &id, Step::Publish).await
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
        let result = withdraw_course(db(ctx), viewer(ctx), &id, &reason).await;
        audit::record_refusal(ctx, "withdrawCourse", course_target(&id).as_ref(), &result).await;
        let (row, applications) = result?;
        bus(ctx).publish_applications(db(ctx), &applications).await;
        Ok(Course(row))
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
        let result = reassign_course(db(ctx), viewer(ctx), &id, &institution_id, &director).await;
        audit::record_refusal(ctx, "reassignCourse", course_target(&id).as_ref(), &result).await;
        let (row, applications) = result?;
        bus(ctx).publish_applications(db(ctx), &applications).await;
        Ok(Course(row))
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
        let args = SanctionArgs {
            institution_id: &institution_id,
            reason,
            course_id: course_id.as_ref(),
            from_year,
            years,
        };
        let result = sanction_institution(db(ctx), viewer(ctx), args).await;
        audit::record_refusal(ctx, "sanctionInstitution", None, &result).await;
        Ok(Sanction(result?))
    }
}

/// Runs one step of the course life cycle and audits a refusal.
async fn step_resolver(ctx: &Context<'_>, id: &ID, step: Step) -> Result<Course> {
    let result = step_course(db(ctx), viewer(ctx), id, step).await;
    audit::record_refusal(ctx, operation(step), course_target(id).as_ref(), &result).await;
    Ok(Course(result?))
}

fn operation(step: Step) -> &'static str {
    match step {
        Step::Submit => "submitCourse",
        Step::Approve => "approveCourse",
        Step::Publish => "publishCourse",
    }
}

// --- participation --------------------------------------------------------

async fn set_participation(
    db: &DatabaseConnection,
    viewer: &Viewer,
    year: i32,
    field: FieldCode,
    participating: bool,
) -> AppResult<participation::Model> {
    viewer.require(&[Role::Admin, Role::Society])?;
    let society = society_by_code(db, field).await?;
    require_field_scope(viewer, &society)?;
    if !YEARS.contains(&year) {
        return Err(AppError::bad_input("year", "must be between 2000 and 2200"));
    }

    let txn = begin_write(db).await?;
    let cycle = recruitment_cycle::Entity::find()
        .filter(recruitment_cycle::Column::Year.eq(year))
        .lock_exclusive()
        .one(&txn)
        .await?;
    if let Some(cycle) = &cycle {
        require_phase(cycle, &[CyclePhase::Planning])?;
    }
    participation::Entity::insert(participation::ActiveModel {
        society_id: Set(society.id),
        year: Set(year),
        participating: Set(participating),
        decided_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            participation::Column::SocietyId,
            participation::Column::Year,
        ])
        .update_columns([
            participation::Column::Participating,
            participation::Column::DecidedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let row = participation::Entity::find()
        .filter(participation::Column::SocietyId.eq(society.id))
        .filter(participation::Column::Year.eq(year))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal("the participation just written is missing".into()))?;
    let target = ids::encode(ids::SOCIETY, society.id);
    let decision = if participating {
        "takes part"
    } else {
        "does not take part"
    };
    audit::record(
        &txn,
        viewer,
        "setParticipation",
        Some(&target),
        AuditOutcome::Ok,
        format!("{} {decision} in {year}", society.field_name_en),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

// --- create and update ----------------------------------------------------

/// A trimmed, validated text, or BAD_USER_INPUT naming `field`.
fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    validate::name(value, max).map_err(|m| AppError::bad_input(field, m))
}

fn capacity(value: i32, field: &str) -> AppResult<i32> {
    rules::check_capacity(value)
        .map(|_| value)
        .map_err(|m| AppError::bad_input(field, m))
}

/// What the course-setting rules read about an institution, for `field`.
fn site(row: &institution::Model, certified_in_field: bool) -> Site {
    Site {
        university_hospital: row.kind == InstitutionKind::UniversityHospital,
        national_center: row.kind == InstitutionKind::NationalCenter,
        certified_in_field,
    }
}

/// The research host as stored, its institution not yet checked.
struct ResearchHostValues {
    kind: ResearchHostKind,
    name: String,
    institution_id: Option<i64>,
    paper_count: i32,
    paper_record: Option<String>,
}

fn research_host_values(input: &ResearchHostInput) -> AppResult<ResearchHostValues> {
    let name = text("input.researchHost.name", &input.name, NAME_MAX)?;
    let institution_id = input
        .institution_id
        .as_ref()
        .map(|raw| parse_id(raw, ids::INSTITUTION, "input.researchHost.institutionId"))
        .transpose()?;
    if input.paper_count_five_years < 0 {
        return Err(AppError::bad_input(
            "input.researchHost.paperCountFiveYears",
            "must not be negative",
        ));
    }
    let paper_record = validate::optional_name(input.paper_record.as_deref(), TEXT_MAX)
        .map_err(|m| AppError::bad_input("input.researchHost.paperRecord", m))?;
    Ok(ResearchHostValues {
        kind: input.kind,
        name,
        institution_id,
        paper_count: input.paper_count_five_years,
        paper_record,
    })
}

impl ResearchHostValues {
    /// The host institution, when named, must exist and be of the host's
    /// kind: a university hospital for a graduate school, a national centre
    /// for a national centre (II.1).
    async fn check(&self, conn: &impl ConnectionTrait) -> AppResult<()> {
        let Some(id) = self.institution_id else {
            return Ok(());
        };
        let row = institution::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or_else(|| {
                AppError::bad_input("input.researchHost.institutionId", "no such institution")
            })?;
        rules::check_research_host(HostKind::from(self.kind), Some(&site(&row, false)))
            .map_err(|m| AppError::bad_input("input.researchHost.institutionId", m))
    }

    fn apply(self, row: &mut course::ActiveModel) {
        row.research_host_kind = Set(self.kind);
        row.research_host_name = Set(self.name);
        row.research_host_institution_id = Set(self.institution_id);
        row.research_host_paper_count = Set(self.paper_count);
        row.research_host_paper_record = Set(self.paper_record);
    }
}

struct GuaranteeValues {
    clinical_phase: String,
    research_phase: String,
    social_insurance: bool,
    working_graduate_student: bool,
}

fn guarantee_values(input: &StatusGuaranteeInput) -> AppResult<GuaranteeValues> {
    rules::check_status_guarantee(input.social_insurance)
        .map_err(|m| AppError::bad_input("input.statusGuarantee.socialInsurance", m))?;
    Ok(GuaranteeValues {
        clinical_phase: text(
            "input.statusGuarantee.clinicalPhase",
            &input.clinical_phase,
            TEXT_MAX,
        )?,
        research_phase: text(
            "input.statusGuarantee.researchPhase",
            &input.research_phase,
            TEXT_MAX,
        )?,
        social_insurance: input.social_insurance,
        working_graduate_student: input.working_graduate_student,
    })
}

impl GuaranteeValues {
    fn apply(self, row: &mut course::ActiveModel) {
        row.guarantee_clinical_phase = Set(self.clinical_phase);
        row.guarantee_research_phase = Set(self.research_phase);
        row.guarantee_social_insurance = Set(self.social_insurance);
        row.guarantee_working_graduate_student = Set(self.working_graduate_student);
    }
}

const PARTNERS_FIELD: &str = "input.partnerInstitutionIds";

/// The partner ids, parsed and free of duplicates; checked against the
/// database by [`check_partners`].
fn partner_ids(raw: &[ID]) -> AppResult<Vec<i64>> {
    if raw.len() > PARTNERS_MAX {
        return Err(AppError::bad_input(
            PARTNERS_FIELD,
            format!("at most {PARTNERS_MAX} partner institutions"),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for id in raw {
        let id = parse_id(id, ids::INSTITUTION, PARTNERS_FIELD)?;
        if !seen.insert(id) {
            return Err(AppError::bad_input(
                PARTNERS_FIELD,
                "lists an institution twice",
            ));
        }
        out.push(id);
    }
    Ok(out)
}

/// The institutions among `ids` certified as training facilities of the
/// regular programs of `society`'s field.
pub async fn certified_in_field(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    society_id: i64,
) -> AppResult<HashSet<i64>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(institution_certification::Entity::find()
        .filter(institution_certification::Column::SocietyId.eq(society_id))
        .filter(institution_certification::Column::InstitutionId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.institution_id)
        .collect())
}

/// Partners (連携施設) must exist, be certified training facilities of the
/// course's field (I.3(3)), and not be the responsible institution itself.
async fn check_partners(
    conn: &impl ConnectionTrait,
    partners: &[i64],
    responsible_id: i64,
    society: &society::Model,
) -> AppResult<()> {
    if partners.contains(&responsible_id) {
        return Err(AppError::bad_input(
            PARTNERS_FIELD,
            "must not include the responsible institution",
        ));
    }
    if partners.is_empty() {
        return Ok(());
    }
    let rows = institution::Entity::find()
        .filter(institution::Column::Id.is_in(partners.iter().copied()))
        .all(conn)
        .await?;
    if rows.len() != partners.len() {
        return Err(AppError::bad_input(
            PARTNERS_FIELD,
            "names an institution that does not exist",
        ));
    }
    let certified = certified_in_field(conn, partners, society.id).await?;
    for row in &rows {
        rules::check_partner(&site(row, certified.contains(&row.id))).map_err(|m| {
            AppError::bad_input(
                PARTNERS_FIELD,
                format!("{} {m} ({})", row.name, society.field_name_en),
            )
        })?;
    }
    Ok(())
}

async fn replace_partners(
    conn: &impl ConnectionTrait,
    course_id: i64,
    partners: &[i64],
) -> AppResult<()> {
    course_partner_site::Entity::delete_many()
        .filter(course_partner_site::Column::CourseId.eq(course_id))
        .exec(conn)
        .await?;
    course_partner_site::Entity::insert_many(partners.iter().map(|&institution_id| {
        course_partner_site::ActiveModel {
            course_id: Set(course_id),
            institution_id: Set(institution_id),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// An institution that may be responsible for a course of `year`: a
/// university hospital or a national centre that has not lost the right.
async fn responsible_institution(
    conn: &impl ConnectionTrait,
    id: i64,
    year: i32,
    field: &str,
) -> AppResult<institution::Model> {
    let row = institution::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input(field, "no such institution"))?;
    rules::check_responsible(&site(&row, false)).map_err(|m| AppError::bad_input(field, m))?;
    require_not_suspended(conn, &row, year).await?;
    Ok(row)
}

/// INSTITUTION_SUSPENDED when a sanction of the institution covers `year`
/// (II.3(2)).
pub async fn require_not_suspended(
    conn: &impl ConnectionTrait,
    institution: &institution::Model,
    year: i32,
) -> AppResult<()> {
    let running: Vec<Suspension> = sanction::Entity::find()
        .filter(sanction::Column::InstitutionId.eq(institution.id))
        .filter(sanction::Column::UntilYear.gte(year))
        .all(conn)
        .await?
        .iter()
        .map(|s| Suspension {
            from_year: s.from_year,
            until_year: s.until_year,
        })
        .collect();
    match suspension::suspended_until(&running, year) {
        Some(until) => Err(AppError::InstitutionSuspended(format!(
            "{} has lost the right to set courses for {year} (until {until})",
            institution.name
        ))),
        None => Ok(()),
    }
}

/// III.3: after departures without special circumstances the institution's
/// courses of `year`, all together, must leave at least one seat beyond
/// those it lost (QUOTA_EXCEEDED). A seat, not a ban.
async fn require_seats_after_cut(
    conn: &impl ConnectionTrait,
    institution: &institution::Model,
    year: i32,
    course_id: Option<i64>,
    capacity: i32,
) -> AppResult<()> {
    let cut = seats::cut(conn, institution.id, year).await?;
    if cut == 0 {
        return Ok(());
    }
    let others = seats::offered(conn, institution.id, year, course_id).await?;
    let requested = others.saturating_add(capacity.max(0) as u32);
    departure::check_seats_after_cut(requested, cut)
        .map(|_| ())
        .map_err(|m| AppError::QuotaExceeded(format!("{} for {year}: {m}", institution.name)))
}

async fn create_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: CreateCourseInput,
) -> AppResult<course::Model> {
    viewer.require(&[Role::Admin, Role::Society])?;
    let society = society_by_code(db, input.field).await?;
    require_field_scope(viewer, &society)?;

    let title = text("input.title", &input.title, NAME_MAX)?;
    let responsible_id = parse_id(
        &input.responsible_institution_id,
        ids::INSTITUTION,
        "input.responsibleInstitutionId",
    )?;
    let director = text("input.director", &input.director, NAME_MAX)?;
    let requested_capacity = capacity(input.requested_capacity, "input.requestedCapacity")?;
    let curriculum = text("input.curriculum", &input.curriculum, TEXT_MAX)?;
    let partners = partner_ids(&input.partner_institution_ids)?;
    let host = research_host_values(&input.research_host)?;
    let guarantee = guarantee_values(&input.status_guarantee)?;

    let txn = begin_write(db).await?;
    let year = input.year;
    let cycle = cycle_for_update(&txn, year).await.map_err(|e| match e {
        AppError::NotFound => {
            AppError::bad_input("input.year", "no recruitment cycle for this year")
        }
        e => e,
    })?;
    require_phase(&cycle, &[CyclePhase::Planning])?;
    let decision = participation::Entity::find()
        .filter(participation::Column::SocietyId.eq(society.id))
        .filter(participation::Column::Year.eq(year))
        .one(&txn)
        .await?
        .map(|p| p.participating);
    if !quota::takes_part(decision) {
        return Err(AppError::bad_input(
            "input.field",
            format!(
                "{} decided not to take part in {year}",
                society.field_name_en
            ),
        ));
    }
    let responsible =
        responsible_institution(&txn, responsible_id, year, "input.responsibleInstitutionId")
            .await?;
    check_partners(&txn, &partners, responsible.id, &society).await?;
    host.check(&txn).await?;
    require_seats_after_cut(&txn, &responsible, year, None, requested_capacity).await?;

    let now = Utc::now();
    let mut row = course::ActiveModel {
        year: Set(year),
        society_id: Set(society.id),
        title: Set(title),
        responsible_institution_id: Set(responsible.id),
        director: Set(director),
        requested_capacity: Set(requested_capacity),
        status: Set(CourseStatus::Draft),
        curriculum: Set(curriculum),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        approved_at: Set(None),
        published_at: Set(None),
        withdrawn_at: Set(None),
        withdrawal_reason: Set(None),
        ..Default::default()
    };
    host.apply(&mut row);
    guarantee.apply(&mut row);
    let row = row.insert(&txn).await?;
    replace_partners(&txn, row.id, &partners).await?;

    let target = ids::encode(ids::COURSE, row.id);
    audit::record(
        &txn,
        viewer,
        "createCourse",
        Some(&target),
        AuditOutcome::Ok,
        format!(
            "created course {} ({} {year}) at {}",
            row.title, society.field_name_en, responsible.name
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn update_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw_id: &ID,
    input: UpdateCourseInput,
) -> AppResult<course::Model> {
    viewer.require(&[Role::Admin, Role::Society])?;
    let course_id = parse_id(raw_id, ids::COURSE, "id")?;
    let title = input
        .title
        .as_deref()
        .map(|t| text("input.title", t, NAME_MAX))
        .transpose()?;
    let director = input
        .director
        .as_deref()
        .map(|d| text("input.director", d, NAME_MAX))
        .transpose()?;
    let requested_capacity = input
        .requested_capacity
        .map(|c| capacity(c, "input.requestedCapacity"))
        .transpose()?;
    let curriculum = input
        .curriculum
        .as_deref()
        .map(|c| text("input.curriculum", c, TEXT_MAX))
        .transpose()?;
    let partners = input
        .partner_institution_ids
        .as_deref()
        .map(partner_ids)
        .transpose()?;
    let host = input
        .research_host
        .as_ref()
        .map(research_host_values)
        .transpose()?;
    let guarantee = input
        .status_guarantee
        .as_ref()
        .map(guarantee_values)
        .transpose()?;

    let txn = begin_write(db).await?;
    let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
    let society = society_by_id(&txn, course.society_id).await?;
    require_course_scope(viewer, &course, &society)?;
    rules::may_edit(course.status.into(), cycle.phase.into())
        .map_err(|r| course_refusal(&cycle, r))?;
    if let Some(partners) = &partners {
        check_partners(&txn, partners, course.responsible_institution_id, &society).await?;
    }
    if let Some(capacity) = requested_capacity {
        let responsible = institution::Entity::find_by_id(course.responsible_institution_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        require_seats_after_cut(&txn, &responsible, course.year, Some(course.id), capacity).await?;
    }
    if let Some(host) = &host {
        host.check(&txn).await?;
    }

    let mut changed = Vec::new();
    let mut row: course::ActiveModel = course.into();
    if let Some(title) = title {
        row.title = Set(title);
        changed.push("title");
    }
    if let Some(director) = director {
        row.director = Set(director);
        changed.push("director");
    }
    if let Some(capacity) = requested_capacity {
        row.requested_capacity = Set(capacity);
        changed.push("requestedCapacity");
    }
    if let Some(curriculum) = curriculum {
        row.curriculum = Set(curriculum);
        changed.push("curriculum");
    }
    if let Some(host) = host {
        host.apply(&mut row);
        changed.push("researchHost");
    }
    if let Some(guarantee) = guarantee {
        guarantee.apply(&mut row);
        changed.push("statusGuarantee");
    }
    row.updated_at = Set(Utc::now());
    let row = row.update(&txn).await?;
    if let Some(partners) = &partners {
        replace_partners(&txn, row.id, partners).await?;
        changed.push("partnerInstitutionIds");
    }

    let target = ids::encode(ids::COURSE, row.id);
    let what = if changed.is_empty() {
        "nothing".to_owned()
    } else {
        changed.join(", ")
    };
    audit::record(
        &txn,
        viewer,
        "updateCourse",
        Some(&target),
        AuditOutcome::Ok,
        format!("updated course {}: {what}", row.title),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

// --- life cycle -------------------------------------------------------------

/// The canonical global ID of a course, for the audit of a refusal; `None`
/// when the client's ID is not a course ID.
fn course_target(raw: &ID) -> Option<ID> {
    ids::decode_kind(raw, ids::COURSE).map(|n| ids::encode(ids::COURSE, n))
}

/// Locks the course's cycle, then the course: the cycle is the coarser lock
/// and the one every phase change takes, so taking it first avoids deadlocks.
async fn course_and_cycle_for_update(
    conn: &impl ConnectionTrait,
    course_id: i64,
) -> AppResult<(course::Model, recruitment_cycle::Model)> {
    let year = course::Entity::find_by_id(course_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?
        .year;
    let cycle = cycle_for_update(conn, year).await.map_err(|e| match e {
        AppError::NotFound => {
            AppError::Internal(format!("the cycle of course {course_id} is missing"))
        }
        e => e,
    })?;
    let course = course_for_update(conn, course_id).await?;
    Ok((course, cycle))
}

/// The board may act on any course; a society on the courses of its field.
/// A society asking about another field's course that it may not see gets
/// NOT_FOUND, so the answer does not reveal that the course exists.
fn require_course_scope(
    viewer: &Viewer,
    course: &course::Model,
    society: &society::Model,
) -> AppResult<()> {
    if viewer.role == Some(Role::Society)
        && viewer.society_id != Some(course.society_id)
        && course.status != CourseStatus::Published
    {
        return Err(AppError::NotFound);
    }
    require_field_scope(viewer, society)
}

async fn step_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw_id: &ID,
    step: Step,
) -> AppResult<course::Model> {
    if step.board_only() {
        viewer.require(&[Role::Admin])?;
    } else {
        viewer.require(&[Role::Admin, Role::Society])?;
    }
    let course_id = parse_id(raw_id, ids::COURSE, "id")?;
    let txn = begin_write(db).await?;
    let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
    if !step.board_only() {
        let society = society_by_id(&txn, course.society_id).await?;
        require_course_scope(viewer, &course, &society)?;
    }
    let to = rules::step(course.status.into(), step, cycle.phase.into())
        .map_err(|r| course_refusal(&cycle, r))?;
    // II.3(2): a course of a year the institution lost goes no further.
    let responsible = institution::Entity::find_by_id(course.responsible_institution_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal(format!("institution of course {course_id} missing")))?;
    require_not_suspended(&txn, &responsible, course.year).await?;

    let now = Utc::now();
    let mut row: course::ActiveModel = course.into();
    row.status = Set(to.into());
    row.updated_at = Set(now);
    match step {
        Step::Submit => row.submitted_at = Set(Some(now)),
        Step::Approve => row.approved_at = Set(Some(now)),
        Step::Publish => row.published_at = Set(Some(now)),
    }
    let row = row.update(&txn).await?;
    let target = ids::encode(ids::COURSE, row.id);
    audit::record(
        &txn,
        viewer,
        operation(step),
        Some(&target),
        AuditOutcome::Ok,
        format!("course {} is now {}", row.title, row.status.to_value()),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Records the sanction `suspension` of `institution_id` over `course_id`.
async fn record_sanction(
    conn: &impl ConnectionTrait,
    suspension: Option<Suspension>,
    institution_id: i64,
    course_id: i64,
    reason: SanctionReason,
) -> AppResult<Option<sanction::Model>> {
    let Some(s) = suspension else {
        return Ok(None);
    };
    let row = sanction::ActiveModel {
        institution_id: Set(institution_id),
        course_id: Set(Some(course_id)),
        reason: Set(reason),
        from_year: Set(s.from_year),
        until_year: Set(s.until_year),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Some(row))
}

/// II.3(2): the former institution's suspension after its course of
/// `cycle`'s year was lost while the cycle was in its current phase.
async fn suspension_after_loss(
    conn: &impl ConnectionTrait,
    cycle: &recruitment_cycle::Model,
) -> AppResult<Option<Suspension>> {
    let calendar = calendar(conn).await?;
    let years = u32::try_from(cycle.sanction_years).unwrap_or(0);
    Ok(suspension::after_course_lost(
        &calendar,
        cycle.year,
        cycle.phase.into(),
        years,
    ))
}

fn sanction_note(row: &Option<sanction::Model>) -> String {
    match row {
        Some(s) => format!(
            "; institution {} loses the right to set courses {}-{}",
            s.institution_id, s.from_year, s.until_year
        ),
        None => String::new(),
    }
}

/// The course's applications still waiting for a decision or adopted:
/// their applicants are told when the course is withdrawn or handed over.
async fn live_applications(
    conn: &impl ConnectionTrait,
    course_id: i64,
) -> AppResult<Vec<application::Model>> {
    Ok(application::Entity::find()
        .filter(application::Column::CourseId.eq(course_id))
        .filter(
            application::Column::Status
                .is_in([ApplicationStatus::Submitted, ApplicationStatus::Adopted]),
        )
        .order_by_asc(application::Column::Id)
        .all(conn)
        .await?)
}

async fn withdraw_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw_id: &ID,
    reason: &str,
) -> AppResult<(course::Model, Vec<application::Model>)> {
    viewer.require(&[Role::Admin, Role::Society])?;
    let course_id = parse_id(raw_id, ids::COURSE, "id")?;
    let reason = text("reason", reason, TEXT_MAX)?;

    let txn = begin_write(db).await?;
    let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
    let society = society_by_id(&txn, course.society_id).await?;
    require_course_scope(viewer, &course, &society)?;
    let withdrawal = rules::withdraw(course.status.into(), cycle.phase.into())
        .map_err(|r| course_refusal(&cycle, r))?;

    let now = Utc::now();
    let institution_id = course.responsible_institution_id;
    let mut row: course::ActiveModel = course.into();
    row.status = Set(CourseStatus::Withdrawn);
    row.withdrawn_at = Set(Some(now));
    row.withdrawal_reason = Set(Some(reason.clone()));
    row.updated_at = Set(now);
    let row = row.update(&txn).await?;
    let suspension = if withdrawal.sanctions_institution {
        suspension_after_loss(&txn, &cycle).await?
    } else {
        None
    };
    let sanction = record_sanction(
        &txn,
        suspension,
        institution_id,
        row.id,
        SanctionReason::CourseWithdrawn,
    )
    .await?;
    let applications = live_applications(&txn, row.id).await?;

    let target = ids::encode(ids::COURSE, row.id);
    audit::record(
        &txn,
        viewer,
        "withdrawCourse",
        Some(&target),
        AuditOutcome::Ok,
        format!(
            "withdrew course {} while {} ({reason}), {} live application(s){}",
            row.title,
            phase_name(cycle.phase),
            applications.len(),
            sanction_note(&sanction)
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((row, applications))
}

async fn reassign_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw_id: &ID,
    raw_institution_id: &ID,
    director: &str,
) -> AppResult<(course::Model, Vec<application::Model>)> {
    viewer.require(&[Role::Admin])?;
    let course_id = parse_id(raw_id, ids::COURSE, "id")?;
    let new_id = parse_id(raw_institution_id, ids::INSTITUTION, "institutionId")?;
    let director = text("director", director, NAME_MAX)?;

    let txn = begin_write(db).await?;
    let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
    let history = rules::History {
        submitted: course.submitted_at.is_some(),
        approved: course.approved_at.is_some(),
        published: course.published_at.is_some(),
    };
    let handover = rules::reassign(course.status.into(), history, cycle.phase.into())
        .map_err(|r| course_refusal(&cycle, r))?;
    let former_id = course.responsible_institution_id;
    if new_id == former_id {
        return Err(AppError::bad_input(
            "institutionId",
            "is already the responsible institution",
        ));
    }
    let new_institution =
        responsible_institution(&txn, new_id, course.year, "institutionId").await?;
    require_seats_after_cut(
        &txn,
        &new_institution,
        course.year,
        Some(course.id),
        course.requested_capacity,
    )
    .await?;

    course_partner_site::Entity::delete_many()
        .filter(course_partner_site::Column::CourseId.eq(course.id))
        .filter(course_partner_site::Column::InstitutionId.eq(new_institution.id))
        .exec(&txn)
        .await?;
    let reinstated = course.status == CourseStatus::Withdrawn;
    let mut row: course::ActiveModel = course.into();
    row.responsible_institution_id = Set(new_institution.id);
    row.director = Set(director);
    row.status = Set(handover.status.into());
    if reinstated {
        row.withdrawn_at = Set(None);
        row.withdrawal_reason = Set(None);
    }
    row.updated_at = Set(Utc::now());
    let row = row.update(&txn).await?;
    let suspension = if handover.sanctions_former_institution {
        suspension_after_loss(&txn, &cycle).await?
    } else {
        None
    };
    let sanction = record_sanction(
        &txn,
        suspension,
        former_id,
        row.id,
        SanctionReason::CourseChanged,
    )
    .await?;
    let applications = live_applications(&txn, row.id).await?;

    let target = ids::encode(ids::COURSE, row.id);
    audit::record(
        &txn,
        viewer,
        "reassignCourse",
        Some(&target),
        AuditOutcome::Ok,
        format!(
            "handed course {} from institution {former_id} to {} while {}{}, {} live application(s){}",
            row.title,
            new_institution.name,
            phase_name(cycle.phase),
            if reinstated {
                format!(" (withdrawn; now {} again)", row.status.to_value())
            } else {
                String::new()
            },
            applications.len(),
            sanction_note(&sanction)
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((row, applications))
}

// --- sanctions ----------------------------------------------------------------

struct SanctionArgs<'a> {
    institution_id: &'a ID,
    reason: SanctionReason,
    course_id: Option<&'a ID>,
    from_year: Option<i32>,
    years: Option<i32>,
}

async fn sanction_institution(
    db: &DatabaseConnection,
    viewer: &Viewer,
    args: SanctionArgs<'_>,
) -> AppResult<sanction::Model> {
    viewer.require(&[Role::Admin])?;
    let institution_id = parse_id(args.institution_id, ids::INSTITUTION, "institutionId")?;
    let course_id = args
        .course_id
        .map(|raw| parse_id(raw, ids::COURSE, "courseId"))
        .transpose()?;
    if let Some(years) = args.years
        && !(1..=20).contains(&years)
    {
        return Err(AppError::bad_input("years", "must be between 1 and 20"));
    }
    if let Some(year) = args.from_year
        && !YEARS.contains(&year)
    {
        return Err(AppError::bad_input(
            "fromYear",
            "must be between 2000 and 2200",
        ));
    }

    let txn = begin_write(db).await?;
    let institution = institution::Entity::find_by_id(institution_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("institutionId", "no such institution"))?;
    let course = match course_id {
        Some(id) => {
            let course = course::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::bad_input("courseId", "no such course"))?;
            if course.responsible_institution_id != institution.id {
                return Err(AppError::bad_input(
                    "courseId",
                    "is not a course of this institution",
                ));
            }
            Some(course)
        }
        None => None,
    };
    let base_year = match (args.from_year, &course) {
        (Some(year), _) => year,
        (None, Some(course)) => course.year,
        (None, None) => {
            recruitment_cycle::Entity::find()
                .order_by_desc(recruitment_cycle::Column::Year)
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    AppError::bad_input(
                        "fromYear",
                        "there is no recruitment cycle yet; give fromYear",
                    )
                })?
                .year
        }
    };
    let years = match args.years {
        Some(years) => years,
        None => recruitment_cycle::Entity::find()
            .filter(recruitment_cycle::Column::Year.eq(base_year))
            .one(&txn)
            .await?
            .map_or(1, |c| c.sanction_years.max(1)),
    };
    let span = match args.from_year {
        Some(from_year) => Suspension {
            from_year,
            until_year: from_year + years - 1,
        },
        None => suspension::suspension_from(&calendar(&txn).await?, base_year, years as u32),
    };
    let row = sanction::ActiveModel {
        institution_id: Set(institution.id),
        course_id: Set(course.as_ref().map(|c| c.id)),
        reason: Set(args.reason),
        from_year: Set(span.from_year),
        until_year: Set(span.until_year),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    let target = ids::encode(ids::SANCTION, row.id);
    audit::record(
        &txn,
        viewer,
        "sanctionInstitution",
        Some(&target),
        AuditOutcome::Ok,
        format!(
            "{} loses the right to set courses {}-{} ({})",
            institution.name,
            row.from_year,
            row.until_year,
            row.reason.to_value()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
