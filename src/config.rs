//! Typed configuration, one struct per concern, read from flags and the environment.

use std::net::SocketAddr;

/// Where the data lives.
#[derive(clap::Args, Clone, Debug)]
pub struct DatabaseConfig {
    /// Database URL, `sqlite://…` or `postgres://…`. Env: `DATABASE_URL`.
    /// The default is an SQLite file under `./data`, created when missing.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Largest number of pooled connections; by default 10 on PostgreSQL
    /// and two per core on SQLite. Env: `DATABASE_MAX_CONNECTIONS`.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS")]
    pub database_max_connections: Option<u32>,
}

impl DatabaseConfig {
    /// The pool's size. Each SQLite connection keeps a page cache of its
    /// own (2 MB) and SQLite runs on blocking threads, so readers beyond
    /// two per core add memory and no speed: on 2 cores, 4 connections
    /// instead of 10 served bench (a) 15% faster with 5 MB less peak RSS
    /// (bench/README.md).
    pub fn max_connections(&self) -> u32 {
        self.database_max_connections.unwrap_or_else(|| {
            if self.database_url.starts_with("sqlite:") {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                2 * cores.clamp(1, 8) as u32
            } else {
                10
            }
        })
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/csc.db?mode=rwc";

/// How tokens are verified and issued.
#[derive(clap::Args, Clone, Debug)]
pub struct AuthConfig {
    /// HS256 signing secret, at least 32 bytes. Env: `JWT_SECRET`.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM public key (RSA for RS256, Ed25519 for EdDSA) of an external
    /// identity provider; when set, tokens are verified with it instead of
    /// `JWT_SECRET` and `csc token` cannot issue any. Env: `JWT_PUBLIC_KEY_FILE`.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE", conflicts_with = "jwt_secret")]
    pub jwt_public_key_file: Option<std::path::PathBuf>,
    /// A JWKS file of keys chosen by each token's `kid` (HS256 `oct`
    /// secrets, RSA and Ed25519 public keys), reloaded on SIGHUP and when it
    /// changes, for key rotation without downtime. Instead of `JWT_SECRET`
    /// and `JWT_PUBLIC_KEY_FILE`. Env: `JWT_JWKS_FILE`.
    #[arg(
        long,
        env = "JWT_JWKS_FILE",
        conflicts_with_all = ["jwt_secret", "jwt_public_key_file"]
    )]
    pub jwt_jwks_file: Option<std::path::PathBuf>,
    /// The `iss` every token must carry. Env: `JWT_ISSUER`.
    #[arg(long, env = "JWT_ISSUER", default_value = "csc")]
    pub jwt_issuer: String,
    /// The `aud` every token must carry. Env: `JWT_AUDIENCE`.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "csc-api")]
    pub jwt_audience: String,
}

/// The HTTP listener.
#[derive(clap::Args, Clone, Debug)]
pub struct HttpConfig {
    /// Address to listen on. Env: `BIND`.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Browser origins allowed to call the API (CORS), comma-separated, e.g.
    /// `https://portal.example.jp`. Empty: same-origin only. Env: `CORS_ALLOWED_ORIGINS`.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,
    /// Seconds before a request is answered 408 instead of hanging. Env: `REQUEST_TIMEOUT_SECS`.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 10)]
    pub request_timeout_secs: u64,
    /// GraphQL requests executed at once; more wait their turn (default: four
    /// per core). Env: `GRAPHQL_CONCURRENCY`.
    #[arg(long, env = "GRAPHQL_CONCURRENCY")]
    pub graphql_concurrency: Option<usize>,
}

/// Log output and trace export; valid for every command, before or after
/// its name (`csc serve --log-format json`, `csc --log-format json serve`).
#[derive(clap::Args, Clone, Debug)]
pub struct LogConfig {
    /// `text` for people, `json` for log collectors. Env: `LOG_FORMAT`.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Which logs to write, as `tracing` filter directives (`debug`,
    /// `info,csc=debug`). Env: `RUST_LOG`.
    #[arg(
        long,
        env = "RUST_LOG",
        default_value = DEFAULT_LOG_FILTER,
        value_parser = crate::telemetry::parse_filter,
        global = true
    )]
    pub log_filter: String,
    /// Export the request spans over OTLP/HTTP to this collector, e.g.
    /// `http://127.0.0.1:4318`; the standard `OTEL_*` variables apply.
    /// Env: `OTEL_EXPORTER_OTLP_ENDPOINT`.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", global = true)]
    pub otlp_endpoint: Option<String>,
}

/// sqlx and SeaORM log every statement at INFO: WARN unless asked.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,sea_orm=warn";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Shortest HS256 secret accepted: RFC 7518 asks for a key as long as the hash.
pub const MIN_SECRET_BYTES: usize = 32;
