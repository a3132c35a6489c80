//! Fault tests against the real worker binary, run as child processes on a
//! fresh database: a worker killed with SIGKILL in the middle of a large
//! generation, and jobs delivered more than once. Afterwards the invoices
//! and the journal must be exactly as if each job had run once.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use shared::{
    commands::queue,
    db,
    domain::{
        invoice::generate::{self, GenerateInvoices},
        money::Money,
        operation,
        payment::{self, Method, NewPayment},
    },
    jobs::{GenerateInvoicesJob, PostPaymentJob},
    testing::{
        Books, ChildProcess, Scratch, app_pool, fresh_database,
        process::worker_command,
        seed::{self, SeededSchool},
    },
};
use sqlx::PgPool;
use uuid::Uuid;

/// The queues these tests exercise.
const QUEUES: &str = "invoices.generate,payments.post";

/// The default fee structure every new school gets: shillings per student.
const DEFAULT_SHILLINGS: u64 = 18_500;

struct School {
    pool: PgPool,
    database: String,
    user_id: Uuid,
    school_id: Uuid,
    class_id: Uuid,
}

/// A fresh database with one school whose "Grade 4 East" (2025) holds `n`
/// active students, set up as the runtime role.
async fn school_with_students(n: usize) -> School {
    let database = fresh_database().await;
    let pool = app_pool(&database).await;
    let seeded = SeededSchool::create(&pool, "bursar@example.com")
        .await
        .unwrap();
    let mut tx = seeded.tenant().await.unwrap();
    let class_id = seed::grade_4_east(&mut tx, seeded.user_id, 2025)
        .await
        .unwrap();
    seed::students(&mut tx, class_id, n).await.unwrap();
    tx.commit().await.unwrap();
    School {
        pool,
        database,
        user_id: seeded.user_id,
        school_id: seeded.school_id,
        class_id,
    }
}

/// The worker binary on the school's database, serving `QUEUES`.
fn start_worker(school: &School, scratch: &Scratch, name: &str) -> ChildProcess {
    let mut command = worker_command(
        std::path::Path::new(env!("CARGO_BIN_EXE_worker")),
        &school.database,
        scratch.path(),
    );
    command.env("WORKER_QUEUES", QUEUES);
    ChildProcess::start(name, command, scratch.path()).unwrap()
}

impl School {
    /// Validates, creates the operation and pushes the job in one tenant
    /// transaction, as POST /invoices/generate does; returns the job.
    async fn queue_generation(&self, term: i16, year: i32) -> GenerateInvoicesJob {
        let mut tx = db::begin_tenant(&self.pool, self.school_id, Some(self.user_id))
            .await
            .unwrap();
        let request = GenerateInvoices {
            student_id: None,
            class_id: Some(self.class_id),
            term,
            year,
            include_optional: HashMap::new(),
        };
        generate::validate(&mut tx, &request).await.unwrap();
        let operation = operation::create(&mut tx, "invoices.generate", Some(self.user_id))
            .await
            .unwrap();
        let job = GenerateInvoicesJob {
            school_id: self.school_id,
            operation_id: operation.id,
            request,
            chat: None,
        };
        queue::push(&mut tx, &job).await.unwrap();
        tx.commit().await.unwrap();
        job
    }

