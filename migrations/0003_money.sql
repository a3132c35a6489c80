-- Fees, invoices, payments and the double-entry ledger. Money is
-- numeric(14,2) KES; a journal entry that does not balance cannot commit.

CREATE TABLE gl_accounts (
    school_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    code      text NOT NULL,
    name      text NOT NULL,
    type      text NOT NULL,
    CONSTRAINT gl_accounts_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT gl_accounts_school_code_key UNIQUE (school_id, code),
    CONSTRAINT gl_accounts_type_check CHECK (type IN ('ASSET', 'LIABILITY', 'EQUITY', 'INCOME', 'EXPENSE')),
    CONSTRAINT gl_accounts_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('gl_accounts');

-- Which structure applies: level + term + year, then term + year, then the
-- school's default template. NULL means "any".
CREATE TABLE fee_structures (
    school_id  uuid        NOT NULL,
    id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    name       text        NOT NULL,
    level_id   uuid,
    term       smallint,
    year       integer,
    is_default boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT fee_structures_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT fee_structures_scope_key UNIQUE NULLS NOT DISTINCT (school_id, level_id, term, year, is_default),
    CONSTRAINT fee_structures_term_check CHECK (term BETWEEN 1 AND 3),
    CONSTRAINT fee_structures_year_check CHECK (year BETWEEN 2000 AND 2100),
    CONSTRAINT fee_structures_level_fk FOREIGN KEY (school_id, level_id) REFERENCES grade_levels (school_id, id)
);
CREATE UNIQUE INDEX fee_structures_one_default ON fee_structures (school_id) WHERE is_default;
CREATE TRIGGER fee_structures_touch BEFORE UPDATE ON fee_structures FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
SELECT enable_tenant_rls('fee_structures');

CREATE TABLE fee_items (
    school_id         uuid          NOT NULL,
    id                uuid          NOT NULL DEFAULT gen_random_uuid(),
    fee_structure_id  uuid          NOT NULL,
    name              text          NOT NULL,
    amount            numeric(14,2) NOT NULL,
    optional          boolean       NOT NULL DEFAULT false,
    income_account_id uuid          NOT NULL,
    sort_order        integer       NOT NULL DEFAULT 0,
    CONSTRAINT fee_items_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT fee_items_structure_name_key UNIQUE (school_id, fee_structure_id, name),
    CONSTRAINT fee_items_amount_check CHECK (amount >= 0),
    CONSTRAINT fee_items_structure_fk FOREIGN KEY (school_id, fee_structure_id) REFERENCES fee_structures (school_id, id) ON DELETE CASCADE,
    CONSTRAINT fee_items_account_fk FOREIGN KEY (school_id, income_account_id) REFERENCES gl_accounts (school_id, id)
);
SELECT enable_tenant_rls('fee_items');

-- Gapless invoice numbers per school and year: the counter row is locked by
-- the transaction that takes a number, so a rollback gives the number back.
CREATE TABLE invoice_counters (
    school_id uuid    NOT NULL,
    year      integer NOT NULL,
    last_no   integer NOT NULL DEFAULT 0,
    CONSTRAINT invoice_counters_pkey PRIMARY KEY (school_id, year),
    CONSTRAINT invoice_counters_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('invoice_counters');

CREATE TABLE invoices (
    school_id  uuid          NOT NULL,
    id         uuid          NOT NULL DEFAULT gen_random_uuid(),
    number     text          NOT NULL,
    student_id uuid          NOT NULL,
    term       smallint      NOT NULL,
    year       integer       NOT NULL,
    total      numeric(14,2) NOT NULL,
    paid       numeric(14,2) NOT NULL DEFAULT 0,
    status     text          NOT NULL DEFAULT 'UNPAID',
    issued_at  timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT invoices_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT invoices_school_number_key UNIQUE (school_id, number),
    CONSTRAINT invoices_student_term_key UNIQUE (school_id, student_id, term, year),
    CONSTRAINT invoices_term_check CHECK (term BETWEEN 1 AND 3),
    CONSTRAINT invoices_total_check CHECK (total >= 0),
    CONSTRAINT invoices_paid_check CHECK (paid >= 0 AND paid <= total),
    CONSTRAINT invoices_status_check CHECK (status IN ('UNPAID', 'PARTIAL', 'PAID', 'CANCELLED')),
    CONSTRAINT invoices_student_fk FOREIGN KEY (school_id, student_id) REFERENCES students (school_id, id)
);
CREATE INDEX invoices_open_idx ON invoices (school_id, student_id, issued_at) WHERE status IN ('UNPAID', 'PARTIAL');
SELECT enable_tenant_rls('invoices');

CREATE TABLE invoice_lines (
    school_id         uuid          NOT NULL,
    id                uuid          NOT NULL DEFAULT gen_random_uuid(),
    invoice_id        uuid          NOT NULL,
    fee_item_id       uuid,
    name              text          NOT NULL,
    amount            numeric(14,2) NOT NULL,
    income_account_id uuid          NOT NULL,
    CONSTRAINT invoice_lines_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT invoice_lines_amount_check CHECK (amount >= 0),
    CONSTRAINT invoice_lines_invoice_fk FOREIGN KEY (school_id, invoice_id) REFERENCES invoices (school_id, id),
    CONSTRAINT invoice_lines_account_fk FOREIGN KEY (school_id, income_account_id) REFERENCES gl_accounts (school_id, id)
);
CREATE INDEX invoice_lines_invoice_idx ON invoice_lines (school_id, invoice_id);
SELECT enable_tenant_rls('invoice_lines');

CREATE TABLE payments (
    school_id      uuid          NOT NULL,
    id             uuid          NOT NULL,
    student_id     uuid          NOT NULL,
    invoice_id     uuid,
    amount         numeric(14,2) NOT NULL,
    method         text          NOT NULL,
    txn_ref        text,
    paid_at        timestamptz   NOT NULL DEFAULT now(),
    posting_status text          NOT NULL DEFAULT 'PENDING',
    recorded_by    uuid          NOT NULL,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT payments_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT payments_school_ref_key UNIQUE (school_id, method, txn_ref),
    CONSTRAINT payments_amount_check CHECK (amount > 0),
    CONSTRAINT payments_method_check CHECK (method IN ('MPESA', 'CASH', 'BANK', 'CHEQUE')),
    CONSTRAINT payments_ref_required CHECK (method IN ('CASH', 'CHEQUE') OR txn_ref IS NOT NULL),
    CONSTRAINT payments_ref_length CHECK (char_length(txn_ref) <= 64),
    CONSTRAINT payments_posting_status_check CHECK (posting_status IN ('PENDING', 'POSTED', 'FAILED')),
    CONSTRAINT payments_student_fk FOREIGN KEY (school_id, student_id) REFERENCES students (school_id, id),
    CONSTRAINT payments_invoice_fk FOREIGN KEY (school_id, invoice_id) REFERENCES invoices (school_id, id),
    CONSTRAINT payments_recorded_by_fk FOREIGN KEY (recorded_by) REFERENCES users (id)
);
CREATE INDEX payments_student_idx ON payments (school_id, student_id);
SELECT enable_tenant_rls('payments');

-- One entry per business event (source), so posting twice is refused by a key.
CREATE TABLE journal_entries (
    school_id   uuid        NOT NULL,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    posted_at   timestamptz NOT NULL DEFAULT now(),
    memo        text        NOT NULL,
    source_type text        NOT NULL,
    source_id   uuid        NOT NULL,
    CONSTRAINT journal_entries_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT journal_entries_source_key UNIQUE (school_id, source_type, source_id),
    CONSTRAINT journal_entries_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('journal_entries');

CREATE TABLE journal_lines (
    school_id        uuid          NOT NULL,
    id               uuid          NOT NULL DEFAULT gen_random_uuid(),
    journal_entry_id uuid          NOT NULL,
    account_id       uuid          NOT NULL,
    student_id       uuid,
    invoice_id       uuid,
    debit            numeric(14,2) NOT NULL DEFAULT 0,
    credit           numeric(14,2) NOT NULL DEFAULT 0,
    CONSTRAINT journal_lines_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT journal_lines_one_side CHECK (debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0)),
    CONSTRAINT journal_lines_entry_fk FOREIGN KEY (school_id, journal_entry_id) REFERENCES journal_entries (school_id, id),
    CONSTRAINT journal_lines_account_fk FOREIGN KEY (school_id, account_id) REFERENCES gl_accounts (school_id, id),
    CONSTRAINT journal_lines_student_fk FOREIGN KEY (school_id, student_id) REFERENCES students (school_id, id),
    CONSTRAINT journal_lines_invoice_fk FOREIGN KEY (school_id, invoice_id) REFERENCES invoices (school_id, id)
);
CREATE INDEX journal_lines_entry_idx ON journal_lines (school_id, journal_entry_id);
CREATE INDEX journal_lines_account_idx ON journal_lines (school_id, account_id);
CREATE INDEX journal_lines_student_idx ON journal_lines (school_id, student_id) WHERE student_id IS NOT NULL;
SELECT enable_tenant_rls('journal_lines');

-- Checked at commit, once all of an entry's lines are written.
CREATE FUNCTION journal_entry_must_balance() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry uuid := coalesce(NEW.journal_entry_id, OLD.journal_entry_id);
    school uuid := coalesce(NEW.school_id, OLD.school_id);
    debits numeric;
    credits numeric;
BEGIN
    SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0) INTO debits, credits
      FROM journal_lines WHERE school_id = school AND journal_entry_id = entry;
    IF debits <> credits THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits % <> credits %', entry, debits, credits
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_balanced';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER journal_entries_balanced
    AFTER INSERT OR UPDATE OR DELETE ON journal_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION journal_entry_must_balance();
