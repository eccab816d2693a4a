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
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

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

#[Object]
impl AuditEvent {
    pub async fn id(&self) -> ID {
        ids::encode(ids::AUDIT_EVENT, self.0.id)
    }
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    async fn role(&self) -> Option<Role> {
        self.0.role
    }
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.clone().map(ID)
    }
    async fn outcome(&self) -> AuditOutcome {
        self.0.outcome
    }
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
