//! `csc`: serve the API, run migrations, print the schema, issue tokens.

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use csc::allowlist::Allowlist;
use csc::auth::{Grant, TokenKeys};
use csc::config::{AuthConfig, DatabaseConfig, HttpConfig, LogConfig};
use csc::demo::Today;
use csc::entity::enums::{FieldCode, Role};
use csc::ids;
use csc::startup::{build_router, serve};
use csc::state::{AppState, HttpPolicy};
use csc::{db, telemetry};
use migration::{Migrator, MigratorTrait};
use std::process::ExitCode;

/// mimalloc instead of the system allocator (cargo feature `mimalloc`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// On Linux mimalloc commits each arena it reserves up front
/// (`arena_eager_commit` = 2) and then keeps the pages it frees resident:
/// under load the service peaked 30 MB higher for no speed (bench/README.md).
/// Committed on demand, freed pages go back to the system. The option is
/// read when the first arena is reserved, at the first allocation, so it is
/// set from `.init_array`, before Rust's runtime allocates anything.
/// `MIMALLOC_ARENA_EAGER_COMMIT` no longer changes it.
#[cfg(all(feature = "mimalloc", target_os = "linux"))]
#[used]
#[unsafe(link_section = ".init_array")]
static COMMIT_ARENAS_ON_DEMAND: extern "C" fn() = {
    extern "C" fn commit_arenas_on_demand() {
        /// `mi_option_arena_eager_commit` in mimalloc v3's `mimalloc.h`.
        const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
        // SAFETY: sets one option value; needs no initialised state.
        unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) };
    }
    commit_arenas_on_demand
};

#[derive(Parser)]
#[command(
    name = "csc",
    version,
    about = "GraphQL API for Japan's clinician scientist course (臨床研究医コース)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    log: LogConfig,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations, then serve GraphQL (GraphiQL at GET /graphql).
    Serve {
        /// Generate and print a throwaway signing secret when none is configured,
        /// and offer "Sign in as" (tokens the server mints) in GraphiQL.
        #[arg(long, conflicts_with = "production")]
        dev: bool,
        /// Refuse unsafe settings and hide the schema from anonymous callers.
        #[arg(long)]
        production: bool,
        /// The integration allow-list (see `csc operations add`). Env: `OPERATIONS_ALLOWLIST`.
        #[arg(long, env = "OPERATIONS_ALLOWLIST", default_value = "operations.json")]
        allowlist: std::path::PathBuf,
        /// Fix today's date (tests and demos only). Without it, `--dev` on demo
        /// data takes the day the demo describes. Env: `CSC_TODAY`.
        #[arg(long, env = "CSC_TODAY")]
        today: Option<NaiveDate>,
        #[command(flatten)]
        database: DatabaseConfig,
        #[command(flatten)]
        http: HttpConfig,
        #[command(flatten)]
        auth: AuthConfig,
    },
    /// Maintain the integration allow-list of named operations.
    Operations {
        #[command(subcommand)]
        action: OperationsAction,
        /// The allow-list file. Env: `OPERATIONS_ALLOWLIST`.
        #[arg(long, env = "OPERATIONS_ALLOWLIST", default_value = "operations.json")]
        list: std::path::PathBuf,
    },
    /// Apply, roll back or list migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Apply pending migrations, then fill the database (which must hold no
    /// courses, cycles or applicants yet) with realistic, deterministic demo
    /// data: national scale at --scale 1, a small demo at the default 0.01.
    /// The data describes 2026-10-22 (the 2027 selection under way, the 2028
    /// courses being set); `serve --dev` takes that day as today.
    SeedDemo {
        /// Fraction of the national scale (1: about 1,500 institutions and
        /// 10,000 doctors); fractions such as 0.01 give a small demo.
        #[arg(long, default_value_t = csc::seed::DEFAULT_SCALE)]
        scale: f64,
        /// Seed of the random generator: the same seed gives the same data
        /// (the ids in docs/examples are those of the default seed and scale).
        #[arg(long, default_value_t = csc::seed::DEFAULT_SEED)]
        seed: u64,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Print the served GraphQL schema (SDL).
    Schema,
    /// Exit 0 when the service answers GET /readyz with 200 (for container health checks).
    Healthcheck {
        /// The service's address. Env: `BIND`.
        #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
    },
    /// Print one signed token, for GraphiQL, scripts and tests.
    Token {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The field of a SOCIETY token, e.g. INTERNAL_MEDICINE.
        #[arg(long, value_parser = parse_field_code)]
        society: Option<FieldCode>,
        /// The institution of an INSTITUTION token: its ID as GraphQL shows it, or its number.
        #[arg(long)]
        institution: Option<String>,
        /// The token's subject; an APPLICANT's record is the one registered under it.
        #[arg(long)]
        sub: Option<String>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 8 * 3600)]
        ttl: i64,
        /// Name of an integrating system: the token may run allow-listed operations only.
        #[arg(long)]
        client: Option<String>,
        /// With JWT_JWKS_FILE: the `kid` of the oct (HS256) key to sign with.
        #[arg(long)]
        kid: Option<String>,
        #[command(flatten)]
        auth: AuthConfig,
    },
}

