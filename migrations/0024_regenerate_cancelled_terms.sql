-- A cancelled TERM invoice no longer holds its student's term: once the
-- wrong invoice is cancelled (its number kept, its posting reversed), the
-- term can be generated again at the right price. One live TERM invoice
-- per student, term and year, as before.

DROP INDEX invoices_student_term_key;
CREATE UNIQUE INDEX invoices_student_term_key ON invoices (school_id, student_id, term, year)
    WHERE kind = 'TERM' AND status <> 'CANCELLED';
