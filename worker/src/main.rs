//! The worker binary: connects as the runtime role and runs background jobs
//! until SIGTERM. (Job families arrive with the async pipeline.)

use anyhow::Context;
use shared::{
    config::{self, Config},
    db, shutdown, telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    config::load_dotenv();
    let config = Config::from_lookup(config::env_lookup)?;
    telemetry::init_tracing(config.environment);
    let pool = db::connect(&config)
        .await
        .context("connecting to DATABASE_URL")?;
    db::roles::ensure_runtime_role_is_bound_by_rls(&pool).await?;
    tracing::info!("worker started; waiting for jobs");
    shutdown::signal().await;
    pool.close().await;
    tracing::info!("worker stopped");
    Ok(())
}
