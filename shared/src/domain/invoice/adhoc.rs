//! One-off (ADHOC) invoices: free lines for one student (uniform, trip,
//! damages), as many as the office charges, numbered from the same gapless
//! counter and posted like term invoices (DR 1100 / CR each line's income
//! account) in the caller's transaction.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Invoice, Kind, Status, generate::apply_credit};
use crate::{
    audit,
    domain::{
        calendar, de, fees,
        ledger::{self, Line, code},
        money::Money,
        text,
    },
    error::{Error, Result},
};

/// At most this many lines on one charge.
pub const MAX_LINES: usize = 50;

/// The income account a line books to when it names none: created, like a
/// fee item's head, the first time a school needs it.
pub const OTHER_CHARGES: &str = "Other Charges";

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    pub student_id: Uuid,
    /// 1 to 50 lines.
    #[serde(deserialize_with = "de::object")]
    pub lines: Vec<NewInvoiceLine>,
    /// 1 to 3; absent means the term in session (or next to start).
    #[schema(minimum = 1, maximum = 3)]
    pub term: Option<i16>,
    #[serde(default, deserialize_with = "de::optional_year")]
    #[schema(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// Absent means today in Nairobi.
    pub due_date: Option<NaiveDate>,
    pub memo: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoiceLine {
    pub name: String,
    /// Greater than zero, at most two decimals.
    pub amount: Money,
    /// Code of an INCOME account ("4040"); absent means the school's
    /// "Other Charges" income account.
    pub account_code: Option<String>,
}

struct CheckedLine {
    name: String,
    amount: Money,
    account_id: Uuid,
}

/// Which term and year the charge belongs to: as given, or this term.
async fn term_and_year(conn: &mut PgConnection, new: &NewInvoice) -> Result<(i16, i32)> {
    let today = calendar::today_in_kenya();
    let (term, year) = match (new.term, new.year) {
        (Some(term), year) => (term, year.unwrap_or(today.year())),
        (None, year) => match calendar::term_on(conn, today).await? {
            Some(current) if year.is_none_or(|y| y == current.year) => (current.term, current.year),
            _ => {
                return Err(Error::invalid(
                    "invalid_term",
                    "send term (1, 2 or 3): this term's dates do not say which one it is",
                ));
            }
        },
    };
    if !(1..=3).contains(&term) {
        return Err(Error::invalid("invalid_term", "term must be 1, 2 or 3"));
    }
    Ok((term, year))
}

async fn check_lines(
    conn: &mut PgConnection,
    lines: &[NewInvoiceLine],
) -> Result<Vec<CheckedLine>> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(Error::invalid(
            "invalid_lines",
            format!("an invoice needs 1 to {MAX_LINES} lines"),
        ));
    }
    let mut checked = Vec::with_capacity(lines.len());
    for line in lines {
        let name = text::name("lines.name", &line.name, 80)?;
        if line.amount.decimal() <= rust_decimal::Decimal::ZERO {
            return Err(Error::invalid(
                "invalid_amount",
                "each line's amount must be greater than zero",
            ));
        }
        let code = line
            .account_code
            .as_deref()
            .filter(|c| !c.trim().is_empty());
        let account_id = match code {
            Some(code) => fees::income_account(conn, &name, Some(code)).await?,
            None => fees::income_account(conn, OTHER_CHARGES, None).await?,
        };
        checked.push(CheckedLine {
            name,
            amount: line.amount,
            account_id,
        });
    }
    Ok(checked)
}

/// The next number of the school's gapless sequence for `year`; the
/// counter row stays locked until commit, so a rollback gives it back.
async fn next_number(conn: &mut PgConnection, year: i32) -> Result<String> {
    let number: String = sqlx::query_scalar(
        "INSERT INTO invoice_counters (school_id, year, last_no) VALUES (app_school_id(), $1, 1)
         ON CONFLICT (school_id, year) DO UPDATE SET last_no = invoice_counters.last_no + 1
         RETURNING 'INV-' || $1 || '-' || lpad(last_no::text, greatest(5, length(last_no::text)), '0')",
    )
    .bind(year)
    .fetch_one(conn)
    .await?;
    Ok(number)
}

/// Issues and posts a one-off invoice, then uses any credit the student
/// holds on it, as term generation does.
#[tracing::instrument(skip_all, fields(lines = new.lines.len()))]
pub async fn issue(conn: &mut PgConnection, actor: Uuid, new: &NewInvoice) -> Result<Invoice> {
    let lines = check_lines(conn, &new.lines).await?;
    let memo = text::optional("memo", new.memo.as_deref(), 500)?;
    let (term, year) = term_and_year(conn, new).await?;
    let student: Option<Uuid> = sqlx::query_scalar("SELECT id FROM students WHERE id = $1")
        .bind(new.student_id)
        .fetch_optional(&mut *conn)
        .await?;
    if student.is_none() {
        return Err(Error::rule(
            "unknown_student",
            "student_id does not name a student of this school",
        ));
    }
    let due_date = new.due_date.unwrap_or_else(calendar::today_in_kenya);
    let total = Money::from_decimal(lines.iter().map(|l| l.amount.decimal()).sum());
    let number = next_number(conn, year).await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO invoices (school_id, id, number, student_id, term, year, total, status, due_date, kind, memo)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(&number)
    .bind(new.student_id)
    .bind(term)
    .bind(year)
    .bind(total)
    .bind(Status::Unpaid)
    .bind(due_date)
    .bind(Kind::Adhoc)
    .bind(&memo)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO invoice_lines (school_id, invoice_id, name, amount, income_account_id)
         SELECT app_school_id(), $1, * FROM unnest($2::text[], $3::numeric[], $4::uuid[])",
    )
    .bind(id)
    .bind(lines.iter().map(|l| l.name.clone()).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.amount.decimal()).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.account_id).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;

    let [receivable, unearned] =
        ledger::account_ids(conn, [code::RECEIVABLE, code::UNEARNED]).await?;
    let mut entry = vec![
        Line::debit(receivable, total)
            .student(new.student_id)
            .invoice(id),
    ];
    entry.extend(lines.iter().map(|l| {
        Line::credit(l.account_id, l.amount)
            .student(new.student_id)
            .invoice(id)
    }));
    ledger::post(conn, &format!("Invoice {number}"), "invoice", id, &entry).await?;
    apply_credit(conn, id, receivable, unearned).await?;

    let invoice = super::get(conn, id).await?;
    let change = audit::Change {
        actor,
        action: "invoice.issue",
        entity: "invoice",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&invoice)).await?;
    Ok(invoice)
}
