//! A list answer: a bare JSON array, with `Link: <...>; rel="next"` when
//! more rows remain.

use axum::{
    extract::OriginalUri,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use shared::page::Page;

pub fn paged<T: Serialize>(page: Page<T>, uri: &OriginalUri) -> Response {
    let mut response = axum::Json(page.rows).into_response();
    if let Some(after) = page.next_after {
        let mut query: Vec<&str> = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("after="))
            .collect();
        let after = format!("after={after}");
        query.push(&after);
        let link = format!("<{}?{}>; rel=\"next\"", uri.path(), query.join("&"));
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response
}
