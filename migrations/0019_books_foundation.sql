-- What the fee office's corrections and sponsors build on.
--
-- An invoice is settled by payments (paid), by credit notes (credited) and,
-- for the share a sponsor carries, by the sponsor (sponsored, owed on 1150
-- rather than by the family on 1100). What the family still owes is the one
-- generated `balance`; every read of an invoice's balance uses it.
--
-- Credit notes (CN) and receipts (RCT) are numbered gaplessly per school,
-- series and year from document_counters, as invoices are from
-- invoice_counters: the counter row stays locked by the transaction that
-- takes a number, so a rollback gives the number back.
--
-- Every school gains 1150 Sponsor Receivable and 4900 Discounts & Waivers
-- (contra-income: its balance is a debit).

ALTER TABLE invoices
    ADD COLUMN credited numeric(14,2) NOT NULL DEFAULT 0,
    ADD COLUMN sponsored numeric(14,2) NOT NULL DEFAULT 0,
    ADD COLUMN balance numeric(14,2) GENERATED ALWAYS AS (total - paid - credited - sponsored) STORED,
    ADD CONSTRAINT invoices_credited_check CHECK (credited >= 0),
    ADD CONSTRAINT invoices_sponsored_check CHECK (sponsored >= 0),
    ADD CONSTRAINT invoices_settled_check CHECK (paid + credited + sponsored <= total);

CREATE TABLE document_counters (
    school_id uuid    NOT NULL,
    series    text    NOT NULL,
    year      integer NOT NULL,
    last_no   integer NOT NULL DEFAULT 0,
    CONSTRAINT document_counters_pkey PRIMARY KEY (school_id, series, year),
    CONSTRAINT document_counters_series_check CHECK (series IN ('CN', 'RCT')),
    CONSTRAINT document_counters_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('document_counters');
GRANT SELECT, INSERT, UPDATE ON document_counters TO schoolops_app;

ALTER TABLE gl_accounts NO FORCE ROW LEVEL SECURITY;
INSERT INTO gl_accounts (school_id, code, name, type)
SELECT s.id, a.code, a.name, a.type
  FROM schools s
 CROSS JOIN (VALUES ('1150', 'Sponsor Receivable', 'ASSET'),
                    ('4900', 'Discounts & Waivers', 'INCOME')) AS a(code, name, type)
    ON CONFLICT (school_id, code) DO NOTHING;
ALTER TABLE gl_accounts FORCE ROW LEVEL SECURITY;
