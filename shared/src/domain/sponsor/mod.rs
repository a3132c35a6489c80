//! Sponsors (a county bursary, CDF, an NGO) and what they owe: the shares
//! of invoices their adjustments carry (`sponsor_shares`, DR 1150 at
//! generation), what they paid (`payment`, `reverse`), and their statement.

mod payment;
pub mod receipt;
mod reverse;
mod statement;

pub use payment::{
    NewSponsorPayment, ShareApplied, SponsorPayment, get_payment, list_payments, record_payment,
};
pub use reverse::reverse_payment;
pub use statement::{Movement, SponsorStatement, statement};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{money::Money, text};
use crate::{
    audit,
    error::{Error, Result},
    sql,
};

/// The body of POST /sponsors.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSponsor {
    /// "Nairobi County Bursary 2026" (1 to 200 characters, unique per school).
    pub name: String,
    /// Who to ask about payments: a person, phone or email (up to 200).
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Sponsor {
    pub id: Uuid,
    pub name: String,
    pub contact: Option<String>,
    pub created_at: DateTime<Utc>,
    /// What the sponsor still owes: its open shares less what it paid.
    pub balance: Money,
}

const SELECT: &str = "SELECT sp.id, sp.name, sp.contact, sp.created_at,
        coalesce((SELECT sum(sh.amount - sh.paid) FROM sponsor_shares sh
                   WHERE sh.sponsor_id = sp.id AND sh.closed_at IS NULL), 0) AS balance
   FROM sponsors sp";

#[tracing::instrument(skip_all)]
pub async fn create(conn: &mut PgConnection, actor: Uuid, new: &NewSponsor) -> Result<Sponsor> {
    let name = text::name("name", &new.name, 200)?;
    let contact = text::optional("contact", new.contact.as_deref(), 200)?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO sponsors (school_id, id, name, contact, created_by)
         VALUES (app_school_id(), $1, $2, $3, $4)",
    )
    .bind(id)
    .bind(&name)
    .bind(&contact)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    let sponsor = get(conn, id).await?;
    let change = audit::Change {
        actor,
        action: "create",
        entity: "sponsor",
        entity_id: &id.to_string(),
    };
    audit::record(conn, change, None::<&()>, Some(&sponsor)).await?;
    Ok(sponsor)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Sponsor> {
    sqlx::query_as(sql!("{SELECT} WHERE sp.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("sponsor"))
}

/// Every sponsor of the school, by name (a school has a handful).
pub async fn list(conn: &mut PgConnection) -> Result<Vec<Sponsor>> {
    let sponsors = sqlx::query_as(sql!("{SELECT} ORDER BY lower(sp.name), sp.id"))
        .fetch_all(conn)
        .await?;
    Ok(sponsors)
}

/// Closes the invoice's sponsor shares as it is cancelled: refused with 409
/// `invoice_has_payments` when a sponsor has paid on it. The cancellation's
/// reversing entry takes the shares back off 1150.
pub async fn close_shares(conn: &mut PgConnection, invoice_id: Uuid, number: &str) -> Result<()> {
    let paid: Vec<rust_decimal::Decimal> = sqlx::query_scalar(
        "SELECT paid FROM sponsor_shares WHERE invoice_id = $1 AND closed_at IS NULL FOR UPDATE",
    )
    .bind(invoice_id)
    .fetch_all(&mut *conn)
    .await?;
    let paid = Money::from_decimal(paid.into_iter().sum());
    if paid != Money::ZERO {
        return Err(Error::conflict(
            "invoice_has_payments",
            format!(
                "a sponsor has paid {} on invoice {number}; it cannot be cancelled",
                paid.kes()
            ),
        ));
    }
    sqlx::query(
        "UPDATE sponsor_shares SET closed_at = now() WHERE invoice_id = $1 AND closed_at IS NULL",
    )
    .bind(invoice_id)
    .execute(conn)
    .await?;
    Ok(())
}
