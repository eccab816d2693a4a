//! Live updates: what changed, told to the subscribers of every instance.
//!
//! A mutation publishes its events only after its transaction committed
//! (`publish_after_commit`), so a refused or rolled-back change is never
//! announced. Each instance delivers its own events to its subscribers at
//! once; on PostgreSQL it also sends them with `pg_notify`, and a listener
//! task on every instance (`LISTEN`) hands the other instances' events to
//! their subscribers, so a deployment behind a load balancer delivers every
//! event whichever instance took the mutation. On SQLite there is one
//! instance per database file, and the events stay in the process.
//!
//! Delivery is at most once: events sent while a listener is reconnecting,
//! or that a slow subscriber lets pile up past the buffer, are skipped.

use crate::entity::enums::{ApplicationStatus, CyclePhase};
use crate::entity::{application, course};
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// Events a subscriber may fall behind by before it skips some.
pub const BUFFER: usize = 1024;
/// The NOTIFY channel of a deployment in the `public` schema; in any other
/// schema the schema's name is appended, so that deployments (and parallel
/// test runs) sharing one PostgreSQL database do not hear each other.
pub const CHANNEL: &str = "csc_events";
/// Largest NOTIFY payload sent; PostgreSQL refuses 8000 bytes and more.
const MAX_PAYLOAD: usize = 7000;
/// PostgreSQL identifiers (channel names included) are at most 63 bytes.
const MAX_CHANNEL: usize = 63;
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Something that changed, in a committed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// An application was submitted, withdrawn, decided or settled by the
    /// final selection. The ids say who may see it (the course's society
    /// and responsible institution, the applicant).
    ApplicationStatusChanged {
        application_id: i64,
        applicant_id: i64,
        society_id: i64,
        course_id: i64,
        institution_id: i64,
        #[serde(with = "text_enum")]
        status: ApplicationStatus,
    },
    /// A recruitment cycle moved to another phase.
    CyclePhaseChanged {
        year: i32,
        #[serde(with = "text_enum")]
        phase: CyclePhase,
    },
}

/// One NOTIFY payload: the events of one instance, in order.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: Uuid,
    events: Vec<Event>,
}

/// The events of this process, and on PostgreSQL of the whole deployment.
/// Cheap to clone; when the last clone is dropped the listener task ends and
/// the subscribers' streams close.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Event>,
    /// Tags this instance's notifications, so its listener skips them.
    origin: Uuid,
    /// The NOTIFY channel; `None` when events stay in the process.
    channel: Option<String>,
    /// Dropped with the bus: tells the listener task to stop.
    _shutdown: watch::Sender<()>,
}

impl EventBus {
    /// A bus whose events stay in this process (SQLite, or no database).
    pub fn local() -> Self {
        Self::with_channel(None).0
    }

    fn with_channel(channel: Option<String>) -> (Self, watch::Receiver<()>) {
        let (sender, _) = broadcast::channel(BUFFER);
        let (shutdown, stopped) = watch::channel(());
        let bus = Self {
            inner: Arc::new(Inner {
                sender,
                origin: Uuid::new_v4(),
                channel,
                _shutdown: shutdown,
            }),
        };
        (bus, stopped)
    }

