//! PATCH and DELETE /members/{user_id}: role changes and removals by an
//! OWNER or ADMIN, leaving, and the rule that a school keeps an OWNER,
//! even when two owners act at once.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, TestApp, assert_problem};

async fn roles(member: &Member) -> Vec<(String, String)> {
    let (status, members) = member.get_json("/members").await;
    assert_eq!(status, StatusCode::OK);
    members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn path(member: &Member) -> String {
    format!("/members/{}", member.user_id)
}

#[tokio::test]
async fn an_owner_changes_a_role_and_removes_a_member_and_the_audit_log_keeps_before_and_after() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;

    let response = owner
        .patch(&path(&teacher), json!({"role": "BURSAR"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["role"], "BURSAR");
    assert_eq!(changed["user_id"], json!(teacher.user_id));
    // The new role counts at once: a bursar records payments' prerequisites.
    let (status, _) = teacher.get_json("/students").await;
    assert_eq!(status, StatusCode::OK);
    let guardian = teacher
        .post(
            "/guardians",
            json!({"first_name": "Jane", "last_name": "Doe", "phone": "0712345678"}),
        )
        .await;
    assert_eq!(guardian.status(), StatusCode::CREATED);

    let response = owner.delete(&path(&teacher)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        roles(&owner).await,
        [("owner@example.com".into(), "OWNER".into())]
    );
    let (status, _) = teacher.get_json("/students").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut tx = app.tenant_tx(owner.school).await;
    let log: Vec<(String, Option<Value>, Option<Value>)> = sqlx::query_as(
        "SELECT action, before, after FROM audit_log
          WHERE entity = 'member' AND action IN ('member.role', 'member.remove') ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].0, "member.role");
    assert_eq!(log[0].1.as_ref().unwrap()["role"], "TEACHER");
    assert_eq!(log[0].2.as_ref().unwrap()["role"], "BURSAR");
    assert_eq!(log[1].0, "member.remove");
    assert_eq!(log[1].1.as_ref().unwrap()["role"], "BURSAR");
    assert_eq!(log[1].2, None);
}

#[tokio::test]
async fn an_admin_neither_changes_nor_removes_nor_appoints_an_owner() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let admin = owner.add_member("admin@example.com", "ADMIN").await;
    let viewer = owner.add_member("viewer@example.com", "VIEWER").await;

    let refused = [
        admin.patch(&path(&owner), json!({"role": "VIEWER"})).await,
        admin.delete(&path(&owner)).await,
        admin.patch(&path(&viewer), json!({"role": "OWNER"})).await,
        admin.patch(&path(&admin), json!({"role": "OWNER"})).await,
    ];
    for response in refused {
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
    // Below OWNER an admin manages freely.
    let response = admin
        .patch(&path(&viewer), json!({"role": "TEACHER"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        roles(&owner).await,
        [
            ("admin@example.com".into(), "ADMIN".into()),
            ("owner@example.com".into(), "OWNER".into()),
            ("viewer@example.com".into(), "TEACHER".into()),
        ]
    );
}

#[tokio::test]
async fn only_owners_and_admins_change_others_and_anyone_may_leave() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;

    let refused = [
        bursar
            .patch(&path(&teacher), json!({"role": "VIEWER"}))
            .await,
        bursar.delete(&path(&teacher)).await,
        teacher
            .patch(&path(&teacher), json!({"role": "ADMIN"}))
            .await,
    ];
    for response in refused {
        assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
    let unknown = owner.delete(&format!("/members/{}", Uuid::new_v4())).await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "member_not_found").await;

    let response = teacher.delete(&path(&teacher)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = teacher.get("/students").await;
    assert_problem(response, StatusCode::FORBIDDEN, "not_a_member").await;
    assert_eq!(
        roles(&owner).await,
        [
            ("bursar@example.com".into(), "BURSAR".into()),
            ("owner@example.com".into(), "OWNER".into()),
        ]
    );
}

#[tokio::test]
async fn the_last_owner_can_be_neither_demoted_nor_removed_nor_leave() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let admin = owner.add_member("admin@example.com", "ADMIN").await;
    let refused = [
        owner.patch(&path(&owner), json!({"role": "ADMIN"})).await,
        owner.delete(&path(&owner)).await,
    ];
    for response in refused {
        assert_problem(response, StatusCode::CONFLICT, "last_owner").await;
    }
    // With a second owner, the first may step down.
    let response = owner.patch(&path(&admin), json!({"role": "OWNER"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = owner.patch(&path(&owner), json!({"role": "ADMIN"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = admin.delete(&path(&admin)).await;
    assert_problem(response, StatusCode::CONFLICT, "last_owner").await;
    assert_eq!(
        roles(&owner).await,
        [
            ("admin@example.com".into(), "OWNER".into()),
            ("owner@example.com".into(), "ADMIN".into()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_owners_demoting_or_removing_each_other_at_once_leave_one_owner() {
    let app = TestApp::spawn().await;
    let first = app
        .owner_with_school("first@example.com", "Imara Academy")
        .await;
    let second = first.add_member("second@example.com", "OWNER").await;
    let (to_first, to_second) = (path(&first), path(&second));
    for round in 0..6 {
        let (a, b) = if round % 2 == 0 {
            tokio::join!(
                first.patch(&to_second, json!({"role": "ADMIN"})),
                second.patch(&to_first, json!({"role": "ADMIN"})),
            )
        } else {
            tokio::join!(first.delete(&to_second), second.delete(&to_first))
        };
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert!(
            statuses == [StatusCode::OK, StatusCode::CONFLICT]
                || statuses == [StatusCode::NO_CONTENT, StatusCode::CONFLICT]
                // The loser may find itself no longer an owner (demoted or
                // removed first): refused as it is, never both succeeding.
                || statuses == [StatusCode::OK, StatusCode::FORBIDDEN]
                || statuses == [StatusCode::NO_CONTENT, StatusCode::FORBIDDEN],
            "round {round}: {statuses:?}"
        );
        let winner = if a.status().is_success() {
            &first
        } else {
            &second
        };
        let loser = if a.status().is_success() {
            &second
        } else {
            &first
        };
        let owners: Vec<String> = roles(winner)
            .await
            .into_iter()
            .filter(|(_, role)| role == "OWNER")
            .map(|(email, _)| email)
            .collect();
        assert_eq!(owners.len(), 1, "round {round}: {owners:?}");
        // Put the loser back as an owner for the next round.
        if round % 2 == 0 {
            let response = winner.patch(&path(loser), json!({"role": "OWNER"})).await;
            assert_eq!(response.status(), StatusCode::OK);
        } else {
            let email = if loser.user_id == first.user_id {
                "first@example.com"
            } else {
                "second@example.com"
            };
            let invitation = winner.invite(email, "OWNER").await;
            loser
                .accept(invitation["id"].as_str().unwrap().parse().unwrap())
                .await;
        }
    }
}
