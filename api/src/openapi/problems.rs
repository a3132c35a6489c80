//! Every problem `code` the api answers and when, and the modifier that
//! writes each operation's error responses from the codes it declares and
//! the ones its shape implies.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};
use utoipa::{
    Modify,
    openapi::{
        ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder,
        example::ExampleBuilder,
        header::HeaderBuilder,
        path::{Operation, ParameterIn},
        schema::{ObjectBuilder, Type},
    },
};

use super::operations_mut;

/// The extension an operation declares its own codes in, by status; after
/// `ProblemResponses` it holds all of them, and each error response holds
/// its own as a list.
pub const EXTENSION: &str = "x-problem-codes";

/// (status, code, when). The codes of `shared::Error` (kinds map to
/// statuses in `error::status_of`), of `shared/src/db/constraints.rs`, of
/// the extractors and of the request guard.
#[rustfmt::skip]
const CATALOGUE: &[(u16, &str, &str)] = &[
    (400, "school_not_selected", "X-School-ID is missing"),
    (400, "invalid_school_id", "X-School-ID is not one UUID"),
    (400, "invalid_path", "a path id is not a UUID"),
    (400, "invalid_query", "a query parameter is malformed or of the wrong type"),
    (400, "invalid_limit", "`limit` is outside 1 to 500"),
    (400, "malformed_json", "the body is not JSON"),
    (400, "invalid_body", "the body is not an object of the documented shape: a field missing, unknown or of the wrong type, or a phone, amount, year, date or enum value that does not parse"),
    (400, "body_unreadable", "the body could not be read"),
    (400, "invalid_idempotency_key", "Idempotency-Key is not 1 to 255 visible ASCII characters"),
    (400, "invalid_value", "a value the database cannot hold: out of range, or text with a NUL character"),
    (400, "invalid_field", "a name or text is blank, too long, or holds control or text-direction characters"),
    (400, "invalid_email", "not one address like name@example.com"),
    (400, "weak_password", "the password is not 8 to 128 characters"),
    (400, "invalid_admission_no", "admission_no is not 1 to 32 letters, digits or / - . _"),
    (400, "invalid_date_of_birth", "date_of_birth is in the future or before 1950"),
    (400, "ambiguous_guardian", "both primary_guardian_id and primary_guardian were sent"),
    (400, "empty_change", "the PATCH names nothing to change"),
    (400, "invalid_paybill", "paybill is not 5 to 7 digits"),
    (400, "invalid_term", "term is not 1, 2 or 3"),
    (400, "invalid_range", "a report's `from` is after its `to`"),
    (400, "invalid_due_days", "due_days is not 0 to 365"),
    (400, "invalid_items", "a fee structure needs 1 to 50 items"),
    (400, "invalid_lines", "an invoice needs 1 to 50 lines; a credit note's lines, when sent, are 1 to 50, each naming a different invoice line, and add up to its amount"),
    (400, "invalid_amount", "an amount is zero or negative where it must be positive, or negative where it may be zero"),
    (400, "invalid_target", "not exactly the one target the operation needs (student_id or class_id; invoice_id or student_id; sponsor_id alone)"),
    (400, "txn_ref_required", "MPESA and BANK payments need txn_ref"),
    (400, "invalid_paid_at", "paid_at is in the future"),
    (400, "invalid_audience", "student_ids or guardian_ids is empty or longer than 5,000"),
    (400, "invalid_cron", "cron is not a cron expression (5 fields, 6 with seconds first, 7 with a year last, or @daily...), or never fires again"),
    (400, "cron_too_frequent", "the schedule would fire less than 15 minutes apart"),
    (400, "invalid_timezone", "timezone is not an IANA zone such as Africa/Nairobi"),
    (400, "invalid_grace_seconds", "grace_seconds is outside 0 to 604800"),
    (400, "invalid_content", "the message is not 1 to 4,000 characters once trimmed, or holds control characters"),
    (400, "invalid_adjustment", "an adjustment needs exactly one of percent or amount"),
    (400, "invalid_percent", "percent is not more than 0 and at most 100"),
    (400, "invalid_from_child", "from_child is not 2 to 20"),
    (401, "invalid_token", "the bearer token (or ticket) is missing, invalid or expired, or its account is gone"),
    (401, "invalid_credentials", "the email or password is wrong"),
    (401, "invalid_refresh_token", "the refresh token is unknown or expired"),
    (401, "refresh_token_reused", "the refresh token was already used: its family is revoked; sign in again"),
    (403, "not_a_member", "the caller is not a member of that school (the same whether it exists or not)"),
    (403, "insufficient_role", "the caller's role in this school may not do this"),
    (404, "class_not_found", "no such class in this school"),
    (404, "guardian_not_found", "no such guardian in this school"),
    (404, "student_not_found", "no such student in this school"),
    (404, "term_not_found", "no such term in this school"),
    (404, "fee_structure_not_found", "no such fee structure in this school"),
    (404, "invoice_not_found", "no such invoice in this school"),
    (404, "payment_not_found", "no such payment in this school"),
    (404, "school_not_found", "the school in the path is not the school selected by X-School-ID"),
    (404, "notification_not_found", "no such notification in this school"),
    (404, "reminder_schedule_not_found", "no such reminder schedule (or it was deleted)"),
    (404, "reminder_run_not_found", "no such reminder run in this school"),
    (404, "operation_not_found", "no such operation in this school"),
    (404, "chat_not_found", "no such chat of yours in this school"),
    (404, "message_not_found", "no such message in that chat"),
    (404, "member_not_found", "no such member in this school"),
    (404, "invitation_not_found", "no open invitation with that id for you (someone else's, expired, withdrawn, answered, or none)"),
    (404, "adjustment_not_found", "no such adjustment in this school"),
    (404, "sponsor_not_found", "no such sponsor in this school"),
    (404, "sponsor_payment_not_found", "no such sponsor payment in this school"),
    (408, "body_timeout", "the body did not arrive in time"),
    (409, "email_taken", "an account with this email already exists"),
    (409, "already_member", "that address already belongs to a member of this school"),
    (409, "last_owner", "the school's last OWNER can be neither demoted nor removed"),
    (409, "duplicate_class", "a class with this name already exists for that academic year"),
    (409, "duplicate_admission_no", "admission_no is already used in this school"),
    (409, "duplicate_upi_no", "upi_no is already used in this school"),
    (409, "duplicate_knec_no", "knec_no is already used in this school"),
    (409, "duplicate_birth_cert_no", "birth_cert_no is already used in this school"),
    (409, "duplicate_fee_structure", "a fee structure for that level, term and year already exists"),
    (409, "duplicate_fee_item", "two fee items have the same name"),
    (409, "invoice_has_payments", "money is allocated to the invoice (a payment, applied credit, or a payment being posted): reverse or reallocate it first"),
    (409, "invoice_not_open", "the invoice is cancelled (already, for a cancel)"),
    (409, "credit_exceeds_balance", "the credit note is more than what the family still owes on the invoice (its balance)"),
    (409, "credit_exceeds_line", "a credit note line is more than what is left of that invoice line after earlier credit notes"),
    (409, "duplicate_payment_reference", "a payment with this method and txn_ref was already recorded"),
    (409, "duplicate_refund_reference", "a refund with this method and txn_ref was already recorded"),
    (409, "payment_not_posted", "the payment has not reached the ledger: it cannot be reversed and has no receipt yet"),
    (409, "receipt_not_issued", "the sponsor payment was recorded before sponsor receipts began, so it has no receipt number"),
    (409, "credit_already_used", "part of the payment became credit that has since been used; reverse that first"),
    (409, "refund_exceeds_credit", "the refund is more than the credit the school holds for the student"),
    (409, "duplicate_reminder_schedule", "a reminder schedule with this name already exists"),
    (409, "duplicate_sponsor", "a sponsor with this name already exists"),
    (409, "payment_exceeds_sponsor_balance", "the payment is more than the sponsor owes on its open shares"),
    (409, "idempotency_key_in_use", "a request with this Idempotency-Key is still running; retry it shortly"),
    (409, "action_not_proposed", "the proposal was already confirmed, cancelled or failed"),
    (409, "nothing_to_confirm", "the message proposes no action"),
    (409, "message_not_failed", "only a failed assistant message can be retried"),
    (413, "payload_too_large", "the body is over 256 KiB"),
    (415, "unsupported_media_type", "the body is not sent as Content-Type: application/json"),
    (422, "sms_not_configured", "receipts cannot go by SMS until SMS sending is set up"),
    (422, "unknown_level", "level is not one of this school's grade levels"),
    (422, "unknown_class", "class_id does not name a class of this school"),
    (422, "unknown_guardian", "a guardian id does not name a guardian of this school"),
    (422, "unknown_student", "a student id does not name a student of this school"),
    (422, "unknown_sponsor", "sponsor_id on a payment does not name a sponsor of this school"),
    (422, "unknown_invoice", "invoice_id does not name an invoice of this school"),
    (422, "unknown_invoice_line", "a credit note line's item names no line of the invoice (or, by name, more than one: send the line's id)"),
    (422, "unknown_account", "income_account (account_code on an invoice line) is not an account code of this school"),
    (422, "not_an_income_account", "income_account (account_code on an invoice line) names an account that is not an INCOME account"),
    (422, "invalid_term_dates", "ends_on is not after starts_on"),
    (422, "student_not_active", "the student is not ACTIVE; only active students are invoiced"),
    (422, "unknown_optional_item", "include_optional names no optional fee item of this school"),
    (422, "invoice_cancelled", "the invoice is cancelled; pay against the student instead"),
    (422, "invoice_student_mismatch", "the invoice belongs to another student"),
    (422, "unknown_sponsor", "sponsor_id does not name a sponsor of this school"),
    (422, "unknown_fee_item", "item names no fee item of this school"),
    (422, "idempotency_key_reused", "this Idempotency-Key was used with a different body"),
    (429, "account_locked", "too many failed sign-ins: the account is locked for a while (at most 15 minutes; the detail says how long)"),
    (429, "busy", "too many sign-ins are being checked at once; try again in a moment"),
    (503, "busy", "the school's share of the server, or the database pool, is in use"),
    (503, "request_timeout", "the request ran past the server's deadline and was stopped"),
    (503, "database_unavailable", "the database does not answer"),
];

