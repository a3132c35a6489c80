-- Receipts, the school's receipt settings, and notifications by kind.
--
-- Every payment that reaches the ledger gets a receipt number
-- RCT-YYYY-NNNNN, gapless per school and year, taken from
-- document_counters in the transaction that posts it. The year is the year
-- of posting (the receipt's date) in Africa/Nairobi. With it the payment
-- keeps what the receipt shows that could change later: the student's
-- balance right after posting (balance_after), so a receipt reprints the
-- same forever. A reversed payment keeps its receipt number.
--
-- The school gains the paybill parents are told to pay to and the channel
-- receipts go to the primary guardian on (NONE, IN_APP, EMAIL; SMS is
-- allowed by the column for when SMS lands, refused by the api until then).
--
-- Notifications gain a kind: MESSAGE (POST /notifications/send), REMINDER
-- (fee reminder runs) or RECEIPT.

ALTER TABLE payments
    ADD COLUMN receipt_no text,
    ADD COLUMN balance_after numeric(14,2),
    ADD CONSTRAINT payments_receipt_no_key UNIQUE (school_id, receipt_no),
    ADD CONSTRAINT payments_receipt_check CHECK (
        (posting_status IN ('POSTED', 'REVERSED')) = (receipt_no IS NOT NULL AND balance_after IS NOT NULL));

ALTER TABLE schools
    ADD COLUMN paybill text,
    ADD COLUMN receipt_channel text NOT NULL DEFAULT 'NONE',
    ADD CONSTRAINT schools_paybill_check CHECK (paybill ~ '^[0-9]{5,7}$'),
    ADD CONSTRAINT schools_receipt_channel_check CHECK (receipt_channel IN ('NONE', 'IN_APP', 'EMAIL', 'SMS'));

ALTER TABLE notifications
    ADD COLUMN kind text NOT NULL DEFAULT 'MESSAGE',
    ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('MESSAGE', 'REMINDER', 'RECEIPT'));

-- Backfill across schools, so the policies step aside for the migration.
ALTER TABLE payments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE journal_entries NO FORCE ROW LEVEL SECURITY;
ALTER TABLE journal_lines NO FORCE ROW LEVEL SECURITY;
ALTER TABLE gl_accounts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE document_counters NO FORCE ROW LEVEL SECURITY;
ALTER TABLE notifications NO FORCE ROW LEVEL SECURITY;
ALTER TABLE reminder_deliveries NO FORCE ROW LEVEL SECURITY;
ALTER TABLE notification_deliveries NO FORCE ROW LEVEL SECURITY;

UPDATE notifications n SET kind = 'REMINDER'
 WHERE EXISTS (SELECT 1 FROM notification_deliveries d
                 JOIN reminder_deliveries r ON r.school_id = d.school_id AND r.delivery_id = d.id
                WHERE d.school_id = n.school_id AND d.notification_id = n.id);

-- Payments already posted (or since reversed), numbered in posting order
-- per school and year; balance_after is the student's 1100 + 2000 balance
-- over every entry up to and including the payment's own. Posting order is
-- the order of the entries' ids: ledger::post gives them UUIDv7 ids when it
-- writes them (after the payment's locks), so they sort as written, where
-- posted_at is when the transaction began. Generated invoices' entries
-- have random ids and are placed by posted_at.
--
-- The year is the year of posting in Africa/Nairobi.
WITH posted AS (
    SELECT p.school_id, p.id, p.student_id, e.posted_at, e.id AS entry_id,
           extract(year FROM e.posted_at AT TIME ZONE 'Africa/Nairobi')::int AS year
      FROM payments p
      JOIN journal_entries e ON e.school_id = p.school_id AND e.source_type = 'payment' AND e.source_id = p.id
     WHERE p.posting_status IN ('POSTED', 'REVERSED')),
numbered AS (
    SELECT posted.*, row_number() OVER (PARTITION BY school_id, year ORDER BY entry_id) AS n
      FROM posted)
UPDATE payments p
   SET receipt_no = 'RCT-' || n.year || '-' || lpad(n.n::text, greatest(5, length(n.n::text)), '0'),
       balance_after = (
           SELECT coalesce(sum(l.debit - l.credit), 0)
             FROM journal_lines l
             JOIN journal_entries e ON e.school_id = l.school_id AND e.id = l.journal_entry_id
             JOIN gl_accounts a ON a.school_id = l.school_id AND a.id = l.account_id
            WHERE l.school_id = n.school_id AND l.student_id = n.student_id AND a.code IN ('1100', '2000')
              AND CASE WHEN e.source_type = 'invoice' THEN e.posted_at <= n.posted_at ELSE e.id <= n.entry_id END)
  FROM numbered n
 WHERE p.school_id = n.school_id AND p.id = n.id;

INSERT INTO document_counters (school_id, series, year, last_no)
SELECT school_id, 'RCT', split_part(receipt_no, '-', 2)::int, count(*)
  FROM payments WHERE receipt_no IS NOT NULL
 GROUP BY school_id, split_part(receipt_no, '-', 2)::int
    ON CONFLICT (school_id, series, year) DO UPDATE SET last_no = greatest(document_counters.last_no, excluded.last_no);

ALTER TABLE payments FORCE ROW LEVEL SECURITY;
ALTER TABLE journal_entries FORCE ROW LEVEL SECURITY;
ALTER TABLE journal_lines FORCE ROW LEVEL SECURITY;
ALTER TABLE gl_accounts FORCE ROW LEVEL SECURITY;
ALTER TABLE document_counters FORCE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
ALTER TABLE reminder_deliveries FORCE ROW LEVEL SECURITY;
ALTER TABLE notification_deliveries FORCE ROW LEVEL SECURITY;
