#!/usr/bin/env bash
# Ferry test server: a throw-away single-node Ceph cluster (1 mon + 1 memstore
# OSD, no cephx) with a RADOS Gateway (S3) on 127.0.0.1, entirely under
# $CEPH_BASE, without systemd and without touching /etc/ceph.
#
# Idempotent: if the gateway already answers, it just prints the environment.
# Non-interactive. Needs root (apt-get install of missing Debian packages,
# Debian 12 ships Ceph 16).
#
#   env: CEPH_BASE       state folder (default /tmp/ferry-ceph)
#        RGW_PORT        S3 port (default 7480)
#        MON_PORT        mon msgr v1 port (default 6789); MON_PORT2 msgr v2 (3300)
#        CEPH_MEM_BYTES  memstore capacity (default 6 GiB; data lives in RAM!)
#        S3_ACCESS_KEY / S3_SECRET_KEY      user "tester" (defaults below)
#        S3_ACCESS_KEY_2 / S3_SECRET_KEY_2  user "other"  (defaults below)
#        CEPH_STORAGE_CLASSES  extra storage classes to accept
#
# Output (stdout): S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION,
# S3_ACCESS_KEY_2, S3_SECRET_KEY_2 as KEY=value lines, also written to
# $CEPH_BASE/s3.env. Progress goes to stderr. Stop with scripts/ceph-down.sh.
set -euo pipefail

BASE=${CEPH_BASE:-/tmp/ferry-ceph}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-6789}
MON_PORT2=${MON_PORT2:-3300}
MEM_BYTES=${CEPH_MEM_BYTES:-6442450944}
AK=${S3_ACCESS_KEY:-ferrytestaccesskey}
SK=${S3_SECRET_KEY:-ferrytestsecretkey0123456789}
AK2=${S3_ACCESS_KEY_2:-ferryotheraccesskey}
SK2=${S3_SECRET_KEY_2:-ferryothersecretkey0123456789}
ENDPOINT="http://127.0.0.1:${RGW_PORT}"
CONF="$BASE/ceph.conf"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "[ceph-up] $*" >&2; }

