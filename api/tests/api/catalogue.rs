//! Walks every table in the schema from the catalogue: each tenant table
//! must be invisible and unwritable to the runtime role when no school is
//! set. A new table without RLS fails here.

use sqlx::Row;

use crate::helpers::{TestApp, raw_app_connection};

/// Tables that belong to no school, on purpose.
const GLOBAL_TABLES: &[&str] = &["users", "refresh_tokens"];

#[tokio::test]
async fn with_no_school_set_the_runtime_role_sees_no_tenant_row_and_cannot_insert_one() {
    let app = TestApp::spawn().await;
    // Put rows in every kind of table first, so "zero rows" proves RLS, not emptiness.
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    let class = owner.grade_4_east().await;
    let guardian = owner.guardian("Jane").await;
    owner.create("/students", serde_json::json!({
        "admission_no": "ADM-1", "first_name": "John", "last_name": "Doe", "class_id": class, "primary_guardian_id": guardian
    }))
    .await;

    let mut conn = raw_app_connection(&app).await;
    let tables: Vec<(String, bool, bool, bool, i64)> = sqlx::query_as(
        "SELECT c.relname::text,
                EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'school_id' AND NOT a.attisdropped),
                c.relrowsecurity, c.relforcerowsecurity,
                (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
           FROM pg_class c
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> '_sqlx_migrations'
          ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(tables.len() >= 25, "found only {} tables", tables.len());

    let mut checked = 0;
    for (table, has_school_id, rls, forced, policies) in tables {
        if GLOBAL_TABLES.contains(&table.as_str()) {
            assert!(
                !has_school_id,
                "{table} is declared global but has school_id"
            );
            continue;
        }
        assert!(
            has_school_id || table == "schools",
            "{table} has no school_id and is not declared global"
        );
        assert!(
            rls && forced,
            "{table} must ENABLE and FORCE row level security"
        );
        assert!(policies >= 1, "{table} has no policy");

        let visible: i64 =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get(0);
        assert_eq!(visible, 0, "{table} shows rows with no school set");

        let key = if table == "schools" {
            "id"
        } else {
            "school_id"
        };
        let insert = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} ({key}) VALUES ($1)"
        )))
        .bind(school)
        .execute(&mut conn)
        .await;
        let err = insert.expect_err(&format!("{table} accepted an insert with no school set"));
        let db = err.as_database_error().expect("a database error");
        assert_eq!(db.code().as_deref(), Some("42501"), "{table}: {db}");
        checked += 1;
    }
    assert!(checked >= 23, "checked only {checked} tenant tables");

    // The same connection with the school set does see the rows.
    let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
    shared::db::set_tenant(&mut tx, Some(school), None)
        .await
        .unwrap();
    let students: i64 = sqlx::query_scalar("SELECT count(*) FROM students")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(students, 1);
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn the_tenant_setting_does_not_outlive_its_transaction() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    owner.student("ADM-1").await;
    let mut conn = raw_app_connection(&app).await;
    let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
    shared::db::set_tenant(&mut tx, Some(school), None)
        .await
        .unwrap();
    let inside: i64 = sqlx::query_scalar("SELECT count(*) FROM students")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM students")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!((inside, after), (1, 0));
}

#[tokio::test]
async fn the_runtime_role_cannot_rewrite_history() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let school = owner.school;
    owner.student("ADM-1").await;
    let mut tx = app.pool.begin().await.unwrap();
    shared::db::set_tenant(&mut tx, Some(school), None)
        .await
        .unwrap();
    let err = sqlx::query("DELETE FROM audit_log")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().unwrap().code().as_deref(),
        Some("42501")
    );
}

#[tokio::test]
async fn the_services_refuse_a_role_that_could_bypass_row_level_security() {
    let database = crate::helpers::fresh_database().await;
    let owner_url = std::env::var("DATABASE_OWNER_URL").unwrap();
    let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&owner_url)
        .unwrap()
        .database(&database);
    let owner = sqlx::PgPool::connect_with(options).await.unwrap();
    let refusal = shared::db::roles::ensure_runtime_role_is_bound_by_rls(&owner)
        .await
        .expect_err("the owner role owns every table");
    let message = refusal.to_string();
    assert!(
        message.contains("owns tables") && message.contains("schoolops_app"),
        "{message}"
    );
}
