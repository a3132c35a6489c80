//! The chat assistant's known requests, end to end over HTTP with a real
//! worker and no language model: previews before writes, confirmation by
//! message or endpoint, role checks, clarifying questions, answers from the
//! ledger, and chats kept to their user and school.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{class_of, generate},
};

pub async fn new_chat(session: &Member) -> Uuid {
    let chat = session.create("/chats", json!({"title": "Ops Desk"})).await;
    assert_eq!(chat["title"], "Ops Desk");
    chat["id"].as_str().unwrap().parse().unwrap()
}

/// Posts `text`; returns the 202 body {user_message, assistant_message}.
pub async fn say(session: &Member, chat: Uuid, text: &str) -> Value {
    let response = session
        .post(&format!("/chats/{chat}/messages"), json!({"content": text}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let exchange: Value = response.json().await.unwrap();
    assert_eq!(exchange["user_message"]["content"], text);
    assert_eq!(exchange["user_message"]["status"], "completed");
    assert_eq!(exchange["assistant_message"]["status"], "pending");
    assert_eq!(
        exchange["assistant_message"]["reply_to"],
        exchange["user_message"]["id"]
    );
    exchange
}

/// The message `id` of the chat once `done` holds for it.
pub async fn message_when(
    session: &Member,
    chat: Uuid,
    id: &Value,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let messages = session
        .eventually(&format!("/chats/{chat}/messages?limit=500"), |all| {
            all.as_array()
                .and_then(|all| all.iter().find(|m| &m["id"] == id))
                .is_some_and(&done)
        })
        .await;
    messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| &m["id"] == id)
        .unwrap()
        .clone()
}

/// Posts `text` and returns the assistant's finished answer.
pub async fn ask(session: &Member, chat: Uuid, text: &str) -> Value {
    let exchange = say(session, chat, text).await;
    message_when(session, chat, &exchange["assistant_message"]["id"], |m| {
        m["status"] == "completed" || m["status"] == "failed"
    })
    .await
}

async fn invoice_count(session: &Member) -> usize {
    let (_, invoices) = session.get_json("/invoices?limit=500").await;
    invoices.as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generating_invoices_is_previewed_then_runs_on_yes_and_reports_the_operation() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 3).await;
    let chat = new_chat(&owner).await;

    let preview = ask(
        &owner,
        chat,
        "Generate invoices for class Grade 4 East for term 1 2025 with lunch",
    )
    .await;
    assert_eq!(preview["status"], "completed", "{preview}");
    let action = &preview["action"];
    assert_eq!(action["intent"], "generate_invoices", "{preview}");
    assert_eq!(action["status"], "proposed");
    assert_eq!(action["args"]["class_id"], json!(class));
    assert_eq!(action["args"]["term"], 1);
    assert_eq!(action["args"]["year"], 2025);
    assert_eq!(action["args"]["include_optional"], json!({"Lunch": true}));
    assert_eq!(action["preview"]["count"], 3);
    let content = preview["content"].as_str().unwrap();
    assert!(
        content.contains("3 invoices") && content.contains("KES "),
        "{content}"
    );
    assert_eq!(
        invoice_count(&owner).await,
        0,
        "nothing is written before confirmation"
    );

    let reply = ask(&owner, chat, "yes").await;
    assert_eq!(reply["action"]["intent"], "generate_invoices", "{reply}");
    let operation_id = reply["action"]["result"]["operation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let operation = owner
        .eventually(&format!("/operations/{operation_id}"), |op| {
            op["status"] == "succeeded"
        })
        .await;
    assert_eq!(operation["result"]["created"], 3);
    assert_eq!(invoice_count(&owner).await, 3);
    // The preview's total is what was issued.
    assert_eq!(
        operation["result"]["total_amount"],
        action["preview"]["total"]
    );

    // The outcome comes back into the chat; the proposal is confirmed.
    let done = message_when(&owner, chat, &reply["id"], |m| {
        m["action"]["status"] == "done"
    })
    .await;
    assert_eq!(done["action"]["result"]["created"], 3, "{done}");
    assert!(
        done["content"]
            .as_str()
            .unwrap()
            .contains("3 invoices issued"),
        "{done}"
    );
    let proposal = message_when(&owner, chat, &preview["id"], |_| true).await;
    assert_eq!(proposal["action"]["status"], "confirmed");

    // A second "yes" has nothing left to confirm.
    let again = ask(&owner, chat, "ndio").await;
    assert!(again["action"].is_null());
    assert!(
        again["content"]
            .as_str()
            .unwrap()
            .contains("nothing waiting"),
        "{again}"
    );
    assert_eq!(invoice_count(&owner).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirm_endpoint_runs_a_proposal_once_and_no_cancels_one() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, _class) = class_of(&app, 2).await;
    let chat = new_chat(&owner).await;

    // "hapana" cancels; nothing is written.
    let first = ask(&owner, chat, "invoice Grade 4 East for term 1 2025").await;
    assert_eq!(first["action"]["status"], "proposed", "{first}");
    let cancelled = ask(&owner, chat, "hapana").await;
    assert_eq!(cancelled["action"]["status"], "cancelled", "{cancelled}");
    let first = message_when(&owner, chat, &first["id"], |_| true).await;
    assert_eq!(first["action"]["status"], "cancelled");
    let confirm_path =
        |id: &Value| format!("/chats/{chat}/messages/{}/confirm", id.as_str().unwrap());
    let response = owner
        .request(Method::POST, &confirm_path(&first["id"]))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::CONFLICT, "action_not_proposed").await;
    assert_eq!(invoice_count(&owner).await, 0);

    // A new proposal, confirmed with the endpoint.
    let second = ask(&owner, chat, "invoice Grade 4 East for term 1 2025").await;
    let response = owner
        .request(Method::POST, &confirm_path(&second["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answered: Value = response.json().await.unwrap();
    assert_eq!(answered["proposal"]["action"]["status"], "confirmed");
    assert_eq!(answered["assistant_message"]["status"], "completed");
    assert_eq!(answered["assistant_message"]["reply_to"], second["id"]);
    assert_eq!(
        answered["assistant_message"]["action"]["status"],
        "confirmed"
    );
    message_when(&owner, chat, &answered["assistant_message"]["id"], |m| {
        m["action"]["status"] == "done"
    })
    .await;
    assert_eq!(invoice_count(&owner).await, 2);

    // Confirming twice is refused; so is confirming a user's own message.
    let response = owner
        .request(Method::POST, &confirm_path(&second["id"]))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::CONFLICT, "action_not_proposed").await;
    let response = owner
        .request(Method::POST, &confirm_path(&second["reply_to"]))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::CONFLICT, "nothing_to_confirm").await;
    let response = owner
        .request(
            Method::POST,
            &format!("/chats/{chat}/messages/{}/confirm", Uuid::new_v4()),
        )
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "message_not_found").await;
    assert_eq!(invoice_count(&owner).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_by_chat_is_previewed_recorded_posted_and_reported() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 1).await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (_, student) = owner.get_json("/students?q=ADM-2025-001").await;
    let student_id = student[0]["id"].clone();
    let (_, before) = owner
        .get_json(&format!("/students/{}", student_id.as_str().unwrap()))
        .await;
    let chat = new_chat(&owner).await;

    let preview = ask(
        &owner,
        chat,
        "record payment of 10000 for ADM-2025-001 via MPESA ref QKH94M1Z11",
    )
    .await;
    let action = &preview["action"];
    assert_eq!(action["intent"], "record_payment", "{preview}");
    assert_eq!(action["status"], "proposed");
    assert_eq!(action["args"]["student_id"], student_id);
    assert_eq!(action["args"]["amount"], "10000.00");
    assert_eq!(action["args"]["method"], "MPESA");
    assert_eq!(action["args"]["txn_ref"], "QKH94M1Z11");
    assert_eq!(action["preview"], json!({"count": 1, "total": "10000.00"}));
    let content = preview["content"].as_str().unwrap();
    assert!(
        content.contains("KES 10,000.00") && content.contains("M-Pesa"),
        "{content}"
    );
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments.as_array().unwrap().len(), 0);

    let reply = ask(&owner, chat, "confirm").await;
    // Confirmed, or already done if the worker posted it first.
    assert!(
        ["confirmed", "done"].contains(&reply["action"]["status"].as_str().unwrap()),
        "{reply}"
    );
    let posted = message_when(&owner, chat, &reply["id"], |m| {
        m["action"]["status"] == "done"
    })
    .await;
    assert_eq!(
        posted["action"]["result"]["posting_status"], "POSTED",
        "{posted}"
    );
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments.as_array().unwrap().len(), 1);
    assert_eq!(payments[0]["posting_status"], "POSTED");
    let (_, after) = owner
        .get_json(&format!("/students/{}", student_id.as_str().unwrap()))
        .await;
    let owed = |s: &Value| {
        s["balance"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap_or_default()
    };
    assert!(
        (owed(&before) - owed(&after) - 10000.0).abs() < 0.001,
        "{before} {after}"
    );
    assert_books_right(&app, &owner).await;

    // The same reference again is refused in the preview, not recorded twice.
    let again = ask(
        &owner,
        chat,
        "record payment of 10000 for ADM-2025-001 via MPESA ref QKH94M1Z11",
    )
    .await;
    assert!(again["action"].is_null(), "{again}");
    assert!(
        again["content"]
            .as_str()
            .unwrap()
            .contains("already recorded"),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balances_and_collections_are_answered_at_once_from_the_ledger() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 2).await;
    let operation = generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (_, students) = owner.get_json("/students?q=ADM-2025-001").await;
    let student_id = students[0]["id"].as_str().unwrap().to_string();
    let (_, detail) = owner.get_json(&format!("/students/{student_id}")).await;
    let chat = new_chat(&owner).await;

    let answer = ask(&owner, chat, "what is the balance for ADM-2025-001?").await;
    assert_eq!(answer["action"]["intent"], "student_balance", "{answer}");
    assert_eq!(answer["action"]["status"], "done");
    assert_eq!(answer["action"]["result"]["balance"], detail["balance"]);
    let figure = detail["balance"].as_str().unwrap();
    let content = answer["content"].as_str().unwrap();
    assert!(
        content.contains("Pupil1 Otieno (ADM-2025-001)"),
        "{content}"
    );
    assert!(content.contains("INV-2025-0000"), "{content}");

    let kiswahili = ask(&owner, chat, "salio la ADM-2025-001").await;
    assert_eq!(kiswahili["action"]["result"]["balance"], figure);

    let class_answer = ask(&owner, chat, "how much does Grade 4 East owe?").await;
    assert_eq!(
        class_answer["action"]["intent"], "class_balance",
        "{class_answer}"
    );
    assert_eq!(
        class_answer["action"]["result"]["owed"],
        operation["result"]["total_amount"]
    );
    assert_eq!(class_answer["action"]["result"]["students_owing"], 2);

    let collected = ask(&owner, chat, "how much have we collected in term 1 2025?").await;
    assert_eq!(collected["action"]["intent"], "collections", "{collected}");
    assert_eq!(
        collected["action"]["result"]["invoiced"],
        operation["result"]["total_amount"]
    );
    assert_eq!(collected["action"]["result"]["collected"], "0.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_name_gets_a_question_listing_the_candidates_not_a_guess() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    for (adm, last) in [("ADM-1", "Doe"), ("ADM-2", "Kamau")] {
        owner
            .create(
                "/students",
                json!({"admission_no": adm, "first_name": "John", "last_name": last}),
            )
            .await;
    }
    let chat = new_chat(&owner).await;
    let question = ask(&owner, chat, "Jane Doe paid 10k cash for John").await;
    assert!(question["action"].is_null(), "{question}");
    let content = question["content"].as_str().unwrap();
    assert!(
        content.contains("John Doe (ADM-1") && content.contains("John Kamau (ADM-2"),
        "{content}"
    );
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments.as_array().unwrap().len(), 0);

    // The full name is not ambiguous.
    let balance = ask(&owner, chat, "what is John Kamau's balance?").await;
    assert_eq!(balance["action"]["intent"], "student_balance", "{balance}");
    assert!(
        balance["content"].as_str().unwrap().contains("ADM-2"),
        "{balance}"
    );

    let unknown = ask(&owner, chat, "what is the balance for ADM-404?").await;
    assert!(
        unknown["content"]
            .as_str()
            .unwrap()
            .contains("No student has admission number ADM-404"),
        "{unknown}"
    );
    let missing = ask(&owner, chat, "record payment for ADM-1").await;
    assert!(
        missing["content"].as_str().unwrap().contains("the amount"),
        "{missing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_may_ask_but_writes_are_refused_as_the_rest_api_refuses_them() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, _class) = class_of(&app, 1).await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    let chat = new_chat(&teacher.at(owner.school)).await;

    let refused = ask(
        &teacher.at(owner.school),
        chat,
        "record payment of 500 cash for ADM-2025-001",
    )
    .await;
    assert_eq!(refused["action"]["status"], "failed", "{refused}");
    assert_eq!(
        refused["action"]["result"]["error"]["code"],
        "insufficient_role"
    );
    let refused = ask(
        &teacher.at(owner.school),
        chat,
        "generate invoices for Grade 4 East term 1 2025",
    )
    .await;
    assert_eq!(refused["action"]["status"], "failed", "{refused}");
    let answered = ask(
        &teacher.at(owner.school),
        chat,
        "what is the balance for ADM-2025-001?",
    )
    .await;
    assert_eq!(answered["action"]["status"], "done", "{answered}");

    // A bursar's proposal cannot be confirmed once demoted: the role is checked at confirm time too.
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let chat = new_chat(&bursar.at(owner.school)).await;
    let proposal = ask(
        &bursar.at(owner.school),
        chat,
        "record payment of 500 cash for ADM-2025-001",
    )
    .await;
    assert_eq!(proposal["action"]["status"], "proposed", "{proposal}");
    let mut tx = app.tenant_tx(owner.school).await;
    sqlx::query("UPDATE school_memberships SET role = 'VIEWER' WHERE user_id = $1")
        .bind(bursar.user_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let response = bursar
        .at(owner.school)
        .request(
            Method::POST,
            &format!(
                "/chats/{chat}/messages/{}/confirm",
                proposal["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    let by_message = ask(&bursar.at(owner.school), chat, "yes").await;
    assert_eq!(by_message["action"]["status"], "failed", "{by_message}");
    let (_, payments) = owner.get_json("/payments").await;
    assert_eq!(payments.as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifying_families_that_owe_is_previewed_then_sent_in_app() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let class = owner.grade_4_east().await;
    let mut students = Vec::new();
    for (adm, first) in [("A1", "Amina"), ("A2", "Baraka")] {
        let guardian = json!({"first_name": format!("{first}'s"), "last_name": "Guardian", "phone": "0712345678"});
        let student = owner.create("/students", json!({"admission_no": adm, "first_name": first, "last_name": "O", "class_id": class, "primary_guardian": guardian})).await;
        students.push(student["id"].as_str().unwrap().to_string());
    }
    generate(
        &owner,
        json!({"student_id": students[0], "term": 1, "year": 2025}),
    )
    .await;
    let chat = new_chat(&owner).await;

    let preview = ask(
        &owner,
        chat,
        "tuma ukumbusho wa ada kwa wazazi wa Grade 4 East",
    )
    .await;
    assert_eq!(preview["action"]["intent"], "notify_balances", "{preview}");
    assert_eq!(
        preview["action"]["args"],
        json!({"channel": "IN_APP", "class_id": class})
    );
    assert_eq!(
        preview["action"]["preview"]["count"], 1,
        "only Amina's family owes"
    );
    let reply = ask(&owner, chat, "ndio").await;
    let done = message_when(&owner, chat, &reply["id"], |m| {
        m["action"]["status"] == "done"
    })
    .await;
    assert_eq!(done["action"]["result"]["recipients"], 1, "{done}");
    let (_, notifications) = owner.get_json("/notifications").await;
    assert_eq!(notifications[0]["sent"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_belongs_to_its_user_and_school() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let colleague = owner.add_member("bursar@example.com", "BURSAR").await;
    let other_owner = app
        .owner_with_school("other@example.com", "Other School")
        .await;
    other_owner
        .create(
            "/students",
            json!({"admission_no": "ADM-9", "first_name": "Secret", "last_name": "Child"}),
        )
        .await;
    let chat = new_chat(&owner).await;
    let exchange = say(&owner, chat, "what is the balance for ADM-9?").await;
    let answer = message_when(&owner, chat, &exchange["assistant_message"]["id"], |m| {
        m["status"] == "completed"
    })
    .await;
    let content = answer["content"].as_str().unwrap();
    assert!(
        content.contains("No student has admission number ADM-9") && !content.contains("Secret"),
        "{content}"
    );

    let path = format!("/chats/{chat}/messages");
    let (status, _) = colleague.get_json(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a colleague cannot read it");
    let (_, theirs) = colleague.get_json("/chats").await;
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    let response = colleague.post(&path, json!({"content": "hi"})).await;
    assert_problem(response, StatusCode::NOT_FOUND, "chat_not_found").await;
    let (status, _) = other_owner.get_json(&path).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another school cannot see it"
    );
    let (status, _) = other_owner.at(school).get_json(&path).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nor pretend to be in this school"
    );

    for bad in [
        json!({"content": ""}),
        json!({"content": "x".repeat(4001)}),
        json!({"content": "a\u{0007}b"}),
        json!({"text": "hi"}),
    ] {
        let response = owner
            .request(Method::POST, &path)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
