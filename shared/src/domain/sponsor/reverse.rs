//! Reversing a sponsor's payment (a bounced cheque): one reversing entry,
//! DR 1150 per share it paid / CR 1000; the shares reopen by what it paid
//! on each. A second call answers the reversed payment and writes nothing.

use sqlx::PgConnection;
use uuid::Uuid;

use super::payment::{COLUMNS, ShareApplied, SponsorPayment};
use crate::{
    audit,
    domain::{
        ledger::{self, Line, code},
        money::Money,
        payment::Reversal,
        text,
    },
    error::{Error, Result},
    events, sql,
};

/// The journal source of a sponsor payment's reversing entry.
pub const SOURCE: &str = "sponsor_payment_reversal";

#[tracing::instrument(skip_all, fields(payment_id = %payment_id))]
pub async fn reverse_payment(
    conn: &mut PgConnection,
    actor: Uuid,
    payment_id: Uuid,
    request: &Reversal,
) -> Result<SponsorPayment> {
    let reason = text::name("reason", &request.reason, 500)?;
    let before: SponsorPayment = sqlx::query_as(sql!(
        "SELECT {COLUMNS} FROM sponsor_payments WHERE id = $1 FOR UPDATE"
    ))
    .bind(payment_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("sponsor_payment"))?;
    if before.reversed_at.is_some() {
        return Ok(before);
    }
    let taken: Vec<(Uuid, Uuid, Uuid, rust_decimal::Decimal)> = sqlx::query_as(
        "SELECT sh.id, sh.invoice_id, sh.student_id, a.amount
           FROM sponsor_allocations a
           JOIN sponsor_shares sh ON sh.school_id = a.school_id AND sh.id = a.share_id
          WHERE a.payment_id = $1
          ORDER BY sh.created_at, sh.id
          FOR UPDATE OF sh",
    )
    .bind(payment_id)
    .fetch_all(&mut *conn)
    .await?;
    let [cash, sponsor_receivable] =
        ledger::account_ids(conn, [code::CASH, code::SPONSOR_RECEIVABLE]).await?;
    let mut lines = vec![Line::credit(cash, before.amount)];
    for (_, invoice_id, student_id, amount) in &taken {
        lines.push(
            Line::debit(sponsor_receivable, Money::from_decimal(*amount))
                .student(*student_id)
                .invoice(*invoice_id),
        );
    }
    let memo = format!("Sponsor payment reversed: {reason}");
    ledger::post(conn, &memo, SOURCE, payment_id, &lines).await?;
    sqlx::query(
        "UPDATE sponsor_shares sh SET paid = sh.paid - a.amount
           FROM sponsor_allocations a WHERE a.payment_id = $1 AND a.share_id = sh.id",
    )
    .bind(payment_id)
    .execute(&mut *conn)
    .await?;
    let mut after: SponsorPayment = sqlx::query_as(sql!(
        "UPDATE sponsor_payments SET reversed_at = now(), reversal_reason = $2, reversed_by = $3
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(payment_id)
    .bind(&reason)
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?;
    after.applied = taken
        .into_iter()
        .map(|(_, invoice_id, student_id, amount)| ShareApplied {
            invoice_id,
            student_id,
            amount: Money::from_decimal(amount),
        })
        .collect();
    let change = audit::Change {
        actor,
        action: "reverse",
        entity: "sponsor_payment",
        entity_id: &payment_id.to_string(),
    };
    audit::record(conn, change, Some(&before), Some(&after)).await?;
    events::append(conn, "sponsor_payment.reversed", &after).await?;
    Ok(after)
}
