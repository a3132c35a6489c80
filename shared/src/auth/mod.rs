//! Accounts: registration, password login with a temporary lock after
//! repeated failures, and single-use rotating refresh tokens.

pub mod password;
pub mod refresh;
pub mod user;

pub use user::{Account, Membership};
