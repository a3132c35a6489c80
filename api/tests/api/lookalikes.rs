//! A reference with an invisible character is the same reference: it meets
//! the unique key instead of recording the same M-Pesa money twice.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn an_mpesa_code_with_a_zero_width_space_is_a_duplicate_of_the_plain_code() {
    let app = TestApp::spawn().await;
    let bursar = app.owner_with_school("bursar@imara.ac.ke", "Imara").await;
    let student = bursar.student("ADM-1").await;
    let pay = |txn_ref: &str| {
        bursar.post(
            "/payments",
            json!({"student_id": student, "amount": "500", "method": "MPESA", "txn_ref": txn_ref}),
        )
    };
    let first = pay("AB\u{200B}CD1234").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["txn_ref"], "ABCD1234");
    for lookalike in [
        "ABCD1234",
        "\u{FEFF}abcd1234",
        "ＡＢＣＤ1234",
        "ABCD\u{2060}1234\u{00AD}",
    ] {
        let again = pay(lookalike).await;
        assert_problem(again, StatusCode::CONFLICT, "duplicate_payment_reference").await;
    }
}

#[tokio::test]
async fn an_admission_number_with_an_invisible_character_is_the_same_student() {
    let app = TestApp::spawn().await;
    let bursar = app.owner_with_school("bursar@imara.ac.ke", "Imara").await;
    bursar.student("ADM-2025-001").await;
    let again = bursar
        .post(
            "/students",
            json!({"admission_no": "ADM\u{200B}-2025-001", "first_name": "John", "last_name": "Doe"}),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT, "duplicate_admission_no").await;
}

#[tokio::test]
async fn a_guardian_email_must_be_one_address() {
    let app = TestApp::spawn().await;
    let bursar = app.owner_with_school("bursar@imara.ac.ke", "Imara").await;
    let listed = bursar
        .post(
            "/guardians",
            json!({"first_name": "Jane", "last_name": "Doe", "phone": "0712345678", "email": "jane@x.ke,eve@y.ke"}),
        )
        .await;
    assert_problem(listed, StatusCode::BAD_REQUEST, "invalid_email").await;
}
