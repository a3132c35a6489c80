//! GET /events read as a subscriber would: events (kind and JSON data)
//! as they arrive, each with the moment its last byte was read.

use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::Value;
use shared::testing::Member;

pub struct Event {
    pub kind: String,
    pub data: Value,
    /// When the chunk that completed the event was read.
    pub arrived: Instant,
}

pub struct EventStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
    /// When the last chunk was read.
    read_at: Instant,
}

impl EventStream {
    /// Opens GET /events as `member`.
    pub async fn open(member: &Member) -> anyhow::Result<Self> {
        let response = member
            .request(reqwest::Method::GET, "/events")
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("GET /events answered {}", response.status());
        }
        Ok(Self {
            response,
            buffer: Vec::new(),
            read_at: Instant::now(),
        })
    }

    /// The next event, or None when `deadline` passes first. Blocks with
    /// no event kind (keep-alives) are skipped.
    pub async fn next_until(
        &mut self,
        deadline: tokio::time::Instant,
    ) -> anyhow::Result<Option<Event>> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                if let Some((kind, data)) = parse_block(&String::from_utf8_lossy(&block)) {
                    let data = serde_json::from_str(&data)
                        .with_context(|| format!("the data of a {kind} event is not JSON"))?;
                    return Ok(Some(Event {
                        kind,
                        data,
                        arrived: self.read_at,
                    }));
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return Ok(None),
                Ok(chunk) => {
                    let chunk = chunk?.context("the event stream ended")?;
                    self.read_at = Instant::now();
                    self.buffer.extend_from_slice(&chunk);
                }
            }
        }
    }
}

/// The kind and data of one SSE block; None for a block with no `event:`.
pub fn parse_block(block: &str) -> Option<(String, String)> {
    let mut kind = None;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            kind = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    kind.filter(|k| !k.is_empty()).map(|kind| (kind, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_gives_its_kind_and_data_and_a_keep_alive_nothing() {
        assert_eq!(
            parse_block("id: 7\nevent: bench.tick\ndata: {\"seq\":3}\n\n"),
            Some(("bench.tick".into(), "{\"seq\":3}".into()))
        );
        assert_eq!(parse_block(": keep-alive\n\n"), None);
    }
}
