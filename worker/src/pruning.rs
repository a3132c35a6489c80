//! Retention, run on a schedule in every worker process: deletes finished
//! jobs and old events through the two narrow functions of migration 0010,
//! in batches, so no transaction is long. A session advisory lock makes
//! concurrent passes cheap: whoever holds it prunes, the others skip.

use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use tokio::sync::watch;

use crate::{
    metrics::{PRUNED, TableLabel},
    options::Retention,
};

/// Distinct from the test template's lock (7261001).
pub const LOCK: i64 = 7_261_010;
/// Rows per statement: small enough for a short lock, big enough to be cheap.
const BATCH: i32 = 5_000;

/// What one pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub jobs: u64,
    pub events: u64,
}

/// Runs a pass now and then every `every` until `stop` changes (or its
/// sender is dropped). A pass is never cancelled halfway: it checks `stop`
/// between batches, so the lock is always released on its connection.
pub async fn run(
    pool: PgPool,
    retention: Retention,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    tracing::info!(every_secs = every.as_secs(), ?retention, "pruning started");
    loop {
        match prune(&pool, retention, &stop).await {
            Ok(Some(pruned)) if pruned != Pruned::default() => {
                tracing::info!(jobs = pruned.jobs, events = pruned.events, "pruned")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "pruning failed; will try again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => break,
        }
    }
}

/// One pass; None when another process holds the lock and is pruning.
pub async fn prune(
    pool: &PgPool,
    retention: Retention,
    stop: &watch::Receiver<bool>,
) -> shared::Result<Option<Pruned>> {
    let mut conn = pool.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LOCK)
        .fetch_one(&mut *conn)
        .await?;
    if !locked {
        return Ok(None);
    }
    let outcome = prune_locked(&mut conn, retention, stop).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK)
        .execute(&mut *conn)
        .await;
    if unlocked.is_err() {
        // Never hand a connection that may still hold the lock back to
        // the pool: closing the session releases it.
        let _ = conn.close().await;
    }
    Ok(Some(outcome?))
}

async fn prune_locked(
    conn: &mut PgConnection,
    retention: Retention,
    stop: &watch::Receiver<bool>,
) -> shared::Result<Pruned> {
    let mut pruned = Pruned::default();
    if let Some(days) = retention.jobs_days {
        pruned.jobs = drain(conn, "SELECT prune_finished_jobs($1, $2)", days, stop).await?;
        PRUNED
            .get_or_create(&TableLabel { table: "jobs" })
            .inc_by(pruned.jobs);
    }
    if let Some(days) = retention.events_days {
        pruned.events = drain(conn, "SELECT prune_events($1, $2)", days, stop).await?;
        PRUNED
            .get_or_create(&TableLabel { table: "events" })
            .inc_by(pruned.events);
    }
    Ok(pruned)
}

/// Calls `function` batch after batch until one comes back short.
async fn drain(
    conn: &mut PgConnection,
    function: &'static str,
    days: u32,
    stop: &watch::Receiver<bool>,
) -> shared::Result<u64> {
    let days = i32::try_from(days).unwrap_or(i32::MAX);
    let mut total = 0;
    loop {
        let deleted: i64 = sqlx::query_scalar(function)
            .bind(days)
            .bind(BATCH)
            .fetch_one(&mut *conn)
            .await?;
        total += deleted as u64;
        if deleted < i64::from(BATCH) || *stop.borrow() {
            return Ok(total);
        }
    }
}
