//! Request extractors whose rejections are `ApiError`, so every bad input
//! gets the same problem+json envelope.

mod auth;
mod idempotency;
mod json;
mod page;
mod path;
mod query;
pub(crate) mod tenant;

pub use auth::AuthUser;
pub use idempotency::{IdempotencyKey, idempotent};
pub use json::Json;
pub use page::PageRequest;
pub use path::Path;
pub use query::Query;
pub use tenant::Tenant;
