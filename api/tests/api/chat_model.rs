//! The language-model side of the chat against a deterministic in-process
//! Ollama: streamed text over SSE, the school's own context in the prompt,
//! tool calls validated and previewed, and every failure of the model
//! leaving a failed message that a retry can answer.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use shared::testing::{EventStream, Received};

use crate::{
    chat::{ask, message_when, new_chat, say},
    fake_ollama::{FakeOllama, Step, done, head, line, piece, tool_call},
    helpers::{Member, NO_MODEL, TestApp, assert_problem},
};

fn events_for(session: &Member) -> reqwest::RequestBuilder {
    session.request(Method::GET, "/events")
}

fn text_of(deltas: &[Received], message_id: &Value) -> String {
    deltas
        .iter()
        .filter(|e| e.kind == "chat.message.delta" && &e.data["message_id"] == message_id)
        .map(|e| e.data["delta"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_the_router_does_not_know_stream_from_the_model_to_their_user_only() {
    let app = TestApp::spawn().await;
    let model = FakeOllama::start(false).await;
    app.start_worker_with_ollama(&model.url);
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let colleague = owner.add_member("bursar@example.com", "BURSAR").await;
    app.owner_with_school("other@example.com", "Other School")
        .await;
    // "✓" is three bytes; the first write ends inside it.
    let check = "✓".as_bytes();
    let mut split = format!("{}\n", piece("Habari! ✓ I am the assistant.")).into_bytes();
    let cut = split.windows(check.len()).position(|w| w == check).unwrap() + 1;
    let rest = split.split_off(cut);
    model.script(vec![
        head(),
        Step::Write(split),
        Step::Pause(50),
        Step::Write(rest),
        Step::Pause(50),
        line(piece(" Ask me about fees.")),
        line(done()),
    ]);
    let chat = new_chat(&owner).await;
    let mut mine = EventStream::open(events_for(&owner)).await;
    let mut theirs = EventStream::open(events_for(&colleague)).await;

    let exchange = say(&owner, chat, "hello, who are you?").await;
    let id = exchange["assistant_message"]["id"].clone();
    let events = mine
        .until(|e| e.kind == "chat.message.completed" && e.data["id"] == id)
        .await;
    let streamed = text_of(&events, &id);
    assert_eq!(streamed, "Habari! ✓ I am the assistant. Ask me about fees.");
    let deltas = events
        .iter()
        .filter(|e| e.kind == "chat.message.delta")
        .count();
    assert!(deltas >= 2, "the text arrived in pieces: {events:#?}");
    let completed = events.last().unwrap();
    assert_eq!(completed.data["status"], "completed");
    assert_eq!(completed.data["content"], streamed);
    assert!(completed.data["action"].is_null());
    theirs.assert_quiet().await;

    let message = message_when(&owner, chat, &id, |m| m["status"] == "completed").await;
    assert_eq!(message["content"], streamed);

    let requests = model.chat_requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request["stream"], true);
    assert!(
        request.get("tools").is_none(),
        "no tools for a model without the capability"
    );
    let system = request["messages"][0]["content"].as_str().unwrap();
    assert_eq!(request["messages"][0]["role"], "system");
    assert!(system.contains("Imara Academy"), "{system}");
    assert!(!system.contains("Other School"), "{system}");
    assert_eq!(
        request["messages"].as_array().unwrap().last().unwrap()["content"],
        "hello, who are you?"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mid_stream_error_fails_the_answer_keeps_the_question_and_a_retry_answers_it() {
    let app = TestApp::spawn().await;
    let model = FakeOllama::start(false).await;
    app.start_worker_with_ollama(&model.url);
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    model.script(vec![
        head(),
        line(piece("Partial ")),
        line(json!({"error": "model runner crashed"})),
    ]);
    let chat = new_chat(&owner).await;
    let failed = ask(&owner, chat, "tell me a story").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["content"], "Partial ");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("model runner crashed"),
        "{failed}"
    );
    let (_, messages) = owner.get_json(&format!("/chats/{chat}/messages")).await;
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["content"], "tell me a story");

    let retry = format!(
        "/chats/{chat}/messages/{}/retry",
        failed["id"].as_str().unwrap()
    );
    let response = owner.request(Method::POST, &retry).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let pending: Value = response.json().await.unwrap();
    assert_eq!(pending["status"], "pending");
    let answered = message_when(&owner, chat, &failed["id"], |m| m["status"] == "completed").await;
    assert_eq!(answered["content"], "Hello from the fake model.");
    assert!(answered["error"].is_null());

    let response = owner.request(Method::POST, &retry).send().await.unwrap();
    assert_problem(response, StatusCode::CONFLICT, "message_not_failed").await;
    let user_message = format!(
        "/chats/{chat}/messages/{}/retry",
        messages[0]["id"].as_str().unwrap()
    );
    let response = owner
        .request(Method::POST, &user_message)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::CONFLICT, "message_not_failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_a_dropped_stream_and_a_slow_start_each_fail_with_a_clear_reason() {
    let app = TestApp::spawn().await;
    let model = FakeOllama::start(false).await;
    app.start_worker_with_ollama(&model.url);
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let chat = new_chat(&owner).await;
    let cases: Vec<(Vec<Step>, &str)> = vec![
        (vec![head(), line(piece("ok ")), Step::Write(b"<html>oops</html>\n".to_vec())], "not valid JSON"),
        (vec![head(), line(piece("and then"))], "ended before"),
        (vec![Step::Pause(3500), head(), line(done())], "did not start answering"),
        (vec![Step::Write(b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 38\r\nconnection: close\r\n\r\n{\"error\":\"model 'x' not found, try\"}  ".to_vec())], "404"),
    ];
    for (steps, reason) in cases {
        model.script(steps);
        let failed = ask(&owner, chat, "tell me something").await;
        assert_eq!(failed["status"], "failed", "{failed}");
        let error = failed["error"].as_str().unwrap();
        assert!(error.contains(reason), "{reason:?} not in {error:?}");
        assert!(error.contains("Retry"), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_model_down_known_requests_still_work() {
    let app = TestApp::spawn().await;
    app.start_worker_with_ollama(NO_MODEL);
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    owner
        .create(
            "/students",
            json!({"admission_no": "ADM-2025-001", "first_name": "John", "last_name": "Doe"}),
        )
        .await;
    let chat = new_chat(&owner).await;
    let failed = ask(&owner, chat, "hello, who are you?").await;
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error"].as_str().unwrap().contains("not reachable"),
        "{failed}"
    );
    let balance = ask(&owner, chat, "what is the balance for ADM-2025-001?").await;
    assert_eq!(balance["status"], "completed");
    assert_eq!(balance["action"]["status"], "done");
    assert_eq!(balance["action"]["result"]["balance"], "0.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_models_tool_calls_are_validated_and_still_wait_for_confirmation() {
    let app = TestApp::spawn().await;
    let model = FakeOllama::start(true).await;
    app.start_worker_with_ollama(&model.url);
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let student = owner
        .create(
            "/students",
            json!({"admission_no": "ADM-2025-001", "first_name": "John", "last_name": "Doe"}),
        )
        .await;
    let chat = new_chat(&owner).await;

    model.script(tool_call(
        "record_payment",
        json!({"student": "ADM-2025-001", "amount": "2500", "method": "CASH"}),
    ));
    let proposal = ask(&owner, chat, "the boy's mother came by with money").await;
    assert_eq!(proposal["action"]["intent"], "record_payment", "{proposal}");
    assert_eq!(proposal["action"]["status"], "proposed");
    assert_eq!(proposal["action"]["args"]["student_id"], student["id"]);
    assert_eq!(proposal["action"]["args"]["amount"], "2500.00");
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(
        payments.as_array().unwrap().len(),
        0,
        "a tool call never writes by itself"
    );
    let requests = model.chat_requests();
    let offered: Vec<&str> = requests[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(offered.contains(&"record_payment") && offered.contains(&"generate_invoices"));

    // A garbled call is dropped and the model is asked again, without tools.
    model.script(tool_call(
        "record_payment",
        json!({"student": "ADM-2025-001", "amount": "-3", "method": "GOLD"}),
    ));
    let garbled = ask(&owner, chat, "and the other thing").await;
    assert_eq!(garbled["status"], "completed");
    assert!(garbled["action"].is_null(), "{garbled}");
    assert_eq!(garbled["content"], "Hello from the fake model.");
    let requests = model.chat_requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[1]["tools"].is_array());
    assert!(requests[2].get("tools").is_none());
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments.as_array().unwrap().len(), 0);
}

/// Where the end-to-end test looks for a real model: OLLAMA_E2E_URL, or
/// ../shared/llm/serve.sh's default address.
fn real_model_url() -> String {
    std::env::var("OLLAMA_E2E_URL").unwrap_or_else(|_| "http://127.0.0.1:11434".into())
}

async fn real_model_is_running(url: &str) -> bool {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    match client.get(format!("{url}/api/tags")).send().await {
        Ok(response) => response
            .json::<Value>()
            .await
            .is_ok_and(|tags| tags["models"].is_array()),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_model_streams_its_answer_over_sse_when_one_is_running() {
    let url = real_model_url();
    if !real_model_is_running(&url).await {
        eprintln!(
            "SKIPPED a_real_model_streams_its_answer_over_sse_when_one_is_running: no Ollama-compatible \
             server at {url} (start ../shared/llm/serve.sh, or set OLLAMA_E2E_URL)"
        );
        return;
    }
    let app = TestApp::spawn().await;
    let model = std::env::var("OLLAMA_MODEL").unwrap_or_else(|_| "smollm2:135m".into());
    app.start_worker_with_model(shared::ollama::OllamaConfig::new(&url, model));
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let chat = new_chat(&owner).await;
    let mut stream = EventStream::open(events_for(&owner)).await;
    let exchange = say(&owner, chat, "hello, who are you?").await;
    let id = exchange["assistant_message"]["id"].clone();
    let mut events = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    loop {
        let remaining = deadline.saturating_duration_since(std::time::Instant::now());
        let event = stream
            .next_within(remaining)
            .await
            .expect("the real model finished within 3 minutes");
        let done = event.kind == "chat.message.completed" && event.data["id"] == id;
        events.push(event);
        if done {
            break;
        }
    }
    let streamed = text_of(&events, &id);
    let deltas = events
        .iter()
        .filter(|e| e.kind == "chat.message.delta" && e.data["message_id"] == id)
        .count();
    let completed = events.last().unwrap();
    assert_eq!(
        completed.data["status"], "completed",
        "{:?}",
        completed.data
    );
    assert!(deltas >= 1, "deltas arrived over SSE");
    assert!(!streamed.trim().is_empty());
    assert_eq!(completed.data["content"], streamed);
    eprintln!("real model answered in {deltas} deltas: {streamed:?}");
}
