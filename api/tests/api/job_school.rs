//! A job acts in the school it names and nowhere else: the worker opens
//! the job's transaction as that school, and row security in the database
//! hides every other school's rows from it. A job naming school A but a
//! chat message or payment of school B (a forged or corrupted queue row)
//! finds nothing, changes nothing, and posts nothing.

use std::time::{Duration, Instant};

use serde_json::json;
use shared::{
    commands::queue,
    db,
    domain::{chat, payment},
    jobs::{ChatReplyJob, PostPaymentJob},
};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_job_naming_one_school_cannot_touch_another_schools_message_or_payment() {
    let app = TestApp::spawn().await;
    let a = app.owner_with_school("owner@a.test", "School A").await;
    let b = app.owner_with_school("owner@b.test", "School B").await;
    let b_student = b.student("B-001").await;

    // B's pending chat answer and pending payment, written without their
    // jobs, so only the forged jobs below could act on them.
    let mut tx = db::begin_tenant(&app.pool, b.school, Some(b.user_id))
        .await
        .unwrap();
    let session = chat::create(
        &mut tx,
        b.user_id,
        &serde_json::from_value(json!({"title": "Fees"})).unwrap(),
    )
    .await
    .unwrap();
    let exchange = chat::post(
        &mut tx,
        session.id,
        &serde_json::from_value(json!({"content": "nani bado hajalipa?"})).unwrap(),
    )
    .await
    .unwrap();
    let new_payment = serde_json::from_value(json!({
        "student_id": b_student, "amount": "1500.00", "method": "MPESA", "txn_ref": "QKH94M1Z11"
    }))
    .unwrap();
    let b_payment = payment::record(&mut tx, b.user_id, &new_payment)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Jobs that name school A but carry B's ids.
    let mut tx = db::begin_tenant(&app.pool, a.school, None).await.unwrap();
    queue::push(
        &mut tx,
        &ChatReplyJob {
            school_id: a.school,
            session_id: session.id,
            message_id: exchange.assistant_message.id,
        },
    )
    .await
    .unwrap();
    queue::push(
        &mut tx,
        &PostPaymentJob {
            school_id: a.school,
            payment_id: b_payment.id,
            chat: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    app.start_worker();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let unfinished: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM apalis.jobs WHERE status NOT IN ('Done', 'Killed')",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if unfinished == 0 {
            break;
        }
        if Instant::now() >= deadline {
            let jobs: Vec<(String, String, Option<String>)> =
                sqlx::query_as("SELECT job_type, status, last_result::text FROM apalis.jobs")
                    .fetch_all(&app.pool)
                    .await
                    .unwrap();
            panic!("{unfinished} jobs never finished: {jobs:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The chat job found no message to claim; the payment job found no such
    // payment in its school and stopped for good.
    let outcomes: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT job_type, status, last_result::text FROM apalis.jobs ORDER BY job_type",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(outcomes[0].0, "chat.reply");
    assert_eq!(outcomes[0].1, "Done");
    assert_eq!(outcomes[1].0, "payments.post");
    assert_eq!(outcomes[1].1, "Killed");
    assert!(
        outcomes[1].2.contains("no such payment in this school"),
        "{outcomes:?}"
    );

    // B's rows are as they were.
    let mut tx = db::begin_tenant(&app.pool, b.school, Some(b.user_id))
        .await
        .unwrap();
    let message_status: String =
        sqlx::query_scalar("SELECT status FROM chat_messages WHERE id = $1")
            .bind(exchange.assistant_message.id)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(message_status, "pending");
    let payment = payment::get(&mut tx, b_payment.id).await.unwrap();
    assert_eq!(
        serde_json::to_value(&payment).unwrap()["posting_status"],
        "PENDING"
    );
    let journal: i64 = sqlx::query_scalar("SELECT count(*) FROM journal_entries")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(journal, 0, "nothing posted in B");
    tx.commit().await.unwrap();

    // And nothing appeared in A.
    let mut tx = db::begin_tenant(&app.pool, a.school, None).await.unwrap();
    let (messages, journal): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM chat_messages), (SELECT count(*) FROM journal_entries)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((messages, journal), (0, 0));
    tx.commit().await.unwrap();
}
