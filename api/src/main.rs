//! The api binary: load config, check the database role, serve until SIGTERM.

use anyhow::Context;
use api::{AppState, jwt::Keys};
use shared::{
    config::{self, ApiConfig, Config},
    db, shutdown, telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    config::load_dotenv();
    let config = Config::from_lookup(config::env_lookup)?;
    let api_config = ApiConfig::from_lookup(config::env_lookup)?;
    telemetry::init_tracing(config.environment);

    let pool = db::connect(&config)
        .await
        .context("connecting to DATABASE_URL")?;
    db::roles::ensure_runtime_role_is_bound_by_rls(&pool).await?;

    let state = AppState {
        hub: api::hub::EventHub::start(pool.clone()),
        pool,
        keys: Keys::new(
            api_config.jwt_secret.expose().as_bytes(),
            api_config.jwt_expires_minutes,
        ),
        refresh_days: api_config.refresh_expires_days,
        guard: api::guard::Guard::new(api::guard::Limits::from_config(&api_config)),
    };
    let listener = tokio::net::TcpListener::bind(api_config.listen_addr)
        .await
        .with_context(|| format!("binding {}", api_config.listen_addr))?;
    tracing::info!(addr = %api_config.listen_addr, "api listening");
    api::serve(listener, state, shutdown::signal()).await?;
    tracing::info!("api stopped");
    Ok(())
}
