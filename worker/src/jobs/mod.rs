//! The job runners, one file per queue named after it, each holding the
//! job's `perform` and its `give_up` (the terminal failure, recorded where
//! the client will see it). The job types live in `shared::jobs`.

mod chat_reply;
mod invitations_email;
mod invoices_generate;
mod notifications_email;
mod notifications_send;
mod payments_post;
mod reminders_send;
