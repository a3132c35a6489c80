//! The check of a school's books that tests and benchmarks end with: the
//! trial balance balances, 1100 Receivable equals the sum of the open
//! invoice balances, 1000 Cash equals the POSTED payments (families' and
//! sponsors') less the refunds, 2000 equals the students' credit, none of
//! it below zero, 1150 Sponsor Receivable equals the open sponsor shares
//! less what sponsors paid on them (no share paid beyond itself), 4900
//! equals the credit notes and discount lines of invoices not cancelled,
//! and credit note (CN) and receipt (RCT) numbers run 1..n without a gap
//! in each year, as their counter says.

use std::fmt;

use serde_json::Value;
use sqlx::PgConnection;

use crate::domain::{
    credit_note,
    ledger::{self, code},
    money::Money,
};

/// The school's books as the ledger and the invoices and payments tell
/// them, read in one tenant transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Books {
    /// Sums of every journal line.
    pub debits: Money,
    pub credits: Money,
    /// The balance of 1100 Receivable (debit side).
    pub receivable: Money,
    /// The sum of `balance` over UNPAID and PARTIAL invoices.
    pub open_balances: Money,
    /// The balance of 1000 Cash (debit side).
    pub cash: Money,
    /// The sum of the POSTED payments (a REVERSED one no longer counts)
    /// less the refunds.
    pub posted_payments: Money,
    /// The balance of 2000 (credit side).
    pub unearned: Money,
    /// The sum of each student's credit (2000 lines naming the student).
    pub students_credit: Money,
    /// How many students' credit is below zero (always none).
    pub negative_credits: i64,
    /// The balance of 4900 Discounts & Waivers (debit side).
    pub discounts: Money,
    /// The credit notes and the discount lines (standing adjustments,
    /// the sibling discount) of invoices not cancelled.
    pub credit_notes: Money,
    /// Each (series, year) whose numbers have a gap: "CN 2026: 3 numbers,
    /// highest 4, counter at 4"; CN from credit notes, RCT from payments
    /// and sponsor payments together (one series).
    pub numbering_gaps: Vec<String>,
    /// The balance of 1150 Sponsor Receivable (debit side).
    pub sponsor_receivable: Money,
    /// The sum of `amount - paid` over sponsor shares not closed.
    pub open_shares: Money,
    /// How many sponsor shares are paid beyond their amount (always none).
    pub overpaid_shares: i64,
}

