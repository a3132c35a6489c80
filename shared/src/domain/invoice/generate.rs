//! Bulk invoice generation, set-based: one statement issues a batch of
//! invoices with their lines and journal entries. Generating twice for the
//! same student, term and year creates nothing new, and numbers stay gapless
//! under concurrency because the school's counter row is locked first.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

mod pricing;

use pricing::{BY_LEVEL, LevelRow, warnings};
pub use pricing::{GenerationWarning, LevelPricing, WarningCode};

use crate::{
    domain::{
        de,
        ledger::{self, Line, code},
        money::Money,
        student,
    },
    error::{Error, Result},
    sql,
};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateInvoices {
    pub student_id: Option<Uuid>,
    pub class_id: Option<Uuid>,
    /// 1 to 3.
    #[schema(minimum = 1, maximum = 3)]
    pub term: i16,
    #[serde(deserialize_with = "de::year")]
    #[schema(value_type = i32, minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// Optional fee items to include, by name: {"Lunch": true}.
    #[serde(default)]
    pub include_optional: HashMap<String, bool>,
}

/// What one run (or batch) did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Generated {
    /// Invoices issued now.
    pub created: i64,
    /// Students who already had an invoice for the term and year.
    pub already_invoiced: i64,
    /// Students no fee structure applies to.
    pub without_fee_structure: i64,
    pub total_amount: Money,
    /// Credit from earlier overpayments used on the new invoices.
    pub credit_applied: Money,
    /// The invoices issued now per grade level, with the structure used.
    #[serde(default)]
    pub levels: Vec<LevelPricing>,
    #[serde(default)]
    pub warnings: Vec<GenerationWarning>,
}

impl GenerateInvoices {
    /// The optional items asked for, lower-cased for matching.
    pub fn optional_names(&self) -> Vec<String> {
        self.include_optional
            .iter()
            .filter(|(_, on)| **on)
            .map(|(name, _)| name.trim().to_lowercase())
            .collect()
    }
}

/// Checks the request against the school's data before anything is queued:
/// one target that exists, a valid term, optional items that exist.
pub async fn validate(conn: &mut PgConnection, request: &GenerateInvoices) -> Result<()> {
    if !(1..=3).contains(&request.term) {
        return Err(Error::invalid("invalid_term", "term must be 1, 2 or 3"));
    }
    match (request.student_id, request.class_id) {
        (Some(student), None) => {
            let status: Option<student::Status> =
                sqlx::query_scalar("SELECT status FROM students WHERE id = $1")
                    .bind(student)
                    .fetch_optional(&mut *conn)
                    .await?;
            match status {
                None => {
                    return Err(Error::rule(
                        "unknown_student",
                        "student_id does not name a student of this school",
                    ));
                }
                Some(student::Status::Active) => {}
                Some(other) => {
                    return Err(Error::rule(
                        "student_not_active",
                        format!("the student is {other}; only ACTIVE students are invoiced"),
                    ));
                }
            }
        }
        (None, Some(class)) => {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM classes WHERE id = $1)")
                    .bind(class)
                    .fetch_one(&mut *conn)
                    .await?;
            if !exists {
                return Err(Error::rule(
                    "unknown_class",
                    "class_id does not name a class of this school",
                ));
            }
        }
        _ => {
            return Err(Error::invalid(
                "invalid_target",
                "send exactly one of student_id or class_id",
            ));
        }
    }
    let known: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT lower(name) FROM fee_items WHERE optional")
            .fetch_all(&mut *conn)
            .await?;
    if let Some(unknown) = request
        .include_optional
        .keys()
        .find(|name| !known.contains(&name.trim().to_lowercase()))
    {
        return Err(Error::rule(
            "unknown_optional_item",
            format!("{unknown:?} is not an optional fee item of this school"),
        ));
    }
    Ok(())
}

/// The ACTIVE students the request covers, in a stable order.
pub async fn students(conn: &mut PgConnection, request: &GenerateInvoices) -> Result<Vec<Uuid>> {
    let ids = sqlx::query_scalar(
        "SELECT id FROM students
          WHERE status = 'ACTIVE' AND (($1::uuid IS NOT NULL AND id = $1) OR ($2::uuid IS NOT NULL AND class_id = $2))
          ORDER BY id",
    )
    .bind(request.student_id)
    .bind(request.class_id)
    .fetch_all(conn)
    .await?;
    Ok(ids)
}

