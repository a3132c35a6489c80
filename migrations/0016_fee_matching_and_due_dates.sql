-- Fee structures match on level, term and year, each NULL for "any" (the
-- columns were nullable and fee_structures_scope_key already treats NULL as
-- a value); the most specific match wins, in the order API.md gives. The
-- seeded default was stored as "Default Term 1 fees" with term 1 yet priced
-- every term: it becomes what it acted as, the catch-all.
--
-- Invoices record the structure they were priced from and fall due
-- `due_days` after their term starts.

ALTER TABLE fee_structures
    ADD COLUMN due_days integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT fee_structures_due_days_check CHECK (due_days BETWEEN 0 AND 365);

ALTER TABLE invoices
    ADD COLUMN fee_structure_id uuid,
    ADD COLUMN due_date date,
    ADD CONSTRAINT invoices_fee_structure_fk FOREIGN KEY (school_id, fee_structure_id) REFERENCES fee_structures (school_id, id);

-- The backfill reads and writes every school's rows, which forced row-level
-- security would hide from the owner; it is forced again below.
ALTER TABLE fee_structures NO FORCE ROW LEVEL SECURITY;
ALTER TABLE fee_items NO FORCE ROW LEVEL SECURITY;
ALTER TABLE invoices NO FORCE ROW LEVEL SECURITY;
ALTER TABLE invoice_lines NO FORCE ROW LEVEL SECURITY;
ALTER TABLE academic_terms NO FORCE ROW LEVEL SECURITY;

UPDATE fee_structures
   SET term = NULL,
       name = CASE WHEN name = 'Default Term 1 fees' THEN 'Default fees' ELSE name END
 WHERE is_default AND level_id IS NULL AND term = 1 AND year IS NULL;

-- An issued invoice's structure is the one its copied lines came from (a
-- structure whose items were since replaced leaves it unknown: NULL).
UPDATE invoices i
   SET fee_structure_id = (
           SELECT fi.fee_structure_id FROM invoice_lines l
             JOIN fee_items fi ON fi.school_id = l.school_id AND fi.id = l.fee_item_id
            WHERE l.school_id = i.school_id AND l.invoice_id = i.id
            LIMIT 1);

-- Due at the term's start (every structure had due_days 0 until now), or on
-- the day of issue for a term the school has no dates for.
UPDATE invoices i
   SET due_date = coalesce(
           (SELECT t.starts_on FROM academic_terms t
             WHERE t.school_id = i.school_id AND t.term = i.term AND t.year = i.year),
           (i.issued_at AT TIME ZONE 'Africa/Nairobi')::date);

ALTER TABLE invoices ALTER COLUMN due_date SET NOT NULL;

ALTER TABLE fee_structures FORCE ROW LEVEL SECURITY;
ALTER TABLE fee_items FORCE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
ALTER TABLE invoice_lines FORCE ROW LEVEL SECURITY;
ALTER TABLE academic_terms FORCE ROW LEVEL SECURITY;

-- Overdue and ageing reads go by due date.
CREATE INDEX invoices_open_due_idx ON invoices (school_id, due_date) WHERE status IN ('UNPAID', 'PARTIAL');
