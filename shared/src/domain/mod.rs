//! The school's domain: value types that can only hold valid values, and one
//! module per resource with the queries that read and write it.

pub mod adjustment;
pub mod calendar;
pub mod chat;
pub mod class;
pub mod credit_note;
pub mod de;
pub mod fees;
pub mod guardian;
pub mod invitation;
pub mod invoice;
pub mod ledger;
pub mod member;
pub mod money;
pub mod notification;
pub mod numbering;
pub mod operation;
pub mod payment;
pub mod percent;
pub mod phone;
pub mod refund;
pub mod reminder;
pub mod report;
pub mod role;
pub mod school;
pub mod sibling_discount;
pub mod sponsor;
pub mod statement;
pub mod student;
pub mod text;
mod text_enum;
