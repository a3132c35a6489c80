-- Standing adjustments, the sibling discount and sponsors.
--
-- A standing adjustment (a discount or a bursary, a percent or an amount,
-- optionally limited to one fee item, term or year) is applied by every
-- later invoice generation as a negative invoice line booked to 4900
-- Discounts & Waivers, naming the adjustment it came from. Ending one
-- (ended_at) stops it for later generations and never touches an issued
-- invoice. The school's sibling discount is one optional row.
--
-- An adjustment with a sponsor (county bursary, CDF, NGO) is not a
-- discount: the sponsor owes that share. It is not an invoice line; the
-- invoice's `sponsored` holds it, it is posted DR 1150, and a
-- sponsor_shares row records it, so 1150 = sum of open shares' amount -
-- paid. Sponsor payments settle shares oldest first (DR 1000 / CR 1150),
-- each allocation a row of its own; reversing one (DR 1150 / CR 1000)
-- takes its allocations back off the shares.

-- Negative lines are adjustments (no fee item); fee lines stay >= 0.
ALTER TABLE invoice_lines
    DROP CONSTRAINT invoice_lines_amount_check,
    ADD COLUMN adjustment_id uuid,
    ADD CONSTRAINT invoice_lines_amount_check CHECK (amount >= 0 OR fee_item_id IS NULL);

