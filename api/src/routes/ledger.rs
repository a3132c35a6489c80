//! /ledger: the chart with balances, the journal, the trial balance.

use axum::{extract::OriginalUri, response::Response};
use shared::domain::ledger::{self, AccountBalance, JournalEntry, TrialBalance};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::paged::paged;
use crate::{
    AppState,
    error::ApiError,
    extract::{Json, PageRequest, Tenant},
    openapi::{PageParams, SchoolHeader},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts))
        .routes(routes!(list_journal))
        .routes(routes!(get_trial_balance))
}

/// The chart of accounts with balances.
#[utoipa::path(get, path = "/ledger/accounts", tag = "ledger", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "Every account with its balance (not paged)", body = Vec<AccountBalance>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_accounts(mut tenant: Tenant) -> Result<Json<Vec<AccountBalance>>, ApiError> {
    let accounts = ledger::accounts(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(accounts))
}

/// Journal entries with their lines, newest first.
#[utoipa::path(get, path = "/ledger/journal", tag = "ledger", params(SchoolHeader, PageParams), security(("bearer" = [])),
    responses((status = 200, description = "A page of journal entries with their lines, newest first", body = Vec<JournalEntry>)),
    extensions(("x-problem-codes" = json!({}))))]
async fn list_journal(
    mut tenant: Tenant,
    uri: OriginalUri,
    PageRequest(page): PageRequest,
) -> Result<Response, ApiError> {
    let page = ledger::journal(&mut tenant.tx, page).await?;
    tenant.commit().await?;
    Ok(paged(page, &uri))
}

/// Debits, credits and balance per account; total debits equal total credits.
#[utoipa::path(get, path = "/ledger/trial-balance", tag = "ledger", params(SchoolHeader), security(("bearer" = [])),
    responses((status = 200, description = "The trial balance; `balanced` is true when debits equal credits", body = TrialBalance)),
    extensions(("x-problem-codes" = json!({}))))]
async fn get_trial_balance(mut tenant: Tenant) -> Result<Json<TrialBalance>, ApiError> {
    let trial = ledger::trial_balance(&mut tenant.tx).await?;
    tenant.commit().await?;
    Ok(Json(trial))
}
