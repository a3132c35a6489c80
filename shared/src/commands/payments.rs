//! Payments: the PENDING payment and its payments.post job; posting, with
//! the receipt's notification and its email job.

use sqlx::PgConnection;

use uuid::Uuid;

use super::{Actor, notifications, queue};
use crate::{
    domain::{
        payment::{self, NewPayment, Payment, Posted, Recorded, receipt},
        sponsor,
    },
    error::{Error, Result},
    jobs::{ChatLink, PostPaymentJob},
};

/// Records a PENDING payment and queues its posting.
pub async fn record(
    conn: &mut PgConnection,
    actor: Actor,
    new: &NewPayment,
    chat: Option<ChatLink>,
) -> Result<Payment> {
    let payment = payment::record(conn, actor.user_id, new).await?;
    let job = PostPaymentJob {
        school_id: actor.school_id,
        payment_id: payment.id,
        chat,
    };
    queue::push(conn, &job).await?;
    Ok(payment)
}

/// POST /payments: a family's payment (`record`), or, when the body names
/// sponsor_id, the sponsor's payment posted at once by the same function
/// as POST /sponsors/{id}/payments. An unknown sponsor is 422
/// `unknown_sponsor` here, as an unknown student is.
pub async fn record_any(
    conn: &mut PgConnection,
    actor: Actor,
    new: &NewPayment,
) -> Result<Recorded> {
    let Some((sponsor_id, sponsor_payment)) = new.sponsor_payment()? else {
        return Ok(Recorded::Payment(record(conn, actor, new, None).await?));
    };
    sponsor::record_payment(conn, actor.user_id, sponsor_id, &sponsor_payment)
        .await
        .map(Recorded::SponsorPayment)
        .map_err(|e| match e.code() {
            Some("sponsor_not_found") => Error::rule(
                "unknown_sponsor",
                "sponsor_id does not name a sponsor of this school",
            ),
            _ => e,
        })
}

/// Posts a PENDING payment (its receipt number taken in this transaction)
/// and, when the school sends receipts, writes the RECEIPT notification
/// and queues its email; None when it was posted before.
pub async fn post(
    conn: &mut PgConnection,
    school_id: Uuid,
    payment_id: Uuid,
) -> Result<Option<Posted>> {
    let Some(posted) = payment::post(conn, payment_id).await? else {
        return Ok(None);
    };
    if let Some(notice) = receipt::notify(conn, payment_id).await?
        && let Some(delivery_id) = notice.to_email
    {
        notifications::queue_emails(conn, school_id, &[delivery_id]).await?;
    }
    Ok(Some(posted))
}
