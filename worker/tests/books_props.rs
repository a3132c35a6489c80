//! The books stay right whatever the fee office does, in whatever order:
//! random sequences of the money operations (generate a term, pay matched
//! and overpaid, charge a one-off, cancel, reverse, refund, credit note,
//! sponsor payment and its reversal) on a class with a sponsored bursary
//! and a standing discount, each run through the same domain functions and
//! transactions the api and the worker use, and after every step the books
//! are checked (`Books`): the trial balance balances, 1100 equals the open
//! invoice balances, 1150 what sponsors owe, 1000 the posted payments less
//! refunds, 2000 the students' credit (none below zero), 4900 the credit
//! notes and discount lines of live invoices, every student's ledger
//! balance equals their open invoices less their credit, and every number
//! sequence (INV, CN, RCT) is gapless. A refused operation must be refused as a client error
//! (a 4xx), never fail inside; one the books cannot afford (a refund or a
//! credit note beyond what there is) must be refused.

use std::collections::HashMap;

use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use rust_decimal::Decimal;
use serde_json::json;
use shared::{
    Error,
    db::{self, Tx},
    domain::{
        adjustment::{self, NewAdjustment},
        credit_note::{self, NewCreditNote},
        invoice::{
            self,
            adhoc::{self, NewInvoice, NewInvoiceLine},
            cancel::{self, CancelInvoice},
            generate::{self, GenerateInvoices},
        },
        ledger,
        money::Money,
        operation,
        payment::{self, Method, NewPayment, Reversal},
        refund::{self, NewRefund},
        sponsor::{self, NewSponsor, NewSponsorPayment},
    },
    testing::{
        Books, app_pool, fresh_database,
        seed::{self, SeededSchool},
    },
};
use sqlx::PgPool;
use uuid::Uuid;

/// Pupils in the class; operations pick among them.
const PUPILS: usize = 3;
const YEAR: i32 = 2025;

#[derive(Debug, Clone)]
enum Op {
    /// Invoices for the whole class for one term.
    Generate { term: i16 },
    /// A payment for a pupil: small, exact or well over what they owe.
    Pay {
        pupil: usize,
        cents: i64,
        cash: bool,
    },
    /// A one-off charge (uniform, trip).
    Charge { pupil: usize, cents: i64 },
    /// Cancels the nth invoice (often refused: money on it).
    Cancel { invoice: usize },
    /// Reverses the nth payment (refused when its credit was used).
    Reverse { payment: usize },
    /// Refunds a share of a pupil's credit, in tenths; over 10 asks for
    /// more than the credit and must be refused.
    Refund { pupil: usize, tenths: u32 },
    /// A credit note taking a share of the nth invoice's balance, in
    /// tenths; over 10 must be refused.
    CreditNote { invoice: usize, tenths: u32 },
    /// The county pays a share of what it owes, in tenths; over 10 must
    /// be refused.
    SponsorPay { tenths: u32 },
    /// Reverses the nth sponsor payment (a bounced cheque).
    SponsorReverse { payment: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (1i16..=3).prop_map(|term| Op::Generate { term }),
        4 => (0..PUPILS, prop_oneof![1i64..=500_000, Just(1_850_000), 1_000_000i64..=6_000_000], any::<bool>())
            .prop_map(|(pupil, cents, cash)| Op::Pay { pupil, cents, cash }),
        1 => (0..PUPILS, 100i64..=1_500_000).prop_map(|(pupil, cents)| Op::Charge { pupil, cents }),
        1 => (0usize..8).prop_map(|invoice| Op::Cancel { invoice }),
        1 => (0usize..8).prop_map(|payment| Op::Reverse { payment }),
        1 => (0..PUPILS, 1u32..=12).prop_map(|(pupil, tenths)| Op::Refund { pupil, tenths }),
        2 => (0usize..8, 1u32..=12).prop_map(|(invoice, tenths)| Op::CreditNote { invoice, tenths }),
        2 => (1u32..=12).prop_map(|tenths| Op::SponsorPay { tenths }),
        1 => (0usize..8).prop_map(|payment| Op::SponsorReverse { payment }),
    ]
}

struct School {
    pool: PgPool,
    user_id: Uuid,
    school_id: Uuid,
    class_id: Uuid,
    pupils: Vec<Uuid>,
    sponsor: Uuid,
    refs: u32,
}

