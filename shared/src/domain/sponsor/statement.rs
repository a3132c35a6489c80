//! A sponsor's statement: each share it was charged (per student and
//! invoice), each cancelled share, each payment and reversal, with a
//! running balance.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Sponsor, get};
use crate::{domain::money::Money, error::Result};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SponsorStatement {
    pub sponsor: Sponsor,
    /// Every share charged, less cancelled ones.
    pub charged: Money,
    pub paid: Money,
    /// charged - paid: what the sponsor owes (1150 for this sponsor).
    pub balance: Money,
    /// Oldest first.
    pub movements: Vec<Movement>,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Movement {
    pub at: DateTime<Utc>,
    /// CHARGE (a share of an invoice), CANCELLED (that invoice was
    /// cancelled), PAYMENT, or REVERSAL (that payment was reversed).
    pub kind: String,
    pub student_id: Option<Uuid>,
    pub admission_no: Option<String>,
    pub student_name: Option<String>,
    pub invoice_id: Option<Uuid>,
    pub invoice_number: Option<String>,
    pub payment_id: Option<Uuid>,
    /// Charged (positive) or paid and cancelled (negative).
    pub amount: Money,
    /// For a CHARGE: how much of it the sponsor has paid so far.
    pub share_paid: Option<Money>,
    /// The sponsor's balance after this movement.
    pub balance: Money,
}

pub async fn statement(conn: &mut PgConnection, sponsor_id: Uuid) -> Result<SponsorStatement> {
    let sponsor = get(conn, sponsor_id).await?;
    let movements: Vec<Movement> = sqlx::query_as(
        "WITH moves AS (
             SELECT sh.created_at AS at, 0 AS ord, 'CHARGE' AS kind, sh.student_id, sh.invoice_id,
                    NULL::uuid AS payment_id, sh.amount, sh.paid AS share_paid, sh.id AS tiebreak
               FROM sponsor_shares sh WHERE sh.sponsor_id = $1
             UNION ALL
             SELECT sh.closed_at, 1, 'CANCELLED', sh.student_id, sh.invoice_id, NULL, -sh.amount, NULL, sh.id
               FROM sponsor_shares sh WHERE sh.sponsor_id = $1 AND sh.closed_at IS NOT NULL
             UNION ALL
             SELECT p.paid_at, 2, 'PAYMENT', NULL, NULL, p.id, -p.amount, NULL, p.id
               FROM sponsor_payments p WHERE p.sponsor_id = $1
             UNION ALL
             SELECT p.reversed_at, 3, 'REVERSAL', NULL, NULL, p.id, p.amount, NULL, p.id
               FROM sponsor_payments p WHERE p.sponsor_id = $1 AND p.reversed_at IS NOT NULL)
         SELECT m.at, m.kind, m.student_id, s.admission_no, s.first_name || ' ' || s.last_name AS student_name,
                m.invoice_id, i.number AS invoice_number, m.payment_id, m.amount, m.share_paid,
                sum(m.amount) OVER (ORDER BY m.at, m.ord, m.tiebreak ROWS UNBOUNDED PRECEDING) AS balance
           FROM moves m
           LEFT JOIN students s ON s.school_id = app_school_id() AND s.id = m.student_id
           LEFT JOIN invoices i ON i.school_id = app_school_id() AND i.id = m.invoice_id
          ORDER BY m.at, m.ord, m.tiebreak",
    )
    .bind(sponsor_id)
    .fetch_all(&mut *conn)
    .await?;
    let charged: rust_decimal::Decimal = movements
        .iter()
        .filter(|m| m.kind == "CHARGE" || m.kind == "CANCELLED")
        .map(|m| m.amount.decimal())
        .sum();
    let paid: rust_decimal::Decimal = -movements
        .iter()
        .filter(|m| m.kind == "PAYMENT" || m.kind == "REVERSAL")
        .map(|m| m.amount.decimal())
        .sum::<rust_decimal::Decimal>();
    // Sums that cancel out keep a sign ("-0.00"); zero is written "0.00".
    let money = |sum: rust_decimal::Decimal| {
        Money::from_decimal(if sum.is_zero() {
            rust_decimal::Decimal::ZERO
        } else {
            sum
        })
    };
    Ok(SponsorStatement {
        balance: money(charged - paid),
        charged: money(charged),
        paid: money(paid),
        sponsor,
        movements,
    })
}
