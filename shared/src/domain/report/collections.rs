//! Collections: the money received between two dates, grouped by day,
//! method, fee item or class: families' payments that stand POSTED and
//! sponsors' payments (a county bursary's cheque is money in too). A
//! payment reversed since is left out whole (no negative row), so the
//! total is always the posted payments whose `paid_at` falls in the range.
//!
//! By fee item, what a payment applied to an invoice (its 1100 credit line,
//! or a sponsor's 1150 line)
//! is split across that invoice's lines pro rata to their amounts: each
//! share is cut to the cent and the cents left over go one each to the
//! lines with the largest remainders (ties: line name, then line id), so
//! the shares add up exactly. What went to the student's credit (its 2000
//! line) is the group "Credit (unallocated)".

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::{NO_CLASS, end_of_day};
use crate::{
    domain::money::Money,
    error::{Error, Result},
};

/// The group of money put on a student's credit rather than an invoice.
pub const UNALLOCATED: &str = "Credit (unallocated)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// The day paid, in Nairobi (YYYY-MM-DD).
    Day,
    /// MPESA, CASH, BANK or CHEQUE.
    Method,
    /// The invoice line's name (Tuition, Lunch, ...), and "Credit (unallocated)".
    Item,
    /// The student's class now, or "No class".
    Class,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CollectionsFilter {
    /// The first day (Nairobi time), inclusive.
    pub from: NaiveDate,
    /// The last day (Nairobi time), inclusive; not before `from`.
    pub to: NaiveDate,
    /// day (the default), method, item or class.
    #[param(inline)]
    pub group_by: Option<GroupBy>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CollectionRow {
    /// The day, method, item or class name.
    pub group: String,
    /// Payments with money in this group.
    pub payments: i64,
    pub amount: Money,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Collections {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: GroupBy,
    pub groups: Vec<CollectionRow>,
    /// The posted payments (families' and sponsors') paid in the range: equals the groups' sum.
    pub total: Money,
    pub payments: i64,
}

/// `paid`: the money received with `paid_at` in [$1, $2] (days, Nairobi):
/// families' payments that stand POSTED (with their student) and sponsors'
/// payments not reversed (no one student: see `MOVED`), each with the
/// journal source of its entry.
fn paid() -> String {
    format!(
        "paid AS (
             SELECT p.school_id, p.id, p.student_id, p.method, p.amount, p.paid_at, 'payment' AS source
               FROM payments p
              WHERE p.posting_status = 'POSTED'
                AND p.paid_at >= ($1::date::timestamp AT TIME ZONE 'Africa/Nairobi')
                AND p.paid_at < {end}
             UNION ALL
             SELECT sp.school_id, sp.id, NULL::uuid, sp.method, sp.amount, sp.paid_at, 'sponsor_payment'
               FROM sponsor_payments sp
              WHERE sp.reversed_at IS NULL
                AND sp.paid_at >= ($1::date::timestamp AT TIME ZONE 'Africa/Nairobi')
                AND sp.paid_at < {end})",
        end = end_of_day!("$2")
    )
}

/// `moved`: where each payment's money went, from its own journal entry:
/// a family's lines that settle invoices (1100) or become credit (2000),
/// and a sponsor's (1150), each naming its student (and invoice). They add
/// up to the payment.
const MOVED: &str = "moved AS (
         SELECT paid.school_id, paid.id AS payment_id, paid.source, l.student_id, l.invoice_id, a.code,
                l.credit AS amount
           FROM paid
           JOIN journal_entries e ON e.school_id = paid.school_id AND e.source_type = 'payment' AND e.source_id = paid.id
           JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
          WHERE paid.source = 'payment' AND a.code IN ('1100', '2000') AND l.credit > 0
         UNION ALL
         SELECT paid.school_id, paid.id, paid.source, l.student_id, l.invoice_id, a.code, l.credit
           FROM paid
           JOIN journal_entries e ON e.school_id = paid.school_id AND e.source_type = 'sponsor_payment' AND e.source_id = paid.id
           JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
           JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
          WHERE paid.source = 'sponsor_payment' AND a.code = '1150' AND l.credit > 0)";

