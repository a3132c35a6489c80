//! Retention against a real database, as the runtime role: old events and
//! finished jobs go, recent ones and unfinished jobs stay, in every
//! school; a pass another process is running is skipped.

use shared::{
    db,
    testing::{app_pool, fresh_database, seed::SeededSchool},
};
use sqlx::{Connection, PgPool};
use tokio::sync::watch;
use uuid::Uuid;
use worker::{
    options::Retention,
    pruning::{self, Pruned},
};

const RETENTION: Retention = Retention {
    jobs_days: Some(7),
    events_days: Some(30),
};

async fn school(pool: &PgPool, email: &str, name: &str) -> Uuid {
    SeededSchool::named(pool, email, name)
        .await
        .unwrap()
        .school_id
}

/// Appends an event `days` old with kind `kind` to `school`.
async fn event(pool: &PgPool, school: Uuid, kind: &str, days: i32) {
    let mut tx = db::begin_tenant(pool, school, None).await.unwrap();
    sqlx::query(
        "INSERT INTO events (school_id, kind, payload, created_at)
         VALUES (app_school_id(), $1, '{}', now() - make_interval(days => $2))",
    )
    .bind(kind)
    .bind(days)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn event_kinds(pool: &PgPool, school: Uuid) -> Vec<String> {
    let mut tx = db::begin_tenant(pool, school, None).await.unwrap();
    let kinds =
        sqlx::query_scalar("SELECT kind FROM events WHERE kind LIKE 'test.%' ORDER BY kind")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    kinds
}

/// A job row as apalis leaves it: `status`, `attempts` of 5, finished
/// (`done_at`) `days` ago, or never when None.
async fn job(pool: &PgPool, id: &str, status: &str, attempts: i32, done_days: Option<i32>) {
    sqlx::query(
        "INSERT INTO apalis.jobs (job, id, job_type, status, attempts, max_attempts, run_at, done_at)
         VALUES ('\\x7b7d', $1, 'payments.post', $2, $3, 5, now() - interval '30 days',
                 now() - make_interval(days => $4))",
    )
    .bind(id)
    .bind(status)
    .bind(attempts)
    .bind(done_days)
    .execute(pool)
    .await
    .unwrap();
}

async fn job_ids(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM apalis.jobs ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn old_events_and_finished_jobs_are_pruned_and_recent_or_unfinished_ones_kept() {
    let database = fresh_database().await;
    let pool = app_pool(&database).await;
    let imara = school(&pool, "bursar@imara.example", "Imara Academy").await;
    let baraka = school(&pool, "bursar@baraka.example", "Baraka School").await;
    for school in [imara, baraka] {
        event(&pool, school, "test.old", 31).await;
        event(&pool, school, "test.recent", 29).await;
    }
    job(&pool, "done-old", "Done", 1, Some(8)).await;
    job(&pool, "done-recent", "Done", 1, Some(6)).await;
    job(&pool, "killed-old", "Killed", 2, Some(8)).await;
    job(&pool, "failed-for-good-old", "Failed", 5, Some(8)).await;
    job(&pool, "failed-will-retry-old", "Failed", 2, Some(8)).await;
    job(&pool, "pending-old", "Pending", 0, None).await;
    // A worker gone for long with nothing locked, and one holding a job.
    sqlx::query(
        "INSERT INTO apalis.workers (id, worker_type, storage_name, last_seen)
         VALUES ('gone', 'payments.post', 'pg', now() - interval '8 days'),
                ('holding', 'payments.post', 'pg', now() - interval '8 days')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO apalis.jobs (job, id, job_type, status, lock_by) VALUES ('\\x7b7d', 'running-orphan', 'payments.post', 'Running', 'holding')")
        .execute(&pool)
        .await
        .unwrap();

    let (_stop, stopped) = watch::channel(false);
    let pruned = pruning::prune(&pool, RETENTION, &stopped).await.unwrap();
    assert_eq!(pruned, Some(Pruned { jobs: 3, events: 2 }));

    for school in [imara, baraka] {
        assert_eq!(event_kinds(&pool, school).await, ["test.recent"]);
    }
    assert_eq!(
        job_ids(&pool).await,
        [
            "done-recent",
            "failed-will-retry-old",
            "pending-old",
            "running-orphan"
        ]
    );
    let workers: Vec<String> = sqlx::query_scalar("SELECT id FROM apalis.workers ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(workers, ["holding"]);

    // A second pass finds nothing more.
    let again = pruning::prune(&pool, RETENTION, &stopped).await.unwrap();
    assert_eq!(again, Some(Pruned::default()));
}

#[tokio::test]
async fn the_runtime_role_can_prune_only_through_the_functions_and_only_by_age() {
    let database = fresh_database().await;
    let pool = app_pool(&database).await;
    let imara = school(&pool, "bursar@imara.example", "Imara Academy").await;
    event(&pool, imara, "test.recent", 1).await;
    job(&pool, "done-recent", "Done", 1, Some(1)).await;

    let mut tx = db::begin_tenant(&pool, imara, None).await.unwrap();
    let refused = sqlx::query("DELETE FROM events").execute(&mut *tx).await;
    assert!(refused.is_err(), "the runtime role deleted events directly");
    drop(tx);
    assert!(
        sqlx::query("DELETE FROM apalis.jobs")
            .execute(&pool)
            .await
            .is_err()
    );
    // No "keep nothing": at least a day is always kept.
    for call in [
        "SELECT prune_events(0, 10)",
        "SELECT prune_finished_jobs(0, 10)",
    ] {
        assert!(sqlx::query(call).execute(&pool).await.is_err(), "{call}");
    }
    assert_eq!(event_kinds(&pool, imara).await, ["test.recent"]);
    assert_eq!(job_ids(&pool).await, ["done-recent"]);
}

#[tokio::test]
async fn a_pass_is_skipped_while_another_process_prunes_and_retention_off_keeps_everything() {
    let database = fresh_database().await;
    let pool = app_pool(&database).await;
    let imara = school(&pool, "bursar@imara.example", "Imara Academy").await;
    event(&pool, imara, "test.old", 400).await;
    job(&pool, "done-old", "Done", 1, Some(400)).await;
    let (_stop, stopped) = watch::channel(false);

    let mut other = sqlx::PgConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(pruning::LOCK)
        .execute(&mut other)
        .await
        .unwrap();
    assert_eq!(
        pruning::prune(&pool, RETENTION, &stopped).await.unwrap(),
        None
    );
    other.close().await.unwrap();

    let keep_all = Retention {
        jobs_days: None,
        events_days: None,
    };
    let pruned = pruning::prune(&pool, keep_all, &stopped).await.unwrap();
    assert_eq!(pruned, Some(Pruned::default()));
    assert_eq!(event_kinds(&pool, imara).await, ["test.old"]);
    assert_eq!(job_ids(&pool).await, ["done-old"]);

    // The lock was released: the next pass runs.
    let pruned = pruning::prune(&pool, RETENTION, &stopped).await.unwrap();
    assert_eq!(pruned, Some(Pruned { jobs: 1, events: 1 }));
}
