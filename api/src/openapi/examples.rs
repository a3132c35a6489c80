//! An example for every request body, in the seed's words: a Kiambu
//! school's Grade 4 East, KES amounts as strings, M-Pesa codes. Ids are
//! placeholders; api/tests/api/openapi_contract.rs swaps them for rows it
//! made and sends every example to the api.

use serde_json::{Value, json};

const CLASS_ID: &str = "0197a3c1-4e2b-7c10-9a55-3f6d2e8b4a01";
const STUDENT_ID: &str = "0197a3c1-5b7d-7e21-8c44-1a2b3c4d5e02";
const GUARDIAN_ID: &str = "0197a3c1-6c8e-7f32-9d55-2b3c4d5e6f03";
const SPONSOR_ID: &str = "0197a3c1-7d9f-7a43-8e66-3c4d5e6f7a04";

pub fn registration() -> Value {
    json!({"email": "bursar@imara.ac.ke", "full_name": "Grace Wanjiru", "password": "Imara-2025-pass"})
}

pub fn credentials() -> Value {
    json!({"email": "bursar@imara.ac.ke", "password": "Imara-2025-pass"})
}

pub fn refresh_request() -> Value {
    json!({"refresh_token": "q3Vx8kTz1bN0yWm4Ld7Hs2Fc9Rj6Pa5Ge0Ku3Yo8Ti"})
}

pub fn new_invitation() -> Value {
    json!({"email": "accounts@imara.ac.ke", "role": "BURSAR"})
}

/// The walk in openapi_examples.rs changes its own (only) member, an
/// OWNER: anything else would be the last owner's demotion.
pub fn role_change() -> Value {
    json!({"role": "OWNER"})
}

pub fn new_school() -> Value {
    json!({"name": "Imara Academy", "address": "Kiambu Road, Ruaka", "contact": "+254 722 000 123"})
}

pub fn school_changes() -> Value {
    json!({"paybill": "522533", "receipt_channel": "EMAIL", "contact": "+254 722 000 123"})
}

pub fn term_dates() -> Value {
    json!({"starts_on": "2025-01-06", "ends_on": "2025-04-04"})
}

pub fn new_class() -> Value {
    json!({"name": "Grade 4 East", "level": "Grade 4", "academic_year": 2025, "stream": "East"})
}

pub fn new_guardian() -> Value {
    json!({"first_name": "Jane", "last_name": "Wambui", "phone": "0712345678",
           "email": "jane.wambui@gmail.com", "relationship": "Mother"})
}

pub fn new_student() -> Value {
    json!({
        "admission_no": "ADM-2025-014",
        "first_name": "Brian",
        "last_name": "Otieno",
        "gender": "MALE",
        "date_of_birth": "2015-03-14",
        "class_id": CLASS_ID,
        "primary_guardian": {"first_name": "Mary", "last_name": "Otieno", "phone": "+254722456789",
                             "relationship": "Mother"},
        "upi_no": "KE7H2Q9"
    })
}

pub fn student_changes() -> Value {
    json!({"class_id": CLASS_ID, "status": "ACTIVE", "gender": "Male", "last_name": "Otieno-Wekesa",
           "primary_guardian_id": GUARDIAN_ID})
}

pub fn guardian_changes() -> Value {
    json!({"phone": "0722 456 789", "email": null, "sms_opt_out": true})
}

pub fn new_fee_structure() -> Value {
    json!({
        "name": "Grade 4 Term 1 2025",
        "level": "Grade 4",
        "term": 1,
        "year": 2025,
        "due_days": 14,
        "items": [
            {"name": "Tuition", "amount": "15000.00", "income_account": "4000"},
            {"name": "Activity Fee", "amount": "1500.00"},
            {"name": "Lunch", "amount": "3500.00", "optional": true}
        ]
    })
}

pub fn fee_structure_changes() -> Value {
    json!({
        "name": "Grade 4 Term 1 2025 (revised)",
        "due_days": 21,
        "items": [
            {"name": "Tuition", "amount": "16000.00", "income_account": "4000"},
            {"name": "Lunch", "amount": "3500.00", "optional": true}
        ]
    })
}

pub fn generate_invoices() -> Value {
    json!({"class_id": CLASS_ID, "term": 1, "year": 2025, "include_optional": {"Lunch": true}})
}

pub fn new_invoice() -> Value {
    json!({"student_id": STUDENT_ID, "lines": [
               {"name": "School uniform (2 sets)", "amount": "4500.00", "account_code": "4000"},
               {"name": "Broken window, Grade 4 East", "amount": "1200.00"}],
           "due_date": "2025-02-14", "memo": "Uniform issued 10 January; window broken 3 February"})
}

pub fn cancel_invoice() -> Value {
    json!({"reason": "Charged to the wrong pupil"})
}

pub fn new_credit_note() -> Value {
    json!({"amount": "1200.00", "kind": "WAIVER",
           "reason": "The window was broken by another pupil; the charge is waived",
           "lines": [{"item": "Broken window, Grade 4 East", "amount": "1200.00"}]})
}

pub fn new_payment() -> Value {
    json!({"student_id": STUDENT_ID, "amount": "18500.00", "method": "MPESA",
           "txn_ref": "QKH94M1Z11", "paid_at": "2025-01-15T09:30:00+03:00"})
}

pub fn reversal() -> Value {
    json!({"reason": "Cheque returned unpaid by the bank"})
}

pub fn new_refund() -> Value {
    json!({"amount": "500.00", "method": "MPESA", "txn_ref": "RKT52N8Q03",
           "reason": "Overpaid Term 1; the family asked for the balance back"})
}

pub fn new_notification() -> Value {
    json!({
        "type": "EMAIL",
        "subject": "Term 1 fee balance",
        "body": "Dear parent, Term 1 fees are due by 31 January. Pay by M-Pesa to paybill 522522, account: your child's admission number.",
        "audience": {"class_id": CLASS_ID, "guardian_ids": [GUARDIAN_ID], "with_balance": true}
    })
}

pub fn new_schedule() -> Value {
    json!({
        "name": "Grade 4 East balances, Monday 8am",
        "cron": "0 8 * * 1",
        "timezone": "Africa/Nairobi",
        "enabled": true,
        "channel": "EMAIL_OR_IN_APP",
        "audience": {"class_id": CLASS_ID, "min_balance": "1000.00"},
        "grace_seconds": 7200
    })
}

pub fn schedule_changes() -> Value {
    json!({"cron": "0 7 * * 1,4", "enabled": false, "grace_seconds": 3600})
}

pub fn new_session() -> Value {
    json!({"title": "Term 1 collections"})
}

pub fn new_message() -> Value {
    json!({"content": "How much has Grade 4 East paid for term 1 2025?"})
}

pub fn new_adjustment() -> Value {
    json!({"student_id": STUDENT_ID, "kind": "BURSARY", "percent": "50", "item": "Tuition",
           "year": 2025, "sponsor_id": SPONSOR_ID, "reason": "County bursary 2025"})
}

pub fn sibling_discount() -> Value {
    json!({"percent": "10", "from_child": 2, "item": "Tuition"})
}

pub fn new_sponsor() -> Value {
    json!({"name": "Nairobi County Bursary", "contact": "Ward bursary office, 0722 000 111"})
}

pub fn new_sponsor_payment() -> Value {
    json!({"amount": "5000.00", "method": "BANK", "txn_ref": "EFT-2025-0314",
           "paid_at": "2025-03-14T10:00:00+03:00"})
}
