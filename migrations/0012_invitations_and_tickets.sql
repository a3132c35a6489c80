-- Members join by invitation: a school invites an email address with a
-- role; the person behind it (once they have an account with that email)
-- accepts or declines. Event-stream tickets are spent on first use.

CREATE TABLE member_invitations (
    school_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    -- Normalised (text::email): lower case, NFKC, no invisible characters.
    email       text        NOT NULL,
    role        text        NOT NULL,
    -- PENDING until accepted, declined or revoked; a PENDING invitation
    -- past expires_at reads as EXPIRED and can no longer be accepted.
    status      text        NOT NULL DEFAULT 'PENDING',
    invited_by  uuid        NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    decided_at  timestamptz,
    -- When the invitation email went out (the worker's notifications.email
    -- sibling, invitations.email).
    emailed_at  timestamptz,
    CONSTRAINT member_invitations_pkey PRIMARY KEY (school_id, id),
    CONSTRAINT member_invitations_id_key UNIQUE (id),
    CONSTRAINT member_invitations_email_lower CHECK (email = lower(email)),
    CONSTRAINT member_invitations_role_check CHECK (role IN ('OWNER', 'ADMIN', 'BURSAR', 'TEACHER', 'VIEWER')),
    CONSTRAINT member_invitations_status_check CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED')),
    CONSTRAINT member_invitations_school_fk FOREIGN KEY (school_id) REFERENCES schools (id),
    CONSTRAINT member_invitations_invited_by_fk FOREIGN KEY (invited_by) REFERENCES users (id)
);
-- One open invitation per school and address: inviting again refreshes it.
CREATE UNIQUE INDEX member_invitations_pending_key ON member_invitations (school_id, email) WHERE status = 'PENDING';
CREATE INDEX member_invitations_invitee_idx ON member_invitations (email) WHERE status = 'PENDING';
SELECT enable_tenant_rls('member_invitations');
GRANT SELECT, INSERT, UPDATE ON member_invitations TO schoolops_app;

-- The invitee is not (yet) a member of the inviting school, so row
-- security hides its invitations from them. These two functions, run as
-- their owner, show a caller only the open invitations addressed to their
-- own account's email (app.current_user_id), and nothing else: accepting
-- and declining then run in an ordinary tenant transaction on the
-- invitation's school. The policies below let the owner (and so only
-- these functions, for the runtime role) read across schools.
CREATE POLICY member_invitations_invitee ON member_invitations FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY schools_invitee ON schools FOR SELECT TO CURRENT_USER USING (true);

CREATE FUNCTION my_invitations()
    RETURNS TABLE (id uuid, school_id uuid, school_name text, role text, invited_by_name text,
                   created_at timestamptz, expires_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT i.id, i.school_id, s.name, i.role, inviter.full_name, i.created_at, i.expires_at
          FROM public.users me
          JOIN public.member_invitations i ON i.email = me.email
          JOIN public.schools s ON s.id = i.school_id
          LEFT JOIN public.users inviter ON inviter.id = i.invited_by
         WHERE me.id = public.app_user_id() AND me.deleted_at IS NULL
           AND i.status = 'PENDING' AND i.expires_at > now()
         ORDER BY i.created_at DESC, i.id
    $$;

-- The school of an open invitation addressed to the caller; NULL for any
-- other id (someone else's, expired, decided, or none at all).
CREATE FUNCTION my_invitation_school(invitation uuid) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT i.school_id
          FROM public.users me
          JOIN public.member_invitations i ON i.email = me.email
         WHERE me.id = public.app_user_id() AND me.deleted_at IS NULL
           AND i.id = invitation AND i.status = 'PENDING' AND i.expires_at > now()
    $$;

REVOKE ALL ON FUNCTION my_invitations(), my_invitation_school(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION my_invitations(), my_invitation_school(uuid) TO schoolops_app;

-- Event-stream tickets spent: a ticket's id (jti) is recorded on first
-- use and refused after; rows past their ticket's expiry are deleted as
-- new tickets are spent.
CREATE TABLE event_ticket_uses (
    school_id  uuid        NOT NULL,
    jti        uuid        NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT event_ticket_uses_pkey PRIMARY KEY (school_id, jti),
    CONSTRAINT event_ticket_uses_school_fk FOREIGN KEY (school_id) REFERENCES schools (id)
);
SELECT enable_tenant_rls('event_ticket_uses');
GRANT SELECT, INSERT, DELETE ON event_ticket_uses TO schoolops_app;
