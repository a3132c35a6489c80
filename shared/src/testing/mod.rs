//! Test and benchmark support (feature `testing`): what the api tests, the
//! worker tests and the benchmarks share, so each exists once.
//!
//! - `database`: a fresh, migrated database per test and pools on it.
//! - `client`: the HTTP client, with a per-member handle that carries the
//!   bearer token and `X-School-ID` (`member.post("/payments", body)`).
//! - `seed`: schools, classes, guardians and students at scale, written
//!   through the domain and in bulk as the runtime role.
//! - `books`: the ledger invariants (trial balance balanced, 1100 = open
//!   invoice balances, 1000 = posted payments) as a typed report.
//! - `process`: the api or worker binary as a child process, killed on drop.
//! - `events`: a GET /events reader that parses the stream itself.

pub mod books;
pub mod client;
pub mod database;
pub mod events;
pub mod process;
pub mod seed;

pub use books::Books;
pub use client::{ApiClient, Member};
pub use database::{
    app_direct_pool, app_options, app_pool, app_pool_with, app_url, drop_database, env_url,
    fresh_database, pgbouncer_port,
};
pub use events::{EventStream, Received};
pub use process::{ChildProcess, Scratch};
