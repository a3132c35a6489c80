//! A client of GET /events that reads and parses the SSE stream from the
//! raw body itself, every read bounded by a timeout so no test can hang;
//! each event keeps the moment it was read (the benchmarks time delivery).

use std::time::{Duration, Instant};

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

/// The longest any single expected event may take to arrive.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a stream must stay silent to count as "nothing more came".
pub const QUIET: Duration = Duration::from_millis(500);

/// One event as it came off the wire.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: i64,
    pub kind: String,
    pub data: Value,
    /// When the chunk that completed the event was read.
    pub arrived: Instant,
}

/// A client of GET /events that parses the text/event-stream format itself.
pub struct EventStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
    /// When the last chunk was read.
    read_at: Instant,
}

impl EventStream {
    /// Sends `request` and expects a 200 text/event-stream answer.
    pub async fn open(request: RequestBuilder) -> Self {
        let response = tokio::time::timeout(EVENT_TIMEOUT, request.send())
            .await
            .expect("GET /events answered within the timeout")
            .expect("GET /events was sent");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if status != StatusCode::OK {
            let body = response.text().await.unwrap_or_default();
            panic!("GET /events answered {status}: {body}");
        }
        assert!(
            content_type.starts_with("text/event-stream"),
            "content-type {content_type:?}"
        );
        Self {
            response,
            buffer: Vec::new(),
            read_at: Instant::now(),
        }
    }

    /// Parses one complete event off the buffer, skipping comment-only
    /// blocks (keep-alives).
    fn take_buffered(&mut self) -> Option<Received> {
        loop {
            let end = self.buffer.windows(2).position(|w| w == b"\n\n")?;
            let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
            let block = String::from_utf8(block).expect("the event stream is UTF-8");
            let (mut id, mut kind, mut data) = (None, None, Vec::new());
            for line in block.lines() {
                let line = line.strip_suffix('\r').unwrap_or(line);
                if line.is_empty() || line.starts_with(':') {
                    continue;
                }
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "id" => id = Some(value.to_string()),
                    "event" => kind = Some(value.to_string()),
                    "data" => data.push(value.to_string()),
                    other => panic!("unexpected SSE field {other:?} in {block:?}"),
                }
            }
            if id.is_none() && kind.is_none() && data.is_empty() {
                continue;
            }
            let id = id
                .unwrap_or_else(|| panic!("every event carries an id: {block:?}"))
                .parse::<i64>()
                .unwrap_or_else(|e| panic!("the id is a number ({e}): {block:?}"));
            let data = data.join("\n");
            let data: Value = serde_json::from_str(&data)
                .unwrap_or_else(|e| panic!("data is JSON ({e}): {block:?}"));
            return Some(Received {
                id,
                kind: kind.unwrap_or_else(|| "message".into()),
                data,
                arrived: self.read_at,
            });
        }
    }

    /// The next event, or None when none arrives within `within`.
    pub async fn next_within(&mut self, within: Duration) -> Option<Received> {
        self.next_until(tokio::time::Instant::now() + within).await
    }

    /// The next event, or None when none arrives before `deadline`.
    pub async fn next_until(&mut self, deadline: tokio::time::Instant) -> Option<Received> {
        loop {
            if let Some(event) = self.take_buffered() {
                return Some(event);
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return None,
                Ok(Ok(Some(bytes))) => {
                    self.read_at = Instant::now();
                    self.buffer.extend_from_slice(&bytes);
                }
                Ok(Ok(None)) => panic!("the server ended the event stream"),
                Ok(Err(err)) => panic!("reading the event stream: {err}"),
            }
        }
    }

    pub async fn next(&mut self) -> Received {
        self.next_within(EVENT_TIMEOUT)
            .await
            .expect("an event arrived within the timeout")
    }

    /// Exactly `n` events.
    pub async fn take(&mut self, n: usize) -> Vec<Received> {
        let mut events = Vec::with_capacity(n);
        while events.len() < n {
            events.push(self.next().await);
        }
        events
    }

    /// Events up to and including the first that satisfies `last`.
    pub async fn until(&mut self, last: impl Fn(&Received) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        let mut events = Vec::new();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let Some(event) = self.next_within(remaining).await else {
                panic!("the awaited event never came; received {events:#?}");
            };
            let done = last(&event);
            events.push(event);
            if done {
                return events;
            }
        }
    }

    /// Waits for the server to end the stream, skipping what comes first.
    pub async fn ended(&mut self) {
        while let Ok(Some(_)) = self.response.chunk().await {}
    }

    /// Asserts that nothing more arrives for a while.
    pub async fn assert_quiet(&mut self) {
        if let Some(event) = self.next_within(QUIET).await {
            panic!("no further event was expected, got {event:#?}");
        }
    }
}
