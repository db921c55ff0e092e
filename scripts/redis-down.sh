#!/usr/bin/env bash
# Stop the Redis started by scripts/redis-up.sh (by its PID file) and wipe its folder.
#   env: REDIS_BASE (default /tmp/ferry-redis)
set -u
BASE=${REDIS_BASE:-/tmp/ferry-redis}
if [ -f "$BASE/redis.pid" ]; then
  pid=$(cat "$BASE/redis.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    echo "[redis-down] stopped redis (pid $pid)" >&2
  fi
fi
rm -rf "$BASE"
exit 0
