// Acceptance test of distributed mode (issue "Distributed mode on BullMQ and
// Redis"): a coordinator (`ferry serve --queue`) and `ferry worker`
// processes, each a child process (node bin/ferry.js, which loads dist/:
// `npm run build` first), on Redis (test/helpers/redis-env.ts) and the
// project's Ceph RGW.
//   (a) 3 workers on a 20,000-object job; one is killed with SIGKILL in the
//       middle of a task and a fourth joins: the destination equals the
//       source, every object is reported once, and the killed worker's task
//       was finished by another worker.
//   (b) a global --bwlimit 3M holds for 3 workers together (total rate, not
//       per worker), and all 3 copied.
// Workers have empty homes of their own: they learn where to copy from the
// task, open the source's stored secret with the shared FERRY_SECRET_KEY and
// read the destination's from their own environment (--secret-env).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/cli/commands/job-status-view.js';
import { parseQueueUrl } from '../../src/runners/bullmq/queue-url.js';
import { hashOf, RedisLink } from '../../src/runners/bullmq/redis-link.js';
import { newHomeDir } from '../helpers/artifacts.js';
import { killAllFerryChildren, FerryProcess, type RunningFerry } from '../helpers/ferry-child.js';
import { JobDb, waitFor } from '../helpers/job-db.js';
import { hasRedis, redisUrl } from '../helpers/redis-env.js';
import { listObjects, parseCsv, putMany, type BulkObject } from '../helpers/s3-bulk.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, s3Env, type S3TestEnv } from '../helpers/s3-env.js';

const MiB = 1024 * 1024;
const SMALL = 20_000;
const TASK_OBJECTS = 500;
const BIG_COUNT = 15;
const BIG_SIZE = 2 * MiB;
const LIMIT = 3 * MiB;

interface Worker {
  id: string;
  proc: RunningFerry;
}

