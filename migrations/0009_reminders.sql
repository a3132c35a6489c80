-- Fee reminders: schedules per school (a cron expression in a time zone),
-- one run per schedule and tick, and which guardian each run reminded about
-- which open invoices (so a tick never sends twice and the tone can rise
-- with each reminder about the same invoices).

CREATE TABLE reminder_schedules (
    school_id     uuid          NOT NULL,
    id            uuid          NOT NULL,
    name          text          NOT NULL,
    cron          text          NOT NULL,
    timezone      text          NOT NULL DEFAULT 'Africa/Nairobi',
    enabled       boolean       NOT NULL DEFAULT false,
    -- EMAIL_OR_IN_APP: EMAIL when the guardian has an address, IN_APP otherwise.
    channel       text          NOT NULL DEFAULT 'EMAIL_OR_IN_APP',
    class_id      uuid,
    -- Students owing less than this (and nothing at all) are left out.
    min_balance   numeric(14,2) NOT NULL DEFAULT 0,
    -- A tick missed while no worker ran still runs if this fresh.
    grace_seconds integer       NOT NULL DEFAULT 7200,
    -- Ticks at or before this never run: set when the schedule is turned
    -- on or its timing changes, so old ticks are not replayed.
    active_since  timestamptz   NOT NULL DEFAULT now(),
    -- The newest tick a run was queued for.
    last_tick     timestamptz,
    created_by    uuid,
    created_at    timestamptz   NOT NULL DEFAULT now(),
    updated_at    timestamptz   NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    CONSTRAINT reminder_schedules_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT reminder_schedules_channel_check CHECK (channel IN ('EMAIL_OR_IN_APP', 'EMAIL', 'IN_APP')),
    CONSTRAINT reminder_schedules_min_balance_check CHECK (min_balance >= 0),
    CONSTRAINT reminder_schedules_grace_check CHECK (grace_seconds BETWEEN 0 AND 604800),
    CONSTRAINT reminder_schedules_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT reminder_schedules_school_fk FOREIGN KEY (school_id) REFERENCES schools (id),
    CONSTRAINT reminder_schedules_class_fk FOREIGN KEY (school_id, class_id) REFERENCES classes (school_id, id),
    CONSTRAINT reminder_schedules_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
CREATE UNIQUE INDEX reminder_schedules_name_key ON reminder_schedules (school_id, lower(name)) WHERE deleted_at IS NULL;
CREATE TRIGGER reminder_schedules_touch
    BEFORE UPDATE OF name, cron, timezone, enabled, channel, class_id, min_balance, grace_seconds, deleted_at ON reminder_schedules
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
SELECT enable_tenant_rls('reminder_schedules');

CREATE TABLE reminder_runs (
    school_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    schedule_id uuid        NOT NULL,
    tick        timestamptz NOT NULL,
    status      text        NOT NULL DEFAULT 'queued',
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CONSTRAINT reminder_runs_pkey PRIMARY KEY (school_id, id),
    -- The referee between worker processes: one run per schedule and tick.
    CONSTRAINT reminder_runs_tick_key UNIQUE (school_id, schedule_id, tick),
    CONSTRAINT reminder_runs_status_check CHECK (status IN ('queued', 'succeeded', 'skipped', 'failed')),
    CONSTRAINT reminder_runs_schedule_fk FOREIGN KEY (school_id, schedule_id) REFERENCES reminder_schedules (school_id, id)
);
SELECT enable_tenant_rls('reminder_runs');

-- A reminder's text is the guardian's own (their students and balances).
ALTER TABLE notification_deliveries ADD COLUMN subject text, ADD COLUMN body text;

CREATE TABLE reminder_deliveries (
    school_id   uuid          NOT NULL,
    run_id      uuid          NOT NULL,
    guardian_id uuid          NOT NULL,
    delivery_id uuid          NOT NULL,
    -- The open invoices the reminder was about, and how many reminders
    -- (this one included) the guardian has had about any of them.
    invoice_ids uuid[]        NOT NULL,
    balance     numeric(14,2) NOT NULL,
    reminder_no integer       NOT NULL,
    CONSTRAINT reminder_deliveries_pkey PRIMARY KEY (school_id, run_id, guardian_id),
    CONSTRAINT reminder_deliveries_delivery_key UNIQUE (school_id, delivery_id),
    CONSTRAINT reminder_deliveries_reminder_no_check CHECK (reminder_no >= 1),
    CONSTRAINT reminder_deliveries_run_fk FOREIGN KEY (school_id, run_id) REFERENCES reminder_runs (school_id, id),
    CONSTRAINT reminder_deliveries_guardian_fk FOREIGN KEY (school_id, guardian_id) REFERENCES guardians (school_id, id),
    CONSTRAINT reminder_deliveries_delivery_fk FOREIGN KEY (school_id, delivery_id) REFERENCES notification_deliveries (school_id, id)
);
CREATE INDEX reminder_deliveries_guardian_idx ON reminder_deliveries (school_id, guardian_id);
SELECT enable_tenant_rls('reminder_deliveries');

GRANT SELECT, INSERT, UPDATE ON reminder_schedules, reminder_runs TO schoolops_app;
GRANT SELECT, INSERT ON reminder_deliveries TO schoolops_app;

-- The scheduler in the worker must find due schedules across schools
-- before it can set a school. This function, run as its owner, returns
-- only the timing of enabled schedules: no names, no audience, no rows of
-- any other table. The policy below lets the owner (and so only this
-- function, for the runtime role) read across schools.
CREATE POLICY reminder_schedules_scheduler ON reminder_schedules FOR SELECT TO CURRENT_USER USING (true);

CREATE FUNCTION reminder_schedule_timings()
    RETURNS TABLE (school_id uuid, schedule_id uuid, cron text, timezone text, grace_seconds integer,
                   active_since timestamptz, last_tick timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT s.school_id, s.id, s.cron, s.timezone, s.grace_seconds, s.active_since, s.last_tick
          FROM public.reminder_schedules s
         WHERE s.enabled AND s.deleted_at IS NULL
    $$;
REVOKE ALL ON FUNCTION reminder_schedule_timings() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reminder_schedule_timings() TO schoolops_app;
