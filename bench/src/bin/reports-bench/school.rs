//! The benchmark's school, written in SQL as the runtime role in one
//! tenant transaction: set-based, with the journal entries the api would
//! post, so the books check passes. Ids are md5 of a label, so each
//! statement can name the rows an earlier one wrote.
//!
//! N students (default 10,000) in 20 classes (every 20th student in none),
//! each with a primary guardian; 3N invoices (terms 1 to 3 of 2026, three
//! lines each, due 12 January, 4 May and 31 August) and 4N payments:
//! term 1 in two halves (4 in 10 families pay only three quarters), term 2
//! whole for 3 in 10 (else half), term 3 whole for 2 in 10 (else a fifth),
//! and 1 in 10 pays 500 over, held as credit on 2000.

use sqlx::{Executor, PgConnection};

const CLASSES: &str = "
INSERT INTO classes (school_id, id, name, level_id, academic_year)
SELECT app_school_id(), md5('class' || k)::uuid,
       'Grade ' || (4 + (k - 1) / 4) || ' ' || (ARRAY['North', 'South', 'East', 'West'])[1 + (k - 1) % 4],
       (SELECT id FROM grade_levels WHERE name = 'Grade ' || (4 + (k - 1) / 4)), 2026
  FROM generate_series(1, 20) k";

const GUARDIANS: &str = "
INSERT INTO guardians (school_id, id, first_name, last_name, phone)
SELECT app_school_id(), md5('guardian' || g)::uuid, 'Parent', 'Family' || g, '+2547' || lpad(g::text, 8, '0')
  FROM generate_series(1, $1) g";

const STUDENTS: &str = "
INSERT INTO students (school_id, id, admission_no, first_name, last_name, class_id)
SELECT app_school_id(), md5('student' || g)::uuid, 'ADM-' || lpad(g::text, 5, '0'), 'Pupil', 'Family' || g,
       CASE WHEN g % 20 <> 0 THEN md5('class' || (1 + (g / 20) % 20))::uuid END
  FROM generate_series(1, $1) g";

const STUDENT_GUARDIANS: &str = "
INSERT INTO student_guardians (school_id, student_id, guardian_id, is_primary)
SELECT app_school_id(), md5('student' || g)::uuid, md5('guardian' || g)::uuid, true
  FROM generate_series(1, $1) g";

/// `plan`: every invoice and the four payments, with amounts; the
/// statements below read it.
const PLAN: &str = "
CREATE TEMP TABLE plan ON COMMIT DROP AS
WITH invoice AS (
    SELECT g, t, md5('student' || g)::uuid AS student_id, md5('invoice' || g || '-' || t)::uuid AS invoice_id,
           (9000 + (g % 7) * 500 + t * 1000)::numeric(14,2) AS total,
           (ARRAY[date '2026-01-12', date '2026-05-04', date '2026-08-31'])[t] AS due_date
      FROM generate_series(1, {students}) g, generate_series(1, 3) t)
SELECT i.*, p.k, p.amount, p.applied, p.amount - p.applied AS credit, p.method,
       ((i.due_date + p.after_days)::timestamp + time '09:30' - (p.k * interval '1 minute')) AT TIME ZONE 'Africa/Nairobi' AS paid_at
  FROM invoice i
 CROSS JOIN LATERAL (
    SELECT k, amount, least(amount, i.total) AS applied, method, after_days
      FROM (VALUES
          (1, i.t = 1, i.total / 2, 'MPESA', i.g % 20),
          (2, i.t = 1, CASE WHEN i.g % 10 < 6 THEN i.total / 2 ELSE i.total / 4 END, 'CASH', 30 + i.g % 20),
          (3, i.t = 2, CASE WHEN i.g % 10 < 3 THEN i.total ELSE i.total / 2 END, 'BANK', i.g % 25),
          (4, i.t = 3, CASE WHEN i.g % 10 = 0 THEN i.total + 500 WHEN i.g % 10 = 1 THEN i.total ELSE i.total / 5 END,
              'MPESA', i.g % 40)
      ) AS v(k, mine, amount, method, after_days)
     WHERE mine) p";

const INVOICES: &str = "
INSERT INTO invoices (school_id, id, number, student_id, term, year, total, paid, status, issued_at, due_date)
SELECT app_school_id(), invoice_id, 'INV-2026-' || lpad(((t - 1) * $1 + g)::text, 5, '0'), student_id, t, 2026, total,
       sum(applied), CASE WHEN sum(applied) = total THEN 'PAID' ELSE 'PARTIAL' END,
       (due_date - 14)::timestamp AT TIME ZONE 'Africa/Nairobi', due_date
  FROM plan GROUP BY invoice_id, g, t, student_id, total, due_date";

const COUNTER: &str = "
INSERT INTO invoice_counters (school_id, year, last_no) VALUES (app_school_id(), 2026, 3 * $1)";

