#!/bin/sh
# Runs in temporalio/admin-tools: creates Temporal's databases in proxysweep's PostgreSQL and brings their
# schemas to this release (the SQL is embedded in temporal-sql-tool). Safe to run again: a current schema is
# left alone. Connection settings come from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD.
set -eu
for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}
  schema=postgresql/v12/${db#*:}
  echo "temporal-schema: database ${name}, schema ${schema}"
  temporal-sql-tool --database "${name}" create-database || echo "temporal-schema: ${name} exists"
  temporal-sql-tool --database "${name}" setup-schema -v 0.0
  temporal-sql-tool --database "${name}" update-schema --schema-name "${schema}"
done
