#!/bin/sh
# Creates one database and owner per service (each service owns its data). Runs once, on the
# first start of an empty PostgreSQL volume. Passwords come from the environment:
# <SERVICE>_DB_PASSWORD for registry, offers, meetings, notifications, planning and web.
set -eu
create() {
  name="$1"; password="$2"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
}
create registry "$REGISTRY_DB_PASSWORD"
create offers "$OFFERS_DB_PASSWORD"
create meetings "$MEETINGS_DB_PASSWORD"
create notifications "$NOTIFICATIONS_DB_PASSWORD"
create planning "$PLANNING_DB_PASSWORD"
# web last: the compose health check waits for this database.
create web "$WEB_DB_PASSWORD"
