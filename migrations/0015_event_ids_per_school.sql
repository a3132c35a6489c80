-- Event ids count each school's own events. They came from one identity
-- column shared by every school, so the gap between two ids a member saw
-- told them how much every other school had done in between (payments
-- posted, invoices generated). Now each school has its own counter, kept in
-- event_sequences and taken by a trigger as the event is inserted.
--
-- The counter row is locked from the insert to the end of the transaction,
-- so a school's events also commit in id order, which a client resuming
-- "after id N" relies on (the advisory lock events.rs took for that is no
-- longer needed). Ids already handed out stay as they are, so a client's
-- Last-Event-ID stays valid: each school's counter starts at its highest.

CREATE TABLE event_sequences (
    school_id uuid   NOT NULL,
    last_id   bigint NOT NULL,
    CONSTRAINT event_sequences_pkey PRIMARY KEY (school_id),
    CONSTRAINT event_sequences_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);

-- The owner reads every school's events through the pruning policy (0010).
INSERT INTO event_sequences (school_id, last_id)
SELECT school_id, max(id) FROM events GROUP BY school_id;

SELECT enable_tenant_rls('event_sequences');
GRANT SELECT, INSERT, UPDATE ON event_sequences TO schoolops_app;

ALTER TABLE events ALTER COLUMN id DROP IDENTITY;

-- Whatever id an insert names is replaced by the school's next one.
CREATE FUNCTION events_next_id() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO public.event_sequences AS s (school_id, last_id)
    VALUES (NEW.school_id, 1)
    ON CONFLICT (school_id) DO UPDATE SET last_id = s.last_id + 1
    RETURNING s.last_id INTO NEW.id;
    RETURN NEW;
END
$$;

CREATE TRIGGER events_next_id BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_next_id();