    /// The bus for `db`: on PostgreSQL it listens on the deployment's
    /// channel before returning (so no later notification is missed) and
    /// keeps listening in a task of its own, on a connection of its own.
    pub async fn connect(db: &DatabaseConnection) -> Result<Self, DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Self::local());
        }
        let schema = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_schema() AS schema",
            ))
            .await?
            .and_then(|row| row.try_get::<Option<String>>("", "schema").ok().flatten());
        let channel = channel_name(schema.as_deref());
        let pool = db.get_postgres_connection_pool();
        // Not from the application's pool: a listener holds its connection
        // for good, and the pool's size is meant for requests.
        let listener_pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with((*pool.connect_options()).clone());
        let mut listener = PgListener::connect_with(&listener_pool)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        listener
            .listen(&channel)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        let (bus, stopped) = Self::with_channel(Some(channel.clone()));
        tokio::spawn(listen(
            listener,
            channel,
            bus.inner.sender.clone(),
            bus.inner.origin,
            stopped,
        ));
        Ok(bus)
    }

    /// A stream of every event from now on, for one subscriber.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.sender.subscribe()
    }

    /// Subscribers on this instance now.
    pub fn subscriber_count(&self) -> usize {
        self.inner.sender.receiver_count()
    }

    /// The NOTIFY channel, on PostgreSQL.
    pub fn channel(&self) -> Option<&str> {
        self.inner.channel.as_deref()
    }

    /// Announces `events` of a transaction that has committed: to this
    /// instance's subscribers, and on PostgreSQL to the other instances.
    /// Never fails the caller: the change is done, and an announcement
    /// that cannot be sent is logged and dropped.
    pub async fn publish_after_commit(&self, db: &DatabaseConnection, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        for event in &events {
            // An error only means nobody is subscribed here.
            let _ = self.inner.sender.send(event.clone());
        }
        let Some(channel) = &self.inner.channel else {
            return;
        };
        for payload in payloads(self.inner.origin, events) {
            let notify = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [channel.clone().into(), payload.into()],
            );
            if let Err(err) = db.execute_raw(notify).await {
                tracing::error!(error = %err, channel, "could not notify the other instances");
            }
        }
    }

    /// Announces the status of committed applications (one query for their
    /// courses' society and institution).
    pub async fn publish_applications(&self, db: &DatabaseConnection, rows: &[application::Model]) {
        if rows.is_empty() {
            return;
        }
        match application_events(db, rows).await {
            Ok(events) => self.publish_after_commit(db, events).await,
            Err(err) => {
                tracing::error!(error = %err, "could not announce application changes")
            }
        }
    }

    /// Announces that the cycle of `year` moved to `phase` (committed).
    pub async fn publish_phase(&self, db: &DatabaseConnection, year: i32, phase: CyclePhase) {
        self.publish_after_commit(db, vec![Event::CyclePhaseChanged { year, phase }])
            .await;
    }
}

async fn application_events(
    db: &DatabaseConnection,
    rows: &[application::Model],
) -> Result<Vec<Event>, DbErr> {
    let course_ids: BTreeSet<i64> = rows.iter().map(|r| r.course_id).collect();
    let course_ids: Vec<i64> = course_ids.into_iter().collect();
    let mut courses: HashMap<i64, (i64, i64)> = HashMap::new();
    for chunk in course_ids.chunks(500) {
        let found: Vec<(i64, i64, i64)> = course::Entity::find()
            .select_only()
            .column(course::Column::Id)
            .column(course::Column::SocietyId)
            .column(course::Column::ResponsibleInstitutionId)
            .filter(course::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        courses.extend(found.into_iter().map(|(id, s, i)| (id, (s, i))));
    }
    Ok(rows
        .iter()
        .filter_map(|row| {
            let (society_id, institution_id) = *courses.get(&row.course_id)?;
            Some(Event::ApplicationStatusChanged {
                application_id: row.id,
                applicant_id: row.applicant_id,
                society_id,
                course_id: row.course_id,
                institution_id,
                status: row.status,
            })
        })
        .collect())
}

/// `csc_events`, or `csc_events_<schema>` outside `public` (hashed when
/// that would pass PostgreSQL's 63 bytes).
pub fn channel_name(schema: Option<&str>) -> String {
    match schema {
        None | Some("") | Some("public") => CHANNEL.to_owned(),
        Some(schema) => {
            let name = format!("{CHANNEL}_{schema}");
            if name.len() <= MAX_CHANNEL {
                name
            } else {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(schema.as_bytes());
                let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                format!("{CHANNEL}_{hex}")
            }
        }
    }
}

/// The events as NOTIFY payloads under `MAX_PAYLOAD` bytes each, in order.
fn payloads(origin: Uuid, events: Vec<Event>) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch: Vec<Event> = Vec::new();
    let mut size = 0;
    // The envelope's own bytes (origin, braces, keys) stay under 100.
    const ENVELOPE: usize = 100;
    for event in events {
        let len = serde_json::to_string(&event).map_or(0, |s| s.len()) + 1;
        if !batch.is_empty() && ENVELOPE + size + len > MAX_PAYLOAD {
            out.extend(envelope(origin, std::mem::take(&mut batch)));
            size = 0;
        }
        size += len;
        batch.push(event);
    }
    if !batch.is_empty() {
        out.extend(envelope(origin, batch));
    }
    out
}

fn envelope(origin: Uuid, events: Vec<Event>) -> Option<String> {
    serde_json::to_string(&Envelope { origin, events })
        .inspect_err(|err| tracing::error!(error = %err, "could not serialize events"))
        .ok()
}

