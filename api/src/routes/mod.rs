//! One module per resource, each exposing `router()`; merged here.

mod adjustments;
mod auth;
mod calendar;
mod chats;
mod classes;
mod credit_notes;
mod docs;
mod events;
mod fees;
mod guardians;
mod health;
mod invitations;
mod invoices;
mod ledger;
mod members;
mod metrics;
mod notifications;
mod operations;
mod paged;
mod payments;
mod receipts;
mod refunds;
mod reminders;
mod reports;
mod schools;
mod sponsors;
mod students;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    AppState,
    openapi::{self, ApiDoc},
};

pub fn all() -> Router<AppState> {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(schools::router())
        .merge(members::router())
        .merge(invitations::router())
        .merge(calendar::router())
        .merge(classes::router())
        .merge(guardians::router())
        .merge(students::router())
        .merge(fees::router())
        .merge(invoices::router())
        .merge(credit_notes::router())
        .merge(payments::router())
        .merge(receipts::router())
        .merge(refunds::router())
        .merge(adjustments::router())
        .merge(sponsors::router())
        .merge(ledger::router())
        .merge(reports::router())
        .merge(notifications::router())
        .merge(chats::router())
        .merge(reminders::router())
        .merge(operations::router())
        .merge(events::router())
        .merge(health::router())
        .merge(metrics::router())
        .split_for_parts();
    router.merge(docs::router(openapi::finish(api)))
}
