-- Credit notes, and guardians who want no SMS.
--
-- A credit note takes money off what a family owes on one invoice (a
-- waiver, a discount, a bursary): DR 4900 Discounts & Waivers / CR 1100,
-- source_type 'credit_note', source_id the note. It is numbered CN-YYYY-NNNNN
-- from document_counters (series CN, the year it is issued in Nairobi) and
-- adds to the invoice's `credited`. A note is never edited or deleted; when
-- its invoice is cancelled, the cancellation's entry reverses the note's
-- posting with the invoice's own, and the note stays as the record.
--
-- A note may say which lines of the invoice it credits (credit_note_lines);
-- a line is never credited beyond its amount across all notes.
--
-- sms_opt_out is stored now; the SMS sender (later) skips such guardians.

ALTER TABLE guardians ADD COLUMN sms_opt_out boolean NOT NULL DEFAULT false;

CREATE TABLE credit_notes (
    school_id  uuid          NOT NULL,
    id         uuid          NOT NULL,
    number     text          NOT NULL,
    invoice_id uuid          NOT NULL,
    student_id uuid          NOT NULL,
    kind       text          NOT NULL,
    amount     numeric(14,2) NOT NULL,
    reason     text          NOT NULL,
    issued_by  uuid          NOT NULL,
    created_at timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT credit_notes_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT credit_notes_school_number_key UNIQUE (school_id, number),
    CONSTRAINT credit_notes_amount_check CHECK (amount > 0),
    CONSTRAINT credit_notes_kind_check CHECK (kind IN ('WAIVER', 'DISCOUNT', 'BURSARY')),
    CONSTRAINT credit_notes_reason_check CHECK (char_length(reason) BETWEEN 1 AND 500),
    CONSTRAINT credit_notes_number_format CHECK (number ~ '^CN-[0-9]{4}-[0-9]{5,}$'),
    CONSTRAINT credit_notes_invoice_fk FOREIGN KEY (school_id, invoice_id) REFERENCES invoices (school_id, id),
    CONSTRAINT credit_notes_student_fk FOREIGN KEY (school_id, student_id) REFERENCES students (school_id, id),
    CONSTRAINT credit_notes_issued_by_fk FOREIGN KEY (issued_by) REFERENCES users (id)
);
CREATE INDEX credit_notes_invoice_idx ON credit_notes (school_id, invoice_id);
CREATE INDEX credit_notes_student_idx ON credit_notes (school_id, student_id);
SELECT enable_tenant_rls('credit_notes');
-- Credit notes are never edited or deleted.
GRANT SELECT, INSERT ON credit_notes TO schoolops_app;

CREATE TABLE credit_note_lines (
    school_id       uuid          NOT NULL,
    credit_note_id  uuid          NOT NULL,
    invoice_line_id uuid          NOT NULL,
    amount          numeric(14,2) NOT NULL,
    CONSTRAINT credit_note_lines_pkey PRIMARY KEY (school_id, credit_note_id, invoice_line_id),
    CONSTRAINT credit_note_lines_amount_check CHECK (amount > 0),
    CONSTRAINT credit_note_lines_note_fk FOREIGN KEY (school_id, credit_note_id) REFERENCES credit_notes (school_id, id),
    CONSTRAINT credit_note_lines_line_fk FOREIGN KEY (school_id, invoice_line_id) REFERENCES invoice_lines (school_id, id)
);
CREATE INDEX credit_note_lines_line_idx ON credit_note_lines (school_id, invoice_line_id);
SELECT enable_tenant_rls('credit_note_lines');
GRANT SELECT, INSERT ON credit_note_lines TO schoolops_app;
