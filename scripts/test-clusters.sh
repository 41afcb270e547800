#!/usr/bin/env bash
# The extra PostgreSQL clusters the scale tests (test/scale) use, beside the cluster on 5432:
#   scripts/test-clusters.sh start|stop
# a streaming replica on 5433 (scripts/replica-cluster.sh) and two shard clusters on 5434 and 5435
# (scripts/shard-clusters.sh). .ci/run starts them before the PostgreSQL run and stops them after.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:-start}"
case "$cmd" in
  start) "$here/replica-cluster.sh" start 5433; if [ -x "$here/shard-clusters.sh" ]; then "$here/shard-clusters.sh" start; fi ;;
  stop) "$here/replica-cluster.sh" stop 5433 || true; if [ -x "$here/shard-clusters.sh" ]; then "$here/shard-clusters.sh" stop || true; fi ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
