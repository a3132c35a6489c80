-- The job queue lives in the apalis schema (its own migrations run first,
-- as the owner). The runtime role pushes, fetches, acks and heartbeats:
-- data access only, no DDL. Queue tables are not per school: a job names
-- its school and the worker sets the tenant before touching school rows.
GRANT USAGE ON SCHEMA apalis TO schoolops_app;
GRANT SELECT, INSERT, UPDATE ON apalis.jobs, apalis.workers TO schoolops_app;
