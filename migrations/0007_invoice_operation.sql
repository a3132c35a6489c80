-- Which operation issued an invoice, so a generation's result is worked out
-- from what is in the database (correct after a crash and a rerun, or two
-- overlapping deliveries of the same job), not from one attempt's memory.
ALTER TABLE invoices ADD COLUMN operation_id uuid;
ALTER TABLE invoices ADD CONSTRAINT invoices_operation_fk
    FOREIGN KEY (school_id, operation_id) REFERENCES operations (school_id, id);
CREATE INDEX invoices_operation_idx ON invoices (school_id, operation_id) WHERE operation_id IS NOT NULL;
