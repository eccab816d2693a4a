//! Live updates: what changed, told to the subscribers of every instance.
//!
//! A mutation publishes its events only after its transaction committed
//! (`publish_after_commit`), so a refused or rolled-back change is never
//! announced. Each instance delivers its own events to its subscribers at
//! once; on PostgreSQL it also records them in `event_log` and sends the
//! row with `pg_notify`, in one statement, so every notification names a
//! stored row. A listener task on every instance (`LISTEN`) hands the other
//! instances' events to their subscribers, so a deployment behind a load
//! balancer delivers every event whichever instance took the mutation. On
//! SQLite there is one instance per database file, and the events stay in
//! the process (the table exists but stays empty).
//!
//! When a listener loses its connection it reconnects with backoff, then
//! reads the log from `CATCH_UP_MARGIN` before the connection was last known
//! to work (its last notification, or its last catch-up) and delivers, in
//! id order, the other instances' rows it has not delivered yet, before it
//! takes new notifications. It remembers the ids of the last
//! `REMEMBERED_IDS` rows it delivered, so a row both read from the log and
//! notified is delivered once. Each instance deletes the rows older than
//! `RETENTION` every `PRUNE_EVERY`.
//!
//! What is guaranteed: an event whose publishing statement committed
//! reaches the subscribers of every instance that is listening, or that
//! reconnects within `RETENTION`, once. What is not: events of a process
//! that stopped between its commit and its publish are never sent; a
//! publish whose statement fails is logged and dropped; a subscriber that
//! falls more than `BUFFER` events behind skips some; a connection that
//! dies silently is only noticed when the operating system gives up on it
//! (its events are still read back, if that is within `RETENTION`); and an
//! instance of an older version (no log) notifies without a row, so its
//! events are not caught up on.

use crate::entity::enums::{ApplicationStatus, CyclePhase};
use crate::entity::{application, course};
use sea_orm::sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
use uuid::Uuid;

/// Events a subscriber may fall behind by before it skips some.
pub const BUFFER: usize = 1024;
/// The NOTIFY channel of a deployment in the `public` schema; in any other
/// schema the schema's name is appended, so that deployments (and parallel
/// test runs) sharing one PostgreSQL database do not hear each other.
pub const CHANNEL: &str = "csc_events";
/// Largest NOTIFY payload sent; PostgreSQL refuses 8000 bytes and more.
const MAX_PAYLOAD: usize = 7000;
/// The bytes of a notification around its events (`id`, `origin`, keys and
/// braces) stay under this, so the events of one log row get the rest.
const NOTICE_OVERHEAD: usize = 150;
/// PostgreSQL identifiers (channel names included) are at most 63 bytes.
const MAX_CHANNEL: usize = 63;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// After a lost connection the log is read from this long before the
/// connection was last known to work: a row is stamped when its statement
/// starts, a little before it commits and is notified.
const CATCH_UP_MARGIN: Duration = Duration::from_secs(5);
/// How long logged events are kept: longer than any reconnect should take.
const RETENTION: Duration = Duration::from_secs(60 * 60);
/// How often each instance deletes the log rows past `RETENTION`.
const PRUNE_EVERY: Duration = Duration::from_secs(5 * 60);
/// Log rows whose ids a listener remembers having delivered, so that a row
/// read again while catching up is not delivered twice. Only the rows of the
/// last `CATCH_UP_MARGIN` before a loss are read again, far fewer than this.
const REMEMBERED_IDS: usize = 16_384;

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

