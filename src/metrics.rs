//! Prometheus metrics at `GET /metrics`: requests by operation and outcome,
//! a latency histogram, and the database pool.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sea_orm::DatabaseConnection;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// `query:courses`, `mutation:submitApplication`: the first root field,
    /// so the label set is bounded by the schema, not by what clients send.
    operation: String,
    /// `ok`, or the first error's code in lower case.
    outcome: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histogram,
    pool_connections: Gauge,
    pool_idle: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("csc");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "graphql_requests",
            "GraphQL requests by operation and outcome",
            requests.clone(),
        );
        // 1 ms to about 8 s.
        let latency = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        registry.register(
            "graphql_request_duration_seconds",
            "Time from authentication to the response being built",
            latency.clone(),
        );
        let pool_connections = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_connections.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
        }
    }
}

impl Metrics {
    pub fn observe(&self, operation: &str, outcome: &str, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                operation: operation.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.latency.observe(seconds);
    }

    /// The text exposition format, with the pool read at scrape time.
    pub fn render(&self, db: &DatabaseConnection) -> String {
        let (size, idle) = pool_use(db);
        self.pool_connections.set(size);
        self.pool_idle.set(idle);
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

fn pool_use(db: &DatabaseConnection) -> (i64, i64) {
    use sea_orm::DatabaseConnectionType as Kind;
    match &db.inner {
        Kind::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        Kind::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        _ => (0, 0),
    }
}
