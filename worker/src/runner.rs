//! Runs one job type on its queue: a supervised apalis worker with explicit
//! queue name, unique worker name, heartbeat and orphan settings, LISTEN
//! for new jobs, and retries with backoff recorded in the queue itself.

use std::future::Future;

use apalis::prelude::*;
use apalis_postgres::{Config, PostgresStorage, Pubsub};
use shared::{Error, jobs::Job};
use tracing::Instrument;

use crate::{
    Ctx, Options, backoff,
    metrics::{JOB_SECONDS, JOBS, JobLabels, QueueLabel},
};

pub trait Perform: Job + Clone + Unpin {
    /// Does the work. Must be idempotent: a job can be delivered twice.
    fn perform(&self, ctx: &Ctx) -> impl Future<Output = shared::Result<()>> + Send;

    /// Records the terminal failure where the client will see it.
    fn give_up(&self, ctx: &Ctx, error: &Error) -> impl Future<Output = shared::Result<()>> + Send;
}

/// queue@host-pid-boot-restarts. Unique per process, since two live workers
/// sharing a name hide each other's orphans; per boot, since pid 1 repeats in
/// containers; and per restart, so jobs a crashed incarnation held are seen
/// as orphans once its heartbeat stops.
fn worker_name(queue: &str, restarts: usize) -> String {
    static BOOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let boot = BOOT.get_or_init(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_string());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!("{queue}@{host}-{}-{boot}-{restarts}", std::process::id())
}

pub fn register<J: Perform>(monitor: Monitor, ctx: Ctx, options: &Options) -> Monitor {
    let options = options.clone();
    monitor.register(move |restarts| {
        let config = Config::default()
            .queue(J::QUEUE)
            .batch_size(options.batch_size)
            .heartbeat_interval(options.heartbeat)
            .missed_heartbeats(options.missed_heartbeats);
        // The monitor restarts a failed worker at once; wait a little more
        // each time so a database outage is not hammered.
        let delay = backoff(restarts).min(std::time::Duration::from_secs(10));
        let delay = if restarts == 0 {
            std::time::Duration::ZERO
        } else {
            delay
        };
        // Jobs through `pool`; the LISTEN for new ones (PostgresStorage's
        // with_pubsub, on its own pool) on a direct session: a transaction
        // pooler would hand it any server and nothing would be heard.
        let pubsub = Pubsub::new(ctx.direct.clone(), J::QUEUE.to_string());
        let storage = PostgresStorage::<J>::new(&ctx.pool).with_config(config);
        let backend = PollWith::new(storage, StreamStrategy::new(pubsub))
            .poll_with_interval(options.poll_interval)
            .before_start(move |_| async move {
                tokio::time::sleep(delay).await;
                Ok(())
            });
        WorkerBuilder::new(worker_name(J::QUEUE, restarts))
            .backend(backend)
            .data(ctx.clone())
            .concurrency(options.concurrency)
            .build(handle::<J>)
    })
}

async fn handle<J: Perform>(
    job: J,
    task_id: TaskId,
    attempt: Attempt,
    ctx: Data<Ctx>,
) -> Result<(), BoxDynError> {
    let attempt = attempt.current();
    let span = tracing::info_span!("job", queue = J::QUEUE, task_id = %task_id, attempt, school_id = %job.school_id());
    let started = std::time::Instant::now();
    let outcome = job.perform(&ctx).instrument(span.clone()).await;
    JOB_SECONDS
        .get_or_create(&QueueLabel { queue: J::QUEUE })
        .observe(started.elapsed().as_secs_f64());
    let count = |outcome| {
        JOBS.get_or_create(&JobLabels {
            queue: J::QUEUE,
            outcome,
        })
        .inc()
    };
    let Err(error) = outcome else {
        count("done");
        return Ok(());
    };
    // A client error (a rule the data breaks) will not heal by retrying.
    let permanent = matches!(error, Error::Client { .. });
    if permanent || attempt >= J::MAX_ATTEMPTS as usize {
        count("failed");
        tracing::error!(parent: &span, error = ?error, "job failed for good");
        if let Err(recording) = job.give_up(&ctx, &error).await {
            tracing::error!(parent: &span, error = %recording, "could not record the failure");
        }
        // Abort, not a plain error: apalis marks the job Killed. A plain
        // error leaves it Failed with attempts left, fetched again at once,
        // so a permanent failure ran (and gave up) up to MAX_ATTEMPTS times.
        return Err(AbortError::new(error).into());
    }
    count("retry");
    let wait = backoff(attempt);
    tracing::warn!(parent: &span, error = %error, retry_in_secs = wait.as_secs(), "job failed; will retry");
    // apalis refetches a failed job once its run_at has passed: moving
    // run_at is the backoff, kept in the database across restarts.
    if let Err(moving) = delay_retry(&ctx.pool, &task_id, wait).await {
        tracing::warn!(parent: &span, error = %moving, "could not move the retry's run_at");
    }
    Err(error.into())
}

/// Moves the job's run_at `wait` on, in a transaction (as every statement:
/// shared/src/db/pool.rs).
async fn delay_retry(
    pool: &sqlx::PgPool,
    task_id: &TaskId,
    wait: std::time::Duration,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE apalis.jobs SET run_at = now() + make_interval(secs => $2) WHERE id = $1")
        .bind(task_id.to_string())
        .bind(wait.as_secs_f64())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
