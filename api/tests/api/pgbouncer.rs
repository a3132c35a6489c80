//! Behind PgBouncer in transaction mode (`scripts/faults pgbouncer` sets
//! SCHOOLOPS_TEST_PGBOUNCER_PORT and runs these with the tenancy suites):
//! what sqlx 0.9 needs there, and that two schools sharing a small server
//! pool never see each other's rows or settings. The two-school test runs
//! on every `scripts/test` too, on a direct pool.

use std::collections::{BTreeMap, HashSet};

use futures_util::future::join_all;
use reqwest::StatusCode;
use sqlx::{PgPool, Row, postgres::PgPoolOptions};
use uuid::Uuid;

use crate::helpers::{Member, TestApp, fresh_database};
use shared::testing::{app_options, pgbouncer_port};

/// Three statements with the same parameter: a Bind that reached another
/// client's statement would answer with the wrong letter.
const SHAPES: [(&str, &str); 3] = [
    ("A", "SELECT 'A' || $1::text"),
    ("B", "SELECT 'B' || $1::text"),
    ("C", "SELECT 'C' || $1::text"),
];

#[derive(Debug, Default)]
struct Tally {
    right: usize,
    wrong: usize,
    errors: BTreeMap<String, usize>,
}

/// 8 connections at once, 150 statements each, through `pool`; each in a
/// transaction of its own when `in_transaction`.
async fn hammer(pool: &PgPool, in_transaction: bool) -> Tally {
    let runs = (0..8).map(|client| async move {
        let mut tally = Tally::default();
        for i in 0..150 {
            let (letter, sql) = SHAPES[(i + client) % SHAPES.len()];
            let query = sqlx::query_scalar::<_, String>(sql).bind(i.to_string());
            let answer = if in_transaction {
                let mut tx = pool.begin().await.expect("BEGIN is one simple message");
                let answer = query.fetch_one(&mut *tx).await;
                tx.commit().await.ok();
                answer
            } else {
                query.fetch_one(pool).await
            };
            match answer {
                Ok(text) if text == format!("{letter}{i}") => tally.right += 1,
                Ok(_) => tally.wrong += 1,
                Err(err) => {
                    // "prepared statement \"sqlx_s_12\" ...": one key per kind.
                    let kind: String = err
                        .to_string()
                        .chars()
                        .filter(|c| !c.is_ascii_digit())
                        .collect();
                    *tally.errors.entry(kind).or_default() += 1;
                }
            }
        }
        tally
    });
    let mut total = Tally::default();
    for tally in join_all(runs).await {
        total.right += tally.right;
        total.wrong += tally.wrong;
        for (kind, n) in tally.errors {
            *total.errors.entry(kind).or_default() += n;
        }
    }
    total
}

async fn pool_with(options: sqlx::postgres::PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .unwrap()
}

#[tokio::test]
async fn without_a_statement_cache_every_statement_in_a_transaction_gets_its_own_answer() {
    if pgbouncer_port().is_none() {
        return; // only meaningful behind PgBouncer (scripts/faults pgbouncer)
    }
    let database = fresh_database().await;
    let pool = pool_with(app_options(&database)).await;
    let tally = hammer(&pool, true).await;
    println!("transaction mode, cache off, in transactions: {tally:?}");
    assert_eq!((tally.right, tally.wrong), (1200, 0), "{tally:?}");
    assert!(tally.errors.is_empty(), "{tally:?}");
}

#[tokio::test]
async fn behind_pgbouncer_a_statement_outside_a_transaction_fails_and_never_answers_for_another() {
    if pgbouncer_port().is_none() {
        return;
    }
    let database = fresh_database().await;
    // As the api connects (cache off): Parse and Bind are split by a Sync,
    // PgBouncer hands the server back in between and its reset query
    // (DEALLOCATE ALL) drops the statement: an error, never a wrong answer.
    let pool = pool_with(app_options(&database)).await;
    let tally = hammer(&pool, false).await;
    println!("transaction mode, cache off, outside transactions: {tally:?}");
    assert_eq!(tally.wrong, 0, "{tally:?}");
    assert_eq!(tally.right, 0, "every one should have failed: {tally:?}");

    // sqlx's default statement cache: names cached by one client mean
    // nothing on the server the next transaction gets.
    let cached = app_options(&database).statement_cache_capacity(100);
    let pool = pool_with(cached).await;
    let tally = hammer(&pool, true).await;
    println!("transaction mode, default cache, in transactions: {tally:?}");
    assert_eq!(tally.wrong, 0, "{tally:?}");
    assert!(!tally.errors.is_empty(), "{tally:?}");
}

