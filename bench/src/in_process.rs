//! The api router and a worker run inside the benchmark's own process
//! (pipeline-bench, chat-bench), each on its own pool as the two
//! production processes would be.

use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-01";

/// A language model address nothing listens on (the discard port).
pub const NO_MODEL: &str = "http://127.0.0.1:9";

/// Serves the api router on a free loopback port; returns its base URL.
pub async fn serve_api(pool: &PgPool) -> anyhow::Result<String> {
    // One school's traffic: its share is the whole pool (see procs.rs).
    let limits = api::guard::Limits {
        school_concurrency: pool.options().get_max_connections() as usize,
        ..Default::default()
    };
    let state = api::AppState {
        guard: api::guard::Guard::new(limits),
        pool: pool.clone(),
        keys: api::jwt::Keys::new(JWT_SECRET.as_bytes(), 60),
        refresh_days: 7,
        hub: api::hub::EventHub::start(pool.clone()),
        metrics_token: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(api::serve(listener, state, std::future::pending()));
    Ok(base)
}

/// Runs a worker on every queue (as TestApp::start_worker, the default
/// concurrency) with the language model `ollama`, until the returned
/// sender is used or dropped. It sends no email: the file transport wants
/// a directory at start, which is removed at once.
pub fn start_worker(
    pool: &PgPool,
    ollama: shared::ollama::OllamaConfig,
    name: &'static str,
) -> anyhow::Result<tokio::sync::oneshot::Sender<()>> {
    let mail_dir =
        std::env::temp_dir().join(format!("schoolops-bench-mail-{}", Uuid::new_v4().simple()));
    let mailer = worker::mail::Mailer::new(&shared::config::MailConfig {
        smtp_url: None,
        from: "SchoolOps <no-reply@schoolops.test>".into(),
        dir: mail_dir.clone(),
    })?;
    let _ = std::fs::remove_dir(&mail_dir);
    let ctx = worker::Ctx {
        pool: pool.clone(),
        // Benchmarks connect directly: one pool serves both.
        direct: pool.clone(),
        mailer,
        assistant: worker::chat::Assistant::new(shared::ollama::OllamaClient::new(ollama)),
    };
    let options = worker::Options {
        poll_interval: Duration::from_millis(200),
        heartbeat: Duration::from_secs(2),
        shutdown_timeout: Duration::from_secs(5),
        ..worker::Options::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let signal = async move {
            let _ = stopped.await;
        };
        if let Err(err) = worker::run(ctx, &options, signal).await {
            eprintln!("{name}: the worker stopped: {err:#}");
        }
    });
    Ok(stop)
}
