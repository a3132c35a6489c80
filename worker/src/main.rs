//! The worker binary: options and config from flags and environment, the
//! runtime role checked, jobs run until SIGTERM, in-flight jobs drained.

use anyhow::Context;
use clap::Parser;
use shared::{
    config::{self, Config, MailConfig},
    db,
    ollama::{OllamaClient, OllamaConfig},
    shutdown, telemetry,
};
use worker::{Ctx, Options, options::Args};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // .env first: its WORKER_* lines count as the environment.
    config::load_dotenv();
    let options = Options::from(Args::parse());
    let config = Config::from_lookup(config::env_lookup)?;
    let mailer = worker::mail::Mailer::new(&MailConfig::from_lookup(config::env_lookup)?)?;
    let ollama = OllamaConfig::from_lookup(config::env_lookup)?;
    telemetry::init_tracing(config.environment);
    let pool = db::connect(&config)
        .await
        .context("connecting to DATABASE_URL")?;
    db::roles::ensure_runtime_role_is_bound_by_rls(&pool).await?;
    let direct = db::connect_direct(&config, &pool)
        .await
        .context("connecting to DATABASE_DIRECT_URL")?;
    db::roles::ensure_runtime_role_is_bound_by_rls(&direct).await?;
    if let Some(port) = options.http_port {
        let addr = std::net::SocketAddr::from(([0, 0, 0, 0], port));
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("binding {addr} for /healthz and /metrics (--http-port; 0 turns it off)")
        })?;
        tracing::info!(%addr, "health and metrics listening");
        let pool = pool.clone();
        let metrics_token = config.metrics_token.clone();
        tokio::spawn(async move {
            if let Err(error) = worker::http::serve(listener, pool, metrics_token).await {
                tracing::error!(error = %error, "the health and metrics server stopped");
            }
        });
    }
    tracing::info!(?options, mail = mailer.describe(), ollama = %ollama.base_url, model = %ollama.model, "worker starting");
    worker::run(
        Ctx {
            pool: pool.clone(),
            direct: direct.clone(),
            mailer,
            assistant: worker::chat::Assistant::new(OllamaClient::new(ollama)),
        },
        &options,
        shutdown::signal(),
    )
    .await?;
    pool.close().await;
    direct.close().await;
    tracing::info!("worker stopped");
    Ok(())
}
