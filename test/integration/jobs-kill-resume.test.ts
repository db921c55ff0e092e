// Acceptance test of durable, resumable migration jobs (issue "Migration
// jobs: durable, resumable, incremental, throttled, reported"): one job over
// 20,001 objects (20,000 small ones in p00/..p19/ and one of 300 MiB, listed
// last) is killed with SIGKILL three times, each time at a different moment,
// and restarted with `ferry job start`:
//   (a) mid-listing: listing continues from its saved cursor;
//   (b) mid-copy: objects already copied are not read again;
//   (c) mid-multipart: the 300 MiB upload continues from the parts the
//       server holds.
// Every `ferry` command is a child process (node bin/ferry.js, which loads
// dist/: `npm run build` first) talking to the real Ceph RGW through a
// counting proxy; source and destination belong to different users, so
// every copy is streamed through Ferry.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/cli/commands/job-status-view.js';
import { killAllFerryChildren, FerryProcess, type RunningFerry } from '../helpers/ferry-child.js';
import { JobDb, waitFor } from '../helpers/job-db.js';
import { isList, isListParts, isObjectGet, isObjectPut, isUploadPart, sleep, tapProxy, type ProxyTap } from '../helpers/proxy-tap.js';
import { listObjects, md5Hex, md5OfObject, openMultipartUploads, parseCsv, putMany, type BulkObject } from '../helpers/s3-bulk.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, putObject, s3Env, type S3TestEnv } from '../helpers/s3-env.js';
import { cephAddressArgs } from '../helpers/ceph-address.js';
import { startS3Proxy, type S3Proxy } from '../helpers/s3-proxy.js';

const MiB = 1024 * 1024;
const JOB = 'kill';
const SMALL = 20_000;
const BIG_KEY = 'zz/big-300mib.bin';
const BIG_SIZE = 300 * MiB;
/** ListObjectsV2 pages of the source (1,000 keys each). */
const PAGES = Math.ceil((SMALL + 1) / 1000);
/** 300 MiB in 16 MiB parts. */
const BIG_PARTS = Math.ceil(BIG_SIZE / (16 * MiB));

