//! Writes that start background work: the rows and the job in the caller's
//! transaction, so both commit or neither does. The only code that pushes a
//! job: the REST routes, the chat assistant's confirm step, the reminder
//! scheduler and the worker's fan-outs all call these, so a confirmed chat
//! action is exactly what the REST API would have done.

pub mod chat;
pub mod invoices;
pub mod members;
pub mod notifications;
pub mod payments;
pub mod queue;
pub mod reminders;

use uuid::Uuid;

/// Who is acting, in which school.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub school_id: Uuid,
    pub user_id: Uuid,
}
