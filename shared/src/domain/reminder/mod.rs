//! Scheduled fee reminders: schedules (when, to whom, how), runs (one per
//! schedule and tick) and the messages each run sends.

pub mod letter;
pub mod run;
pub mod schedule;
pub mod send;
pub mod timing;
