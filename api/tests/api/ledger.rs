//! Ledger invariants: every entry balances (the database refuses one that
//! does not), the trial balance balances, and 1100 equals the sum of open
//! invoice balances after any mix of invoices and payments.

use reqwest::Method;
use serde_json::json;
use shared::domain::money::Money;

use crate::{
    helpers::{TestApp, assert_books_right},
    invoicing::{class_of, generate},
};

#[tokio::test]
async fn the_database_refuses_a_journal_entry_that_does_not_balance() {
    let app = TestApp::spawn().await;
    let school = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await
        .school;
    let mut tx = app.tenant_tx(school).await;
    let [cash, income] = shared::domain::ledger::account_ids(&mut tx, ["1000", "4000"])
        .await
        .unwrap();
    let lines = [
        shared::domain::ledger::Line::debit(cash, Money::parse("100").unwrap()),
        shared::domain::ledger::Line::credit(income, Money::parse("99.99").unwrap()),
    ];
    let err =
        shared::domain::ledger::post(&mut tx, "lopsided", "test", uuid::Uuid::new_v4(), &lines)
            .await
            .unwrap_err();
    assert!(
        matches!(err, shared::Error::Database(_)),
        "an unbalanced entry is our bug, never a client error: {err:?}"
    );
    assert!(format!("{:?}", err).contains("does not balance"));
}

#[tokio::test]
async fn the_runtime_role_cannot_edit_or_delete_journal_entries_or_lines() {
    let app = TestApp::spawn().await;
    let school = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await
        .school;
    // A balanced entry to try to change.
    let mut tx = app.tenant_tx(school).await;
    let [cash, income] = shared::domain::ledger::account_ids(&mut tx, ["1000", "4000"])
        .await
        .unwrap();
    let amount = Money::parse("100").unwrap();
    let lines = [
        shared::domain::ledger::Line::debit(cash, amount),
        shared::domain::ledger::Line::credit(income, amount),
    ];
    shared::domain::ledger::post(&mut tx, "cash sale", "test", uuid::Uuid::new_v4(), &lines)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for statement in [
        "UPDATE journal_lines SET debit = 0",
        "DELETE FROM journal_lines",
        "UPDATE journal_entries SET memo = 'rewritten'",
        "DELETE FROM journal_entries",
    ] {
        let mut tx = app.tenant_tx(school).await;
        let err = sqlx::query(statement)
            .execute(&mut *tx)
            .await
            .expect_err(statement);
        assert_eq!(
            err.as_database_error().unwrap().code().as_deref(),
            Some("42501"),
            "{statement}: {err}"
        );
    }

    let mut tx = app.tenant_tx(school).await;
    let (entries, lines, memo): (i64, i64, String) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM journal_entries), (SELECT count(*) FROM journal_lines),
                (SELECT memo FROM journal_entries LIMIT 1)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((entries, lines, memo.as_str()), (1, 2, "cash sale"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivable_equals_open_invoice_balances_after_invoices_and_payments() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 4).await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2025, "include_optional": {"Transport": true}})).await;
    let (_, invoices) = owner.get_json("/invoices").await;
    let amounts = ["26500.00", "100.50", "30000", "0.01"];
    let mut last = None;
    for (invoice, amount) in invoices.as_array().unwrap().iter().zip(amounts) {
        last = Some(
            owner.create("/payments", json!({"student_id": invoice["student_id"], "amount": amount, "method": "CASH"}))
            .await,
        );
    }
    let last = last.unwrap();
    owner
        .eventually(
            &format!("/payments/{}", last["id"].as_str().unwrap()),
            |p| p["posting_status"] == "POSTED",
        )
        .await;
    owner
        .eventually("/payments", |ps| {
            ps.as_array()
                .unwrap()
                .iter()
                .all(|p| p["posting_status"] == "POSTED")
        })
        .await;
    generate(&owner, json!({"class_id": class, "term": 2, "year": 2025})).await;

    // Balanced, 1100 = open invoice balances, 1000 = the posted payments,
    // and the api's trial balance says the same.
    let books = assert_books_right(&app, &owner).await;
    assert_eq!(
        books.posted_payments.to_string(),
        "56600.51",
        "every payment posted"
    );
    let (_, accounts) = owner.get_json("/ledger/accounts").await;
    let receivable = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "1100")
        .unwrap();
    assert_eq!(receivable["balance"], books.open_balances.to_string());
    let (_, journal) = owner.get_json("/ledger/journal?limit=500").await;
    for entry in journal.as_array().unwrap() {
        let sum = |side: &str| -> rust_decimal::Decimal {
            entry["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    l[side]
                        .as_str()
                        .unwrap()
                        .parse::<rust_decimal::Decimal>()
                        .unwrap()
                })
                .sum()
        };
        assert_eq!(sum("debit"), sum("credit"), "{entry}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_payments_on_one_invoice_leave_exact_balances() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class) = class_of(&app, 1).await;
    generate(&owner, json!({"class_id": class, "term": 1, "year": 2025})).await;
    let (_, invoices) = owner.get_json("/invoices").await;
    let invoice = invoices[0]["id"].as_str().unwrap().to_string();
    // 50 x 400.37 = 20,018.50 against 18,500.00: 1,518.50 becomes credit.
    let sends = (0..50).map(|i| {
        owner.request(Method::POST, "/payments")
            .json(&json!({"invoice_id": invoice, "amount": "400.37", "method": "MPESA", "txn_ref": format!("CONC{i:06}")}))
            .send()
    });
    for response in futures_util::future::join_all(sends).await {
        assert_eq!(response.unwrap().status(), reqwest::StatusCode::CREATED);
    }
    owner
        .eventually("/payments?limit=100", |ps| {
            ps.as_array().unwrap().len() == 50
                && ps
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|p| p["posting_status"] == "POSTED")
        })
        .await;
    let (_, after) = owner.get_json(&format!("/invoices/{invoice}")).await;
    assert_eq!(
        (after["paid"].as_str(), after["status"].as_str()),
        (Some("18500.00"), Some("PAID"))
    );
    let (_, student) = owner
        .get_json(&format!(
            "/students/{}",
            after["student_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(student["balance"], "-1518.50");
    assert_books_right(&app, &owner).await;
}
