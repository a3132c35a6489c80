//! chat-bench: chat latency through the real api router and an in-process
//! worker on a fresh database, read by an SSE client as a user would.
//!
//! 1. Routed requests, model off: the time from POST /chats/{id}/messages
//!    to the chat.message.completed event of its answer, for --messages
//!    requests the intent router answers (balances, collections, invoice
//!    previews), one at a time; p50 and p99.
//! 2. With a real model (--model-url, default http://127.0.0.1:11434, e.g.
//!    ../shared/llm/serve.sh): for --prompts questions the router does not
//!    know, the time to the first chat.message.delta seen by the SSE client
//!    against the model's own time to first token for the same messages
//!    (a direct streamed /api/chat), with tools offered and not. Skipped
//!    with a notice when no model answers there.
//!
//! Figures go to stdout. Run with `scripts/bench chat`.

use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use bench::{app_pool, in_process, median};
use reqwest::Client;
use serde_json::{Value, json};
use shared::testing::{ApiClient, EventStream, Member};

const STUDENTS: usize = 40;

#[derive(clap::Parser)]
#[command(
    name = "chat-bench",
    about = "chat-bench: chat latency through the api and worker",
    after_help = "Needs DATABASE_URL and DATABASE_OWNER_URL; `scripts/bench chat` sets both."
)]
struct Args {
    /// Routed requests timed with the model off
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    messages: u64,
    /// Questions for the real model, per mode (0 skips)
    #[arg(long, default_value_t = 6)]
    prompts: usize,
    /// An Ollama-compatible server
    #[arg(long, default_value = "http://127.0.0.1:11434")]
    model_url: String,
    /// Its model
    #[arg(long, default_value = "smollm2:135m")]
    model: String,
}

fn main() -> ExitCode {
    let mut args: Args = match bench::parse_args() {
        Ok(args) => args,
        Err(code) => return code,
    };
    args.model_url = args.model_url.trim_end_matches('/').to_string();
    bench::main("chat-bench", false, |database| async move {
        run(&args, &database).await.map(|()| true)
    })
}

/// The api on a free port and a signed-in owner of one school.
struct Setup {
    pool: sqlx::PgPool,
    owner: Member,
}

impl Setup {
    async fn create(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self.owner.post(path, body).await;
        let status = response.status();
        let json: Value = response.json().await?;
        if !status.is_success() {
            bail!("POST {path} answered {status}: {json}");
        }
        Ok(json)
    }
}

