//! Invoice generation: the operation and its invoices.generate job.

use sqlx::PgConnection;

use super::{Actor, queue};
use crate::{
    domain::{
        invoice::generate::{self, GenerateInvoices},
        operation::{self, Operation},
    },
    error::Result,
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
