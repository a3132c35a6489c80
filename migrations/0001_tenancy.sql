-- Tenancy foundations: the functions every row-level security policy uses,
-- the global identity tables, schools and memberships.
--
-- Runs as the owner role (schoolops_owner). The runtime role (schoolops_app)
-- is created beforehand by `schoolops-admin setup`; it owns nothing and
-- cannot bypass RLS.

-- The school and user of the current transaction. set_config(..., true)
-- leaves '' behind once the transaction ends, so '' must read as "none".
CREATE FUNCTION app_school_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.current_school_id', true), '')::uuid $$;

CREATE FUNCTION app_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$;

CREATE FUNCTION touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

-- Global: a person may belong to many schools.
CREATE TABLE users (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    email         text        NOT NULL,
    full_name     text        NOT NULL,
    password_hash text        NOT NULL,
    failed_logins integer     NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_lower CHECK (email = lower(email)),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE refresh_tokens (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid        NOT NULL,
    family_id   uuid        NOT NULL,
    token_hash  bytea       NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT refresh_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE schools (
    id         uuid        NOT NULL,
    name       text        NOT NULL,
    address    text,
    contact    text,
    timezone   text        NOT NULL DEFAULT 'Africa/Nairobi',
    created_by uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schools_pkey PRIMARY KEY (id),
    CONSTRAINT schools_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT schools_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
);

CREATE TABLE school_memberships (
    school_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    role       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT school_memberships_pkey PRIMARY KEY (school_id, user_id),
    CONSTRAINT school_memberships_role_check CHECK (role IN ('OWNER', 'ADMIN', 'BURSAR', 'TEACHER', 'VIEWER')),
    CONSTRAINT school_memberships_school_fk FOREIGN KEY (school_id) REFERENCES schools (id),
    CONSTRAINT school_memberships_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX school_memberships_user_idx ON school_memberships (user_id);

-- A member sees the school selected for the transaction, and the schools
-- they belong to (so GET /schools/my works without a school selected).
ALTER TABLE school_memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE school_memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY school_memberships_tenant ON school_memberships
    USING (school_id = app_school_id() OR user_id = app_user_id())
    WITH CHECK (school_id = app_school_id());

ALTER TABLE schools ENABLE ROW LEVEL SECURITY;
ALTER TABLE schools FORCE ROW LEVEL SECURITY;
CREATE POLICY schools_tenant ON schools
    USING (
        id = app_school_id()
        OR EXISTS (SELECT 1 FROM school_memberships m WHERE m.school_id = schools.id AND m.user_id = app_user_id())
    )
    WITH CHECK (id = app_school_id());
