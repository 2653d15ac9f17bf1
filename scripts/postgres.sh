#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the platform's integration tests.
#   scripts/postgres.sh install   install postgresql-15 from Debian if initdb is missing (apt-get update only then)
#   scripts/postgres.sh start     initdb a fresh cluster in $KANGEN_PG_DIR (default /tmp/kangen-pg) as the
#                                 postgres OS user, trust auth on 127.0.0.1, port $KANGEN_PG_PORT (55432); wait until ready
#   scripts/postgres.sh restart   crash and restart it (pg_ctl restart -m immediate: no checkpoint, crash recovery
#                                 at start, as after a power cut), keeping its data; wait until ready (fault tests).
#                                 With KANGEN_PG_HOLD=<file>: stays down after the crash while that file exists
#   scripts/postgres.sh stop      stop it and remove its directory
#   scripts/postgres.sh status    say whether it is running
#   scripts/postgres.sh url       print the connection string tests use (KANGEN_TEST_POSTGRES)
# With KANGEN_PG_STATEMENTS=1 at start or restart (which keeps the data), the server also loads pg_stat_statements, which
# counts every statement's calls and time (scripts/pg-statements.sh); off by default, since it costs each statement a little.
# Idempotent; exits non-zero with a message on failure. Needs root (or sudo) for install and to run as postgres.
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
DIR=${KANGEN_PG_DIR:-/tmp/kangen-pg}
PORT=${KANGEN_PG_PORT:-55432}
WAIT_SECONDS=${KANGEN_PG_WAIT_SECONDS:-30}

# The server's options, the same at start and at restart: throwaway data, so no fsync and no synchronous commit.
SERVER_OPTIONS="-h 127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
if [ "${KANGEN_PG_STATEMENTS:-0}" = 1 ]; then
  # track=all: also the statements run inside others, such as the foreign-key checks an insert makes; and planning.
  SERVER_OPTIONS="$SERVER_OPTIONS -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
fi

die() { echo "postgres.sh: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root (or sudo) for: $*"; fi
}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else sudo -u postgres "$@"; fi
}

# Waits until the server accepts connections, then says "$1 on ..."; dies after WAIT_SECONDS.
wait_ready() {
  local i
  for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
      echo "postgres.sh: $1 on 127.0.0.1:$PORT ($DIR)"
      return 0
    fi
    sleep 0.25
  done
  die "PostgreSQL did not become ready within ${WAIT_SECONDS}s (see $DIR/server.log)"
}

running() { [ -f "$DIR/data/postmaster.pid" ] && as_postgres "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; }

cmd_install() {
  if [ -x "$BIN/initdb" ]; then
    echo "postgres.sh: PostgreSQL 15 is installed"
    return 0
  fi
  echo "postgres.sh: installing postgresql-15"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  [ -x "$BIN/initdb" ] || die "postgresql-15 installed but $BIN/initdb is missing"
}

cmd_start() {
  [ -x "$BIN/initdb" ] || die "PostgreSQL 15 is not installed: run scripts/postgres.sh install"
  if running; then
    echo "postgres.sh: already running on 127.0.0.1:$PORT ($DIR)"
    return 0
  fi
  as_root rm -rf "$DIR"
  as_root mkdir -p "$DIR"
  as_root chown postgres: "$DIR"
  as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t "$WAIT_SECONDS" \
    -o "$SERVER_OPTIONS" start >/dev/null \
    || { cat "$DIR/server.log" >&2 || true; die "pg_ctl start failed"; }
  wait_ready running
}

cmd_restart() {
  running || die "not running ($DIR): scripts/postgres.sh start first"
  if [ -n "${KANGEN_PG_HOLD:-}" ]; then
    # Crash, then stay down while the file $KANGEN_PG_HOLD exists (at most WAIT_SECONDS): a fault test removes it once
    # its clients have met the outage, so they meet it however fast the restart would otherwise be.
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t "$WAIT_SECONDS" stop >/dev/null \
      || { cat "$DIR/server.log" >&2 || true; die "pg_ctl stop -m immediate failed"; }
    local i
    for ((i = 0; i < WAIT_SECONDS * 20; i++)); do
      [ -e "$KANGEN_PG_HOLD" ] || break
      sleep 0.05
    done
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t "$WAIT_SECONDS" -o "$SERVER_OPTIONS" start >/dev/null \
      || { cat "$DIR/server.log" >&2 || true; die "pg_ctl start failed"; }
  else
    # Immediate mode kills the server without a shutdown checkpoint: the restart replays the WAL, as after a crash.
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -m immediate -w -t "$WAIT_SECONDS" \
      -o "$SERVER_OPTIONS" restart >/dev/null \
      || { cat "$DIR/server.log" >&2 || true; die "pg_ctl restart failed"; }
  fi
  wait_ready restarted
}

cmd_stop() {
  if running; then
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
  fi
  as_root rm -rf "$DIR"
  echo "postgres.sh: stopped"
}

cmd_status() {
  if running; then echo "postgres.sh: running on 127.0.0.1:$PORT ($DIR)"; else echo "postgres.sh: not running"; return 1; fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  restart) cmd_restart ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) echo "Host=127.0.0.1;Port=$PORT;Username=postgres;Database=postgres" ;;
  *) echo "usage: scripts/postgres.sh install|start|restart|stop|status|url" >&2; exit 2 ;;
esac
