//! What the worker reports to Prometheus: jobs finished per queue and
//! outcome and how long they ran (counted by the runner, process-wide),
//! rows pruned, and each queue's depth and delay read from apalis.jobs
//! when scraped.

use shared::metrics::{self, Counter, Histogram, LATENCY_BUCKETS};
use sqlx::PgPool;

/// Outcome `done`, `retry` (failed, will run again after a backoff) or
/// `failed` (failed for good, recorded on the operation).
pub static JOBS: Counter = Counter::new(
    "schoolops_jobs_total",
    "Job attempts finished in this process, by queue and outcome (done, retry, failed).",
    &["queue", "outcome"],
);

pub static JOB_SECONDS: Histogram = Histogram::new(
    "schoolops_job_duration_seconds",
    "Time a job attempt ran, by queue.",
    &["queue"],
    LATENCY_BUCKETS,
);

pub static PRUNED: Counter = Counter::new(
    "schoolops_pruned_total",
    "Rows deleted by retention in this process: finished jobs and events.",
    &["table"],
);

/// Statuses as apalis-postgres 1.0 writes them: a job waits while Pending
/// or Failed with attempts left (the fetch query's own condition), and is
/// held by a worker while Queued or Running.
const QUEUE_STATE: &str = "
    WITH jobs AS (
        SELECT job_type, run_at,
               status = 'Pending' OR (status = 'Failed' AND attempts < max_attempts) AS waiting
          FROM apalis.jobs
         WHERE status IN ('Pending', 'Failed', 'Queued', 'Running')
    )
    SELECT q.queue,
           count(j.job_type) FILTER (WHERE j.waiting)::float8 AS waiting,
           count(j.job_type) FILTER (WHERE NOT j.waiting)::float8 AS held,
           coalesce(extract(epoch FROM now() - min(j.run_at) FILTER (WHERE j.waiting AND j.run_at <= now())), 0)::float8 AS oldest_due
      FROM unnest($1::text[]) AS q(queue)
      LEFT JOIN jobs j ON j.job_type = q.queue
     GROUP BY q.queue
     ORDER BY q.queue";

#[derive(sqlx::FromRow)]
struct QueueState {
    queue: String,
    waiting: f64,
    held: f64,
    oldest_due: f64,
}

/// The whole scrape. Counters are this process's; the queue gauges are
/// the database's, the same from every worker (aggregate them with max),
/// and left out, with `schoolops_queue_read` 0, when it does not answer.
pub async fn render(pool: &PgPool) -> String {
    let mut out = String::new();
    JOBS.render(&mut out);
    JOB_SECONDS.render(&mut out);
    PRUNED.render(&mut out);
    let read = sqlx::query_as::<_, QueueState>(QUEUE_STATE)
        .bind(crate::QUEUES)
        .fetch_all(pool)
        .await;
    metrics::gauge(
        &mut out,
        "schoolops_queue_read",
        "1 when the queue gauges below were read from the database, 0 when it did not answer.",
        &[],
        [(vec![], if read.is_ok() { 1.0 } else { 0.0 })],
    );
    let states = match read {
        Ok(states) => states,
        Err(error) => {
            tracing::warn!(error = %error, "could not read the queues for /metrics");
            return out;
        }
    };
    let by_queue = |value: fn(&QueueState) -> f64| {
        states
            .iter()
            .map(move |state| (vec![state.queue.clone()], value(state)))
            .collect::<Vec<_>>()
    };
    metrics::gauge(
        &mut out,
        "schoolops_queue_depth",
        "Jobs waiting to run, by queue (new, and failed with attempts left, including those backing off).",
        &["queue"],
        by_queue(|s| s.waiting),
    );
    metrics::gauge(
        &mut out,
        "schoolops_queue_running",
        "Jobs a worker has claimed and not yet finished, by queue.",
        &["queue"],
        by_queue(|s| s.held),
    );
    metrics::gauge(
        &mut out,
        "schoolops_queue_oldest_due_seconds",
        "How long the oldest waiting job has been due, by queue: the queue's delay.",
        &["queue"],
        by_queue(|s| s.oldest_due),
    );
    out
}
