#!/usr/bin/env bash
# Stop the Ceph cluster started by scripts/ceph-up.sh (by its PID files only)
# and wipe its state (memstore data is in RAM and is lost anyway).
#   env: CEPH_BASE (default /tmp/ferry-ceph), CEPH_KEEP=1 to keep the folder
set -u
BASE=${CEPH_BASE:-/tmp/ferry-ceph}
stop_pid() { # pidfile
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    echo "[ceph-down] stopped $(basename "$f" .pid) (pid $pid)" >&2
  fi
  rm -f "$f"
}
if [ -d "$BASE/run" ]; then
  stop_pid "$BASE/run/client.rgw.a.pid"
  for f in "$BASE"/run/osd.*.pid "$BASE"/run/mgr.*.pid; do [ -e "$f" ] && stop_pid "$f"; done
  stop_pid "$BASE/run/mon.a.pid"
fi
[ "${CEPH_KEEP:-0}" = 1 ] || rm -rf "$BASE"
exit 0
