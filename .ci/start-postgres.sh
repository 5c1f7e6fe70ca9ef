#!/usr/bin/env bash
# Start the machine's PostgreSQL 15 (as root) and give the tests a password-authenticated role
# and a database. Idempotent. Source it to get PGCACHE_TEST_DATABASE_URL in the environment.
set -euo pipefail

PG_USER=pgcache
PG_PASSWORD=pgcache-test
PG_DB=pgcache_test

if ! pg_lsclusters 2>/dev/null | grep -q '^15 \+main .*online'; then
  pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432

as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA $*"; }
if [ "$(as_postgres "-c \"SELECT 1 FROM pg_roles WHERE rolname = '${PG_USER}'\"")" != "1" ]; then
  as_postgres "-c \"CREATE ROLE ${PG_USER} LOGIN PASSWORD '${PG_PASSWORD}'\""
fi
if [ "$(as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname = '${PG_DB}'\"")" != "1" ]; then
  as_postgres "-c \"CREATE DATABASE ${PG_DB} OWNER ${PG_USER}\""
fi

export PGCACHE_TEST_DATABASE_URL="postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:5432/${PG_DB}"
# CI must fail, not skip, when the server cannot be reached.
export PGCACHE_REQUIRE_POSTGRES=1
echo "PostgreSQL ready: postgres://${PG_USER}:***@127.0.0.1:5432/${PG_DB}"
