//! Reminder runs: the run for a schedule's tick and its reminders.send job.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::queue;
use crate::{domain::reminder::run, error::Result, jobs::SendReminderJob};

/// Queues the run for (schedule, tick) in `school_id`, the school of
/// `conn`, unless one exists; true when this call queued it. The run's unique key decides
/// between workers racing for the same tick; the job's idempotency key
/// guards the queue as well.
pub async fn enqueue_run(
    conn: &mut PgConnection,
    school_id: Uuid,
    schedule_id: Uuid,
    tick: DateTime<Utc>,
) -> Result<bool> {
    let Some(run_id) = run::insert(conn, schedule_id, tick).await? else {
        return Ok(false);
    };
    let key = format!("reminders:{school_id}:{schedule_id}:{}", tick.timestamp());
    let job = SendReminderJob { school_id, run_id };
    queue::push_unique(conn, &job, &key).await
}