/// Which structure applies to each student and what it costs: the students
/// ($1) not yet invoiced for the term ($2) and year ($3); for each grade
/// level among them, the most specific structure whose level, term and year
/// each match or are NULL ("any"): level before term before year, so
/// level+term+year, level+term, level+year, level, term+year, term, year,
/// none, and the catch-all default last among equals; its lines with the
/// optional items asked for ($4); each student's total and due date (the
/// structure's `due_days` after the term starts, or after today for a term
/// the school has no dates for). Shared by `batch`, which issues it, and
/// `preview`. Structures are matched once per level, not per student.
///
/// Then what comes off (`applied`): the school's sibling discount for the
/// `from_child`th and later ACTIVE child of a primary guardian (by
/// admission date, `students.created_at`), then the student's standing
/// adjustments for the term and year, sponsored ones last. Each takes its
/// percent of its base (the named item's line, else every line; the
/// sibling discount's default base is the compulsory lines), rounded half
/// up to the cent, or its amount, never more than its base; and never more
/// than what earlier ones left of the invoice, so a total is never below
/// zero. Discounts and bursaries lower `total` (negative lines on 4900);
/// sponsored shares stay in `total` and become `sponsored` (owed on 1150).
const PLAN: &str = "targets AS (
             SELECT s.id AS student_id, s.admission_no, c.level_id,
                    EXISTS (SELECT 1 FROM invoices i WHERE i.student_id = s.id AND i.term = $2 AND i.year = $3 AND i.kind = 'TERM' AND i.status <> 'CANCELLED') AS invoiced
               FROM students s LEFT JOIN classes c ON c.school_id = s.school_id AND c.id = s.class_id
              WHERE s.id = ANY($1)),
         levels AS (SELECT DISTINCT level_id FROM targets WHERE NOT invoiced),
         matched AS (
             SELECT lv.level_id, f.id AS structure_id, f.due_days
               FROM levels lv
               CROSS JOIN LATERAL (
                   SELECT f.id, f.due_days FROM fee_structures f
                    WHERE (f.level_id IS NULL OR f.level_id = lv.level_id)
                      AND (f.term IS NULL OR f.term = $2)
                      AND (f.year IS NULL OR f.year = $3)
                    ORDER BY f.level_id IS NULL, f.term IS NULL, f.year IS NULL, f.is_default
                    LIMIT 1) f),
         term_start AS (
             SELECT coalesce((SELECT starts_on FROM academic_terms WHERE term = $2 AND year = $3),
                             (now() AT TIME ZONE 'Africa/Nairobi')::date) AS starts_on),
         chosen AS (
             SELECT t.student_id, t.level_id, m.structure_id, ts.starts_on + m.due_days AS due_date,
                    row_number() OVER (ORDER BY t.admission_no, t.student_id) AS n
               FROM targets t
               JOIN matched m ON coalesce(m.level_id, '00000000-0000-0000-0000-000000000000') = coalesce(t.level_id, '00000000-0000-0000-0000-000000000000')
               CROSS JOIN term_start ts
              WHERE NOT t.invoiced),
         lines AS (
             SELECT c.student_id, i.id AS fee_item_id, i.name, i.amount, i.income_account_id, i.optional
               FROM chosen c JOIN fee_items i ON i.fee_structure_id = c.structure_id
              WHERE NOT i.optional OR lower(i.name) = ANY($4)),
         gross AS (
             SELECT c.student_id, c.n, c.level_id, c.structure_id, c.due_date, coalesce(sum(l.amount), 0) AS gross
               FROM chosen c LEFT JOIN lines l ON l.student_id = c.student_id
              GROUP BY c.student_id, c.n, c.level_id, c.structure_id, c.due_date),
         siblings AS (
             SELECT ranked.student_id, ranked.nth
               FROM (SELECT g.student_id,
                            row_number() OVER (PARTITION BY g.guardian_id ORDER BY s.created_at, s.admission_no, s.id) AS nth
                       FROM student_guardians g JOIN students s ON s.school_id = g.school_id AND s.id = g.student_id
                      WHERE g.is_primary AND s.status = 'ACTIVE'
                        AND EXISTS (SELECT 1 FROM sibling_discounts)
                        AND g.guardian_id IN (SELECT p.guardian_id FROM student_guardians p
                                               WHERE p.is_primary AND p.student_id IN (SELECT student_id FROM chosen))) ranked
              WHERE ranked.student_id IN (SELECT student_id FROM chosen)),
         adjusting AS (
             SELECT a.student_id, a.id AS adjustment_id, a.sponsor_id, a.percent, a.amount, a.item, false AS compulsory_only,
                    CASE WHEN a.sponsor_id IS NULL THEN 1 ELSE 2 END AS rank, a.created_at, a.id AS tiebreak,
                    initcap(a.kind) || ': ' || a.reason || ' (' ||
                    CASE WHEN a.percent IS NOT NULL THEN trim_scale(a.percent)::text || '% of '
                         ELSE 'KES ' || to_char(a.amount, 'FM999,999,999,990.00') || ' off ' END
                    || coalesce(a.item, 'fees') || ')' AS label
               FROM adjustments a
              WHERE a.ended_at IS NULL AND a.student_id IN (SELECT student_id FROM chosen)
                AND (a.term IS NULL OR a.term = $2) AND (a.year IS NULL OR a.year = $3)
             UNION ALL
             SELECT sb.student_id, NULL, NULL, d.percent, NULL, d.item, d.item IS NULL,
                    0, NULL, NULL,
                    'Sibling discount (' || sb.nth ||
                    CASE WHEN sb.nth % 100 IN (11, 12, 13) THEN 'th' WHEN sb.nth % 10 = 1 THEN 'st'
                         WHEN sb.nth % 10 = 2 THEN 'nd' WHEN sb.nth % 10 = 3 THEN 'rd' ELSE 'th' END
                    || ' child, ' || trim_scale(d.percent)::text || '%' || coalesce(' of ' || d.item, '') || ')'
               FROM siblings sb CROSS JOIN sibling_discounts d
              WHERE sb.nth >= d.from_child),
         sized AS (
             SELECT ad.student_id, ad.adjustment_id, ad.sponsor_id, ad.rank, ad.created_at, ad.tiebreak, ad.label,
                    least(coalesce(sum(l.amount), 0),
                          CASE WHEN ad.percent IS NOT NULL THEN round(coalesce(sum(l.amount), 0) * ad.percent / 100, 2)
                               ELSE ad.amount END) AS wanted
               FROM adjusting ad
               LEFT JOIN lines l ON l.student_id = ad.student_id
                    AND (ad.item IS NULL OR lower(l.name) = lower(ad.item))
                    AND NOT (ad.compulsory_only AND l.optional)
              GROUP BY ad.student_id, ad.adjustment_id, ad.sponsor_id, ad.rank, ad.created_at, ad.tiebreak, ad.label, ad.percent, ad.amount),
         applied AS (
             SELECT s.*,
                    greatest(0, least(s.wanted, g.gross - coalesce(sum(s.wanted) OVER (
                        PARTITION BY s.student_id ORDER BY s.rank, s.created_at, s.tiebreak
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))) AS applied
               FROM sized s JOIN gross g ON g.student_id = s.student_id),
         totals AS (
             SELECT g.student_id, g.n, g.level_id, g.structure_id, g.due_date, g.gross,
                    g.gross - coalesce(x.discounted, 0) AS total, coalesce(x.sponsored, 0) AS sponsored,
                    coalesce(x.adjustments, 0) AS adjustments, coalesce(x.adjusted, 0) AS adjusted
               FROM gross g
               LEFT JOIN (SELECT student_id, sum(applied) FILTER (WHERE sponsor_id IS NULL) AS discounted,
                                 sum(applied) FILTER (WHERE sponsor_id IS NOT NULL) AS sponsored,
                                 count(*) AS adjustments, sum(applied) AS adjusted
                            FROM applied WHERE applied > 0 GROUP BY student_id) x ON x.student_id = g.student_id)";

/// What generating would do now, without doing it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Preview {
    /// ACTIVE students the request covers.
    pub students: i64,
    /// Invoices that would be issued.
    pub to_invoice: i64,
    pub already_invoiced: i64,
    /// What the invoices would charge, after discounts and bursaries.
    pub total_amount: Money,
    /// Discounts, bursaries and sponsored shares that would apply: how
    /// many and how much.
    pub adjustments: i64,
    pub adjusted_amount: Money,
    /// The invoices that would be issued per grade level, with the
    /// structure that would price them.
    pub levels: Vec<LevelPricing>,
    pub warnings: Vec<GenerationWarning>,
}

