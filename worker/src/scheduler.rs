//! The reminder scheduler: every few seconds, in every worker process,
//! finds schedules with a due tick and queues one run per (schedule, tick).
//! The run's unique key in the database decides which process queues it,
//! so any number of processes give exactly one run per tick (apalis-cron
//! would fire in each of them).

use std::time::Duration;

use chrono::{DateTime, Utc};
use shared::{
    commands, db,
    domain::reminder::{run, timing::Timing},
};
use sqlx::PgPool;
use tokio::sync::watch;

/// Runs until `stop` changes (or its sender is dropped).
pub async fn run(pool: PgPool, every: Duration, mut stop: watch::Receiver<bool>) {
    tracing::info!(
        every_secs = every.as_secs_f64(),
        "reminder scheduler started"
    );
    loop {
        if let Err(error) = enqueue_due(&pool, Utc::now()).await {
            tracing::warn!(error = %error, "reminder scheduler pass failed; will try again");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => break,
        }
    }
    tracing::info!("reminder scheduler stopped");
}

/// One pass at `now`: queues the due tick of each enabled schedule not
/// yet queued; returns how many runs this call queued.
pub async fn enqueue_due(pool: &PgPool, now: DateTime<Utc>) -> shared::Result<usize> {
    let mut queued = 0;
    for schedule in run::timings(pool).await? {
        let timing = match Timing::parse(&schedule.cron, &schedule.timezone) {
            Ok(timing) => timing,
            Err(error) => {
                // Validated when saved; what fails now is a schedule whose
                // last year has passed, which would repeat every pass.
                tracing::debug!(schedule_id = %schedule.schedule_id, error = %error, "skipping a schedule that no longer fires");
                continue;
            }
        };
        let grace = chrono::Duration::seconds(schedule.grace_seconds.into());
        let Some(tick) = timing.due(schedule.settled_until(), now, grace) else {
            continue;
        };
        let mut tx = db::begin_tenant(pool, schedule.school_id, None).await?;
        let mine = commands::reminders::enqueue_run(
            &mut tx,
            schedule.school_id,
            schedule.schedule_id,
            tick,
        )
        .await?;
        tx.commit().await?;
        if mine {
            tracing::info!(school_id = %schedule.school_id, schedule_id = %schedule.schedule_id, %tick, "reminder run queued");
            queued += 1;
        }
    }
    Ok(queued)
}