impl School {
    async fn new(pool: &PgPool, n: u32) -> School {
        let seeded = SeededSchool::named(
            pool,
            &format!("bursar{n}@example.com"),
            &format!("Props School {n}"),
        )
        .await
        .unwrap();
        let mut tx = seeded.tenant().await.unwrap();
        let class_id = seed::grade_4_east(&mut tx, seeded.user_id, YEAR)
            .await
            .unwrap();
        let pupils = seed::students(&mut tx, class_id, PUPILS).await.unwrap();
        // The county carries 40% of the first pupil's tuition; the second
        // pupil has 1,000 off every invoice.
        let sponsor = sponsor::create(
            &mut tx,
            seeded.user_id,
            &NewSponsor {
                name: "County Bursary".into(),
                contact: None,
            },
        )
        .await
        .unwrap()
        .id;
        let standing = [
            json!({"student_id": pupils[0], "kind": "BURSARY", "percent": "40", "item": "Tuition",
                   "sponsor_id": sponsor, "reason": "County bursary"}),
            json!({"student_id": pupils[1], "kind": "DISCOUNT", "amount": "1000", "reason": "Staff child"}),
        ];
        for new in standing {
            let new: NewAdjustment = serde_json::from_value(new).unwrap();
            adjustment::create(&mut tx, seeded.user_id, &new)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        School {
            pool: pool.clone(),
            user_id: seeded.user_id,
            school_id: seeded.school_id,
            class_id,
            pupils,
            sponsor,
            refs: 0,
        }
    }

    async fn tx(&self) -> Tx {
        db::begin_tenant(&self.pool, self.school_id, Some(self.user_id))
            .await
            .unwrap()
    }

    /// The ids of the school's invoices or payments (time-ordered ids).
    async fn ids(&self, table: &str) -> Vec<Uuid> {
        let mut tx = self.tx().await;
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {table} ORDER BY id"
        )))
        .fetch_all(&mut *tx)
        .await
        .unwrap()
    }

    /// Runs one operation in its own transaction (two for a payment: the
    /// api records it, the worker posts it), committing what succeeds and
    /// rolling back what is refused: Ok(true) done, Ok(false) refused as a
    /// client error (or nothing to act on), Err for any other failure.
    async fn apply(&mut self, op: &Op) -> Result<bool, String> {
        let actor = self.user_id;
        let mut tx = self.tx().await;
        let outcome: shared::Result<()> = match op {
            Op::Generate { term } => {
                let request = GenerateInvoices {
                    student_id: None,
                    class_id: Some(self.class_id),
                    term: *term,
                    year: YEAR,
                    include_optional: HashMap::new(),
                };
                async {
                    generate::validate(&mut tx, &request).await?;
                    let operation =
                        operation::create(&mut tx, "invoices.generate", Some(actor)).await?;
                    let students = generate::students(&mut tx, &request).await?;
                    generate::batch(
                        &mut tx,
                        operation.id,
                        &students,
                        *term,
                        YEAR,
                        &request.optional_names(),
                    )
                    .await
                }
                .await
            }
            Op::Pay { pupil, cents, cash } => {
                self.refs += 1;
                let new = NewPayment {
                    invoice_id: None,
                    student_id: Some(self.pupils[*pupil]),
                    sponsor_id: None,
                    amount: Money::from_decimal(Decimal::new(*cents, 2)),
                    method: if *cash { Method::Cash } else { Method::Mpesa },
                    txn_ref: (!cash).then(|| format!("QKH{:07}", self.refs)),
                    paid_at: None,
                };
                match payment::record(&mut tx, actor, &new).await {
                    Ok(recorded) => {
                        tx.commit().await.map_err(|e| e.to_string())?;
                        tx = self.tx().await;
                        payment::post(&mut tx, recorded.id).await.map(|_| ())
                    }
                    Err(e) => Err(e),
                }
            }
            Op::Charge { pupil, cents } => adhoc::issue(
                &mut tx,
                actor,
                &NewInvoice {
                    student_id: self.pupils[*pupil],
                    lines: vec![NewInvoiceLine {
                        name: "Uniform".into(),
                        amount: Money::from_decimal(Decimal::new(*cents, 2)),
                        account_code: None,
                    }],
                    term: Some(2),
                    year: Some(YEAR),
                    due_date: None,
                    memo: None,
                },
            )
            .await
            .map(|_| ()),
            Op::Cancel { invoice } => match pick(&self.ids("invoices").await, *invoice) {
                Some(id) => cancel::cancel(
                    &mut tx,
                    actor,
                    id,
                    &CancelInvoice {
                        reason: "Issued in error".into(),
                    },
                )
                .await
                .map(|_| ()),
                None => Err(Error::not_found("invoice")),
            },
            Op::Reverse { payment } => match pick(&self.ids("payments").await, *payment) {
                Some(id) => payment::reverse(
                    &mut tx,
                    actor,
                    id,
                    &Reversal {
                        reason: "Cheque bounced".into(),
                    },
                )
                .await
                .map(|_| ()),
                None => Err(Error::not_found("payment")),
            },
            Op::Refund { pupil, tenths } => {
                let student = self.pupils[*pupil];
                async {
                    let credit = ledger::student_credit(&mut tx, student).await?;
                    let amount =
                        (credit.decimal() * Decimal::from(*tenths) / Decimal::from(10)).round_dp(2);
                    if amount <= Decimal::ZERO {
                        return Err(Error::conflict(
                            "refund_exceeds_credit",
                            "no credit to refund",
                        ));
                    }
                    self.refs += 1;
                    let new = NewRefund {
                        amount: Money::from_decimal(amount),
                        method: Method::Mpesa,
                        txn_ref: Some(format!("RFD{:07}", self.refs)),
                        reason: "Overpaid".into(),
                    };
                    let refunded = refund::record(&mut tx, actor, student, &new).await;
                    match (&refunded, *tenths > 10) {
                        (Ok(_), true) => Err(Error::Internal(anyhow::anyhow!(
                            "a refund of {amount} was taken against a credit of {credit}"
                        ))),
                        _ => refunded.map(|_| ()),
                    }
                }
                .await
            }
            Op::CreditNote { invoice, tenths } => match pick(&self.ids("invoices").await, *invoice)
            {
                Some(id) => {
                    async {
                        let balance = invoice::get(&mut tx, id).await?.balance;
                        let amount = (balance.decimal() * Decimal::from(*tenths)
                            / Decimal::from(10))
                        .round_dp(2);
                        let noted = credit_note::issue(
                            &mut tx,
                            actor,
                            id,
                            &NewCreditNote {
                                amount: Money::from_decimal(amount),
                                reason: "County bursary".into(),
                                kind: credit_note::Kind::Bursary,
                                lines: None,
                            },
                            chrono::NaiveDate::from_ymd_opt(YEAR, 3, 1).unwrap(),
                        )
                        .await;
                        match (&noted, *tenths > 10 && amount > balance.decimal()) {
                            (Ok(_), true) => Err(Error::Internal(anyhow::anyhow!(
                                "a credit note of {amount} was taken on a balance of {balance}"
                            ))),
                            _ => noted.map(|_| ()),
                        }
                    }
                    .await
                }
                None => Err(Error::not_found("invoice")),
            },
            Op::SponsorPay { tenths } => {
                let sponsor = self.sponsor;
                async {
                    let owed = sponsor::get(&mut tx, sponsor).await?.balance;
                    let amount =
                        (owed.decimal() * Decimal::from(*tenths) / Decimal::from(10)).round_dp(2);
                    if amount <= Decimal::ZERO {
                        return Err(Error::conflict(
                            "payment_exceeds_sponsor_balance",
                            "the sponsor owes nothing",
                        ));
                    }
                    self.refs += 1;
                    let new = NewSponsorPayment {
                        amount: Money::from_decimal(amount),
                        method: Method::Bank,
                        txn_ref: Some(format!("EFT{:07}", self.refs)),
                        paid_at: None,
                    };
                    let paid = sponsor::record_payment(&mut tx, actor, sponsor, &new).await;
                    match (&paid, amount > owed.decimal()) {
                        (Ok(_), true) => Err(Error::Internal(anyhow::anyhow!(
                            "a sponsor payment of {amount} was taken against {owed} owed"
                        ))),
                        _ => paid.map(|_| ()),
                    }
                }
                .await
            }
            Op::SponsorReverse { payment } => {
                match pick(&self.ids("sponsor_payments").await, *payment) {
                    Some(id) => sponsor::reverse_payment(
                        &mut tx,
                        actor,
                        id,
                        &Reversal {
                            reason: "Cheque returned".into(),
                        },
                    )
                    .await
                    .map(|_| ()),
                    None => Err(Error::not_found("sponsor payment")),
                }
            }
        };
        match outcome {
            Ok(()) => tx.commit().await.map(|()| true).map_err(|e| e.to_string()),
            Err(Error::Client { .. }) => {
                tx.rollback().await.map_err(|e| e.to_string())?;
                Ok(false)
            }
            Err(e) => Err(format!("{op:?} failed inside: {e:?}")),
        }
    }

    /// Every invariant that is broken, in words.
    async fn problems(&self) -> Vec<String> {
        let mut tx = self.tx().await;
        let mut problems = Books::read(&mut tx).await.unwrap().problems();
        // Each student's ledger balance is their open invoices less their credit.
        let students: Vec<(String, Decimal, Decimal)> = sqlx::query_as(
            "SELECT s.admission_no,
                    (SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_lines l
                       JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
                      WHERE l.student_id = s.id AND a.code IN ('1100', '2000')),
                    (SELECT coalesce(sum(i.balance), 0) FROM invoices i
                      WHERE i.student_id = s.id AND i.status IN ('UNPAID', 'PARTIAL'))
                    - (SELECT coalesce(sum(l.credit - l.debit), 0) FROM journal_lines l
                         JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
                        WHERE l.student_id = s.id AND a.code = '2000')
               FROM students s ORDER BY s.admission_no",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        for (admission_no, ledger, invoices) in students {
            if ledger != invoices {
                problems.push(format!(
                    "{admission_no}'s ledger balance is {ledger} but open invoices less credit are {invoices}"
                ));
            }
        }
        // Status agrees with the balance; nothing is over-settled.
        let wrong: Vec<String> = sqlx::query_scalar(
            "SELECT number FROM invoices
              WHERE balance < 0
                 OR (status = 'PAID' AND balance <> 0)
                 OR (status IN ('UNPAID', 'PARTIAL') AND balance = 0 AND total > 0)",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        if !wrong.is_empty() {
            problems.push(format!(
                "invoices whose status and balance disagree: {wrong:?}"
            ));
        }
        problems.extend(gaps(&mut tx, "invoices", "number").await);
        problems.extend(gaps(&mut tx, "credit_notes", "number").await);
        problems
    }
}

