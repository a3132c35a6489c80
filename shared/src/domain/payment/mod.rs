//! Payments: recorded by the api as PENDING, posted to the ledger by the
//! worker (DR 1000 / CR 1100 oldest invoice first, excess to 2000 as the
//! student's credit). Posting twice is refused by the journal's source key.
//! Posting takes the payment's receipt number (RCT-YYYY-NNNNN, `receipt`).
//! A POSTED payment may be reversed (`reverse`), never edited.

pub mod receipt;
mod reverse;

pub use reverse::{Reversal, Reversed, reverse};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    invoice,
    ledger::{self, Line, allocation, code},
    money::Money,
    numbering,
    sponsor::{NewSponsorPayment, SponsorPayment},
    student::BALANCE_SQL,
    text,
    text_enum::text_enum,
};
use crate::{
    error::{Error, Result},
    events,
    page::{Page, PageRequest},
    sql,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Method {
    Mpesa,
    Cash,
    Bank,
    Cheque,
}

text_enum!(Method);

impl Method {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// How a bursar says it.
    pub fn spoken(self) -> &'static str {
        match self {
            Method::Mpesa => "M-Pesa",
            Method::Cash => "cash",
            Method::Bank => "bank transfer",
            Method::Cheque => "cheque",
        }
    }

    fn needs_reference(self) -> bool {
        matches!(self, Method::Mpesa | Method::Bank)
    }

    /// The reference as stored: `text::reference`, M-Pesa codes upper
    /// case; 400 `txn_ref_required` when this method needs one and it is
    /// absent. Payments and refunds both use it.
    pub fn reference(self, raw: Option<&str>) -> Result<Option<String>> {
        let mut txn_ref = text::reference("txn_ref", raw, 64)?;
        // M-Pesa codes are upper case; "qkh94m1z11" is the same payment again
        // and must meet the unique key, not slip past it.
        if self == Method::Mpesa {
            txn_ref = txn_ref.map(|r| r.to_uppercase());
        }
        if self.needs_reference() && txn_ref.is_none() {
            return Err(Error::invalid(
                "txn_ref_required",
                format!("txn_ref is required for {self} payments"),
            ));
        }
        Ok(txn_ref)
    }
}

/// Where a payment is on its way to the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum PostingStatus {
    /// Recorded; the payments.post job has yet to post it.
    Pending,
    Posted,
    /// The job gave up; nothing reached the ledger.
    Failed,
    /// Posted, then undone by a reversing entry (POST /payments/{id}/reverse).
    Reversed,
}

text_enum!(PostingStatus);

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    pub invoice_id: Option<Uuid>,
    pub student_id: Option<Uuid>,
    /// A sponsor's payment instead of a family's: settles the sponsor's
    /// open shares oldest first, as POST /sponsors/{id}/payments does.
    /// Never with invoice_id or student_id.
    pub sponsor_id: Option<Uuid>,
    /// More than zero, at most two decimals; a number or a string.
    pub amount: Money,
    pub method: Method,
    /// Required for MPESA and BANK; unique per school and method.
    pub txn_ref: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

impl NewPayment {
    /// The sponsor's payment this body asks for when it names sponsor_id
    /// (None for a family's payment); 400 `invalid_target` when it names a
    /// student or invoice as well.
    pub fn sponsor_payment(&self) -> Result<Option<(Uuid, NewSponsorPayment)>> {
        let Some(sponsor_id) = self.sponsor_id else {
            return Ok(None);
        };
        if self.student_id.is_some() || self.invoice_id.is_some() {
            return Err(Error::invalid(
                "invalid_target",
                "send sponsor_id alone (a sponsor's payment), or invoice_id or student_id (a family's)",
            ));
        }
        let new = NewSponsorPayment {
            amount: self.amount,
            method: self.method,
            txn_ref: self.txn_ref.clone(),
            paid_at: self.paid_at,
        };
        Ok(Some((sponsor_id, new)))
    }
}

/// What POST /payments answers: a family's payment (PENDING), or, for a
/// body with sponsor_id, the sponsor's payment (posted at once).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Recorded {
    Payment(Payment),
    SponsorPayment(SponsorPayment),
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub student_id: Uuid,
    pub invoice_id: Option<Uuid>,
    pub amount: Money,
    pub method: Method,
    pub txn_ref: Option<String>,
    pub paid_at: DateTime<Utc>,
    /// PENDING until the worker posts it, then POSTED; REVERSED once reversed.
    pub posting_status: PostingStatus,
    pub created_at: DateTime<Utc>,
    /// When it was reversed; null unless REVERSED.
    pub reversed_at: Option<DateTime<Utc>>,
    /// Why it was reversed (a bounced cheque, the wrong child).
    pub reversal_reason: Option<String>,
    /// Who reversed it.
    pub reversed_by: Option<Uuid>,
    /// RCT-YYYY-NNNNN, gapless per school and year of posting; null until
    /// POSTED, kept when REVERSED.
    pub receipt_no: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentFilter {
    pub student_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
}

