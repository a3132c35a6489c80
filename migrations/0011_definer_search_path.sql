-- Every SECURITY DEFINER function ends its search_path with pg_temp. Where
-- pg_temp is not named, PostgreSQL searches it first, so a caller could
-- shadow a table or function the definer's code names with a temporary
-- one of its own and run it with the owner's rights.
DO $$
DECLARE
    definer regprocedure;
BEGIN
    FOR definer IN
        SELECT p.oid::regprocedure
          FROM pg_proc p
          JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.prosecdef
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', definer);
    END LOOP;
END
$$;
