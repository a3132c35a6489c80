//! Three worker binaries, one database, a schedule that ticks every few
//! seconds: each tick gives exactly one run, each run one message per
//! guardian whose students owe, and none to the family that has paid.

use std::{
    collections::{BTreeSet, HashMap},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use shared::{
    commands::queue,
    db,
    domain::{
        invoice::generate::{self, GenerateInvoices},
        money::Money,
        operation,
        payment::{self, Method, NewPayment},
        reminder::schedule::{self, ScheduleChanges},
    },
    jobs::{GenerateInvoicesJob, PostPaymentJob},
    testing::{
        ChildProcess, Scratch, app_pool, fresh_database,
        process::worker_command,
        seed::{self, SeededSchool},
    },
};
use sqlx::PgPool;
use uuid::Uuid;

/// Seconds between ticks of the test schedule.
const EVERY: i64 = 4;
/// Runs to wait for before the schedule is turned off.
const RUNS: usize = 4;

struct School {
    pool: PgPool,
    database: String,
    user_id: Uuid,
    school_id: Uuid,
}

impl School {
    async fn tenant(&self) -> db::Tx {
        db::begin_tenant(&self.pool, self.school_id, Some(self.user_id))
            .await
            .unwrap()
    }
}

/// Families, by guardian: Wanjiru (email) with two children who owe,
/// Otieno (email) with one, Kamau (no email) with one, and Njeri (email)
/// whose child's fees are paid in full. Invoices are queued for the class
/// and the payment recorded; the workers do the rest.
async fn school_with_families() -> (School, Vec<Uuid>) {
    let database = fresh_database().await;
    let pool = app_pool(&database).await;
    let seeded = SeededSchool::create(&pool, "bursar@example.com")
        .await
        .unwrap();
    let school = School {
        pool,
        database,
        user_id: seeded.user_id,
        school_id: seeded.school_id,
    };
    let mut tx = school.tenant().await;
    let class = seed::grade_4_east(&mut tx, school.user_id, 2026)
        .await
        .unwrap();
    let families: [(&str, Option<&str>, &[&str]); 4] = [
        ("Wanjiru", Some("wanjiru@example.com"), &["Amani", "Baraka"]),
        ("Otieno", Some("otieno@example.com"), &["Chebet"]),
        ("Kamau", None, &["Dalia"]),
        ("Njeri", Some("njeri@example.com"), &["Eshe"]),
    ];
    let mut students = Vec::new();
    for (n, (family, email, children)) in families.iter().enumerate() {
        let mut ids = Vec::new();
        for (m, child) in children.iter().enumerate() {
            let admission_no = format!("ADM-{n}{m}");
            ids.push(
                seed::student(&mut tx, class, &admission_no, child, family)
                    .await
                    .unwrap(),
            );
        }
        seed::guardian(&mut tx, family, "Parent", *email, &ids)
            .await
            .unwrap();
        students.extend(ids);
    }
    let request = GenerateInvoices {
        student_id: None,
        class_id: Some(class),
        term: 1,
        year: 2026,
        include_optional: HashMap::new(),
    };
    generate::validate(&mut tx, &request).await.unwrap();
    let generation = operation::create(&mut tx, "invoices.generate", Some(school.user_id))
        .await
        .unwrap();
    queue::push(
        &mut tx,
        &GenerateInvoicesJob {
            school_id: school.school_id,
            operation_id: generation.id,
            request,
            chat: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (school, students)
}

/// Records a payment of the default 18,500 for `student` once invoiced.
async fn pay_in_full(school: &School, student: Uuid) {
    let mut tx = school.tenant().await;
    let payment = payment::record(
        &mut tx,
        school.user_id,
        &NewPayment {
            invoice_id: None,
            student_id: Some(student),
            sponsor_id: None,
            amount: Money::parse("18500").unwrap(),
            method: Method::Cash,
            txn_ref: None,
            paid_at: None,
        },
    )
    .await
    .unwrap();
    queue::push(
        &mut tx,
        &PostPaymentJob {
            school_id: school.school_id,
            payment_id: payment.id,
            chat: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Polls `query` (a count in the school) until it reaches `want`.
async fn wait_for(
    school: &School,
    workers: &mut [ChildProcess],
    what: &str,
    query: &str,
    want: i64,
    limit: Duration,
) {
    let deadline = Instant::now() + limit;
    loop {
        for worker in workers.iter_mut() {
            worker.assert_alive();
        }
        let mut tx = school.tenant().await;
        let got: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_string()))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if got >= want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {got} of {want} after {limit:?}\nfirst worker's log:\n{}",
            workers[0].log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_send_one_reminder_per_owing_guardian_per_tick() {
    let scratch = Scratch::new("worker");
    let (school, students) = school_with_families().await;
    let mut workers: Vec<ChildProcess> = ["one", "two", "three"]
        .iter()
        .map(|name| {
            let mut command = worker_command(
                std::path::Path::new(env!("CARGO_BIN_EXE_worker")),
                &school.database,
                scratch.path(),
            );
            command.env("WORKER_SCHEDULER_SECS", "1");
            ChildProcess::start(name, command, scratch.path()).unwrap()
        })
        .collect();
    wait_for(
        &school,
        &mut workers,
        "invoices issued",
        "SELECT count(*) FROM invoices",
        5,
        Duration::from_secs(60),
    )
    .await;
    pay_in_full(&school, students[4]).await;
    wait_for(
        &school,
        &mut workers,
        "payment posted",
        "SELECT count(*) FROM payments WHERE posting_status = 'POSTED'",
        1,
        Duration::from_secs(30),
    )
    .await;

    // Every EVERY seconds (cron's seconds field), on from now. Members may
    // not set a schedule this frequent (at most every 15 minutes), so the
    // row is written directly: the scheduler runs whatever is stored.
    let mut tx = school.tenant().await;
    let reminder_id: Uuid = sqlx::query_scalar(
        "INSERT INTO reminder_schedules (school_id, id, name, cron, enabled, grace_seconds)
         VALUES (app_school_id(), $1, 'Every few seconds', $2, true, 60) RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(format!("*/{EVERY} * * * * *"))
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    wait_for(
        &school,
        &mut workers,
        "reminder runs",
        "SELECT count(*) FROM reminder_runs",
        RUNS as i64,
        Duration::from_secs(RUNS as u64 * EVERY as u64 + 30),
    )
    .await;
    let mut tx = school.tenant().await;
    schedule::update(
        &mut tx,
        school.user_id,
        reminder_id,
        ScheduleChanges {
            enabled: Some(false),
            ..ScheduleChanges::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Let every run and email finish: no job left that is not done.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        for worker in workers.iter_mut() {
            worker.assert_alive();
        }
        let open: i64 =
            sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE status <> 'Done'")
                .fetch_one(&school.pool)
                .await
                .unwrap();
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} jobs never finished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let mut tx = school.tenant().await;
    let runs: Vec<(Uuid, DateTime<Utc>, String)> =
        sqlx::query_as("SELECT id, tick, status FROM reminder_runs ORDER BY tick")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    // One run per tick, and no tick skipped: three schedulers polling every
    // second never all miss one.
    assert!(runs.len() >= RUNS, "{runs:?}");
    for pair in runs.windows(2) {
        assert_eq!(
            (pair[1].1 - pair[0].1).num_seconds(),
            EVERY,
            "consecutive ticks: {runs:?}"
        );
    }
    // A run queued just before the schedule was turned off may be skipped.
    let sent: Vec<Uuid> = runs
        .iter()
        .filter(|r| r.2 == "succeeded")
        .map(|r| r.0)
        .collect();
    assert!(
        runs.iter().all(|r| r.2 == "succeeded" || r.2 == "skipped"),
        "{runs:?}"
    );
    assert!(sent.len() >= RUNS - 1, "{runs:?}");

    let per_run: Vec<(Uuid, i64, i64, i64)> = sqlx::query_as(
        "SELECT rd.run_id, count(*), count(*) FILTER (WHERE d.channel = 'EMAIL' AND d.status = 'SENT'),
                count(*) FILTER (WHERE d.channel = 'IN_APP' AND d.status = 'SENT')
           FROM reminder_deliveries rd JOIN notification_deliveries d ON d.school_id = rd.school_id AND d.id = rd.delivery_id
          GROUP BY rd.run_id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        per_run.len(),
        sent.len(),
        "every succeeded run reminded someone"
    );
    for (run, guardians, emails, in_app) in &per_run {
        assert!(sent.contains(run));
        assert_eq!(
            (*guardians, *emails, *in_app),
            (3, 2, 1),
            "run {run}: three owing families, two by email"
        );
    }
    let reminded: BTreeSet<String> = sqlx::query_scalar(
        "SELECT g.first_name FROM reminder_deliveries rd JOIN guardians g ON g.school_id = rd.school_id AND g.id = rd.guardian_id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(
        reminded,
        BTreeSet::from(["Kamau".into(), "Otieno".into(), "Wanjiru".into()]),
        "never Njeri, who paid"
    );
    let wanjiru: String = sqlx::query_scalar(
        "SELECT d.body FROM notification_deliveries d JOIN guardians g ON g.school_id = d.school_id AND g.id = d.guardian_id
          WHERE g.first_name = 'Wanjiru' LIMIT 1",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert!(
        wanjiru.contains("Amani Wanjiru (admission no. ADM-00): KES 18,500.00"),
        "{wanjiru}"
    );
    assert!(
        wanjiru.contains("Baraka Wanjiru (admission no. ADM-01): KES 18,500.00"),
        "{wanjiru}"
    );
    assert!(wanjiru.contains("Total: KES 37,000.00"), "{wanjiru}");
    tx.commit().await.unwrap();

    // Exactly one job per run, and one email on disk per email delivery.
    let reminder_jobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE job_type = 'reminders.send'")
            .fetch_one(&school.pool)
            .await
            .unwrap();
    assert_eq!(reminder_jobs, runs.len() as i64);
    let emails: Vec<String> = std::fs::read_dir(scratch.path().join("mail"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    assert_eq!(emails.len(), 2 * sent.len(), "two emails per run");
    for to in ["wanjiru@example.com", "otieno@example.com"] {
        let count = emails
            .iter()
            .filter(|m| m.contains(&format!("To: {to}")))
            .count();
        assert_eq!(count, sent.len(), "one email to {to} per run");
    }
    assert!(!emails.iter().any(|m| m.contains("njeri@example.com")));

    // Each run was queued by exactly one of the three processes.
    let queued_lines: usize = workers
        .iter()
        .map(|w| w.log_text().matches("reminder run queued").count())
        .sum();
    assert_eq!(queued_lines, runs.len());
}
