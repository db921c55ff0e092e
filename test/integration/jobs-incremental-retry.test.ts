// Acceptance tests of migration jobs (issue "Migration jobs: durable,
// resumable, incremental, throttled, reported"): incremental runs, retry of
// failed objects, bandwidth limit, pause/resume from another process.
// Every `ferry` command runs as a child process (node bin/ferry.js, which
// loads dist/: `npm run build` first) against the real Ceph RGW behind a
// counting proxy.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/cli/commands/job-status-view.js';
import { killAllFerryChildren, FerryProcess } from '../helpers/ferry-child.js';
import { JobDb, waitFor } from '../helpers/job-db.js';
import { answerS3Error, isObjectGet, isObjectPut, sleep, tapProxy, type ProxyTap } from '../helpers/proxy-tap.js';
import { listObjects, md5Hex, parseCsv, putMany, type BulkObject } from '../helpers/s3-bulk.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, s3Env, type S3TestEnv } from '../helpers/s3-env.js';
import { cephAddressArgs } from '../helpers/ceph-address.js';
import { startS3Proxy, type S3Proxy } from '../helpers/s3-proxy.js';

const obj = (key: string, size: number): BulkObject => ({ key, body: randomBytes(size) });

describe.skipIf(!hasS3())('ferry jobs: incremental, retry, throttle, pause', () => {
  const env = s3Env() as S3TestEnv;
  let srcBucket = '';
  let dstBucket = '';
  let proxy: S3Proxy;
  let tap: ProxyTap;
  let ferry: FerryProcess;
  let db: JobDb;

  const status = async (job: string): Promise<JobStatus> => (await ferry.ok(0, 'job', 'status', job, '--json')).json<JobStatus>();
  const report = async (job: string, kind: string, run?: number): Promise<Record<string, string>[]> =>
    parseCsv((await ferry.ok(0, 'job', 'report', job, '--kind', kind, '--format', 'csv', ...(run === undefined ? [] : ['--run', String(run)]))).out);

  beforeAll(async () => {
    srcBucket = await createTestBucket('jobs-src', 1);
    dstBucket = await createTestBucket('jobs-dst', 2);
    proxy = await startS3Proxy(env.endpoint);
    tap = tapProxy(proxy);
    ferry = new FerryProcess({ FERRY_TEST_SECRET_1: env.secretAccessKey, FERRY_TEST_SECRET_2: env.secretAccessKey2 });
    const add = (name: string, bucket: string, which: 1 | 2) => ferry.ok(0, ...cephAddressArgs(env, name, proxy.url, bucket, which));
    await add('src', srcBucket, 1);
    await add('dst', dstBucket, 2);
    db = new JobDb(ferry.dbPath);
  });

  afterAll(async () => {
    killAllFerryChildren();
    db?.close();
    await proxy?.close();
    if (srcBucket) await emptyAndDeleteBucket(srcBucket, 1);
    if (dstBucket) await emptyAndDeleteBucket(dstBucket, 2);
  });

  it('a scheduled job\'s second run is incremental: only objects new or changed since run 1 started', async () => {
    const items = Array.from({ length: 200 }, (_, i) => obj(`inc/d${i % 10}/k${String(i).padStart(3, '0')}`, 100 + ((i * 37) % 900)));
    await putMany(srcBucket, items, 1);
    await ferry.ok(0, 'job', 'create', 'inc', '--src', 'src:inc/', '--dst', 'dst:inc/', '--every', '1h', '--times', '3', '--task-objects', '50');

    const first = (await ferry.ok(0, 'job', 'start', 'inc', '--json')).json<JobStatus>();
    expect(first.state).toBe('succeeded');
    expect(first.run).toMatchObject({ number: 1, kind: 'full', state: 'succeeded' });
    expect(first.run?.counts).toMatchObject({ listed: 200, toCopy: 200, migrated: 200, skipped: 0, failed: 0 });
    expect(first.nextRunAt).not.toBeNull();

    // Listing times have millisecond precision at best; stay clear of run 1's start.
    await sleep(1100);
    const added = Array.from({ length: 5 }, (_, i) => obj(`inc/new/n${i}`, 321 + i));
    const changed = [3, 77, 150].map((i) => ({ key: items[i]!.key, body: randomBytes(items[i]!.body.length) }));
    await putMany(srcBucket, [...added, ...changed], 1);
    const expected = [...added, ...changed].map((o) => o.key.slice('inc/'.length)).sort();

    tap.log.length = 0;
    const second = (await ferry.ok(0, 'job', 'start', 'inc', '--json')).json<JobStatus>();
    expect(second.run).toMatchObject({ number: 2, kind: 'incremental', state: 'succeeded' });
    const run1Start = Date.parse(second.history[0]!.startedAt);
    expect(second.run?.sinceMs).toBe(run1Start);
    expect(second.run?.counts).toMatchObject({ listed: 205, migrated: 8, skipped: 197, failed: 0 });

    const migrated = await report('inc', 'migrated');
    expect(migrated.map((r) => r.key).sort()).toEqual(expected);
    const skipped = await report('inc', 'skipped');
    expect(skipped).toHaveLength(197);
    expect(new Set(skipped.map((r) => r.reason))).toEqual(new Set(['before-since']));
    // Only the 8 were read and written.
    const gets = tap.log.filter((r) => isObjectGet(r, srcBucket)).map((r) => r.key.slice('inc/'.length)).sort();
    const puts = tap.log.filter((r) => isObjectPut(r, dstBucket)).map((r) => r.key.slice('inc/'.length)).sort();
    expect(gets).toEqual(expected);
    expect(puts).toEqual(expected);

    const dst = await listObjects(dstBucket, 2, 'inc/');
    const src = await listObjects(srcBucket, 1, 'inc/');
    expect(dst.map((o) => [o.key, o.size, o.etag])).toEqual(src.map((o) => [o.key, o.size, o.etag]));
    for (const c of changed) expect(dst.find((o) => o.key === c.key)?.etag).toBe(md5Hex(c.body));
  });

  it('objects that keep failing are reported; job retry copies only them', async () => {
    const items = Array.from({ length: 40 }, (_, i) => obj(`rt/k${String(i).padStart(2, '0')}`, 200 + i * 13));
    await putMany(srcBucket, items, 1);
    const bad = new Set(['rt/k03', 'rt/k11', 'rt/k24', 'rt/k39']);
    await ferry.ok(0, 'job', 'create', 'rt', '--src', 'src:rt/', '--dst', 'dst:rt/', '--retries', '1', '--task-objects', '10');

    let refused = 0;
    tap.hook = (req, res) => {
      if (req.method === 'PUT' && req.bucket === dstBucket && bad.has(req.key)) {
        refused++;
        return answerS3Error(res, 500, 'InternalError', 'injected by the test proxy');
      }
    };
    let first;
    try {
      first = await ferry.ok(1, 'job', 'start', 'rt', '--json');
    } finally {
      tap.hook = undefined;
    }
    // --retries 1: two attempts per object, never more.
    expect(refused).toBe(2 * bad.size);
    const s1 = first.json<JobStatus>();
    expect(s1.state).toBe('failed');
    expect(s1.run?.counts).toMatchObject({ listed: 40, toCopy: 40, migrated: 36, failed: 4 });
    const failed = await report('rt', 'failed');
    expect(failed.map((r) => r.key).sort()).toEqual([...bad].map((k) => k.slice(3)).sort());
    for (const f of failed) expect(f.error).toMatch(/InternalError|500|server/i);

    const mark = tap.mark();
    const retried = (await ferry.ok(0, 'job', 'retry', 'rt', '--json')).json<JobStatus>();
    expect(retried.state).toBe('succeeded');
    expect(retried.run).toMatchObject({ number: 2, kind: 'retry', state: 'succeeded' });
    expect(retried.run?.counts).toMatchObject({ toCopy: 4, migrated: 4, failed: 0 });
    const after = tap.since(mark);
    expect(after.filter((r) => isObjectPut(r, dstBucket)).map((r) => r.key).sort()).toEqual([...bad].sort());
    expect(after.filter((r) => isObjectGet(r, srcBucket)).map((r) => r.key).sort()).toEqual([...bad].sort());
    expect(await report('rt', 'failed')).toEqual([]);

    // The report files on disk match the destination, and together cover every object once.
    const dst = new Map((await listObjects(dstBucket, 2, 'rt/')).map((o) => [o.key.slice(3), o]));
    const seen: string[] = [];
    for (const run of [1, 2]) {
      const rows = parseCsv(readFileSync(join(ferry.home, 'jobs', 'rt', 'runs', String(run), 'migrated.csv'), 'utf8'));
      expect(rows.length).toBe(run === 1 ? 36 : 4);
      for (const r of rows) {
        expect(dst.get(r.key!)?.size, r.key).toBe(Number(r.size));
        expect(dst.get(r.key!)?.etag, r.key).toBe(r.dstEtag);
        seen.push(r.key!);
      }
      const failedFile = parseCsv(readFileSync(join(ferry.home, 'jobs', 'rt', 'runs', String(run), 'failed.csv'), 'utf8'));
      expect(failedFile.length).toBe(run === 1 ? 4 : 0);
    }
    expect(seen.sort()).toEqual(items.map((i) => i.key.slice(3)).sort());
    expect([...dst.keys()].sort()).toEqual(seen);
  });

  it('--bwlimit 2M holds a 20 MB copy to about 2 MiB/s', async () => {
    const items = Array.from({ length: 10 }, (_, i) => obj(`bw/f${i}`, 2_000_000));
    await putMany(srcBucket, items, 1);
    await ferry.ok(0, 'job', 'create', 'bw', '--src', 'src:bw/', '--dst', 'dst:bw/', '--bwlimit', '2M');
    const started = Date.now();
    const s = (await ferry.ok(0, 'job', 'start', 'bw', '--json')).json<JobStatus>();
    const ms = Date.now() - started;
    expect(s.run?.counts).toMatchObject({ migrated: 10, migratedBytes: 20_000_000, failed: 0 });
    // The one timing assertion of these tests, because the issue asks for it
    // ("checked loosely"): 20 MB at 2 MiB/s is about 9.5 s; allow for slack.
    expect(ms).toBeGreaterThanOrEqual(7000);
    const dst = await listObjects(dstBucket, 2, 'bw/');
    expect(dst.map((o) => [o.key, o.etag])).toEqual(items.map((i) => [i.key, md5Hex(i.body)]));
  });

  it('job pause from another process pauses the run; job resume finishes it with exact counts', async () => {
    const items = Array.from({ length: 300 }, (_, i) => obj(`pz/k${String(i).padStart(3, '0')}`, 100 + i));
    await putMany(srcBucket, items, 1);
    await ferry.ok(0, 'job', 'create', 'pz', '--src', 'src:pz/', '--dst', 'dst:pz/', '--concurrency', '4', '--task-objects', '50');
    tap.hook = async (req) => {
      if (req.method === 'PUT' && req.bucket === dstBucket) await sleep(100);
    };
    try {
      const running = ferry.spawn('job', 'start', 'pz', '--json');
      const migratedNow = (): number =>
        db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM run_results WHERE job = 'pz' AND status = 'migrated'`)?.n ?? 0;
      await waitFor('30 objects of pz migrated', () => migratedNow() >= 30, 60_000);
      const paused = await ferry.ok(0, 'job', 'pause', 'pz');
      expect(paused.out).toMatch(/paused/);
      const ended = await running.done;
      expect(ended.code, ended.err).toBe(0);
      expect(ended.json<JobStatus>().state).toBe('paused');

      const s = await status('pz');
      expect(s.state).toBe('paused');
      expect(s.running).toBe(false);
      expect(s.run?.state).toBe('paused');
      const done = s.run!.counts.migrated;
      expect(done).toBeGreaterThanOrEqual(30);
      expect(done).toBeLessThan(300);
      const doneKeys = new Set(db.all<{ key: string }>(`SELECT key FROM run_results WHERE job = 'pz' AND status = 'migrated'`).map((r) => `pz/${r.key}`));

      const mark = tap.mark();
      const resumed = (await ferry.ok(0, 'job', 'resume', 'pz', '--json')).json<JobStatus>();
      expect(resumed.state).toBe('succeeded');
      expect(resumed.run).toMatchObject({ number: 1, state: 'succeeded' });
      expect(resumed.run?.counts).toMatchObject({ listed: 300, toCopy: 300, migrated: 300, skipped: 0, failed: 0 });
      expect(resumed.run?.counts.tasks).toMatchObject({ open: 0, pending: 0, running: 0, succeeded: 6, failed: 0 });
      // Objects finished before the pause were not read again.
      const reread = tap.since(mark).filter((r) => isObjectGet(r, srcBucket) && doneKeys.has(r.key));
      expect(reread.map((r) => r.key)).toEqual([]);
      const migrated = await report('pz', 'migrated');
      expect(migrated).toHaveLength(300);
      expect(new Set(migrated.map((r) => r.key)).size).toBe(300);
    } finally {
      tap.hook = undefined;
    }
    const dst = await listObjects(dstBucket, 2, 'pz/');
    expect(dst.map((o) => [o.key, o.etag])).toEqual(items.map((i) => [i.key, md5Hex(i.body)]));
  });
});
