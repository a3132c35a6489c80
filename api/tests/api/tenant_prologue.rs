//! The tenant prologue (BEGIN, the settings and the membership check in one
//! round trip): it finds the role under the settings it makes, a stranger
//! gets none, and a transaction dropped unfinished leaves nothing behind on
//! the pooled connection: no open transaction, no school, no user.

use shared::{db, domain::role::Role, testing::app_pool_with};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::helpers::TestApp;

async fn settings(conn: &mut PgConnection) -> (String, String) {
    sqlx::query_as(
        "SELECT coalesce(current_setting('app.current_school_id', true), ''),
                coalesce(current_setting('app.current_user_id', true), '')",
    )
    .fetch_one(conn)
    .await
    .unwrap()
}

/// True when the connection is inside a transaction block: SAVEPOINT is
/// refused outside one (25P01).
async fn in_open_transaction(conn: &mut PgConnection) -> bool {
    match sqlx::raw_sql("SAVEPOINT probe").execute(&mut *conn).await {
        Ok(_) => true,
        Err(sqlx::Error::Database(err)) if err.code().as_deref() == Some("25P01") => false,
        Err(err) => panic!("SAVEPOINT: {err}"),
    }
}

#[tokio::test]
async fn the_prologue_sets_the_tenant_and_reads_the_role_under_it() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@prologue.test", "Prologue School")
        .await;
    let (mut tx, role) = db::begin_member(&app.pool, owner.school, owner.user_id)
        .await
        .unwrap();
    assert_eq!(role, Some(Role::Owner));
    assert_eq!(
        settings(&mut tx).await,
        (owner.school.to_string(), owner.user_id.to_string())
    );
    // Row security sees the school the prologue chose.
    let name: String = sqlx::query_scalar("SELECT name FROM schools")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(name, "Prologue School");
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_stranger_or_an_unknown_school_gets_no_role() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@prologue.test", "Prologue School")
        .await;
    let other = app
        .owner_with_school("other@prologue.test", "Other School")
        .await;
    for (school, user) in [
        (owner.school, other.user_id),
        (Uuid::now_v7(), owner.user_id),
    ] {
        let (tx, role) = db::begin_member(&app.pool, school, user).await.unwrap();
        assert_eq!(role, None, "school {school}, user {user}");
        drop(tx);
    }
}

#[tokio::test]
async fn a_transaction_dropped_unfinished_leaves_its_connection_clean() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@prologue.test", "Prologue School")
        .await;
    // One connection, so the next acquire gets the very same one.
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let pool = app_pool_with(&database, 1).await.unwrap();
    let (mut tx, role) = db::begin_member(&pool, owner.school, owner.user_id)
        .await
        .unwrap();
    assert_eq!(role, Some(Role::Owner));
    let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO grade_levels (school_id, name, stage, sort_order) VALUES (app_school_id(), 'Form 9 (dropped)', 'Junior School', 99)")
        .execute(&mut *tx)
        .await
        .unwrap();
    drop(tx);

    let mut conn = pool.acquire().await.unwrap();
    let again: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        again, backend,
        "the pool of one hands out the same connection"
    );
    assert!(
        !in_open_transaction(&mut conn).await,
        "the transaction was rolled back"
    );
    assert_eq!(settings(&mut conn).await, (String::new(), String::new()));
    drop(conn);

    // And nothing it wrote stayed.
    let (mut tx, _) = db::begin_member(&pool, owner.school, owner.user_id)
        .await
        .unwrap();
    let kept: i64 =
        sqlx::query_scalar("SELECT count(*) FROM grade_levels WHERE name = 'Form 9 (dropped)'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(kept, 0);
    tx.commit().await.unwrap();
}

/// sqlx's nested `begin()` would send a second BEGIN on the tenant
/// transaction and its commit a COMMIT of the whole: savepoints are made
/// by name (`db::Savepoint`), and rolling the tenant transaction back
/// still undoes everything done around and inside them.
#[tokio::test]
async fn a_savepoint_inside_a_tenant_transaction_commits_nothing_early() {
    use shared::{commands::queue, jobs::SendReminderJob};

    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@prologue.test", "Prologue School")
        .await;
    let jobs = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM apalis.jobs")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = jobs(app.pool.clone()).await;
    let (mut tx, _) = db::begin_member(&app.pool, owner.school, owner.user_id)
        .await
        .unwrap();
    let job = SendReminderJob {
        school_id: owner.school,
        run_id: Uuid::now_v7(),
    };
    assert!(queue::push_unique(&mut tx, &job, "once").await.unwrap());
    // The duplicate is rolled back to its savepoint; the transaction goes on.
    assert!(!queue::push_unique(&mut tx, &job, "once").await.unwrap());
    assert!(in_open_transaction(&mut tx).await);
    tx.rollback().await.unwrap();
    assert_eq!(
        jobs(app.pool.clone()).await,
        before,
        "nothing was committed"
    );
}
