-- Retention: the worker deletes finished jobs and old events on a
-- schedule. The runtime role cannot do it with plain SQL, on purpose:
-- events are append-only for it (0004), it has no DELETE on the queue
-- (0006), and RLS shows it one school at a time. These functions, run as
-- their owner, delete only by age and only what has finished; they take
-- a batch size so each call is a short transaction.

-- Pruning finds old events by age across schools.
CREATE INDEX events_created_at_idx ON events (created_at);

-- Let the owner (and so only these functions, for the runtime role) read
-- and delete events across schools; the tenant policy still binds every
-- other query. DELETE ... WHERE reads the rows, hence SELECT as well.
CREATE POLICY events_pruning_select ON events FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY events_pruning_delete ON events FOR DELETE TO CURRENT_USER USING (true);

-- Deletes up to `batch` events older than `keep_days` days, oldest first;
-- returns how many. SSE clients resuming from a pruned id simply get what
-- is newer.
CREATE FUNCTION prune_events(keep_days integer, batch integer) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    deleted bigint;
BEGIN
    IF keep_days IS NULL OR keep_days < 1 OR batch IS NULL OR batch < 1 OR batch > 100000 THEN
        RAISE EXCEPTION 'prune_events: keep_days must be at least 1 and batch between 1 and 100000'
            USING ERRCODE = '22023';
    END IF;
    WITH doomed AS (
        SELECT e.school_id, e.id
          FROM public.events e
         WHERE e.created_at < now() - make_interval(days => keep_days)
         ORDER BY e.created_at
         LIMIT batch
    )
    DELETE FROM public.events e
     USING doomed d
     WHERE e.school_id = d.school_id AND e.id = d.id;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END $$;

-- Deletes up to `batch` finished jobs (Done, Killed, or Failed with no
-- attempts left) that finished more than `keep_days` days ago, then
-- workers unseen as long that no remaining job names. Pending, queued,
-- running and retrying jobs are never touched. A job's idempotency key
-- goes with it; the domain's own unique keys (one run per reminder tick,
-- one invoice per student and term) are what stop a repeat.
CREATE FUNCTION prune_finished_jobs(keep_days integer, batch integer) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    deleted bigint;
BEGIN
    IF keep_days IS NULL OR keep_days < 1 OR batch IS NULL OR batch < 1 OR batch > 100000 THEN
        RAISE EXCEPTION 'prune_finished_jobs: keep_days must be at least 1 and batch between 1 and 100000'
            USING ERRCODE = '22023';
    END IF;
    WITH doomed AS (
        SELECT j.id
          FROM apalis.jobs j
         WHERE (j.status IN ('Done', 'Killed') OR (j.status = 'Failed' AND j.attempts >= j.max_attempts))
           AND j.done_at < now() - make_interval(days => keep_days)
         LIMIT batch
           FOR UPDATE SKIP LOCKED
    )
    DELETE FROM apalis.jobs j
     USING doomed d
     WHERE j.id = d.id;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    IF deleted < batch THEN
        DELETE FROM apalis.workers w
         WHERE w.last_seen < now() - make_interval(days => keep_days)
           AND NOT EXISTS (SELECT 1 FROM apalis.jobs j WHERE j.lock_by = w.id);
    END IF;
    RETURN deleted;
END $$;

REVOKE ALL ON FUNCTION prune_events(integer, integer), prune_finished_jobs(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prune_events(integer, integer), prune_finished_jobs(integer, integer) TO schoolops_app;
