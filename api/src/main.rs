//! The api binary: load config, check the database role, serve until SIGTERM.

use anyhow::Context;
use api::{AppState, jwt::Keys};
use clap::Parser;
use shared::{
    config::{self, ApiConfig, Config},
    db, shutdown, telemetry,
};

/// What `api --help` says after the usage: the api takes no flags, only
/// the environment (and a .env file in the working directory).
const ENVIRONMENT: &str =
    "Configured by the environment (a .env file in the working directory counts):
  DATABASE_URL               the runtime role schoolops_app (required)
  DATABASE_MAX_CONNECTIONS   pool size (default 10)
  DATABASE_POOL_MODE         session (default) or transaction: PgBouncer in transaction mode
                             fronts DATABASE_URL (README: Behind PgBouncer)
  DATABASE_DIRECT_URL        a direct PostgreSQL URL for LISTEN (default DATABASE_URL;
                             required with DATABASE_POOL_MODE=transaction)
  JWT_SECRET                 at least 32 bytes (required)
  JWT_EXPIRES_MINUTES        access token lifetime (default 60)
  REFRESH_EXPIRES_DAYS       refresh token lifetime (default 7)
  HOST, PORT                 where to listen (default 127.0.0.1:8000)
  API_BODY_TIMEOUT_SECS      a client's time to send its whole body (default 10)
  API_REQUEST_TIMEOUT_SECS   a handler's time to answer (default 75)
  API_SCHOOL_CONCURRENCY     one school's tenant requests at once (default 5)
  API_SCHOOL_WAIT_MS         how long a request waits for its school's place (default 5000)
  API_ADDRESS_CONCURRENCY    sign-ins from one address at once (default 4)
  API_TRUST_FORWARDED_FOR    read the client's address from X-Forwarded-For (default false)
  API_EVENTS_RECHECK_SECS    how often an event stream re-checks membership, 1 to 60 (default 30)
  CORS_ALLOWED_ORIGINS       browser origins allowed, comma separated (default none)
  ENV                        development or production (JSON logs)
  RUST_LOG                   log filter";

/// api: the SchoolOps HTTP api; serves until SIGTERM or Ctrl-C
#[derive(Parser)]
#[command(name = "api", after_help = ENVIRONMENT)]
struct Args {}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    Args::parse();
    config::load_dotenv();
    let config = Config::from_lookup(config::env_lookup)?;
    let api_config = ApiConfig::from_lookup(config::env_lookup)?;
    telemetry::init_tracing(config.environment);

    let pool = db::connect(&config)
        .await
        .context("connecting to DATABASE_URL")?;
    db::roles::ensure_runtime_role_is_bound_by_rls(&pool).await?;
    // The event hub's LISTEN needs a session of its own (DATABASE_DIRECT_URL).
    let direct = db::connect_direct(&config, &pool)
        .await
        .context("connecting to DATABASE_DIRECT_URL")?;
    db::roles::ensure_runtime_role_is_bound_by_rls(&direct).await?;

    let state = AppState {
        hub: api::hub::EventHub::start(direct),
        pool,
        keys: Keys::new(
            api_config.jwt_secret.expose().as_bytes(),
            api_config.jwt_expires_minutes,
        ),
        refresh_days: api_config.refresh_expires_days,
        guard: api::guard::Guard::new(api::guard::Limits::from_config(&api_config)),
        metrics_token: config.metrics_token.clone(),
    };
    let listener = tokio::net::TcpListener::bind(api_config.listen_addr)
        .await
        .with_context(|| format!("binding {}", api_config.listen_addr))?;
    tracing::info!(addr = %api_config.listen_addr, "api listening");
    api::serve(listener, state, shutdown::signal()).await?;
    tracing::info!("api stopped");
    Ok(())
}
