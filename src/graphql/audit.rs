//! The audit trail as the schema shows it (`AuditEvent`, the board only);
//! the service that writes it is `crate::audit`.

use super::context::{db, viewer};
use super::pagination::{PageArgs, TotalCount, connection, fetch_page};
use super::scalars::DateTime;
use crate::audit::PersonalDataReads;
use crate::entity::audit_event;
use crate::entity::enums::{AuditOutcome, Role};
use crate::ids;
use async_graphql::context::ContextBase;
use async_graphql::{Context, ID, Object, Result};
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait, QueryFilter};
use std::sync::Arc;

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

/// Pages of it go through the executor (no one-pass writer, `graphql::direct`).
impl super::direct::Direct for AuditEvent {}

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

/// Notes that this request shows `applicant`'s personal data to someone
/// other than the doctor.
pub fn note_personal_read<T>(
    ctx: &ContextBase<'_, T>,
    applicant: &crate::entity::applicant::Model,
) {
    if let Some(reads) = ctx.data_opt::<Arc<PersonalDataReads>>() {
        reads.note(viewer(ctx), applicant);
    }
}
