#!/usr/bin/env bash
# A real migration on the embedded default (SQLite home, no server of
# Ferry's own): a local folder -> Ceph bucket, then that bucket -> a bucket
# of another account (streamed and verified), then a re-run that copies
# nothing. Needs scripts/setup.sh to have run (Ceph up, build done).
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=${FERRY_DEMO_DIR:-/tmp/ferry-demo}
# shellcheck disable=SC1091
set -a; . "${CEPH_BASE:-/tmp/ferry-ceph}/s3.env"; set +a
export FERRY_HOME="$DEMO/home"
export DEMO_SECRET_1="$S3_SECRET_KEY" DEMO_SECRET_2="$S3_SECRET_KEY_2"
ferry() { node bin/ferry.js "$@"; }

rm -rf "$DEMO"; mkdir -p "$DEMO/data"
echo "== making a sample dataset in $DEMO/data (2,000 small files, 1 x 96 MiB)"
node -e '
const fs = require("fs"), path = require("path"), crypto = require("crypto");
const root = process.argv[1];
for (let i = 0; i < 2000; i++) {
  const dir = path.join(root, `photos/${String(i % 20).padStart(2, "0")}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `img ${i}.jpg`), crypto.randomBytes(1024 + (i % 7) * 512));
}
fs.mkdirSync(path.join(root, "video"), { recursive: true });
fs.writeFileSync(path.join(root, "video/big.mp4"), crypto.randomBytes(96 * 1024 * 1024));
' "$DEMO/data"

BUCKET1="demo-src-$(date +%s)"; BUCKET2="demo-dst-$(date +%s)"
AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true node --input-type=module -e '
import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
const e = process.env;
const mk = (id, secret) => new S3Client({ endpoint: e.S3_ENDPOINT, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: id, secretAccessKey: secret } });
await mk(e.S3_ACCESS_KEY, e.S3_SECRET_KEY).send(new CreateBucketCommand({ Bucket: process.argv[1] }));
await mk(e.S3_ACCESS_KEY_2, e.S3_SECRET_KEY_2).send(new CreateBucketCommand({ Bucket: process.argv[2] }));
' "$BUCKET1" "$BUCKET2"

echo "== addresses"
ferry address add origin --type s3 --provider ceph --endpoint "$S3_ENDPOINT" --bucket "$BUCKET1" \
  --access-key-id "$S3_ACCESS_KEY" --secret-env DEMO_SECRET_1
ferry address add target --type s3 --provider ceph --endpoint "$S3_ENDPOINT" --bucket "$BUCKET2" \
  --access-key-id "$S3_ACCESS_KEY_2" --secret-env DEMO_SECRET_2
ferry address list
ferry address test target

echo "== local folder -> origin bucket"
ferry copy "$DEMO/data" origin
echo "== origin bucket -> target bucket (another account: streamed, verified)"
ferry copy origin target
echo "== re-run: nothing to copy"
ferry copy origin target --json
