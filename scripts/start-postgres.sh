#!/usr/bin/env bash
# A throw-away PostgreSQL server for the history store's tests: its own cluster in DIR, reachable only
# through a unix socket in DIR (no TCP port at all), gone after `stop`.
#
#   bash scripts/start-postgres.sh start DIR   # prints the SQLAlchemy URL as its last line
#   bash scripts/start-postgres.sh stop DIR
#
# Installs Debian's `postgresql` package when no server binaries are found (as root, or through sudo).
# As root the cluster runs as the `postgres` user (initdb refuses to run as root).
set -euo pipefail

command=${1:?usage: start-postgres.sh start|stop DIR}
dir=${2:?usage: start-postgres.sh start|stop DIR}

server_bin() {
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

install_server() {
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "start-postgres: installing Debian's postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >&2; then
    $sudo_cmd apt-get update -qq >&2
    $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >&2
  fi
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$command" in
  start)
    bin=$(server_bin) || { install_server; bin=$(server_bin); } || {
      echo "start-postgres: no PostgreSQL server binaries under /usr/lib/postgresql after installing" >&2
      exit 1
    }
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    as_owner test -w "$dir" || {
      echo "start-postgres: the server's user cannot write to $dir (a parent folder is closed to it); use a folder such as \$(mktemp -d)" >&2
      exit 1
    }
    cd "$dir"  # the postgres user may not be allowed into the caller's working directory
    # C.UTF-8: lower() must fold non-ASCII letters (German names) the way the tests expect.
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    # Durability settings off: the tests kill clients, never this server, and they should be fast.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >&2 || {
      cat "$dir/server.log" >&2
      exit 1
    }
    as_owner "$bin/createdb" -h "$dir" -U postgres avma_test
    echo "postgresql+psycopg://postgres@/avma_test?host=$dir"
    ;;
  stop)
    if bin=$(server_bin) && [ -d "$dir/data" ]; then
      (cd "$dir" && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1) || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: start-postgres.sh start|stop DIR" >&2
    exit 2
    ;;
esac
