//! The Ollama client against a deterministic in-process fake: a TCP server
//! that replays scripted NDJSON writes, with pauses, so each test controls
//! exactly where chunks break and how the stream ends.

use std::time::Duration;

use shared::ollama::{Message, OllamaClient, OllamaConfig, OllamaError};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

enum Step {
    Write(Vec<u8>),
    Pause(u64),
}

use Step::{Pause, Write};

fn line(json: &str) -> Step {
    Write(format!("{json}\n").into_bytes())
}

const OK_HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\nconnection: close\r\n\r\n";

/// Serves one request: reads it, then plays `steps` (the first should write
/// the status line and headers) and closes the connection.
async fn fake(steps: Vec<Step>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        // Headers, then a body of content-length bytes.
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            request.extend_from_slice(&buf[..n]);
            if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .unwrap_or(0);
                while request.len() < end + 4 + length {
                    let n = socket.read(&mut buf).await.unwrap();
                    request.extend_from_slice(&buf[..n]);
                }
                break;
            }
        }
        for step in steps {
            match step {
                Write(bytes) => {
                    if socket.write_all(&bytes).await.is_err() {
                        return;
                    }
                    let _ = socket.flush().await;
                }
                Pause(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            }
        }
    });
    format!("http://{addr}")
}

fn client(base: &str) -> OllamaClient {
    let mut config = OllamaConfig::new(base, "smollm2:135m");
    config.first_byte_timeout = Duration::from_millis(500);
    config.idle_timeout = Duration::from_millis(500);
    OllamaClient::new(config)
}

fn hello() -> Vec<Message> {
    vec![Message::new("user", "hello")]
}

#[tokio::test]
async fn deltas_arrive_in_order_and_the_reply_completes_on_done() {
    let base = fake(vec![
        Write(OK_HEAD.into()),
        line(r#"{"model":"m","message":{"role":"assistant","content":"Habari"},"done":false}"#),
        Pause(20),
        line(r#"{"model":"m","message":{"role":"assistant","content":" yako"},"done":false}"#),
        line(r#"{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":7,"total_duration":1234}"#),
    ])
    .await;
    let mut deltas = Vec::new();
    let reply = client(&base)
        .chat(&hello(), None, |d| deltas.push(d.to_string()))
        .await
        .unwrap();
    assert_eq!(deltas, ["Habari", " yako"]);
    assert_eq!(reply.content, "Habari yako");
    assert_eq!(reply.done_reason.as_deref(), Some("stop"));
    assert_eq!(
        (reply.eval_count, reply.total_duration_ns),
        (Some(7), Some(1234))
    );
}

#[tokio::test]
async fn a_chunk_that_splits_a_line_and_a_multibyte_character_loses_nothing() {
    let first = r#"{"message":{"role":"assistant","content":"Karibu ☕ shule"},"done":false}"#
        .to_string()
        + "\n";
    let bytes = first.as_bytes();
    let cut = first.find('☕').unwrap() + 1; // inside the 3-byte character
    let base = fake(vec![
        Write(OK_HEAD.into()),
        Write(bytes[..cut].to_vec()),
        Pause(30),
        Write(bytes[cut..].to_vec()),
        Write(br#"{"message":{"role":"assistant","content":"!"},"done":true}"#.to_vec()),
    ])
    .await;
    let reply = client(&base).chat(&hello(), None, |_| {}).await.unwrap();
    assert_eq!(
        reply.content, "Karibu ☕ shule!",
        "the last line needs no trailing newline"
    );
}

#[tokio::test]
async fn an_error_line_mid_stream_is_a_failure_not_an_answer() {
    let base = fake(vec![
        Write(OK_HEAD.into()),
        line(r#"{"message":{"role":"assistant","content":"Half an"},"done":false}"#),
        line(r#"{"error":"model runner crashed"}"#),
    ])
    .await;
    let err = client(&base)
        .chat(&hello(), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(err, OllamaError::Failed("model runner crashed".into()));
}

#[tokio::test]
async fn a_dropped_connection_before_done_is_incomplete() {
    let base = fake(vec![
        Write(OK_HEAD.into()),
        line(r#"{"message":{"role":"assistant","content":"Half"},"done":false}"#),
    ])
    .await;
    let err = client(&base)
        .chat(&hello(), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(err, OllamaError::Incomplete);
}

#[tokio::test]
async fn a_garbage_line_is_refused() {
    let base = fake(vec![
        Write(OK_HEAD.into()),
        line("<html>proxy error</html>"),
    ])
    .await;
    let err = client(&base)
        .chat(&hello(), None, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, OllamaError::Garbage(ref text) if text.contains("proxy error")),
        "{err:?}"
    );
}

#[tokio::test]
async fn no_headers_within_the_first_byte_timeout_is_a_slow_start() {
    let base = fake(vec![Pause(2000), Write(OK_HEAD.into())]).await;
    let err = client(&base)
        .chat(&hello(), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(err, OllamaError::SlowStart(Duration::from_millis(500)));
}

#[tokio::test]
async fn a_stream_that_stalls_is_cut_by_the_idle_timeout() {
    let base = fake(vec![
        Write(OK_HEAD.into()),
        line(r#"{"message":{"role":"assistant","content":"Hmm"},"done":false}"#),
        Pause(2000),
    ])
    .await;
    let err = client(&base)
        .chat(&hello(), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(err, OllamaError::Stalled(Duration::from_millis(500)));
}

#[tokio::test]
async fn an_http_error_carries_ollamas_message() {
    let body = r#"{"error":"model 'smollm2:135m' not found"}"#;
    let response = format!(
        "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let base = fake(vec![Write(response.into_bytes())]).await;
    let err = client(&base)
        .chat(&hello(), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(
        err,
        OllamaError::Http {
            status: 404,
            message: "model 'smollm2:135m' not found".into()
        }
    );
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let err = client(&base)
        .chat(&hello(), None, |_| {})
        .await
        .unwrap_err();
    assert_eq!(err, OllamaError::Unreachable(base));
}

#[tokio::test]
async fn a_tool_call_arrives_whole_with_its_arguments() {
    let base = fake(vec![
        Write(OK_HEAD.into()),
        line(r#"{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"student_balance","arguments":{"student":"ADM-2025-001"}}}]},"done":false}"#),
        line(r#"{"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}"#),
    ])
    .await;
    let reply = client(&base).chat(&hello(), None, |_| {}).await.unwrap();
    assert_eq!(reply.tool_calls.len(), 1);
    assert_eq!(reply.tool_calls[0].function.name, "student_balance");
    assert_eq!(
        reply.tool_calls[0].function.arguments["student"],
        "ADM-2025-001"
    );
}
