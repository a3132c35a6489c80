//! A member who sends headers and never the body holds nothing that other
//! schools need: bodies are read before a connection is taken, and time out.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::TestApp;

/// Opens a connection and sends a POST whose body never finishes.
async fn stalled_post(app: &TestApp, token: &str, school: &str) -> TcpStream {
    let address = app.base().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /students HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\n\
         x-school-id: {school}\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{{\"admission_no\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

#[tokio::test]
async fn fifty_stalled_bodies_from_one_school_do_not_slow_another_school() {
    let app = TestApp::spawn().await;
    let staller = app.owner_with_school("slow@one.ac.ke", "One").await;
    let other = app.owner_with_school("bursar@two.ac.ke", "Two").await;
    other.student("ADM-1").await;

    let mut stalled = Vec::new();
    for _ in 0..50 {
        stalled.push(stalled_post(&app, &staller.token, &staller.school.to_string()).await);
    }
    // Let the server read every header.
    tokio::time::sleep(Duration::from_millis(300)).await;

    for _ in 0..20 {
        let started = Instant::now();
        let response = other.get("/students").await;
        let took = started.elapsed();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(took < Duration::from_secs(1), "a read took {took:?}");
    }
    // The stalling school's own reads still answer too: no connection is
    // held for a body that has not arrived.
    let own = staller.get("/students").await;
    assert_eq!(own.status(), StatusCode::OK);

    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        waiting, 0,
        "connections idle in transaction while bodies stall"
    );

    // Each stalled request is answered 408 once the body deadline passes.
    let mut answer = String::new();
    let mut first = stalled.swap_remove(0);
    tokio::time::timeout(Duration::from_secs(20), first.read_to_string(&mut answer))
        .await
        .expect("the server answers a stalled body within its deadline")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
}
