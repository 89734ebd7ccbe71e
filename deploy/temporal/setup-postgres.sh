#!/bin/sh
# Creates Temporal's two databases on the compose stack's PostgreSQL and brings their schemas to
# the versions this server release expects, with the release's own temporal-sql-tool and the
# schema files it embeds (the same steps `npm run topology` runs on this machine). Idempotent:
# on an existing database it only applies missing versions.
set -eu
for db in temporal:postgresql/v12/temporal temporal_visibility:postgresql/v12/visibility; do
  name=${db%%:*}
  schema=${db#*:}
  tool="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} --port ${DB_PORT} --user ${POSTGRES_USER} --db ${name}"
  $tool create-database 2>/dev/null || echo "database ${name} exists"
  $tool setup-schema -v 0.0
  $tool update-schema --schema-name "${schema}"
done
echo 'Temporal schema ready'
