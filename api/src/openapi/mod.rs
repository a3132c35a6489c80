//! The OpenAPI document's shared pieces: the bearer scheme, the parameters
//! many operations read (X-School-ID, `limit`/`after`, Idempotency-Key,
//! Prefer), the answer of an operation-starting POST, and the modifiers
//! that finish each operation from what it declares.
//!
//! An operation's annotation says what is particular to it: a description
//! on every response, an `example` on its request body (`examples`), and
//! the problem codes its own code paths answer, by status:
//!
//! ```text
//! extensions(("x-problem-codes" = json!({"409": ["duplicate_class"], "422": ["unknown_level"]})))
//! ```
//!
//! `problems::ProblemResponses` adds the codes its shape implies (a body, a
//! path id, X-School-ID, a bearer token, `limit`, Idempotency-Key) and
//! writes one problem+json response per status, each listing its codes in
//! its description and in `x-problem-codes`; `PagedLinks` documents `Link`
//! on the 200 of every list that reads `limit`. An operation without
//! `x-problem-codes` keeps only the responses it lists, and
//! api/tests/api/openapi_contract.rs fails on it.

pub mod examples;
mod problems;

use utoipa::{
    IntoParams, IntoResponses, Modify, OpenApi,
    openapi::{
        header::HeaderBuilder,
        path::ParameterIn,
        schema::{ObjectBuilder, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use uuid::Uuid;

use problems::ProblemResponses;
use shared::domain::operation::Operation;

use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(title = "SchoolOps API", description = "School operations for Kenyan CBC schools: schools, classes, students, guardians, fees.\n\n\
        Errors are `application/problem+json` with a stable `code`; each error response lists the codes that operation can answer \
        (also as `x-problem-codes`, on the response and, by status, on the operation). Lists are bare arrays paged with `limit` and \
        `after`, with `Link: <...>; rel=\"next\"` while more remain."),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth"), (name = "schools"), (name = "members"), (name = "calendar"), (name = "classes"),
        (name = "guardians"), (name = "students"), (name = "fees"), (name = "invoices"), (name = "payments"), (name = "sponsors"), (name = "notifications"), (name = "chat"), (name = "reminders"),
        (name = "ledger"), (name = "reports"), (name = "operations"), (name = "events"), (name = "operations side")
    )
)]
pub struct ApiDoc;

/// The document of every merged route, finished: the modifiers that read
/// the operations run here, once the routes are in (`ApiDoc`'s own
/// modifiers run before any route is merged).
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    ProblemResponses.modify(&mut api);
    PagedLinks.modify(&mut api);
    api
}

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

/// Every operation of a path item, with its method.
fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (&'static str, &mut utoipa::openapi::path::Operation)> {
    [
        ("GET", &mut item.get),
        ("PUT", &mut item.put),
        ("POST", &mut item.post),
        ("DELETE", &mut item.delete),
        ("PATCH", &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|op| (method, op)))
}

/// `Link` on the 200 of every operation that reads `limit`: `paged()`
/// sends it while more rows remain.
struct PagedLinks;

impl Modify for PagedLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for (_, operation) in operations_mut(item) {
                let pages = operation.parameters.iter().flatten().any(|parameter| {
                    matches!(parameter, utoipa::openapi::RefOr::T(p)
                        if p.name == "limit" && p.parameter_in == ParameterIn::Query)
                });
                let Some(utoipa::openapi::RefOr::T(ok)) =
                    operation.responses.responses.get_mut("200")
                else {
                    continue;
                };
                if pages {
                    ok.headers.insert(
                        "Link".into(),
                        utoipa::openapi::RefOr::T(
                            HeaderBuilder::new()
                                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                                .description(Some(
                                    "`<path?...&after=<last id>>; rel=\"next\"` while more rows remain; absent on the last page.",
                                ))
                                .build(),
                        ),
                    );
                }
            }
        }
    }
}

/// The school a tenant request acts in.
#[derive(IntoParams)]
#[into_params(names("X-School-ID"), parameter_in = Header)]
pub struct SchoolHeader(
    /// The id of the school to act in; the caller must be a member.
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
    /// Rows per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The id of the last row of the previous page (from `Link`).
    pub after: Option<Uuid>,
}

/// `Idempotency-Key`: read by the `IdempotencyKey` extractor.
#[derive(IntoParams)]
#[into_params(names("Idempotency-Key"), parameter_in = Header)]
pub struct IdempotencyKeyHeader(
    /// 1 to 255 visible ASCII characters, chosen by the client per request.
    /// A retry with the same key and body gets the first answer again (with
    /// its status), and records nothing new; the same key with another body
    /// is 422 `idempotency_key_reused`; while the first request is still
    /// running, 409 `idempotency_key_in_use`. Keys are the caller's own.
    #[param(pattern = "^[!-~]{1,255}$", example = "pay-QKH94M1Z11")]
    #[expect(
        dead_code,
        reason = "documents the header; the IdempotencyKey extractor reads it"
    )]
    Option<String>,
);

/// `Prefer: wait=N` (RFC 7240), honoured by every operation-starting POST.
#[derive(IntoParams)]
#[into_params(names("Prefer"), parameter_in = Header)]
pub struct PreferWait(
    /// `wait=N`: hold the answer up to N seconds (at most 60) for the
    /// operation to finish. Finished in time: 200 with the finished
    /// operation; otherwise 202 as without it. Either way
    /// `Preference-Applied: wait=N` says it was read. Other preferences are
    /// ignored.
    #[param(example = "wait=10")]
    #[expect(
        dead_code,
        reason = "documents the header; routes::operations::accepted reads it"
    )]
    Option<String>,
);

/// The answer of a POST that starts an operation
/// (`routes::operations::accepted`).
#[derive(IntoResponses)]
#[expect(
    dead_code,
    reason = "documentation only: handlers answer with accepted()"
)]
pub enum OperationStarted {
    /// Queued (or still running when `Prefer: wait` ran out): poll
    /// `Location`, or watch `operation.updated` on GET /events.
    #[response(
        status = 202,
        headers(
            ("Location" = String, description = "`/operations/{id}`: the operation to poll"),
            ("Preference-Applied" = String, description = "`wait=N` when `Prefer: wait=N` was read")
        )
    )]
    Accepted(Operation),
    /// Finished within `Prefer: wait=N`: the operation as it ended
    /// (`succeeded` or `failed`, with its result or error).
    #[response(
        status = 200,
        headers(
            ("Location" = String, description = "`/operations/{id}`: the operation, for reading again later"),
            ("Preference-Applied" = String, description = "`wait=N`, the wait that was applied")
        )
    )]
    Finished(Operation),
}
