//! A payment's receipt: what GET /payments/{id}/receipt shows, read from
//! the payment row (number, balance after), the payment's own journal
//! entry (how it was allocated) and the school and student as they are;
//! and the RECEIPT notification to the primary guardian when the school
//! sends receipts (`receipt_channel`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Method, PostingStatus};
use crate::{
    domain::{
        ledger::code,
        money::Money,
        notification::{Audience, Channel, DeliveryStatus, Kind},
        school::ReceiptChannel,
    },
    error::{Error, Result},
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// RCT-YYYY-NNNNN.
    pub receipt_no: String,
    /// When the payment was posted: the receipt's date.
    pub issued_at: DateTime<Utc>,
    /// POSTED, or REVERSED (then `reversed_at` and `reversal_reason`).
    pub status: PostingStatus,
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversal_reason: Option<String>,
    pub school: ReceiptSchool,
    pub student: ReceiptStudent,
    pub payment_id: Uuid,
    pub amount: Money,
    /// The amount in English words, in Kenya shillings and cents.
    pub amount_in_words: String,
    pub method: Method,
    pub txn_ref: Option<String>,
    pub paid_at: DateTime<Utc>,
    /// What the payment settled, invoice by invoice (its 1100 lines).
    pub allocation: Vec<ReceiptAllocation>,
    /// What went to the student's credit (its 2000 line).
    pub credit: Money,
    /// The student's balance right after posting (negative: credit held).
    pub balance_after: Money,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReceiptSchool {
    pub name: String,
    pub address: Option<String>,
    pub contact: Option<String>,
    /// What parents pay to.
    pub paybill: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReceiptStudent {
    pub id: Uuid,
    pub name: String,
    pub admission_no: String,
    /// The student's class now; null when not in a class.
    pub class: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReceiptAllocation {
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub term: i16,
    pub year: i32,
    pub amount: Money,
}

#[derive(sqlx::FromRow)]
struct Row {
    receipt_no: Option<String>,
    balance_after: Option<Money>,
    posting_status: PostingStatus,
    reversed_at: Option<DateTime<Utc>>,
    reversal_reason: Option<String>,
    student_id: Uuid,
    amount: Money,
    method: Method,
    txn_ref: Option<String>,
    paid_at: DateTime<Utc>,
    issued_at: Option<DateTime<Utc>>,
    credit: Option<Money>,
}

/// The receipt of a POSTED (or since REVERSED) payment; 404 for no such
/// payment, 409 `payment_not_posted` while it is PENDING or FAILED.
#[tracing::instrument(skip_all, fields(payment_id = %payment_id))]
pub async fn get(conn: &mut PgConnection, payment_id: Uuid) -> Result<Receipt> {
    let row: Row = sqlx::query_as(
        "SELECT p.receipt_no, p.balance_after, p.posting_status, p.reversed_at, p.reversal_reason,
                p.student_id, p.amount, p.method, p.txn_ref, p.paid_at,
                e.posted_at AS issued_at,
                (SELECT sum(l.credit - l.debit) FROM journal_lines l
                   JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
                  WHERE l.school_id = e.school_id AND l.journal_entry_id = e.id AND a.code = $2) AS credit
           FROM payments p
           LEFT JOIN journal_entries e
                  ON e.school_id = p.school_id AND e.source_type = 'payment' AND e.source_id = p.id
          WHERE p.id = $1",
    )
    .bind(payment_id)
    .bind(code::UNEARNED)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("payment"))?;
    let (Some(receipt_no), Some(balance_after), Some(issued_at)) =
        (row.receipt_no, row.balance_after, row.issued_at)
    else {
        return Err(Error::conflict(
            "payment_not_posted",
            "this payment has not reached the ledger, so it has no receipt",
        ));
    };
    let school = school(conn).await?;
    let student = sqlx::query_as(
        "SELECT s.id, s.first_name || ' ' || s.last_name AS name, s.admission_no, c.name AS class
           FROM students s LEFT JOIN classes c ON c.school_id = s.school_id AND c.id = s.class_id
          WHERE s.id = $1",
    )
    .bind(row.student_id)
    .fetch_one(&mut *conn)
    .await?;
    let allocation = sqlx::query_as(
        "SELECT i.id AS invoice_id, i.number AS invoice_number, i.term, i.year,
                sum(l.credit - l.debit) AS amount
           FROM journal_entries e
           JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
           JOIN invoices i ON i.school_id = l.school_id AND i.id = l.invoice_id
          WHERE e.source_type = 'payment' AND e.source_id = $1 AND a.code = $2
          GROUP BY i.id, i.number, i.term, i.year
          ORDER BY i.year, i.term, i.number",
    )
    .bind(payment_id)
    .bind(code::RECEIVABLE)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Receipt {
        receipt_no,
        issued_at,
        status: row.posting_status,
        reversed_at: row.reversed_at,
        reversal_reason: row.reversal_reason,
        school,
        student,
        payment_id,
        amount: row.amount,
        amount_in_words: in_words(row.amount),
        method: row.method,
        txn_ref: row.txn_ref,
        paid_at: row.paid_at,
        allocation,
        credit: row.credit.unwrap_or(Money::ZERO),
        balance_after,
    })
}

/// The school as its receipts head it (family and sponsor receipts alike).
pub async fn school(conn: &mut PgConnection) -> Result<ReceiptSchool> {
    let school = sqlx::query_as(
        "SELECT name, address, contact, paybill FROM schools WHERE id = app_school_id()",
    )
    .fetch_one(conn)
    .await?;
    Ok(school)
}

/// A RECEIPT notification just written for a posted payment.
#[derive(Debug, Clone, Copy)]
pub struct Notice {
    pub notification_id: Uuid,
    /// The EMAIL delivery to send, when there is one QUEUED.
    pub to_email: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct PrimaryGuardian {
    id: Uuid,
    email: Option<String>,
}

/// Writes the RECEIPT notification for a payment just posted, with one
/// delivery to the student's primary guardian on the school's
/// `receipt_channel`: IN_APP SENT at once; EMAIL QUEUED, or FAILED when
/// the guardian has no email address (as a message's fan-out does). None
/// when the school sends no receipts or the student has no primary
/// guardian.
#[tracing::instrument(skip_all, fields(payment_id = %payment_id))]
pub async fn notify(conn: &mut PgConnection, payment_id: Uuid) -> Result<Option<Notice>> {
    let receipt_channel: ReceiptChannel =
        sqlx::query_scalar("SELECT receipt_channel FROM schools WHERE id = app_school_id()")
            .fetch_one(&mut *conn)
            .await?;
    let Some(channel) = receipt_channel.notification_channel() else {
        return Ok(None);
    };
    let receipt = get(conn, payment_id).await?;
    let guardian: Option<PrimaryGuardian> = sqlx::query_as(
        "SELECT g.id, g.email FROM student_guardians sg
           JOIN guardians g ON g.school_id = sg.school_id AND g.id = sg.guardian_id
          WHERE sg.student_id = $1 AND sg.is_primary",
    )
    .bind(receipt.student.id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(guardian) = guardian else {
        return Ok(None);
    };
    let (subject, body) = message(&receipt);
    let audience = Audience {
        guardian_ids: Some(vec![guardian.id]),
        ..Audience::default()
    };
    let audience = serde_json::to_value(audience).map_err(anyhow::Error::from)?;
    let notification_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO notifications (school_id, id, type, kind, subject, body, audience)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6)",
    )
    .bind(notification_id)
    .bind(channel)
    .bind(Kind::Receipt)
    .bind(&subject)
    .bind(&body)
    .bind(&audience)
    .execute(&mut *conn)
    .await?;
    let (status, error) = match (channel, &guardian.email) {
        (Channel::InApp, _) => (DeliveryStatus::Sent, None),
        (Channel::Email, Some(_)) => (DeliveryStatus::Queued, None),
        (Channel::Email, None) => (
            DeliveryStatus::Failed,
            Some("the guardian has no email address"),
        ),
    };
    let delivery_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO notification_deliveries (school_id, id, notification_id, guardian_id, channel, address, status, error, sent_at)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'SENT' THEN now() END)",
    )
    .bind(delivery_id)
    .bind(notification_id)
    .bind(guardian.id)
    .bind(channel)
    .bind(&guardian.email)
    .bind(status)
    .bind(error)
    .execute(&mut *conn)
    .await?;
    Ok(Some(Notice {
        notification_id,
        to_email: (status == DeliveryStatus::Queued).then_some(delivery_id),
    }))
}