pub async fn preview(conn: &mut PgConnection, request: &GenerateInvoices) -> Result<Preview> {
    let students = students(conn, request).await?;
    let rows: Vec<LevelRow> = sqlx::query_as(sql!(
        "WITH {PLAN}, priced AS (SELECT * FROM totals) {BY_LEVEL}"
    ))
    .bind(&students)
    .bind(request.term)
    .bind(request.year)
    .bind(request.optional_names())
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    let levels: Vec<LevelPricing> = rows.into_iter().map(LevelPricing::from).collect();
    let (to_invoice, already_invoiced, total, adjustments, adjusted): (
        i64,
        i64,
        rust_decimal::Decimal,
        i64,
        rust_decimal::Decimal,
    ) = sqlx::query_as(sql!(
        "WITH {PLAN}
             SELECT (SELECT count(*) FROM totals),
                    (SELECT count(*) FROM targets WHERE invoiced),
                    (SELECT coalesce(sum(total), 0) FROM totals),
                    (SELECT coalesce(sum(adjustments), 0)::bigint FROM totals),
                    (SELECT coalesce(sum(adjusted), 0) FROM totals)"
    ))
    .bind(&students)
    .bind(request.term)
    .bind(request.year)
    .bind(request.optional_names())
    .persistent(false)
    .fetch_one(&mut *conn)
    .await?;
    let warnings = warnings(conn, request.term, request.year, &levels).await?;
    Ok(Preview {
        students: students.len() as i64,
        to_invoice,
        already_invoiced,
        total_amount: Money::from_decimal(total),
        adjustments,
        adjusted_amount: Money::from_decimal(adjusted),
        levels,
        warnings,
    })
}