/// One NOTIFY payload: a row of `event_log`, the events of one instance in
/// order. `id` is missing only from an instance of an older version, which
/// notifies without logging (during a rolling upgrade).
#[derive(Serialize, Deserialize)]
struct Notice {
    #[serde(default)]
    id: Option<i64>,
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
    /// keeps listening in a task of its own, on a connection of its own;
    /// another task prunes the event log.
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
        let (bus, stopped) = Self::with_channel(Some(channel.clone()));
        let relay = Relay {
            db: db.clone(),
            channel,
            sender: bus.inner.sender.clone(),
            origin: bus.inner.origin,
            delivered: RecentIds::new(REMEMBERED_IDS),
        };
        let listener = relay.listen_again(&listener_pool).await?;
        tokio::spawn(listen(listener, listener_pool, relay, stopped.clone()));
        tokio::spawn(prune_log(db.clone(), stopped));
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
        let origin = self.inner.origin.to_string();
        for batch in batches(events) {
            // One statement: the notification names a row that is stored,
            // and both happen (at commit) or neither does.
            let log_and_notify = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "WITH logged AS ( \
                   INSERT INTO event_log (origin, payload, created_at) \
                   VALUES ($2, $3, now()) RETURNING id \
                 ) \
                 SELECT pg_notify($1, json_build_object( \
                   'id', logged.id, 'origin', $2::text, 'events', $3::json \
                 )::text) FROM logged",
                [channel.clone().into(), origin.clone().into(), batch.into()],
            );
            if let Err(err) = db.execute_raw(log_and_notify).await {
                tracing::error!(error = %err, channel, "could not log and notify events for the other instances");
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

/// The events as JSON arrays that each fit one NOTIFY payload with the
/// notification's own fields, in order; each becomes one log row.
fn batches(events: Vec<Event>) -> Vec<String> {
    const LIMIT: usize = MAX_PAYLOAD - NOTICE_OVERHEAD;
    let mut out = Vec::new();
    let mut batch: Vec<Event> = Vec::new();
    // The brackets of the array.
    let mut size = 2;
    for event in events {
        let len = serde_json::to_string(&event).map_or(0, |s| s.len()) + 1;
        if !batch.is_empty() && size + len > LIMIT {
            out.extend(to_json(&std::mem::take(&mut batch)));
            size = 2;
        }
        size += len;
        batch.push(event);
    }
    if !batch.is_empty() {
        out.extend(to_json(&batch));
    }
    out
}

fn to_json(events: &[Event]) -> Option<String> {
    serde_json::to_string(events)
        .inspect_err(|err| tracing::error!(error = %err, "could not serialize events"))
        .ok()
}

fn sqlx_err(err: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Conn(sea_orm::RuntimeErr::SqlxError(err.into()))
}

/// The ids of the log rows delivered last, at most `capacity` of them: a
/// row met again (read from the log while catching up, then notified, or
/// the other way round) is recognised and not delivered twice.
struct RecentIds {
    capacity: usize,
    order: VecDeque<i64>,
    seen: HashSet<i64>,
}

impl RecentIds {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            order: VecDeque::with_capacity(capacity),
            seen: HashSet::with_capacity(capacity),
        }
    }

    /// Records `id`; false when it is already recorded. Past `capacity`
    /// the oldest id is forgotten.
    fn insert(&mut self, id: i64) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        true
    }
}

/// What the listener task hands events to, and where it catches up from.
struct Relay {
    /// The application's pool, for reading the log.
    db: DatabaseConnection,
    channel: String,
    sender: broadcast::Sender<Event>,
    /// This instance's origin: its own rows and notifications are skipped.
    origin: Uuid,
    delivered: RecentIds,
}

impl Relay {
    /// Hands one notification's events to the subscribers, unless they are
    /// this instance's own or their log row was delivered already.
    fn on_notification(&mut self, payload: &str) {
        match serde_json::from_str::<Notice>(payload) {
            Ok(notice) if notice.origin == self.origin => {}
            Ok(Notice {
                id: Some(id),
                events,
                ..
            }) => self.deliver(id, events),
            // An older instance's notification: not logged, so no id to check.
            Ok(Notice {
                id: None, events, ..
            }) => self.send(events),
            Err(err) => {
                tracing::warn!(error = %err, channel = self.channel, "ignored a notification that is not an event")
            }
        }
    }

    /// Hands the events of log row `id` over, once.
    fn deliver(&mut self, id: i64, events: Vec<Event>) {
        if self.delivered.insert(id) {
            self.send(events);
        }
    }

    fn send(&self, events: Vec<Event>) {
        for event in events {
            // An error only means nobody is subscribed here.
            let _ = self.sender.send(event);
        }
    }

    /// A new listener on a new connection from `pool`, listening on the
    /// channel: from the moment it returns, every committed notification
    /// reaches it.
    async fn listen_again(&self, pool: &PgPool) -> Result<PgListener, DbErr> {
        let mut listener = PgListener::connect_with(pool).await.map_err(sqlx_err)?;
        // A lost connection is reported (`Ok(None)`) rather than replaced
        // behind our back: this task replaces it, then catches up.
        listener.eager_reconnect(false);
        listener.listen(&self.channel).await.map_err(sqlx_err)?;
        Ok(listener)
    }