/// What posting did, as reported in the payment.posted event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Posted {
    pub payment_id: Uuid,
    pub student_id: Uuid,
    pub amount: Money,
    pub applied: Vec<Applied>,
    pub credit: Money,
    pub receipt_no: String,
    /// The student's balance right after posting (negative: credit).
    pub balance_after: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Applied {
    pub invoice_id: Uuid,
    pub amount: Money,
}

const COLUMNS: &str =
    "id, student_id, invoice_id, amount, method, txn_ref, paid_at, posting_status, created_at,
     reversed_at, reversal_reason, reversed_by, receipt_no";

/// Validates and records a PENDING payment; the caller enqueues its posting
/// in the same transaction.
pub async fn record(conn: &mut PgConnection, actor: Uuid, new: &NewPayment) -> Result<Payment> {
    if new.amount.decimal() <= rust_decimal::Decimal::ZERO {
        return Err(Error::invalid(
            "invalid_amount",
            "amount must be greater than zero",
        ));
    }
    let txn_ref = new.method.reference(new.txn_ref.as_deref())?;
    if let Some(paid_at) = new.paid_at
        && paid_at > Utc::now() + Duration::minutes(5)
    {
        return Err(Error::invalid(
            "invalid_paid_at",
            "paid_at must not be in the future",
        ));
    }
    if new.sponsor_payment()?.is_some() {
        return Err(Error::invalid(
            "invalid_target",
            "a sponsor's payment is recorded by sponsor::record_payment",
        ));
    }
    let student_id = match (new.invoice_id, new.student_id) {
        (Some(invoice_id), student) => {
            let invoice = invoice::get(conn, invoice_id).await.map_err(|_| {
                Error::rule(
                    "unknown_invoice",
                    "invoice_id does not name an invoice of this school",
                )
            })?;
            if invoice.status == invoice::Status::Cancelled {
                return Err(Error::rule(
                    "invoice_cancelled",
                    "the invoice is cancelled; pay against the student instead",
                ));
            }
            if student.is_some_and(|s| s != invoice.student_id) {
                return Err(Error::rule(
                    "invoice_student_mismatch",
                    "the invoice belongs to another student",
                ));
            }
            invoice.student_id
        }
        (None, Some(student_id)) => student_id,
        (None, None) => {
            return Err(Error::invalid(
                "invalid_target",
                "send invoice_id or student_id",
            ));
        }
    };
    let payment = sqlx::query_as(sql!(
        "INSERT INTO payments (school_id, id, student_id, invoice_id, amount, method, txn_ref, paid_at, recorded_by)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, $6, coalesce($7, now()), $8)
         RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(student_id)
    .bind(new.invoice_id)
    .bind(new.amount)
    .bind(new.method)
    .bind(txn_ref)
    .bind(new.paid_at)
    .bind(actor)
    .fetch_one(conn)
    .await?;
    Ok(payment)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Payment> {
    sqlx::query_as(sql!("SELECT {COLUMNS} FROM payments WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("payment"))
}

pub async fn list(
    conn: &mut PgConnection,
    filter: PaymentFilter,
    page: PageRequest,
) -> Result<Page<Payment>> {
    let rows = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM payments
          WHERE ($1::uuid IS NULL OR id > $1) AND ($2::uuid IS NULL OR student_id = $2) AND ($3::uuid IS NULL OR invoice_id = $3)
          ORDER BY id LIMIT $4"
    ))
    .bind(page.after)
    .bind(filter.student_id)
    .bind(filter.invoice_id)
    .bind(page.fetch())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page, |p: &Payment| p.id))
}

/// Posts a PENDING payment; a payment already POSTED (or since REVERSED)
/// is left as it is (None), so a job delivered twice changes nothing the
/// second time.
#[tracing::instrument(skip_all, fields(payment_id = %payment_id))]
pub async fn post(conn: &mut PgConnection, payment_id: Uuid) -> Result<Option<Posted>> {
    let payment: Payment = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM payments WHERE id = $1 FOR UPDATE"
    ))
    .bind(payment_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("payment"))?;
    if matches!(
        payment.posting_status,
        PostingStatus::Posted | PostingStatus::Reversed
    ) {
        return Ok(None);
    }
    // One posting per student at a time, so the balance a receipt shows
    // after this payment is exactly the balance it left.
    super::refund::lock_student(conn, payment.student_id).await?;
    // Oldest first; the named invoice alone when the payment names one.
    let open: Vec<(Uuid, rust_decimal::Decimal)> = sqlx::query_as(
        "SELECT id, balance FROM invoices
          WHERE student_id = $1 AND status IN ('UNPAID', 'PARTIAL') AND ($2::uuid IS NULL OR id = $2)
          ORDER BY year, term, issued_at, number
          FOR UPDATE",
    )
    .bind(payment.student_id)
    .bind(payment.invoice_id)
    .fetch_all(&mut *conn)
    .await?;
    let open: Vec<(Uuid, Money)> = open
        .into_iter()
        .map(|(id, balance)| (id, Money::from_decimal(balance)))
        .collect();
    let split = allocation::allocate(payment.amount, &open);

    let [cash, receivable, unearned] =
        ledger::account_ids(conn, [code::CASH, code::RECEIVABLE, code::UNEARNED]).await?;
    let mut lines = vec![Line::debit(cash, payment.amount).student(payment.student_id)];
    for (invoice_id, amount) in &split.applied {
        lines.push(
            Line::credit(receivable, *amount)
                .student(payment.student_id)
                .invoice(*invoice_id),
        );
    }
    lines.push(Line::credit(unearned, split.credit).student(payment.student_id));
    let memo = format!(
        "Payment {} {}",
        payment.method,
        payment.txn_ref.as_deref().unwrap_or("")
    );
    ledger::post(conn, memo.trim(), "payment", payment.id, &lines).await?;
    for (invoice_id, amount) in &split.applied {
        invoice::record_payment(conn, *invoice_id, *amount).await?;
    }
    // The balance this payment left (the student is locked).
    let balance_after: rust_decimal::Decimal =
        sqlx::query_scalar(sql!("SELECT {BALANCE_SQL} FROM students s WHERE s.id = $1"))
            .bind(payment.student_id)
            .fetch_one(&mut *conn)
            .await?;
    let balance_after = Money::from_decimal(balance_after);
    // Last, so the school's counter row is held for as little as can be
    // until commit; a rollback gives the number back.
    let receipt_no = numbering::next_receipt(conn).await?;
    sqlx::query(
        "UPDATE payments SET posting_status = $2, receipt_no = $3, balance_after = $4 WHERE id = $1",
    )
    .bind(payment.id)
    .bind(PostingStatus::Posted)
    .bind(&receipt_no)
    .bind(balance_after)
    .execute(&mut *conn)
    .await?;
    let posted = Posted {
        payment_id: payment.id,
        student_id: payment.student_id,
        amount: payment.amount,
        applied: split
            .applied
            .iter()
            .map(|(invoice_id, amount)| Applied {
                invoice_id: *invoice_id,
                amount: *amount,
            })
            .collect(),
        credit: split.credit,
        receipt_no,
        balance_after,
    };
    events::append(conn, "payment.posted", &posted).await?;
    Ok(Some(posted))
}