/// Issues the invoices of one batch of students for `operation_id`, in the
/// caller's transaction. What the operation did is read afterwards with
/// `summary`, which stays right across retries.
#[tracing::instrument(skip_all, fields(students = students.len(), term, year))]
pub async fn batch(
    conn: &mut PgConnection,
    operation_id: Uuid,
    students: &[Uuid],
    term: i16,
    year: i32,
    optional: &[String],
) -> Result<()> {
    let [receivable, unearned, discounts, sponsor_receivable] = ledger::account_ids(
        conn,
        [
            code::RECEIVABLE,
            code::UNEARNED,
            code::DISCOUNTS,
            code::SPONSOR_RECEIVABLE,
        ],
    )
    .await?;
    // Locks the school's counter for the year until commit: concurrent
    // generations queue here, then each sees the other's invoices.
    let last_no: i32 = sqlx::query_scalar(
        "INSERT INTO invoice_counters (school_id, year, last_no) VALUES (app_school_id(), $1, 0)
         ON CONFLICT (school_id, year) DO UPDATE SET last_no = invoice_counters.last_no
         RETURNING last_no",
    )
    .bind(year)
    .fetch_one(&mut *conn)
    .await?;

    let with_credit: Vec<Uuid> = sqlx::query_scalar(
        sql!("WITH {PLAN},
         issued AS (
             INSERT INTO invoices (school_id, id, operation_id, number, student_id, term, year, total, sponsored, status, fee_structure_id, due_date)
             SELECT app_school_id(), ($8::uuid[])[n], $9, 'INV-' || $3 || '-' || lpad(($5 + n)::text, greatest(5, length(($5 + n)::text)), '0'), student_id, $2, $3, total, sponsored,
                    CASE WHEN total - sponsored = 0 THEN 'PAID' ELSE 'UNPAID' END, structure_id, due_date
               FROM totals
             RETURNING id, student_id, total, sponsored, number),
         copied AS (
             INSERT INTO invoice_lines (school_id, invoice_id, fee_item_id, name, amount, income_account_id, adjustment_id)
             SELECT app_school_id(), issued.id, l.fee_item_id, l.name, l.amount, l.income_account_id, NULL
               FROM lines l JOIN issued ON issued.student_id = l.student_id
             UNION ALL
             SELECT app_school_id(), issued.id, NULL, a.label, -a.applied, $10, a.adjustment_id
               FROM applied a JOIN issued ON issued.student_id = a.student_id
              WHERE a.sponsor_id IS NULL AND a.applied > 0
             RETURNING 1),
         shares AS (
             INSERT INTO sponsor_shares (school_id, sponsor_id, invoice_id, student_id, adjustment_id, amount)
             SELECT app_school_id(), a.sponsor_id, issued.id, a.student_id, a.adjustment_id, a.applied
               FROM applied a JOIN issued ON issued.student_id = a.student_id
              WHERE a.sponsor_id IS NOT NULL AND a.applied > 0
             RETURNING 1),
         entries AS (
             INSERT INTO journal_entries (school_id, memo, source_type, source_id)
             SELECT app_school_id(), 'Invoice ' || i.number, 'invoice', i.id
               FROM issued i JOIN totals t ON t.student_id = i.student_id WHERE t.gross > 0
             RETURNING id, source_id),
         -- DR 1100 what the family owes, DR 1150 what sponsors owe, DR 4900
         -- what discounts and bursaries take off / CR income per fee line.
         posted AS (
             INSERT INTO journal_lines (school_id, journal_entry_id, account_id, student_id, invoice_id, debit, credit)
             SELECT app_school_id(), e.id, $6, issued.student_id, issued.id, issued.total - issued.sponsored, 0
               FROM entries e JOIN issued ON issued.id = e.source_id
              WHERE issued.total - issued.sponsored > 0
             UNION ALL
             SELECT app_school_id(), e.id, $11, issued.student_id, issued.id, issued.sponsored, 0
               FROM entries e JOIN issued ON issued.id = e.source_id
              WHERE issued.sponsored > 0
             UNION ALL
             SELECT app_school_id(), e.id, $10, issued.student_id, issued.id, t.gross - issued.total, 0
               FROM entries e JOIN issued ON issued.id = e.source_id JOIN totals t ON t.student_id = issued.student_id
              WHERE t.gross > issued.total
             UNION ALL
             SELECT app_school_id(), e.id, l.income_account_id, issued.student_id, issued.id, 0, sum(l.amount)
               FROM entries e JOIN issued ON issued.id = e.source_id JOIN lines l ON l.student_id = issued.student_id
              GROUP BY e.id, l.income_account_id, issued.student_id, issued.id
             HAVING sum(l.amount) > 0
             RETURNING 1),
         counted AS (
             UPDATE invoice_counters SET last_no = last_no + (SELECT count(*) FROM issued)
              WHERE school_id = app_school_id() AND year = $3
             RETURNING 1),
         credit AS (
             SELECT l.student_id FROM journal_lines l
              WHERE l.account_id = $7 AND l.student_id IN (SELECT student_id FROM issued)
              GROUP BY l.student_id HAVING sum(l.credit - l.debit) > 0)
         -- Data-modifying CTEs run whether or not they are read; this only
         -- names the new invoices whose students hold credit.
         SELECT coalesce(array_agg(i.id), '{{}}') FROM issued i JOIN credit c USING (student_id) WHERE i.total - i.sponsored > 0"),
    )
    .bind(students)
    .bind(term)
    .bind(year)
    .bind(optional)
    .bind(last_no)
    .bind(receivable)
    .bind(unearned)
    // Time-ordered ids in number order, so lists page in issue order.
    .bind((0..students.len()).map(|_| Uuid::now_v7()).collect::<Vec<_>>())
    .bind(operation_id)
    .bind(discounts)
    .bind(sponsor_receivable)
    // Planned afresh each time: a cached generic plan guesses a handful of
    // students, picks nested loops and turns quadratic in the school's
    // ledger history (measured: 0.3 s became 14-23 s per 1,000 students).
    .persistent(false)
    .fetch_one(&mut *conn)
    .await?;

    for invoice in with_credit {
        apply_credit(conn, invoice, receivable, unearned).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    created: i64,
    already_invoiced: i64,
    without_fee_structure: i64,
    total_amount: rust_decimal::Decimal,
    credit_applied: rust_decimal::Decimal,
}

/// What `operation_id` did for these students, read from the database, so
/// it is right however many attempts or overlapping deliveries it took.
pub async fn summary(
    conn: &mut PgConnection,
    operation_id: Uuid,
    students: &[Uuid],
    term: i16,
    year: i32,
) -> Result<Generated> {
    let row: SummaryRow = sqlx::query_as(
        "WITH mine AS (SELECT id, total FROM invoices WHERE operation_id = $1)
         SELECT (SELECT count(*) FROM mine) AS created,
                (SELECT coalesce(sum(total), 0) FROM mine) AS total_amount,
                (SELECT count(*) FROM invoices
                  WHERE student_id = ANY($2) AND term = $3 AND year = $4 AND kind = 'TERM' AND status <> 'CANCELLED'
                    AND operation_id IS DISTINCT FROM $1) AS already_invoiced,
                (SELECT count(*) FROM unnest($2::uuid[]) AS s(id)
                  WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i.student_id = s.id AND i.term = $3 AND i.year = $4 AND i.kind = 'TERM' AND i.status <> 'CANCELLED'))
                  AS without_fee_structure,
                (SELECT coalesce(sum(l.credit), 0) FROM journal_entries e
                   JOIN journal_lines l ON l.school_id = e.school_id AND l.journal_entry_id = e.id
                   JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
                  WHERE e.source_type = 'credit' AND e.source_id IN (SELECT id FROM mine) AND a.code = $5)
                  AS credit_applied",
    )
    .bind(operation_id)
    .bind(students)
    .bind(term)
    .bind(year)
    .bind(code::RECEIVABLE)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<LevelRow> = sqlx::query_as(sql!(
        "WITH priced AS (
             SELECT c.level_id, i.fee_structure_id AS structure_id, i.total,
                    (SELECT count(*) FROM invoice_lines l WHERE l.invoice_id = i.id AND l.amount < 0)
                    + (SELECT count(*) FROM sponsor_shares sh WHERE sh.invoice_id = i.id) AS adjustments,
                    i.sponsored - (SELECT coalesce(sum(l.amount), 0) FROM invoice_lines l WHERE l.invoice_id = i.id AND l.amount < 0) AS adjusted
               FROM invoices i
               JOIN students s ON s.school_id = i.school_id AND s.id = i.student_id
               LEFT JOIN classes c ON c.school_id = s.school_id AND c.id = s.class_id
              WHERE i.operation_id = $1)
         {BY_LEVEL}"
    ))
    .bind(operation_id)
    .fetch_all(&mut *conn)
    .await?;
    let levels: Vec<LevelPricing> = rows.into_iter().map(LevelPricing::from).collect();
    let warnings = warnings(conn, term, year, &levels).await?;
    Ok(Generated {
        created: row.created,
        already_invoiced: row.already_invoiced,
        without_fee_structure: row.without_fee_structure,
        total_amount: Money::from_decimal(row.total_amount),
        credit_applied: Money::from_decimal(row.credit_applied),
        levels,
        warnings,
    })
}

