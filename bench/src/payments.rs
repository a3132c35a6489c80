//! A burst of M-Pesa payments through the api, as both payment benchmarks
//! send it.

use std::time::{Duration, Instant};

use anyhow::ensure;
use futures_util::{StreamExt, stream};
use reqwest::StatusCode;
use serde_json::json;
use shared::testing::Member;
use sqlx::PgConnection;
use uuid::Uuid;

/// What the api said to a burst: each payment's latency, sorted, and how
/// long accepting them all took.
pub struct Accepted {
    pub latencies: Vec<Duration>,
    pub took: Duration,
}

/// POSTs `count` payments of `amount`, student-level and round robin over
/// `students`, `in_flight` at a time; each must be 201 within `timeout`.
/// References are `{prefix}{run}{i}`, new for every call.
pub async fn burst(
    payer: &Member,
    students: &[Uuid],
    count: usize,
    amount: &str,
    prefix: char,
    in_flight: usize,
    timeout: Duration,
) -> anyhow::Result<Accepted> {
    ensure!(!students.is_empty(), "no students to pay for");
    let run = Uuid::new_v4().simple().to_string();
    let run = &run[..8];
    let deadline = Instant::now() + timeout;
    let started = Instant::now();
    let latencies: Vec<anyhow::Result<Duration>> = stream::iter(0..count)
        .map(|i| {
            let body = json!({
                "student_id": students[i % students.len()],
                "amount": amount,
                "method": "MPESA",
                "txn_ref": format!("{prefix}{run}{i:07}"),
            });
            async move {
                let sent = Instant::now();
                let response = payer.post("/payments", body).await;
                let status = response.status();
                ensure!(
                    status == StatusCode::CREATED,
                    "POST /payments answered {status}: {}",
                    response.text().await.unwrap_or_default()
                );
                Ok(sent.elapsed())
            }
        })
        .buffer_unordered(in_flight)
        .take_until(tokio::time::sleep_until(deadline.into()))
        .collect()
        .await;
    let took = started.elapsed();
    ensure!(
        latencies.len() == count,
        "only {} of {count} payments were answered within {timeout:?}",
        latencies.len(),
    );
    let mut latencies = latencies.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    latencies.sort();
    Ok(Accepted { latencies, took })
}

/// Payments POSTED and FAILED so far, read in the caller's tenant
/// transaction; a FAILED one fails the run.
pub async fn posted_so_far(conn: &mut PgConnection) -> anyhow::Result<i64> {
    let (posted, failed): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE posting_status = 'POSTED'),
                count(*) FILTER (WHERE posting_status = 'FAILED')
           FROM payments",
    )
    .fetch_one(conn)
    .await?;
    ensure!(failed == 0, "{failed} payments FAILED to post");
    Ok(posted)
}
