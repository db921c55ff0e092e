// Benchmark settings: size knobs from the environment and the S3 server's
// connection details (the project's Ceph RGW from scripts/ceph-up.sh).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export interface BenchConfig {
  /** Objects in the small-object dataset (scenarios a and b). */
  smallCount: number;
  smallSize: number;
  /** Objects in the re-run dataset (scenario d). */
  rerunCount: number;
  rerunSize: number;
  /** Size of the one big object (scenario c). */
  bigBytes: number;
  /** Measured runs per tool and scenario; the median is reported. */
  repeat: number;
  /** Objects (or, for rclone, transfers) in flight: the same for both tools. */
  concurrency: number;
  /** Multipart part size and parts in flight per object (scenario c). */
  partSize: number;
  partConcurrency: number;
  /** Parallel requests while uploading the datasets. */
  uploadConcurrency: number;
  /** Before each measured run, wait up to this long for the machine to be quiet (0: do not wait). */
  quietMaxS: number;
  /** A run during which other work used more than `disturbedShare` of the machine is redone up to this many times. */
  redo: number;
  disturbedShare: number;
  /** Where docs/benchmarks.md goes (BENCH_DOC='' to skip writing it). */
  docPath: string | undefined;
}

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export function loadConfig(repoRoot: string): BenchConfig {
  const doc = process.env.BENCH_DOC;
  return {
    smallCount: intEnv('BENCH_SMALL', 5000),
    smallSize: 4 * KiB,
    rerunCount: intEnv('BENCH_RERUN', 20000),
    rerunSize: 1 * KiB,
    bigBytes: intEnv('BENCH_BIG_MIB', 1024) * MiB,
    repeat: intEnv('BENCH_REPEAT', 1),
    concurrency: 32,
    partSize: 16 * MiB,
    partConcurrency: 4,
    uploadConcurrency: 64,
    quietMaxS: intEnv('BENCH_QUIET_MAX_S', 300, 0),
    redo: intEnv('BENCH_REDO', 2, 0),
    disturbedShare: 0.25,
    docPath: doc === undefined ? join(repoRoot, 'docs', 'benchmarks.md') : doc === '' ? undefined : doc,
  };
}

export interface S3Server {
  endpoint: string;
  region: string;
  /** users[0] = user 1, users[1] = user 2 (a different owner). */
  users: [S3User, S3User];
}

export interface S3User {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The keys of user 1 or 2. */
export function userKeys(server: S3Server, u: 1 | 2): S3User {
  return u === 1 ? server.users[0] : server.users[1];
}

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    out[line.slice(0, eq).replace(/^export\s+/, '').trim()] = value;
  }
  return out;
}

/**
 * S3_ENDPOINT etc. from the environment, else $CEPH_BASE/s3.env (default
 * /tmp/ferry-ceph/s3.env, written by scripts/ceph-up.sh).
 */
export function loadS3Server(): S3Server {
  const envFile = join(process.env.CEPH_BASE || '/tmp/ferry-ceph', 's3.env');
  const vars: Record<string, string | undefined> = process.env.S3_ENDPOINT
    ? process.env
    : existsSync(envFile)
      ? parseEnvFile(readFileSync(envFile, 'utf8'))
      : {};
  const need = ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_ACCESS_KEY_2', 'S3_SECRET_KEY_2'];
  const missing = need.filter((k) => !vars[k]);
  if (missing.length) {
    throw new Error(`no S3 server: missing ${missing.join(', ')}; run scripts/ceph-up.sh (writes ${envFile}) or set them`);
  }
  if (vars.S3_ACCESS_KEY === vars.S3_ACCESS_KEY_2) {
    throw new Error('S3_ACCESS_KEY_2 must be a second user: streamed scenarios need two owners');
  }
  return {
    endpoint: vars.S3_ENDPOINT!.replace(/\/+$/, ''),
    region: vars.S3_REGION || 'us-east-1',
    users: [
      { accessKeyId: vars.S3_ACCESS_KEY!, secretAccessKey: vars.S3_SECRET_KEY! },
      { accessKeyId: vars.S3_ACCESS_KEY_2!, secretAccessKey: vars.S3_SECRET_KEY_2! },
    ],
  };
}
