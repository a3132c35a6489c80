//! GET /events over the wire, read with shared::testing's EventStream (it
//! parses the raw body, every read bounded by a timeout so no test can hang).

use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use shared::testing::{EventStream, Received};

use crate::{
    helpers::{Member, TestApp, assert_problem},
    invoicing::{class_of, generate},
};

fn ids_strictly_increase(events: &[Received]) -> bool {
    events.windows(2).all(|w| w[0].id < w[1].id)
}

fn kinds(events: &[Received]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn id_kind(events: &[Received]) -> Vec<(i64, String)> {
    events.iter().map(|e| (e.id, e.kind.clone())).collect()
}

/// The school's event log, oldest first, after `after`: what a stream
/// must deliver.
async fn logged(app: &TestApp, school: Uuid, after: i64) -> Vec<(i64, String)> {
    let mut tx = app.tenant_tx(school).await;
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, kind FROM events WHERE id > $1 ORDER BY id")
            .bind(after)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    rows
}

/// The school's invoices, as JSON.
async fn invoices(session: &Member) -> Vec<Value> {
    let (_, invoices) = session.get_json("/invoices").await;
    invoices.as_array().unwrap().clone()
}

/// Records a cash payment against `invoice` and waits until it is posted.
async fn pay_and_post(session: &Member, invoice: &Value, amount: u32) -> Value {
    let payment = session
        .create(
            "/payments",
            json!({"invoice_id": invoice["id"], "amount": amount, "method": "CASH"}),
        )
        .await;
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    session
        .eventually(&path, |p| p["posting_status"] == "POSTED")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_receives_the_schools_events_in_commit_order_with_increasing_ids() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 2).await;
    let mut stream = EventStream::open(owner.request(Method::GET, "/events")).await;

    let operation = generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let issued = invoices(&owner).await;
    // One after the other, so their commit order is known.
    let first = pay_and_post(&owner, &issued[0], 1000).await;
    let second = pay_and_post(&owner, &issued[1], 2000).await;

    let received = stream.until(|e| e.data["payment_id"] == second["id"]).await;
    assert_eq!(
        kinds(&received),
        [
            "operation.updated",
            "operation.updated",
            "operation.updated",
            "invoice.generated",
            "payment.posted",
            "payment.posted"
        ],
        "{received:#?}"
    );
    assert!(ids_strictly_increase(&received), "{received:#?}");
    assert_eq!(
        id_kind(&received),
        logged(&app, owner.school, 0).await,
        "the stream is the owner.school's log, in order"
    );

    let updates = &received[..3];
    assert!(updates.iter().all(|e| e.data["id"] == operation["id"]));
    let statuses: Vec<(&str, i64)> = updates
        .iter()
        .map(|e| {
            (
                e.data["status"].as_str().unwrap(),
                e.data["progress"]["done"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses, [("running", 0), ("running", 2), ("succeeded", 2)]);
    assert_eq!(received[3].data["operation_id"], operation["id"]);
    assert_eq!(received[3].data["created"], 2);
    assert_eq!(received[4].data["payment_id"], first["id"]);
    assert_eq!(received[4].data["amount"], "1000.00");
    assert_eq!(received[5].data["payment_id"], second["id"]);
    assert_eq!(
        received[5].data["applied"][0]["invoice_id"],
        issued[1]["id"]
    );
    stream.assert_quiet().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_last_event_id_delivers_what_was_missed_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 2).await;

    let mut first = EventStream::open(owner.request(Method::GET, "/events")).await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let seen = first.until(|e| e.kind == "invoice.generated").await;
    let last_seen = seen.last().unwrap().id;
    drop(first);

    // While the client is away: a payment and a second term's invoices.
    let issued = invoices(&owner).await;
    pay_and_post(&owner, &issued[0], 500).await;
    generate(&owner, json!({"class_id": class, "term": 2, "year": 2025})).await;
    let missed = logged(&app, owner.school, last_seen).await;
    assert_eq!(
        missed.len(),
        5,
        "a payment and four generation events: {missed:?}"
    );

    // Last-Event-ID header: exactly what was missed, in order.
    let mut resumed = EventStream::open(
        owner
            .request(Method::GET, "/events")
            .header("Last-Event-ID", last_seen.to_string()),
    )
    .await;
    let caught_up = resumed.take(missed.len()).await;
    assert_eq!(id_kind(&caught_up), missed, "{caught_up:#?}");
    resumed.assert_quiet().await;

    // After the backlog the same stream goes on live, with nothing repeated.
    let live_payment = pay_and_post(&owner, &issued[1], 700).await;
    let live = resumed.next().await;
    assert_eq!(live.kind, "payment.posted");
    assert_eq!(live.data["payment_id"], live_payment["id"]);
    assert!(live.id > caught_up.last().unwrap().id);
    resumed.assert_quiet().await;
    drop(resumed);

    // ?last_event_id= from the middle of what the first connection saw:
    // everything after it, including what it had already seen after that id.
    let middle = seen[1].id;
    let expected = logged(&app, owner.school, middle).await;
    let mut from_query =
        EventStream::open(owner.request(Method::GET, &format!("/events?last_event_id={middle}")))
            .await;
    let replayed = from_query.take(expected.len()).await;
    assert_eq!(id_kind(&replayed), expected);
    assert_eq!(
        replayed[0].id, seen[2].id,
        "none skipped at the resume point"
    );
    from_query.assert_quiet().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_of_one_school_never_receives_another_schools_events() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner_a, class_a) = class_of(&app, 2).await;
    let owner_b = app
        .owner_with_school("owner-b@example.com", "Baraka School")
        .await;
    let school_b = owner_b.school;
    let student_b = owner_b.student("B-001").await;

    let mut stream_a = EventStream::open(owner_a.request(Method::GET, "/events")).await;
    let mut stream_b = EventStream::open(owner_b.request(Method::GET, "/events")).await;

    // Activity in A: invoices and a payment.
    let operation_a = generate(
        &owner_a,
        json!({"class_id": class_a, "term": 1, "year": 2025}),
    )
    .await;
    let issued = invoices(&owner_a).await;
    let payment_a = pay_and_post(&owner_a, &issued[0], 1000).await;
    let seen_by_a = stream_a
        .until(|e| e.data["payment_id"] == payment_a["id"])
        .await;
    assert_eq!(id_kind(&seen_by_a), logged(&app, owner_a.school, 0).await);
    assert!(seen_by_a.iter().all(|e| e.data["id"] == operation_a["id"]
        || e.data["operation_id"] == operation_a["id"]
        || e.data["payment_id"] == payment_a["id"]));

    // Then one piece of work in B.
    let operation_b = generate(
        &owner_b,
        json!({"student_id": student_b, "term": 1, "year": 2025}),
    )
    .await;
    let seen_by_b = stream_b.until(|e| e.kind == "invoice.generated").await;
    assert_eq!(
        id_kind(&seen_by_b),
        logged(&app, school_b, 0).await,
        "B's stream is B's log and nothing else: {seen_by_b:#?}"
    );
    for event in &seen_by_b {
        let operation = match event.kind.as_str() {
            "operation.updated" => &event.data["id"],
            "invoice.generated" => &event.data["operation_id"],
            other => panic!("school B did nothing that emits {other}: {event:#?}"),
        };
        assert_eq!(operation, &operation_b["id"], "{event:#?}");
    }
    stream_b.assert_quiet().await;
    stream_a.assert_quiet().await;
}

pub async fn ticket_for(session: &Member) -> String {
    let response = session
        .request(Method::POST, "/events/ticket")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 60, "{body}");
    body["ticket"].as_str().unwrap().to_string()
}

