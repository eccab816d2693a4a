//! Subscriptions: who hears which application change, phase changes,
//! nothing for a refused change, two instances on one PostgreSQL database,
//! and one WebSocket conversation through the real router.
//!
//! Mutations go through an instance's router; subscriptions run on the same
//! instance's schema (`execute_stream`) unless the test is about two instances.

use crate::helpers::{TestApp, YEAR, gid, today};
use async_graphql::futures_util::{SinkExt, StreamExt};
use async_graphql::{Request as GqlRequest, Variables};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use csc::auth::{self, Viewer};
use csc::clock::Clock;
use csc::config::DatabaseConfig;
use csc::entity::audit_event;
use csc::entity::enums::FieldCode::*;
use csc::entity::enums::{ApplicationStatus, AuditOutcome, CourseStatus, CyclePhase};
use csc::graphql::loaders::Loaders;
use csc::graphql::subscription::TokenExpiry;
use csc::ids;
use csc::startup::build_router;
use csc::state::AppState;
use http_body_util::BodyExt;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, Statement,
};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tower::ServiceExt;

const STATUS_CHANGED: &str =
    "subscription { applicationStatusChanged { id status applicant { fullName } } }";
const PHASE_CHANGED: &str = "subscription($y: Int) { cyclePhaseChanged(year: $y) { year phase } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawApplication(id: $id) { status } }";
const DECIDE: &str =
    "mutation($id: ID!, $d: Decision!) { decideApplication(id: $id, decision: $d) { status } }";

/// How long an expected event may take (a NOTIFY round trip included).
const WAIT: Duration = Duration::from_secs(10);
/// How long to watch for an event that must not come.
const QUIET: Duration = Duration::from_millis(400);

// --- an instance: a state, its router, its event bus ----------------------------

struct Instance {
    state: AppState,
    router: Router,
}

impl Instance {
    async fn on(db: DatabaseConnection, app: &TestApp) -> Self {
        let clock = Clock {
            fixed_today: Some(today()),
        };
        let state = AppState::new(db, app.keys.clone(), clock)
            .await
            .expect("build the app state");
        Self {
            router: build_router(state.clone()),
            state,
        }
    }

    /// `POST /graphql` through this instance's router; the JSON response.
    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Like `gql`, expecting no errors; returns `data`.
    async fn data(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let json = self.gql(token, query, variables).await;
        assert!(json.get("errors").is_none(), "unexpected errors: {json}");
        json["data"].clone()
    }

