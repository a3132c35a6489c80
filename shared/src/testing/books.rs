//! The check of a school's books that tests and benchmarks end with: the
//! trial balance balances, 1100 Receivable equals the sum of the open
//! invoice balances, and 1000 Cash equals the sum of the POSTED payments.

use std::fmt;

use serde_json::Value;
use sqlx::PgConnection;

use crate::domain::{
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
    /// The sum of `total - paid` over UNPAID and PARTIAL invoices.
    pub open_balances: Money,
    /// The balance of 1000 Cash (debit side).
    pub cash: Money,
    /// The sum of the POSTED payments.
    pub posted_payments: Money,
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
            "SELECT (SELECT coalesce(sum(total - paid), 0) FROM invoices WHERE status IN ('UNPAID', 'PARTIAL')),
                    (SELECT coalesce(sum(amount), 0) FROM payments WHERE posting_status = 'POSTED')",
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(Self {
            debits: trial.total_debit,
            credits: trial.total_credit,
            receivable: balance(code::RECEIVABLE),
            open_balances,
            cash: balance(code::CASH),
            posted_payments,
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
                "1000 Cash is {} but the posted payments sum to {}",
                self.cash, self.posted_payments
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
            "debits {} = credits {}; 1100 = {} (open invoice balances {}); 1000 = {} (posted payments {})",
            self.debits,
            self.credits,
            self.receivable,
            self.open_balances,
            self.cash,
            self.posted_payments
        )
    }
}
