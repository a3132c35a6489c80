//! The double-entry ledger: posting balanced entries, and reading accounts,
//! the journal and the trial balance back.

pub mod allocation;
mod reports;

pub use reports::{
    AccountBalance, JournalEntry, JournalLine, TrialBalance, accounts, journal, trial_balance,
};

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{money::Money, text_enum::text_enum};
use crate::error::{Error, Result};

/// What an account is: its normal side (debit for assets and expenses,
/// credit for the others) and where it sits in the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountType {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

text_enum!(AccountType);

/// The accounts every school has from bootstrap.
pub mod code {
    pub const CASH: &str = "1000";
    pub const RECEIVABLE: &str = "1100";
    pub const SPONSOR_RECEIVABLE: &str = "1150";
    pub const UNEARNED: &str = "2000";
    /// Contra-income for credit notes (waivers, discounts, bursaries).
    pub const DISCOUNTS: &str = "4900";
}

/// One side of an entry.
#[derive(Debug, Clone)]
pub struct Line {
    pub account_id: Uuid,
    pub student_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub debit: Money,
    pub credit: Money,
}

impl Line {
    pub fn debit(account_id: Uuid, amount: Money) -> Self {
        Self {
            account_id,
            student_id: None,
            invoice_id: None,
            debit: amount,
            credit: Money::ZERO,
        }
    }

    pub fn credit(account_id: Uuid, amount: Money) -> Self {
        Self {
            account_id,
            student_id: None,
            invoice_id: None,
            debit: Money::ZERO,
            credit: amount,
        }
    }

    pub fn student(mut self, student_id: Uuid) -> Self {
        self.student_id = Some(student_id);
        self
    }

    pub fn invoice(mut self, invoice_id: Uuid) -> Self {
        self.invoice_id = Some(invoice_id);
        self
    }
}

/// The ids of the school's accounts with these codes, in the same order,
/// in one query.
pub async fn account_ids<const N: usize>(
    conn: &mut PgConnection,
    codes: [&str; N],
) -> Result<[Uuid; N]> {
    let found: Vec<(String, Uuid)> =
        sqlx::query_as("SELECT code, id FROM gl_accounts WHERE code = ANY($1)")
            .bind(&codes[..])
            .fetch_all(conn)
            .await?;
    let mut ids = [Uuid::nil(); N];
    for (slot, code) in ids.iter_mut().zip(codes) {
        *slot = found
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, id)| *id)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("the school has no account {code}")))?;
    }
    Ok(ids)
}

/// Posts one entry for a business event; lines with a zero amount are
/// dropped. The database refuses an entry that does not balance, and a
/// second entry for the same (source_type, source_id).
pub async fn post(
    conn: &mut PgConnection,
    memo: &str,
    source_type: &str,
    source_id: Uuid,
    lines: &[Line],
) -> Result<Uuid> {
    let lines: Vec<&Line> = lines
        .iter()
        .filter(|l| l.debit != Money::ZERO || l.credit != Money::ZERO)
        .collect();
    let entry_id = Uuid::now_v7();
    sqlx::query(
        "WITH entry AS (
            INSERT INTO journal_entries (school_id, id, memo, source_type, source_id)
            VALUES (app_school_id(), $1, $2, $3, $4) RETURNING id)
         INSERT INTO journal_lines (school_id, journal_entry_id, account_id, student_id, invoice_id, debit, credit)
         SELECT app_school_id(), entry.id, l.account_id, l.student_id, l.invoice_id, l.debit, l.credit
           FROM entry, unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::numeric[], $9::numeric[])
                AS l(account_id, student_id, invoice_id, debit, credit)",
    )
    .bind(entry_id)
    .bind(memo)
    .bind(source_type)
    .bind(source_id)
    .bind(lines.iter().map(|l| l.account_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.student_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.invoice_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.debit.decimal()).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.credit.decimal()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(entry_id)
}

/// Credit the school holds for a student (2000, from overpayments), not yet used.
pub async fn student_credit(conn: &mut PgConnection, student_id: Uuid) -> Result<Money> {
    let credit: rust_decimal::Decimal = sqlx::query_scalar(
        "SELECT coalesce(sum(l.credit - l.debit), 0) FROM journal_lines l
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
          WHERE a.code = $1 AND l.student_id = $2",
    )
    .bind(code::UNEARNED)
    .bind(student_id)
    .fetch_one(conn)
    .await?;
    Ok(Money::from_decimal(credit))
}