    /// Starts a subscription as `viewer` (on the schema of `/graphql/ws`)
    /// and waits until it listens.
    async fn subscribe(&self, viewer: Viewer, query: &str, variables: Value) -> Events {
        let before = self.state.events.subscriber_count();
        let request = GqlRequest::new(query)
            .variables(Variables::from_json(variables))
            .data(Loaders::new(&self.state.db, &viewer))
            .data(viewer);
        let mut stream = self.state.ws_schema.execute_stream(request);
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(response) = stream.next().await {
                let json = serde_json::to_value(&response).unwrap();
                if tx.send(json).is_err() {
                    break;
                }
            }
        });
        let events = &self.state.events;
        tokio::time::timeout(WAIT, async {
            while events.subscriber_count() == before {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the subscription starts listening");
        Events(rx)
    }
}

/// The responses of one subscription.
struct Events(mpsc::UnboundedReceiver<Value>);

impl Events {
    /// The next response, or a failure after `WAIT`.
    async fn next(&mut self) -> Value {
        tokio::time::timeout(WAIT, self.0.recv())
            .await
            .expect("an event within the wait")
            .expect("the subscription is still open")
    }

    /// The `data.<field>` of the next response, which must have no errors.
    async fn next_data(&mut self, field: &str) -> Value {
        let json = self.next().await;
        assert!(json.get("errors").is_none(), "unexpected errors: {json}");
        json["data"][field].clone()
    }

    /// Nothing arrives for `QUIET`.
    async fn assert_quiet(&mut self) {
        if let Ok(Some(json)) = tokio::time::timeout(QUIET, self.0.recv()).await {
            panic!("unexpected event: {json}");
        }
    }
}

// --- fixtures --------------------------------------------------------------------

async fn viewer(app: &TestApp, token: &str) -> Viewer {
    auth::authenticate(
        &app.db,
        &app.keys,
        &app.societies,
        Some(&format!("Bearer {token}")),
    )
    .await
    .expect("a valid test token")
}

async fn cycle_in(app: &TestApp, phase: CyclePhase) {
    app.cycle(YEAR).phase(phase).insert().await;
}

/// A registered doctor `sub` with a submitted application to `course`; its global ID.
async fn applied(app: &TestApp, sub: &str, course: i64) -> String {
    let applicant = app.insert_applicant(sub, &format!("L-{sub}")).await;
    let id = app
        .insert_application(applicant, course, ApplicationStatus::Submitted)
        .await;
    gid(ids::APPLICATION, id)
}

/// Decisions are open (quotas allocated): an internal-medicine course at
/// hospital 1 and a pediatrics course at hospital 2, each field with `seats`.
struct Selection {
    hospital_1: i64,
    medicine: i64,
    pediatrics: i64,
}

async fn selection(app: &TestApp, seats: i32) -> Selection {
    cycle_in(app, CyclePhase::QuotasAllocated).await;
    app.field_quota(InternalMedicine, seats).insert().await;
    app.field_quota(Pediatrics, seats).insert().await;
    let hospital_1 = app.insert_institution("京都大学医学部附属病院").await;
    let hospital_2 = app.insert_institution("大阪大学医学部附属病院").await;
    let medicine = app
        .insert_course(
            "内科 臨床研究医コース",
            InternalMedicine,
            hospital_1,
            CourseStatus::Published,
        )
        .await;
    let pediatrics = app
        .insert_course(
            "小児科 臨床研究医コース",
            Pediatrics,
            hospital_2,
            CourseStatus::Published,
        )
        .await;
    Selection {
        hospital_1,
        medicine,
        pediatrics,
    }
}

/// `(id, status)` of an `applicationStatusChanged` payload.
fn change(data: &Value) -> (String, String) {
    (
        data["id"].as_str().unwrap().to_owned(),
        data["status"].as_str().unwrap().to_owned(),
    )
}

fn expect(id: &str, status: &str) -> (String, String) {
    (id.to_owned(), status.to_owned())
}

async fn changes(events: &mut Events, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(change(&events.next_data("applicationStatusChanged").await));
    }
    out
}

/// A second pool on the PostgreSQL schema of `app`: another instance's view.
async fn same_schema(app: &TestApp, url: &str) -> DatabaseConnection {
    same_schema_via(app, url, None).await
}

/// Like `same_schema`, with every connection through `link` when given.
async fn same_schema_via(app: &TestApp, url: &str, link: Option<&Link>) -> DatabaseConnection {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_schema() AS s",
        ))
        .await
        .unwrap()
        .unwrap();
    let schema: String = row.try_get("", "s").unwrap();
    let config = DatabaseConfig {
        database_url: url.to_owned(),
        database_max_connections: Some(5),
    };
    let mut options = csc::db::options(&config);
    options.set_schema_search_path(schema);
    if let Some(link) = link {
        let port = link.addr.port();
        options.map_sqlx_postgres_opts(move |o| o.host("127.0.0.1").port(port));
    }
    Database::connect(options).await.unwrap()
}

/// A TCP relay to the PostgreSQL server of a URL that a test can cut, like
/// a network failure: `cut` drops every connection through it and refuses
/// new ones until `restore`.
struct Link {
    addr: SocketAddr,
    open: watch::Sender<bool>,
}

impl Link {
    async fn to(url: &str) -> Self {
        let target: PgConnectOptions = url.parse().expect("a PostgreSQL URL");
        let upstream = format!("{}:{}", target.get_host(), target.get_port());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (open, state) = watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut state = state.clone();
                if !*state.borrow() {
                    // Refused: the client sees its connection closed.
                    continue;
                }
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = state.wait_for(|open| !open) => {}
                    }
                });
            }
        });
        Self { addr, open }
    }

    fn cut(&self) {
        self.open.send_replace(false);
    }

    fn restore(&self) {
        self.open.send_replace(true);
    }
}

