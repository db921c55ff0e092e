// Helpers for integration tests against a real S3 server (the project's own
// Ceph RADOS Gateway from scripts/ceph-up.sh, or any server given by env).
//
// Where the connection details come from, first match wins:
//   1. process.env S3_ENDPOINT (+ S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION,
//      S3_ACCESS_KEY_2, S3_SECRET_KEY_2)
//   2. the file $CEPH_BASE/s3.env (default /tmp/ferry-ceph/s3.env) that
//      scripts/ceph-up.sh writes.
// Without either there is no server: hasS3() is false and integration tests
// skip, unless FERRY_REQUIRE_S3=1 (set by .ci/run), in which case hasS3()
// throws so the test file fails loudly instead of silently skipping.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  AbortMultipartUploadCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ObjectIdentifier,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';

export interface S3TestEnv {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Second user's keys (a different owner: copies between the two cannot be server-side). */
  accessKeyId2: string;
  secretAccessKey2: string;
}

export type TestUser = 1 | 2;

/** Path of the env file written by scripts/ceph-up.sh. */
export function s3EnvFile(): string {
  return join(process.env.CEPH_BASE || '/tmp/ferry-ceph', 's3.env');
}

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    out[line.slice(0, eq).replace(/^export\s+/, '').trim()] = value;
  }
  return out;
}

function fromVars(v: Record<string, string | undefined>): S3TestEnv | undefined {
  const endpoint = v.S3_ENDPOINT;
  const accessKeyId = v.S3_ACCESS_KEY;
  const secretAccessKey = v.S3_SECRET_KEY;
  if (!endpoint || !accessKeyId || !secretAccessKey) return undefined;
  return {
    endpoint,
    region: v.S3_REGION || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    // Without a second user, fall back to the first one's keys.
    accessKeyId2: v.S3_ACCESS_KEY_2 || accessKeyId,
    secretAccessKey2: v.S3_SECRET_KEY_2 || secretAccessKey,
  };
}

let cachedEnv: S3TestEnv | null | undefined;

/** Connection details of the test server, or undefined when there is none. */
export function s3Env(): S3TestEnv | undefined {
  if (cachedEnv !== undefined) return cachedEnv ?? undefined;
  let env: S3TestEnv | undefined;
  if (process.env.S3_ENDPOINT) {
    env = fromVars(process.env);
  } else {
    const file = s3EnvFile();
    if (existsSync(file)) env = fromVars(parseEnvFile(readFileSync(file, 'utf8')));
  }
  cachedEnv = env ?? null;
  return env;
}

