//! Who may keep reading GET /events: a ticket opens one stream, and a
//! member removed from the school loses the streams they have open.

use std::time::Duration;

use reqwest::{Method, StatusCode};

use shared::testing::EventStream;

use crate::{
    events::{ticket_for, with_ticket},
    helpers::{TestApp, assert_problem},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_members_open_streams_end_within_the_recheck_interval() {
    let app = TestApp::spawn_with_limits(api::guard::Limits {
        events_recheck: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let mut by_header = EventStream::open(bursar.request(Method::GET, "/events")).await;
    let ticket = ticket_for(&bursar).await;
    let mut by_ticket = EventStream::open(with_ticket(&app, &ticket)).await;
    let mut owners = EventStream::open(owner.request(Method::GET, "/events")).await;

    // A member's streams outlive several checks (next_within panics if the
    // server ends the stream).
    assert!(
        by_header
            .next_within(Duration::from_millis(2500))
            .await
            .is_none()
    );
    assert!(
        by_ticket
            .next_within(Duration::from_millis(100))
            .await
            .is_none()
    );

    let response = owner.delete(&format!("/members/{}", bursar.user_id)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for (what, stream) in [("header", &mut by_header), ("ticket", &mut by_ticket)] {
        tokio::time::timeout(Duration::from_secs(5), stream.ended())
            .await
            .unwrap_or_else(|_| panic!("the removed member's {what} stream is still open"));
    }
    // The owner's stream goes on.
    owners.assert_quiet().await;
}

#[tokio::test]
async fn a_ticket_opens_one_stream_and_a_reused_ticket_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let ticket = ticket_for(&owner).await;
    let stream = EventStream::open(with_ticket(&app, &ticket)).await;
    let reused = with_ticket(&app, &ticket).send().await.unwrap();
    // The status first: a stream that opened would never end to be read.
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    assert_problem(reused, StatusCode::UNAUTHORIZED, "invalid_token").await;
    drop(stream);
    let after_close = with_ticket(&app, &ticket).send().await.unwrap();
    assert_eq!(after_close.status(), StatusCode::UNAUTHORIZED);
    assert_problem(after_close, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // A fresh ticket works; spent by several requests at once, it opens
    // exactly one stream.
    let fresh = ticket_for(&owner).await;
    let attempts: Vec<_> = (0..4).map(|_| with_ticket(&app, &fresh).send()).collect();
    let answers = futures_util::future::join_all(attempts).await;
    let opened = answers
        .iter()
        .filter(|answer| answer.as_ref().unwrap().status() == StatusCode::OK)
        .count();
    assert_eq!(opened, 1, "{answers:?}");
    for answer in answers {
        let answer = answer.unwrap();
        if answer.status() != StatusCode::OK {
            assert_problem(answer, StatusCode::UNAUTHORIZED, "invalid_token").await;
        }
    }
}
