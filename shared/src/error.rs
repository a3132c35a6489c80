//! The domain's one error type. Client errors carry a kind and a stable
//! machine code; the api maps the kind to an HTTP status. Database errors
//! become `Error` in `db::constraints`, which owns the table of named
//! constraints: that module depends on this one, never the reverse.

use std::borrow::Cow;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or a value is invalid (400).
    Invalid,
    /// The caller could not be authenticated (401).
    Unauthenticated,
    /// Authenticated, but not allowed (403).
    Forbidden,
    /// No such row visible to the caller (404).
    NotFound,
    /// The write collides with existing state (409).
    Conflict,
    /// Well-formed, but breaks a domain rule (422).
    Rule,
    /// Too many attempts; try later (429).
    TooMany,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{detail}")]
    Client {
        kind: ErrorKind,
        code: Cow<'static, str>,
        detail: String,
    },
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn client(kind: ErrorKind, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Client {
            kind,
            code: Cow::Borrowed(code),
            detail: detail.into(),
        }
    }

    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        Self::client(ErrorKind::Invalid, code, detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::client(ErrorKind::Conflict, code, detail)
    }

    pub fn rule(code: &'static str, detail: impl Into<String>) -> Self {
        Self::client(ErrorKind::Rule, code, detail)
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::client(ErrorKind::Forbidden, code, detail)
    }

    pub fn unauthenticated(code: &'static str, detail: impl Into<String>) -> Self {
        Self::client(ErrorKind::Unauthenticated, code, detail)
    }

    /// `entity` is the school's word for the thing: "student", "class".
    pub fn not_found(entity: &'static str) -> Self {
        Self::Client {
            kind: ErrorKind::NotFound,
            code: Cow::Owned(format!("{}_not_found", entity.replace(' ', "_"))),
            detail: format!("no such {entity} in this school"),
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Client { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Client { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}
