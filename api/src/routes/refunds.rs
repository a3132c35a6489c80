//! /students/{id}/refunds: paying a student's credit back out.

use axum::{http::StatusCode, response::Response};
use shared::domain::{
    refund::{self, NewRefund, Refund},
    role::Capability,
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
    OpenApiRouter::new().routes(routes!(list_refunds, record_refund))
}

/// Refund a student's credit (BURSAR, ADMIN or OWNER): DR 2000 / CR 1000,
/// at most the credit the school holds for the student. With an
/// Idempotency-Key header a retried request gets the first answer.
#[utoipa::path(post, path = "/students/{id}/refunds", tag = "students",
    params(SchoolHeader, IdempotencyKeyHeader, ("id" = Uuid, Path)),
    request_body(content = NewRefund, example = examples::new_refund),
    security(("bearer" = [])),
    responses((status = 201, description = "The refund, posted (or, replayed under the same Idempotency-Key, the first answer)", body = Refund)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_amount", "invalid_field", "txn_ref_required", "invalid_value"],
        "403": ["insufficient_role"],
        "404": ["student_not_found"],
        "409": ["refund_exceeds_credit", "duplicate_refund_reference"]
    }))))]
async fn record_refund(
    tenant: Tenant,
    key: Option<IdempotencyKey>,
    Path(id): Path<Uuid>,
    Json(new): Json<NewRefund>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::RecordPayments)?;
    idempotent(
        tenant,
        key,
        &(id, &new),
        StatusCode::CREATED,
        async |tenant: &mut Tenant| {
            let user_id = tenant.user_id;
            Ok(refund::record(&mut tenant.tx, user_id, id, &new).await?)
        },
    )
    .await
}

/// The student's refunds, oldest first.
#[utoipa::path(get, path = "/students/{id}/refunds", tag = "students", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The student's refunds, oldest first", body = Vec<Refund>)),
    extensions(("x-problem-codes" = json!({"404": ["student_not_found"]}))))]
async fn list_refunds(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<Refund>>, ApiError> {
    let refunds = refund::for_student(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(refunds))
}
