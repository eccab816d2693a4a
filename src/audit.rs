//! The audit service: who did what to which object, and whether it took
//! effect; and whose personal data a request showed (APPI).
//!
//! A change is audited inside its own transaction (`record`), so the event
//! commits or rolls back with it; a refusal in a transaction of its own
//! (`record_refusal`). The schema shows the events as `AuditEvent`
//! (`graphql::audit`).

use crate::auth::Viewer;
use crate::entity::enums::{AuditOutcome, Role};
use crate::entity::{applicant, audit_event};
use crate::error::{AppResult, ErrorCode};
use crate::ids;
use async_graphql::ID;
use sea_orm::sea_query::ArrayType;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, Set, Statement,
};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Records one audited operation inside the caller's transaction (`conn`), so
/// the event commits or rolls back with the change it describes.
pub async fn record(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    operation: &str,
    target: Option<&ID>,
    outcome: AuditOutcome,
    summary: String,
) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        at: Set(chrono::Utc::now()),
        role: Set(viewer.role),
        subject: Set(viewer.subject.clone()),
        operation: Set(operation.to_owned()),
        target_id: Set(target.map(|id| id.to_string())),
        outcome: Set(outcome),
        summary: Set(summary),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Records a refused operation (bad input, wrong role, broken rule) in a
/// transaction of its own: the refused change itself rolled back.
/// Internal failures are logged instead, as nothing was decided.
pub async fn record_refusal<T>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &str,
    target: Option<&ID>,
    result: &AppResult<T>,
) {
    let Err(err) = result else { return };
    if matches!(err.code(), ErrorCode::Internal | ErrorCode::Unauthenticated) {
        return;
    }
    let summary = format!("refused: {}", err.code().as_str());
    if let Err(db_err) = record(
        db,
        viewer,
        operation,
        target,
        AuditOutcome::Refused,
        summary,
    )
    .await
    {
        tracing::error!(operation, error = %db_err, "could not record a refused operation");
    }
}

/// The applicants whose personal data one request read, for the audit
/// (APPI): collected while resolving, written once after the response.
#[derive(Default)]
pub struct PersonalDataReads(Mutex<BTreeSet<i64>>);

impl PersonalDataReads {
    /// Notes that `viewer` is shown `applicant`'s personal data; the doctor
    /// reading its own record is not noted.
    pub fn note(&self, viewer: &Viewer, applicant: &applicant::Model) {
        if viewer.subject.as_deref() == Some(applicant.subject.as_str())
            && viewer.role == Some(Role::Applicant)
        {
            return;
        }
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(applicant.id);
    }

    pub fn take(&self) -> Vec<i64> {
        let mut ids = self.0.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *ids).into_iter().collect()
    }
}

/// The operation of the audit events written for personal-data reads.
const READ_PERSONAL_DATA: &str = "readPersonalData";

/// One `readPersonalData` event per applicant read, in one statement.
pub async fn record_personal_reads(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    operation: Option<&str>,
    applicant_ids: &[i64],
) -> Result<(), DbErr> {
    if applicant_ids.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let summary = format!(
        "read personal data ({})",
        operation.unwrap_or("anonymous operation")
    );
    let targets = applicant_ids
        .iter()
        .map(|id| ids::encode(ids::APPLICANT, *id).to_string());
    if conn.get_database_backend() == DbBackend::Postgres {
        // The targets as one array: PostgreSQL binds 7 parameters rather
        // than 7 per row (700 for a page of 100), about half the time.
        let targets: Vec<sea_orm::Value> = targets.map(Into::into).collect();
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO audit_events (at, role, subject, operation, target_id, outcome, summary) \
             SELECT $1, $2, $3, $4, target_id, $5, $6 FROM unnest($7::text[]) AS target_id",
            [
                now.into(),
                viewer.role.map(|r| r.to_value()).into(),
                viewer.subject.clone().into(),
                READ_PERSONAL_DATA.into(),
                AuditOutcome::Ok.to_value().into(),
                summary.into(),
                sea_orm::Value::Array(ArrayType::String, Some(Box::new(targets))),
            ],
        );
        conn.execute_raw(statement).await?;
        return Ok(());
    }
    let rows = targets.map(|target| audit_event::ActiveModel {
        at: Set(now),
        role: Set(viewer.role),
        subject: Set(viewer.subject.clone()),
        operation: Set(READ_PERSONAL_DATA.to_owned()),
        target_id: Set(Some(target)),
        outcome: Set(AuditOutcome::Ok),
        summary: Set(summary.clone()),
        ..Default::default()
    });
    // Without `RETURNING`: on SQLite the write lock is held until the
    // statement's rows are read, and 32 readers of a review page queue on
    // that one lock; the ids are not needed.
    audit_event::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
