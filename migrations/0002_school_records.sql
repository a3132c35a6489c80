-- Every table here belongs to one school: school_id NOT NULL, primary key
-- and every foreign key between tenant tables lead with school_id (so an id
-- from another school cannot be linked, and the schema distributes by
-- school_id), and row-level security is enabled and forced.

-- One call per tenant table: RLS on, forced for the owner too, one policy
-- that both filters reads and checks writes.
CREATE FUNCTION enable_tenant_rls(t regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
        'CREATE POLICY %I ON %s USING (school_id = app_school_id()) WITH CHECK (school_id = app_school_id())',
        replace(t::text, '.', '_') || '_tenant', t);
END $$;

CREATE TABLE grade_levels (
    school_id  uuid    NOT NULL,
    id         uuid    NOT NULL DEFAULT gen_random_uuid(),
    name       text    NOT NULL,
    stage      text    NOT NULL,
    sort_order integer NOT NULL,
    CONSTRAINT grade_levels_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT grade_levels_school_name_key UNIQUE (school_id, name),
    CONSTRAINT grade_levels_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('grade_levels');

CREATE TABLE academic_terms (
    school_id uuid     NOT NULL,
    id        uuid     NOT NULL DEFAULT gen_random_uuid(),
    year      integer  NOT NULL,
    term      smallint NOT NULL,
    starts_on date     NOT NULL,
    ends_on   date     NOT NULL,
    CONSTRAINT academic_terms_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT academic_terms_school_year_term_key UNIQUE (school_id, year, term),
    CONSTRAINT academic_terms_term_check CHECK (term BETWEEN 1 AND 3),
    CONSTRAINT academic_terms_dates_check CHECK (ends_on > starts_on),
    CONSTRAINT academic_terms_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('academic_terms');

CREATE TABLE classes (
    school_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    name          text        NOT NULL,
    level_id      uuid        NOT NULL,
    stream        text,
    academic_year integer     NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT classes_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT classes_school_year_name_key UNIQUE (school_id, academic_year, name),
    CONSTRAINT classes_year_check CHECK (academic_year BETWEEN 2000 AND 2100),
    CONSTRAINT classes_level_fk FOREIGN KEY (school_id, level_id) REFERENCES grade_levels (school_id, id)
);
SELECT enable_tenant_rls('classes');

CREATE TABLE guardians (
    school_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    first_name   text        NOT NULL,
    last_name    text        NOT NULL,
    email        text,
    phone        text,
    relationship text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT guardians_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT guardians_phone_format CHECK (phone ~ '^\+254[17][0-9]{8}$'),
    CONSTRAINT guardians_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('guardians');

CREATE TABLE students (
    school_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    admission_no  text        NOT NULL,
    first_name    text        NOT NULL,
    last_name     text        NOT NULL,
    gender        text,
    date_of_birth date,
    class_id      uuid,
    status        text        NOT NULL DEFAULT 'ACTIVE',
    upi_no        text,
    knec_no       text,
    birth_cert_no text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT students_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT students_school_admission_no_key UNIQUE (school_id, admission_no),
    CONSTRAINT students_school_upi_key UNIQUE (school_id, upi_no),
    CONSTRAINT students_school_knec_key UNIQUE (school_id, knec_no),
    CONSTRAINT students_school_birth_cert_key UNIQUE (school_id, birth_cert_no),
    CONSTRAINT students_status_check CHECK (status IN ('ACTIVE', 'SUSPENDED', 'TRANSFERRED', 'GRADUATED', 'WITHDRAWN')),
    CONSTRAINT students_gender_check CHECK (gender IN ('MALE', 'FEMALE', 'OTHER')),
    CONSTRAINT students_class_fk FOREIGN KEY (school_id, class_id) REFERENCES classes (school_id, id)
);
CREATE INDEX students_class_idx ON students (school_id, class_id);
CREATE TRIGGER students_touch BEFORE UPDATE ON students FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
SELECT enable_tenant_rls('students');

CREATE TABLE student_guardians (
    school_id    uuid    NOT NULL,
    student_id   uuid    NOT NULL,
    guardian_id  uuid    NOT NULL,
    is_primary   boolean NOT NULL DEFAULT false,
    CONSTRAINT student_guardians_pkey PRIMARY KEY (school_id, student_id, guardian_id),
    CONSTRAINT student_guardians_student_fk FOREIGN KEY (school_id, student_id) REFERENCES students (school_id, id) ON DELETE CASCADE,
    CONSTRAINT student_guardians_guardian_fk FOREIGN KEY (school_id, guardian_id) REFERENCES guardians (school_id, id)
);
CREATE UNIQUE INDEX student_guardians_one_primary ON student_guardians (school_id, student_id) WHERE is_primary;
CREATE INDEX student_guardians_guardian_idx ON student_guardians (school_id, guardian_id);
SELECT enable_tenant_rls('student_guardians');
