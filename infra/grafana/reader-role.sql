-- A login role for Grafana that can read the tables the proxysweep dashboards query, and nothing else.
-- Run as the database owner (or a superuser) in the proxysweep database, then give the role a password
-- without putting it in a file or in shell history:
--   psql "$DATABASE_URL" -f infra/grafana/reader-role.sql
--   psql "$DATABASE_URL" -c '\password proxysweep_reader'
-- Safe to run again (after migrations that add tables, for example).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'proxysweep_reader') THEN
    CREATE ROLE proxysweep_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO proxysweep_reader', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO proxysweep_reader;

-- Only what the dashboards read; `checkpoints` (model weights) and `schema_migrations` stay private.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM proxysweep_reader;
GRANT SELECT ON sweeps, cells, epoch_metrics, am_results, rung_results, workers TO proxysweep_reader;

-- Even a mistaken or crafted dashboard query cannot write or run forever.
ALTER ROLE proxysweep_reader SET default_transaction_read_only = on;
ALTER ROLE proxysweep_reader SET statement_timeout = '30s';