/// The backends listening on `channel` (the instances' listeners).
async fn listeners(db: &DatabaseConnection, channel: &str) -> Vec<i32> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity WHERE query LIKE $1",
            [format!("LISTEN \"{channel}\"%").into()],
        ))
        .await
        .unwrap();
    let mut pids: Vec<i32> = rows.iter().map(|r| r.try_get("", "pid").unwrap()).collect();
    pids.sort();
    pids
}

// --- who hears what --------------------------------------------------------------

#[tokio::test]
async fn each_viewer_hears_the_application_changes_it_may_see() {
    let app = TestApp::spawn().await;
    let s = selection(&app, 2).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let two = applied(&app, "doctor-2", s.medicine).await;
    let three = applied(&app, "doctor-3", s.pediatrics).await;
    let four = applied(&app, "doctor-4", s.pediatrics).await;
    let node = Instance::on(app.db.clone(), &app).await;

    let sub = |token: String| {
        let (app, node) = (&app, &node);
        async move {
            let viewer = viewer(app, &token).await;
            node.subscribe(viewer, STATUS_CHANGED, json!({})).await
        }
    };
    let mut doctor_1 = sub(app.applicant("doctor-1")).await;
    let mut medicine = sub(app.society(InternalMedicine)).await;
    let mut pediatrics = sub(app.society(Pediatrics)).await;
    let mut hospital_1 = sub(app.institution(s.hospital_1)).await;
    let mut board = sub(app.admin()).await;

    // Doctor 2 withdraws; the board (deciding, I.2(2)④) adopts doctor 3 in
    // pediatrics, turns down doctor 1 in medicine and doctor 4 in pediatrics.
    let withdrawn = node
        .data(
            Some(&app.applicant("doctor-2")),
            WITHDRAW,
            json!({ "id": two }),
        )
        .await;
    assert_eq!(withdrawn["withdrawApplication"]["status"], "WITHDRAWN");
    node.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": three, "d": "ADOPT" }),
    )
    .await;
    node.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": one, "d": "NOT_ADOPT" }),
    )
    .await;
    node.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": four, "d": "NOT_ADOPT" }),
    )
    .await;

    let (w2, a3, n1, n4) = (
        expect(&two, "WITHDRAWN"),
        expect(&three, "ADOPTED"),
        expect(&one, "NOT_ADOPTED"),
        expect(&four, "NOT_ADOPTED"),
    );
    assert_eq!(changes(&mut doctor_1, 1).await, vec![n1.clone()]);
    assert_eq!(
        changes(&mut medicine, 2).await,
        vec![w2.clone(), n1.clone()]
    );
    assert_eq!(
        changes(&mut pediatrics, 2).await,
        vec![a3.clone(), n4.clone()]
    );
    assert_eq!(
        changes(&mut hospital_1, 2).await,
        vec![w2.clone(), n1.clone()]
    );
    assert_eq!(changes(&mut board, 4).await, vec![w2, a3, n1, n4]);
    for events in [
        &mut doctor_1,
        &mut medicine,
        &mut pediatrics,
        &mut hospital_1,
        &mut board,
    ] {
        events.assert_quiet().await;
    }
}

#[tokio::test]
async fn an_event_shows_the_application_as_its_viewer_may_see_it() {
    let app = TestApp::spawn().await;
    let s = selection(&app, 2).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let node = Instance::on(app.db.clone(), &app).await;
    let mut doctor = node
        .subscribe(
            viewer(&app, &app.applicant("doctor-1")).await,
            "subscription { applicationStatusChanged { id status decidedAt applicant { fullName } course { title } cycle { phase } } }",
            json!({}),
        )
        .await;
    node.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": one, "d": "ADOPT" }),
    )
    .await;
    let data = doctor.next_data("applicationStatusChanged").await;
    assert_eq!(data["id"], one.as_str());
    assert_eq!(data["status"], "ADOPTED");
    assert!(data["decidedAt"].is_string(), "{data}");
    assert_eq!(data["applicant"]["fullName"], "医師 doctor-1");
    assert_eq!(data["course"]["title"], "内科 臨床研究医コース");
    assert_eq!(data["cycle"]["phase"], "QUOTAS_ALLOCATED");
}