pub fn with_ticket(app: &TestApp, ticket: &str) -> RequestBuilder {
    app.request(Method::GET, "/events")
        .query(&[("ticket", ticket)])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_opens_the_stream_with_a_ticket_and_no_authorization_header() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let student = owner.student("ADM-001").await;
    let ticket = ticket_for(&owner).await;

    let mut stream = EventStream::open(with_ticket(&app, &ticket)).await;
    let operation = generate(
        &owner,
        json!({"student_id": student, "term": 1, "year": 2025}),
    )
    .await;
    let received = stream.until(|e| e.kind == "invoice.generated").await;
    assert_eq!(id_kind(&received), logged(&app, school, 0).await);
    assert_eq!(
        received.last().unwrap().data["operation_id"],
        operation["id"]
    );

    // A fresh ticket resumes like a header client does (a ticket opens
    // one stream: see event_access.rs).
    let middle = received[0].id;
    let fresh = ticket_for(&owner).await;
    let mut resumed = EventStream::open(
        app.request(Method::GET, "/events")
            .query(&[("ticket", fresh.as_str())])
            .query(&[("last_event_id", middle)]),
    )
    .await;
    let replayed = resumed.take(received.len() - 1).await;
    assert_eq!(id_kind(&replayed), id_kind(&received[1..]));
    resumed.assert_quiet().await;
}