/// The receipt as a message: subject and plain text.
fn message(receipt: &Receipt) -> (String, String) {
    let subject = format!(
        "Receipt {} from {}",
        receipt.receipt_no, receipt.school.name
    );
    let paid_on = receipt
        .paid_at
        .with_timezone(&chrono_tz::Africa::Nairobi)
        .format("%-d %b %Y");
    let reference = receipt
        .txn_ref
        .as_deref()
        .map(|r| format!(" ref {r}"))
        .unwrap_or_default();
    let mut body = format!(
        "Receipt {}\n{} received {} ({}) for {} (adm. {}) by {}{} on {}.\n",
        receipt.receipt_no,
        receipt.school.name,
        receipt.amount.kes(),
        receipt.amount_in_words,
        receipt.student.name,
        receipt.student.admission_no,
        receipt.method.spoken(),
        reference,
        paid_on,
    );
    for line in &receipt.allocation {
        body.push_str(&format!(
            "{} (Term {} {}): {}\n",
            line.invoice_number,
            line.term,
            line.year,
            line.amount.kes()
        ));
    }
    if receipt.credit > Money::ZERO {
        body.push_str(&format!("Held as credit: {}\n", receipt.credit.kes()));
    }
    body.push_str(&balance_words(receipt.balance_after));
    body.push('\n');
    (subject, body)
}