fn grouped(group_by: GroupBy) -> sqlx::AssertSqlSafe<String> {
    let paid = paid();
    match group_by {
        GroupBy::Day => crate::sql!(
            "WITH {paid}
             SELECT to_char(paid_at AT TIME ZONE 'Africa/Nairobi', 'YYYY-MM-DD') AS \"group\",
                    count(*) AS payments, sum(amount)::numeric(14,2) AS amount
               FROM paid GROUP BY 1 ORDER BY 1"
        ),
        GroupBy::Method => crate::sql!(
            "WITH {paid}
             SELECT method AS \"group\", count(*) AS payments, sum(amount)::numeric(14,2) AS amount
               FROM paid GROUP BY 1 ORDER BY 1"
        ),
        // A family's payment under its student's class; a sponsor's under
        // each class of the pupils it paid for.
        GroupBy::Class => crate::sql!(
            "WITH {paid}, {MOVED},
             received AS (
                 SELECT school_id, id AS payment_id, student_id, amount FROM paid WHERE source = 'payment'
                 UNION ALL
                 SELECT school_id, payment_id, student_id, amount FROM moved WHERE source = 'sponsor_payment')
             SELECT coalesce(c.name, '{NO_CLASS}') AS \"group\", count(DISTINCT r.payment_id) AS payments,
                    sum(r.amount)::numeric(14,2) AS amount
               FROM received r
               JOIN students s ON s.school_id = r.school_id AND s.id = r.student_id
               LEFT JOIN classes c ON c.school_id = s.school_id AND c.id = s.class_id
              GROUP BY 1 ORDER BY 1"
        ),
        GroupBy::Item => crate::sql!(
            "WITH {paid}, {MOVED},
             shares AS (
                 SELECT m.payment_id, m.invoice_id, m.amount AS applied, il.id AS line_id, il.name,
                        m.amount * il.amount / i.total AS exact
                   FROM moved m
                   JOIN invoices i ON i.school_id = m.school_id AND i.id = m.invoice_id
                   JOIN invoice_lines il ON il.school_id = i.school_id AND il.invoice_id = i.id
                  WHERE m.code IN ('1100', '1150') AND i.total > 0),
             split AS (
                 SELECT payment_id, name,
                        trunc(exact, 2) + CASE
                            WHEN row_number() OVER (PARTITION BY payment_id, invoice_id
                                                    ORDER BY exact - trunc(exact, 2) DESC, name, line_id)
                                 <= (applied - sum(trunc(exact, 2)) OVER (PARTITION BY payment_id, invoice_id)) * 100
                            THEN 0.01 ELSE 0 END AS amount
                   FROM shares)
             SELECT name AS \"group\", count(DISTINCT payment_id) AS payments, sum(amount)::numeric(14,2) AS amount
               FROM split GROUP BY name HAVING sum(amount) <> 0
             UNION ALL
             SELECT '{UNALLOCATED}', count(DISTINCT payment_id), sum(amount)::numeric(14,2)
               FROM moved WHERE code = '2000' HAVING count(*) > 0
             ORDER BY 1"
        ),
    }
}

#[tracing::instrument(skip_all)]
pub async fn report(conn: &mut PgConnection, filter: &CollectionsFilter) -> Result<Collections> {
    if filter.from > filter.to {
        return Err(Error::invalid(
            "invalid_range",
            "`from` must be on or before `to`",
        ));
    }
    let group_by = filter.group_by.unwrap_or(GroupBy::Day);
    super::make_room(&mut *conn).await?;
    let groups: Vec<CollectionRow> = sqlx::query_as(grouped(group_by))
        .bind(filter.from)
        .bind(filter.to)
        .fetch_all(&mut *conn)
        .await?;
    let (total, payments): (rust_decimal::Decimal, i64) = sqlx::query_as(crate::sql!(
        "WITH {paid} SELECT coalesce(sum(amount), 0)::numeric(14,2), count(*) FROM paid",
        paid = paid()
    ))
    .bind(filter.from)
    .bind(filter.to)
    .fetch_one(&mut *conn)
    .await?;
    let total = Money::from_decimal(total);
    Ok(Collections {
        from: filter.from,
        to: filter.to,
        group_by,
        groups,
        total,
        payments,
    })
}