/// What a status says before its codes.
fn headline(status: u16) -> &'static str {
    match status {
        400 => "The request is malformed or a value is invalid.",
        401 => "No valid credentials: `WWW-Authenticate: Bearer`.",
        403 => "Authenticated, but not allowed here.",
        404 => "No such record visible to the caller.",
        408 => "The body was too slow.",
        409 => "Collides with the current state.",
        413 => "The body is too large.",
        415 => "The body is not JSON.",
        422 => "Well-formed, but breaks a rule of the school's data.",
        429 => "Too many attempts; try again later.",
        503 => "Busy or unavailable: retry after `Retry-After` seconds.",
        _ => "Refused.",
    }
}

fn meaning(status: u16, code: &str) -> &'static str {
    CATALOGUE
        .iter()
        .find(|(s, c, _)| *s == status && *c == code)
        .map(|(_, _, when)| *when)
        .unwrap_or_else(|| {
            panic!("problem code {status} {code} is not in openapi::problems::CATALOGUE")
        })
}

type Codes = BTreeMap<u16, Vec<&'static str>>;

fn add(codes: &mut Codes, status: u16, code: &str) {
    let (_, code, _) = CATALOGUE
        .iter()
        .find(|(s, c, _)| *s == status && *c == code)
        .unwrap_or_else(|| {
            panic!("problem code {status} {code} is not in openapi::problems::CATALOGUE")
        });
    let list = codes.entry(status).or_default();
    if !list.contains(code) {
        list.push(code);
    }
}

