//! PATCH /schools/{id}: the school's name, address, contact, time zone,
//! paybill and receipt channel, changed by its OWNER or ADMIN and audited.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_patches_the_school_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let admin = owner.add_member("admin@example.com", "ADMIN").await;
    let response = owner
        .patch(
            &format!("/schools/{}", owner.school),
            json!({"paybill": "522 533", "receipt_channel": "EMAIL", "address": "Kiambu Road", "timezone": "Africa/Nairobi"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let school: Value = response.json().await.unwrap();
    assert_eq!(school["paybill"], "522533");
    assert_eq!(school["receipt_channel"], "EMAIL");
    assert_eq!(school["address"], "Kiambu Road");
    let response = admin
        .patch(
            &format!("/schools/{}", owner.school),
            json!({"name": "Imara Academy Ruaka", "paybill": null}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let (_, mine) = owner.get_json("/schools/my").await;
    let school = &mine[0]["school"];
    assert_eq!(school["name"], "Imara Academy Ruaka");
    assert!(school["paybill"].is_null());
    assert_eq!(school["receipt_channel"], "EMAIL");

    let mut tx = app.tenant_tx(owner.school).await;
    let audits: Vec<(Value, Value)> = sqlx::query_as(
        "SELECT before, after FROM audit_log WHERE action = 'school.update' ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audits.len(), 2);
    assert_eq!(audits[0].0["receipt_channel"], "NONE");
    assert!(audits[0].0["paybill"].is_null());
    assert_eq!(audits[0].1["paybill"], "522533");
    assert_eq!(audits[1].0["name"], "Imara Academy");
    assert_eq!(audits[1].1["name"], "Imara Academy Ruaka");

    for (body, code) in [
        (json!({"paybill": "12ab"}), "invalid_paybill"),
        (json!({"paybill": "1234"}), "invalid_paybill"),
        (json!({"timezone": "Mars/Olympus"}), "invalid_timezone"),
        (json!({}), "empty_change"),
    ] {
        let response = owner
            .patch(&format!("/schools/{}", owner.school), body)
            .await;
        assert_problem(response, StatusCode::BAD_REQUEST, code).await;
    }
    let response = owner
        .patch(
            &format!("/schools/{}", owner.school),
            json!({"receipt_channel": "SMS"}),
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "sms_not_configured",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursars_teachers_and_viewers_may_not_patch_the_school() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    for role in ["BURSAR", "TEACHER", "VIEWER"] {
        let member = owner
            .add_member(&format!("{}@example.com", role.to_lowercase()), role)
            .await;
        let response = member
            .patch(
                &format!("/schools/{}", owner.school),
                json!({"receipt_channel": "IN_APP"}),
            )
            .await;
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
    let (_, mine) = owner.get_json("/schools/my").await;
    assert_eq!(mine[0]["school"]["receipt_channel"], "NONE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patching_another_schools_id_is_refused_even_for_its_owner() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let other = owner.create_school("Baraka School").await;
    let response = owner
        .patch(&format!("/schools/{other}"), json!({"name": "Taken over"}))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "school_not_found").await;
    let (_, mine) = owner.get_json("/schools/my").await;
    let names: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["school"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Baraka School", "Imara Academy"]);
}
