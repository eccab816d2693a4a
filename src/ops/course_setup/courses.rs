//! Drafting and editing a course with every item of guideline II.1: the
//! responsible institution and its partner sites (I.3(3)), the research
//! host, the status guarantee, and the seats a departure took (III.3).

use super::{
    NAME_MAX, PARTNERS_MAX, TEXT_MAX, course_and_cycle_for_update, course_target,
    require_course_scope, require_seats_after_cut, responsible_institution, site, text,
};
use crate::audit;
use crate::db::begin_write;
use crate::domain::course::{self as rules, HostKind};
use crate::domain::{quota, validate};
use crate::entity::enums::{
    AuditOutcome, CourseStatus, CyclePhase, FieldCode, ResearchHostKind, Role,
};
use crate::entity::{
    course, course_partner_site, institution, institution_certification, participation, society,
};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::ops::guards::{
    course_refusal, cycle_for_update, parse_id, require_field_scope, require_phase,
    society_by_code, society_by_id,
};
use crate::ops::{Caller, Operation};
use async_graphql::ID;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashSet;

/// Where the research phase is spent (II.1).
pub struct ResearchHost {
    pub kind: ResearchHostKind,
    pub name: String,
    pub institution_id: Option<ID>,
    pub paper_count_five_years: i32,
    pub paper_record: Option<String>,
}

/// Pay and insurance in both phases (身分保障, II.1).
pub struct StatusGuarantee {
    pub clinical_phase: String,
    pub research_phase: String,
    pub social_insurance: bool,
    pub working_graduate_student: bool,
}

/// `createCourse`: a DRAFT course with every item of guideline II.1.
pub struct CreateCourse {
    pub year: i32,
    pub field: FieldCode,
    pub title: String,
    pub responsible_institution_id: ID,
    pub director: String,
    pub requested_capacity: i32,
    pub curriculum: String,
    pub partner_institution_ids: Vec<ID>,
    pub research_host: ResearchHost,
    pub status_guarantee: StatusGuarantee,
}

/// What `updateCourse` replaces; `None` keeps the stored value.
pub struct CourseChanges {
    pub title: Option<String>,
    pub director: Option<String>,
    pub requested_capacity: Option<i32>,
    pub curriculum: Option<String>,
    pub partner_institution_ids: Option<Vec<ID>>,
    pub research_host: Option<ResearchHost>,
    pub status_guarantee: Option<StatusGuarantee>,
}

/// `updateCourse`: edits a DRAFT course while its cycle is PLANNING.
pub struct UpdateCourse {
    pub id: ID,
    pub changes: CourseChanges,
}

impl Operation for CreateCourse {
    const NAME: &'static str = "createCourse";
    type Output = course::Model;

    async fn run(self, caller: Caller<'_>) -> AppResult<course::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin, Role::Society])?;
        let society = society_by_code(caller.db, self.field).await?;
        require_field_scope(viewer, &society)?;

        let title = text("input.title", &self.title, NAME_MAX)?;
        let responsible_id = parse_id(
            &self.responsible_institution_id,
            ids::INSTITUTION,
            "input.responsibleInstitutionId",
        )?;
        let director = text("input.director", &self.director, NAME_MAX)?;
        let requested_capacity = capacity(self.requested_capacity, "input.requestedCapacity")?;
        let curriculum = text("input.curriculum", &self.curriculum, TEXT_MAX)?;
        let partners = partner_ids(&self.partner_institution_ids)?;
        let host = research_host_values(&self.research_host)?;
        let guarantee = guarantee_values(&self.status_guarantee)?;

        let txn = begin_write(caller.db).await?;
        let year = self.year;
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
            Self::NAME,
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
}

impl Operation for UpdateCourse {
    const NAME: &'static str = "updateCourse";
    type Output = course::Model;

    fn target(&self) -> Option<ID> {
        course_target(&self.id)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<course::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin, Role::Society])?;
        let course_id = parse_id(&self.id, ids::COURSE, "id")?;
        let input = self.changes;
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

        let txn = begin_write(caller.db).await?;
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
            require_seats_after_cut(&txn, &responsible, course.year, Some(course.id), capacity)
                .await?;
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
            Self::NAME,
            Some(&target),
            AuditOutcome::Ok,
            format!("updated course {}: {what}", row.title),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}

fn capacity(value: i32, field: &str) -> AppResult<i32> {
    rules::check_capacity(value)
        .map(|_| value)
        .map_err(|m| AppError::bad_input(field, m))
}

/// The research host as stored, its institution not yet checked.
struct ResearchHostValues {
    kind: ResearchHostKind,
    name: String,
    institution_id: Option<i64>,
    paper_count: i32,
    paper_record: Option<String>,
}

fn research_host_values(input: &ResearchHost) -> AppResult<ResearchHostValues> {
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

fn guarantee_values(input: &StatusGuarantee) -> AppResult<GuaranteeValues> {
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
async fn certified_in_field(
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
