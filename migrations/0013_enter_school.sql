-- The tenant prologue in one statement: set the transaction's school and
-- user, then read the user's role there. The api sends it in the same
-- simple-protocol message as BEGIN ("BEGIN; SELECT enter_school(...)"), so
-- a tenant request spends one round trip before its own query instead of
-- three. PL/pgSQL runs the two steps in order (the role is read under the
-- settings just made, through school_memberships' row security) and keeps
-- the membership query's plan for the session.
--
-- SECURITY INVOKER: the caller's row security applies; the function grants
-- nothing the runtime role could not do with the two statements itself.
-- Names are schema-qualified instead of a SET search_path clause, which
-- would cost a GUC save and restore on every request.
-- NULL when the user is not a member, or the school does not exist (the
-- caller cannot tell the two apart), or the account is deleted.
CREATE FUNCTION enter_school(school uuid, member uuid) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY INVOKER
    AS $$
BEGIN
    PERFORM pg_catalog.set_config('app.current_school_id', school::text, true),
            pg_catalog.set_config('app.current_user_id', member::text, true);
    RETURN (SELECT m.role
              FROM public.school_memberships m JOIN public.users u ON u.id = m.user_id
             WHERE m.school_id = school AND m.user_id = member AND u.deleted_at IS NULL);
END
$$;

REVOKE ALL ON FUNCTION enter_school(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION enter_school(uuid, uuid) TO schoolops_app;
