//! HTTP tests against the real router and a real PostgreSQL, as the
//! runtime role, one fresh database per test.

mod auth;
mod catalogue;
mod classes;
mod errors;
mod events;
mod fees;
mod guardians;
mod health;
mod helpers;
mod invoicing;
mod ledger;
mod notifications;
mod payments;
mod quickstart;
mod reminders;
mod schools;
mod smtp;
mod students;
mod tenancy;