/// Where a numbered series (`PREFIX-YEAR-NNNNN` in `column` of `table`)
/// is not 1..n per year.
async fn gaps(tx: &mut Tx, table: &str, column: &str) -> Vec<String> {
    let rows: Vec<(String, i64, i32)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT split_part({column}, '-', 2), count(*), max(split_part({column}, '-', 3)::int)
           FROM {table} WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY 1"
    )))
    .fetch_all(&mut **tx)
    .await
    .unwrap();
    rows.into_iter()
        .filter(|(_, count, max)| *count != i64::from(*max))
        .map(|(year, count, max)| {
            format!("{table}.{column} in {year}: {count} numbers but the last is {max}")
        })
        .collect()
}

impl Op {
    fn kind(&self) -> &'static str {
        match self {
            Op::Generate { .. } => "generate",
            Op::Pay { .. } => "pay",
            Op::Charge { .. } => "charge",
            Op::Cancel { .. } => "cancel",
            Op::Reverse { .. } => "reverse",
            Op::Refund { .. } => "refund",
            Op::CreditNote { .. } => "credit note",
            Op::SponsorPay { .. } => "sponsor payment",
            Op::SponsorReverse { .. } => "sponsor reversal",
        }
    }
}

/// Adds one done (or refused) operation of `kind` to the tally.
fn count(
    tally: &std::sync::Mutex<HashMap<&'static str, (u32, u32)>>,
    kind: &'static str,
    done: bool,
) {
    let mut tally = tally.lock().unwrap();
    let counts = tally.entry(kind).or_default();
    if done {
        counts.0 += 1;
    } else {
        counts.1 += 1;
    }
}

