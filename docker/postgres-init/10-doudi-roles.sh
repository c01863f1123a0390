#!/bin/sh
# The two database roles Doudi connects as (docs/operations.md, "Database roles"):
#   DOUDI_DB_OWNER  owns the schema; the migrate service runs migrations with it, then
#                   `grant_app_role`, which gives the application role its rights;
#   DOUDI_DB_APP    web and Celery at run time: no DDL, and INSERT and SELECT only on the
#                   audit tables, whose triggers refuse UPDATE, DELETE and TRUNCATE anyway.
# Neither is a superuser: only POSTGRES_USER is, and nothing of Doudi connects as it.
#
# The postgres image runs this once, on the first start with an empty data volume. On an
# existing volume run it by hand (it is idempotent and also resets the two passwords):
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-doudi-roles.sh
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" \
    -v owner="$DOUDI_DB_OWNER" -v owner_password="$DOUDI_DB_OWNER_PASSWORD" \
    -v app="$DOUDI_DB_APP" -v app_password="$DOUDI_DB_APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'owner')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    PASSWORD :'owner_password';
ALTER ROLE :"app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT
    PASSWORD :'app_password';
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"owner", :"app";
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
SQL
