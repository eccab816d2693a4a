//! Connecting, migrating, and starting write transactions.

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
        .max_connections(config.database_max_connections)
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