/// "Balance due: KES 500.00", "Credit held: KES 1,000.00", "Fully paid".
pub fn balance_words(balance: Money) -> String {
    if balance > Money::ZERO {
        format!("Balance due: {}", balance.kes())
    } else if balance < Money::ZERO {
        format!(
            "Credit held: {}",
            Money::from_decimal(-balance.decimal()).kes()
        )
    } else {
        "Balance: KES 0.00 (fully paid)".to_string()
    }
}

const ONES: [&str; 20] = [
    "",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// 0 < n < 1000 in words: "five hundred and twelve".
fn hundreds(n: u64) -> String {
    let mut words = Vec::new();
    if n >= 100 {
        words.push(format!("{} hundred", ONES[(n / 100) as usize]));
    }
    let rest = n % 100;
    if rest > 0 {
        if n >= 100 {
            words.push("and".to_string());
        }
        if rest < 20 {
            words.push(ONES[rest as usize].to_string());
        } else if rest.is_multiple_of(10) {
            words.push(TENS[(rest / 10) as usize].to_string());
        } else {
            words.push(format!(
                "{}-{}",
                TENS[(rest / 10) as usize],
                ONES[(rest % 10) as usize]
            ));
        }
    }
    words.join(" ")
}

/// A whole number in British English words: "one million, two hundred
/// thousand and five".
fn number(n: u64) -> String {
    if n == 0 {
        return "zero".to_string();
    }
    let scales = [
        (1_000_000_000_000, "trillion"),
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ];
    let mut parts = Vec::new();
    let mut rest = n;
    for (size, name) in scales {
        if rest >= size {
            parts.push(format!("{} {name}", hundreds(rest / size)));
            rest %= size;
        }
    }
    if rest > 0 {
        // "two thousand and five", as a cheque is written.
        if !parts.is_empty() && rest < 100 {
            parts.push(format!("and {}", hundreds(rest)));
        } else {
            parts.push(hundreds(rest));
        }
    }
    parts.join(" ")
}

/// An amount of Kenya shillings in words, exact to the cent:
/// "Eighteen thousand five hundred shillings and fifty cents only".
pub fn in_words(amount: Money) -> String {
    let cents_total = (amount.decimal() * rust_decimal::Decimal::ONE_HUNDRED)
        .round()
        .abs();
    let cents_total: u64 = cents_total.try_into().unwrap_or(0);
    let (shillings, cents) = (cents_total / 100, cents_total % 100);
    let mut words = format!(
        "{} shilling{}",
        number(shillings),
        if shillings == 1 { "" } else { "s" }
    );
    if cents > 0 {
        words.push_str(&format!(
            " and {} cent{}",
            number(cents),
            if cents == 1 { "" } else { "s" }
        ));
    }
    words.push_str(" only");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> String {
        in_words(Money::parse(s).unwrap())
    }

    #[test]
    fn amounts_read_as_a_cheque_is_written() {
        assert_eq!(
            words("18500.00"),
            "Eighteen thousand five hundred shillings only"
        );
        assert_eq!(words("1.00"), "One shilling only");
        assert_eq!(words("0.50"), "Zero shillings and fifty cents only");
        assert_eq!(
            words("2005.01"),
            "Two thousand and five shillings and one cent only"
        );
        assert_eq!(
            words("1234567.89"),
            "One million two hundred and thirty-four thousand five hundred and sixty-seven shillings and eighty-nine cents only"
        );
        assert_eq!(words("100000.00"), "One hundred thousand shillings only");
    }
}
