//! The worker binary's health and metrics server: /healthz, /readyz, and
//! /metrics with jobs per queue and outcome, their duration, and each
//! queue's depth read from the database.

use std::time::{Duration, Instant};

use shared::{
    commands::queue,
    db,
    jobs::{PostPaymentJob, SendReminderJob},
    testing::{ChildProcess, Scratch, app_pool, fresh_database, process::worker_command},
};
use uuid::Uuid;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Scrapes until `done` holds, for at most 20 s.
async fn metrics_until(base: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let text = response.text().await.unwrap();
        if done(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "metrics never got there:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The worker binary on `database` with its health and metrics server on
/// a free port and `env` set, once /healthz answers; (scratch, process,
/// base URL).
async fn serving_worker(
    database: &str,
    name: &str,
    env: &[(&str, &str)],
) -> (Scratch, ChildProcess, String) {
    let port = free_port();
    let scratch = Scratch::new(name);
    let mut command = worker_command(
        std::path::Path::new(env!("CARGO_BIN_EXE_worker")),
        database,
        scratch.path(),
    );
    command
        .env("WORKER_HTTP_PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied());
    let mut worker = ChildProcess::start("worker", command, scratch.path()).unwrap();
    let base = format!("http://127.0.0.1:{port}");
    worker
        .wait_ready(&format!("{base}/healthz"), Duration::from_secs(20))
        .await
        .unwrap();
    (scratch, worker, base)
}

#[tokio::test]
async fn the_worker_serves_health_readiness_and_metrics_of_its_jobs_and_queues() {
    let database = fresh_database().await;
    let pool = app_pool(&database).await;
    let school = Uuid::new_v4();
    // Two jobs on a queue this worker does not serve: they wait.
    let mut tx = db::begin_tenant(&pool, school, None).await.unwrap();
    for _ in 0..2 {
        let job = SendReminderJob {
            school_id: school,
            run_id: Uuid::new_v4(),
        };
        queue::push(&mut tx, &job).await.unwrap();
    }
    tx.commit().await.unwrap();

    let (_scratch, _worker, base) = serving_worker(
        &database,
        "http",
        &[("WORKER_QUEUES", "payments.post"), ("ENV", "production")],
    )
    .await;
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );

    let metrics = metrics_until(&base, |m| m.contains("schoolops_queue_depth")).await;
    assert_eq!(
        sample(&metrics, r#"schoolops_queue_depth{queue="reminders.send"}"#),
        Some(2.0),
        "{metrics}"
    );
    assert_eq!(
        sample(&metrics, r#"schoolops_queue_depth{queue="payments.post"}"#),
        Some(0.0)
    );
    assert_eq!(sample(&metrics, "schoolops_queue_read"), Some(1.0));
    assert!(
        sample(
            &metrics,
            r#"schoolops_queue_oldest_due_seconds{queue="reminders.send"}"#
        )
        .unwrap()
            >= 0.0
    );

    // A payment that does not exist fails for good on its first attempt.
    let mut tx = db::begin_tenant(&pool, school, None).await.unwrap();
    let job = PostPaymentJob {
        school_id: school,
        payment_id: Uuid::new_v4(),
        chat: None,
    };
    queue::push(&mut tx, &job).await.unwrap();
    tx.commit().await.unwrap();
    let metrics = metrics_until(&base, |m| {
        sample(
            m,
            r#"schoolops_jobs_total{queue="payments.post",outcome="failed"}"#,
        ) == Some(1.0)
    })
    .await;
    assert_eq!(
        sample(
            &metrics,
            r#"schoolops_job_duration_seconds_count{queue="payments.post"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &metrics,
            r#"schoolops_jobs_total{queue="payments.post",outcome="done"}"#
        ),
        None
    );
    assert_eq!(
        sample(&metrics, r#"schoolops_queue_depth{queue="payments.post"}"#),
        Some(0.0)
    );

    // Failed for good is final: the job is not fetched and run again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status: String =
            sqlx::query_scalar("SELECT status FROM apalis.jobs WHERE job_type = 'payments.post'")
                .fetch_one(&pool)
                .await
                .unwrap();
        if status == "Killed" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the job ended {status}, not Killed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let metrics = metrics_until(&base, |_| true).await;
    assert_eq!(
        sample(
            &metrics,
            r#"schoolops_jobs_total{queue="payments.post",outcome="failed"}"#
        ),
        Some(1.0),
        "a permanent failure ran again:\n{metrics}"
    );
}

#[tokio::test]
async fn with_a_metrics_token_the_worker_serves_metrics_only_to_a_scrape_that_sends_it() {
    let database = fresh_database().await;
    let token = "scrape-token-0123456789abcdef";
    let (_scratch, mut worker, base) =
        serving_worker(&database, "http-token", &[("METRICS_TOKEN", token)]).await;
    let client = reqwest::Client::new();
    let scrape = |authorization: Option<String>| {
        let mut request = client.get(format!("{base}/metrics"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };
    for refused in [
        None,
        Some("Bearer wrong-token-0123456789abcdef".to_string()),
        Some(format!("Basic {token}")),
    ] {
        let response = scrape(refused.clone()).await.unwrap();
        assert_eq!(response.status(), 401, "{refused:?}");
        assert!(!response.text().await.unwrap().contains("schoolops_"));
    }
    let response = scrape(Some(format!("Bearer {token}"))).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("schoolops_queue_depth")
    );
    // Health stays open to the orchestrator.
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    worker.stop();
}
