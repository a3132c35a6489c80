//! Pieces of the OpenAPI document shared by every route module.

use utoipa::{
    IntoParams, IntoResponses, Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use uuid::Uuid;

use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(title = "SchoolOps API", description = "School operations for Kenyan CBC schools: schools, classes, students, guardians, fees."),
    modifiers(&BearerAuth),
    tags(
        (name = "auth"), (name = "schools"), (name = "members"), (name = "calendar"), (name = "classes"),
        (name = "guardians"), (name = "students"), (name = "fees"), (name = "invoices"), (name = "payments"), (name = "notifications"), (name = "chat"), (name = "reminders"),
        (name = "ledger"), (name = "operations"), (name = "events"), (name = "operations side")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The school a tenant request acts in.
#[derive(IntoParams)]
#[into_params(names("X-School-ID"), parameter_in = Header)]
pub struct SchoolHeader(
    #[expect(
        dead_code,
        reason = "documents the header; the Tenant extractor reads it"
    )]
    Uuid,
);

/// Keyset pagination: `limit` (1..500, default 50) and `after` (the last id
/// seen). Read by the `PageRequest` extractor; listed in each list
/// operation's `params`.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub after: Option<Uuid>,
}

/// The errors any tenant route can answer.
#[derive(IntoResponses)]
#[expect(
    dead_code,
    reason = "documentation only: handlers answer with ApiError"
)]
pub enum TenantErrors {
    #[response(
        status = 400,
        description = "Invalid input or X-School-ID missing",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "Missing or invalid token",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 403,
        description = "Not a member, or the role may not do this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such record in this school",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Conflicts with an existing record",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 413,
        description = "Body too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 415,
        description = "Body is not JSON",
        content_type = "application/problem+json"
    )]
    NotJson(Problem),
    #[response(
        status = 422,
        description = "Breaks a rule of the school's data",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
}

/// The errors a route without a school can answer.
#[derive(IntoResponses)]
#[expect(
    dead_code,
    reason = "documentation only: handlers answer with ApiError"
)]
pub enum PublicErrors {
    #[response(
        status = 400,
        description = "Invalid input",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "Missing or invalid credentials",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 409,
        description = "Conflicts with an existing record",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 413,
        description = "Body too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 415,
        description = "Body is not JSON",
        content_type = "application/problem+json"
    )]
    NotJson(Problem),
    #[response(
        status = 429,
        description = "Too many failed attempts",
        content_type = "application/problem+json"
    )]
    TooMany(Problem),
}
