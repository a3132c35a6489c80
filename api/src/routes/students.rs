//! /students

use axum::{extract::OriginalUri, http::StatusCode, response::Response};
use shared::domain::{
    role::Capability,
    statement::{self, Statement},
    student::{self, NewStudent, Student, StudentChanges, StudentDetail, StudentFilter},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::paged::paged;
use crate::{
    AppState,
    error::ApiError,
    extract::{Json, PageRequest, Path, Query, Tenant},
    openapi::{PageParams, SchoolHeader, examples},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_students, create_student))
        .routes(routes!(get_student, update_student))
        .routes(routes!(student_statement))
}

/// Every charge and payment of the student, oldest first, with the running
/// balance across terms.
#[utoipa::path(get, path = "/students/{id}/statement", tag = "students", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The statement: charges and payments with the running balance", body = Statement)),
    extensions(("x-problem-codes" = json!({"404": ["student_not_found"]}))))]
async fn student_statement(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<Statement>, ApiError> {
    let statement = statement::for_student(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(statement))
}

/// Enrol a student, with an existing primary guardian or a new one inline.
#[utoipa::path(post, path = "/students", tag = "students", params(SchoolHeader),
    request_body(content = NewStudent, example = examples::new_student),
    security(("bearer" = [])), responses((status = 201, description = "The student with guardians and balance", body = StudentDetail)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_admission_no", "invalid_field", "invalid_email", "invalid_date_of_birth", "ambiguous_guardian"],
        "403": ["insufficient_role"],
        "409": ["duplicate_admission_no", "duplicate_upi_no", "duplicate_knec_no", "duplicate_birth_cert_no"],
        "422": ["unknown_class", "unknown_guardian"]
    }))))]
async fn create_student(
    mut tenant: Tenant,
    Json(new): Json<NewStudent>,
) -> Result<(StatusCode, Json<StudentDetail>), ApiError> {
    tenant.require(Capability::ManageEnrolment)?;
    let student = student::create(&mut tenant.tx, tenant.user_id, new).await?;
    tenant.commit().await?;
    Ok((StatusCode::CREATED, Json(student)))
}

/// Students, filtered by class, status or a search on admission number and name.
#[utoipa::path(get, path = "/students", tag = "students", params(SchoolHeader, StudentFilter, PageParams),
    security(("bearer" = [])), responses((status = 200, description = "A page of matching students, by id", body = Vec<Student>)),
    extensions(("x-problem-codes" = json!({"400": ["invalid_value"]}))))]
async fn list_students(
    mut tenant: Tenant,
    uri: OriginalUri,
    Query(filter): Query<StudentFilter>,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = student::list(&mut tenant.tx, filter, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// One student with guardians and balance.
#[utoipa::path(get, path = "/students/{id}", tag = "students", params(SchoolHeader, ("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The student with guardians and balance", body = StudentDetail)),
    extensions(("x-problem-codes" = json!({"404": ["student_not_found"]}))))]
async fn get_student(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
) -> Result<Json<StudentDetail>, ApiError> {
    let student = student::get(&mut tenant.tx, id).await?;
    tenant.commit().await?;
    Ok(Json(student))
}

/// Correct a student's record: any of names, gender, date of birth, class
/// (or none), status, UPI number and primary guardian (linked if not yet),
/// with the rules of enrolment. One audit row holds the record before and
/// after; a PATCH that changes nothing answers the student and writes none.
#[utoipa::path(patch, path = "/students/{id}", tag = "students", params(SchoolHeader, ("id" = Uuid, Path)),
    request_body(content = StudentChanges, example = examples::student_changes), security(("bearer" = [])),
    responses((status = 200, description = "The student as changed", body = StudentDetail)),
    extensions(("x-problem-codes" = json!({
        "400": ["empty_change", "invalid_field", "invalid_date_of_birth"],
        "403": ["insufficient_role"],
        "404": ["student_not_found"],
        "409": ["duplicate_upi_no"],
        "422": ["unknown_class", "unknown_guardian"]
    }))))]
async fn update_student(
    mut tenant: Tenant,
    Path(id): Path<Uuid>,
    Json(changes): Json<StudentChanges>,
) -> Result<Json<StudentDetail>, ApiError> {
    tenant.require(Capability::ManageEnrolment)?;
    let student = student::update(&mut tenant.tx, tenant.user_id, id, changes).await?;
    tenant.commit().await?;
    Ok(Json(student))
}