CREATE TABLE sponsors (
    school_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    name       text        NOT NULL,
    contact    text,
    created_by uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sponsors_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT sponsors_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT sponsors_school_fk FOREIGN KEY (school_id) REFERENCES schools (id),
    CONSTRAINT sponsors_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
CREATE UNIQUE INDEX sponsors_school_name_key ON sponsors (school_id, lower(name));
SELECT enable_tenant_rls('sponsors');
GRANT SELECT, INSERT, UPDATE ON sponsors TO schoolops_app;

CREATE TABLE adjustments (
    school_id  uuid          NOT NULL,
    id         uuid          NOT NULL,
    student_id uuid          NOT NULL,
    kind       text          NOT NULL,
    percent    numeric(5,2),
    amount     numeric(14,2),
    item       text,
    term       smallint,
    year       integer,
    sponsor_id uuid,
    reason     text          NOT NULL,
    created_by uuid          NOT NULL,
    created_at timestamptz   NOT NULL DEFAULT now(),
    ended_at   timestamptz,
    ended_by   uuid,
    CONSTRAINT adjustments_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT adjustments_kind_check CHECK (kind IN ('DISCOUNT', 'BURSARY')),
    CONSTRAINT adjustments_one_measure CHECK ((percent IS NULL) <> (amount IS NULL)),
    CONSTRAINT adjustments_percent_check CHECK (percent > 0 AND percent <= 100),
    CONSTRAINT adjustments_amount_check CHECK (amount > 0),
    CONSTRAINT adjustments_term_check CHECK (term BETWEEN 1 AND 3),
    CONSTRAINT adjustments_reason_check CHECK (char_length(reason) BETWEEN 1 AND 500),
    CONSTRAINT adjustments_ended_check CHECK ((ended_at IS NULL) = (ended_by IS NULL)),
    CONSTRAINT adjustments_student_fk FOREIGN KEY (school_id, student_id) REFERENCES students (school_id, id),
    CONSTRAINT adjustments_sponsor_fk FOREIGN KEY (school_id, sponsor_id) REFERENCES sponsors (school_id, id),
    CONSTRAINT adjustments_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT adjustments_ended_by_fk FOREIGN KEY (ended_by) REFERENCES users (id)
);
CREATE INDEX adjustments_student_idx ON adjustments (school_id, student_id) WHERE ended_at IS NULL;
SELECT enable_tenant_rls('adjustments');
-- Ended, never deleted.
GRANT SELECT, INSERT, UPDATE ON adjustments TO schoolops_app;

CREATE TABLE sibling_discounts (
    school_id  uuid          NOT NULL,
    percent    numeric(5,2)  NOT NULL,
    from_child integer       NOT NULL,
    item       text,
    updated_by uuid          NOT NULL,
    updated_at timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT sibling_discounts_pkey PRIMARY KEY (school_id),
    CONSTRAINT sibling_discounts_percent_check CHECK (percent > 0 AND percent <= 100),
    CONSTRAINT sibling_discounts_from_child_check CHECK (from_child BETWEEN 2 AND 20),
    CONSTRAINT sibling_discounts_school_fk FOREIGN KEY (school_id) REFERENCES schools (id),
    CONSTRAINT sibling_discounts_updated_by_fk FOREIGN KEY (updated_by) REFERENCES users (id)
);
SELECT enable_tenant_rls('sibling_discounts');
GRANT SELECT, INSERT, UPDATE, DELETE ON sibling_discounts TO schoolops_app;
CREATE INDEX student_guardians_primary_idx ON student_guardians (school_id, guardian_id) WHERE is_primary;

CREATE TABLE sponsor_shares (
    school_id     uuid          NOT NULL,
    id            uuid          NOT NULL DEFAULT gen_random_uuid(),
    sponsor_id    uuid          NOT NULL,
    invoice_id    uuid          NOT NULL,
    student_id    uuid          NOT NULL,
    adjustment_id uuid,
    amount        numeric(14,2) NOT NULL,
    paid          numeric(14,2) NOT NULL DEFAULT 0,
    created_at    timestamptz   NOT NULL DEFAULT now(),
    -- Set when the invoice is cancelled: the share is no longer owed.
    closed_at     timestamptz,
    CONSTRAINT sponsor_shares_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT sponsor_shares_amount_check CHECK (amount > 0),
    CONSTRAINT sponsor_shares_paid_check CHECK (paid >= 0 AND paid <= amount),
    CONSTRAINT sponsor_shares_sponsor_fk FOREIGN KEY (school_id, sponsor_id) REFERENCES sponsors (school_id, id),
    CONSTRAINT sponsor_shares_invoice_fk FOREIGN KEY (school_id, invoice_id) REFERENCES invoices (school_id, id),
    CONSTRAINT sponsor_shares_student_fk FOREIGN KEY (school_id, student_id) REFERENCES students (school_id, id)
);
CREATE INDEX sponsor_shares_sponsor_idx ON sponsor_shares (school_id, sponsor_id);
CREATE INDEX sponsor_shares_invoice_idx ON sponsor_shares (school_id, invoice_id);
SELECT enable_tenant_rls('sponsor_shares');
GRANT SELECT, INSERT, UPDATE ON sponsor_shares TO schoolops_app;

CREATE TABLE sponsor_payments (
    school_id   uuid          NOT NULL,
    id          uuid          NOT NULL,
    sponsor_id  uuid          NOT NULL,
    amount      numeric(14,2) NOT NULL,
    method      text          NOT NULL,
    txn_ref     text,
    paid_at     timestamptz   NOT NULL DEFAULT now(),
    recorded_by uuid          NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    -- A bounced cheque: reversed by a new entry, the shares it paid reopen.
    reversed_at     timestamptz,
    reversal_reason text,
    reversed_by     uuid,
    CONSTRAINT sponsor_payments_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT sponsor_payments_reversal_complete CHECK (
        (reversed_at IS NULL) = (reversal_reason IS NULL) AND (reversed_at IS NULL) = (reversed_by IS NULL)),
    CONSTRAINT sponsor_payments_reversed_by_fk FOREIGN KEY (reversed_by) REFERENCES users (id),
    CONSTRAINT sponsor_payments_school_ref_key UNIQUE (school_id, method, txn_ref),
    CONSTRAINT sponsor_payments_amount_check CHECK (amount > 0),
    CONSTRAINT sponsor_payments_method_check CHECK (method IN ('MPESA', 'CASH', 'BANK', 'CHEQUE')),
    CONSTRAINT sponsor_payments_ref_required CHECK (method IN ('CASH', 'CHEQUE') OR txn_ref IS NOT NULL),
    CONSTRAINT sponsor_payments_ref_length CHECK (char_length(txn_ref) <= 64),
    CONSTRAINT sponsor_payments_sponsor_fk FOREIGN KEY (school_id, sponsor_id) REFERENCES sponsors (school_id, id),
    CONSTRAINT sponsor_payments_recorded_by_fk FOREIGN KEY (recorded_by) REFERENCES users (id)
);
CREATE INDEX sponsor_payments_sponsor_idx ON sponsor_payments (school_id, sponsor_id);
SELECT enable_tenant_rls('sponsor_payments');
-- Reversed, never edited otherwise.
GRANT SELECT, INSERT, UPDATE ON sponsor_payments TO schoolops_app;

CREATE TABLE sponsor_allocations (
    school_id  uuid          NOT NULL,
    payment_id uuid          NOT NULL,
    share_id   uuid          NOT NULL,
    amount     numeric(14,2) NOT NULL,
    CONSTRAINT sponsor_allocations_pkey PRIMARY KEY (school_id, payment_id, share_id),
    CONSTRAINT sponsor_allocations_amount_check CHECK (amount > 0),
    CONSTRAINT sponsor_allocations_payment_fk FOREIGN KEY (school_id, payment_id) REFERENCES sponsor_payments (school_id, id),
    CONSTRAINT sponsor_allocations_share_fk FOREIGN KEY (school_id, share_id) REFERENCES sponsor_shares (school_id, id)
);
SELECT enable_tenant_rls('sponsor_allocations');
GRANT SELECT, INSERT ON sponsor_allocations TO schoolops_app;