/// A school with `n` students; returns its owner and the students' ids.
async fn school_with_students(app: &TestApp, name: &str, n: usize) -> (Member, HashSet<String>) {
    let owner = app
        .owner_with_school(&format!("{name}@example.com"), name)
        .await;
    let mut ids = HashSet::new();
    for i in 0..n {
        ids.insert(owner.student(&format!("{name}-{i:03}")).await.to_string());
    }
    (owner, ids)
}

/// Rounds of reads and writes by one school: every row it is shown is its
/// own; returns how many requests were made.
async fn hammer_school(member: &Member, own: &HashSet<String>, rounds: usize) -> usize {
    let mut requests = 0;
    for round in 0..rounds {
        let (status, rows) = member.get_json("/students?limit=100").await;
        assert_eq!(status, StatusCode::OK, "{rows}");
        let seen: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["id"].as_str().unwrap())
            .collect();
        let foreign: Vec<&&str> = seen.iter().filter(|id| !own.contains(**id)).collect();
        assert!(
            foreign.is_empty(),
            "school {} shown {foreign:?}",
            member.school
        );
        assert_eq!(seen.len(), own.len());
        let guardian = member.guardian(&format!("G{round}")).await;
        let (status, _) = member.get_json(&format!("/guardians/{guardian}")).await;
        assert_eq!(status, StatusCode::OK);
        requests += 3;
    }
    requests
}

/// Outside a transaction, on `pool`: the school setting each session
/// answers (simple protocol: one message, whole behind PgBouncer) and its
/// backend, `times` times at once.
async fn settings_outside_transactions(pool: &PgPool, times: usize) -> Vec<(String, i32)> {
    let reads = (0..times).map(|_| async {
        let row = sqlx::raw_sql(
            "SELECT coalesce(current_setting('app.current_school_id', true), '') AS school, \
                    pg_backend_pid() AS pid",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (row.get::<String, _>("school"), row.get::<i32, _>("pid"))
    });
    join_all(reads).await
}

#[tokio::test]
async fn two_schools_hammered_through_one_small_pool_never_see_each_others_rows_or_setting() {
    let app = TestApp::spawn().await;
    let (a, a_students) = school_with_students(&app, "hammer-a", 6).await;
    let (b, b_students) = school_with_students(&app, "hammer-b", 4).await;
    // Eight clients per school at once, well over a small server pool.
    let clients = |member: &Member, own: &HashSet<String>| {
        (0..8)
            .map(|_| {
                let (member, own) = (member.clone(), own.clone());
                tokio::spawn(async move { hammer_school(&member, &own, 5).await })
            })
            .collect::<Vec<_>>()
    };
    let mut runs = clients(&a, &a_students);
    runs.extend(clients(&b, &b_students));
    let requests: usize = join_all(runs).await.into_iter().map(Result::unwrap).sum();

    let seen = settings_outside_transactions(&app.pool, 40).await;
    let leaked: Vec<&(String, i32)> = seen
        .iter()
        .filter(|(school, _)| !school.is_empty())
        .collect();
    assert!(
        leaked.is_empty(),
        "a school setting outlived its transaction: {leaked:?}"
    );
    let servers: HashSet<i32> = seen.iter().map(|(_, pid)| *pid).collect();
    println!(
        "{requests} requests by 16 clients of 2 schools; 40 reads outside a transaction on {} \
         server sessions (PgBouncer: {}): no school set",
        servers.len(),
        pgbouncer_port().map_or("no".into(), |port| format!("port {port}")),
    );
    // The books of each school still hold only its own rows.
    for (member, own) in [(&a, &a_students), (&b, &b_students)] {
        let mut tx = app.tenant_tx(member.school).await;
        let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM students")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let ids: HashSet<String> = ids.iter().map(Uuid::to_string).collect();
        assert_eq!(&ids, own);
    }
}