impl Books {
    /// Reads the books of the school set on `conn` (a tenant transaction).
    pub async fn read(conn: &mut PgConnection) -> crate::Result<Self> {
        let trial = ledger::trial_balance(&mut *conn).await?;
        let balance = |account: &str| {
            trial
                .accounts
                .iter()
                .find(|a| a.code == account)
                .map_or(Money::default(), |a| a.balance)
        };
        let (open_balances, posted_payments): (Money, Money) = sqlx::query_as(
            "SELECT (SELECT coalesce(sum(balance), 0) FROM invoices WHERE status IN ('UNPAID', 'PARTIAL')),
                    (SELECT coalesce(sum(amount), 0) FROM payments WHERE posting_status = 'POSTED')
                    + (SELECT coalesce(sum(amount), 0) FROM sponsor_payments WHERE reversed_at IS NULL)
                    - (SELECT coalesce(sum(amount), 0) FROM refunds)",
        )
        .fetch_one(&mut *conn)
        .await?;
        let (unearned, students_credit, negative_credits): (Money, Money, i64) = sqlx::query_as(
            "WITH credit AS (
                 SELECT l.student_id, sum(l.credit - l.debit) AS credit
                   FROM journal_lines l JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
                  WHERE a.code = '2000' GROUP BY l.student_id)
             SELECT coalesce(sum(credit), 0)::numeric(14,2),
                    coalesce(sum(credit) FILTER (WHERE student_id IS NOT NULL), 0)::numeric(14,2),
                    count(*) FILTER (WHERE credit < 0)
               FROM credit",
        )
        .fetch_one(&mut *conn)
        .await?;
        let discounts: Money = sqlx::query_scalar(
            "SELECT coalesce(sum(l.debit - l.credit), 0)::numeric(14,2)
               FROM journal_lines l JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
              WHERE a.code = $1",
        )
        .bind(code::DISCOUNTS)
        .fetch_one(&mut *conn)
        .await?;
        let discount_lines: Money = sqlx::query_scalar(
            "SELECT coalesce(-sum(l.amount), 0)::numeric(14,2)
               FROM invoice_lines l JOIN invoices i ON i.school_id = l.school_id AND i.id = l.invoice_id
              WHERE l.amount < 0 AND i.status <> 'CANCELLED'",
        )
        .fetch_one(&mut *conn)
        .await?;
        let credit_notes = Money::from_decimal(
            credit_note::standing_total(&mut *conn).await?.decimal() + discount_lines.decimal(),
        );
        let numbering_gaps: Vec<String> = sqlx::query_scalar(
            "WITH numbered AS (
                 SELECT 'CN' AS series, split_part(number, '-', 2)::int AS year,
                        split_part(number, '-', 3)::int AS n
                   FROM credit_notes
                 UNION ALL
                 SELECT 'RCT', split_part(receipt_no, '-', 2)::int, split_part(receipt_no, '-', 3)::int
                   FROM payments WHERE receipt_no IS NOT NULL
                 UNION ALL
                 SELECT 'RCT', split_part(receipt_no, '-', 2)::int, split_part(receipt_no, '-', 3)::int
                   FROM sponsor_payments WHERE receipt_no IS NOT NULL)
             SELECT format('%s %s: %s numbers, highest %s, counter at %s', n.series, n.year, count(*),
                           max(n.n), coalesce(c.last_no, 0))
               FROM numbered n
               LEFT JOIN document_counters c ON c.series = n.series AND c.year = n.year
              GROUP BY n.series, n.year, c.last_no
             HAVING count(*) <> max(n.n) OR count(DISTINCT n.n) <> count(*) OR max(n.n) <> coalesce(c.last_no, 0)
              ORDER BY n.series, n.year",
        )
        .fetch_all(&mut *conn)
        .await?;
        let (open_shares, overpaid_shares): (Money, i64) = sqlx::query_as(
            "SELECT coalesce(sum(amount - paid) FILTER (WHERE closed_at IS NULL), 0)::numeric(14,2),
                    count(*) FILTER (WHERE paid > amount OR paid < 0)
               FROM sponsor_shares",
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(Self {
            discounts,
            credit_notes,
            numbering_gaps,
            sponsor_receivable: balance(code::SPONSOR_RECEIVABLE),
            open_shares,
            overpaid_shares,
            debits: trial.total_debit,
            credits: trial.total_credit,
            receivable: balance(code::RECEIVABLE),
            open_balances,
            cash: balance(code::CASH),
            posted_payments,
            unearned,
            students_credit,
            negative_credits,
        })
    }

    /// Every invariant that is broken, in words; empty when the books are right.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.debits != self.credits {
            problems.push(format!(
                "the trial balance does not balance: debits {} but credits {}",
                self.debits, self.credits
            ));
        }
        if self.receivable != self.open_balances {
            problems.push(format!(
                "1100 Receivable is {} but the open invoice balances sum to {}",
                self.receivable, self.open_balances
            ));
        }
        if self.cash != self.posted_payments {
            problems.push(format!(
                "1000 Cash is {} but the posted payments less refunds sum to {}",
                self.cash, self.posted_payments
            ));
        }
        if self.unearned != self.students_credit {
            problems.push(format!(
                "2000 is {} but the students' credit sums to {}",
                self.unearned, self.students_credit
            ));
        }
        if self.discounts != self.credit_notes {
            problems.push(format!(
                "4900 Discounts & Waivers is {} but the credit notes and discount lines of invoices not cancelled sum to {}",
                self.discounts, self.credit_notes
            ));
        }
        for gap in &self.numbering_gaps {
            problems.push(format!("document numbers have a gap: {gap}"));
        }
        if self.sponsor_receivable != self.open_shares {
            problems.push(format!(
                "1150 Sponsor Receivable is {} but the open sponsor shares sum to {}",
                self.sponsor_receivable, self.open_shares
            ));
        }
        if self.overpaid_shares != 0 {
            problems.push(format!(
                "{} sponsor shares are paid beyond their amount",
                self.overpaid_shares
            ));
        }
        if self.negative_credits != 0 {
            problems.push(format!(
                "{} students' credit is below zero",
                self.negative_credits
            ));
        }
        problems
    }

    /// Panics with every broken invariant.
    pub fn assert_right(&self) {
        let problems = self.problems();
        assert!(problems.is_empty(), "{}", problems.join("; "));
    }

    /// Ok when the books are right, else every broken invariant.
    pub fn check(&self) -> Result<(), String> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Whether GET /ledger/trial-balance (`trial`) tells the same story:
    /// balanced, with the same 1100 and 1000 balances.
    pub fn agrees_with(&self, trial: &Value) -> Result<(), String> {
        if trial["balanced"] != Value::Bool(true) {
            return Err(format!("the api's trial balance does not balance: {trial}"));
        }
        for (code, expected) in [("1100", self.receivable), ("1000", self.cash)] {
            let reported = trial["accounts"]
                .as_array()
                .and_then(|accounts| accounts.iter().find(|a| a["code"] == code))
                .and_then(|account| account["balance"].as_str())
                .and_then(|text| Money::parse(text).ok());
            if reported != Some(expected) {
                return Err(format!(
                    "the api's trial balance has {code} at {reported:?}, the ledger at {expected}"
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Display for Books {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "debits {} = credits {}; 1100 = {} (open invoice balances {}); 1000 = {} (posted payments less refunds {}); 2000 = {} (students' credit {}); 4900 = {} (credit notes {}); 1150 = {} (open sponsor shares {})",
            self.debits,
            self.credits,
            self.receivable,
            self.open_balances,
            self.cash,
            self.posted_payments,
            self.unearned,
            self.students_credit,
            self.discounts,
            self.credit_notes,
            self.sponsor_receivable,
            self.open_shares
        )
    }
}
