//! Receipt numbers at the place they are taken: the payments.post job's
//! transaction (`commands::payments::post`). Postings that run at once
//! share one gapless series, and a posting rolled back gives its number
//! back.

use shared::{
    commands,
    db::{self, Tx},
    domain::{
        money::Money,
        payment::{self, Method, NewPayment},
    },
    testing::{
        Books, app_pool, fresh_database,
        seed::{self, SeededSchool},
    },
};
use sqlx::PgPool;
use uuid::Uuid;

async fn tenant(pool: &PgPool, school: Uuid) -> Tx {
    db::begin_tenant(pool, school, None).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postings_at_once_take_gapless_receipt_numbers_and_a_rollback_gives_its_number_back() {
    let database = fresh_database().await;
    let pool = app_pool(&database).await;
    let seeded = SeededSchool::create(&pool, "bursar@example.com")
        .await
        .unwrap();
    let school = seeded.school_id;
    let mut tx = seeded.tenant().await.unwrap();
    let class = seed::grade_4_east(&mut tx, seeded.user_id, 2025)
        .await
        .unwrap();
    let students = seed::students(&mut tx, class, 3).await.unwrap();
    let mut payments = Vec::new();
    for i in 0..9 {
        let (method, txn_ref) = match i % 3 {
            0 => (Method::Cash, None),
            1 => (Method::Mpesa, Some(format!("QKH94M1Z{i:02}"))),
            _ => (Method::Bank, Some(format!("FT2601{i:04}"))),
        };
        let new = NewPayment {
            invoice_id: None,
            student_id: Some(students[i % 3]),
            sponsor_id: None,
            amount: Money::parse("1250.50").unwrap(),
            method,
            txn_ref,
            paid_at: None,
        };
        payments.push(
            payment::record(&mut tx, seeded.user_id, &new)
                .await
                .unwrap()
                .id,
        );
    }
    tx.commit().await.unwrap();

    // One posting takes a number, then its transaction rolls back.
    let mut abandoned = tenant(&pool, school).await;
    let taken = commands::payments::post(&mut abandoned, school, payments[0])
        .await
        .unwrap()
        .unwrap();
    abandoned.rollback().await.unwrap();

    // All nine at once, each in its own transaction, as nine jobs would.
    let postings = payments.iter().map(|id| {
        let pool = pool.clone();
        let id = *id;
        tokio::spawn(async move {
            let mut tx = tenant(&pool, school).await;
            let posted = commands::payments::post(&mut tx, school, id).await.unwrap();
            tx.commit().await.unwrap();
            posted.unwrap().receipt_no
        })
    });
    let mut numbers = Vec::new();
    for posting in postings.collect::<Vec<_>>() {
        numbers.push(posting.await.unwrap());
    }
    numbers.sort();
    let year = taken.receipt_no[4..8].to_string();
    let expected: Vec<String> = (1..=9).map(|n| format!("RCT-{year}-{n:05}")).collect();
    assert_eq!(numbers, expected);
    assert_eq!(
        taken.receipt_no,
        format!("RCT-{year}-00001"),
        "the first number, taken and given back"
    );

    // Posting again changes nothing and takes no number.
    let mut tx = tenant(&pool, school).await;
    assert!(
        commands::payments::post(&mut tx, school, payments[4])
            .await
            .unwrap()
            .is_none()
    );
    Books::read(&mut tx).await.unwrap().assert_right();
    tx.commit().await.unwrap();
}
