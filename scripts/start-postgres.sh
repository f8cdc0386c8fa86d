#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster on loopback (127.0.0.1:5432) for
# the storage tests, creates the role and database `hecmap_test` (the role
# may create databases: each test makes its own), and prints the URL:
#   export HECMAP_TEST_DATABASE_URL=$(scripts/start-postgres.sh)
# Idempotent. Needs the `postgresql` package (scripts/install-deps.sh --test).
set -euo pipefail

version="${PG_VERSION:-15}"
cluster="${PG_CLUSTER:-main}"
port="${PG_PORT:-5432}"
password="${HECMAP_TEST_DB_PASSWORD:-hecmap_test_pw}"

as_root=()
[[ $(id -u) -ne 0 ]] && as_root=(sudo)

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "start-postgres: pg_ctlcluster not found; install postgresql (scripts/install-deps.sh --test)" >&2
  exit 1
fi
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version $cluster"; then
  "${as_root[@]}" pg_createcluster "$version" "$cluster" -p "$port" >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -qx online; then
  "${as_root[@]}" pg_ctlcluster "$version" "$cluster" start >&2
fi
for _ in $(seq 100); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.1
done
pg_isready -q -h 127.0.0.1 -p "$port" || { echo "start-postgres: PostgreSQL is not answering on 127.0.0.1:$port" >&2; exit 1; }

psql_admin() {
  "${as_root[@]}" runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qAt "$@"
}
if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'hecmap_test'")" ]]; then
  psql_admin -c "CREATE ROLE hecmap_test LOGIN CREATEDB PASSWORD '$password'" >&2
else
  psql_admin -c "ALTER ROLE hecmap_test LOGIN CREATEDB PASSWORD '$password'" >&2
fi
if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'hecmap_test'")" ]]; then
  psql_admin -c "CREATE DATABASE hecmap_test OWNER hecmap_test" >&2
fi
echo "postgres://hecmap_test:${password}@127.0.0.1:${port}/hecmap_test"
