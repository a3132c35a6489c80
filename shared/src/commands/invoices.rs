//! Invoice generation (the operation and its invoices.generate job), and
//! the invoices written at once: one-off charges and cancellations, each
//! announced on the event stream as it commits.

use sqlx::PgConnection;

use super::{Actor, queue};
use crate::{
    domain::{
        invoice::{
            Invoice, adhoc,
            adhoc::NewInvoice,
            cancel::{self, CancelInvoice},
            generate::{self, GenerateInvoices},
        },
        operation::{self, Operation},
    },
    error::Result,
    events,
    jobs::{ChatLink, GenerateInvoicesJob, Job},
};

/// Validates the request, creates the operation and queues the generation.
pub async fn generate(
    conn: &mut PgConnection,
    actor: Actor,
    request: GenerateInvoices,
    chat: Option<ChatLink>,
) -> Result<Operation> {
    generate::validate(conn, &request).await?;
    // The operation is named after the queue that carries it out.
    let operation =
        operation::create(conn, GenerateInvoicesJob::QUEUE, Some(actor.user_id)).await?;
    let job = GenerateInvoicesJob {
        school_id: actor.school_id,
        operation_id: operation.id,
        request,
        chat,
    };
    queue::push(conn, &job).await?;
    Ok(operation)
}

/// Issues and posts a one-off invoice; `invoice.issued` follows it.
pub async fn issue(conn: &mut PgConnection, actor: Actor, new: &NewInvoice) -> Result<Invoice> {
    let invoice = adhoc::issue(conn, actor.user_id, new).await?;
    events::append(conn, "invoice.issued", &invoice).await?;
    Ok(invoice)
}

/// Cancels an unpaid invoice with its reversing entry; `invoice.cancelled`
/// follows it.
pub async fn cancel(
    conn: &mut PgConnection,
    actor: Actor,
    invoice_id: uuid::Uuid,
    request: &CancelInvoice,
) -> Result<Invoice> {
    let invoice = cancel::cancel(conn, actor.user_id, invoice_id, request).await?;
    events::append(conn, "invoice.cancelled", &invoice).await?;
    Ok(invoice)
}
