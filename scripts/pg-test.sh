#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server for the test suite.
# `eval "$(scripts/pg-test.sh start)"` sets PG_URL. The server refuses to run
# as root, so it runs as the postgres user (RECIPES.md).
set -euo pipefail
DIR="${KARPEAR_PG_DIR:-/tmp/karpear-pg-test}"
PORT="${KARPEAR_PG_PORT:-54329}"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    mkdir -p "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
    fi
    if ! as_pg "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      # fsync stays on: the durability test must mean what it says.
      as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -w -l "$DIR/log" \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
    fi
    echo "export PG_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
