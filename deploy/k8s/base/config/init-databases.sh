#!/bin/sh
# Creates one database per payrisk service, each owned by its own role, on the first start of an empty
# data directory (the official postgres image runs /docker-entrypoint-initdb.d/* then, and never again).
# Each role's password comes from <SERVICE>_DB_PASSWORD in the environment; nothing here is a secret.
set -eu

for service in ingest risk push ledger; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || true)"
  if [ -z "$password" ]; then
    echo "init-databases: $variable is not set" >&2
    exit 1
  fi
  echo "init-databases: database and role $service"
  # psql's variables quote the name and the password (:"name" and :'password'), so no value is spliced
  # into SQL by the shell.
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v name="$service" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