fn pick(ids: &[Uuid], n: usize) -> Option<Uuid> {
    (!ids.is_empty()).then(|| ids[n % ids.len()])
}

#[test]
fn the_books_stay_right_after_any_sequence_of_money_operations() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pool = runtime.block_on(async { app_pool(&fresh_database().await).await });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let school_no = std::sync::atomic::AtomicU32::new(0);
    // (done, refused) per kind of operation, over the whole run.
    let tally = std::sync::Mutex::new(HashMap::<&'static str, (u32, u32)>::new());
    let result = runner.run(&proptest::collection::vec(op(), 1..24), |ops| {
        let school_no = school_no.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        runtime.block_on(async {
            let mut school = School::new(&pool, school_no).await;
            for (step, op) in ops.iter().enumerate() {
                let done = school.apply(op).await.map_err(TestCaseError::fail)?;
                count(&tally, op.kind(), done);
                let problems = school.problems().await;
                if !problems.is_empty() {
                    return Err(TestCaseError::fail(format!(
                        "after step {step} ({op:?}): {}",
                        problems.join("; ")
                    )));
                }
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The run exercised every operation, and the refusals too.
    let tally = tally.into_inner().unwrap();
    eprintln!("operations (done, refused): {tally:?}");
    for kind in [
        "generate",
        "pay",
        "charge",
        "cancel",
        "reverse",
        "refund",
        "credit note",
    ] {
        let (done, _) = tally.get(kind).copied().unwrap_or_default();
        assert!(done > 0, "no {kind} succeeded in the whole run: {tally:?}");
    }
    for kind in [
        "cancel",
        "reverse",
        "refund",
        "credit note",
        "sponsor payment",
    ] {
        let (_, refused) = tally.get(kind).copied().unwrap_or_default();
        assert!(
            refused > 0,
            "no {kind} was refused in the whole run: {tally:?}"
        );
    }
}