#[tokio::test]
async fn anonymous_callers_cannot_hear_application_changes() {
    let app = TestApp::spawn().await;
    let node = Instance::on(app.db.clone(), &app).await;
    let mut stream = node
        .state
        .ws_schema
        .execute_stream(GqlRequest::new(STATUS_CHANGED).data(Viewer::anonymous()));
    let first = tokio::time::timeout(WAIT, stream.next())
        .await
        .unwrap()
        .expect("one response");
    let json = serde_json::to_value(&first).unwrap();
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{json}"
    );
}

#[tokio::test]
async fn a_subscription_ends_when_its_token_expires() {
    let app = TestApp::spawn().await;
    let node = Instance::on(app.db.clone(), &app).await;
    let viewer = viewer(&app, &app.admin()).await;
    let expiry = tokio::time::Instant::now() + Duration::from_millis(200);
    let request = GqlRequest::new(STATUS_CHANGED)
        .data(Loaders::new(&app.db, &viewer))
        .data(viewer)
        .data(TokenExpiry(expiry));
    let mut stream = node.state.ws_schema.execute_stream(request);
    let first = tokio::time::timeout(WAIT, stream.next())
        .await
        .unwrap()
        .expect("one response");
    let json = serde_json::to_value(&first).unwrap();
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{json}"
    );
    let end = tokio::time::timeout(WAIT, stream.next()).await.unwrap();
    assert!(end.is_none(), "the stream ends");
}

#[tokio::test]
async fn a_refused_decision_announces_nothing() {
    let app = TestApp::spawn().await;
    // No seat in internal medicine: ADOPT fails with QUOTA_EXCEEDED inside
    // its transaction, which rolls back.
    let s = selection(&app, 0).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let node = Instance::on(app.db.clone(), &app).await;
    let mut board = node
        .subscribe(viewer(&app, &app.admin()).await, STATUS_CHANGED, json!({}))
        .await;
    let refused = node
        .gql(
            Some(&app.admin()),
            DECIDE,
            json!({ "id": one, "d": "ADOPT" }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "QUOTA_EXCEEDED",
        "{refused}"
    );
    let forbidden = node
        .gql(
            Some(&app.society(Pediatrics)),
            DECIDE,
            json!({ "id": one, "d": "NOT_ADOPT" }),
        )
        .await;
    assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // The first thing the board hears is the decision that went through.
    node.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": one, "d": "NOT_ADOPT" }),
    )
    .await;
    assert_eq!(
        changes(&mut board, 1).await,
        vec![expect(&one, "NOT_ADOPTED")]
    );
    board.assert_quiet().await;
}

// --- phases ----------------------------------------------------------------------

