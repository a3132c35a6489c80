//! /payments/{id}/receipt and /sponsor-payments/{id}/receipt: a posted
//! payment's receipt, as JSON or, with `Accept: application/pdf`, as a
//! printable PDF.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use shared::domain::{
    payment::receipt::{self, Receipt},
    sponsor::receipt::{self as sponsor_receipt, SponsorReceipt},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    error::ApiError,
    extract::{Json, Path, Tenant},
    openapi::SchoolHeader,
    receipt_pdf,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_receipt))
        .routes(routes!(get_sponsor_receipt))
}

/// A payment's receipt (any member): school, student, amount in figures
/// and words, method and reference, allocation per invoice (from the
/// payment's journal entry), credit, balance after, receipt number and
/// date, status (a REVERSED payment's receipt says so). JSON unless the
/// Accept header asks for application/pdf (A5, inline); any other Accept
/// value gets JSON.
#[utoipa::path(get, path = "/payments/{id}/receipt", tag = "payments",
    params(SchoolHeader, ("id" = Uuid, Path),
        ("Accept" = Option<String>, Header, description = "application/pdf for the printable receipt; JSON otherwise")),
    security(("bearer" = [])),
    responses((status = 200, description = "The receipt: JSON, or with Accept: application/pdf an A5 PDF (Content-Disposition inline, named after the receipt number)",
        content((Receipt = "application/json"), (Vec<u8> = "application/pdf")))),
    extensions(("x-problem-codes" = json!({
        "404": ["payment_not_found"],
        "409": ["payment_not_posted"]
    }))))]
async fn get_receipt(
    mut tenant: Tenant,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let receipt = receipt::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    if wants_pdf(&headers) {
        Ok(pdf(&receipt.receipt_no, receipt_pdf::render(&receipt)))
    } else {
        Ok(Json(receipt).into_response())
    }
}

/// A sponsor payment's receipt (any member): school with paybill, "received
/// from" the sponsor with its contact, amount in figures and words, method
/// and reference, allocation per student and invoice (from the payment's
/// journal entry), what the sponsor still owed after it, receipt number
/// (from the RCT series family payments use) and date, status (a REVERSED
/// payment's receipt says so, with date and reason). JSON unless the Accept
/// header asks for application/pdf (A5, inline).
#[utoipa::path(get, path = "/sponsor-payments/{id}/receipt", tag = "sponsors",
    params(SchoolHeader, ("id" = Uuid, Path),
        ("Accept" = Option<String>, Header, description = "application/pdf for the printable receipt; JSON otherwise")),
    security(("bearer" = [])),
    responses((status = 200, description = "The receipt: JSON, or with Accept: application/pdf an A5 PDF (Content-Disposition inline, named after the receipt number)",
        content((SponsorReceipt = "application/json"), (Vec<u8> = "application/pdf")))),
    extensions(("x-problem-codes" = json!({
        "404": ["sponsor_payment_not_found"],
        "409": ["receipt_not_issued"]
    }))))]
async fn get_sponsor_receipt(
    mut tenant: Tenant,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let receipt = sponsor_receipt::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    if wants_pdf(&headers) {
        Ok(pdf(
            &receipt.receipt_no,
            receipt_pdf::render_sponsor(&receipt),
        ))
    } else {
        Ok(Json(receipt).into_response())
    }
}

fn wants_pdf(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/pdf"))
        })
}

fn pdf(receipt_no: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("inline; filename=\"{receipt_no}.pdf\"");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
