#!/usr/bin/env bash
# A PostgreSQL hot standby on this machine, streaming from the local primary: for the read-replica
# tests (tests/replica/) and for trying DATABASE_REPLICA_URLS by hand (docs/read-replicas.md).
#
#   scripts/pg_replica.sh [start|stop|status]     (default: start)
#
# start: makes sure the primary accepts replication from 127.0.0.1 (a `host replication` trust line
# in its pg_hba.conf, then a reload) and has wal_level >= replica; if a standby already streams on
# REPLICA_PORT it does nothing (idempotent, ~0.1 s); if its data directory exists it starts it;
# otherwise (or if that standby cannot catch up) it takes a fresh pg_basebackup (-X stream, fast
# checkpoint: a few seconds for a test cluster) and starts it. Waits until WAL is streaming.
# Runs the PostgreSQL commands as the `postgres` user when started as root.
#
# Knobs (environment): PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432), REPLICA_PORT (5433),
# PG_VERSION_DIR (the primary's major version, found from `SHOW server_version_num`),
# REPLICA_DIR (/var/lib/postgresql/<major>/replica-<port>).
set -euo pipefail

action="${1:-start}"
PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
REPLICA_PORT="${REPLICA_PORT:-5433}"

as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
primary_sql() { psql -X -q -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -c "$1"; }
replica_sql() { psql -X -q -At -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -c "$1" 2>/dev/null; }

major="$(primary_sql 'SHOW server_version_num' | cut -c1-2)"
BIN="/usr/lib/postgresql/${major}/bin"
REPLICA_DIR="${REPLICA_DIR:-/var/lib/postgresql/${major}/replica-${REPLICA_PORT}}"
LOG="${REPLICA_DIR}.log"

streaming() {
  [ "$(replica_sql "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')")" = t ]
}

wait_streaming() {
  for _ in $(seq 1 "${1:-60}"); do
    if streaming; then return 0; fi
    sleep 0.5
  done
  return 1
}

running() { [ -f "$REPLICA_DIR/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; }

stop() {
  if running; then as_pg "$BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null; fi
}

primary_prepare() {
  local level hba
  level="$(primary_sql 'SHOW wal_level')"
  if [ "$level" = minimal ]; then
    echo "pg_replica: the primary has wal_level=minimal; set wal_level=replica and restart it" >&2
    exit 1
  fi
  hba="$(primary_sql 'SHOW hba_file')"
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    printf '\n# Streaming replication to the local hot standby (scripts/pg_replica.sh)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
    primary_sql 'SELECT pg_reload_conf()' >/dev/null
    echo "pg_replica: replication from 127.0.0.1 allowed in $hba (reloaded)"
  fi
}

configure() {
  # pg_basebackup copies the data directory only (Debian keeps the configuration in /etc): the
  # standby gets its own, with the settings a hot standby must have at least as high as the primary.
  local s
  s() { primary_sql "SHOW $1"; }
  cat >"$REPLICA_DIR/postgresql.conf" <<EOF
# Written by scripts/pg_replica.sh: a hot standby of ${PRIMARY_HOST}:${PRIMARY_PORT}.
port = ${REPLICA_PORT}
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hba_file = '${REPLICA_DIR}/pg_hba.conf'
ident_file = '${REPLICA_DIR}/pg_ident.conf'
hot_standby = on
hot_standby_feedback = on
max_connections = $(s max_connections)
max_worker_processes = $(s max_worker_processes)
max_wal_senders = $(s max_wal_senders)
max_prepared_transactions = $(s max_prepared_transactions)
max_locks_per_transaction = $(s max_locks_per_transaction)
shared_buffers = 64MB
fsync = off
logging_collector = off
EOF
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$REPLICA_DIR/pg_hba.conf"
  : >"$REPLICA_DIR/pg_ident.conf"
  chown postgres:postgres "$REPLICA_DIR"/postgresql.conf "$REPLICA_DIR"/pg_hba.conf "$REPLICA_DIR"/pg_ident.conf 2>/dev/null || true
}

fresh() {
  stop || true
  rm -rf "$REPLICA_DIR"
  mkdir -p -m 700 "$REPLICA_DIR"
  chown postgres:postgres "$REPLICA_DIR" 2>/dev/null || true
  as_pg "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" \
    -X stream -c fast -R -d "application_name=replica_${REPLICA_PORT}"
  configure
}

start() {
  as_pg "$BIN/pg_ctl" -D "$REPLICA_DIR" -l "$LOG" -w -t 60 start >/dev/null
}

case "$action" in
  start)
    if streaming; then echo "pg_replica: standby on port $REPLICA_PORT is streaming"; exit 0; fi
    primary_prepare
    if [ -f "$REPLICA_DIR/standby.signal" ] && [ -f "$REPLICA_DIR/PG_VERSION" ]; then
      running || start || true
      if wait_streaming 20; then echo "pg_replica: standby on port $REPLICA_PORT started, streaming"; exit 0; fi
      echo "pg_replica: the existing standby does not stream (WAL gone?): taking a new base backup"
    fi
    touch "$LOG" && chown postgres:postgres "$LOG" 2>/dev/null || true
    fresh
    start
    if ! wait_streaming 60; then echo "pg_replica: the standby does not stream; see $LOG" >&2; exit 1; fi
    echo "pg_replica: standby on port $REPLICA_PORT is streaming from ${PRIMARY_HOST}:${PRIMARY_PORT}"
    ;;
  stop) stop ;;
  status) if streaming; then echo streaming; else echo "not streaming"; exit 1; fi ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
