#!/usr/bin/env bash
# pcscd + vsmartcard-vpcd + OpenSC for the card interoperability tests and `kangen card serve-vpcd`.
#   scripts/pcsc.sh install   install the Debian packages if missing (apt-get update only when needed)
#   scripts/pcsc.sh start     start pcscd in the background if it is not running; wait for its socket
#   scripts/pcsc.sh stop      stop the pcscd this script (or anyone) started
#   scripts/pcsc.sh status    say whether pcscd is running and which readers it has
# Idempotent; exits non-zero with a message on failure. Works without systemd (containers).
set -euo pipefail

PACKAGES=(pcscd vsmartcard-vpcd opensc)
SOCKET=/run/pcscd/pcscd.comm
LOG=${PCSCD_LOG:-/tmp/pcscd.log}
WAIT_SECONDS=${PCSCD_WAIT_SECONDS:-15}

die() { echo "pcsc.sh: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root (or sudo) for: $*"; fi
}

pcscd_pid() {
  # pidof matches the program name exactly (not command lines that merely mention it).
  pidof pcscd 2>/dev/null || true
}

cmd_install() {
  "$(dirname "$0")/debian-packages.sh" "${PACKAGES[@]}"
}

cmd_start() {
  command -v pcscd >/dev/null || die "pcscd is not installed: run scripts/pcsc.sh install"
  if [ -n "$(pcscd_pid)" ] && [ -S "$SOCKET" ]; then
    echo "pcsc.sh: pcscd already running (pid $(pcscd_pid))"
    return 0
  fi
  if [ -d /run/systemd/system ] && systemctl is-active --quiet pcscd.socket 2>/dev/null; then
    # Socket activation: systemd owns the socket and starts pcscd on the first client. Never touch it.
    echo "pcsc.sh: pcscd is socket-activated by systemd (pcscd.socket is active)"
    return 0
  fi
  if [ -n "$(pcscd_pid)" ]; then
    # Running but without its socket (half-dead, or still starting): give it the wait time first.
    for _ in $(seq 1 $((WAIT_SECONDS * 5))); do [ -S "$SOCKET" ] && break; sleep 0.2; done
    [ -S "$SOCKET" ] && { echo "pcsc.sh: pcscd running (pid $(pcscd_pid))"; return 0; }
    die "pcscd is running (pid $(pcscd_pid)) but $SOCKET does not exist; run scripts/pcsc.sh stop, then start"
  fi
  as_root mkdir -p /run/pcscd
  # A stale socket from a killed pcscd makes clients fail with "no service"; pcscd recreates it.
  as_root rm -f "$SOCKET"
  # --foreground keeps pcscd as our child so its output goes to the log; nohup + & backgrounds it.
  # --auto-exit is deliberately absent: vpcd's reader must stay while no client is connected.
  as_root nohup pcscd --foreground >"$LOG" 2>&1 &
  local job=$!
  for _ in $(seq 1 $((WAIT_SECONDS * 5))); do
    [ -S "$SOCKET" ] && { echo "pcsc.sh: pcscd started (pid $(pcscd_pid)), socket $SOCKET, log $LOG"; return 0; }
    # The background job lives as long as pcscd does; if it ended, pcscd exited (see its log).
    kill -0 "$job" 2>/dev/null || break
    sleep 0.2
  done
  echo "--- $LOG" >&2; tail -n 20 "$LOG" >&2 || true
  die "pcscd did not create $SOCKET within ${WAIT_SECONDS}s"
}

cmd_stop() {
  local pid
  pid=$(pcscd_pid)
  if [ -z "$pid" ]; then echo "pcsc.sh: pcscd not running"; return 0; fi
  # shellcheck disable=SC2086
  as_root kill $pid
  for _ in $(seq 1 50); do [ -z "$(pcscd_pid)" ] && { echo "pcsc.sh: pcscd stopped"; return 0; }; sleep 0.1; done
  die "pcscd (pid $pid) did not stop within 5s"
}

cmd_status() {
  if [ -n "$(pcscd_pid)" ] && [ -S "$SOCKET" ]; then
    echo "pcsc.sh: pcscd running (pid $(pcscd_pid))"
  else
    echo "pcsc.sh: pcscd not running"; return 1
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: scripts/pcsc.sh install|start|stop|status" >&2; exit 2 ;;
esac
