//! /fees/structures and /fees/sibling-discount

use axum::http::StatusCode;
use shared::domain::{
    fees::{self, FeeStructure, FeeStructureChanges, NewFeeStructure},
    role::Capability,
    sibling_discount::{self, SetSiblingDiscount, SiblingDiscount},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    error::ApiError,
    extract::{Json, Path, Tenant},
    openapi::{SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_structures, create_structure))
        .routes(routes!(get_structure, update_structure))
        .routes(routes!(
            get_sibling_discount,
            set_sibling_discount,
            remove_sibling_discount
        ))
}

/// The school's sibling discount; null when it has none.
#[utoipa::path(get, path = "/fees/sibling-discount", tag = "fees", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "The rule, or null", body = Option<SiblingDiscount>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn get_sibling_discount(
    mut tenant: Tenant,
) -> Result<Json<Option<SiblingDiscount>>, ApiError> {
    let rule = sibling_discount::get(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(rule))
}

/// Set the sibling discount (BURSAR, ADMIN or OWNER); DELETE turns it off.
/// Children sharing a primary guardian, ACTIVE, ordered by
/// admission date: the `from_child`th and later get `percent` off the
/// compulsory fees (or off `item` only) of every invoice generated from
/// now on, as a negative line ("Sibling discount (2nd child, 10%)").
#[utoipa::path(put, path = "/fees/sibling-discount", tag = "fees", params(SchoolHeader),
    request_body(content = SetSiblingDiscount, example = examples::sibling_discount),
    security(("bearer" = [])), responses((status = 200, description = "The rule as set", body = SiblingDiscount)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_percent", "invalid_from_child", "invalid_field", "invalid_value"],
        "403": ["insufficient_role"],
        "422": ["unknown_fee_item"]
    }))))]
async fn set_sibling_discount(
    mut tenant: Tenant,
    Json(rule): Json<SetSiblingDiscount>,
) -> Result<Json<Option<SiblingDiscount>>, ApiError> {
    tenant.require(Capability::ManageFees)?;
    let rule = sibling_discount::set(&mut tenant.tx, tenant.user_id, Some(&rule)).await?;
    tenant.commit().await?;
    Ok(Json(rule))
}

/// Turn the sibling discount off (BURSAR, ADMIN or OWNER): later
/// generations charge every child in full; issued invoices keep their
/// lines. A request body must be a JSON object, so this is the `null` of
/// PUT. Answers null.
#[utoipa::path(delete, path = "/fees/sibling-discount", tag = "fees", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "null: the school has no sibling discount now", body = Option<SiblingDiscount>)),
    extensions(("x-problem-codes" = json!({"403": ["insufficient_role"]}))))]
async fn remove_sibling_discount(
    mut tenant: Tenant,
) -> Result<Json<Option<SiblingDiscount>>, ApiError> {
    tenant.require(Capability::ManageFees)?;
    let rule = sibling_discount::set(&mut tenant.tx, tenant.user_id, None).await?;
    tenant.commit().await?;
    Ok(Json(rule))
}

/// Fee structures with their items.
#[utoipa::path(get, path = "/fees/structures", tag = "fees", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "Every fee structure with its items (not paged)", body = Vec<FeeStructure>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_structures(mut tenant: Tenant) -> Result<Json<Vec<FeeStructure>>, ApiError> {
    let structures = fees::list(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(structures))
}

/// Define what a level (or every level) pays in a term (or any term) and year (or any year), and
/// how many days after the term starts it falls due (BURSAR, ADMIN or OWNER). Invoices are
/// priced by the most specific structure: level, then term, then year.
#[utoipa::path(post, path = "/fees/structures", tag = "fees", params(SchoolHeader),
    request_body(content = NewFeeStructure, example = examples::new_fee_structure),
    security(("bearer" = [])), responses((status = 201, description = "The fee structure with its items", body = FeeStructure)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_field", "invalid_term", "invalid_due_days", "invalid_items", "invalid_amount", "invalid_value"],
        "403": ["insufficient_role"],
        "409": ["duplicate_fee_structure", "duplicate_fee_item"],
        "422": ["unknown_level", "unknown_account", "not_an_income_account"]
    }))))]
async fn create_structure(
    mut tenant: Tenant,
    Json(new): Json<NewFeeStructure>,
) -> Result<(StatusCode, Json<FeeStructure>), ApiError> {
    tenant.require(Capability::ManageFees)?;
    let structure = fees::create(&mut tenant.tx, tenant.user_id, new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(structure)))
}

/// One fee structure.
#[utoipa::path(get, path = "/fees/structures/{id}", tag = "fees", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The fee structure with its items", body = FeeStructure)),
    extensions(("x-problem-codes" = json!({"404": ["fee_structure_not_found"]}))))]
async fn get_structure(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<FeeStructure>, ApiError> {
    let structure = fees::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(structure))
}

/// Rename a structure, change its due days or replace its items. Issued invoices keep the lines and due date they were issued with.
#[utoipa::path(patch, path = "/fees/structures/{id}", tag = "fees", params(SchoolHeader, ("id" = Uuid, Path)),
    request_body(content = FeeStructureChanges, example = examples::fee_structure_changes), security(("bearer" = [])),
    responses((status = 200, description = "The fee structure as changed", body = FeeStructure)),
    extensions(("x-problem-codes" = json!({
        "400": ["empty_change", "invalid_field", "invalid_due_days", "invalid_items", "invalid_amount", "invalid_value"],
        "403": ["insufficient_role"],
        "404": ["fee_structure_not_found"],
        "409": ["duplicate_fee_item"],
        "422": ["unknown_account", "not_an_income_account"]
    }))))]
async fn update_structure(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
    Json(changes): Json<FeeStructureChanges>,
) -> Result<Json<FeeStructure>, ApiError> {
    tenant.require(Capability::ManageFees)?;
    let structure = fees::update(&mut tenant.tx, tenant.user_id, id, changes).await?;
    tenant.commit().await?;
    Ok(Json(structure))
}
