#!/bin/sh
# Runs in the postgres image after `proxysweep db migrate`: creates Grafana's SELECT-only role
# (infra/grafana/reader-role.sql) and sets its password from GRAFANA_DB_PASSWORD. psql reads the password from
# its own environment (\getenv, psql 15+), so it is in no command line. Connection: PGHOST, PGUSER, PGPASSWORD,
# PGDATABASE.
set -eu
: "${GRAFANA_DB_PASSWORD:?GRAFANA_DB_PASSWORD is not set}"
psql -v ON_ERROR_STOP=1 -q -f "${READER_ROLE_SQL:-/reader-role.sql}"
psql -v ON_ERROR_STOP=1 -q <<'SQL'
\getenv pw GRAFANA_DB_PASSWORD
ALTER ROLE proxysweep_reader PASSWORD :'pw';
SQL
echo "grafana-reader: role proxysweep_reader ready"
