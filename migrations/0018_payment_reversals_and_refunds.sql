-- Corrections to payments, each a new journal entry, never an edit of one:
-- a POSTED payment may be reversed (bounced cheque, wrong child), which
-- makes it REVERSED and records when, why and by whom; its txn_ref stays
-- reserved by payments_school_ref_key, so the same M-Pesa code cannot be
-- recorded again. A refund pays a student's credit (2000) back out of
-- 1000; refunds are rows of their own, never edited.

ALTER TABLE payments
    DROP CONSTRAINT payments_posting_status_check,
    ADD CONSTRAINT payments_posting_status_check CHECK (posting_status IN ('PENDING', 'POSTED', 'FAILED', 'REVERSED')),
    ADD COLUMN reversed_at timestamptz,
    ADD COLUMN reversal_reason text,
    ADD COLUMN reversed_by uuid,
    ADD CONSTRAINT payments_reversed_by_fk FOREIGN KEY (reversed_by) REFERENCES users (id),
    ADD CONSTRAINT payments_reversal_complete CHECK (
        (posting_status = 'REVERSED') = (reversed_at IS NOT NULL AND reversal_reason IS NOT NULL AND reversed_by IS NOT NULL));

CREATE TABLE refunds (
    school_id   uuid          NOT NULL,
    id          uuid          NOT NULL,
    student_id  uuid          NOT NULL,
    amount      numeric(14,2) NOT NULL,
    method      text          NOT NULL,
    txn_ref     text,
    reason      text          NOT NULL,
    refunded_by uuid          NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT refunds_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT refunds_school_ref_key UNIQUE (school_id, method, txn_ref),
    CONSTRAINT refunds_amount_check CHECK (amount > 0),
    CONSTRAINT refunds_method_check CHECK (method IN ('MPESA', 'CASH', 'BANK', 'CHEQUE')),
    CONSTRAINT refunds_ref_required CHECK (method IN ('CASH', 'CHEQUE') OR txn_ref IS NOT NULL),
    CONSTRAINT refunds_ref_length CHECK (char_length(txn_ref) <= 64),
    CONSTRAINT refunds_reason_check CHECK (char_length(reason) BETWEEN 1 AND 500),
    CONSTRAINT refunds_student_fk FOREIGN KEY (school_id, student_id) REFERENCES students (school_id, id),
    CONSTRAINT refunds_refunded_by_fk FOREIGN KEY (refunded_by) REFERENCES users (id)
);
CREATE INDEX refunds_student_idx ON refunds (school_id, student_id);
SELECT enable_tenant_rls('refunds');
-- Refunds are never edited or deleted.
GRANT SELECT, INSERT ON refunds TO schoolops_app;
