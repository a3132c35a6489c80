-- One-off (ADHOC) invoices beside the per-term ones, and cancelled invoices.
--
-- A TERM invoice is issued once per student, term and year by generation;
-- an ADHOC one (uniform, trip, damages) as often as the office charges one,
-- so the one-per-term rule binds TERM invoices only. Both draw their
-- numbers from the same gapless counter.
--
-- A cancelled invoice keeps its number and its lines; its posting is
-- reversed by a second journal entry (source_type 'invoice_cancellation',
-- source_id the invoice), which the journal's source key keeps to one.

ALTER TABLE invoices
    ADD COLUMN kind text NOT NULL DEFAULT 'TERM',
    ADD COLUMN memo text,
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN cancel_reason text,
    ADD CONSTRAINT invoices_kind_check CHECK (kind IN ('TERM', 'ADHOC')),
    ADD CONSTRAINT invoices_memo_length CHECK (char_length(memo) <= 500),
    ADD CONSTRAINT invoices_cancel_reason_length CHECK (char_length(cancel_reason) <= 500),
    -- Cancelled exactly when it says when and why, and never with money on it.
    ADD CONSTRAINT invoices_cancelled_check CHECK (
        (status = 'CANCELLED') = (cancelled_at IS NOT NULL)
        AND (status = 'CANCELLED') = (cancel_reason IS NOT NULL)
        AND (status <> 'CANCELLED' OR paid = 0));

ALTER TABLE invoices DROP CONSTRAINT invoices_student_term_key;
CREATE UNIQUE INDEX invoices_student_term_key ON invoices (school_id, student_id, term, year) WHERE kind = 'TERM';
