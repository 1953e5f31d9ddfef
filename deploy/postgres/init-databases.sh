#!/bin/sh
# Creates one database and owner per service (each service owns its data). Runs once, on the
# first start of an empty PostgreSQL volume. Passwords come from the environment.
set -eu
create() {
  name="$1"; password="$2"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name') \gexec
SQL
}
create registry "$REGISTRY_DB_PASSWORD"