describe.skipIf(!hasS3())('ferry job survives kill -9 while listing, copying and uploading parts', () => {
  const env = s3Env() as S3TestEnv;
  let srcBucket = '';
  let dstBucket = '';
  let proxy: S3Proxy;
  let tap: ProxyTap;
  let ferry: FerryProcess;
  let db: JobDb;
  let bigMd5 = '';
  const delays = { list: 300, put: 20, part: 400 };

  /** Proxy log positions where each restarted process began. */
  const marks = { a: 0, b: 0, c: 0 };
  let running: RunningFerry | undefined;
  /** Keys of tasks that had succeeded, and of objects with a result, when (b) killed the job. */
  let succeededAtKillB = new Set<string>();
  let migratedAtKillB = new Set<string>();
  let finalStatus: JobStatus | undefined;

  const srcLists = (from = 0, to = Infinity): number => tap.log.slice(from, to).filter((r) => isList(r, srcBucket)).length;

  /**
   * Kills the running `job start` with SIGKILL and starts it again at once
   * (the job is still claimed by the dead process; a start on the same
   * machine takes it over without waiting for the heartbeat to go stale).
   */
  const killAndRestart = async (whileDead?: () => Promise<void> | void): Promise<number> => {
    const pid = running!.pid;
    const killed = await running!.kill9();
    expect(killed.signal).toBe('SIGKILL');
    expect(db.job(JOB)?.owner).toBe(`${hostname()}:${pid}`);
    await whileDead?.();
    const mark = tap.mark();
    running = ferry.spawn('job', 'start', JOB, '--json');
    return mark;
  };

  beforeAll(async () => {
    srcBucket = await createTestBucket('jobs-kill-src', 1);
    dstBucket = await createTestBucket('jobs-kill-dst', 2);
    const items: BulkObject[] = [];
    for (let i = 0; i < SMALL; i++) {
      items.push({ key: `p${String(i % 20).padStart(2, '0')}/obj-${String(i).padStart(5, '0')}`, body: randomBytes(200 + ((i * 7919) % 401)) });
    }
    const t0 = Date.now();
    await putMany(srcBucket, items, 1, 64);
    const big = randomBytes(BIG_SIZE);
    bigMd5 = md5Hex(big);
    await putObject(srcBucket, BIG_KEY, big, { which: 1 });
    const uploadMs = Date.now() - t0;
    console.log(`dataset: ${SMALL} small objects + 300 MiB uploaded in ${(uploadMs / 1000).toFixed(1)} s`);
    // A dataset that takes minutes to upload would crowd out the test itself.
    expect(uploadMs).toBeLessThan(150_000);

    proxy = await startS3Proxy(env.endpoint);
    tap = tapProxy(proxy);
    tap.hook = async (req) => {
      if (isList(req, srcBucket) || isList(req, dstBucket)) await sleep(delays.list);
      else if (isUploadPart(req, dstBucket)) await sleep(delays.part);
      else if (isObjectPut(req, dstBucket)) await sleep(delays.put);
    };
    ferry = new FerryProcess({ FERRY_TEST_SECRET_1: env.secretAccessKey, FERRY_TEST_SECRET_2: env.secretAccessKey2 });
    const add = (name: string, bucket: string, which: 1 | 2) => ferry.ok(0, ...cephAddressArgs(env, name, proxy.url, bucket, which));
    await add('src', srcBucket, 1);
    await add('dst', dstBucket, 2);
    // One cursor over the whole bucket (no level listing), 500 objects a task.
    await ferry.ok(0, 'job', 'create', JOB, '--src', 'src', '--dst', 'dst', '--list-depth', '0', '--list-concurrency', '1',
      '--task-objects', '500', '--part-size', '16MiB', '--part-concurrency', '2');
    db = new JobDb(ferry.dbPath);
  });

  afterAll(async () => {
    killAllFerryChildren();
    db?.close();
    await proxy?.close();
    if (srcBucket) await emptyAndDeleteBucket(srcBucket, 1);
    if (dstBucket) await emptyAndDeleteBucket(dstBucket, 2);
  });

  it('(a) killed mid-listing, continues listing from its saved cursor', async () => {
    running = ferry.spawn('job', 'start', JOB, '--json');
    const listing = () =>
      db.get<{ cursor: string | null; listing_done: number }>(
        `SELECT p.cursor, r.listing_done FROM list_parts p JOIN runs r ON r.job = p.job AND r.number = p.run WHERE p.job = ? AND p.idx = 0`, JOB);
    await waitFor('a list cursor while listing', () => {
      const l = listing();
      return l !== undefined && l.cursor !== null && l.listing_done === 0;
    });
    let saved: ReturnType<typeof listing>;
    marks.a = await killAndRestart(() => {
      saved = listing();
      expect(saved?.listing_done).toBe(0);
    });
    const before = srcLists(0, marks.a);
    expect(before).toBeLessThan(PAGES);

    await waitFor('the first source LIST after the restart', () => tap.since(marks.a).some((r) => isList(r, srcBucket)), 30_000);
    const first = tap.since(marks.a).find((r) => isList(r, srcBucket))!;
    // Continued after the last checkpointed key, not from the start (and with no stale continuation token).
    expect(first.query.get('start-after')).toBe(saved?.cursor);
    expect(first.query.has('continuation-token')).toBe(false);
    console.log(`(a) killed after ${before} source LISTs; restart listed from start-after=${saved?.cursor}`);
  });

  it('(b) killed mid-copy, does not read already copied objects again', async () => {
    const base = db.tasks(JOB).succeeded;
    const tasks = await waitFor(
      'listing done, 3 more tasks succeeded and some running',
      () => {
        const t = db.tasks(JOB);
        return db.run(JOB)?.listing_done === 1 && t.succeeded >= base + 3 && t.running > 0 && t;
      },
      120_000,
    );
    const run = db.job(JOB)!.current_run;
    succeededAtKillB = new Set(
      db.all<{ key: string }>(
        `SELECT i.key FROM task_items i JOIN tasks t ON t.job = i.job AND t.run = i.run AND t.seq = i.seq WHERE i.job = ? AND i.run = ? AND t.state = 'succeeded'`, JOB, run,
      ).map((r) => r.key),
    );
    migratedAtKillB = new Set(db.all<{ key: string }>(`SELECT key FROM run_results WHERE job = ? AND run = ? AND status = 'migrated'`, JOB, run).map((r) => r.key));
    // The scenario needs the big object (listed last) still ahead.
    expect(tap.log.some((r) => isUploadPart(r, dstBucket))).toBe(false);
    marks.b = await killAndRestart(() => {
      delays.put = 0;
    });
    expect(succeededAtKillB.size).toBeGreaterThanOrEqual(3 * 500);
    console.log(`(b) killed with tasks ${JSON.stringify(tasks)}, ${migratedAtKillB.size} objects migrated`);

    const u = await waitFor('the big object uploading', () => db.get<{ upload_id: string }>(`SELECT upload_id FROM uploads WHERE job = ? AND key = ?`, JOB, BIG_KEY), 180_000, 200);
    expect(u.upload_id).toBeTruthy();
    const reread = tap.since(marks.b).filter((r) => isObjectGet(r, srcBucket) && (succeededAtKillB.has(r.key) || migratedAtKillB.has(r.key)));
    expect(reread.map((r) => r.key)).toEqual([]);
  });

  it('(c) killed mid-multipart, continues the upload from the parts the server holds', async () => {
    const partsOk = (to?: number): number =>
      tap.log.slice(marks.b, to).filter((r) => isUploadPart(r, dstBucket) && r.key === BIG_KEY && r.status === 200).length;
    await waitFor('4 parts of the big object uploaded', () => partsOk() >= 4, 120_000);
    const upload = db.get<{ upload_id: string }>(`SELECT upload_id FROM uploads WHERE job = ? AND key = ?`, JOB, BIG_KEY)!;
    marks.c = await killAndRestart(async () => {
      // The killed process left its upload open at the destination.
      expect((await openMultipartUploads(dstBucket, 2)).map((u) => u.uploadId)).toEqual([upload.upload_id]);
      delays.part = 0;
    });
    const doneBefore = partsOk(marks.c);
    expect(doneBefore).toBeLessThan(BIG_PARTS);

    const end = await running!.done;
    expect(end.code, end.err).toBe(0);
    finalStatus = end.json<JobStatus>();
    const after = tap.since(marks.c);
    const listParts = after.filter((r) => isListParts(r, dstBucket) && r.key === BIG_KEY);
    expect(listParts.length).toBeGreaterThanOrEqual(1);
    expect(listParts[0]!.query.get('uploadId')).toBe(upload.upload_id);
    const parts = after.filter((r) => isUploadPart(r, dstBucket) && r.key === BIG_KEY);
    expect(parts.length).toBeLessThan(BIG_PARTS);
    expect(parts.length).toBeLessThanOrEqual(BIG_PARTS - doneBefore);
    expect(new Set(parts.map((r) => r.query.get('uploadId')))).toEqual(new Set([upload.upload_id]));
    // No new upload was begun.
    expect(after.filter((r) => r.method === 'POST' && r.bucket === dstBucket && r.query.has('uploads'))).toEqual([]);
    console.log(`(c) killed after ${doneBefore} of ${BIG_PARTS} parts; the restart listed parts and uploaded ${parts.length}`);

    // Nothing copied before kill (b) was read again by either later process.
    const reread = tap.since(marks.b).filter((r) => isObjectGet(r, srcBucket) && (succeededAtKillB.has(r.key) || migratedAtKillB.has(r.key)));
    expect(reread.map((r) => r.key)).toEqual([]);

    const got = await md5OfObject(dstBucket, BIG_KEY, 2);
    expect(got).toEqual({ md5: bigMd5, bytes: BIG_SIZE });
  });

  it('ends with the destination equal to the source, exact counts and reports, no open uploads', async () => {
    expect(finalStatus).toBeDefined();
    const s = finalStatus!;
    expect(s.state).toBe('succeeded');
    expect(s.run).toMatchObject({ number: 1, kind: 'full', state: 'succeeded', listingDone: true });
    expect(s.history).toHaveLength(1);

    const src = await listObjects(srcBucket, 1);
    const dst = await listObjects(dstBucket, 2);
    expect(src).toHaveLength(SMALL + 1);
    expect(dst.map((o) => o.key)).toEqual(src.map((o) => o.key));
    expect(dst.map((o) => o.size)).toEqual(src.map((o) => o.size));
    // Single-part ETags are MD5s; the big object (multipart at the destination) was compared by its bytes above.
    const small = (l: typeof src) => l.filter((o) => o.key !== BIG_KEY).map((o) => o.etag);
    expect(small(dst)).toEqual(small(src));
    const totalBytes = src.reduce((a, o) => a + o.size, 0);

    expect(s.run?.counts).toEqual({
      listed: SMALL + 1,
      listedBytes: totalBytes,
      migrated: SMALL + 1,
      migratedBytes: totalBytes,
      skipped: 0,
      failed: 0,
      toCopy: SMALL + 1,
      toCopyBytes: totalBytes,
      tasks: { open: 0, pending: 0, running: 0, succeeded: Math.ceil((SMALL + 1) / 500), failed: 0 },
    });
    const status = (await ferry.ok(0, 'job', 'status', JOB, '--json')).json<JobStatus>();
    expect(status.run?.counts).toEqual(s.run?.counts);
    expect(status.running).toBe(false);

    const migrated = parseCsv((await ferry.ok(0, 'job', 'report', JOB, '--kind', 'migrated', '--format', 'csv')).out);
    expect(migrated).toHaveLength(SMALL + 1);
    expect(new Set(migrated.map((r) => r.key)).size).toBe(SMALL + 1);
    const bySize = new Map(dst.map((o) => [o.key, o]));
    for (const r of migrated) {
      expect(bySize.get(r.key!)?.size, r.key).toBe(Number(r.size));
      expect(bySize.get(r.key!)?.etag, r.key).toBe(r.dstEtag);
    }
    expect((await ferry.ok(0, 'job', 'report', JOB, '--kind', 'failed', '--format', 'jsonl')).out).toBe('');
    expect(await openMultipartUploads(dstBucket, 2)).toEqual([]);

    // Listing was never redone: every page once, plus at most a page or two re-read at each mid-listing restart.
    const lists = srcLists();
    expect(lists).toBeGreaterThanOrEqual(PAGES);
    expect(lists).toBeLessThan(2 * PAGES);
    expect(srcLists(marks.b)).toBe(0);
    // Objects copied more than once are only those in flight at a kill.
    const puts = tap.log.filter((r) => isObjectPut(r, dstBucket));
    const recopied = puts.length - new Set(puts.map((r) => r.key)).size;
    expect(recopied).toBeLessThan(500);
    console.log(`requests: ${lists} source LISTs for ${PAGES} pages, ${puts.length} PutObject for ${SMALL} small objects (${recopied} again after a kill), ` +
      `${tap.log.filter((r) => isObjectGet(r, srcBucket)).length} source GETs, ${tap.log.filter((r) => isUploadPart(r, dstBucket)).length} UploadParts`);
  });
});
