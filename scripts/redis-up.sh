#!/usr/bin/env bash
# Ferry test server: a throw-away Redis (Debian redis-server, no persistence)
# on 127.0.0.1, daemonized, state under $REDIS_BASE. Idempotent.
#   env: REDIS_PORT (default 6379), REDIS_BASE (default /tmp/ferry-redis)
# Output (stdout): REDIS_URL=redis://127.0.0.1:PORT/0 (also in $REDIS_BASE/redis.env)
set -euo pipefail
PORT=${REDIS_PORT:-6379}
BASE=${REDIS_BASE:-/tmp/ferry-redis}
URL="redis://127.0.0.1:$PORT/0"
log() { echo "[redis-up] $*" >&2; }
print_env() { echo "REDIS_URL=$URL" > "$BASE/redis.env"; cat "$BASE/redis.env"; }

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  log "installing redis-server"
  [ "$(id -u)" = 0 ] || { log "need root to apt-get install redis-server"; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

if [ -f "$BASE/redis.pid" ] && kill -0 "$(cat "$BASE/redis.pid")" 2>/dev/null \
   && [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]; then
  log "already running on port $PORT"; print_env; exit 0
fi
if [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]; then
  log "another Redis (not from $BASE) already answers on port $PORT; set REDIS_PORT"; exit 1
fi

mkdir -p "$BASE"
rm -f "$BASE/redis.pid"
redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes --protected-mode no \
  --dir "$BASE" --pidfile "$BASE/redis.pid" --logfile "$BASE/redis.log" \
  --save '' --appendonly no
for _ in $(seq 1 50); do
  [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ] && break; sleep 0.1
done
[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ] \
  || { log "redis did not answer on port $PORT (see $BASE/redis.log)"; exit 1; }
for _ in $(seq 1 20); do [ -s "$BASE/redis.pid" ] && break; sleep 0.1; done
log "up on port $PORT"
print_env
