#!/usr/bin/env bash
# Services the tests need, from Debian's packages: PostgreSQL for the history store's tests,
# started on loopback in its own data folder, and Chromium for the report's browser test.
#
# `.ci/run` sources this file, so the URL it exports (LEDGERGUARD_TEST_POSTGRES_URL) reaches the
# tests; `bash .ci/services.sh` works alone too. Safe to run again: installed packages, the data
# folder, a running server, the role and the database are reused.

_ledgerguard_services() (
  set -euo pipefail
  state=/var/tmp/ledgerguard-ci-postgres
  data=$state/data

  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
  if ((${#need[@]})); then
    echo "services: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q "${need[@]}" >&2
  fi
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  as_postgres() { runuser -u postgres -- "$@"; }

  mkdir -p "$state"
  chown postgres:postgres "$state"
  chmod 700 "$state"
  if [ ! -s "$data/PG_VERSION" ]; then
    echo "services: creating a PostgreSQL cluster in $data" >&2
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$state/password"
    port=54320
    while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    echo "$port" >"$state/port"
    as_postgres "$bin/initdb" -D "$data" -U postgres -E UTF8 \
      --auth-local=peer --auth-host=scram-sha-256 >&2
  fi
  port=$(cat "$state/port")
  password=$(cat "$state/password")

  if ! as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "services: starting PostgreSQL on 127.0.0.1:$port" >&2
    as_postgres "$bin/pg_ctl" -D "$data" -l "$state/server.log" -w -t 60 \
      -o "-p $port -k $state -c listen_addresses=127.0.0.1" start >&2
  fi
  psql=(as_postgres "$bin/psql" -h "$state" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'ledgerguard'")" ]; then
    "${psql[@]}" -c "CREATE ROLE ledgerguard LOGIN PASSWORD '$password'" >&2
  fi
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'ledgerguard'")" ]; then
    "${psql[@]}" -c "CREATE DATABASE ledgerguard OWNER ledgerguard" >&2
  fi

  chromium --version >&2
  echo "postgresql+psycopg://ledgerguard:$password@127.0.0.1:$port/ledgerguard"
)

if _ledgerguard_url=$(_ledgerguard_services); then
  export LEDGERGUARD_TEST_POSTGRES_URL=$_ledgerguard_url
  echo "services: PostgreSQL at ${_ledgerguard_url/:*@/:***@}; Chromium ready" >&2
  unset _ledgerguard_url
else
  echo "services: setup failed" >&2
  unset _ledgerguard_url
  return 1 2>/dev/null || exit 1
fi