/// The codes the extractors and the request guard answer, read from what
/// the operation documents it reads.
fn implied(operation: &Operation, codes: &mut Codes) {
    let parameters: Vec<_> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|parameter| match parameter {
            RefOr::T(p) => Some((p.name.as_str(), p.parameter_in.clone())),
            RefOr::Ref(_) => None,
        })
        .collect();
    let has = |name: &str| parameters.iter().any(|(n, _)| *n == name);
    let any_in = |place: ParameterIn| parameters.iter().any(|(_, p)| *p == place);
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        add(codes, 401, "invalid_token");
    }
    if has("X-School-ID") {
        add(codes, 400, "school_not_selected");
        add(codes, 400, "invalid_school_id");
        add(codes, 403, "not_a_member");
    }
    if any_in(ParameterIn::Path) {
        add(codes, 400, "invalid_path");
    }
    if any_in(ParameterIn::Query) {
        add(codes, 400, "invalid_query");
    }
    if has("limit") {
        add(codes, 400, "invalid_limit");
    }
    if has("Idempotency-Key") {
        add(codes, 400, "invalid_idempotency_key");
        add(codes, 409, "idempotency_key_in_use");
        add(codes, 422, "idempotency_key_reused");
    }
    if operation.request_body.is_some() {
        add(codes, 400, "malformed_json");
        add(codes, 400, "invalid_body");
        add(codes, 400, "body_unreadable");
        add(codes, 408, "body_timeout");
        add(codes, 413, "payload_too_large");
        add(codes, 415, "unsupported_media_type");
    }
    // Waiting for a place (the school's, or a sign-in address's) or a
    // pooled connection: unless the operation names its own 503s.
    if !codes.contains_key(&503) {
        add(codes, 503, "busy");
    }
    add(codes, 503, "request_timeout");
}