/// Marks a payment still PENDING as FAILED: its posting job gave up.
pub async fn fail_posting(conn: &mut PgConnection, payment_id: Uuid) -> Result<()> {
    sqlx::query("UPDATE payments SET posting_status = $2 WHERE id = $1 AND posting_status = $3")
        .bind(payment_id)
        .bind(PostingStatus::Failed)
        .bind(PostingStatus::Pending)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether a payment by `method` with reference `txn_ref` is already
/// recorded (what `payments_school_ref_key` would refuse).
#[tracing::instrument(skip_all)]
pub async fn reference_used(
    conn: &mut PgConnection,
    method: Method,
    txn_ref: &str,
) -> Result<bool> {
    let used = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payments WHERE method = $1 AND txn_ref = $2)",
    )
    .bind(method)
    .bind(txn_ref)
    .fetch_one(conn)
    .await?;
    Ok(used)
}

/// What was received between two dates (inclusive, Nairobi time): posted
/// payments only, as the ledger's 1000 counts them. A payment still
/// pending, or one whose posting failed, has not been received.
#[tracing::instrument(skip_all)]
pub async fn received_between(
    conn: &mut PgConnection,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Money> {
    let received = sqlx::query_scalar(
        "SELECT coalesce(sum(amount), 0) FROM payments
          WHERE posting_status = $3
            AND (paid_at AT TIME ZONE 'Africa/Nairobi')::date BETWEEN $1 AND $2",
    )
    .bind(from)
    .bind(to)
    .bind(PostingStatus::Posted)
    .fetch_one(conn)
    .await?;
    Ok(Money::from_decimal(received))
}