#[tokio::test]
async fn anyone_hears_the_phase_changes_of_the_year_asked_for() {
    let app = TestApp::spawn().await;
    cycle_in(&app, CyclePhase::Planning).await;
    let node = Instance::on(app.db.clone(), &app).await;
    let anonymous = Viewer::anonymous();
    let mut this_year = node
        .subscribe(anonymous.clone(), PHASE_CHANGED, json!({ "y": YEAR }))
        .await;
    let mut any_year = node
        .subscribe(anonymous.clone(), PHASE_CHANGED, json!({}))
        .await;
    let mut other_year = node
        .subscribe(anonymous, PHASE_CHANGED, json!({ "y": YEAR + 1 }))
        .await;
    let admin = app.admin();
    let year = json!({ "y": YEAR });
    node.data(
        Some(&admin),
        "mutation($y: Int!) { openEarlyCall(year: $y) { phase } }",
        year.clone(),
    )
    .await;
    node.data(
        Some(&admin),
        "mutation($y: Int!) { closeEarlyCall(year: $y) { phase } }",
        year.clone(),
    )
    .await;
    // A refused move (wrong phase) is not announced.
    let refused = node
        .gql(
            Some(&admin),
            "mutation($y: Int!) { openEarlyCall(year: $y) { phase } }",
            year,
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "WRONG_PHASE");
    for events in [&mut this_year, &mut any_year] {
        let opened = events.next_data("cyclePhaseChanged").await;
        assert_eq!(opened, json!({ "year": YEAR, "phase": "EARLY_CALL_OPEN" }));
        let closed = events.next_data("cyclePhaseChanged").await;
        assert_eq!(
            closed,
            json!({ "year": YEAR, "phase": "EARLY_CALL_CLOSED" })
        );
        events.assert_quiet().await;
    }
    other_year.assert_quiet().await;
}

#[tokio::test]
async fn finalizing_announces_the_phase_and_every_settled_application_once() {
    let app = TestApp::spawn().await;
    let s = selection(&app, 2).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let two = applied(&app, "doctor-2", s.pediatrics).await;
    let node = Instance::on(app.db.clone(), &app).await;
    node.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": two, "d": "ADOPT" }),
    )
    .await;
    let mut doctor_1 = node
        .subscribe(
            viewer(&app, &app.applicant("doctor-1")).await,
            STATUS_CHANGED,
            json!({}),
        )
        .await;
    let mut board = node
        .subscribe(viewer(&app, &app.admin()).await, STATUS_CHANGED, json!({}))
        .await;
    let mut phases = node
        .subscribe(Viewer::anonymous(), PHASE_CHANGED, json!({}))
        .await;
    let finalize = "mutation($y: Int!) { finalizeSelection(year: $y) { phase } }";
    node.data(Some(&app.admin()), finalize, json!({ "y": YEAR }))
        .await;
    assert_eq!(
        phases.next_data("cyclePhaseChanged").await,
        json!({ "year": YEAR, "phase": "SELECTION_FINALIZED" })
    );
    assert_eq!(
        changes(&mut doctor_1, 1).await,
        vec![expect(&one, "NOT_ADOPTED")]
    );
    let mut settled = changes(&mut board, 2).await;
    settled.sort();
    let mut wanted = vec![expect(&one, "NOT_ADOPTED"), expect(&two, "ADOPTED")];
    wanted.sort();
    assert_eq!(settled, wanted);
    // Run again, it changes nothing and announces nothing.
    node.data(Some(&app.admin()), finalize, json!({ "y": YEAR }))
        .await;
    for events in [&mut phases, &mut doctor_1, &mut board] {
        events.assert_quiet().await;
    }
}

// --- two instances on one database ------------------------------------------------

/// `TEST_DATABASE_URL`, or `None` after saying why the test is skipped:
/// only PostgreSQL carries events between instances.
fn postgres_url(why: &str) -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        println!("skipped: {why} (set TEST_DATABASE_URL)");
    }
    url
}

