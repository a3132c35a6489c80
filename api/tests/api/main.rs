//! HTTP tests against the real router and a real PostgreSQL, as the
//! runtime role, one fresh database per test.

mod adversarial_input;
mod adversarial_logins;
mod adversarial_money;
mod adversarial_roles;
mod adversarial_tenancy;
mod adversarial_tokens;
mod auth;
mod catalogue;
mod chat;
mod chat_model;
mod classes;
mod cors;
mod docs_offline;
mod errors;
mod events;
mod fake_ollama;
mod fees;
mod guardians;
mod health;
mod helpers;
mod invoicing;
mod ledger;
mod lookalikes;
mod notifications;
mod payments;
mod quickstart;
mod reminders;
mod schools;
mod seed_literal;
mod smtp;
mod sse;
mod stalled_bodies;
mod students;
mod tenancy;
