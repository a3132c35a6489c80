//! A deterministic in-process Ollama: a TCP server that answers /api/show
//! and replays scripted NDJSON for each /api/chat, byte for byte and with
//! pauses, so a test decides where chunks break and how a stream ends.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

pub enum Step {
    Write(Vec<u8>),
    Pause(u64),
}

pub const OK_HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\nconnection: close\r\n\r\n";

pub fn head() -> Step {
    Step::Write(OK_HEAD.as_bytes().to_vec())
}

pub fn line(value: Value) -> Step {
    Step::Write(format!("{value}\n").into_bytes())
}

pub fn piece(text: &str) -> Value {
    json!({"model": "smollm2:135m", "message": {"role": "assistant", "content": text}, "done": false})
}

pub fn done() -> Value {
    json!({"model": "smollm2:135m", "message": {"role": "assistant", "content": ""}, "done": true,
           "done_reason": "stop", "eval_count": 7, "total_duration": 1000})
}

/// A whole streamed answer in `pieces`, a short pause between each.
pub fn answer(pieces: &[&str]) -> Vec<Step> {
    let mut steps = vec![head()];
    for text in pieces {
        steps.push(line(piece(text)));
        steps.push(Step::Pause(20));
    }
    steps.push(line(done()));
    steps
}

/// An answer that is one tool call.
pub fn tool_call(name: &str, arguments: Value) -> Vec<Step> {
    vec![
        head(),
        line(
            json!({"model": "smollm2:135m", "message": {"role": "assistant", "content": "",
            "tool_calls": [{"function": {"name": name, "arguments": arguments}}]}, "done": false}),
        ),
        line(done()),
    ]
}

#[derive(Clone)]
pub struct FakeOllama {
    pub url: String,
    scripts: Arc<Mutex<VecDeque<Vec<Step>>>>,
    requests: Arc<Mutex<Vec<Value>>>,
}

impl FakeOllama {
    /// Serves until the test ends; reports the `tools` capability if asked.
    pub async fn start(tools: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fake = Self {
            url,
            scripts: Arc::default(),
            requests: Arc::default(),
        };
        let server = fake.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move { server.serve(socket, tools).await });
            }
        });
        fake
    }

    /// What the next /api/chat plays (in order of calls).
    pub fn script(&self, steps: Vec<Step>) {
        self.scripts.lock().unwrap().push_back(steps);
    }

    /// The /api/chat request bodies received so far.
    pub fn chat_requests(&self) -> Vec<Value> {
        self.requests.lock().unwrap().clone()
    }

    async fn serve(&self, mut socket: TcpStream, tools: bool) {
        let Some((path, body)) = read_request(&mut socket).await else {
            return;
        };
        let steps = if path == "/api/show" {
            let capabilities = if tools {
                json!(["completion", "tools"])
            } else {
                json!(["completion"])
            };
            let body = json!({"capabilities": capabilities}).to_string();
            vec![Step::Write(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes(),
            )]
        } else {
            self.requests.lock().unwrap().push(body);
            let scripted = self.scripts.lock().unwrap().pop_front();
            scripted.unwrap_or_else(|| answer(&["Hello ", "from the ", "fake model."]))
        };
        for step in steps {
            match step {
                Step::Write(bytes) => {
                    if socket.write_all(&bytes).await.is_err() {
                        return;
                    }
                    let _ = socket.flush().await;
                }
                Step::Pause(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            }
        }
        let _ = socket.shutdown().await;
    }
}

async fn read_request(socket: &mut TcpStream) -> Option<(String, Value)> {
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buf[..n]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while request.len() < end + 4 + length {
                let n = socket.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                request.extend_from_slice(&buf[..n]);
            }
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body =
                serde_json::from_slice(&request[end + 4..end + 4 + length]).unwrap_or(Value::Null);
            return Some((path, body));
        }
    }
}
