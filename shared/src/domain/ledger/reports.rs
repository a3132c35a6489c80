//! Reading the ledger back: the chart with balances, the journal, the trial balance.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::AccountType;
use crate::{
    domain::money::Money,
    error::Result,
    page::{Page, PageRequest},
};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AccountBalance {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    #[sqlx(rename = "type")]
    pub kind: AccountType,
    pub debit: Money,
    pub credit: Money,
    /// In the account's normal direction: debit - credit for assets and
    /// expenses, credit - debit for the others.
    pub balance: Money,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct JournalEntry {
    pub id: Uuid,
    pub posted_at: DateTime<Utc>,
    pub memo: String,
    pub source_type: String,
    pub source_id: Uuid,
    #[sqlx(skip)]
    pub lines: Vec<JournalLine>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct JournalLine {
    #[serde(skip)]
    pub journal_entry_id: Uuid,
    pub account_code: String,
    pub account_name: String,
    pub student_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub debit: Money,
    pub credit: Money,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrialBalance {
    pub accounts: Vec<AccountBalance>,
    pub total_debit: Money,
    pub total_credit: Money,
    pub balanced: bool,
}

pub async fn accounts(conn: &mut PgConnection) -> Result<Vec<AccountBalance>> {
    let rows = sqlx::query_as(
        "SELECT a.id, a.code, a.name, a.type,
                coalesce(sum(l.debit), 0)::numeric(14,2) AS debit,
                coalesce(sum(l.credit), 0)::numeric(14,2) AS credit,
                (CASE WHEN a.type IN ('ASSET', 'EXPENSE') THEN coalesce(sum(l.debit - l.credit), 0)
                      ELSE coalesce(sum(l.credit - l.debit), 0) END)::numeric(14,2) AS balance
           FROM gl_accounts a
           LEFT JOIN journal_lines l ON l.school_id = a.school_id AND l.account_id = a.id
          GROUP BY a.id, a.code, a.name, a.type
          ORDER BY a.code",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// Newest entries first, with their lines.
pub async fn journal(conn: &mut PgConnection, page: PageRequest) -> Result<Page<JournalEntry>> {
    let entries: Vec<JournalEntry> = sqlx::query_as(
        "SELECT id, posted_at, memo, source_type, source_id FROM journal_entries
          WHERE ($1::uuid IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(&mut *conn)
    .await?;
    let mut page = Page::from_rows(entries, page, |e: &JournalEntry| e.id);
    let ids: Vec<Uuid> = page.rows.iter().map(|e| e.id).collect();
    let lines: Vec<JournalLine> = sqlx::query_as(
        "SELECT l.journal_entry_id, a.code AS account_code, a.name AS account_name, l.student_id, l.invoice_id, l.debit, l.credit
           FROM journal_lines l JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
          WHERE l.journal_entry_id = ANY($1) ORDER BY l.debit DESC, a.code",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_entry: HashMap<Uuid, Vec<JournalLine>> = HashMap::new();
    for line in lines {
        by_entry
            .entry(line.journal_entry_id)
            .or_default()
            .push(line);
    }
    for entry in &mut page.rows {
        entry.lines = by_entry.remove(&entry.id).unwrap_or_default();
    }
    Ok(page)
}

pub async fn trial_balance(conn: &mut PgConnection) -> Result<TrialBalance> {
    let accounts = accounts(conn).await?;
    let total_debit = Money::from_decimal(accounts.iter().map(|a| a.debit.decimal()).sum());
    let total_credit = Money::from_decimal(accounts.iter().map(|a| a.credit.decimal()).sum());
    Ok(TrialBalance {
        balanced: total_debit == total_credit,
        accounts,
        total_debit,
        total_credit,
    })
}
