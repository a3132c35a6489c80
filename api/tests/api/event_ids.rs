//! Event ids count the school's own events: what another school does in
//! between does not move them, so a member cannot read other schools'
//! volume from the gaps; and an insert cannot choose its own id.

use serde_json::json;
use shared::events;
use uuid::Uuid;

use crate::helpers::TestApp;

async fn append(app: &TestApp, school: Uuid, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let mut tx = app.tenant_tx(school).await;
        ids.push(
            events::append(&mut tx, "test.event", &json!({}))
                .await
                .unwrap(),
        );
        tx.commit().await.unwrap();
    }
    ids
}

async fn event_ids(app: &TestApp, school: Uuid) -> Vec<i64> {
    let mut tx = app.tenant_tx(school).await;
    let ids = sqlx::query_scalar("SELECT id FROM events ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    ids
}

#[tokio::test]
async fn another_schools_events_leave_no_gap_in_a_schools_ids() {
    let app = TestApp::spawn().await;
    let a = app.owner_with_school("owner@a.test", "School A").await;
    let b = app.owner_with_school("owner@b.test", "School B").await;
    let start = event_ids(&app, b.school).await.last().copied().unwrap_or(0);

    let first = append(&app, b.school, 1).await;
    append(&app, a.school, 25).await;
    let second = append(&app, b.school, 2).await;

    assert_eq!(first, vec![start + 1]);
    assert_eq!(
        second,
        vec![start + 2, start + 3],
        "A's 25 events in between moved nothing in B"
    );
    let all = event_ids(&app, b.school).await;
    assert_eq!(all, (1..=all.len() as i64).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_insert_cannot_choose_its_event_id() {
    let app = TestApp::spawn().await;
    let a = app.owner_with_school("owner@a.test", "School A").await;
    let last = append(&app, a.school, 1).await[0];
    let mut tx = app.tenant_tx(a.school).await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (school_id, id, kind, payload) VALUES (app_school_id(), 1000000, 'test.event', '{}') RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(id, last + 1);
}
