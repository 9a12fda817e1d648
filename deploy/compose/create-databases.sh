#!/bin/sh
# One-off step of compose.yaml: a PostgreSQL role and database per service, each with the password that
# `carrots keys generate` wrote to secrets/<service>/database.password. Safe to run again.
set -eu
for file in "${SECRETS_DIR:-/secrets}"/*/database.password; do
    service=$(basename "$(dirname "$file")")
    password=$(cat "$file")
    psql -v ON_ERROR_STOP=1 -v name="$service" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
ALTER ROLE :"name" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
    echo "database $service ready"
done
