//! /payments: recorded at once (PENDING), posted to the ledger by the worker.

use axum::{extract::OriginalUri, http::StatusCode, response::Response};
use shared::{
    commands,
    domain::{
        payment::{self, NewPayment, Payment, PaymentFilter, Recorded, Reversal},
        role::Capability,
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::paged::paged;
use crate::{
    AppState,
    error::ApiError,
    extract::{IdempotencyKey, Json, PageRequest, Path, Query, Tenant, idempotent},
    openapi::{IdempotencyKeyHeader, PageParams, SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_payments, record_payment))
        .routes(routes!(get_payment))
        .routes(routes!(reverse_payment))
}

/// Record a payment (BURSAR, ADMIN or OWNER). A family's payment names
/// invoice_id or student_id and answers 201 with a Payment, posting_status
/// PENDING; the worker posts it. A sponsor's payment names sponsor_id
/// alone (never with invoice_id or student_id: 400 invalid_target) and
/// answers 201 with a SponsorPayment, posted at once across the sponsor's
/// open shares oldest first, exactly as POST /sponsors/{id}/payments (409
/// payment_exceeds_sponsor_balance past what it owes; 422 unknown_sponsor).
/// With an Idempotency-Key header a retried request gets the first answer.
#[utoipa::path(post, path = "/payments", tag = "payments", params(SchoolHeader, IdempotencyKeyHeader),
    request_body(content = NewPayment, example = examples::new_payment),
    security(("bearer" = [])),
    responses((status = 201, description = "A Payment, posting_status PENDING; or for sponsor_id a SponsorPayment with the shares it settled (or, replayed under the same Idempotency-Key, the first answer)", body = Recorded)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_amount", "invalid_field", "txn_ref_required", "invalid_paid_at", "invalid_target", "invalid_value"],
        "403": ["insufficient_role"],
        "409": ["duplicate_payment_reference", "payment_exceeds_sponsor_balance"],
        "422": ["unknown_invoice", "invoice_cancelled", "invoice_student_mismatch", "unknown_student", "unknown_sponsor"]
    }))))]
async fn record_payment(
    tenant: Tenant,
    key: Option<IdempotencyKey>,
    Json(new): Json<NewPayment>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::RecordPayments)?;
    idempotent(
        tenant,
        key,
        &new,
        StatusCode::CREATED,
        async |tenant: &mut Tenant| {
            let actor = tenant.actor();
            Ok(commands::payments::record_any(&mut tenant.tx, actor, &new).await?)
        },
    )
    .await
}

/// Payments, filtered by student or invoice.
#[utoipa::path(get, path = "/payments", tag = "payments", params(SchoolHeader, PaymentFilter, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of matching payments, by id", body = Vec<Payment>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_payments(
    mut tenant: Tenant,
    uri: OriginalUri,
    Query(filter): Query<PaymentFilter>,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = payment::list(&mut tenant.tx, filter, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One payment.
#[utoipa::path(get, path = "/payments/{id}", tag = "payments", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The payment and its posting status", body = Payment)),
    extensions(("x-problem-codes" = json!({"404": ["payment_not_found"]}))))]
async fn get_payment(mut tenant: Tenant, Path(id): Path<Uuid>) -> Result<Json<Payment>, ApiError> {
    let payment = payment::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(payment))
}

/// Reverse a POSTED payment (BURSAR, ADMIN or OWNER): a bounced cheque,
/// the wrong child. One reversing journal entry (DR 1100 per invoice it
/// paid, DR 2000 for what became credit, CR 1000); the invoices it paid
/// reopen; the payment becomes REVERSED. Its txn_ref stays reserved. A
/// second call answers the reversed payment and writes nothing.
#[utoipa::path(post, path = "/payments/{id}/reverse", tag = "payments",
    params(SchoolHeader, IdempotencyKeyHeader, ("id" = Uuid, Path)),
    request_body(content = Reversal, example = examples::reversal),
    security(("bearer" = [])),
    responses((status = 200, description = "The payment, posting_status REVERSED with reversed_at, reversal_reason and reversed_by (the same answer again on a second call)", body = Payment)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_value"],
        "403": ["insufficient_role"],
        "404": ["payment_not_found"],
        "409": ["payment_not_posted", "credit_already_used"]
    }))))]
async fn reverse_payment(
    tenant: Tenant,
    key: Option<IdempotencyKey>,
    Path(id): Path<Uuid>,
    Json(body): Json<Reversal>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::RecordPayments)?;
    idempotent(
        tenant,
        key,
        &(id, &body),
        StatusCode::OK,
        async |tenant: &mut Tenant| {
            let user_id = tenant.user_id;
            Ok(payment::reverse(&mut tenant.tx, user_id, id, &body).await?)
        },
    )
    .await
}
