//! Joining a school by invitation: POST /members invites an address, the
//! person behind it accepts or declines (GET /invitations, POST
//! /invitations/{id}/accept|decline), the school lists and withdraws what
//! it sent. No answer tells whether an address has an account.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Member, TestApp, assert_problem};

fn id(value: &Value) -> Uuid {
    value["id"].as_str().unwrap().parse().unwrap()
}

async fn decide(member: &Member, invitation: Uuid, what: &str) -> reqwest::Response {
    member
        .api()
        .request(Method::POST, &format!("/invitations/{invitation}/{what}"))
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap()
}

async fn my_invitations(member: &Member) -> Vec<Value> {
    let response = member
        .api()
        .request(Method::GET, "/invitations")
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Vec<Value>>().await.unwrap()
}

async fn member_emails(member: &Member) -> Vec<String> {
    let (status, members) = member.get_json("/members").await;
    assert_eq!(status, StatusCode::OK);
    members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap().to_string())
        .collect()
}

/// The invitation with what differs between two invitations (id, address,
/// times) taken out.
fn shape(invitation: &Value) -> Value {
    let mut shape = invitation.clone();
    for key in ["id", "email", "created_at", "expires_at"] {
        assert!(shape[key].is_string(), "{key} in {invitation}");
        shape[key] = Value::Null;
    }
    shape
}

#[tokio::test]
async fn inviting_answers_the_same_whether_or_not_the_address_has_an_account() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    app.register("registered@example.com").await;

    let mut answers = Vec::new();
    for email in ["registered@example.com", "nobody@example.com"] {
        let response = owner
            .post("/members", json!({"email": email, "role": "BURSAR"}))
            .await;
        let status = response.status();
        let headers: Vec<String> = response
            .headers()
            .keys()
            .filter(|name| *name != "x-request-id" && *name != "date")
            .map(|name| name.to_string())
            .collect();
        let body: Value = response.json().await.unwrap();
        answers.push((status, headers, shape(&body), body));
    }
    let (known, unknown) = (&answers[0], &answers[1]);
    assert_eq!(known.0, StatusCode::CREATED);
    assert_eq!(
        (known.0, &known.1, &known.2),
        (unknown.0, &unknown.1, &unknown.2)
    );
    assert_eq!(known.3["status"], "PENDING");
    assert_eq!(known.3["role"], "BURSAR");
    assert_eq!(known.3["invited_by"], json!(owner.user_id));

    // Nobody joined: an invitation is not a membership.
    assert_eq!(member_emails(&owner).await, ["owner@example.com"]);
    let (_, open) = owner.get_json("/members/invitations").await;
    assert_eq!(open.as_array().unwrap().len(), 2);

    // The address with no account registers later and finds its invitation.
    let late = app.register("nobody@example.com").await;
    let mine = my_invitations(&late).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], unknown.3["id"]);
}

#[tokio::test]
async fn the_invited_person_sees_the_invitation_and_joins_by_accepting_it_once() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let bursar = app.register("grace@example.com").await;
    // The address is put in one form: case, spaces and invisible characters.
    let invitation = owner.invite(" Grace\u{200B}@Example.COM ", "BURSAR").await;
    assert_eq!(invitation["email"], "grace@example.com");

    let mine = my_invitations(&bursar).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["id"], invitation["id"]);
    assert_eq!(mine[0]["school_id"], json!(owner.school));
    assert_eq!(mine[0]["school_name"], "Imara Academy");
    assert_eq!(mine[0]["role"], "BURSAR");
    assert_eq!(mine[0]["invited_by_name"], "Test User");
    // Until then the school is closed to them.
    let (status, _) = bursar.at(owner.school).get_json("/students").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let response = decide(&bursar, id(&invitation), "accept").await;
    assert_eq!(response.status(), StatusCode::OK);
    let joined: Value = response.json().await.unwrap();
    assert_eq!(joined["school"]["id"], json!(owner.school));
    assert_eq!(joined["school"]["name"], "Imara Academy");
    assert_eq!(joined["role"], "BURSAR");

    let (status, _) = bursar.at(owner.school).get_json("/students").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        member_emails(&owner).await,
        ["grace@example.com", "owner@example.com"]
    );
    assert!(my_invitations(&bursar).await.is_empty());
    let (_, open) = owner.get_json("/members/invitations").await;
    assert_eq!(open, json!([]));

    // A second accept finds nothing open and adds no second membership.
    let again = decide(&bursar, id(&invitation), "accept").await;
    assert_problem(again, StatusCode::NOT_FOUND, "invitation_not_found").await;
    assert_eq!(member_emails(&owner).await.len(), 2);

    // The audit log has the invitation and the joining.
    let mut tx = app.tenant_tx(owner.school).await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity IN ('invitation', 'member') ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        actions,
        ["invitation.create", "invitation.accept", "member.join"]
    );
}

