//! /reports: the fee office's money reports, JSON by default and CSV (with
//! a header row) for `Accept: text/csv`. The defaulters' CSV streams: rows
//! go out as PostgreSQL sends them, never the whole file in memory.

use std::time::Duration;

use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use futures_util::{StreamExt, stream};
use serde::Serialize;
use shared::domain::{
    report::{
        self,
        aged::{self, AgedFilter, AgedReceivables},
        class_summary::{self, ClassSummary, ClassSummaryFilter},
        collections::{self, Collections, CollectionsFilter},
        defaulters::{self, Defaulter, DefaulterFilter},
    },
    role::Capability,
};
use tokio::sync::mpsc;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::ApiError,
    extract::{Json, Query, Tenant},
    openapi::SchoolHeader,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_defaulters))
        .routes(routes!(aged_receivables))
        .routes(routes!(collections_report))
        .routes(routes!(class_summary_report))
}

/// Whether the client asked for CSV (`Accept: text/csv`); JSON otherwise.
fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|kind| {
            kind.split(';')
                .next()
                .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("text/csv"))
        })
}

fn csv_response(body: Body, name: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A small report's rows as one CSV body.
fn csv_of<'a, T: Serialize + 'a>(
    rows: impl IntoIterator<Item = &'a T>,
    name: &str,
) -> Result<Response, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .serialize(row)
            .map_err(|err| internal(err.to_string()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|err| internal(err.to_string()))?;
    Ok(csv_response(Body::from(bytes), name))
}

/// Rows per chunk of the streamed CSV.
const CHUNK_ROWS: usize = 256;

/// Streams the defaulters as CSV. The body outlives the handler, and so
/// must the tenant transaction it reads in: a task owns the transaction,
/// writes rows into chunks as they arrive and hands them to the body
/// through a small channel (backpressure: a slow client slows the read).
/// It commits when the rows end; if the client goes away, a row fails or
/// the request's deadline passes (the body included), the task stops and
/// the dropped transaction rolls back, and a body already under way ends
/// in an error rather than looking complete.
async fn stream_defaulters(
    mut tenant: Tenant,
    filter: DefaulterFilter,
    as_of: chrono::NaiveDate,
    deadline: Duration,
) -> Result<Response, ApiError> {
    let (sender, mut receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let work = async {
            let mut rows = defaulters::stream(&mut tenant.tx, &filter, as_of);
            // One writer per chunk; only the first writes the header row.
            let writer = |first: bool| {
                csv::WriterBuilder::new()
                    .has_headers(first)
                    .from_writer(Vec::new())
            };
            let mut chunk = writer(true);
            let (mut in_chunk, mut sent_any) = (0, false);
            while let Some(row) = rows.next().await {
                let row = row.map_err(|err| {
                    tracing::error!(error = ?err, "reading defaulters for CSV");
                    std::io::Error::other("the report could not be read")
                })?;
                chunk.serialize(row).map_err(std::io::Error::other)?;
                in_chunk += 1;
                // The first row goes at once, so the client sees the start.
                if in_chunk == CHUNK_ROWS || !sent_any {
                    let full = std::mem::replace(&mut chunk, writer(false));
                    let bytes = full.into_inner().map_err(std::io::Error::other)?;
                    if sender.send(Ok(Bytes::from(bytes))).await.is_err() {
                        return Err(std::io::Error::other("the client went away"));
                    }
                    (in_chunk, sent_any) = (0, true);
                }
            }
            drop(rows);
            if !sent_any {
                // No rows: the header alone.
                chunk
                    .write_record(DEFAULTER_COLUMNS)
                    .map_err(std::io::Error::other)?;
            }
            let rest = chunk.into_inner().map_err(std::io::Error::other)?;
            if !rest.is_empty() && sender.send(Ok(Bytes::from(rest))).await.is_err() {
                return Err(std::io::Error::other("the client went away"));
            }
            Ok(())
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(Ok(())) => {
                if let Err(err) = tenant.commit().await {
                    tracing::warn!(error = ?err, "ending the defaulters' transaction");
                }
            }
            Ok(Err(err)) => {
                let _ = sender.send(Err(err)).await;
            }
            Err(_) => {
                tracing::warn!("the defaulters' CSV ran past the request deadline");
                let _ = sender
                    .send(Err(std::io::Error::other("past the request deadline")))
                    .await;
            }
        }
    });
    // The answer waits for the first chunk (the header and the first row):
    // a report that cannot be read is a 500 problem, not a cut-off body,
    // and the head goes out in one write with it.
    let first = match receiver.recv().await {
        Some(Ok(first)) => first,
        Some(Err(err)) => return Err(internal(err.to_string()).into()),
        None => return Err(internal("the report ended before its header".into()).into()),
    };
    let rest = stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let body = stream::once(async { Ok(first) }).chain(rest);
    Ok(csv_response(Body::from_stream(body), "defaulters"))
}

fn internal(detail: String) -> shared::error::Error {
    shared::error::Error::Internal(anyhow::anyhow!(detail))
}