/// Uses the student's credit (2000) on a new invoice: DR 2000 / CR 1100.
/// One-off invoices use it the same way (`adhoc::issue`).
pub(super) async fn apply_credit(
    conn: &mut PgConnection,
    invoice_id: Uuid,
    receivable: Uuid,
    unearned: Uuid,
) -> Result<()> {
    let (student_id, balance): (Uuid, rust_decimal::Decimal) =
        sqlx::query_as("SELECT student_id, balance FROM invoices WHERE id = $1 FOR UPDATE")
            .bind(invoice_id)
            .fetch_one(&mut *conn)
            .await?;
    // Taken under the student's lock, as refunds and reversals take it, so
    // two of them cannot both spend the same credit.
    crate::domain::refund::lock_student(conn, student_id).await?;
    let credit = ledger::student_credit(conn, student_id).await?;
    let amount = Money::from_decimal(credit.decimal().min(balance));
    if amount.decimal() <= rust_decimal::Decimal::ZERO {
        return Ok(());
    }
    let lines = [
        Line::debit(unearned, amount).student(student_id),
        Line::credit(receivable, amount)
            .student(student_id)
            .invoice(invoice_id),
    ];
    ledger::post(
        conn,
        "Credit applied to invoice",
        "credit",
        invoice_id,
        &lines,
    )
    .await?;
    super::record_payment(conn, invoice_id, amount).await
}
