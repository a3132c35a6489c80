-- Sponsor payments get receipts from the school's one RCT series.
--
-- A sponsor payment is posted when it is recorded, and takes its receipt
-- number RCT-YYYY-NNNNN then, from the same document_counters row as
-- family payments (the year of posting in Africa/Nairobi), so family and
-- sponsor receipts interleave without a gap. With it the row keeps what
-- the sponsor still owed right after it (owed_after), so a receipt
-- reprints the same forever.
--
-- No backfill: every RCT number up to each school's counter is already a
-- family payment's, in posting order, and numbering older sponsor payments
-- now would either break that order or leave a gap. Sponsor payments
-- recorded before this migration keep receipt_no NULL and have no receipt
-- (409 receipt_not_issued); their statement and journal entry stand.

ALTER TABLE sponsor_payments
    ADD COLUMN receipt_no text,
    ADD COLUMN owed_after numeric(14,2),
    ADD CONSTRAINT sponsor_payments_receipt_no_key UNIQUE (school_id, receipt_no),
    ADD CONSTRAINT sponsor_payments_receipt_check CHECK ((receipt_no IS NULL) = (owed_after IS NULL));
