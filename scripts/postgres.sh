#!/usr/bin/env bash
# A PostgreSQL server for tests and local runs, in .payrisk/postgres, on 127.0.0.1 only.
#   scripts/postgres.sh start   install (Debian packages) if missing, init once, start; a running server is left as is
#   scripts/postgres.sh stop    stop the server this script started
#   scripts/postgres.sh url     print the admin connection URL
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${PAYRISK_PG_PORT:-55432}"
data="$root/.payrisk/postgres/data"
logfile="$root/.payrisk/postgres/server.log"

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && echo "$dir"
}

install_if_missing() {
  [ -n "$(pg_bin)" ] && return
  echo "installing PostgreSQL from Debian's packages..." >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed; run as root or install the 'postgresql' package" >&2
    exit 1
  fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# The server refuses to run as root, so as root it runs as the 'postgres' user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  install_if_missing
  local bin; bin="$(pg_bin)"
  mkdir -p "$(dirname "$data")"
  [ "$(id -u)" -eq 0 ] && chown postgres "$(dirname "$data")"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    return
  fi
  # Tuned for tests: durability across a server crash is not needed, speed is.
  as_owner "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
}

stop() {
  local bin; bin="$(pg_bin)"
  [ -n "$bin" ] && [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start; echo "postgresql://postgres@127.0.0.1:$port/postgres" ;;
  stop) stop ;;
  url) echo "postgresql://postgres@127.0.0.1:$port/postgres" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
