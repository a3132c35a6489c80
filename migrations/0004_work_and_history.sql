-- Async operations, events, notifications, chat, idempotency and the audit
-- log, then what the runtime role may do with each table.

CREATE TABLE operations (
    school_id      uuid        NOT NULL,
    id             uuid        NOT NULL,
    kind           text        NOT NULL,
    status         text        NOT NULL DEFAULT 'queued',
    progress_done  integer     NOT NULL DEFAULT 0,
    progress_total integer,
    result         jsonb,
    error          jsonb,
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    CONSTRAINT operations_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT operations_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    CONSTRAINT operations_school_fk FOREIGN KEY (school_id) REFERENCES schools (id),
    CONSTRAINT operations_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
SELECT enable_tenant_rls('operations');

-- Append-only: the worker appends and pg_notify's the id in one transaction;
-- SSE clients resume from the table with Last-Event-ID.
CREATE TABLE events (
    school_id  uuid        NOT NULL,
    id         bigint      GENERATED ALWAYS AS IDENTITY,
    kind       text        NOT NULL,
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT events_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('events');

CREATE TABLE notifications (
    school_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    type       text        NOT NULL,
    subject    text        NOT NULL,
    body       text        NOT NULL,
    audience   jsonb       NOT NULL DEFAULT '{}',
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT notifications_type_check CHECK (type IN ('IN_APP', 'EMAIL')),
    CONSTRAINT notifications_school_fk FOREIGN KEY (school_id) REFERENCES schools (id),
    CONSTRAINT notifications_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);
SELECT enable_tenant_rls('notifications');

CREATE TABLE notification_deliveries (
    school_id       uuid        NOT NULL,
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    notification_id uuid        NOT NULL,
    guardian_id     uuid        NOT NULL,
    channel         text        NOT NULL,
    address         text,
    status          text        NOT NULL DEFAULT 'QUEUED',
    attempts        integer     NOT NULL DEFAULT 0,
    error           text,
    sent_at         timestamptz,
    CONSTRAINT notification_deliveries_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT notification_deliveries_recipient_key UNIQUE (school_id, notification_id, guardian_id),
    CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('IN_APP', 'EMAIL')),
    CONSTRAINT notification_deliveries_status_check CHECK (status IN ('QUEUED', 'SENT', 'FAILED')),
    CONSTRAINT notification_deliveries_notification_fk FOREIGN KEY (school_id, notification_id) REFERENCES notifications (school_id, id),
    CONSTRAINT notification_deliveries_guardian_fk FOREIGN KEY (school_id, guardian_id) REFERENCES guardians (school_id, id)
);
SELECT enable_tenant_rls('notification_deliveries');

CREATE TABLE chat_sessions (
    school_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    title      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_sessions_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT chat_sessions_school_fk FOREIGN KEY (school_id) REFERENCES schools (id),
    CONSTRAINT chat_sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
SELECT enable_tenant_rls('chat_sessions');

CREATE TABLE chat_messages (
    school_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    session_id   uuid        NOT NULL,
    role         text        NOT NULL,
    content      text        NOT NULL DEFAULT '',
    status       text        NOT NULL,
    action       jsonb,
    error        text,
    reply_to     uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    CONSTRAINT chat_messages_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT chat_messages_role_check CHECK (role IN ('user', 'assistant')),
    CONSTRAINT chat_messages_status_check CHECK (status IN ('pending', 'streaming', 'completed', 'failed')),
    CONSTRAINT chat_messages_session_fk FOREIGN KEY (school_id, session_id) REFERENCES chat_sessions (school_id, id),
    CONSTRAINT chat_messages_reply_to_fk FOREIGN KEY (school_id, reply_to) REFERENCES chat_messages (school_id, id)
);
CREATE INDEX chat_messages_session_idx ON chat_messages (school_id, session_id, created_at);
SELECT enable_tenant_rls('chat_messages');

-- A retried POST with the same Idempotency-Key gets the first answer.
CREATE TABLE idempotency_keys (
    school_id       uuid        NOT NULL,
    user_id         uuid        NOT NULL,
    key             text        NOT NULL,
    request_hash    bytea       NOT NULL,
    response_status smallint    NOT NULL,
    response_body   jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (school_id, user_id, key),
    CONSTRAINT idempotency_keys_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('idempotency_keys');

CREATE TABLE audit_log (
    school_id     uuid        NOT NULL,
    id            bigint      GENERATED ALWAYS AS IDENTITY,
    actor_user_id uuid,
    action        text        NOT NULL,
    entity        text        NOT NULL,
    entity_id     text        NOT NULL,
    before        jsonb,
    after         jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_log_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT audit_log_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('audit_log');

-- The runtime role: data access only. It owns nothing, so RLS binds it;
-- history tables are append-only for it; it never sees the migration table.
GRANT USAGE ON SCHEMA public TO schoolops_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO schoolops_app;
REVOKE UPDATE, DELETE ON events, audit_log, journal_entries, journal_lines FROM schoolops_app;
REVOKE DELETE ON users, schools, invoices, invoice_lines, payments, operations, notifications,
    notification_deliveries, chat_messages FROM schoolops_app;
REVOKE ALL ON _sqlx_migrations FROM schoolops_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO schoolops_app;