async fn run(args: &Args, database: &str) -> anyhow::Result<()> {
    let api_pool = app_pool(database, 10).await?;
    let worker_pool = app_pool(database, 10).await?;
    let base = in_process::serve_api(&api_pool).await?;
    let setup = Setup {
        pool: api_pool.clone(),
        owner: ApiClient::with_timeout(base, Duration::from_secs(60))
            .owner_with_school("bench@example.com", "Bench Academy")
            .await,
    };
    let class = setup
        .create("/classes", json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": 2025, "stream": "East"}))
        .await?;
    for i in 1..=STUDENTS {
        setup
            .create("/students", json!({"admission_no": format!("ADM-2025-{i:03}"), "first_name": format!("Pupil{i}"), "last_name": "Otieno", "class_id": class["id"]}))
            .await?;
    }
    let off = shared::ollama::OllamaConfig::new(in_process::NO_MODEL, "none");
    let stop = in_process::start_worker(&worker_pool, off, "chat-bench")?;
    let response = setup
        .owner
        .request(reqwest::Method::POST, "/invoices/generate")
        .json(&json!({"class_id": class["id"], "term": 1, "year": 2025}))
        .header("Prefer", "wait=60")
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::OK {
        bail!("invoice generation answered {}", response.status());
    }

    println!("chat-bench: database {database}, {STUDENTS} students invoiced");
    println!();
    routed(&setup, args.messages as usize).await?;
    let _ = stop.send(());
    tokio::time::sleep(Duration::from_secs(1)).await;

    if args.prompts > 0 {
        let client = setup.owner.api().http().clone();
        if model_answers(&client, &args.model_url).await {
            for tools in [false, true] {
                let mut config = shared::ollama::OllamaConfig::new(&args.model_url, &args.model);
                config.offer_tools = tools;
                let stop = in_process::start_worker(&worker_pool, config, "chat-bench")?;
                with_model(&setup, args, tools).await?;
                let _ = stop.send(());
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        } else {
            println!();
            println!(
                "real model: SKIPPED, nothing answers at {} (start ../shared/llm/serve.sh or pass --model-url)",
                args.model_url
            );
        }
    }
    Ok(())
}

const ROUTED: &[&str] = &[
    "what is the balance for ADM-2025-001?",
    "salio la ADM-2025-002",
    "how much does Grade 4 East owe?",
    "how much have we collected in term 1 2025?",
    "generate invoices for Grade 4 East for term 2 2025",
    "record payment of 10000 for ADM-2025-003 via MPESA ref QKH94M1Z11",
    "bill ADM-2025-004 for term 3 2025",
];

async fn chat(setup: &Setup) -> anyhow::Result<String> {
    let chat = setup.create("/chats", json!({"title": "Bench"})).await?;
    Ok(chat["id"].as_str().context("a chat id")?.to_string())
}

/// Posts `text`; returns (time to first delta, time to completed, the message).
async fn timed(
    setup: &Setup,
    events: &mut EventStream,
    chat: &str,
    text: &str,
    limit: Duration,
) -> anyhow::Result<(Duration, Duration, Value)> {
    let started = Instant::now();
    let exchange = setup
        .create(&format!("/chats/{chat}/messages"), json!({"content": text}))
        .await?;
    let id = exchange["assistant_message"]["id"].clone();
    let mut first_delta = None;
    loop {
        let event = events
            .next_within(limit)
            .await
            .with_context(|| format!("no event within {limit:?}"))?;
        let (kind, data) = (event.kind, event.data);
        if kind == "chat.message.delta" && data["message_id"] == id && first_delta.is_none() {
            first_delta = Some(started.elapsed());
        }
        if kind == "chat.message.completed" && data["id"] == id {
            let done = started.elapsed();
            return Ok((first_delta.unwrap_or(done), done, data));
        }
    }
}

fn ms(d: f64) -> String {
    format!("{:.1} ms", d * 1000.0)
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn routed(setup: &Setup, messages: usize) -> anyhow::Result<()> {
    let mut events = EventStream::open(setup.owner.request(reqwest::Method::GET, "/events")).await;
    let chat = chat(setup).await?;
    let mut times = Vec::with_capacity(messages);
    for i in 0..messages {
        let text = ROUTED[i % ROUTED.len()];
        let (_, done, message) =
            timed(setup, &mut events, &chat, text, Duration::from_secs(30)).await?;
        if message["status"] != "completed" || message["action"].is_null() {
            bail!("{text:?} was not answered by the router: {message}");
        }
        times.push(done.as_secs_f64());
    }
    println!(
        "routed requests, model off: POST message -> chat.message.completed over SSE, {messages} messages ({} phrasings)",
        ROUTED.len()
    );
    println!(
        "  p50 {}   p99 {}   max {}",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 99.0)),
        ms(percentile(&times, 100.0))
    );
    Ok(())
}

async fn model_answers(client: &Client, url: &str) -> bool {
    match client
        .get(format!("{url}/api/tags"))
        .timeout(Duration::from_secs(2))
        .send()
        .await
    {
        Ok(response) => response.status().is_success(),
        Err(_) => false,
    }
}

const PROMPTS: &[&str] = &[
    "hello, who are you?",
    "what can you help me with?",
    "habari yako?",
    "give me a tip for talking to parents about late fees",
    "how do I start the new term well?",
    "say something kind to a new teacher",
];

/// The model's own time to first token for `messages`, streamed directly.
async fn model_ttft(
    client: &Client,
    args: &Args,
    messages: &[shared::ollama::Message],
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut response = client
        .post(format!("{}/api/chat", args.model_url))
        .json(&json!({"model": args.model, "messages": messages, "stream": true}))
        .timeout(Duration::from_secs(300))
        .send()
        .await?;
    let mut buffer = Vec::new();
    while let Some(bytes) = response.chunk().await? {
        buffer.extend_from_slice(&bytes);
        while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            let chunk: Value = serde_json::from_slice(&line)?;
            let text = chunk["message"]["content"].as_str().unwrap_or("");
            if !text.is_empty() {
                let first = started.elapsed().as_secs_f64();
                // Read the rest, so the model is free for the next request.
                while response.chunk().await?.is_some() {}
                return Ok(first);
            }
        }
    }
    bail!("the model sent no text")
}

/// The messages the worker sends for a first question in a new chat.
async fn context_messages(
    setup: &Setup,
    prompt: &str,
) -> anyhow::Result<Vec<shared::ollama::Message>> {
    let mut tx = shared::db::begin_tenant(&setup.pool, setup.owner.school, None).await?;
    let today = shared::domain::calendar::today_in_kenya();
    let context = shared::chat::context::school_context(&mut tx, today).await?;
    tx.commit().await?;
    Ok(context.messages(&[], prompt))
}

async fn with_model(setup: &Setup, args: &Args, tools: bool) -> anyhow::Result<()> {
    let mut events = EventStream::open(setup.owner.request(reqwest::Method::GET, "/events")).await;
    let (mut ttfd, mut total, mut direct) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..args.prompts {
        let prompt = PROMPTS[i % PROMPTS.len()];
        // A new chat each time: the same messages as the direct request.
        // The model may cache a prompt it has just seen, so the two take
        // turns going first.
        let context = context_messages(setup, prompt).await?;
        if i % 2 == 0 {
            direct.push(model_ttft(setup.owner.api().http(), args, &context).await?);
        }
        let chat = chat(setup).await?;
        let (first, done, message) =
            timed(setup, &mut events, &chat, prompt, Duration::from_secs(300)).await?;
        if message["status"] != "completed" {
            bail!("the model's answer to {prompt:?} failed: {message}");
        }
        ttfd.push(first.as_secs_f64());
        total.push(done.as_secs_f64());
        if i % 2 == 1 {
            direct.push(model_ttft(setup.owner.api().http(), args, &context).await?);
        }
    }
    let (ttfd, direct, total) = (
        median(ttfd.into_iter()),
        median(direct.into_iter()),
        median(total.into_iter()),
    );
    println!();
    println!(
        "real model {} at {}, tools {}: medians of {} prompts",
        args.model,
        args.model_url,
        if tools { "offered" } else { "off" },
        args.prompts
    );
    println!(
        "  first chat.message.delta at the SSE client {}   model's own time to first token {}   overhead {}   whole answer {}",
        ms(ttfd),
        ms(direct),
        ms(ttfd - direct),
        ms(total)
    );
    Ok(())
}
