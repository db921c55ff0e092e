#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs to build, test and demo Ferry:
# Debian packages (Ceph RGW, Redis, Chromium, rclone), npm packages, a build,
# and a running single-node Ceph RADOS Gateway and Redis on 127.0.0.1.
# Idempotent; run as root (or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${FERRY_SKIP_APT:-0}" != 1 ]; then
  need=()
  for b in ceph-mon:ceph-mon ceph-osd:ceph-osd radosgw:radosgw ceph:ceph-common redis-server:redis-server \
           chromium:chromium rclone:rclone curl:curl uuidgen:uuid-runtime; do
    command -v "${b%%:*}" >/dev/null 2>&1 || need+=("${b##*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "[setup] apt-get install ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci" >&2
  npm ci --no-audit --no-fund >/dev/null
fi
echo "[setup] build" >&2
npm run -s build >/dev/null

scripts/ceph-up.sh >/dev/null
scripts/redis-up.sh >/dev/null
echo "[setup] ready: Ceph RGW ($(grep S3_ENDPOINT "${CEPH_BASE:-/tmp/ferry-ceph}/s3.env" | cut -d= -f2)), Redis" >&2
