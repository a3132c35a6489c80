//! Accounts: registration, password login with a temporary lock after
//! repeated failures, single-use rotating refresh tokens and single-use
//! event-stream tickets.

pub mod password;
pub mod refresh;
pub mod ticket;
pub mod user;

pub use user::{Account, Membership};
