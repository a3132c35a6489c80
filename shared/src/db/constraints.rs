//! Named constraints mapped to what the caller did wrong. The database is
//! the referee for uniqueness and links; this table turns its verdict into a
//! stable code instead of a 500.

use sqlx::error::ErrorKind as DbKind;

use crate::error::{Error, ErrorKind};

/// (constraint, kind, code, detail)
const KNOWN: &[(&str, ErrorKind, &str, &str)] = &[
    (
        "users_email_key",
        ErrorKind::Conflict,
        "email_taken",
        "an account with this email already exists",
    ),
    (
        "school_memberships_pkey",
        ErrorKind::Conflict,
        "already_member",
        "that user is already a member of this school",
    ),
    (
        "grade_levels_school_name_key",
        ErrorKind::Conflict,
        "duplicate_grade_level",
        "a grade level with this name already exists",
    ),
    (
        "academic_terms_school_year_term_key",
        ErrorKind::Conflict,
        "duplicate_term",
        "that term already has dates for that year",
    ),
    (
        "academic_terms_dates_check",
        ErrorKind::Rule,
        "invalid_term_dates",
        "a term must end after it starts",
    ),
    (
        "classes_school_year_name_key",
        ErrorKind::Conflict,
        "duplicate_class",
        "a class with this name already exists for that academic year",
    ),
    (
        "classes_level_fk",
        ErrorKind::Rule,
        "unknown_level",
        "level is not one of this school's grade levels",
    ),
    (
        "students_school_admission_no_key",
        ErrorKind::Conflict,
        "duplicate_admission_no",
        "admission_no is already used in this school",
    ),
    (
        "students_school_upi_key",
        ErrorKind::Conflict,
        "duplicate_upi_no",
        "upi_no is already used in this school",
    ),
    (
        "students_school_knec_key",
        ErrorKind::Conflict,
        "duplicate_knec_no",
        "knec_no is already used in this school",
    ),
    (
        "students_school_birth_cert_key",
        ErrorKind::Conflict,
        "duplicate_birth_cert_no",
        "birth_cert_no is already used in this school",
    ),
    (
        "students_class_fk",
        ErrorKind::Rule,
        "unknown_class",
        "class_id does not name a class of this school",
    ),
    (
        "student_guardians_guardian_fk",
        ErrorKind::Rule,
        "unknown_guardian",
        "guardian id does not name a guardian of this school",
    ),
    (
        "student_guardians_student_fk",
        ErrorKind::Rule,
        "unknown_student",
        "student id does not name a student of this school",
    ),
    (
        "fee_structures_scope_key",
        ErrorKind::Conflict,
        "duplicate_fee_structure",
        "a fee structure for that level, term and year already exists",
    ),
    (
        "fee_structures_due_days_check",
        ErrorKind::Invalid,
        "invalid_due_days",
        "due_days must be 0 to 365",
    ),
    (
        "fee_structures_level_fk",
        ErrorKind::Rule,
        "unknown_level",
        "level does not name a grade level of this school",
    ),
    (
        "fee_items_structure_name_key",
        ErrorKind::Conflict,
        "duplicate_fee_item",
        "two fee items have the same name",
    ),
    (
        "fee_items_account_fk",
        ErrorKind::Rule,
        "unknown_account",
        "income_account does not name an account of this school",
    ),
    (
        "invoices_student_fk",
        ErrorKind::Rule,
        "unknown_student",
        "student_id does not name a student of this school",
    ),
    (
        "payments_school_ref_key",
        ErrorKind::Conflict,
        "duplicate_payment_reference",
        "a payment with this reference was already recorded",
    ),
    (
        "refunds_school_ref_key",
        ErrorKind::Conflict,
        "duplicate_refund_reference",
        "a refund with this reference was already recorded",
    ),
    (
        "idempotency_keys_pkey",
        ErrorKind::Conflict,
        "idempotency_key_in_use",
        "a request with this Idempotency-Key is being processed; retry it shortly",
    ),
    (
        "payments_student_fk",
        ErrorKind::Rule,
        "unknown_student",
        "student_id does not name a student of this school",
    ),
    (
        "payments_invoice_fk",
        ErrorKind::Rule,
        "unknown_invoice",
        "invoice_id does not name an invoice of this school",
    ),
    (
        "notification_deliveries_guardian_fk",
        ErrorKind::Rule,
        "unknown_guardian",
        "guardian id does not name a guardian of this school",
    ),
    (
        "reminder_schedules_class_fk",
        ErrorKind::Rule,
        "unknown_class",
        "class_id does not name a class of this school",
    ),
    (
        "reminder_schedules_name_key",
        ErrorKind::Conflict,
        "duplicate_reminder_schedule",
        "a reminder schedule with this name already exists",
    ),
    (
        "adjustments_student_fk",
        ErrorKind::Rule,
        "unknown_student",
        "student_id does not name a student of this school",
    ),
    (
        "adjustments_sponsor_fk",
        ErrorKind::Rule,
        "unknown_sponsor",
        "sponsor_id does not name a sponsor of this school",
    ),
    (
        "sponsors_school_name_key",
        ErrorKind::Conflict,
        "duplicate_sponsor",
        "a sponsor with this name already exists",
    ),
    (
        "sponsor_payments_school_ref_key",
        ErrorKind::Conflict,
        "duplicate_payment_reference",
        "a payment with this reference was already recorded",
    ),
];

/// Invariants whose violation is our bug, never the caller's: stay 500.
const INTERNAL: &[&str] = &["journal_entries_balanced", "journal_append_only"];

/// Database errors caused by the request (a duplicate key, a link to a row
/// that is not there, a value out of range) become client errors here, in
/// one place; the rest stay internal. The conversion lives beside the table
/// it reads so that `error` needs nothing from `db`.
impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        classify(err)
    }
}

pub fn classify(err: sqlx::Error) -> Error {
    let Some(db) = err.as_database_error() else {
        return Error::Database(err);
    };
    if let Some(name) = db.constraint() {
        if INTERNAL.contains(&name) {
            return Error::Database(err);
        }
        if let Some((_, kind, code, detail)) = KNOWN.iter().find(|(known, ..)| *known == name) {
            return Error::client(*kind, code, *detail);
        }
    }
    match db.kind() {
        DbKind::UniqueViolation => {
            Error::conflict("conflict", "this conflicts with an existing record")
        }
        DbKind::ForeignKeyViolation => Error::rule(
            "invalid_reference",
            "a referenced record does not exist in this school",
        ),
        DbKind::CheckViolation | DbKind::NotNullViolation => Error::rule(
            "constraint_violation",
            "a value breaks a rule of this record",
        ),
        _ => match db.code().as_deref() {
            // Class 22: data exceptions (value out of range, bad format).
            Some(code) if code.starts_with("22") => {
                Error::invalid("invalid_value", "a value is out of range or malformed")
            }
            _ => Error::Database(err),
        },
    }
}