/// The CSV header when there is no row to take it from.
const DEFAULTER_COLUMNS: [&str; 14] = [
    "student_id",
    "name",
    "admission_no",
    "class_id",
    "class_name",
    "guardian_name",
    "guardian_phone",
    "balance",
    "days_overdue",
    "current",
    "days_1_30",
    "days_31_60",
    "days_61_90",
    "over_90",
];

/// Students whose family owes as of a date (BURSAR, ADMIN, OWNER or
/// VIEWER), largest balance first (then admission number), with the primary
/// guardian, days overdue (since the oldest unpaid invoice's due date) and
/// what is open by age. `Accept: text/csv` streams the same rows as CSV.
#[utoipa::path(get, path = "/reports/defaulters", tag = "reports", params(SchoolHeader, DefaulterFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "Every student who owes, largest balance first (not paged); CSV with a header row for Accept: text/csv",
        content((Vec<Defaulter> = "application/json"), (String = "text/csv")))),
    extensions(("x-problem-codes" = json!({"403": ["insufficient_role"]}))))]
async fn list_defaulters(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut tenant: Tenant,
    Query(filter): Query<DefaulterFilter>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::ReadReports)?;
    let as_of = filter.as_of.unwrap_or_else(report::today);
    if wants_csv(&headers) {
        let deadline = state.guard.limits.request_timeout;
        report::make_room(&mut tenant.tx).await?;
        return stream_defaulters(tenant, filter, as_of, deadline).await;
    }
    let rows = defaulters::list(&mut tenant.tx, &filter, as_of).await?;
    tenant.commit().await?;
    Ok(Json(rows).into_response())
}

/// What is open on invoices as of a date, per class and by age from each
/// invoice's due date (BURSAR, ADMIN, OWNER or VIEWER); the total equals
/// account 1100 that day. CSV: the classes, then a Total row.
#[utoipa::path(get, path = "/reports/aged-receivables", tag = "reports", params(SchoolHeader, AgedFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "Receivables per class by age, with the total and 1100's balance; CSV for Accept: text/csv",
        content((AgedReceivables = "application/json"), (String = "text/csv")))),
    extensions(("x-problem-codes" = json!({"403": ["insufficient_role"]}))))]
async fn aged_receivables(
    headers: HeaderMap,
    mut tenant: Tenant,
    Query(filter): Query<AgedFilter>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::ReadReports)?;
    let as_of = filter.as_of.unwrap_or_else(report::today);
    let aged = aged::report(&mut tenant.tx, as_of).await?;
    tenant.commit().await?;
    if wants_csv(&headers) {
        return csv_of(aged.classes.iter().chain([&aged.total]), "aged-receivables");
    }
    Ok(Json(aged).into_response())
}

/// Money received from `from` to `to` (days in Nairobi, inclusive), by
/// day, method, fee item or class (BURSAR, ADMIN, OWNER or VIEWER). The
/// total is the posted payments paid in the range, families' and sponsors';
/// a payment reversed since is left out. By class, a sponsor's payment
/// counts under each class of the pupils it paid for. By item, each payment's share of an invoice is split pro
/// rata over its lines (cents to the largest remainders) and credit is
/// "Credit (unallocated)". CSV: the groups, then a Total row.
#[utoipa::path(get, path = "/reports/collections", tag = "reports", params(SchoolHeader, CollectionsFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "Money received per group, with the total; CSV for Accept: text/csv",
        content((Collections = "application/json"), (String = "text/csv")))),
    extensions(("x-problem-codes" = json!({"400": ["invalid_range"], "403": ["insufficient_role"]}))))]
async fn collections_report(
    headers: HeaderMap,
    mut tenant: Tenant,
    Query(filter): Query<CollectionsFilter>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::ReadReports)?;
    let collected = collections::report(&mut tenant.tx, &filter).await?;
    tenant.commit().await?;
    if wants_csv(&headers) {
        let total = collections::CollectionRow {
            group: "Total".into(),
            payments: collected.payments,
            amount: collected.total,
        };
        return csv_of(collected.groups.iter().chain([&total]), "collections");
    }
    Ok(Json(collected).into_response())
}

/// A term's invoices per class: invoiced, credited, sponsored, collected
/// and outstanding (BURSAR, ADMIN, OWNER or VIEWER). CSV: the classes, then
/// a Total row.
#[utoipa::path(get, path = "/reports/class-summary", tag = "reports", params(SchoolHeader, ClassSummaryFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "The term per class, with the total; CSV for Accept: text/csv",
        content((ClassSummary = "application/json"), (String = "text/csv")))),
    extensions(("x-problem-codes" = json!({"400": ["invalid_term"], "403": ["insufficient_role"]}))))]
async fn class_summary_report(
    headers: HeaderMap,
    mut tenant: Tenant,
    Query(filter): Query<ClassSummaryFilter>,
) -> Result<Response, ApiError> {
    tenant.require(Capability::ReadReports)?;
    let summary = class_summary::report(&mut tenant.tx, &filter).await?;
    tenant.commit().await?;
    if wants_csv(&headers) {
        return csv_of(
            summary.classes.iter().chain([&summary.total]),
            "class-summary",
        );
    }
    Ok(Json(summary).into_response())
}