    /// Delivers, in id order, the other instances' log rows from a little
    /// before `since` that were not delivered yet; returns how many.
    async fn catch_up(&mut self, since: Instant) -> Result<usize, DbErr> {
        let window = since.elapsed() + CATCH_UP_MARGIN;
        // Ids are taken before commit, so a later id may commit (and be
        // missed) before an earlier one: read by time, not `id > last`.
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, payload FROM event_log \
                 WHERE created_at >= now() - make_interval(secs => $1) AND origin <> $2 \
                 ORDER BY id",
                [window.as_secs_f64().into(), self.origin.to_string().into()],
            ))
            .await?;
        let mut delivered = 0;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let payload: String = row.try_get("", "payload")?;
            match serde_json::from_str::<Vec<Event>>(&payload) {
                Ok(events) => {
                    if self.delivered.insert(id) {
                        self.send(events);
                        delivered += 1;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, id, channel = self.channel, "ignored a log row that is not events")
                }
            }
        }
        Ok(delivered)
    }
}

/// Hands the other instances' events to this instance's subscribers until
/// the bus is dropped. When the connection is lost (or fails) the listener
/// is dropped; a new one is made with backoff, and once it listens the task
/// catches up from the log on what it may have missed since the connection
/// last worked, before it takes new notifications.
async fn listen(
    listener: PgListener,
    pool: PgPool,
    mut relay: Relay,
    mut stopped: watch::Receiver<()>,
) {
    let mut listener = Some(listener);
    let mut backoff = FIRST_BACKOFF;
    // When the connection was last known to be listening: the catch-up
    // reads the log from a little before it.
    let mut alive_at = Instant::now();
    loop {
        let Some(current) = listener.as_mut() else {
            let listening_at = Instant::now();
            let recovered = tokio::select! {
                _ = stopped.changed() => break,
                recovered = recover(&mut relay, &pool, alive_at) => recovered,
            };
            match recovered {
                Ok((again, delivered)) => {
                    tracing::info!(
                        channel = relay.channel,
                        delivered,
                        "event listener reconnected and caught up from the log"
                    );
                    listener = Some(again);
                    alive_at = listening_at;
                    backoff = FIRST_BACKOFF;
                }
                Err(err) => {
                    tracing::warn!(error = %err, channel = relay.channel, retry_in_ms = backoff.as_millis() as u64, "event listener could not reconnect and catch up");
                    if !pause(&mut stopped, &mut backoff).await {
                        break;
                    }
                }
            }
            continue;
        };
        let received = tokio::select! {
            _ = stopped.changed() => break,
            received = current.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => {
                alive_at = Instant::now();
                relay.on_notification(notification.payload());
            }
            Ok(None) => {
                tracing::warn!(
                    channel = relay.channel,
                    "event listener lost its connection; reconnecting"
                );
                listener = None;
            }
            // Not a clean loss: wait before reconnecting, so that an error
            // that comes back at once does not spin.
            Err(err) => {
                tracing::warn!(error = %err, channel = relay.channel, retry_in_ms = backoff.as_millis() as u64, "event listener failed; reconnecting");
                listener = None;
                if !pause(&mut stopped, &mut backoff).await {
                    break;
                }
            }
        }
    }
    tracing::debug!(channel = relay.channel, "event listener stopped");
}

/// A new listener, once it listens and the events missed since `alive_at`
/// are delivered; with how many log rows that delivered. On an error the
/// new listener is dropped, and the next attempt reads from `alive_at` again.
async fn recover(
    relay: &mut Relay,
    pool: &PgPool,
    alive_at: Instant,
) -> Result<(PgListener, usize), DbErr> {
    let listener = relay.listen_again(pool).await?;
    let delivered = relay.catch_up(alive_at).await?;
    Ok((listener, delivered))
}

/// Waits `backoff` and doubles it (up to `MAX_BACKOFF`); false when the bus
/// was dropped meanwhile.
async fn pause(stopped: &mut watch::Receiver<()>, backoff: &mut Duration) -> bool {
    let wait = *backoff;
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
    tokio::select! {
        _ = stopped.changed() => false,
        () = tokio::time::sleep(wait) => true,
    }
}