#[tokio::test]
async fn an_event_reaches_the_subscribers_of_another_instance() {
    let Some(url) = postgres_url("instances share events through PostgreSQL only") else {
        return;
    };
    let app = TestApp::spawn().await;
    let s = selection(&app, 2).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let two = applied(&app, "doctor-2", s.medicine).await;
    let a = Instance::on(app.db.clone(), &app).await;
    let b = Instance::on(same_schema(&app, &url).await, &app).await;
    assert_eq!(a.state.events.channel(), b.state.events.channel());
    assert_ne!(a.state.events.channel(), Some("csc_events"));
    // A deployment in another schema of the same database hears nothing.
    let elsewhere = TestApp::spawn().await;
    let c = Instance::on(elsewhere.db.clone(), &elsewhere).await;
    assert_ne!(a.state.events.channel(), c.state.events.channel());

    let mut doctor_1_on_b = b
        .subscribe(
            viewer(&app, &app.applicant("doctor-1")).await,
            STATUS_CHANGED,
            json!({}),
        )
        .await;
    let mut board_on_b = b
        .subscribe(viewer(&app, &app.admin()).await, STATUS_CHANGED, json!({}))
        .await;
    let mut board_on_a = a
        .subscribe(viewer(&app, &app.admin()).await, STATUS_CHANGED, json!({}))
        .await;
    let mut phases_on_b = b
        .subscribe(Viewer::anonymous(), PHASE_CHANGED, json!({}))
        .await;
    let mut board_on_c = c
        .subscribe(
            viewer(&elsewhere, &elsewhere.admin()).await,
            STATUS_CHANGED,
            json!({}),
        )
        .await;

    // Through A: doctor 2 withdraws, then the society turns down doctor 1.
    a.data(
        Some(&app.applicant("doctor-2")),
        WITHDRAW,
        json!({ "id": two }),
    )
    .await;
    a.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": one, "d": "NOT_ADOPT" }),
    )
    .await;
    let both = vec![expect(&two, "WITHDRAWN"), expect(&one, "NOT_ADOPTED")];
    assert_eq!(
        changes(&mut doctor_1_on_b, 1).await,
        vec![expect(&one, "NOT_ADOPTED")]
    );
    assert_eq!(changes(&mut board_on_b, 2).await, both);
    // A's own subscribers hear each event once, not again through NOTIFY.
    assert_eq!(changes(&mut board_on_a, 2).await, both);

    // And the other way: a phase change through B... is heard on B too.
    let mut phases_on_a = a
        .subscribe(Viewer::anonymous(), PHASE_CHANGED, json!({}))
        .await;
    b.data(
        Some(&app.admin()),
        "mutation($y: Int!) { finalizeSelection(year: $y) { phase } }",
        json!({ "y": YEAR }),
    )
    .await;
    let finalized = json!({ "year": YEAR, "phase": "SELECTION_FINALIZED" });
    assert_eq!(phases_on_a.next_data("cyclePhaseChanged").await, finalized);
    assert_eq!(phases_on_b.next_data("cyclePhaseChanged").await, finalized);
    // Finalizing settles both applications; doctor 1 hears its own again.
    assert_eq!(
        changes(&mut doctor_1_on_b, 1).await,
        vec![expect(&one, "NOT_ADOPTED")]
    );
    let mut settled = vec![expect(&one, "NOT_ADOPTED"), expect(&two, "WITHDRAWN")];
    settled.sort();
    for board in [&mut board_on_a, &mut board_on_b] {
        let mut heard = changes(board, 2).await;
        heard.sort();
        assert_eq!(heard, settled);
        board.assert_quiet().await;
    }
    for events in [
        &mut doctor_1_on_b,
        &mut phases_on_a,
        &mut phases_on_b,
        &mut board_on_c,
    ] {
        events.assert_quiet().await;
    }
}

