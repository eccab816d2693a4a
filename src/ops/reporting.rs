//! The annual report (年次報告, domain.md "After adoption"): every year the
//! responsible institution reports each trainee's training, and the pay and
//! insurance it actually provided, to the board; the board accepts the report
//! or issues guidance (指導), after which the institution resubmits.
//!
//! One report per course and year. Each submission is kept as a version:
//! the first creates the report with version 1, a resubmission after
//! guidance adds version N+1 and shows it as the report's content.
//!
//! Status: SUBMITTED -> ACCEPTED by the board; SUBMITTED or ACCEPTED ->
//! GUIDANCE_ISSUED by guidance (which may be repeated); GUIDANCE_ISSUED (or
//! an unsubmitted DRAFT) -> SUBMITTED by a resubmission.
//!
//! Every operation locks the report row for its transaction (PostgreSQL;
//! SQLite write transactions are exclusive), so a decision and a
//! resubmission are taken one after the other. Two first submissions at
//! once meet the UNIQUE (course_id, year) constraint: the second is a CONFLICT.

use super::guards::parse_id;
use super::trainee_record;
use super::training::report_research_effort;
use super::{Caller, Operation};
use crate::audit;
use crate::db::begin_write;
use crate::entity::enums::{AuditOutcome, CourseStatus, EffortSource, ReportStatus, Role};
use crate::entity::{
    annual_report, annual_report_entry, annual_report_version, course, guidance, trainee,
};
use crate::error::{AppError, AppResult};
use crate::ids;
use async_graphql::ID;
use chrono::{Datelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};

/// Clinical progress, issues and guidance.
const TEXT_MAX: usize = 4000;
/// The note on pay and insurance.
const NOTE_MAX: usize = 2000;
/// More entries than any course has trainees; bounds the work of one request.
const ENTRIES_MAX: usize = 200;
const ENTRIES_FIELD: &str = "input.entries";

/// One trainee's year, as reported.
pub struct ReportEntry {
    pub trainee_id: ID,
    pub research_effort_percent: Option<i32>,
    pub clinical_progress: String,
    pub issues: Option<String>,
}

/// Pay and insurance actually provided in the reported year (身分保障).
pub struct GuaranteeProvided {
    pub salary_provided: bool,
    pub social_insurance_provided: bool,
    pub working_graduate_student: bool,
    pub note: Option<String>,
}

/// `submitAnnualReport`: by the course's responsible institution.
pub struct SubmitAnnualReport {
    pub course_id: ID,
    pub year: i32,
    pub entries: Vec<ReportEntry>,
    pub status_guarantee: GuaranteeProvided,
}

/// `acceptAnnualReport`: the board accepts a SUBMITTED report.
pub struct AcceptAnnualReport {
    pub id: ID,
}

/// `issueGuidance`: the board's guidance (指導) on a report.
pub struct IssueGuidance {
    pub report_id: ID,
    pub text: String,
}

impl Operation for SubmitAnnualReport {
    const NAME: &'static str = "submitAnnualReport";
    type Output = annual_report::Model;