/// Hands the other instances' notifications to this instance's subscribers
/// until the bus is dropped; reconnects with backoff when the connection
/// is lost (notifications sent meanwhile are lost with it).
async fn listen(
    mut listener: PgListener,
    channel: String,
    sender: broadcast::Sender<Event>,
    origin: Uuid,
    mut stopped: watch::Receiver<()>,
) {
    let mut backoff = Duration::from_millis(250);
    loop {
        let received = tokio::select! {
            _ = stopped.changed() => break,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => {
                backoff = Duration::from_millis(250);
                match serde_json::from_str::<Envelope>(notification.payload()) {
                    Ok(envelope) if envelope.origin == origin => {}
                    Ok(envelope) => {
                        for event in envelope.events {
                            let _ = sender.send(event);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, channel, "ignored a notification that is not an event")
                    }
                }
            }
            // The connection was lost; the next call reconnects and listens again.
            Ok(None) => tracing::warn!(channel, "event listener lost its connection; reconnecting"),
            Err(err) => {
                tracing::warn!(error = %err, channel, retry_in_ms = backoff.as_millis() as u64, "event listener failed");
                tokio::select! {
                    _ = stopped.changed() => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    tracing::debug!(channel, "event listener stopped");
}

/// (De)serializes a text enum as its database (and GraphQL) name.
mod text_enum {
    use sea_orm::ActiveEnum;
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<E, S>(value: &E, serializer: S) -> Result<S::Ok, S::Error>
    where
        E: ActiveEnum<Value = String>,
        S: Serializer,
    {
        serializer.serialize_str(&value.to_value())
    }

    pub fn deserialize<'de, E, D>(deserializer: D) -> Result<E, D::Error>
    where
        E: ActiveEnum<Value = String>,
        D: Deserializer<'de>,
    {
        let raw = String::deserialize(deserializer)?;
        E::try_from_value(&raw).map_err(|_| de::Error::custom(format!("unknown value {raw}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(application_id: i64) -> Event {
        Event::ApplicationStatusChanged {
            application_id,
            applicant_id: 7,
            society_id: 3,
            course_id: 11,
            institution_id: 5,
            status: ApplicationStatus::NotAdopted,
        }
    }

    #[test]
    fn events_round_trip_as_json() {
        let events = vec![
            status(1),
            Event::CyclePhaseChanged {
                year: 2027,
                phase: CyclePhase::EarlyCallOpen,
            },
        ];
        let json = serde_json::to_string(&events).unwrap();
        assert!(
            json.contains(r#""type":"applicationStatusChanged""#),
            "{json}"
        );
        assert!(json.contains(r#""status":"NOT_ADOPTED""#), "{json}");
        assert!(json.contains(r#""phase":"EARLY_CALL_OPEN""#), "{json}");
        assert_eq!(serde_json::from_str::<Vec<Event>>(&json).unwrap(), events);
    }

    #[test]
    fn many_events_are_split_into_payloads_postgres_accepts() {
        let origin = Uuid::new_v4();
        let events: Vec<Event> = (0..2000).map(status).collect();
        let payloads = payloads(origin, events.clone());
        assert!(payloads.len() > 1);
        let mut back = Vec::new();
        for p in &payloads {
            assert!(p.len() < 8000, "{} bytes", p.len());
            let envelope: Envelope = serde_json::from_str(p).unwrap();
            assert_eq!(envelope.origin, origin);
            back.extend(envelope.events);
        }
        assert_eq!(back, events);
    }

    #[test]
    fn channel_names_fit_postgres_identifiers() {
        assert_eq!(channel_name(Some("public")), "csc_events");
        assert_eq!(channel_name(None), "csc_events");
        assert_eq!(channel_name(Some("t_ab12")), "csc_events_t_ab12");
        let long = channel_name(Some(&"x".repeat(100)));
        assert!(
            long.len() <= 63 && long.starts_with("csc_events_"),
            "{long}"
        );
    }

    #[tokio::test]
    async fn a_local_bus_delivers_to_every_subscriber() {
        let bus = EventBus::local();
        let mut a = bus.subscribe();
        let mut b = bus.subscribe();
        assert_eq!(bus.subscriber_count(), 2);
        let _ = bus.inner.sender.send(status(1));
        assert_eq!(a.recv().await.unwrap(), status(1));
        assert_eq!(b.recv().await.unwrap(), status(1));
        drop(bus);
        assert!(a.recv().await.is_err());
    }
}
