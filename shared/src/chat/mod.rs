//! The chat assistant's deterministic side: reading a message as a known action.

pub mod intent;
