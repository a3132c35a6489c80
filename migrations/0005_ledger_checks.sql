-- The balance rule, checked once per statement instead of once per line.
--
-- 0003's deferred row trigger ran one lookup per journal line at commit:
-- 60,000 lookups for a 10,000-invoice run. This statement-level trigger
-- sees every line the statement wrote (a transition table) and checks each
-- touched entry once, over all of that entry's lines. So an entry's lines
-- are written in one statement, and an entry that does not balance is
-- refused before the transaction can commit. Lines are append-only: a
-- correction is a new, reversing entry.

DROP TRIGGER journal_entries_balanced ON journal_lines;
DROP FUNCTION journal_entry_must_balance();

CREATE FUNCTION journal_entries_must_balance() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    bad record;
BEGIN
    SELECT l.journal_entry_id AS entry, sum(l.debit) AS debits, sum(l.credit) AS credits INTO bad
      FROM journal_lines l
     WHERE (l.school_id, l.journal_entry_id) IN (SELECT DISTINCT school_id, journal_entry_id FROM new_lines)
     GROUP BY l.journal_entry_id
    HAVING sum(l.debit) <> sum(l.credit)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits % <> credits %', bad.entry, bad.debits, bad.credits
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_balanced';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER journal_entries_balanced
    AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION journal_entries_must_balance();

CREATE FUNCTION journal_is_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: post a reversing entry instead'
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'journal_append_only';
END $$;

CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();

-- Invoice lookups by term and year (generation, lists, collections).
CREATE INDEX invoices_term_idx ON invoices (school_id, year, term);
CREATE INDEX payments_invoice_idx ON payments (school_id, invoice_id) WHERE invoice_id IS NOT NULL;