print_env() {
  cat > "$BASE/s3.env" <<EOF
S3_ENDPOINT=$ENDPOINT
S3_ACCESS_KEY=$AK
S3_SECRET_KEY=$SK
S3_REGION=us-east-1
S3_ACCESS_KEY_2=$AK2
S3_SECRET_KEY_2=$SK2
EOF
  cat "$BASE/s3.env"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---- already up? -----------------------------------------------------------
if alive "$BASE/run/client.rgw.a.pid" && [ -f "$BASE/s3.env" ] \
   && curl -fsS -o /dev/null "$ENDPOINT/" 2>/dev/null; then
  log "already running on $ENDPOINT"
  # Keep the keys the running cluster was created with.
  cat "$BASE/s3.env"; exit 0
fi

# ---- packages --------------------------------------------------------------
need=()
for b in ceph-mon:ceph-mon ceph-osd:ceph-osd radosgw:radosgw radosgw-admin:radosgw \
         ceph:ceph-common monmaptool:ceph-common curl:curl uuidgen:uuid-runtime; do
  command -v "${b%%:*}" >/dev/null 2>&1 || need+=("${b##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  log "installing ${need[*]}"
  [ "$(id -u)" = 0 ] || { log "need root to apt-get install ${need[*]}"; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- (re)create the cluster from scratch if it is not fully running ---------
# memstore keeps data in RAM only, so a dead OSD means the data is gone anyway.
if [ -e "$BASE" ]; then
  log "stale state in $BASE: stopping leftovers and wiping"
  CEPH_BASE="$BASE" "$HERE/ceph-down.sh" >/dev/null 2>&1 || true
  rm -rf "$BASE"
fi
if curl -fsS -o /dev/null "$ENDPOINT/" 2>/dev/null; then
  log "something else already answers on $ENDPOINT (not started from $BASE); set RGW_PORT/CEPH_BASE"
  exit 1
fi
mkdir -p "$BASE"/{run,log,crash,mon/ceph-a,osd/ceph-0,rgw/ceph-rgw.a}

FSID=$(uuidgen)
cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon initial members = a
mon host = [v2:127.0.0.1:$MON_PORT2,v1:127.0.0.1:$MON_PORT]
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
run dir = $BASE/run
admin socket = $BASE/run/\$cluster-\$name.asok
pid file = $BASE/run/\$name.pid
log file = $BASE/log/\$cluster-\$name.log
mon data = $BASE/mon/\$cluster-\$id
osd data = $BASE/osd/\$cluster-\$id
mgr data = $BASE/mgr/\$cluster-\$id
keyring = /dev/null
crash dir = $BASE/crash
exporter sock dir = $BASE/run
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon osd down out interval = 0
mon data avail warn = 1
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = $MEM_BYTES
osd memory target = 939524096
osd op num shards = 2
osd op num threads per shard = 2
osd scrub min interval = 1000000
osd scrub max interval = 2000000
osd deep scrub interval = 2000000
mon pg warn min per osd = 0
debug ms = 0/0

[client.rgw.a]
# radosgw defaults to "secure" (needs cephx); with auth=none that fails with -13
ms mon client mode = crc secure
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $BASE/rgw/\$cluster-rgw.a
rgw dns name = 127.0.0.1
rgw thread pool size = 256
rgw enable usage log = false
rgw gc processor period = 60
rgw gc obj min wait = 60
log file = $BASE/log/rgw.log
EOF
C=(-c "$CONF")

t0=$(date +%s.%N)
log "mon mkfs"
monmaptool --create --fsid "$FSID" \
  --addv a "[v2:127.0.0.1:$MON_PORT2,v1:127.0.0.1:$MON_PORT]" "$BASE/run/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$BASE/run/monmap" >/dev/null
ceph-mon "${C[@]}" -i a
for _ in $(seq 1 60); do ceph "${C[@]}" --connect-timeout 5 mon stat >/dev/null 2>&1 && break; sleep 0.5; done
ceph "${C[@]}" --connect-timeout 5 mon stat >/dev/null

log "osd mkfs"
OSD_UUID=$(uuidgen)
OSD_ID=$(ceph "${C[@]}" osd new "$OSD_UUID")
ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>&1
ceph-osd "${C[@]}" -i "$OSD_ID" 2>>"$BASE/log/osd-stderr.log"
for _ in $(seq 1 120); do
  ceph "${C[@]}" osd dump 2>/dev/null | grep -q "^osd.$OSD_ID up" && break; sleep 0.5
done
ceph "${C[@]}" osd dump | grep -q "^osd.$OSD_ID up" || { log "osd did not come up"; exit 1; }

log "rgw users + storage classes"
# radosgw-admin works directly on RADOS and creates the default realm-less
# zone/zonegroup on first use, so configure before the gateway starts.
radosgw-admin "${C[@]}" user create --uid=tester --display-name="Ferry Tester" \
  --access-key="$AK" --secret-key="$SK" >/dev/null
# A second user: copies between two credential sets cannot be server-side.
radosgw-admin "${C[@]}" user create --uid=other --display-name="Ferry Other" \
  --access-key="$AK2" --secret-key="$SK2" >/dev/null
# Without these, PUT with any x-amz-storage-class other than STANDARD is
# rejected with 400 InvalidArgument. All classes share the one data pool
# (they are labels only; nothing is archived, no restore is needed).
for sc in ${CEPH_STORAGE_CLASSES:-REDUCED_REDUNDANCY STANDARD_IA ONEZONE_IA INTELLIGENT_TIERING GLACIER GLACIER_IR DEEP_ARCHIVE}; do
  radosgw-admin "${C[@]}" zonegroup placement add --rgw-zonegroup default \
    --placement-id default-placement --storage-class "$sc" >/dev/null
  radosgw-admin "${C[@]}" zone placement add --rgw-zone default \
    --placement-id default-placement --storage-class "$sc" \
    --data-pool default.rgw.buckets.data >/dev/null
done

log "radosgw"
radosgw "${C[@]}" -n client.rgw.a 2>>"$BASE/log/rgw-stderr.log"
for _ in $(seq 1 240); do
  curl -fsS -o /dev/null "$ENDPOINT/" 2>/dev/null && break; sleep 0.5
done
curl -fsS -o /dev/null "$ENDPOINT/" || { log "radosgw did not answer on $ENDPOINT (see $BASE/log)"; exit 1; }
t1=$(date +%s.%N)
log "up in $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s on $ENDPOINT"
print_env
