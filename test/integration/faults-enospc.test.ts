// A local destination that runs out of space: a 4 MiB tmpfs. Objects that
// do not fit fail with a one-line ENOSPC reason (not retried, not fatal to
// the others), the run exits 1, the ones that fit are whole and verified,
// and no partial or temp file is left behind.
//
// Needs `mount -t tmpfs` (root). Without it the tests skip, unless
// FERRY_REQUIRE_S3=1 (CI), where they fail loudly.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/cli/commands/job-status-view.js';
import { TEMP_PREFIX } from '../../src/stores/local/temp-name.js';
import { cephAddressArgs } from '../helpers/ceph-address.js';
import { FerryCli } from '../helpers/ferry-cli.js';
import { parseCsv, putMany, type BulkObject } from '../helpers/s3-bulk.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, s3Env, s3Required, type S3TestEnv } from '../helpers/s3-env.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** Whether this process may mount a tmpfs (tried once on a scratch folder); the reason if not. */
function tmpfsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  const probe = mkdtempSync(join(tmpdir(), 'ferry-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs (${String((err as { stderr?: Buffer }).stderr ?? err).trim() || 'mount failed'}); run as root`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const unavailable = tmpfsUnavailable();
if (unavailable && s3Required()) throw new Error(`FERRY_REQUIRE_S3=1 but the ENOSPC tests cannot run: ${unavailable}`);
if (unavailable) console.warn(`skipping the local ENOSPC tests: ${unavailable}`);

/** Every file below `dir`, relative, with `/` separators. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

interface Summary {
  listed: number;
  copied: number;
  failed: number;
  retries: number;
  failures: { key: string; error: string }[];
}

describe.skipIf(unavailable !== undefined)(`a local destination that runs out of space${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let root = '';
  let full = '';
  let cli: FerryCli;

  /** Each object either landed whole and right, or failed for lack of space and left nothing. */
  const expectWholeOrNothing = (dest: string, objects: BulkObject[], failures: { key: string; error: string }[]): void => {
    const failed = new Set(failures.map((f) => f.key));
    for (const f of failures) {
      expect(f.error, f.key).toMatch(/ENOSPC|no space left/i);
      expect(f.error).not.toMatch(/\n|\s+at\s+\S+\s+\(/);
    }
    const landed = filesBelow(dest);
    expect(landed.filter((f) => f.split('/').some((part) => part.startsWith(TEMP_PREFIX)))).toEqual([]);
    expect(landed).toEqual(objects.filter((o) => !failed.has(o.key)).map((o) => o.key).sort());
    for (const o of objects) {
      if (failed.has(o.key)) continue;
      const bytes = readFileSync(join(dest, o.key));
      expect(md5(bytes), o.key).toBe(md5(o.body));
    }
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ferry-enospc-'));
    full = join(root, 'small-disk');
    mkdirSync(full);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', full], { stdio: 'pipe' });
    const env = s3Env();
    cli = new FerryCli(undefined, env ? { FERRY_TEST_SECRET_1: env.secretAccessKey, FERRY_TEST_SECRET_2: env.secretAccessKey2 } : {});
  });

  afterAll(() => {
    if (full) {
      try {
        execFileSync('umount', [full], { stdio: 'pipe' });
      } catch {
        // Busy (a test failed with a file open) or never mounted: detach it lazily, if mounted at all.
        try {
          execFileSync('umount', ['-l', full], { stdio: 'pipe' });
        } catch {
          // Not mounted.
        }
      }
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('local to local, 32 at once: what does not fit fails with ENOSPC, the rest is whole, no temp file is left', async () => {
    const src = join(root, 'src');
    const objects: BulkObject[] = [];
    for (let i = 0; i < 8; i++) objects.push({ key: `big/b${i}.bin`, body: randomBytes(1.5 * MiB) });
    for (let i = 0; i < 30; i++) objects.push({ key: `small/s${String(i).padStart(2, '0')}.txt`, body: randomBytes(1000 + i) });
    for (const o of objects) {
      mkdirSync(join(src, o.key, '..'), { recursive: true });
      writeFileSync(join(src, o.key), o.body);
    }
    const dest = join(full, 'a');
    const r = await cli.run('copy', src, dest, '--json');
    expect(r.code, r.err).toBe(1);
    const s = r.json<Summary>();
    expect(s.listed).toBe(objects.length);
    expect(s.copied + s.failed).toBe(objects.length);
    // 12 MiB of big files cannot all fit in 4 MiB.
    expect(s.failed).toBeGreaterThanOrEqual(6);
    expect(s.failures).toHaveLength(s.failed);
    // Out of space is not worth retrying at once: every failure took one attempt.
    expect(s.retries).toBe(0);
    expectWholeOrNothing(dest, objects, s.failures);
    rmSync(dest, { recursive: true, force: true });
  });

  it.skipIf(!hasS3())('an S3 job into the small disk: the objects that fit are migrated, the rest are in the failed report with ENOSPC', async () => {
    const env = s3Env() as S3TestEnv;
    const bucket = await createTestBucket('faults-enospc', 1);
    try {
      // One at a time, in key order: a-1 and a-2 fit (3 MiB), the other big ones cannot, the small ones do.
      const objects: BulkObject[] = [];
      for (let i = 1; i <= 5; i++) objects.push({ key: `a-${i}.bin`, body: randomBytes(1.5 * MiB) });
      for (let i = 0; i < 10; i++) objects.push({ key: `b/small-${i}.txt`, body: randomBytes(2000 + i) });
      await putMany(bucket, objects, 1);
      await cli.ok(0, ...cephAddressArgs(env, 'bucket', env.endpoint, bucket, 1));
      const dest = join(full, 'job');
      await cli.ok(0, 'job', 'create', 'tofull', '--src', 'bucket', '--dst', dest, '--concurrency', '1');
      const r = await cli.run('job', 'start', 'tofull', '--json');
      expect(r.code, r.err).toBe(1);
      const status = r.json<JobStatus>();
      expect(status.state).toBe('failed');
      expect(status.run?.counts).toMatchObject({ listed: 15, migrated: 12, failed: 3 });
      expect(status.run?.retries).toBe(0);
      const failed = parseCsv((await cli.ok(0, 'job', 'report', 'tofull', '--kind', 'failed', '--format', 'csv')).out);
      expect(failed.map((f) => f.key)).toEqual(['a-3.bin', 'a-4.bin', 'a-5.bin']);
      for (const f of failed) expect(f.attempts).toBe('1');
      expectWholeOrNothing(dest, objects, failed.map((f) => ({ key: f.key ?? '', error: f.error ?? '' })));
      expect(statSync(join(dest, 'a-2.bin')).size).toBe(1.5 * MiB);
    } finally {
      await emptyAndDeleteBucket(bucket, 1);
    }
  });
});
