//! /sponsors: who carries a share of some pupils' fees (a county bursary,
//! CDF, an NGO), what each owes and pays.

use axum::{http::StatusCode, response::Response};
use shared::domain::{
    payment::Reversal,
    role::Capability,
    sponsor::{self, NewSponsor, NewSponsorPayment, Sponsor, SponsorPayment, SponsorStatement},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    error::ApiError,
    extract::{IdempotencyKey, Json, Path, Tenant, idempotent},
    openapi::{IdempotencyKeyHeader, SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sponsors, create_sponsor))
        .routes(routes!(get_sponsor))
        .routes(routes!(sponsor_statement))
        .routes(routes!(list_sponsor_payments, record_sponsor_payment))
        .routes(routes!(get_sponsor_payment))
        .routes(routes!(reverse_sponsor_payment))
}

/// Reverse a sponsor's payment (BURSAR, ADMIN or OWNER): a bounced cheque.
/// One reversing entry (DR 1150 per share it paid / CR 1000); the shares
/// it paid are owed again. A second call answers the reversed payment and
/// writes nothing.
#[utoipa::path(post, path = "/sponsor-payments/{id}/reverse", tag = "sponsors",
    params(SchoolHeader, IdempotencyKeyHeader, ("id" = Uuid, Path)),
    request_body(content = Reversal, example = examples::reversal),
    security(("bearer" = [])),
    responses((status = 200, description = "The payment with reversed_at, reversal_reason and reversed_by, and the shares it had paid (the same answer again on a second call)", body = SponsorPayment)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_value"],
        "403": ["insufficient_role"],
        "404": ["sponsor_payment_not_found"]
    }))))]
async fn reverse_sponsor_payment(
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
            Ok(sponsor::reverse_payment(&mut tenant.tx, user_id, id, &body).await?)
        },
    )
    .await
}

/// Add a sponsor (BURSAR, ADMIN or OWNER). Give a student an adjustment
/// naming it (POST /adjustments with sponsor_id) and generated invoices
/// charge that share to the sponsor.
#[utoipa::path(post, path = "/sponsors", tag = "sponsors", params(SchoolHeader),
    request_body(content = NewSponsor, example = examples::new_sponsor),
    security(("bearer" = [])),
    responses((status = 201, description = "The sponsor", body = Sponsor)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_value"],
        "403": ["insufficient_role"],
        "409": ["duplicate_sponsor"]
    }))))]
async fn create_sponsor(
    mut tenant: Tenant,
    Json(new): Json<NewSponsor>,
) -> Result<(StatusCode, Json<Sponsor>), ApiError> {
    tenant.require(Capability::ManageFees)?;
    let sponsor = sponsor::create(&mut tenant.tx, tenant.user_id, &new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(sponsor)))
}

/// The school's sponsors by name, each with what it owes.
#[utoipa::path(get, path = "/sponsors", tag = "sponsors", params(SchoolHeader),
    security(("bearer" = [])), responses((status = 200, description = "Every sponsor (not paged)", body = Vec<Sponsor>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_sponsors(mut tenant: Tenant) -> Result<Json<Vec<Sponsor>>, ApiError> {
    let sponsors = sponsor::list(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(sponsors))
}

/// One sponsor and what it owes.
#[utoipa::path(get, path = "/sponsors/{id}", tag = "sponsors", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The sponsor", body = Sponsor)),
    extensions(("x-problem-codes" = json!({"404": ["sponsor_not_found"]}))))]
async fn get_sponsor(mut tenant: Tenant, Path(id): Path<Uuid>) -> Result<Json<Sponsor>, ApiError> {
    let sponsor = sponsor::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(sponsor))
}

/// What the sponsor was charged per student and invoice, what it paid,
/// and the running balance.
#[utoipa::path(get, path = "/sponsors/{id}/statement", tag = "sponsors", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The sponsor's statement, oldest first", body = SponsorStatement)),
    extensions(("x-problem-codes" = json!({"404": ["sponsor_not_found"]}))))]
async fn sponsor_statement(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<SponsorStatement>, ApiError> {
    let statement = sponsor::statement(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(statement))
}

/// A sponsor's payments, oldest first, each with the shares it settled and
/// its receipt number.
#[utoipa::path(get, path = "/sponsors/{id}/payments", tag = "sponsors", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "Every payment of the sponsor (not paged: a few a year)", body = Vec<SponsorPayment>)),
    extensions(("x-problem-codes" = json!({"404": ["sponsor_not_found"]}))))]
async fn list_sponsor_payments(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<SponsorPayment>>, ApiError> {
    let payments = sponsor::list_payments(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(payments))
}

/// One sponsor payment with the shares it settled and its receipt number.
#[utoipa::path(get, path = "/sponsor-payments/{id}", tag = "sponsors", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The sponsor payment", body = SponsorPayment)),
    extensions(("x-problem-codes" = json!({"404": ["sponsor_payment_not_found"]}))))]
async fn get_sponsor_payment(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<SponsorPayment>, ApiError> {
    let payment = sponsor::get_payment(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(payment))
}

/// Record a sponsor's payment (BURSAR, ADMIN or OWNER): posted at once,
/// DR 1000 / CR 1150 across the sponsor's open shares, oldest invoice
/// first. More than the sponsor owes is refused (409
/// payment_exceeds_sponsor_balance). With an Idempotency-Key header a
/// retried request gets the first answer.
#[utoipa::path(post, path = "/sponsors/{id}/payments", tag = "sponsors",
    params(SchoolHeader, IdempotencyKeyHeader, ("id" = Uuid, Path)),
    request_body(content = NewSponsorPayment, example = examples::new_sponsor_payment),
    security(("bearer" = [])),
    responses((status = 201, description = "The payment, posted, with the shares it settled (or, replayed under the same Idempotency-Key, the first answer)", body = SponsorPayment)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_amount", "invalid_field", "txn_ref_required", "invalid_paid_at", "invalid_value"],
        "403": ["insufficient_role"],
        "404": ["sponsor_not_found"],
        "409": ["payment_exceeds_sponsor_balance", "duplicate_payment_reference"]
    }))))]
async fn record_sponsor_payment(
    tenant: Tenant,
    key: Option<IdempotencyKey>,
    Path(id): Path<Uuid>,
    Json(new): Json<NewSponsorPayment>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::RecordPayments)?;
    idempotent(
        tenant,
        key,
        &(id, &new),
        StatusCode::CREATED,
        async |tenant: &mut Tenant| {
            let user_id = tenant.user_id;
            Ok(sponsor::record_payment(&mut tenant.tx, user_id, id, &new).await?)
        },
    )
    .await
}