#[tokio::test]
async fn a_listener_that_lost_its_connection_listens_again() {
    let Some(url) = postgres_url("listeners exist on PostgreSQL only") else {
        return;
    };
    let app = TestApp::spawn().await;
    let s = selection(&app, 2).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let a = Instance::on(app.db.clone(), &app).await;
    let b = Instance::on(same_schema(&app, &url).await, &app).await;
    let mut board_on_b = b
        .subscribe(viewer(&app, &app.admin()).await, STATUS_CHANGED, json!({}))
        .await;
    let channel = b.state.events.channel().unwrap().to_owned();
    let listeners = || async {
        let rows = app
            .db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pid FROM pg_stat_activity WHERE query LIKE $1",
                [format!("LISTEN \"{channel}\"%").into()],
            ))
            .await
            .unwrap();
        let mut pids: Vec<i32> = rows.iter().map(|r| r.try_get("", "pid").unwrap()).collect();
        pids.sort();
        pids
    };
    // The test's own instance, A and B.
    let before = listeners().await;
    assert_eq!(before.len(), 3, "{before:?}");
    for pid in &before {
        app.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_terminate_backend($1)",
                [(*pid).into()],
            ))
            .await
            .unwrap();
    }
    tokio::time::timeout(WAIT, async {
        loop {
            let now = listeners().await;
            if now.len() == 3 && now.iter().all(|pid| !before.contains(pid)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("every listener connects and listens again");
    a.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": one, "d": "NOT_ADOPT" }),
    )
    .await;
    assert_eq!(
        changes(&mut board_on_b, 1).await,
        vec![expect(&one, "NOT_ADOPTED")]
    );
}

#[tokio::test]
async fn a_listener_that_was_cut_off_catches_up_on_every_event_it_missed() {
    let Some(url) = postgres_url("listeners exist on PostgreSQL only") else {
        return;
    };
    let app = TestApp::spawn().await;
    let s = selection(&app, 2).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let two = applied(&app, "doctor-2", s.medicine).await;
    let three = applied(&app, "doctor-3", s.medicine).await;
    let four = applied(&app, "doctor-4", s.pediatrics).await;
    let a = Instance::on(app.db.clone(), &app).await;
    // B reaches the database through a link the test can cut.
    let link = Link::to(&url).await;
    let b = Instance::on(same_schema_via(&app, &url, Some(&link)).await, &app).await;
    let channel = b.state.events.channel().unwrap().to_owned();
    let mut board_on_b = b
        .subscribe(viewer(&app, &app.admin()).await, STATUS_CHANGED, json!({}))
        .await;

    // Before the cut an event reaches B live. It is in the log B reads
    // when it catches up, and must not be delivered again.
    a.data(
        Some(&app.applicant("doctor-3")),
        WITHDRAW,
        json!({ "id": three }),
    )
    .await;
    assert_eq!(
        changes(&mut board_on_b, 1).await,
        vec![expect(&three, "WITHDRAWN")]
    );

    // Cut B off; wait until the server has let go of B's listener (the
    // test's own instance and A still listen).
    let before = listeners(&app.db, &channel).await;
    assert_eq!(before.len(), 3, "{before:?}");
    link.cut();
    tokio::time::timeout(WAIT, async {
        while listeners(&app.db, &channel).await.len() != 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("B's listener is gone");

    // Three decisions through A while B cannot hear them.
    a.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": one, "d": "NOT_ADOPT" }),
    )
    .await;
    a.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": two, "d": "ADOPT" }),
    )
    .await;
    a.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": four, "d": "ADOPT" }),
    )
    .await;
    board_on_b.assert_quiet().await;

    // B reconnects and catches up: each missed event once, in order, and
    // the event it heard before the cut not again.
    link.restore();
    assert_eq!(
        changes(&mut board_on_b, 3).await,
        vec![
            expect(&one, "NOT_ADOPTED"),
            expect(&two, "ADOPTED"),
            expect(&four, "ADOPTED"),
        ]
    );
    board_on_b.assert_quiet().await;
    tokio::time::timeout(WAIT, async {
        while listeners(&app.db, &channel).await.len() != 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("B listens again");

    // And B hears live again, once.
    let mut phases_on_b = b
        .subscribe(Viewer::anonymous(), PHASE_CHANGED, json!({}))
        .await;
    a.data(
        Some(&app.admin()),
        "mutation($y: Int!) { finalizeSelection(year: $y) { phase } }",
        json!({ "y": YEAR }),
    )
    .await;
    assert_eq!(
        phases_on_b.next_data("cyclePhaseChanged").await,
        json!({ "year": YEAR, "phase": "SELECTION_FINALIZED" })
    );
    phases_on_b.assert_quiet().await;
}

// --- the WebSocket endpoint ----------------------------------------------------------

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Serves `router` on a free local port; its address.
async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// Opens `/graphql/ws` (graphql-transport-ws) and sends `connection_init`.
async fn connect(addr: std::net::SocketAddr, payload: Value) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    use tokio_tungstenite::tungstenite::Message;
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next text message as JSON, or `{"close": code}` when the server closes.
async fn receive(socket: &mut Socket) -> Value {
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a message within the wait");
        match message {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = frame.map_or((0, String::new()), |f| {
                    (u16::from(f.code), f.reason.to_string())
                });
                return json!({ "close": code, "reason": reason });
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return json!({ "close": 0 }),
        }
    }
}

#[tokio::test]
async fn a_society_subscribes_over_websocket_with_its_token() {
    let app = TestApp::spawn().await;
    let s = selection(&app, 2).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let node = Instance::on(app.db.clone(), &app).await;
    let addr = serve(node.router.clone()).await;

    // A bad token closes the connection.
    let mut refused = connect(addr, json!({ "Authorization": "Bearer not-a-token" })).await;
    let closed = receive(&mut refused).await;
    assert!(closed["close"].is_number(), "{closed}");
    assert!(
        closed["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("UNAUTHENTICATED"),
        "{closed}"
    );

    let society = app.society(InternalMedicine);
    let mut socket = connect(
        addr,
        json!({ "Authorization": format!("Bearer {society}") }),
    )
    .await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    // Queries and mutations belong to POST /graphql.
    send(
        &mut socket,
        json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ viewer { role } }" } }),
    )
    .await;
    let refusal = receive(&mut socket).await;
    assert_eq!(refusal["id"], "q", "{refusal}");
    assert_eq!(
        refusal["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refusal}"
    );
    assert!(refusal["payload"]["data"].is_null(), "{refusal}");
    assert_eq!(receive(&mut socket).await["type"], "complete");

    let before = node.state.events.subscriber_count();
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": STATUS_CHANGED } }),
    )
    .await;
    tokio::time::timeout(WAIT, async {
        while node.state.events.subscriber_count() == before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the subscription starts listening");
    node.data(
        Some(&app.admin()),
        DECIDE,
        json!({ "id": one, "d": "ADOPT" }),
    )
    .await;
    let next = receive(&mut socket).await;
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(next["id"], "1");
    let data = &next["payload"]["data"]["applicationStatusChanged"];
    assert_eq!(data["id"], one.as_str());
    assert_eq!(data["status"], "ADOPTED");
    assert_eq!(data["applicant"]["fullName"], "医師 doctor-1");

    // The applicant's name reached the society: the read is audited.
    let (_, applicant_row) = ids::decode(&one).unwrap();
    let applicant_id = csc::entity::application::Entity::find_by_id(applicant_row)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .applicant_id;
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("readPersonalData"))
        .filter(audit_event::Column::TargetId.eq(gid(ids::APPLICANT, applicant_id)))
        .filter(audit_event::Column::Outcome.eq(AuditOutcome::Ok))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

/// II.3(1): the applicants of a course that is withdrawn, or handed to
/// another institution, are told (their application shows the course as it
/// now stands); a society's proposal is no decision and is not announced.
#[tokio::test]
async fn the_applicants_of_a_withdrawn_course_are_told_ii_3_1() {
    let app = TestApp::spawn().await;
    let s = selection(&app, 2).await;
    let one = applied(&app, "doctor-1", s.medicine).await;
    let node = Instance::on(app.db.clone(), &app).await;
    let mut doctor = node
        .subscribe(
            viewer(&app, &app.applicant("doctor-1")).await,
            "subscription { applicationStatusChanged { id status course { status } } }",
            json!({}),
        )
        .await;
    node.data(
        Some(&app.society(InternalMedicine)),
        DECIDE,
        json!({ "id": one, "d": "ADOPT" }),
    )
    .await;
    doctor.assert_quiet().await;

    node.data(
        Some(&app.admin()),
        "mutation($id: ID!) { withdrawCourse(id: $id, reason: \"責任医療機関の辞退\") { status } }",
        json!({ "id": gid(ids::COURSE, s.medicine) }),
    )
    .await;
    let told = doctor.next_data("applicationStatusChanged").await;
    assert_eq!(
        told,
        json!({ "id": one, "status": "SUBMITTED", "course": { "status": "WITHDRAWN" } })
    );
    doctor.assert_quiet().await;
}
