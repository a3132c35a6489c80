//! /payments: recorded at once (PENDING), posted to the ledger by the worker.

use axum::{
    extract::OriginalUri,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use shared::{
    commands,
    domain::{
        payment::{self, NewPayment, Payment, PaymentFilter},
        role::Capability,
    },
    idempotency,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::paged::paged;
use crate::{
    AppState,
    error::ApiError,
    extract::{IdempotencyKey, Json, PageRequest, Path, Query, Tenant},
    openapi::{PageParams, SchoolHeader, TenantErrors},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_payments, record_payment))
        .routes(routes!(get_payment))
}

/// Record a payment (BURSAR, ADMIN or OWNER). Answers 201 with
/// posting_status PENDING; the worker posts it. With an Idempotency-Key
/// header a retried request gets the first answer.
#[utoipa::path(post, path = "/payments", tag = "payments", request_body = NewPayment,
    params(SchoolHeader, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first answer")),
    security(("bearer" = [])), responses((status = 201, body = Payment), TenantErrors))]
async fn record_payment(
    mut tenant: Tenant,
    key: Option<IdempotencyKey>,
    Json(new): Json<NewPayment>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::RecordPayments)?;
    let key = key.map(|IdempotencyKey(key)| key);
    let hash = idempotency::fingerprint(&new);
    if let Some(key) = &key
        && let Some(stored) =
            idempotency::replay(&mut tenant.tx, tenant.user_id, key, &hash).await?
    {
        tenant.commit().await?;
        let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
        return Ok((status, Json(stored.body)).into_response());
    }
    let actor = tenant.actor();
    let payment = commands::payments::record(&mut tenant.tx, actor, &new, None).await?;
    if let Some(key) = &key {
        idempotency::remember(
            &mut tenant.tx,
            tenant.user_id,
            key,
            &hash,
            StatusCode::CREATED.as_u16(),
            &payment,
        )
        .await?;
    }
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(payment)).into_response())
}

/// Payments, filtered by student or invoice.
#[utoipa::path(get, path = "/payments", tag = "payments", params(SchoolHeader, PaymentFilter, PageParams),
    security(("bearer" = [])), responses((status = 200, body = Vec<Payment>), TenantErrors))]
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
    security(("bearer" = [])), responses((status = 200, body = Payment), TenantErrors))]
async fn get_payment(mut tenant: Tenant, Path(id): Path<Uuid>) -> Result<Json<Payment>, ApiError> {
    let payment = payment::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(payment))
}
