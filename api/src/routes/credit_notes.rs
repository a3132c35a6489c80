//! /invoices/{id}/credit-notes and /credit-notes: waivers, discounts and
//! bursaries taken off an invoice.

use axum::{extract::OriginalUri, http::StatusCode, response::Response};
use shared::domain::{
    calendar,
    credit_note::{self, CreditNote, CreditNoteFilter, NewCreditNote},
    role::Capability,
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
        .routes(routes!(invoice_credit_notes, issue_credit_note))
        .routes(routes!(list_credit_notes))
}

/// Take money off what the family owes on an invoice: a WAIVER, DISCOUNT or
/// BURSARY (BURSAR, ADMIN or OWNER). Numbered CN-YYYY-NNNNN, gapless per
/// school and year of issue (Nairobi); posted DR 4900 Discounts & Waivers /
/// CR 1100; the invoice's `credited` grows and its status follows. At most
/// the invoice's balance; with `lines`, each names a line of the invoice
/// and takes at most what is left of it. With an Idempotency-Key header a
/// retried request gets the first answer.
#[utoipa::path(post, path = "/invoices/{id}/credit-notes", tag = "invoices",
    params(SchoolHeader, IdempotencyKeyHeader, ("id" = Uuid, Path)),
    request_body(content = NewCreditNote, example = examples::new_credit_note),
    security(("bearer" = [])),
    responses((status = 201, description = "The credit note, posted (or, replayed under the same Idempotency-Key, the first answer)", body = CreditNote)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_amount", "invalid_field", "invalid_lines"],
        "403": ["insufficient_role"],
        "404": ["invoice_not_found"],
        "409": ["credit_exceeds_balance", "credit_exceeds_line", "invoice_not_open"],
        "422": ["unknown_invoice_line"]
    }))))]
async fn issue_credit_note(
    tenant: Tenant,
    key: Option<IdempotencyKey>,
    Path(id): Path<Uuid>,
    Json(new): Json<NewCreditNote>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::RecordPayments)?;
    // The same key on another invoice is another request.
    idempotent(
        tenant,
        key,
        &(id, &new),
        StatusCode::CREATED,
        async |tenant: &mut Tenant| {
            let user_id = tenant.user_id;
            let today = calendar::today_in_kenya();
            Ok(credit_note::issue(&mut tenant.tx, user_id, id, &new, today).await?)
        },
    )
    .await
}

/// The invoice's credit notes, oldest first.
#[utoipa::path(get, path = "/invoices/{id}/credit-notes", tag = "invoices", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "Every credit note on the invoice, oldest first (not paged)", body = Vec<CreditNote>)),
    extensions(("x-problem-codes" = json!({"404": ["invoice_not_found"]}))))]
async fn invoice_credit_notes(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<CreditNote>>, ApiError> {
    let notes = credit_note::for_invoice(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(notes))
}

/// Credit notes, filtered by student, invoice and kind.
#[utoipa::path(get, path = "/credit-notes", tag = "invoices", params(SchoolHeader, CreditNoteFilter, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of matching credit notes, by id", body = Vec<CreditNote>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_credit_notes(
    mut tenant: Tenant,
    uri: OriginalUri,
    Query(filter): Query<CreditNoteFilter>,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = credit_note::list(&mut tenant.tx, filter, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}
