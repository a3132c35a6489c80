//! /invoices: bulk generation (async), one-off charges and cancellations
//! (at once), and reading invoices back.

use axum::{
    extract::{OriginalUri, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use shared::{
    commands,
    domain::{
        invoice::{
            self, Invoice, InvoiceFilter, InvoiceLine, adhoc::NewInvoice, cancel::CancelInvoice,
            generate::GenerateInvoices,
        },
        role::Capability,
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{operations::accepted, paged::paged};
use crate::{
    AppState,
    error::ApiError,
    extract::{IdempotencyKey, Json, PageRequest, Path, Query, Tenant, idempotent},
    openapi::{
        IdempotencyKeyHeader, OperationStarted, PageParams, PreferWait, SchoolHeader, examples,
    },
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(generate_invoices))
        .routes(routes!(list_invoices, issue_invoice))
        .routes(routes!(cancel_invoice))
        .routes(routes!(get_invoice))
        .routes(routes!(invoice_lines))
}

/// Generate invoices for a class or a student for a term (BURSAR, ADMIN or
/// OWNER). Answers 202 with the operation; `Prefer: wait=N` waits up to N
/// seconds and answers 200 with the finished operation.
#[utoipa::path(post, path = "/invoices/generate", tag = "invoices", params(SchoolHeader, PreferWait),
    request_body(content = GenerateInvoices, example = examples::generate_invoices),
    security(("bearer" = [])), responses(OperationStarted),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_term", "invalid_target"],
        "403": ["insufficient_role"],
        "422": ["unknown_student", "student_not_active", "unknown_class", "unknown_optional_item"]
    }))))]
async fn generate_invoices(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut tenant: Tenant,
    Json(request): Json<GenerateInvoices>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::ManageFees)?;
    let actor = tenant.actor();
    let operation = commands::invoices::generate(&mut tenant.tx, actor, request, None).await?;
    let school_id = tenant.school_id;
    tenant.commit().await?;
    accepted(&state, school_id, operation, &headers).await
}

/// Invoices, filtered by student, class, status, term and year.
#[utoipa::path(get, path = "/invoices", tag = "invoices", params(SchoolHeader, InvoiceFilter, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of matching invoices, by id", body = Vec<Invoice>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_invoices(
    mut tenant: Tenant,
    uri: OriginalUri,
    Query(filter): Query<InvoiceFilter>,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = invoice::list(&mut tenant.tx, filter, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One invoice.
#[utoipa::path(get, path = "/invoices/{id}", tag = "invoices", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The invoice with what is paid and owed", body = Invoice)),
    extensions(("x-problem-codes" = json!({"404": ["invoice_not_found"]}))))]
async fn get_invoice(mut tenant: Tenant, Path(id): Path<Uuid>) -> Result<Json<Invoice>, ApiError> {
    let invoice = invoice::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(invoice))
}

/// The invoice's lines, as copied from the fee structure at issue time.
#[utoipa::path(get, path = "/invoices/{id}/lines", tag = "invoices", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "Every line of the invoice (not paged)", body = Vec<InvoiceLine>)),
    extensions(("x-problem-codes" = json!({"404": ["invoice_not_found"]}))))]
async fn invoice_lines(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<InvoiceLine>>, ApiError> {
    let lines = invoice::lines(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(lines))
}

/// Charge one student a one-off invoice (kind ADHOC: uniform, trip,
/// damages), as often as needed (BURSAR, ADMIN or OWNER). It takes the next
/// number, is posted at once (DR 1100 / CR each line's income account) and
/// uses any credit the student holds. With an Idempotency-Key header a
/// retried request gets the first answer.
#[utoipa::path(post, path = "/invoices", tag = "invoices", params(SchoolHeader, IdempotencyKeyHeader),
    request_body(content = NewInvoice, example = examples::new_invoice),
    security(("bearer" = [])),
    responses((status = 201, description = "The ADHOC invoice, posted (or, replayed under the same Idempotency-Key, the first answer)", body = Invoice)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_lines", "invalid_amount", "invalid_field", "invalid_term", "invalid_value"],
        "403": ["insufficient_role"],
        "422": ["unknown_student", "unknown_account", "not_an_income_account"]
    }))))]
async fn issue_invoice(
    tenant: Tenant,
    key: Option<IdempotencyKey>,
    Json(new): Json<NewInvoice>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::ManageFees)?;
    idempotent(
        tenant,
        key,
        &new,
        StatusCode::CREATED,
        async |tenant: &mut Tenant| {
            let actor = tenant.actor();
            Ok(commands::invoices::issue(&mut tenant.tx, actor, &new).await?)
        },
    )
    .await
}

/// Cancel an invoice nothing is paid on (BURSAR, ADMIN or OWNER): a
/// reversing entry (DR each income account / CR 1100), status CANCELLED,
/// the number kept and never reused. Money on it (a payment, credit
/// applied, a payment still being posted) is 409 `invoice_has_payments`:
/// reverse or reallocate it first. A second cancel is 409
/// `invoice_not_open` and changes nothing.
#[utoipa::path(post, path = "/invoices/{id}/cancel", tag = "invoices", params(SchoolHeader, IdempotencyKeyHeader, ("id" = Uuid, Path)),
    request_body(content = CancelInvoice, example = examples::cancel_invoice),
    security(("bearer" = [])),
    responses((status = 200, description = "The invoice, CANCELLED, with when and why", body = Invoice)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field"],
        "403": ["insufficient_role"],
        "404": ["invoice_not_found"],
        "409": ["invoice_has_payments", "invoice_not_open"]
    }))))]
async fn cancel_invoice(
    tenant: Tenant,
    key: Option<IdempotencyKey>,
    Path(id): Path<Uuid>,
    Json(request): Json<CancelInvoice>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::ManageFees)?;
    // The same key on another invoice is another request.
    idempotent(
        tenant,
        key,
        &(id, &request),
        StatusCode::OK,
        async |tenant: &mut Tenant| {
            let actor = tenant.actor();
            Ok(commands::invoices::cancel(&mut tenant.tx, actor, id, &request).await?)
        },
    )
    .await
}