describe.skipIf(!hasS3() || !hasRedis())('distributed mode: ferry serve --queue and ferry worker', () => {
  const env = s3Env() as S3TestEnv;
  const queue = redisUrl()!;
  const secretKey = randomBytes(32).toString('hex');
  const buckets: { name: string; user: 1 | 2 }[] = [];
  let coordinator: FerryProcess;
  let serve: RunningFerry;
  let db: JobDb;
  let link: RedisLink;
  const workers = new Map<string, Worker>();
  let killed: { id: string; tasks: string[] } | undefined;

  const bucket = async (prefix: string, user: 1 | 2): Promise<string> => {
    const name = await createTestBucket(prefix, user);
    buckets.push({ name, user });
    return name;
  };
  /** A worker: an empty home of its own, the shared key, and the destination's secret variable only. */
  const startWorker = (n: number, ...extra: string[]): Worker => {
    const id = `w${n}-${process.pid}`;
    const home = newHomeDir(`worker${n}`);
    const proc = new FerryProcess({ FERRY_SECRET_KEY: secretKey, FERRY_TEST_SECRET_2: env.secretAccessKey2 }, home)
      .spawn('worker', '--queue', queue, '--id', id, ...extra);
    const w = { id, proc };
    workers.set(id, w);
    return w;
  };
  const addAddress = (name: string, bucketName: string, user: 1 | 2) =>
    coordinator.ok(0, 'address', 'add', name, '--type', 's3', '--provider', 'ceph', '--endpoint', env.endpoint, '--bucket', bucketName,
      ...(user === 1
        ? ['--access-key-id', env.accessKeyId, '--secret-access-key', env.secretAccessKey]
        : ['--access-key-id', env.accessKeyId2, '--secret-env', 'FERRY_TEST_SECRET_2']));
  const startedTasks = (w: Worker): string[] => {
    const text = w.proc.err();
    const started = [...text.matchAll(/task (\S+): start/g)].map((m) => m[1]!);
    return started.filter((id) => !text.includes(`task ${id}: done`));
  };
  const finish = async (job: string, timeoutMs: number): Promise<void> => {
    await waitFor(`job ${job} to end`, () => ['succeeded', 'failed', 'stopped'].includes(db.job(job)?.state ?? '') && db.job(job)?.owner === null, timeoutMs, 500);
  };
  /** What the coordinator and the workers said last, for a failure message. */
  const logs = (): string =>
    [`--- serve\n${serve?.err().slice(-4000) ?? ''}`, ...[...workers.values()].map((w) => `--- ${w.id}\n${w.proc.err().slice(-2000)}`)].join('\n');
  const orLogs = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${logs()}`, { cause: err });
    }
  };
  const status = async (job: string): Promise<JobStatus> => (await coordinator.ok(0, 'job', 'status', job, '--json', '--queue', queue)).json<JobStatus>();

  beforeAll(async () => {
    link = new RedisLink(parseQueueUrl(queue));
    // Nothing of an earlier, aborted run of this test may take our tasks.
    await link.send('FLUSHDB');
    coordinator = new FerryProcess({ FERRY_SECRET_KEY: secretKey, FERRY_TEST_SECRET_2: env.secretAccessKey2 });
    db = new JobDb(coordinator.dbPath);
  });

  afterAll(async () => {
    killAllFerryChildren();
    db?.close();
    link?.close();
    for (const b of buckets) await emptyAndDeleteBucket(b.name, b.user);
  });

  it('(a) 3 workers, one killed mid-task and a fourth started: the destination equals the source, each object counted once', async () => {
    const src = await bucket('dist-src', 1);
    const dst = await bucket('dist-dst', 2);
    const items: BulkObject[] = [];
    for (let i = 0; i < SMALL; i++) items.push({ key: `p${String(i % 20).padStart(2, '0')}/obj-${String(i).padStart(5, '0')}`, body: randomBytes(100 + ((i * 7919) % 301)) });
    const t0 = Date.now();
    await putMany(src, items, 1, 64);
    console.log(`(a) dataset: ${SMALL} objects uploaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    await addAddress('src', src, 1);
    await addAddress('dst', dst, 2);
    await coordinator.ok(0, 'job', 'create', 'dist', '--src', 'src', '--dst', 'dst', '--task-objects', String(TASK_OBJECTS), '--list-depth', '1');
    await coordinator.ok(0, 'job', 'start', 'dist', '--background');
    serve = coordinator.spawn('serve', '--queue', queue);
    // Fewer objects in flight per worker: tasks last a few seconds, so a kill lands inside one.
    for (const n of [1, 2, 3]) startWorker(n, '--concurrency', '8');
    const begun = Date.now();

    await orLogs(waitFor('5 tasks done', () => db.tasks('dist').succeeded >= 5, 180_000, 200));
    // Kill a worker inside a task: one it has been copying for a moment (so its "done" is not just on its way to us).
    const seen = new Map<string, number>();
    const victim = await waitFor('a worker in the middle of a task', () => {
      for (const w of workers.values()) {
        for (const t of startedTasks(w)) {
          const first = seen.get(t) ?? Date.now();
          seen.set(t, first);
          if (Date.now() - first >= 300) return w;
        }
      }
      return undefined;
    }, 60_000, 20);
    const inHand = startedTasks(victim);
    // No secret in clear anywhere in the queue while tasks are in it.
    let hashes = 0;
    let cursor = '0';
    do {
      const [next, found] = await link.send<[string, string[]]>('SCAN', [cursor, 'MATCH', 'bull:ferry-tasks:*', 'COUNT', 1000]);
      cursor = next;
      for (const key of found) {
        if ((await link.send<string>('TYPE', [key])) !== 'hash') continue;
        const text = Object.values(hashOf(await link.send('HGETALL', [key]))).join('\n');
        hashes++;
        expect(text).not.toContain(env.secretAccessKey);
        expect(text).not.toContain(env.secretAccessKey2);
      }
    } while (cursor !== '0');
    const killedAt = Date.now();
    const end = await victim.proc.kill9();
    expect(end.signal).toBe('SIGKILL');
    killed = { id: victim.id, tasks: inHand };
    const fourth = startWorker(4, '--concurrency', '8');
    console.log(`(a) killed ${victim.id} ${((killedAt - begun) / 1000).toFixed(1)} s in, holding ${inHand.join(', ')} (${hashes} queue hashes checked for secrets); started ${fourth.id}`);

    await orLogs(finish('dist', 200_000));
    const seconds = (Date.now() - begun) / 1000;
    const s = await status('dist');
    expect(s.state, serve.err().slice(-3000)).toBe('succeeded');

    const srcList = await listObjects(src, 1);
    const dstList = await listObjects(dst, 2);
    expect(srcList).toHaveLength(SMALL);
    expect(dstList.map((o) => o.key)).toEqual(srcList.map((o) => o.key));
    expect(dstList.map((o) => o.etag)).toEqual(srcList.map((o) => o.etag));
    const bytes = srcList.reduce((a, o) => a + o.size, 0);
    expect(s.run?.counts).toEqual({
      listed: SMALL, listedBytes: bytes, migrated: SMALL, migratedBytes: bytes, skipped: 0, failed: 0, toCopy: SMALL, toCopyBytes: bytes,
      // Level listing adds an empty task for the root (finished at once): at least SMALL / TASK_OBJECTS tasks.
      tasks: { open: 0, pending: 0, running: 0, succeeded: db.tasks('dist').succeeded, failed: 0 },
    });
    expect(db.tasks('dist').succeeded).toBeGreaterThanOrEqual(SMALL / TASK_OBJECTS);
    const migrated = parseCsv((await coordinator.ok(0, 'job', 'report', 'dist', '--kind', 'migrated', '--format', 'csv')).out);
    expect(migrated).toHaveLength(SMALL);
    expect(new Set(migrated.map((r) => r.key)).size).toBe(SMALL);
    expect((await coordinator.ok(0, 'job', 'report', 'dist', '--kind', 'failed', '--format', 'csv')).out.trim().split('\n').length).toBeLessThanOrEqual(1);

    // The killed worker's task was handed on (BullMQ's stalled-job recovery) and finished by another worker.
    const byWorker = db.all<{ seq: number; worker: string }>(`SELECT seq, worker FROM tasks WHERE job = 'dist' AND run = 1`);
    for (const id of inHand) {
      const seq = Number(id.split('__').at(-1));
      const row = byWorker.find((r) => r.seq === seq);
      expect(row?.worker, id).toBeDefined();
      expect(row?.worker, id).not.toBe(victim.id);
      expect([...workers.keys()]).toContain(row?.worker);
    }
    const doneLine = serve.err().split('\n').find((l) => l.includes(`task ${inHand[0]}: done by`)) ?? '';
    expect(doneLine).toMatch(/: done by \S+ \(after \d stalled attempt/);
    // Its lock lapses after 15 s and a stalled check runs every 5 s; then the task itself takes a few seconds.
    const recoveredS = (Date.parse(doneLine.slice(0, 24)) - killedAt) / 1000;
    expect(recoveredS).toBeLessThan(90);
    const perWorker = Object.fromEntries([...workers.keys()].map((id) => [id, byWorker.filter((r) => r.worker === id).length]));
    expect(perWorker[fourth.id]).toBeGreaterThan(0);
    console.log(`(a) ${SMALL} objects in ${seconds.toFixed(1)} s (${(SMALL / seconds).toFixed(0)} obj/s); the killed worker's task was done by another ${recoveredS.toFixed(1)} s after the kill; tasks per worker ${JSON.stringify(perWorker)}`);

    // Workers say what they do; status shows who is alive.
    expect(fourth.proc.err()).toMatch(/worker w4-\d+: taking tasks from redis:\/\/127\.0\.0\.1:\d+\/\d+ queue ferry-tasks/);
    expect(fourth.proc.err()).toMatch(/task dist__1__\d+: done, \d+ migrated, 0 failed, .* obj\/s\)/);
    const gone = await waitFor('the killed worker to show as gone', async () => {
      const w = (await status('dist')).workers?.find((x) => x.id === victim.id);
      return w && !w.alive && w;
    }, 30_000, 1000);
    expect(gone.alive).toBe(false);
    const live = (await status('dist')).workers!.filter((w) => w.alive).map((w) => w.id).sort();
    expect(live).toEqual([...workers.keys()].filter((id) => id !== victim.id).sort());
    const text = (await coordinator.ok(0, 'job', 'status', 'dist', '--queue', queue)).out;
    expect(text).toMatch(/workers: 3 alive, 1 gone/);
    expect(text).toMatch(new RegExp(`${victim.id}: gone`));
  });

  it('(b) a global --bwlimit 3M holds for 3 workers together, all of them copying', async () => {
    expect(killed).toBeDefined();
    const src = await bucket('dist-bw-src', 1);
    const dst = await bucket('dist-bw-dst', 2);
    await putMany(src, Array.from({ length: BIG_COUNT }, (_, i) => ({ key: `big-${String(i).padStart(2, '0')}.bin`, body: randomBytes(BIG_SIZE) })), 1, 8);
    await addAddress('bwsrc', src, 1);
    await addAddress('bwdst', dst, 2);
    // The two that survived (a) and the fourth.
    const three = [...workers.values()].filter((w) => w.id !== killed!.id);
    expect(three).toHaveLength(3);

    await coordinator.ok(0, 'job', 'create', 'bw', '--src', 'bwsrc', '--dst', 'bwdst', '--task-objects', '1', '--bwlimit', '3M');
    await coordinator.ok(0, 'job', 'start', 'bw', '--background');
    await orLogs(finish('bw', 120_000));
    const s = await status('bw');
    expect(s.state, serve.err().slice(-3000)).toBe('succeeded');
    expect(s.run?.counts.migrated).toBe(BIG_COUNT);
    const run = db.run('bw')!;
    const tasks = db.all<{ worker: string; started_at: number; ended_at: number }>(`SELECT worker, started_at, ended_at FROM tasks WHERE job = 'bw' AND run = 1 AND objects > 0`);
    const copying = (Math.max(...tasks.map((t) => t.ended_at)) - Math.min(...tasks.map((t) => t.started_at))) / 1000;
    const total = BIG_COUNT * BIG_SIZE;
    const rate = total / copying;
    const perWorker = Object.fromEntries(three.map((w) => [w.id, tasks.filter((t) => t.worker === w.id).length]));
    console.log(
      `(b) ${total / MiB} MiB at --bwlimit 3M with 3 workers: copied in ${copying.toFixed(1)} s = ${(rate / MiB).toFixed(2)} MiB/s in total ` +
        `(run ${((run.ended_at! - run.started_at) / 1000).toFixed(1)} s); objects per worker ${JSON.stringify(perWorker)}`,
    );
    // 30 MiB at 3 MiB/s is 10 s; three workers each limited to 3 MiB/s would take about 3.3 s.
    expect(copying).toBeGreaterThanOrEqual(8);
    expect(rate).toBeLessThan(LIMIT * 1.25);
    for (const w of three) expect(perWorker[w.id], w.id).toBeGreaterThan(0);
    const dstList = await listObjects(dst, 2);
    expect(dstList.map((o) => o.etag)).toEqual((await listObjects(src, 1)).map((o) => o.etag));
  });

  it('stops cleanly: SIGTERM lets workers and the coordinator exit 0', async () => {
    for (const w of workers.values()) if (w.id !== killed?.id) w.proc.child.kill('SIGTERM');
    serve.child.kill('SIGTERM');
    for (const w of workers.values()) {
      if (w.id === killed?.id) continue;
      const r = await w.proc.done;
      expect(r.code, r.err.slice(-2000)).toBe(0);
      // A status line came every 10 s while it ran; SIGTERM let it finish what it held.
      expect(r.err).toMatch(/status: (idle, waiting for tasks|copying [^;]+); .* obj\/s; done \d+ task\(s\)/);
      expect(r.err).toMatch(/SIGTERM: finishing the task\(s\) in hand/);
      expect(r.err).toMatch(new RegExp(`worker ${w.id}: stopped after \\d+ task\\(s\\)`));
    }
    expect((await serve.done).code).toBe(0);
  });
});