/// Tuition takes what the fixed Activity (1,200) and Exam (800) fees leave.
const INVOICE_LINES: &str = "
INSERT INTO invoice_lines (school_id, invoice_id, fee_item_id, name, amount, income_account_id)
SELECT app_school_id(), i.id, f.id, f.name,
       CASE f.name WHEN 'Activity Fee' THEN 1200 WHEN 'Exam Fee' THEN 800 ELSE i.total - 2000 END,
       f.income_account_id
  FROM invoices i
 CROSS JOIN (SELECT fi.id, fi.name, fi.income_account_id FROM fee_items fi
               JOIN fee_structures s ON s.id = fi.fee_structure_id
              WHERE s.is_default AND fi.name IN ('Tuition', 'Activity Fee', 'Exam Fee')) f";

const INVOICE_ENTRIES: &str = "
INSERT INTO journal_entries (school_id, id, posted_at, memo, source_type, source_id)
SELECT app_school_id(), md5('invoice-entry' || id)::uuid, issued_at, 'Invoice ' || number, 'invoice', id FROM invoices";

const INVOICE_JOURNAL: &str = "
INSERT INTO journal_lines (school_id, journal_entry_id, account_id, student_id, invoice_id, debit, credit)
SELECT app_school_id(), md5('invoice-entry' || i.id)::uuid, (SELECT id FROM gl_accounts WHERE code = '1100'),
       i.student_id, i.id, i.total, 0
  FROM invoices i
UNION ALL
SELECT app_school_id(), md5('invoice-entry' || l.invoice_id)::uuid, l.income_account_id, i.student_id, i.id, 0, l.amount
  FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id";

/// Receipt numbers in the order paid, per year (Nairobi), with their
/// counters as posting keeps them. The reports never read `balance_after`
/// (a receipt's reprint), so it is not reconstructed: 0.
const PAYMENTS: &str = "
INSERT INTO payments (school_id, id, student_id, invoice_id, amount, method, txn_ref, paid_at, posting_status, recorded_by,
                      receipt_no, balance_after)
SELECT app_school_id(), md5('payment' || g || '-' || k)::uuid, student_id, invoice_id, amount, method,
       CASE WHEN method <> 'CASH' THEN 'BENCH' || g || 'K' || k END, paid_at, 'POSTED', $1,
       'RCT-' || y || '-' || lpad(n::text, greatest(5, length(n::text)), '0'), 0
  FROM (SELECT plan.*, extract(year FROM paid_at AT TIME ZONE 'Africa/Nairobi')::int AS y,
               row_number() OVER (PARTITION BY extract(year FROM paid_at AT TIME ZONE 'Africa/Nairobi')
                                  ORDER BY paid_at, g, k) AS n
          FROM plan) numbered";

const RECEIPT_COUNTERS: &str = "
INSERT INTO document_counters (school_id, series, year, last_no)
SELECT app_school_id(), 'RCT', split_part(receipt_no, '-', 2)::int, count(*) FROM payments GROUP BY 1, 2, 3";

const PAYMENT_ENTRIES: &str = "
INSERT INTO journal_entries (school_id, id, posted_at, memo, source_type, source_id)
SELECT app_school_id(), md5('payment-entry' || g || '-' || k)::uuid, paid_at, 'Payment ' || method, 'payment',
       md5('payment' || g || '-' || k)::uuid
  FROM plan";

const PAYMENT_JOURNAL: &str = "
INSERT INTO journal_lines (school_id, journal_entry_id, account_id, student_id, invoice_id, debit, credit)
SELECT app_school_id(), md5('payment-entry' || g || '-' || k)::uuid, (SELECT id FROM gl_accounts WHERE code = '1000'),
       student_id, NULL, amount, 0
  FROM plan
UNION ALL
SELECT app_school_id(), md5('payment-entry' || g || '-' || k)::uuid, (SELECT id FROM gl_accounts WHERE code = '1100'),
       student_id, invoice_id, 0, applied
  FROM plan
UNION ALL
SELECT app_school_id(), md5('payment-entry' || g || '-' || k)::uuid, (SELECT id FROM gl_accounts WHERE code = '2000'),
       student_id, NULL, 0, credit
  FROM plan WHERE credit > 0";

/// Writes the school on `conn` (a tenant transaction); `bursar` records
/// the payments.
pub async fn write(
    conn: &mut PgConnection,
    students: i32,
    bursar: uuid::Uuid,
) -> anyhow::Result<()> {
    conn.execute(CLASSES).await?;
    for statement in [GUARDIANS, STUDENTS, STUDENT_GUARDIANS] {
        sqlx::query(statement)
            .bind(students)
            .execute(&mut *conn)
            .await?;
    }
    // A utility statement takes no parameters: the count is written in.
    conn.execute(sqlx::AssertSqlSafe(
        PLAN.replace("{students}", &students.to_string()),
    ))
    .await?;
    for statement in [INVOICES, COUNTER] {
        sqlx::query(statement)
            .bind(students)
            .execute(&mut *conn)
            .await?;
    }
    for statement in [INVOICE_LINES, INVOICE_ENTRIES, INVOICE_JOURNAL] {
        conn.execute(statement).await?;
    }
    sqlx::query(PAYMENTS)
        .bind(bursar)
        .execute(&mut *conn)
        .await?;
    for statement in [RECEIPT_COUNTERS, PAYMENT_ENTRIES, PAYMENT_JOURNAL] {
        conn.execute(statement).await?;
    }
    Ok(())
}