#[tokio::test]
async fn someone_elses_an_expired_a_withdrawn_or_an_unknown_invitation_is_the_same_404() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let invitee = app.register("invitee@example.com").await;
    let stranger = app.register("stranger@example.com").await;
    let theirs = owner.invite("invitee@example.com", "TEACHER").await;
    let withdrawn = owner.invite("stranger@example.com", "TEACHER").await;
    let expired = owner.invite("late@example.com", "TEACHER").await;
    let late = app.register("late@example.com").await;

    let response = owner
        .delete(&format!("/members/invitations/{}", id(&withdrawn)))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let mut tx = app.tenant_tx(owner.school).await;
    sqlx::query(
        "UPDATE member_invitations SET expires_at = now() - interval '1 second' WHERE id = $1",
    )
    .bind(id(&expired))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let cases = [
        ("someone else's", &stranger, id(&theirs)),
        ("withdrawn", &stranger, id(&withdrawn)),
        ("expired", &late, id(&expired)),
        ("unknown", &invitee, Uuid::new_v4()),
    ];
    let mut details = Vec::new();
    for (what, who, invitation) in cases {
        for decision in ["accept", "decline"] {
            let response = decide(who, invitation, decision).await;
            let body =
                assert_problem(response, StatusCode::NOT_FOUND, "invitation_not_found").await;
            details.push((what, body["detail"].clone()));
        }
    }
    assert!(
        details.windows(2).all(|pair| pair[0].1 == pair[1].1),
        "one answer for all: {details:?}"
    );
    assert!(my_invitations(&stranger).await.is_empty());
    assert!(my_invitations(&late).await.is_empty());
    assert_eq!(member_emails(&owner).await, ["owner@example.com"]);

    // The school still sees the expired one, as EXPIRED; withdrawn is gone.
    let (_, open) = owner.get_json("/members/invitations").await;
    let open: Vec<(String, String)> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["email"].as_str().unwrap().into(),
                i["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        open,
        [
            ("late@example.com".into(), "EXPIRED".into()),
            ("invitee@example.com".into(), "PENDING".into()),
        ]
    );
    // The rightful invitee still can.
    let response = decide(&invitee, id(&theirs), "accept").await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_declined_invitation_can_no_longer_be_accepted() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let invitee = app.register("invitee@example.com").await;
    let invitation = owner.invite("invitee@example.com", "VIEWER").await;
    let response = decide(&invitee, id(&invitation), "decline").await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let accept = decide(&invitee, id(&invitation), "accept").await;
    assert_problem(accept, StatusCode::NOT_FOUND, "invitation_not_found").await;
    assert!(my_invitations(&invitee).await.is_empty());
    assert_eq!(member_emails(&owner).await, ["owner@example.com"]);
}

#[tokio::test]
async fn inviting_again_refreshes_the_open_invitation_and_inviting_a_member_is_409() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let first = owner.invite("teacher@example.com", "VIEWER").await;
    let again = owner.invite("TEACHER@example.com", "TEACHER").await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["role"], "TEACHER");
    assert!(again["expires_at"].as_str() >= first["expires_at"].as_str());
    let (_, open) = owner.get_json("/members/invitations").await;
    assert_eq!(open.as_array().unwrap().len(), 1);

    let teacher = app.register("teacher@example.com").await;
    let joined: Value = decide(&teacher, id(&first), "accept")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(joined["role"], "TEACHER");
    let member = owner
        .post(
            "/members",
            json!({"email": "teacher@example.com", "role": "ADMIN"}),
        )
        .await;
    assert_problem(member, StatusCode::CONFLICT, "already_member").await;
}

#[tokio::test]
async fn an_admin_may_not_withdraw_an_invitation_to_be_owner_nor_a_bursar_see_invitations() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let admin = owner.add_member("admin@example.com", "ADMIN").await;
    let bursar = owner.add_member("bursar@example.com", "BURSAR").await;
    let to_own = owner.invite("partner@example.com", "OWNER").await;
    let response = admin
        .delete(&format!("/members/invitations/{}", id(&to_own)))
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    let response = bursar.get("/members/invitations").await;
    assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    let response = bursar
        .delete(&format!("/members/invitations/{}", id(&to_own)))
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "insufficient_role").await;
    let unknown = owner
        .delete(&format!("/members/invitations/{}", Uuid::new_v4()))
        .await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "invitation_not_found").await;
    let response = owner
        .delete(&format!("/members/invitations/{}", id(&to_own)))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn another_schools_invitations_stay_out_of_sight_and_out_of_reach() {
    let app = TestApp::spawn().await;
    let a = app.owner_with_school("a@example.com", "School A").await;
    let b = app.owner_with_school("b@example.com", "School B").await;
    let invitation = a.invite("someone@example.com", "VIEWER").await;
    let (_, seen_by_b) = b.get_json("/members/invitations").await;
    assert_eq!(seen_by_b, json!([]));
    let response = b
        .delete(&format!("/members/invitations/{}", id(&invitation)))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "invitation_not_found").await;
    let (_, seen_by_a) = a.get_json("/members/invitations").await;
    assert_eq!(seen_by_a[0]["status"], "PENDING");
}

#[tokio::test]
async fn the_invited_address_gets_an_email_naming_the_school_and_the_role() {
    let app = TestApp::spawn().await;
    let dir = std::env::temp_dir().join(format!("schoolops-invite-{}", Uuid::new_v4().simple()));
    app.start_worker_with_mail(shared::config::MailConfig {
        smtp_url: None,
        from: "SchoolOps <no-reply@schoolops.test>".into(),
        dir: dir.clone(),
    });
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    owner.invite("bursar@example.com", "BURSAR").await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let message = loop {
        let found = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| std::fs::read_to_string(entry.path()).unwrap_or_default())
            .find(|text| text.contains("bursar@example.com"));
        if let Some(text) = found {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no invitation email in {dir:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(message.contains("Imara Academy"), "{message}");
    assert!(message.contains("BURSAR"), "{message}");
    let mut tx = app.tenant_tx(owner.school).await;
    let emailed: bool = sqlx::query_scalar("SELECT emailed_at IS NOT NULL FROM member_invitations")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(emailed);
}
