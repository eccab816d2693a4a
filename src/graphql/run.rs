//! The one way a resolver writes: `run(ctx, command)`.

use super::context::{db, societies, viewer};
use super::subscription::bus;
use crate::clock::Clock;
use crate::ops::{self, Caller, Operation};
use async_graphql::{Context, Result};

/// Runs `operation` (`crate::ops`) as the request's viewer: it writes and
/// audits in one transaction, a refusal is audited on its own, and its
/// error goes to the wire mapping (`crate::error::to_wire`).
pub async fn run<O: Operation>(ctx: &Context<'_>, operation: O) -> Result<O::Output> {
    Ok(ops::perform(caller(ctx), operation).await?)
}

/// The request's viewer and the schema's services, for `crate::ops`.
fn caller<'a>(ctx: &Context<'a>) -> Caller<'a> {
    Caller {
        db: db(ctx),
        viewer: viewer(ctx),
        clock: ctx.data_unchecked::<Clock>(),
        societies: societies(ctx),
        events: bus(ctx),
    }
}