#[derive(Subcommand)]
enum OperationsAction {
    /// Add the named operations of a .graphql file (keyed by its SHA-256).
    Add { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

#[derive(clap::ValueEnum, Clone, Copy)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
enum RoleArg {
    Admin,
    Society,
    Institution,
    Applicant,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Society => Role::Society,
            RoleArg::Institution => Role::Institution,
            RoleArg::Applicant => Role::Applicant,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let _telemetry = telemetry::init(&cli.log);
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("csc: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve {
            dev,
            production,
            allowlist,
            today,
            database,
            http,
            auth,
        } => {
            if production {
                check_production(&database, today)?;
            }
            let policy = http_policy(&http, production, dev)?;
            let (keys, generated) =
                TokenKeys::from_config(&auth, dev).map_err(|e| e.to_string())?;
            let conn = db::connect(&database)
                .await
                .map_err(|e| format!("database: {e}"))?;
            db::migrate(&conn)
                .await
                .map_err(|e| format!("migrations: {e}"))?;
            if let Some(secret) = generated {
                print_dev_hint(&keys, &secret, &auth, http.bind);
            }
            if let Some(path) = &auth.jwt_jwks_file {
                csc::jwks::watch(keys.clone(), path.clone(), csc::jwks::POLL_EVERY);
            }
            let demo_day = if dev {
                csc::demo::recorded_day(&conn)
                    .await
                    .map_err(|e| format!("database: {e}"))?
            } else {
                None
            };
            let today = Today::choose(today, dev, demo_day);
            if let Some(day) = today.demo_day() {
                eprintln!(
                    "--dev: the demo data describes {day}; this server takes it as today \
                     (CSC_TODAY overrides; without --dev the real date is used)\n"
                );
            }
            let state = AppState::new(conn, keys, today.clock())
                .await
                .map_err(|e| format!("database: {e}"))?
                .with_demo_day(today.demo_day())
                .with_policy(policy)
                .with_allowlist(Allowlist::load(&allowlist)?);
            let listener = tokio::net::TcpListener::bind(http.bind)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", http.bind))?;
            tracing::info!(address = %http.bind, "serving GraphQL at /graphql");
            serve(listener, build_router(state))
                .await
                .map_err(|e| e.to_string())
        }
        Command::Migrate { action, database } => {
            let conn = db::connect(&database)
                .await
                .map_err(|e| format!("database: {e}"))?;
            match action {
                MigrateAction::Up => Migrator::up(&conn, None).await,
                MigrateAction::Down => Migrator::down(&conn, Some(1)).await,
                MigrateAction::Status => {
                    for m in Migrator::get_migration_with_status(&conn)
                        .await
                        .map_err(|e| e.to_string())?
                    {
                        println!("{}\t{:?}", m.name(), m.status());
                    }
                    Ok(())
                }
            }
            .map_err(|e| format!("migrations: {e}"))
        }
        Command::Healthcheck { bind } => healthcheck(bind),
        Command::Operations {
            action: OperationsAction::Add { file },
            list,
        } => {
            let document =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let added = csc::allowlist::add(&list, &document)?;
            println!("{}\t{}", added.sha256, added.name);
            Ok(())
        }
        Command::SeedDemo {
            scale,
            seed,
            database,
        } => {
            let started = std::time::Instant::now();
            let conn = db::connect(&database)
                .await
                .map_err(|e| format!("database: {e}"))?;
            db::migrate(&conn)
                .await
                .map_err(|e| format!("migrations: {e}"))?;
            let summary = csc::seed::seed_demo(&conn, scale, seed)
                .await
                .map_err(|e| format!("seed-demo: {e}"))?;
            println!("{summary}");
            println!(
                "seeded scale {scale} (seed {seed}) in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            println!("\n{}", summary.start_here(&csc::invocation::csc_command()));
            Ok(())
        }
        Command::Schema => {
            print!("{}", csc::graphql::sdl());
            Ok(())
        }
        Command::Token {
            role,
            society,
            institution,
            sub,
            ttl,
            client,
            kid,
            auth,
        } => {
            let (mut keys, _) = TokenKeys::from_config(&auth, false).map_err(|e| e.to_string())?;
            if let Some(kid) = &kid {
                keys = keys.signing_with(kid).map_err(|e| e.to_string())?;
            }
            if !keys.can_issue() {
                return Err(if auth.jwt_jwks_file.is_some() {
                    "JWT_JWKS_FILE is set: choose its oct key with --kid".into()
                } else {
                    "JWT_PUBLIC_KEY_FILE is set: tokens come from your identity provider".into()
                });
            }
            let grant = grant(role.into(), society, institution, sub)?;
            println!("{}", keys.issue_for_client(&grant, client.as_deref(), ttl));
            Ok(())
        }
    }
}

/// Checks that each role carries exactly the scope it needs.
fn grant(
    role: Role,
    society: Option<FieldCode>,
    institution: Option<String>,
    sub: Option<String>,
) -> Result<Grant, String> {
    use sea_orm::ActiveEnum;
    let society = match (role, society) {
        (Role::Society, Some(code)) => Some(code),
        (Role::Society, None) => return Err("a SOCIETY token needs --society FIELD_CODE".into()),
        (_, Some(_)) => return Err("--society goes with --role SOCIETY only".into()),
        (_, None) => None,
    };
    let institution_id = match (role, institution) {
        (Role::Institution, Some(raw)) => Some(
            raw.parse::<i64>()
                .ok()
                .or_else(|| ids::decode_kind(&raw, ids::INSTITUTION))
                .ok_or_else(|| format!("{raw} is not an institution ID"))?,
        ),
        (Role::Institution, None) => {
            return Err("an INSTITUTION token needs --institution ID".into());
        }
        (_, Some(_)) => return Err("--institution goes with --role INSTITUTION only".into()),
        (_, None) => None,
    };
    Ok(Grant {
        subject: sub.unwrap_or_else(|| format!("cli-{}", role.to_value().to_lowercase())),
        role,
        society,
        institution_id,
    })
}

/// `--society`: one of the 19 field codes; an unknown one is answered with the list.
fn parse_field_code(code: &str) -> Result<FieldCode, String> {
    use sea_orm::{ActiveEnum, Iterable};
    FieldCode::try_from_value(&code.to_owned()).map_err(|_| {
        let codes: Vec<String> = FieldCode::iter().map(|c| c.to_value()).collect();
        format!("unknown field code; the codes are {}", codes.join(", "))
    })
}

/// What `serve --dev` prints on standard error: the throwaway secret, how to
/// issue more tokens with the command that works here (`cargo run -- token`
/// under cargo), and an ADMIN token as GraphiQL's Headers pane takes it.
fn print_dev_hint(keys: &TokenKeys, secret: &str, auth: &AuthConfig, bind: std::net::SocketAddr) {
    let admin = keys.issue(
        &Grant {
            subject: "dev-admin".into(),
            role: Role::Admin,
            society: None,
            institution_id: None,
        },
        8 * 3600,
    );
    let mut env = format!("JWT_SECRET={secret}");
    if auth.jwt_issuer != "csc" {
        env.push_str(&format!(" JWT_ISSUER={}", auth.jwt_issuer));
    }
    if auth.jwt_audience != "csc-api" {
        env.push_str(&format!(" JWT_AUDIENCE={}", auth.jwt_audience));
    }
    let csc = csc::invocation::csc_command();
    let mut page = bind;
    if page.ip().is_unspecified() {
        page.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    eprintln!(
        "\n--dev: a throwaway signing secret (tokens die with this process):\n  JWT_SECRET={secret}\n\
         GraphiQL: http://{page}/graphql (\"Sign in as\", top right, fills the Authorization header)\n\
         More tokens, from another terminal in this folder:\n  {env} {csc} token --role SOCIETY --society INTERNAL_MEDICINE\n\
         An ADMIN token, ready to paste into GraphiQL's Headers pane:\n  {{\"Authorization\": \"Bearer {admin}\"}}\n"
    );
}

/// `--production` refuses what is only fit for a laptop.
fn check_production(database: &DatabaseConfig, today: Option<NaiveDate>) -> Result<(), String> {
    let url = database.database_url.as_str();
    if url.starts_with("sqlite:") && (url.contains("/tmp/") || url.contains("mode=memory")) {
        return Err("--production refuses an SQLite database under /tmp or in memory".into());
    }
    if today.is_some() {
        return Err("--production refuses CSC_TODAY: the date must be the real one".into());
    }
    if let Some(refusal) = db::production_tls_refusal(url) {
        return Err(refusal);
    }
    Ok(())
}

fn http_policy(http: &HttpConfig, production: bool, dev: bool) -> Result<HttpPolicy, String> {
    let cors_origins = http
        .cors_allowed_origins
        .iter()
        .filter(|o| !o.trim().is_empty())
        .map(|o| {
            axum::http::HeaderValue::from_str(o.trim())
                .map_err(|_| format!("CORS origin {o:?} is not a header value"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpPolicy {
        cors_origins,
        request_timeout: std::time::Duration::from_secs(http.request_timeout_secs.max(1)),
        production,
        dev,
        max_concurrent_requests: http
            .graphql_concurrency
            .unwrap_or_else(HttpPolicy::default_concurrency)
            .max(1),
        ..HttpPolicy::default()
    })
}

/// A plain HTTP/1.1 GET of /readyz: the runtime image has no curl.
fn healthcheck(bind: std::net::SocketAddr) -> Result<(), String> {
    use std::io::{Read, Write};
    let mut address = bind;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let timeout = std::time::Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)
        .map_err(|e| format!("{address}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /readyz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    match response.lines().next() {
        Some(status) if status.split_whitespace().nth(1) == Some("200") => Ok(()),
        other => Err(format!("not ready: {}", other.unwrap_or("no answer"))),
    }
}