/// Deletes the log rows older than `RETENTION` every `PRUNE_EVERY` (the
/// first time at start) until the bus is dropped. Each instance does it:
/// the delete is cheap (the `created_at` index), and concurrent ones are
/// harmless. A failure is logged and the next round tries again.
async fn prune_log(db: DatabaseConnection, mut stopped: watch::Receiver<()>) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            _ = every.tick() => {}
        }
        let prune = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM event_log WHERE created_at < now() - make_interval(secs => $1)",
            [RETENTION.as_secs_f64().into()],
        );
        match db.execute_raw(prune).await {
            Ok(done) => tracing::debug!(deleted = done.rows_affected(), "pruned the event log"),
            Err(err) => tracing::warn!(error = %err, "could not prune the event log"),
        }
    }
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
    fn many_events_are_split_into_batches_a_notification_can_carry() {
        let events: Vec<Event> = (0..2000).map(status).collect();
        let batches = batches(events.clone());
        assert!(batches.len() > 1);
        let mut back = Vec::new();
        for batch in &batches {
            // What PostgreSQL's json_build_object makes of the largest id
            // and an origin, around the batch.
            let notice = format!(
                r#"{{"id" : {}, "origin" : "{}", "events" : {batch}}}"#,
                i64::MAX,
                Uuid::new_v4()
            );
            assert!(notice.len() <= MAX_PAYLOAD, "{} bytes", notice.len());
            let parsed: Notice = serde_json::from_str(&notice).unwrap();
            assert_eq!(parsed.id, Some(i64::MAX));
            back.extend(parsed.events);
        }
        assert_eq!(back, events);
    }

    #[test]
    fn a_notification_without_an_id_is_still_understood() {
        let origin = Uuid::new_v4();
        let old = format!(r#"{{"origin":"{origin}","events":[]}}"#);
        let notice: Notice = serde_json::from_str(&old).unwrap();
        assert_eq!((notice.id, notice.origin), (None, origin));
    }

    #[test]
    fn recent_ids_recognise_an_id_met_again() {
        let mut ids = RecentIds::new(3);
        assert!(ids.insert(10));
        assert!(ids.insert(12));
        assert!(!ids.insert(10));
        assert!(ids.insert(11));
        assert!(!ids.insert(12));
        assert!(!ids.insert(11));
    }

    #[test]
    fn recent_ids_forget_the_oldest_past_their_capacity() {
        let mut ids = RecentIds::new(3);
        for id in 1..=4 {
            assert!(ids.insert(id));
        }
        assert_eq!(ids.order.len(), 3);
        assert_eq!(ids.seen.len(), 3);
        // 1 was forgotten, 2..=4 are remembered.
        assert!(!ids.insert(4));
        assert!(!ids.insert(2));
        assert!(ids.insert(1));
        // Recording 1 again pushed 2 out.
        assert!(ids.insert(2));
    }

    #[tokio::test]
    async fn a_relay_delivers_a_log_row_once_and_skips_its_own_origin() {
        let bus = EventBus::local();
        let mut subscriber = bus.subscribe();
        let mut relay = Relay {
            db: DatabaseConnection::default(),
            channel: CHANNEL.to_owned(),
            sender: bus.inner.sender.clone(),
            origin: bus.inner.origin,
            delivered: RecentIds::new(8),
        };
        let other = Uuid::new_v4();
        let notice = |id: i64, origin: Uuid, event: Event| {
            format!(
                r#"{{"id" : {id}, "origin" : "{origin}", "events" : {}}}"#,
                serde_json::to_string(&vec![event]).unwrap()
            )
        };
        relay.on_notification(&notice(1, other, status(1)));
        relay.on_notification(&notice(1, other, status(1)));
        relay.deliver(1, vec![status(1)]);
        relay.on_notification(&notice(2, bus.inner.origin, status(2)));
        relay.on_notification("not json");
        relay.deliver(3, vec![status(3)]);
        relay.on_notification(&notice(3, other, status(3)));
        assert_eq!(subscriber.recv().await.unwrap(), status(1));
        assert_eq!(subscriber.recv().await.unwrap(), status(3));
        assert!(subscriber.try_recv().is_err());
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
