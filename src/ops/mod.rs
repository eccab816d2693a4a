//! The writes: one file (or folder) per area, one command per mutation.
//!
//! A command is what the caller sent, in Rust types: IDs still opaque, text
//! not yet checked. `perform` runs it as the caller. The command parses its
//! input (the checks that need no database) before its transaction, then
//! in one transaction locks what it reads, checks role, scope and phase,
//! applies the rule of `crate::domain`, writes and audits; events are
//! published once it has committed. A refusal is audited in a transaction
//! of its own. `crate::graphql` builds the commands from its arguments and
//! maps the errors to the wire.

pub mod applicant;
pub mod applying;
pub mod course_setup;
mod guards;
pub mod institution;
pub mod recruitment;
pub mod reporting;
mod seats;
mod trainee_record;
pub mod training;

use crate::audit;
use crate::auth::Viewer;
use crate::catalog::SocietyCatalog;
use crate::clock::Clock;
use crate::error::AppResult;
use crate::events::EventBus;
use async_graphql::ID;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use std::future::Future;

/// Who runs an operation, and the services it runs with.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    pub db: &'a DatabaseConnection,
    pub viewer: &'a Viewer,
    pub clock: &'a Clock,
    pub societies: &'a SocietyCatalog,
    pub events: &'a EventBus,
}

impl Caller<'_> {
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }
}

/// One mutation.
pub trait Operation: Send {
    /// The mutation's name, as the audit records it (done or refused).
    const NAME: &'static str;
    type Output: Send;

    /// The object a refusal is recorded against, if any.
    fn target(&self) -> Option<ID> {
        None
    }

    /// Parses, checks, writes and audits, in one transaction.
    fn run(self, caller: Caller<'_>) -> impl Future<Output = AppResult<Self::Output>> + Send;
}

/// Runs `operation` as `caller`; a refusal is audited in a transaction of
/// its own (the refused change itself rolled back).
pub async fn perform<O: Operation>(caller: Caller<'_>, operation: O) -> AppResult<O::Output> {
    let target = operation.target();
    let result = operation.run(caller).await;
    audit::record_refusal(caller.db, caller.viewer, O::NAME, target.as_ref(), &result).await;
    result
}

/// One field of a partial update: left as it is, cleared, or set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patch<T> {
    Keep,
    Clear,
    Set(T),
}
