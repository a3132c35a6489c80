//! The chat assistant: reading a message as a known action, pinning it to
//! the school's data, previewing writes and running them once confirmed,
//! answering questions from the ledger, and what the language model is told.

pub mod action;
pub mod answer;
pub mod confirm;
pub mod context;
pub mod followup;
pub mod intent;
pub mod phrasing;
pub mod preview;
pub mod resolve;
pub mod router;
pub mod session;
pub mod tools;
pub mod turn;
