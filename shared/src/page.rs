//! Keyset pagination for lists: `?limit=` (default 50, at most 500) and
//! `?after=<last id>`.

use uuid::Uuid;

use crate::error::{Error, Result};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Uuid>,
}

impl PageRequest {
    pub fn new(limit: Option<i64>, after: Option<Uuid>) -> Result<Self> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid(
                "invalid_limit",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            ));
        }
        Ok(Self { limit, after })
    }

    /// Rows to fetch: one more than the page, to know whether more remain.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

/// One page of rows and whether another follows.
#[derive(Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next_after: Option<Uuid>,
}

impl<T> Page<T> {
    pub fn from_rows(mut rows: Vec<T>, request: PageRequest, id: impl Fn(&T) -> Uuid) -> Self {
        let more = rows.len() as i64 > request.limit;
        rows.truncate(request.limit as usize);
        let next_after = if more { rows.last().map(id) } else { None };
        Self { rows, next_after }
    }
}
