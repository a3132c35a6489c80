//! The baseline pipeline-bench measures the api and worker against: the
//! rows an invoice run writes, by one hand-written set-based statement.

/// One statement: the class's fee structure chosen once (every student of
/// a class has its level; the most specific of level, term and year wins,
/// as the generator chooses), its due date, the targets numbered from the school's counter,
/// and invoices, invoice_lines, journal_entries and journal_lines inserted
/// from the same materialised set. Ids are drawn up front so no insert waits
/// on another's RETURNING. $1 class, $2 term, $3 year, $4 invoice ids
/// (time-ordered, one per student, used in number order), $5 the id of the
/// operation recorded as having issued them (invoices.operation_id).
pub const SQL: &str = "
WITH structure AS (
    SELECT f.id, f.due_days
      FROM fee_structures f JOIN classes c ON c.id = $1
     WHERE (f.level_id IS NULL OR f.level_id = c.level_id)
       AND (f.term IS NULL OR f.term = $2)
       AND (f.year IS NULL OR f.year = $3)
     ORDER BY f.level_id IS NULL, f.term IS NULL, f.year IS NULL, f.is_default
     LIMIT 1),
due AS (
    SELECT coalesce((SELECT starts_on FROM academic_terms WHERE term = $2 AND year = $3),
                    (now() AT TIME ZONE 'Africa/Nairobi')::date) + s.due_days AS due_date
      FROM structure s),
items AS (
    SELECT i.id, i.name, i.amount, i.income_account_id
      FROM fee_items i JOIN structure s ON i.fee_structure_id = s.id
     WHERE NOT i.optional),
invoice_total AS (
    SELECT coalesce(sum(amount), 0) AS total FROM items),
per_account AS (
    SELECT income_account_id, sum(amount) AS amount
      FROM items GROUP BY income_account_id HAVING sum(amount) > 0),
receivable AS (
    SELECT id FROM gl_accounts WHERE code = '1100'),
targets AS MATERIALIZED (
    SELECT s.id AS student_id, gen_random_uuid() AS entry_id,
           row_number() OVER (ORDER BY s.admission_no, s.id) AS n
      FROM students s
     WHERE s.class_id = $1 AND s.status = 'ACTIVE'
       AND EXISTS (SELECT 1 FROM structure)
       AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.student_id = s.id AND i.term = $2 AND i.year = $3)),
operation AS (
    INSERT INTO operations (school_id, id, kind, status, progress_done, progress_total, started_at, finished_at)
    SELECT app_school_id(), $5, 'invoices.generate', 'succeeded', count(*), count(*), now(), now()
      FROM targets),
counter AS (
    INSERT INTO invoice_counters AS c (school_id, year, last_no)
    SELECT app_school_id(), $3, count(*) FROM targets
    ON CONFLICT (school_id, year) DO UPDATE SET last_no = c.last_no + excluded.last_no
    RETURNING last_no),
numbered AS MATERIALIZED (
    SELECT t.student_id, ($4::uuid[])[t.n] AS invoice_id, t.entry_id, tt.total,
           'INV-' || $3::int || '-' || lpad((c.last_no - k.count + t.n)::text, 5, '0') AS number
      FROM targets t, counter c, (SELECT count(*) AS count FROM targets) k, invoice_total tt),
issued AS (
    INSERT INTO invoices (school_id, id, operation_id, number, student_id, term, year, total, status, fee_structure_id, due_date)
    SELECT app_school_id(), n.invoice_id, $5, n.number, n.student_id, $2, $3, n.total,
           CASE WHEN n.total = 0 THEN 'PAID' ELSE 'UNPAID' END, s.id, d.due_date
      FROM numbered n, structure s, due d
    RETURNING 1),
copied AS (
    INSERT INTO invoice_lines (school_id, invoice_id, fee_item_id, name, amount, income_account_id)
    SELECT app_school_id(), n.invoice_id, i.id, i.name, i.amount, i.income_account_id
      FROM numbered n CROSS JOIN items i),
entries AS (
    INSERT INTO journal_entries (school_id, id, memo, source_type, source_id)
    SELECT app_school_id(), entry_id, 'Invoice ' || number, 'invoice', invoice_id
      FROM numbered WHERE total > 0),
posted AS (
    INSERT INTO journal_lines (school_id, journal_entry_id, account_id, student_id, invoice_id, debit, credit)
    SELECT app_school_id(), n.entry_id, r.id, n.student_id, n.invoice_id, n.total, 0
      FROM numbered n CROSS JOIN receivable r WHERE n.total > 0
    UNION ALL
    SELECT app_school_id(), n.entry_id, a.income_account_id, n.student_id, n.invoice_id, 0, a.amount
      FROM numbered n CROSS JOIN per_account a WHERE n.total > 0)
SELECT count(*) FROM issued";
