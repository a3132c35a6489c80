//! /auth: register, login, refresh (rotating), me.

use axum::{extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use shared::auth::{Account, Membership, refresh, user};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    error::ApiError,
    extract::{AuthUser, Json},
    guard::AddressPlace,
    openapi::examples,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh_tokens))
        .routes(routes!(me))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Registration {
    email: String,
    full_name: String,
    password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Credentials {
    email: String,
    password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    refresh_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Tokens {
    access_token: String,
    /// Always "bearer".
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: i64,
    /// Single use: POST /auth/refresh returns the next one.
    refresh_token: String,
    user: Account,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Me {
    user: Account,
    memberships: Vec<Membership>,
}

/// An access token for `account` and a refresh token in `family` (a new
/// family at sign-in, the same family when rotating).
async fn tokens(
    state: &AppState,
    account: Account,
    refresh_token: Option<String>,
) -> Result<Tokens, ApiError> {
    let memberships = user::memberships(&state.pool, account.id).await?;
    let mut roles: Vec<String> = memberships.iter().map(|m| m.role.to_string()).collect();
    roles.sort();
    roles.dedup();
    let active_school_id = match memberships.as_slice() {
        [only] => Some(only.school_id),
        _ => None,
    };
    let access_token = state
        .keys
        .issue(account.id, roles, active_school_id)
        .map_err(shared::Error::Internal)?;
    let refresh_token = match refresh_token {
        Some(token) => token,
        None => {
            let mut tx = state.pool.begin().await?;
            let token =
                refresh::issue(&mut tx, account.id, Uuid::new_v4(), state.refresh_days).await?;
            tx.commit().await?;
            token
        }
    };
    Ok(Tokens {
        access_token,
        token_type: "bearer",
        expires_in: state.keys.lifetime_seconds,
        refresh_token,
        user: account,
    })
}

/// Create an account and sign in.
#[utoipa::path(post, path = "/auth/register", tag = "auth",
    request_body(content = Registration, example = examples::registration),
    responses((status = 201, description = "Registered and signed in", body = Tokens)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_email", "invalid_field", "weak_password"],
        "409": ["email_taken"],
        "429": ["busy"]
    }))))]
async fn register(
    State(state): State<AppState>,
    _place: AddressPlace,
    Json(body): Json<Registration>,
) -> Result<(StatusCode, Json<Tokens>), ApiError> {
    let account = user::register(&state.pool, &body.email, &body.full_name, &body.password).await?;
    Ok((
        StatusCode::CREATED,
        Json(tokens(&state, account, None).await?),
    ))
}

/// Sign in with email and password. Repeated failures lock the account for
/// a short, growing time (at most 15 minutes).
#[utoipa::path(post, path = "/auth/login", tag = "auth",
    request_body(content = Credentials, example = examples::credentials),
    responses((status = 200, description = "Signed in", body = Tokens)),
    extensions(("x-problem-codes" = json!({
        "400": ["invalid_value"],
        "401": ["invalid_credentials"],
        "429": ["account_locked", "busy"]
    }))))]
async fn login(
    State(state): State<AppState>,
    _place: AddressPlace,
    Json(body): Json<Credentials>,
) -> Result<Json<Tokens>, ApiError> {
    let account = user::login(&state.pool, &body.email, &body.password).await?;
    Ok(Json(tokens(&state, account, None).await?))
}

/// Trade a refresh token for a new pair; the old refresh token stops working.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth",
    request_body(content = RefreshRequest, example = examples::refresh_request),
    responses((status = 200, description = "A new access token and the next refresh token", body = Tokens)),
    extensions(("x-problem-codes" = json!({
        "401": ["invalid_refresh_token", "refresh_token_reused", "invalid_token"]
    }))))]
async fn refresh_tokens(
    State(state): State<AppState>,
    _place: AddressPlace,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<Tokens>, ApiError> {
    let (user_id, next) =
        refresh::rotate(&state.pool, body.refresh_token.trim(), state.refresh_days).await?;
    let account = user::find(&state.pool, user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account behind this token no longer exists"))?;
    Ok(Json(tokens(&state, account, Some(next)).await?))
}

/// The caller and their memberships.
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The caller's account and the schools they belong to", body = Me)),
    extensions(("x-problem-codes" = json!({}))))]
async fn me(State(state): State<AppState>, caller: AuthUser) -> Result<Json<Me>, ApiError> {
    let user = user::find(&state.pool, caller.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account behind this token no longer exists"))?;
    let memberships = user::memberships(&state.pool, caller.id).await?;
    Ok(Json(Me { user, memberships }))
}
