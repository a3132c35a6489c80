//! The SchoolOps worker: apalis workers on PostgreSQL. `jobs/` holds one
//! file per queue (the job's `perform` and `give_up`), `runner` runs a job
//! type on its queue, `chat` is the assistant behind chat.reply, `mail`
//! sends email, `scheduler` queues reminder runs and `pruning` keeps the
//! tables small. The list of jobs is in `monitor()`; adding one is a type
//! in `shared::jobs`, a command that pushes it, a file in `jobs/` and a
//! line there and in `QUEUES`.

pub mod chat;
pub mod http;
mod jobs;
pub mod mail;
pub mod metrics;
pub mod options;
pub mod pruning;
mod runner;
pub mod scheduler;

use std::time::Duration;

use apalis::prelude::Monitor;
use sqlx::PgPool;

pub use options::Options;
use shared::jobs::{
    ChatReplyJob, DeliverEmailJob, GenerateInvoicesJob, InvitationEmailJob, Job, PostPaymentJob,
    SendNotificationJob, SendReminderJob,
};

/// What every job can reach.
#[derive(Clone)]
pub struct Ctx {
    /// DATABASE_URL: the jobs' queries (a transaction pooler may front it).
    pub pool: PgPool,
    /// DATABASE_DIRECT_URL (or `pool`): real sessions, for the queues'
    /// LISTEN and pruning's advisory lock.
    pub direct: PgPool,
    pub mailer: mail::Mailer,
    pub assistant: chat::Assistant,
}

/// The monitor with a supervised worker per selected queue.
pub fn monitor(ctx: Ctx, options: &Options) -> Monitor {
    let mut monitor = Monitor::new();
    if options.runs(GenerateInvoicesJob::QUEUE) {
        monitor = runner::register::<GenerateInvoicesJob>(monitor, ctx.clone(), options);
    }
    if options.runs(PostPaymentJob::QUEUE) {
        monitor = runner::register::<PostPaymentJob>(monitor, ctx.clone(), options);
    }
    if options.runs(SendNotificationJob::QUEUE) {
        monitor = runner::register::<SendNotificationJob>(monitor, ctx.clone(), options);
    }
    if options.runs(DeliverEmailJob::QUEUE) {
        monitor = runner::register::<DeliverEmailJob>(monitor, ctx.clone(), options);
    }
    if options.runs(InvitationEmailJob::QUEUE) {
        monitor = runner::register::<InvitationEmailJob>(monitor, ctx.clone(), options);
    }
    if options.runs(ChatReplyJob::QUEUE) {
        monitor = runner::register::<ChatReplyJob>(monitor, ctx.clone(), options);
    }
    if options.runs(SendReminderJob::QUEUE) {
        monitor = runner::register::<SendReminderJob>(monitor, ctx.clone(), options);
    }
    monitor
        .should_restart(|worker, err| {
            tracing::warn!(worker = %worker.name(), error = %err, "worker stopped with an error; restarting");
            true
        })
        .shutdown_timeout(options.shutdown_timeout)
}

/// Every queue this binary knows.
pub const QUEUES: &[&str] = &[
    GenerateInvoicesJob::QUEUE,
    PostPaymentJob::QUEUE,
    SendNotificationJob::QUEUE,
    DeliverEmailJob::QUEUE,
    InvitationEmailJob::QUEUE,
    ChatReplyJob::QUEUE,
    SendReminderJob::QUEUE,
];

/// Runs the workers, the reminder scheduler and pruning until `shutdown`
/// resolves, then lets in-flight jobs finish (up to the shutdown timeout).
pub async fn run(
    ctx: Ctx,
    options: &Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = options
        .scheduler_every
        .map(|every| tokio::spawn(scheduler::run(ctx.pool.clone(), every, stopped.clone())));
    let pruning = options.prune_every.map(|every| {
        tokio::spawn(pruning::run(
            ctx.direct.clone(),
            options.retention,
            every,
            stopped,
        ))
    });
    let outcome = monitor(ctx, options)
        .run_with_signal(async move {
            shutdown.await;
            let _ = stop.send(true);
            Ok(())
        })
        .await
        .map_err(|err| anyhow::anyhow!("worker monitor: {err}"));
    // The sender is gone once the monitor stops, which stops these too.
    for task in [scheduler, pruning].into_iter().flatten() {
        let _ = task.await;
    }
    outcome
}

/// Backoff before the next attempt: 2 s, 4 s, 8 s ... at most 5 minutes.
pub fn backoff(attempt: usize) -> Duration {
    Duration::from_secs((2u64 << attempt.saturating_sub(1).min(8)).min(300))
}
