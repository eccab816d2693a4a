//! Live updates over `/graphql/ws`: each event of the `EventBus` the viewer
//! may see, with the object read fresh from the database.

use super::application::Application;
use super::context::{db, viewer};
use super::cycle::RecruitmentCycle;
use super::visibility;
use crate::auth::Viewer;
use crate::entity::enums::Role;
use crate::entity::{application, recruitment_cycle};
use crate::error::AppError;
use crate::events::{Event, EventBus};
use async_graphql::futures_util::Stream;
use async_graphql::{Context, Result, Subscription as GraphQLSubscription};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::broadcast::{Receiver, error::RecvError};

#[derive(Default)]
pub struct Subscription;

/// When the token a WebSocket connection was opened with expires: its
/// subscriptions that need a token end then (UNAUTHENTICATED).
#[derive(Clone, Copy, Debug)]
pub struct TokenExpiry(pub tokio::time::Instant);

/// The schema's event bus.
pub fn bus<'a>(ctx: &Context<'a>) -> &'a EventBus {
    ctx.data_unchecked::<EventBus>()
}

/// Live events over `/graphql/ws` (graphql-transport-ws), with the token as
/// `Authorization` in `connection_init`. An event carries the object as it is
/// when sent; a client that disconnects or falls far behind misses the
/// events in between, so re-read what it shows after reconnecting.
#[GraphQLSubscription]
impl Subscription {
    /// An application was submitted, withdrawn, decided or settled by the
    /// final selection: its status the one it changed to, its other fields as
    /// they are now. An applicant sees its own, a society its field's, an
    /// institution its courses', the board all (a token is required). Also
    /// sent for each live application of a course withdrawn or handed to
    /// another institution (II.3(1)); a society's proposal is not sent.
    async fn application_status_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Application>> + use<>> {
        let viewer = viewer(ctx).clone();
        viewer.require(&[
            Role::Admin,
            Role::Society,
            Role::Institution,
            Role::Applicant,
        ])?;
        let db = db(ctx).clone();
        let expiry = ctx.data_opt::<TokenExpiry>().copied();
        let mut events = bus(ctx).subscribe();
        Ok(async_stream::stream! {
            loop {
                let event = tokio::select! {
                    event = next(&mut events) => event,
                    () = expired(expiry) => {
                        yield Err(AppError::Unauthenticated.into());
                        break;
                    }
                };
                let Some(event) = event else { break };
                let Event::ApplicationStatusChanged { application_id, status, .. } = &event else {
                    continue;
                };
                if !may_see(&viewer, &event) {
                    continue;
                }
                match visible_application(&db, &viewer, *application_id).await {
                    // A later change may be committed already: it has its own event.
                    Ok(Some(row)) => yield Ok(Application::from(application::Model { status: *status, ..row })),
                    Ok(None) => {}
                    Err(err) => yield Err(err.into()),
                }
            }
        })
    }

    /// A recruitment cycle (of `year`, or any) moved to another phase: its
    /// phase the one it moved to, its other fields as they are now; public.
    async fn cycle_phase_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the cycle of this intake year; omitted: every cycle.")] year: Option<
            i32,
        >,
    ) -> impl Stream<Item = Result<RecruitmentCycle>> + use<> {
        let db = db(ctx).clone();
        let mut events = bus(ctx).subscribe();
        async_stream::stream! {
            while let Some(event) = next(&mut events).await {
                let Event::CyclePhaseChanged { year: changed, phase } = event else {
                    continue;
                };
                if year.is_some_and(|y| y != changed) {
                    continue;
                }
                let row = recruitment_cycle::Entity::find()
                    .filter(recruitment_cycle::Column::Year.eq(changed))
                    .one(&db)
                    .await;
                match row {
                    Ok(Some(row)) => yield Ok(RecruitmentCycle(recruitment_cycle::Model { phase, ..row })),
                    Ok(None) => {}
                    Err(err) => yield Err(AppError::from(err).into()),
                }
            }
        }
    }
}

/// Resolves when the token expires; never without an expiry.
async fn expired(expiry: Option<TokenExpiry>) {
    match expiry {
        Some(TokenExpiry(at)) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The next event; a subscriber that fell behind skips what it missed.
async fn next(events: &mut Receiver<Event>) -> Option<Event> {
    loop {
        match events.recv().await {
            Ok(event) => return Some(event),
            Err(RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "a subscriber fell behind and skipped events");
            }
            Err(RecvError::Closed) => return None,
        }
    }
}

/// A first cut from the event alone, so that most events cost no query;
/// the visibility rules decide on the row itself.
fn may_see(viewer: &Viewer, event: &Event) -> bool {
    let Event::ApplicationStatusChanged {
        applicant_id,
        society_id,
        institution_id,
        ..
    } = event
    else {
        return false;
    };
    match viewer.role {
        Some(Role::Admin) => true,
        Some(Role::Applicant) => viewer.applicant_id == Some(*applicant_id),
        Some(Role::Society) => viewer.society_id == Some(*society_id),
        Some(Role::Institution) => viewer.institution_id == Some(*institution_id),
        None => false,
    }
}

async fn visible_application(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> Result<Option<application::Model>, AppError> {
    Ok(application::Entity::find_by_id(id)
        .filter(visibility::applications(viewer))
        .one(db)
        .await?)
}
