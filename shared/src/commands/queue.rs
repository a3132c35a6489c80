//! Pushing jobs onto their apalis queues on the caller's connection. Only
//! `commands` (and tests that stage a queue by hand) call these: a job is
//! pushed by the command that writes the rows it works on.

use apalis::prelude::TaskBuilder;
use sqlx::PgConnection;

use crate::{
    db,
    error::{Error, Result},
    jobs::Job,
};

/// Pushes `job` on the caller's connection: commit both or neither.
pub async fn push<J: Job>(conn: &mut PgConnection, job: &J) -> Result<()> {
    push_all(conn, std::slice::from_ref(job)).await
}

/// Pushes several jobs of one kind in one statement.
pub async fn push_all<J: Job>(conn: &mut PgConnection, jobs: &[J]) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let tasks = jobs
        .iter()
        .map(|job| task(job, None))
        .collect::<Result<Vec<_>>>()?;
    apalis_postgres::queries::push_tasks(conn, J::QUEUE, tasks)
        .await
        .map_err(|err| pushing_failed::<J>(err))
}

/// Pushes `job` unless a job with `key` is already in its queue; false
/// when it was. A savepoint holds the attempt, since the duplicate key
/// would otherwise abort the caller's whole transaction.
pub async fn push_unique<J: Job>(conn: &mut PgConnection, job: &J, key: &str) -> Result<bool> {
    let task = task(job, Some(key))?;
    let mut savepoint = db::Savepoint::begin(conn, "push_unique").await?;
    match apalis_postgres::queries::push_tasks(&mut *savepoint, J::QUEUE, vec![task]).await {
        Ok(()) => {
            savepoint.release().await?;
            Ok(true)
        }
        Err(apalis_postgres::Error::Database(db))
            if db
                .as_database_error()
                .is_some_and(|e| e.kind() == sqlx::error::ErrorKind::UniqueViolation) =>
        {
            savepoint.roll_back().await?;
            Ok(false)
        }
        Err(err) => Err(pushing_failed::<J>(err)),
    }
}

fn task<J: Job>(job: &J, key: Option<&str>) -> Result<apalis_postgres::PgTask> {
    let payload = serde_json::to_vec(job).map_err(anyhow::Error::from)?;
    let builder = TaskBuilder::new(payload).max_attempts(J::MAX_ATTEMPTS as usize);
    Ok(match key {
        Some(key) => builder.idempotency_key(key).build(),
        None => builder.build(),
    })
}

fn pushing_failed<J: Job>(err: apalis_postgres::Error) -> Error {
    match err {
        apalis_postgres::Error::Database(db) => Error::from(db),
        other => Error::Internal(anyhow::anyhow!("pushing a {} job: {other}", J::QUEUE)),
    }
}
