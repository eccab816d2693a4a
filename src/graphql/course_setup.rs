//! Setting up courses (guideline II.1, II.3): a society's yearly decision to
//! take part, the course life cycle DRAFT → SUBMITTED → APPROVED → PUBLISHED
//! (or WITHDRAWN), handing a course to another responsible institution, and
//! the loss of the right to set courses (sanctions).
//!
//! Every mutation runs in one write transaction that locks the cycle first
//! and then the course (the order the other cycle mutations use), records its
//! audit event inside that transaction, and records a refusal on its own.

use super::audit;
use super::context::{db, viewer};
use super::course::Course;
use super::guards::{
    course_for_update, cycle_for_update, parse_id, phase_name, require_field_scope, require_phase,
    society_by_code, society_by_id,
};
use super::ids;
use super::institution::Sanction;
use super::society::Participation;
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::validate;
use crate::entity::enums::{
    AuditOutcome, CourseStatus, CyclePhase, FieldCode, InstitutionKind, ResearchHostKind, Role,
    SanctionReason,
};
use crate::entity::{
    course, course_partner_site, institution, participation, quota_reduction, recruitment_cycle,
    sanction, society,
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
const CAPACITY_MAX: i32 = 100;
const PARTNERS_MAX: usize = 100;
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;
/// Every phase in which a course may still be withdrawn or handed over.
const BEFORE_FINALIZED: &[CyclePhase] = &[
    CyclePhase::Planning,
    CyclePhase::EarlyCallOpen,
    CyclePhase::EarlyCallClosed,
    CyclePhase::QuotasAllocated,
];
const PLANNING_OR_CALL_OPEN: &[CyclePhase] = &[CyclePhase::Planning, CyclePhase::EarlyCallOpen];

#[derive(InputObject)]
pub struct CreateCourseInput {
    pub year: i32,
    pub field: FieldCode,
    pub title: String,
    pub responsible_institution_id: ID,
    pub director: String,
    pub requested_capacity: i32,
    pub curriculum: String,
    pub partner_institution_ids: Vec<ID>,
    pub research_host: ResearchHostInput,
    pub status_guarantee: StatusGuaranteeInput,
}

#[derive(InputObject)]
pub struct UpdateCourseInput {
    pub title: Option<String>,
    pub director: Option<String>,
    pub requested_capacity: Option<i32>,
    pub curriculum: Option<String>,
    pub partner_institution_ids: Option<Vec<ID>>,
    pub research_host: Option<ResearchHostInput>,
    pub status_guarantee: Option<StatusGuaranteeInput>,
}

#[derive(InputObject)]
pub struct ResearchHostInput {
    pub kind: ResearchHostKind,
    pub name: String,
    pub institution_id: Option<ID>,
    pub paper_count_five_years: i32,
    pub paper_record: Option<String>,
}

#[derive(InputObject)]
pub struct StatusGuaranteeInput {
    pub clinical_phase: String,
    pub research_phase: String,
    pub social_insurance: bool,
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
        year: i32,
        field: FieldCode,
        participating: bool,
    ) -> Result<Participation> {
        let result = set_participation(db(ctx), viewer(ctx), year, field, participating).await;
        audit::record_refusal(ctx, "setParticipation", None, &result).await;
        Ok(Participation(result?))
    }

    /// A society drafts a new course for a PLANNING cycle in which its field
    /// takes part, with every item of guideline II.1. The course starts as DRAFT.
    async fn create_course(&self, ctx: &Context<'_>, input: CreateCourseInput) -> Result<Course> {
        let result = create_course(db(ctx), viewer(ctx), input).await;
        audit::record_refusal(ctx, "createCourse", None, &result).await;
        Ok(Course(result?))
    }

    /// Edits a DRAFT course while its cycle is PLANNING; given fields replace
    /// the stored ones (partnerInstitutionIds replaces the whole partner set).
    async fn update_course(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCourseInput,
    ) -> Result<Course> {
        let result = update_course(db(ctx), viewer(ctx), &id, input).await;
        audit::record_refusal(ctx, "updateCourse", course_target(&id).as_ref(), &result).await;
        Ok(Course(result?))
    }

    /// DRAFT -> SUBMITTED: the society hands the course to the board for
    /// consultation, while the cycle is PLANNING.
    async fn submit_course(&self, ctx: &Context<'_>, id: ID) -> Result<Course> {
        let result = step_course(db(ctx), viewer(ctx), &id, &SUBMIT).await;
        audit::record_refusal(ctx, SUBMIT.operation, course_target(&id).as_ref(), &result).await;
        Ok(Course(result?))
    }

    /// SUBMITTED -> APPROVED: the board agrees to the course (ADMIN), while
    /// the cycle is PLANNING or EARLY_CALL_OPEN.
    async fn approve_course(&self, ctx: &Context<'_>, id: ID) -> Result<Course> {
        let result = step_course(db(ctx), viewer(ctx), &id, &APPROVE).await;
        audit::record_refusal(ctx, APPROVE.operation, course_target(&id).as_ref(), &result).await;
        Ok(Course(result?))
    }

    /// APPROVED -> PUBLISHED: the course is announced to applicants (公示,
    /// ADMIN), while the cycle is PLANNING or EARLY_CALL_OPEN.
    async fn publish_course(&self, ctx: &Context<'_>, id: ID) -> Result<Course> {
        let result = step_course(db(ctx), viewer(ctx), &id, &PUBLISH).await;
        audit::record_refusal(ctx, PUBLISH.operation, course_target(&id).as_ref(), &result).await;
        Ok(Course(result?))
    }

    /// Withdraws a course (its SOCIETY or ADMIN) until selection is final.
    /// After the early call opened this sanctions the responsible institution
    /// (COURSE_WITHDRAWN) for the cycle's sanctionYears from the cycle's year.
    async fn withdraw_course(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Course> {
        let result = withdraw_course(db(ctx), viewer(ctx), &id, &reason).await;
        audit::record_refusal(ctx, "withdrawCourse", course_target(&id).as_ref(), &result).await;
        Ok(Course(result?))
    }

    /// Hands a course to another university hospital or national centre with
    /// a new director (ADMIN) until selection is final. After the early call
    /// opened this sanctions the former institution (COURSE_CHANGED).
    async fn reassign_course(
        &self,
        ctx: &Context<'_>,
        id: ID,
        institution_id: ID,
        director: String,
    ) -> Result<Course> {
        let result = reassign_course(db(ctx), viewer(ctx), &id, &institution_id, &director).await;
        audit::record_refusal(ctx, "reassignCourse", course_target(&id).as_ref(), &result).await;
        Ok(Course(result?))
    }

    /// The board withdraws an institution's right to set courses (ADMIN) for
    /// `years` years from `fromYear`. fromYear defaults to the course's year,
    /// else the newest cycle's; years to that cycle's sanctionYears, else 1.
    async fn sanction_institution(
        &self,
        ctx: &Context<'_>,
        institution_id: ID,
        reason: SanctionReason,
        course_id: Option<ID>,
        from_year: Option<i32>,
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
    if (1..=CAPACITY_MAX).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_input(
            field,
            format!("must be between 1 and {CAPACITY_MAX}"),
        ))
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
    /// The host institution, when named, must exist.
    async fn check(&self, conn: &impl ConnectionTrait) -> AppResult<()> {
        if let Some(id) = self.institution_id
            && institution::Entity::find_by_id(id)
                .one(conn)
                .await?
                .is_none()
        {
            return Err(AppError::bad_input(
                "input.researchHost.institutionId",
                "no such institution",
            ));
        }
        Ok(())
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

/// Partners (連携施設) must exist, be certified training facilities, and not
/// be the responsible institution itself.
async fn check_partners(
    conn: &impl ConnectionTrait,
    partners: &[i64],
    responsible_id: i64,
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
    if let Some(uncertified) = rows.iter().find(|r| !r.certified_training_facility) {
        return Err(AppError::bad_input(
            PARTNERS_FIELD,
            format!("{} is not a certified training facility", uncertified.name),
        ));
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
    if !matches!(
        row.kind,
        InstitutionKind::UniversityHospital | InstitutionKind::NationalCenter
    ) {
        return Err(AppError::bad_input(
            field,
            "must be a university hospital or a national centre",
        ));
    }
    require_not_suspended(conn, &row, year).await?;
    Ok(row)
}

/// INSTITUTION_SUSPENDED when a sanction of the institution covers `year`.
async fn require_not_suspended(
    conn: &impl ConnectionTrait,
    institution: &institution::Model,
    year: i32,
) -> AppResult<()> {
    let covering = sanction::Entity::find()
        .filter(sanction::Column::InstitutionId.eq(institution.id))
        .filter(sanction::Column::FromYear.lte(year))
        .filter(sanction::Column::UntilYear.gte(year))
        .order_by_desc(sanction::Column::UntilYear)
        .one(conn)
        .await?;
    match covering {
        Some(s) => Err(AppError::InstitutionSuspended(format!(
            "{} may not set courses from {} to {}",
            institution.name, s.from_year, s.until_year
        ))),
        None => Ok(()),
    }
}

/// Seats of an institution's courses in `year`, not counting withdrawn
/// courses nor `except` (the course being written).
async fn course_seats(
    conn: &impl ConnectionTrait,
    institution_id: i64,
    year: i32,
    except: Option<i64>,
) -> AppResult<i64> {
    let mut query = course::Entity::find()
        .select_only()
        .column_as(course::Column::RequestedCapacity.sum(), "seats")
        .filter(course::Column::ResponsibleInstitutionId.eq(institution_id))
        .filter(course::Column::Year.eq(year))
        .filter(course::Column::Status.ne(CourseStatus::Withdrawn));
    if let Some(id) = except {
        query = query.filter(course::Column::Id.ne(id));
    }
    let seats: Option<Option<i64>> = query.into_tuple().one(conn).await?;
    Ok(seats.flatten().unwrap_or(0))
}

/// After a trainee left without special circumstances (III), the
/// institution's courses of the following year may request no more than the
/// seats it had the year before minus the seats taken: QUOTA_EXCEEDED past that.
async fn require_capacity_left(
    conn: &impl ConnectionTrait,
    institution: &institution::Model,
    year: i32,
    course_id: Option<i64>,
    capacity: i32,
) -> AppResult<()> {
    let reduced: Option<Option<i64>> = quota_reduction::Entity::find()
        .select_only()
        .column_as(quota_reduction::Column::CourseSeats.sum(), "seats")
        .filter(quota_reduction::Column::InstitutionId.eq(institution.id))
        .filter(quota_reduction::Column::Year.eq(year))
        .into_tuple()
        .one(conn)
        .await?;
    let reduced = reduced.flatten().unwrap_or(0);
    if reduced == 0 {
        return Ok(());
    }
    let before = course_seats(conn, institution.id, year - 1, None).await?;
    let allowed = (before - reduced).max(0);
    let requested =
        course_seats(conn, institution.id, year, course_id).await? + i64::from(capacity);
    if requested > allowed {
        return Err(AppError::QuotaExceeded(format!(
            "{} lost {reduced} course seat(s) for {year} after a departure: at most {allowed} seat(s) in all",
            institution.name
        )));
    }
    Ok(())
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
    let participating = participation::Entity::find()
        .filter(participation::Column::SocietyId.eq(society.id))
        .filter(participation::Column::Year.eq(year))
        .one(&txn)
        .await?
        .is_some_and(|p| p.participating);
    if !participating {
        return Err(AppError::bad_input(
            "input.field",
            format!("{} does not take part in {year}", society.field_name_en),
        ));
    }
    let responsible =
        responsible_institution(&txn, responsible_id, year, "input.responsibleInstitutionId")
            .await?;
    check_partners(&txn, &partners, responsible.id).await?;
    host.check(&txn).await?;
    require_capacity_left(&txn, &responsible, year, None, requested_capacity).await?;

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
    if course.status != CourseStatus::Draft {
        return Err(AppError::Conflict(
            "only a DRAFT course can be edited".into(),
        ));
    }
    require_phase(&cycle, &[CyclePhase::Planning])?;
    if let Some(partners) = &partners {
        check_partners(&txn, partners, course.responsible_institution_id).await?;
    }
    if let Some(capacity) = requested_capacity {
        let responsible = institution::Entity::find_by_id(course.responsible_institution_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        require_capacity_left(&txn, &responsible, course.year, Some(course.id), capacity).await?;
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

/// One step of the course life cycle.
struct Step {
    operation: &'static str,
    from: CourseStatus,
    to: CourseStatus,
    phases: &'static [CyclePhase],
    admin_only: bool,
    refusal: &'static str,
}

const SUBMIT: Step = Step {
    operation: "submitCourse",
    from: CourseStatus::Draft,
    to: CourseStatus::Submitted,
    phases: &[CyclePhase::Planning],
    admin_only: false,
    refusal: "only a DRAFT course can be submitted",
};

const APPROVE: Step = Step {
    operation: "approveCourse",
    from: CourseStatus::Submitted,
    to: CourseStatus::Approved,
    phases: PLANNING_OR_CALL_OPEN,
    admin_only: true,
    refusal: "only a SUBMITTED course can be approved",
};

const PUBLISH: Step = Step {
    operation: "publishCourse",
    from: CourseStatus::Approved,
    to: CourseStatus::Published,
    phases: PLANNING_OR_CALL_OPEN,
    admin_only: true,
    refusal: "only an APPROVED course can be published",
};

async fn step_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw_id: &ID,
    step: &Step,
) -> AppResult<course::Model> {
    if step.admin_only {
        viewer.require(&[Role::Admin])?;
    } else {
        viewer.require(&[Role::Admin, Role::Society])?;
    }
    let course_id = parse_id(raw_id, ids::COURSE, "id")?;
    let txn = begin_write(db).await?;
    let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
    if !step.admin_only {
        let society = society_by_id(&txn, course.society_id).await?;
        require_course_scope(viewer, &course, &society)?;
    }
    if course.status != step.from {
        return Err(AppError::Conflict(step.refusal.into()));
    }
    require_phase(&cycle, step.phases)?;

    let now = Utc::now();
    let mut row: course::ActiveModel = course.into();
    row.status = Set(step.to);
    row.updated_at = Set(now);
    match step.to {
        CourseStatus::Submitted => row.submitted_at = Set(Some(now)),
        CourseStatus::Approved => row.approved_at = Set(Some(now)),
        CourseStatus::Published => row.published_at = Set(Some(now)),
        _ => {}
    }
    let row = row.update(&txn).await?;
    let target = ids::encode(ids::COURSE, row.id);
    audit::record(
        &txn,
        viewer,
        step.operation,
        Some(&target),
        AuditOutcome::Ok,
        format!("course {} is now {}", row.title, row.status.to_value()),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The sanction years rule: from the cycle's year for its `sanction_years`;
/// none when the board's rules give 0 years.
async fn sanction_after_call(
    conn: &impl ConnectionTrait,
    cycle: &recruitment_cycle::Model,
    institution_id: i64,
    course_id: i64,
    reason: SanctionReason,
) -> AppResult<Option<sanction::Model>> {
    if cycle.phase == CyclePhase::Planning || cycle.sanction_years < 1 {
        return Ok(None);
    }
    let row = sanction::ActiveModel {
        institution_id: Set(institution_id),
        course_id: Set(Some(course_id)),
        reason: Set(reason),
        from_year: Set(cycle.year),
        until_year: Set(cycle.year + cycle.sanction_years - 1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Some(row))
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

async fn withdraw_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw_id: &ID,
    reason: &str,
) -> AppResult<course::Model> {
    viewer.require(&[Role::Admin, Role::Society])?;
    let course_id = parse_id(raw_id, ids::COURSE, "id")?;
    let reason = text("reason", reason, TEXT_MAX)?;

    let txn = begin_write(db).await?;
    let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
    let society = society_by_id(&txn, course.society_id).await?;
    require_course_scope(viewer, &course, &society)?;
    if course.status == CourseStatus::Withdrawn {
        return Err(AppError::Conflict("the course is already withdrawn".into()));
    }
    require_phase(&cycle, BEFORE_FINALIZED)?;

    let now = Utc::now();
    let institution_id = course.responsible_institution_id;
    let mut row: course::ActiveModel = course.into();
    row.status = Set(CourseStatus::Withdrawn);
    row.withdrawn_at = Set(Some(now));
    row.withdrawal_reason = Set(Some(reason.clone()));
    row.updated_at = Set(now);
    let row = row.update(&txn).await?;
    let sanction = sanction_after_call(
        &txn,
        &cycle,
        institution_id,
        row.id,
        SanctionReason::CourseWithdrawn,
    )
    .await?;

    let target = ids::encode(ids::COURSE, row.id);
    audit::record(
        &txn,
        viewer,
        "withdrawCourse",
        Some(&target),
        AuditOutcome::Ok,
        format!(
            "withdrew course {} while {} ({reason}){}",
            row.title,
            phase_name(cycle.phase),
            sanction_note(&sanction)
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn reassign_course(
    db: &DatabaseConnection,
    viewer: &Viewer,
    raw_id: &ID,
    raw_institution_id: &ID,
    director: &str,
) -> AppResult<course::Model> {
    viewer.require(&[Role::Admin])?;
    let course_id = parse_id(raw_id, ids::COURSE, "id")?;
    let new_id = parse_id(raw_institution_id, ids::INSTITUTION, "institutionId")?;
    let director = text("director", director, NAME_MAX)?;

    let txn = begin_write(db).await?;
    let (course, cycle) = course_and_cycle_for_update(&txn, course_id).await?;
    if course.status == CourseStatus::Withdrawn {
        return Err(AppError::Conflict(
            "a withdrawn course cannot be reassigned".into(),
        ));
    }
    require_phase(&cycle, BEFORE_FINALIZED)?;
    let former_id = course.responsible_institution_id;
    if new_id == former_id {
        return Err(AppError::bad_input(
            "institutionId",
            "is already the responsible institution",
        ));
    }
    let new_institution =
        responsible_institution(&txn, new_id, course.year, "institutionId").await?;
    require_capacity_left(
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
    let mut row: course::ActiveModel = course.into();
    row.responsible_institution_id = Set(new_institution.id);
    row.director = Set(director);
    row.updated_at = Set(Utc::now());
    let row = row.update(&txn).await?;
    let sanction = sanction_after_call(
        &txn,
        &cycle,
        former_id,
        row.id,
        SanctionReason::CourseChanged,
    )
    .await?;

    let target = ids::encode(ids::COURSE, row.id);
    audit::record(
        &txn,
        viewer,
        "reassignCourse",
        Some(&target),
        AuditOutcome::Ok,
        format!(
            "handed course {} from institution {former_id} to {} while {}{}",
            row.title,
            new_institution.name,
            phase_name(cycle.phase),
            sanction_note(&sanction)
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
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
    let from_year = match (args.from_year, &course) {
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
            .filter(recruitment_cycle::Column::Year.eq(from_year))
            .one(&txn)
            .await?
            .map_or(1, |c| c.sanction_years.max(1)),
    };
    let row = sanction::ActiveModel {
        institution_id: Set(institution.id),
        course_id: Set(course.as_ref().map(|c| c.id)),
        reason: Set(args.reason),
        from_year: Set(from_year),
        until_year: Set(from_year + years - 1),
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
