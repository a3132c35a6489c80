//! A sponsor's payment: DR 1000 / CR 1150 across its open shares, oldest
//! invoice first, posted at once in the request's transaction (as refunds
//! are). More than the sponsor owes is refused (409
//! `payment_exceeds_sponsor_balance`): a sponsor's cheque is for named
//! pupils, so an excess is a question for the office, not a credit.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        ledger::{self, Line, code},
        money::Money,
        numbering,
        payment::Method,
    },
    error::{Error, Result},
    events, sql,
};

/// The body of POST /sponsors/{id}/payments.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSponsorPayment {
    /// More than zero, at most what the sponsor owes; a number or a string.
    pub amount: Money,
    pub method: Method,
    /// Required for MPESA and BANK; unique per school and method.
    pub txn_ref: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SponsorPayment {
    pub id: Uuid,
    pub sponsor_id: Uuid,
    pub amount: Money,
    pub method: Method,
    pub txn_ref: Option<String>,
    pub paid_at: DateTime<Utc>,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Set once reversed (POST /sponsor-payments/{id}/reverse).
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversal_reason: Option<String>,
    pub reversed_by: Option<Uuid>,
    /// RCT-YYYY-NNNNN, from the school's one receipt series (family
    /// payments share it); null only for a payment recorded before sponsor
    /// receipts began.
    pub receipt_no: Option<String>,
    /// The shares it settled, oldest invoice first.
    #[sqlx(skip)]
    pub applied: Vec<ShareApplied>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShareApplied {
    pub invoice_id: Uuid,
    pub student_id: Uuid,
    pub amount: Money,
}

pub(super) const COLUMNS: &str =
    "id, sponsor_id, amount, method, txn_ref, paid_at, recorded_by, created_at,
     reversed_at, reversal_reason, reversed_by, receipt_no";

/// Records and posts a sponsor's payment in the caller's transaction.
#[tracing::instrument(skip_all, fields(sponsor_id = %sponsor_id))]
pub async fn record_payment(
    conn: &mut PgConnection,
    actor: Uuid,
    sponsor_id: Uuid,
    new: &NewSponsorPayment,
) -> Result<SponsorPayment> {
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
    // Locked first: two payments for one sponsor take its shares in turn.
    sqlx::query_scalar::<_, i32>("SELECT 1 FROM sponsors WHERE id = $1 FOR UPDATE")
        .bind(sponsor_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found("sponsor"))?;
    let open: Vec<(Uuid, Uuid, Uuid, rust_decimal::Decimal)> = sqlx::query_as(
        "SELECT sh.id, sh.invoice_id, sh.student_id, sh.amount - sh.paid
           FROM sponsor_shares sh JOIN invoices i ON i.school_id = sh.school_id AND i.id = sh.invoice_id
          WHERE sh.sponsor_id = $1 AND sh.closed_at IS NULL AND sh.paid < sh.amount
          ORDER BY i.year, i.term, i.issued_at, i.number, sh.created_at, sh.id
          FOR UPDATE OF sh",
    )
    .bind(sponsor_id)
    .fetch_all(&mut *conn)
    .await?;
    let owed = Money::from_decimal(open.iter().map(|(.., due)| *due).sum());
    if new.amount > owed {
        return Err(Error::conflict(
            "payment_exceeds_sponsor_balance",
            format!("the sponsor owes {}; a payment cannot be more", owed.kes()),
        ));
    }
    let mut payment: SponsorPayment = sqlx::query_as(sql!(
        "INSERT INTO sponsor_payments (school_id, id, sponsor_id, amount, method, txn_ref, paid_at, recorded_by)
         VALUES (app_school_id(), $1, $2, $3, $4, $5, coalesce($6, now()), $7)
         RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(sponsor_id)
    .bind(new.amount)
    .bind(new.method)
    .bind(&txn_ref)
    .bind(new.paid_at)
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?;

    let mut left = new.amount.decimal();
    let mut shares = Vec::new();
    for (share_id, invoice_id, student_id, due) in open {
        if left <= rust_decimal::Decimal::ZERO {
            break;
        }
        let take = due.min(left);
        left -= take;
        shares.push(share_id);
        payment.applied.push(ShareApplied {
            invoice_id,
            student_id,
            amount: Money::from_decimal(take),
        });
    }
    let [cash, sponsor_receivable] =
        ledger::account_ids(conn, [code::CASH, code::SPONSOR_RECEIVABLE]).await?;
    let mut lines = vec![Line::debit(cash, payment.amount)];
    for applied in &payment.applied {
        lines.push(
            Line::credit(sponsor_receivable, applied.amount)
                .student(applied.student_id)
                .invoice(applied.invoice_id),
        );
    }
    let memo = format!(
        "Sponsor payment {} {}",
        payment.method,
        payment.txn_ref.as_deref().unwrap_or("")
    );
    ledger::post(conn, memo.trim(), "sponsor_payment", payment.id, &lines).await?;
    let amounts: Vec<rust_decimal::Decimal> =
        payment.applied.iter().map(|a| a.amount.decimal()).collect();
    sqlx::query(sql!(
        "WITH taken AS (SELECT * FROM unnest($2::uuid[], $3::numeric[]) AS t(share_id, amount)),
              allocated AS (
                  INSERT INTO sponsor_allocations (school_id, payment_id, share_id, amount)
                  SELECT app_school_id(), $1, share_id, amount FROM taken RETURNING 1)
         UPDATE sponsor_shares sh SET paid = sh.paid + t.amount FROM taken t WHERE sh.id = t.share_id"
    ))
    .bind(payment.id)
    .bind(&shares)
    .bind(&amounts)
    .execute(&mut *conn)
    .await?;
    // What the sponsor owes now, kept for the receipt; the number last, so
    // the school's counter row is held for as little as can be.
    let owed_after: rust_decimal::Decimal = sqlx::query_scalar(
        "SELECT coalesce(sum(amount - paid), 0) FROM sponsor_shares
          WHERE sponsor_id = $1 AND closed_at IS NULL",
    )
    .bind(sponsor_id)
    .fetch_one(&mut *conn)
    .await?;
    let receipt_no = numbering::next_receipt(conn).await?;
    sqlx::query("UPDATE sponsor_payments SET receipt_no = $2, owed_after = $3 WHERE id = $1")
        .bind(payment.id)
        .bind(&receipt_no)
        .bind(owed_after)
        .execute(&mut *conn)
        .await?;
    payment.receipt_no = Some(receipt_no);
    let change = audit::Change {
        actor,
        action: "create",
        entity: "sponsor_payment",
        entity_id: &payment.id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&payment)).await?;
    events::append(conn, "sponsor_payment.recorded", &payment).await?;
    Ok(payment)
}

/// One sponsor payment with the shares it settled.
pub async fn get_payment(conn: &mut PgConnection, id: Uuid) -> Result<SponsorPayment> {
    let payment: SponsorPayment =
        sqlx::query_as(sql!("SELECT {COLUMNS} FROM sponsor_payments WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| Error::not_found("sponsor_payment"))?;
    Ok(with_applied(conn, vec![payment]).await?.remove(0))
}

/// A sponsor's payments, oldest first, each with the shares it settled (a
/// sponsor pays a few times a year); 404 for no such sponsor.
pub async fn list_payments(
    conn: &mut PgConnection,
    sponsor_id: Uuid,
) -> Result<Vec<SponsorPayment>> {
    super::get(conn, sponsor_id).await?;
    let payments = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM sponsor_payments WHERE sponsor_id = $1 ORDER BY paid_at, id"
    ))
    .bind(sponsor_id)
    .fetch_all(&mut *conn)
    .await?;
    with_applied(conn, payments).await
}

/// The payments with `applied` read from their allocations.
async fn with_applied(
    conn: &mut PgConnection,
    mut payments: Vec<SponsorPayment>,
) -> Result<Vec<SponsorPayment>> {
    let ids: Vec<Uuid> = payments.iter().map(|p| p.id).collect();
    let rows: Vec<(Uuid, Uuid, Uuid, Money)> = sqlx::query_as(
        "SELECT a.payment_id, sh.invoice_id, sh.student_id, a.amount
           FROM sponsor_allocations a
           JOIN sponsor_shares sh ON sh.school_id = a.school_id AND sh.id = a.share_id
           JOIN invoices i ON i.school_id = sh.school_id AND i.id = sh.invoice_id
          WHERE a.payment_id = ANY($1)
          ORDER BY i.year, i.term, i.issued_at, i.number, sh.created_at, sh.id",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    for (payment_id, invoice_id, student_id, amount) in rows {
        if let Some(payment) = payments.iter_mut().find(|p| p.id == payment_id) {
            payment.applied.push(ShareApplied {
                invoice_id,
                student_id,
                amount,
            });
        }
    }
    Ok(payments)
}
