// A 5,000-object migration job (three of them multipart) between two Ceph
// RGW buckets of different owners, with the fault proxy in front of both
// ends injecting 10% faults of every kind: the job succeeds, the destination
// is the source byte for byte, the reports count every object exactly once,
// and the retries it took are recorded and shown. An object whose retries
// run out ends in the failed report with its reason, and the run exits 1.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/cli/commands/job-status-view.js';
import { cephAddressArgs } from '../helpers/ceph-address.js';
import { FAULT_KINDS, type FaultProxy } from '../helpers/fault-proxy.js';
import type { FerryCli } from '../helpers/ferry-cli.js';
import { startFaultedPair, type FaultedPair } from '../helpers/faulted-pair.js';
import { listObjects, md5Hex, md5OfObject, parseCsv, type BulkObject } from '../helpers/s3-bulk.js';
import { hasS3, s3Env, type S3TestEnv } from '../helpers/s3-env.js';

const MiB = 1024 * 1024;
const OBJECTS = 5000;

describe.skipIf(!hasS3())('a 5,000-object job under injected faults', () => {
  const env = s3Env() as S3TestEnv;
  let pair: FaultedPair | undefined;
  let srcBucket = '';
  let dstBucket = '';
  let proxy: FaultProxy;
  let cli: FerryCli;
  let impatient: FerryCli;
  const items: BulkObject[] = [];
  let seedDir = '';

  const report = async (job: string, kind: string): Promise<Record<string, string>[]> =>
    parseCsv((await cli.ok(0, 'job', 'report', job, '--kind', kind, '--format', 'csv')).out);

  beforeAll(async () => {
    pair = await startFaultedPair('faults-job');
    ({ srcBucket, dstBucket, proxy, cli, impatient } = pair);
    for (let i = 0; i < OBJECTS - 3; i++) {
      items.push({ key: `p${i % 10}/d${(i >> 4) % 7}/obj-${String(i).padStart(5, '0')}`, body: randomBytes(1 + ((i * 7919) % 6000)) });
    }
    // "Some multipart": above the job's 8 MiB threshold, four 5 MiB parts each.
    for (let i = 0; i < 3; i++) items.push({ key: `p${i}/large-${i}.bin`, body: randomBytes(20 * MiB - i * 1000) });
    // Seeded with Ferry itself from a folder, straight to the server: about twice as fast as the SDK on
    // a busy machine. Nothing rests on it: the end result is compared with the bytes in memory.
    seedDir = mkdtempSync(join(tmpdir(), 'ferry-faults-seed-'));
    for (const item of items) {
      mkdirSync(dirname(join(seedDir, item.key)), { recursive: true });
      writeFileSync(join(seedDir, item.key), item.body);
    }
    await cli.ok(0, ...cephAddressArgs(env, 'seed', env.endpoint, srcBucket, 1));
    expect((await cli.ok(0, 'copy', seedDir, 'seed', '--json')).json()).toMatchObject({ copied: OBJECTS, failed: 0 });
  });

  afterAll(async () => {
    if (seedDir) rmSync(seedDir, { recursive: true, force: true });
    await pair?.close();
  });

  it('completes under 10% faults: every object verified, reports exact, retries recorded and shown', async () => {
    // At 10% per request a small object's attempt (GET + PUT) fails 19% of the time: the default
    // 10 retries (11 attempts) make running out one object in 10^8; 4 retries would be one in 4,000.
    await cli.ok(0, 'job', 'create', 'faulty', '--src', 'src', '--dst', 'dst:copy/', '--task-objects', '1000',
      '--multipart-threshold', '8MiB', '--part-size', '5MiB');
    proxy.reset();
    // A stall is held for 10 minutes: only the client's own timeout gets this job done in time.
    proxy.setPlan({ rate: 0.1, seed: 7, stallMs: 600_000 });
    // The destination answers PUTs without a body, so only its listing and multipart answers can be
    // truncated, too few to count on chance: the first CompleteMultipartUpload answer always is.
    let completes = 0;
    proxy.decide = (req) => (req.bucket === dstBucket && req.kind === 'post' && req.query.has('uploadId') && completes++ === 0 ? 'truncate' : undefined);
    let started;
    try {
      started = await impatient.run('job', 'start', 'faulty', '--json');
    } finally {
      proxy.decide = undefined;
      proxy.setPlan(undefined);
    }
    expect(started.code, started.err).toBe(0);
    const status = started.json<JobStatus>();
    expect(status.state).toBe('succeeded');
    expect(status.run?.counts).toMatchObject({ listed: OBJECTS, toCopy: OBJECTS, migrated: OBJECTS, skipped: 0, failed: 0 });

    // Faults of every kind hit both ends.
    for (const bucket of [srcBucket, dstBucket]) {
      const mine = proxy.log.filter((f) => f.request.bucket === bucket);
      for (const kind of FAULT_KINDS) expect(mine.filter((f) => f.fault === kind).length, `${kind} on ${bucket}`).toBeGreaterThan(0);
    }
    expect(proxy.total()).toBeGreaterThan(OBJECTS * 2 * 0.05);
    // Objects (by source key) one of whose requests met a fault, listings aside.
    const faultedObjects = new Set(proxy.log.filter((f) => f.request.kind !== 'list')
      .map((f) => (f.request.bucket === dstBucket ? f.request.key.slice('copy/'.length) : f.request.key)));
    expect(faultedObjects.size).toBeGreaterThan(OBJECTS * 0.1);

    // The retries: recorded for the run, at least one per object that met a fault (an attempt may meet
    // two: a streamed part's GET and its upload overlap), shown in status.
    const retries = status.run?.retries ?? 0;
    expect(retries).toBeGreaterThanOrEqual(faultedObjects.size);
    const again = (await cli.ok(0, 'job', 'status', 'faulty', '--json')).json<JobStatus>();
    expect(again.run?.retries).toBe(retries);
    expect((await cli.ok(0, 'job', 'status', 'faulty')).out).toContain(`, ${retries} retries`);

    // Reports: each object once, as migrated; none failed; attempts beyond the first where faults hit.
    const migrated = await report('faulty', 'migrated');
    expect(migrated).toHaveLength(OBJECTS);
    expect(new Set(migrated.map((r) => r.key)).size).toBe(OBJECTS);
    expect(migrated.every((r) => r.status === 'migrated')).toBe(true);
    expect(migrated.some((r) => Number(r.attempts) > 1)).toBe(true);
    expect(await report('faulty', 'failed')).toEqual([]);

    // The destination is the source: every key, size and content MD5.
    const dst = await listObjects(dstBucket, 2, 'copy/');
    expect(dst.map((o) => o.key.slice('copy/'.length))).toEqual(items.map((i) => i.key).sort());
    const byKey = new Map(items.map((i) => [i.key, i.body]));
    let multipart = 0;
    for (const o of dst) {
      const body = byKey.get(o.key.slice('copy/'.length)) as Buffer;
      expect(o.size, o.key).toBe(body.length);
      if (o.etag.includes('-')) {
        multipart++;
        expect((await md5OfObject(dstBucket, o.key, 2)).md5, o.key).toBe(md5Hex(body));
      } else {
        expect(o.etag, o.key).toBe(md5Hex(body));
      }
    }
    expect(multipart).toBe(3);
  });

  it('an object whose retries run out is in the failed report with its reason, never migrated, and the run exits 1', async () => {
    const doomed = 'p4/d0/obj-00004';
    await cli.ok(0, 'job', 'create', 'doomed', '--src', 'src:p4/', '--dst', 'dst:doomed/', '--retries', '2');
    proxy.reset();
    // Every PUT of the one object is cut mid-body (its GETs go through); light random faults on everything else.
    proxy.setPlan({ rate: 0.02, seed: 11, stallMs: 60_000, weights: { stall: 0 } });
    proxy.decide = (req) => {
      if (req.key === `doomed/${doomed.slice('p4/'.length)}`) return req.kind === 'put' ? 'reset' : 'pass';
      return req.key === doomed ? 'pass' : undefined;
    };
    let r;
    try {
      r = await cli.run('job', 'start', 'doomed', '--json');
    } finally {
      proxy.decide = undefined;
      proxy.setPlan(undefined);
    }
    expect(r.code, r.err).toBe(1);
    const inP4 = items.filter((i) => i.key.startsWith('p4/')).length;
    const status = r.json<JobStatus>();
    expect(status.state).toBe('failed');
    expect(status.run?.counts).toMatchObject({ listed: inP4, migrated: inP4 - 1, failed: 1 });
    const failed = await report('doomed', 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ key: doomed.slice('p4/'.length), status: 'failed', attempts: '3' });
    expect(failed[0]?.error).toMatch(/PutObject .*ECONNRESET|PutObject .*socket hang up|PutObject .*EPIPE/);
    const migrated = await report('doomed', 'migrated');
    expect(migrated).toHaveLength(inP4 - 1);
    expect(migrated.map((m) => m.key)).not.toContain(doomed.slice('p4/'.length));
    const landed = await listObjects(dstBucket, 2, 'doomed/');
    expect(landed).toHaveLength(inP4 - 1);
    expect(landed.map((o) => o.key)).not.toContain(`doomed/${doomed.slice('p4/'.length)}`);
  });
});