/** True when CI demands a real server (FERRY_REQUIRE_S3=1). */
export function s3Required(): boolean {
  const v = process.env.FERRY_REQUIRE_S3;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Whether a test server is configured. Use as `describe.skipIf(!hasS3())`.
 * Throws (failing the test file) when FERRY_REQUIRE_S3=1 and no server is
 * configured, so CI can never pass by skipping.
 */
export function hasS3(): boolean {
  if (s3Env()) return true;
  if (s3Required()) {
    throw new Error(
      `FERRY_REQUIRE_S3=1 but no S3 server is configured: set S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY ` +
        `or run scripts/ceph-up.sh (writes ${s3EnvFile()})`,
    );
  }
  return false;
}

function requireEnv(): S3TestEnv {
  const env = s3Env();
  if (!env) {
    throw new Error(`no S3 test server: run scripts/ceph-up.sh (writes ${s3EnvFile()}) or set S3_ENDPOINT etc.`);
  }
  return env;
}

const clients = new Map<TestUser, S3Client>();

/**
 * A shared S3 client for user 1 (default) or user 2: path-style, and
 * checksums only when an operation requires them (the SDK's default
 * aws-chunked trailing checksums are refused by Ceph and many S3 clouds).
 * Do not destroy it; build your own from s3Env() if you need other settings.
 */
export function testClient(which: TestUser = 1): S3Client {
  let client = clients.get(which);
  if (!client) {
    const env = requireEnv();
    client = new S3Client({
      endpoint: env.endpoint,
      region: env.region,
      forcePathStyle: true,
      credentials:
        which === 1
          ? { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey }
          : { accessKeyId: env.accessKeyId2, secretAccessKey: env.secretAccessKey2 },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    clients.set(which, client);
  }
  return client;
}

const bucketOwners = new Map<string, TestUser>();

/** A fresh bucket `ferry-<prefix>-<random>` (lowercase, at most 63 chars) owned by `which`. */
export async function createTestBucket(prefix: string, which: TestUser = 1): Promise<string> {
  const rand = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  const room = 63 - 'ferry--'.length - rand.length;
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, room)
    .replace(/-+$/, '');
  const name = clean ? `ferry-${clean}-${rand}` : `ferry-${rand}`;
  await testClient(which).send(new CreateBucketCommand({ Bucket: name }));
  bucketOwners.set(name, which);
  return name;
}

/**
 * Delete every object version, delete marker and unfinished multipart upload,
 * then the bucket. `which` defaults to the user that created it with
 * createTestBucket (else user 1). A missing bucket is not an error.
 */
export async function emptyAndDeleteBucket(name: string, which?: TestUser): Promise<void> {
  const client = testClient(which ?? bucketOwners.get(name) ?? 1);
  try {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListObjectVersionsCommand({ Bucket: name, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
      );
      const ids: ObjectIdentifier[] = [];
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        if (v.Key !== undefined) ids.push({ Key: v.Key, VersionId: v.VersionId });
      }
      for (let i = 0; i < ids.length; i += 1000) {
        const res = await client.send(
          new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: ids.slice(i, i + 1000), Quiet: true } }),
        );
        if (res.Errors?.length) {
          const e = res.Errors[0];
          throw new Error(`emptyAndDeleteBucket ${name}: ${e?.Code} ${e?.Key}: ${e?.Message}`);
        }
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
    for (;;) {
      const ups = await client.send(new ListMultipartUploadsCommand({ Bucket: name }));
      for (const u of ups.Uploads ?? []) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: name, Key: u.Key, UploadId: u.UploadId }));
      }
      if (!ups.IsTruncated || !ups.Uploads?.length) break;
    }
    await client.send(new DeleteBucketCommand({ Bucket: name }));
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchBucket') return;
    throw err;
  } finally {
    bucketOwners.delete(name);
  }
}

export interface PutOptions extends Partial<Omit<PutObjectCommandInput, 'Bucket' | 'Key' | 'Body'>> {
  which?: TestUser;
}

/** PutObject with a whole-buffer body; returns the ETag (with quotes) and version id. */
export async function putObject(
  bucket: string,
  key: string,
  body: string | Uint8Array,
  opts: PutOptions = {},
): Promise<{ etag: string | undefined; versionId: string | undefined }> {
  const { which, ...rest } = opts;
  const res = await testClient(which ?? bucketOwners.get(bucket) ?? 1).send(
    new PutObjectCommand({ ...rest, Bucket: bucket, Key: key, Body: body }),
  );
  return { etag: res.ETag, versionId: res.VersionId };
}

/** The whole object as a Buffer. */
export async function getObjectBytes(bucket: string, key: string, which?: TestUser): Promise<Buffer> {
  const res = await testClient(which ?? bucketOwners.get(bucket) ?? 1).send(
    new GetObjectCommand({ Bucket: bucket, Key: key }),
  );
  if (!res.Body) return Buffer.alloc(0);
  return Buffer.from(await res.Body.transformToByteArray());
}

/** Every key in the bucket (under `prefix`), in listing order, following pagination. */
export async function listAllKeys(bucket: string, prefix?: string, which?: TestUser): Promise<string[]> {
  const client = testClient(which ?? bucketOwners.get(bucket) ?? 1);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}