#[tokio::test]
async fn forged_expired_or_misused_tickets_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let ticket = ticket_for(&owner).await;

    let forged = api::jwt::Keys::new(b"not-the-server-secret-not-the-server-secret", 60)
        .issue_ticket(owner.user_id, school, 60)
        .unwrap();
    let expired = app.keys.issue_ticket(owner.user_id, school, -120).unwrap();
    // The first character of the signature carries six whole bits of it.
    let (signed, signature) = ticket.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
    let refused = [
        ("signed with another secret", forged),
        ("expired", expired),
        ("tampered", tampered),
        ("an access token", owner.token.clone()),
        ("garbage", "not-a-ticket".to_string()),
        ("empty", String::new()),
    ];
    for (what, bad) in refused {
        let response = with_ticket(&app, &bad).send().await.unwrap();
        let body = assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
        assert!(body["detail"].is_string(), "{what}: {body}");
    }

    // A ticket is no access token either.
    let as_bearer = app
        .request(Method::GET, "/events")
        .bearer_auth(&ticket)
        .header("X-School-ID", school.to_string())
        .send()
        .await
        .unwrap();
    assert_problem(as_bearer, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let elsewhere = app
        .request(Method::GET, "/students")
        .bearer_auth(&ticket)
        .header("X-School-ID", school.to_string())
        .send()
        .await
        .unwrap();
    assert_problem(elsewhere, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // And handing out tickets needs the same tenant auth as everything else.
    let no_school = app
        .request(Method::POST, "/events/ticket")
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_problem(no_school, StatusCode::BAD_REQUEST, "school_not_selected").await;
    let anonymous = app
        .request(Method::POST, "/events/ticket")
        .header("X-School-ID", school.to_string())
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn a_ticket_stops_opening_the_stream_once_its_holder_leaves_the_school() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let used = ticket_for(&bursar).await;
    let unused = ticket_for(&bursar).await;
    drop(EventStream::open(with_ticket(&app, &used)).await);

    let response = owner.delete(&format!("/members/{}", bursar.user_id)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let response = with_ticket(&app, &unused).send().await.unwrap();
    assert_problem(response, StatusCode::FORBIDDEN, "not_a_member").await;
    let fresh = bursar
        .request(Method::POST, "/events/ticket")
        .send()
        .await
        .unwrap();
    assert_problem(fresh, StatusCode::FORBIDDEN, "not_a_member").await;
}

#[tokio::test]
async fn the_stream_needs_a_selected_school_the_caller_belongs_to() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let other_school = app
        .owner_with_school("other@example.com", "Baraka School")
        .await
        .school;

    let no_school = app
        .request(Method::GET, "/events")
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_problem(no_school, StatusCode::BAD_REQUEST, "school_not_selected").await;

    let bad_school = app
        .request(Method::GET, "/events")
        .bearer_auth(&owner.token)
        .header("X-School-ID", "not-a-uuid")
        .send()
        .await
        .unwrap();
    assert_problem(bad_school, StatusCode::BAD_REQUEST, "invalid_school_id").await;

    for not_mine in [other_school, Uuid::new_v4()] {
        let response = owner.at(not_mine).get("/events").await;
        assert_problem(response, StatusCode::FORBIDDEN, "not_a_member").await;
    }

    let anonymous = app
        .request(Method::GET, "/events")
        .header("X-School-ID", school.to_string())
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

/// The hub must notice its LISTEN connection dropping (a silent reconnect
/// would send no `Signal::CatchUp`) and catch live subscribers up on what
/// was committed meanwhile: the next event's higher id would hide the gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_stream_skips_nothing_when_the_hubs_listen_connection_drops() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let mut stream = EventStream::open(owner.request(Method::GET, "/events")).await;

    // Cut the hub's LISTEN connection (the runtime role may end its own
    // sessions) again and again while events are committed.
    let pool = app.pool.clone();
    let cutter = tokio::spawn(async move {
        let mut cuts = 0;
        for _ in 0..50 {
            let cut: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            cuts += cut.len();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cuts
    });
    for n in 0..200 {
        let mut tx = app.tenant_tx(school).await;
        shared::events::append(&mut tx, "test.tick", &json!({"n": n}))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cuts = cutter.await.unwrap();
    assert!(cuts > 0, "the hub's LISTEN connection was found and cut");

    let logged = logged(&app, school, 0).await;
    let last = logged.last().unwrap().0;
    let received = stream.until(|e| e.id == last).await;
    let missing: Vec<i64> = logged
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !received.iter().any(|e| e.id == *id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} events never reached the live stream ({cuts} cuts): {missing:?}",
        missing.len(),
        logged.len()
    );
    assert_eq!(id_kind(&received), logged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_streams_end_when_the_server_shuts_down_so_draining_does_not_wait_on_them() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = TestApp::spawn_until(async move {
        let _ = stopped.await;
    })
    .await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let mut stream = EventStream::open(owner.request(Method::GET, "/events")).await;
    stop.send(()).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), stream.ended()).await;
    assert!(
        ended.is_ok(),
        "the stream was still open 5 s after shutdown began"
    );
}
