#!/usr/bin/env bash
# A local streaming replica of the PostgreSQL cluster on 5432, for the tests and bench:scale.
#   scripts/replica-cluster.sh start|stop|kill|status [port]     (default port 5433)
# start: lets a replication role connect to the primary (idempotent: role harmgrid_replicator, one
# pg_hba line and a configuration reload; nothing else of the primary changes), keeps a physical slot
# harmgrid_replica_<port> so the primary holds the WAL the replica has not received (a busy primary
# recycles it within seconds otherwise), makes the replica with pg_basebackup -R into
# /tmp/harmgrid-replica-<port> the first time, starts it as the postgres user and waits until it
# streams. kill stops it at once (immediate), as a crash would, and keeps the slot for a restart;
# stop shuts it down, drops the slot (so the primary keeps no WAL for it) and removes its folder.
# The replica copies the whole primary cluster, so it needs as much disk as the primary holds.
set -euo pipefail
cmd="${1:-start}"
port="${2:-${HARMGRID_REPLICA_PORT:-5433}}"
primary_port="${HARMGRID_PRIMARY_PORT:-5432}"
dir="${HARMGRID_REPLICA_DIR:-/tmp/harmgrid-replica-$port}"
slot="harmgrid_replica_$port"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_primary() { psql -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
running() { [ -f "$dir/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; }

allow_replication() {
  psql_primary -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'harmgrid_replicator') THEN CREATE ROLE harmgrid_replicator WITH REPLICATION LOGIN; END IF;
  END \$\$"
  local hba line="host replication harmgrid_replicator 127.0.0.1/32 trust"
  hba="$(psql_primary -c 'SHOW hba_file')"
  if ! grep -qxF "$line" "$hba"; then
    printf '%s\n' "# harmgrid: local streaming replicas (scripts/replica-cluster.sh)" "$line" >> "$hba"
    psql_primary -c 'SELECT pg_reload_conf()' >/dev/null
  fi
}
drop_slot() { psql_primary -c "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots WHERE slot_name = '$slot' AND NOT active" >/dev/null; }

case "$cmd" in
  start)
    allow_replication
    if [ ! -f "$dir/standby.signal" ]; then
      drop_slot
      psql_primary -c "SELECT pg_create_physical_replication_slot('$slot', true)" >/dev/null
      rm -rf "$dir"; mkdir -p "$dir"; chown postgres:postgres "$dir" 2>/dev/null || true; chmod 700 "$dir"
      echo "replica $port: base backup of 127.0.0.1:$primary_port into $dir"
      as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U harmgrid_replicator -D "$dir" -X stream -R -c fast -S "$slot"
    fi
    # A Debian cluster keeps its configuration outside the data folder: give the replica its own.
    # A hot standby needs at least the primary's connection and worker limits.
    max_conn="$(psql_primary -c 'SHOW max_connections')"
    max_workers="$(psql_primary -c 'SHOW max_worker_processes')"
    as_pg tee "$dir/postgresql.conf" >/dev/null <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = on
max_connections = $max_conn
max_worker_processes = $max_workers
shared_buffers = 128MB
max_standby_streaming_delay = 5s
EOF
      as_pg tee "$dir/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
    as_pg touch "$dir/pg_ident.conf"
    if ! running; then as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 120 start >/dev/null; fi
    for _ in $(seq 1 60); do
      [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c 'SELECT pg_is_in_recovery() AND pg_last_wal_receive_lsn() IS NOT NULL' 2>/dev/null)" = t ] && { echo "replica $port: streaming from $primary_port"; exit 0; }
      sleep 1
    done
    echo "replica $port did not start streaming; see $dir/server.log" >&2; exit 1 ;;
  stop)
    if running; then as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null; fi
    drop_slot; rm -rf "$dir"; echo "replica $port: stopped, slot dropped, folder removed" ;;
  kill) if running; then as_pg "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null; fi; echo "replica $port: killed" ;;
  status) if running; then echo "replica $port: running"; else echo "replica $port: not running"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|kill|status [port]" >&2; exit 2 ;;
esac