    fn target(&self) -> Option<ID> {
        target(&self.course_id, ids::COURSE)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<annual_report::Model> {
        let viewer = caller.viewer;
        let today = caller.today();
        viewer.require(&[Role::Institution])?;
        let course_id = parse_id(&self.course_id, ids::COURSE, "input.courseId")?;
        // Checked now, told once the course and the year are known good, as ever.
        let content = parse_content(&self.entries, &self.status_guarantee);

        let txn = begin_write(caller.db).await?;
        // Shared: the course cannot be handed over while its report is written.
        let course = course::Entity::find_by_id(course_id)
            .lock_shared()
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        if viewer.institution_id != Some(course.responsible_institution_id) {
            return Err(AppError::Forbidden);
        }
        if course.status != CourseStatus::Published {
            return Err(AppError::Conflict(
                "only a published course has trainees to report on".into(),
            ));
        }
        let this_year = today.year();
        if self.year < course.year || self.year > this_year {
            return Err(AppError::bad_input(
                "input.year",
                format!(
                    "must be from the course's first year {} to {this_year}",
                    course.year
                ),
            ));
        }
        let (entries, note) = content?;
        let guarantee = &self.status_guarantee;

        let trainees: HashMap<i64, trainee::Model> = trainee::Entity::find()
            .filter(trainee::Column::Id.is_in(entries.iter().map(|e| e.trainee_id)))
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        for (i, e) in entries.iter().enumerate() {
            if trainees
                .get(&e.trainee_id)
                .is_none_or(|t| t.course_id != course.id)
            {
                return Err(entry_error(i, "not a trainee of this course"));
            }
        }

        let existing = annual_report::Entity::find()
            .filter(annual_report::Column::CourseId.eq(course.id))
            .filter(annual_report::Column::Year.eq(self.year))
            .lock_exclusive()
            .one(&txn)
            .await?;
        let now = Utc::now();
        let (report, version) = match existing {
            None => {
                let report = annual_report::ActiveModel {
                    course_id: Set(course.id),
                    institution_id: Set(course.responsible_institution_id),
                    year: Set(self.year),
                    status: Set(ReportStatus::Submitted),
                    submitted_at: Set(Some(now)),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                (report, 1)
            }
            Some(report)
                if matches!(
                    report.status,
                    ReportStatus::Draft | ReportStatus::GuidanceIssued
                ) =>
            {
                let latest = annual_report_version::Entity::find()
                    .filter(annual_report_version::Column::ReportId.eq(report.id))
                    .order_by_desc(annual_report_version::Column::Version)
                    .one(&txn)
                    .await?;
                let version = latest.map_or(1, |v| v.version + 1);
                let mut row = report.into_active_model();
                row.status = Set(ReportStatus::Submitted);
                row.submitted_at = Set(Some(now));
                row.institution_id = Set(course.responsible_institution_id);
                (row.update(&txn).await?, version)
            }
            Some(report) => {
                return Err(AppError::Conflict(format!(
                    "the {} report is {}; it may be resubmitted only after guidance",
                    report.year,
                    status_name(report.status)
                )));
            }
        };

        let version_row = annual_report_version::ActiveModel {
            report_id: Set(report.id),
            version: Set(version),
            submitted_at: Set(now),
            salary_provided: Set(guarantee.salary_provided),
            social_insurance_provided: Set(guarantee.social_insurance_provided),
            working_graduate_student: Set(guarantee.working_graduate_student),
            note: Set(note),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for e in &entries {
            let trainee = &trainees[&e.trainee_id];
            annual_report_entry::ActiveModel {
                version_id: Set(version_row.id),
                trainee_id: Set(trainee.id),
                phase: Set(trainee_record::phase_on(&txn, trainee, today).await?),
                research_effort_percent: Set(e.research_effort_percent),
                clinical_progress: Set(e.clinical_progress.clone()),
                issues: Set(e.issues.clone()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            // The report's figure is the trainee's research effort for the
            // reported year (I.3(3), I.3(2)): completion reads it.
            if let Some(percent) = e.research_effort_percent {
                let source = Some((percent, EffortSource::AnnualReport));
                report_research_effort(&txn, trainee.id, report.year, source).await?;
            }
        }

        let target = ids::encode(ids::ANNUAL_REPORT, report.id);
        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&target),
            AuditOutcome::Ok,
            format!(
                "submitted the {} report of course {} (version {version}, {} entries)",
                report.year,
                course.title,
                entries.len()
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(report)
    }
}

impl Operation for AcceptAnnualReport {
    const NAME: &'static str = "acceptAnnualReport";
    type Output = annual_report::Model;

    fn target(&self) -> Option<ID> {
        target(&self.id, ids::ANNUAL_REPORT)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<annual_report::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let id = parse_id(&self.id, ids::ANNUAL_REPORT, "id")?;

        let txn = begin_write(caller.db).await?;
        let report = report_for_update(&txn, id).await?;
        if report.status != ReportStatus::Submitted {
            return Err(AppError::Conflict(format!(
                "the report is {}; only a SUBMITTED report can be accepted",
                status_name(report.status)
            )));
        }
        let mut row = report.into_active_model();
        row.status = Set(ReportStatus::Accepted);
        let report = row.update(&txn).await?;

        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&ids::encode(ids::ANNUAL_REPORT, report.id)),
            AuditOutcome::Ok,
            format!(
                "accepted the {} report of course {}",
                report.year, report.course_id
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(report)
    }
}

impl Operation for IssueGuidance {
    const NAME: &'static str = "issueGuidance";
    type Output = annual_report::Model;

    fn target(&self) -> Option<ID> {
        target(&self.report_id, ids::ANNUAL_REPORT)
    }

    async fn run(self, caller: Caller<'_>) -> AppResult<annual_report::Model> {
        let viewer = caller.viewer;
        viewer.require(&[Role::Admin])?;
        let id = parse_id(&self.report_id, ids::ANNUAL_REPORT, "reportId")?;
        let text = required_text("text", &self.text, TEXT_MAX)?;

        let txn = begin_write(caller.db).await?;
        let report = report_for_update(&txn, id).await?;
        if report.status == ReportStatus::Draft {
            return Err(AppError::Conflict(
                "the report has not been submitted yet".into(),
            ));
        }
        let now = Utc::now();
        guidance::ActiveModel {
            report_id: Set(report.id),
            issued_at: Set(now),
            text: Set(text),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let former = report.status;
        let mut row = report.into_active_model();
        row.status = Set(ReportStatus::GuidanceIssued);
        let report = row.update(&txn).await?;

        audit::record(
            &txn,
            viewer,
            Self::NAME,
            Some(&ids::encode(ids::ANNUAL_REPORT, report.id)),
            AuditOutcome::Ok,
            format!(
                "issued guidance on the {} report of course {} (was {})",
                report.year,
                report.course_id,
                status_name(former)
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(report)
    }
}

/// The audit target of a refusal: the ID re-encoded when it is one of `kind`.
fn target(raw: &ID, kind: &str) -> Option<ID> {
    ids::decode_kind(raw, kind).map(|n| ids::encode(kind, n))
}

// --- validation -------------------------------------------------------------------

/// Free text of a report (`validate::free_text`).
fn free_text(value: &str, max: usize) -> Result<Option<String>, &'static str> {
    crate::domain::validate::free_text(value, max)
}

fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    free_text(value, max)
        .map_err(|m| AppError::bad_input(field, m))?
        .ok_or_else(|| AppError::bad_input(field, "must not be empty"))
}

/// An entry as stored, before its trainee is checked.
struct Entry {
    trainee_id: i64,
    research_effort_percent: Option<i32>,
    clinical_progress: String,
    issues: Option<String>,
}

/// Every entry problem names `input.entries`; the message says which entry.
fn entry_error(index: usize, message: impl std::fmt::Display) -> AppError {
    AppError::bad_input(ENTRIES_FIELD, format!("entries[{index}]: {message}"))
}

fn validate_entries(input: &[ReportEntry]) -> AppResult<Vec<Entry>> {
    if input.len() > ENTRIES_MAX {
        return Err(AppError::bad_input(
            ENTRIES_FIELD,
            format!("at most {ENTRIES_MAX} entries"),
        ));
    }
    let mut seen = HashSet::new();
    input
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let trainee_id = ids::decode_kind(&e.trainee_id, ids::TRAINEE)
                .ok_or_else(|| entry_error(i, "traineeId is not a Trainee ID"))?;
            if !seen.insert(trainee_id) {
                return Err(entry_error(i, "the trainee already has an entry"));
            }
            if let Some(p) = e.research_effort_percent
                && !(0..=100).contains(&p)
            {
                return Err(entry_error(
                    i,
                    "researchEffortPercent must be between 0 and 100",
                ));
            }
            let clinical_progress = free_text(&e.clinical_progress, TEXT_MAX)
                .map_err(|m| entry_error(i, format!("clinicalProgress {m}")))?
                .ok_or_else(|| entry_error(i, "clinicalProgress must not be empty"))?;
            let issues = match e.issues.as_deref() {
                Some(s) => {
                    free_text(s, TEXT_MAX).map_err(|m| entry_error(i, format!("issues {m}")))?
                }
                None => None,
            };
            Ok(Entry {
                trainee_id,
                research_effort_percent: e.research_effort_percent,
                clinical_progress,
                issues,
            })
        })
        .collect()
}

/// The report locked for the transaction; NOT_FOUND when missing.
async fn report_for_update(txn: &DatabaseTransaction, id: i64) -> AppResult<annual_report::Model> {
    annual_report::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

fn status_name(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::Draft => "DRAFT",
        ReportStatus::Submitted => "SUBMITTED",
        ReportStatus::Accepted => "ACCEPTED",
        ReportStatus::GuidanceIssued => "GUIDANCE_ISSUED",
    }
}

/// The entries and the note on pay, checked: entries first, as ever.
fn parse_content(
    entries: &[ReportEntry],
    guarantee: &GuaranteeProvided,
) -> AppResult<(Vec<Entry>, Option<String>)> {
    let entries = validate_entries(entries)?;
    let note = match guarantee.note.as_deref() {
        Some(s) => free_text(s, NOTE_MAX)
            .map_err(|m| AppError::bad_input("input.statusGuarantee.note", m))?,
        None => None,
    };
    Ok((entries, note))
}
