//! What the worker reports to Prometheus: jobs finished per queue and
//! outcome and how long they ran (counted by the runner, process-wide),
//! rows pruned, and each queue's depth and delay read from apalis.jobs
//! when scraped.

use std::sync::LazyLock;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};
use shared::metrics::{LatencyFamily, latency_family};
use sqlx::PgPool;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub queue: &'static str,
    /// `done`, `retry` (failed, will run again after a backoff) or `failed`
    /// (failed for good, recorded on the operation).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabel {
    pub queue: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TableLabel {
    pub table: &'static str,
}

/// Queue gauges read from the database; the name comes back as text.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueName {
    queue: String,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;

/// Exposed as `schoolops_jobs_total`.
pub static JOBS: LazyLock<Family<JobLabels, Counter>> = LazyLock::new(Family::default);

pub static JOB_SECONDS: LazyLock<LatencyFamily<QueueLabel>> = LazyLock::new(latency_family);

/// Exposed as `schoolops_pruned_total`.
pub static PRUNED: LazyLock<Family<TableLabel, Counter>> = LazyLock::new(Family::default);

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
/// Help texts go without their final period: the library adds it.
/// The queues' states, in a transaction (as every statement: shared/src/db/pool.rs).
async fn queue_states(pool: &PgPool) -> sqlx::Result<Vec<QueueState>> {
    let mut tx = pool.begin().await?;
    let states = sqlx::query_as::<_, QueueState>(QUEUE_STATE)
        .bind(crate::QUEUES)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(states)
}

pub async fn render(pool: &PgPool, content_type: &str) -> String {
    let mut registry = Registry::default();
    registry.register(
        "schoolops_jobs",
        "Job attempts finished in this process, by queue and outcome (done, retry, failed)",
        JOBS.clone(),
    );
    registry.register(
        "schoolops_job_duration_seconds",
        "Time a job attempt ran, by queue",
        JOB_SECONDS.clone(),
    );
    registry.register(
        "schoolops_pruned",
        "Rows deleted by retention in this process: finished jobs and events",
        PRUNED.clone(),
    );
    let read = queue_states(pool).await;
    let answered = FloatGauge::default();
    answered.set(if read.is_ok() { 1.0 } else { 0.0 });
    registry.register(
        "schoolops_queue_read",
        "1 when the queue gauges below were read from the database, 0 when it did not answer",
        answered,
    );
    match read {
        Ok(states) => {
            let by_queue = |value: fn(&QueueState) -> f64| {
                let family = Family::<QueueName, FloatGauge>::default();
                for state in &states {
                    family
                        .get_or_create(&QueueName {
                            queue: state.queue.clone(),
                        })
                        .set(value(state));
                }
                family
            };
            registry.register(
                "schoolops_queue_depth",
                "Jobs waiting to run, by queue (new, and failed with attempts left, including those backing off)",
                by_queue(|s| s.waiting),
            );
            registry.register(
                "schoolops_queue_running",
                "Jobs a worker has claimed and not yet finished, by queue",
                by_queue(|s| s.held),
            );
            registry.register(
                "schoolops_queue_oldest_due_seconds",
                "How long the oldest waiting job has been due, by queue: the queue's delay",
                by_queue(|s| s.oldest_due),
            );
        }
        Err(error) => {
            tracing::warn!(error = %error, "could not read the queues for /metrics");
        }
    }
    shared::metrics::encode(&[&registry], content_type)
}
