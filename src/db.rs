//! Connecting, migrating, and starting write transactions.
//!
//! PostgreSQL over TLS (rustls) when `DATABASE_URL` asks for it:
//! `sslmode=require|verify-ca|verify-full` and `sslrootcert=PATH` (or the
//! `PGSSLMODE`/`PGSSLROOTCERT` variables), as libpq reads them.

use crate::config::DatabaseConfig;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Longest a single SQL statement may run on PostgreSQL.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the pool. For SQLite the file's folder is created when missing.
#[tracing::instrument(skip_all)]
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    if config.database_url.starts_with("sqlite:") {
        create_sqlite_folder(&config.database_url);
    }
    Database::connect(options(config)).await
}

/// Pool settings: bounded waits, no statement logging, and for SQLite a WAL
/// journal (readers do not block the writer) with foreign keys on.
pub fn options(config: &DatabaseConfig) -> ConnectOptions {
    let url = &config.database_url;
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(config.max_connections())
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        // A runaway statement is cut off on PostgreSQL (SQLite has no such setting).
        .statement_timeout(STATEMENT_TIMEOUT)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    options
}

/// Why `--production` refuses `url`: a PostgreSQL server on another host
/// reached without TLS (`sslmode` must be `require`, `verify-ca` or
/// `verify-full`; the default `prefer` falls back to plain text, and a
/// network attacker can force it to). A local server (loopback or a Unix
/// socket) needs none. `None` when the URL is fine (or not PostgreSQL).
pub fn production_tls_refusal(url: &str) -> Option<String> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
    use std::str::FromStr;
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return None;
    }
    let options = match PgConnectOptions::from_str(url) {
        Ok(options) => options,
        Err(err) => return Some(format!("DATABASE_URL does not parse: {err}")),
    };
    let host = options.get_host();
    let local = options.get_socket().is_some()
        || host.starts_with('/')
        || host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let tls = matches!(
        options.get_ssl_mode(),
        PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull
    );
    (!local && !tls).then(|| {
        format!(
            "--production refuses PostgreSQL on {host} without TLS: add sslmode=verify-full \
             (and sslrootcert=…) to DATABASE_URL"
        )
    })
}

/// `sqlite://data/csc.db?mode=rwc` → creates `data/`.
fn create_sqlite_folder(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.starts_with(':') || path.contains("mode=memory") {
        return;
    }
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        && let Err(err) = std::fs::create_dir_all(parent)
    {
        tracing::warn!(folder = %parent.display(), %err, "could not create the database folder");
    }
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// True when every migration has been applied.
pub async fn is_migrated(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}

/// Starts a transaction that will write. On SQLite it takes the write lock at
/// `BEGIN` (IMMEDIATE), so two writers queue on the busy timeout instead of
/// failing when a read lock would have to be upgraded; PostgreSQL ignores it.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::production_tls_refusal as refusal;

    #[test]
    fn production_wants_tls_to_a_remote_postgres() {
        assert!(refusal("postgres://csc@db.example.jp/csc").is_some());
        assert!(refusal("postgres://csc@db.example.jp/csc?sslmode=prefer").is_some());
        assert!(refusal("postgres://csc@10.0.0.5:5432/csc?sslmode=disable").is_some());
        assert!(refusal("postgres://csc@db.example.jp/csc?sslmode=require").is_none());
        assert!(
            refusal("postgres://csc@db.example.jp/csc?sslmode=verify-full&sslrootcert=/ca.pem")
                .is_none()
        );
        assert!(refusal("postgres://csc@127.0.0.1:5432/csc").is_none());
        assert!(refusal("postgres://csc@localhost/csc").is_none());
        assert!(refusal("postgres://csc@[::1]:5432/csc").is_none());
        assert!(refusal("postgres:///csc?host=/var/run/postgresql").is_none());
        assert!(refusal("sqlite://data/csc.db?mode=rwc").is_none());
    }
}