    /// Pushes `job` again, as a second delivery of the same work.
    async fn push_again<J: shared::jobs::Job>(&self, job: &J) {
        let mut tx = db::begin_tenant(&self.pool, self.school_id, Some(self.user_id))
            .await
            .unwrap();
        queue::push(&mut tx, job).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn tenant(&self) -> db::Tx {
        db::begin_tenant(&self.pool, self.school_id, None)
            .await
            .unwrap()
    }

    /// The operation as it is now.
    async fn operation(&self, id: Uuid) -> operation::Operation {
        let mut tx = self.tenant().await;
        let operation = operation::get(&mut tx, id).await.unwrap();
        tx.commit().await.unwrap();
        operation
    }

    /// Waits (at most `limit`) until the operation is finished; panics
    /// with the worker's log otherwise.
    async fn finished(
        &self,
        id: Uuid,
        limit: Duration,
        worker: &mut ChildProcess,
    ) -> operation::Operation {
        let deadline = Instant::now() + limit;
        loop {
            worker.assert_alive();
            let operation = self.operation(id).await;
            if operation.is_finished() {
                return operation;
            }
            assert!(
                Instant::now() < deadline,
                "the operation did not finish within {limit:?}: {operation:?}\nworker log:\n{}",
                worker.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until every job in the queue is done (none pending, running
    /// or failed).
    async fn queue_drained(&self, limit: Duration, worker: &mut ChildProcess) {
        let deadline = Instant::now() + limit;
        loop {
            worker.assert_alive();
            let statuses: Vec<(String, String)> =
                sqlx::query_as("SELECT job_type, status FROM apalis.jobs ORDER BY run_at")
                    .fetch_all(&self.pool)
                    .await
                    .unwrap();
            if statuses.iter().all(|(_, status)| status == "Done") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "jobs still not done after {limit:?}: {statuses:?}\nworker log:\n{}",
                worker.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Everything that a generation or posting writes, counted and summed.
    async fn books(&self) -> Snapshot {
        let mut tx = self.tenant().await;
        let numbers: Vec<String> =
            sqlx::query_scalar("SELECT number FROM invoices ORDER BY number")
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        let (invoiced_students, lines, entries, journal_lines): (i64, i64, i64, i64) =
            sqlx::query_as(
                "SELECT (SELECT count(DISTINCT (student_id, term, year)) FROM invoices),
                    (SELECT count(*) FROM invoice_lines),
                    (SELECT count(*) FROM journal_entries),
                    (SELECT count(*) FROM journal_lines)",
            )
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let paid: Money = sqlx::query_scalar("SELECT coalesce(sum(paid), 0) FROM invoices")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let ledger = Books::read(&mut tx).await.unwrap();
        let lines_match_totals: bool = sqlx::query_scalar(
            "SELECT NOT EXISTS (
                 SELECT 1 FROM invoices i
                  WHERE i.total <> (SELECT coalesce(sum(amount), 0) FROM invoice_lines l WHERE l.invoice_id = i.id))",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let counter: Option<i32> =
            sqlx::query_scalar("SELECT last_no FROM invoice_counters WHERE year = 2025")
                .fetch_optional(&mut *tx)
                .await
                .unwrap();
        let events: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, count(*) FROM events WHERE kind <> 'operation.updated' GROUP BY kind ORDER BY kind",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        Snapshot {
            numbers,
            invoiced_students,
            lines,
            entries,
            journal_lines,
            ledger,
            paid: paid.to_string(),
            lines_match_totals,
            counter,
            events,
        }
    }
}

/// A snapshot of the school's invoices and journal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    numbers: Vec<String>,
    invoiced_students: i64,
    lines: i64,
    entries: i64,
    journal_lines: i64,
    /// The ledger's invariants, checked by `assert_consistent`.
    ledger: Books,
    paid: String,
    lines_match_totals: bool,
    counter: Option<i32>,
    /// Events other than operation.updated, by kind.
    events: Vec<(String, i64)>,
}

impl Snapshot {
    /// The invariants that hold whatever happened: one invoice per
    /// student, numbers 1..=n without gaps, a balanced journal whose
    /// receivable equals what is still owed and whose cash what was posted.
    fn assert_consistent(&self, students: usize) {
        let expected: Vec<String> = (1..=students).map(|n| format!("INV-2025-{n:05}")).collect();
        assert_eq!(self.numbers.len(), students, "one invoice per student");
        assert!(
            self.numbers == expected,
            "invoice numbers are 1..={students}, unique and gapless (first {:?}, last {:?})",
            self.numbers.first(),
            self.numbers.last()
        );
        assert_eq!(self.invoiced_students, students as i64, "no student twice");
        assert_eq!(self.counter, Some(students as i32), "the counter matches");
        assert!(
            self.lines_match_totals,
            "every invoice's lines sum to its total"
        );
        // The journal balances, 1100 = open invoice balances, 1000 = posted payments.
        self.ledger.assert_right();
    }
}

/// What `students` default invoices come to.
fn total_of(students: usize) -> String {
    format!("{}.00", DEFAULT_SHILLINGS * students as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_generation_is_replaced_and_the_books_end_exactly_right() {
    const STUDENTS: usize = 5000;
    let scratch = Scratch::new("worker");
    let school = school_with_students(STUDENTS).await;
    let job = school.queue_generation(1, 2025).await;

    // Let the first worker get part of the way: some batches committed,
    // the operation still running.
    let mut first = start_worker(&school, &scratch, "first");
    let deadline = Instant::now() + Duration::from_secs(60);
    let interrupted_at = loop {
        first.assert_alive();
        let operation = school.operation(job.operation_id).await;
        assert!(
            !operation.is_finished(),
            "the generation of {STUDENTS} finished before it could be interrupted \
             (worker/src/invoices.rs commits 2,500 students per batch; not configurable): \
             {operation:?}"
        );
        if operation.progress.done > 0 {
            break operation.progress.done;
        }
        assert!(
            Instant::now() < deadline,
            "the first worker made no progress in 60 s: {operation:?}\n{}",
            first.log_text()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    first.kill();

    let after_kill = school.operation(job.operation_id).await;
    assert_eq!(
        after_kill.status,
        operation::Status::Running,
        "killed mid-run: {after_kill:?}"
    );
    let mut tx = school.tenant().await;
    let issued_before_crash: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        issued_before_crash > 0 && (issued_before_crash as usize) < STUDENTS,
        "the crash left a partial run: {issued_before_crash} invoices (progress {interrupted_at})"
    );
    eprintln!(
        "killed the first worker at progress {interrupted_at}; {issued_before_crash} invoices committed"
    );

    // A new worker process finds the orphaned job once the dead worker's
    // heartbeat is 3 s old, and finishes it.
    let mut second = start_worker(&school, &scratch, "second");
    let done = school
        .finished(job.operation_id, Duration::from_secs(120), &mut second)
        .await;
    assert_eq!(
        done.status,
        operation::Status::Succeeded,
        "{done:?}\n{}",
        second.log_text()
    );
    assert_eq!(done.progress.done, STUDENTS as i32);
    let result = done.result.clone().unwrap();
    assert_eq!(
        result["created"].as_i64().unwrap() + result["already_invoiced"].as_i64().unwrap(),
        STUDENTS as i64,
        "the rerun accounts for every student: {result}"
    );

    let books = school.books().await;
    books.assert_consistent(STUDENTS);
    assert_eq!(
        books.entries, STUDENTS as i64,
        "one journal entry per invoice"
    );
    assert_eq!(books.ledger.receivable.to_string(), total_of(STUDENTS));
    assert_eq!(
        books.events,
        [("invoice.generated".to_string(), 1)],
        "one completion event"
    );
    // apalis rewrites `attempts` from the worker's own count on ack, so
    // the proof that the second process ran the job is its lock.
    let lock_by: String =
        sqlx::query_scalar("SELECT lock_by FROM apalis.jobs WHERE job_type = 'invoices.generate'")
            .fetch_one(&school.pool)
            .await
            .unwrap();
    assert!(
        lock_by.contains(&format!("-{}-", second.pid())),
        "the second worker finished the job: {lock_by}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_job_delivered_again_after_it_succeeded_changes_nothing() {
    const STUDENTS: usize = 30;
    let scratch = Scratch::new("worker");
    let school = school_with_students(STUDENTS).await;
    let job = school.queue_generation(1, 2025).await;
    let mut worker = start_worker(&school, &scratch, "worker");
    let first = school
        .finished(job.operation_id, Duration::from_secs(60), &mut worker)
        .await;
    assert_eq!(first.status, operation::Status::Succeeded);
    school
        .queue_drained(Duration::from_secs(30), &mut worker)
        .await;
    let before = school.books().await;
    before.assert_consistent(STUDENTS);

    school.push_again(&job).await;
    school
        .queue_drained(Duration::from_secs(30), &mut worker)
        .await;

    assert_eq!(
        school.books().await,
        before,
        "the second delivery wrote nothing"
    );
    let again = school.operation(job.operation_id).await;
    assert_eq!(
        again.result, first.result,
        "the operation still reports the first run"
    );
    assert_eq!(again.finished_at, first.finished_at);
}

/// Sessions of this database blocked on a row lock right now.
async fn lock_waiters(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Holds `held` (a transaction with a row lock) until `waiters` sessions
/// queue behind locks, so deliveries of one job provably overlap; then
/// lets them go.
async fn release_once_blocked(
    school: &School,
    held: db::Tx,
    waiters: i64,
    worker: &mut ChildProcess,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while lock_waiters(&school.pool).await < waiters {
        worker.assert_alive();
        assert!(
            Instant::now() < deadline,
            "the deliveries never ran side by side\n{}",
            worker.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    held.rollback().await.unwrap();
}

/// Two deliveries of one generation job, running at the same time: both
/// are fetched, both mark the operation running, and both queue on the
/// school's invoice counter (held here) before either issues anything.
async fn generation_delivered_twice_at_once(
    students: usize,
    scratch: &Scratch,
) -> (School, GenerateInvoicesJob, ChildProcess) {
    let school = school_with_students(students).await;
    let job = school.queue_generation(1, 2025).await;
    school.push_again(&job).await;
    let mut counter = school.tenant().await;
    sqlx::query(
        "INSERT INTO invoice_counters (school_id, year, last_no) VALUES (app_school_id(), 2025, 0)",
    )
    .execute(&mut *counter)
    .await
    .unwrap();
    let mut worker = start_worker(&school, scratch, "worker");
    release_once_blocked(&school, counter, 2, &mut worker).await;
    school
        .queue_drained(Duration::from_secs(60), &mut worker)
        .await;
    (school, job, worker)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_job_delivered_twice_at_once_issues_each_invoice_once() {
    const STUDENTS: usize = 30;
    let scratch = Scratch::new("worker");
    let (school, job, _worker) = generation_delivered_twice_at_once(STUDENTS, &scratch).await;

    let books = school.books().await;
    books.assert_consistent(STUDENTS);
    assert_eq!(
        books.entries, STUDENTS as i64,
        "one journal entry per invoice"
    );
    assert_eq!(books.ledger.receivable.to_string(), total_of(STUDENTS));
    let operation = school.operation(job.operation_id).await;
    assert_eq!(operation.status, operation::Status::Succeeded);
    assert_eq!(operation.progress.done, STUDENTS as i32);
}

/// The delivery that loses the race must neither finish the operation again
/// (it would report `created: 0`, whichever finished last winning) nor
/// append a second invoice.generated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_job_delivered_twice_at_once_reports_one_result_and_one_event() {
    const STUDENTS: usize = 30;
    let scratch = Scratch::new("worker");
    let (school, job, _worker) = generation_delivered_twice_at_once(STUDENTS, &scratch).await;

    let operation = school.operation(job.operation_id).await;
    let result = operation.result.unwrap();
    assert_eq!(result["created"], STUDENTS, "{result}");
    assert_eq!(result["total_amount"], total_of(STUDENTS), "{result}");
    assert_eq!(
        school.books().await.events,
        [("invoice.generated".to_string(), 1)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_posting_delivered_twice_posts_once() {
    const STUDENTS: usize = 3;
    let scratch = Scratch::new("worker");
    let school = school_with_students(STUDENTS).await;
    let generation = school.queue_generation(1, 2025).await;
    let mut worker = start_worker(&school, &scratch, "worker");
    school
        .finished(
            generation.operation_id,
            Duration::from_secs(60),
            &mut worker,
        )
        .await;
    school
        .queue_drained(Duration::from_secs(30), &mut worker)
        .await;
    let invoiced = school.books().await;

    // One payment, its posting job pushed twice in the recording
    // transaction. The invoice is held here (NO KEY UPDATE lets the
    // payment's foreign key through) so that one delivery waits for it
    // while holding the payment and the other waits for the payment:
    // the two provably overlap.
    let mut tx = db::begin_tenant(&school.pool, school.school_id, Some(school.user_id))
        .await
        .unwrap();
    let invoice_id: Uuid = sqlx::query_scalar("SELECT id FROM invoices ORDER BY number LIMIT 1")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let mut invoice = school.tenant().await;
    sqlx::query("SELECT 1 FROM invoices WHERE id = $1 FOR NO KEY UPDATE")
        .bind(invoice_id)
        .execute(&mut *invoice)
        .await
        .unwrap();
    let recorded = payment::record(
        &mut tx,
        school.user_id,
        &NewPayment {
            invoice_id: Some(invoice_id),
            student_id: None,
            sponsor_id: None,
            amount: Money::parse("5000.00").unwrap(),
            method: Method::Cash,
            txn_ref: None,
            paid_at: None,
        },
    )
    .await
    .unwrap();
    let job = PostPaymentJob {
        school_id: school.school_id,
        payment_id: recorded.id,
        chat: None,
    };
    queue::push_all(&mut tx, &[job.clone(), job.clone()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    release_once_blocked(&school, invoice, 2, &mut worker).await;
    school
        .queue_drained(Duration::from_secs(30), &mut worker)
        .await;
    let posted = school.books().await;

    // And once more, after it was posted.
    school.push_again(&job).await;
    school
        .queue_drained(Duration::from_secs(30), &mut worker)
        .await;
    let after = school.books().await;
    assert_eq!(after, posted, "the third delivery wrote nothing");

    after.assert_consistent(STUDENTS);
    assert_eq!(
        after.entries,
        invoiced.entries + 1,
        "one journal entry for the payment"
    );
    assert_eq!(
        after.journal_lines,
        invoiced.journal_lines + 2,
        "DR 1000 / CR 1100; no credit left over for 2000"
    );
    assert_eq!(after.paid, "5000.00", "the invoice was paid once");
    assert_eq!(
        after.events,
        [
            ("invoice.generated".to_string(), 1),
            ("payment.posted".to_string(), 1)
        ]
    );
    let mut tx = school.tenant().await;
    let status: String = sqlx::query_scalar("SELECT posting_status FROM payments WHERE id = $1")
        .bind(recorded.id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(status, "POSTED");
}
