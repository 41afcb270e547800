#!/usr/bin/env bash
# Local shard clusters for postgres_fdw sharding (test/scale/shards.test.ts, bench:scale):
#   scripts/shard-clusters.sh start|stop|kill|status [port …]    (default ports 5434 5435)
# Each shard is an empty PostgreSQL cluster made with initdb in /tmp/harmgrid-shard-<port>, trust
# authentication on 127.0.0.1 only, a database harmgrid_shard, run as the postgres user. The
# coordinator (the cluster on 5432) reaches them through postgres_fdw (server/db/shards.ts).
# kill stops one at once, as a crash would; start brings it back with its data.
set -euo pipefail
cmd="${1:-start}"; shift || true
ports=("$@"); [ ${#ports[@]} -gt 0 ] || ports=(5434 5435)
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
for port in "${ports[@]}"; do
  dir="${HARMGRID_SHARD_DIR_PREFIX:-/tmp/harmgrid-shard-}$port"
  running() { [ -f "$dir/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; }
  case "$cmd" in
    start)
      if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"; chown postgres:postgres "$dir" 2>/dev/null || true; chmod 700 "$dir"
        as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        as_pg tee -a "$dir/postgresql.conf" >/dev/null <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_buffers = 128MB
max_connections = 100
CONF
      fi
      if ! running; then as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null; fi
      psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "SELECT 1 FROM pg_database WHERE datname = 'harmgrid_shard'" | grep -q 1 \
        || psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -c 'CREATE DATABASE harmgrid_shard'
      echo "shard $port: running (database harmgrid_shard)" ;;
    stop) if running; then as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null; fi; echo "shard $port: stopped" ;;
    kill) if running; then as_pg "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null; fi; echo "shard $port: killed" ;;
    status) if running; then echo "shard $port: running"; else echo "shard $port: not running"; fi ;;
    *) echo "usage: $0 start|stop|kill|status [port …]" >&2; exit 2 ;;
  esac
done
