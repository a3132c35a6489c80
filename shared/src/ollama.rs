//! A small Ollama `/api/chat` client on reqwest, built for the failure
//! modes of a local model: a cold model sends no headers for a while, a
//! network chunk can end mid-line or mid-character, an error can arrive as
//! a last line of a 200 stream, and a stream can end without `done`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct OllamaConfig {
    pub base_url: String,
    pub model: String,
    /// Waiting for the TCP connection.
    pub connect_timeout: Duration,
    /// Waiting for the response headers (a cold model loads first).
    pub first_byte_timeout: Duration,
    /// Waiting between two chunks of a started stream.
    pub idle_timeout: Duration,
    /// Offer the known requests as tools when the model can take them. Off
    /// by default: a model answering with tools may not stream (measured
    /// with ../shared/llm: first text after 2.9 s instead of 0.06 s).
    pub offer_tools: bool,
}

impl OllamaConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            model: model.into(),
            connect_timeout: Duration::from_secs(3),
            first_byte_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(30),
            offer_tools: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Message {
    pub role: String,
    #[serde(default)]
    pub content: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
}

impl Message {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: content.into(),
            tool_calls: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ToolCall {
    pub function: FunctionCall,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FunctionCall {
    pub name: String,
    #[serde(default)]
    pub arguments: Value,
}

/// The finished answer: the whole text, any tool calls, and the metrics
/// Ollama reports (each may be absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub content: String,
    pub tool_calls: Vec<ToolCall>,
    pub done_reason: Option<String>,
    pub eval_count: Option<u64>,
    pub total_duration_ns: Option<u64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OllamaError {
    #[error("the model server at {0} cannot be reached")]
    Unreachable(String),
    #[error("the model did not start answering within {0:?}")]
    SlowStart(Duration),
    #[error("the model stopped sending for {0:?}")]
    Stalled(Duration),
    #[error("the model server answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("the model failed mid-answer: {0}")]
    Failed(String),
    #[error("the model sent a line that is not valid JSON: {0}")]
    Garbage(String),
    #[error("the answer ended before the model said it was done")]
    Incomplete,
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [Message],
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<&'a Value>,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    done: bool,
    #[serde(default)]
    done_reason: Option<String>,
    #[serde(default)]
    eval_count: Option<u64>,
    #[serde(default)]
    total_duration: Option<u64>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Clone)]
pub struct OllamaClient {
    http: reqwest::Client,
    config: OllamaConfig,
}

impl OllamaClient {
    pub fn new(config: OllamaConfig) -> Self {
        // No total timeout: a streamed answer may rightly take minutes.
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .build()
            .expect("a reqwest client with only a connect timeout builds");
        Self { http, config }
    }

    pub fn model(&self) -> &str {
        &self.config.model
    }

    pub fn config(&self) -> &OllamaConfig {
        &self.config
    }

    /// What the model can do (`/api/show` capabilities: "completion",
    /// "tools", ...); empty when the server does not say.
    pub async fn capabilities(&self) -> Result<Vec<String>, OllamaError> {
        #[derive(Deserialize)]
        struct Show {
            #[serde(default)]
            capabilities: Vec<String>,
        }
        let url = format!("{}/api/show", self.config.base_url);
        let sent = self
            .http
            .post(&url)
            .json(&serde_json::json!({"model": self.config.model}))
            .send();
        let response = match tokio::time::timeout(self.config.idle_timeout, sent).await {
            Err(_) => return Err(OllamaError::SlowStart(self.config.idle_timeout)),
            Ok(Err(err)) if err.is_connect() => {
                return Err(OllamaError::Unreachable(self.config.base_url.clone()));
            }
            Ok(Err(err)) => return Err(OllamaError::Failed(err.to_string())),
            Ok(Ok(response)) => response,
        };
        let status = response.status().as_u16();
        let body = tokio::time::timeout(self.config.idle_timeout, response.bytes())
            .await
            .map_err(|_| OllamaError::Stalled(self.config.idle_timeout))?
            .map_err(|err| OllamaError::Failed(err.to_string()))?;
        if status != 200 {
            return Err(OllamaError::Http {
                status,
                message: String::from_utf8_lossy(&body).chars().take(200).collect(),
            });
        }
        let show: Show = serde_json::from_slice(&body).map_err(|_| {
            OllamaError::Garbage(String::from_utf8_lossy(&body).chars().take(120).collect())
        })?;
        Ok(show.capabilities)
    }

    /// Streams a chat answer, calling `on_delta` with each piece of text as
    /// it arrives, and returns the whole reply once Ollama says `done`.
    pub async fn chat(
        &self,
        messages: &[Message],
        tools: Option<&Value>,
        mut on_delta: impl FnMut(&str),
    ) -> Result<Reply, OllamaError> {
        let url = format!("{}/api/chat", self.config.base_url);
        let request = ChatRequest {
            model: &self.config.model,
            messages,
            stream: true,
            tools,
        };
        let sent = self.http.post(&url).json(&request).send();
        let mut response = match tokio::time::timeout(self.config.first_byte_timeout, sent).await {
            Err(_) => return Err(OllamaError::SlowStart(self.config.first_byte_timeout)),
            Ok(Err(err)) if err.is_connect() => {
                return Err(OllamaError::Unreachable(self.config.base_url.clone()));
            }
            Ok(Err(err)) => return Err(OllamaError::Failed(err.to_string())),
            Ok(Ok(response)) => response,
        };
        if !response.status().is_success() {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let message = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
                .unwrap_or(body);
            return Err(OllamaError::Http { status, message });
        }
        let mut reply = Reply::default();
        let mut buffer: Vec<u8> = Vec::new();
        loop {
            let chunk = match tokio::time::timeout(self.config.idle_timeout, response.chunk()).await
            {
                Err(_) => return Err(OllamaError::Stalled(self.config.idle_timeout)),
                Ok(Err(_)) => return Err(OllamaError::Incomplete),
                Ok(Ok(chunk)) => chunk,
            };
            let Some(bytes) = chunk else { break };
            buffer.extend_from_slice(&bytes);
            // Split on newlines in bytes, then decode whole lines: a chunk
            // may end inside a line or inside a multi-byte character.
            while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buffer.drain(..=end).collect();
                if absorb(&line[..line.len() - 1], &mut reply, &mut on_delta)? {
                    return Ok(reply);
                }
            }
        }
        if !buffer.is_empty() && absorb(&buffer, &mut reply, &mut on_delta)? {
            return Ok(reply);
        }
        Err(OllamaError::Incomplete)
    }
}

/// Takes one NDJSON line into the reply; true once the answer is done.
fn absorb(
    line: &[u8],
    reply: &mut Reply,
    on_delta: &mut impl FnMut(&str),
) -> Result<bool, OllamaError> {
    let text = std::str::from_utf8(line)
        .map_err(|_| OllamaError::Garbage("not UTF-8".into()))?
        .trim();
    if text.is_empty() {
        return Ok(false);
    }
    let chunk: Chunk = serde_json::from_str(text)
        .map_err(|_| OllamaError::Garbage(text.chars().take(120).collect()))?;
    if let Some(error) = chunk.error {
        return Err(OllamaError::Failed(error));
    }
    if let Some(message) = chunk.message {
        if !message.content.is_empty() {
            on_delta(&message.content);
            reply.content.push_str(&message.content);
        }
        reply.tool_calls.extend(message.tool_calls);
    }
    if chunk.done {
        reply.done_reason = chunk.done_reason;
        reply.eval_count = chunk.eval_count;
        reply.total_duration_ns = chunk.total_duration;
        return Ok(true);
    }
    Ok(false)
}