/// One problem+json response listing `codes`, with an example body per code.
fn response(status: u16, codes: &[&str]) -> utoipa::openapi::Response {
    let mut description = format!("{}\n", headline(status));
    for code in codes {
        description.push_str(&format!("\n- `{code}`: {}", meaning(status, code)));
    }
    let title = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem")));
    for code in codes {
        let body = json!({
            "type": format!("urn:schoolops:problem:{code}"),
            "title": title,
            "status": status,
            "detail": meaning(status, code),
            "code": code,
        });
        content = content.examples_from_iter([(
            *code,
            ExampleBuilder::new()
                .summary(*code)
                .value(Some(body))
                .build(),
        )]);
    }
    let mut builder = ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", content.build());
    if status == 503 {
        builder = builder.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                .description(Some("Seconds to wait before retrying (1)."))
                .build(),
        );
    }
    let mut response = builder.build();
    response.extensions = Some(
        [(EXTENSION.to_string(), json!(codes))]
            .into_iter()
            .collect(),
    );
    response
}

/// Rewrites the error responses of every operation that declares
/// `x-problem-codes`.
pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in operations_mut(item) {
                let Some(declared) = operation
                    .extensions
                    .as_mut()
                    .and_then(|extensions| extensions.remove(EXTENSION))
                else {
                    continue;
                };
                let mut codes = Codes::new();
                let Value::Object(by_status) = declared else {
                    panic!("{method} {path}: {EXTENSION} must be an object of status: [codes]");
                };
                for (status, list) in by_status {
                    let status: u16 = status.parse().expect("a status such as \"409\"");
                    for code in list.as_array().into_iter().flatten() {
                        add(
                            &mut codes,
                            status,
                            code.as_str().expect("a code is a string"),
                        );
                    }
                }
                implied(operation, &mut codes);
                operation
                    .responses
                    .responses
                    .retain(|status, _| !status.starts_with(['4', '5']));
                for (status, list) in &codes {
                    operation
                        .responses
                        .responses
                        .insert(status.to_string(), RefOr::T(response(*status, list)));
                }
                let all: BTreeMap<String, &Vec<&str>> =
                    codes.iter().map(|(s, c)| (s.to_string(), c)).collect();
                operation
                    .extensions
                    .get_or_insert_with(Default::default)
                    .insert(EXTENSION.to_string(), json!(all));
            }
        }
    }
}
