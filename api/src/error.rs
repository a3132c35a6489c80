//! The api's one error type, answered as RFC 9457 problem details with a
//! stable `code`. Internal errors are logged once with their chain and
//! answered with a generic 500 in the same envelope.

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use shared::error::{Error as DomainError, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Protocol-level problems the domain never sees: a body too large, the
    /// wrong content type, an unknown route.
    #[error("{detail}")]
    Http {
        status: StatusCode,
        code: &'static str,
        detail: String,
    },
    /// The school's share of the server, or the database pool, is in use:
    /// 503 `busy` with Retry-After, never a 500.
    #[error("busy")]
    Busy,
}

impl ApiError {
    pub fn http(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Http {
            status,
            code,
            detail: detail.into(),
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::http(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::http(StatusCode::UNAUTHORIZED, "invalid_token", detail)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Self::Domain(err.into())
    }
}

/// No connection came free within the pool's acquire timeout.
fn pool_exhausted(err: &DomainError) -> bool {
    matches!(err, DomainError::Database(sqlx::Error::PoolTimedOut))
}

/// The problem details body; `code` is the member clients switch on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Rule => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
    }
}

pub fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    let body = Problem {
        kind: format!("urn:schoolops:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: bounded(&detail.into()),
        code: code.to_string(),
    };
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// What the client sent comes back at most 64 characters at a time: a
/// quoted or back-quoted run (serde and our own messages quote the input)
/// is cut there, and the whole detail at 400 characters.
pub(crate) fn bounded(detail: &str) -> String {
    const QUOTED: usize = 64;
    const WHOLE: usize = 400;
    let mut out = String::with_capacity(detail.len().min(WHOLE * 4 + 4));
    let mut open: Option<char> = None;
    let (mut run, mut shown) = (0, 0);
    for c in detail.chars() {
        if shown == WHOLE {
            out.push('…');
            break;
        }
        match open {
            Some(quote) if c == quote => open = None,
            Some(_) => {
                run += 1;
                if run > QUOTED {
                    if run == QUOTED + 1 {
                        out.push('…');
                        shown += 1;
                    }
                    continue;
                }
            }
            None if c == '"' || c == '`' => {
                open = Some(c);
                run = 0;
            }
            None => {}
        }
        out.push(c);
        shown += 1;
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Http {
                status,
                code,
                detail,
            } => problem(status, code, detail),
            ApiError::Domain(DomainError::Client { kind, code, detail }) => {
                problem(status_of(kind), &code, detail)
            }
            ApiError::Busy => crate::guard::busy(
                "busy",
                "the school's requests are using their whole share of the server; try again in a moment",
            ),
            ApiError::Domain(err) if pool_exhausted(&err) => {
                tracing::warn!("no database connection came free in time");
                crate::guard::busy("busy", "the server is busy; try again in a moment")
            }
            ApiError::Domain(internal) => {
                tracing::error!(error = ?anyhow::Error::from(internal), "request failed");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; it has been logged",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bounded;

    #[test]
    fn echoed_input_is_cut_at_64_characters() {
        let long = "X".repeat(5000);
        let detail = format!("unknown variant `{long}`, expected one of `MPESA`, `BANK`");
        let shown = bounded(&detail);
        assert!(shown.contains(&format!("`{}…`", "X".repeat(64))), "{shown}");
        assert!(
            shown.ends_with("expected one of `MPESA`, `BANK`"),
            "{shown}"
        );
        let unquoted = bounded(&"y".repeat(5000));
        assert!(unquoted.chars().count() <= 401);
        assert_eq!(
            bounded("amount must be greater than zero"),
            "amount must be greater than zero"
        );
    }
}
