//! The audit trail: who did what to which object, and whether it took effect.

use super::context::{db, viewer};
use super::ids;
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::scalars::DateTime;
use crate::auth::Viewer;
use crate::entity::audit_event;
use crate::entity::enums::{AuditOutcome, Role};
use crate::error::{AppResult, ErrorCode};
use async_graphql::{Context, ID, Object, Result};
use sea_orm::sea_query::{ArrayType, Expr};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Set,
    Statement,
};

#[derive(Clone)]
pub struct AuditEvent(pub audit_event::Model);

impl From<audit_event::Model> for AuditEvent {
    fn from(m: audit_event::Model) -> Self {
        Self(m)
    }
}

connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    audit_event::Model
);

/// One entry of the audit trail (the board only): a mutation that took
/// effect or was refused, or a reading of a doctor's personal data by
/// someone other than the doctor. Written in the same transaction as the
/// change it records.
#[Object]
impl AuditEvent {
    /// A global ID (not a Node: the trail is read through auditEvents).
    pub async fn id(&self) -> ID {
        ids::encode(ids::AUDIT_EVENT, self.0.id)
    }
    /// When it happened.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// The caller's role; null for a caller without a token.
    async fn role(&self) -> Option<Role> {
        self.0.role
    }
    /// The caller's token subject (`sub`); null without a token.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// The mutation's name, e.g. submitApplication, or readPersonalData for
    /// a reading of personal data.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// The global ID of the object acted on (for readPersonalData, the
    /// Applicant); null when there is none, e.g. a refused creation.
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.clone().map(ID)
    }
    /// Whether the operation took effect or was refused.
    async fn outcome(&self) -> AuditOutcome {
        self.0.outcome
    }
    /// What happened, in English, e.g. "refused: WRONG_PHASE" or "created
    /// the 2027 cycle, 40 seats".
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

/// The board only; for anyone else the list is empty.
pub async fn list_audit_events(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<AuditEventConnection> {
    let args = PageArgs::parse(first, after)?;
    let mut select = audit_event::Entity::find();
    if !viewer(ctx).is_admin() {
        select = select.filter(Expr::cust("1 = 0"));
    }
    let page = fetch_page(db(ctx), select.clone(), audit_event::Column::Id, args).await?;
    Ok(AuditEventConnection::new(
        page,
        TotalCount::of(db(ctx), select),
    ))
}

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

/// Records a refused mutation (bad input, wrong role, broken rule) in a
/// transaction of its own: the refused change itself rolled back.
/// Internal failures are logged instead, as nothing was decided.
pub async fn record_refusal<T>(
    ctx: &Context<'_>,
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
        db(ctx),
        viewer(ctx),
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
pub struct PersonalDataReads(std::sync::Mutex<std::collections::BTreeSet<i64>>);

impl PersonalDataReads {
    pub fn take(&self) -> Vec<i64> {
        let mut ids = self.0.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *ids).into_iter().collect()
    }
}

/// Notes that this request shows `applicant`'s personal data to someone
/// other than the doctor.
pub fn note_personal_read(ctx: &Context<'_>, applicant: &crate::entity::applicant::Model) {
    let viewer = viewer(ctx);
    if viewer.subject.as_deref() == Some(applicant.subject.as_str())
        && viewer.role == Some(Role::Applicant)
    {
        return;
    }
    if let Some(reads) = ctx.data_opt::<std::sync::Arc<PersonalDataReads>>() {
        reads
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(applicant.id);
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
    audit_event::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}
